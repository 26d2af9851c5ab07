"""Demo services for the demo county (called by overview.demo.load_demo): about two years of liaison between the towns
and their host-place partners, ~3,000 service cases since 2021 with about 50 million yuan recovered (seed 001), the
five free trainings and the outpost secretaries' training, job fairs and directed-employment agreements, festival
outreach, video lessons, funding, and the co-management records of the co-managed members — with gaps, so the
reminders have something to say. Everything is written with bulk inserts; the reminders then run once for today.
"""

import datetime
import json
from collections import defaultdict
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from organizations.models import CoManagementAgreement, PartyOrganization, Unit, User
from organizations.roles import Role
from services import choices, reminders, rules
from services.models import (
    ActivistInspection,
    DuesPayment,
    EmploymentAgreement,
    Funding,
    JobFair,
    LiaisonRecord,
    MemberEvaluation,
    MobileCertificate,
    OrgLifeRecord,
    OutreachCampaign,
    RelationTransfer,
    RelationTransferEvent,
    ServiceCase,
    ServiceCaseEvent,
    Training,
    TrainingAttendee,
    VideoLesson,
)
from zyparty.bulk import insert_rows

CASES = 3_000
TOPIC_CODES = list(choices.LiaisonTopic.values)
CASE_KINDS = [(choices.CaseKind.WAGE_RECOVERY, 33), (choices.CaseKind.LEGAL_AID, 12), (choices.CaseKind.EMPLOYMENT, 20),
              (choices.CaseKind.SOCIAL_SECURITY, 14), (choices.CaseKind.CERTIFICATES, 9), (choices.CaseKind.LOANS, 5),
              (choices.CaseKind.LEFT_BEHIND, 7)]
CASE_TITLES = {
    choices.CaseKind.WAGE_RECOVERY: ["工地拖欠工资", "工厂欠发加班费", "包工头欠薪", "年底工资未结清"],
    choices.CaseKind.LEGAL_AID: ["工伤赔偿纠纷", "劳动合同纠纷", "交通事故赔偿", "未签劳动合同"],
    choices.CaseKind.EMPLOYMENT: ["求职登记", "推荐就业岗位", "返乡就业咨询", "技能岗位对接"],
    choices.CaseKind.SOCIAL_SECURITY: ["社保关系转移接续", "医保异地就医备案", "养老保险补缴咨询"],
    choices.CaseKind.CERTIFICATES: ["办理居住证", "补办身份证", "办理流动人口婚育证明", "营业执照办理"],
    choices.CaseKind.LOANS: ["创业担保贷款", "返乡创业贴息贷款"],
    choices.CaseKind.LEFT_BEHIND: ["留守儿童亲情视频", "留守老人探访", "留守儿童学业帮扶"],
}
CHANNELS = [(choices.CaseChannel.WINDOW, 35), (choices.CaseChannel.HOTLINE_148, 25),
            (choices.CaseChannel.HOTLINE_4411111, 25), (choices.CaseChannel.OUTPOST, 15)]


def _insert(model, rows):
    """Write dicts of attribute values as rows (zyparty.bulk: COPY on PostgreSQL), filling the rest with the
    fields' defaults — the demo's large tables, far faster than building model instances."""
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]

    def value(field, row):
        if field.attname in row:
            v = row[field.attname]
        elif field.name in ("created_at", "updated_at"):
            v = now
        else:
            v = field.get_default()
        if v is None:
            return None
        if isinstance(field, models.JSONField):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(field, models.DateTimeField):
            return connection.ops.adapt_datetimefield_value(v)
        return v

    return insert_rows(model, [f.column for f in fields], (tuple(value(f, row) for f in fields) for row in rows))


def _new_ids(model, count):
    """The ids of the ``count`` rows just inserted into an otherwise untouched table, in insertion order."""
    return list(model.objects.order_by("-id").values_list("id", flat=True)[:count])[::-1]


