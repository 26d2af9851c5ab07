"""Coded values as clerks write them, wired into the import (issue 14 items 1, 2, 3 and 8): the everyday words need
no mapping, unknown values are grouped and mapped once (page, API, command line), a mapping may become a county
synonym (entitled and audited), errors with one cause read as one line, formula cells without a value are warned."""

import csv
import datetime
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from ledgers import workflows
from ledgers.models import ImportBatch, ImportStatus, ValueSynonym, Worker
from organizations.roles import Role
from tests.factories import bad_checksum, id_number, workbook_file, worker_row
from zyparty.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def rows_of(n, **values):
    return [worker_row(姓名=f"映射{i}", 身份证号=id_number(datetime.date(1980, 1, 1) + datetime.timedelta(days=i % 9000)),
                       **values) for i in range(n)]


def upload(client, path, unit="610924100"):
    return client.post("/ledgers/", {"kind": "workers", "unit": unit,
                                     "file": SimpleUploadedFile(Path(path).name, Path(path).read_bytes())})


@pytest.fixture
def clerk(world):
    return world.users[Role.TOWN_CLERK]


# 1. The issue's everyday words ------------------------------------------------------------------------------------
def test_the_issues_everyday_words_need_no_mapping(world, clerk, tmp_path):
    rows = [worker_row(姓名="暂无", 身份证号=id_number(), 返乡意向="暂无", 从事行业="居民服务业"),
            worker_row(姓名="有意", 身份证号=id_number(), 返乡意向="有意返乡", 从事行业="（居民服务业）"),
            worker_row(姓名="全角", 身份证号=id_number(), 返乡意向="\u3000暂 无", 从事行业="ＩＴ",
                       **{"户籍村(社区)": "西坝", "外出/外来": "外出务工"})]
    path = workbook_file(tmp_path / "紫阳县城关镇.xlsx", rows, title="城关镇农民工台账（填报单位：城关镇）")
    result = workflows.ledger_import_commit(user=clerk, kind="workers", file=path, unit=world.town_a)
    assert result.committed, (result.errors, result.unknown_values)
    assert result.unknown_values == [] and result.errors == []
    stored = {w.name: w for w in Worker.objects.filter(name__in=["暂无", "有意", "全角"])}
    assert (stored["暂无"].return_intention, stored["暂无"].industry) == ("none", "household")
    assert (stored["有意"].return_intention, stored["有意"].industry) == ("considering", "household")
    assert (stored["全角"].return_intention, stored["全角"].industry) == ("none", "it")
    assert stored["全角"].village == world.village_a2  # 西坝 → the one village of 城关镇 it shortens


def test_an_ambiguous_word_is_not_guessed(world, clerk, tmp_path):
    rows = [worker_row(从事行业="服务"), worker_row(姓名="党员", 身份证号=id_number(), 政治面貌="党员员")]
    result = workflows.ledger_import_preview(user=clerk, kind="workers", file=workbook_file(tmp_path / "w.xlsx", rows),
                                             unit=world.town_a)
    [industry] = [u for u in result.unknown_values if u["column"] == "从事行业"]
    assert industry["value"] == "服务" and {"household", "it"} <= {s["code"] for s in industry["suggestions"]}
    assert result.batch.status == ImportStatus.INVALID and not result.ok
    assert not workflows.ledger_import_commit(user=clerk, batch=result.batch).committed


# 2. Grouped, mapped once in the preview, then committed -----------------------------------------------------------
def test_two_unknown_words_over_5000_rows_are_two_groups_mapped_once_then_committed(world, clerk, client, tmp_path,
                                                                                     settings):
    settings.IMPORT_ASYNC_ROWS = 100_000
    settings.IMPORT_PARALLEL_MIN_ROWS, settings.IMPORT_WORKERS = 10, 2  # checked in stripes: the groups merge
    rows = rows_of(5000)
    for index, row in enumerate(rows):
        if index % 2:
            row["返乡意向"] = "看情况再说"
        else:
            row["从事行业"] = "跑滴滴"
    client.force_login(clerk)
    upload(client, workbook_file(tmp_path / "城关镇.xlsx", rows, title="城关镇台账"))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.INVALID and batch.error_count == 0 and batch.errors == []
    groups = {u["column"]: u for u in batch.unknown_values}
    assert len(batch.unknown_values) == 2
    assert (groups["返乡意向"]["value"], groups["返乡意向"]["count"], groups["返乡意向"]["rows"]) == (
        "看情况再说", 2500, [4, 6, 8, 10, 12])
    assert (groups["从事行业"]["count"], groups["从事行业"]["rows"][:2]) == (2500, [3, 5])
    page = client.get(f"/ledgers/import/{batch.pk}/").content.decode()
    assert "未识别的取值" in page and "“看情况再说”" in page and "（共 2500 行）" in page
    assert "确认导入" not in page and "保存为本县同义词" not in page  # a town clerk may not keep synonyms
    index = {u["column"]: i for i, u in enumerate(batch.unknown_values)}
    assert client.post(f"/ledgers/import/{batch.pk}/commit/").status_code == 302  # refused while unmapped
    assert not Worker.objects.filter(name__startswith="映射").exists()
    client.post(f"/ledgers/import/{batch.pk}/map/", {f"map-{index['返乡意向']}": "__empty__",
                                                     f"map-{index['从事行业']}": "transport"})
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALID and batch.unknown_values == [] and batch.new_count == 5000
    assert {(m["column"], m["value"], m["code"]) for m in batch.value_mappings} == {
        ("返乡意向", "看情况再说", ""), ("从事行业", "跑滴滴", "transport")}
    done = client.post(f"/ledgers/import/{batch.pk}/commit/", follow=True).content.decode()
    assert "导入完成：新增5000条" in done
    assert Worker.objects.filter(name__startswith="映射", industry="transport").count() == 2500
    assert Worker.objects.filter(name__startswith="映射", return_intention="").count() == 2500
    assert not ValueSynonym.objects.filter(county__isnull=False).exists()


