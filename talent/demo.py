"""Demo data of the talent app, loaded by overview.demo after the county's ledgers (a few seconds).

- The local-talent pool: about four people per village (returnees, members), their "one attract, four cultivate"
  stages; reserve cadres — three a village this year, some villages short (no returnee, or only two) so the
  compliance view shows shortfalls; ventures as in seed 001 (cooperatives 122, family farms 52, enterprises 76, and
  29 community factories), appointments (46 two-committee seats as in seed 001, village-affairs assistants…),
  nominations and awards; branch committees for most branches of seven full members or more.
- Development cases in every stage, recorded step by step through the workflow with dates that keep every rule.
- A first quota evaluation, so the compliance page and the inboxes have something to show.
"""

import datetime
import logging
import time
from collections import defaultdict
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from ledgers.models import Activist, PartyMember, Worker
from organizations.models import HostPlaceOrganization, PartyOrganization, Unit
from talent import choices, rules, workflows
from talent.calendar import add_months, add_working_days, add_years
from talent.choices import AppointmentKind, AwardKind, CultivationStageKind, Level, NominationKind, VentureKind
from talent.models import (
    Appointment,
    Award,
    BranchCommittee,
    CultivationStage,
    DevelopmentCase,
    DevelopmentStep,
    Nomination,
    ReserveCadre,
    ReturneeVenture,
    StepParticipant,
    Talent,
)
from zyparty.pinyin import initials

logger = logging.getLogger(__name__)

SKILLS = ["茶叶种植加工", "电子商务", "修脚养生", "特色烹饪", "家政服务", "建筑施工", "魔芋种植", "生猪养殖", "电工",
          "乡村旅游", "物流运输", "中药材种植", "数控加工", "直播带货"]
VENTURE_COUNTS = [(VentureKind.COOPERATIVE, 122), (VentureKind.FAMILY_FARM, 52), (VentureKind.ENTERPRISE, 76),
                  (VentureKind.COMMUNITY_FACTORY, 29)]
VENTURE_NAMES = {VentureKind.COOPERATIVE: ["茶叶专业合作社", "魔芋种植专业合作社", "生猪养殖专业合作社", "中药材合作社"],
                 VentureKind.FAMILY_FARM: ["家庭农场", "生态家庭农场"],
                 VentureKind.ENTERPRISE: ["富硒茶业有限公司", "农业科技有限公司", "电子商务有限公司", "建筑劳务有限公司"],
                 VentureKind.COMMUNITY_FACTORY: ["社区工厂（毛绒玩具）", "社区工厂（电子配件）", "社区工厂（服装加工）"]}
# Stages reached by the cases (the step the case stops after), spread over the five stages.
CASE_TARGETS = [1, 1, 2, 3, 5, 6, 6, 7, 9, 11, 12, 14, 15, 16, 17, 19, 21, 22, 23, 25, 25]