def _date_between(rng, start, end):
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _pick(rng, weighted):
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def load(*, county, rng):
    today = timezone.localdate()
    towns = list(Unit.objects.filter(county=county, level="town").order_by("code"))
    agreements = list(CoManagementAgreement.objects.filter(county=county).select_related("organization"))
    outposts = list(PartyOrganization.objects.filter(county=county, is_outpost=True).order_by("id"))
    clerks = {u.unit_id: u for u in User.objects.filter(role=Role.TOWN_CLERK, unit__county=county)}
    counts = {
        "liaisons": _liaisons(rng, today, agreements),
        "cases": _cases(rng, today, county, clerks),
        "trainings": _trainings(rng, today, county, towns, outposts),
        "employment": _employment(rng, today, county, towns),
        "outreach": _outreach(rng, today, county, towns, outposts),
        "co_management": _co_management(rng, today, county),
        "mobile": _mobile(rng, today, county),
    }
    counts["notices"] = sum(reminders.run_all(today).values())
    return counts


def _liaisons(rng, today, agreements):
    """Each town ↔ host pair in the current and the three previous half-years; most exchange, some forget."""
    rows = []
    half = rules.HalfYear.of(today)
    halves = [half]
    for _ in range(3):
        halves.append(halves[-1].previous())
    for agreement in agreements:
        for h in halves:
            end = min(h.end, today)
            chance = 0.55 if h == half else 0.85
            for _ in range(rng.choice([1, 1, 2]) if rng.random() < chance else 0):
                topics = sorted(rng.sample(TOPIC_CODES, rng.randrange(1, 4)), key=TOPIC_CODES.index)
                rows.append(LiaisonRecord(
                    county_id=agreement.county_id, town_id=agreement.town_id,
                    host_organization_id=agreement.host_organization_id, held_on=_date_between(rng, h.start, end),
                    channel=rng.choice(choices.LiaisonChannel.values), topics=topics,
                    participants="镇党委组织委员、流入地党组织负责人",
                    summary="通报农民工党员流动、就业和思想状况，研究" + "、".join(
                        str(choices.LiaisonTopic(t).label) for t in topics) + "工作。",
                    follow_ups=rng.choice(["", "下季度联合开展一次主题党日。", "协调解决两名农民工欠薪问题。"])))
            if agreement.organization_id and rng.random() < 0.5:
                rows.append(LiaisonRecord(
                    county_id=agreement.county_id, town_id=agreement.town_id,
                    organization_id=agreement.organization_id, held_on=_date_between(rng, h.start, min(h.end, today)),
                    channel=choices.LiaisonChannel.VIDEO, topics=["education"],
                    summary="与驻外党支部视频连线，了解党员教育管理情况。"))
    LiaisonRecord.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _cases(rng, today, county, clerks):
    """~3,000 cases since 2021; wage recovery and legal aid recover about 50 million yuan (seed 001)."""
    workers = list(Worker.objects.filter(county=county).values_list("id", "town_id", "village_id", "name"))
    if not workers:
        return 0
    start = datetime.date(2021, 1, 1)
    cases, plans = [], []
    for _ in range(CASES):
        worker_id, town_id, village_id, name = rng.choice(workers)
        kind = _pick(rng, CASE_KINDS)
        opened = _date_between(rng, start, today)
        age = (today - opened).days
        if age > 60:
            status = choices.CaseStatus.RESOLVED if rng.random() < 0.93 else choices.CaseStatus.CLOSED
        else:
            status = rng.choice([choices.CaseStatus.RECEIVED, choices.CaseStatus.IN_PROGRESS,
                                 choices.CaseStatus.REFERRED, choices.CaseStatus.RESOLVED])
        closed = min(opened + datetime.timedelta(days=rng.randrange(3, 60)), today) \
            if status in (choices.CaseStatus.RESOLVED, choices.CaseStatus.CLOSED) else None
        rights = kind in (choices.CaseKind.WAGE_RECOVERY, choices.CaseKind.LEGAL_AID)
        claimed = Decimal(rng.randrange(3_000, 90_000, 100)) if rights else None
        recovered = None
        if rights and status == choices.CaseStatus.RESOLVED:
            recovered = (claimed * Decimal(rng.choice([1, 1, 1, 0.8, 0.6]))).quantize(Decimal("1"))
        elif kind == choices.CaseKind.WAGE_RECOVERY and status == choices.CaseStatus.CLOSED:
            recovered = Decimal(0)
        channel = _pick(rng, CHANNELS)
        clerk = clerks.get(town_id)
        cases.append(dict(
            title=rng.choice(CASE_TITLES[kind]), kind=kind, channel=channel, status=status, worker_id=worker_id,
            applicant_name=name, county_id=county.pk, town_id=town_id, village_id=village_id,
            handler_id=clerk.pk if clerk is not None else None, opened_on=opened, closed_on=closed,
            amount_claimed=claimed, amount_recovered=recovered,
            outcome="已办结，当事人满意。" if status == choices.CaseStatus.RESOLVED else ""))
        plans.append((opened, status, closed, clerk, channel))
    _insert(ServiceCase, cases)
    events = []
    for case_id, (opened, status, closed, clerk, channel) in zip(_new_ids(ServiceCase, len(cases)), plans):
        at = timezone.make_aware(datetime.datetime.combine(opened, datetime.time(9, rng.randrange(60))))
        by = clerk.pk if clerk is not None else None
        events.append(dict(case_id=case_id, from_status="", status=choices.CaseStatus.RECEIVED, at=at, by_id=by,
                           note="受理"))
        if status != choices.CaseStatus.RECEIVED:
            middle = choices.CaseStatus.REFERRED if status == choices.CaseStatus.REFERRED or (
                channel == choices.CaseChannel.HOTLINE_4411111) else choices.CaseStatus.IN_PROGRESS
            events.append(dict(case_id=case_id, from_status=choices.CaseStatus.RECEIVED, status=middle,
                               at=at + datetime.timedelta(hours=rng.randrange(2, 48)), by_id=by,
                               note="转相关部门办理" if middle == choices.CaseStatus.REFERRED else "联系当事人核实"))
            if closed is not None:
                events.append(dict(
                    case_id=case_id, from_status=middle, status=status, by_id=by,
                    at=timezone.make_aware(datetime.datetime.combine(closed, datetime.time(16))),
                    note="办结" if status == choices.CaseStatus.RESOLVED else "当事人撤回"))
    _insert(ServiceCaseEvent, events)
    return len(cases)


