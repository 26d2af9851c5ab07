"""Importing ledgers as a town clerk does it (issue 4; CONTRACT.md "Excel ledgers"; SECURITY.md "imports"): whole
files or nothing, every bad cell named, real WPS/LibreOffice files, re-imports that change nothing."""

import datetime
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from ledgers import workflows
from ledgers.importing import engine
from ledgers.models import Activist, HostEnterprise, ImportBatch, ImportStatus, PartyMember, Worker
from organizations.models import Unit
from organizations.roles import Role
from tests.factories import bad_checksum, credit_code, id_number, workbook_file, worker_row
from zyparty import crypto, excel
from zyparty.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def clerk(world):
    return world.users[Role.TOWN_CLERK]


def preview(user, path, unit, kind="workers"):
    return workflows.ledger_import_preview(user=user, kind=kind, file=path, unit=unit)


def commit(user, path, unit, kind="workers"):
    return workflows.ledger_import_commit(user=user, kind=kind, file=path, unit=unit)


def test_one_bad_row_in_a_thousand_saves_nothing_and_names_the_cell(world, clerk, tmp_path):
    rows = [worker_row(姓名=f"工人{i}", 身份证号=id_number(datetime.date(1980, 1, 1))) for i in range(1000)]
    rows[736]["身份证号"] = bad_checksum(rows[736]["身份证号"])
    before = Worker.objects.count()
    result = commit(clerk, workbook_file(tmp_path / "台账.xlsx", rows, title="城关镇农民工台账"), world.town_a)
    assert not result.committed and Worker.objects.count() == before
    assert result.error_count == 1 and result.new == 999
    [error] = result.errors
    assert (error["sheet"], error["row"], error["column"], error["cell"]) == ("Sheet1", 739, "身份证号", "B739")
    assert "校验位" in error["message"]
    assert error["value"][4:14] == "*" * 10  # the report masks the ID number
    assert result.batch.status == ImportStatus.INVALID
    failure = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert failure.result == "failure" and failure.changes["batch"] == result.batch.pk


def test_preview_counts_and_writes_nothing(world, clerk, tmp_path):
    rows = [worker_row(), worker_row(身份证号=world.workers["a"].id_number, 姓名="张三")]
    result = preview(clerk, workbook_file(tmp_path / "w.xlsx", rows), world.town_a)
    assert result.ok and (result.new, result.changed, result.unchanged) == (1, 1, 0)
    assert result.batch.status == ImportStatus.VALID
    assert not Worker.objects.filter(name="钱一").exists()
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()
    committed = workflows.ledger_import_commit(user=clerk, batch=result.batch)
    assert committed.committed and Worker.objects.filter(name="钱一").exists()
    assert not workflows.batch_path(committed.batch)  # the upload is removed once committed


@pytest.mark.parametrize("name", ["wps_workers.xls", "wps_workers.ods", "wps_workers.xlsx"])
def test_wps_file_with_title_rows_and_full_width_digits_imports(world, clerk, tmp_path, name):
    path = tmp_path / name
    shutil.copy(FIXTURES / name, path)
    result = commit(clerk, path, world.town_a)
    assert result.committed, result.errors
    assert result.new == 5 and result.batch.sheets[0]["header_row"] == 3
    chen = Worker.objects.get(name="陈一")
    assert chen.id_number == "610924197503020034" and chen.phone == "13912345678"  # full-width folded
    assert chen.monthly_income == 4500 and chen.left_on == datetime.date(2020, 6, 26)
    assert chen.left_behind_children and not chen.left_behind_elderly
    assert chen.party_wish == "yes" and chen.post_wish == "no" and chen.return_intention == "considering"
    assert chen.destination_code == "330106" and chen.village == world.village_a
    lin = Worker.objects.get(name="林二")
    assert lin.id_number.endswith("X") and lin.left_on == datetime.date(2020, 6, 26)  # lower-case x, 2020年6月26日
    assert lin.political_status == "league" and lin.return_intention == "none"
    huang = Worker.objects.get(name="黄三")
    assert huang.destination_code == "320583" and huang.left_behind_elderly  # 江苏苏州昆山
    wu = Worker.objects.get(name="吴四")
    assert wu.village == world.village_a2 and wu.direction == "in"  # village by its 12-digit code
    assert wu.phone == "09155212345" and wu.left_on == datetime.date(2018, 10, 1)
    zheng = Worker.objects.get(name="郑五")
    assert zheng.left_on == datetime.date(2020, 5, 27) and zheng.phone == "13912345680"  # an Excel serial


