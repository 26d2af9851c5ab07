"""Writing, checking and purging the audit trail (SECURITY.md "audit"; 等保三级 8.1.4.3 安全审计; PIPL Art. 51, 54).

The public API other apps call — keep it stable:

``record(action, obj=None, *, changes=None, detail="", result="success", object_type=None, object_id=None,
object_repr=None, user=None) -> AuditEntry``
    Append one entry for ``action`` (an :class:`AuditAction`) done by the current actor (``zyparty.context``:
    user, role, IP, request id and channel are filled in from the request or task) or by ``user`` if given.
    ``obj`` is a model instance or a model class (for actions on a set, such as an export); ``object_type`` /
    ``object_id`` / ``object_repr`` override what is derived from it. ``changes`` is a JSON-serialisable dict,
    ``detail`` free text; both are scrubbed of ID numbers and mobile numbers before they are stored. Imports and
    exports call it like this::

        audit.record(AuditAction.EXPORT, Worker, detail="农民工台账 xlsx",
                     changes={"rows": 1200, "filters": {"unit": "610924100"}})
        audit.record(AuditAction.IMPORT, Worker, result="failure", detail="3 处错误，未写入",
                     changes={"file": "台账.xlsx", "rows": 999, "created": 0, "updated": 0})

    The entry is written in the caller's transaction: if the write fails the exception propagates and the
    action it describes is rolled back with it (fail-closed). Never catch its exceptions to carry on.

``verify_chain(queryset=None) -> (ok, first_bad_id)``
    Recomputes every entry's hash and link. A changed, inserted or removed entry breaks the chain at the first
    entry whose hash or ``prev_hash`` no longer matches; the head of the chain must be the genesis entry or the
    successor of the last entry removed by a recorded purge.

``audit_purge(*, now=None) -> int``
    Removes entries older than ``settings.AUDIT_RETENTION_DAYS`` (never fewer than 180 days), oldest first and
    contiguous, and records the purge itself. The only code path allowed to delete entries (see the append-only
    queryset in zyparty.models and the PostgreSQL trigger of migration 0003).
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from zyparty import context
from zyparty.masking import scrub
from zyparty.models import AuditAction, AuditEntry, _purging

MIN_RETENTION_DAYS = 180  # SECURITY.md "audit": kept ≥180 days (网络安全法 第二十一条: logs kept ≥ six months)
_CHAIN_LOCK = 748_201  # pg_advisory_xact_lock key: one writer extends the chain at a time
_HASHED = ("at", "actor_id", "actor_name", "actor_role", "ip", "request_id", "channel", "action", "object_type",
           "object_id", "object_repr", "changes", "result", "detail", "prev_hash")


def _canonical(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def entry_hash(entry) -> str:
    payload = {name: _canonical(getattr(entry, name)) for name in _HASHED}
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _label(obj):
    return f"{obj._meta.app_label}.{obj._meta.model_name}" if obj is not None else ""


def _scrubbed(value):
    """No full ID number or mobile number in the trail, even inside free text (PIPL Art. 51)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrubbed(v) for v in value]
    return value


def _lock_chain():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


def record(action, obj=None, *, changes=None, detail="", result="success", object_type=None, object_id=None,
           object_repr=None, user=None):
    """Append one entry for ``action`` done by the current actor (or ``user``) on ``obj`` (see the module doc)."""
    actor = context.current()
    who = user if user is not None else actor.user
    if who is not None and not getattr(who, "is_authenticated", False):
        who = None
    if isinstance(obj, type):  # a model class: an action on a set of its records
        default_type, default_id, default_repr = _label(obj), "", str(obj._meta.verbose_name_plural)
    else:
        default_type = _label(obj)
        default_id = getattr(obj, "pk", "") if obj is not None else ""
        default_repr = str(obj) if obj is not None else ""
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        entry = AuditEntry(
            at=timezone.now(),
            actor_id=getattr(who, "pk", None),
            actor_name=getattr(who, "username", "") or "",
            actor_role=getattr(who, "role", "") or "",
            ip=actor.ip or "",
            request_id=actor.request_id,
            channel=actor.channel,
            action=action,
            object_type=object_type if object_type is not None else default_type,
            object_id=str(object_id if object_id is not None else default_id or "")[:64],
            object_repr=scrub(object_repr if object_repr is not None else default_repr)[:200],
            changes=_scrubbed(changes or {}),
            result=result,
            detail=scrub(detail or ""),
            prev_hash=last,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    return entry


def verify_chain(queryset=None):
    """(True, None) if every entry matches its hash and links to the one before; else (False, first bad entry id).

    Given a ``queryset`` (a slice of the trail) only the links inside it are checked."""
    whole = queryset is None
    entries = (AuditEntry.objects.all() if whole else queryset).order_by("id")
    previous = None
    for entry in entries.iterator(chunk_size=2000):
        if entry.hash != entry_hash(entry):
            return False, entry.pk
        if previous is None:
            if whole and entry.prev_hash and not _purged_up_to(entry.prev_hash):
                return False, entry.pk  # entries before this one were removed, and not by a recorded purge
        elif entry.prev_hash != previous:
            return False, entry.pk
        previous = entry.hash
    return True, None


def _purged_up_to(entry_hash_value) -> bool:
    return AuditEntry.objects.filter(action=AuditAction.PURGE, changes__last_hash=entry_hash_value).exists()


def retention_days() -> int:
    return max(MIN_RETENTION_DAYS, int(getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)))


def audit_purge(*, now=None) -> int:
    """Remove entries older than the retention period and record the purge; returns how many were removed.

    Removal is contiguous from the oldest entry up to the first entry inside the retention period, so the chain
    that remains has one head (whose ``prev_hash`` names the last removed entry, written into the purge record)
    and no holes, even if clocks made some ``at`` values non-monotonic."""
    days = retention_days()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    with transaction.atomic():
        _lock_chain()
        first_kept = AuditEntry.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
        doomed = AuditEntry.objects.filter(at__lt=cutoff)
        if first_kept is not None:
            doomed = doomed.filter(id__lt=first_kept)
        last = doomed.order_by("-id").values_list("id", "hash").first()
        deleted = 0
        if last is not None:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # SET LOCAL: ends with this transaction (trigger in 0003)
                    cursor.execute("SELECT set_config('zyparty.audit_purge', 'on', true)")
            token = _purging.set(True)
            try:
                deleted, _ = AuditEntry.objects.filter(id__lte=last[0]).delete()
            finally:
                _purging.reset(token)
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT set_config('zyparty.audit_purge', 'off', true)")
        record(AuditAction.PURGE, AuditEntry, detail=f"保留{days}天，删除{deleted}条早于{cutoff:%Y-%m-%d}的日志",
               changes={"deleted": deleted, "cutoff": cutoff.isoformat(), "retention_days": days,
                        "last_id": last[0] if last else None, "last_hash": last[1] if last else ""})
    return deleted


__all__ = ["AuditAction", "record", "verify_chain", "entry_hash", "audit_purge", "retention_days"]
