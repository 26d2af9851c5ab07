"""Every rule of member development refuses what breaks it, with the rule's reason, on both sides of its boundary."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from ledgers.models import PartyMember
from organizations.models import PartyOrganization
from talent import workflows
from talent.choices import ParticipantRole as R
from talent.models import TimeLimit, WorkdayAdjustment
from talent.tests.helpers import born_id, open_case, record, step_facts, walk
from tests.factories import member, worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
D = datetime.date


def refused(w, case, step, match, **overrides):
    with pytest.raises(ValidationError) as exc:
        record(w, case, step, **overrides)
    assert match in " ".join(exc.value.messages), exc.value.messages
    return exc.value


def accepted(w, case, step, **overrides):
    return record(w, case, step, **overrides)


@pytest.fixture
def case(w):
    return open_case(w)


# ① age ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("born, ok", [(D(2005, 3, 2), False), (D(2005, 3, 1), True)])
def test_applicant_is_at_least_18(w, born, ok):
    """17 years 364 days on the application date is refused; 18 years exactly is accepted."""
    person = worker(w.town_a, w.village_a, name="少年", id_number=born_id(born))
    if ok:
        assert workflows.development_case_open(user=None, worker=person, applied_on=D(2023, 3, 1),
                                               organization=w.org_a).current_step == 1
    else:
        with pytest.raises(ValidationError) as exc:
            workflows.development_case_open(user=None, worker=person, applied_on=D(2023, 3, 1), organization=w.org_a)
        assert "未满18周岁" in str(exc.value) and "17周岁" in str(exc.value)


# ② talk within a month --------------------------------------------------------------------------------------------

def test_talk_within_one_month(w, case):
    refused(w, case, 2, "1个月的期限（最迟 2023年04月01日）", done_on=D(2023, 4, 2))
    assert accepted(w, case, 2, done_on=D(2023, 4, 1)).step == 2


def test_talk_month_end_is_clamped(w):
    case = open_case(w, applied_on=D(2023, 1, 31))
    refused(w, case, 2, "最迟 2023年02月28日", done_on=D(2023, 3, 1))
    accepted(w, case, 2, done_on=D(2023, 2, 28))


def test_time_limit_comes_from_the_table(w, case):
    """A county that allows two months for the talk changes one row, not the code."""
    TimeLimit.objects.filter(code="talk_within").update(value=2)
    accepted(w, case, 2, done_on=D(2023, 4, 20))


# ③ ⑤ ⑨ ⑯ people ----------------------------------------------------------------------------------------------------

def test_activist_needs_a_nomination(w, case):
    walk(w, case, until=3)
    refused(w, case, 3, "产生方式", nomination=None)
    accepted(w, case, 3)


def test_one_or_two_full_members_as_contacts(w, case):
    walk(w, case, until=5)
    refused(w, case, 5, "一至两名", participants=[])
    third = member(w.town_a, w.village_a, w.org_a, name="第三")
    refused(w, case, 5, "一至两名", participants=[{"role": R.CONTACT, "member": m} for m in
                                               (w.members["a"], w.full_member_2, third)])
    probationer = member(w.town_a, w.village_a, w.org_a, name="预备甲", joined_on=D(2022, 12, 1), full_member_on=None)
    refused(w, case, 5, "预备甲 不是正式党员", participants=[{"role": R.CONTACT, "member": probationer}])
    refused(w, case, 5, "张外 不是正式党员", participants=[{"role": R.CONTACT, "name": "张外", "is_full_member": False}])
    accepted(w, case, 5, participants=[{"role": R.CONTACT, "member": w.members["a"]}])


def test_member_full_only_from_the_conversion_date(w, case):
    """A member converted after the step's date was still probationary on it."""
    walk(w, case, until=5)
    late = member(w.town_a, w.village_a, w.org_a, name="晚转正", joined_on=D(2022, 6, 1), full_member_on=D(2023, 6, 1))
    refused(w, case, 5, "晚转正 不是正式党员", participants=[{"role": R.CONTACT, "member": late}])


def test_two_full_members_as_sponsors(w, case):
    walk(w, case, until=9)
    refused(w, case, 9, "两名正式党员", participants=[{"role": R.SPONSOR, "member": w.members["a"]}])
    refused(w, case, 9, "不能重复", participants=[{"role": R.SPONSOR, "member": w.members["a"]}] * 2)
    suspended = member(w.town_a, w.village_a, w.org_a, name="停籍", membership_status="suspended")
    refused(w, case, 9, "停籍 不是正式党员", participants=[{"role": R.SPONSOR, "member": w.members["a"]},
                                                       {"role": R.SPONSOR, "member": suspended}])
    accepted(w, case, 9)


