"""One FilterSet per talent model, shared by the API, the talent-pool page and the admin search."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from talent import choices
from talent.models import (
    Appointment,
    Award,
    DevelopmentCase,
    DevelopmentStep,
    Nomination,
    QuotaResult,
    ReserveCadre,
    ReturneeVenture,
    Talent,
)
from zyparty.filters import BaseFilterSet, UtcIsoDateTimeFilter


class DevelopmentCaseFilterSet(BaseFilterSet):
    applied_after = django_filters.DateFilter(field_name="applied_on", lookup_expr="gte", label=_("申请不早于"))
    applied_before = django_filters.DateFilter(field_name="applied_on", lookup_expr="lte", label=_("申请不晚于"))
    co_managed = django_filters.BooleanFilter(field_name="host_organization", lookup_expr="isnull", exclude=True,
                                              label=_("两地共管"))

    class Meta:
        model = DevelopmentCase
        fields = ["status", "stage", "current_step", "organization", "committee", "cultivating_organization",
                  "host_organization", "is_mobile"]


class DevelopmentStepFilterSet(BaseFilterSet):
    search_fields = ("case__name",)
    done_after = django_filters.DateFilter(field_name="done_on", lookup_expr="gte", label=_("日期不早于"))
    done_before = django_filters.DateFilter(field_name="done_on", lookup_expr="lte", label=_("日期不晚于"))

    class Meta:
        model = DevelopmentStep
        fields = ["case", "step", "outcome", "organization", "host_organization"]


class TalentFilterSet(BaseFilterSet):
    """The local-talent pool (乡土人才信息库, seed 000 §18): by village, skills, stage, venture kind, reserve year."""

    search_fields = ("name", "skills")
    village = django_filters.CharFilter(field_name="village__code", label=_("村（社区）代码"))
    skills = django_filters.CharFilter(field_name="skills", lookup_expr="icontains", label=_("专长技能"))
    stage = django_filters.ChoiceFilter(choices=choices.CultivationStageKind.choices, label=_("培养阶段"))
    venture_kind = django_filters.ChoiceFilter(choices=choices.VentureKind.choices, method="filter_venture_kind",
                                               label=_("创业类型"))
    reserve_year = django_filters.NumberFilter(method="filter_reserve_year", label=_("后备力量年度"))
    appointment_kind = django_filters.ChoiceFilter(choices=choices.AppointmentKind.choices,
                                                   method="filter_appointment_kind", label=_("任职类别"))

    class Meta:
        model = Talent
        fields = ["is_returnee", "education"]

    def filter_venture_kind(self, queryset, name, value):
        return queryset.filter(Exists(ReturneeVenture.objects.filter(founder=OuterRef("pk"), kind=value)))

    def filter_reserve_year(self, queryset, name, value):
        return queryset.filter(Exists(ReserveCadre.objects.filter(talent=OuterRef("pk"), year=value)))

    def filter_appointment_kind(self, queryset, name, value):
        return queryset.filter(Exists(Appointment.objects.filter(talent=OuterRef("pk"), kind=value)))


class ReserveCadreFilterSet(BaseFilterSet):
    search_fields = ("talent__name",)
    village = django_filters.CharFilter(field_name="village__code", label=_("村（社区）代码"))
    with_warnings = django_filters.BooleanFilter(method="filter_warnings", label=_("有条件提示"))

    class Meta:
        model = ReserveCadre
        fields = ["year", "is_returning_worker"]

    def filter_warnings(self, queryset, name, value):
        return queryset.exclude(profile_warnings=[]) if value else queryset.filter(profile_warnings=[])


class VentureFilterSet(BaseFilterSet):
    search_fields = ("name", "founder__name")
    village = django_filters.CharFilter(field_name="village__code", label=_("村（社区）代码"))
    founded_after = django_filters.DateFilter(field_name="founded_on", lookup_expr="gte", label=_("创办不早于"))

    class Meta:
        model = ReturneeVenture
        fields = ["kind", "is_active", "founder"]


class AppointmentFilterSet(BaseFilterSet):
    search_fields = ("talent__name", "post", "organization_name")
    current = django_filters.BooleanFilter(field_name="end_on", lookup_expr="isnull", label=_("现任"))

    class Meta:
        model = Appointment
        fields = ["kind", "talent"]


class NominationFilterSet(BaseFilterSet):
    search_fields = ("talent__name",)

    class Meta:
        model = Nomination
        fields = ["kind", "level", "year", "status", "talent"]


class AwardFilterSet(BaseFilterSet):
    search_fields = ("talent__name", "title")
    year = django_filters.NumberFilter(field_name="awarded_on", lookup_expr="year", label=_("年度"))

    class Meta:
        model = Award
        fields = ["kind", "level", "talent"]


class QuotaResultFilterSet(BaseFilterSet):
    search_fields = ("subject_label",)
    rule = django_filters.CharFilter(field_name="rule__code", label=_("规则代码"))
    updated_since = UtcIsoDateTimeFilter(field_name="evaluated_at", lookup_expr="gte",
                                         label=_("评估时间不早于（ISO 8601）"))
    on = django_filters.DateFilter(method="filter_on", label=_("所在周期包含该日"))

    class Meta:
        model = QuotaResult
        fields = ["subject_kind", "status", "period_start"]

    def filter_on(self, queryset, name, value):
        return queryset.filter(period_start__lte=value, period_end__gte=value)
