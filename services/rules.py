"""The time rules the services app keeps people to — each encoded once, here, with its source.

Rules about many records are query expressions (``Q``) built for a given day, so that the reminders, the list pages
and the person record all ask the database the same question. Dates are calendar dates in the county's time zone.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from lunardate import LunarDate

from ledgers.choices import MembershipStatus
from ledgers.models import PartyMember
from services.models import RelationTransfer

SIX_MONTHS = 6  # DOMAIN.md "Mobile members": every 6-month limit below is the Party's rule, not a local number


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The latest start date from which ``months`` months have run by ``day``.

    Periods in months end on the corresponding day of the last month, or on that month's last day when it has no
    corresponding day (民法典 第二百零三条): started 2025-01-15, six months are reached on 2025-07-15 (on 07-14 it
    is 5 months 29 days); started 2024-08-31, on 2025-02-28. So on the last day of a month every start up to the
    end of the month ``months`` earlier has run its course; on other days, the same day ``months`` earlier
    (clamped to that month's length).
    """
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return datetime.date(year, month, last)
    return datetime.date(year, month, min(day.day, last))


def lasted(since: datetime.date | None, day: datetime.date, months: int) -> bool:
    """Whether something that began on ``since`` has lasted at least ``months`` months on ``day``."""
    return since is not None and since <= months_before(day, months)


# Mobile members (DOMAIN.md "Official rules — Mobile members") -------------------------------------------------------

def should_transfer_q(day: datetime.date) -> Q:
    """Out ≥6 months at a fixed place → should transfer the organizational relation (流动党员外出 6 个月以上且
    地点相对固定的，应当转移组织关系; DOMAIN.md "Mobile members").

    "A fixed place" is a recorded destination (``destination_code``). Members already being transferred, suspended
    or lost (that is the lost-contact rule's case) are not asked again.
    """

    open_transfer = RelationTransfer.objects.filter(member=OuterRef("pk"), status="requested")
    return (Q(is_mobile=True, membership_status=MembershipStatus.NORMAL, lost_contact=False,
              out_since__lte=months_before(day, SIX_MONTHS)) & ~Q(destination_code="")
            & ~Exists(open_transfer))


def no_org_life_q(day: datetime.date) -> Q:
    """No org life for 6 months: the last attended org life (or, with none recorded, the day the member went out)
    is 6 or more months ago. Half of the rule below."""
    cutoff = months_before(day, SIX_MONTHS)
    return Q(last_org_life_on__lte=cutoff) | Q(last_org_life_on__isnull=True, out_since__lte=cutoff)


def no_dues_q(day: datetime.date) -> Q:
    """No dues for 6 months: the last payment (or, with none recorded, the day the member went out) is 6 or more
    months ago. Half of the rule below."""
    cutoff = months_before(day, SIX_MONTHS)
    return Q(last_dues_paid_on__lte=cutoff) | Q(last_dues_paid_on__isnull=True, out_since__lte=cutoff)


def treated_as_left_q(day: datetime.date) -> Q:
    """党章 第九条: a member who, without good reason, for six consecutive months does not take part in org life or
    does not pay dues is regarded as having left the Party (自行脱党). Whether the reason is good is for the branch
    to judge, so this only raises a notice — never an automatic removal. Lost members are the next rule's case."""
    return (Q(membership_status=MembershipStatus.NORMAL, lost_contact=False)
            & (no_org_life_q(day) | no_dues_q(day)))


def suspension_due_q(day: datetime.date) -> Q:
    """Lost contact ≥6 months → membership suspended (失去联系满 6 个月、经查找仍无法取得联系的，停止党籍;
    DOMAIN.md "Mobile members"). The portal suggests it; the branch decides and records it in the ledger."""
    return Q(lost_contact=True, membership_status=MembershipStatus.NORMAL,
             lost_contact_since__lte=months_before(day, SIX_MONTHS))


@dataclass(frozen=True)
class MemberRule:
    code: str
    label: str
    advice: str
    q: object  # day -> Q


MEMBER_RULES = {
    "transfer": MemberRule("transfer", "外出满六个月且地点固定，应转接组织关系",
                           "请联系本人办理组织关系转接（可在“组织关系转接”中登记）。", should_transfer_q),
    "lapsed": MemberRule("lapsed", "连续六个月未参加组织生活或未交纳党费",
                         "请核实有无正当理由；无正当理由的，由支部按党章第九条处理。", treated_as_left_q),
    "lost": MemberRule("lost", "失去联系满六个月，应停止党籍",
                       "请经多方查找后仍无法联系的，由支部按程序停止其党籍并在台账中登记。", suspension_due_q),
}


