"""A development case from application to full membership, and what the ledgers show on the way."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ledgers.models import Activist, PartyMember, Worker
from organizations.roles import Role
from talent import workflows
from talent.choices import CaseStatus, Stage
from talent.models import DevelopmentCase, DevelopmentStep, Talent
from talent.tests.helpers import open_case, record, walk
from tests.factories import id_number, worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
D = datetime.date


def test_full_path_admits_then_converts_the_member(w):
    case = open_case(w)
    assert (case.stage, case.current_step, case.committee) == (Stage.APPLICATION, 1, w.committee_a)
    walk(w, case, until=17, real=True)
    assert not PartyMember.objects.filter(id_digest=w.activists["a"].id_digest).exists()
    record(w, case, 17)
    case.refresh_from_db()
    member = PartyMember.objects.get(id_digest=w.activists["a"].id_digest)
    assert (member.category, member.joined_on, member.home_organization) == ("probationary", D(2024, 8, 1), w.org_a)
    assert case.member == member and case.probation_ends_on == D(2025, 8, 1)
    assert Activist.objects.get(pk=w.activists["a"].pk).stage == "probationary"
    walk(w, case, until=None, skip=[2, 3, 4, 5, 6, "6b", 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17])
    case.refresh_from_db()
    member.refresh_from_db()
    assert (case.status, case.full_member_on) == (CaseStatus.COMPLETED, D(2025, 8, 1))
    assert (member.category, member.full_member_on) == ("full", D(2025, 8, 1))
    assert Activist.objects.get(pk=w.activists["a"].pk).stage == "admitted"
    assert case.steps.count() == 26


def test_case_from_worker_creates_the_activist_and_updates_political_status(w):
    person = worker(w.town_a, w.village_a, name="刘备", political_status="masses", direction="out",
                    destination_code="330106", id_number=id_number(D(1996, 4, 4)))
    talent = Talent.objects.create(worker=person, village=w.village_a, is_returnee=False)
    case = open_case(w, activist=None, worker=person)
    activist = Activist.objects.get(worker=person)
    assert (activist.stage, activist.applied_on, activist.home_organization) == ("applicant", D(2023, 3, 1), w.org_a)
    assert case.is_mobile
    walk(w, case, until=18)
    person.refresh_from_db()
    assert person.political_status == "probationary"
    talent.refresh_from_db()
    assert talent.member is not None and talent.stage == "member"
    member = talent.member
    assert (member.worker, member.destination_code) == (person, "330106")


def test_one_open_case_per_person(w):
    open_case(w)
    with pytest.raises(ValidationError) as exc:
        open_case(w, applied_on=D(2023, 4, 1))
    assert "已有进行中" in str(exc.value)


def test_political_review_failed_stops_the_case_and_undo_reopens_it(w):
    case = open_case(w)
    walk(w, case, until=10)
    step = record(w, case, 10, outcome="failed")
    case.refresh_from_db()
    assert (case.status, case.close_reason) == (CaseStatus.STOPPED, "政治审查不合格")
    assert Activist.objects.get(pk=w.activists["a"].pk).stage == "withdrawn"
    with pytest.raises(ValidationError):
        record(w, case, 11)
    workflows.development_step_undo(step=step, user=None, reason="结论录入错误")
    case.refresh_from_db()
    assert (case.status, case.current_step) == (CaseStatus.OPEN, 9)
    assert Activist.objects.get(pk=w.activists["a"].pk).stage == "target"


def test_undo_only_the_last_step_and_never_an_approval(w):
    case = open_case(w)
    walk(w, case, until=18)
    first = case.steps.get(step=2)
    with pytest.raises(ValidationError, match="最后"):
        workflows.development_step_undo(step=first, user=None, reason="x")
    approval = case.steps.get(step=17)
    with pytest.raises(ValidationError, match="党员台账"):
        workflows.development_step_undo(step=approval, user=None, reason="x")
    with pytest.raises(ValidationError, match="理由"):
        workflows.development_step_undo(step=approval, user=None, reason=" ")


def test_close_and_transfer(w):
    case = open_case(w)
    walk(w, case, until=7)
    workflows.development_case_transfer(case=case, user=None, cultivating_organization=w.outpost_a,
                                        host_organization=w.host_a)
    case.refresh_from_db()
    assert case.is_co_managed and case.activist_on == D(2023, 5, 10)  # time served counts on
    assert set(DevelopmentStep.objects.filter(case=case).values_list("scope_host", flat=True)) == {w.host_a.pk}
    workflows.development_case_close(case=case, user=None, reason="本人撤回申请", on="2025-01-01")
    case.refresh_from_db()
    assert (case.status, case.closed_on) == (CaseStatus.STOPPED, D(2025, 1, 1))
    assert Activist.objects.get(pk=w.activists["a"].pk).stage == "withdrawn"


def test_probationary_case_cannot_simply_be_closed(w):
    case = open_case(w)
    walk(w, case, until=18)
    with pytest.raises(ValidationError, match="㉓"):
        workflows.development_case_close(case=case, user=None, reason="外出")


def test_cancelled_probation_removes_the_member(w):
    case = open_case(w)
    walk(w, case, until=23)
    record(w, case, 23, outcome="cancel")
    record(w, case, 24)
    case.refresh_from_db()
    assert (case.status, case.close_reason) == (CaseStatus.STOPPED, "取消预备党员资格")
    assert not PartyMember.objects.filter(id_digest=w.activists["a"].id_digest).exists()


def test_clerk_of_another_town_may_not_record(w):
    case = open_case(w)
    with pytest.raises(PermissionDenied):
        workflows.development_step_record(case=case, step=2, user=w.clerk_b, done_on=D(2023, 3, 20))
    assert workflows.development_step_record(case=case, step=2, user=w.users[Role.TOWN_CLERK],
                                             done_on=D(2023, 3, 20)).pk


def test_host_organization_records_only_inspections_of_people_it_co_manages(w):
    case = open_case(w, host_organization=w.host_a, cultivating_organization=w.outpost_a)
    walk(w, case, until=6)
    host = w.users[Role.HOST_ORGANIZATION]
    step = workflows.development_step_record(case=case, step=6, user=host, done_on=D(2023, 8, 2), opinion="流入地考察良好")
    assert (step.host_organization, step.organization) == (w.host_a, None)
    with pytest.raises(PermissionDenied):
        workflows.development_step_record(case=case, step=7, user=host, done_on=D(2024, 5, 10))
    other = open_case(w, activist=w.activists["b"], organization=w.org_b)
    with pytest.raises(PermissionDenied):
        workflows.development_step_record(case=other, step=2, user=host, done_on=D(2023, 3, 20))


def test_outpost_secretary_never_records_a_committee_step(w):
    case = open_case(w, cultivating_organization=w.outpost_a)
    secretary = w.users[Role.OUTPOST_SECRETARY]
    workflows.development_step_record(case=case, step=2, user=secretary, done_on=D(2023, 3, 20))
    workflows.development_step_record(case=case, step=3, user=secretary, done_on=D(2023, 5, 10), nomination="member")
    with pytest.raises(PermissionDenied, match="党委"):
        workflows.development_step_record(case=case, step=4, user=secretary, done_on=D(2023, 5, 20))


def test_village_liaison_only_reads(w):
    case = open_case(w)
    with pytest.raises(PermissionDenied):
        workflows.development_step_record(case=case, step=2, user=w.users[Role.VILLAGE_LIAISON],
                                          done_on=D(2023, 3, 20))


def test_unknown_fact_is_refused(w):
    case = open_case(w)
    with pytest.raises(ValidationError) as exc:
        workflows.development_step_record(case=case, step=2, user=None, done_on=D(2023, 3, 20), colour="red")
    assert "colour" in exc.value.message_dict


def test_worker_political_status_restored_when_probation_cancelled(w):
    person = worker(w.town_a, w.village_a, name="关羽", political_status="league", id_number=id_number(D(1997, 5, 5)))
    case = open_case(w, activist=None, worker=person)
    walk(w, case, until=23)
    record(w, case, 23, outcome="cancel")
    record(w, case, 24)
    assert Worker.objects.get(pk=person.pk).political_status == "league"
    assert DevelopmentCase.objects.get(pk=case.pk).status == CaseStatus.STOPPED
