"""Writing and checking the audit trail (SECURITY.md "audit").

Entries are written in the same transaction as the change they describe, so a failed audit write fails the
action (fail-closed). Each entry's hash covers its content and the previous entry's hash; ``verify_chain`` finds
the first entry that was changed or removed.
"""

import datetime
import hashlib
import json

from django.db import connection, transaction
from django.utils import timezone

from zyparty import context
from zyparty.models import AuditAction, AuditEntry

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


def record(action, obj=None, *, changes=None, detail="", result="success", object_type=None, object_id=None,
           object_repr=None, user=None):
    """Append one entry for ``action`` done by the current actor (or ``user``) on ``obj``."""
    actor = context.current()
    who = user if user is not None else actor.user
    if who is not None and not getattr(who, "is_authenticated", False):
        who = None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
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
            object_type=object_type if object_type is not None else _label(obj),
            object_id=str(object_id if object_id is not None else getattr(obj, "pk", "") or ""),
            object_repr=(object_repr if object_repr is not None else (str(obj) if obj is not None else ""))[:200],
            changes=changes or {},
            result=result,
            detail=detail,
            prev_hash=last,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    return entry


def verify_chain(queryset=None):
    """(True, None) if every entry matches its hash and links to the one before; else (False, first bad entry id)."""
    previous = None
    for entry in (queryset or AuditEntry.objects.all()).order_by("id").iterator(chunk_size=2000):
        if entry.hash != entry_hash(entry):
            return False, entry.pk
        if previous is not None and entry.prev_hash != previous:
            return False, entry.pk
        previous = entry.hash
    return True, None


__all__ = ["AuditAction", "record", "verify_chain", "entry_hash"]
