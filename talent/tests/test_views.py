"""The talent pages: the talent pool, the compliance grid with its re-evaluation button, a result's evidence."""

import datetime

import pytest

from organizations.roles import Role
from talent import workflows
from talent.models import QuotaResult, ReserveCadre, ReturneeVenture, Talent
from talent.tests.helpers import born_id
from tests.factories import worker
from zyparty.models import BackgroundJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
D = datetime.date


@pytest.fixture
def pool(w):
    people = {}
    for village, name, skills, returnee in ((w.village_a, "茶农甲", "茶叶加工", True), (w.village_a2, "电商乙", "电子商务", False),
                                             (w.village_b, "厨师丙", "特色烹饪", True)):
        person = worker(village.town, village, name=name, id_number=born_id(D(1990, 1, 1)))
        people[name] = Talent.objects.create(worker=person, village=village, skills=skills, is_returnee=returnee)
    ReturneeVenture.objects.create(kind="cooperative", name="东河茶叶合作社", founder=people["茶农甲"],
                                   village=w.village_a, founded_on=D(2024, 1, 1))
    ReserveCadre.objects.create(talent=people["茶农甲"], year=2027, selected_on=D(2027, 3, 1))
    return people


def names(response):
    return [t.name for t in response.context["page"]]


def test_pool_is_scoped_and_filtered(client, w, pool):
    client.force_login(w.users[Role.TOWN_CLERK])
    assert sorted(names(client.get("/talent/pool/"))) == ["电商乙", "茶农甲"]
    assert names(client.get("/talent/pool/", {"skills": "电子"})) == ["电商乙"]
    assert names(client.get("/talent/pool/", {"village": "610924100201"})) == ["茶农甲"]
    assert names(client.get("/talent/pool/", {"venture_kind": "cooperative"})) == ["茶农甲"]
    assert names(client.get("/talent/pool/", {"is_returnee": "false"})) == ["电商乙"]
    page = client.get("/talent/pool/", {"search": "cn"}).content.decode()
    assert "茶农甲" in page and "农村经济合作社" in page and "电商乙" not in page
    client.force_login(w.users[Role.COUNTY_STAFF])
    assert len(names(client.get("/talent/pool/"))) == 3


def test_pool_paginates(client, w):
    for i in range(53):
        person = worker(w.town_a, w.village_a, name=f"人{i}", id_number=born_id(D(1990, 1, 1)))
        Talent.objects.create(worker=person, village=w.village_a)
    client.force_login(w.users[Role.TOWN_CLERK])
    first, second = client.get("/talent/pool/"), client.get("/talent/pool/", {"page": 2})
    assert len(first.context["page"]) == 50 and len(second.context["page"]) == 3


def test_pool_needs_the_permission(client, w):
    client.force_login(w.users[Role.AUDITOR])
    assert client.get("/talent/pool/").status_code in (302, 403)
    client.logout()
    assert client.get("/talent/pool/").status_code == 302


def test_compliance_by_town_for_the_county_and_by_village_for_a_clerk(client, w, pool):
    workflows.quota_evaluate(on=D(2027, 6, 1), notify=False)
    client.force_login(w.users[Role.COUNTY_STAFF])
    page = client.get("/talent/compliance/")
    grid = page.context["grids"][0]
    assert [row.label for row in grid.rows] == ["城关镇", "蒿坪镇"]
    column = [r.code for r in grid.rules].index("village-reserve-cadres")
    assert (grid.rows[0].cells[column].status, grid.rows[0].cells[column].value) == ("short", "0/2")
    town_column = [r.code for r in grid.rules].index("town-outpost-branch")
    assert [row.cells[town_column].status for row in grid.rows] == ["met", "short"]
    assert "联席会议每年至少召开两次" in page.content.decode()
    assert page.context["can_evaluate"]
    client.force_login(w.users[Role.TOWN_CLERK])
    page = client.get("/talent/compliance/")
    assert page.context["town"] == w.town_a and not page.context["can_evaluate"]
    villages = page.context["grids"][0]
    assert [row.label for row in villages.rows] == ["东河村", "西坝村"]
    assert "金石村" not in page.content.decode()
    assert client.get("/talent/compliance/", {"town": "610924101"}).context["town"] == w.town_a  # not theirs


def test_result_shows_evidence_through_the_scoping_layer(client, w, pool):
    workflows.quota_evaluate(on=D(2027, 6, 1), notify=False)
    result = QuotaResult.objects.get(rule__code="village-reserve-cadres", subject_id=w.village_a.pk,
                                     period_start=D(2027, 1, 1))
    client.force_login(w.users[Role.TOWN_CLERK])
    page = client.get(f"/talent/compliance/result/{result.pk}/").content.decode()
    assert "2027年" in page and "2027 茶农甲" in page and "/admin/talent/reservecadre/" in page
    client.force_login(w.clerk_b)
    assert client.get(f"/talent/compliance/result/{result.pk}/").status_code == 404


def test_reevaluate_button_enqueues_and_tracks_the_job(client, w, pool, django_capture_on_commit_callbacks):
    client.force_login(w.users[Role.COUNTY_STAFF])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/talent/compliance/evaluate/")
    job = BackgroundJob.objects.get(kind="quota_evaluation")
    assert response.status_code == 302 and response["Location"] == f"/talent/compliance/?job={job.pk}"
    assert job.status == "done" and job.created_by == w.users[Role.COUNTY_STAFF]
    progress = client.get(f"/talent/jobs/{job.pk}/").json()
    assert progress["finished"] and progress["percent"] == 100 and progress["total"] == progress["done"]
    assert QuotaResult.objects.exists()
    page = client.get(f"/talent/compliance/?job={job.pk}").content.decode()
    assert "talent/progress.js" in page and 'data-finished="1"' in page
    client.force_login(w.users[Role.TOWN_CLERK])
    assert client.post("/talent/compliance/evaluate/").status_code == 403
    assert client.get(f"/talent/jobs/{job.pk}/").status_code == 404


def test_no_second_evaluation_while_one_runs(client, w):
    BackgroundJob.objects.create(kind="quota_evaluation", status="running")
    client.force_login(w.users[Role.COUNTY_ADMIN])
    client.post("/talent/compliance/evaluate/")
    assert BackgroundJob.objects.filter(kind="quota_evaluation").count() == 1


def test_outpost_secretary_sees_its_branch(client, w):
    workflows.quota_evaluate(on=D(2027, 6, 1), notify=False)
    client.force_login(w.users[Role.OUTPOST_SECRETARY])
    page = client.get("/talent/compliance/")
    assert [g.title for g in page.context["grids"]][0] == "驻外党组织"
    assert [row.label for row in page.context["grids"][0].rows] == ["城关镇驻杭州流动党员党支部"]
