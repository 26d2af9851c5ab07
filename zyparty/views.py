"""Account pages (login, password change, second factor) and generic error responses
(SECURITY.md "accounts", "2FA", "HTTP": generic error pages; 等保三级 8.1.4.1 身份鉴别)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login

from zyparty import audit
from zyparty.models import AuditAction


class LoginView(auth_views.LoginView):
    """Django's login: a new session id on success (``login()`` cycles the key), django-axes counting failures."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("expired"):
            messages.warning(request, _("您的密码已超过有效期或为初始密码，请先修改密码。"))
        return super().get(request, *args, **kwargs)


class TokenForm(forms.Form):
    token = forms.CharField(label=_lazy("动态口令"), max_length=8,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


@login_required
def otp_verify(request):
    """Second factor (TOTP, django-otp) for the system, security and audit administrators. Wrong tokens are
    audited; django-otp throttles a device after repeated failures."""
    form = TokenForm(request.POST or None)
    target = request.GET.get("next") or "/admin/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/admin/"
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(target)
        audit.record(AuditAction.LOGIN_FAILED, request.user, detail="otp", result="failure")
        form.add_error("token", _("动态口令不正确或已过期。"))
    has_device = any(True for _device in devices_for_user(request.user, confirmed=True))
    return render(request, "registration/otp_verify.html", {"form": form, "has_device": has_device})


def lockout_response(request, credentials=None, *args, **kwargs):
    """django-axes lockout (SECURITY.md "accounts": 5 failures by username or IP → 15 minutes)."""

    minutes = int(round(float(settings.AXES_COOLOFF_TIME) * 60))
    message = _("登录失败次数过多，账号已锁定%(minutes)s分钟，请稍后再试或联系安全管理员。") % {"minutes": minutes}
    headers = {"Retry-After": str(minutes * 60)}
    if request.path.startswith("/api/") or request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"detail": message}, status=429, headers=headers)
    response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = headers["Retry-After"]
    return response


def permission_denied(request, exception=None, reason=""):
    """The 403 page (handler403), recorded in the audit trail (SECURITY.md "audit": every denial)."""
    audit.record(AuditAction.DENIED, None, object_type="page", object_repr=request.path[:200],
                 detail=f"{request.method} {reason}".strip(), result="failure")
    return render(request, "403.html", {"reason": reason, "next": request.get_full_path()}, status=403)
