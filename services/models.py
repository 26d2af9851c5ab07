"""Services and two-place co-management (seed 000 §6–16, seed 003, seed 004).

Every record keeps its county, town and (where it has one) village as cached foreign keys, derived on save from the
person, organization or unit it belongs to, so that scoping and ``unit=`` filters are single indexed equalities
(STYLE.md). Co-management records (org life, dues, evaluations, activist inspections) name the host-place
organization that wrote them: a host organization sees and writes only the records of the people it co-manages.
Joint meetings are ``organizations.JointMeeting``.
"""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from organizations.models import HostPlaceOrganization, PartyOrganization, Unit
from services import choices
from zyparty import regions
from zyparty.models import TrackedModel


def _unit(verbose, level=None, null=False, editable=True):
    return models.ForeignKey(
        Unit, verbose_name=verbose, null=null, blank=null, on_delete=models.PROTECT, related_name="+",
        editable=editable, limit_choices_to={"level": level} if level else None)


def _validate_codes(values, allowed, label):
    """A JSON list of codes, each one of ``allowed`` (choices), without repeats."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationError(_("%(label)s应为代码列表。") % {"label": label})
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError(_("未知的%(label)s：%(codes)s") % {"label": label, "codes": "、".join(unknown)})
    if len(set(values)) != len(values):
        raise ValidationError(_("%(label)s有重复项。") % {"label": label})


def _unique(record, queryset, field, message, errors):
    """A uniqueness rule checked in clean(), so it reads as a field error (the database constraint still holds)."""
    if record.pk:
        queryset = queryset.exclude(pk=record.pk)
    if queryset.exists():
        errors.setdefault(field, []).append(message)


def _not_future(value, field, errors):
    if value and value > timezone.localdate():
        errors.setdefault(field, []).append(_("日期不能晚于今天。"))


class ServiceRecord(TrackedModel):
    """A service record kept at a place: cached county and town, derived from the town (or given for county-level
    records)."""

    county = models.ForeignKey(Unit, verbose_name=_("县"), on_delete=models.PROTECT, related_name="+", blank=True,
                               limit_choices_to={"level": "county"},
                               help_text=_("县级举办的填县；乡镇举办的填乡镇即可。"))
    town = _unit(_("乡镇"), level="town", null=True)

    scope_paths = {"county": "county", "town": "town"}

    class Meta:
        abstract = True

    def derive_place(self):
        if self.town_id:
            self.county_id = self.town.county_id

    def check_place(self, errors):
        if self.town_id and self.town.level != "town":
            errors.setdefault("town", []).append(_("请选择乡镇（街道）。"))
        if not self.town_id and not self.county_id:
            errors.setdefault("county", []).append(_("请填写县或乡镇。"))
        elif not self.town_id and self.county.level != "county":
            errors.setdefault("county", []).append(_("请选择县级区划。"))

    def clean(self):
        errors = {}
        self.derive_place()
        self.check_place(errors)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.derive_place()
        super().save(*args, **kwargs)


class PersonLinked(TrackedModel):
    """A record about one person of the ledgers: county, town and village are copied from that person."""

    county = _unit(_("县"), editable=False)
    town = _unit(_("乡镇"), editable=False)
    village = _unit(_("村（社区）"), null=True, editable=False)

    scope_paths = {"county": "county", "town": "town", "village": "village"}
    person_field = "member"

    class Meta:
        abstract = True

    @property
    def person(self):
        return getattr(self, self.person_field) if getattr(self, f"{self.person_field}_id") else None

    def derive_place(self):
        person = self.person
        if person is not None:
            self.county_id, self.town_id, self.village_id = person.county_id, person.town_id, person.village_id

    def changed(self, *attnames) -> bool:
        """Whether any of ``attnames`` differs from what was loaded (always true for a new record)."""
        loaded = self.loaded_values()
        if self._state.adding or loaded is None:
            return True
        return any(loaded.get(name) != getattr(self, name) for name in attnames)

    def clean(self):
        self.derive_place()

    def save(self, *args, **kwargs):
        self.derive_place()
        super().save(*args, **kwargs)


def _co_manager_errors(record, person, errors):
    """Seed 003 党员共管: a host-place organization records only for the people it co-manages."""
    if record.host_organization_id and person is not None and record.changed(
            f"{record.person_field}_id", "host_organization_id"):
        if person.co_manager_id != record.host_organization_id:
            errors.setdefault("host_organization", []).append(
                _("%(name)s不由该流入地党组织共管，不能为其记录。") % {"name": person.name})


# Two-way liaison (seed 000 §6) -----------------------------------------------------------------------------------

class LiaisonRecord(TrackedModel):
    """One exchange between a town party committee and a host-place organization or an outpost branch of the town
    (双向联系, seed 000 §6: at least once every half year, on member development, education, training, employment
    and rights protection)."""

    county = _unit(_("县"), editable=False)
    town = _unit(_("乡镇党委"), level="town")
    host_organization = models.ForeignKey(HostPlaceOrganization, verbose_name=_("流入地党组织"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="liaisons")
    organization = models.ForeignKey(PartyOrganization, verbose_name=_("驻外党组织"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="liaisons",
                                     limit_choices_to={"is_outpost": True})
    held_on = models.DateField(_("交流日期"))
    channel = models.CharField(_("交流方式"), max_length=10, choices=choices.LiaisonChannel.choices)
    topics = models.JSONField(_("交流内容"), default=list, blank=True,
                              help_text=_("党员发展、教育管理、培训、就业、维权服务，可多选。"))
    participants = models.CharField(_("参加人员"), max_length=200, blank=True)
    summary = models.TextField(_("交流情况"))
    follow_ups = models.TextField(_("后续事项"), blank=True)

    scope_paths = {"county": "county", "town": "town", "organization": "organization",
                   "host_organization": "host_organization"}

    class Meta:
        verbose_name = _("双向联系记录")
        verbose_name_plural = _("双向联系记录")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["town", "held_on"], name="liaison_town_held_idx"),
            models.Index(fields=["county", "held_on"], name="liaison_county_held_idx"),
            models.Index(fields=["host_organization", "held_on"], name="liaison_host_held_idx"),
            models.Index(fields=["organization", "held_on"], name="liaison_org_held_idx"),
        ]

    def __str__(self):
        other = self.host_organization or self.organization
        return f"{self.held_on:%Y-%m-%d} {self.town} — {other}"

    def get_topics_display(self):
        labels = dict(choices.LiaisonTopic.choices)
        return "、".join(str(labels.get(t, t)) for t in self.topics or [])

    def clean(self):
        errors = {}
        if self.town_id:
            if self.town.level != "town":
                errors["town"] = [_("请选择乡镇（街道）党委。")]
            self.county_id = self.town.county_id
        if not self.host_organization_id and not self.organization_id:
            errors["host_organization"] = [_("请填写交流的流入地党组织或驻外党组织。")]
        if self.host_organization_id and self.county_id and self.host_organization.county_id != self.county_id:
            errors["host_organization"] = [_("该流入地党组织不是本县的共建单位。")]
        if self.organization_id:
            if not self.organization.is_outpost:
                errors["organization"] = [_("请选择驻外党组织。")]
            elif self.town_id and self.organization.town_id != self.town_id:
                errors["organization"] = [_("该驻外党组织不是本镇组建的。")]
        try:
            _validate_codes(self.topics, set(choices.LiaisonTopic.values), _("交流内容"))
            if not self.topics:
                raise ValidationError(_("请至少选择一项交流内容。"))
        except ValidationError as exc:
            errors["topics"] = exc.messages
        _not_future(self.held_on, "held_on", errors)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.county_id = self.town.county_id
        super().save(*args, **kwargs)


# Service cases (seed 000 §10, §12–16) ----------------------------------------------------------------------------

class ServiceCase(TrackedModel):
    """Help given to a migrant worker or member: employment, social security, legal aid and wage recovery,
    certificates, loans, care for the left-behind (seed 000 §12–16), with its status history."""

    title = models.CharField(_("事由"), max_length=100)
    description = models.TextField(_("情况说明"), blank=True)
    kind = models.CharField(_("类别"), max_length=16, choices=choices.CaseKind.choices)
    channel = models.CharField(_("受理渠道"), max_length=16, choices=choices.CaseChannel.choices)
    status = models.CharField(_("状态"), max_length=12, choices=choices.CaseStatus.choices,
                              default=choices.CaseStatus.RECEIVED, editable=False)
    worker = models.ForeignKey(Worker, verbose_name=_("农民工"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="service_cases")
    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="service_cases")
    applicant_name = models.CharField(_("申请人"), max_length=30, blank=True,
                                      help_text=_("未在台账中的申请人填写姓名；选了台账人员可不填。"))
    county = _unit(_("县"), editable=False)
    town = _unit(_("乡镇"), level="town")
    village = _unit(_("村（社区）"), level="village", null=True)
    organization = models.ForeignKey(PartyOrganization, verbose_name=_("受理驻外党组织"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="service_cases",
                                     help_text=_("经驻外服务站受理的，选所在驻外党组织。"))
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    opened_on = models.DateField(_("受理日期"), default=timezone.localdate)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True, editable=False)
    amount_claimed = models.DecimalField(_("涉及金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    amount_recovered = models.DecimalField(_("挽回金额（元）"), max_digits=12, decimal_places=2, null=True,
                                           blank=True, help_text=_("追讨欠薪等维权事项挽回的金额。"))
    outcome = models.TextField(_("办理结果"), blank=True)

    scope_paths = {"county": "county", "town": "town", "village": "village", "organization": "organization"}

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["-opened_on", "-id"]
        indexes = [
            models.Index(fields=["town", "status", "id"], name="case_town_status_idx"),
            models.Index(fields=["county", "opened_on"], name="case_county_opened_idx"),
            models.Index(fields=["village", "id"], name="case_village_idx"),
            models.Index(fields=["organization", "id"], name="case_org_idx"),
            models.Index(fields=["kind", "opened_on"], name="case_kind_opened_idx"),
        ]

    def __str__(self):
        return f"{self.title}（{self.display_name}）"

    @property
    def display_name(self):
        if self.applicant_name:
            return self.applicant_name
        person = self.worker if self.worker_id else self.member if self.member_id else None
        return person.name if person is not None else ""

    @property
    def is_open(self):
        return self.status in choices.CASE_OPEN_STATUSES

    def derive_place(self):
        person = self.worker if self.worker_id else self.member if self.member_id else None
        if person is not None:
            self.town_id, self.village_id = person.town_id, person.village_id
        elif self.village_id and not self.town_id:
            self.town_id = self.village.town_id
        if self.town_id:
            self.county_id = self.town.county_id
        if not self.applicant_name and person is not None:
            self.applicant_name = person.name

    def clean(self):
        errors = {}
        if self.worker_id and self.member_id and self.member.worker_id not in (None, self.worker_id):
            errors["member"] = [_("所选党员与所选农民工不是同一人。")]
        self.derive_place()
        if not self.town_id:
            errors["town"] = [_("请选择台账人员，或填写乡镇。")]
        elif self.village_id and self.village.town_id != self.town_id:
            errors["village"] = [_("所选村（社区）不属于所选乡镇。")]
        if not (self.worker_id or self.member_id or self.applicant_name):
            errors["applicant_name"] = [_("请选择台账人员或填写申请人姓名。")]
        if self.organization_id and not self.organization.is_outpost:
            errors["organization"] = [_("请选择驻外党组织（驻外服务站）。")]
        for name in ("amount_claimed", "amount_recovered"):
            value = getattr(self, name)
            if value is not None and value < 0:
                errors[name] = [_("金额不能为负数。")]
        if self.amount_recovered and self.kind not in (choices.CaseKind.WAGE_RECOVERY, choices.CaseKind.LEGAL_AID):
            errors["amount_recovered"] = [_("只有追讨欠薪、法律援助事项记录挽回金额。")]
        _not_future(self.opened_on, "opened_on", errors)
        if self.handler_id and not errors:
            from zyparty import scoping

            if not self.handler.is_active or not scoping.permits(self.handler, self):
                errors["handler"] = [_("承办人须为在岗且能查看该事项的人员。")]
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.derive_place()
        super().save(*args, **kwargs)


class StatusEvent(models.Model):
    """One step of a record's trail: who moved it from which status to which, when, and why. Concrete trails add
    the record they belong to and their ``from_status`` / ``status`` with the record's own choices."""

    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class ServiceCaseEvent(StatusEvent):
    """One step of a case's history."""

    case = models.ForeignKey(ServiceCase, verbose_name=_("服务事项"), on_delete=models.CASCADE,
                             related_name="events")
    from_status = models.CharField(_("原状态"), max_length=12, choices=choices.CaseStatus.choices, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=choices.CaseStatus.choices)

    class Meta(StatusEvent.Meta):
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        indexes = [models.Index(fields=["case", "at"], name="case_event_idx")]