def test_reimporting_the_same_file_changes_nothing(world, clerk, tmp_path):
    path = workbook_file(tmp_path / "w.xlsx", [worker_row(), worker_row(姓名="钱二", 身份证号=id_number(),
                                                                        家庭情况="配偶在家务农")])
    assert commit(clerk, path, world.town_a).committed
    snapshot = list(Worker.objects.filter(name__startswith="钱").order_by("pk").values())
    audits = AuditEntry.objects.count()
    again = commit(clerk, path, world.town_a)
    assert again.committed and (again.new, again.changed, again.unchanged) == (0, 0, 2)
    assert list(Worker.objects.filter(name__startswith="钱").order_by("pk").values()) == snapshot
    assert AuditEntry.objects.count() == audits + 1  # the batch's own entry, nothing per record


def test_changed_rows_get_version_updated_by_and_one_batch_audit_entry(world, clerk, tmp_path):
    target = world.workers["a"]
    row = worker_row(身份证号=target.id_number, 姓名="张三", 就业技能="焊工")
    result = commit(clerk, workbook_file(tmp_path / "w.xlsx", [row]), world.town_a)
    assert result.committed and result.changed == 1
    target.refresh_from_db()
    assert target.skills == "焊工" and target.version == 2 and target.updated_by == clerk
    assert target.enterprise == world.enterprise_a  # no credit code in the file: the link stays
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert entry.object_type == "ledgers.importbatch" and entry.object_id == str(result.batch.pk)
    assert entry.changes["updated"] == 1 and entry.changes["created"] == 0 and entry.changes["batch"] == result.batch.pk
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type="ledgers.worker").exists()
    result.batch.refresh_from_db()
    assert result.batch.audit_entry_id == entry.pk and result.batch.committed_at is not None


def test_rows_of_another_town_are_errors(world, clerk, tmp_path):
    rows = [worker_row(), worker_row(身份证号=id_number(), **{"户籍村(社区)": "610924101201"}),  # 金石村, 蒿坪镇
            worker_row(身份证号=world.workers["b"].id_number, 姓名="孙七")]  # registered in 蒿坪镇
    result = commit(clerk, workbook_file(tmp_path / "w.xlsx", rows), world.town_a)
    assert not result.committed
    by_row = {e["row"]: e for e in result.errors}
    assert by_row[3]["column"] == "户籍村(社区)" and by_row[3]["code"] == "out_of_scope"
    assert by_row[4]["code"] == "registered_elsewhere" and "其他乡镇" in by_row[4]["message"]
    assert world.workers["b"].name == Worker.objects.get(pk=world.workers["b"].pk).name


def test_village_names_resolve_inside_the_clerks_town(world, clerk, tmp_path):
    rows = [worker_row(**{"户籍村(社区)": "金石村"})]  # exists, but in 蒿坪镇
    result = preview(clerk, workbook_file(tmp_path / "w.xlsx", rows), world.town_a)
    [error] = result.errors
    assert error["code"] == "village_unknown" and "城关镇没有名为“金石村”" in error["message"]


def test_duplicate_id_numbers_in_the_file_are_errors(world, clerk, tmp_path):
    number = id_number()
    rows = [worker_row(身份证号=number), worker_row(姓名="钱二", 身份证号=number.lower() if number.endswith("X")
                                                   else " " + number)]
    result = preview(clerk, workbook_file(tmp_path / "w.xlsx", rows), world.town_a)
    [error] = result.errors
    assert error["row"] == 3 and error["code"] == "duplicate_in_file" and "第2行" in error["message"]


def test_id_number_typed_as_a_number_is_a_clear_error(world, clerk, tmp_path):
    rows = [worker_row(身份证号=610924199001011234)]
    result = preview(clerk, workbook_file(tmp_path / "w.xlsx", rows, text_columns=()), world.town_a)
    [error] = result.errors
    assert error["code"] == "number_lost_digits" and "15位" in error["message"] and "文本" in error["message"]


def test_every_error_of_a_row_is_reported_with_its_column(world, clerk, tmp_path):
    rows = [worker_row(联系电话="12345", 务工地="火星基地", 外出时间="2020.13.1", 从事行业="炼丹", 入党意愿="也许",
                       统一社会信用代码="91350100M000100Y44", 姓名="")]
    result = preview(clerk, workbook_file(tmp_path / "w.xlsx", rows), world.town_a)
    columns = {e["column"]: e["message"] for e in result.errors}
    assert set(columns) == {"联系电话", "务工地", "外出时间", "统一社会信用代码", "姓名"}
    assert "手机号应为11位" in columns["联系电话"] and "无法识别务工地" in columns["务工地"]
    # Coded values no option fits are not errors per row but unknown values, grouped for the clerk to map once.
    unknown = {u["column"]: u for u in result.unknown_values}
    assert set(unknown) == {"从事行业", "入党意愿"} and not result.ok
    assert (unknown["从事行业"]["value"], unknown["从事行业"]["rows"]) == ("炼丹", [2])
    assert unknown["入党意愿"]["value"] == "也许" and unknown["入党意愿"]["may_leave_empty"]