def test_interview_names_the_interviewer(w, case):
    walk(w, case, until=16)
    refused(w, case, 16, "谈话的党委委员", participants=[])
    accepted(w, case, 16)


# ⑥ ⑦ activist period and assessments -----------------------------------------------------------------------------

SHIFTED = {3: {"done_on": D(2024, 5, 10), "nomination": "member"}, 4: {"done_on": D(2024, 5, 20)},
           5: None, 6: {"done_on": D(2024, 8, 1), "opinion": "良好"}, "6b": {"done_on": D(2025, 1, 15), "opinion": "良好"}}


@pytest.mark.parametrize("target_on, ok", [(D(2025, 5, 9), False), (D(2025, 5, 10), True)])
def test_one_year_as_activist(w, case, target_on, ok):
    """Activist since 2024-05-10: 364 days later is refused, 365 days (one year) accepted."""
    facts = {**SHIFTED, 5: {**step_facts(w)[5], "done_on": D(2024, 5, 25)}}
    walk(w, case, until=7, facts=facts)
    if ok:
        accepted(w, case, 7, done_on=target_on)
    else:
        error = refused(w, case, 7, "仅364天", done_on=target_on)
        assert "第十三条" in error.messages[0]


def test_half_yearly_assessment_missing(w, case):
    walk(w, case, until=7, skip=["6b"])
    refused(w, case, 7, "2023年11月10日至2024年05月09日这半年没有考察记录")


def test_assessment_needs_an_opinion(w, case):
    walk(w, case, until=6)
    refused(w, case, 6, "考察意见", opinion="")


def test_co_managed_both_places_inspect(w):
    case = open_case(w, host_organization=w.host_a, cultivating_organization=w.outpost_a)
    walk(w, case, until=7)
    refused(w, case, 7, "流入地党组织")
    workflows.development_step_record(case=case, step=6, user=None, done_on=D(2024, 2, 1), host_organization=w.host_a,
                                      opinion="流入地考察良好")
    accepted(w, case, 7)


def test_co_managed_home_must_inspect_too(w):
    case = open_case(w, host_organization=w.host_a)
    host_facts = {6: {"done_on": D(2023, 8, 1), "opinion": "良", "host_organization": w.host_a},
                  "6b": {"done_on": D(2024, 1, 15), "opinion": "良", "host_organization": w.host_a}}
    walk(w, case, until=7, facts=host_facts)
    refused(w, case, 7, "户籍地党组织的考察意见")


def test_another_host_organization_may_not_inspect(w):
    case = open_case(w, host_organization=w.host_a)
    walk(w, case, until=6)
    refused(w, case, 6, "不是此人的共管党组织", host_organization=w.host_b)


def test_target_notice_of_the_2026_revision(w, case, settings):
    settings.DEVELOPMENT_TARGET_NOTICE_REQUIRED = True
    walk(w, case, until=7)
    refused(w, case, 7, "公示的起止日期")
    # Labour Day 2024: 04-29, 04-30, [05-01…05-05 holiday], 05-06, 05-07 = 4 working days; 05-08 makes 5.
    refused(w, case, 7, "只有4个工作日", notice_start=D(2024, 4, 29), notice_end=D(2024, 5, 7))
    accepted(w, case, 7, notice_start=D(2024, 4, 29), notice_end=D(2024, 5, 8))


# ⑩ ⑪ review and training -----------------------------------------------------------------------------------------

def test_political_review_of_a_mobile_person_consults_both_places(w, case):
    walk(w, case, until=10)
    refused(w, case, 10, "结论", outcome="")
    refused(w, case, 10, "现居住地", consulted_residence=False)
    accepted(w, case, 10)


def test_political_review_of_a_resident_needs_no_second_place(w):
    case = open_case(w, activist=w.activists["b"], organization=w.org_b, is_mobile=False)
    walk(w, case, until=10)
    accepted(w, case, 10, consulted_home=False, consulted_residence=False)


@pytest.mark.parametrize("days, hours, ok", [(2, 23, False), (None, None, False), (3, None, True), (None, 24, True),
                                             (2.5, 24, True)])
