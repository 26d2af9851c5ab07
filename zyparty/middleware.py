"""Request context (request id, actor, IP) for audit, and the account policy: password age, admin-role 2FA."""

import uuid

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from zyparty import context


def client_ip(request) -> str:
    """The client address; behind N trusted proxies, the Nth address from the right of X-Forwarded-For."""
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex
        channel = "api" if request.path.startswith("/api/") else "admin" if request.path.startswith("/admin/") else "web"
        request.request_id = request_id
        actor = context.Actor(user=None, ip=client_ip(request), request_id=request_id, channel=channel)
        token = context.set_actor(actor)
        try:
            # The user is resolved lazily by AuthenticationMiddleware later; the actor reads it on first use.
            request._zyparty_actor = actor
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class AccountPolicyMiddleware:
    """After authentication: bind the user to the audit context, force a password change after
    ``PASSWORD_MAX_AGE_DAYS`` and a verified TOTP device for the three administrator roles."""

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        actor = getattr(request, "_zyparty_actor", None)
        user = getattr(request, "user", None)
        if actor is not None and user is not None and user.is_authenticated:
            actor.user = user
        if user is not None and user.is_authenticated and not request.path.startswith(self.EXEMPT_PREFIXES):
            changed = user.password_changed_at
            max_age = timezone.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
            if changed is None or timezone.now() - changed > max_age:
                return redirect(reverse("password_change") + "?expired=1")
            if user.is_admin_role and not user.is_verified():
                return redirect(reverse("otp_verify") + f"?next={request.path}")
        return self.get_response(request)
