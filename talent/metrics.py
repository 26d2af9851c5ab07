"""Quota metrics counted from talent, ledger and organization records (registered in TalentConfig.ready()).

Each metric takes every subject of its kind at once and runs one grouped query (two for the branch-committee
metric), never one per subject. It returns a Measure for each subject the metric applies to; a subject left out
(e.g. a general branch for a branch-size metric) is "not applicable" and gets no result.

Party-organization sizes count the members of the migrant party members' ledger (ledgers.PartyMember) — the only
member records this portal keeps — that are full members (转正日期 on or before the day checked) in normal standing,
by ``home_organization`` (组织关系所在). An outpost branch also counts the full members who take part in its
activities (参加活动党组织): its members usually keep their relations at home (DOMAIN.md "Mobile members").
"""

from collections import defaultdict

from django.db.models import Q

from ledgers.models import Activist, PartyMember
from organizations.models import JointMeeting, PartyOrganization
from talent.models import BranchCommittee, DevelopmentCase, ReserveCadre
from zyparty.quotas import Measure, register_metric

EVIDENCE_CAP = 200


def _measures(subjects, rows, label):
    """{subject pk: Measure} from (subject pk, record pk) rows; subjects with no rows count 0."""
    grouped = defaultdict(list)
    for subject_id, record_id in rows:
        grouped[subject_id].append(record_id)
    return {s.pk: Measure(value=len(grouped[s.pk]), evidence=[(label, pk) for pk in grouped[s.pk][:EVIDENCE_CAP]])
            for s in subjects}


@register_metric("village_reserve_cadres", subject="village", label="村级后备力量人数")
def village_reserve_cadres(subjects, start, end):
    """Seed 000 §18: 每村每年至少培养3名以上村级后备力量."""
    rows = ReserveCadre.objects.filter(year__gte=start.year, year__lte=end.year).values_list("village_id", "pk")
    return _measures(subjects, rows, "talent.reservecadre")


@register_metric("village_returnee_reserve_cadres", subject="village", label="返乡农民工后备力量人数")
def village_returnee_reserve_cadres(subjects, start, end):
    """Seed 000 §18: 其中至少有1名优秀返乡农民工."""
    rows = ReserveCadre.objects.filter(year__gte=start.year, year__lte=end.year,
                                       is_returning_worker=True).values_list("village_id", "pk")
    return _measures(subjects, rows, "talent.reservecadre")


@register_metric("village_members_developed", subject="village", label="发展农民工党员人数")
def village_members_developed(subjects, start, end):
    """Seed 000 §19: 每村每两年至少发展1名以上农民工党员 — migrant members (ledger) who joined in the period, by
    home village."""
    rows = PartyMember.objects.filter(joined_on__range=(start, end), village__isnull=False).values_list(
        "village_id", "pk")
    return _measures(subjects, rows, "ledgers.partymember")


@register_metric("outpost_new_activists", subject="outpost", label="新培养入党积极分子人数")
def outpost_new_activists(subjects, start, end):
    """Seed 002 §4.4: 每个驻外党支部每年要培养2名以上的入党积极分子 — activists it cultivates who were confirmed
    (确定积极分子日期) in the period."""
    rows = Activist.objects.filter(activist_on__range=(start, end), cultivating_organization__is_outpost=True
                                   ).values_list("cultivating_organization_id", "pk")
    return _measures(subjects, rows, "ledgers.activist")


@register_metric("outpost_admissions", subject="outpost", label="吸收入党人数")
def outpost_admissions(subjects, start, end):
    """Seed 002 §4.4: 吸收1名以上积极分子入党 — development cases it cultivated (or took in) whose admission as
    probationary member was approved (⑰), by the date of the branch meeting's resolution (⑮) in the period."""
    ids = {s.pk for s in subjects}
    rows = []
    for pk, org, cultivator in DevelopmentCase.objects.filter(
            approved_on__isnull=False, admitted_on__range=(start, end)).filter(
            Q(cultivating_organization__is_outpost=True) | Q(organization__is_outpost=True)).values_list(
            "pk", "organization_id", "cultivating_organization_id"):
        owner = cultivator if cultivator in ids else org
        rows.append((owner, pk))
    return _measures(subjects, rows, "talent.developmentcase")


