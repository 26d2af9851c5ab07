"""One person across the ledgers (issue 14 item 5) and the age rule by exact date (item 8): a member's or activist's
record links to the worker record with the same ID number, on save and on import, and the worker's political status
follows; contradictions in a file are warnings; the import does it set-wise."""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from stdnum.cn import ric

from ledgers import people, workflows
from ledgers.importing import engine
from ledgers.models import Activist, PartyMember, Worker
from organizations.roles import Role
from tests import factories
from tests.factories import id_number, workbook_file, worker_row
from zyparty import crypto
from zyparty.dates import add_years, age_on
from zyparty.models import AuditEntry

pytestmark = pytest.mark.django_db
D = datetime.date
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def born_on(day, serial=998):
    """An ID number born exactly on ``day`` (factories.id_number moves the date on as its counter grows)."""
    body = f"610924{day:%Y%m%d}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def clerk(world):
    return world.users[Role.TOWN_CLERK]


def commit(user, path, unit, kind):
    return workflows.ledger_import_commit(user=user, kind=kind, file=path, unit=unit)


def preview(user, path, unit, kind):
    return workflows.ledger_import_preview(user=user, kind=kind, file=path, unit=unit)


def member_row(number, **values):
    row = {"姓名": "党员甲", "身份证号": number, "入党日期": "2010.7.1", "转正日期": "2011年7月1日",
           "组织关系所在党组织": "东河村党支部", "参加活动党组织": "", "流动党员活动证号": "", "备注": ""}
    row.update(values)
    return row


# The age rule ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("born, day, old_enough", [
    (D(2000, 5, 10), D(2018, 5, 9), False),  # the day before the 18th birthday
    (D(2000, 5, 10), D(2018, 5, 10), True),  # the birthday itself
    (D(2000, 12, 31), D(2018, 1, 1), False),  # 18 by calendar years, 17 by date: what the old check let through
    (D(2008, 2, 29), D(2026, 2, 27), False),
    (D(2008, 2, 29), D(2026, 2, 28), True),  # a common year: the birthday falls on 28 February
    (D(2006, 2, 28), D(2024, 2, 28), True),
    (D(2006, 3, 1), D(2024, 2, 29), False),  # a leap day is not the birthday of someone born on 1 March
])
def test_old_enough_to_join_by_exact_date(born, day, old_enough):
    assert people.old_enough_to_join(born, day) is old_enough
    assert (age_on(born, day) >= 18) is old_enough  # one way of counting for the age and the rule
    assert add_years(born, 18) <= day if old_enough else add_years(born, 18) > day


def test_members_and_activists_share_the_rule(world):
    number = born_on(D(2000, 12, 31))
    member = PartyMember(name="党员丙", id_number=number, town=world.town_a, village=world.village_a,
                         home_organization=world.org_a, joined_on=D(2018, 12, 30))
    member.prepare()
    with pytest.raises(ValidationError) as refused:
        member.clean()
    assert "时年17周岁" in refused.value.message_dict["joined_on"][0]
    member.joined_on = D(2018, 12, 31)
    member.clean()
    activist = Activist(name="积极分子丙", id_number=number, town=world.town_a, applied_on=D(2018, 12, 30))
    activist.prepare()
    with pytest.raises(ValidationError) as refused:
        activist.clean()
    assert "申请入党时应年满十八岁" in refused.value.message_dict["applied_on"][0]
    activist.applied_on = D(2018, 12, 31)
    activist.clean()


def test_import_refuses_joining_the_day_before_the_18th_birthday(world, clerk, tmp_path):
    rows = [member_row(born_on(D(1990, 7, 2)), 姓名="党员一", 入党日期="2008.7.1", 转正日期=""),
            member_row(born_on(D(1990, 7, 1)), 姓名="党员二", 入党日期="2008-07-01", 转正日期=""),
            member_row(born_on(D(1992, 2, 29)), 姓名="党员三", 入党日期="2010年2月28日", 转正日期="")]
    result = preview(clerk, workbook_file(tmp_path / "m.xlsx", rows), world.town_a, "members")
    [error] = result.errors
    assert (error["row"], error["column"]) == (2, "入党日期") and "年满十八岁" in error["message"]


