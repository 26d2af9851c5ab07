"""The audit trail of model changes, accounts and sign-ins, written from signals in the same transaction as the change
(SECURITY.md "audit": create/update/delete, login/logout/failed login/lockout, role change; 等保三级 8.1.4.3).

Personal values are masked in "before → after" (PIPL Art. 51); password hashes are never written, only the fact
that a password changed.
"""

import datetime
import decimal

from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from zyparty import audit, checks, context, crypto, events  # noqa: F401  (checks: registers the deploy checks)
from zyparty.masking import mask_phone
from zyparty.models import AuditAction, TrackedModel

# Bookkeeping every record or account has, never news in a trail. A model leaves out its own derived companions
# (keyed hashes, masked copies, pinyin initials: the audited field already says it) with ``audit_exclude``.
SKIP = frozenset({"updated_at", "created_at", "version", "updated_by_id", "created_by_id", "password", "last_login"})


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime, decimal.Decimal)):
        return str(value)
    return value


def _snapshot(instance, values=None):
    """Field values as the audit trail shows them: personal data masked, never in clear."""
    personal = getattr(instance, "personal_fields", {})
    skip = SKIP.union(getattr(type(instance), "audit_exclude", ()))
    out = {}
    for field in instance._meta.concrete_fields:
        name = field.attname
        if name in skip:
            continue
        value = values.get(name) if values is not None else getattr(instance, name)
        if field.name in personal:
            if values is not None and isinstance(value, str) and value.startswith("v1:"):
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


# Accounts ----------------------------------------------------------------------------------------------------
# The user model is not a TrackedModel (it is Django's AbstractUser); its changes are audited here. A change of
# role or of the place the role applies to is an authorization change (AuditAction.ROLE_CHANGE).
USER_AUTHORIZATION = ("role", "unit_id", "organization_id", "enterprise_id", "host_organization_id", "is_superuser",
                      "is_staff")
USER_ACCOUNT = ("username", "first_name", "last_name", "email", "phone", "is_active")
USER_MASKED = {"phone": mask_phone}


def _user_values(values):
    return {name: USER_MASKED[name](values.get(name) or "") if name in USER_MASKED else values.get(name)
            for name in USER_AUTHORIZATION + USER_ACCOUNT}


def _is_user(sender):
    return sender._meta.label_lower == settings.AUTH_USER_MODEL.lower()


@receiver(pre_save)
def remember_user_before(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or not _is_user(sender) or instance.pk is None:
        return
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # the login itself is audited as LOGIN
    instance._audit_before = (
        sender._base_manager.filter(pk=instance.pk).values(*USER_AUTHORIZATION, *USER_ACCOUNT, "password").first()
    )


@receiver(post_save)
def audit_user_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or not _is_user(sender):
        return
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    after = _user_values({name: getattr(instance, name) for name in USER_AUTHORIZATION + USER_ACCOUNT})
    before_raw = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if created or before_raw is None:
        audit.record(AuditAction.CREATE, instance, object_repr=instance.username, changes={"after": after})
        return
    before = _user_values(before_raw)
    changed = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if before_raw["password"] != instance.password:
        changed["password"] = ["******", "******（已修改）"]
    if not changed:
        return
    authorization = any(name in changed for name in USER_AUTHORIZATION)
    audit.record(AuditAction.ROLE_CHANGE if authorization else AuditAction.UPDATE, instance,
                 object_repr=instance.username, changes={"changed": changed})
    if before_raw["is_active"] and not instance.is_active:
        _end_access(instance)


@receiver(post_delete)
def audit_user_delete(sender, instance, **kwargs):
    if not _is_user(sender):
        return
    audit.record(AuditAction.DELETE, instance, object_repr=instance.username,
                 changes={"before": _user_values({n: getattr(instance, n) for n in USER_AUTHORIZATION + USER_ACCOUNT})})
    _end_access(instance, keys=False)  # its keys go with it (cascade)


def _end_access(user, keys=True):
    """Deactivation ends the user's sessions and revokes its API keys at once (SECURITY.md "sessions"): done by the
    app that owns sessions and keys, on ``events.access_ended``."""
    events.access_ended.send(sender=type(user), user=user, revoke_keys=keys)


# Second-factor devices (registered by the security administrator): who got, lost or had changed a device.
# django-otp saves a device on every verification (counters, drift), so only these fields count as a change.
TOTP_FIELDS = ("user_id", "name", "key", "confirmed", "digits", "step")


def _is_totp(sender):
    return sender._meta.label_lower == "otp_totp.totpdevice"


@receiver(pre_save)
def remember_device_before(sender, instance, raw=False, **kwargs):
    if not raw and _is_totp(sender) and instance.pk is not None:
        instance._audit_before = sender._base_manager.filter(pk=instance.pk).values(*TOTP_FIELDS).first()


@receiver(post_save)
def audit_device_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _is_totp(sender):
        return
    owner = getattr(instance.user, "username", "")
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if created or before is None:
        audit.record(AuditAction.KEY, instance, object_repr=f"{owner} TOTP", detail="totp device registered",
                     changes={"after": {"user_id": instance.user_id, "name": instance.name,
                                        "confirmed": instance.confirmed}})
        return
    changed = {name: ["******", "******（已更换）"] if name == "key" else [before[name], getattr(instance, name)]
               for name in TOTP_FIELDS if before[name] != getattr(instance, name)}
    if changed:
        audit.record(AuditAction.KEY, instance, object_repr=f"{owner} TOTP", detail="totp device changed",
                     changes={"changed": changed})


@receiver(post_delete)
def audit_device_delete(sender, instance, **kwargs):
    if _is_totp(sender):
        audit.record(AuditAction.KEY, instance, object_repr=f"{getattr(instance.user, 'username', '')} TOTP",
                     detail="totp device removed")


# Sign-ins ------------------------------------------------------------------------------------------------------
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
    username = str((credentials or {}).get("username", ""))[:150]
    # Refused by django-axes while locked (the failure count is only set when axes counted this attempt).
    locked = bool(getattr(request, "axes_locked_out", False)) and getattr(
        request, "axes_failures_since_start", 0) is None
    audit.record(AuditAction.LOGIN_FAILED, None, object_type=settings.AUTH_USER_MODEL.lower(), object_repr=username,
                 detail="locked" if locked else "", result="failure")


try:
    from axes.signals import user_locked_out
except ImportError:  # pragma: no cover
    user_locked_out = None

if user_locked_out is not None:
    @receiver(user_locked_out)
    def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
        # django-axes sends this both when a failure reaches the limit and for every attempt refused while
        # locked; only the first is the lockout event (the refused attempts are LOGIN_FAILED "locked").
        if request is not None and getattr(request, "axes_failures_since_start", None) is None:
            return
        audit.record(AuditAction.LOCKOUT, None, object_type=settings.AUTH_USER_MODEL.lower(), object_repr=username or "",
                     detail=f"ip={ip_address}", result="failure")


__all__ = ["context"]
