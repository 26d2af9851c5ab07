"""Deny by default (SECURITY.md "access"; 等保三级 8.1.4.2 访问控制; OWASP ASVS 5.0 V8)."""

import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework import permissions


def _second_factor_missing(user) -> bool:
    """The three administrator roles act only after TOTP verification, on the API as in the admin."""
    if not getattr(user, "is_admin_role", False):
        return False
    verified = getattr(user, "is_verified", None)
    return not (callable(verified) and verified())


def _password_expired(request) -> bool:
    """A browser session (no API key) of a user whose password is past ``PASSWORD_MAX_AGE_DAYS`` or was set by an
    administrator acts nowhere until it is changed — on the API as on the pages (zyparty.middleware)."""
    if getattr(request, "auth", None) is not None:
        return False  # a partner key: its service user has no password to age
    changed = getattr(request.user, "password_changed_at", None)
    return changed is None or timezone.now() - changed > datetime.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


def _refused(request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and (_second_factor_missing(user) or _password_expired(request)))


class ModelPermissions(permissions.DjangoModelPermissions):
    """Authenticated, and the role holds the model permission for the method — ``view_*`` for reads too, which
    DRF's DjangoModelPermissions does not require. A read-only API key cannot write."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        client = getattr(request, "auth", None)
        if getattr(client, "read_only", False) and request.method not in permissions.SAFE_METHODS:
            return False
        if _refused(request):
            return False
        if getattr(view, "_ignore_model_permissions", False):
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)


class HasPermission(permissions.BasePermission):
    """For views without a model queryset: ``required_permission`` on the view (a read-only key may only read)."""

    def has_permission(self, request, view):
        client = getattr(request, "auth", None)
        if getattr(client, "read_only", False) and request.method not in permissions.SAFE_METHODS:
            return False
        return bool(request.user and request.user.is_authenticated and not _refused(request)
                    and request.user.has_perm(view.required_permission))