def test_missing_required_column_and_no_header(world, clerk, tmp_path):
    rows = [{"姓名": "钱一", "联系电话": "13912345678"}]
    result = preview(clerk, workbook_file(tmp_path / "w.xlsx", rows), world.town_a)
    assert [(e["column"], e["code"]) for e in result.errors] == [("身份证号", "missing_column")]
    nothing = preview(clerk, workbook_file(tmp_path / "x.xlsx", [{"序号": 1, "名字": "钱一"}]), world.town_a)
    assert [e["code"] for e in nothing.errors] == ["no_header"] and "表头" in nothing.errors[0]["message"]
    empty = preview(clerk, workbook_file(tmp_path / "e.xlsx", [], headers=["姓名", "身份证号"]), world.town_a)
    assert [e["code"] for e in empty.errors] == ["empty"]


def test_rows_are_read_from_every_sheet(world, clerk, tmp_path):
    import openpyxl

    path = workbook_file(tmp_path / "w.xlsx", [worker_row()], sheet="东河村")
    book = openpyxl.load_workbook(path)
    other = book.create_sheet("西坝村")
    other.append(["姓名", "身份证号", "户籍村(社区)"])
    other.append(["钱三", id_number(), "西坝村"])
    book.save(path)
    result = commit(clerk, path, world.town_a)
    assert result.committed and result.new == 2
    assert Worker.objects.get(name="钱三").village == world.village_a2


def test_concurrent_edit_between_check_and_write_writes_nothing(world, clerk, tmp_path):
    target = world.workers["a"]
    rows = [worker_row(身份证号=target.id_number, 姓名="张三改", **{"户籍村(社区)": "东河村"}), worker_row()]

    def someone_else_saves(done, total, message=None):
        if message == "正在写入数据库":
            Worker.objects.filter(pk=target.pk).update(version=target.version + 5)

    result = workflows.ledger_import_commit(user=clerk, kind="workers", file=workbook_file(tmp_path / "w.xlsx", rows),
                                            unit=world.town_a, progress=someone_else_saves)
    assert not result.committed and result.batch.status == ImportStatus.FAILED
    assert [e["code"] for e in result.errors] == ["conflict"]
    assert not Worker.objects.filter(name="钱一").exists() and Worker.objects.get(pk=target.pk).name == "张三"


def test_clerk_of_another_town_cannot_import_into_this_one(world, tmp_path):
    with pytest.raises(workflows.ImportRefused):
        preview(world.clerk_b, workbook_file(tmp_path / "w.xlsx", [worker_row()]), world.town_a)
    with pytest.raises(workflows.ImportRefused):
        preview(world.users[Role.VILLAGE_LIAISON], workbook_file(tmp_path / "w.xlsx", [worker_row()]), world.village_a)


def test_county_import_disambiguates_villages_by_town_column(world, tmp_path):
    staff = world.users[Role.COUNTY_STAFF]
    Unit.objects.create(code="610924101202", name="东河村")  # a second 东河村, in 蒿坪镇
    rows = [worker_row(), worker_row(身份证号=id_number(), 姓名="钱二", 所属乡镇="蒿坪镇")]
    ambiguous = preview(staff, workbook_file(tmp_path / "a.xlsx", rows[:1]), world.county)
    assert [e["code"] for e in ambiguous.errors] == ["village_ambiguous"]
    rows[0]["所属乡镇"] = "610924100"
    result = commit(staff, workbook_file(tmp_path / "b.xlsx", rows), world.county)
    assert result.committed
    assert Worker.objects.get(name="钱一").town == world.town_a
    assert Worker.objects.get(name="钱二").village.code == "610924101202"