# Linking on save ---------------------------------------------------------------------------------------------------
def test_a_member_saved_links_the_worker_and_the_status_follows(world):
    worker = world.workers["a"]
    Worker.objects.filter(pk=worker.pk).update(political_status="masses")
    member = factories.member(world.town_a, world.village_a, world.org_a, id_number=worker.id_number,
                              full_member_on=None, joined_on=D(2024, 7, 1))
    assert member.worker_id == worker.pk
    worker.refresh_from_db()
    assert worker.political_status == "probationary"
    member.full_member_on = D(2025, 7, 1)
    member.save()
    worker.refresh_from_db()
    assert worker.political_status == "member"
    # The other way: a worker edited against the member record is refused, naming where to act.
    worker.political_status = "masses"
    with pytest.raises(ValidationError) as refused:
        worker.full_clean()
    assert "该人员在党员台账中为中共党员" in refused.value.message_dict["political_status"][0]
    worker.political_status = "member"
    worker.full_clean()


def test_a_worker_created_after_the_member_links_it(world):
    number = id_number(D(1990, 3, 3))
    member = factories.member(world.town_a, world.village_a, world.org_a, id_number=number)
    activist = factories.activist(world.town_b, world.village_b, id_number=id_number(D(1996, 1, 1)))
    assert member.worker_id is None
    worker = factories.worker(world.town_a, world.village_a, id_number=number, political_status="")
    assert worker.political_status == "member"
    assert PartyMember.objects.get(pk=member.pk).worker_id == worker.pk
    other = factories.worker(world.town_b, world.village_b, id_number=activist.id_number, political_status="league",
                             party_wish="")
    assert (other.political_status, other.party_wish) == ("league", "yes")  # 共青团员 stays; the wish is 有
    assert Activist.objects.get(pk=activist.pk).worker_id == other.pk


def test_no_link_across_counties(world):
    number = id_number(D(1990, 3, 3))
    factories.worker(world.workers["other"].town, None, id_number=number)
    member = factories.member(world.town_a, world.village_a, world.org_a, id_number=number)
    assert member.worker_id is None
    assert "其他县" in workflows.person_worker_link(user=world.users[Role.COUNTY_STAFF], record=member)


def test_form_save_creates_the_worker_only_where_the_user_may_add_it(world):
    member = factories.member(world.town_a, world.village_a, world.org_a, id_number=id_number(D(1985, 1, 1)),
                              name="李明", phone="13711112222")
    outpost = world.users[Role.OUTPOST_SECRETARY]  # may change members, may not add workers
    assert "未建立" in workflows.person_worker_link(user=outpost, record=member)
    assert member.worker_id is None
    assert workflows.person_worker_link(user=world.users[Role.TOWN_CLERK], record=member) == ""
    worker = member.worker
    assert (worker.name, worker.phone, worker.village, worker.political_status) == (
        "李明", "13711112222", world.village_a, "member")
    assert worker.id_digest == member.id_digest


# The API and the admin show the link only to those who may see the worker ---------------------------------------
def test_api_shows_the_linked_worker_only_in_scope(world, api):
    worker = factories.worker(world.town_b, world.village_b, id_number=id_number(D(1989, 9, 9)))
    member = factories.member(world.town_a, world.village_a, world.org_a, id_number=worker.id_number)
    assert member.worker_id == worker.pk  # same county: linked, though the worker lives in the other town
    api.force_authenticate(world.users[Role.TOWN_CLERK])
    data = api.get(f"/api/v1/members/{member.pk}/").json()
    assert "worker" in data and data["worker"] is None
    listed = {row["id"]: row for row in api.get("/api/v1/members/").json()["results"]}
    assert listed[member.pk]["worker"] is None
    api.force_authenticate(world.users[Role.COUNTY_STAFF])
    assert api.get(f"/api/v1/members/{member.pk}/").json()["worker"] == worker.pk
    response = api.patch(f"/api/v1/members/{member.pk}/", {"worker": world.workers["a"].pk}, format="json",
                         HTTP_IF_MATCH=PartyMember.objects.get(pk=member.pk).etag)
    assert response.status_code == 400 and "worker" in response.json()  # read-only: never set through the API
    assert PartyMember.objects.get(pk=member.pk).worker_id == worker.pk


