"""Receivers of the signals plumbing defines (zyparty.events) for what this app owns: accounts, sessions, API keys.
Connected in ``OrganizationsConfig.ready()``."""

from django.dispatch import receiver

from organizations.apikeys import api_clients_revoke_for_user
from organizations.auth import user_sessions_end
from zyparty import events


@receiver(events.access_ended, dispatch_uid="organizations.end_sessions_and_keys")
def end_sessions_and_keys(sender, user, revoke_keys, **kwargs):
    """A deactivated or deleted account is signed out everywhere at once, and a deactivated one loses its API keys
    (SECURITY.md "sessions"); a deleted account's keys are deleted with it."""
    user_sessions_end(user=user)
    if revoke_keys:
        api_clients_revoke_for_user(user=user)
