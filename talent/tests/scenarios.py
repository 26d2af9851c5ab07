"""Access-matrix scenarios for the talent models (tests/matrix.py): one record per model at a Place, linked to the
place through every foreign key its ``scope_paths`` names (county, town, village, organization, host-place
organization). Development cases are opened through the workflow; a step is a ⑥ assessment (an inspection-type
step, which the co-managing host organization may record too) on a case walked to ⑤."""

import datetime
import itertools

from ledgers.models import Activist
from talent import workflows
from talent.choices import ParticipantRole
from talent.models import (
    Appointment,
    Award,
    BranchCommittee,
    DevelopmentCase,
    Nomination,
    PublicHoliday,
    QuotaResult,
    QuotaRule,
    ReserveCadre,
    ReturneeVenture,
    Talent,
    TimeLimit,
    WorkdayAdjustment,
)
from tests import factories
from tests.matrix import scenario

_serial = itertools.count(1)
D = datetime.date


def _n():
    return next(_serial)


def _activist(place):
    return Activist.objects.create(
        name=f"矩阵申请人{_n()}", id_number=factories.id_number(D(1995, 3, 3)), town=place.town, village=place.village,
        applied_on=D(2023, 3, 1), cultivating_organization=place.organization, home_organization=place.organization,
        co_manager=place.host_organization)


def _opened(place):
    return workflows.development_case_open(
        user=None, activist=_activist(place), applied_on=D(2023, 3, 1), organization=place.organization,
        cultivating_organization=place.organization, host_organization=place.host_organization)


@scenario("talent.DevelopmentCase")
def _case(place):
    """The case row alone (the matrix removes the records it makes to learn a payload, without cascading: a case
    with its step ① could not be removed so). Posting its fields opens a real case through the workflow."""
    case = DevelopmentCase(activist=_activist(place), organization=place.organization,
                           cultivating_organization=place.organization, host_organization=place.host_organization,
                           applied_on=D(2023, 3, 1))
    case.copy_person()
    case.save()
    return case


@scenario("talent.DevelopmentStep")
def _step(place):
    case = _opened(place)
    for number, facts in ((2, {"done_on": D(2023, 3, 20)}), (3, {"done_on": D(2023, 5, 10), "nomination": "member"}),
                          (4, {"done_on": D(2023, 5, 20)}),
                          (5, {"done_on": D(2023, 5, 25), "participants": [
                              {"role": ParticipantRole.CONTACT, "name": "矩阵联系人", "is_full_member": True}]})):
        workflows.development_step_record(case=case, step=number, user=None, **facts)
    return workflows.development_step_record(case=DevelopmentCase.objects.get(pk=case.pk), step=6, user=None,
                                             done_on=D(2023, 8, 1), opinion="矩阵考察意见")


def _talent(place):
    person = factories.worker(place.town, place.village, name=f"矩阵人才{_n()}")
    return Talent.objects.create(worker=person, village=place.village, is_returnee=True, education="senior")


@scenario("talent.Talent")
def _talent_record(place):
    return _talent(place)


@scenario("talent.ReserveCadre")
def _reserve(place):
    return ReserveCadre.objects.create(talent=_talent(place), year=2025, selected_on=D(2025, 3, 1))


@scenario("talent.ReturneeVenture")
def _venture(place):
    return ReturneeVenture.objects.create(kind="cooperative", name=f"矩阵合作社{_n()}", founder=_talent(place),
                                          village=place.village, founded_on=D(2024, 1, 1), jobs_created=5)


@scenario("talent.Appointment")
def _appointment(place):
    return Appointment.objects.create(talent=_talent(place), kind="assistant", post="村务助理",
                                      start_on=D(2025, 1, 1))


@scenario("talent.Nomination")
def _nomination(place):
    return Nomination.objects.create(talent=_talent(place), kind="peoples_congress", level="county", year=2026)


@scenario("talent.Award")
def _award(place):
    return Award.objects.create(talent=_talent(place), kind="pioneer", title=f"矩阵创业先锋{_n()}", level="county",
                                awarded_on=D(2025, 12, 20))


@scenario("talent.BranchCommittee")
def _branch_committee(place):
    return BranchCommittee.objects.create(organization=place.organization, elected_on=D(2024, 5, 1),
                                          term_ends_on=D(2027, 5, 1), members_count=3)


@scenario("talent.QuotaResult")
def _quota_result(place):
    return QuotaResult.objects.create(
        rule=QuotaRule.objects.get(code="village-reserve-cadres"), subject_kind="village", subject_id=_n() + 10_000,
        subject_label="矩阵村", county=place.county, town=place.town, village=place.village,
        organization=place.organization, host_organization=place.host_organization,
        period_start=D(2025, 1, 1), period_end=D(2025, 12, 31), value=1, threshold=3, comparison="gte",
        status="short", evaluated_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))


@scenario("talent.QuotaRule", scoped=False)
def _quota_rule(matrix):
    return QuotaRule.objects.create(code=f"matrix-{_n()}", name="矩阵规则", subject="village",
                                    metric="village_reserve_cadres", threshold=1, period="year", source="矩阵")


@scenario("talent.TimeLimit", scoped=False)
def _time_limit(matrix):
    return TimeLimit.objects.get(code="notice_min")


@scenario("talent.PublicHoliday", scoped=False)
def _holiday(matrix):
    return PublicHoliday.objects.create(date=D(2040, 1, 1) + datetime.timedelta(days=_n()), name="矩阵节日")


@scenario("talent.WorkdayAdjustment", scoped=False)
def _workday(matrix):
    day = D(2041, 1, 5) + datetime.timedelta(days=7 * _n())  # a Saturday, a week apart each time
    return WorkdayAdjustment.objects.create(date=day, name="矩阵调休")
