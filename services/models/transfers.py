"""Mobile members (DOMAIN.md "Mobile members"): activity certificates and transfers of the organizational relation,
with their status trail."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledgers.models import PartyMember
from organizations.models import PartyOrganization, unit_key
from services import choices
from services.models.base import PersonLinked, StatusEvent, _not_future
from zyparty import regions

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
    to_town = unit_key(_("转入乡镇"), null=True)  # where the receiving organization of the county is
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
