"""The scheduled reminders (services.tasks calls these; services.schedules times them).

Each function takes the day it runs for, computes what is due with grouped queries (never one per record), and
delivers notices through services.notices.deliver: scoped to the recipient, idempotent per (job, period, subject)
through the notice's dedup key. Running one twice for the same period creates nothing new. Each returns how many
notices it created.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from ledgers.models import PartyMember, Worker
from organizations.models import CoManagementAgreement, HostPlaceOrganization, JointMeeting, PartyOrganization, Unit
from services import rules
from services.choices import NoticeKind, TrainingKind
from services.models import LiaisonRecord, TrainingAttendee
from services.notices import county_people, deliver, names_line, town_clerks, village_liaisons

SEED_000 = "紫办字〔2020〕45号"


# Semiannual two-way liaison (seed 000 §6) -------------------------------------------------------------------------

def liaison_pairs(half: rules.HalfYear) -> set:
    """The (town, host organization) pairs that owe each other an exchange in ``half``: those with a
    co-build co-manage agreement in force during it, and those that exchanged in the half-year before or in this one
    (a working relationship without a signed agreement)."""
    agreements = CoManagementAgreement.objects.filter(signed_on__lte=half.end).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=half.start))
    pairs = set(agreements.values_list("town_id", "host_organization_id"))
    recent = LiaisonRecord.objects.filter(host_organization__isnull=False, held_on__gte=half.previous().start,
                                          held_on__lte=half.end)
    pairs |= set(recent.values_list("town_id", "host_organization_id").distinct())
    return pairs


def liaison_gaps(half: rules.HalfYear) -> list:
    """Pairs of ``half`` without an exchange recorded in it, sorted by town and host organization."""
    done = set(LiaisonRecord.objects.filter(host_organization__isnull=False, held_on__gte=half.start,
                                            held_on__lte=half.end)
               .values_list("town_id", "host_organization_id").distinct())
    return sorted(liaison_pairs(half) - done)


def _liaison_notices(half: rules.HalfYear, overdue: bool) -> int:
    gaps = liaison_gaps(half)
    if not gaps:
        return 0
    towns = Unit.objects.in_bulk({t for t, _h in gaps})
    hosts = HostPlaceOrganization.objects.in_bulk({h for _t, h in gaps})
    clerks = town_clerks(towns)
    kind = NoticeKind.LIAISON_OVERDUE if overdue else NoticeKind.LIAISON_DUE
    stage = "overdue" if overdue else "due"
    created = 0
    by_county = defaultdict(list)
    for town_id, host_id in gaps:
        town, host = towns[town_id], hosts[host_id]
        by_county[town.county_id].append((town, host))
        if overdue:
            title = _("双向联系逾期：%(town)s—%(host)s（%(half)s）") % {"town": town.name, "host": host.name,
                                                                     "half": half.label}
            body = _("%(town)s党委与%(host)s%(half)s没有交流记录，已逾期（%(doc)s第6条：每半年至少交流一次）。"
                     "请尽快以电话、视频会、信函或走访等方式交流，并登记交流记录。") % {
                "town": town.name, "host": host.name, "half": half.label, "doc": SEED_000}
        else:
            title = _("双向联系提醒：%(town)s—%(host)s（%(half)s）") % {"town": town.name, "host": host.name,
                                                                     "half": half.label}
            body = _("%(town)s党委与%(host)s%(half)s尚无交流记录。按%(doc)s第6条每半年至少交流一次，"
                     "请于%(end)s前交流并登记。") % {"town": town.name, "host": host.name, "half": half.label,
                                                  "doc": SEED_000, "end": f"{half.end:%Y年%m月%d日}"}
        link = reverse("admin:services_liaisonrecord_add") + f"?town={town.pk}&host_organization={host.pk}"
        created += deliver(clerks[town.pk], town, kind=kind, title=title, body=body, link=link,
                           key=f"{half}:{stage}:town={town.pk}:host={host.pk}")
    counties = Unit.objects.in_bulk(by_county)
    people = county_people(by_county)
    for county_id, pairs in by_county.items():
        lines = "；".join(f"{town.name}—{host.name}" for town, host in pairs)
        title = (_("双向联系逾期：%(half)s有%(n)s对未交流") if overdue else _("双向联系提醒：%(half)s尚有%(n)s对未交流")) % {
            "half": half.label, "n": len(pairs)}
        body = _("以下乡镇党委与流入地党组织%(half)s尚无交流记录（%(doc)s第6条）：%(lines)s。") % {
            "half": half.label, "doc": SEED_000, "lines": lines}
        link = reverse("admin:services_liaisonrecord_changelist") + f"?held_on__gte={half.start:%Y-%m-%d}"
        created += deliver(people[county_id], counties[county_id], kind=kind, title=title, body=body, link=link,
                           key=f"{half}:{stage}:county={county_id}")
    return created


def semiannual_liaison(today: datetime.date) -> int:
    """Seed 000 §6: due notices in a half-year's last month, overdue notices for the half-year just ended."""
    created = _liaison_notices(rules.liaison_overdue_period(today), overdue=True)
    due = rules.liaison_due_period(today)
    if due is not None:
        created += _liaison_notices(due, overdue=False)
    return created


