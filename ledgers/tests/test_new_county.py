"""A second county moves in from its own files (issue 14 items 3 and 4; CONTRACT.md "units", "organizations"):
蓬安县 (511323) sets itself up beside the world's 紫阳县 from a units sheet, then its party organizations (short names,
parents named by short name further down the file, full-width parentheses), then enterprises, workers, members and
activists that name organizations as clerks do — short names, with or without 中共, odd spacing."""

import datetime

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from ledgers import workflows
from ledgers.models import Activist, HostEnterprise, ImportBatch, PartyMember, ValueSynonym, Worker
from ledgers.schemas.orgrefs import org_key
from organizations.models import PartyOrganization, PartyOrganizationAlias, Unit
from organizations.roles import Role
from tests.factories import credit_code, id_number, user, workbook_file, worker_row
from zyparty import excel
from zyparty.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db

COUNTY = "511323"
UNITS = [
    {"区划代码": "511323", "名称": "蓬安县"},
    {"区划代码": "511323100", "名称": "相如镇"},
    {"区划代码": "511323101", "名称": "锦屏镇"},
    {"区划代码": 511323100201, "名称": "白马村"},  # a code typed as a number
    {"区划代码": "511323100202", "名称": "东河村"},
    {"区划代码": "511323101201", "名称": "东河村"},  # the same village name in the other town
    {"区划代码": "５１１３２３１０１２０２", "名称": "油房村"},  # full-width digits
]
ORG_HEADERS = ["党组织名称", "简称", "组织类别", "上级党组织", "所在区划", "组建形式", "是否驻外", "驻外地点", "书记", "书记电话",
               "成立日期", "备注"]
ORGS = [
    {"党组织名称": "中共蓬安县委员会", "简称": "蓬安县委", "组织类别": "党委", "所在区划": COUNTY},
    # Its parent by short name, defined two rows further down.
    {"党组织名称": "中共蓬安县相如镇白马村支部委员会", "简称": "白马村党支部", "组织类别": "支部", "上级党组织": "相如镇党委",
     "所在区划": "白马村", "组建形式": "单独组建", "是否驻外": "否"},
    {"党组织名称": "中共蓬安县相如镇委员会", "简称": "相如镇党委；相如党委", "组织类别": "党委", "上级党组织": "蓬安县委",
     "所在区划": "相如镇", "书记": "张三", "书记电话": "13800001234", "成立日期": "2001.7.1"},
    {"党组织名称": "中共 蓬安县锦屏镇委员会", "简称": "锦屏镇党委", "组织类别": "党委", "上级党组织": "中共蓬安县委员会",
     "所在区划": "511323101"},
    {"党组织名称": "蓬安县锦屏镇驻杭州流动党员党支部（联合）", "简称": "驻杭党支部", "组织类别": "党支部",
     "上级党组织": "锦屏镇党委", "组建形式": "联合型", "是否驻外": "是", "驻外地点": "浙江省杭州市西湖区"},
    {"党组织名称": "中共蓬安县相如镇东河村支部委员会", "简称": "东河村党支部", "上级党组织": "相如镇党委",
     "所在区划": "511323100202"},
    {"党组织名称": "中共蓬安县锦屏镇东河村支部委员会", "简称": "东河村党支部", "上级党组织": "锦屏镇党委",
     "所在区划": "511323101201"},
]


def counts(code):
    """What a county holds: the demo county must not move while another one sets itself up."""
    return (Unit.objects.filter(code__startswith=code).count(), PartyOrganization.objects.filter(
        county__code=code).count(), PartyMember.objects.filter(county__code=code).count(),
        Activist.objects.filter(county__code=code).count(), Worker.objects.filter(county__code=code).count(),
        HostEnterprise.objects.filter(county__code=code).count())


def quiet():
    return open("/dev/null", "w")


@pytest.fixture
def pengan(world, tmp_path):
    """蓬安县 from its units sheet, with the README's `--unit 511323` although the county does not exist yet."""
    path = workbook_file(tmp_path / "蓬安县区划.xlsx", UNITS, title="蓬安县行政区划代码", text_columns=())
    call_command("import_ledger", "units", str(path), "--unit", COUNTY, stdout=quiet())
    return Unit.objects.get(code=COUNTY)


