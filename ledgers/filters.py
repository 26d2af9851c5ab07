"""One FilterSet per ledger, used by the API, the clerk pages and exports alike."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledgers import choices
from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from zyparty.filters import BaseFilterSet


class PersonFilterSet(BaseFilterSet):
    person_search = True
    gender = django_filters.ChoiceFilter(choices=choices.Gender.choices, label=_("性别"))
    born_after = django_filters.DateFilter(field_name="birth_date", lookup_expr="gte", label=_("出生不早于"))
    born_before = django_filters.DateFilter(field_name="birth_date", lookup_expr="lte", label=_("出生不晚于"))


class WorkerFilterSet(PersonFilterSet):
    search_fields = ("name", "employer_name")
    destination = django_filters.CharFilter(method="filter_destination", label=_("务工地代码（含下级）"))
    completeness_below = django_filters.NumberFilter(field_name="completeness", lookup_expr="lt",
                                                     label=_("六清楚完成项少于"))
    left_behind = django_filters.BooleanFilter(method="filter_left_behind", label=_("有留守家属"))

    class Meta:
        model = Worker
        fields = ["direction", "industry", "political_status", "return_intention", "party_wish", "post_wish",
                  "completeness", "enterprise", "left_behind_children", "left_behind_elderly", "left_behind_spouse"]

    def filter_destination(self, queryset, name, value):
        code = (value or "").strip()
        if code.endswith("0000"):
            return queryset.filter(destination_code__startswith=code[:2])
        if code.endswith("00"):
            return queryset.filter(destination_code__startswith=code[:4])
        return queryset.filter(destination_code=code)

    def filter_left_behind(self, queryset, name, value):
        q = Q(left_behind_children=True) | Q(left_behind_elderly=True) | Q(left_behind_spouse=True)
        return queryset.filter(q) if value else queryset.exclude(q)


class EnterpriseFilterSet(BaseFilterSet):
    search_fields = ("name", "credit_code", "address")
    location = django_filters.CharFilter(field_name="location_code", lookup_expr="startswith",
                                         label=_("所在地代码前缀"))

    class Meta:
        model = HostEnterprise
        fields = ["industry", "party_organization"]


class MemberFilterSet(PersonFilterSet):
    joined_after = django_filters.DateFilter(field_name="joined_on", lookup_expr="gte", label=_("入党不早于"))
    joined_before = django_filters.DateFilter(field_name="joined_on", lookup_expr="lte", label=_("入党不晚于"))

    class Meta:
        model = PartyMember
        fields = ["category", "is_mobile", "membership_status", "lost_contact", "home_organization",
                  "activity_organization", "co_manager", "education"]


class ActivistFilterSet(PersonFilterSet):
    class Meta:
        model = Activist
        fields = ["stage", "cultivating_organization", "home_organization", "co_manager"]
