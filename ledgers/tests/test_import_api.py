"""``POST /api/v1/<ledger>/import/`` and ``GET …/template/`` as a partner system and a clerk use them: JSON errors
of a stable shape, never a 500 for a bad file (SECURITY.md "uploads"; CONTRACT.md "REST API" errors)."""

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ledgers.models import ImportBatch, ImportStatus, Worker
from ledgers.workflows import import_dir
from organizations.apikeys import api_client_create
from organizations.roles import Role
from tests.factories import id_number, workbook_file, worker_row
from zyparty.models import AuditAction, AuditEntry, BackgroundJob, JobStatus

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent / "fixtures"
URL = "/api/v1/workers/import/"


def upload(path, name=None):
    return SimpleUploadedFile(name or Path(path).name, Path(path).read_bytes())


def post(api, path, name=None, **query):
    url = URL + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return api.post(url, {"file": upload(path, name), "unit": "610924100"}, format="multipart")


@pytest.fixture
def clerk_api(api, world):
    api.force_authenticate(world.users[Role.TOWN_CLERK])
    return api


def test_dry_run_previews_then_import_commits(clerk_api, world, tmp_path):
    path = workbook_file(tmp_path / "台账.xlsx", [worker_row(), worker_row(姓名="钱二", 身份证号=id_number())])
    response = post(clerk_api, path, dry_run=1)
    assert response.status_code == 200
    body = response.json()
    assert body["new"] == 2 and body["error_count"] == 0 and body["status"] == "valid" and not body["committed"]
    assert not Worker.objects.filter(name="钱一").exists()
    response = post(clerk_api, path)
    assert response.status_code == 201 and response.json()["committed"]
    assert Worker.objects.filter(name__in=["钱一", "钱二"]).count() == 2
    batch = ImportBatch.objects.get(pk=response.json()["batch"])
    assert batch.file_name == "台账.xlsx" and len(batch.sha256) == 64
    status = clerk_api.get(f"{URL}{batch.pk}/").json()
    assert status["status"] == "committed" and status["new"] == 2


def test_errors_are_400_with_every_cell(clerk_api, world, tmp_path):
    path = workbook_file(tmp_path / "w.xlsx", [worker_row(), worker_row(身份证号="61092419900101123", 联系电话="123")])
    response = post(clerk_api, path)
    assert response.status_code == 400
    body = response.json()
    assert body["committed"] is False and body["error_count"] == 2
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(3, "身份证号"), (3, "联系电话")}
    assert all(set(e) >= {"sheet", "row", "column", "value", "message", "code"} for e in body["errors"])
    assert not Worker.objects.filter(name="钱一").exists()


@pytest.mark.parametrize("maker, code, status", [
    (lambda p: p.write_bytes(b"MZ\x90\x00" + b"\x00" * 500), "file_type", 400),
    (lambda p: p.write_bytes(b""), "empty_file", 400),
    (lambda p: p.write_bytes((FIXTURES / "encrypted.xlsx").read_bytes()), "encrypted", 400),
    (lambda p: p.write_bytes((FIXTURES / "encrypted.xls").read_bytes()), "encrypted", 400),
    (lambda p: p.write_bytes((FIXTURES / "wps_workers.xlsx").read_bytes()[:3000]), "corrupted", 400),
])
def test_bad_files_are_clear_400s_never_500(clerk_api, world, tmp_path, maker, code, status):
    path = tmp_path / "台账.xlsx"
    maker(path)
    kept = set(import_dir().iterdir())
    response = post(clerk_api, path)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["detail"]
    assert not ImportBatch.objects.exists()
    assert set(import_dir().iterdir()) == kept  # the refused upload is not kept


def test_oversized_upload_is_413(clerk_api, world, tmp_path, settings):
    settings.IMPORT_MAX_FILE_BYTES = 5000
    path = workbook_file(tmp_path / "w.xlsx", [worker_row(姓名=f"工人{i}", 身份证号=id_number()) for i in range(200)])
    response = post(clerk_api, path)
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
    assert "上限" in response.json()["detail"]


def test_zip_bomb_is_400(clerk_api, world, tmp_path, settings):
    settings.IMPORT_MAX_INFLATED_BYTES = 1024 * 1024
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * (6 * 1024 * 1024))
    response = post(clerk_api, path)
    assert response.status_code == 400 and response.json()["code"] == "zip_bomb"


