"""Re-imports judged by the digest of the row last imported (issue 14 item 7): an unchanged file neither loads nor
decrypts the records it names and writes nothing; a record edited since (page, admin, API), a host enterprise
registered since, and a masked export all still come out right."""

import datetime
import io
from unittest import mock

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledgers import workflows
from ledgers.models import HostEnterprise, Worker
from organizations.roles import Role
from tests.factories import credit_code, id_number, workbook_file, worker_row
from zyparty import crypto

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(world):
    return world.users[Role.TOWN_CLERK]


def commit(user, path, unit):
    return workflows.ledger_import_commit(user=user, kind="workers", file=path, unit=unit)


def rows_of_town_a():
    return [worker_row(姓名="钱一", 身份证号=id_number(datetime.date(1979, 2, 28)), 联系电话="13912345678",
                       家庭情况="父母年迈多病"),
            worker_row(姓名="孙　二", 身份证号=id_number(datetime.date(2001, 12, 31)), 联系电话="０９１５５２１２３４５",
                       **{"户籍村(社区)": "610924100201", "外出时间": "2019.3.7", "月收入(元)": "５２００"}),
            worker_row(姓名="李三", 身份证号=id_number(datetime.date(1965, 7, 1)), 联系电话="", 从事行业="建筑业",
                       政治面貌="中共党员", 家庭情况="", 外出时间="")]


class Decrypts:
    """Counts zyparty.crypto.decrypt calls (every encrypted field read from the database goes through it)."""

    def __init__(self):
        self.count = 0
        self._real = crypto.decrypt

    def __call__(self, token):
        self.count += 1
        return self._real(token)


def quiet_reimport(user, path, unit):
    """Commit ``path`` counting decryptions and the queries that touch the worker table."""
    counter = Decrypts()
    with mock.patch.object(crypto, "decrypt", counter), CaptureQueriesContext(connection) as queries:
        result = commit(user, path, unit)
    worker_sql = [q["sql"] for q in queries.captured_queries if "ledgers_worker" in q["sql"]]
    return result, counter.count, worker_sql


def test_unchanged_file_is_judged_by_digests_without_loading_or_writing(world, clerk, tmp_path):
    path = workbook_file(tmp_path / "w.xlsx", rows_of_town_a(), title="紫阳县城关镇农民工台账（2024年）")
    first = commit(clerk, path, world.town_a)
    assert first.committed and first.new == 3, first.errors
    stored = list(Worker.objects.exclude(import_digest="").order_by("pk").values())
    assert len(stored) == 3 and all(len(row["import_digest"]) == 64 for row in stored)
    assert len({row["import_digest"] for row in stored}) == 3
    again, decrypted, sql = quiet_reimport(clerk, path, world.town_a)
    assert again.committed and (again.new, again.changed, again.unchanged) == (0, 0, 3), again.errors
    assert decrypted == 0
    assert not any(s.lstrip().upper().startswith(("UPDATE", "INSERT", "COPY")) for s in sql), sql
    assert not any('"id_number"' in s or '"family_situation"' in s for s in sql), sql  # no record bodies read
    assert list(Worker.objects.filter(pk__in=[r["id"] for r in stored]).order_by("pk").values()) == stored


def test_an_edit_after_the_import_is_seen_by_the_next_reimport(world, clerk, api, tmp_path):
    rows = rows_of_town_a()
    path = workbook_file(tmp_path / "w.xlsx", rows)
    assert commit(clerk, path, world.town_a).committed
    qian = Worker.objects.get(name="钱一")
    li = Worker.objects.get(name="李三")
    # Through the API (If-Match), and through save() as the admin and the pages do.
    api.force_authenticate(clerk)
    url = f"/api/v1/workers/{qian.pk}/"
    response = api.patch(url, {"skills": "焊工"}, format="json", HTTP_IF_MATCH=api.get(url)["ETag"])
    assert response.status_code == 200
    li.phone = "13800001111"
    li.save()
    assert Worker.objects.get(pk=li.pk).import_digest == ""
    again, decrypted, _sql = quiet_reimport(clerk, path, world.town_a)
    assert again.committed and (again.new, again.changed, again.unchanged) == (0, 2, 1), again.errors
    assert decrypted > 0  # the two edited records were loaded and compared in full
    assert Worker.objects.get(pk=qian.pk).skills == "电工"  # the file's value is back
    assert Worker.objects.get(pk=li.pk).phone == ""
    third, decrypted, _sql = quiet_reimport(clerk, path, world.town_a)
    assert (third.changed, third.unchanged) == (0, 3) and decrypted == 0  # their digests were written again