@pytest.fixture
def pengan_admin(pengan):
    return user("pengan_admin", Role.COUNTY_ADMIN, unit=pengan)


def import_orgs(tmp_path, rows=ORGS, *, name="党组织.xlsx", user=None, unit=COUNTY):
    path = workbook_file(tmp_path / name, rows, ORG_HEADERS, title="蓬安县党组织台账", text_columns=("书记电话",))
    return workflows.ledger_import_commit(user=user, kind="organizations", file=path,
                                          unit=Unit.objects.get(code=unit))


def org(name):
    return PartyOrganization.objects.get(name=name)


# Units: a county from nothing ---------------------------------------------------------------------------------------
def test_units_with_the_unit_the_sheet_creates(world, pengan):
    assert pengan.level == "county" and pengan.name == "蓬安县"
    assert Unit.objects.filter(code__startswith=COUNTY).count() == 7
    oil = Unit.objects.get(code="511323101202")
    assert oil.town.name == "锦屏镇" and oil.county == pengan
    batch = ImportBatch.objects.get(kind="units")
    assert batch.unit == pengan and batch.county == pengan and batch.new_count == 7


def test_units_with_a_unit_the_sheet_does_not_create_or_leaves(world, tmp_path):
    path = workbook_file(tmp_path / "u.xlsx", UNITS, text_columns=())
    with pytest.raises(CommandError, match="文件中也没有"):
        call_command("import_ledger", "units", str(path), "--unit", "511324", stdout=quiet())
    with pytest.raises(CommandError, match="不属于 511323100"):
        call_command("import_ledger", "units", str(path), "--unit", "511323100", stdout=quiet())
    with pytest.raises(CommandError, match="先导入行政区划"):
        call_command("import_ledger", "workers", str(path), "--unit", COUNTY, stdout=quiet())
    assert not Unit.objects.filter(code__startswith=COUNTY).exists()


def test_a_county_admin_cannot_create_another_county_in_the_browser_path(world, tmp_path):
    """Creating a county is the server operator's (README "Setting up a new county"): a county admin's units import
    stops at their own county, all or nothing."""
    path = workbook_file(tmp_path / "u.xlsx", UNITS, text_columns=())
    result = workflows.ledger_import_commit(user=world.users[Role.COUNTY_ADMIN], kind="units", file=path)
    assert not result.committed and {e["code"] for e in result.errors} == {"out_of_scope", "invalid"}
    assert not Unit.objects.filter(code__startswith=COUNTY).exists()


# Organizations ------------------------------------------------------------------------------------------------------
def test_organizations_from_a_sheet_with_short_names_and_parents_further_down(world, pengan, pengan_admin, tmp_path):
    demo = counts("610924")
    result = import_orgs(tmp_path, user=pengan_admin)
    assert result.committed, result.errors
    assert (result.new, result.changed, result.unchanged) == (7, 0, 0)
    county_committee = org("中共蓬安县委员会")
    xiangru = org("中共蓬安县相如镇委员会")
    assert xiangru.parent == county_committee and xiangru.kind == "committee" and xiangru.town.code == "511323100"
    assert xiangru.short_names == "相如镇党委、相如党委"
    assert set(PartyOrganizationAlias.objects.filter(organization=xiangru).values_list("name", flat=True)) == {
        "相如镇党委", "相如党委"}
    assert PartyOrganizationAlias.objects.filter(county=pengan, name="东河村党支部").count() == 2
    baima = org("中共蓬安县相如镇白马村支部委员会")
    assert baima.parent == xiangru and baima.home_unit.code == "511323100201" and baima.kind == "branch"
    assert baima.form == "independent" and not baima.is_outpost
    jinping = org("中共 蓬安县锦屏镇委员会")
    assert jinping.parent == county_committee
    outpost = org("蓬安县锦屏镇驻杭州流动党员党支部(联合)")  # full-width brackets folded as every text cell is
    assert outpost.is_outpost and outpost.host_place_code == "330106" and outpost.form == "joint"
    assert outpost.parent == jinping and outpost.home_unit == jinping.home_unit  # 所在区划 from the parent
    assert xiangru.secretary_phone == "13800001234" and xiangru.secretary_phone_masked == "138****1234"
    assert xiangru.founded_on == datetime.date(2001, 7, 1)
    assert county_committee.town is None and county_committee.county == pengan
    assert counts("610924") == demo
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT, changes__batch=result.batch.pk)
    assert entry.changes["created"] == 7
    assert "13800001234" not in str(AuditEntry.objects.filter(object_id=str(xiangru.pk)).values_list("changes"))