def _trainings(rng, today, county, towns, outposts):
    workers = list(Worker.objects.filter(county=county).values_list("id", "town_id", "village_id", "name")[:20_000])
    trainings, attendee_plans = [], []
    for year in (today.year - 2, today.year - 1, today.year):
        for kind in choices.FREE_TRAININGS:
            held = _date_between(rng, datetime.date(year, 3, 1), min(datetime.date(year, 11, 30), today))
            if held > today:
                continue
            town = rng.choice(towns)
            trainings.append(Training(
                title=f"{year}年{choices.TrainingKind(kind).label}免费技能培训班", kind=kind, held_on=held,
                ended_on=held + datetime.timedelta(days=6), county=county, town=town,
                organizer="县人社局、县农民工党员服务中心", location=f"{town.name}便民服务中心", hours=Decimal("48")))
            attendee_plans.append(("workers", rng.randrange(25, 45)))
        # The outpost secretaries' yearly training (seed 000 §8); this year's is still to come for some.
        held = datetime.date(year, 4, 18) if year < today.year else min(datetime.date(year, 4, 18), today)
        trainings.append(Training(
            title=f"{year}年驻外流动党组织书记集中培训班", kind=choices.TrainingKind.OUTPOST_SECRETARY, held_on=held,
            ended_on=held + datetime.timedelta(days=2), county=county, organizer="县委组织部",
            location="县委党校", hours=Decimal("24")))
        attendee_plans.append(("outposts", 0.9 if year < today.year else 0.7))
    trainings = Training.objects.bulk_create(trainings)
    attendees, serial = [], 0
    for training, (who, amount) in zip(trainings, attendee_plans):
        if who == "workers":
            for worker_id, town_id, village_id, name in rng.sample(workers, min(amount, len(workers))):
                serial += 1
                attendees.append(dict(
                    training_id=training.pk, worker_id=worker_id, name=name, county_id=county.pk, town_id=town_id,
                    village_id=village_id, certificate_no=f"JN{training.held_on.year}{serial:05d}"
                    if rng.random() < 0.85 else ""))
        else:
            for outpost in outposts:
                if rng.random() < amount:
                    attendees.append(dict(
                        training_id=training.pk, organization_id=outpost.pk, name=outpost.secretary_name or "书记",
                        county_id=county.pk, town_id=outpost.town_id))
    _insert(TrainingAttendee, attendees)
    return len(trainings)


