"""Keeping in touch with the people away: two-way liaison between a town and the organizations where its people
are (seed 000 §6) and the festival outreach when they come home (seed 000 §11)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import (
    HostPlaceOrganization,
    PartyOrganization,
    PlacedModel,
    unit_key,
)
from services import choices
from services.models.base import _not_future, _validate_codes
from zyparty.models import TrackedModel

# Two-way liaison (seed 000 §6) ------------------------------------------------------------------------------------

class LiaisonRecord(PlacedModel, TrackedModel):
    """One exchange between a town party committee and a host-place organization or an outpost branch of the town
    (双向联系, seed 000 §6: at least once every half year, on member development, education, training, employment
    and rights protection)."""

    town = unit_key(_("乡镇党委"), level="town", editable=True)
    village = None
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

    place_from = ("town",)
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
        self.derive_place()
        if self.town_id and self.town.level != "town":
            errors["town"] = [_("请选择乡镇（街道）党委。")]
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


# Festival outreach (seed 000 §11) ---------------------------------------------------------------------------------

class OutreachCampaign(PlacedModel, TrackedModel):
    """Festival outreach when workers come home (seed 000 §11: 中秋、春节 集中宣讲、座谈交流、走访送学)."""

    festival = models.CharField(_("节点"), max_length=12, choices=choices.Festival.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=100)
    town = unit_key(_("乡镇"), level="town", editable=True)
    village = unit_key(_("村（社区）"), level="village", null=True, editable=True)
    held_from = models.DateField(_("开始日期"))
    held_to = models.DateField(_("结束日期"), null=True, blank=True)
    activities = models.JSONField(_("活动形式"), default=list, blank=True,
                                  help_text=_("集中宣讲、座谈交流、走访送学、建立交流群和同乡会，可多选。"))
    people_reached = models.PositiveIntegerField(_("覆盖人数"), default=0)
    opinions_collected = models.PositiveIntegerField(_("征求意见建议条数"), default=0)
    problems = models.TextField(_("收集的困难问题"), blank=True)
    summary = models.TextField(_("活动情况"), blank=True)

    place_from = ("town", "village")
    scope_paths = {"county": "county", "town": "town", "village": "village"}

    class Meta:
        verbose_name = _("节日集中走访")
        verbose_name_plural = _("节日集中走访")
        ordering = ["-held_from", "-id"]
        indexes = [models.Index(fields=["town", "year"], name="campaign_town_year_idx"),
                   models.Index(fields=["county", "year"], name="campaign_county_year_idx")]

    def __str__(self):
        return self.title

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