def test_reimporting_the_same_organizations_writes_nothing(world, pengan, tmp_path):
    assert import_orgs(tmp_path).committed
    versions = dict(PartyOrganization.objects.filter(county=pengan).values_list("pk", "version"))
    entries = AuditEntry.objects.count()
    again = import_orgs(tmp_path, name="again.xlsx")
    assert again.committed and (again.new, again.changed, again.unchanged) == (0, 0, 7)
    assert dict(PartyOrganization.objects.filter(county=pengan).values_list("pk", "version")) == versions
    assert AuditEntry.objects.count() == entries + 1  # the batch's own IMPORT entry, nothing per organization
    moved = [dict(row) for row in ORGS]
    moved[1]["简称"] = "白马党支部、白马村党支部"
    moved[1]["上级党组织"] = "中共蓬安县委员会"
    changed = import_orgs(tmp_path, moved, name="moved.xlsx")
    assert changed.committed and (changed.changed, changed.unchanged) == (1, 6)
    baima = org("中共蓬安县相如镇白马村支部委员会")
    assert baima.parent == org("中共蓬安县委员会") and baima.short_names == "白马党支部、白马村党支部"
    assert set(baima.aliases.values_list("name", flat=True)) == {"白马党支部", "白马村党支部"}


def test_organization_rows_that_cannot_be_are_named_and_nothing_is_written(world, pengan, tmp_path):
    rows = [
        {"党组织名称": "甲支部", "上级党组织": "乙支部", "所在区划": "相如镇"},
        {"党组织名称": "乙支部", "上级党组织": "甲支部", "所在区划": "相如镇"},
        {"党组织名称": "丙支部", "上级党组织": "没有这个党委", "所在区划": "相如镇"},
        {"党组织名称": "丁支部", "上级党组织": "丁支部", "所在区划": "相如镇"},
        {"党组织名称": "戊支部", "所在区划": "东河村"},  # two towns have one
        {"党组织名称": "己支部", "所在区划": "511323999", "组织类别": "大队"},
        {"党组织名称": "庚支部", "所在区划": "相如镇", "是否驻外": "是"},  # an outpost needs its place
        {"党组织名称": "中共甲支部", "所在区划": "相如镇"},  # 甲支部 again, with 中共
    ]
    result = import_orgs(tmp_path, rows)
    assert not result.committed and not PartyOrganization.objects.filter(county=pengan).exists()
    by_row = {}
    for error in result.errors:
        by_row.setdefault(error["row"], set()).add((error["column"], error["code"]))
    # Row numbers: title row 1, header row 2, data from row 3.
    assert by_row[3] == {("上级党组织", "parent_cycle")} and by_row[4] == {("上级党组织", "parent_cycle")}
    assert by_row[5] == {("上级党组织", "organization_unknown")}
    assert by_row[6] == {("上级党组织", "parent_self")}
    assert by_row[7] == {("所在区划", "village_ambiguous")}
    assert by_row[8] == {("所在区划", "unit_unknown"), ("组织类别", "choice")}
    assert by_row[9] == {("驻外地点", "invalid")}
    assert by_row[10] == {("党组织名称", "duplicate_in_file")}
    cycle = next(e for e in result.errors if e["code"] == "parent_cycle")
    assert "甲支部 → 乙支部 → 甲支部" in cycle["message"]
    choice = next(e for e in result.errors if e["column"] == "组织类别")
    assert "党委 / 党总支 / 党支部 / 党小组" in choice["message"]


