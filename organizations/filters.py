import django_filters
from django.utils.translation import gettext_lazy as _

from organizations.models import (
    CoManagementAgreement,
    HostPlaceOrganization,
    JointMeeting,
    PartyInstructor,
    PartyOrganization,
    ServicePoint,
    Unit,
)
from zyparty.filters import BaseFilterSet


class UnitFilterSet(BaseFilterSet):
    search_fields = ("name", "code")

    class Meta:
        model = Unit
        fields = ["level", "kind", "is_active"]


class OrganizationFilterSet(BaseFilterSet):
    search_fields = ("name", "short_names", "secretary_name")
    host_place = django_filters.CharFilter(field_name="host_place_code", lookup_expr="startswith",
                                           label=_("所在地代码前缀"))

    class Meta:
        model = PartyOrganization
        fields = ["kind", "form", "is_outpost", "outpost_build", "outpost_basis", "host_subject", "parent",
                  "host_partner", "is_active"]


class HostPlaceOrganizationFilterSet(BaseFilterSet):
    search_fields = ("name", "address")

    class Meta:
        model = HostPlaceOrganization
        fields = ["region_code"]


class AgreementFilterSet(BaseFilterSet):
    search_fields = ("terms",)

    class Meta:
        model = CoManagementAgreement
        fields = ["host_organization", "organization"]


class ServicePointFilterSet(BaseFilterSet):
    search_fields = ("name", "head_name")

    class Meta:
        model = ServicePoint
        fields = ["level"]


class InstructorFilterSet(BaseFilterSet):
    search_fields = ("name", "department")

    class Meta:
        model = PartyInstructor
        fields = ["enterprise"]


class JointMeetingFilterSet(BaseFilterSet):
    search_fields = ("topics", "decisions")
    year = django_filters.NumberFilter(field_name="held_on", lookup_expr="year", label=_("年度"))

    class Meta:
        model = JointMeeting
        fields = []
