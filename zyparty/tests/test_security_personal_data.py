"""Personal data (SECURITY.md "personal data", "logs", "exports"; PIPL Art. 28, 51; GB/T 35273-2020): ID numbers,
phones and family notes are encrypted at rest and still findable by a keyed hash, masked everywhere by default, shown
in clear only to a role allowed to and with a stated reason (audited), and kept out of application logs."""

import datetime
import io
import json
import logging
import re

import openpyxl
import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from stdnum.cn import ric

from ledgers.api.serializers import WorkerSerializer
from ledgers.models import Activist, PartyMember, Worker
from organizations.roles import Role
from tests import matrix
from tests.factories import worker
from zyparty import crypto
from zyparty.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
ID_PATTERN = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
MOBILE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def id_numbers_in(text):
    """Resident ID numbers (checksum and birth date valid) in ``text`` — not every 18-digit code: a unified social
    credit code may be all digits too, and it is not personal data."""
    return [m for m in ID_PATTERN.findall(text) if ric.is_valid(m)]


# At rest -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", [Worker, PartyMember, Activist])
def test_raw_sql_never_shows_an_id_number_or_a_mobile(world, model):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608 (a fixed table name)
        rows = cursor.fetchall()
    assert rows
    values = [str(value) for row in rows for value in row]
    dump = " ".join(values)
    for obj in model.objects.all():  # the ORM gives them back in clear; the table never has them
        assert ID_PATTERN.fullmatch(obj.id_number) and obj.id_number not in dump
        assert not obj.phone or (MOBILE_PATTERN.fullmatch(obj.phone) and obj.phone not in dump)
    # Nor anything that looks like one, outside ciphertexts and keyed hashes (whose letters and digits are random).
    readable = " ".join(v for v in values if not v.startswith(crypto.PREFIX) and not re.fullmatch(r"[0-9a-f]{64}", v))
    assert not id_numbers_in(readable) and not MOBILE_PATTERN.search(readable)


def _cadre_phones(world):
    """Each record that holds a cadre's or a user's phone, with a mobile number in it (organizations.EncryptedPhones)."""
    from organizations.models import PartyInstructor, ServicePoint

    world.host_a.contact_phone = "13911112222"
    world.host_a.save()
    world.outpost_a.secretary_phone = "13922223333"
    world.outpost_a.save()
    point = ServicePoint.objects.create(level="village_point", name="东河村流动党员联络点", unit=world.village_a,
                                        head_name="李书记", head_phone="13933334444")
    instructor = PartyInstructor.objects.create(name="王指导", phone="13944445555", enterprise=world.enterprise_a,
                                                county=world.county, appointed_on=datetime.date(2025, 3, 1))
    clerk = world.users[Role.TOWN_CLERK]
    clerk.phone = "13955556666"
    clerk.save()
    return [(world.host_a, "contact_phone"), (world.outpost_a, "secretary_phone"), (point, "head_phone"),
            (instructor, "phone"), (clerk, "phone")]


def test_cadre_and_user_phones_are_encrypted_at_rest(world):
    records = _cadre_phones(world)
    for obj, field in records:
        model = type(obj)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608 (a fixed table name)
            dump = " ".join(str(value) for row in cursor.fetchall() for value in row)
        assert not MOBILE_PATTERN.search(dump), model.__name__
        fresh = model.objects.get(pk=obj.pk)
        phone = getattr(fresh, field)
        assert MOBILE_PATTERN.fullmatch(phone) and phone not in dump  # the ORM gives it back in clear
        assert getattr(fresh, f"{field}_masked") == phone[:3] + "****" + phone[-4:]