def test_who_may_import_organizations(world, pengan, tmp_path):
    """The county's organization department keeps its organizations (organizations.permissions: county admin and
    staff add and change them); a town clerk reads them and may not import them."""
    path = workbook_file(tmp_path / "o.xlsx", ORGS[:1], ORG_HEADERS)
    with pytest.raises(workflows.ImportRefused):
        workflows.ledger_import_store(user=world.users[Role.TOWN_CLERK], kind="organizations", file=path,
                                      unit=world.town_a)
    staff = world.users[Role.COUNTY_STAFF]
    assert workflows.may_import(staff, "organizations")
    with pytest.raises(workflows.ImportRefused):  # another county is outside their scope
        workflows.ledger_import_store(user=staff, kind="organizations", file=path, unit=pengan)
    own = [{"党组织名称": "紫阳县城关镇新建党支部", "简称": "新建支部", "上级党组织": "", "所在区划": "城关镇"}]
    result = workflows.ledger_import_commit(user=staff, kind="organizations", unit=world.county,
                                            file=workbook_file(tmp_path / "z.xlsx", own, ORG_HEADERS))
    assert result.committed and org("紫阳县城关镇新建党支部").town == world.town_a


def test_organizations_export_masks_the_phone_and_reimports_unchanged(world, pengan, pengan_admin, tmp_path):
    assert import_orgs(tmp_path).committed
    target = tmp_path / "export.xlsx"
    queryset = PartyOrganization.objects.restrict(pengan_admin).order_by("pk")
    assert workflows.ledger_export(user=pengan_admin, kind="organizations", queryset=queryset, target=target) == 7
    [table] = excel.read_tables(target, "xlsx", workflows.schema_for("organizations").aliases)
    at = table.columns
    row = next(values for _n, values in table.rows if values[at["党组织名称"]] == "中共蓬安县相如镇委员会")
    assert row[at["书记电话"]] == "138****1234" and row[at["简称"]] == "相如镇党委、相如党委"
    assert row[at["上级党组织"]] == "中共蓬安县委员会" and row[at["组织类别"]] == "党委"
    again = workflows.ledger_import_commit(user=pengan_admin, kind="organizations", file=target, unit=pengan)
    assert again.committed and (again.new, again.changed, again.unchanged) == (0, 0, 7)
    assert org("中共蓬安县相如镇委员会").secretary_phone == "13800001234"


def test_organizations_template_lists_the_coded_options(world, pengan, pengan_admin, tmp_path):
    import_orgs(tmp_path)
    target = tmp_path / "t.xlsx"
    name = workflows.ledger_template(user=pengan_admin, kind="organizations", target=target)
    assert name.startswith("党组织导入模板")
    book = openpyxl.load_workbook(target)
    sheet, lists = book.worksheets[0], book["选项"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:len(ORG_HEADERS)] == ORG_HEADERS
    validations = {str(v.sqref).split(":")[0][0]: str(v.formula1) for v in sheet.data_validations.dataValidation}

    def options(column):  # the dropdown of a template column: the range of the 选项 sheet it points at
        letter = validations[column].split("$")[1]
        return [c.value for c in lists[letter][1:] if c.value]

    assert options("C") == ["党委", "党总支", "党支部", "党小组"]  # 组织类别
    assert "中共蓬安县相如镇委员会" in options("D")  # 上级党组织: the county's organizations
    assert options("G") == ["是", "否"]


