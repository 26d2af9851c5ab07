"""The admin pages clerks use: open a case and record steps through the workflow (refusals shown on the form),
undo only the last step, close with a reason, edit the county's time limits and rules."""

import datetime

import pytest

from organizations.roles import Role
from talent.models import DevelopmentCase, DevelopmentStep, QuotaRule, StepParticipant, TimeLimit
from talent.tests.helpers import open_case, walk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
D = datetime.date


@pytest.fixture
def clerk(client, w):
    client.force_login(w.users[Role.TOWN_CLERK])
    return client


def test_open_a_case_in_the_admin(clerk, w):
    response = clerk.post("/admin/talent/developmentcase/add/", {
        "activist": w.activists["a"].pk, "application_date": "2023-03-01", "organization": w.org_a.pk,
        "is_mobile": "on", "notes": "", "opinion": "受理"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    case = DevelopmentCase.objects.get()
    assert (case.current_step, case.committee, case.created_by) == (1, w.committee_a, w.users[Role.TOWN_CLERK])
    again = clerk.post("/admin/talent/developmentcase/add/", {
        "activist": w.activists["a"].pk, "application_date": "2023-04-01", "organization": w.org_a.pk})
    assert again.status_code == 200 and "已有进行中的发展党员案卷" in again.content.decode()


def test_case_page_links_the_next_step_and_shows_deadlines(clerk, w):
    case = open_case(w, applied_on=D(2027, 5, 20))
    page = clerk.get(f"/admin/talent/developmentcase/{case.pk}/change/").content.decode()
    assert f"/admin/talent/developmentstep/add/?case={case.pk}&amp;step=2" in page
    assert "收到入党申请书后一个月内谈话：2027-06-20" in page


def test_record_a_step_refusal_on_the_form(clerk, w):
    case = open_case(w)
    assert clerk.get(f"/admin/talent/developmentstep/add/?case={case.pk}&step=2").status_code == 200
    late = clerk.post("/admin/talent/developmentstep/add/", {"case": case.pk, "step": 2, "done_on": "2023-04-02"})
    assert late.status_code == 200 and "发展党员工作细则第七条" in late.content.decode()
    ok = clerk.post("/admin/talent/developmentstep/add/", {"case": case.pk, "step": 2, "done_on": "2023-03-25",
                                                           "opinion": "已谈话"})
    assert ok.status_code == 302
    assert DevelopmentCase.objects.get(pk=case.pk).talked_on == D(2023, 3, 25)


def test_record_contacts_by_ledger_and_by_name(clerk, w):
    case = open_case(w)
    walk(w, case, until=5)
    response = clerk.post("/admin/talent/developmentstep/add/", {
        "case": case.pk, "step": 5, "done_on": "2023-05-25", "people": [w.members["a"].pk],
        "people_names": "外单位党员甲、外单位党员乙"})
    assert response.status_code == 200 and "一至两名" in response.content.decode()
    response = clerk.post("/admin/talent/developmentstep/add/", {
        "case": case.pk, "step": 5, "done_on": "2023-05-25", "people": [w.members["a"].pk],
        "people_names": "外单位党员甲"})
    assert response.status_code == 302
    assert list(StepParticipant.objects.values_list("name", flat=True)) == ["李四", "外单位党员甲"]
    assert "李四、外单位党员甲" == case.activist.__class__.objects.get(pk=case.activist_id).cultivation_contacts


def test_only_the_last_step_can_be_undone_with_a_reason(client, w):
    case = open_case(w)
    walk(w, case, until=4)
    earlier, last = case.steps.get(step=2), case.steps.get(step=3)
    client.force_login(w.users[Role.TOWN_CLERK])
    assert client.get(f"/admin/talent/developmentstep/{last.pk}/undo/").status_code == 403
    assert client.post(f"/admin/talent/developmentstep/{last.pk}/delete/", {"post": "yes"}).status_code == 403
    client.force_login(w.users[Role.COUNTY_STAFF])
    page = client.get(f"/admin/talent/developmentcase/{case.pk}/change/").content.decode()
    assert f"/admin/talent/developmentstep/{last.pk}/undo/" in page
    refused = client.post(f"/admin/talent/developmentstep/{earlier.pk}/undo/", {"reason": "录错"})
    assert refused.status_code == 200 and "只能撤销最后记录的步骤" in refused.content.decode()
    assert client.post(f"/admin/talent/developmentstep/{last.pk}/undo/", {"reason": ""}).status_code == 200
    assert client.post(f"/admin/talent/developmentstep/{last.pk}/undo/", {"reason": "日期录错"}).status_code == 302
    assert not DevelopmentStep.objects.filter(pk=last.pk).exists()
    assert DevelopmentCase.objects.get(pk=case.pk).current_step == 2


def test_close_a_case_with_a_reason(clerk, w):
    case = open_case(w)
    assert clerk.post(f"/admin/talent/developmentcase/{case.pk}/close/", {"reason": ""}).status_code == 200
    response = clerk.post(f"/admin/talent/developmentcase/{case.pk}/close/", {"reason": "外出务工，本人撤回申请"})
    assert response.status_code == 302
    assert DevelopmentCase.objects.get(pk=case.pk).status == "stopped"


def test_changelists_of_every_talent_model(client, w):
    open_case(w)
    client.force_login(w.users[Role.COUNTY_STAFF])
    for model in ("developmentcase", "developmentstep", "talent", "reservecadre", "returneeventure", "appointment",
                  "nomination", "award", "branchcommittee", "quotarule", "quotaresult", "timelimit",
                  "publicholiday", "workdayadjustment"):
        assert client.get(f"/admin/talent/{model}/").status_code == 200, model


def test_time_limits_edited_by_county_staff_not_by_clerks(client, w):
    limit = TimeLimit.objects.get(code="notice_min")
    client.force_login(w.users[Role.TOWN_CLERK])
    assert client.post(f"/admin/talent/timelimit/{limit.pk}/change/", {}).status_code == 403
    client.force_login(w.users[Role.COUNTY_STAFF])
    data = {"label": limit.label, "value": 7, "unit": limit.unit, "source": limit.source, "is_local": "on",
            "loaded_version": limit.version}
    assert client.post(f"/admin/talent/timelimit/{limit.pk}/change/", data).status_code == 302
    assert TimeLimit.objects.get(pk=limit.pk).value == 7
    assert client.get("/admin/talent/timelimit/add/").status_code == 403


def test_quota_rules_changed_by_county_admin_only(client, w):
    rule = QuotaRule.objects.get(code="county-joint-meetings")
    data = {"code": rule.code, "name": rule.name, "subject": rule.subject, "metric": rule.metric,
            "comparison": "gte", "threshold": "3", "period": rule.period, "anchor_year": 2020, "source": rule.source,
            "active": "on"}
    client.force_login(w.users[Role.COUNTY_STAFF])
    assert client.post(f"/admin/talent/quotarule/{rule.pk}/change/", data).status_code == 403
    client.force_login(w.users[Role.COUNTY_ADMIN])
    assert client.post(f"/admin/talent/quotarule/{rule.pk}/change/", data).status_code == 302
    assert QuotaRule.objects.get(pk=rule.pk).threshold == 3
