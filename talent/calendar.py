"""Dates the development rules count in: calendar months and years, and working days (工作日) by the State Council's
holiday arrangement (国务院办公厅关于部分节假日安排的通知), read from the ``PublicHoliday`` and ``WorkdayAdjustment``
tables — never from code — so a county adds next year's arrangement in the admin without a deploy.

The tables are seeded from the ``chinesecalendar`` package (migration 0003, and ``manage.py load_holidays`` after an
upgrade of the package).
"""

import datetime

from talent.models import PublicHoliday, WorkdayAdjustment
from zyparty.dates import add_months, add_years, age_on  # noqa: F401 — re-exported: the rules count with them

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


class WorkCalendar:
    """Working days over a range of dates, from the two tables (two queries per range)."""

    def __init__(self, holidays=(), workdays=()):
        self.holidays = set(holidays)
        self.workdays = set(workdays)

    @classmethod
    def load(cls, start: datetime.date, end: datetime.date) -> "WorkCalendar":
        return cls(PublicHoliday.objects.filter(date__range=(start, end)).values_list("date", flat=True),
                   WorkdayAdjustment.objects.filter(date__range=(start, end)).values_list("date", flat=True))

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def working_days(self, start: datetime.date, end: datetime.date) -> int:
        """Working days from ``start`` to ``end``, both included."""
        count, day = 0, start
        while day <= end:
            count += self.is_working_day(day)
            day += datetime.timedelta(days=1)
        return count


def working_days(start: datetime.date, end: datetime.date) -> int:
    """Working days from ``start`` to ``end``, both included, by the tables."""
    if end < start:
        return 0
    return WorkCalendar.load(start, end).working_days(start, end)


def add_working_days(start: datetime.date, count: int) -> datetime.date:
    """The day on which ``count`` working days counted from ``start`` (included) are complete."""
    window = datetime.timedelta(days=count * 3 + 40)  # the longest run of days off (Spring Festival) fits in it
    cal = WorkCalendar.load(start, start + window)
    day, done = start, 0
    while True:
        done += cal.is_working_day(day)
        if done >= count:
            return day
        day += datetime.timedelta(days=1)


def covered_years() -> list[int]:
    """Years for which the holiday table holds an arrangement (a year missing here counts weekends only)."""

    return sorted({d.year for d in PublicHoliday.objects.values_list("date", flat=True)})


def package_calendar(years=None):
    """(holidays, workdays) of the ``chinesecalendar`` package as {date: Chinese name}, optionally for some years."""
    from chinese_calendar import constants  # noqa: PLC0415 — the package is read only when seeding the tables

    def name(value):
        text = getattr(value, "value", value)
        return HOLIDAY_NAMES.get(text, text)

    holidays = {d: name(v) for d, v in constants.holidays.items() if years is None or d.year in years}
    workdays = {d: f"{name(v)}调休上班" for d, v in constants.workdays.items() if years is None or d.year in years}
    return holidays, workdays


def load_package_calendar(holiday_model, workday_model, years=None) -> tuple[int, int]:
    """Add the package's days that the tables lack; rows a county edited are kept. Returns (holidays, workdays)
    added. Takes the models as arguments so the data migration can pass its historical ones."""
    holidays, workdays = package_calendar(years)
    have_h = set(holiday_model.objects.values_list("date", flat=True))
    have_w = set(workday_model.objects.values_list("date", flat=True))
    new_h = [holiday_model(date=d, name=n, note="chinesecalendar")
             for d, n in sorted(holidays.items()) if d not in have_h and d not in have_w]
    new_w = [workday_model(date=d, name=n, note="chinesecalendar")
             for d, n in sorted(workdays.items()) if d not in have_w and d not in have_h]
    holiday_model.objects.bulk_create(new_h, batch_size=500)
    workday_model.objects.bulk_create(new_w, batch_size=500)
    return len(new_h), len(new_w)
