"""Trainings and education (seed 000 §8, §9, §13) and directed employment (seed 000 §14): training sessions and
their attendees, video party lessons, job fairs and employment agreements."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledgers.models import HostEnterprise, PartyMember, Worker
from organizations.models import PartyOrganization, PlacedModel, unit_key
from services import choices
from services.models.base import ServiceRecord, _unique
from zyparty.models import TrackedModel

# Trainings (seed 000 §8, §13) -------------------------------------------------------------------------------------

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


class TrainingAttendee(PlacedModel, TrackedModel):
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
    town = unit_key(_("乡镇"), null=True)  # none for a county-level training's named attendees

    # The person's place, else the organization's (a secretary attending for it), else the training's.
    place_from = ("worker", "member", "organization", "training")
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
        super().derive_place()
        person = self.worker if self.worker_id else self.member if self.member_id else None
        if person is not None and not self.name:
            self.name = person.name

    # An import (services.schemas.trainings) checks the rules below against the whole file and the records it loaded
    # at once, and sets this so that clean() does not ask the database again for every row.
    uniqueness_checked = False

    def clean(self):
        errors = {}
        if self.worker_id and self.member_id and self.member.worker_id not in (None, self.worker_id):
            errors["member"] = [_("所选党员与所选农民工不是同一人。")]
        self.derive_place()
        if not self.name:
            errors["name"] = [_("请选择台账人员或填写姓名。")]
        self.certificate_no = (self.certificate_no or "").strip()
        if self.uniqueness_checked:
            pass
        elif self.training_id:
            same = TrainingAttendee.objects.filter(training_id=self.training_id)
            if self.worker_id:
                _unique(self, same.filter(worker_id=self.worker_id), "worker", _("该农民工已登记参加本次培训。"), errors)
            if self.member_id:
                _unique(self, same.filter(member_id=self.member_id), "member", _("该党员已登记参加本次培训。"), errors)
            if self.organization_id:
                _unique(self, same.filter(organization_id=self.organization_id), "organization",
                        _("该党组织的书记已登记参加本次培训。"), errors)
        if self.certificate_no and not self.uniqueness_checked:
            _unique(self, TrainingAttendee.objects.filter(certificate_no=self.certificate_no), "certificate_no",
                    _("结业证书编号已被使用。"), errors)
        if errors:
            raise ValidationError(errors)


# Education (seed 000 §9) ------------------------------------------------------------------------------------------

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

    place_from = ("town", "organization")  # the town entered, else the organizing organization's place
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


# Employment (seed 000 §14) ----------------------------------------------------------------------------------------

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


class EmploymentAgreement(PlacedModel, TrackedModel):
    """A directed-employment agreement (定向用工协议, seed 000 §14) between the county side and a host enterprise."""

    enterprise = models.ForeignKey(HostEnterprise, verbose_name=_("用工企业"), on_delete=models.PROTECT,
                                   related_name="employment_agreements")
    town = unit_key(_("签约乡镇"), level="town", editable=True)
    village = unit_key(_("签约村（社区）"), level="village", null=True, editable=True)
    job_fair = models.ForeignKey(JobFair, verbose_name=_("签约招聘会"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="agreements")
    signed_on = models.DateField(_("签订日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    positions = models.PositiveIntegerField(_("约定岗位数"))
    workers_placed = models.PositiveIntegerField(_("已安置人数"), default=0)
    terms = models.TextField(_("协议要点"), blank=True)

    place_from = ("town", "village")
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
