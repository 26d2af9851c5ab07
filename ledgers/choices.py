from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Direction(models.TextChoices):
    OUTGOING = "out", _("外出")
    INCOMING = "in", _("外来")


class PoliticalStatus(models.TextChoices):
    MEMBER = "member", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    LEAGUE = "league", _("共青团员")
    OTHER_PARTY = "other_party", _("民主党派")
    MASSES = "masses", _("群众")
    UNKNOWN = "", _("未知")


class Intention(models.TextChoices):
    """Return intention (返乡意向)."""

    NONE = "none", _("无返乡意向")
    CONSIDERING = "considering", _("有返乡意向")
    RETURNED = "returned", _("已返乡")
    UNKNOWN = "", _("未知")


class Wish(models.TextChoices):
    """Wish to join the party (入党意愿) or to take a village post (任职意愿)."""

    YES = "yes", _("有")
    NO = "no", _("无")
    UNKNOWN = "", _("未知")


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("制造业")
    CONSTRUCTION = "construction", _("建筑业")
    MINING = "mining", _("采矿业")
    TRADE = "trade", _("批发和零售业")
    TRANSPORT = "transport", _("交通运输、仓储和邮政业")
    HOSPITALITY = "hospitality", _("住宿和餐饮业")
    HOUSEHOLD = "household", _("居民服务、修理和其他服务业")
    IT = "it", _("信息传输、软件和信息技术服务业")
    AGRICULTURE = "agriculture", _("农、林、牧、渔业")
    HEALTH = "health", _("卫生和社会工作")
    OTHER = "other", _("其他")


class Education(models.TextChoices):
    PRIMARY = "primary", _("小学及以下")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中、中专、技校")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科及以上")
    UNKNOWN = "", _("未知")


class MemberCategory(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class MembershipStatus(models.TextChoices):
    NORMAL = "normal", _("正常")
    SUSPENDED = "suspended", _("停止党籍")


class ActivistStage(models.TextChoices):
    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    TARGET = "target", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    ADMITTED = "admitted", _("已转正")
    WITHDRAWN = "withdrawn", _("已终止")