def test_api_create_makes_the_worker_record(world, api):
    api.force_authenticate(world.users[Role.TOWN_CLERK])
    number = id_number(D(1990, 10, 10))
    response = api.post("/api/v1/activists/", {"name": "积极分子丁", "id_number": number, "village": "610924100201",
                                               "applied_on": "2024-03-01"}, format="json")
    assert response.status_code == 201, response.json()
    activist = Activist.objects.get(pk=response.json()["id"])
    assert response.json()["worker"] == activist.worker_id is not None
    assert response["ETag"] == activist.etag
    assert (activist.worker.political_status, activist.worker.party_wish) == ("masses", "yes")


# Import ------------------------------------------------------------------------------------------------------------
def test_member_import_links_or_creates_workers_and_their_status_follows(world, clerk, tmp_path):
    existing = world.workers["a"]
    Worker.objects.filter(pk=existing.pk).update(political_status="masses")
    new_number = id_number(D(1987, 6, 6))
    rows = [member_row(existing.id_number, 姓名="张三", 转正日期=""),
            member_row(new_number, 姓名="党员（新）")]
    headers = [*rows[0].keys(), "户籍村(社区)"]
    rows[1]["户籍村(社区)"] = "西坝村"
    path = workbook_file(tmp_path / "党员.xlsx", rows, headers, title="城关镇农民工党员台账")
    checked = preview(clerk, path, world.town_a, "members")
    assert checked.ok
    codes = {(w["row"], w["code"]) for w in checked.warnings}
    assert codes == {(3, "worker_follows"), (4, "worker_created")}
    assert "导入后随本台账改为“中共预备党员”" in next(w["message"] for w in checked.warnings if w["row"] == 3)
    assert not Worker.objects.filter(id_digest=crypto.digest(new_number)).exists()  # a preview writes nothing
    result = commit(clerk, path, world.town_a, "members")
    assert result.committed and result.new == 2
    linked = PartyMember.objects.get(name="张三")
    assert linked.worker_id == existing.pk
    existing.refresh_from_db()
    assert existing.political_status == "probationary" and existing.version > 1
    made = PartyMember.by_id_number(new_number).get().worker
    assert made is not None and made.village == world.village_a2 and made.name == "党员(新)"  # as names are kept
    assert made.political_status == "member" and made.direction == "out" and made.created_by == clerk
    assert made.completeness == 1  # only the political status is known
    assert AuditEntry.objects.get(pk=result.batch.audit_entry_id).changes["workers_created"] == 1
    # Re-importing the same file changes nothing anywhere.
    again = commit(clerk, workbook_file(tmp_path / "again.xlsx", rows, headers), world.town_a, "members")
    assert again.committed and again.unchanged == 2 and Worker.by_id_number(new_number).count() == 1
    assert [w["code"] for w in again.warnings] == []


