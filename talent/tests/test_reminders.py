"""Reminders of development steps falling due go to the clerks of the case's town, once per deadline."""

import datetime

import pytest

from organizations.roles import Role
from talent import workflows
from talent.tasks import send_development_reminders
from talent.tests.helpers import open_case, walk
from zyparty.models import Notice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
D = datetime.date


def inbox(user):
    return list(Notice.objects.filter(recipient=user, kind="talent.development_due").values_list("title", flat=True))


def test_talk_due_within_the_lead_is_reminded_once(w):
    open_case(w, applied_on=D(2027, 5, 10))  # talk due 2027-06-10, today 2027-06-01, lead 14 days
    assert send_development_reminders.apply().get() == 1
    assert inbox(w.users[Role.TOWN_CLERK]) == ["【发展党员提醒】王五：收到入党申请书后一个月内谈话（2027-06-10前）"]
    assert inbox(w.clerk_b) == []
    assert workflows.development_reminders_send() == 0


def test_talk_due_later_is_not_yet_reminded(w):
    open_case(w, applied_on=D(2027, 5, 30))  # due 2027-06-30
    assert workflows.development_reminders_send() == 0


def test_overdue_steps(w):
    case = open_case(w)
    walk(w, case, until=17)  # branch meeting 2024-08-01: approval was due 2024-11-01
    workflows.development_reminders_send()
    assert inbox(w.users[Role.TOWN_CLERK]) == ["【发展党员逾期】王五：支部大会通过后三个月内审批（应于2024-11-01前）"]


def test_probation_end_and_next_assessment(w):
    case = open_case(w)
    walk(w, case, until=19)
    other = open_case(w, activist=w.activists["b"], organization=w.org_b)
    walk(w, other, until=7)
    workflows.development_reminders_send()
    assert inbox(w.users[Role.TOWN_CLERK]) == ["【发展党员逾期】王五：预备期满，支部应及时讨论转正（应于2025-08-01前）"]
    assert inbox(w.clerk_b) == ["【发展党员逾期】郑十：每半年对入党积极分子考察一次（应于2024-07-15前）"]


def test_lead_from_the_table_and_no_reminder_for_closed_cases(w):
    from talent.models import TimeLimit

    case = open_case(w, applied_on=D(2027, 5, 25))  # due 2027-06-25, 24 days away
    other = open_case(w, activist=w.activists["b"], organization=w.org_b, applied_on=D(2027, 5, 25))
    assert workflows.development_reminders_send() == 0
    TimeLimit.objects.filter(code="reminder_lead").update(value=30)
    workflows.development_case_close(case=other, user=None, reason="本人撤回申请")
    assert workflows.development_reminders_send() == 1
    assert inbox(w.clerk_b) == [] and len(inbox(w.users[Role.TOWN_CLERK])) == 1
    assert case.pk