def _employment(rng, today, county, towns):
    enterprises = list(HostEnterprise.objects.filter(county=county).values_list("id", "town_id")[:200])
    fairs = []
    for year in (today.year - 1, today.year):
        for month, title in ((2, "“就业春风”春季劳务招聘会"), (10, "返乡农民工专场招聘会")):
            held = datetime.date(year, month, 18)
            if held <= today:
                fairs.append(JobFair(title=f"{year}年{title}", held_on=held, county=county, location="县体育馆广场",
                                     organizer="县人社局", enterprises_count=rng.randrange(40, 90),
                                     positions_offered=rng.randrange(2000, 5000), attendance=rng.randrange(3000, 8000),
                                     intents_signed=rng.randrange(300, 900)))
    fairs = JobFair.objects.bulk_create(fairs)
    agreements = []
    villages = defaultdict(list)
    for pk, town_id in Unit.objects.filter(county=county, level="village").values_list("id", "town_id"):
        villages[town_id].append(pk)
    for enterprise_id, town_id in rng.sample(enterprises, min(60, len(enterprises))):
        fair = rng.choice(fairs) if fairs else None
        signed = fair.held_on if fair else _date_between(rng, datetime.date(today.year - 1, 1, 1), today)
        positions = rng.randrange(10, 120)
        agreements.append(EmploymentAgreement(
            enterprise_id=enterprise_id, county=county, town_id=town_id,
            village_id=rng.choice(villages[town_id]) if rng.random() < 0.5 else None, job_fair=fair,
            signed_on=signed, valid_until=signed + datetime.timedelta(days=730), positions=positions,
            workers_placed=rng.randrange(0, positions + 1), terms="定向招收本县农民工，提供岗前培训和住宿。"))
    EmploymentAgreement.objects.bulk_create(agreements)
    return len(fairs) + len(agreements)


def _outreach(rng, today, county, towns, outposts):
    campaigns = []
    for year in (today.year - 1, today.year):
        for festival in rules.festival_days(year):
            start = festival.day - datetime.timedelta(days=5)
            if start > today:
                continue
            name = "春节" if festival.code == "spring" else "中秋"
            for town in towns:
                if rng.random() < 0.85:
                    campaigns.append(OutreachCampaign(
                        festival=festival.code, year=year, title=f"{year}年{name}返乡农民工走访", county=county,
                        town=town, held_from=start, held_to=min(festival.day + datetime.timedelta(days=7), today),
                        activities=sorted(rng.sample(list(choices.OutreachActivity.values), 2)),
                        people_reached=rng.randrange(80, 600), opinions_collected=rng.randrange(5, 40),
                        problems="子女入学、欠薪、社保转移接续等问题。",
                        summary="召开返乡农民工座谈会，走访农民工家庭，更新台账信息。"))
    OutreachCampaign.objects.bulk_create(campaigns)
    lessons = []
    for year in (today.year - 1, today.year):
        for month in (7, 12):
            held = datetime.date(year, month, 1)
            if held <= today:
                lessons.append(VideoLesson(title="“党课开讲啦”视频党课", held_on=held, county=county, speaker="县委组织部",
                                           platform="E党建", attendance_count=rng.randrange(400, 900)))
    VideoLesson.objects.bulk_create(lessons)
    fundings = [Funding(organization_id=o.pk, county=county, town_id=o.town_id, year=year, amount=Decimal("10000"),
                        source=choices.FundingSource.RETAINED_DUES, purpose="驻外流动党组织活动经费（经费共担）",
                        granted_on=datetime.date(year, 3, 20))
                for year in (today.year - 2, today.year - 1, today.year) for o in outposts
                if datetime.date(year, 3, 20) <= today]
    Funding.objects.bulk_create(fundings)
    return len(campaigns) + len(lessons) + len(fundings)


