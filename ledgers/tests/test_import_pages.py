"""The clerk's import pages: template, upload, preview with the error table, the workbook back with bad cells marked,
commit; large files through a job whose progress survives a reload (issue 4 items 3 and 4)."""

import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ledgers.models import ImportBatch, ImportStatus, Worker
from organizations.roles import Role
from tests.factories import bad_checksum, id_number, workbook_file, worker_row
from zyparty.models import JobStatus

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def clerk(client, world):
    client.force_login(world.users[Role.TOWN_CLERK])
    return client


def upload(client, path, kind="workers", unit="610924100", name=None):
    data = {"kind": kind, "unit": unit, "file": SimpleUploadedFile(name or Path(path).name, Path(path).read_bytes())}
    return client.post("/ledgers/", data)


def test_index_offers_templates_and_the_clerks_town(clerk):
    page = clerk.get("/ledgers/").content.decode()
    assert "/ledgers/template/workers.xlsx?unit=610924100" in page
    assert 'value="610924100" selected' in page and "610924101" not in page  # only the clerk's own town
    template = clerk.get("/ledgers/template/workers.xlsx", {"unit": "610924100"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    assert set(book.sheetnames) == {"农民工台账", "选项", "填写说明"}
    assert any("必填列" in str(c.value) for c in book["填写说明"]["A"])


def test_upload_preview_then_commit(clerk, world, tmp_path):
    response = upload(clerk, workbook_file(tmp_path / "城关镇.xlsx", [worker_row()], title="城关镇农民工台账"))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ledgers/import/{batch.pk}/"
    page = clerk.get(response["Location"]).content.decode()
    assert "校验通过" in page and "确认导入" in page and not Worker.objects.filter(name="钱一").exists()
    assert "表头在第2行" in page
    done = clerk.post(f"/ledgers/import/{batch.pk}/commit/", follow=True).content.decode()
    assert "导入完成：新增1条" in done
    assert Worker.objects.filter(name="钱一").exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED and not batch.stored_name


def test_errors_are_listed_and_the_workbook_comes_back_marked(clerk, world, tmp_path):
    rows = [worker_row(), worker_row(姓名="钱二", 身份证号=bad_checksum(id_number()), **{"户籍村(社区)": "不存在村"})]
    upload(clerk, workbook_file(tmp_path / "w.xlsx", rows, title="标题"))
    batch = ImportBatch.objects.get()
    page = clerk.get(f"/ledgers/import/{batch.pk}/").content.decode()
    assert "确认导入" not in page and "整个文件都不会写入" in page
    assert re.search(r"<td>4</td><td>身份证号</td><td>B4</td>", page)
    assert "校验位不正确" in page
    # An unknown village is not a per-row error but a value to map once, among the town's villages.
    section = page[page.index('id="unknown-values"'):]
    assert "户籍村(社区)" in section and "“不存在村”" in section and "东河村" in section
    assert bad_checksum(id_number()) not in page  # values are masked in the report
    marked = clerk.get(f"/ledgers/import/{batch.pk}/marked.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(marked.streaming_content)))
    sheet = book.active
    assert sheet["B4"].fill.fgColor.rgb.endswith("FF8080") and "校验位" in sheet["B4"].comment.text
    assert "不存在村" in sheet["D4"].comment.text and sheet["B3"].comment is None
    assert sheet["A1"].value == "标题"  # the clerk's own file, title row and all
    assert clerk.post(f"/ledgers/import/{batch.pk}/commit/").status_code == 302
    assert not Worker.objects.filter(name="钱一").exists()


def test_xls_input_comes_back_as_a_marked_xlsx_copy(clerk, world, tmp_path):
    source = tmp_path / "wps.xls"
    source.write_bytes((FIXTURES / "wps_workers.xls").read_bytes())
    upload(clerk, source, unit="610924100")
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.VALID
    Worker.objects.create(town=world.town_b, name="先登记", id_number="610924197503020034")  # now 陈一 is elsewhere
    upload(clerk, source)
    second = ImportBatch.objects.latest("id")
    assert second.status == ImportStatus.INVALID and second.errors[0]["code"] == "registered_elsewhere"
    marked = clerk.get(f"/ledgers/import/{second.pk}/marked.xlsx")
    assert marked["Content-Disposition"].endswith('wps-%E9%94%99%E8%AF%AF%E6%A0%87%E6%B3%A8.xlsx"') or \
        "xlsx" in marked["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(marked.streaming_content)))
    assert "其他乡镇" in book["Sheet1"]["B4"].comment.text


def test_bad_file_shows_the_reason(clerk, tmp_path):
    path = tmp_path / "病毒.xlsx"
    path.write_bytes(b"MZ" + b"\x00" * 300)
    response = upload(clerk, path)
    assert response.status_code == 400 and "无法识别的文件类型" in response.content.decode()
    encrypted = upload(clerk, FIXTURES / "encrypted.xlsx")
    assert encrypted.status_code == 400 and "密码" in encrypted.content.decode()
    assert not ImportBatch.objects.exists()


def test_abandon_removes_the_upload(clerk, world, tmp_path):
    upload(clerk, workbook_file(tmp_path / "w.xlsx", [worker_row()]))
    batch = ImportBatch.objects.get()
    from ledgers.workflows import batch_path

    path = batch_path(batch)
    assert path.exists()
    clerk.post(f"/ledgers/import/{batch.pk}/abandon/")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.ABANDONED and not path.exists()


def test_large_file_runs_as_a_job_with_a_progress_page(clerk, world, tmp_path, settings,
                                                      django_capture_on_commit_callbacks):
    settings.IMPORT_ASYNC_ROWS = 3
    rows = [worker_row(姓名=f"工人{i}", 身份证号=id_number()) for i in range(6)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(clerk, workbook_file(tmp_path / "w.xlsx", rows))
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/ledgers/import/{batch.pk}/progress/"
    page = clerk.get(response["Location"]).content.decode()  # before the worker ran: a reload shows the bar
    assert "<progress" in page and "ledgers/import_progress.js" in page and "<script>" not in page
    status = clerk.get(f"/ledgers/import/{batch.pk}/status.json").json()
    assert status["job"]["status"] == JobStatus.PENDING and not status["job"]["finished"]
    for callback in callbacks:  # the broker delivers the task
        callback()
    status = clerk.get(f"/ledgers/import/{batch.pk}/status.json").json()
    assert status["job"]["finished"] and status["job"]["percent"] == 100 and status["status"] == "valid"
    assert clerk.get(f"/ledgers/import/{batch.pk}/progress/")["Location"] == f"/ledgers/import/{batch.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(f"/ledgers/import/{batch.pk}/commit/")
    assert response["Location"] == f"/ledgers/import/{batch.pk}/progress/"
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED and Worker.objects.filter(name__startswith="工人").count() == 6
    assert world.users[Role.TOWN_CLERK].notices.filter(kind="import").exists()


def test_other_peoples_batches_are_not_shown(client, clerk, world, tmp_path):
    upload(clerk, workbook_file(tmp_path / "w.xlsx", [worker_row()]))
    batch = ImportBatch.objects.get()
    client.force_login(world.users[Role.COUNTY_STAFF])
    assert client.get(f"/ledgers/import/{batch.pk}/").status_code == 404
    assert client.get(f"/ledgers/import/{batch.pk}/status.json").status_code == 404


def test_roles_without_import_permission_get_403(client, world):
    client.force_login(world.users[Role.VILLAGE_LIAISON])
    assert client.get("/ledgers/").status_code == 403
    assert client.get("/ledgers/template/workers.xlsx").status_code == 403


def test_batches_are_listed_read_only_in_the_admin_within_scope(client, world, tmp_path):
    """Shown to roles granted ``ledgers.view_importbatch`` (organizations.roles), within their scope; never editable."""
    from organizations.roles import ROLE_PERMISSIONS

    granted = ROLE_PERMISSIONS[Role.TOWN_CLERK] | {"ledgers.view_importbatch"}
    ROLE_PERMISSIONS[Role.TOWN_CLERK], saved = granted, ROLE_PERMISSIONS[Role.TOWN_CLERK]
    try:
        client.force_login(world.users[Role.TOWN_CLERK])
        upload(client, workbook_file(tmp_path / "城关.xlsx", [worker_row()]))
        batch = ImportBatch.objects.get()
        page = client.get("/admin/ledgers/importbatch/").content.decode()
        assert "城关.xlsx" in page and f"/ledgers/import/{batch.pk}/" in page
        assert client.post(f"/admin/ledgers/importbatch/{batch.pk}/delete/").status_code == 403
        client.force_login(world.clerk_b)
        assert "城关.xlsx" not in client.get("/admin/ledgers/importbatch/").content.decode()
    finally:
        ROLE_PERMISSIONS[Role.TOWN_CLERK] = saved
