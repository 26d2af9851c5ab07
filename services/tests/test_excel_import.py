"""Service records by Excel (issue 14 item 6): trainings and their sign-in sheets, job fairs, service cases, liaison
records and employment agreements through the ledgers' import engine — real-looking files (title rows, full-width
digits, dotted dates), all or nothing, errors per cell, upsert by the documented natural key, export → re-import."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledgers import workflows
from ledgers.models import Worker
from organizations.roles import Role
from services.models import EmploymentAgreement, JobFair, LiaisonRecord, ServiceCase, Training, TrainingAttendee
from tests.factories import id_number, workbook_file, worker
from zyparty.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@pytest.fixture
def clerk(world):
    return world.users[Role.TOWN_CLERK]


def commit(user, path, unit, kind):
    return workflows.ledger_import_commit(user=user, kind=kind, file=path, unit=unit)


def preview(user, path, unit, kind):
    return workflows.ledger_import_preview(user=user, kind=kind, file=path, unit=unit)


def sign_in_row(person, **values):
    row = {"培训名称": "电子商务培训班", "开班日期": "2024.3.5", "类别": "电子商务", "所属乡镇": "",
           "结业日期": "2024.3.9", "主办单位": "紫阳县人社局", "地点": "城关镇便民服务中心", "学时": "３２",
           "姓名": person.name, "身份证号": person.id_number.translate(FULL_WIDTH), "结业证书编号": ""}
    row.update(values)
    return row


def export_to(tmp_path, user, kind, queryset, name="export.xlsx"):
    path = tmp_path / name
    with open(path, "wb") as handle:
        workflows.ledger_export(user=user, kind=kind, queryset=queryset, target=handle)
    return path


def sheet_rows(path):
    book = openpyxl.load_workbook(path, read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


# Trainings and sign-in sheets ---------------------------------------------------------------------------------------
def test_sign_in_sheet_creates_the_training_once_and_its_attendees(world, clerk, tmp_path):
    people = [world.workers["a"], world.workers["a2"], world.members["a"]]
    rows = [sign_in_row(p) for p in people]
    path = workbook_file(tmp_path / "签到表.xlsx", rows, title="城关镇2024年电子商务培训签到表")
    result = commit(clerk, path, world.town_a, "attendees")
    assert result.committed, result.errors
    training = Training.objects.get(title="电子商务培训班")
    assert (training.held_on, training.ended_on, training.kind, training.town) == (
        datetime.date(2024, 3, 5), datetime.date(2024, 3, 9), "ecommerce", world.town_a)
    assert training.hours == 32 and training.county == world.county
    attendees = TrainingAttendee.objects.filter(training=training)
    assert attendees.count() == 3 and result.new == 3
    li = attendees.get(member=world.members["a"])
    assert li.name == "李四" and li.town == world.town_a
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT, result="success").count() == 1
    # The same sheet again writes nothing.
    again = commit(clerk, path, world.town_a, "attendees")
    assert again.committed and (again.new, again.changed, again.unchanged) == (0, 0, 3)
    assert Training.objects.count() == 1 and TrainingAttendee.objects.count() == 3


def test_three_hundred_attendees_over_three_trainings(world, clerk, tmp_path):
    people = [worker(world.town_a, world.village_a, name=f"学员{i}") for i in range(300)]
    titles = ["修脚养生培训", "特色烹饪培训", "家政月嫂培训"]
    kinds = ["修脚养生", "特色烹饪", "家政月嫂"]
    rows = [sign_in_row(p, 培训名称=titles[i % 3], 类别=kinds[i % 3], 开班日期=f"2024年{4 + i % 3}月1日",
                        结业日期="", 结业证书编号=f"ZY2024{i:04d}") for i, p in enumerate(people)]
    path = workbook_file(tmp_path / "签到.xlsx", rows, title="签到表")
    with CaptureQueriesContext(connection) as queries:
        result = commit(clerk, path, world.town_a, "attendees")
    assert result.committed, result.errors[:3]
    assert Training.objects.count() == 3 and TrainingAttendee.objects.count() == 300
    assert result.new == 300
    assert len(queries) < 80, len(queries)  # not per row: the people, trainings and certificates at once
    with CaptureQueriesContext(connection) as queries:
        again = commit(clerk, path, world.town_a, "attendees")
    assert again.committed and again.unchanged == 300 and again.new == again.changed == 0
    assert len(queries) < 60, len(queries)


def test_unknown_id_number_is_an_error_naming_the_row(world, clerk, tmp_path):
    stranger = Worker(name="路人", id_number=id_number())
    rows = [sign_in_row(world.workers["a"]), sign_in_row(stranger)]
    result = commit(clerk, workbook_file(tmp_path / "s.xlsx", rows, title="签到表"), world.town_a, "attendees")
    assert not result.committed and Training.objects.count() == 0 and TrainingAttendee.objects.count() == 0
    [error] = result.errors
    assert (error["row"], error["column"], error["code"]) == (4, "身份证号", "person_unknown")
    assert "没有身份证号" in error["message"] and error["value"][6:14] == "********"


def test_person_out_of_the_clerks_scope_is_refused(world, clerk, tmp_path):
    rows = [sign_in_row(world.workers["b"])]  # 蒿坪镇's worker, imported by 城关镇's clerk
    result = commit(clerk, workbook_file(tmp_path / "s.xlsx", rows), world.town_a, "attendees")
    assert not result.committed
    assert [e["code"] for e in result.errors] == ["person_out_of_scope"]
    assert "不在您的管辖范围内" in result.errors[0]["message"]


def test_training_sheet_upserts_by_town_title_and_date(world, clerk, tmp_path):
    rows = [{"培训名称": "职业茶农培训", "开班日期": "2024.05.06", "类别": "茶农", "所属乡镇": "", "学时": 16,
             "说明": "春茶采摘"},
            {"培训名称": "驻外党组织书记培训", "开班日期": "2024/6/1", "类别": "驻外党组织书记培训", "所属乡镇": "城关镇",
             "学时": "８"}]
    result = commit(clerk, workbook_file(tmp_path / "t.xlsx", rows, title="培训台账"), world.town_a, "trainings")
    assert result.committed and result.new == 2, result.errors
    rows[0]["学时"] = 24
    again = commit(clerk, workbook_file(tmp_path / "t2.xlsx", rows), world.town_a, "trainings")
    assert again.committed and (again.new, again.changed, again.unchanged) == (0, 1, 1)
    assert Training.objects.get(title="职业茶农培训").hours == 24


def test_bad_coded_value_lists_the_options_unambiguously(world, clerk, tmp_path):
    rows = [{"培训名称": "某培训", "开班日期": "2024.05.06", "类别": "插花", "所属乡镇": ""}]
    result = preview(clerk, workbook_file(tmp_path / "t.xlsx", rows), world.town_a, "trainings")
    [error] = result.errors
    assert error["column"] == "类别" and error["code"] == "choice"
    assert "修脚养生 / 特色烹饪" in error["message"]


# Job fairs, agreements ----------------------------------------------------------------------------------------------
def test_job_fairs_and_agreements_round_trip(world, clerk, tmp_path):
    fairs = [{"名称": "2024年就业春风招聘会", "举办日期": "2024.2.18", "所属乡镇": "城关镇", "地点": "城关广场",
              "参会企业数": "３５", "提供岗位数": "1,200", "参会人数": 800, "达成就业意向人数": 96}]
    result = commit(clerk, workbook_file(tmp_path / "f.xlsx", fairs, title="招聘会"), world.town_a, "job_fairs")
    assert result.committed, result.errors
    fair = JobFair.objects.get()
    assert (fair.enterprises_count, fair.positions_offered, fair.town) == (35, 1200, world.town_a)
    deals = [{"用工企业": "杭州鑫华电子有限公司", "统一社会信用代码": world.enterprise_a.credit_code,
              "签订日期": "2024.2.18", "签约村(社区)": "东河村", "有效期至": "2025.2.17", "约定岗位数": 50,
              "已安置人数": 12, "协议要点": "包吃住"}]
    result = commit(clerk, workbook_file(tmp_path / "d.xlsx", deals), world.town_a, "agreements")
    assert result.committed, result.errors
    deal = EmploymentAgreement.objects.get()
    assert (deal.enterprise, deal.village, deal.town, deal.positions) == (
        world.enterprise_a, world.village_a, world.town_a, 50)
    for kind, queryset in (("job_fairs", JobFair.objects.all()), ("agreements", EmploymentAgreement.objects.all())):
        path = export_to(tmp_path, clerk, kind, queryset.restrict(clerk), f"{kind}.xlsx")
        again = commit(clerk, path, world.town_a, kind)
        assert again.committed and again.unchanged == 1 and again.new == again.changed == 0, again.errors


def test_agreement_with_unknown_enterprise_is_refused(world, clerk, tmp_path):
    deals = [{"统一社会信用代码": "91330106MA2KXXXX0X", "签订日期": "2024.2.18", "约定岗位数": 5}]
    result = preview(clerk, workbook_file(tmp_path / "d.xlsx", deals), world.town_a, "agreements")
    assert not result.ok and result.errors[0]["column"] == "统一社会信用代码"


# Service cases --------------------------------------------------------------------------------------------------------
def case_row(**values):
    row = {"申请人": "", "身份证号": "", "类别": "追讨欠薪", "受理日期": "2024.1.8", "事由": "讨要工程款",
           "受理渠道": "148热线", "情况说明": "", "所属乡镇": "", "村(社区)": "", "受理驻外党组织": "",
           "涉及金额(元)": "12,000", "挽回金额(元)": "", "办理结果": ""}
    row.update(values)
    return row


def test_service_cases_by_id_number_and_by_name(world, clerk, tmp_path):
    rows = [case_row(身份证号=world.workers["a"].id_number.translate(FULL_WIDTH), 申请人="张三",
                     受理驻外党组织="城关镇驻杭州流动党员党支部", 受理渠道="驻外服务站"),
            case_row(申请人="刘某", 村="", 类别="社保", 受理渠道="窗口", **{"村(社区)": "西坝村"}, 涉及金额="")]
    rows[1]["涉及金额(元)"] = ""
    path = workbook_file(tmp_path / "c.xlsx", rows, title="城关镇维权服务台账")
    result = commit(clerk, path, world.town_a, "cases")
    assert result.committed and result.new == 2, result.errors
    wage = ServiceCase.objects.get(worker=world.workers["a"])
    assert (wage.kind, wage.channel, wage.amount_claimed, wage.organization) == (
        "wage_recovery", "outpost", 12000, world.outpost_a)
    assert wage.applicant_name == "张三" and wage.village == world.village_a and wage.status == "received"
    named = ServiceCase.objects.get(applicant_name="刘某")
    assert named.village == world.village_a2 and named.town == world.town_a
    again = commit(clerk, path, world.town_a, "cases")
    assert again.committed and again.unchanged == 2 and again.new == 0
    # Masked export → re-import: nothing changes; an edited outcome is one change.
    path = export_to(tmp_path, clerk, "cases", ServiceCase.objects.restrict(clerk).order_by("pk"))
    header, *data = sheet_rows(path)
    assert "*" in data[0][header.index("身份证号")]
    again = commit(clerk, path, world.town_a, "cases")
    assert again.committed and (again.new, again.changed, again.unchanged) == (0, 0, 2), again.errors
    book = openpyxl.load_workbook(path)
    book.worksheets[0].cell(row=2, column=header.index("办理结果") + 1, value="已追回")
    book.save(path)
    again = commit(clerk, path, world.town_a, "cases")
    assert again.committed and again.changed == 1
    assert ServiceCase.objects.get(worker=world.workers["a"]).outcome == "已追回"


def test_case_without_person_or_name_names_the_row(world, clerk, tmp_path):
    rows = [case_row(申请人="刘某"), case_row()]
    result = preview(clerk, workbook_file(tmp_path / "c.xlsx", rows, title="台账"), world.town_a, "cases")
    assert [(e["row"], e["code"]) for e in result.errors] == [(4, "required")]


# Liaison records ------------------------------------------------------------------------------------------------------
def test_liaison_records_with_several_topics(world, clerk, tmp_path):
    rows = [{"乡镇党委": "", "交流日期": "2024.4.2", "流入地党组织": "杭州市西湖区流动党员服务中心党委", "驻外党组织": "",
             "交流方式": "视频会议", "交流内容": "党员发展、培训，就业", "参加人员": "镇党委书记", "交流情况": "通报发展党员情况"},
            {"乡镇党委": "城关镇", "交流日期": "2024/4/3", "流入地党组织": "", "驻外党组织": "城关镇驻杭州流动党员党支部",
             "交流方式": "电话", "交流内容": "维权", "交流情况": "欠薪线索"}]
    path = workbook_file(tmp_path / "l.xlsx", rows, title="双向联系记录")
    result = commit(clerk, path, world.town_a, "liaisons")
    assert result.committed and result.new == 2, result.errors
    video = LiaisonRecord.objects.get(channel="video")
    assert video.topics == ["member_development", "training", "employment"] and video.host_organization == world.host_a
    again = commit(clerk, path, world.town_a, "liaisons")
    assert again.committed and again.unchanged == 2
    exported = export_to(tmp_path, clerk, "liaisons", LiaisonRecord.objects.restrict(clerk))
    again = commit(clerk, exported, world.town_a, "liaisons")
    assert again.committed and again.unchanged == 2, again.errors


def test_other_towns_clerk_cannot_import_into_this_town(world, tmp_path):
    rows = [{"培训名称": "某培训", "开班日期": "2024.05.06", "类别": "其他培训", "所属乡镇": "城关镇"}]
    result = preview(world.clerk_b, workbook_file(tmp_path / "t.xlsx", rows), world.town_b, "trainings")
    assert not result.ok and result.errors[0]["code"] in ("out_of_scope", "outside_unit")


def test_template_documents_the_natural_key(world, clerk):
    handle = io.BytesIO()
    workflows.ledger_template(user=clerk, kind="attendees", target=handle, unit=world.town_a)
    handle.seek(0)
    book = openpyxl.load_workbook(handle)
    notes = {row[0]: row[1] for row in book["填写说明"].iter_rows(values_only=True) if row and row[0]}
    assert "身份证号" in notes["导入规则"] and "开班日期" in notes["导入规则"]
    headers = [c.value for c in book.worksheets[0][1]]
    assert headers[:2] == ["培训名称", "开班日期"] and "身份证号" in headers


# Pages, admin and API ---------------------------------------------------------------------------------------------------
def test_import_page_lists_the_service_records_for_those_who_keep_them(client, world, tmp_path):
    client.force_login(world.users[Role.TOWN_CLERK])
    page = client.get("/ledgers/").content.decode()
    for label in ("培训签到表", "服务事项台账", "双向联系记录", "招聘会台账", "定向用工协议台账", "返乡创业实体台账"):
        assert label in page
    assert "服务记录" in page and "农民工台账" in page
    client.force_login(world.users[Role.VILLAGE_LIAISON])  # reads service records, imports none of them
    page = client.get("/ledgers/").content.decode()
    assert "培训签到表" not in page


def test_admin_lists_link_to_import_and_export_the_filtered_list(client, world, tmp_path):
    clerk = world.users[Role.TOWN_CLERK]
    rows = [case_row(身份证号=world.workers["a"].id_number)]
    assert commit(clerk, workbook_file(tmp_path / "c.xlsx", rows), world.town_a, "cases").committed
    client.force_login(clerk)
    page = client.get("/admin/services/servicecase/").content.decode()
    assert "/ledgers/?kind=cases" in page and "/ledgers/template/cases.xlsx" in page
    response = client.get("/admin/services/servicecase/export/")
    assert response.status_code == 200
    path = tmp_path / "admin.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    header, row = sheet_rows(path)
    assert header[:3] == ["申请人", "身份证号", "类别"] and "*" in row[1] and row[2] == "追讨欠薪"
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, object_type="services.servicecase").exists()


def test_api_template_import_and_export_of_sign_in_sheets(api, world, tmp_path):
    api.force_authenticate(world.users[Role.TOWN_CLERK])
    template = api.get("/api/v1/training-attendees/template/")
    assert template.status_code == 200
    path = workbook_file(tmp_path / "s.xlsx", [sign_in_row(world.workers["a"])], title="签到表")
    with open(path, "rb") as handle:
        checked = api.post("/api/v1/training-attendees/import/?dry_run=1", {"file": handle}, format="multipart")
    assert checked.status_code == 200 and checked.json()["new"] == 1 and TrainingAttendee.objects.count() == 0
    with open(path, "rb") as handle:
        done = api.post("/api/v1/training-attendees/import/", {"file": handle}, format="multipart")
    assert done.status_code == 201 and TrainingAttendee.objects.count() == 1
    exported = api.get("/api/v1/trainings/export/", {"held_after": "2024-01-01"})
    assert exported.status_code == 200
    path.write_bytes(b"".join(exported.streaming_content))
    header, row = sheet_rows(path)
    assert header[0] == "培训名称" and row[0] == "电子商务培训班"
    api.force_authenticate(world.users[Role.PARTNER])  # reads, may not import or export
    assert api.get("/api/v1/trainings/export/").status_code == 403
    assert api.get("/api/v1/service-cases/template/").status_code == 403
