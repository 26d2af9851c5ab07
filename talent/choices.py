"""Coded values of the talent app, with their Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """The five stages of member development (发展党员工作细则, DOMAIN.md "Member development")."""

    APPLICATION = "application", _("一、申请入党")
    ACTIVIST = "activist", _("二、入党积极分子的确定和培养教育")
    TARGET = "target", _("三、发展对象的确定和考察")
    ADMISSION = "admission", _("四、预备党员的接收")
    PROBATION = "probation", _("五、预备党员的教育考察和转正")


class Step(models.IntegerChoices):
    """The 25 steps (二十五个步骤) of the 2014 《中国共产党发展党员工作细则》 as the organization department's flow."""

    APPLICATION = 1, _("① 递交入党申请书")
    TALK = 2, _("② 党组织派人谈话")
    ACTIVIST_CONFIRMED = 3, _("③ 推荐和确定入党积极分子")
    ACTIVIST_FILED = 4, _("④ 报上级党委备案")
    CONTACTS = 5, _("⑤ 指定培养联系人")
    ASSESSMENT = 6, _("⑥ 培养教育考察")
    TARGET_CONFIRMED = 7, _("⑦ 确定发展对象")
    TARGET_FILED = 8, _("⑧ 报上级党委备案")
    SPONSORS = 9, _("⑨ 确定入党介绍人")
    POLITICAL_REVIEW = 10, _("⑩ 进行政治审查")
    TRAINING = 11, _("⑪ 开展集中培训")
    BRANCH_REVIEW = 12, _("⑫ 支部委员会审查（含公示）")
    PRE_REVIEW = 13, _("⑬ 上级党委预审")
    APPLICATION_FORM = 14, _("⑭ 填写入党志愿书")
    BRANCH_MEETING = 15, _("⑮ 支部大会讨论")
    INTERVIEW = 16, _("⑯ 上级党委派人谈话")
    APPROVAL = 17, _("⑰ 上级党委审批")
    APPROVAL_FILED = 18, _("⑱ 再上一级党委组织部门备案")
    ASSIGNED = 19, _("⑲ 编入党支部和党小组")
    OATH = 20, _("⑳ 入党宣誓")
    CONTINUED_EDUCATION = 21, _("㉑ 继续教育考察")
    FULL_APPLICATION = 22, _("㉒ 提出转正申请")
    FULL_MEETING = 23, _("㉓ 支部大会讨论转正")
    FULL_APPROVAL = 24, _("㉔ 上级党委审批转正")
    ARCHIVE = 25, _("㉕ 材料归档")


STEP_STAGE = {
    **{n: Stage.APPLICATION for n in (1, 2)},
    **{n: Stage.ACTIVIST for n in (3, 4, 5, 6)},
    **{n: Stage.TARGET for n in (7, 8, 9, 10, 11)},
    **{n: Stage.ADMISSION for n in range(12, 19)},
    **{n: Stage.PROBATION for n in range(19, 26)},
}

# Steps recorded by a party committee (the home town committee that approves, 户籍地党委审批 — seed 000 §7).
COMMITTEE_STEPS = frozenset({4, 8, 13, 16, 17, 18, 24})
# Inspection-type steps a co-managing host-place organization may record itself (接续培养、双向考察 — seed 000 §7).
HOST_STEPS = frozenset({6, 21})
# Steps that may be recorded more than once.
REPEATABLE_STEPS = frozenset({6, 21})


class CaseStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    COMPLETED = "completed", _("已转正")
    STOPPED = "stopped", _("已终止")


class Outcome(models.TextChoices):
    """Decisions recorded on a step: review results, approvals, the full-membership meeting's resolution."""

    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")
    APPROVED = "approved", _("批准")
    REJECTED = "rejected", _("不批准")
    CONVERT = "convert", _("按期转正")
    EXTEND = "extend", _("延长预备期")
    CANCEL = "cancel", _("取消预备党员资格")


class ActivistNomination(models.TextChoices):
    """How an activist was put forward at step ③ (党员推荐、群团组织推优)."""

    MEMBER = "member", _("党员推荐")
    MASS_ORGANIZATION = "mass_organization", _("群团组织推优")


