"""Request context (request id, actor, IP) for audit, and the account policy: password age, admin-role 2FA, no caching
of pages that show personal data."""

import uuid

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode

from zyparty import audit, context
from zyparty.models import AuditAction
from zyparty.views import permission_denied


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
            denied = getattr(request, "_zyparty_denied", None)
            if denied is not None:  # an API refusal, recorded once its request's transaction has ended

                audit.record(AuditAction.DENIED, None, result="failure", **denied)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class AccountPolicyMiddleware:
    """After authentication (SECURITY.md "sessions", "2FA", "HTTP"; 等保三级 8.1.4.1 身份鉴别):

    - binds the user to the audit context;
    - forces a password change after ``PASSWORD_MAX_AGE_DAYS`` (or when an administrator set the password);
    - the three administrator roles need a verified TOTP device (django-otp): admin pages answer 403 until then,
      other pages send them to the second-factor page (which, like the rest of ``/accounts/``, stays reachable);
    - responses to signed-in users are never stored by browsers or proxies (``Cache-Control: no-store``): nearly
      every page shows personal data.
    """

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/api/")
    ADMIN_OPEN = ("/admin/login/", "/admin/logout/", "/admin/jsi18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in:
            actor = getattr(request, "_zyparty_actor", None)
            if actor is not None:
                actor.user = user
        response = self._policy(request, user) if signed_in else None
        if response is None:
            response = self.get_response(request)
        if signed_in and not request.path.startswith("/static/") and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response

    def _policy(self, request, user):
        path = request.path
        if path.startswith(self.EXEMPT_PREFIXES):
            return None
        changed = user.password_changed_at
        max_age = timezone.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
        if changed is None or timezone.now() - changed > max_age:
            return redirect(reverse("password_change") + "?expired=1")
        if getattr(user, "is_admin_role", False) and not user.is_verified():
            if path.startswith("/admin/") and not path.startswith(self.ADMIN_OPEN):
                return permission_denied(request, reason="otp")
            if not path.startswith("/admin/"):
                return redirect(reverse("otp_verify") + "?" + urlencode({"next": request.get_full_path()}))
        return None
