from rest_framework import serializers

from organizations.models import (
    CoManagementAgreement,
    HostPlaceOrganization,
    JointMeeting,
    PartyInstructor,
    PartyOrganization,
    ServicePoint,
    Unit,
)
from zyparty.api.serializers import MaskedField, ModelCleanSerializer, UnitCodeField
from zyparty.validators import validate_phone

AUDIT_FIELDS = ["created_at", "updated_at", "version"]
# The host enterprises (ledgers.HostEnterprise), reached through organizations' own foreign key rather than imported:
# the organizations layer sits below the ledgers.
ENTERPRISES = ServicePoint._meta.get_field("enterprise").related_model.objects.all()


def phone_field(masked_source):
    """A cadre's phone: written in clear, read masked (SECURITY.md "personal data"); same name and type as before."""
    return MaskedField(masked_source=masked_source, required=False, max_length=30, validators=[validate_phone])


class UnitSerializer(ModelCleanSerializer):
    parent = UnitCodeField(read_only=True)
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "level", "kind", "parent", "county", "town", "is_active", "updated_at"]
        read_only_fields = ["level", "kind"]


class HostPlaceOrganizationSerializer(ModelCleanSerializer):
    county = UnitCodeField()
    region_label = serializers.CharField(read_only=True)
    contact_phone = phone_field("contact_phone_masked")

    class Meta:
        model = HostPlaceOrganization
        fields = ["id", "name", "region_code", "region_label", "address", "contact_name", "contact_phone", "county",
                  *AUDIT_FIELDS]


class OrganizationSerializer(ModelCleanSerializer):
    home_unit = UnitCodeField()
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(read_only=True)
    host_place_label = serializers.CharField(read_only=True)
    secretary_phone = phone_field("secretary_phone_masked")

    class Meta:
        model = PartyOrganization
        fields = ["id", "name", "short_names", "kind", "form", "host_subject", "parent", "home_unit", "county", "town",
                  "is_outpost", "outpost_build", "outpost_basis", "host_place_code", "host_place_label", "host_partner",
                  "secretary_name", "secretary_phone", "online_group", "founded_on", "term_ends_on", "remarks",
                  "is_active", *AUDIT_FIELDS]


class AgreementSerializer(ModelCleanSerializer):
    town = UnitCodeField()
    county = UnitCodeField(read_only=True)

    class Meta:
        model = CoManagementAgreement
        fields = ["id", "town", "county", "host_organization", "organization", "signed_on", "valid_until",
                  "annual_funding", "terms", *AUDIT_FIELDS]


class ServicePointSerializer(ModelCleanSerializer):
    unit = UnitCodeField()
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(read_only=True)
    enterprise = serializers.SlugRelatedField(slug_field="credit_code", queryset=ENTERPRISES, required=False,
                                              allow_null=True)
    head_phone = phone_field("head_phone_masked")

    class Meta:
        model = ServicePoint
        fields = ["id", "level", "name", "unit", "county", "town", "enterprise", "head_name", "head_title",
                  "head_phone", "address", "established_on", *AUDIT_FIELDS]


class InstructorSerializer(ModelCleanSerializer):
    county = UnitCodeField()
    enterprise = serializers.SlugRelatedField(slug_field="credit_code", queryset=ENTERPRISES)
    phone = phone_field("phone_masked")

    class Meta:
        model = PartyInstructor
        fields = ["id", "name", "department", "phone", "enterprise", "county", "appointed_on", "ended_on",
                  *AUDIT_FIELDS]


class JointMeetingSerializer(ModelCleanSerializer):
    county = UnitCodeField()

    class Meta:
        model = JointMeeting
        fields = ["id", "county", "held_on", "departments", "topics", "decisions", *AUDIT_FIELDS]
