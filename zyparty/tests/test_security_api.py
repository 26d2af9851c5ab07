"""Partner keys, scope and concurrent edits through the API and the admin (SECURITY.md "API", "scope", "access",
"concurrency"; CONTRACT.md "REST API"; 等保三级 8.1.4.2 访问控制, 8.1.4.9 资源控制)."""

import datetime
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from ledgers.models import PartyMember, Worker
from organizations.apikeys import api_client_create
from organizations.models import ApiClient
from organizations.roles import Role
from tests import matrix
from tests.factories import World, id_number
from zyparty.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL (DATABASE_URL)")


def keyed(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


# Keys ---------------------------------------------------------------------------------------------------------------
def test_a_key_reads_its_scope_and_records_its_use(world):
    client, key = api_client_create(name="人社局系统", unit=world.town_a, read_only=True)
    response = keyed(key).get("/api/v1/workers/", REMOTE_ADDR="10.2.3.4")
    assert response.status_code == 200
    assert {row["name"] for row in response.json()["results"]} == {"张三", "赵六"}  # town A only
    assert keyed(key).get(f"/api/v1/workers/{world.workers['b'].pk}/").status_code == 404
    client.refresh_from_db()
    assert client.last_used_at is not None and client.last_used_ip == "10.2.3.4"


def test_a_read_only_key_cannot_write(world):
    _client, key = api_client_create(name="只读系统", unit=world.town_a, read_only=True)
    response = keyed(key).post("/api/v1/workers/", {"name": "钱一", "id_number": id_number(),
                                                    "village": "610924100201"}, format="json")
    assert response.status_code == 403 and not Worker.objects.filter(name="钱一").exists()
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, object_repr="/api/v1/workers/").exists()


def test_a_writing_key_writes_inside_its_scope_only(world):
    _client, key = api_client_create(name="可写系统", unit=world.town_a)
    api = keyed(key)
    inside = api.post("/api/v1/workers/", {"name": "钱一", "id_number": id_number(), "village": "610924100201"},
                      format="json")
    outside = api.post("/api/v1/workers/", {"name": "钱二", "id_number": id_number(), "village": "610924101201"},
                       format="json")
    assert (inside.status_code, outside.status_code) == (201, 400)