@register_metric("town_outpost_branches", subject="town", label="驻外党支部数")
def town_outpost_branches(subjects, start, end):
    """Seed 002 §4.2: 每个乡镇都要建立1个以上的驻外党支部 — active outpost organizations built by the town, founded
    by the end of the period."""
    rows = PartyOrganization.objects.filter(is_outpost=True, is_active=True, town__isnull=False).filter(
        Q(founded_on__isnull=True) | Q(founded_on__lte=end)).values_list("town_id", "pk")
    return _measures(subjects, rows, "organizations.partyorganization")


@register_metric("county_joint_meetings", subject="county", label="联席会议召开次数")
def county_joint_meetings(subjects, start, end):
    """Seed 000 §3: 联席会议每年至少召开两次."""
    rows = JointMeeting.objects.filter(held_on__range=(start, end)).values_list("county_id", "pk")
    return _measures(subjects, rows, "organizations.jointmeeting")


def _full_members(end):
    return PartyMember.objects.filter(full_member_on__isnull=False, full_member_on__lte=end,
                                      membership_status="normal")


@register_metric("branch_full_members", subject="organization", label="党支部正式党员人数")
def branch_full_members(subjects, start, end):
    """党章第三十条; 《中国共产党支部工作条例（试行）》: 正式党员3人以上的应当成立党支部, 党员一般不超过50人 — for
    branches."""
    branches = {s.pk: s for s in subjects if s.kind == "branch"}
    grouped = defaultdict(set)
    for pk, home, activity, activity_outpost in _full_members(end).values_list(
            "pk", "home_organization_id", "activity_organization_id", "activity_organization__is_outpost"):
        grouped[home].add(pk)
        if activity_outpost and activity:
            grouped[activity].add(pk)
    return {pk: Measure(value=len(grouped[pk]),
                        evidence=[("ledgers.partymember", m) for m in sorted(grouped[pk])[:EVIDENCE_CAP]])
            for pk in branches}


def _subtree_members(end):
    """{organization: {members}} over the organization itself, its children and grandchildren (three levels:
    committee → general branch → branch)."""
    grouped = defaultdict(set)
    for pk, org, parent, grandparent in _full_members(end).values_list(
            "pk", "home_organization_id", "home_organization__parent_id", "home_organization__parent__parent_id"):
        for owner in (org, parent, grandparent):
            if owner is not None:
                grouped[owner].add(pk)
    return grouped


@register_metric("general_branch_full_members", subject="organization", label="党总支正式党员人数")
def general_branch_full_members(subjects, start, end):
    """支部工作条例: 党员人数超过50人的…可以成立党的总支部委员会 — for general branches, members of the general
    branch and its branches."""
    grouped = _subtree_members(end)
    return {s.pk: Measure(value=len(grouped[s.pk]),
                          evidence=[("ledgers.partymember", m) for m in sorted(grouped[s.pk])[:EVIDENCE_CAP]])
            for s in subjects if s.kind == "general_branch"}


@register_metric("committee_full_members", subject="organization", label="基层党委正式党员人数")
def committee_full_members(subjects, start, end):
    """基层党组织设置的规定: 党员100人以上的设立党的基层委员会 — for primary committees (an enterprise's, or an
    outpost upgraded to a committee as seed 003's Hangzhou branch); a town's or county's committee is set up by the
    administrative level (地方党委), not by size, so committees without a parent are left out."""
    grouped = _subtree_members(end)
    return {s.pk: Measure(value=len(grouped[s.pk]),
                          evidence=[("ledgers.partymember", m) for m in sorted(grouped[s.pk])[:EVIDENCE_CAP]])
            for s in subjects if s.kind == "committee" and (s.parent_id is not None or s.is_outpost)}


@register_metric("branch_committee_established", subject="organization", label="应设支部委员会的支部已设立")
def branch_committee_established(subjects, start, end):
    """支部工作条例: 正式党员7人以上的党支部设立支部委员会 — for branches with ≥7 full members (by the
    branch-size count), 1 if a branch committee in its term is recorded, else 0."""
    sizes = branch_full_members(subjects, start, end)
    large = {pk for pk, measure in sizes.items() if measure.value >= 7}
    committees = {}
    for pk, org in BranchCommittee.objects.filter(organization_id__in=large, elected_on__lte=end).filter(
            Q(term_ends_on__isnull=True) | Q(term_ends_on__gte=end)).values_list("pk", "organization_id"):
        committees[org] = pk
    return {pk: Measure(value=1 if pk in committees else 0,
                        evidence=[("talent.branchcommittee", committees[pk])] if pk in committees else [])
            for pk in large}
