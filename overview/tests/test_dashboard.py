"""The dashboard: figures equal direct counts, come from the precomputed snapshot, respect scope, and cost a
bounded number of queries whatever the size of the county."""

import datetime
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledgers import workflows
from ledgers.models import Activist, PartyMember, Worker
from organizations.models import CoManagementAgreement, Unit
from organizations.roles import Role
from overview import dashboard
from services.models import LiaisonRecord, ServiceCase
from services.rules import liaison_overdue_period
from talent.models import QuotaResult, QuotaRule, ReturneeVenture
from talent.workflows import development_case_open
from tests import factories
from tests.factories import id_number, workbook_file, worker_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_aggregates():
    caches["aggregates"].clear()


def _add_workers(world, n, town=None, village=None, **kw):
    town = town or world.town_a
    village = village or world.village_a
    for i in range(n):
        factories.worker(town, village, name=f"工{i}", **kw)


def _context(user):
    return dashboard.dashboard_context(user)


def _tile(context, label):
    return next(t for t in context["tiles"] if t["label"] == label)


def _panel(context, panel_id):
    return next(p for p in context["panels"] if p["id"] == panel_id)


def _chart(context, chart_id):
    return next(c for c in context["charts"] if c["id"] == chart_id)


def _bars(chart):
    trace = chart["data"][0]
    return dict(zip(trace["y"], trace["x"]))


def test_county_figures_equal_direct_counts(world):
    _add_workers(world, 3, destination_code="440306", political_status="masses", return_intention="none",
                 party_wish="no", post_wish="no", employer_name="深圳博达")
    _add_workers(world, 2, town=world.town_b, village=world.village_b, destination_code="330106")
    factories.worker(world.town_b, world.village_b, name="外来", direction="in")
    staff = world.users[Role.COUNTY_STAFF]
    context = _context(staff)
    county = Worker.objects.filter(county=world.county)

    assert _tile(context, "外出农民工")["value"] == county.filter(direction="out").count()
    assert _tile(context, "外来农民工")["value"] == county.filter(direction="in").count() == 1
    assert _tile(context, "农民工党员")["value"] == PartyMember.objects.filter(county=world.county).count()
    assert _tile(context, "入党积极分子")["value"] == Activist.objects.filter(county=world.county).count()
    complete = county.filter(completeness=6).count()
    assert _tile(context, "六清楚全部清楚")["value"] == round(complete * 100 / county.count(), 1)

    by_town = _bars(_chart(context, "ledger-workers"))
    assert by_town == {"城关镇": county.filter(town=world.town_a).count(),
                       "蒿坪镇": county.filter(town=world.town_b).count()}
    provinces = _bars(_chart(context, "destinations"))
    assert provinces == {"广东": 3, "浙江": 2}


def test_figures_come_from_the_snapshot_until_it_is_refreshed(world, django_capture_on_commit_callbacks):
    staff = world.users[Role.COUNTY_STAFF]
    before = _tile(_context(staff), "外出农民工")["value"]
    _add_workers(world, 4)
    assert _tile(_context(staff), "外出农民工")["value"] == before  # precomputed: no count per request
    with django_capture_on_commit_callbacks(execute=True):
        dashboard.refresh_soon([world.county.pk])  # what an import calls once per file
    assert _tile(_context(staff), "外出农民工")["value"] == before + 4


def test_a_stale_snapshot_is_recomputed(world, settings):
    staff = world.users[Role.COUNTY_STAFF]
    before = _tile(_context(staff), "外出农民工")["value"]
    _add_workers(world, 2)
    settings.DASHBOARD_MAX_AGE_SECONDS = -1
    assert _tile(_context(staff), "外出农民工")["value"] == before + 2


def test_scheduled_refresh_covers_every_county(world):
    factories.worker(Unit.objects.get(code="610925100"), None, name="岚皋人")
    assert dashboard.refresh_dashboards() == Unit.objects.filter(level="county").count()
    other = caches["aggregates"].get(dashboard._key(world.other_county.pk))
    assert sum(r[-1] for r in other["rows"]["workers"]) == Worker.objects.filter(county=world.other_county).count()


