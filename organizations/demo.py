"""The organization side of the demo county (seed 001 §1): 紫阳县 with 17 towns and 175 villages, the party
committees and branches, host-place partners, outpost and online branches with their co-building agreements, the
service network, joint meetings, the county's yearly figures and one login per role.

One part of ``manage.py load_demo`` (overview.demo): ``ledgers.demo`` builds the four ledgers on top of this part.
Everything is generated (names from Faker's zh_CN lists) from one seeded random generator and written with bulk
inserts; the parts draw from the generator in a fixed order, so two runs give the same county.
"""

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as PersonNames

from organizations import choices as oc
from organizations.models import (
    CoManagementAgreement,
    CountyYearFigures,
    HostPlaceOrganization,
    JointMeeting,
    PartyOrganization,
    ServicePoint,
    Unit,
    User,
)
from organizations.roles import Role
from zyparty import regions
from zyparty.pinyin import initials

COUNTY = ("610924", "紫阳县")
TOWNS = ["城关镇", "蒿坪镇", "汉王镇", "焕古镇", "向阳镇", "洞河镇", "洄水镇", "双桥镇", "高桥镇", "红椿镇", "高滩镇",
         "毛坝镇", "瓦庙镇", "麻柳镇", "双安镇", "东木镇", "界岭镇"]
VILLAGE_HEADS = "安板北柏草茶长东斗峰凤高关汉红黄回金九苦兰联龙麻毛木南盘平桥青仁三沙双松堰田铁桐瓦文响新兴杨腰油枣竹"
VILLAGE_TAILS = ["坝村", "河村", "坪村", "沟村", "湾村", "岭村", "垭村", "山村", "园村", "庄村", "溪村", "口村"]
# Where the county's workers go (seed 001 names Zhejiang, Guangdong, Jiangsu, Xinjiang, Shanxi and the cities
# of Shaanxi), as address text so the parser is exercised; weights are rough shares. The host-place partners sit in
# the first fourteen; the ledgers part sends the workers to all of them.
DESTINATIONS = [
    ("浙江省杭州市西湖区", 9), ("浙江省杭州市萧山区", 6), ("浙江省宁波市鄞州区", 5), ("浙江省温州市瓯海区", 3),
    ("广东省深圳市宝安区", 8), ("广东省深圳市龙岗区", 5), ("广东省东莞市", 6), ("广东省广州市白云区", 4),
    ("江苏省苏州市昆山市", 6), ("江苏省苏州市吴江区", 3), ("上海市松江区", 4), ("上海市嘉定区", 3),
    ("北京市大兴区", 2), ("新疆维吾尔自治区乌鲁木齐市", 3), ("山西省太原市", 2), ("陕西省西安市雁塔区", 8),
    ("陕西省西安市未央区", 5), ("陕西省安康市汉滨区", 4), ("福建省厦门市湖里区", 2), ("天津市滨海新区", 2),
]
DEMO_PASSWORD = "Zyparty@2026"


def phone_number(rng) -> str:
    return rng.choice(["13", "15", "17", "18", "19"]) + "".join(str(rng.randrange(10)) for _ in range(9))


class CountyDemo:
    """Builds the county and its organizations; the random generator and the name lists are shared with the parts
    built on it (``ledgers.demo.LedgersDemo``)."""

    def __init__(self, seed=2020):
        self.rng = random.Random(seed)
        self.surnames = list(PersonNames.last_names.keys())
        self.surname_weights = list(PersonNames.last_names.values())
        self.male_names = list(PersonNames.first_names_male)
        self.female_names = list(PersonNames.first_names_female)
        self.today = timezone.localdate()

    # Names ----------------------------------------------------------------------------------------------------
    def name(self, male):
        return self.named(male)[0]

    def named(self, male):
        """(name, pinyin initials); initials of surname and given name are cached separately, as both repeat."""
        given = self.rng.choice(self.male_names if male else self.female_names)
        if self.rng.random() < 0.4:
            given += self.rng.choice(self.male_names if male else self.female_names)
        surname = self.rng.choices(self.surnames, self.surname_weights)[0]
        return surname + given[:2], initials(surname) + initials(given[:2])

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
                contact_name=self.name(self.rng.random() < 0.5), contact_phone=phone_number(self.rng),
                county=county))
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
                    secretary_name=self.name(True), secretary_phone=phone_number(self.rng),
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

    def county_figures(self, county):
        """The yearly figures the statistics report divides by: seed 001 §1 reports 350,000 people and 13,092 party
        members in 紫阳县 (entered by county staff each year; here for the current and the previous year)."""
        year = timezone.localdate().year
        for y in (year - 1, year):
            CountyYearFigures.objects.get_or_create(county=county, year=y, defaults={
                "population": 350_000, "party_members_total": 13_092,
                "notes": "示范数据：据《紫阳县农民工党建工作情况》（seed 001）。"})

    def service_network(self, county, towns, villages):
        """The service centre, stations and liaison points of the county, its towns and villages, and the joint
        meetings; the enterprises' liaisons and instructors come with the enterprises (ledgers.demo)."""
        points = [ServicePoint(level=oc.ServiceLevel.COUNTY_CENTER, name="紫阳县农民工党员服务中心", unit=county,
                               county=county, head_name=self.name(True), head_title="县委组织部副部长",
                               head_phone=phone_number(self.rng))]
        for town in towns:
            points.append(ServicePoint(level=oc.ServiceLevel.TOWN_STATION, name=f"{town.name}流动党员服务站",
                                       unit=town, county=county, town=town, head_name=self.name(True),
                                       head_title=self.rng.choice(["党委副书记", "组织委员"]),
                                       head_phone=phone_number(self.rng)))
        for village in villages:
            points.append(ServicePoint(level=oc.ServiceLevel.VILLAGE_POINT, name=f"{village.name}流动党员联络点",
                                       unit=village, county=county, town_id=village.town_id,
                                       head_name=self.name(True), head_title="村党支部书记",
                                       head_phone=phone_number(self.rng)))
        ServicePoint.objects.bulk_create([p.prepare_phones() for p in points])
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
