"""The audit trail of model changes and sign-ins, written from signals in the same transaction as the change."""

import datetime
import decimal

from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from zyparty import audit, context
from zyparty.models import AuditAction, TrackedModel

SKIP = {"updated_at", "created_at", "version", "updated_by_id", "created_by_id", "id_digest", "phone_digest",
        "id_masked", "phone_masked", "name_initials", "liaison_phone_masked", "password", "last_login"}


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime, decimal.Decimal)):
        return str(value)
    return value


def _snapshot(instance, values=None):
    """Field values as the audit trail shows them: personal data masked, never in clear."""
    personal = getattr(instance, "personal_fields", {})
    out = {}
    for field in instance._meta.concrete_fields:
        name = field.attname
        if name in SKIP:
            continue
        value = values.get(name) if values is not None else getattr(instance, name)
        if field.name in personal:
            if values is not None and isinstance(value, str) and value.startswith("v1:"):
                from zyparty import crypto

                value = crypto.decrypt(value)
            value = personal[field.name](value or "")
        out[name] = _plain(value)
    return out


def _diff(instance):
    before = instance.loaded_values()
    after = _snapshot(instance)
    if before is None:
        return {"after": after}
    before = _snapshot(instance, before)
    changed = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    return {"changed": changed}


@receiver(post_save)
def audit_save(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, TrackedModel):
        return
    action = AuditAction.CREATE if created else AuditAction.UPDATE
    audit.record(action, instance, changes=_diff(instance))


@receiver(post_delete)
def audit_delete(sender, instance, **kwargs):
    if isinstance(instance, TrackedModel):
        audit.record(AuditAction.DELETE, instance, changes={"before": _snapshot(instance)})


def _bind(request, user):
    actor = getattr(request, "_zyparty_actor", None) if request is not None else None
    if actor is not None:
        actor.user = user


@receiver(auth_signals.user_logged_in)
def audit_login(sender, request, user, **kwargs):
    _bind(request, user)
    audit.record(AuditAction.LOGIN, user, user=user, object_repr=user.username)


@receiver(auth_signals.user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(AuditAction.LOGOUT, user, user=user, object_repr=user.username)


@receiver(auth_signals.user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")[:150]
    audit.record(AuditAction.LOGIN_FAILED, None, object_type="organizations.user", object_repr=username,
                 result="failure")


try:
    from axes.signals import user_locked_out
except ImportError:  # pragma: no cover
    user_locked_out = None

if user_locked_out is not None:
    @receiver(user_locked_out)
    def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
        audit.record(AuditAction.LOCKOUT, None, object_type="organizations.user", object_repr=username or "",
                     detail=f"ip={ip_address}", result="failure")


__all__ = ["context"]