def test_a_wrong_target_is_refused_and_nothing_is_kept(world, clerk, client, tmp_path):
    client.force_login(clerk)
    upload(client, workbook_file(tmp_path / "w.xlsx", [worker_row(从事行业="跑滴滴")]))
    batch = ImportBatch.objects.get()
    page = client.post(f"/ledgers/import/{batch.pk}/map/", {"map-0": "no-such-code"}, follow=True).content.decode()
    assert "不是“从事行业”列的可选值" in page
    batch.refresh_from_db()
    assert batch.value_mappings == [] and batch.status == ImportStatus.INVALID


def test_an_unknown_village_is_mapped_to_one_of_the_towns_villages(world, clerk, tmp_path):
    path = workbook_file(tmp_path / "w.xlsx", [worker_row(**{"户籍村(社区)": "东河组"})])
    result = workflows.ledger_import_preview(user=clerk, kind="workers", file=path, unit=world.town_a)
    [village] = result.unknown_values
    assert village["column"] == "户籍村(社区)" and village["value"] == "东河组"
    workflows.ledger_import_map(user=clerk, batch=result.batch, mappings={("户籍村(社区)", "东河组"): "610924100201"})
    assert workflows.ledger_import_commit(user=clerk, batch=result.batch).committed
    assert Worker.objects.get(name="钱一").village == world.village_a


def test_saving_as_county_synonym_by_a_county_admin_is_audited(world, client, tmp_path):
    admin = world.users[Role.COUNTY_ADMIN]
    client.force_login(admin)
    upload(client, workbook_file(tmp_path / "w.xlsx", [worker_row(返乡意向="明年再看")]))
    batch = ImportBatch.objects.get()
    page = client.get(f"/ledgers/import/{batch.pk}/").content.decode()
    assert "保存为本县同义词" in page
    client.post(f"/ledgers/import/{batch.pk}/map/", {"map-0": "considering", "synonym-0": "1"})
    synonym = ValueSynonym.objects.get(county=world.county, column="return_intention", word="明年再看")
    assert synonym.target == "considering" and synonym.created_by == admin
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="ledgers.valuesynonym",
                                     object_id=str(synonym.pk)).exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALID
    # The next file of the county needs no mapping; a file of another county still does.
    again = workflows.ledger_import_preview(user=admin, kind="workers", unit=world.town_a,
                                            file=workbook_file(tmp_path / "again.xlsx", [worker_row(返乡意向="明年再看")]))
    assert again.ok


def test_a_town_clerk_cannot_save_a_county_synonym(world, clerk, client, tmp_path):
    client.force_login(clerk)
    upload(client, workbook_file(tmp_path / "w.xlsx", [worker_row(返乡意向="明年再看")]))
    batch = ImportBatch.objects.get()
    response = client.post(f"/ledgers/import/{batch.pk}/map/", {"map-0": "considering", "synonym-0": "1"})
    assert response.status_code == 403
    assert not ValueSynonym.objects.filter(word="明年再看").exists()
    batch.refresh_from_db()
    assert batch.value_mappings == []


# The API and the command line -------------------------------------------------------------------------------------
def test_api_lists_unknown_values_and_takes_mappings(api, world, tmp_path):
    api.force_authenticate(world.users[Role.TOWN_CLERK])
    path = workbook_file(tmp_path / "w.xlsx", [worker_row(返乡意向="看情况"), worker_row(姓名="二", 身份证号=id_number(),
                                                                                   返乡意向="看情况")])
    url = "/api/v1/workers/import/"
    body = api.post(url + "?dry_run=1", {"file": SimpleUploadedFile("w.xlsx", path.read_bytes()),
                                         "unit": "610924100"}, format="multipart").json()
    [unknown] = body["unknown_values"]
    assert (unknown["column"], unknown["value"], unknown["count"], unknown["rows"]) == ("返乡意向", "看情况", 2, [2, 3])
    assert body["status"] == "invalid" and body["errors"] == [] and body["unknown_rows"] == 2
    response = api.post(url, {"file": SimpleUploadedFile("w.xlsx", path.read_bytes()), "unit": "610924100",
                              "mappings": json.dumps([{"column": "返乡意向", "value": "看情况", "target": "有返乡意向"}])},
                        format="multipart")
    assert response.status_code == 201 and response.json()["mappings"] == [
        {"column": "返乡意向", "value": "看情况", "code": "considering"}]
    assert Worker.objects.filter(return_intention="considering", name__in=["钱一", "二"]).count() == 2
    bad = api.post(url, {"file": SimpleUploadedFile("w.xlsx", path.read_bytes()), "unit": "610924100",
                         "mappings": json.dumps(["返乡意向:看情况=也许"])}, format="multipart")
    assert bad.status_code == 400 and "不是“返乡意向”列的可选值" in bad.json()["detail"]


