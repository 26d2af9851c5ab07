from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    COUNTY = "county", _("县")
    TOWN = "town", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）")


class UnitKind(models.TextChoices):
    """From the code (统计用区划代码): town 001–099 街道, 100–199 镇, 200–399 乡; village 001–199 社区, 200–399 村."""

    COUNTY = "county", _("县")
    SUBDISTRICT = "subdistrict", _("街道")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")
    COMMUNITY = "community", _("社区（居委会）")
    VILLAGE = "village", _("村（村委会）")
    OTHER = "other", _("其他")


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    GROUP = "group", _("党小组")


class OrgForm(models.TextChoices):
    """Seed 001: 单独型、联合型、拓展型、流动型、网络型."""

    INDEPENDENT = "independent", _("单独型")
    JOINT = "joint", _("联合型")
    EXTENDED = "extended", _("拓展型")
    MOBILE = "mobile", _("流动型")
    ONLINE = "online", _("网络型")


class OutpostBuild(models.TextChoices):
    """Seed 002: 单独建、联合建、挂靠建."""

    ALONE = "alone", _("单独建")
    JOINT = "joint", _("联合建")
    ATTACHED = "attached", _("挂靠建")


class OutpostBasis(models.TextChoices):
    """Seed 002: where an outpost branch is built."""

    ENTERPRISE = "enterprise", _("依托企业建")
    HOST_PLACE = "host_place", _("依托流入地建")
    INDUSTRY = "industry", _("依托行业建")
    VILLAGE = "village", _("村级延伸建")
    TOWN = "town", _("镇级延伸建")
    NATIVE_ENTERPRISE = "native_enterprise", _("在成功人士创办企业中建")


class HostSubject(models.TextChoices):
    """Seed 000 §4: the five kinds of subject that host an organization (五类主体)."""

    VILLAGE_COLLECTIVE = "village_collective", _("村集体经济组织或合作社")
    ENTERPRISE = "enterprise", _("聚集地企业")
    INDUSTRY_ASSOCIATION = "industry_association", _("行业协会")
    TRADE_SYSTEM = "trade_system", _("商贸系统")
    CHAMBER = "chamber", _("商会")


class ServiceLevel(models.TextChoices):
    """Seed 000 §2: the four levels of the service network."""

    COUNTY_CENTER = "county_center", _("县农民工党员服务中心")
    TOWN_STATION = "town_station", _("镇流动党员服务站")
    VILLAGE_POINT = "village_point", _("村流动党员联络点")
    ENTERPRISE_LIAISON = "enterprise_liaison", _("企业党建联络员")


class Department(models.TextChoices):
    """Member departments of the joint meeting (seed 000 §3)."""

    ORGANIZATION = "organization", _("组织部")
    PUBLICITY = "publicity", _("宣传部")
    UNITED_FRONT = "united_front", _("统战部")
    HUMAN_RESOURCES = "human_resources", _("人社局")
    DEVELOPMENT = "development", _("发改局")
    AGRICULTURE = "agriculture", _("农业农村局")
    JUSTICE = "justice", _("司法局")
    FINANCE = "finance", _("财政局")
    COMMERCE = "commerce", _("商务局")
    WOMEN = "women", _("妇联")
    YOUTH = "youth", _("团县委")
    UNION = "union", _("总工会")
    OTHER = "other", _("其他")
