"""A realistic demo county shaped like seed 001 §1: 紫阳县, 17 towns, 175 villages, about 80,000 migrant workers in
many provinces and enterprises, about 1,200 migrant party members, activists and outpost branches.

Everything is generated (names from Faker's zh_CN lists, ID numbers and credit codes with valid check digits) and
written with bulk inserts, so a fresh SQLite database is filled in well under a minute. The generator is seeded:
two runs give the same county.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as PersonNames
from stdnum.cn import ric, uscc

from ledgers.choices import ActivistStage, Direction, Education, Industry, Intention, PoliticalStatus, Wish
from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from organizations import choices as oc
from organizations.models import (
    CoManagementAgreement,
    HostPlaceOrganization,
    JointMeeting,
    PartyInstructor,
    PartyOrganization,
    ServicePoint,
    Unit,
    User,
)
from organizations.roles import Role
from zyparty import audit, crypto, regions
from zyparty.bulk import insert_rows
from zyparty.masking import mask_id_number, mask_phone
from zyparty.models import AuditAction
from zyparty.pinyin import initials

COUNTY = ("610924", "紫阳县")
TOWNS = ["城关镇", "蒿坪镇", "汉王镇", "焕古镇", "向阳镇", "洞河镇", "洄水镇", "双桥镇", "高桥镇", "红椿镇", "高滩镇",
         "毛坝镇", "瓦庙镇", "麻柳镇", "双安镇", "东木镇", "界岭镇"]
VILLAGE_HEADS = "安板北柏草茶长东斗峰凤高关汉红黄回金九苦兰联龙麻毛木南盘平桥青仁三沙双松堰田铁桐瓦文响新兴杨腰油枣竹"
VILLAGE_TAILS = ["坝村", "河村", "坪村", "沟村", "湾村", "岭村", "垭村", "山村", "园村", "庄村", "溪村", "口村"]
# Where the county's workers go (seed 001 names Zhejiang, Guangdong, Jiangsu, Xinjiang, Shanxi and the cities
# of Shaanxi), as address text so the parser is exercised; weights are rough shares.
DESTINATIONS = [
    ("浙江省杭州市西湖区", 9), ("浙江省杭州市萧山区", 6), ("浙江省宁波市鄞州区", 5), ("浙江省温州市瓯海区", 3),
    ("广东省深圳市宝安区", 8), ("广东省深圳市龙岗区", 5), ("广东省东莞市", 6), ("广东省广州市白云区", 4),
    ("江苏省苏州市昆山市", 6), ("江苏省苏州市吴江区", 3), ("上海市松江区", 4), ("上海市嘉定区", 3),
    ("北京市大兴区", 2), ("新疆维吾尔自治区乌鲁木齐市", 3), ("山西省太原市", 2), ("陕西省西安市雁塔区", 8),
    ("陕西省西安市未央区", 5), ("陕西省安康市汉滨区", 4), ("福建省厦门市湖里区", 2), ("天津市滨海新区", 2),
]
SKILLS = ["电工", "焊工", "砌筑", "钢筋工", "厨师", "茶艺", "电子商务", "家政月嫂", "修脚养生", "驾驶", "缝纫", "数控车床",
          "装修", "仓储物流", "美容美发", ""]
EMPLOYER_TAILS = ["电子有限公司", "建筑工程有限公司", "服装有限公司", "机械制造有限公司", "物流有限公司", "餐饮管理有限公司",
                  "家政服务有限公司", "茶业有限公司", "精密制造有限公司", "塑胶制品有限公司"]
FAMILY_NOTES = ["", "", "", "子女在村小就读，由祖父母照看", "父母年迈多病，需要照料", "配偶在家务农", "子女随迁就读",
                "家中有留守儿童两名", "独居老人一名", "家庭经济困难，已纳入低保"]
DEMO_PASSWORD = "Zyparty@2026"
WORKER_COLUMNS = [f.column for f in Worker._meta.concrete_fields if f.column != "id"]


@dataclass
class DemoResult:
    county: Unit
    counts: dict
    logins: list


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


def _phone(rng) -> str:
    return rng.choice(["13", "15", "17", "18", "19"]) + "".join(str(rng.randrange(10)) for _ in range(9))


class DemoBuilder:
    def __init__(self, seed=2020, workers=80_000, members=1_209, activists=360, enterprises=600):
        self.rng = random.Random(seed)
        self.sizes = {"workers": workers, "members": members, "activists": activists, "enterprises": enterprises}
        self.ids = _Ids(self.rng)
        self.surnames = list(PersonNames.last_names.keys())
        self.surname_weights = list(PersonNames.last_names.values())
        self.male_names = list(PersonNames.first_names_male)
        self.female_names = list(PersonNames.first_names_female)
        self.destinations = [(regions.parse_address(text), text) for text, _ in DESTINATIONS]
        self.destination_weights = [w for _, w in DESTINATIONS]
        self.today = timezone.localdate()

    # Names and people ---------------------------------------------------------------------------------------
    def name(self, male):
        return self.named(male)[0]

    def named(self, male):
        """(name, pinyin initials); initials of surname and given name are cached separately, as both repeat."""
        given = self.rng.choice(self.male_names if male else self.female_names)
        if self.rng.random() < 0.4:
            given += self.rng.choice(self.male_names if male else self.female_names)
        surname = self.rng.choices(self.surnames, self.surname_weights)[0]
        return surname + given[:2], initials(surname) + initials(given[:2])

    def person_values(self, town, village, min_age=18, max_age=60):
        """Stored column values of a person: ciphertexts, digests and masked copies as PersonRecord.prepare makes."""
        male = self.rng.random() < 0.62
        age_days = self.rng.randrange(min_age * 365 + 10, max_age * 365)
        born = self.today - datetime.timedelta(days=age_days)
        number = self.ids.make(born, male)
        phone = _phone(self.rng)
        name, name_initials = self.named(male)
        return dict(
            name=name, name_initials=name_initials, id_number=crypto.encrypt(number),
            id_digest=crypto.digest(number), id_masked=mask_id_number(number), gender="M" if male else "F",
            birth_date=born, ethnicity="汉族", phone=crypto.encrypt(phone), phone_digest=crypto.digest(phone),
            phone_masked=mask_phone(phone), county_id=town.county_id, town_id=town.pk,
            village_id=village.pk if village else None)

    def person(self, model, town, village, min_age=18, max_age=60, **fields):
        return model(**self.person_values(town, village, min_age, max_age), **fields)

    # The county ---------------------------------------------------------------------------------------------
    def units(self):
        county = Unit.objects.create(code=COUNTY[0], name=COUNTY[1])
        towns, villages = [], []
        for i, town_name in enumerate(TOWNS):
            towns.append(Unit(code=f"{COUNTY[0]}{100 + i:03d}", name=town_name, parent=county, county=county,
                              level="town", kind="town"))
        Unit.objects.bulk_create(towns)
        towns = list(Unit.objects.filter(level="town").order_by("code"))
        for town in towns:
            Unit.objects.filter(pk=town.pk).update(town_id=town.pk)
            town.town_id = town.pk
        # 175 villages and communities: 11 or 10 per town, the first of each a community (社区, 001–199).
        per_town = [11] * 5 + [10] * 12
        names = set()
        for town, count in zip(towns, per_town):
            for j in range(count):
                while True:
                    vname = self.rng.choice(VILLAGE_HEADS) + self.rng.choice(VILLAGE_HEADS) + self.rng.choice(
                        VILLAGE_TAILS)
                    if j == 0:
                        vname = town.name[:-1] + "社区"
                    if (town.pk, vname) not in names:
                        names.add((town.pk, vname))
                        break
                code = f"{town.code}{1 if j == 0 else 200 + j:03d}"
                kind = "community" if j == 0 else "village"
                villages.append(Unit(code=code, name=vname, parent=town, county=county, town=town, level="village",
                                     kind=kind))
        Unit.objects.bulk_create(villages)
        villages = list(Unit.objects.filter(level="village").order_by("code"))
        return county, towns, villages

    def organizations(self, county, towns, villages):
        committees = PartyOrganization.objects.bulk_create([
            PartyOrganization(name=f"中共紫阳县{t.name}委员会", kind=oc.OrgKind.COMMITTEE, home_unit=t, county=county,
                              town=t, founded_on=datetime.date(1984, 1, 1)) for t in towns])
        by_town = {c.town_id: c for c in committees}
        branches = PartyOrganization.objects.bulk_create([
            PartyOrganization(name=f"中共{v.name}支部委员会", kind=oc.OrgKind.BRANCH, home_unit=v, county=county,
                              town_id=v.town_id, parent=by_town[v.town_id],
                              secretary_name=self.name(True), founded_on=datetime.date(1990, 1, 1))
            for v in villages])
        hosts = []
        for text, _ in DESTINATIONS[:14]:
            code = regions.parse_address(text)
            hosts.append(HostPlaceOrganization(
                name=f"{regions.region_label(code)[-6:]}流动党员服务中心党委", region_code=code, address=text,
                contact_name=self.name(self.rng.random() < 0.5), contact_phone=_phone(self.rng), county=county))
        # bulk_create skips save(): the phones' masked copies are derived here (the field encrypts on write).
        hosts = HostPlaceOrganization.objects.bulk_create([h.prepare_phones() for h in hosts])
        outposts = []
        builds = list(oc.OutpostBuild.values)
        bases = list(oc.OutpostBasis.values)
        for i, town in enumerate(towns):
            for k in range(2 if i < 6 else 1):
                host = hosts[(i + k) % len(hosts)]
                city = regions.region_label(host.region_code)
                outposts.append(PartyOrganization(
                    name=f"紫阳县{town.name}驻{city[-5:]}流动党员党支部", kind=oc.OrgKind.BRANCH,
                    form=oc.OrgForm.MOBILE, is_outpost=True, outpost_build=builds[(i + k) % 3],
                    outpost_basis=bases[(i + k) % len(bases)], host_place_code=host.region_code, host_partner=host,
                    home_unit=town, county=county, town=town, parent=by_town[town.pk],
                    secretary_name=self.name(True), secretary_phone=_phone(self.rng),
                    host_subject=oc.HostSubject.ENTERPRISE, founded_on=datetime.date(2019, 3, 1)))
        for i, town in enumerate(towns[:12]):
            outposts.append(PartyOrganization(
                name=f"{town.name}流动党员网上党支部", kind=oc.OrgKind.BRANCH, form=oc.OrgForm.ONLINE, home_unit=town,
                county=county, town=town, parent=by_town[town.pk], online_group=f"{town.name}流动党员微信群",
                founded_on=datetime.date(2020, 5, 1)))
        outposts = PartyOrganization.objects.bulk_create([o.prepare_phones() for o in outposts])
        agreements = [
            CoManagementAgreement(town_id=o.town_id, county=county, host_organization=o.host_partner, organization=o,
                                  signed_on=datetime.date(2020, 6, 1), annual_funding=10000,
                                  terms="组织共建、党员共管、工作共商、经费共担、活动共办")
            for o in outposts if o.is_outpost]
        CoManagementAgreement.objects.bulk_create(agreements)
        return committees, branches, hosts, [o for o in outposts if o.is_outpost]

    def enterprises(self, county, towns):
        rows = []
        for i in range(self.sizes["enterprises"]):
            code, text = self.rng.choices(self.destinations, self.destination_weights)[0]
            town = towns[i % len(towns)]
            city = regions.region(code[:4] + "00") or regions.region(code[:2] + "0000")
            name = city.name.removesuffix("市").removesuffix("维吾尔自治区")[:4] + self.rng.choice(
                ["鑫", "华", "博", "恒", "瑞", "盛", "达", "源", "兴", "泰"]) + self.rng.choice(
                ["科", "安", "通", "锦", "宏", "昌", "润", "和"]) + self.rng.choice(EMPLOYER_TAILS)
            phone = _phone(self.rng)
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

    def county_figures(self, county):
        """The yearly figures the statistics report divides by: seed 001 §1 reports 350,000 people and 13,092 party
        members in 紫阳县 (entered by county staff each year; here for the current and the previous year)."""
        from organizations.models import CountyYearFigures

        year = timezone.localdate().year
        for y in (year - 1, year):
            CountyYearFigures.objects.get_or_create(county=county, year=y, defaults={
                "population": 350_000, "party_members_total": 13_092,
                "notes": "示范数据：据《紫阳县农民工党建工作情况》（seed 001）。"})

    def network(self, county, towns, villages, enterprises):
        points = [ServicePoint(level=oc.ServiceLevel.COUNTY_CENTER, name="紫阳县农民工党员服务中心", unit=county,
                               county=county, head_name=self.name(True), head_title="县委组织部副部长",
                               head_phone=_phone(self.rng))]
        for town in towns:
            points.append(ServicePoint(level=oc.ServiceLevel.TOWN_STATION, name=f"{town.name}流动党员服务站",
                                       unit=town, county=county, town=town, head_name=self.name(True),
                                       head_title=self.rng.choice(["党委副书记", "组织委员"]),
                                       head_phone=_phone(self.rng)))
        for village in villages:
            points.append(ServicePoint(level=oc.ServiceLevel.VILLAGE_POINT, name=f"{village.name}流动党员联络点",
                                       unit=village, county=county, town_id=village.town_id,
                                       head_name=self.name(True), head_title="村党支部书记",
                                       head_phone=_phone(self.rng)))
        for enterprise in enterprises[:80]:
            points.append(ServicePoint(level=oc.ServiceLevel.ENTERPRISE_LIAISON, name=f"{enterprise.name}党建联络员",
                                       unit=enterprise.town, county=county, town=enterprise.town,
                                       enterprise=enterprise, head_name=enterprise.liaison_name,
                                       head_title="企业党建联络员"))
        ServicePoint.objects.bulk_create([p.prepare_phones() for p in points])
        PartyInstructor.objects.bulk_create([
            PartyInstructor(name=self.name(self.rng.random() < 0.6), department="县委组织部", enterprise=e,
                            county=county, appointed_on=datetime.date(self.today.year - 1, 3, 1))
            for e in enterprises[:40]])
        meetings = []
        for year in (self.today.year - 1, self.today.year):
            for month, topic in ((3, "部署年度农民工党建工作"), (9, "中秋国庆返乡农民工服务与台账更新")):
                day = datetime.date(year, month, 15)
                if day <= self.today:
                    meetings.append(JointMeeting(county=county, held_on=day, topics=topic,
                                                 departments=["organization", "publicity", "united_front",
                                                              "human_resources", "agriculture", "justice"],
                                                 decisions="明确各成员单位职责分工，按季度通报进展。"))
        JointMeeting.objects.bulk_create(meetings)

    def users(self, county, towns, villages, hosts, outposts):
        specs = [
            ("xianzzb", "县委组织部", Role.COUNTY_STAFF, {"unit": county}),
            ("xianadmin", "县级业务管理员", Role.COUNTY_ADMIN, {"unit": county}),
            ("chengguan", "城关镇服务站", Role.TOWN_CLERK, {"unit": towns[0]}),
            ("haoping", "蒿坪镇服务站", Role.TOWN_CLERK, {"unit": towns[1]}),
            ("cunliaison", f"{villages[1].name}联络点", Role.VILLAGE_LIAISON, {"unit": villages[1]}),
            ("zhuwai", outposts[0].name[:20], Role.OUTPOST_SECRETARY, {"organization": outposts[0]}),
            ("liuru", hosts[0].name[:20], Role.HOST_ORGANIZATION, {"host_organization": hosts[0]}),
        ]
        logins = []
        hashed = make_password(DEMO_PASSWORD)  # one PBKDF2 run for all demo accounts (they share the password)
        for username, label, role, place in specs:
            user = User(username=username, first_name=label, role=role, password=hashed,
                        password_changed_at=timezone.now(), **place)
            user.save()
            logins.append((username, DEMO_PASSWORD, Role(role).label))
        return logins


@transaction.atomic
def load_demo(**sizes) -> DemoResult:
    builder = DemoBuilder(**sizes)
    county, towns, villages = builder.units()
    committees, branches, hosts, outposts = builder.organizations(county, towns, villages)
    enterprises = builder.enterprises(county, towns)
    builder.workers(towns, villages, enterprises)
    builder.members(towns, villages, branches, outposts, hosts)
    builder.activists(towns, villages, branches, outposts)
    builder.network(county, towns, villages, enterprises)
    builder.county_figures(county)
    logins = builder.users(county, towns, villages, hosts, outposts)
    from django.apps import apps

    for app in ("services", "talent"):
        try:
            module = __import__(f"{app}.demo", fromlist=["load"])
        except ModuleNotFoundError:
            continue
        if apps.is_installed(app) and hasattr(module, "load"):
            module.load(county=county, rng=builder.rng)
    counts = {"towns": len(towns), "villages": len(villages), "workers": Worker.objects.count(),
              "enterprises": len(enterprises), "members": PartyMember.objects.count(),
              "activists": Activist.objects.count(), "outposts": len(outposts)}
    audit.record(AuditAction.SYSTEM, county, detail=f"load_demo {counts}")
    return DemoResult(county=county, counts=counts, logins=logins)