@pytest.mark.parametrize("header", ["Bearer zyp_deadbeef_nottherightkey", "Bearer", "Bearer a b"])
def test_unknown_or_malformed_keys_are_refused(world, header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get("/api/v1/workers/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"


def test_expired_key_is_refused(world):
    client, key = api_client_create(name="过期系统", unit=world.town_a,
                                    expires_at=timezone.now() + datetime.timedelta(days=1))
    assert keyed(key).get("/api/v1/workers/").status_code == 200
    ApiClient.objects.filter(pk=client.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert keyed(key).get("/api/v1/workers/").status_code == 401


def test_security_admin_revokes_a_key_in_the_admin(world):
    client, key = api_client_create(name="吊销系统", unit=world.town_a)
    assert keyed(key).get("/api/v1/workers/").status_code == 200
    admin_client = matrix.login(Client(), world.users[Role.SECURITY_ADMIN])
    page = admin_client.get("/admin/organizations/apiclient/").content.decode()
    assert client.key_prefix in page and key not in page and client.key_hash not in page
    response = admin_client.post("/admin/organizations/apiclient/", {
        "action": "revoke_selected", "_selected_action": [client.pk]})
    assert response.status_code == 302
    assert keyed(key).get("/api/v1/workers/").status_code == 401
    assert AuditEntry.objects.filter(action=AuditAction.KEY, object_id=str(client.pk), actor_name="secadmin",
                                     detail__startswith="revoked").exists()
    client.refresh_from_db()
    change = admin_client.post(f"/admin/organizations/apiclient/{client.pk}/change/", {
        "name": client.name, "read_only": "on", "expires_at_0": "", "expires_at_1": ""})
    assert change.status_code == 302 and ApiClient.objects.get(pk=client.pk).revoked_at == client.revoked_at


def test_keys_are_stored_hashed(world):
    import hashlib

    client, key = api_client_create(name="哈希系统", unit=world.town_a)
    stored = ApiClient.objects.filter(pk=client.pk).values_list("key_hash", "key_prefix").get()
    assert key not in "".join(stored) and stored[0] == hashlib.sha256(key.encode()).hexdigest()


def test_throttling_answers_429_with_retry_after(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"client": "3/min"}}
    cache.clear()
    _one, key = api_client_create(name="限速系统", unit=world.town_a)
    _two, other = api_client_create(name="另一系统", unit=world.town_a)
    answers = [keyed(key).get("/api/v1/units/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = keyed(key).get("/api/v1/units/")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    assert keyed(other).get("/api/v1/units/").status_code == 200  # counted per key
    cache.clear()


# Scope --------------------------------------------------------------------------------------------------------------
def test_other_towns_records_are_absent_and_cannot_be_written_into(world):
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    other = world.workers["b"]
    assert api.get(f"/api/v1/workers/{other.pk}/").status_code == 404
    assert api.patch(f"/api/v1/workers/{other.pk}/", {"name": "x"}, format="json",
                     HTTP_IF_MATCH=other.etag).status_code == 404
    assert api.delete(f"/api/v1/workers/{other.pk}/").status_code == 404
    mine = world.workers["a"]
    moved = api.patch(f"/api/v1/workers/{mine.pk}/", {"town": "610924101", "village": "610924101201"},
                      format="json", HTTP_IF_MATCH=mine.etag)
    assert moved.status_code == 400 and "管辖范围" in moved.json()["town"][0]
    assert Worker.objects.get(pk=mine.pk).town_id == world.town_a.pk


def test_no_mass_assignment_of_scope_or_creator_fields(world):
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    response = api.post("/api/v1/workers/", {"name": "钱一", "id_number": id_number(), "village": "610924100201",
                                             "county": "610925", "created_by": 1, "version": 9}, format="json")
    assert response.status_code == 400 and {"county", "created_by", "version"} <= set(response.json())


def test_related_records_outside_the_scope_cannot_be_linked(world):
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    base = {"name": "钱一", "id_number": id_number(datetime.date(1980, 1, 1)), "village": "610924100201",
            "joined_on": "2010-07-01"}
    other_town = api.post("/api/v1/members/", {**base, "home_organization": world.org_b.pk}, format="json")
    assert other_town.status_code == 400 and "home_organization" in other_town.json()
    own_town = api.post("/api/v1/members/", {**base, "home_organization": world.org_a.pk,
                                             "co_manager": world.host_b.pk}, format="json")
    assert own_town.status_code == 201, own_town.json()  # the county's host-place partners are shared


def test_keeping_an_existing_link_is_allowed(world):
    """A village liaison edits a member whose activity branch belongs to the town, not the village."""
    member = world.members["a"]
    api = matrix.login(APIClient(), world.users[Role.VILLAGE_LIAISON])
    current = api.get(f"/api/v1/members/{member.pk}/")
    response = api.patch(f"/api/v1/members/{member.pk}/", {"job_post": "焊工",
                                                           "activity_organization": world.outpost_a.pk},
                         format="json", HTTP_IF_MATCH=current["ETag"])
    assert response.status_code == 200, response.json()
    moved = api.patch(f"/api/v1/members/{member.pk}/", {"activity_organization": world.org_b.pk}, format="json",
                      HTTP_IF_MATCH=response["ETag"])
    assert moved.status_code == 400


def test_host_place_organization_sees_only_the_people_it_co_manages(world):
    api = matrix.login(APIClient(), world.users[Role.HOST_ORGANIZATION])
    members = api.get("/api/v1/members/").json()["results"]
    activists = api.get("/api/v1/activists/").json()["results"]
    assert [m["id"] for m in members] == [world.members["a"].pk]
    assert [a["id"] for a in activists] == [world.activists["a"].pk]
    assert api.get(f"/api/v1/members/{world.members['b'].pk}/").status_code == 404
    assert api.get("/api/v1/workers/").status_code == 403  # no right to the worker ledger at all


def test_a_user_without_view_worker_is_refused(world):
    api = matrix.login(APIClient(), world.users[Role.OUTPOST_SECRETARY])
    assert api.get("/api/v1/workers/").status_code == 403
    assert api.get(f"/api/v1/workers/{world.workers['a'].pk}/").status_code == 403


def test_admin_scope(world):
    client = matrix.login(Client(), world.users[Role.TOWN_CLERK])
    other = world.workers["b"]
    for view in ("change", "delete", "history"):
        response = client.get(f"/admin/ledgers/worker/{other.pk}/{view}/")
        assert response.status_code == 302 and response["Location"] == "/admin/"
    found = client.get("/admin/autocomplete/", {"app_label": "ledgers", "model_name": "partymember",
                                                "field_name": "home_organization", "term": ""}).json()
    assert {int(r["id"]) for r in found["results"]} == {world.org_a.pk, world.outpost_a.pk}


def test_admin_refuses_linking_another_towns_organization(world):
    client = matrix.login(Client(), world.users[Role.TOWN_CLERK])
    member = world.members["a"]
    admin = matrix.admin_registry_dict()[PartyMember]
    data = matrix.admin_form_data(admin, world.users[Role.TOWN_CLERK], member, change=True)
    response = client.post(f"/admin/ledgers/partymember/{member.pk}/change/", {**data,
                                                                              "home_organization": world.org_b.pk})
    assert response.status_code == 200
    assert PartyMember.objects.get(pk=member.pk).home_organization_id == world.org_a.pk


# Concurrent edits ---------------------------------------------------------------------------------------------------
def test_api_update_needs_the_current_etag(world):
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    url = f"/api/v1/workers/{world.workers['a'].pk}/"
    etag = api.get(url)["ETag"]
    missing = api.patch(url, {"skills": "电工"}, format="json")
    assert missing.status_code == 428 and "If-Match" in missing.json()["detail"]
    assert api.patch(url, {"skills": "电工"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = api.patch(url, {"skills": "焊工"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and "已被他人修改" in stale.json()["detail"]
    assert Worker.objects.get(pk=world.workers["a"].pk).skills == "电工"


def test_admin_refuses_a_stale_form(world):
    clerk = world.users[Role.TOWN_CLERK]
    first, second = matrix.login(Client(), clerk), matrix.login(Client(), clerk)
    w = world.workers["a"]
    admin = matrix.admin_registry_dict()[Worker]
    opened = matrix.admin_form_data(admin, clerk, w, change=True)
    assert 'name="loaded_version"' in first.get(f"/admin/ledgers/worker/{w.pk}/change/").content.decode()
    assert first.post(f"/admin/ledgers/worker/{w.pk}/change/", {**opened, "skills": "电工"}).status_code == 302
    stale = second.post(f"/admin/ledgers/worker/{w.pk}/change/", {**opened, "skills": "焊工"})
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    assert Worker.objects.get(pk=w.pk).skills == "电工"


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_creates_of_one_id_number():
    """Both requests pass the duplicate pre-check before either inserts (a barrier holds them just before the
    INSERT); the unique index decides: one 201, one 409 with a message a clerk understands."""
    world = World.build()
    clerk = world.users[Role.TOWN_CLERK]
    number = id_number(datetime.date(1991, 9, 9))
    barrier = threading.Barrier(2, timeout=30)

    def hold(sender, instance, **kwargs):
        if instance.pk is None and instance.name.startswith("并发"):
            barrier.wait()

    results, errors = [], []

    def create(name):
        try:
            api = APIClient()
            api.force_authenticate(clerk)
            results.append(api.post("/api/v1/workers/", {"name": name, "id_number": number,
                                                          "village": "610924100201"}, format="json"))
        except Exception as exc:  # shown by the assertion below, not lost in the thread
            errors.append(repr(exc))
            barrier.abort()
        finally:
            connection.close()

    pre_save.connect(hold, sender=Worker)
    try:
        threads = [threading.Thread(target=create, args=(name,)) for name in ("并发甲", "并发乙")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        pre_save.disconnect(hold, sender=Worker)
    assert not errors, errors
    assert sorted(r.status_code for r in results) == [201, 409]
    conflict = next(r for r in results if r.status_code == 409)
    assert "身份证号" in conflict.json()["detail"]
    assert Worker.objects.filter(id_digest=Worker.by_id_number(number).get().id_digest).count() == 1
