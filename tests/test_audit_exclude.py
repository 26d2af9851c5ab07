"""What the audit trail leaves out (zyparty.signals): plumbing's bookkeeping (timestamps, version, editors) for every
record, and for each model the derived companions it declares in ``audit_exclude`` — keyed hashes, masked copies and
pinyin initials, whose source field the trail already shows, masked (SECURITY.md "audit"; PIPL Art. 51)."""

import json

import pytest
from django.apps import apps

from tests.factories import worker
from zyparty import signals
from zyparty.models import AuditAction, AuditEntry, TrackedModel

pytestmark = pytest.mark.django_db

COMPANION_SUFFIXES = ("_digest", "_masked", "_initials")


def _tracked_models():
    return [m for m in apps.get_models() if issubclass(m, TrackedModel)]


def test_every_derived_companion_is_declared_by_its_model():
    """A new keyed hash, masked copy or initials field stays out of the trail only if its model says so."""
    missing = {}
    for model in _tracked_models():
        companions = {f.attname for f in model._meta.concrete_fields if f.attname.endswith(COMPANION_SUFFIXES)}
        left_in = companions - set(getattr(model, "audit_exclude", ()))
        if left_in:
            missing[model._meta.label] = sorted(left_in)
    assert not missing


def test_declared_exclusions_name_real_fields():
    for model in _tracked_models():
        attnames = {f.attname for f in model._meta.concrete_fields}
        assert set(getattr(model, "audit_exclude", ())) <= attnames, model._meta.label


def test_plumbing_skips_only_its_own_bookkeeping():
    assert signals.SKIP == {"updated_at", "created_at", "version", "updated_by_id", "created_by_id", "password",
                            "last_login"}


def test_a_created_worker_is_audited_without_companions(world):
    person = worker(world.town_a, world.village_a, name="钱多多", phone="13912345678")
    entry = AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="ledgers.worker",
                                      object_id=str(person.pk)).get()
    after = entry.changes["after"]
    for name in ("id_digest", "phone_digest", "id_masked", "phone_masked", "name_initials", "created_at",
                 "updated_at", "version", "created_by_id", "updated_by_id"):
        assert name not in after, name
    assert after["phone"] == "139****5678" and after["name"] == "钱多多" and after["town_id"] == world.town_a.pk
    assert person.id_digest not in json.dumps(entry.changes) and "13912345678" not in json.dumps(entry.changes)


def test_a_changed_organization_is_audited_without_its_masked_phone(world):
    org = world.org_a
    org.secretary_phone = "13712345678"
    org.save()
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type="organizations.partyorganization",
                                      object_id=str(org.pk)).latest("id")
    changed = entry.changes["changed"]
    assert changed["secretary_phone"] == ["", "137****5678"]
    assert "secretary_phone_masked" not in changed and "updated_at" not in changed and "version" not in changed