# References to organizations in the other ledgers -------------------------------------------------------------------
def member_rows():
    return [
        {"姓名": "党员甲", "身份证号": id_number(datetime.date(1980, 1, 1), area=COUNTY), "入党日期": "2005.7.1",
         "组织关系所在党组织": "相如镇党委", "参加活动党组织": "驻杭党支部"},
        {"姓名": "党员乙", "身份证号": id_number(datetime.date(1981, 1, 1), area=COUNTY), "入党日期": "2006年7月1日",
         "组织关系所在党组织": "中共相如镇党委", "参加活动党组织": "中共蓬安县锦屏镇驻杭州流动党员党支部（联合）"},
        {"姓名": "党员丙", "身份证号": id_number(datetime.date(1982, 1, 1), area=COUNTY), "入党日期": "2007-07-01",
         "组织关系所在党组织": "蓬安县 锦屏镇委员会", "参加活动党组织": ""},
        {"姓名": "党员丁", "身份证号": id_number(datetime.date(1983, 1, 1), area=COUNTY), "入党日期": "2008-07-01",
         "组织关系所在党组织": "中国共产党蓬安县相如镇白马村支部委员会", "参加活动党组织": "　相如 党委　"},
    ]


def test_members_name_organizations_by_short_name_with_or_without_zhonggong(world, pengan, tmp_path):
    assert import_orgs(tmp_path).committed
    demo = counts("610924")
    rows = member_rows()
    path = workbook_file(tmp_path / "members.xlsx", rows, title="蓬安县农民工党员台账")
    call_command("import_ledger", "members", str(path), "--unit", COUNTY, stdout=quiet())
    jia, yi, bing, ding = (PartyMember.objects.get(name=n) for n in ("党员甲", "党员乙", "党员丙", "党员丁"))
    xiangru = org("中共蓬安县相如镇委员会")
    outpost = org("蓬安县锦屏镇驻杭州流动党员党支部(联合)")
    assert jia.home_organization == xiangru and jia.activity_organization == outpost
    assert yi.home_organization == xiangru and yi.activity_organization == outpost
    assert bing.home_organization == org("中共 蓬安县锦屏镇委员会") and bing.town.code == "511323101"
    assert ding.home_organization.name == "中共蓬安县相如镇白马村支部委员会" and ding.activity_organization == xiangru
    assert ding.village.code == "511323100201"  # placed where its organization is
    assert counts("610924") == demo
    batches = ImportBatch.objects.filter(kind="members").count()
    call_command("import_ledger", "members", str(path), "--unit", COUNTY, stdout=quiet())
    assert ImportBatch.objects.filter(kind="members").latest("pk").unchanged_count == 4
    assert ImportBatch.objects.filter(kind="members").count() == batches + 1


def test_an_ambiguous_or_unknown_organization_is_an_error_naming_the_candidates(world, pengan, tmp_path, capsys):
    assert import_orgs(tmp_path).committed
    rows = member_rows()[:3]
    rows[0]["组织关系所在党组织"] = "东河村党支部"  # two villages' branches have this short name
    rows[1]["组织关系所在党组织"] = "东河村党支部"
    rows[1]["户籍村(社区)"] = "511323100202"  # …but in the row's own town only one
    rows[2]["组织关系所在党组织"] = "相如镇党总支"
    path = workbook_file(tmp_path / "m.xlsx", rows, [*rows[0], "户籍村(社区)"])
    with pytest.raises(SystemExit):
        call_command("import_ledger", "members", str(path), "--unit", COUNTY)
    out = capsys.readouterr().out
    assert "对应多个党组织" in out
    assert "中共蓬安县相如镇东河村支部委员会 / 中共蓬安县锦屏镇东河村支部委员会" in out
    # A name that fits no organization is the clerk's to map once, like any coded value: grouped, with suggestions.
    assert "未识别的取值 1 个" in out and "组织关系所在党组织：“相如镇党总支”，第 4 行" in out
    assert "中共蓬安县相如镇委员会" in out
    batch = ImportBatch.objects.filter(kind="members").latest("pk")
    org_errors = {(e["row"], e["code"]) for e in batch.errors if e["column"] == "组织关系所在党组织"}
    assert org_errors == {(2, "organization_ambiguous")}  # row 3: its town's own
    assert [(u["column"], u["value"], u["rows"]) for u in batch.unknown_values] == [
        ("组织关系所在党组织", "相如镇党总支", [4])]
    assert not PartyMember.objects.filter(county=pengan).exists()