def test_a_ledger_import_commit_refreshes_the_countys_dashboard(world, tmp_path, django_capture_on_commit_callbacks):
    """Imported rows bypass save() and its signals: the county's dashboard snapshot is recomputed once the batch
    commits (zyparty.events.rows_written, received here), and not for a preview."""
    clerk = world.users[Role.TOWN_CLERK]

    def computed_at():
        return caches["aggregates"].get(dashboard._key(world.county.pk))["computed_at"]

    dashboard.refresh(world.county)
    first = computed_at()
    path = workbook_file(tmp_path / "d.xlsx", [worker_row(姓名=f"看板{i}", 身份证号=id_number()) for i in range(3)])
    with django_capture_on_commit_callbacks(execute=True):
        assert workflows.ledger_import_preview(user=clerk, kind="workers", file=path, unit=world.town_a).new == 3
    assert computed_at() == first
    with django_capture_on_commit_callbacks(execute=True):
        assert workflows.ledger_import_commit(user=clerk, kind="workers", file=path, unit=world.town_a).committed
    assert computed_at() > first

def test_a_clerk_sees_only_their_town(world):
    _add_workers(world, 2, town=world.town_b, village=world.village_b, destination_code="650100")
    _add_workers(world, 1, destination_code="440306")
    clerk = world.users[Role.TOWN_CLERK]
    context = _context(clerk)
    mine = Worker.objects.filter(town=world.town_a)
    assert _tile(context, "外出农民工")["value"] == mine.filter(direction="out").count()
    assert set(_bars(_chart(context, "ledger-workers"))) == {"东河村", "西坝村"}
    assert _bars(_chart(context, "destinations")) == {"广东": 1}
    assert _tile(context, "聚集地企业")["value"] == 1  # enterprise_a only

    page = _render(clerk)
    assert "金石村" not in page and "新疆" not in page and "蒿坪镇" not in page
    # Every link narrows to the clerk's own town.
    links = [url for chart in context["charts"] for url in _flat(chart["data"][0]["customdata"]) if url]
    assert links and all("unit=610924100" in url for url in links)


def test_a_village_liaison_sees_only_their_village(world):
    _add_workers(world, 2, village=world.village_a2)
    liaison = world.users[Role.VILLAGE_LIAISON]
    context = _context(liaison)
    assert _tile(context, "外出农民工")["value"] == Worker.objects.filter(village=world.village_a).count()
    assert sum(_bars(_chart(context, "completeness")).values()) == Worker.objects.filter(
        village=world.village_a).count()
    assert "西坝村" not in _render(liaison)


def test_grants_that_are_not_places_see_their_own_records(world):
    secretary = world.users[Role.OUTPOST_SECRETARY]
    context = _context(secretary)
    assert context["panels"] == []
    assert _tile(context, "农民工党员")["value"] == PartyMember.objects.restrict(secretary).count() == 1
    assert all(t["label"] != "农民工" for t in context["tiles"])  # workers are not filtered by organization


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDITOR])
def test_roles_without_ledgers_see_no_figures(world, client, role):
    user = world.users[role]
    assert _context(user) == {"scope_empty": True}


def test_chart_bars_link_to_the_filtered_list(world, client):
    staff = world.users[Role.COUNTY_STAFF]
    context = _context(staff)
    trace = _chart(context, "ledger-workers")["data"][0]
    link = dict(zip(trace["y"], trace["customdata"]))["城关镇"]
    assert link == "/admin/ledgers/worker/?unit=610924100"
    client.force_login(staff)
    page = client.get(link).content.decode()
    assert "张三" in page and "赵六" in page and "孙七" not in page


def test_province_and_completeness_links_filter_the_worker_list(world, client):
    _add_workers(world, 1, destination_code="440306")
    factories.worker(world.town_a, world.village_a, name="李全", destination_code="440306",
                     political_status="masses", return_intention="none", party_wish="no", post_wish="no",
                     employer_name="深圳博达")
    _add_workers(world, 1, destination_code="330106")
    staff = world.users[Role.COUNTY_STAFF]
    context = _context(staff)
    trace = _chart(context, "destinations")["data"][0]
    guangdong = dict(zip(trace["y"], trace["customdata"]))["广东"]
    client.force_login(staff)
    page = client.get(guangdong).content.decode()
    assert "李全" in page and "工0" in page
    assert Worker.objects.filter(destination_code="330106").count() == 1
    assert page.count('class="field-name"') == 2

    heat = _chart(context, "completeness")["data"][0]
    cells = {text.split(" ")[0]: url for row_t, row_u in zip(heat["text"], heat["customdata"])
             for text, url in zip(row_t, row_u) if text}
    page = client.get(cells["东河村"]).content.decode()
    assert "工0" in page and "李全" not in page  # 李全 has all six clear