def test_training_three_days_or_24_hours(w, case, days, hours, ok):
    walk(w, case, until=11)
    facts = {"training_days": days, "training_hours": hours}
    if ok:
        accepted(w, case, 11, **facts)
    else:
        refused(w, case, 11, "培训", **facts)


# ⑫ ⑬ notice and pre-review ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("end, ok", [(D(2024, 10, 9), False), (D(2024, 10, 10), True)])
def test_notice_across_national_day(w, case, end, ok):
    """From Sunday 2024-09-29 (a make-up working day): 09-29, 09-30, [10-01…10-07 holiday], 10-08, 10-09 is 4
    working days; to 10-10 it is 5."""
    walk(w, case, until=12)
    facts = {"done_on": D(2024, 10, 20), "notice_start": D(2024, 9, 29), "notice_end": end}
    if ok:
        accepted(w, case, 12, **facts)
    else:
        refused(w, case, 12, "只有4个工作日", **facts)


@pytest.mark.parametrize("end, ok", [(D(2024, 10, 14), False), (D(2024, 10, 15), True)])
def test_notice_counts_the_make_up_saturday(w, case, end, ok):
    """10-10 Thu, 10-11 Fri, 10-12 Sat (调休上班), 10-14 Mon = 4; 10-15 makes 5."""
    walk(w, case, until=12)
    facts = {"done_on": D(2024, 10, 20), "notice_start": D(2024, 10, 10), "notice_end": end}
    if ok:
        accepted(w, case, 12, **facts)
    else:
        refused(w, case, 12, "只有4个工作日", **facts)


def test_notice_without_the_make_up_day_in_the_table_is_short(w, case):
    WorkdayAdjustment.objects.filter(date=D(2024, 10, 12)).delete()
    walk(w, case, until=12)
    refused(w, case, 12, "只有4个工作日", done_on=D(2024, 10, 20), notice_start=D(2024, 10, 10),
            notice_end=D(2024, 10, 15))


def test_co_managed_notice_in_both_places(w):
    case = open_case(w, host_organization=w.host_a)
    host6 = {"done_on": D(2024, 1, 20), "opinion": "良", "host_organization": w.host_a}
    walk(w, case, until=7)
    workflows.development_step_record(case=case, step=6, user=None, **host6)
    walk(w, case, until=12, skip=[2, 3, 4, 5, 6, "6b"])
    refused(w, case, 12, "流入地公示")
    refused(w, case, 12, "流入地公示自", host_notice_start=D(2024, 7, 10), host_notice_end=D(2024, 7, 15))
    accepted(w, case, 12, host_notice_start=D(2024, 7, 10), host_notice_end=D(2024, 7, 16))


def test_notice_after_training(w, case):
    walk(w, case, until=12)
    refused(w, case, 12, "培训之后", notice_start=D(2024, 6, 28), notice_end=D(2024, 7, 10))


@pytest.mark.parametrize("on, ok", [(D(2024, 7, 16), False), (D(2024, 7, 17), True)])
def test_pre_review_after_the_notice(w, case, on, ok):
    walk(w, case, until=13)
    if ok:
        accepted(w, case, 13, done_on=on)
    else:
        refused(w, case, 13, "公示期满之后", done_on=on)


@pytest.mark.parametrize("leaving, reason, ok", [(D(2024, 10, 20), "", False), (D(2024, 10, 21), "", True),
                                                 (D(2024, 9, 1), "已在本单位签订长期合同，工作地点不变", True)])
def test_leaving_within_three_months(w, case, leaving, reason, ok):
    walk(w, case, until=13)
    facts = {"expected_leave_on": leaving, "exception_reason": reason}
    if ok:
        accepted(w, case, 13, **facts)
    else:
        refused(w, case, 13, "一般不予接收", **facts)


# ⑮ ㉓ votes ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("entitled, present, yes, message", [
    (10, 5, 5, "未超过应到会人数10的半数"),
    (10, 6, 5, "赞成票5未超过"),
    (9, 5, 4, "赞成票4未超过"),
    (10, 11, 6, "多于应到会"),
    (10, 8, None, "赞成票数"),
])
def test_branch_meeting_majorities_refused(w, case, entitled, present, yes, message):
    walk(w, case, until=15)
    refused(w, case, 15, message, members_entitled=entitled, members_present=present, votes_yes=yes)


@pytest.mark.parametrize("entitled, present, yes", [(10, 6, 6), (9, 5, 5), (3, 2, 2)])
def test_branch_meeting_majorities_accepted(w, case, entitled, present, yes):
    walk(w, case, until=15)
    accepted(w, case, 15, members_entitled=entitled, members_present=present, votes_yes=yes)