class ParticipantRole(models.TextChoices):
    CONTACT = "contact", _("培养联系人")
    SPONSOR = "sponsor", _("入党介绍人")
    INTERVIEWER = "interviewer", _("谈话人")


class LimitUnit(models.TextChoices):
    YEARS = "years", _("年")
    MONTHS = "months", _("个月")
    DAYS = "days", _("天")
    WORKING_DAYS = "working_days", _("个工作日")
    HOURS = "hours", _("学时")


class CultivationStageKind(models.TextChoices):
    """"One attract, four cultivate" (一回引四培养, seed 000 §17), in order."""

    ATTRACTED = "attracted", _("优秀农民工（回引）")
    MEMBER = "member", _("培养成党员")
    WEALTH_LEADER = "wealth_leader", _("培养成致富带头人")
    VILLAGE_CADRE = "village_cadre", _("培养成村干部")


STAGE_ORDER = [c.value for c in CultivationStageKind]


class VentureKind(models.TextChoices):
    """Seed 001: cooperatives, family farms, enterprises; seed 000 §16: community factories."""

    COOPERATIVE = "cooperative", _("农村经济合作社")
    FAMILY_FARM = "family_farm", _("家庭农场")
    ENTERPRISE = "enterprise", _("企业")
    COMMUNITY_FACTORY = "community_factory", _("社区工厂")


class AppointmentKind(models.TextChoices):
    """Seed 000 §20, seed 001 "适岗锻炼": posts a returnee takes."""

    VILLAGE_AFFAIRS_ASSISTANT = "assistant", _("村务助理")
    TWO_COMMITTEE_MEMBER = "committee_member", _("村“两委”委员")
    TWO_COMMITTEE_HEAD = "committee_head", _("村“两委”主职")
    MASS_ORGANIZATION = "mass_organization", _("村群团组织任职")
    COOPERATIVE = "cooperative", _("村集体经济合作组织任职")


CADRE_APPOINTMENTS = frozenset({AppointmentKind.TWO_COMMITTEE_MEMBER, AppointmentKind.TWO_COMMITTEE_HEAD})


class NominationKind(models.TextChoices):
    """两代表一委员 (seed 000 §21)."""

    PARTY_CONGRESS = "party_congress", _("党代表")
    PEOPLES_CONGRESS = "peoples_congress", _("人大代表")
    CPPCC = "cppcc", _("政协委员")


class Level(models.TextChoices):
    TOWN = "town", _("镇级")
    COUNTY = "county", _("县级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")
    NATIONAL = "national", _("全国")


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", _("已推荐")
    ELECTED = "elected", _("已当选")
    NOT_ELECTED = "not_elected", _("未当选")


class AwardKind(models.TextChoices):
    """Seed 000 §13, §21: 劳动模范、创业先锋、致富之星、优秀企业、返乡优秀企业家授牌."""

    MODEL_WORKER = "model_worker", _("劳动模范")
    PIONEER = "pioneer", _("创业先锋")
    WEALTH_STAR = "wealth_star", _("致富之星")
    EXCELLENT_ENTERPRISE = "excellent_enterprise", _("优秀企业")
    ENTREPRENEUR_PLAQUE = "entrepreneur_plaque", _("返乡优秀企业家")
    ADVANCED_WORKER = "advanced_worker", _("先进工作者")
    OTHER = "other", _("其他")


class Comparison(models.TextChoices):
    GTE = "gte", "≥"
    GT = "gt", ">"
    LTE = "lte", "≤"


class Period(models.TextChoices):
    YEAR = "year", _("每年")
    HALF_YEAR = "half_year", _("每半年")
    TWO_YEARS = "two_years", _("每两年")
    POINT_IN_TIME = "point_in_time", _("时点（按月检查）")


class SubjectKind(models.TextChoices):
    """Kept equal to zyparty.quotas.SUBJECT_KINDS."""

    COUNTY = "county", _("县")
    TOWN = "town", _("乡镇")
    VILLAGE = "village", _("村（社区）")
    ORGANIZATION = "organization", _("党组织")
    OUTPOST = "outpost", _("驻外党组织")
    AGREEMENT = "agreement", _("镇与流入地党组织（共建共管协议）")


class ResultStatus(models.TextChoices):
    MET = "met", _("达标")
    SHORT = "short", _("未达标")
    UNAVAILABLE = "unavailable", _("指标不可用")