def test_dashboard_page_renders_charts_data_and_scripts(world, client):
    client.force_login(world.users[Role.COUNTY_STAFF])
    page = client.get("/").content.decode()
    charts = json.loads(re.search(r'<script id="dashboard-charts" type="application/json">(.*?)</script>', page,
                                  re.S).group(1))
    assert {c["id"] for c in charts} >= {"ledger-workers", "destinations", "completeness"}
    assert "/static/vendor/plotly.min.js" in page and "/static/zyparty/dashboard.js" in page
    assert "<script>" not in page  # CSP: no inline script


def test_plotly_is_served_from_the_installed_package(world, client):
    path = finders.find("vendor/plotly.min.js")
    assert path and "site-packages" in path and path.endswith("plotly/package_data/plotly.min.js")


def test_dashboard_queries_do_not_grow_with_the_data(world, client):
    staff = world.users[Role.COUNTY_STAFF]
    client.force_login(staff)
    client.get("/")  # snapshot computed once

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured.captured_queries)

    small = queries()
    _add_workers(world, 30, destination_code="440306")
    for town in (world.town_a, world.town_b):
        for i in range(3):
            Unit.objects.create(code=f"{town.code}{300 + i}", name=f"新村{i}")
    dashboard.refresh(world.county)
    assert queries() == small
    assert small <= 12


def test_refresh_button_recomputes_once(world, client):
    staff = world.users[Role.COUNTY_STAFF]
    client.force_login(staff)
    client.get("/")
    _add_workers(world, 2)
    response = client.post("/dashboard/refresh/", follow=True)
    assert "统计数据已刷新" in response.content.decode()
    assert _tile(_context(staff), "外出农民工")["value"] == Worker.objects.filter(direction="out").filter(
        county=world.county).count()
    assert "刚刚已刷新" in client.post("/dashboard/refresh/", follow=True).content.decode()


def test_overdue_liaisons(world):
    half = liaison_overdue_period(timezone.localdate())
    CoManagementAgreement.objects.create(town=world.town_a, host_organization=world.host_a,
                                         signed_on=half.start - datetime.timedelta(days=30))
    CoManagementAgreement.objects.create(town=world.town_b, host_organization=world.host_b,
                                         signed_on=half.start - datetime.timedelta(days=30))
    LiaisonRecord.objects.create(town=world.town_b, host_organization=world.host_b, held_on=half.start,
                                 channel="phone", topics=["employment"], summary="电话交流")
    panel = _panel(_context(world.users[Role.COUNTY_STAFF]), "liaisons")
    rows = panel["tables"][0]["rows"]
    assert [r[0] for r in rows] == ["城关镇 — 杭州市西湖区流动党员服务中心党委"]
    assert rows[0][1] == "从未联系"
    assert dict((label, n) for label, n, _u in panel["figures"]) == {"联系对子": 2, "逾期": 1}
    # The clerk of town B has no overdue pair; town A's is not theirs to see.
    panel_b = _panel(_context(world.clerk_b), "liaisons")
    assert panel_b["empty"] and "城关镇" not in str(panel_b)


def test_service_cases_and_ventures_panels(world):
    ServiceCase.objects.create(title="追讨欠薪", kind="wage_recovery", channel="window", town=world.town_a,
                               village=world.village_a, applicant_name="张三", amount_recovered=12000)
    ServiceCase.objects.create(title="法律援助", kind="legal_aid", channel="window", town=world.town_b,
                               applicant_name="孙七", amount_recovered=8000)
    context = _context(world.users[Role.COUNTY_STAFF])
    panel = _panel(context, "services")
    figures = {label: value for label, value, _u in panel["figures"]}
    assert figures["累计案件"] == 2 and figures["累计挽回损失"] == "2.0"
    clerk_panel = _panel(_context(world.users[Role.TOWN_CLERK]), "services")
    assert {label: value for label, value, _u in clerk_panel["figures"]}["累计挽回损失"] == "1.2"
    assert _panel(context, "ventures")["empty"]


