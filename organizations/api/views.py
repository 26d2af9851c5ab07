from organizations import filters
from organizations.api import serializers
from organizations.models import (
    CoManagementAgreement,
    HostPlaceOrganization,
    JointMeeting,
    PartyInstructor,
    PartyOrganization,
    ServicePoint,
    Unit,
)
from zyparty.api.views import ScopedViewSet


class UnitViewSet(ScopedViewSet):
    """行政区划（县 6 位、乡镇 9 位、村（社区）12 位代码）。"""

    queryset = Unit.objects.all()
    serializer_class = serializers.UnitSerializer
    filterset_class = filters.UnitFilterSet
    select_related = ("parent", "county", "town")
    ordering_fields = ["code", "name", "updated_at"]
    lookup_field = "code"
    require_if_match = False
    scope_error_field = "code"


class OrganizationViewSet(ScopedViewSet):
    """党组织（含驻外党组织、网络型支部）。"""

    queryset = PartyOrganization.objects.all()
    serializer_class = serializers.OrganizationSerializer
    filterset_class = filters.OrganizationFilterSet
    select_related = ("home_unit", "county", "town")
    ordering_fields = ["id", "name", "founded_on", "updated_at"]
    scope_error_field = "home_unit"


class HostPlaceOrganizationViewSet(ScopedViewSet):
    """流入地党组织。"""

    queryset = HostPlaceOrganization.objects.all()
    serializer_class = serializers.HostPlaceOrganizationSerializer
    filterset_class = filters.HostPlaceOrganizationFilterSet
    select_related = ("county",)
    ordering_fields = ["id", "name", "updated_at"]
    scope_error_field = "county"


class AgreementViewSet(ScopedViewSet):
    """共建共管协议。"""

    queryset = CoManagementAgreement.objects.all()
    serializer_class = serializers.AgreementSerializer
    filterset_class = filters.AgreementFilterSet
    select_related = ("town", "county")
    ordering_fields = ["id", "signed_on", "updated_at"]


class ServicePointViewSet(ScopedViewSet):
    """服务网络：县中心、镇服务站、村联络点、企业联络员。"""

    queryset = ServicePoint.objects.all()
    serializer_class = serializers.ServicePointSerializer
    filterset_class = filters.ServicePointFilterSet
    select_related = ("unit", "county", "town", "enterprise")
    ordering_fields = ["id", "name", "level", "updated_at"]
    scope_error_field = "unit"


class InstructorViewSet(ScopedViewSet):
    """党建指导员。"""

    queryset = PartyInstructor.objects.all()
    serializer_class = serializers.InstructorSerializer
    filterset_class = filters.InstructorFilterSet
    select_related = ("county", "enterprise")
    ordering_fields = ["id", "name", "appointed_on", "updated_at"]
    scope_error_field = "county"


class JointMeetingViewSet(ScopedViewSet):
    """联席会议。"""

    queryset = JointMeeting.objects.all()
    serializer_class = serializers.JointMeetingSerializer
    filterset_class = filters.JointMeetingFilterSet
    select_related = ("county",)
    ordering_fields = ["id", "held_on"]
    scope_error_field = "county"


routes = [
    ("units", UnitViewSet),
    ("organizations", OrganizationViewSet),
    ("host-organizations", HostPlaceOrganizationViewSet),
    ("agreements", AgreementViewSet),
    ("service-points", ServicePointViewSet),
    ("instructors", InstructorViewSet),
    ("joint-meetings", JointMeetingViewSet),
]