def test_no_header_is_400_with_a_message(clerk_api, world, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["序号", "名字"])
    book.active.append([1, "钱一"])
    book.save(tmp_path / "x.xlsx")
    response = post(clerk_api, tmp_path / "x.xlsx")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "no_header"


def test_wps_xls_through_the_api(clerk_api, world):
    response = post(clerk_api, FIXTURES / "wps_workers.xls")
    assert response.status_code == 201, response.json()
    assert response.json()["new"] == 5


def test_without_import_permission_is_403(api, world, tmp_path):
    api.force_authenticate(world.users[Role.VILLAGE_LIAISON])  # may add workers, may not import
    response = post(api, workbook_file(tmp_path / "w.xlsx", [worker_row()]))
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action=AuditAction.DENIED).exists()


def test_read_only_api_key_cannot_import(api, world, tmp_path):
    _client, key = api_client_create(name="人社系统", unit=world.town_a, read_only=True)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = post(api, workbook_file(tmp_path / "w.xlsx", [worker_row()]))
    assert response.status_code == 403 and not Worker.objects.filter(name="钱一").exists()


def test_unit_outside_scope_is_refused(clerk_api, world, tmp_path):
    path = workbook_file(tmp_path / "w.xlsx", [worker_row()])
    response = clerk_api.post(URL, {"file": upload(path), "unit": "610924101"}, format="multipart")
    assert response.status_code == 400 and "unit" in response.json()


def test_large_file_runs_as_a_job(clerk_api, world, tmp_path, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_ASYNC_ROWS = 3
    rows = [worker_row(姓名=f"工人{i}", 身份证号=id_number()) for i in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        response = post(clerk_api, workbook_file(tmp_path / "w.xlsx", rows))
    assert response.status_code == 202
    body = response.json()
    job = BackgroundJob.objects.get(pk=body["job"])
    assert job.status == JobStatus.DONE and job.result["new"] == 5
    status = clerk_api.get(body["status_url"]).json()
    assert status["status"] == ImportStatus.COMMITTED and status["job"]["percent"] == 100
    assert Worker.objects.filter(name__startswith="工人").count() == 5


def test_template_download(clerk_api, world):
    response = clerk_api.get("/api/v1/workers/template/", {"unit": "610924100"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in book["农民工台账"][1]][:4] == ["姓名", "身份证号", "联系电话", "户籍村(社区)"]
    assert book["选项"]["D2"].value == "东河村"  # the villages of the clerk's town
    villages = [c.value for c in book["选项"]["D"][1:] if c.value]
    assert villages == ["东河村", "西坝村"]
    assert "金石村" not in villages


def test_units_import_and_template_for_a_county_admin(api, world, tmp_path):
    api.force_authenticate(world.users[Role.COUNTY_ADMIN])
    path = workbook_file(tmp_path / "u.xlsx", [{"区划代码": "610924102", "名称": "汉王镇"},
                                               {"区划代码": "610924102201", "名称": "新村"}])
    response = api.post("/api/v1/units/import/", {"file": upload(path)}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["new"] == 2
    assert api.get("/api/v1/units/template/").status_code == 200
    api.force_authenticate(world.users[Role.TOWN_CLERK])  # a clerk may not set up units
    assert api.post("/api/v1/units/import/", {"file": upload(path)}, format="multipart").status_code == 403


@pytest.mark.postgres
@pytest.mark.skipif(not __import__("os").environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="the streaming commit and its second progress connection are the PostgreSQL path")
def test_large_file_job_streams_on_postgresql(clerk_api, world, tmp_path, settings,
                                              django_capture_on_commit_callbacks):
    settings.IMPORT_ASYNC_ROWS, settings.IMPORT_PARALLEL_MIN_ROWS = 3, 3
    rows = [worker_row(姓名=f"作业{i}", 身份证号=id_number()) for i in range(12)]
    with django_capture_on_commit_callbacks(execute=True):
        response = post(clerk_api, workbook_file(tmp_path / "w.xlsx", rows))
    assert response.status_code == 202
    job = BackgroundJob.objects.get(pk=response.json()["job"])
    assert job.status == JobStatus.DONE and job.result["new"] == 12 and job.result["status"] == "committed"
    assert Worker.objects.filter(name__startswith="作业").count() == 12
