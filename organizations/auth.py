"""Permissions from roles (organizations.roles), for Django's admin, DRF and views alike; ending a user's sessions."""

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.roles import ROLE_PERMISSIONS


class RoleBackend(ModelBackend):
    """Authenticates like ModelBackend (inactive users cannot sign in, and their sessions stop resolving to them);
    a user's permissions are exactly those of their one role (三权分立: roles never combine)."""

    @staticmethod
    def _role_permissions(user_obj):
        if not user_obj.is_active or user_obj.is_anonymous:
            return frozenset()
        return ROLE_PERMISSIONS.get(user_obj.role, frozenset())

    def get_all_permissions(self, user_obj, obj=None):
        return set(self._role_permissions(user_obj))

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        # Called dozens of times per admin page: a set lookup, no copy.
        return perm in self._role_permissions(user_obj)

    def has_module_perms(self, user_obj, app_label):
        prefix = app_label + "."
        return any(p.startswith(prefix) for p in self._role_permissions(user_obj))


def user_sessions_end(*, user) -> int:
    """Delete every live session of ``user`` (deactivation, SECURITY.md "sessions"); returns how many.

    Sessions are stored in the database (Django's default engine) and keyed by session id, not by user, so the live
    ones are decoded and matched; a county's portal has at most a few thousand at a time."""

    doomed = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500):
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            doomed.append(session.pk)
    if doomed:
        Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)


class NotUsernameValidator:
    """A password may not contain the account's username (SECURITY.md "accounts": not the username; 等保三级 8.1.4.1 a
    口令复杂度). Django's similarity check misses a username inside a longer password; this does not."""

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").strip().lower()
        if len(username) >= 3 and username in (password or "").lower():
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self):
        return _("密码不能包含用户名。")