def test_an_unknown_organization_mapped_once_on_the_command_line(world, pengan, tmp_path):
    assert import_orgs(tmp_path).committed
    rows = member_rows()[:3]
    rows[1]["组织关系所在党组织"] = rows[2]["组织关系所在党组织"] = "相如党总支"  # the clerk's own word, twice
    path = workbook_file(tmp_path / "m.xlsx", rows, list(rows[0]))
    call_command("import_ledger", "members", str(path), "--unit", COUNTY, "--map",
                 "组织关系所在党组织:相如党总支=中共蓬安县相如镇委员会", stdout=quiet())
    xiangru = PartyOrganization.objects.get(name="中共蓬安县相如镇委员会")
    assert PartyMember.objects.filter(county=pengan, home_organization=xiangru).count() >= 2


def test_the_whole_sequence_for_a_second_county_from_the_command_line(world, pengan, tmp_path):
    """units → organizations → enterprises → workers (per town) → members → activists, as README shows it."""
    demo = counts("610924")
    orgs = workbook_file(tmp_path / "orgs.xlsx", ORGS, ORG_HEADERS, text_columns=("书记电话",))
    call_command("import_ledger", "organizations", str(orgs), "--unit", COUNTY)
    code = credit_code("330106")
    enterprises = workbook_file(tmp_path / "e.xlsx", [
        {"企业名称": "杭州蓬锦服饰有限公司", "统一社会信用代码": code, "所在地": "浙江省杭州市西湖区", "行业": "制造业",
         "党建联络员": "李四", "联络员电话": "13900001111", "党组织": "驻杭党支部", "备注": "", "建档乡镇": "锦屏镇"}],
        text_columns=("统一社会信用代码", "联络员电话"))
    call_command("import_ledger", "enterprises", str(enterprises), "--unit", COUNTY)
    assert HostEnterprise.objects.get(credit_code=code).party_organization == org("蓬安县锦屏镇驻杭州流动党员党支部(联合)")
    workers = workbook_file(tmp_path / "相如镇.xlsx", [
        worker_row(姓名="工人甲", 身份证号=id_number(area=COUNTY), **{"户籍村(社区)": "白马村"}),
        worker_row(姓名="工人乙", 身份证号=id_number(area=COUNTY), **{"户籍村(社区)": "东河村"})])
    call_command("import_ledger", "workers", str(workers), "--unit", "511323100")
    assert Worker.objects.get(name="工人乙").village.code == "511323100202"  # 东河村 inside the town imported
    members = workbook_file(tmp_path / "m.xlsx", member_rows())
    call_command("import_ledger", "members", str(members), "--unit", COUNTY)
    activists = workbook_file(tmp_path / "a.xlsx", [
        {"姓名": "积极分子甲", "身份证号": id_number(datetime.date(1998, 2, 2), area=COUNTY), "申请入党日期": "2024.3.1",
         "确定积极分子日期": "2024.9.1", "培养联系人": "党员甲、党员乙", "培养党组织": "驻杭党支部",
         "户籍地党组织": "中共 白马村党支部"}])
    call_command("import_ledger", "activists", str(activists), "--unit", COUNTY)
    activist = Activist.objects.get(name="积极分子甲")
    assert activist.home_organization.name == "中共蓬安县相如镇白马村支部委员会"
    assert activist.cultivating_organization.short_names == "驻杭党支部"
    # 2 workers from the workers' file, and one for each of the 4 members and the activist who had none: a migrant
    # party member or activist is a migrant worker, so the import creates and links that record (issue 14 item 5).
    assert counts(COUNTY) == (7, 7, 4, 1, 7, 1)
    assert Worker.objects.filter(county__code=COUNTY, party_member__isnull=False).count() + Worker.objects.filter(
        county__code=COUNTY, activist__isnull=False).count() == 5
    assert counts("610924") == demo


def test_org_key_ignores_prefix_width_and_spacing():
    assert org_key("中共蓬安县相如镇委员会") == org_key("蓬安县相如镇委员会") == org_key("中国共产党 蓬安县相如镇委员会")
    assert org_key("驻杭党支部（联合）") == org_key("驻杭党支部(联合)") == org_key("驻杭党支部 联合")
    assert org_key("中共") == "中共"  # a name that is only the prefix stays itself