def test_the_migration_encrypts_phones_stored_in_clear(world):
    """Organization 0004 encrypts the phones a database held in clear before it, and masks them."""
    import importlib
    import types

    from organizations.models import HostPlaceOrganization

    migration = importlib.import_module("organizations.migrations.0004_cadre_phones_encrypted")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE organizations_hostplaceorganization SET contact_phone = %s, contact_phone_masked = ''"
                       " WHERE id = %s", ["13966667777", world.host_a.pk])
    migration.encrypt_phones(None, types.SimpleNamespace(connection=connection))
    migration.encrypt_phones(None, types.SimpleNamespace(connection=connection))  # a re-run changes nothing
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone, contact_phone_masked FROM organizations_hostplaceorganization"
                       " WHERE id = %s", [world.host_a.pk])
        stored, masked = cursor.fetchone()
    assert stored.startswith(crypto.PREFIX) and masked == "139****7777"
    assert HostPlaceOrganization.objects.get(pk=world.host_a.pk).contact_phone == "13966667777"


def test_cadre_phones_are_masked_in_the_api_and_the_admin(world):
    records = _cadre_phones(world)
    api = matrix.login(APIClient(), world.users[Role.COUNTY_STAFF])
    for path in ("host-organizations", "organizations", "service-points", "instructors"):
        body = api.get(f"/api/v1/{path}/").content.decode()
        assert "****" in body and not MOBILE_PATTERN.search(body), path
    shown = api.get(f"/api/v1/host-organizations/{world.host_a.pk}/").json()
    assert shown["contact_phone"] == "139****2222"  # same field name, masked value
    client = matrix.login(Client(), world.users[Role.COUNTY_STAFF])
    for obj, field in records[:4]:
        url = f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"
        page = client.get(url).content.decode()
        assert getattr(obj, f"{field}_masked") in page and not MOBILE_PATTERN.search(page), url
    # A page the user may only view shows the masked copy too.
    clerk = matrix.login(Client(), world.users[Role.TOWN_CLERK])
    response = clerk.get(f"/admin/organizations/partyorganization/{world.outpost_a.pk}/change/")
    page = response.content.decode()
    assert response.status_code == 200 and "139****3333" in page and "13922223333" not in page
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):  # edits the phone / may only see it
        admin = matrix.login(Client(), world.users[role])
        page = admin.get(f"/admin/organizations/user/{records[4][0].pk}/change/").content.decode()
        assert "139****6666" in page and "13955556666" not in page, role