# The other ledgers -------------------------------------------------------------------------------------------------
def test_members_by_organization_name(world, clerk, tmp_path):
    number = id_number(datetime.date(1980, 2, 2))
    rows = [{"姓名": "党员甲", "身份证号": number, "入党日期": "2010.7.1", "转正日期": "2011年7月1日",
             "组织关系所在党组织": "东河村党支部", "参加活动党组织": "城关镇驻杭州流动党员党支部", "流动党员活动证号": "SX001",
             "备注": ""},
            {"姓名": "党员乙", "身份证号": id_number(datetime.date(1981, 3, 3)), "入党日期": "2015-07-01", "转正日期": "",
             "组织关系所在党组织": "金石村党支部", "参加活动党组织": "", "流动党员活动证号": "", "备注": ""},
            {"姓名": "党员丙", "身份证号": id_number(datetime.date(2005, 3, 3)), "入党日期": "2015-07-01",
             "组织关系所在党组织": "东河村党支部"}]
    result = preview(clerk, workbook_file(tmp_path / "m.xlsx", rows), world.town_a, kind="members")
    errors = {e["row"]: e for e in result.errors}
    # 金石村党支部 is another town's, out of the clerk's scope: to them it is a name that fits none, grouped for the
    # clerk to map once to one of their own organizations, and never offered as a choice.
    assert 3 not in errors
    unknown = [u for u in result.unknown_values if u["column"] == "组织关系所在党组织"]
    assert [(u["value"], u["rows"]) for u in unknown] == [("金石村党支部", [3])]
    assert all("金石村" not in s["label"] for s in unknown[0]["suggestions"])
    assert errors[4]["column"] == "入党日期" and "十八岁" in errors[4]["message"]  # the model's own rule
    result = commit(clerk, workbook_file(tmp_path / "m2.xlsx", rows[:1]), world.town_a, kind="members")
    assert result.committed
    member = PartyMember.objects.get(name="党员甲")
    assert member.home_organization == world.org_a and member.activity_organization == world.outpost_a
    assert member.village == world.village_a and member.town == world.town_a and member.category == "full"
    assert member.full_member_on == datetime.date(2011, 7, 1)


def test_activists_and_their_stage(world, clerk, tmp_path):
    rows = [{"姓名": "积极分子甲", "身份证号": id_number(datetime.date(1996, 1, 1)), "申请入党日期": "2024.3.1",
             "确定积极分子日期": "2024.9.1", "培养联系人": "李四、王五", "培养党组织": "城关镇驻杭州流动党员党支部",
             "户籍地党组织": "东河村党支部"},
            {"姓名": "积极分子乙", "身份证号": id_number(datetime.date(1997, 1, 1)), "申请入党日期": "2024.3.1",
             "确定积极分子日期": "2024.1.1", "户籍地党组织": "东河村党支部"}]
    result = preview(clerk, workbook_file(tmp_path / "a.xlsx", rows), world.town_a, kind="activists")
    [error] = result.errors
    assert error["row"] == 3 and error["column"] == "确定积极分子日期" and "不能早于" in error["message"]
    assert commit(clerk, workbook_file(tmp_path / "b.xlsx", rows[:1]), world.town_a, kind="activists").committed
    activist = Activist.objects.get(name="积极分子甲")
    assert activist.stage == "activist" and activist.village == world.village_a
    assert activist.cultivating_organization == world.outpost_a


def test_enterprises_by_credit_code(world, clerk, tmp_path):
    code = credit_code("440306")
    rows = [{"企业名称": "深圳新华电子有限公司", "统一社会信用代码": code.lower(), "所在地": "广东省深圳市宝安区",
             "行业": "制造业", "党建联络员": "赵一", "联络员电话": "13800001111", "党组织": "", "备注": ""},
            {"企业名称": world.enterprise_a.name, "统一社会信用代码": world.enterprise_a.credit_code, "所在地": "",
             "行业": "", "党建联络员": "钱二", "联络员电话": "", "党组织": "", "备注": ""}]
    result = commit(clerk, workbook_file(tmp_path / "e.xlsx", rows, text_columns=("统一社会信用代码", "联络员电话")),
                    world.town_a, kind="enterprises")
    assert result.committed and (result.new, result.changed) == (1, 1)
    made = HostEnterprise.objects.get(credit_code=code)
    assert made.location_code == "440306" and made.town == world.town_a and made.liaison_phone == "13800001111"
    assert HostEnterprise.objects.get(pk=world.enterprise_a.pk).liaison_name == "钱二"


