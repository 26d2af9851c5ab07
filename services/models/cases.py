"""Service cases (seed 000 §10, §12–16): help given to a migrant worker or member, with its status history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledgers.models import PartyMember, Worker
from organizations.models import PartyOrganization, PlacedModel, unit_key
from services import choices
from services.models.base import StatusEvent, _not_future
from zyparty import scoping
from zyparty.models import TrackedModel


class ServiceCase(PlacedModel, TrackedModel):
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
    town = unit_key(_("乡镇"), level="town", editable=True)
    village = unit_key(_("村（社区）"), level="village", null=True, editable=True)
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

    # The person's place when the case is about someone in the ledgers, else the town (or village) entered.
    place_from = ("worker", "member", "town", "village")
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
        super().derive_place()
        person = self.worker if self.worker_id else self.member if self.member_id else None
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
            if not self.handler.is_active or not scoping.permits(self.handler, self):
                errors["handler"] = [_("承办人须为在岗且能查看该事项的人员。")]
        if errors:
            raise ValidationError(errors)


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