# Trainings (seed 000 §8, §13) ------------------------------------------------------------------------------------

class Training(ServiceRecord):
    """A training session: one of the five free skills trainings (seed 000 §13), the yearly training of outpost
    secretaries (§8), or another."""

    title = models.CharField(_("培训名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=20, choices=choices.TrainingKind.choices)
    held_on = models.DateField(_("开班日期"))
    ended_on = models.DateField(_("结业日期"), null=True, blank=True)
    organizer = models.CharField(_("主办单位"), max_length=100, blank=True)
    location = models.CharField(_("地点"), max_length=100, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, default=0)
    summary = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["county", "held_on"], name="training_county_held_idx"),
            models.Index(fields=["town", "held_on"], name="training_town_held_idx"),
            models.Index(fields=["kind", "held_on"], name="training_kind_held_idx"),
        ]

    def __str__(self):
        return f"{self.title}（{self.held_on:%Y-%m-%d}）"

    def clean(self):
        errors = {}
        self.derive_place()
        self.check_place(errors)
        if self.ended_on and self.held_on and self.ended_on < self.held_on:
            errors["ended_on"] = [_("结业日期不能早于开班日期。")]
        if self.hours is not None and self.hours < 0:
            errors["hours"] = [_("学时不能为负数。")]
        if errors:
            raise ValidationError(errors)


