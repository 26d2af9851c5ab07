"""Coded values of the services app, with the seeds' Chinese terms as labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LiaisonChannel(models.TextChoices):
    """How a town party committee and a host-place organization exchange (seed 000 §6: 电话交流、视频会、信函…)."""

    PHONE = "phone", _("电话交流")
    VIDEO = "video", _("视频会议")
    LETTER = "letter", _("信函")
    VISIT = "visit", _("走访")
    SEMINAR = "seminar", _("座谈研讨")


class LiaisonTopic(models.TextChoices):
    """What they exchange on (seed 000 §6: 党员发展、教育管理、培训、就业、维权服务)."""

    MEMBER_DEVELOPMENT = "member_development", _("党员发展")
    EDUCATION = "education", _("教育管理")
    TRAINING = "training", _("培训")
    EMPLOYMENT = "employment", _("就业")
    RIGHTS = "rights", _("维权服务")


class CaseKind(models.TextChoices):
    """Help asked for (seed 000 §12–16: policy support, rights protection, contact and help)."""

    EMPLOYMENT = "employment", _("就业服务")
    SOCIAL_SECURITY = "social_security", _("社会保障")
    LEGAL_AID = "legal_aid", _("法律援助")
    WAGE_RECOVERY = "wage_recovery", _("追讨欠薪")
    CERTIFICATES = "certificates", _("证照办理")
    LOANS = "loans", _("融资贷款")
    LEFT_BEHIND = "left_behind", _("留守人员关爱")


class CaseChannel(models.TextChoices):
    """Where a case came in (seed 000 §10, §15; seed 004's outpost service stations)."""

    WINDOW = "window", _("便民服务窗口")
    HOTLINE_148 = "hotline_148", _("“148”法律服务热线")
    HOTLINE_4411111 = "hotline_4411111", _("“4411111”便民热线")
    OUTPOST = "outpost", _("驻外服务站")
    OTHER = "other", _("其他")


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    IN_PROGRESS = "in_progress", _("办理中")
    REFERRED = "referred", _("已转办")
    RESOLVED = "resolved", _("已办结")
    CLOSED = "closed", _("已终止")


# Which status may follow which (services.workflows.service_case_transition). A resolved case may be reopened;
# a closed one (not accepted, withdrawn) is final.
CASE_TRANSITIONS = {
    CaseStatus.RECEIVED: {CaseStatus.IN_PROGRESS, CaseStatus.REFERRED, CaseStatus.RESOLVED, CaseStatus.CLOSED},
    CaseStatus.IN_PROGRESS: {CaseStatus.REFERRED, CaseStatus.RESOLVED, CaseStatus.CLOSED},
    CaseStatus.REFERRED: {CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.CLOSED},
    CaseStatus.RESOLVED: {CaseStatus.IN_PROGRESS},
    CaseStatus.CLOSED: set(),
}
CASE_OPEN_STATUSES = (CaseStatus.RECEIVED, CaseStatus.IN_PROGRESS, CaseStatus.REFERRED)


class TrainingKind(models.TextChoices):
    """Seed 000 §13's five free trainings, §8's yearly training of outpost secretaries, and others."""

    PEDICURE = "pedicure", _("修脚养生")
    COOKING = "cooking", _("特色烹饪")
    ECOMMERCE = "ecommerce", _("电子商务")
    HOUSEKEEPING = "housekeeping", _("家政月嫂")
    TEA_FARMER = "tea_farmer", _("职业茶农")
    OUTPOST_SECRETARY = "outpost_secretary", _("驻外党组织书记培训")
    OTHER = "other", _("其他培训")


FREE_TRAININGS = (TrainingKind.PEDICURE, TrainingKind.COOKING, TrainingKind.ECOMMERCE, TrainingKind.HOUSEKEEPING,
                  TrainingKind.TEA_FARMER)


class Festival(models.TextChoices):
    """The home-coming festivals when outreach happens and ledgers are refreshed (seed 000 §5, §11)."""

    SPRING = "spring", _("春节")
    MID_AUTUMN = "mid_autumn", _("中秋")
    OTHER = "other", _("其他")


class OutreachActivity(models.TextChoices):
    """Seed 000 §11: 集中宣讲、座谈交流、走访送学, and contact platforms (交流群、同乡会)."""

    TALK = "talk", _("集中宣讲")
    FORUM = "forum", _("座谈交流")
    VISIT = "visit", _("走访送学")
    NETWORK = "network", _("建立交流群、同乡会")


class FundingSource(models.TextChoices):
    """Seed 003 (经费共担: 留存党费 10,000 yuan a year per mobile organization) and seed 000 §24."""

    RETAINED_DUES = "retained_dues", _("县管留存党费")
    BUDGET = "budget", _("财政预算")
    HOST_PLACE = "host_place", _("流入地支持")
    ENTERPRISE = "enterprise", _("企业捐助")
    OTHER = "other", _("其他")


class OrgLifeKind(models.TextChoices):
    """三会一课, theme day, org-life meeting, and online org life (seed 000 §9)."""

    GENERAL_MEETING = "general_meeting", _("支部党员大会")
    COMMITTEE_MEETING = "committee_meeting", _("支部委员会")
    GROUP_MEETING = "group_meeting", _("党小组会")
    PARTY_LESSON = "party_lesson", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    REVIEW_MEETING = "review_meeting", _("组织生活会")
    ONLINE = "online", _("网上组织生活")
    OTHER = "other", _("其他")


class DuesPlace(models.TextChoices):
    HOME = "home", _("组织关系所在地")
    DESTINATION = "destination", _("流入地")


class EvaluationRating(models.TextChoices):
    """The four grades of the yearly member appraisal (民主评议党员)."""

    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class EvaluationPeriod(models.IntegerChoices):
    YEAR = 0, _("全年")
    FIRST_HALF = 1, _("上半年")
    SECOND_HALF = 2, _("下半年")


class InspectionConclusion(models.TextChoices):
    """An inspecting organization's conclusion on an activist (seed 000 §7 双向考察; seed 003)."""

    RECOMMEND = "recommend", _("建议列为发展对象")
    CONTINUE = "continue", _("继续培养考察")
    POSTPONE = "postpone", _("暂缓发展")
    UNSUITABLE = "unsuitable", _("不宜继续培养")


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    ACCEPTED = "accepted", _("已接收")
    REJECTED = "rejected", _("已退回")
    CANCELLED = "cancelled", _("已撤销")


TRANSFER_DECISIONS = (TransferStatus.ACCEPTED, TransferStatus.REJECTED, TransferStatus.CANCELLED)
TRANSFER_DECISION_CHOICES = [(s.value, s.label) for s in TRANSFER_DECISIONS]


class NoticeKind(models.TextChoices):
    """Kinds of the notices this app puts in people's inboxes (zyparty.models.Notice.kind)."""

    LIAISON_DUE = "liaison_due", _("双向联系即将到期")
    LIAISON_OVERDUE = "liaison_overdue", _("双向联系逾期")
    JOINT_MEETINGS = "joint_meetings", _("联席会议次数不足")
    OUTPOST_TRAINING = "outpost_training", _("驻外党组织书记未培训")
    FESTIVAL_REFRESH = "festival_refresh", _("节日台账更新")
    MOBILE_TRANSFER = "mobile_transfer", _("流动党员应转接组织关系")
    MOBILE_LAPSED = "mobile_lapsed", _("流动党员超过六个月未参加组织生活或未交党费")
    MOBILE_LOST_CONTACT = "mobile_lost_contact", _("失联党员满六个月")
    CASE_ASSIGNED = "case_assigned", _("服务事项待办")
    TRANSFER_REQUESTED = "transfer_requested", _("组织关系转接申请")