# ⑰ approval ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("on, reason, ok", [
    (D(2024, 11, 1), "", True),                     # 3 months after the meeting of 2024-08-01
    (D(2024, 11, 2), "", False),                    # 3 months + 1 day, no reason
    (D(2024, 11, 2), "党委换届，延期审批", True),
    (D(2025, 2, 1), "党委换届，延期审批", True),      # 6 months
    (D(2025, 2, 2), "党委换届，延期审批", False),     # 6 months + 1 day: never
])
def test_approval_within_three_months_never_beyond_six(w, case, on, reason, ok):
    walk(w, case, until=17)
    if ok:
        accepted(w, case, 17, done_on=on, exception_reason=reason)
    else:
        refused(w, case, 17, "最长期限" if reason else "特殊情况须写明理由", done_on=on, exception_reason=reason)


def test_approval_by_the_home_committee_only(w, case):
    walk(w, case, until=17)
    refused(w, case, 17, "基层党委", organization=w.org_a)
    other = PartyOrganization.objects.create(name="中共某企业委员会", kind="committee", home_unit=w.town_a)
    refused(w, case, 17, "户籍地党委审批", organization=other)
    refused(w, case, 17, "结论", outcome="")
    accepted(w, case, 17)


# ㉓ ㉔ probation -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("on, ok", [(D(2025, 7, 31), False), (D(2025, 8, 1), True)])
def test_probation_is_one_year_from_the_branch_meeting(w, case, on, ok):
    walk(w, case, until=23)
    if ok:
        accepted(w, case, 23, done_on=on)
    else:
        refused(w, case, 23, "2025年08月01日期满", done_on=on)


@pytest.mark.parametrize("months, ok", [(5, False), (6, True), (12, True), (13, False), (None, False)])
def test_extension_six_to_twelve_months(w, case, months, ok):
    walk(w, case, until=23)
    facts = {"outcome": "extend", "extension_months": months}
    if ok:
        accepted(w, case, 23, **facts)
    else:
        refused(w, case, 23, "延长预备期应不少于6个月", **facts)


def test_extension_only_once(w, case):
    walk(w, case, until=23)
    accepted(w, case, 23, outcome="extend", extension_months=6)
    accepted(w, case, 24, done_on=D(2025, 8, 20))
    case.refresh_from_db()
    assert (case.probation_ends_on, case.extension_months) == (D(2026, 2, 1), 6)
    refused(w, case, 23, "2026年02月01日期满", done_on=D(2026, 1, 31))
    refused(w, case, 23, "只能延长一次", done_on=D(2026, 2, 1), outcome="extend", extension_months=6)
    accepted(w, case, 23, done_on=D(2026, 2, 1), outcome="convert")
    accepted(w, case, 24, done_on=D(2026, 3, 1))
    case.refresh_from_db()
    assert case.full_member_on == D(2026, 2, 1)
    assert PartyMember.objects.get(pk=case.member_id).full_member_on == D(2026, 2, 1)


@pytest.mark.parametrize("on, ok", [(D(2025, 11, 1), True), (D(2025, 11, 2), False)])
def test_full_membership_approved_within_three_months(w, case, on, ok):
    walk(w, case, until=24)
    if ok:
        accepted(w, case, 24, done_on=on)
    else:
        refused(w, case, 24, "第三十二条", done_on=on)


def test_rejected_conversion_goes_back_to_the_branch_meeting(w, case):
    walk(w, case, until=24)
    accepted(w, case, 24, outcome="rejected")
    refused(w, case, 25, "应先办理")
    accepted(w, case, 23, done_on=D(2025, 10, 1))


# order and dates -----------------------------------------------------------------------------------------------

def test_steps_in_order(w, case):
    refused(w, case, 3, "应先办理“② 党组织派人谈话”")
    walk(w, case, until=3)
    refused(w, case, 2, "应先办理")


def test_no_future_date_and_no_going_back(w, case):
    refused(w, case, 2, "晚于今天", done_on=D(2027, 6, 2))
    refused(w, case, 2, "早于上一步骤", done_on=D(2023, 2, 28))


def test_repeatable_assessments(w, case):
    walk(w, case, until=7)
    accepted(w, case, 6, done_on=D(2024, 3, 1))
    assert case.steps.filter(step=6).count() == 3