def test_organizations_api_import_and_export(world, pengan, pengan_admin, api, tmp_path):
    api.force_authenticate(pengan_admin)
    path = workbook_file(tmp_path / "o.xlsx", ORGS, ORG_HEADERS, text_columns=("书记电话",))
    with open(path, "rb") as handle:
        response = api.post("/api/v1/organizations/import/?dry_run=1", {"file": handle}, format="multipart")
    assert response.status_code == 200 and response.json()["new"] == 7, response.content
    with open(path, "rb") as handle:
        response = api.post("/api/v1/organizations/import/", {"file": handle}, format="multipart")
    assert response.status_code == 201 and PartyOrganization.objects.filter(county=pengan).count() == 7
    response = api.get("/api/v1/organizations/export/")
    assert response.status_code == 200
    response = api.get("/api/v1/organizations/template/")
    assert response.status_code == 200
    listed = api.get("/api/v1/organizations/", {"search": "相如党委"}).json()
    assert [o["name"] for o in listed["results"]] == ["中共蓬安县相如镇委员会"]


# In the browser -----------------------------------------------------------------------------------------------------
def test_the_county_admin_sets_up_organizations_then_members_in_the_browser(client, world, pengan, pengan_admin,
                                                                              tmp_path):
    client.force_login(pengan_admin)
    page = client.get("/ledgers/").content.decode()
    assert "/ledgers/template/organizations.xlsx?unit=511323" in page and 'value="511323" selected' in page
    assert client.get("/ledgers/template/organizations.xlsx", {"unit": COUNTY}).status_code == 200

    def upload(kind, path):
        response = client.post("/ledgers/", {"kind": kind, "unit": COUNTY, "file": SimpleUploadedFile(
            path.name, path.read_bytes())})
        assert response.status_code == 302, response.content.decode()[:2000]
        batch = ImportBatch.objects.filter(kind=kind).latest("pk")
        assert "确认导入" in client.get(response["Location"]).content.decode()
        done = client.post(f"/ledgers/import/{batch.pk}/commit/", follow=True).content.decode()
        assert "导入完成" in done, done[:3000]

    upload("organizations", workbook_file(tmp_path / "党组织.xlsx", ORGS, ORG_HEADERS, text_columns=("书记电话",)))
    upload("members", workbook_file(tmp_path / "党员.xlsx", member_rows()))
    assert PartyMember.objects.filter(county=pengan, home_organization__name="中共蓬安县相如镇委员会").count() == 2
    clerk = world.users[Role.TOWN_CLERK]  # a town clerk is not offered the organizations ledger
    client.force_login(clerk)
    assert "/ledgers/template/organizations.xlsx" not in client.get("/ledgers/").content.decode()


def test_a_county_synonym_names_an_organization_in_that_county_only(world, pengan, tmp_path):
    """A clerk's mapping saved as the county's synonym of the 党组织 column (target: the organization's id) counts
    as one more name of that organization — in that county, not in the demo one."""
    assert import_orgs(tmp_path).committed
    ValueSynonym.objects.create(county=pengan, column="organizations", word="相如镇委",
                                target=str(org("中共蓬安县相如镇委员会").pk))
    rows = member_rows()[:1]
    rows[0]["组织关系所在党组织"] = "相如镇委"
    call_command("import_ledger", "members", str(workbook_file(tmp_path / "m.xlsx", rows)), "--unit", COUNTY,
                 stdout=quiet())
    assert PartyMember.objects.get(name="党员甲").home_organization.name == "中共蓬安县相如镇委员会"
    rows[0]["身份证号"] = id_number(datetime.date(1980, 1, 1))
    with pytest.raises(SystemExit):  # 紫阳县 has no such name
        call_command("import_ledger", "members", str(workbook_file(tmp_path / "z.xlsx", rows)), "--unit", "610924",
                     stdout=quiet())