# Joint meetings (seed 000 §3) ------------------------------------------------------------------------------------

def joint_meetings(today: datetime.date) -> int:
    """Seed 000 §3: fewer than two joint meetings in the year → county staff and administrators, monthly from
    October (``JOINT_MEETING_REMINDER_FROM_MONTH``)."""
    if not rules.joint_meetings_short(0, today):
        return 0
    counties = Unit.objects.filter(level="county", is_active=True)
    held = dict(JointMeeting.objects.filter(held_on__year=today.year).values("county_id").annotate(
        n=Count("id")).values_list("county_id", "n"))
    people = county_people([c.pk for c in counties])
    created = 0
    for county in counties:
        count = held.get(county.pk, 0)
        if not rules.joint_meetings_short(count, today) or not people[county.pk]:
            continue
        created += deliver(
            people[county.pk], county, kind=NoticeKind.JOINT_MEETINGS,
            title=_("联席会议提醒：%(year)s年已召开%(n)s次") % {"year": today.year, "n": count},
            body=_("%(doc)s第3条要求联席会议每年至少召开两次，%(county)s%(year)s年已召开%(n)s次，"
                   "请在年底前安排召开并登记。") % {"doc": SEED_000, "county": county.name, "year": today.year,
                                                "n": count},
            link=reverse("admin:organizations_jointmeeting_changelist") + f"?held_on__year={today.year}",
            key=f"{today:%Y-%m}:county={county.pk}")
    return created


# Outpost secretaries' yearly training (seed 000 §8) ---------------------------------------------------------------

def untrained_outposts(year: int):
    """Active outpost organizations none of whose secretaries attended a training (as its secretary) in ``year``."""
    trained = TrainingAttendee.objects.filter(organization__isnull=False, training__held_on__year=year).values(
        "organization_id")
    return (PartyOrganization.objects.filter(is_outpost=True, is_active=True).exclude(pk__in=trained)
            .select_related("town", "county").order_by("town_id", "name"))


def outpost_secretary_training(today: datetime.date) -> int:
    """Seed 000 §8: outpost secretaries are trained at least once a year. From September
    (``OUTPOST_TRAINING_REMINDER_FROM_MONTH``), monthly: each untrained outpost → the clerks of its town; the list →
    county staff, who run the central training."""
    if not rules.outpost_training_reminder_open(today):
        return 0
    outposts = list(untrained_outposts(today.year))
    if not outposts:
        return 0
    clerks = town_clerks({o.town_id for o in outposts if o.town_id})
    link = reverse("admin:services_training_changelist") + f"?kind__exact={TrainingKind.OUTPOST_SECRETARY}"
    created = 0
    by_county = defaultdict(list)
    for outpost in outposts:
        by_county[outpost.county_id].append(outpost)
        who = outpost.secretary_name or _("书记")
        created += deliver(
            clerks[outpost.town_id], outpost, kind=NoticeKind.OUTPOST_TRAINING,
            title=_("驻外党组织书记培训提醒：%(org)s") % {"org": outpost.name},
            body=_("%(org)s的%(who)s%(year)s年尚未参加培训。%(doc)s第8条要求每年至少对驻外流动党组织书记集中培训"
                   "1次，请安排参训并登记参训人员（以书记身份参训的党组织选该组织）。") % {
                "org": outpost.name, "who": who, "year": today.year, "doc": SEED_000},
            link=link, key=f"{today:%Y-%m}:org={outpost.pk}")
    counties = Unit.objects.in_bulk(by_county)
    people = county_people(by_county)
    for county_id, items in by_county.items():
        created += deliver(
            people[county_id], counties[county_id], kind=NoticeKind.OUTPOST_TRAINING,
            title=_("驻外党组织书记培训提醒：%(n)s个组织本年未培训") % {"n": len(items)},
            body=_("%(year)s年尚未参加培训的驻外党组织书记（%(doc)s第8条）：%(names)s。") % {
                "year": today.year, "doc": SEED_000, "names": names_line((o.name for o in items), 30)},
            link=link, key=f"{today:%Y-%m}:county={county_id}")
    return created


# Festival ledger refresh (seed 000 §5, §11) -----------------------------------------------------------------------

def refresh_link(unit, today):
    return reverse("services:ledger-refresh") + f"?unit={unit.code}&on={today:%Y-%m-%d}"


