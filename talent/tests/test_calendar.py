"""Working days from the holiday tables, calendar months and years, and the seeded tables themselves."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from talent.calendar import add_months, add_working_days, add_years, age_on, covered_years, working_days
from talent.models import PublicHoliday, TimeLimit, WorkdayAdjustment
from talent.rules import Limits, period_bounds, previous_period

pytestmark = pytest.mark.django_db
D = datetime.date


def test_seeded_from_chinesecalendar():
    assert PublicHoliday.objects.get(date=D(2025, 10, 1)).name == "国庆节"
    assert PublicHoliday.objects.get(date=D(2025, 10, 6)).name == "中秋节"
    assert WorkdayAdjustment.objects.get(date=D(2025, 9, 28)).name == "国庆节调休上班"
    assert {2004, 2024, 2025} <= set(covered_years())


def test_working_days_national_day_2025():
    # 09-26 Fri, 09-27 Sat, 09-28 Sun (调休上班), 09-29, 09-30, 10-01…10-08 off, 10-09, 10-10, 10-11 Sat (调休上班)
    assert working_days(D(2025, 9, 26), D(2025, 10, 11)) == 7
    assert working_days(D(2025, 10, 1), D(2025, 10, 8)) == 0
    assert working_days(D(2025, 10, 9), D(2025, 10, 8)) == 0
    assert add_working_days(D(2025, 9, 30), 2) == D(2025, 10, 9)


def test_a_county_adds_next_years_arrangement_in_the_table():
    """Without a row, a future Monday is a working day; once the county enters the holiday, it is not."""
    day = D(2031, 10, 6)
    assert working_days(day, day) == 1
    PublicHoliday.objects.create(date=day, name="国庆节")
    assert working_days(day, day) == 0
    sunday = D(2031, 9, 28)
    assert working_days(sunday, sunday) == 0
    WorkdayAdjustment.objects.create(date=sunday, name="国庆节调休上班")
    assert working_days(sunday, sunday) == 1


def test_workday_adjustment_must_be_a_weekend_day_and_not_a_holiday():
    with pytest.raises(ValidationError, match="周六或周日"):
        WorkdayAdjustment(date=D(2031, 9, 29), name="x").full_clean()
    with pytest.raises(ValidationError, match="节假日"):
        WorkdayAdjustment(date=D(2025, 10, 4), name="x").full_clean()
    with pytest.raises(ValidationError, match="调休上班日"):
        PublicHoliday(date=D(2025, 9, 28), name="x").full_clean()


def test_load_holidays_keeps_edits_and_adds_missing_days():
    PublicHoliday.objects.filter(date=D(2025, 10, 1)).update(name="国庆节（县里改过）")
    PublicHoliday.objects.filter(date=D(2025, 10, 2)).delete()
    call_command("load_holidays", "--year", "2025", stdout=open("/dev/null", "w"))
    assert PublicHoliday.objects.get(date=D(2025, 10, 1)).name == "国庆节（县里改过）"
    assert PublicHoliday.objects.filter(date=D(2025, 10, 2)).exists()


@pytest.mark.parametrize("day, months, expected", [
    (D(2024, 1, 31), 1, D(2024, 2, 29)), (D(2023, 1, 31), 1, D(2023, 2, 28)), (D(2024, 8, 1), 6, D(2025, 2, 1)),
    (D(2024, 12, 15), 3, D(2025, 3, 15))])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_add_years_and_age():
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert age_on(D(2005, 3, 2), D(2023, 3, 1)) == 17
    assert age_on(D(2005, 3, 1), D(2023, 3, 1)) == 18


def test_limits_read_once_and_missing_limit_is_explained(django_assert_num_queries):
    with django_assert_num_queries(1):
        limits = Limits.load()
        assert limits.after("talk_within", D(2023, 3, 1)) == D(2023, 4, 1)
        assert limits.after("activist_min_period", D(2024, 2, 29)) == D(2025, 2, 28)
        assert limits.text("notice_min") == "5个工作日"
    TimeLimit.objects.filter(code="probation").delete()
    with pytest.raises(ValidationError, match="probation"):
        Limits.load().after("probation", D(2024, 1, 1))


@pytest.mark.parametrize("period, on, start, end", [
    ("year", D(2025, 6, 1), D(2025, 1, 1), D(2025, 12, 31)),
    ("half_year", D(2025, 6, 30), D(2025, 1, 1), D(2025, 6, 30)),
    ("half_year", D(2025, 7, 1), D(2025, 7, 1), D(2025, 12, 31)),
    ("two_years", D(2025, 3, 1), D(2024, 1, 1), D(2025, 12, 31)),
    ("two_years", D(2026, 3, 1), D(2026, 1, 1), D(2027, 12, 31)),
    ("point_in_time", D(2024, 2, 10), D(2024, 2, 1), D(2024, 2, 29)),
])
def test_period_bounds(period, on, start, end):
    assert period_bounds(period, on) == (start, end)


def test_previous_periods():
    assert previous_period("two_years", D(2026, 1, 1)) == (D(2024, 1, 1), D(2025, 12, 31))
    assert previous_period("half_year", D(2025, 7, 1)) == (D(2025, 1, 1), D(2025, 6, 30))
    assert period_bounds("two_years", D(2025, 3, 1), anchor_year=2021) == (D(2025, 1, 1), D(2026, 12, 31))
