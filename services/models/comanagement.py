"""Two-place co-management (seed 003; seed 000 §6–7): what a host-place organization records for the people it
co-manages — org life, dues, evaluations, activist inspections — and the funding shared with the organizations."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledgers.models import Activist, PartyMember
from organizations.models import (
    HostPlaceOrganization,
    PartyOrganization,
    PlacedModel,
    unit_key,
)
from services import choices
from services.models.base import PersonLinked, _co_manager_errors, _not_future, _unique
from zyparty.models import TrackedModel


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

    place_from = ("activist",)

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


# Shared funding (seed 003) ----------------------------------------------------------------------------------------

class Funding(PlacedModel, TrackedModel):
    """Money allocated to a party organization for a year (seed 003 经费共担: 10,000 yuan a year per mobile
    organization from retained dues; seed 000 §24)."""

    organization = models.ForeignKey(PartyOrganization, verbose_name=_("党组织"), on_delete=models.PROTECT,
                                     related_name="fundings")
    town = unit_key(_("乡镇"), null=True)  # none for a county-level organization
    village = None
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    source = models.CharField(_("来源"), max_length=16, choices=choices.FundingSource.choices)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    granted_on = models.DateField(_("拨付日期"), null=True, blank=True)

    place_from = ("organization",)
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
