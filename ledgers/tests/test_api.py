"""The ledger API as a partner-system engineer and a clerk use it (CONTRACT.md "REST API")."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledgers.models import Worker
from organizations.roles import Role
from tests.factories import bad_checksum, id_number, worker

pytestmark = pytest.mark.django_db


def login(api, world, role=Role.TOWN_CLERK):
    api.force_authenticate(world.users[role])
    return api


def test_list_one_town_by_unit_code(api, world):
    login(api, world, Role.COUNTY_STAFF)
    data = api.get("/api/v1/workers/", {"unit": "610924100"}).json()
    assert data["count"] == 2
    assert {r["town"] for r in data["results"]} == {"610924100"}
    village = api.get("/api/v1/workers/", {"unit": "610924100201"}).json()
    assert [r["name"] for r in village["results"]] == ["张三"]
    assert api.get("/api/v1/workers/", {"unit": "999999"}).json()["count"] == 0


def test_id_numbers_and_phones_are_masked(api, world):
    login(api, world)
    row = api.get("/api/v1/workers/").json()["results"][0]
    assert row["id_number"][4:14] == "*" * 10
    assert row["phone"] == "138****8000"
    assert row["family_situation"] in ("", "******")


def test_search_by_name_initials_and_id_number(api, world):
    login(api, world, Role.COUNTY_STAFF)
    assert [r["name"] for r in api.get("/api/v1/workers/", {"search": "zs"}).json()["results"]] == ["张三"]
    assert [r["name"] for r in api.get("/api/v1/workers/", {"search": "赵"}).json()["results"]] == ["赵六"]
    number = world.workers["b"].id_number
    assert [r["name"] for r in api.get("/api/v1/workers/", {"search": number.lower()}).json()["results"]] == ["孙七"]


def test_updated_since_and_ordering(api, world):
    login(api, world, Role.COUNTY_STAFF)
    Worker.objects.filter(pk=world.workers["a"].pk).update(updated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    since = api.get("/api/v1/workers/", {"updated_since": "2021-01-01T00:00:00+08:00", "ordering": "-name"}).json()
    names = [r["name"] for r in since["results"]]
    assert "张三" not in names and names == sorted(names, reverse=True)


def test_create_with_bad_checksum_gives_chinese_field_error(api, world):
    login(api, world)
    response = api.post("/api/v1/workers/", {"name": "钱一", "id_number": bad_checksum(id_number()),
                                             "village": "610924100201"}, format="json")
    assert response.status_code == 400
    assert "校验位" in response.json()["id_number"][0]


def test_create_derives_gender_birth_and_town(api, world):
    login(api, world)
    number = id_number(datetime.date(1992, 6, 26), male=False)
    response = api.post("/api/v1/workers/", {
        "name": "钱一", "id_number": number, "village": "610924100202", "phone": "13912345678",
        "destination_text": "广东省深圳市宝安区", "political_status": "masses"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["gender"] == "F" and body["town"] == "610924100"
    assert body["destination_code"] == "440306"
    saved = Worker.objects.get(pk=body["id"])
    assert saved.id_number == number and saved.birth_date.year == 1992 and saved.completeness == 2
    assert saved.created_by == world.users[Role.TOWN_CLERK]


def test_duplicate_id_number_is_a_clear_error(api, world):
    login(api, world)
    response = api.post("/api/v1/workers/", {"name": "重复", "id_number": world.workers["a"].id_number,
                                             "village": "610924100201"}, format="json")
    assert response.status_code == 400
    assert "已登记" in response.json()["id_number"][0]


def test_unknown_fields_rejected(api, world):
    login(api, world)
    response = api.post("/api/v1/workers/", {"name": "钱一", "id_number": id_number(), "village": "610924100201",
                                             "county": "610925", "completeness": 6}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"county", "completeness"}


def test_other_town_is_404_and_cannot_be_written_into(api, world):
    login(api, world)
    other = world.workers["b"]
    assert api.get(f"/api/v1/workers/{other.pk}/").status_code == 404
    assert api.patch(f"/api/v1/workers/{other.pk}/", {"name": "x"}, format="json").status_code == 404
    response = api.post("/api/v1/workers/", {"name": "钱一", "id_number": id_number(), "village": "610924101201"},
                        format="json")
    assert response.status_code == 400 and "管辖范围" in response.json()["town"][0]


def test_update_needs_current_etag(api, world):
    login(api, world)
    url = f"/api/v1/workers/{world.workers['a'].pk}/"
    etag = api.get(url)["ETag"]
    assert api.patch(url, {"skills": "电工"}, format="json").status_code == 428
    ok = api.patch(url, {"skills": "电工"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok["ETag"] != etag
    stale = api.patch(url, {"skills": "焊工"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Worker.objects.get(pk=world.workers["a"].pk).skills == "电工"


@pytest.mark.parametrize("url", ["/api/v1/workers/", "/api/v1/members/", "/api/v1/activists/",
                                 "/api/v1/enterprises/", "/api/v1/organizations/", "/api/v1/units/"])
def test_constant_queries_for_page_of_1_and_100(api, world, url):
    login(api, world, Role.COUNTY_STAFF)
    for i in range(30):
        worker(world.town_a, world.village_a, name=f"批量{i}", enterprise=world.enterprise_a)

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url, {"page_size": size}).status_code == 200
        return len(ctx.captured_queries)

    assert count(1) == count(100)


def test_unauthenticated_is_refused(api, world):
    assert api.get("/api/v1/workers/").status_code in (401, 403)


def test_schema_and_offline_docs(api, world):
    login(api, world, Role.COUNTY_STAFF)
    schema = api.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/workers/" in schema.content
    docs = api.get("/api/docs/")
    assert docs.status_code == 200 and b"drf_spectacular_sidecar" in docs.content