def test_worker_import_links_back_and_warns_of_contradictions(world, clerk, tmp_path):
    member = factories.member(world.town_a, world.village_a, world.org_a, id_number=id_number(D(1984, 4, 4)),
                              full_member_on=None, joined_on=D(2024, 7, 1))
    activist = factories.activist(world.town_a, world.village_a2, id_number=id_number(D(1995, 5, 5)))
    rows = [worker_row(身份证号=member.id_number, 姓名="李四", 政治面貌="群众"),  # the member ledger leads
            worker_row(身份证号=activist.id_number, 姓名="王五", 政治面貌="", 入党意愿="无"),
            worker_row(身份证号=(claimed := id_number()), 姓名="钱（一）", 政治面貌="中共党员"),  # no member record
            worker_row(身份证号=id_number(), 姓名="孙二", 返乡意向="已返乡"),  # 外出 and 已返乡
            worker_row(身份证号=id_number(), 姓名="周三")]
    rows[1]["户籍村(社区)"] = "西坝村"
    result = commit(clerk, workbook_file(tmp_path / "w.xlsx", rows, title="城关镇农民工台账（2026年春节）"),
                    world.town_a, "workers")
    assert result.committed and result.new == 5
    by_row = {}
    for w in result.warnings:
        by_row.setdefault(w["row"], set()).add((w["column"], w["code"]))
    assert by_row == {3: {("政治面貌", "status_follows_ledgers")}, 4: {("入党意愿", "wish_follows_ledgers")},
                      5: {("政治面貌", "member_without_record")}, 6: {("返乡意向", "out_but_returned")}}
    worker = Worker.objects.get(name="李四")
    assert worker.political_status == "probationary" and PartyMember.objects.get(pk=member.pk).worker_id == worker.pk
    other = Worker.objects.get(name="王五")
    assert (other.political_status, other.party_wish) == ("masses", "yes")
    assert Activist.objects.get(pk=activist.pk).worker_id == other.pk
    assert Worker.by_id_number(claimed).get().political_status == "member"  # kept as written, with the warning


def test_the_command_prints_the_warnings_grouped(world, tmp_path, capsys):
    rows = [worker_row(身份证号=id_number(), 姓名=f"工人{i}", 返乡意向="已返乡") for i in range(3)]
    call_command("import_ledger", "workers", str(workbook_file(tmp_path / "w.xlsx", rows)), "--unit", "610924100",
                 "--user", "clerk_a")
    out = capsys.readouterr().out
    assert "提示 3 处" in out and "第2、3、4行 返乡意向" in out and "已全部写入" in out


def test_member_import_queries_do_not_grow_with_rows(world, clerk, tmp_path, django_assert_max_num_queries):
    def rows(count, start):
        out = []
        for i in range(count):
            number = id_number(D(1980, 1, 1) + datetime.timedelta(days=start + i))
            if i % 2:  # half of them already in the workers' ledger
                factories.worker(world.town_a, world.village_a, id_number=number, name=f"工{start + i}")
            out.append(member_row(number, 姓名=f"党员{start + i}"))
        return out

    small = workbook_file(tmp_path / "small.xlsx", rows(20, 0))
    with CaptureQueriesContext(connection) as queries:
        assert commit(clerk, small, world.town_a, "members").committed
    large = workbook_file(tmp_path / "large.xlsx", rows(200, 1000))
    with django_assert_max_num_queries(len(queries)):
        result = commit(clerk, large, world.town_a, "members")
    assert result.committed and result.new == 200
    assert PartyMember.objects.filter(name__startswith="党员", worker__isnull=False).count() == 220
    assert Worker.objects.filter(party_member__isnull=False, political_status="member").count() == 220


@pytest.mark.parametrize("name", ["wps_workers.xlsx", "wps_workers.xls", "wps_workers.ods"])
def test_a_real_wps_file_names_its_contradictions(world, clerk, tmp_path, name):
    """The committed WPS/LibreOffice files (ledgers/tests/fixtures): 吴四, row 7, is 外来 (so 已返乡 is no
    contradiction) and 中共党员 without a member record; once the member record exists the same file links to it."""
    path = tmp_path / name
    path.write_bytes((FIXTURES / name).read_bytes())
    result = preview(clerk, path, world.town_a, "workers")
    assert result.ok and [(w["row"], w["column"], w["code"]) for w in result.warnings] == [
        (7, "政治面貌", "member_without_record")]
    body = f"610924{D(1975, 3, 1) + datetime.timedelta(days=4):%Y%m%d}008"
    number = body + ric.calc_check_digit(body + "0")  # make_fixtures.fixture_id(4, male=False)
    member = factories.member(world.town_a, world.village_a2, world.org_a, id_number=number, name="吴四")
    result = commit(clerk, path, world.town_a, "workers")
    assert result.committed and result.warnings == []
    worker = Worker.by_id_number(number).get()
    assert PartyMember.objects.get(pk=member.pk).worker_id == worker.pk and worker.political_status == "member"


