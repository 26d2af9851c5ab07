"""The time rules of services.rules, at their boundaries."""

import datetime

import pytest
from django.test import override_settings

from ledgers.models import PartyMember
from services import rules
from services.choices import TransferStatus
from services.models import RelationTransfer

D = datetime.date


@pytest.mark.parametrize("day, months, expected", [
    (D(2025, 7, 15), 6, D(2025, 1, 15)),
    (D(2025, 8, 31), 6, D(2025, 2, 28)),  # clamped to the shorter month
    (D(2024, 8, 31), 6, D(2024, 2, 29)),  # leap year
    (D(2025, 3, 31), 6, D(2024, 9, 30)),  # across the year
    (D(2025, 1, 10), 13, D(2023, 12, 10)),
    (D(2025, 2, 28), 6, D(2024, 8, 31)),  # the last day of February closes every period begun in late August
    (D(2025, 8, 30), 6, D(2025, 2, 28)),
])
def test_months_before(day, months, expected):
    assert rules.months_before(day, months) == expected


@pytest.mark.parametrize("since, day, expected", [
    (D(2025, 1, 15), D(2025, 7, 14), False),  # 5 months 29 days
    (D(2025, 1, 15), D(2025, 7, 15), True),  # exactly 6 months
    (D(2025, 2, 28), D(2025, 8, 27), False),
    (D(2025, 2, 28), D(2025, 8, 28), True),
    (D(2024, 8, 31), D(2025, 2, 28), True),  # 31 Aug + 6 months is the end of February
    (D(2024, 8, 31), D(2025, 2, 27), False),
    (None, D(2025, 2, 27), False),
])
def test_lasted_six_months(since, day, expected):
    assert rules.lasted(since, day, 6) is expected


def _flagged(rule, day):
    return set(PartyMember.objects.filter(rules.MEMBER_RULES[rule].q(day)).values_list("name", flat=True))


def _set(member, **values):
    PartyMember.objects.filter(pk=member.pk).update(**values)


@pytest.mark.django_db
class TestMobileMemberRules:
    def test_should_transfer_boundary(self, world):
        member = world.members["a"]
        _set(member, out_since=D(2025, 1, 15), destination_code="330106", last_org_life_on=D(2025, 7, 1),
             last_dues_paid_on=D(2025, 7, 1))
        assert "李四" not in _flagged("transfer", D(2025, 7, 14))
        assert "李四" in _flagged("transfer", D(2025, 7, 15))

    def test_should_transfer_needs_a_fixed_place_and_no_open_transfer(self, world):
        member = world.members["a"]
        _set(member, out_since=D(2024, 1, 1), destination_code="")
        assert "李四" not in _flagged("transfer", D(2025, 7, 15))
        _set(member, destination_code="330106")
        assert "李四" in _flagged("transfer", D(2025, 7, 15))
        RelationTransfer.objects.create(member=member, destination_code="330106", receiving_org_name="西湖区某党支部",
                                        requested_on=D(2025, 7, 1))
        assert "李四" not in _flagged("transfer", D(2025, 7, 15))
        RelationTransfer.objects.filter(member=member).update(status=TransferStatus.REJECTED)
        assert "李四" in _flagged("transfer", D(2025, 7, 15))

    def test_not_mobile_or_suspended_or_lost_is_not_asked_to_transfer(self, world):
        member = world.members["a"]
        _set(member, out_since=D(2024, 1, 1), destination_code="330106", is_mobile=False)
        assert "李四" not in _flagged("transfer", D(2025, 7, 15))
        _set(member, is_mobile=True, membership_status="suspended")
        assert "李四" not in _flagged("transfer", D(2025, 7, 15))
        _set(member, membership_status="normal", lost_contact=True, lost_contact_since=D(2025, 1, 1))
        assert "李四" not in _flagged("transfer", D(2025, 7, 15))

    @pytest.mark.parametrize("field", ["last_org_life_on", "last_dues_paid_on"])
    def test_lapsed_boundary_for_org_life_or_dues(self, world, field):
        member = world.members["a"]
        _set(member, out_since=D(2020, 1, 1), last_org_life_on=D(2025, 6, 1), last_dues_paid_on=D(2025, 6, 1))
        _set(member, **{field: D(2025, 1, 15)})
        assert "李四" not in _flagged("lapsed", D(2025, 7, 14))
        assert "李四" in _flagged("lapsed", D(2025, 7, 15))

    def test_lapsed_falls_back_to_the_day_the_member_went_out(self, world):
        member = world.members["a"]
        _set(member, out_since=D(2025, 1, 15), last_org_life_on=None, last_dues_paid_on=D(2025, 7, 1))
        assert "李四" not in _flagged("lapsed", D(2025, 7, 14))
        assert "李四" in _flagged("lapsed", D(2025, 7, 15))
        _set(member, out_since=None)
        assert "李四" not in _flagged("lapsed", D(2025, 7, 15))  # nothing known of org life: no rule can say

    def test_lost_contact_suspension_boundary(self, world):
        member = world.members["a"]
        _set(member, lost_contact=True, lost_contact_since=D(2025, 1, 15))
        assert "李四" not in _flagged("lost", D(2025, 7, 14))
        assert "李四" in _flagged("lost", D(2025, 7, 15))
        _set(member, membership_status="suspended")
        assert "李四" not in _flagged("lost", D(2025, 7, 15))  # already done

    def test_member_flags_for_one_member(self, world):
        member = world.members["a"]
        _set(member, out_since=D(2024, 1, 1), destination_code="330106", last_org_life_on=D(2025, 1, 1),
             last_dues_paid_on=D(2025, 7, 1))
        codes = [rule.code for rule in rules.member_flags(member, D(2025, 7, 15))]
        assert codes == ["transfer", "lapsed"]


