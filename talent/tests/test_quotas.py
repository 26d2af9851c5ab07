"""Quota rules as data: every seeded rule's metric, the stored results, notices, and metrics that are missing."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledgers.models import Activist
from organizations.models import JointMeeting, PartyOrganization, Unit
from organizations.roles import Role
from talent import workflows
from talent.models import BranchCommittee, QuotaResult, QuotaRule, ReserveCadre, Talent
from talent.tests.helpers import born_id, open_case, walk
from tests.factories import activist, member, worker
from zyparty import quotas
from zyparty.models import Notice
from zyparty.quotas import Measure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
D = datetime.date


def results(code, **filters):
    return {r.subject_id: r for r in QuotaResult.objects.filter(rule__code=code, **filters)}


def reserve(w, village, year=2025, returnee=False, n=[0]):
    n[0] += 1
    person = worker(village.town, village, name=f"后备{n[0]}", id_number=born_id(D(1992, 1, 1)))
    talent = Talent.objects.create(worker=person, village=village, is_returnee=returnee, education="senior")
    return ReserveCadre.objects.create(talent=talent, year=year, selected_on=D(year, 3, 1),
                                       is_returning_worker=returnee)


def evaluate(*codes, on=D(2026, 1, 10), notify=True):
    return workflows.quota_evaluate(on=on, rule_codes=list(codes) or None, notify=notify)


def test_village_reserve_cadres_with_a_returnee(w):
    """seed 000 §18: ≥3 a year, ≥1 returning worker."""
    for i in range(3):
        reserve(w, w.village_a, returnee=(i == 0))
    reserve(w, w.village_a2)
    reserve(w, w.village_a2)
    evaluate("village-reserve-cadres", "village-returnee-reserve")
    count = results("village-reserve-cadres", period_start=D(2025, 1, 1))
    assert (count[w.village_a.pk].status, count[w.village_a.pk].value) == ("met", 3)
    assert (count[w.village_a2.pk].status, count[w.village_a2.pk].value) == ("short", 2)
    assert len(count[w.village_a.pk].evidence) == 3 and count[w.village_a.pk].evidence[0][0] == "talent.reservecadre"
    returnees = results("village-returnee-reserve", period_start=D(2025, 1, 1))
    assert (returnees[w.village_a.pk].status, returnees[w.village_a2.pk].status) == ("met", "short")
    current = results("village-reserve-cadres", period_start=D(2026, 1, 1))
    assert current[w.village_a.pk].value == 0 and current[w.village_a.pk].town_id == w.town_a.pk


def test_village_develops_a_migrant_member_every_two_years(w):
    """seed 000 §19: the 2024–2025 period counts members who joined in it, by home village."""
    member(w.town_a, w.village_a, w.org_a, name="新党员", joined_on=D(2024, 6, 1), full_member_on=D(2025, 6, 1))
    evaluate("village-migrant-members")
    got = results("village-migrant-members", period_start=D(2024, 1, 1))
    assert (got[w.village_a.pk].status, got[w.village_a2.pk].status) == ("met", "short")
    assert got[w.village_a.pk].period_end == D(2025, 12, 31)
    assert set(results("village-migrant-members", period_start=D(2026, 1, 1))) == {w.village_a.pk, w.village_a2.pk,
                                                                                   w.village_b.pk}


def test_outpost_activists_and_admissions(w):
    """seed 002 §4.4: ≥2 activists and ≥1 admission a year per outpost branch."""
    for name in ("甲", "乙"):
        activist(w.town_a, w.village_a, name=name, activist_on=D(2025, 4, 1), cultivating_organization=w.outpost_a,
                 id_number=born_id(D(1996, 1, 1)))
    case = open_case(w, cultivating_organization=w.outpost_a)
    walk(w, case, until=18, facts={15: {"done_on": D(2024, 8, 1), "members_entitled": 10, "members_present": 8,
                                        "votes_yes": 7}})
    evaluate("outpost-activists", "outpost-admissions", on=D(2025, 6, 1))
    assert results("outpost-activists", period_start=D(2025, 1, 1))[w.outpost_a.pk].value == 2
    admitted = results("outpost-admissions", period_start=D(2024, 1, 1))[w.outpost_a.pk]
    assert (admitted.status, admitted.evidence) == ("met", [["talent.developmentcase", case.pk]])
    assert results("outpost-admissions", period_start=D(2025, 1, 1))[w.outpost_a.pk].status == "short"


def test_town_has_an_outpost_branch(w):
    """seed 002 §4.2, point in time (the month of the evaluation)."""
    evaluate("town-outpost-branch")
    got = results("town-outpost-branch")
    assert (got[w.town_a.pk].status, got[w.town_b.pk].status) == ("met", "short")
    assert (got[w.town_a.pk].period_start, got[w.town_a.pk].period_end) == (D(2026, 1, 1), D(2026, 1, 31))


def test_joint_meetings_twice_a_year(w):
    """seed 000 §3."""
    JointMeeting.objects.create(county=w.county, held_on=D(2025, 3, 15))
    JointMeeting.objects.create(county=w.county, held_on=D(2025, 9, 15))
    JointMeeting.objects.create(county=w.county, held_on=D(2024, 3, 15))
    evaluate("county-joint-meetings")
    last_year = results("county-joint-meetings", period_start=D(2025, 1, 1))[w.county.pk]
    assert (last_year.status, last_year.value) == ("met", 2)
    assert results("county-joint-meetings", period_start=D(2026, 1, 1))[w.county.pk].status == "short"
    assert not results("county-joint-meetings", period_start=D(2024, 1, 1))  # only this period and the last


def test_branch_sizes(w):
    """A branch needs ≥3 full members (2 so far); a probationary member does not count; ≤50 is met."""
    member(w.town_a, w.village_a, w.org_a, name="预备", joined_on=D(2025, 7, 1), full_member_on=None)
    evaluate("branch-min-members", "branch-max-members")
    assert results("branch-min-members")[w.org_a.pk].value == 2
    assert results("branch-min-members")[w.org_a.pk].status == "short"
    assert results("branch-max-members")[w.org_a.pk].status == "met"
    assert w.committee_a.pk not in results("branch-min-members")  # not a branch: not applicable
    member(w.town_a, w.village_a, w.org_a, name="第三")
    evaluate("branch-min-members")
    assert results("branch-min-members")[w.org_a.pk].status == "met"


def test_outpost_branch_counts_members_taking_part(w):
    """members["a"] takes part in outpost_a's activities (relations at home): counted for the outpost too."""
    evaluate("branch-min-members")
    assert results("branch-min-members")[w.outpost_a.pk].evidence == [["ledgers.partymember", w.members["a"].pk]]