def test_a_second_county_sets_itself_up_from_a_sheet_of_codes(world, tmp_path):
    rows = [{"区划代码": "610926101201", "名称": "松树村"}, {"区划代码": "610926", "名称": "平利县"},
            {"区划代码": "610926100", "名称": "城关镇"}, {"区划代码": "610926101", "名称": "老县镇"},
            {"区划代码": "610926100001", "名称": "城关社区"}, {"区划代码": 610926100201, "名称": "三里垭村"}]
    path = workbook_file(tmp_path / "units.xlsx", rows, text_columns=())
    call_command("import_ledger", "units", str(path), stdout=open("/dev/null", "w"))
    county = Unit.objects.get(code="610926")
    assert county.level == "county" and county.county_id == county.pk
    village = Unit.objects.get(code="610926101201")
    assert village.parent.code == "610926101" and village.town.code == "610926101" and village.county == county
    assert Unit.objects.get(code="610926100201").name == "三里垭村"  # a code typed as a number is fine (12 digits)
    assert Unit.objects.get(code="610924").name == "紫阳县"  # the demo county beside it is untouched
    batch = ImportBatch.objects.get(kind="units")
    assert batch.status == ImportStatus.COMMITTED and batch.new_count == 6 and batch.user is None


def test_units_outside_scope_or_without_parent_are_errors(world, tmp_path):
    admin = world.users[Role.COUNTY_ADMIN]
    rows = [{"区划代码": "610924102", "名称": "汉王镇"}, {"区划代码": "610924102201", "名称": "新村"},
            {"区划代码": "610925101", "名称": "别县的镇"}, {"区划代码": "610924199201", "名称": "孤儿村"},
            {"区划代码": "6109241", "名称": "错码"}]
    result = workflows.ledger_import_commit(user=admin, kind="units", file=workbook_file(tmp_path / "u.xlsx", rows),
                                            unit=None)
    codes = {e["value"]: e["code"] for e in result.errors}
    assert codes == {"610925101": "out_of_scope", "610924199201": "invalid", "6109241": "invalid"}
    assert not Unit.objects.filter(code="610924102").exists()  # all or nothing
    ok = workflows.ledger_import_commit(user=admin, kind="units", file=workbook_file(tmp_path / "v.xlsx", rows[:2]))
    assert ok.committed and Unit.objects.get(code="610924102201").town.code == "610924102"


# The command ---------------------------------------------------------------------------------------------------------
def test_import_ledger_command_dry_run_then_commit(world, tmp_path, capsys):
    path = workbook_file(tmp_path / "w.xlsx", [worker_row()])
    call_command("import_ledger", "workers", str(path), "--unit", "610924100", "--user", "clerk_a", "--dry-run")
    out = capsys.readouterr().out
    assert "新增 1" in out and "未写入" in out and not Worker.objects.filter(name="钱一").exists()
    assert "w.xlsx" in out and ImportBatch.objects.latest("pk").file_name == "w.xlsx"  # the file's own name
    call_command("import_ledger", "workers", str(path), "--unit", "610924100", "--user", "clerk_a")
    assert "已全部写入" in capsys.readouterr().out
    assert Worker.objects.get(name="钱一").created_by.username == "clerk_a"
    bad = workbook_file(tmp_path / "bad.xlsx", [worker_row(身份证号="123")])
    with pytest.raises(SystemExit) as exit_:
        call_command("import_ledger", "workers", str(bad), "--unit", "610924100")
    assert exit_.value.code == 1 and "身份证号应为18位" in capsys.readouterr().out


def test_stale_uploads_are_cleaned_up(world, clerk, tmp_path):
    result = preview(clerk, workbook_file(tmp_path / "w.xlsx", [worker_row()]), world.town_a)
    path = workflows.batch_path(result.batch)
    assert path.exists() and path.is_relative_to(workflows.import_dir())
    assert workflows.ledger_import_cleanup(older_than_hours=1) == 0
    ImportBatch.objects.filter(pk=result.batch.pk).update(
        created_at=result.batch.created_at - datetime.timedelta(hours=30))
    assert workflows.ledger_import_cleanup(older_than_hours=24) == 1
    assert not path.exists()
    assert ImportBatch.objects.get(pk=result.batch.pk).status == ImportStatus.ABANDONED