def member_flags(member, day: datetime.date) -> list[MemberRule]:
    """The mobile-member rules that apply to one member on ``day`` (one query)."""


    annotations = {f"flag_{code}": ExpressionWrapper(rule.q(day), output_field=BooleanField())
                   for code, rule in MEMBER_RULES.items()}
    row = PartyMember.objects.filter(pk=member.pk).annotate(**annotations).values(*annotations).first()
    return [rule for code, rule in MEMBER_RULES.items() if row and row[f"flag_{code}"]]


# Two-way liaison (seed 000 §6) ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HalfYear:
    year: int
    half: int  # 1 or 2

    @classmethod
    def of(cls, day: datetime.date) -> "HalfYear":
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> datetime.date:
        return datetime.date(self.year, 6, 30) if self.half == 1 else datetime.date(self.year, 12, 31)

    @property
    def last_month_start(self) -> datetime.date:
        return datetime.date(self.year, 6 if self.half == 1 else 12, 1)

    def previous(self) -> "HalfYear":
        return HalfYear(self.year, 1) if self.half == 2 else HalfYear(self.year - 1, 2)

    def __str__(self):
        return f"{self.year}H{self.half}"

    @property
    def label(self):
        return f"{self.year}年{'上' if self.half == 1 else '下'}半年"


def liaison_due_period(day: datetime.date) -> HalfYear | None:
    """Seed 000 §6: each town party committee and each host-place organization exchange at least once every half
    year. In the half-year's last month a pair without an exchange yet is *due*; returns that half-year."""
    half = HalfYear.of(day)
    return half if day >= half.last_month_start else None


def liaison_overdue_period(day: datetime.date) -> HalfYear:
    """Seed 000 §6: a pair with no exchange in the half-year that ended before ``day`` is *overdue* for it."""
    return HalfYear.of(day).previous()


# Joint meetings (seed 000 §3) and outpost secretaries' training (seed 000 §8) --------------------------------------

JOINT_MEETINGS_PER_YEAR = 2


def joint_meetings_short(held_this_year: int, day: datetime.date) -> bool:
    """Seed 000 §3: the joint meeting meets at least twice a year. From the month set in
    ``JOINT_MEETING_REMINDER_FROM_MONTH`` (October) a county with fewer is reminded."""
    return day.month >= settings.JOINT_MEETING_REMINDER_FROM_MONTH and held_this_year < JOINT_MEETINGS_PER_YEAR


def outpost_training_reminder_open(day: datetime.date) -> bool:
    """Seed 000 §8: outpost secretaries are trained at least once a year; from the month set in
    ``OUTPOST_TRAINING_REMINDER_FROM_MONTH`` (September) an untrained one is a reminder."""
    return day.month >= settings.OUTPOST_TRAINING_REMINDER_FROM_MONTH


# Festival ledger refresh (seed 000 §5, §11) -----------------------------------------------------------------------

@dataclass(frozen=True)
class FestivalDay:
    code: str  # services.choices.Festival
    day: datetime.date

    @property
    def key(self):
        return f"{self.code}-{self.day.year}"


def festival_days(year: int) -> list[FestivalDay]:
    """Mid-Autumn (lunar 8/15) and the Spring Festival (lunar 1/1) falling in Gregorian ``year``, from the lunar
    calendar (seed 000 §5, §11: ledgers are refreshed when workers come home for these festivals)."""
    return sorted([
        FestivalDay("spring", LunarDate(year, 1, 1).to_solar_date()),
        FestivalDay("mid_autumn", LunarDate(year, 8, 15).to_solar_date()),
    ], key=lambda f: f.day)


def festival_refresh_due(day: datetime.date) -> FestivalDay | None:
    """The festival whose ledger refresh is on: ``FESTIVAL_REFRESH_DAYS_BEFORE`` days before it up to the day."""
    lead = datetime.timedelta(days=settings.FESTIVAL_REFRESH_DAYS_BEFORE)
    for festival in festival_days(day.year) + festival_days(day.year + 1):
        if festival.day - lead <= day <= festival.day:
            return festival
    return None


def stale_before(day: datetime.date) -> datetime.date:
    """A worker record last updated before this date is stale (``LEDGER_STALE_MONTHS``, default 6)."""
    return months_before(day, settings.LEDGER_STALE_MONTHS)


def stale_cutoff(day: datetime.date) -> datetime.datetime:
    """:func:`stale_before` as the first moment of that day in the county's time zone (``updated_at`` is a time)."""

    return datetime.datetime.combine(stale_before(day), datetime.time.min, tzinfo=timezone.get_current_timezone())


def refresh_needed_q(day: datetime.date) -> Q:
    """Seed 000 §5, §11: when the workers who went out come home for the festival, every record that is not "six
    clear" (completeness < 6) or is stale is to be refreshed."""
    return Q(direction="out") & (Q(completeness__lt=6) | Q(updated_at__lt=stale_cutoff(day)))
