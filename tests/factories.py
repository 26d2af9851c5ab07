"""Test data: valid ID numbers and credit codes, and a small two-town world with a user of every role.

Every shared test (permission matrix, API CRUD, scoping) builds on ``World``: objects in town A are in scope for
A's clerk and out of scope for B's, and so on down the roles.
"""

import datetime
import itertools
from dataclasses import dataclass, field

from stdnum.cn import ric, uscc

from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from organizations.models import HostPlaceOrganization, PartyOrganization, Unit, User
from organizations.roles import Role

PASSWORD = "Zyparty@2026"
_serial = itertools.count(1)


def id_number(born=datetime.date(1990, 1, 1), male=True, area="610924"):
    """A fresh valid ID number (distinct on every call)."""
    n = next(_serial)
    serial = (n * 2 + (1 if male else 0)) % 1000
    day = born + datetime.timedelta(days=n // 500)
    body = f"{area}{day:%Y%m%d}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(region="330106"):
    n = next(_serial)
    body = f"91{region}{n:09d}"
    return body + uscc.calc_check_digit(body + "0")


def bad_checksum(number):
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")


def worker(town, village=None, **kw):
    kw.setdefault("name", "张三")
    kw.setdefault("id_number", id_number())
    kw.setdefault("phone", "13800138000")
    return Worker.objects.create(town=town, village=village, **kw)


def member(town, village, organization, **kw):
    kw.setdefault("name", "李四")
    kw.setdefault("id_number", id_number(datetime.date(1985, 5, 5)))
    kw.setdefault("joined_on", datetime.date(2015, 7, 1))
    kw.setdefault("full_member_on", datetime.date(2016, 7, 1))
    return PartyMember.objects.create(town=town, village=village, home_organization=organization, **kw)


def activist(town, village, **kw):
    kw.setdefault("name", "王五")
    kw.setdefault("id_number", id_number(datetime.date(1995, 3, 3)))
    kw.setdefault("applied_on", datetime.date(2024, 3, 1))
    return Activist.objects.create(town=town, village=village, **kw)


def user(username, role, **place):
    u = User(username=username, role=role, **place)
    u.set_password(PASSWORD)
    u.save()
    return u


@dataclass
class World:
    county: Unit = None
    other_county: Unit = None
    town_a: Unit = None
    town_b: Unit = None
    village_a: Unit = None
    village_a2: Unit = None
    village_b: Unit = None
    org_a: PartyOrganization = None
    org_b: PartyOrganization = None
    outpost_a: PartyOrganization = None
    host_a: HostPlaceOrganization = None
    host_b: HostPlaceOrganization = None
    enterprise_a: HostEnterprise = None
    enterprise_b: HostEnterprise = None
    workers: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)
    activists: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    @classmethod
    def build(cls):
        w = cls()
        w.county = Unit.objects.create(code="610924", name="紫阳县")
        w.other_county = Unit.objects.create(code="610925", name="岚皋县")
        w.town_a = Unit.objects.create(code="610924100", name="城关镇")
        w.town_b = Unit.objects.create(code="610924101", name="蒿坪镇")
        w.village_a = Unit.objects.create(code="610924100201", name="东河村")
        w.village_a2 = Unit.objects.create(code="610924100202", name="西坝村")
        w.village_b = Unit.objects.create(code="610924101201", name="金石村")
        other_town = Unit.objects.create(code="610925100", name="城关镇")
        w.org_a = PartyOrganization.objects.create(name="东河村党支部", home_unit=w.village_a)
        w.org_b = PartyOrganization.objects.create(name="金石村党支部", home_unit=w.village_b)
        w.host_a = HostPlaceOrganization.objects.create(name="杭州市西湖区流动党员服务中心党委", region_code="330106",
                                                        county=w.county)
        w.host_b = HostPlaceOrganization.objects.create(name="深圳市宝安区流动党员党委", region_code="440306",
                                                        county=w.county)
        w.outpost_a = PartyOrganization.objects.create(
            name="城关镇驻杭州流动党员党支部", home_unit=w.town_a, is_outpost=True, host_place_code="330106",
            host_partner=w.host_a, form="mobile", outpost_build="alone")
        w.enterprise_a = HostEnterprise.objects.create(name="杭州鑫华电子有限公司", credit_code=credit_code("330106"),
                                                       town=w.town_a, location_code="330106")
        w.enterprise_b = HostEnterprise.objects.create(name="深圳博达机械有限公司", credit_code=credit_code("440306"),
                                                       town=w.town_b, location_code="440306")
        w.workers = {
            "a": worker(w.town_a, w.village_a, name="张三", enterprise=w.enterprise_a),
            "a2": worker(w.town_a, w.village_a2, name="赵六"),
            "b": worker(w.town_b, w.village_b, name="孙七", enterprise=w.enterprise_b),
            "other": worker(other_town, None, name="周八"),
        }
        w.members = {
            "a": member(w.town_a, w.village_a, w.org_a, name="李四", activity_organization=w.outpost_a,
                        co_manager=w.host_a),
            "b": member(w.town_b, w.village_b, w.org_b, name="吴九", co_manager=w.host_b),
        }
        w.activists = {
            "a": activist(w.town_a, w.village_a, name="王五", cultivating_organization=w.outpost_a,
                          home_organization=w.org_a, co_manager=w.host_a),
            "b": activist(w.town_b, w.village_b, name="郑十", home_organization=w.org_b),
        }
        w.users = {
            Role.COUNTY_ADMIN: user("county_admin", Role.COUNTY_ADMIN, unit=w.county),
            Role.COUNTY_STAFF: user("county_staff", Role.COUNTY_STAFF, unit=w.county),
            Role.TOWN_CLERK: user("clerk_a", Role.TOWN_CLERK, unit=w.town_a),
            Role.VILLAGE_LIAISON: user("liaison_a", Role.VILLAGE_LIAISON, unit=w.village_a),
            Role.ENTERPRISE_LIAISON: user("ent_a", Role.ENTERPRISE_LIAISON, enterprise=w.enterprise_a),
            Role.OUTPOST_SECRETARY: user("outpost_a", Role.OUTPOST_SECRETARY, organization=w.outpost_a),
            Role.HOST_ORGANIZATION: user("host_a", Role.HOST_ORGANIZATION, host_organization=w.host_a),
            Role.PARTNER: user("partner_a", Role.PARTNER, unit=w.town_a),
            Role.SYSTEM_ADMIN: user("sysadmin", Role.SYSTEM_ADMIN),
            Role.SECURITY_ADMIN: user("secadmin", Role.SECURITY_ADMIN),
            Role.AUDITOR: user("auditor", Role.AUDITOR),
        }
        w.clerk_b = user("clerk_b", Role.TOWN_CLERK, unit=w.town_b)
        return w