def test_large_files_are_checked_in_parallel_processes_with_the_same_result(world, clerk, tmp_path, settings):
    """Above IMPORT_PARALLEL_MIN_ROWS the rows are checked in forked workers; errors keep file order, counts add up,
    and what is written is the same as a serial check would write."""
    settings.IMPORT_PARALLEL_MIN_ROWS, settings.IMPORT_WORKERS = 10, 3
    assert engine.worker_count(40) == min(3, __import__("os").cpu_count())
    rows = [worker_row(姓名=f"并行{i}", 身份证号=id_number()) for i in range(40)]
    rows[5]["联系电话"], rows[33]["外出时间"] = "123", "2020.2.30"
    rows.append(worker_row(身份证号=world.workers["a"].id_number, 姓名="张三", 就业技能="焊工"))
    checked = preview(clerk, workbook_file(tmp_path / "p.xlsx", rows), world.town_a)
    assert [(e["row"], e["column"]) for e in checked.errors] == [(7, "联系电话"), (35, "外出时间")]
    assert (checked.new, checked.changed) == (38, 1)
    rows[5]["联系电话"], rows[33]["外出时间"] = "13912345678", "2020.2.28"
    result = commit(clerk, workbook_file(tmp_path / "q.xlsx", rows), world.town_a)
    assert result.committed and (result.new, result.changed) == (40, 1)
    assert Worker.objects.filter(name__startswith="并行").count() == 40
    assert Worker.objects.get(name="并行33").left_on == datetime.date(2020, 2, 28)
    assert Worker.objects.get(pk=world.workers["a"].pk).skills == "焊工"


def test_parallel_commit_writes_all_rows_or_none(world, clerk, tmp_path, settings):
    """Checked in forked workers, written by the parent in one transaction: a bad row in the last worker's chunk
    leaves the table untouched, and progress reaches the total."""
    settings.IMPORT_PARALLEL_MIN_ROWS, settings.IMPORT_WORKERS = 10, 2
    rows = [worker_row(姓名=f"并行{i}", 身份证号=id_number()) for i in range(3000)]
    rows[-1]["户籍村(社区)"] = "不存在村"
    seen = []
    result = workflows.ledger_import_commit(user=clerk, kind="workers", file=workbook_file(tmp_path / "s.xlsx", rows),
                                            unit=world.town_a, progress=lambda done, total, m=None: seen.append(done))
    assert not result.committed and result.errors == [] and [u["rows"] for u in result.unknown_values] == [[3001]]
    assert not Worker.objects.filter(name__startswith="并行").exists()
    rows[-1]["户籍村(社区)"] = "西坝村"
    result = workflows.ledger_import_commit(user=clerk, kind="workers", file=workbook_file(tmp_path / "t.xlsx", rows),
                                            unit=world.town_a, progress=lambda done, total, m=None: seen.append(done))
    assert result.committed and result.new == 3000 and {"check", "write"} <= set(result.timings)
    assert Worker.objects.filter(name__startswith="并行").count() == 3000
    assert max(seen) == 3000


def test_odd_cell_types_are_errors_not_crashes(world, clerk, tmp_path):
    rows = [worker_row(外出时间=datetime.time(8, 30), 身份证号=datetime.date(1990, 1, 1), 备注=12.5, 姓名=12345,
                       家庭情况="=A1&B1", **{"户籍村(社区)": 610924100201.0, "月收入(元)": True})]
    result = preview(clerk, workbook_file(tmp_path / "odd.xlsx", rows, text_columns=()), world.town_a)
    columns = {e["column"] for e in result.errors}
    assert columns == {"月收入(元)", "外出时间", "身份证号"}


@pytest.mark.parametrize("workers", [1, 2])
def test_written_values_survive_the_copy_framing(world, clerk, tmp_path, settings, workers):
    """Text with quotes, commas, line breaks (LF, or a bare CR) or a literal ``\\N``, empty text and empty optional
    values arrive as typed — through COPY's CSV framing on PostgreSQL (made by a forked worker when ``workers`` is 2),
    executemany elsewhere."""
    settings.IMPORT_PARALLEL_MIN_ROWS, settings.IMPORT_WORKERS = 2, workers
    odd = '他说: "好,\n明天走"\\N\r再见'  # Excel writes a CR in a cell as _x000D_, which calamine reads back as CR
    rows = [worker_row(姓名="框一", 身份证号=id_number(), 备注=odd.replace("\r", "_x000D_"), 务工单位="", 外出时间="",
                       **{"月收入(元)": ""}),
            worker_row(姓名="框二", 身份证号=id_number(), 备注="\\N", 家庭情况="留守老人,父母年迈")]
    assert commit(clerk, workbook_file(tmp_path / "c.xlsx", rows), world.town_a).committed
    first, second = Worker.objects.get(name="框一"), Worker.objects.get(name="框二")
    assert (first.remarks, first.employer_name, first.left_on, first.monthly_income) == (odd, "", None, None)
    assert (second.remarks, second.family_situation, second.left_behind_elderly) == ("\\N", "留守老人,父母年迈", True)
    assert second.monthly_income == 4500 and second.village_id == world.village_a.pk


