"""The county statistics table (seed 001 §1), its .xlsx, the yearly county figures, and the printed ledgers."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ledgers.models import PartyMember, Worker
from organizations.models import CountyYearFigures, Unit
from organizations.roles import Role
from overview import reports
from services.models import ServiceCase
from talent.models import Appointment, ReturneeVenture, Talent
from tests import factories
from zyparty.models import AuditEntry

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
PERIOD = {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}


def _report(user, unit, start=None, end=None):
    return reports.statistics_report(user, unit, start or datetime.date(YEAR, 1, 1),
                                     end or datetime.date(YEAR, 12, 31))


def _row(report, label):
    return next(r for r in [*report.rows, report.total] if r.label == label or (r.is_total and label == "total"))


def test_shares_reproduce_seed_001():
    # 001 §1: 350,000 people, 80,000 working away = 22.86%; 13,092 members, 1,209 migrant workers = 9.2%.
    assert reports._share(80_000, 350_000) == 22.86
    assert round(reports._share(1_209, 13_092), 1) == 9.2
    assert reports._share(5, None) is None and reports._share(5, 0) is None


def test_county_table_counts_the_records(world):
    for i in range(3):
        factories.worker(world.town_a, world.village_a, name=f"外{i}")
    factories.worker(world.town_b, world.village_b, name="来", direction="in")
    CountyYearFigures.objects.create(county=world.county, year=YEAR, population=1000, party_members_total=40)
    ServiceCase.objects.create(title="欠薪", kind="wage_recovery", channel="window", town=world.town_a,
                               applicant_name="甲", amount_recovered=50000, opened_on=datetime.date(YEAR, 1, 5))
    ServiceCase.objects.create(title="旧案", kind="wage_recovery", channel="window", town=world.town_a,
                               applicant_name="乙", amount_recovered=999, opened_on=datetime.date(YEAR - 1, 6, 1))
    ServiceCase.objects.create(title="就业", kind="employment", channel="window", town=world.town_b,
                               applicant_name="丙", opened_on=datetime.date(YEAR, 2, 1))
    ReturneeVenture.objects.create(kind="cooperative", name="茶叶合作社", village=world.village_b,
                                   founded_on=datetime.date(YEAR, 3, 1))
    talent = Talent.objects.create(worker=world.workers["a"], village=world.village_a)
    Appointment.objects.create(talent=talent, kind="committee_member", start_on=datetime.date(YEAR, 4, 1))
    Appointment.objects.create(talent=talent, kind="assistant", start_on=datetime.date(YEAR, 4, 1))

    report = _report(world.users[Role.COUNTY_STAFF], world.county)
    assert [r.label for r in report.rows] == ["城关镇", "蒿坪镇"]
    a, b, total = _row(report, "城关镇").values, _row(report, "蒿坪镇").values, report.total.values
    out = Worker.objects.filter(county=world.county, direction="out")
    assert total["working_away"] == out.count() == 6
    assert (a["working_away"], b["working_away"]) == (out.filter(town=world.town_a).count(),
                                                      out.filter(town=world.town_b).count())
    assert total["migrant_members"] == PartyMember.objects.filter(county=world.county).count() == 2
    assert total["population"] == 1000 and a["population"] is None
    assert total["working_away_share"] == 0.6 and total["migrant_members_share"] == 5.0
    assert (total["villages"], a["villages"], b["villages"]) == (3, 2, 1)
    assert total["outpost_organizations"] == 1 and a["outpost_organizations"] == 1
    assert total["rights_cases"] == 1 and float(total["amount_recovered"]) == 50000.0  # last year's is outside
    assert b["venture_cooperative"] == 1 and total["venture_family_farm"] == 0
    assert total["two_committee"] == a["two_committee"] == 1
    assert report.figures_year == YEAR and report.missing == []


def test_a_clerk_gets_their_town_by_village_and_nothing_else(world, client):
    factories.worker(world.town_b, world.village_b, name="蒿坪人")
    clerk = world.users[Role.TOWN_CLERK]
    report = _report(clerk, world.town_a)
    assert [r.label for r in report.rows] == ["东河村", "西坝村"]
    assert report.total.values["working_away"] == Worker.objects.filter(town=world.town_a).count()

    client.force_login(clerk)
    page = client.get("/reports/").content.decode()
    assert "城关镇农民工党建工作统计表" in page and "蒿坪" not in page and "金石村" not in page
    for code in (world.county.code, world.town_b.code, world.village_b.code, "610925100"):
        assert client.get("/reports/", {"unit": code, **PERIOD}).status_code == 404
        assert client.get("/reports/statistics.xlsx", {"unit": code, **PERIOD}).status_code == 404


def test_report_page_and_period_validation(world, client):
    client.force_login(world.users[Role.COUNTY_STAFF])
    page = client.get("/reports/", {"unit": world.county.code, **PERIOD}).content.decode()
    assert "紫阳县农民工党建工作统计表" in page and "合计（2个乡镇）" in page
    assert "尚未填报该年度的总人口" in page
    page = client.get("/reports/", {"unit": world.county.code, "start": f"{YEAR}-05-01",
                                    "end": f"{YEAR}-01-01"}).content.decode()
    assert "截止日期不能早于起始日期" in page and "农民工党建工作统计表" not in page


@pytest.mark.parametrize("role", [Role.OUTPOST_SECRETARY, Role.HOST_ORGANIZATION, Role.PARTNER,
                                  Role.ENTERPRISE_LIAISON])
def test_roles_without_the_report_permission_are_refused(world, client, role):
    client.force_login(world.users[role])
    assert client.get("/reports/").status_code == 403


def test_xlsx_matches_the_page(world, client):
    CountyYearFigures.objects.create(county=world.county, year=YEAR, population=1000, party_members_total=40)
    Unit.objects.filter(pk=world.town_b.pk).update(name="=HYPERLINK(\"x\")")
    client.force_login(world.users[Role.COUNTY_STAFF])
    response = client.get("/reports/statistics.xlsx", {"unit": world.county.code, **PERIOD})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="statistics-610924-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "紫阳县农民工党建工作统计表"
    rows = {row[0]: row for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]}
    headers = [c.value for c in sheet[4]]
    total = rows["合计（2个乡镇）"]
    column = {h.split("（")[0]: i for i, h in enumerate(headers) if h}
    assert total[column["外出务工人数"]] == 3 and total[column["总人口"]] == 1000
    assert abs(total[column["占总人口比例"]] - 0.003) < 1e-9
    assert sheet.cell(row=7, column=column["占总人口比例"] + 1).number_format == "0.00%"
    cell = next(c for c in sheet["A"] if c.value == "=HYPERLINK(\"x\")")
    assert cell.data_type == "s" and cell.quotePrefix  # stored as text, never evaluated as a formula
    assert AuditEntry.objects.filter(action="export", object_type="organizations.unit").exists()


def test_county_figures_are_entered_by_county_staff(world, client):
    staff = world.users[Role.COUNTY_STAFF]
    client.force_login(staff)
    url = "/admin/organizations/countyyearfigures/add/"
    response = client.post(url, {"county": world.county.pk, "year": YEAR, "population": 350000,
                                 "party_members_total": 13092, "notes": "统计年鉴"})
    assert response.status_code == 302
    figures = CountyYearFigures.objects.get(county=world.county, year=YEAR)
    assert figures.created_by == staff
    again = client.post(url, {"county": world.county.pk, "year": YEAR, "population": 1, "party_members_total": 1})
    assert again.status_code == 200 and CountyYearFigures.objects.count() == 1  # one row per county and year
    other = client.post(url, {"county": world.other_county.pk, "year": YEAR, "population": 1,
                              "party_members_total": 1})
    assert other.status_code == 200 and not CountyYearFigures.objects.filter(county=world.other_county).exists()
    report = _report(staff, world.county)
    assert report.total.values["population"] == 350000 and report.total.values["party_members_total"] == 13092

    client.force_login(world.users[Role.TOWN_CLERK])
    assert client.get(url).status_code == 403


def test_last_entered_year_is_used_for_a_later_period(world):
    CountyYearFigures.objects.create(county=world.county, year=YEAR - 2, population=900, party_members_total=30)
    CountyYearFigures.objects.create(county=world.county, year=YEAR + 1, population=1, party_members_total=1)
    report = _report(world.users[Role.COUNTY_STAFF], world.county)
    assert report.figures_year == YEAR - 2 and report.total.values["population"] == 900


def test_printed_ledger_is_masked_paged_by_village_and_audited(world, client):
    clerk = world.users[Role.TOWN_CLERK]
    client.force_login(clerk)
    number = factories.id_number()
    factories.worker(world.town_a, world.village_a2, name="钱二", id_number=number, phone="13912345678",
                     family_situation="父母年迈", political_status="masses", remarks=f"身份证{number}")
    response = client.get(f"/reports/ledgers/workers/{world.town_a.code}/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert page.count('<section class="sheet">') == 2  # 东河村, 西坝村: one sheet (page) each
    for header in ("姓名", "身份证号", "联系电话", "户籍村(社区)", "务工地", "政治面貌", "家庭情况", "任职意愿", "备注"):
        assert f"<th>{header}</th>" in page
    assert number not in page and "13912345678" not in page and "父母年迈" not in page
    assert number[:4] + "**********" + number[-4:] in page and "139****5678" in page
    assert "孙七" not in page  # town B
    assert AuditEntry.objects.filter(action="export", object_type="ledgers.worker").exists()

    assert client.get(f"/reports/ledgers/workers/{world.town_b.code}/").status_code == 404
    assert client.get(f"/reports/ledgers/workers/{world.county.code}/").status_code == 404
    assert client.get(f"/reports/ledgers/nosuch/{world.town_a.code}/").status_code == 404
    for ledger in ("enterprises", "members", "activists"):
        assert client.get(f"/reports/ledgers/{ledger}/{world.town_a.code}/").status_code == 200
    index = client.get("/reports/ledgers/").content.decode()
    assert "城关镇" in index and "蒿坪镇" not in index


def test_printing_needs_the_export_permission(world, client):
    client.force_login(world.users[Role.VILLAGE_LIAISON])
    assert client.get(f"/reports/ledgers/workers/{world.village_a.code}/").status_code == 403
    assert client.get("/reports/ledgers/").status_code == 403