def test_a_worker_the_importer_may_not_add_is_left_out_with_a_word(world, clerk, tmp_path, monkeypatch):
    number = id_number(D(1986, 8, 8))
    monkeypatch.setattr("ledgers.importing.people.permits", lambda user, obj: False)
    result = commit(clerk, workbook_file(tmp_path / "m.xlsx", [member_row(number)]), world.town_a, "members")
    assert result.committed and PartyMember.by_id_number(number).get().worker_id is None
    assert [w["code"] for w in result.warnings] == ["worker_not_created"]
    assert not Worker.by_id_number(number).exists()


def test_large_files_checked_in_stripes_link_the_same(world, clerk, tmp_path, settings, monkeypatch):
    """Forked workers check the rows with the other ledgers loaded before the fork; on PostgreSQL the rows are
    written by the COPY while they are checked, and the links follow inside the same transaction."""
    settings.IMPORT_PARALLEL_MIN_ROWS, settings.IMPORT_WORKERS = 10, 2
    monkeypatch.setattr(engine, "STRIPE_ROWS", 5)
    members = [factories.member(world.town_a, world.village_a, world.org_a, name=f"党员{i}", full_member_on=None,
                                joined_on=D(2024, 7, 1), id_number=id_number(D(1982, 1, 1))) for i in range(5)]
    rows = [worker_row(姓名=f"条带{i}", 身份证号=id_number()) for i in range(40)]
    for i, member in enumerate(members):
        rows[i * 8 + 3] = worker_row(姓名=member.name, 身份证号=member.id_number, 政治面貌="群众")
    result = commit(clerk, workbook_file(tmp_path / "w.xlsx", rows), world.town_a, "workers")
    assert result.committed and result.new == 40
    assert sorted(w["row"] for w in result.warnings) == [i * 8 + 5 for i in range(5)]
    for member in members:
        member.refresh_from_db()
        assert member.worker.political_status == "probationary" and member.worker.name == member.name
    numbers = [id_number(D(1983, 1, 1)) for _ in range(30)]
    result = commit(clerk, workbook_file(tmp_path / "m.xlsx", [member_row(n, 姓名=f"新党员{i}") for i, n in
                                                               enumerate(numbers)]), world.town_a, "members")
    assert result.committed and result.new == 30
    assert Worker.objects.filter(party_member__name__startswith="新党员", political_status="member").count() == 30


def test_api_refuses_a_worker_status_against_the_member_record(world, api):
    worker = world.workers["a"]
    factories.member(world.town_a, world.village_a, world.org_a, id_number=worker.id_number)
    worker.refresh_from_db()
    api.force_authenticate(world.users[Role.TOWN_CLERK])
    response = api.patch(f"/api/v1/workers/{worker.pk}/", {"political_status": "masses"}, format="json",
                         HTTP_IF_MATCH=worker.etag)
    assert response.status_code == 400
    assert "该人员在党员台账中为中共党员" in str(response.json())
    assert Worker.objects.get(pk=worker.pk).political_status == "member"


def test_admin_shows_the_link_only_to_those_who_may_see_the_worker(world, client):
    worker = factories.worker(world.town_b, world.village_b, id_number=id_number(D(1989, 9, 9)))
    member = factories.member(world.town_a, world.village_a, world.org_a, id_number=worker.id_number)
    url = f"/admin/ledgers/partymember/{member.pk}/change/"
    client.force_login(world.users[Role.TOWN_CLERK])
    page = client.get(url).content.decode()
    assert "已关联（不在您的管辖范围内）" in page and f"/admin/ledgers/worker/{worker.pk}/change/" not in page
    client.force_login(world.users[Role.COUNTY_STAFF])
    page = client.get(url).content.decode()
    assert f"/admin/ledgers/worker/{worker.pk}/change/" in page and 'name="worker"' not in page  # never picked by hand