def festival_ledger_refresh(today: datetime.date) -> int:
    """Seed 000 §5, §11: before Mid-Autumn and the Spring Festival (lunar dates), each village liaison gets the
    list of the village's workers whose record is stale or not "six clear", and each town clerk the same per village
    for the whole town."""
    festival = rules.festival_refresh_due(today)
    if festival is None:
        return 0
    cutoff = rules.stale_cutoff(today)
    rows = (Worker.objects.filter(rules.refresh_needed_q(today)).values("town_id", "village_id")
            .annotate(total=Count("id"), incomplete=Count("id", filter=Q(completeness__lt=6)),
                      stale=Count("id", filter=Q(updated_at__lt=cutoff))).order_by("town_id", "village_id"))
    rows = list(rows)
    if not rows:
        return 0
    units = Unit.objects.in_bulk({r["town_id"] for r in rows} | {r["village_id"] for r in rows if r["village_id"]})
    liaisons = village_liaisons({r["village_id"] for r in rows if r["village_id"]})
    clerks = town_clerks({r["town_id"] for r in rows})
    name = _("中秋") if festival.code == "mid_autumn" else _("春节")
    created = 0
    by_town = defaultdict(list)
    for row in rows:
        by_town[row["town_id"]].append(row)
        if not row["village_id"]:
            continue
        village = units[row["village_id"]]
        created += deliver(
            liaisons[village.pk], village, kind=NoticeKind.FESTIVAL_REFRESH,
            title=_("%(f)s台账更新：%(v)s有%(n)s名农民工信息待更新") % {"f": name, "v": village.name, "n": row["total"]},
            body=_("%(f)s（%(day)s）前后农民工返乡，请抓住节点更新台账（%(doc)s第5、11条）。%(v)s：六清楚未填全%(i)s人，"
                   "%(m)s个月以上未更新%(s)s人。也可在台账管理中按“六清楚完成项”筛选：%(admin)s") % {
                "f": name, "day": f"{festival.day:%m月%d日}", "doc": SEED_000, "v": village.name,
                "i": row["incomplete"], "m": settings.LEDGER_STALE_MONTHS, "s": row["stale"],
                "admin": f"/admin/ledgers/worker/?unit={village.code}&completeness__lt=6"},
            link=refresh_link(village, today), key=f"{festival.key}:village={village.pk}")
    for town_id, items in by_town.items():
        town = units[town_id]
        total = sum(r["total"] for r in items)
        lines = "；".join(
            _("%(v)s %(n)s人（未填全%(i)s，未更新%(s)s）") % {
                "v": units[r["village_id"]].name if r["village_id"] else _("未填村"), "n": r["total"],
                "i": r["incomplete"], "s": r["stale"]} for r in items)
        created += deliver(
            clerks[town_id], town, kind=NoticeKind.FESTIVAL_REFRESH,
            title=_("%(f)s台账更新：%(t)s有%(n)s名农民工信息待更新") % {"f": name, "t": town.name, "n": total},
            body=_("%(f)s（%(day)s）前后农民工返乡，请组织各村更新台账（%(doc)s第5、11条）。分村情况：%(lines)s。") % {
                "f": name, "day": f"{festival.day:%m月%d日}", "doc": SEED_000, "lines": lines},
            link=refresh_link(town, today), key=f"{festival.key}:town={town.pk}")
    return created


# Mobile members (DOMAIN.md "Mobile members") ----------------------------------------------------------------------

MEMBER_RULE_KINDS = {"transfer": NoticeKind.MOBILE_TRANSFER, "lapsed": NoticeKind.MOBILE_LAPSED,
                     "lost": NoticeKind.MOBILE_LOST_CONTACT}


def mobile_members(today: datetime.date) -> int:
    """Monthly, per town and rule (services.rules.MEMBER_RULES): members out ≥6 months at a fixed place (should
    transfer), without org life or dues for 6 months, lost for 6 months → the town clerks, with the list page."""
    created = 0
    for code, rule in rules.MEMBER_RULES.items():
        rows = list(PartyMember.objects.filter(rule.q(today)).order_by("town_id", "id").values_list(
            "town_id", "name"))
        if not rows:
            continue
        by_town = defaultdict(list)
        for town_id, name in rows:
            by_town[town_id].append(name)
        towns = Unit.objects.in_bulk(by_town)
        clerks = town_clerks(by_town)
        for town_id, names in by_town.items():
            town = towns[town_id]
            created += deliver(
                clerks[town_id], town, kind=MEMBER_RULE_KINDS[code],
                title=_("流动党员提醒：%(t)s有%(n)s名党员%(label)s") % {"t": town.name, "n": len(names),
                                                                 "label": rule.label},
                body=_("%(names)s。%(advice)s") % {"names": names_line(names), "advice": rule.advice},
                link=reverse("services:mobile-members") + f"?rule={code}&unit={town.code}",
                key=f"{code}:{today:%Y-%m}:town={town_id}")
    return created


JOBS = {
    "semiannual_liaison": semiannual_liaison,
    "joint_meetings": joint_meetings,
    "outpost_secretary_training": outpost_secretary_training,
    "festival_ledger_refresh": festival_ledger_refresh,
    "mobile_members": mobile_members,
}


def run_all(today: datetime.date) -> dict:
    return {name: job(today) for name, job in JOBS.items()}
