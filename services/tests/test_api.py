"""The services API as clerks, host-place organizations and partner systems use it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledgers.models import PartyMember
from organizations.roles import Role
from services.api.views import routes
from services.models import DuesPayment, OrgLifeRecord, RelationTransfer, ServiceCase
from services.tests.factories import everything

pytestmark = pytest.mark.django_db

ROUTES = [prefix for prefix, _ in routes]


@pytest.fixture
def data(sw):
    everything(sw)
    return sw


def as_user(api, user):
    api.force_authenticate(user)
    return api


def test_routes_are_the_contracts_names():
    assert ROUTES == ["liaisons", "service-cases", "trainings", "training-attendees", "job-fairs",
                      "employment-agreements", "campaigns", "video-lessons", "fundings", "org-life-records",
                      "dues-payments", "evaluations", "activist-inspections", "certificates", "transfers"]


@pytest.mark.parametrize("prefix", ROUTES)
def test_constant_queries_for_page_of_1_and_100(api, data, prefix):
    as_user(api, data.users[Role.COUNTY_STAFF])

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(f"/api/v1/{prefix}/", {"page_size": size})
            assert response.status_code == 200
        return len(ctx.captured_queries), response.json()

    small, first = count(1)
    large, full = count(100)
    assert full["count"] >= 4 and len(first["results"]) == 1 and len(full["results"]) == full["count"]
    assert small == large


@pytest.mark.parametrize("prefix", ROUTES)
def test_other_town_is_404_and_unit_filter(api, data, prefix):
    staff = as_user(api, data.users[Role.COUNTY_STAFF]).get(f"/api/v1/{prefix}/", {"unit": "610924101"}).json()
    ids_b = [row["id"] for row in staff["results"]]
    assert ids_b, prefix
    as_user(api, data.users[Role.TOWN_CLERK])
    mine = api.get(f"/api/v1/{prefix}/", {"page_size": 500}).json()
    assert mine["count"] > 0 and not {row["id"] for row in mine["results"]} & set(ids_b)
    assert api.get(f"/api/v1/{prefix}/{ids_b[0]}/").status_code == 404


def test_host_organization_sees_and_writes_only_the_people_it_co_manages(api, data):
    host = as_user(api, data.users[Role.HOST_ORGANIZATION])
    rows = host.get("/api/v1/org-life-records/").json()["results"]
    assert rows and {r["member_name"] for r in rows} == {"李四"}
    assert {r["member_name"] for r in host.get("/api/v1/evaluations/").json()["results"]} == {"李四"}
    assert host.get("/api/v1/service-cases/").status_code == 403
    created = host.post("/api/v1/org-life-records/", {
        "member": data.members["a"].pk, "held_on": "2025-10-01", "kind": "theme_day", "topic": "学习党章"},
        format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["host_organization"] == data.host_a.pk
    assert PartyMember.objects.get(pk=data.members["a"].pk).last_org_life_on == datetime.date(2025, 10, 1)
    other = host.post("/api/v1/org-life-records/", {
        "member": data.members["b"].pk, "held_on": "2025-10-01", "kind": "theme_day"}, format="json")
    assert other.status_code == 400 and "member" in other.json()
    forced = host.post("/api/v1/dues-payments/", {
        "member": data.members["a"].pk, "month": "2025-10-01", "amount": "2.00", "paid_on": "2025-10-02",
        "host_organization": data.host_b.pk}, format="json")
    assert forced.status_code == 400
    dues = host.post("/api/v1/dues-payments/", {
        "member": data.members["a"].pk, "month": "2025-10-01", "amount": "2.00", "paid_on": "2025-10-02"},
        format="json")
    assert dues.status_code == 201, dues.json()
    assert PartyMember.objects.get(pk=data.members["a"].pk).last_dues_paid_on == datetime.date(2025, 10, 2)
    evaluation = host.post("/api/v1/evaluations/", {
        "member": data.members["a"].pk, "year": 2026, "half": 1, "rating": "excellent", "opinion": "带头作用明显",
        "evaluated_on": "2026-06-30"}, format="json")
    assert evaluation.status_code == 201, evaluation.json()
    inspection = host.post("/api/v1/activist-inspections/", {
        "activist": data.activists["a"].pk, "inspected_on": "2025-10-01", "opinion": "培养期表现好",
        "conclusion": "recommend"}, format="json")
    assert inspection.status_code == 201, inspection.json()
    assert host.post("/api/v1/activist-inspections/", {
        "activist": data.activists["b"].pk, "inspected_on": "2025-10-01", "opinion": "x",
        "conclusion": "recommend"}, format="json").status_code == 400
    record = OrgLifeRecord.objects.filter(member=data.members["a"]).first()
    assert host.delete(f"/api/v1/org-life-records/{record.pk}/").status_code == 403  # add and view only


def test_deleting_org_life_through_the_api_updates_the_ledger(api, data):
    staff = as_user(api, data.users[Role.COUNTY_STAFF])
    response = staff.post("/api/v1/org-life-records/", {
        "member": data.members["b"].pk, "held_on": "2025-11-11", "kind": "party_lesson"}, format="json")
    assert response.status_code == 201, response.json()
    assert PartyMember.objects.get(pk=data.members["b"].pk).last_org_life_on == datetime.date(2025, 11, 11)
    assert staff.delete(f"/api/v1/org-life-records/{response.json()['id']}/").status_code == 204
    # back to the latest record that remains
    assert PartyMember.objects.get(pk=data.members["b"].pk).last_org_life_on == datetime.date(2025, 5, 1)


def test_clerk_records_a_liaison_and_cannot_use_another_town(api, data):
    clerk = as_user(api, data.users[Role.TOWN_CLERK])
    ok = clerk.post("/api/v1/liaisons/", {
        "town": "610924100", "host_organization": data.host_a.pk, "held_on": "2025-10-10", "channel": "video",
        "topics": ["member_development", "rights"], "summary": "研究流动党员发展和维权"}, format="json")
    assert ok.status_code == 201, ok.json()
    assert ok.json()["county"] == "610924" and ok.json()["topics"] == ["member_development", "rights"]
    bad = clerk.post("/api/v1/liaisons/", {
        "town": "610924101", "host_organization": data.host_b.pk, "held_on": "2025-10-10", "channel": "video",
        "topics": ["rights"], "summary": "x"}, format="json")
    assert bad.status_code == 400
    invalid = clerk.post("/api/v1/liaisons/", {
        "town": "610924100", "host_organization": data.host_a.pk, "held_on": "2025-10-10", "channel": "fax",
        "topics": ["gossip"], "summary": "x"}, format="json")
    assert invalid.status_code == 400 and {"channel", "topics"} <= set(invalid.json())
    unknown = clerk.post("/api/v1/liaisons/", {
        "town": "610924100", "host_organization": data.host_a.pk, "held_on": "2025-10-10", "channel": "video",
        "topics": ["rights"], "summary": "x", "county": "610925"}, format="json")
    assert unknown.status_code == 400 and "county" in unknown.json()
    topic = clerk.get("/api/v1/liaisons/", {"topic": "rights"}).json()
    assert [r["id"] for r in topic["results"]] == [ok.json()["id"]]


def test_service_case_lifecycle_through_the_api(api, data):
    clerk = as_user(api, data.users[Role.TOWN_CLERK])
    created = clerk.post("/api/v1/service-cases/", {
        "title": "工地欠薪", "kind": "wage_recovery", "channel": "hotline_4411111",
        "worker": data.workers["a2"].pk, "amount_claimed": "23000.00", "status": "resolved"}, format="json")
    assert created.status_code == 400 and "status" in created.json()  # status moves only by transition
    created = clerk.post("/api/v1/service-cases/", {
        "title": "工地欠薪", "kind": "wage_recovery", "channel": "hotline_4411111",
        "worker": data.workers["a2"].pk, "amount_claimed": "23000.00"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "received" and body["village"] == "610924100202" and body["handler_name"] == "clerk_a"
    url = f"/api/v1/service-cases/{body['id']}/transition/"
    assert clerk.post(url, {"status": "resolved"}, format="json").status_code == 400
    done = clerk.post(url, {"status": "resolved", "amount_recovered": "23000.00", "note": "全额追回"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "resolved" and [e["status"] for e in done.json()["events"]] == [
        "received", "resolved"]
    assert as_user(api, data.clerk_b).post(url, {"status": "in_progress"}, format="json").status_code == 404
    liaison = as_user(api, data.users[Role.VILLAGE_LIAISON])
    assert liaison.post(url, {"status": "in_progress"}, format="json").status_code == 403
    assert ServiceCase.objects.get(pk=body["id"]).status == "resolved"


def test_trainings_attendees_and_secretaries(api, data):
    staff = as_user(api, data.users[Role.COUNTY_STAFF])
    training = staff.post("/api/v1/trainings/", {
        "title": "2025年驻外党组织书记培训班", "kind": "outpost_secretary", "held_on": "2025-10-20", "county": "610924",
        "hours": "24.0"}, format="json")
    assert training.status_code == 201, training.json()
    attendee = staff.post("/api/v1/training-attendees/", {
        "training": training.json()["id"], "organization": data.outpost_a.pk, "name": "王书记",
        "certificate_no": "ZW2025-001"}, format="json")
    assert attendee.status_code == 201, attendee.json()
    assert attendee.json()["town"] == "610924100"
    again = staff.post("/api/v1/training-attendees/", {
        "training": training.json()["id"], "organization": data.outpost_a.pk, "name": "王书记"}, format="json")
    assert again.status_code == 400 and "organization" in again.json()
    secretary = as_user(api, data.users[Role.OUTPOST_SECRETARY])
    rows = secretary.get("/api/v1/training-attendees/").json()["results"]
    assert [r["name"] for r in rows] == ["王书记"]


def test_video_lesson_counts_named_attendees(api, data):
    clerk = as_user(api, data.users[Role.TOWN_CLERK])
    response = clerk.post("/api/v1/video-lessons/", {
        "title": "学习党章", "held_on": "2025-07-01", "town": "610924100", "attendance_count": 0,
        "attendees": [data.members["a"].pk]}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["attendance_count"] == 1 and response.json()["county"] == "610924"
    foreign = clerk.post("/api/v1/video-lessons/", {
        "title": "学习党章", "held_on": "2025-07-01", "town": "610924100", "attendees": [data.members["b"].pk]},
        format="json")
    assert foreign.status_code == 400


def test_employment_campaign_and_funding(api, data):
    clerk = as_user(api, data.users[Role.TOWN_CLERK])
    agreement = clerk.post("/api/v1/employment-agreements/", {
        "enterprise": data.enterprise_a.credit_code, "village": "610924100201", "signed_on": "2025-03-01",
        "positions": 40, "workers_placed": 41}, format="json")
    assert agreement.status_code == 400 and "workers_placed" in agreement.json()
    agreement = clerk.post("/api/v1/employment-agreements/", {
        "enterprise": data.enterprise_a.credit_code, "village": "610924100201", "signed_on": "2025-03-01",
        "positions": 40, "workers_placed": 12}, format="json")
    assert agreement.status_code == 201, agreement.json()
    assert agreement.json()["town"] == "610924100"
    campaign = clerk.post("/api/v1/campaigns/", {
        "festival": "mid_autumn", "year": 2025, "title": "中秋返乡走访", "village": "610924100202",
        "held_from": "2025-09-28", "activities": ["forum", "visit"], "people_reached": 86}, format="json")
    assert campaign.status_code == 201, campaign.json()
    funding = clerk.post("/api/v1/fundings/", {
        "organization": data.outpost_a.pk, "year": 2025, "amount": "10000.00", "source": "retained_dues",
        "purpose": "活动经费"}, format="json")
    assert funding.status_code == 201, funding.json()
    assert funding.json()["town"] == "610924100"


def test_certificates_and_transfers(api, data, django_capture_on_commit_callbacks):
    clerk = as_user(api, data.users[Role.TOWN_CLERK])
    member = data.members["a"]
    response = clerk.post("/api/v1/certificates/", {"member": member.pk, "number": "SX-610924-2025-9",
                                                    "issued_on": "2025-03-01"}, format="json")
    assert response.status_code == 400 and "member" in response.json()  # SX-a-1 is still valid
    valid = data.members["a"].certificates.get(revoked=False)
    revoke = clerk.post(f"/api/v1/certificates/{valid.pk}/revoke/", {"reason": "换发新证"}, format="json")
    assert revoke.status_code == 200 and revoke.json()["revoked"] is True
    response = clerk.post("/api/v1/certificates/", {"member": member.pk, "number": "SX-610924-2025-9",
                                                    "issued_on": "2025-03-01"}, format="json")
    assert response.status_code == 201, response.json()
    assert PartyMember.objects.get(pk=member.pk).certificate_no == "SX-610924-2025-9"

    RelationTransfer.objects.filter(member=member, status="requested").update(status="cancelled")
    with django_capture_on_commit_callbacks(execute=True):
        transfer = clerk.post("/api/v1/transfers/", {"member": member.pk, "to_organization": data.org_b.pk,
                                                     "reason": "长期在本县蒿坪镇务工"}, format="json")
    assert transfer.status_code == 201, transfer.json()
    url = f"/api/v1/transfers/{transfer.json()['id']}/decide/"
    assert clerk.post(url, {"status": "accepted"}, format="json").status_code == 400  # sending side
    receiving = as_user(api, data.clerk_b)
    assert receiving.get(f"/api/v1/transfers/{transfer.json()['id']}/").status_code == 200
    accepted = receiving.post(url, {"status": "accepted", "note": "已接收"}, format="json")
    assert accepted.status_code == 200, accepted.json()
    assert [e["status"] for e in accepted.json()["events"]] == ["requested", "accepted"]
    assert PartyMember.objects.get(pk=member.pk).home_organization_id == data.org_b.pk
    patch = receiving.patch(f"/api/v1/transfers/{transfer.json()['id']}/", {"reason": "x"}, format="json",
                            HTTP_IF_MATCH=accepted["ETag"] if accepted.has_header("ETag") else "*")
    assert patch.status_code in (400, 412)


@pytest.mark.parametrize("role", [Role.VILLAGE_LIAISON, Role.PARTNER])
def test_read_only_roles(api, data, role):
    user = as_user(api, data.users[role])
    assert user.get("/api/v1/service-cases/").status_code == 200
    response = user.post("/api/v1/liaisons/", {"town": "610924100", "host_organization": data.host_a.pk,
                                               "held_on": "2025-10-10", "channel": "video", "topics": ["rights"],
                                               "summary": "x"}, format="json")
    assert response.status_code == 403


def test_dues_once_per_month_is_a_clear_error(api, data):
    staff = as_user(api, data.users[Role.COUNTY_STAFF])
    existing = DuesPayment.objects.filter(member=data.members["a"]).first()
    response = staff.post("/api/v1/dues-payments/", {
        "member": data.members["a"].pk, "month": existing.month.isoformat(), "amount": "2.00",
        "paid_on": "2025-10-02"}, format="json")
    assert response.status_code == 400 and "已登记" in response.json()["month"][0]