def _co_management(rng, today, county):
    """Org life and dues for the last six months of most co-managed members (a few lapse), the host places'
    evaluations for last year, and inspection opinions on activists (seed 003)."""
    members = list(PartyMember.objects.filter(county=county, co_manager__isnull=False).only(
        "id", "county_id", "town_id", "village_id", "co_manager_id", "last_org_life_on", "last_dues_paid_on"))
    org_life, dues, evaluations, touched = [], [], [], []
    months = []
    first = today.replace(day=1)
    for back in range(6):
        month = (first - datetime.timedelta(days=28 * back)).replace(day=1)
        if month not in months:
            months.append(month)
    for member in members:
        place = dict(county_id=member.county_id, town_id=member.town_id, village_id=member.village_id,
                     member_id=member.pk, host_organization_id=member.co_manager_id)
        if rng.random() < 0.85:
            last_life = last_dues = None
            for month in months:
                held = min(month + datetime.timedelta(days=rng.randrange(0, 25)), today)
                attended = rng.random() < 0.9
                org_life.append(dict(held_on=held, kind=choices.OrgLifeKind.THEME_DAY, topic="主题党日",
                                     attended=attended, absence_reason="" if attended else "加班", **place))
                if attended:
                    last_life = max(last_life or held, held)
                paid = min(month + datetime.timedelta(days=rng.randrange(0, 10)), today)
                dues.append(dict(month=month, amount=Decimal(rng.choice(["1.00", "2.00", "5.00", "10.00"])),
                                 paid_on=paid, place=choices.DuesPlace.DESTINATION, **place))
                last_dues = max(last_dues or paid, paid)
            touched.append((last_life, last_dues, member.pk))
        if rng.random() < 0.9:
            evaluations.append(dict(
                year=today.year - 1, half=choices.EvaluationPeriod.YEAR,
                evaluated_on=datetime.date(today.year - 1, 12, 20),
                rating=rng.choices(list(choices.EvaluationRating.values), [25, 68, 6, 1])[0],
                opinion="按时参加组织生活，在务工单位发挥党员先锋模范作用。", **place))
    _insert(OrgLifeRecord, org_life)
    _insert(DuesPayment, dues)
    _insert(MemberEvaluation, evaluations)
    # The ledger's dates follow the records (what services.workflows does one record at a time).
    table, quote = PartyMember._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        # nosec B608: the table and column names are the model's own, quoted; the values are parameters.
        cursor.executemany(f"UPDATE {quote(table)} SET {quote('last_org_life_on')} = %s, "  # nosec B608
                           f"{quote('last_dues_paid_on')} = %s WHERE {quote('id')} = %s", touched)
    inspections = []
    for activist in Activist.objects.filter(county=county).only(
            "id", "county_id", "town_id", "village_id", "co_manager_id", "home_organization_id", "applied_on"):
        place = dict(county_id=activist.county_id, town_id=activist.town_id, village_id=activist.village_id,
                     activist_id=activist.pk)
        if activist.co_manager_id:
            inspections.append(dict(
                host_organization_id=activist.co_manager_id,
                inspected_on=_date_between(rng, activist.applied_on, today),
                opinion="工作积极，能主动参加流入地党组织活动。", conclusion=choices.InspectionConclusion.CONTINUE,
                **place))
        if activist.home_organization_id and rng.random() < 0.5:
            inspections.append(dict(
                organization_id=activist.home_organization_id,
                inspected_on=_date_between(rng, activist.applied_on, today),
                opinion="春节返乡期间走访考察，群众评价好。",
                conclusion=rng.choice([choices.InspectionConclusion.CONTINUE, choices.InspectionConclusion.RECOMMEND]),
                **place))
    _insert(ActivistInspection, inspections)
    return len(org_life) + len(dues) + len(evaluations) + len(inspections)


