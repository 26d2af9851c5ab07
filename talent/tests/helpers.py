"""A development case walked step by step with valid facts, to be broken one fact at a time by the tests.

The timeline (all dates real days of the Chinese calendar): application 2023-03-01, activist 2023-05-10, development
target exactly one year later, branch meeting 2024-08-01, probation to 2025-08-01, full membership approved 2025-09-01.
"""

import datetime
import itertools

from ledgers.models import PartyMember
from organizations.models import PartyOrganization
from talent import workflows
from talent.choices import ParticipantRole as R
from tests.factories import id_number, member

D = datetime.date
TODAY = "2027-06-01"


def setup_organizations(world):
    """A town party committee above 东河村党支部, and a second full member to act as contact and sponsor."""
    committee = PartyOrganization.objects.create(name="中共紫阳县城关镇委员会", kind="committee", home_unit=world.town_a)
    world.org_a.parent = committee
    world.org_a.save()
    world.committee_a = committee
    world.full_member_2 = member(world.town_a, world.village_a, world.org_a, name="陈二",
                                 id_number=id_number(D(1980, 2, 2)))
    return committee


def people(world, role, count=2):
    chosen = [world.members["a"], world.full_member_2][:count]
    return [{"role": role, "member": m} for m in chosen]


def step_facts(world):
    """Valid facts for steps ②–㉕ of a case opened on 2023-03-01 by 东河村党支部 (not co-managed)."""
    return {
        2: {"done_on": D(2023, 3, 20), "opinion": "谈话了解基本情况"},
        3: {"done_on": D(2023, 5, 10), "nomination": "member"},
        4: {"done_on": D(2023, 5, 20)},
        5: {"done_on": D(2023, 5, 25), "participants": people(world, R.CONTACT)},
        6: {"done_on": D(2023, 8, 1), "opinion": "表现良好"},
        "6b": {"done_on": D(2024, 1, 15), "opinion": "表现良好"},
        7: {"done_on": D(2024, 5, 10)},
        8: {"done_on": D(2024, 5, 20)},
        9: {"done_on": D(2024, 5, 25), "participants": people(world, R.SPONSOR)},
        10: {"done_on": D(2024, 6, 10), "outcome": "passed", "consulted_home": True, "consulted_residence": True},
        11: {"done_on": D(2024, 7, 1), "training_days": 3},
        12: {"done_on": D(2024, 7, 10), "notice_start": D(2024, 7, 10), "notice_end": D(2024, 7, 16)},
        13: {"done_on": D(2024, 7, 20)},
        14: {"done_on": D(2024, 7, 25)},
        15: {"done_on": D(2024, 8, 1), "members_entitled": 10, "members_present": 8, "votes_yes": 7},
        16: {"done_on": D(2024, 8, 15), "participants": [{"role": R.INTERVIEWER, "name": "组织员刘一",
                                                          "is_full_member": True}]},
        17: {"done_on": D(2024, 9, 1), "outcome": "approved"},
        18: {"done_on": D(2024, 9, 10)},
        19: {"done_on": D(2024, 9, 15)},
        20: {"done_on": D(2024, 10, 1)},
        21: {"done_on": D(2025, 1, 10), "opinion": "继续教育考察良好"},
        22: {"done_on": D(2025, 7, 20)},
        23: {"done_on": D(2025, 8, 1), "members_entitled": 10, "members_present": 9, "votes_yes": 9,
             "outcome": "convert"},
        24: {"done_on": D(2025, 9, 1), "outcome": "approved"},
        25: {"done_on": D(2025, 9, 10)},
    }


ORDER = [2, 3, 4, 5, 6, "6b", 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]


def open_case(world, **kw):
    kw.setdefault("activist", world.activists["a"])
    kw.setdefault("applied_on", D(2023, 3, 1))
    kw.setdefault("organization", world.org_a)
    return workflows.development_case_open(user=kw.pop("user", None), **kw)


def walk(world, case, until, facts=None, skip=(), real=False):
    """Record the steps of ORDER up to (and excluding) ``until`` with the valid facts (``facts`` overrides).

    Steps before ⑰ (which touch no ledger but the activist's) are checked by the same rules in memory and written
    in one go unless ``real``; from ⑰ on every step goes through ``development_step_record``."""
    facts = {**step_facts(world), **(facts or {})}
    keys = []
    for key in ORDER:
        if key == until:
            break
        if key not in skip:
            keys.append(key)
    number = {key: 6 if key == "6b" else key for key in keys}
    prefix = [] if real else [key for key in keys if number[key] < 17]
    if prefix:
        _bulk(case, [(number[key], facts[key]) for key in prefix])
    for key in keys[len(prefix):]:
        workflows.development_step_record(case=case, step=number[key], user=None, **facts[key])
    case.refresh_from_db()
    return case


def _bulk(case, plan):
    from django.utils import timezone

    from talent import rules
    from talent.models import DevelopmentCase, DevelopmentStep, StepParticipant

    case = DevelopmentCase.objects.select_related("activist", "organization", "committee", "host_organization").get(
        pk=case.pk)
    limits = rules.Limits.load()
    steps = list(case.steps.order_by("id"))
    new_steps, people_of = [], []
    for number, facts in plan:
        new, people = workflows._build_step(case, number, facts)
        rules.check_step(rules.StepContext(case=case, steps=steps, new=new, participants=people, limits=limits,
                                           today=timezone.localdate(), facts=new.facts))
        steps.append(new)
        new_steps.append(new)
        people_of.append(people)
    DevelopmentStep.objects.bulk_create(new_steps)
    participants = []
    for step, people in zip(new_steps, people_of):
        for person in people:
            person.step = step
            participants.append(person)
    StepParticipant.objects.bulk_create(participants)
    workflows._refresh(case, steps, limits)
    workflows._sync_activist(case, [p.name for p in participants if p.role == R.CONTACT])


def record(world, case, step, **overrides):
    facts = {**step_facts(world)[step], **overrides}
    number = 6 if step == "6b" else step
    return workflows.development_step_record(case=case, step=number, user=None, **facts)


def full_member_count():
    return PartyMember.objects.filter(category="full").count()


_serials = itertools.count(1)


def born_id(born: datetime.date, male=True) -> str:
    """A valid ID number with exactly this birth date (tests of age boundaries cannot use a shifted one). Issued
    in 岚皋县 (610925) so it never meets the factories' numbers (610924)."""
    from stdnum.cn import ric

    serial = (next(_serials) * 2 + (1 if male else 0)) % 1000
    body = f"610925{born:%Y%m%d}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")
