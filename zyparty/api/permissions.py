"""Deny by default (SECURITY.md "access"; 等保三级 8.1.4.2 访问控制; OWASP ASVS 5.0 V8)."""

from rest_framework import permissions


def _second_factor_missing(user) -> bool:
    """The three administrator roles act only after TOTP verification, on the API as in the admin."""
    if not getattr(user, "is_admin_role", False):
        return False
    verified = getattr(user, "is_verified", None)
    return not (callable(verified) and verified())


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
        if request.user and request.user.is_authenticated and _second_factor_missing(request.user):
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
        return bool(request.user and request.user.is_authenticated and not _second_factor_missing(request.user)
                    and request.user.has_perm(view.required_permission))
