"""The four ledgers of the demo county (seed 001 §1): about 80,000 migrant workers in many provinces and
enterprises, about 1,200 migrant party members, the activists, the host enterprises with their party-building
liaisons and instructors.

One part of ``manage.py load_demo`` (overview.demo), built on the county and organizations of
``organizations.demo`` and drawing from the same seeded generator. ID numbers and credit codes carry valid check
digits; the large tables are written with bulk inserts (workers as prepared tuples through zyparty.bulk, the path
large imports use), so a fresh SQLite database is filled in well under a minute.
"""

import datetime

from django.db import connection
from django.utils import timezone
from stdnum.cn import ric, uscc

from ledgers.choices import ActivistStage, Direction, Education, Industry, Intention, PoliticalStatus, Wish
from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from organizations import choices as oc
from organizations.demo import DESTINATIONS, CountyDemo, phone_number
from organizations.models import PartyInstructor, ServicePoint
from zyparty import crypto, regions
from zyparty.bulk import insert_rows
from zyparty.masking import mask_id_number, mask_phone
from zyparty.pinyin import initials

SKILLS = ["电工", "焊工", "砌筑", "钢筋工", "厨师", "茶艺", "电子商务", "家政月嫂", "修脚养生", "驾驶", "缝纫", "数控车床",
          "装修", "仓储物流", "美容美发", ""]
EMPLOYER_TAILS = ["电子有限公司", "建筑工程有限公司", "服装有限公司", "机械制造有限公司", "物流有限公司", "餐饮管理有限公司",
                  "家政服务有限公司", "茶业有限公司", "精密制造有限公司", "塑胶制品有限公司"]
FAMILY_NOTES = ["", "", "", "子女在村小就读，由祖父母照看", "父母年迈多病，需要照料", "配偶在家务农", "子女随迁就读",
                "家中有留守儿童两名", "独居老人一名", "家庭经济困难，已纳入低保"]
WORKER_COLUMNS = [f.column for f in Worker._meta.concrete_fields if f.column != "id"]
# DESTINATIONS (where the workers go) is defined with the host-place partners that sit there (organizations.demo)
# and read from here, with the ledgers' other word lists, by the Excel bench (bench/excel_bench.py).