def test_quota_heat_map(world):
    rule = QuotaRule.objects.create(code="dev", name="每村两年发展1名", subject="village", metric="x", threshold=1,
                                    period="biennial", source="seed 000 §19")
    start = datetime.date(2026, 1, 1)
    for village, status in ((world.village_a, "met"), (world.village_a2, "short"), (world.village_b, "met")):
        QuotaResult.objects.create(rule=rule, subject_kind="village", subject_id=village.pk,
                                   subject_label=village.name, county=world.county, town_id=village.town_id,
                                   village=village, period_start=start, period_end=datetime.date(2027, 12, 31),
                                   value=1, threshold=1, comparison="gte", status=status,
                                   evaluated_at=timezone.now())
    heat = _chart(_context(world.users[Role.COUNTY_STAFF]), "quota")["data"][0]
    assert heat["y"] == ["每村两年发展1名"] and dict(zip(heat["x"], heat["z"][0])) == {"城关镇": 50.0, "蒿坪镇": 100.0}
    clerk_heat = _chart(_context(world.users[Role.TOWN_CLERK]), "quota")["data"][0]
    assert dict(zip(clerk_heat["x"], clerk_heat["z"][0])) == {"东河村": 100.0, "西坝村": 0.0}


def _render(user):
    client = Client()
    client.force_login(user)
    return client.get("/").content.decode()


def _flat(values):
    for value in values:
        if isinstance(value, list):
            yield from _flat(value)
        else:
            yield value


def _every_link(context):
    links = [t["url"] for t in context["tiles"]]
    for panel in context["panels"]:
        links.append(panel.get("more_url") or "")
        for table in panel["tables"]:
            links += [url for _label, _value, url in table["rows"]]
        for chart in panel["charts"]:
            links += list(_flat(chart["data"][0]["customdata"]))
    return sorted({url for url in links if url})


@pytest.mark.parametrize("role", [Role.COUNTY_STAFF, Role.TOWN_CLERK, Role.VILLAGE_LIAISON])
def test_every_figure_links_to_a_list_that_opens(world, client, role):
    """Each tile, bar, cell, funnel stage and table row opens a list the user may see, with its filters accepted
    (a filter the list does not know would send the admin to ``?e=1``)."""
    factories.worker(world.town_a, world.village_a, name="钱一", destination_code="440306")
    ServiceCase.objects.create(title="欠薪", kind="wage_recovery", channel="window", town=world.town_a,
                               village=world.village_a, applicant_name="甲", amount_recovered=100)
    ReturneeVenture.objects.create(kind="family_farm", name="家庭农场", village=world.village_a,
                                   founded_on=datetime.date(2025, 1, 1))
    development_case_open(user=world.users[Role.TOWN_CLERK], applied_on=datetime.date(2025, 3, 1),
                          organization=world.org_a, activist=world.activists["a"])
    rule = QuotaRule.objects.create(code="r", name="每村后备力量", subject="village", metric="x", threshold=3,
                                    period="annual", source="seed 000 §18")
    QuotaResult.objects.create(rule=rule, subject_kind="village", subject_id=world.village_a.pk, subject_label="东河村",
                               county=world.county, town=world.town_a, village=world.village_a,
                               period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31),
                               value=1, threshold=3, comparison="gte", status="short", evaluated_at=timezone.now())
    CoManagementAgreement.objects.create(town=world.town_a, host_organization=world.host_a,
                                         signed_on=datetime.date(2020, 1, 1))
    LiaisonRecord.objects.create(town=world.town_a, host_organization=world.host_a, held_on=datetime.date(2020, 2, 1),
                                 channel="visit", topics=["training"], summary="走访")
    user = world.users[role]
    context = _context(user)
    panels = {p["id"]: p for p in context["panels"]}
    assert not any(p.get("missing") for p in panels.values())
    assert not panels["funnel"]["empty"] and not panels["services"]["empty"] and not panels["quota"]["empty"]
    client.force_login(user)
    links = _every_link(context)
    assert len(links) > 15
    for url in links:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "e=1" not in response.get("Location", ""), url
    funnel = dict(zip(_chart(context, "funnel")["data"][0]["y"], _chart(context, "funnel")["data"][0]["x"]))
    assert funnel["一、申请入党"] == 1 and funnel["二、入党积极分子的确定和培养教育"] == 0