@pytest.mark.parametrize("bad", [[], [0], [59], [0, 30, 59], list(range(60))])
def test_a_commit_checked_while_written_keeps_file_order_and_all_or_nothing(world, clerk, tmp_path, settings, bad,
                                                                            monkeypatch):
    """On PostgreSQL a large commit checks its last rows inside the COPY that writes the file while a forked worker
    checks the first ones (engine.ImportRun._check_and_write); elsewhere the rows are written after the check.
    Either way: records in file order, every error in file order, and nothing written when any row is bad."""
    settings.IMPORT_PARALLEL_MIN_ROWS, settings.IMPORT_WORKERS = 10, 2
    rows = [worker_row(姓名=f"顺序{i}", 身份证号=id_number()) for i in range(60)]
    for index in bad:
        rows[index]["联系电话"] = "123"
    monkeypatch.setattr(engine, "STRIPE_ROWS", 5)  # this process's rows reach the COPY before the worker is done
    monkeypatch.setattr(engine, "MAX_STORED_ERRORS", 10)  # the first ten errors of the file are the ones kept
    streamed = []
    original = engine.ImportRun._check_and_write
    monkeypatch.setattr(engine.ImportRun, "_check_and_write",
                        lambda run, *args: streamed.append(1) or original(run, *args))
    result = commit(clerk, workbook_file(tmp_path / "o.xlsx", rows), world.town_a)
    assert streamed == ([1] if connection.vendor == "postgresql" else [])
    assert [e["row"] for e in result.errors] == [index + 2 for index in bad][:10]
    assert result.error_count == len(bad)
    written = list(Worker.objects.filter(name__startswith="顺序").order_by("pk").values_list("name", flat=True))
    if bad:
        assert not result.committed and written == []
    else:
        assert result.committed and written == [f"顺序{i}" for i in range(60)]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the COPY written while checking is PostgreSQL's")
@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_worker_that_fails_leaves_its_stripes_to_the_main_process(world, clerk, tmp_path, settings, monkeypatch,
                                                                    how):
    """A forked worker whose check raises (it says so, and stops claiming) or that dies outright (its pipe just
    ends): the main process checks the stripes it took, and the commit is the one a healthy worker makes."""
    settings.IMPORT_PARALLEL_MIN_ROWS, settings.IMPORT_WORKERS = 10, 2
    monkeypatch.setattr(engine, "STRIPE_ROWS", 5)
    main = os.getpid()
    original = engine.ImportRun._check_rows

    def failing(run, rows, in_child=False):
        if os.getpid() != main:
            if how == "dies":
                os._exit(1)
            raise RuntimeError("the worker broke")
        return original(run, rows, in_child)

    monkeypatch.setattr(engine.ImportRun, "_check_rows", failing)
    rows = [worker_row(姓名=f"接手{i}", 身份证号=id_number()) for i in range(60)]
    result = commit(clerk, workbook_file(tmp_path / "w.xlsx", rows), world.town_a)
    assert result.committed and result.new == 60 and result.error_count == 0
    written = list(Worker.objects.filter(name__startswith="接手").order_by("pk").values_list("name", flat=True))
    assert written == [f"接手{i}" for i in range(60)]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the COPY written while checking is PostgreSQL's")
def test_a_clash_found_by_the_database_during_a_streamed_commit_writes_nothing(world, clerk, tmp_path, settings,
                                                                               monkeypatch):
    """An ID number registered by someone else after the existing records were read makes the COPY fail inside the
    database; the clerk gets the conflict message, nothing is written, and the import
    process is left usable."""
    settings.IMPORT_PARALLEL_MIN_ROWS, settings.IMPORT_WORKERS = 10, 2
    rows = [worker_row(姓名=f"冲突{i}", 身份证号=id_number()) for i in range(40)]
    clash = Worker.objects.get(pk=world.workers["a2"].pk)
    path = workbook_file(tmp_path / "x.xlsx", rows)
    original = engine.ImportRun._check_and_write

    def registered_meanwhile(run, *args):
        Worker.objects.filter(pk=clash.pk).update(id_digest=crypto.digest(rows[-1]["身份证号"]))
        return original(run, *args)

    monkeypatch.setattr(engine.ImportRun, "_check_and_write", registered_meanwhile)
    result = commit(clerk, path, world.town_a)
    assert not result.committed and [e["code"] for e in result.errors] == ["conflict"]
    assert not Worker.objects.filter(name__startswith="冲突").exists()
    assert Worker.objects.filter(pk=clash.pk).exists()  # the connection still answers


