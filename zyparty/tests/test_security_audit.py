"""The audit trail (SECURITY.md "audit"; 等保三级 8.1.4.3 安全审计; PIPL Art. 51, 54): every action leaves exactly one
entry with who, role, where, which request and what; entries cannot be changed or removed (except by the retention
purge); the hash chain exposes tampering; a failed audit write fails the action; the auditor searches it in the admin.
"""

import datetime
import json
import re
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from ledgers.models import Worker
from organizations.roles import Role
from tests import matrix
from tests.factories import PASSWORD, id_number
from zyparty import audit, schedules
from zyparty.models import AuditAction, AuditEntry, AuditTrailIsAppendOnly

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL (DATABASE_URL)")


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _tamper(sql, params=()):
    """Change the table behind the application's back, as a database administrator could: on PostgreSQL only with the
    append-only trigger switched off first (which needs the table owner)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _raw("ALTER TABLE zyparty_auditentry DISABLE TRIGGER zyparty_auditentry_append_only")
        _raw(sql, params)
        if connection.vendor == "postgresql":
            _raw("ALTER TABLE zyparty_auditentry ENABLE TRIGGER zyparty_auditentry_append_only")


# Each action → exactly one entry with its code --------------------------------------------------------------------
def _login(world, client):
    return client.post("/accounts/login/", {"username": "clerk_a", "password": PASSWORD})


def _logout(world, client):
    client.force_login(world.users[Role.TOWN_CLERK])
    return client.post("/accounts/logout/")


def _failed_login(world, client):
    return client.post("/accounts/login/", {"username": "clerk_a", "password": "wrong-Password1"})


def _api_denied(world, client):
    return matrix.login(APIClient(), world.users[Role.HOST_ORGANIZATION]).get("/api/v1/workers/")


def _page_denied(world, client):
    return matrix.login(client, world.users[Role.TOWN_CLERK]).get("/admin/zyparty/auditentry/")


def _api_create(world, client):
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    return api.post("/api/v1/workers/", {"name": "钱一", "id_number": id_number(), "village": "610924100201"},
                    format="json")


def _api_update(world, client):
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    worker = world.workers["a"]
    return api.patch(f"/api/v1/workers/{worker.pk}/", {"skills": "电工"}, format="json", HTTP_IF_MATCH=worker.etag)


def _api_delete(world, client):
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    return api.delete(f"/api/v1/workers/{world.workers['a2'].pk}/")


def _api_unmask(world, client):
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    return api.get(f"/api/v1/workers/{world.workers['a'].pk}/", {"unmask": "1", "reason": "核实返乡补贴"})


def _admin_unmask(world, client):
    matrix.login(client, world.users[Role.TOWN_CLERK])
    return client.post(f"/admin/ledgers/worker/{world.workers['a'].pk}/unmask/", {"reason": "核实返乡补贴"})


def _role_change(world, client):
    matrix.login(client, world.users[Role.SECURITY_ADMIN])
    target = world.clerk_b
    return client.post(f"/admin/organizations/user/{target.pk}/change/", {
        "role": Role.VILLAGE_LIAISON, "unit": world.village_b.pk, "organization": "", "enterprise": "",
        "host_organization": ""})


def _export(world, client):
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    response = api.get("/api/v1/workers/export/")
    b"".join(response.streaming_content if response.streaming else [response.content])  # read the file to its end
    return response


def _key_created(world, client):
    call_command("create_api_client", "人社局系统", "--scope", "610924100", stdout=open("/dev/null", "w"),
                 stderr=open("/dev/null", "w"))


ACTIONS = [
    ("login", _login, AuditAction.LOGIN, "clerk_a"),
    ("logout", _logout, AuditAction.LOGOUT, "clerk_a"),
    ("failed login", _failed_login, AuditAction.LOGIN_FAILED, ""),
    ("API denial", _api_denied, AuditAction.DENIED, "host_a"),
    ("page denial", _page_denied, AuditAction.DENIED, "clerk_a"),
    ("create", _api_create, AuditAction.CREATE, "clerk_a"),
    ("update", _api_update, AuditAction.UPDATE, "clerk_a"),
    ("delete", _api_delete, AuditAction.DELETE, "clerk_a"),
    ("unmasked view (API)", _api_unmask, AuditAction.UNMASK, "clerk_a"),
    ("unmasked view (admin)", _admin_unmask, AuditAction.UNMASK, "clerk_a"),
    ("role change", _role_change, AuditAction.ROLE_CHANGE, "secadmin"),
    ("export", _export, AuditAction.EXPORT, "clerk_a"),
    ("API key created", _key_created, AuditAction.KEY, ""),
]


@pytest.mark.parametrize("name,act,code,actor", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_each_action_writes_exactly_one_entry(world, client, name, act, code, actor):
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    act(world, client)
    entries = list(AuditEntry.objects.filter(id__gt=before, action=code))
    assert len(entries) == 1, [str(e) for e in AuditEntry.objects.filter(id__gt=before)]
    entry = entries[0]
    assert entry.actor_name == actor
    assert entry.hash and entry.at <= timezone.now()
    if actor:  # done through a request: where from and which request
        assert entry.ip == "127.0.0.1" and len(entry.request_id) == 32
        assert entry.actor_role == getattr(type(world.users[Role.TOWN_CLERK]).objects.get(username=actor), "role")


def test_change_entry_has_masked_before_and_after(world):
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    worker = world.workers["a"]
    response = api.patch(f"/api/v1/workers/{worker.pk}/", {"phone": "13912345678", "skills": "焊工"},
                         format="json", HTTP_IF_MATCH=worker.etag)
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(worker.pk)).latest("id")
    changed = entry.changes["changed"]
    assert changed["phone"] == ["138****8000", "139****5678"]
    assert changed["skills"] == ["", "焊工"]
    assert entry.object_type == "ledgers.worker" and entry.channel == "api"
    assert "13912345678" not in json.dumps(entry.changes) and worker.id_number not in json.dumps(entry.changes)


def test_lockout_is_one_entry_and_locked_attempts_are_failed_logins(world, client):
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for _ in range(5):
        client.post("/accounts/login/", {"username": "clerk_a", "password": "wrong-Password1"})
    client.post("/accounts/login/", {"username": "clerk_a", "password": PASSWORD})  # refused while locked
    new = AuditEntry.objects.filter(id__gt=before)
    assert new.filter(action=AuditAction.LOCKOUT).count() == 1
    assert new.filter(action=AuditAction.LOGIN_FAILED).count() == 6
    assert new.filter(action=AuditAction.LOGIN_FAILED, detail="locked").count() == 1
    assert not new.filter(action=AuditAction.LOGIN).exists()


def test_import_and_export_api_is_stable(world):
    """Other apps record imports and exports through ``audit.record`` with a model class (see zyparty.audit)."""
    entry = audit.record(AuditAction.EXPORT, Worker, user=world.users[Role.TOWN_CLERK],
                         detail=f"按身份证 {world.workers['a'].id_number} 导出", changes={"rows": 3, "note": "13800138000"})
    assert (entry.object_type, entry.object_id, entry.object_repr) == ("ledgers.worker", "", "农民工台账")
    assert entry.actor_role == Role.TOWN_CLERK and entry.changes["rows"] == 3
    assert world.workers["a"].id_number not in entry.detail and world.workers["a"].id_masked in entry.detail
    assert entry.changes["note"] == "138****8000"


# Append-only ------------------------------------------------------------------------------------------------------
def test_entries_cannot_be_changed_or_removed_through_the_orm(world):
    entry = AuditEntry.objects.latest("id")
    entry.detail = "改过"
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(detail="改过")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        with transaction.atomic():  # bulk_update opens its own transaction, which the refusal spoils
            AuditEntry.objects.bulk_update([entry], ["detail"])
    assert AuditEntry.objects.get(pk=entry.pk).detail != "改过" and audit.verify_chain() == (True, None)


@postgres_only
@pytest.mark.postgres
@pytest.mark.parametrize("sql", ["UPDATE zyparty_auditentry SET detail = 'x' WHERE id = %s",
                                 "DELETE FROM zyparty_auditentry WHERE id = %s"])
def test_postgres_trigger_refuses_update_and_delete(world, sql):
    entry = AuditEntry.objects.latest("id")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            _raw(sql, [entry.pk])
    # Not even with the purge switch on, for an entry inside the retention period.
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            _raw("SELECT set_config('zyparty.audit_purge', 'on', true)")
            _raw("DELETE FROM zyparty_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, detail=entry.detail).exists()


# Hash chain -------------------------------------------------------------------------------------------------------
def test_verify_chain_detects_a_modified_entry(world):
    assert audit.verify_chain() == (True, None)
    victim = AuditEntry.objects.order_by("id")[3]
    _tamper("UPDATE zyparty_auditentry SET actor_name = %s WHERE id = %s", ["someone_else", victim.pk])
    assert audit.verify_chain() == (False, victim.pk)


def test_verify_chain_detects_a_removed_entry(world):
    ids = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    _tamper("DELETE FROM zyparty_auditentry WHERE id = %s", [ids[5]])
    assert audit.verify_chain() == (False, ids[6])


def test_verify_chain_detects_removed_oldest_entries_that_no_purge_removed(world):
    ids = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    _tamper("DELETE FROM zyparty_auditentry WHERE id <= %s", [ids[2]])
    assert audit.verify_chain() == (False, ids[3])


# Retention --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("configured", [180, 30])
def test_purge_keeps_the_last_180_days_and_the_chain(db, configured):
    now = timezone.now()
    with freeze_time(now - datetime.timedelta(days=400)):
        old = [audit.record(AuditAction.SYSTEM, None, detail=f"old {i}") for i in range(3)]
    with freeze_time(now - datetime.timedelta(days=179)):
        kept = [audit.record(AuditAction.SYSTEM, None, detail=f"kept {i}") for i in range(2)]
    with override_settings(AUDIT_RETENTION_DAYS=configured):  # a shorter setting never goes below 180 days
        deleted = audit.audit_purge()
    assert deleted == 3
    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in kept]).count() == 2
    purge = AuditEntry.objects.get(action=AuditAction.PURGE)
    assert purge.changes["deleted"] == 3 and purge.changes["last_hash"] == old[-1].hash
    assert audit.verify_chain() == (True, None)
    assert audit.audit_purge() == 0 and audit.verify_chain() == (True, None)


def test_purge_is_a_scheduled_task(db):
    from zyparty.tasks import purge_audit

    assert any(spec["task"] == "zyparty.purge_audit" for spec in schedules.SCHEDULES)
    with freeze_time(timezone.now() - datetime.timedelta(days=200)):
        audit.record(AuditAction.SYSTEM, None, detail="old")
    assert purge_audit.apply().get() == 1
    assert AuditEntry.objects.filter(action=AuditAction.PURGE).count() == 1


# Fail-closed ------------------------------------------------------------------------------------------------------
def test_failed_audit_write_fails_the_api_action(world):
    api = matrix.login(APIClient(raise_request_exception=False), world.users[Role.TOWN_CLERK])
    with mock.patch("zyparty.audit.record", side_effect=DatabaseError("audit table unavailable")):
        response = api.post("/api/v1/workers/", {"name": "钱一", "id_number": id_number(), "village": "610924100201"},
                            format="json")
    assert response.status_code == 500
    assert not Worker.objects.filter(name="钱一").exists()


def test_failed_audit_write_fails_the_admin_action(world):
    client = matrix.login(Client(raise_request_exception=False), world.users[Role.TOWN_CLERK])
    worker = world.workers["a"]
    with mock.patch("zyparty.audit.record", side_effect=DatabaseError("audit table unavailable")):
        response = client.post(f"/admin/ledgers/worker/{worker.pk}/delete/", {"post": "yes"})
    assert response.status_code == 500
    assert Worker.objects.filter(pk=worker.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_failed_audit_write_fails_a_change_outside_a_request():
    """In a shell or a Celery task there is no request transaction: the change and its entry still commit together
    (TrackedModel.save/delete, User.save), so a failed audit write leaves the database as it was."""
    from organizations.models import HostPlaceOrganization, Unit, User

    county = Unit.objects.create(code="610924", name="紫阳县")
    host = HostPlaceOrganization.objects.create(name="杭州市西湖区流动党员服务中心党委", region_code="330106",
                                                county=county)
    failing = mock.patch("zyparty.audit.record", side_effect=DatabaseError("audit table unavailable"))
    with failing, pytest.raises(DatabaseError):
        HostPlaceOrganization.objects.create(name="新建", region_code="440306", county=county)
    assert not HostPlaceOrganization.objects.filter(name="新建").exists()
    host.name = "改名"
    with failing, pytest.raises(DatabaseError):
        host.save()
    assert HostPlaceOrganization.objects.get(pk=host.pk).name == "杭州市西湖区流动党员服务中心党委"
    with failing, pytest.raises(DatabaseError):
        host.delete()
    assert HostPlaceOrganization.objects.filter(pk=host.pk).exists()
    with failing, pytest.raises(DatabaseError):
        User.objects.create_user("nobody", password=PASSWORD, role=Role.COUNTY_STAFF, unit=county)
    assert not User.objects.filter(username="nobody").exists()


# The auditor's view -------------------------------------------------------------------------------------------------
def test_auditor_searches_and_filters_the_trail(world):
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    response = api.get(f"/api/v1/workers/{world.workers['a'].pk}/", {"unmask": "1", "reason": "核实"})
    request_id = response["X-Request-ID"]
    auditor = matrix.login(Client(), world.users[Role.AUDITOR])
    page = auditor.get("/admin/zyparty/auditentry/", {"q": request_id}).content.decode()
    assert request_id in page and "clerk_a" in page
    by_action = auditor.get("/admin/zyparty/auditentry/", {"action__exact": "unmask"}).content.decode()
    assert "张三" in by_action
    assert set(re.findall(r'class="field-action">([^<]*)<', by_action)) == {"查看明文"}
    today = timezone.localdate()
    dated = auditor.get("/admin/zyparty/auditentry/", {"at__year": today.year, "at__month": today.month,
                                                       "at__day": today.day, "actor_role__exact": "town_clerk"})
    assert dated.status_code == 200 and request_id in dated.content.decode()
    entry = AuditEntry.objects.filter(request_id=request_id).get()
    detail = auditor.get(f"/admin/zyparty/auditentry/{entry.pk}/change/")
    assert detail.status_code == 200 and "核实" in detail.content.decode()


def test_auditor_cannot_change_the_trail_and_system_admin_cannot_see_it(world):
    entry = AuditEntry.objects.latest("id")
    auditor = matrix.login(Client(), world.users[Role.AUDITOR])
    assert auditor.post(f"/admin/zyparty/auditentry/{entry.pk}/change/", {"detail": "x"}).status_code == 403
    assert auditor.post(f"/admin/zyparty/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert auditor.get("/admin/zyparty/auditentry/add/").status_code == 403
    sysadmin = matrix.login(Client(), world.users[Role.SYSTEM_ADMIN])
    assert sysadmin.get("/admin/zyparty/auditentry/").status_code == 403
    assert sysadmin.get("/admin/zyparty/auditentry/verify/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, detail=entry.detail).exists()


def test_auditor_verifies_the_chain_in_the_browser(world):
    auditor = matrix.login(Client(), world.users[Role.AUDITOR])
    assert 'id="chain-ok"' in auditor.get("/admin/zyparty/auditentry/verify/").content.decode()
    victim = AuditEntry.objects.order_by("id")[2]
    _tamper("UPDATE zyparty_auditentry SET detail = %s WHERE id = %s", ["篡改", victim.pk])
    page = auditor.get("/admin/zyparty/auditentry/verify/").content.decode()
    assert 'id="chain-broken"' in page and str(victim.pk) in page
    assert AuditEntry.objects.filter(action=AuditAction.SYSTEM, result="failure",
                                     detail__startswith="verify_chain").exists()
