"""Calendar arithmetic every app counts in (plumbing): a date some months or years on, and a person's age in full
years (周岁). One definition for all: the development rules (talent), the ledgers' age checks (ledgers.people).

A period counted in months or years ends on the corresponding day of the last month, or on that month's last day when
it has no such day (民法典 第二百零三条): the 18th birthday of someone born on 29 February is 28 February in a
common year, and :func:`age_on` counts the same way as :func:`add_years`.
"""

import calendar as _calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months later; a day the target month lacks falls on its last day
    (1月31日 + 1个月 = 2月28/29日)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def add_years(day: datetime.date, years: int) -> datetime.date:
    return add_months(day, 12 * years)


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Full years of age on ``day`` (周岁): the birthday itself counts, and a 29 February birthday falls on
    28 February in a common year (as :func:`add_years` counts)."""
    years = day.year - birth_date.year
    if add_years(birth_date, years) > day:
        years -= 1
    return years