def test_half_years():
    h = rules.HalfYear.of(D(2025, 6, 30))
    assert (h.start, h.end, str(h)) == (D(2025, 1, 1), D(2025, 6, 30), "2025H1")
    assert str(rules.HalfYear.of(D(2025, 7, 1))) == "2025H2"
    assert str(rules.HalfYear(2025, 1).previous()) == "2024H2"
    assert rules.liaison_due_period(D(2025, 5, 31)) is None
    assert str(rules.liaison_due_period(D(2025, 6, 1))) == "2025H1"
    assert str(rules.liaison_due_period(D(2025, 12, 1))) == "2025H2"
    assert str(rules.liaison_overdue_period(D(2025, 7, 1))) == "2025H1"
    assert str(rules.liaison_overdue_period(D(2026, 1, 5))) == "2025H2"


@override_settings(JOINT_MEETING_REMINDER_FROM_MONTH=10)
def test_joint_meetings_rule():
    assert rules.joint_meetings_short(1, D(2025, 9, 30)) is False
    assert rules.joint_meetings_short(1, D(2025, 10, 1)) is True
    assert rules.joint_meetings_short(2, D(2025, 12, 31)) is False


def test_festival_dates_come_from_the_lunar_calendar():
    # Spring Festival 2025 fell on 29 January, Mid-Autumn 2025 on 6 October, Mid-Autumn 2024 on 17 September.
    assert [(f.code, f.day) for f in rules.festival_days(2025)] == [
        ("spring", D(2025, 1, 29)), ("mid_autumn", D(2025, 10, 6))]
    assert rules.festival_days(2024)[1].day == D(2024, 9, 17)


@override_settings(FESTIVAL_REFRESH_DAYS_BEFORE=14)
def test_festival_refresh_window():
    assert rules.festival_refresh_due(D(2025, 9, 21)) is None  # 15 days before Mid-Autumn
    assert rules.festival_refresh_due(D(2025, 9, 22)).key == "mid_autumn-2025"  # 14 days before
    assert rules.festival_refresh_due(D(2025, 10, 6)).key == "mid_autumn-2025"
    assert rules.festival_refresh_due(D(2025, 10, 7)) is None
    # Late January looks ahead to a Spring Festival early in the same year; December to next year's.
    assert rules.festival_refresh_due(D(2025, 1, 20)).key == "spring-2025"
    assert rules.festival_refresh_due(D(2027, 1, 25)).key == "spring-2027"


@override_settings(LEDGER_STALE_MONTHS=6)
def test_stale_cutoff_setting():
    assert rules.stale_before(D(2025, 9, 22)) == D(2025, 3, 22)
