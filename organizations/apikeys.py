"""Creating, checking and revoking partner API keys (CONTRACT.md "Auth"; SECURITY.md "API": expiring, revocable,
hashed, scoped keys).

A key is shown once; only its SHA-256 is stored (the key is random with 256 bits of entropy, so a fast hash is
enough; what matters is that the database alone cannot call the API). Each key has its own service user of role
``partner`` whose unit or organization is the key's scope; deactivating that user revokes the key.
"""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from organizations.models import ApiClient, User
from organizations.roles import Role
from zyparty import audit
from zyparty.models import AuditAction

KEY_PREFIX = "zyp_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_client_create(*, name, unit=None, organization=None, read_only=False, expires_at=None):
    """Create a partner client with its own service user scoped to ``unit`` or ``organization``; return (client, key)."""
    user = User(username=f"api-{secrets.token_hex(6)}", role=Role.PARTNER, unit=unit, organization=organization,
                first_name=name[:150])
    user.set_unusable_password()
    user.password_changed_at = timezone.now()
    user.save()
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    client = ApiClient.objects.create(name=name, user=user, key_prefix=prefix, key_hash=_hash(key),
                                      read_only=read_only, expires_at=expires_at)
    audit.record(AuditAction.KEY, client, detail="created",
                 changes={"scope": unit.code if unit else f"org:{organization.pk}" if organization else "",
                          "read_only": read_only, "expires_at": expires_at.isoformat() if expires_at else None})
    return client, key


def api_client_for_key(key: str):
    """The usable client holding ``key``, or None (unknown, wrong, expired, revoked, or its user deactivated)."""
    if not key.startswith(KEY_PREFIX) or key.count("_") < 2:
        return None
    prefix = key[len(KEY_PREFIX):].split("_", 1)[0]
    client = ApiClient.objects.select_related("user", "user__unit").filter(key_prefix=prefix).first()
    if client is None or not hmac.compare_digest(client.key_hash, _hash(key)) or not client.is_usable:
        return None
    return client


@transaction.atomic
def api_client_revoke(*, client, reason=""):
    """Revoke one key now (audited). Revoking a revoked key keeps its first revocation time."""
    if client.revoked_at is not None:
        return client
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    audit.record(AuditAction.KEY, client, detail=f"revoked {reason}".strip())
    return client


@transaction.atomic
def api_clients_revoke_for_user(*, user) -> int:
    """Deactivation of a user revokes the keys it holds (SECURITY.md "sessions"); returns how many."""
    clients = list(ApiClient.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    for client in clients:
        api_client_revoke(client=client, reason="user deactivated")
    return len(clients)