@pytest.mark.parametrize("workers", [1, 2])
def test_the_errors_kept_are_the_first_of_the_file_even_when_found_last(world, clerk, tmp_path, settings,
                                                                        monkeypatch, workers):
    """The key checks find the duplicates of rows 4 and 6 before the row checks reach row 2: with room for two
    errors, rows 2 and 4 are the ones kept, and all three are counted."""
    settings.IMPORT_PARALLEL_MIN_ROWS, settings.IMPORT_WORKERS = 2, workers
    monkeypatch.setattr(engine, "MAX_STORED_ERRORS", 2)
    first, second = id_number(), id_number()
    rows = [worker_row(联系电话="12345"), worker_row(身份证号=first), worker_row(身份证号=first),
            worker_row(身份证号=second), worker_row(身份证号=second)]
    result = preview(clerk, workbook_file(tmp_path / "k.xlsx", rows), world.town_a)
    assert result.error_count == 3
    assert [(e["row"], e["code"]) for e in result.errors] == [(2, "invalid"), (4, "duplicate_in_file")]


def test_a_failure_in_the_main_process_leaves_no_worker_behind(world, clerk, tmp_path, settings, monkeypatch):
    """Whatever stops the main process's own share, the forked workers are ended and reaped, not left blocked on
    a pipe nobody reads (a Celery retry would leave one more each time)."""
    settings.IMPORT_PARALLEL_MIN_ROWS, settings.IMPORT_WORKERS = 10, 2
    main = os.getpid()
    original = engine.ImportRun._check_rows

    def failing_here(run, rows, in_child=False):
        if os.getpid() == main:
            raise RuntimeError("the main process broke")
        return original(run, rows, in_child)

    monkeypatch.setattr(engine.ImportRun, "_check_rows", failing_here)
    rows = [worker_row(姓名=f"留下{i}", 身份证号=id_number()) for i in range(3000)]
    with pytest.raises(RuntimeError):
        commit(clerk, workbook_file(tmp_path / "m.xlsx", rows), world.town_a)
    with pytest.raises(ChildProcessError):  # no child left, running or unreaped
        os.waitpid(-1, os.WNOHANG)
    assert not Worker.objects.filter(name__startswith="留下").exists()


def test_a_clash_found_by_the_database_in_a_small_commit_writes_nothing(world, clerk, tmp_path, monkeypatch):
    """The same clash in a file checked first and written after (the COPY of zyparty.bulk.copy_block on PostgreSQL,
    executemany elsewhere): the database's error reaches the import as Django's IntegrityError, and the clerk gets
    the conflict message."""
    rows = [worker_row(姓名=f"小冲突{i}", 身份证号=id_number()) for i in range(3)]
    clash = Worker.objects.get(pk=world.workers["a2"].pk)
    original = engine.ImportRun._write

    def registered_meanwhile(run, writer):
        Worker.objects.filter(pk=clash.pk).update(id_digest=crypto.digest(rows[-1]["身份证号"]))
        return original(run, writer)

    monkeypatch.setattr(engine.ImportRun, "_write", registered_meanwhile)
    result = commit(clerk, workbook_file(tmp_path / "y.xlsx", rows), world.town_a)
    assert not result.committed and [e["code"] for e in result.errors] == ["conflict"]
    assert not Worker.objects.filter(name__startswith="小冲突").exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite stores any 64-bit integer")
def test_a_value_the_database_refuses_gives_a_clear_message_and_writes_nothing(world, clerk, tmp_path, monkeypatch):
    """Should a value pass the checks that the database cannot hold, the commit is refused as a whole with a message
    that says so — never a failed job or a 500."""
    monkeypatch.setattr(excel, "cell_int", lambda value, **kwargs: 2**40)
    rows = [worker_row(姓名=f"越界{i}", 身份证号=id_number()) for i in range(3)]
    result = commit(clerk, workbook_file(tmp_path / "d.xlsx", rows), world.town_a)
    assert not result.committed and [e["code"] for e in result.errors] == ["database_refused"]
    assert not Worker.objects.filter(name__startswith="越界").exists()


def test_errors_are_listed_in_file_order_whichever_check_found_them(world, clerk, tmp_path):
    """A duplicate ID (found while reading the keys) on a later row comes after a bad phone (found by the row checks)
    on an earlier one."""
    number = id_number()
    rows = [worker_row(联系电话="123"), worker_row(身份证号=number), worker_row(身份证号=number)]
    result = preview(clerk, workbook_file(tmp_path / "e.xlsx", rows), world.town_a)
    assert [(e["row"], e["code"]) for e in result.errors] == [(2, "invalid"), (4, "duplicate_in_file")]