class _Ids:
    """Unique, valid ID numbers (GB 11643). People registered before 2000 carry the old 612425 code."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def make(self, born: datetime.date, male: bool) -> str:
        area = "612425" if born.year < 1985 and self.rng.random() < 0.6 else "610924"
        while True:
            serial = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            body = f"{area}{born:%Y%m%d}{serial:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.used:
                self.used.add(number)
                return number


def _credit_code(rng, region_code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        org = "".join(rng.choice(alphabet[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        body = f"91{region_code}{org}"
        code = body + uscc.calc_check_digit(body + "0")
        if uscc.is_valid(code):
            return code


class LedgersDemo(CountyDemo):
    """The county of ``CountyDemo`` and its ledgers; ``sizes`` are the numbers of records of each ledger."""

    def __init__(self, seed=2020, workers=80_000, members=1_209, activists=360, enterprises=600):
        super().__init__(seed)
        self.sizes = {"workers": workers, "members": members, "activists": activists, "enterprises": enterprises}
        self.ids = _Ids(self.rng)
        self.destinations = [(regions.parse_address(text), text) for text, _ in DESTINATIONS]
        self.destination_weights = [w for _, w in DESTINATIONS]

    # People -------------------------------------------------------------------------------------------------
    def person_values(self, town, village, min_age=18, max_age=60):
        """Stored column values of a person: ciphertexts, digests and masked copies as PersonRecord.prepare makes."""
        male = self.rng.random() < 0.62
        age_days = self.rng.randrange(min_age * 365 + 10, max_age * 365)
        born = self.today - datetime.timedelta(days=age_days)
        number = self.ids.make(born, male)
        phone = phone_number(self.rng)
        name, name_initials = self.named(male)
        return dict(
            name=name, name_initials=name_initials, id_number=crypto.encrypt(number),
            id_digest=crypto.digest(number), id_masked=mask_id_number(number), gender="M" if male else "F",
            birth_date=born, ethnicity="汉族", phone=crypto.encrypt(phone), phone_digest=crypto.digest(phone),
            phone_masked=mask_phone(phone), county_id=town.county_id, town_id=town.pk,
            village_id=village.pk if village else None, import_digest="")  # not from a file: compared in full

    def person(self, model, town, village, min_age=18, max_age=60, **fields):
        return model(**self.person_values(town, village, min_age, max_age), **fields)

    # The ledgers --------------------------------------------------------------------------------------------
    def enterprises(self, county, towns):
        rows = []
        for i in range(self.sizes["enterprises"]):
            code, text = self.rng.choices(self.destinations, self.destination_weights)[0]
            town = towns[i % len(towns)]
            city = regions.region(code[:4] + "00") or regions.region(code[:2] + "0000")
            name = city.name.removesuffix("市").removesuffix("维吾尔自治区")[:4] + self.rng.choice(
                ["鑫", "华", "博", "恒", "瑞", "盛", "达", "源", "兴", "泰"]) + self.rng.choice(
                ["科", "安", "通", "锦", "宏", "昌", "润", "和"]) + self.rng.choice(EMPLOYER_TAILS)
            phone = phone_number(self.rng)
            rows.append(HostEnterprise(
                name=name, name_initials=initials(name), credit_code=_credit_code(self.rng, code[:6]),
                location_code=code, address=text, industry=self.rng.choice(Industry.values[:8]),
                liaison_name=self.name(self.rng.random() < 0.6), liaison_phone=crypto.encrypt(phone),
                liaison_phone_masked=mask_phone(phone), county=county, town=town))
        return HostEnterprise.objects.bulk_create(rows, batch_size=500)

    def workers(self, towns, villages, enterprises):
        """80,000 rows: written as prepared tuples through zyparty.bulk, the path large imports use."""
        by_town = {}
        for v in villages:
            by_town.setdefault(v.town_id, []).append(v)
        statuses = [PoliticalStatus.MASSES] * 14 + [PoliticalStatus.LEAGUE] * 3 + [PoliticalStatus.MEMBER, ""]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        columns = WORKER_COLUMNS
        industries, intentions = list(Industry.values), [v for v in Intention.values if v]
        party_wishes, post_wishes = [Wish.YES, Wish.NO, Wish.NO, Wish.NO], [Wish.YES, Wish.NO, Wish.NO, Wish.NO, Wish.NO]

        def rows():
            for i in range(self.sizes["workers"]):
                town = towns[i % len(towns)]
                village = self.rng.choice(by_town[town.pk])
                direction = Direction.OUTGOING if self.rng.random() < 0.93 else Direction.INCOMING
                enterprise = self.rng.choice(enterprises) if self.rng.random() < 0.35 else None
                if enterprise is not None:
                    dest_code, dest_text, employer = enterprise.location_code, enterprise.address, enterprise.name
                else:
                    dest_code, dest_text = self.rng.choices(self.destinations, self.destination_weights)[0]
                    employer = (dest_text[3:5] + self.rng.choice(EMPLOYER_TAILS)) if self.rng.random() < 0.7 else ""
                if direction == Direction.INCOMING:
                    dest_code, dest_text, enterprise = "610924", "陕西省安康市紫阳县", None
                note = self.rng.choice(FAMILY_NOTES)
                known = self.rng.random()
                values = self.person_values(town, village)
                values.update(
                    created_at=now, updated_at=now, version=1, created_by_id=None, updated_by_id=None, remarks="",
                    direction=direction, destination_code=dest_code, destination_text=dest_text,
                    employer_name=employer, employer_credit_code=enterprise.credit_code if enterprise else "",
                    enterprise_id=enterprise.pk if enterprise else None, industry=self.rng.choice(industries),
                    skills=self.rng.choice(SKILLS), monthly_income=self.rng.randrange(2500, 12000, 100),
                    political_status=self.rng.choice(statuses),
                    family_situation=crypto.encrypt(note) if note else "",
                    left_behind_children="儿童" in note or "子女在村" in note, left_behind_elderly="老" in note,
                    left_behind_spouse="配偶" in note,
                    return_intention=self.rng.choice(intentions) if known > 0.1 else "",
                    party_wish=self.rng.choice(party_wishes) if known > 0.15 else "",
                    post_wish=self.rng.choice(post_wishes) if known > 0.2 else "",
                    left_on=self.today - datetime.timedelta(days=self.rng.randrange(30, 3650)))
                # The six clears (Worker.clears): destination, employment, status, return, party and post wishes.
                values["completeness"] = sum(map(bool, (
                    values["destination_code"], employer or values["industry"], values["political_status"],
                    values["return_intention"], values["party_wish"], values["post_wish"])))
                yield tuple(values[c] for c in columns)

        insert_rows(Worker, columns, rows())

    def members(self, towns, villages, branches, outposts, hosts):
        branch_by_village = {b.home_unit_id: b for b in branches}
        outposts_by_town = {}
        for o in outposts:
            outposts_by_town.setdefault(o.town_id, []).append(o)
        rows = []
        for i in range(self.sizes["members"]):
            village = villages[i % len(villages)]
            town = next(t for t in towns if t.pk == village.town_id)
            joined = self.today - datetime.timedelta(days=self.rng.randrange(400, 9000))
            probation = self.rng.random() < 0.05
            outpost = self.rng.choice(outposts_by_town[town.pk]) if self.rng.random() < 0.6 else None
            lost = self.rng.random() < 0.02
            rows.append(self.person(
                PartyMember, town, village, min_age=25, max_age=60, education=self.rng.choice(Education.values[:5]),
                category="probationary" if probation else "full", joined_on=joined,
                full_member_on=None if probation else joined + datetime.timedelta(days=366),
                home_organization=branch_by_village[village.pk], activity_organization=outpost,
                co_manager=outpost.host_partner if outpost else None, is_mobile=True,
                destination_code=outpost.host_place_code if outpost else self.rng.choice(self.destinations)[0],
                out_since=self.today - datetime.timedelta(days=self.rng.randrange(60, 3000)),
                certificate_no=f"SX{610924}{i:05d}" if outpost else "",
                lost_contact=lost, lost_contact_since=self.today - datetime.timedelta(days=200) if lost else None,
                last_org_life_on=self.today - datetime.timedelta(days=self.rng.randrange(5, 240)),
                last_dues_paid_on=self.today - datetime.timedelta(days=self.rng.randrange(5, 240))))
        PartyMember.objects.bulk_create(rows, batch_size=1000)

    def activists(self, towns, villages, branches, outposts):
        branch_by_village = {b.home_unit_id: b for b in branches}
        outposts_by_town = {}
        for o in outposts:
            outposts_by_town.setdefault(o.town_id, []).append(o)
        rows = []
        stages = [ActivistStage.ACTIVIST] * 6 + [ActivistStage.TARGET] * 2 + [ActivistStage.APPLICANT]
        for i in range(self.sizes["activists"]):
            village = self.rng.choice(villages)
            town = next(t for t in towns if t.pk == village.town_id)
            applied = self.today - datetime.timedelta(days=self.rng.randrange(60, 1200))
            stage = self.rng.choice(stages)
            outpost = self.rng.choice(outposts_by_town[town.pk])
            rows.append(self.person(
                Activist, town, village, min_age=20, max_age=40, applied_on=applied,
                activist_on=None if stage == ActivistStage.APPLICANT else applied + datetime.timedelta(days=40),
                cultivation_contacts=f"{self.name(True)}、{self.name(False)}", cultivating_organization=outpost,
                home_organization=branch_by_village[village.pk], co_manager=outpost.host_partner, stage=stage))
        Activist.objects.bulk_create(rows, batch_size=1000)

    def enterprise_network(self, county, enterprises):
        """The party-building liaisons of the first 80 enterprises and the instructors sent to the first 40 (the
        rest of the service network is the county's, organizations.demo)."""
        points = [ServicePoint(level=oc.ServiceLevel.ENTERPRISE_LIAISON, name=f"{enterprise.name}党建联络员",
                               unit=enterprise.town, county=county, town=enterprise.town, enterprise=enterprise,
                               head_name=enterprise.liaison_name, head_title="企业党建联络员")
                  for enterprise in enterprises[:80]]
        ServicePoint.objects.bulk_create([p.prepare_phones() for p in points])
        PartyInstructor.objects.bulk_create([
            PartyInstructor(name=self.name(self.rng.random() < 0.6), department="县委组织部", enterprise=e,
                            county=county, appointed_on=datetime.date(self.today.year - 1, 3, 1))
            for e in enterprises[:40]])
