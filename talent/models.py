"""Member development, the local-talent pipeline and quotas kept as data.

- Development cases (发展党员, DOMAIN.md "Member development"): a ``DevelopmentCase`` per applicant and a
  ``DevelopmentStep`` per step of the 25, written only by ``talent.workflows`` after ``talent.rules`` agreed.
- Time limits and the working-day calendar (``TimeLimit``, ``PublicHoliday``, ``WorkdayAdjustment``): data a county
  edits in the admin, read by the rules.
- The talent pipeline (seed 000 §17–21): ``Talent`` (乡土人才信息库), its ``CultivationStage`` history
  (一回引四培养), ``ReserveCadre`` (青苗), ``ReturneeVenture``, ``Appointment``, ``Nomination`` (两代表一委员), ``Award``.
- Quotas (``QuotaRule`` → ``QuotaResult``): rules name a metric of zyparty.quotas; the evaluation job stores one
  result per rule × subject × period.

Every scoped record stores its county/town/village (and organization) keys, copied from what it hangs on, so the
scoping layer filters by single indexed equalities.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledgers.choices import Education
from ledgers.models import Activist, PartyMember, Worker
from organizations.models import (
    HostPlaceOrganization,
    PartyOrganization,
    PlacedModel,
    unit_key,
)
from talent import choices
from zyparty import quotas
from zyparty.models import ScopedQuerySet, TrackedModel
from zyparty.pinyin import initials
from zyparty.validators import validate_credit_code

# Time limits and the calendar -------------------------------------------------------------------------------------


class TimeLimit(TrackedModel):
    """One time limit or threshold of the development rules (发展党员工作细则) or of local practice.

    All of them live in this one table so that a county adjusts them in the admin without a deploy; the rule code
    reads them through ``talent.rules.Limits`` (one query per evaluation).
    """

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    label = models.CharField(_("名称"), max_length=60)
    value = models.PositiveIntegerField(_("数值"))
    unit = models.CharField(_("单位"), max_length=14, choices=choices.LimitUnit.choices)
    source = models.TextField(_("依据"), help_text=_("条款原文或本地规定的出处。"))
    is_local = models.BooleanField(_("本地规定"), default=False,
                                   help_text=_("勾选表示为本地惯例或配额，而非全国性党内法规。"))

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限与阈值")
        ordering = ["code"]

    def __str__(self):
        return f"{self.label}：{self.value}{self.get_unit_display()}"


class PublicHoliday(TrackedModel):
    """A day off by the State Council's holiday arrangement (国务院办公厅关于部分节假日安排的通知), weekends included."""

    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("节日"), max_length=40)
    note = models.CharField(_("备注"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("法定节假日")
        verbose_name_plural = _("法定节假日")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"

    def clean(self):
        if self.date and WorkdayAdjustment.objects.filter(date=self.date).exists():
            raise ValidationError({"date": _("该日已登记为调休上班日，不能同时为节假日。")})


class WorkdayAdjustment(TrackedModel):
    """A weekend day that is a working day (调休上班) by the same arrangement."""

    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("调休事由"), max_length=40)
    note = models.CharField(_("备注"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("调休上班日")
        verbose_name_plural = _("调休上班日")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"

    def clean(self):
        if self.date and self.date.weekday() < 5:
            raise ValidationError({"date": _("调休上班日应为周六或周日；工作日本来就上班。")})
        if self.date and PublicHoliday.objects.filter(date=self.date).exists():
            raise ValidationError({"date": _("该日已登记为节假日，不能同时为调休上班日。")})


# Development cases --------------------------------------------------------------------------------------------------


class DevelopmentCase(PlacedModel, TrackedModel):
    """One person's way into the party, step by step (发展党员工作细则; co-managed path of seed 000 §7).

    The home organization takes the application (原籍吸纳), the host-place organization continues the cultivation
    (接续培养), both inspect (双向考察) and publish the notice (两地公示), the home party committee approves
    (户籍地党委审批). The dates below are milestones copied from the steps by the workflow, for lists and reminders.
    """

    activist = models.ForeignKey(Activist, verbose_name=_("入党积极分子台账记录"), on_delete=models.PROTECT,
                                 related_name="development_cases")
    worker = models.ForeignKey(Worker, verbose_name=_("农民工台账记录"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="development_cases")
    member = models.ForeignKey(PartyMember, verbose_name=_("党员台账记录"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="development_cases", editable=False)
    name = models.CharField(_("姓名"), max_length=30, editable=False)
    village = unit_key(_("户籍村（社区）"), null=True)
    organization = models.ForeignKey(PartyOrganization, verbose_name=_("受理党组织（户籍地）"), on_delete=models.PROTECT,
                                     related_name="development_cases",
                                     help_text=_("原籍吸纳：受理入党申请的户籍地党支部。"))
    committee = models.ForeignKey(PartyOrganization, verbose_name=_("审批党委（户籍地）"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="approved_development_cases",
                                  help_text=_("户籍地党委审批；默认为受理党组织的上级党委。"))
    cultivating_organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("培养党组织"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="cultivated_development_cases", help_text=_("如驻外党支部；不填则由受理党组织培养。"))
    host_organization = models.ForeignKey(
        HostPlaceOrganization, verbose_name=_("流入地共管党组织"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="development_cases", help_text=_("填写即为两地共管：流入地接续培养、双向考察、两地公示。"))
    is_mobile = models.BooleanField(_("流动人员"), default=True,
                                    help_text=_("流动人员政审须同时征求户籍所在地和现居住地意见。"))
    status = models.CharField(_("状态"), max_length=10, choices=choices.CaseStatus.choices,
                              default=choices.CaseStatus.OPEN, editable=False)
    stage = models.CharField(_("阶段"), max_length=12, choices=choices.Stage.choices,
                             default=choices.Stage.APPLICATION, editable=False)
    current_step = models.PositiveSmallIntegerField(_("当前步骤"), choices=choices.Step.choices, default=1,
                                                    editable=False)
    applied_on = models.DateField(_("申请入党日期"), editable=False)
    talked_on = models.DateField(_("谈话日期"), null=True, blank=True, editable=False)
    activist_on = models.DateField(_("确定积极分子日期"), null=True, blank=True, editable=False)
    target_on = models.DateField(_("确定发展对象日期"), null=True, blank=True, editable=False)
    admitted_on = models.DateField(_("支部大会通过日期"), null=True, blank=True, editable=False,
                                   help_text=_("接收预备党员的支部大会决议之日，预备期自此算起。"))
    approved_on = models.DateField(_("党委审批日期"), null=True, blank=True, editable=False)
    probation_ends_on = models.DateField(_("预备期满日期"), null=True, blank=True, editable=False)
    extension_months = models.PositiveSmallIntegerField(_("延长预备期（月）"), null=True, blank=True, editable=False)
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True, editable=False)
    closed_on = models.DateField(_("终止日期"), null=True, blank=True, editable=False)
    close_reason = models.CharField(_("终止原因"), max_length=200, blank=True, editable=False)
    notes = models.TextField(_("备注"), blank=True)

    place_from = ("activist",)
    scope_paths = {"county": "county", "town": "town", "village": "village",
                   "organization": ("organization", "cultivating_organization"),
                   "host_organization": "host_organization"}

    class Meta:
        verbose_name = _("发展党员案卷")
        verbose_name_plural = _("发展党员案卷")
        ordering = ["-applied_on", "-id"]
        indexes = [
            models.Index(fields=["town", "status", "id"], name="devcase_town_status_idx"),
            models.Index(fields=["county", "status", "id"], name="devcase_county_status_idx"),
            models.Index(fields=["village", "id"], name="devcase_village_idx"),
            models.Index(fields=["cultivating_organization", "approved_on"], name="devcase_cultivator_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["activist"], condition=Q(status="open"),
                                               name="devcase_one_open_per_person")]

    def __str__(self):
        return f"{self.name}（{self.get_current_step_display()}）"

    @property
    def is_co_managed(self):
        return self.host_organization_id is not None

    def place_is_current(self, anchor_name):
        return not self._state.adding  # a case stays where it was opened, as its steps do, if the person moves

    def copy_person(self):
        person = self.activist
        self.name = person.name
        self.place_at(person)


class DevelopmentStep(PlacedModel, TrackedModel):
    """One step of a case as it happened: date, acting organization(s), people, votes and the facts the rules check.

    Written only through ``talent.workflows.development_step_record``, which refuses it (with the rule's reason)
    when the facts break a rule of ``talent.rules``.
    """

    case = models.ForeignKey(DevelopmentCase, verbose_name=_("案卷"), on_delete=models.CASCADE, related_name="steps")
    step = models.PositiveSmallIntegerField(_("步骤"), choices=choices.Step.choices)
    done_on = models.DateField(_("日期"))
    organization = models.ForeignKey(PartyOrganization, verbose_name=_("办理党组织"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    host_organization = models.ForeignKey(HostPlaceOrganization, verbose_name=_("办理的流入地党组织"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="+")
    members_entitled = models.PositiveSmallIntegerField(_("应到会有表决权正式党员"), null=True, blank=True)
    members_present = models.PositiveSmallIntegerField(_("实到会有表决权正式党员"), null=True, blank=True)
    votes_yes = models.PositiveSmallIntegerField(_("赞成票"), null=True, blank=True,
                                                 help_text=_("含会前正式提交书面赞成意见的人数。"))
    training_days = models.DecimalField(_("培训天数"), max_digits=4, decimal_places=1, null=True, blank=True)
    training_hours = models.DecimalField(_("培训学时"), max_digits=5, decimal_places=1, null=True, blank=True)
    notice_start = models.DateField(_("公示开始"), null=True, blank=True)
    notice_end = models.DateField(_("公示结束"), null=True, blank=True)
    host_notice_start = models.DateField(_("流入地公示开始"), null=True, blank=True)
    host_notice_end = models.DateField(_("流入地公示结束"), null=True, blank=True)
    outcome = models.CharField(_("结论"), max_length=10, choices=choices.Outcome.choices, blank=True)
    extension_months = models.PositiveSmallIntegerField(_("延长预备期（月）"), null=True, blank=True)
    expected_leave_on = models.DateField(_("预计离开工作单位日期"), null=True, blank=True)
    exception_reason = models.CharField(_("特殊情况说明"), max_length=300, blank=True)
    opinion = models.TextField(_("意见"), blank=True)
    facts = models.JSONField(_("其他事实"), default=dict, blank=True)
    scope_organization = models.ForeignKey(PartyOrganization, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+", editable=False)
    scope_cultivator = models.ForeignKey(PartyOrganization, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", editable=False)
    scope_host = models.ForeignKey(HostPlaceOrganization, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", editable=False)

    place_from = ("case",)
    scope_paths = {"county": "county", "town": "town", "village": "village",
                   "organization": ("scope_organization", "scope_cultivator"), "host_organization": "scope_host"}

    class Meta:
        verbose_name = _("发展步骤")
        verbose_name_plural = _("发展步骤")
        ordering = ["case_id", "done_on", "step", "id"]
        permissions = [("undo_developmentstep", _("撤销最后记录的发展步骤（须说明理由）"))]
        indexes = [models.Index(fields=["case", "step"], name="devstep_case_step_idx"),
                   models.Index(fields=["town", "id"], name="devstep_town_idx")]

    def __str__(self):
        return f"{self.get_step_display()} {self.done_on:%Y-%m-%d}"

    def place_is_current(self, anchor_name):
        return not self._state.adding  # a step is kept where its case was when it was recorded

    def copy_case_keys(self, case):
        self.place_at(case)
        self.scope_organization_id = case.organization_id
        self.scope_cultivator_id = case.cultivating_organization_id
        self.scope_host_id = case.host_organization_id


class StepParticipant(TrackedModel):
    """A person acting in a step: cultivation contact (⑤), sponsor (⑨), interviewer (⑯)."""

    step = models.ForeignKey(DevelopmentStep, verbose_name=_("步骤"), on_delete=models.CASCADE,
                             related_name="participants")
    role = models.CharField(_("身份"), max_length=12, choices=choices.ParticipantRole.choices)
    member = models.ForeignKey(PartyMember, verbose_name=_("党员台账记录"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("姓名"), max_length=30)
    is_full_member = models.BooleanField(_("正式党员"), default=True)

    class Meta:
        verbose_name = _("参与人")
        verbose_name_plural = _("参与人")
        ordering = ["step_id", "id"]

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"


# The talent pipeline ------------------------------------------------------------------------------------------------


class Talent(PlacedModel, TrackedModel):
    """A person in the village's local-talent pool (乡土人才信息库, seed 000 §18), linked to the ledgers."""

    worker = models.OneToOneField(Worker, verbose_name=_("农民工台账记录"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="talent_profile")
    member = models.OneToOneField(PartyMember, verbose_name=_("党员台账记录"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="talent_profile")
    name = models.CharField(_("姓名"), max_length=30, editable=False)
    name_initials = models.CharField(_("拼音首字母"), max_length=20, blank=True, editable=False, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, blank=True, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True, editable=False)
    village = unit_key(_("村（社区）"), level="village", editable=True)
    education = models.CharField(_("学历"), max_length=10, choices=Education.choices, blank=True)
    skills = models.CharField(_("专长技能"), max_length=100, blank=True)
    is_returnee = models.BooleanField(_("返乡农民工"), default=False)
    returned_on = models.DateField(_("返乡日期"), null=True, blank=True)
    stage = models.CharField(_("培养阶段"), max_length=14, choices=choices.CultivationStageKind.choices,
                             default=choices.CultivationStageKind.ATTRACTED, editable=False)
    notes = models.TextField(_("备注"), blank=True)

    place_from = ("village", "member", "worker")  # the village entered, else the person's
    audit_exclude = ("name_initials",)  # derived from the audited name (zyparty.signals)

    class Meta:
        verbose_name = _("乡土人才")
        verbose_name_plural = _("乡土人才库")
        ordering = ["town_id", "village_id", "id"]
        indexes = [models.Index(fields=["town", "stage", "id"], name="talent_town_stage_idx"),
                   models.Index(fields=["village", "id"], name="talent_village_idx")]

    def __str__(self):
        return self.name

    @property
    def person(self):
        return self.member or self.worker

    def clean(self):
        if not self.worker_id and not self.member_id:
            raise ValidationError({"worker": _("请关联农民工台账或党员台账中的人员。")})
        if self.worker_id and self.member_id and self.worker.id_digest != self.member.id_digest:
            raise ValidationError({"member": _("所选党员与农民工不是同一人（身份证号不同）。")})
        if self.village_id is None:
            person = self.person
            if person is not None and person.village_id:
                self.village_id = person.village_id
            else:
                raise ValidationError({"village": _("请选择所在村（社区）。")})
        if self.village.level != "village":
            raise ValidationError({"village": _("请选择村（社区）一级的区划。")})
        if self.returned_on and not self.is_returnee:
            self.is_returnee = True
        self.derive()

    def derive(self):
        person = self.person
        if person is not None:
            self.name, self.gender, self.birth_date = person.name, person.gender, person.birth_date
            if not self.education and getattr(person, "education", ""):
                self.education = person.education
        self.name_initials = initials(self.name or "")
        self.derive_place()

    def save(self, *args, **kwargs):
        self.derive()
        super().save(*args, **kwargs)


class TalentRecordMixin(PlacedModel):
    """A record about one talent: its place is the talent's."""

    village = unit_key(_("村（社区）"))

    place_from = ("talent",)

    class Meta:
        abstract = True

    def derive(self):
        self.derive_place()

    def clean(self):
        if self.talent_id:
            self.derive()

    def save(self, *args, **kwargs):
        self.derive()
        super().save(*args, **kwargs)


class CultivationStage(TalentRecordMixin, TrackedModel):
    """When a talent reached a stage of "one attract, four cultivate" (一回引四培养, seed 000 §17)."""

    talent = models.ForeignKey(Talent, verbose_name=_("人才"), on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("阶段"), max_length=14, choices=choices.CultivationStageKind.choices)
    reached_on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("培养阶段")
        verbose_name_plural = _("一回引四培养")
        ordering = ["talent_id", "reached_on", "id"]
        constraints = [models.UniqueConstraint(fields=["talent", "stage"], name="cultivation_stage_once")]

    def __str__(self):
        return f"{self.get_stage_display()} {self.reached_on:%Y-%m-%d}"


class ReserveCadre(TalentRecordMixin, TrackedModel):
    """A village reserve cadre (村级后备力量, "青苗", seed 000 §18) for one year.

    The profile (about 35, senior high school or above) is local practice, kept in ``settings.RESERVE_CADRE_PROFILE``
    and checked as a warning, never a refusal: "35岁左右" is not a hard limit.
    """

    talent = models.ForeignKey(Talent, verbose_name=_("人才"), on_delete=models.PROTECT,
                               related_name="reserve_terms")
    year = models.PositiveSmallIntegerField(_("年度"))
    selected_on = models.DateField(_("确定日期"))
    is_returning_worker = models.BooleanField(_("返乡农民工"), default=False)
    age = models.PositiveSmallIntegerField(_("确定时年龄"), null=True, blank=True, editable=False)
    profile_warnings = models.JSONField(_("条件提示"), default=list, blank=True, editable=False)
    notes = models.TextField(_("培养措施"), blank=True)

    class Meta:
        verbose_name = _("村级后备力量")
        verbose_name_plural = _("村级后备力量（青苗）")
        ordering = ["-year", "town_id", "village_id", "id"]
        constraints = [models.UniqueConstraint(fields=["talent", "year"], name="reserve_once_per_year")]
        indexes = [models.Index(fields=["village", "year"], name="reserve_village_year_idx"),
                   models.Index(fields=["town", "year"], name="reserve_town_year_idx")]

    def __str__(self):
        return f"{self.year} {self.talent}"

    def clean(self):
        super().clean()
        if self.selected_on and self.year and self.selected_on.year != self.year:
            raise ValidationError({"selected_on": _("确定日期应在所填年度内。")})
        self.derive()

    def derive(self):
        from talent.rules import reserve_profile  # noqa: PLC0415 — talent.rules imports these models

        super().derive()
        if self.selected_on and not self.year:
            self.year = self.selected_on.year
        if self.talent_id and self.selected_on:
            self.age, self.profile_warnings = reserve_profile(self.talent, self.selected_on)
        if self.talent_id and self.talent.is_returnee and not self.pk:
            self.is_returning_worker = True


class ReturneeVenture(PlacedModel, TrackedModel):
    """A cooperative, family farm, enterprise or community factory run by a returnee (seed 001; seed 000 §12, §14)."""

    kind = models.CharField(_("类型"), max_length=18, choices=choices.VentureKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    founder = models.ForeignKey(Talent, verbose_name=_("创办人"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="ventures")
    village = unit_key(_("所在村（社区）"), level="village", editable=True)
    founded_on = models.DateField(_("创办日期"))
    jobs_created = models.PositiveIntegerField(_("带动就业人数"), default=0)
    loans_amount = models.DecimalField(_("贷款金额（元）"), max_digits=14, decimal_places=2, default=0)
    subsidies_amount = models.DecimalField(_("补贴金额（元）"), max_digits=14, decimal_places=2, default=0)
    is_active = models.BooleanField(_("在营"), default=True)
    notes = models.TextField(_("备注"), blank=True)

    place_from = ("village",)

    class Meta:
        verbose_name = _("返乡创业实体")
        verbose_name_plural = _("返乡创业实体")
        ordering = ["town_id", "village_id", "name"]
        indexes = [models.Index(fields=["town", "kind", "id"], name="venture_town_kind_idx"),
                   models.Index(fields=["village", "kind"], name="venture_village_kind_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.credit_code:
            try:
                self.credit_code = validate_credit_code(self.credit_code)
            except ValidationError as exc:
                errors["credit_code"] = exc.messages
        if self.village_id and self.village.level != "village":
            errors["village"] = [_("请选择村（社区）一级的区划。")]
        if errors:
            raise ValidationError(errors)
        self.derive_place()


class Appointment(TalentRecordMixin, TrackedModel):
    """A post held by a talent: village-affairs assistant, two-committee seat or head, mass organization,
    cooperative (seed 000 §20, seed 001 "适岗锻炼")."""

    talent = models.ForeignKey(Talent, verbose_name=_("人才"), on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(_("类别"), max_length=18, choices=choices.AppointmentKind.choices)
    post = models.CharField(_("职务"), max_length=60, blank=True, help_text=_("如：村委会副主任、合作社理事长。"))
    organization_name = models.CharField(_("任职组织"), max_length=100, blank=True)
    start_on = models.DateField(_("任职日期"))
    end_on = models.DateField(_("离任日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        ordering = ["-start_on", "-id"]
        indexes = [models.Index(fields=["town", "kind", "id"], name="appointment_town_kind_idx")]

    def __str__(self):
        return f"{self.talent} {self.get_kind_display()}"

    def clean(self):
        super().clean()
        if self.end_on and self.start_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": _("离任日期不能早于任职日期。")})


class Nomination(TalentRecordMixin, TrackedModel):
    """A nomination as deputy to the party congress or the people's congress, or as CPPCC member
    (两代表一委员, seed 000 §21)."""

    talent = models.ForeignKey(Talent, verbose_name=_("人才"), on_delete=models.PROTECT, related_name="nominations")
    kind = models.CharField(_("类别"), max_length=16, choices=choices.NominationKind.choices)
    level = models.CharField(_("层级"), max_length=10, choices=choices.Level.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("结果"), max_length=12, choices=choices.NominationStatus.choices,
                              default=choices.NominationStatus.NOMINATED)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("两代表一委员推荐")
        verbose_name_plural = _("两代表一委员推荐")
        ordering = ["-year", "-id"]

    def __str__(self):
        return f"{self.year} {self.talent} {self.get_kind_display()}"


class Award(TalentRecordMixin, TrackedModel):
    """An honour: model worker, 创业先锋, 致富之星, excellent enterprise… (seed 000 §21)."""

    talent = models.ForeignKey(Talent, verbose_name=_("人才"), on_delete=models.PROTECT, related_name="awards")
    kind = models.CharField(_("类别"), max_length=22, choices=choices.AwardKind.choices)
    title = models.CharField(_("荣誉名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=choices.Level.choices)
    awarded_on = models.DateField(_("授予日期"))
    issuer = models.CharField(_("授予单位"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("表彰")
        verbose_name_plural = _("表彰")
        ordering = ["-awarded_on", "-id"]

    def __str__(self):
        return self.title


class BranchCommittee(PlacedModel, TrackedModel):
    """An elected branch committee (支部委员会, 3–5 members): a branch with ≥7 full members should have one
    (《中国共产党支部工作条例（试行）》); the "≥7 → committee" quota rule reads this table."""

    organization = models.ForeignKey(PartyOrganization, verbose_name=_("党支部"), on_delete=models.PROTECT,
                                     related_name="branch_committees")
    elected_on = models.DateField(_("选举日期"))
    term_ends_on = models.DateField(_("届满日期"), null=True, blank=True)
    members_count = models.PositiveSmallIntegerField(_("委员人数"))
    secretary_name = models.CharField(_("书记"), max_length=30, blank=True)
    town = unit_key(_("乡镇"), null=True)  # a county-level committee has none
    village = None

    place_from = ("organization",)
    scope_paths = {"county": "county", "town": "town", "organization": "organization"}

    class Meta:
        verbose_name = _("支部委员会")
        verbose_name_plural = _("支部委员会")
        ordering = ["-elected_on"]

    def __str__(self):
        return f"{self.organization} {self.elected_on:%Y}"

    def clean(self):
        errors = {}
        if self.members_count is not None and not 3 <= self.members_count <= 5:
            errors["members_count"] = [_("支部委员会一般由3至5人组成。")]
        if self.term_ends_on and self.elected_on and self.term_ends_on <= self.elected_on:
            errors["term_ends_on"] = [_("届满日期应晚于选举日期。")]
        if errors:
            raise ValidationError(errors)
        self.derive_place()


# Quotas ------------------------------------------------------------------------------------------------------------


class QuotaRule(TrackedModel):
    """A quota as data: for every subject of a level, ``metric`` compared with ``threshold`` over each period.

    The metric is a code of the zyparty.quotas registry (registered by the app owning the counted records). A rule
    whose metric is not registered is evaluated to "指标不可用", never an error.
    """

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    subject = models.CharField(_("考核对象"), max_length=14, choices=choices.SubjectKind.choices)
    metric = models.CharField(_("指标代码"), max_length=60)
    comparison = models.CharField(_("比较"), max_length=4, choices=choices.Comparison.choices,
                                  default=choices.Comparison.GTE)
    threshold = models.DecimalField(_("标准值"), max_digits=10, decimal_places=2)
    period = models.CharField(_("周期"), max_length=14, choices=choices.Period.choices)
    anchor_year = models.PositiveSmallIntegerField(_("起算年度"), default=2020,
                                                   help_text=_("“每两年”周期从该年起每两年一期（默认2020年起）。"))
    source = models.TextField(_("依据"))
    active = models.BooleanField(_("启用"), default=True)
    last_evaluated_at = models.DateTimeField(_("最近评估"), null=True, blank=True, editable=False)
    last_status = models.CharField(_("最近评估状态"), max_length=12, blank=True, editable=False)
    last_message = models.CharField(_("最近评估说明"), max_length=300, blank=True, editable=False)

    class Meta:
        verbose_name = _("配额规则")
        verbose_name_plural = _("配额规则")
        ordering = ["subject", "code"]
        permissions = [("evaluate_quotas", _("立即重新评估配额"))]

    def __str__(self):
        return self.name

    def clean(self):
        metric = quotas.metrics().get(self.metric)
        if metric is not None and metric.subject != self.subject:
            raise ValidationError({"metric": _("指标“%(m)s”的考核对象是%(s)s，与规则不一致。") % {
                "m": metric.label, "s": choices.SubjectKind(metric.subject).label}})

    @property
    def threshold_display(self):
        value = self.threshold
        return f"{self.get_comparison_display()}{int(value) if value == int(value) else value}"


class QuotaResult(models.Model):
    """A rule evaluated for one subject and one period: value, threshold, met or short, the records counted.

    Unique per rule × subject × period, so re-evaluation updates the row. Unit keys make it scoped like the subject.
    """

    rule = models.ForeignKey(QuotaRule, verbose_name=_("规则"), on_delete=models.CASCADE, related_name="results")
    subject_kind = models.CharField(_("对象类别"), max_length=14, choices=choices.SubjectKind.choices)
    subject_id = models.BigIntegerField(_("对象ID"))
    subject_label = models.CharField(_("对象"), max_length=200)
    county = unit_key(_("县"), null=True, editable=True)
    town = unit_key(_("乡镇"), null=True, editable=True)
    village = unit_key(_("村（社区）"), null=True, editable=True)
    organization = models.ForeignKey(PartyOrganization, verbose_name=_("党组织"), null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    host_organization = models.ForeignKey(HostPlaceOrganization, verbose_name=_("流入地党组织"), null=True,
                                          blank=True, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))
    value = models.DecimalField(_("实际值"), max_digits=12, decimal_places=2, null=True, blank=True)
    threshold = models.DecimalField(_("标准值"), max_digits=10, decimal_places=2)
    comparison = models.CharField(_("比较"), max_length=4, choices=choices.Comparison.choices)
    status = models.CharField(_("结果"), max_length=12, choices=choices.ResultStatus.choices)
    evidence = models.JSONField(_("计入的记录"), default=list, blank=True)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    evaluated_at = models.DateTimeField(_("评估时间"))
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "county", "town": "town", "village": "village", "organization": "organization",
                   "host_organization": "host_organization"}

    class Meta:
        verbose_name = _("配额评估结果")
        verbose_name_plural = _("配额评估结果")
        ordering = ["rule_id", "period_start", "subject_kind", "subject_id"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject_kind", "subject_id", "period_start"],
                                               name="quota_result_once_per_period")]
        indexes = [models.Index(fields=["town", "period_start"], name="quota_result_town_idx"),
                   models.Index(fields=["county", "period_start"], name="quota_result_county_idx"),
                   models.Index(fields=["village", "period_start"], name="quota_result_village_idx")]

    def __str__(self):
        return f"{self.rule} · {self.subject_label} · {self.period_start:%Y-%m-%d}"

    @property
    def is_met(self):
        return self.status == choices.ResultStatus.MET

    @property
    def value_display(self):
        if self.value is None:
            return "—"
        return str(int(self.value)) if self.value == int(self.value) else str(self.value)
