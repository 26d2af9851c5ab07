"""The talent API as a partner system and a clerk use it: cases and steps through the workflow, the pipeline
records, quota rules and results; scoping, refusals as 400 with the rule's reason, constant query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.roles import Role
from talent import workflows
from talent.models import Appointment, DevelopmentCase, ReserveCadre, ReturneeVenture, Talent
from talent.tests.helpers import born_id, open_case, walk
from tests.factories import worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
D = datetime.date


def login(api, user):
    api.force_authenticate(user)
    return api


def talent_in(village, name="人才", returnee=True):
    person = worker(village.town, village, name=name, id_number=born_id(D(1990, 6, 1)))
    return Talent.objects.create(worker=person, village=village, is_returnee=returnee, education="senior")


def test_open_a_case_and_record_steps(api, w):
    clerk = login(api, w.users[Role.TOWN_CLERK])
    response = clerk.post("/api/v1/development-cases/", {"activist": w.activists["a"].pk, "applied_on": "2023-03-01",
                                                        "organization": w.org_a.pk}, format="json")
    assert response.status_code == 201, response.json()
    case = response.json()
    assert (case["current_step"], case["committee"], case["town"]) == (1, w.committee_a.pk, "610924100")
    assert case["due"][0]["code"] == "talk" and case["steps"][0]["step_label"] == "① 递交入党申请书"
    late = clerk.post("/api/v1/development-steps/", {"case": case["id"], "step": 2, "done_on": "2023-04-02"},
                      format="json")
    assert late.status_code == 400 and "第七条" in late.json()["done_on"][0]
    ok = clerk.post("/api/v1/development-steps/", {"case": case["id"], "step": 2, "done_on": "2023-03-20",
                                                   "opinion": "谈话"}, format="json")
    assert ok.status_code == 201 and ok.json()["step"] == 2
    workflows.development_step_record(case=DevelopmentCase.objects.get(pk=case["id"]), step=3, user=None,
                                      done_on=D(2023, 5, 10), nomination="member")
    workflows.development_step_record(case=DevelopmentCase.objects.get(pk=case["id"]), step=4, user=None,
                                      done_on=D(2023, 5, 20))
    contacts = clerk.post("/api/v1/development-steps/", {
        "case": case["id"], "step": 5, "done_on": "2023-05-25",
        "participants": [{"role": "contact", "member": w.members["a"].pk},
                         {"role": "contact", "name": "外单位党员", "is_full_member": True}]}, format="json")
    assert contacts.status_code == 201, contacts.json()
    assert [p["name"] for p in contacts.json()["participants"]] == ["李四", "外单位党员"]


def test_step_refusals_are_field_errors_and_unknown_fields_refused(api, w):
    case = open_case(w)
    clerk = login(api, w.users[Role.TOWN_CLERK])
    response = clerk.post("/api/v1/development-steps/", {"case": case.pk, "step": 3, "done_on": "2023-05-10"},
                          format="json")
    assert response.status_code == 400 and "应先办理" in response.json()["step"][0]
    response = clerk.post("/api/v1/development-steps/", {"case": case.pk, "step": 2, "done_on": "2023-03-20",
                                                         "colour": "red"}, format="json")
    assert response.status_code == 400 and "colour" in response.json()


def test_other_town_case_is_404_and_cannot_be_stepped(api, w):
    case = open_case(w, activist=w.activists["b"], organization=w.org_b)
    clerk = login(api, w.users[Role.TOWN_CLERK])
    assert clerk.get(f"/api/v1/development-cases/{case.pk}/").status_code == 404
    response = clerk.post("/api/v1/development-steps/", {"case": case.pk, "step": 2, "done_on": "2023-03-20"},
                          format="json")
    assert response.status_code == 400 and "case" in response.json()
    response = clerk.post("/api/v1/development-cases/", {"activist": w.activists["b"].pk, "applied_on": "2023-03-01",
                                                        "organization": w.org_b.pk}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"activist", "organization"}


def test_host_organization_reads_its_people_and_records_inspections(api, w):
    mine = open_case(w, host_organization=w.host_a)
    walk(w, mine, until=6)
    open_case(w, activist=w.activists["b"], organization=w.org_b)
    host = login(api, w.users[Role.HOST_ORGANIZATION])
    assert [c["id"] for c in host.get("/api/v1/development-cases/").json()["results"]] == [mine.pk]
    ok = host.post("/api/v1/development-steps/", {"case": mine.pk, "step": 6, "done_on": "2023-08-05",
                                                  "opinion": "流入地考察：表现良好"}, format="json")
    assert ok.status_code == 201 and ok.json()["host_organization"] == w.host_a.pk
    refused = host.post("/api/v1/development-steps/", {"case": mine.pk, "step": 7, "done_on": "2024-05-10"},
                        format="json")
    assert refused.status_code == 403
    assert host.post("/api/v1/development-cases/", {}, format="json").status_code == 403


def test_transfer_needs_if_match_and_close(api, w):
    case = open_case(w)
    clerk = login(api, w.users[Role.TOWN_CLERK])
    url = f"/api/v1/development-cases/{case.pk}/"
    etag = clerk.get(url)["ETag"]
    assert clerk.patch(url, {"notes": "x"}, format="json").status_code == 428
    moved = clerk.patch(url, {"cultivating_organization": w.outpost_a.pk, "host_organization": w.host_a.pk},
                        format="json", HTTP_IF_MATCH=etag)
    assert moved.status_code == 200 and moved.json()["is_co_managed"]
    assert clerk.patch(url, {"notes": "y"}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    closed = clerk.post(f"{url}close/", {"reason": "本人撤回申请"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "stopped"
    assert login(api, w.users[Role.COUNTY_ADMIN]).delete(url).status_code == 403  # closed, never deleted
    fixed = clerk.patch(url, {"applied_on": "2023-03-02"}, format="json", HTTP_IF_MATCH=closed["ETag"])
    assert fixed.status_code == 400 and "受理后不能修改" in fixed.json()["applied_on"][0]


def test_undo_last_step_needs_the_undo_permission_and_a_reason(api, w):
    case = open_case(w)
    walk(w, case, until=3)
    step = case.steps.get(step=2)
    clerk = login(api, w.users[Role.TOWN_CLERK])
    assert clerk.post(f"/api/v1/development-steps/{step.pk}/undo/", {"reason": "x"}, format="json").status_code == 403
    assert clerk.delete(f"/api/v1/development-steps/{step.pk}/").status_code == 403
    staff = login(api, w.users[Role.COUNTY_STAFF])
    assert staff.post(f"/api/v1/development-steps/{step.pk}/undo/", {}, format="json").status_code == 400
    done = staff.post(f"/api/v1/development-steps/{step.pk}/undo/", {"reason": "日期录错"}, format="json")
    assert done.status_code == 204
    assert DevelopmentCase.objects.get(pk=case.pk).current_step == 1


def test_posting_a_steps_own_shape_records_it(api, w):
    """A step's representation is what a client posts: reading and writing share one shape."""
    case = open_case(w)
    walk(w, case, until=3)
    clerk = login(api, w.users[Role.TOWN_CLERK])
    shape = clerk.get(f"/api/v1/development-steps/{case.steps.get(step=2).pk}/").json()
    payload = {k: v for k, v in shape.items() if k not in ("id", "step_label", "facts", "created_at", "updated_at",
                                                           "version")}
    payload.update(step=3, done_on="2023-05-10", nomination="member")
    response = clerk.post("/api/v1/development-steps/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["nomination"] == "member"


def test_pipeline_records_and_stage_sync(api, w):
    clerk = login(api, w.users[Role.TOWN_CLERK])
    person = worker(w.town_a, w.village_a, name="返乡人", id_number=born_id(D(1980, 1, 1)))
    created = clerk.post("/api/v1/talents/", {"worker": person.pk, "education": "junior", "skills": "茶叶加工",
                                              "is_returnee": True, "returned_on": "2024-03-01"}, format="json")
    assert created.status_code == 201, created.json()
    talent = created.json()
    assert (talent["village"], talent["name"], talent["stage"]) == ("610924100201", "返乡人", "attracted")
    reserve = clerk.post("/api/v1/reserve-cadres/", {"talent": talent["id"], "year": 2025,
                                                     "selected_on": "2025-03-01"}, format="json")
    assert reserve.status_code == 201, reserve.json()
    body = reserve.json()
    assert body["is_returning_worker"] and body["age"] == 45
    assert body["profile_warnings"] == ["年龄45岁，超过“35岁左右”的培养条件", "学历为初中，低于高中、中专、技校"]
    appointed = clerk.post("/api/v1/appointments/", {"talent": talent["id"], "kind": "committee_member",
                                                     "post": "村委会委员", "start_on": "2026-11-01"}, format="json")
    assert appointed.status_code == 201
    assert Talent.objects.get(pk=talent["id"]).stage == "village_cadre"
    venture = clerk.post("/api/v1/ventures/", {"kind": "cooperative", "name": "东河茶叶专业合作社",
                                               "founder": talent["id"], "village": "610924100201",
                                               "founded_on": "2024-05-01", "jobs_created": 12,
                                               "loans_amount": 200000, "subsidies_amount": 30000}, format="json")
    assert venture.status_code == 201 and venture.json()["town"] == "610924100"
    nominated = clerk.post("/api/v1/nominations/", {"talent": talent["id"], "kind": "peoples_congress",
                                                    "level": "county", "year": 2026}, format="json")
    assert nominated.status_code == 201
    award = clerk.post("/api/v1/awards/", {"talent": talent["id"], "kind": "pioneer", "title": "2025年度创业先锋",
                                           "level": "county", "awarded_on": "2025-12-20"}, format="json")
    assert award.status_code == 201
    assert clerk.get("/api/v1/talents/", {"venture_kind": "cooperative"}).json()["count"] == 1
    assert clerk.get("/api/v1/talents/", {"venture_kind": "enterprise"}).json()["count"] == 0


def test_pipeline_refuses_other_towns_talent(api, w):
    theirs = talent_in(w.village_b)
    clerk = login(api, w.users[Role.TOWN_CLERK])
    response = clerk.post("/api/v1/reserve-cadres/", {"talent": theirs.pk, "year": 2025, "selected_on": "2025-03-01"},
                          format="json")
    assert response.status_code == 400 and "talent" in response.json()
    response = clerk.post("/api/v1/ventures/", {"kind": "enterprise", "name": "x", "village": "610924101201",
                                                "founded_on": "2024-01-01"}, format="json")
    assert response.status_code == 400 and "管辖范围" in response.json()["village"][0]


def test_village_liaison_reads_only(api, w):
    talent_in(w.village_a)
    talent_in(w.village_a2, name="邻村")
    liaison = login(api, w.users[Role.VILLAGE_LIAISON])
    assert [t["name"] for t in liaison.get("/api/v1/talents/").json()["results"]] == ["人才"]
    assert liaison.post("/api/v1/talents/", {}, format="json").status_code == 403


def test_quota_results_scoped(api, w):
    workflows.quota_evaluate(on=D(2026, 1, 10), rule_codes=["village-reserve-cadres"], notify=False)
    clerk = login(api, w.users[Role.TOWN_CLERK])
    rows = clerk.get("/api/v1/quota-results/", {"on": "2025-06-01"}).json()["results"]
    assert {r["subject_label"] for r in rows} == {"城关镇东河村", "城关镇西坝村"}
    assert all(r["status"] == "short" and r["rule"] == "village-reserve-cadres" for r in rows)


@pytest.mark.parametrize("url", ["/api/v1/development-cases/", "/api/v1/development-steps/", "/api/v1/talents/",
                                 "/api/v1/reserve-cadres/", "/api/v1/ventures/", "/api/v1/appointments/",
                                 "/api/v1/quota-results/"])
def test_constant_queries_for_page_of_1_and_many(api, w, url):
    for i in range(3):
        person = worker(w.town_a, w.village_a, name=f"批{i}", id_number=born_id(D(1991, 1, 1)))
        case = workflows.development_case_open(user=None, worker=person, applied_on=D(2023, 3, 1),
                                               organization=w.org_a)
        walk(w, case, until=7)
        talent = Talent.objects.create(worker=person, village=w.village_a, is_returnee=True)
        ReserveCadre.objects.create(talent=talent, year=2025, selected_on=D(2025, 2, 1))
        ReturneeVenture.objects.create(kind="enterprise", name=f"企业{i}", founder=talent, village=w.village_a,
                                       founded_on=D(2024, 1, 1))
        Appointment.objects.create(talent=talent, kind="assistant", start_on=D(2025, 1, 1))
    workflows.quota_evaluate(on=D(2026, 1, 10), notify=False)
    login(api, w.users[Role.COUNTY_STAFF])

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(url, {"page_size": size})
            assert response.status_code == 200
        assert response.json()["count"] >= 3
        return len(ctx.captured_queries)

    assert count(1) == count(100)