def test_command_line_map_and_map_file(world, tmp_path, capsys):
    rows = [worker_row(返乡意向="看情况", 从事行业="跑滴滴"),
            worker_row(姓名="钱二", 身份证号=id_number(), 返乡意向="看情况", 从事行业="跑滴滴")]
    path = workbook_file(tmp_path / "w.xlsx", rows)
    with pytest.raises(SystemExit) as exit_:
        call_command("import_ledger", "workers", str(path), "--unit", "610924100", "--user", "clerk_a")
    out = capsys.readouterr().out
    assert exit_.value.code == 1 and "未识别的取值 2 个（共 4 行）" in out
    assert "返乡意向：“看情况”，第 2、3 行（共 2 行）" in out and "从事行业：“跑滴滴”" in out
    mapping = tmp_path / "映射.csv"
    with open(mapping, "w", encoding="gb18030", newline="") as handle:
        csv.writer(handle).writerows([["本县取值对照"], ["列", "原值", "对应为"], ["行业", "跑滴滴", "交通运输、仓储和邮政业"]])
    call_command("import_ledger", "workers", str(path), "--unit", "610924100", "--user", "clerk_a",
                 "--map", "返乡意向:看情况=留空", "--map-file", str(mapping))
    assert "已全部写入" in capsys.readouterr().out
    assert set(Worker.objects.filter(name__in=["钱一", "钱二"]).values_list("return_intention", "industry")) == {
        ("", "transport")}


def test_command_line_refuses_a_wrong_mapping(world, tmp_path):
    path = workbook_file(tmp_path / "w.xlsx", [worker_row(返乡意向="看情况")])
    with pytest.raises(Exception) as error:
        call_command("import_ledger", "workers", str(path), "--unit", "610924100", "--map", "返乡意向:看情况=也许")
    assert "不是“返乡意向”列的可选值" in str(error.value)
    assert ImportBatch.objects.get().status == ImportStatus.ABANDONED


# 3. One cause, one line -------------------------------------------------------------------------------------------
def test_errors_with_one_cause_read_as_one_line(world, clerk, client, tmp_path, capsys):
    rows = rows_of(40)
    for row in rows[3:40]:
        row["身份证号"] = bad_checksum(row["身份证号"])
    rows[1]["外出时间"] = "2020.13.1"
    path = workbook_file(tmp_path / "w.xlsx", rows)
    result = workflows.ledger_import_preview(user=clerk, kind="workers", file=path, unit=world.town_a)
    assert result.error_count == 38
    lines = [g["text"] for g in result.error_groups]
    assert len(lines) == 2
    [checksum] = [g for g in result.error_groups if g["column"] == "身份证号"]
    assert checksum["count"] == 37 and checksum["text"].endswith("第 5、6、7、8、9、10、11、12、13、14… 行（共 37 行）")
    client.force_login(clerk)
    page = client.get(f"/ledgers/import/{result.batch.pk}/").content.decode()
    assert checksum["text"] in page
    with pytest.raises(SystemExit):
        call_command("import_ledger", "workers", str(path), "--unit", "610924100")
    out = capsys.readouterr().out
    assert out.count("校验位") == 1 and "（共 37 行）" in out


# 8. Formula cells without a saved value ---------------------------------------------------------------------------
def test_a_formula_without_a_saved_value_is_a_warning_naming_the_cell(world, clerk, client, tmp_path):
    path = workbook_file(tmp_path / "w.xlsx", [worker_row(), worker_row(姓名="钱二", 身份证号=id_number())],
                         sheet="城关镇")
    book = openpyxl.load_workbook(path)
    book["城关镇"]["K3"] = "=4000+500"  # 月收入(元), written by a program that computes nothing
    book.save(path)
    result = workflows.ledger_import_preview(user=clerk, kind="workers", file=path, unit=world.town_a)
    assert result.ok and result.batch.status == ImportStatus.VALID  # a warning never blocks
    [warning] = result.warnings
    assert warning["cell"] == "K3" and warning["row"] == 3
    assert warning["message"].startswith("工作表“城关镇”K3 是公式但文件中没有保存计算结果，导入时按空白处理")
    client.force_login(clerk)
    page = client.get(f"/ledgers/import/{result.batch.pk}/").content.decode()
    assert 'id="import-warnings"' in page and "工作表“城关镇”K3 是公式" in page and "确认导入" in page