def test_a_cadre_phone_written_through_the_api_is_validated_and_stored_encrypted(world):
    api = matrix.login(APIClient(), world.users[Role.COUNTY_STAFF])
    url = f"/api/v1/host-organizations/{world.host_a.pk}/"
    etag = api.get(url)["ETag"]
    assert api.patch(url, {"contact_phone": "12345"}, format="json", HTTP_IF_MATCH=etag).status_code == 400
    response = api.patch(url, {"contact_phone": "13977778888"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response.json()["contact_phone"] == "139****8888"
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM organizations_hostplaceorganization WHERE id = %s", [world.host_a.pk])
        assert cursor.fetchone()[0].startswith(crypto.PREFIX)
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type="organizations.hostplaceorganization"
                                      ).latest("id")
    assert "13977778888" not in json.dumps(entry.changes, ensure_ascii=False)


def test_family_notes_are_encrypted_at_rest(world):
    w = worker(world.town_a, world.village_a, family_situation="女儿在东河小学读书，由奶奶照看")
    with connection.cursor() as cursor:
        cursor.execute("SELECT family_situation FROM ledgers_worker WHERE id = %s", [w.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith(crypto.PREFIX) and "奶奶" not in stored
    assert Worker.objects.get(pk=w.pk).family_situation == "女儿在东河小学读书，由奶奶照看"


def test_tampered_ciphertext_raises(world):
    w = world.workers["a"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM ledgers_worker WHERE id = %s", [w.pk])
        stored = cursor.fetchone()[0]
    blob = bytearray(__import__("base64").b64decode(stored[len(crypto.PREFIX):]))
    blob[-1] ^= 0x01
    forged = crypto.PREFIX + __import__("base64").b64encode(bytes(blob)).decode()
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(forged)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE ledgers_worker SET id_number = %s WHERE id = %s", [forged, w.pk])
        with pytest.raises(crypto.DecryptionError):
            Worker.objects.get(pk=w.pk)
        transaction.set_rollback(True)


def test_lookup_and_uniqueness_by_id_number(world):
    number = world.workers["b"].id_number
    assert list(Worker.by_id_number(number.lower())) == [world.workers["b"]]
    assert Worker.objects.filter(id_digest=crypto.digest(number)).count() == 1
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            worker(world.town_a, world.village_a, id_number=number)


# Masked by default ------------------------------------------------------------------------------------------------
def test_admin_lists_and_forms_are_masked(world):
    client = matrix.login(Client(), world.users[Role.TOWN_CLERK])
    w = world.workers["a"]
    for url in ("/admin/ledgers/worker/", f"/admin/ledgers/worker/{w.pk}/change/"):
        response = client.get(url)
        page = response.content.decode()
        assert w.id_number not in page and "13800138000" not in page and w.id_masked in page
        assert "no-store" in response["Cache-Control"]
    assert w.family_situation == "" or w.family_situation not in page


def test_api_is_masked(world):
    api = matrix.login(APIClient(), world.users[Role.COUNTY_STAFF])
    response = api.get("/api/v1/workers/")
    body = response.content.decode()
    assert not id_numbers_in(body) and not MOBILE_PATTERN.search(body)
    assert all(w.id_masked in body and w.id_number not in body for w in Worker.objects.filter(county=world.county))
    assert response["Cache-Control"] == "no-store"


def test_exports_are_masked(world):
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    response = api.get("/api/v1/workers/export/")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    cells = " ".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row)
    assert world.workers["a"].id_masked in cells
    assert not id_numbers_in(cells) and not MOBILE_PATTERN.search(cells)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(born=st.dates(min_value=datetime.date(1940, 1, 1), max_value=datetime.date(2006, 12, 31)),
       serial=st.integers(min_value=0, max_value=999),
       phone=st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_a_clerk_never_sees_digits_7_to_14(world, born, serial, phone):
    """Property (SECURITY.md "personal data"): whatever the ID number, what the API gives a clerk hides the birth
    date and serial (digits 7–14) and the middle of the phone number."""
    body = f"610924{born:%Y%m%d}{serial:03d}"
    number = body + ric.calc_check_digit(body + "0")
    with transaction.atomic():
        Worker.objects.filter(id_digest=crypto.digest(number)).delete()
        w = worker(world.town_a, world.village_a, id_number=number, phone=phone)
        data = WorkerSerializer(w, context={}).data
        transaction.set_rollback(True)
    shown = data["id_number"]
    assert shown[:4] == number[:4] and shown[-4:] == number[-4:]
    assert set(shown[6:14]) == {"*"}
    assert f"{born:%Y%m%d}" not in json.dumps(data) and number not in json.dumps(data)
    assert data["phone"] == phone[:3] + "****" + phone[-4:]


# Unmasking: permission, reason, audit ------------------------------------------------------------------------------
def test_api_unmask_needs_the_permission_and_a_reason(world):
    url = f"/api/v1/workers/{world.workers['a'].pk}/"
    clerk = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    assert clerk.get(url, {"unmask": "1"}).status_code == 400
    shown = clerk.get(url, {"unmask": "1", "reason": "核实返乡创业补贴申请"})
    assert shown.json()["id_number"] == world.workers["a"].id_number and shown.json()["phone"] == "13800138000"
    entry = AuditEntry.objects.filter(action=AuditAction.UNMASK).latest("id")
    assert (entry.detail, entry.object_id, entry.actor_name) == ("核实返乡创业补贴申请", str(world.workers["a"].pk),
                                                                 "clerk_a")
    liaison = matrix.login(APIClient(), world.users[Role.VILLAGE_LIAISON])  # may read, may not unmask
    refused = liaison.get(url, {"unmask": "1", "reason": "想看看"})
    assert refused.status_code == 403 and world.workers["a"].id_number not in refused.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, actor_name="liaison_a").exists()


def test_api_unmask_of_a_list_is_audited_per_record(world):
    clerk = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    before = AuditEntry.objects.filter(action=AuditAction.UNMASK).count()
    rows = clerk.get("/api/v1/workers/", {"unmask": "1", "reason": "年度核查"}).json()["results"]
    assert AuditEntry.objects.filter(action=AuditAction.UNMASK).count() - before == len(rows) == 2


def test_admin_unmask_needs_the_permission_and_a_reason(world):
    w = world.workers["a"]
    url = f"/admin/ledgers/worker/{w.pk}/unmask/"
    clerk = matrix.login(Client(), world.users[Role.TOWN_CLERK])
    form = clerk.get(url)
    assert form.status_code == 200 and w.id_number not in form.content.decode()
    assert w.id_number not in clerk.post(url, {"reason": ""}).content.decode()
    shown = clerk.post(url, {"reason": "核实返乡创业补贴申请"})
    assert w.id_number in shown.content.decode() and "no-store" in shown["Cache-Control"]
    assert AuditEntry.objects.filter(action=AuditAction.UNMASK, object_id=str(w.pk), channel="admin").count() == 1
    liaison = matrix.login(Client(), world.users[Role.VILLAGE_LIAISON])
    assert liaison.get(url).status_code == 403
    other_town = f"/admin/ledgers/worker/{world.workers['b'].pk}/unmask/"
    assert clerk.post(other_town, {"reason": "核实"}).status_code == 404


# Logs ---------------------------------------------------------------------------------------------------------------
def test_logs_never_contain_id_numbers_or_phones(world, caplog):
    number = world.workers["a"].id_number
    logger = logging.getLogger("ledgers.import")
    with caplog.at_level(logging.INFO):
        logger.warning("row 7: duplicate ID %s, phone %s", number, "13912345678")
        matrix.login(APIClient(), world.users[Role.TOWN_CLERK]).get("/api/v1/nonexistent/", {"search": number})
    assert not id_numbers_in(caplog.text) and not MOBILE_PATTERN.search(caplog.text)
    assert world.workers["a"].id_masked in caplog.text


def test_the_configured_log_handler_scrubs(world):
    """The handler of settings.LOGGING (what reaches a log file) scrubs, whatever else listens."""
    handler = next(h for h in logging.getLogger().handlers if any(
        type(f).__name__ == "PersonalDataLogFilter" for f in h.filters))
    stream, handler.stream = handler.stream, io.StringIO()
    try:
        logging.getLogger("zyparty.anything").error("身份证 %s 手机 %s", world.workers["b"].id_number, "13700001111")
        written = handler.stream.getvalue()
    finally:
        handler.stream = stream
    assert written and not id_numbers_in(written) and not MOBILE_PATTERN.search(written)


def test_tracebacks_and_arguments_in_logs_are_scrubbed(world, caplog):
    """An exception's message often quotes the value that failed; the traceback under a log line must not carry it
    (SECURITY.md "logs"), nor the arguments a structured handler would ship beside the message."""
    number = world.workers["b"].id_number
    handler = next(h for h in logging.getLogger().handlers if any(
        type(f).__name__ == "PersonalDataLogFilter" for f in h.filters))
    stream, handler.stream = handler.stream, io.StringIO()
    try:
        with caplog.at_level(logging.INFO):
            try:
                raise ValueError(f"身份证号 {number} 与手机 13912345678 不匹配")
            except ValueError:
                logging.getLogger("ledgers.import").exception("row %s failed", 12)
            logging.getLogger("zyparty.anything").warning("lookup %s", {"id": number, "phone": "13700001111"})
        written = handler.stream.getvalue()
    finally:
        handler.stream = stream
    assert "Traceback" in written and "ValueError" in written and "row 12 failed" in written
    assert world.workers["b"].id_masked in written and "139****5678" in written
    for text in (written, caplog.text):
        assert not id_numbers_in(text) and not MOBILE_PATTERN.search(text)
    for record in caplog.records:
        assert record.args is None or not id_numbers_in(repr(record.args))