# Ledger workbooks (issue 4) ---------------------------------------------------------------------------------------
WORKER_HEADERS = ["姓名", "身份证号", "联系电话", "户籍村(社区)", "外出/外来", "务工地", "务工单位", "统一社会信用代码",
                  "从事行业", "就业技能", "月收入(元)", "政治面貌", "家庭情况", "返乡意向", "入党意愿", "任职意愿", "外出时间",
                  "备注"]


def worker_row(**values):
    """One worker row as a clerk fills it (headers of CONTRACT.md), valid unless overridden."""
    row = {"姓名": "钱一", "身份证号": id_number(datetime.date(1988, 8, 8)), "联系电话": "13912345678",
           "户籍村(社区)": "东河村", "外出/外来": "外出", "务工地": "浙江省杭州市西湖区", "务工单位": "杭州鑫华电子有限公司",
           "统一社会信用代码": "", "从事行业": "制造业", "就业技能": "电工", "月收入(元)": 4500, "政治面貌": "群众",
           "家庭情况": "", "返乡意向": "有返乡意向", "入党意愿": "有", "任职意愿": "无",
           "外出时间": datetime.date(2020, 6, 26), "备注": ""}
    row.update(values)
    return row


def workbook_file(path, rows, headers=None, *, title=None, sheet="Sheet1", text_columns=("身份证号", "联系电话")):
    """Write ``rows`` (dicts by header) to an .xlsx at ``path`` with openpyxl, as Excel would save it: optional
    merged title row above the header, identifiers as text cells."""
    import openpyxl

    headers = list(headers or (rows[0].keys() if rows else WORKER_HEADERS))
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h, "") for h in headers])
    for index, header in enumerate(headers, 1):
        if header in text_columns:
            for cells in ws.iter_cols(min_col=index, max_col=index, min_row=2):
                for cell in cells:
                    cell.number_format = "@"
    book.save(path)
    return path
