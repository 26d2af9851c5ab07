"""The admin as a town clerk uses it: add a worker, see a Chinese error for a wrong checksum, masked lists."""

import pytest

from ledgers.models import Worker
from organizations.roles import Role
from tests.factories import bad_checksum, id_number

pytestmark = pytest.mark.django_db


def form(world, **overrides):
    data = {"name": "钱一", "id_number": id_number(), "ethnicity": "汉族", "phone": "13912345678",
            "town": world.town_a.pk, "village": world.village_a.pk, "direction": "out",
            "destination_text": "浙江省杭州市西湖区", "monthly_income": "", "loaded_version": ""}
    data.update(overrides)
    return data


def test_clerk_adds_worker(client, world):
    client.force_login(world.users[Role.TOWN_CLERK])
    response = client.post("/admin/ledgers/worker/add/", form(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Worker.objects.get(name="钱一")
    assert saved.destination_code == "330106" and saved.county_id == world.county.pk


def test_wrong_checksum_shows_chinese_error(client, world):
    client.force_login(world.users[Role.TOWN_CLERK])
    response = client.post("/admin/ledgers/worker/add/", form(world, id_number=bad_checksum(id_number())))
    assert response.status_code == 200
    assert "身份证号校验位不正确" in response.content.decode()
    assert not Worker.objects.filter(name="钱一").exists()


def test_clerk_cannot_add_into_other_town(client, world):
    client.force_login(world.users[Role.TOWN_CLERK])
    response = client.post("/admin/ledgers/worker/add/", form(world, town=world.town_b.pk,
                                                               village=world.village_b.pk))
    assert response.status_code == 200
    assert not Worker.objects.filter(name="钱一").exists()


def test_list_is_scoped_and_masked(client, world):
    client.force_login(world.users[Role.TOWN_CLERK])
    page = client.get("/admin/ledgers/worker/").content.decode()
    assert "张三" in page and "孙七" not in page
    assert world.workers["a"].id_number not in page
    assert world.workers["a"].id_masked in page
    assert client.get(f"/admin/ledgers/worker/{world.workers['b'].pk}/change/").status_code in (302, 404)


def test_search_by_pinyin_initials(client, world):
    client.force_login(world.users[Role.COUNTY_STAFF])
    page = client.get("/admin/ledgers/worker/", {"q": "zs"}).content.decode()
    assert "张三" in page and "赵六" not in page


def test_edit_keeps_masked_id_and_refuses_stale_version(client, world):
    client.force_login(world.users[Role.TOWN_CLERK])
    obj = world.workers["a"]
    url = f"/admin/ledgers/worker/{obj.pk}/change/"
    page = client.get(url).content.decode()
    assert obj.id_number not in page
    data = form(world, name="张三丰", id_number=obj.id_masked, phone=obj.phone_masked, loaded_version=obj.version)
    assert client.post(url, data).status_code == 302
    obj.refresh_from_db()
    assert obj.name == "张三丰" and obj.id_number == world.workers["a"].id_number and obj.phone == "13800138000"
    stale = client.post(url, {**data, "name": "张三"})  # still version 1: someone saved in between
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()


def test_completeness_filter_has_fixed_choices_and_no_distinct_query(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users[Role.COUNTY_STAFF])
    zhang = world.workers["a"]
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/admin/ledgers/worker/").content.decode()
    assert "6项（全部清楚）" in page and "0项" in page
    assert not any("DISTINCT" in q["sql"] and "completeness" in q["sql"] for q in queries.captured_queries)
    page = client.get("/admin/ledgers/worker/", {"completeness": str(zhang.completeness)}).content.decode()
    assert f">{zhang.name}<" in page
    page = client.get("/admin/ledgers/worker/", {"completeness": str((zhang.completeness + 1) % 7)}).content.decode()
    assert f">{zhang.name}<" not in page
    assert client.get("/admin/ledgers/worker/", {"completeness": "x"}).status_code == 200


def test_duplicate_id_number_is_a_form_error(client, world):
    client.force_login(world.users[Role.TOWN_CLERK])
    response = client.post("/admin/ledgers/worker/add/", form(world, id_number=world.workers["a"].id_number))
    assert response.status_code == 200
    assert "该身份证号已登记" in response.content.decode()
    assert not Worker.objects.filter(name="钱一").exists()