def test_branch_committee_from_seven_full_members(w):
    for i in range(5):
        member(w.town_a, w.village_a, w.org_a, name=f"党员{i}")
    evaluate("branch-committee")
    got = results("branch-committee")
    assert set(got) == {w.org_a.pk} and got[w.org_a.pk].status == "short"
    BranchCommittee.objects.create(organization=w.org_a, elected_on=D(2024, 5, 1), term_ends_on=D(2027, 5, 1),
                                   members_count=3)
    evaluate("branch-committee")
    assert results("branch-committee")[w.org_a.pk].status == "met"


def test_general_branch_and_committee_sizes_count_the_subtree(w):
    """A threshold is data: lowered here so a few members show the "> 50" and "≥ 100" rules at work."""
    QuotaRule.objects.filter(code="general-branch-size").update(threshold=2)
    QuotaRule.objects.filter(code="committee-size").update(threshold=3)
    enterprise = PartyOrganization.objects.create(name="企业党委", kind="committee", home_unit=w.town_a,
                                                  parent=w.committee_a)
    general = PartyOrganization.objects.create(name="党总支", kind="general_branch", home_unit=w.town_a,
                                               parent=enterprise)
    branch = PartyOrganization.objects.create(name="车间支部", kind="branch", home_unit=w.town_a, parent=general)
    member(w.town_a, w.village_a, branch, name="甲")
    member(w.town_a, w.village_a, branch, name="乙")
    member(w.town_a, w.village_a, general, name="丙")
    evaluate("general-branch-size", "committee-size")
    assert (results("general-branch-size")[general.pk].value, results("general-branch-size")[general.pk].status) == (
        3, "met")
    assert results("committee-size")[enterprise.pk].value == 3
    assert w.committee_a.pk not in results("committee-size")  # a town's committee is set up by level, not size


def test_reevaluation_updates_and_notifies_once(w):
    reserve(w, w.village_a)
    evaluate("village-reserve-cadres")
    first = QuotaResult.objects.filter(rule__code="village-reserve-cadres").count()
    notices = Notice.objects.filter(kind="talent.quota_short").count()
    assert notices > 0
    reserve(w, w.village_a)
    evaluate("village-reserve-cadres")
    assert QuotaResult.objects.filter(rule__code="village-reserve-cadres").count() == first
    assert results("village-reserve-cadres", period_start=D(2025, 1, 1))[w.village_a.pk].value == 2
    assert Notice.objects.filter(kind="talent.quota_short").count() == notices


def test_shortfall_recipients(w):
    """Village → its liaison and the town clerk; outpost → the town clerk and its secretary; county → staff."""
    evaluate("village-reserve-cadres", "outpost-activists", "county-joint-meetings")
    inbox = {u: set(Notice.objects.filter(recipient=w.users[u]).values_list("title", flat=True)) for u in
             (Role.VILLAGE_LIAISON, Role.TOWN_CLERK, Role.OUTPOST_SECRETARY, Role.COUNTY_STAFF)}
    assert any("东河村" in t and "2025年" in t for t in inbox[Role.VILLAGE_LIAISON])
    assert not any("西坝村" in t for t in inbox[Role.VILLAGE_LIAISON])
    assert any("西坝村" in t for t in inbox[Role.TOWN_CLERK])
    assert any("驻外党支部每年培养" in t for t in inbox[Role.OUTPOST_SECRETARY])
    assert any("联席会议" in t for t in inbox[Role.COUNTY_STAFF])
    assert not any("金石村" in t for t in inbox[Role.TOWN_CLERK])
    assert not Notice.objects.filter(recipient=w.clerk_b, title__contains="东河村").exists()