class TrainingAttendee(TrackedModel):
    """A person at a training: from the ledgers (worker or member) or by name. ``organization`` is set when the
    person attends as the secretary of that organization (seed 000 §8: outpost secretaries trained yearly)."""

    training = models.ForeignKey(Training, verbose_name=_("培训"), on_delete=models.CASCADE,
                                 related_name="attendees")
    worker = models.ForeignKey(Worker, verbose_name=_("农民工"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="trainings")
    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="trainings")
    organization = models.ForeignKey(PartyOrganization, verbose_name=_("以书记身份参训的党组织"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="secretary_trainings")
    name = models.CharField(_("姓名"), max_length=30, blank=True)
    certificate_no = models.CharField(_("结业证书编号"), max_length=40, blank=True)
    county = _unit(_("县"), editable=False)
    town = _unit(_("乡镇"), null=True, editable=False)
    village = _unit(_("村（社区）"), null=True, editable=False)

    scope_paths = {"county": "county", "town": "town", "village": "village", "organization": "organization"}

    class Meta:
        verbose_name = _("参训人员")
        verbose_name_plural = _("参训人员")
        ordering = ["training_id", "id"]
        indexes = [
            models.Index(fields=["organization", "training"], name="attendee_org_idx"),
            models.Index(fields=["town", "id"], name="attendee_town_idx"),
            models.Index(fields=["county", "id"], name="attendee_county_idx"),
            models.Index(fields=["village", "id"], name="attendee_village_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["training", "worker"], condition=Q(worker__isnull=False),
                                    name="attendee_once_per_worker"),
            models.UniqueConstraint(fields=["training", "member"], condition=Q(member__isnull=False),
                                    name="attendee_once_per_member"),
            models.UniqueConstraint(fields=["training", "organization"], condition=Q(organization__isnull=False),
                                    name="attendee_once_per_organization"),
            models.UniqueConstraint(fields=["certificate_no"], condition=~Q(certificate_no=""),
                                    name="attendee_certificate_unique"),
        ]

    def __str__(self):
        return self.name

    def derive_place(self):
        person = self.worker if self.worker_id else self.member if self.member_id else None
        if person is not None:
            self.county_id, self.town_id, self.village_id = person.county_id, person.town_id, person.village_id
            if not self.name:
                self.name = person.name
        elif self.organization_id:
            self.county_id, self.town_id, self.village_id = (self.organization.county_id, self.organization.town_id,
                                                             None)
        elif self.training_id:
            self.county_id, self.town_id, self.village_id = self.training.county_id, self.training.town_id, None

    def clean(self):
        errors = {}
        if self.worker_id and self.member_id and self.member.worker_id not in (None, self.worker_id):
            errors["member"] = [_("所选党员与所选农民工不是同一人。")]
        self.derive_place()
        if not self.name:
            errors["name"] = [_("请选择台账人员或填写姓名。")]
        self.certificate_no = (self.certificate_no or "").strip()
        if self.training_id:
            same = TrainingAttendee.objects.filter(training_id=self.training_id)
            if self.worker_id:
                _unique(self, same.filter(worker_id=self.worker_id), "worker", _("该农民工已登记参加本次培训。"), errors)
            if self.member_id:
                _unique(self, same.filter(member_id=self.member_id), "member", _("该党员已登记参加本次培训。"), errors)
            if self.organization_id:
                _unique(self, same.filter(organization_id=self.organization_id), "organization",
                        _("该党组织的书记已登记参加本次培训。"), errors)
        if self.certificate_no:
            _unique(self, TrainingAttendee.objects.filter(certificate_no=self.certificate_no), "certificate_no",
                    _("结业证书编号已被使用。"), errors)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.derive_place()
        super().save(*args, **kwargs)


# Employment (seed 000 §14) ---------------------------------------------------------------------------------------

class JobFair(ServiceRecord):
    """A job fair of the "employment spring breeze" action (就业春风, seed 000 §14)."""

    title = models.CharField(_("名称"), max_length=100)
    held_on = models.DateField(_("举办日期"))
    location = models.CharField(_("地点"), max_length=100, blank=True)
    organizer = models.CharField(_("主办单位"), max_length=100, blank=True)
    enterprises_count = models.PositiveIntegerField(_("参会企业数"), default=0)
    positions_offered = models.PositiveIntegerField(_("提供岗位数"), default=0)
    attendance = models.PositiveIntegerField(_("参会人数"), default=0)
    intents_signed = models.PositiveIntegerField(_("达成就业意向人数"), default=0)

    class Meta:
        verbose_name = _("招聘会")
        verbose_name_plural = _("招聘会")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["county", "held_on"], name="jobfair_county_held_idx"),
                   models.Index(fields=["town", "held_on"], name="jobfair_town_held_idx")]

    def __str__(self):
        return self.title