def test_an_edit_that_bypasses_save_but_moves_the_version_is_seen(world, clerk, tmp_path):
    path = workbook_file(tmp_path / "w.xlsx", rows_of_town_a())
    assert commit(clerk, path, world.town_a).committed
    qian = Worker.objects.get(name="钱一")
    # Another import's UPDATE moves the version as save() does: the stored digest no longer fits.
    Worker.objects.filter(pk=qian.pk).update(skills="焊工", version=qian.version + 1)
    again = commit(clerk, path, world.town_a)
    assert (again.changed, again.unchanged) == (1, 2)
    assert Worker.objects.get(pk=qian.pk).skills == "电工"


def test_masked_export_round_trip_keeps_the_values_and_the_digests(world, clerk, api, tmp_path):
    clear = workbook_file(tmp_path / "clear.xlsx", rows_of_town_a())
    assert commit(clerk, clear, world.town_a).committed
    before = list(Worker.objects.order_by("pk").values())
    api.force_authenticate(clerk)
    data = b"".join(api.get("/api/v1/workers/export/").streaming_content)
    masked = tmp_path / "export.xlsx"
    masked.write_bytes(data)
    result = commit(clerk, masked, world.town_a)
    assert result.committed and (result.new, result.changed) == (0, 0) and result.unchanged >= 3, result.errors
    assert list(Worker.objects.order_by("pk").values()) == before
    # The clear file is still unchanged by its digests: the masked round trip wrote nothing.
    again, decrypted, _sql = quiet_reimport(clerk, clear, world.town_a)
    assert (again.changed, again.unchanged, decrypted) == (0, 3, 0)
    # An edited masked export: the edit lands, the masked phone and family notes are kept, and the same masked
    # file once more is unchanged by its digest (a masked cell means "keep" in the digest as in the import).
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "钱一":
            row[header.index("就业技能")].value = "焊工"
    book.save(masked)
    edited = commit(clerk, masked, world.town_a)
    assert edited.committed and edited.changed == 1, edited.errors
    qian = Worker.objects.get(name="钱一")
    assert (qian.skills, qian.phone, qian.family_situation) == ("焊工", "13912345678", "父母年迈多病")
    assert qian.left_behind_elderly
    once_more, decrypted, _sql = quiet_reimport(clerk, masked, world.town_a)
    assert once_more.changed == 0 and once_more.unchanged == edited.changed + edited.unchanged
    assert Worker.objects.get(pk=qian.pk).phone == "13912345678"
    back, _d, _sql = quiet_reimport(clerk, clear, world.town_a)
    assert (back.changed, back.unchanged) == (1, 2) and Worker.objects.get(pk=qian.pk).skills == "电工"


def test_an_enterprise_registered_after_the_import_is_linked_by_the_reimport(world, clerk, tmp_path):
    code = credit_code()
    path = workbook_file(tmp_path / "w.xlsx", [worker_row(统一社会信用代码=code)])
    assert commit(clerk, path, world.town_a).committed
    assert Worker.objects.get(name="钱一").enterprise_id is None
    enterprise = HostEnterprise.objects.create(name="杭州鑫华电子有限公司", credit_code=code, town=world.town_a,
                                               county=world.county)
    again = commit(clerk, path, world.town_a)
    assert (again.changed, again.unchanged) == (1, 0), again.errors
    assert Worker.objects.get(name="钱一").enterprise_id == enterprise.pk


def test_a_known_record_of_another_town_is_still_refused(world, clerk, tmp_path):
    staff = world.users[Role.COUNTY_STAFF]
    row = worker_row(姓名="周八", 身份证号=id_number(), **{"户籍村(社区)": "610924101201", "所属乡镇": "蒿坪镇"})
    path = workbook_file(tmp_path / "w.xlsx", [row])
    assert commit(staff, path, world.county).committed
    result, decrypted, _sql = quiet_reimport(clerk, path, world.town_a)
    assert not result.committed and decrypted == 0
    [error] = result.errors
    assert error["code"] == "registered_elsewhere" and error["row"] == 2
    # Into the wrong town by a county user: unchanged, but not inside the unit the import is for.
    result, decrypted, _sql = quiet_reimport(staff, path, world.town_a)
    assert not result.committed and decrypted == 0
    assert [e["code"] for e in result.errors] == ["outside_unit"]