class TalentDemo:
    def __init__(self, county, rng):
        self.county, self.rng = county, rng
        self.today = timezone.localdate()
        self.year = self.today.year
        self.villages = list(Unit.objects.filter(county=county, level="village").order_by("code"))
        self.branches = {o.home_unit_id: o for o in PartyOrganization.objects.filter(
            county=county, kind="branch", is_outpost=False, home_unit__level="village")}
        self.outposts = defaultdict(list)
        for o in PartyOrganization.objects.filter(county=county, is_outpost=True).select_related("host_partner"):
            self.outposts[o.town_id].append(o)
        self.members = defaultdict(list)
        for m in PartyMember.objects.filter(county=county, membership_status="normal").only(
                "pk", "name", "gender", "birth_date", "village_id", "town_id", "education", "joined_on",
                "full_member_on", "home_organization_id", "membership_status"):
            self.members[m.village_id].append(m)

    # The talent pool -------------------------------------------------------------------------------------------
    def talents(self):
        by_village = defaultdict(list)
        workers = Worker.objects.filter(county=self.county, birth_date__lte=add_years(self.today, -22),
                                        birth_date__gte=add_years(self.today, -50))
        # A deterministic sample of about 20 a village: the pool needs four, the county has thousands.
        step = max(1, workers.count() // (20 * max(1, len(self.villages))))
        for row in workers.annotate(bucket=F("id") % step).filter(bucket=0).values_list(
                "pk", "village_id", "name", "gender", "birth_date", "return_intention", "skills"):
            by_village[row[1]].append(row)
        rows, taken = [], set()
        for village in self.villages:
            pool = by_village.get(village.pk, [])
            returned = [r for r in pool if r[5] == "returned"]
            chosen = self.rng.sample(returned, min(3, len(returned)))
            rest = [r for r in pool if r not in chosen]
            chosen += self.rng.sample(rest, min(4 - len(chosen), len(rest)))
            for pk, _, name, gender, born, intention, skill in chosen:
                returnee = intention == "returned" or self.rng.random() < 0.3
                rows.append(Talent(worker_id=pk, name=name, name_initials=initials(name), gender=gender,
                                   birth_date=born, village=village, county_id=village.county_id,
                                   town_id=village.town_id, education=self.rng.choice(
                                       ["junior", "senior", "senior", "college", "bachelor"]),
                                   skills=skill or self.rng.choice(SKILLS), is_returnee=returnee,
                                   returned_on=self.today - datetime.timedelta(days=self.rng.randrange(60, 2500))
                                   if returnee else None))
                taken.add(pk)
            for m in self.rng.sample(self.members.get(village.pk, []), min(1, len(self.members.get(village.pk, [])))):
                rows.append(Talent(member_id=m.pk, name=m.name, name_initials=initials(m.name), gender=m.gender,
                                   birth_date=m.birth_date, village=village, county_id=village.county_id,
                                   town_id=village.town_id, education=m.education or "senior",
                                   skills=self.rng.choice(SKILLS), is_returnee=self.rng.random() < 0.6,
                                   stage=CultivationStageKind.MEMBER))
        Talent.objects.bulk_create(rows, batch_size=500)
        self.pool = defaultdict(list)
        for t in Talent.objects.filter(county=self.county).select_related("member"):
            self.pool[t.village_id].append(t)
        stages = []
        for talents in self.pool.values():
            for t in talents:
                attracted = t.returned_on or (self.today - datetime.timedelta(days=self.rng.randrange(200, 1500)))
                stages.append(CultivationStage(talent=t, stage=CultivationStageKind.ATTRACTED, reached_on=attracted,
                                               county_id=t.county_id, town_id=t.town_id, village_id=t.village_id))
                if t.member_id:
                    stages.append(CultivationStage(talent=t, stage=CultivationStageKind.MEMBER,
                                                   reached_on=t.member.joined_on, county_id=t.county_id,
                                                   town_id=t.town_id, village_id=t.village_id))
        CultivationStage.objects.bulk_create(stages, batch_size=1000)

    def reserve_cadres(self):
        rows = []
        for i, village in enumerate(self.villages):
            talents = [t for t in self.pool[village.pk] if t.birth_date]
            returnees = [t for t in talents if t.is_returnee]
            for year, short in ((self.year - 1, i % 9 == 4), (self.year, i % 5 == 2)):
                if short and i % 2:
                    others = [t for t in talents if not t.is_returnee] or talents
                    chosen = self.rng.sample(others, min(3, len(others)))
                elif short:
                    chosen = self.rng.sample(talents, min(2, len(talents)))
                else:
                    first = self.rng.sample(returnees, 1) if returnees else []
                    chosen = first + self.rng.sample([t for t in talents if t not in first],
                                                     min(3 - len(first), len(talents) - len(first)))
                selected = datetime.date(year, self.rng.randrange(1, 4), self.rng.randrange(1, 28))
                selected = min(selected, self.today)
                for t in chosen:
                    age, warnings = rules.reserve_profile(t, selected)
                    rows.append(ReserveCadre(talent=t, year=year, selected_on=selected,
                                             is_returning_worker=t.is_returnee,
                                             age=age, profile_warnings=warnings, county_id=t.county_id,
                                             town_id=t.town_id, village_id=t.village_id,
                                             notes="跟班学习，安排村务助理岗位锻炼"))
        ReserveCadre.objects.bulk_create(rows, batch_size=1000)

    def ventures(self):
        everyone = [t for talents in self.pool.values() for t in talents if t.is_returnee]
        rows, leaders = [], {}
        if not everyone:
            return
        for kind, count in VENTURE_COUNTS:
            for n in range(count):
                founder = self.rng.choice(everyone)
                village = next(v for v in self.villages if v.pk == founder.village_id)
                founded = self.today - datetime.timedelta(days=self.rng.randrange(100, 3000))
                name = village.name.removesuffix("村").removesuffix("社区") + self.rng.choice(VENTURE_NAMES[kind])
                loans = Decimal(self.rng.randrange(0, 60)) * 10000
                rows.append(ReturneeVenture(
                    kind=kind, name=name, founder=founder, village=village, county_id=village.county_id,
                    town_id=village.town_id, founded_on=founded,
                    jobs_created=self.rng.randrange(3, 120 if kind == VentureKind.COMMUNITY_FACTORY else 40),
                    loans_amount=loans, subsidies_amount=Decimal(self.rng.randrange(0, 20)) * 5000,
                    is_active=self.rng.random() > 0.05))
                leaders[founder.pk] = min(founded, leaders.get(founder.pk, founded))
        ReturneeVenture.objects.bulk_create(rows, batch_size=500)
        self.advance(leaders, CultivationStageKind.WEALTH_LEADER)

    def appointments(self):
        everyone = [t for talents in self.pool.values() for t in talents]
        members = [t for t in everyone if t.member_id]
        self.rng.shuffle(members)
        rows, cadres = [], {}
        election = datetime.date(2021, 11, 1)
        for i, t in enumerate(members[:46]):  # seed 001: 46 elected to the new two committees
            kind = AppointmentKind.TWO_COMMITTEE_HEAD if i < 10 else AppointmentKind.TWO_COMMITTEE_MEMBER
            post = "村党支部书记、村委会主任" if i < 10 else self.rng.choice(["村委会委员", "村党支部委员", "村监委会主任"])
            rows.append(Appointment(talent=t, kind=kind, post=post, start_on=election, county_id=t.county_id,
                                    town_id=t.town_id, village_id=t.village_id))
            cadres[t.pk] = election
        others = [t for t in everyone if t.pk not in cadres]
        for kind, count, post in ((AppointmentKind.VILLAGE_AFFAIRS_ASSISTANT, 60, "村务助理"),
                                  (AppointmentKind.COOPERATIVE, 30, "合作社理事"),
                                  (AppointmentKind.MASS_ORGANIZATION, 20, "村团支部书记")):
            for t in self.rng.sample(others, min(count, len(others))):
                start = self.today - datetime.timedelta(days=self.rng.randrange(30, 900))
                rows.append(Appointment(talent=t, kind=kind, post=post, start_on=start, county_id=t.county_id,
                                        town_id=t.town_id, village_id=t.village_id,
                                        end_on=start + datetime.timedelta(days=365)
                                        if self.rng.random() < 0.2 else None))
        Appointment.objects.bulk_create(rows, batch_size=500)
        self.advance(cadres, CultivationStageKind.VILLAGE_CADRE)
        self.cadres = [t for t in everyone if t.pk in cadres]

    def honours(self):
        everyone = [t for talents in self.pool.values() for t in talents]
        nominations = []
        for t in self.rng.sample(self.cadres, min(30, len(self.cadres))):
            nominations.append(Nomination(talent=t, kind=self.rng.choice(list(NominationKind)),
                                          level=self.rng.choice([Level.TOWN, Level.COUNTY, Level.COUNTY, Level.CITY]),
                                          year=self.rng.choice([2021, 2022, self.year - 1]),
                                          status=self.rng.choice(["nominated", "elected", "elected"]),
                                          county_id=t.county_id, town_id=t.town_id, village_id=t.village_id))
        Nomination.objects.bulk_create(nominations)
        awards = []
        titles = {AwardKind.PIONEER: "返乡创业先锋", AwardKind.WEALTH_STAR: "党员致富之星", AwardKind.MODEL_WORKER: "劳动模范",
                  AwardKind.ENTREPRENEUR_PLAQUE: "返乡优秀企业家"}
        for t in self.rng.sample(everyone, min(40, len(everyone))):
            kind = self.rng.choice(list(titles))
            year = self.rng.randrange(self.year - 5, self.year)
            awards.append(Award(talent=t, kind=kind, title=f"{year}年度紫阳县{titles[kind]}",
                                level=Level.COUNTY if kind != AwardKind.MODEL_WORKER else Level.CITY,
                                awarded_on=datetime.date(year, 12, 20), issuer="中共紫阳县委、紫阳县人民政府",
                                county_id=t.county_id, town_id=t.town_id, village_id=t.village_id))
        Award.objects.bulk_create(awards)

    def advance(self, reached: dict, stage):
        """Record that talents reached ``stage`` on the given dates and move their current stage forward."""
        order = choices.STAGE_ORDER
        talents = Talent.objects.in_bulk(list(reached))
        CultivationStage.objects.bulk_create([
            CultivationStage(talent_id=pk, stage=stage, reached_on=day, county_id=talents[pk].county_id,
                             town_id=talents[pk].town_id, village_id=talents[pk].village_id)
            for pk, day in reached.items()], ignore_conflicts=True)
        for t in talents.values():
            if order.index(stage) > order.index(t.stage):
                t.stage = stage
        Talent.objects.bulk_update(talents.values(), ["stage"], batch_size=500)
        for talents_ in self.pool.values():
            for t in talents_:
                if t.pk in talents:
                    t.stage = talents[t.pk].stage

    def branch_committees(self):
        sizes = defaultdict(int)
        for members in self.members.values():
            for m in members:
                if m.full_member_on and m.full_member_on <= self.today:
                    sizes[m.home_organization_id] += 1
        rows = []
        for village_id, branch in self.branches.items():
            if sizes[branch.pk] >= 7 and self.rng.random() < 0.75:
                elected = datetime.date(self.year - 1, self.rng.randrange(3, 7), 10)  # branch terms: 3 years
                rows.append(BranchCommittee(organization=branch, elected_on=elected, term_ends_on=add_years(elected, 3),
                                            members_count=self.rng.choice([3, 5]), secretary_name=branch.secretary_name,
                                            county_id=branch.county_id, town_id=branch.town_id))
        BranchCommittee.objects.bulk_create(rows)

    # Development cases -----------------------------------------------------------------------------------------
    def schedule(self, start, co_managed):
        """Step facts from an application date on, every date chosen to keep the rules."""
        d = start
        plan = [(1, {"done_on": d})]
        talk = d + datetime.timedelta(days=self.rng.randrange(7, 25))
        plan.append((2, {"done_on": talk, "opinion": "了解入党动机和基本情况"}))
        activist = talk + datetime.timedelta(days=self.rng.randrange(30, 90))
        plan += [(3, {"done_on": activist, "nomination": self.rng.choice(["member", "mass_organization"])}),
                 (4, {"done_on": activist + datetime.timedelta(days=7)}),
                 (5, {"done_on": activist + datetime.timedelta(days=10), "participants": "contact"})]
        for k in (0, 1):
            day = add_months(activist, 6 * k) + datetime.timedelta(days=20)
            plan.append((6, {"done_on": day, "opinion": "思想进步，工作积极，按时提交思想汇报"}))
            if co_managed:
                plan.append((6, {"done_on": day + datetime.timedelta(days=3), "opinion": "流入地党组织考察意见：表现良好",
                                 "host": True}))
        target = add_years(activist, 1) + datetime.timedelta(days=5)
        plan += [(7, {"done_on": target}), (8, {"done_on": target + datetime.timedelta(days=7)}),
                 (9, {"done_on": target + datetime.timedelta(days=12), "participants": "sponsor"}),
                 (10, {"done_on": target + datetime.timedelta(days=30), "outcome": "passed", "consulted_home": True,
                       "consulted_residence": True}),
                 (11, {"done_on": target + datetime.timedelta(days=50), "training_days": 3, "training_hours": 24})]
        review = target + datetime.timedelta(days=58)
        notice_end = add_working_days(review, 5)
        notice = {"done_on": review, "notice_start": review, "notice_end": notice_end}
        if co_managed:
            notice.update(host_notice_start=review, host_notice_end=notice_end)
        pre = notice_end + datetime.timedelta(days=3)
        meeting = pre + datetime.timedelta(days=12)
        plan += [(12, notice), (13, {"done_on": pre}), (14, {"done_on": pre + datetime.timedelta(days=5)}),
                 (15, {"done_on": meeting, "members_entitled": 9, "members_present": 8, "votes_yes": 8}),
                 (16, {"done_on": meeting + datetime.timedelta(days=14), "participants": "interviewer"}),
                 (17, {"done_on": meeting + datetime.timedelta(days=40), "outcome": "approved"}),
                 (18, {"done_on": meeting + datetime.timedelta(days=48)}),
                 (19, {"done_on": meeting + datetime.timedelta(days=50)}),
                 (20, {"done_on": meeting + datetime.timedelta(days=70)}),
                 (21, {"done_on": meeting + datetime.timedelta(days=200), "opinion": "预备期表现良好"})]
        ends = add_years(meeting, 1)
        plan += [(22, {"done_on": ends - datetime.timedelta(days=10)}),
                 (23, {"done_on": ends, "members_entitled": 9, "members_present": 7, "votes_yes": 7,
                       "outcome": "convert"}),
                 (24, {"done_on": ends + datetime.timedelta(days=30), "outcome": "approved"}),
                 (25, {"done_on": ends + datetime.timedelta(days=40)})]
        return plan

    def cases(self):
        candidates = list(Worker.objects.filter(
            county=self.county, party_wish="yes", political_status__in=["masses", "league"],
            birth_date__lte=add_years(self.today, -25), village__isnull=False).order_by("pk")[:400])
        self.rng.shuffle(candidates)
        # The demo logins are the clerks of the first two towns and an outpost of the first: two cases in three
        # are taken there, the others anywhere.
        towns = sorted({v.town_id for v in self.villages})[:2]
        pools = [[c for c in candidates if c.town_id not in towns], [c for c in candidates if c.town_id in towns]]
        hosts = list(HostPlaceOrganization.objects.filter(county=self.county))
        specs = []
        for i, target in enumerate(CASE_TARGETS):
            preferred = pools[1] if i % 3 != 2 else pools[0]
            candidates = preferred or pools[0] or pools[1]
            co_managed = self.rng.random() < 0.4
            plan = self.schedule(self.today, co_managed)
            last = max(k for k, (n, _) in enumerate(plan) if n == target)
            span = (plan[last][1]["done_on"] - plan[0][1]["done_on"]).days
            start = self.today - datetime.timedelta(days=span + self.rng.randrange(3, 40))
            plan = self.schedule(start, co_managed)
            while plan[last][1]["done_on"] > self.today:
                start -= datetime.timedelta(days=(plan[last][1]["done_on"] - self.today).days + 1)
                plan = self.schedule(start, co_managed)
            while candidates:
                worker = candidates.pop()
                members = [m for m in self.members.get(worker.village_id, [])
                           if m.full_member_on and m.full_member_on <= start]
                if worker.village_id in self.branches and len(members) >= 2:
                    break
            else:
                break
            outposts = [o for o in self.outposts.get(worker.town_id, []) if o.host_partner_id]
            outpost = self.rng.choice(outposts) if outposts and (co_managed or self.rng.random() < 0.3) else None
            host = None
            if co_managed:
                host = outpost.host_partner if outpost is not None else (self.rng.choice(hosts) if hosts else None)
                if host is None:
                    plan = self.schedule(start, False)
            specs.append((worker, self.branches[worker.village_id], outpost, host, plan[:last + 1], members))
        self.write_cases(specs)
        return len(specs)

    def write_cases(self, specs):
        """The cases built in memory, every step checked by the same rules as the workflow (talent.rules), then
        written in bulk — the demo's way, like ledgers.demo's ledgers (one audit entry for the whole load)."""
        limits = rules.Limits.load()
        committees = PartyOrganization.objects.in_bulk(
            [branch.parent_id for _, branch, *_ in specs if branch.parent_id])
        built = []
        for worker, branch, outpost, host, plan, members in specs:
            activist = Activist(id_number=worker.id_number, name=worker.name, phone=worker.phone,
                                town_id=worker.town_id,
                                village_id=worker.village_id, county_id=worker.county_id, worker=worker,
                                applied_on=plan[0][1]["done_on"], home_organization=branch,
                                cultivating_organization=outpost, co_manager=host)
            activist.prepare()
            case = DevelopmentCase(activist=activist, worker=worker, organization=branch,
                                   committee=committees.get(branch.parent_id), cultivating_organization=outpost,
                                   host_organization=host, is_mobile=True, applied_on=plan[0][1]["done_on"])
            case.copy_person()
            steps, people_of = [], {}
            for number, facts in plan:
                facts = dict(facts)
                role = facts.pop("participants", None)
                people = []
                if role == "interviewer":
                    people = [StepParticipant(role=role, name="镇党委组织员", is_full_member=True)]
                elif role:
                    full = [m for m in members if m.full_member_on <= facts["done_on"]][:2]
                    people = [StepParticipant(role=role, member=m, name=m.name) for m in full]
                if facts.pop("host", False):
                    facts["host_organization"] = host
                extra = {k: facts.pop(k) for k in ("nomination", "consulted_home", "consulted_residence") if k in facts}
                new = DevelopmentStep(case=case, step=number, facts=extra, **facts)
                if "host_organization" not in facts:
                    new.organization = case.committee if number in choices.COMMITTEE_STEPS else branch
                rules.check_step(rules.StepContext(case=case, steps=steps, new=new, participants=people, limits=limits,
                                                   today=self.today, facts=extra))
                steps.append(new)
                people_of[id(new)] = people
                workflows.case_milestones(case, steps, limits)
            activist.stage = workflows.activist_stage(case)
            activist.activist_on = case.activist_on
            contacts = [p.name for s in steps if s.step == choices.Step.CONTACTS for p in people_of[id(s)]]
            activist.cultivation_contacts = "、".join(contacts)[:100]
            built.append((case, steps, people_of))
        Activist.objects.bulk_create([case.activist for case, *_ in built])
        members = []
        for case, steps, _ in built:
            case.activist_id = case.activist.pk
            if case.approved_on:
                activist = case.activist
                member = PartyMember(id_number=activist.id_number, name=activist.name, phone=activist.phone,
                                     town_id=activist.town_id, village_id=activist.village_id,
                                     county_id=activist.county_id, worker=case.worker, joined_on=case.admitted_on,
                                     full_member_on=case.full_member_on, home_organization=case.organization,
                                     activity_organization=case.cultivating_organization,
                                     co_manager=case.host_organization, is_mobile=True,
                                     destination_code=case.worker.destination_code, out_since=case.worker.left_on)
                member.prepare()
                members.append(member)
                case.member = member
                case.worker.political_status = "member" if case.full_member_on else "probationary"
        PartyMember.objects.bulk_create(members)
        Worker.objects.bulk_update([case.worker for case, *_ in built if case.approved_on], ["political_status"])
        for case, *_ in built:
            case.member_id = case.member.pk if case.member is not None else None
        DevelopmentCase.objects.bulk_create([case for case, *_ in built])
        all_steps = []
        for case, steps, _ in built:
            for step in steps:
                step.case_id = case.pk
                step.copy_case_keys(case)
                all_steps.append(step)
        DevelopmentStep.objects.bulk_create(all_steps, batch_size=500)
        people = []
        for case, steps, people_of in built:
            for step in steps:
                for person in people_of[id(step)]:
                    person.step_id = step.pk
                    people.append(person)
        StepParticipant.objects.bulk_create(people)


def load(*, county, rng):
    demo = TalentDemo(county, rng)
    for part in (demo.talents, demo.reserve_cadres, demo.ventures, demo.appointments, demo.honours,
                 demo.branch_committees, demo.cases):
        started = time.perf_counter()
        part()
        logger.debug("talent demo %s: %.2fs", part.__name__, time.perf_counter() - started)
    workflows.quota_evaluate(on=demo.today)