class EmploymentAgreement(TrackedModel):
    """A directed-employment agreement (定向用工协议, seed 000 §14) between the county side and a host enterprise."""

    enterprise = models.ForeignKey(HostEnterprise, verbose_name=_("用工企业"), on_delete=models.PROTECT,
                                   related_name="employment_agreements")
    county = _unit(_("县"), editable=False)
    town = _unit(_("签约乡镇"), level="town")
    village = _unit(_("签约村（社区）"), level="village", null=True)
    job_fair = models.ForeignKey(JobFair, verbose_name=_("签约招聘会"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="agreements")
    signed_on = models.DateField(_("签订日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    positions = models.PositiveIntegerField(_("约定岗位数"))
    workers_placed = models.PositiveIntegerField(_("已安置人数"), default=0)
    terms = models.TextField(_("协议要点"), blank=True)

    scope_paths = {"county": "county", "town": "town", "village": "village", "enterprise": "enterprise"}

    class Meta:
        verbose_name = _("定向用工协议")
        verbose_name_plural = _("定向用工协议")
        ordering = ["-signed_on", "-id"]
        indexes = [models.Index(fields=["town", "signed_on"], name="empagr_town_signed_idx"),
                   models.Index(fields=["county", "signed_on"], name="empagr_county_signed_idx"),
                   models.Index(fields=["enterprise", "signed_on"], name="empagr_enterprise_idx")]

    def __str__(self):
        return f"{self.enterprise} {self.signed_on:%Y-%m-%d}"

    def derive_place(self):
        if self.village_id and not self.town_id:
            self.town_id = self.village.town_id
        if self.town_id:
            self.county_id = self.town.county_id

    def clean(self):
        errors = {}
        self.derive_place()
        if self.village_id and self.village.town_id != self.town_id:
            errors["village"] = [_("所选村（社区）不属于所选乡镇。")]
        if self.valid_until and self.signed_on and self.valid_until < self.signed_on:
            errors["valid_until"] = [_("有效期不能早于签订日期。")]
        if self.positions is not None and self.workers_placed is not None and self.workers_placed > self.positions:
            errors["workers_placed"] = [_("已安置人数不能超过约定岗位数。")]
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.derive_place()
        super().save(*args, **kwargs)


# Outreach and education (seed 000 §9, §11) -----------------------------------------------------------------------

class OutreachCampaign(TrackedModel):
    """Festival outreach when workers come home (seed 000 §11: 中秋、春节 集中宣讲、座谈交流、走访送学)."""

    festival = models.CharField(_("节点"), max_length=12, choices=choices.Festival.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=100)
    county = _unit(_("县"), editable=False)
    town = _unit(_("乡镇"), level="town")
    village = _unit(_("村（社区）"), level="village", null=True)
    held_from = models.DateField(_("开始日期"))
    held_to = models.DateField(_("结束日期"), null=True, blank=True)
    activities = models.JSONField(_("活动形式"), default=list, blank=True,
                                  help_text=_("集中宣讲、座谈交流、走访送学、建立交流群和同乡会，可多选。"))
    people_reached = models.PositiveIntegerField(_("覆盖人数"), default=0)
    opinions_collected = models.PositiveIntegerField(_("征求意见建议条数"), default=0)
    problems = models.TextField(_("收集的困难问题"), blank=True)
    summary = models.TextField(_("活动情况"), blank=True)

    scope_paths = {"county": "county", "town": "town", "village": "village"}

    class Meta:
        verbose_name = _("节日集中走访")
        verbose_name_plural = _("节日集中走访")
        ordering = ["-held_from", "-id"]
        indexes = [models.Index(fields=["town", "year"], name="campaign_town_year_idx"),
                   models.Index(fields=["county", "year"], name="campaign_county_year_idx")]

    def __str__(self):
        return self.title

    def derive_place(self):
        if self.village_id and not self.town_id:
            self.town_id = self.village.town_id
        if self.town_id:
            self.county_id = self.town.county_id

    def clean(self):
        errors = {}
        self.derive_place()
        if self.village_id and self.village.town_id != self.town_id:
            errors["village"] = [_("所选村（社区）不属于所选乡镇。")]
        if self.held_to and self.held_from and self.held_to < self.held_from:
            errors["held_to"] = [_("结束日期不能早于开始日期。")]
        if self.held_from and self.year and self.held_from.year not in (self.year - 1, self.year):
            errors["held_from"] = [_("开始日期与年度不符。")]
        try:
            _validate_codes(self.activities, set(choices.OutreachActivity.values), _("活动形式"))
        except ValidationError as exc:
            errors["activities"] = exc.messages
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.derive_place()
        super().save(*args, **kwargs)


class VideoLesson(ServiceRecord):
    """A video party lesson on the online platform (视频党课, seed 000 §9: one or two a year)."""

    title = models.CharField(_("党课题目"), max_length=100)
    held_on = models.DateField(_("开讲日期"))
    organization = models.ForeignKey(PartyOrganization, verbose_name=_("组织党组织"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="video_lessons")
    speaker = models.CharField(_("主讲人"), max_length=50, blank=True)
    platform = models.CharField(_("平台"), max_length=50, blank=True, default="E党建")
    attendance_count = models.PositiveIntegerField(_("参学人数"), default=0)
    attendees = models.ManyToManyField(PartyMember, verbose_name=_("参学党员"), blank=True, related_name="+")

    scope_paths = {"county": "county", "town": "town", "organization": "organization"}

    class Meta:
        verbose_name = _("视频党课")
        verbose_name_plural = _("视频党课")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["county", "held_on"], name="lesson_county_held_idx"),
                   models.Index(fields=["town", "held_on"], name="lesson_town_held_idx"),
                   models.Index(fields=["organization", "held_on"], name="lesson_org_held_idx")]

    def __str__(self):
        return self.title

    def derive_place(self):
        if self.organization_id and not self.town_id:
            self.town_id = self.organization.town_id
            self.county_id = self.organization.county_id
        super().derive_place()


class Funding(TrackedModel):
    """Money allocated to a party organization for a year (seed 003 经费共担: 10,000 yuan a year per mobile
    organization from retained dues; seed 000 §24)."""

    organization = models.ForeignKey(PartyOrganization, verbose_name=_("党组织"), on_delete=models.PROTECT,
                                     related_name="fundings")
    county = _unit(_("县"), editable=False)
    town = _unit(_("乡镇"), null=True, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    source = models.CharField(_("来源"), max_length=16, choices=choices.FundingSource.choices)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    granted_on = models.DateField(_("拨付日期"), null=True, blank=True)

    scope_paths = {"county": "county", "town": "town", "organization": "organization"}

    class Meta:
        verbose_name = _("党建经费")
        verbose_name_plural = _("党建经费")
        ordering = ["-year", "organization_id", "id"]
        indexes = [models.Index(fields=["organization", "year"], name="funding_org_year_idx"),
                   models.Index(fields=["county", "year"], name="funding_county_year_idx"),
                   models.Index(fields=["town", "year"], name="funding_town_year_idx")]

    def __str__(self):
        return f"{self.organization} {self.year} {self.amount}"

    def derive_place(self):
        if self.organization_id:
            self.county_id, self.town_id = self.organization.county_id, self.organization.town_id

    def clean(self):
        errors = {}
        self.derive_place()
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = [_("金额应大于零。")]
        if self.year and not 1990 <= self.year <= timezone.localdate().year + 1:
            errors["year"] = [_("年度不正确。")]
        if self.granted_on and self.year and self.granted_on.year not in (self.year - 1, self.year):
            errors["granted_on"] = [_("拨付日期与年度不符。")]
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.derive_place()
        super().save(*args, **kwargs)


# Co-management (seed 003; seed 000 §6–7) --------------------------------------------------------------------------

class OrgLifeRecord(PersonLinked):
    """A member's attendance at org life, recorded by the host-place organization that co-manages them or by the
    branch where they take part (seed 003 党员共管: "就近安排他们参加组织生活"; one place of affiliation, several
    places of org life). Saving one moves the member's ``last_org_life_on`` forward (services.workflows)."""

    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT,
                               related_name="org_life_records")
    host_organization = models.ForeignKey(HostPlaceOrganization, verbose_name=_("流入地党组织"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="org_life_records")
    organization = models.ForeignKey(PartyOrganization, verbose_name=_("组织生活所在党组织"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="org_life_records")
    held_on = models.DateField(_("日期"))
    kind = models.CharField(_("形式"), max_length=18, choices=choices.OrgLifeKind.choices)
    topic = models.CharField(_("主题"), max_length=100, blank=True)
    attended = models.BooleanField(_("参加"), default=True)
    absence_reason = models.CharField(_("缺席原因"), max_length=100, blank=True)

    scope_paths = {**PersonLinked.scope_paths, "organization": "organization",
                   "host_organization": "host_organization"}

    class Meta:
        verbose_name = _("组织生活记录")
        verbose_name_plural = _("组织生活记录")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["member", "held_on"], name="orglife_member_idx"),
            models.Index(fields=["host_organization", "held_on"], name="orglife_host_idx"),
            models.Index(fields=["organization", "held_on"], name="orglife_org_idx"),
            models.Index(fields=["town", "held_on"], name="orglife_town_idx"),
            models.Index(fields=["county", "held_on"], name="orglife_county_idx"),
            models.Index(fields=["village", "held_on"], name="orglife_village_idx"),
        ]

    def __str__(self):
        return f"{self.member} {self.held_on:%Y-%m-%d} {self.get_kind_display()}"

    def clean(self):
        errors = {}
        super().clean()
        member = self.person
        if member is not None and not self.host_organization_id and not self.organization_id:
            self.host_organization_id = member.co_manager_id
        if not self.host_organization_id and not self.organization_id:
            errors["host_organization"] = [_("请填写组织生活所在的流入地党组织或党组织。")]
        _co_manager_errors(self, member, errors)
        if member is not None and self.organization_id and self.changed("member_id", "organization_id") and (
                self.organization_id not in (member.home_organization_id, member.activity_organization_id)):
            errors["organization"] = [_("该党组织既不是该党员组织关系所在党组织，也不是其参加活动的党组织。")]
        if not self.attended and not self.absence_reason:
            errors["absence_reason"] = [_("未参加的请填写缺席原因。")]
        _not_future(self.held_on, "held_on", errors)
        if errors:
            raise ValidationError(errors)


class DuesPayment(PersonLinked):
    """Dues a member paid for a month, at home or at the destination (seed 003; 流动党员活动证 holders pay dues at
    the destination). Saving one moves the member's ``last_dues_paid_on`` forward (services.workflows)."""

    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT,
                               related_name="dues_payments")
    month = models.DateField(_("所属月份"), help_text=_("填该月任意一天，保存为当月1日。"))
    months = models.PositiveSmallIntegerField(_("交纳月数"), default=1, help_text=_("一次交纳多个月的，从所属月份起算。"))
    amount = models.DecimalField(_("金额（元）"), max_digits=8, decimal_places=2)
    paid_on = models.DateField(_("交纳日期"))
    place = models.CharField(_("交纳地"), max_length=12, choices=choices.DuesPlace.choices,
                             default=choices.DuesPlace.DESTINATION)
    host_organization = models.ForeignKey(HostPlaceOrganization, verbose_name=_("收缴的流入地党组织"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="dues_payments")
    receipt_no = models.CharField(_("收据编号"), max_length=40, blank=True)

    scope_paths = {**PersonLinked.scope_paths, "host_organization": "host_organization"}

    class Meta:
        verbose_name = _("党费交纳记录")
        verbose_name_plural = _("党费交纳记录")
        ordering = ["-month", "-id"]
        indexes = [
            models.Index(fields=["host_organization", "month"], name="dues_host_idx"),
            models.Index(fields=["town", "month"], name="dues_town_idx"),
            models.Index(fields=["county", "month"], name="dues_county_idx"),
            models.Index(fields=["village", "month"], name="dues_village_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="dues_once_per_month")]

    def __str__(self):
        return f"{self.member} {self.month:%Y-%m}"

    def clean(self):
        errors = {}
        super().clean()
        member = self.person
        if self.month:
            self.month = self.month.replace(day=1)
        if self.place == choices.DuesPlace.DESTINATION and not self.host_organization_id and member is not None:
            self.host_organization_id = member.co_manager_id
        if self.place == choices.DuesPlace.DESTINATION and not self.host_organization_id:
            errors["host_organization"] = [_("在流入地交纳的，请填写收缴的流入地党组织。")]
        if self.place == choices.DuesPlace.HOME and self.host_organization_id:
            errors["host_organization"] = [_("在组织关系所在地交纳的，不填流入地党组织。")]
        _co_manager_errors(self, member, errors)
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = [_("金额应大于零。")]
        if not self.months or self.months > 24:
            errors["months"] = [_("交纳月数应为1至24。")]
        if self.member_id and self.month:
            _unique(self, DuesPayment.objects.filter(member_id=self.member_id, month=self.month), "month",
                    _("该党员%(m)s的党费已登记。") % {"m": f"{self.month:%Y年%m月}"}, errors)
        _not_future(self.paid_on, "paid_on", errors)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.month:
            self.month = self.month.replace(day=1)
        super().save(*args, **kwargs)


class MemberEvaluation(PersonLinked):
    """A host-place organization's periodic evaluation of a member it co-manages, sent home (seed 003
    "定期给出评价性意见")."""

    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT,
                               related_name="evaluations")
    host_organization = models.ForeignKey(HostPlaceOrganization, verbose_name=_("评价的流入地党组织"),
                                          on_delete=models.PROTECT, related_name="evaluations", blank=True,
                                          help_text=_("不填则为该党员的流入地共管党组织。"))
    year = models.PositiveSmallIntegerField(_("年度"))
    half = models.PositiveSmallIntegerField(_("期间"), choices=choices.EvaluationPeriod.choices,
                                            default=choices.EvaluationPeriod.YEAR)
    rating = models.CharField(_("评价等次"), max_length=12, choices=choices.EvaluationRating.choices)
    opinion = models.TextField(_("评价意见"))
    evaluated_on = models.DateField(_("评价日期"))

    scope_paths = {**PersonLinked.scope_paths, "host_organization": "host_organization"}

    class Meta:
        verbose_name = _("流入地评价意见")
        verbose_name_plural = _("流入地评价意见")
        ordering = ["-year", "-half", "-id"]
        indexes = [models.Index(fields=["host_organization", "year"], name="evaluation_host_idx"),
                   models.Index(fields=["town", "year"], name="evaluation_town_idx"),
                   models.Index(fields=["county", "year"], name="evaluation_county_idx"),
                   models.Index(fields=["village", "year"], name="evaluation_village_idx")]
        constraints = [models.UniqueConstraint(fields=["member", "host_organization", "year", "half"],
                                               name="evaluation_once_per_period")]

    def __str__(self):
        return f"{self.member} {self.year}{self.get_half_display()} {self.get_rating_display()}"

    def clean(self):
        errors = {}
        super().clean()
        member = self.person
        if not self.host_organization_id and member is not None:
            self.host_organization_id = member.co_manager_id
        if not self.host_organization_id:
            errors["host_organization"] = [_("请填写作出评价的流入地党组织。")]
        _co_manager_errors(self, member, errors)
        if self.member_id and self.host_organization_id and self.year and self.half is not None:
            _unique(self, MemberEvaluation.objects.filter(member_id=self.member_id,
                                                          host_organization_id=self.host_organization_id,
                                                          year=self.year, half=self.half),
                    "half", _("该流入地党组织已对该党员作出本期评价。"), errors)
        if self.year and self.evaluated_on and self.evaluated_on.year < self.year:
            errors["evaluated_on"] = [_("评价日期不能早于所评价的年度。")]
        _not_future(self.evaluated_on, "evaluated_on", errors)
        if errors:
            raise ValidationError(errors)


class ActivistInspection(PersonLinked):
    """An inspection opinion on a membership activist from the home or the host side (seed 000 §7 双向考察;
    seed 003: the host organization does the day-to-day cultivation and inspection)."""

    person_field = "activist"

    activist = models.ForeignKey(Activist, verbose_name=_("入党积极分子"), on_delete=models.PROTECT,
                                 related_name="inspections")
    organization = models.ForeignKey(PartyOrganization, verbose_name=_("考察党组织"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="activist_inspections")
    host_organization = models.ForeignKey(HostPlaceOrganization, verbose_name=_("考察的流入地党组织"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="activist_inspections")
    inspected_on = models.DateField(_("考察日期"))
    opinion = models.TextField(_("考察意见"))
    conclusion = models.CharField(_("考察结论"), max_length=12, choices=choices.InspectionConclusion.choices)

    scope_paths = {**PersonLinked.scope_paths, "organization": "organization",
                   "host_organization": "host_organization"}

    class Meta:
        verbose_name = _("积极分子考察意见")
        verbose_name_plural = _("积极分子考察意见")
        ordering = ["-inspected_on", "-id"]
        indexes = [models.Index(fields=["activist", "inspected_on"], name="inspection_activist_idx"),
                   models.Index(fields=["host_organization", "inspected_on"], name="inspection_host_idx"),
                   models.Index(fields=["organization", "inspected_on"], name="inspection_org_idx"),
                   models.Index(fields=["town", "inspected_on"], name="inspection_town_idx"),
                   models.Index(fields=["county", "inspected_on"], name="inspection_county_idx"),
                   models.Index(fields=["village", "inspected_on"], name="inspection_village_idx")]

    def __str__(self):
        return f"{self.activist} {self.inspected_on:%Y-%m-%d} {self.get_conclusion_display()}"

    def clean(self):
        errors = {}
        super().clean()
        activist = self.person
        if activist is not None and not self.host_organization_id and not self.organization_id:
            self.host_organization_id = activist.co_manager_id
        if not self.host_organization_id and not self.organization_id:
            errors["organization"] = [_("请填写作出考察意见的党组织或流入地党组织。")]
        _co_manager_errors(self, activist, errors)
        if activist is not None and self.organization_id and self.changed("activist_id", "organization_id") and (
                self.organization_id not in (activist.cultivating_organization_id, activist.home_organization_id)):
            errors["organization"] = [_("该党组织既不是该积极分子的培养党组织，也不是其户籍地党组织。")]
        _not_future(self.inspected_on, "inspected_on", errors)
        if errors:
            raise ValidationError(errors)


# Mobile members (DOMAIN.md "Mobile members") ----------------------------------------------------------------------

CERTIFICATE_NUMBER = re.compile(r"^[0-9A-Z\-]{4,30}$")


class MobileCertificate(PersonLinked):
    """A mobile-member activity certificate (流动党员活动证), issued by the town party committee in rural areas;
    the holder takes part in org life and pays dues at the destination, without voting rights there."""

    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT,
                               related_name="certificates")
    number = models.CharField(_("证号"), max_length=30, unique=True)
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    revoked = models.BooleanField(_("已收回"), default=False, editable=False)
    revoked_on = models.DateField(_("收回日期"), null=True, blank=True, editable=False)
    revoke_reason = models.CharField(_("收回原因"), max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("流动党员活动证")
        verbose_name_plural = _("流动党员活动证")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["town", "issued_on"], name="certificate_town_idx"),
                   models.Index(fields=["county", "issued_on"], name="certificate_county_idx"),
                   models.Index(fields=["village", "issued_on"], name="certificate_village_idx")]
        constraints = [models.UniqueConstraint(fields=["member"], condition=Q(revoked=False),
                                               name="certificate_one_valid_per_member")]

    def __str__(self):
        return self.number

    @property
    def issuing_committee(self):
        """Issued by the party committee of the member's town (DOMAIN.md: 农村由乡镇党委发放)."""
        return self.town

    def is_valid_on(self, day: datetime.date) -> bool:
        return not self.revoked and self.issued_on <= day and (self.valid_until is None or day <= self.valid_until)

    def clean(self):
        errors = {}
        super().clean()
        self.number = (self.number or "").strip().upper()
        if not CERTIFICATE_NUMBER.match(self.number):
            errors["number"] = [_("证号应为4至30位数字、大写字母或连字符。")]
        if self.valid_until and self.issued_on and self.valid_until <= self.issued_on:
            errors["valid_until"] = [_("有效期应晚于发证日期。")]
        member = self.person
        if member is not None and self._state.adding and not member.is_mobile:
            errors["member"] = [_("该党员不是流动党员，无需发放流动党员活动证。")]
        if member is not None and self._state.adding and MobileCertificate.objects.filter(
                member=member, revoked=False).exists():
            errors["member"] = [_("该党员已有有效的流动党员活动证，请先收回旧证。")]
        _not_future(self.issued_on, "issued_on", errors)
        if errors:
            raise ValidationError(errors)


class RelationTransfer(PersonLinked):
    """A transfer of a member's organizational relation (组织关系转接): out ≥6 months at a fixed place the member
    should transfer (services.rules.should_transfer_q). To an organization of the county, or outside it (a GB/T 2260
    destination and the receiving organization's name). Status changes are kept in ``events``."""

    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT,
                               related_name="transfers")
    from_organization = models.ForeignKey(PartyOrganization, verbose_name=_("转出党组织"), on_delete=models.PROTECT,
                                          related_name="transfers_out", blank=True,
                                          help_text=_("不填则为该党员组织关系所在党组织。"))
    to_organization = models.ForeignKey(PartyOrganization, verbose_name=_("转入党组织（本县）"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="transfers_in")
    to_town = _unit(_("转入乡镇"), null=True, editable=False)
    destination_code = models.CharField(_("转往地区代码（县外）"), max_length=6, blank=True,
                                        help_text=_("转往县外时填写 GB/T 2260 代码，如 330106。"))
    receiving_org_name = models.CharField(_("接收党组织（县外）"), max_length=100, blank=True)
    requested_on = models.DateField(_("申请日期"), default=timezone.localdate)
    status = models.CharField(_("状态"), max_length=10, choices=choices.TransferStatus.choices,
                              default=choices.TransferStatus.REQUESTED, editable=False)
    decided_on = models.DateField(_("办结日期"), null=True, blank=True, editable=False)
    reason = models.TextField(_("转接原因"), blank=True)

    scope_paths = {"county": "county", "town": ("town", "to_town"), "village": "village",
                   "organization": ("from_organization", "to_organization")}

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-requested_on", "-id"]
        indexes = [models.Index(fields=["town", "status"], name="transfer_town_idx"),
                   models.Index(fields=["to_town", "status"], name="transfer_to_town_idx"),
                   models.Index(fields=["county", "status"], name="transfer_county_idx"),
                   models.Index(fields=["village", "id"], name="transfer_village_idx"),
                   models.Index(fields=["from_organization", "id"], name="transfer_from_org_idx"),
                   models.Index(fields=["to_organization", "id"], name="transfer_to_org_idx")]
        constraints = [models.UniqueConstraint(fields=["member"], condition=Q(status="requested"),
                                               name="transfer_one_open_per_member")]

    def __str__(self):
        return f"{self.member} → {self.destination_label}"

    @property
    def destination_label(self):
        if self.to_organization_id:
            return str(self.to_organization)
        return f"{regions.region_label(self.destination_code)} {self.receiving_org_name}".strip()

    @property
    def is_outside_county(self):
        return not self.to_organization_id

    def derive_place(self):
        super().derive_place()
        member = self.person
        if member is not None and not self.from_organization_id:
            self.from_organization_id = member.home_organization_id
        self.to_town_id = self.to_organization.town_id if self.to_organization_id else None

    def clean(self):
        errors = {}
        super().clean()
        self.destination_code = (self.destination_code or "").strip()
        if self.to_organization_id:
            if self.destination_code or self.receiving_org_name:
                errors["to_organization"] = [_("转往本县党组织的，不填县外地区和接收党组织名称。")]
            if self.to_organization_id == self.from_organization_id:
                errors["to_organization"] = [_("转入党组织不能与转出党组织相同。")]
            if self.county_id and self.to_organization.county_id != self.county_id:
                errors["to_organization"] = [_("转入党组织不在本县，请改填县外地区和接收党组织名称。")]
        else:
            if not self.destination_code or not self.receiving_org_name:
                errors["destination_code"] = [_("请选择本县转入党组织，或填写县外地区代码和接收党组织名称。")]
            elif not regions.region(self.destination_code):
                errors["destination_code"] = [_("地区代码 %(c)s 不是有效的行政区划代码。") % {
                    "c": self.destination_code}]
        member = self.person
        if member is not None and self._state.adding and RelationTransfer.objects.filter(
                member=member, status=choices.TransferStatus.REQUESTED).exists():
            errors["member"] = [_("该党员已有正在办理的组织关系转接。")]
        _not_future(self.requested_on, "requested_on", errors)
        if errors:
            raise ValidationError(errors)


class RelationTransferEvent(StatusEvent):
    """One step of a transfer's trail."""

    transfer = models.ForeignKey(RelationTransfer, verbose_name=_("组织关系转接"), on_delete=models.CASCADE,
                                 related_name="events")
    from_status = models.CharField(_("原状态"), max_length=10, choices=choices.TransferStatus.choices, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=choices.TransferStatus.choices)

    class Meta(StatusEvent.Meta):
        verbose_name = _("转接记录")
        verbose_name_plural = _("转接记录")
        indexes = [models.Index(fields=["transfer", "at"], name="transfer_event_idx")]