def test_no_notice_for_a_period_far_from_its_end(w):
    evaluate("village-reserve-cadres", on=D(2026, 3, 1))
    assert not Notice.objects.filter(title__contains="2026年").exists()
    evaluate("village-reserve-cadres", on=D(2026, 11, 15))  # within 60 days of the end: a warning
    assert Notice.objects.filter(title__contains="配额预警", title__endswith="2026年，即将到期）").exists()


def test_missing_metric_is_reported_not_raised(w):
    QuotaRule.objects.create(code="x-missing", name="未注册指标", subject="town", metric="no_such_metric",
                             threshold=1, period="year", source="test")
    report = evaluate("x-missing", "town-host-liaison", "outpost-secretary-training")
    missing = next(r for r in report["rules"] if r["rule"] == "x-missing")
    assert missing["status"] == "unavailable" and "no_such_metric" in missing["message"]
    assert QuotaRule.objects.get(code="x-missing").last_status == "unavailable"
    assert not QuotaResult.objects.filter(rule__code="x-missing").exists()
    assert {r["status"] for r in report["rules"]} <= {"ok", "unavailable"}


def test_metric_of_another_subject_is_unavailable(w, monkeypatch):
    monkeypatch.setitem(quotas._registry, "x_town_metric", quotas.Metric("x_town_metric", "town", "x",
                                                                          lambda s, a, b: {}))
    QuotaRule.objects.create(code="x-mismatch", name="对象不一致", subject="village", metric="x_town_metric",
                             threshold=1, period="year", source="test")
    report = evaluate("x-mismatch")
    assert report["rules"][0]["status"] == "unavailable" and "不一致" in report["rules"][0]["message"]


def test_failing_metric_does_not_stop_the_others(w, monkeypatch):
    def broken(subjects, start, end):
        raise RuntimeError("boom")

    monkeypatch.setitem(quotas._registry, "x_broken", quotas.Metric("x_broken", "town", "x", broken))
    QuotaRule.objects.create(code="a-broken", name="出错", subject="town", metric="x_broken", threshold=1,
                             period="year", source="test")
    report = evaluate("a-broken", "town-outpost-branch")
    statuses = {r["rule"]: r["status"] for r in report["rules"]}
    assert statuses == {"a-broken": "error", "town-outpost-branch": "ok"}
    assert results("town-outpost-branch")


def test_registered_metric_for_agreements_and_scoping(w, monkeypatch):
    """A metric registered by another app (here: by the test) is evaluated per agreement (town × host)."""
    from organizations.models import CoManagementAgreement

    a = CoManagementAgreement.objects.create(town=w.town_a, host_organization=w.host_a, signed_on=D(2020, 6, 1))
    b = CoManagementAgreement.objects.create(town=w.town_b, host_organization=w.host_b, signed_on=D(2020, 6, 1))
    monkeypatch.setitem(quotas._registry, "agreement_liaisons", quotas.Metric(
        "agreement_liaisons", "agreement", "交流次数",
        lambda subjects, start, end: {s.pk: Measure(value=1 if s.town_id == w.town_a.pk else 0) for s in subjects}))
    evaluate("town-host-liaison")
    got = results("town-host-liaison", period_start=D(2025, 7, 1))
    assert (got[a.pk].status, got[b.pk].status) == ("met", "short")
    assert got[a.pk].host_organization_id == w.host_a.pk and got[a.pk].subject_label.startswith("城关镇")
    seen = QuotaResult.objects.restrict(w.users[Role.TOWN_CLERK])
    assert seen.filter(subject_id=a.pk).exists() and not seen.filter(subject_id=b.pk).exists()
    assert QuotaResult.objects.restrict(w.users[Role.HOST_ORGANIZATION]).filter(rule__code="town-host-liaison",
                                                                                 subject_id=a.pk).exists()


def test_one_grouped_query_per_rule_and_period(w):
    """The number of queries does not grow with the number of villages."""
    def queries():
        QuotaResult.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            evaluate("village-reserve-cadres", notify=False)
        return len(ctx.captured_queries)

    small = queries()
    for i in range(12):
        Unit.objects.create(code=f"610924101{210 + i}", name=f"新村{i}")
    assert queries() == small


def test_evaluate_job_tracks_progress(w, django_capture_on_commit_callbacks):
    from talent.tasks import evaluate_quotas
    from zyparty.models import BackgroundJob

    job_id = evaluate_quotas.apply(kwargs={"on": "2026-01-10"}).get()
    job = BackgroundJob.objects.get(pk=job_id)
    assert job.status == "done" and job.total == job.done and job.total > 0
    assert "达标" in job.message and job.result["rules"]
    assert Activist.objects.count() == 2  # nothing but results was written