def _mobile(rng, today, county):
    """Certificates for the members who hold one in the ledger, and a few transfers of relations."""
    members = list(PartyMember.objects.filter(county=county).exclude(certificate_no="").only(
        "id", "county_id", "town_id", "village_id", "certificate_no", "out_since"))
    certificates = []
    for member in members:
        issued = member.out_since or today - datetime.timedelta(days=365)
        certificates.append(dict(
            member_id=member.pk, number=member.certificate_no, issued_on=issued,
            valid_until=issued + datetime.timedelta(days=3 * 365), county_id=member.county_id,
            town_id=member.town_id, village_id=member.village_id))
    _insert(MobileCertificate, certificates)
    candidates = list(PartyMember.objects.filter(county=county, destination_code__gt="").exclude(
        home_organization__isnull=True).only("id", "county_id", "town_id", "village_id", "home_organization_id",
                                             "destination_code")[:400])
    transfers = []
    plans = []
    for member in rng.sample(candidates, min(15, len(candidates))):
        status = rng.choice([choices.TransferStatus.REQUESTED, choices.TransferStatus.ACCEPTED,
                             choices.TransferStatus.REJECTED])
        requested = today - datetime.timedelta(days=rng.randrange(5, 200))
        transfers.append(RelationTransfer(
            member_id=member.pk, county_id=member.county_id, town_id=member.town_id, village_id=member.village_id,
            from_organization_id=member.home_organization_id, destination_code=member.destination_code,
            receiving_org_name="流入地社区党委", requested_on=requested, status=status,
            decided_on=None if status == choices.TransferStatus.REQUESTED else requested + datetime.timedelta(
                days=rng.randrange(3, 30)),
            reason="在务工地稳定就业满六个月，申请将组织关系转入务工地。"))
        plans.append(status)
    transfers = RelationTransfer.objects.bulk_create(transfers)
    events = []
    for transfer, status in zip(transfers, plans):
        at = timezone.make_aware(datetime.datetime.combine(transfer.requested_on, datetime.time(10)))
        events.append(RelationTransferEvent(transfer_id=transfer.pk, status=choices.TransferStatus.REQUESTED, at=at,
                                            note=transfer.reason))
        if status != choices.TransferStatus.REQUESTED:
            events.append(RelationTransferEvent(
                transfer_id=transfer.pk, from_status=choices.TransferStatus.REQUESTED, status=status,
                at=timezone.make_aware(datetime.datetime.combine(transfer.decided_on, datetime.time(15))),
                note="接收方已回执" if status == choices.TransferStatus.ACCEPTED else "接收方暂不具备接收条件"))
    RelationTransferEvent.objects.bulk_create(events)
    accepted = [t.member_id for t, status in zip(transfers, plans) if status == choices.TransferStatus.ACCEPTED]
    PartyMember.objects.filter(pk__in=accepted).update(is_mobile=False)
    MobileCertificate.objects.filter(member_id__in=accepted).update(revoked=True, revoked_on=today,
                                                                    revoke_reason="组织关系已转接")
    return len(certificates) + len(transfers)
