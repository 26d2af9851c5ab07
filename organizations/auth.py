"""Permissions from roles (organizations.roles), for Django's admin, DRF and views alike."""

from django.contrib.auth.backends import ModelBackend

from organizations.roles import ROLE_PERMISSIONS


class RoleBackend(ModelBackend):
    """Authenticates like ModelBackend; a user's permissions are exactly those of their role."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(ROLE_PERMISSIONS.get(user_obj.role, ()))

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj)

    def has_module_perms(self, user_obj, app_label):
        return any(p.startswith(app_label + ".") for p in self.get_all_permissions(user_obj))
