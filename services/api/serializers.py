"""Serializers of the services API. Validation is the model's own ``clean()`` (ModelCleanSerializer); writes that
keep other records in step go through services.workflows. On writes, references to people and organizations accept
only what the caller may link to (ModelCleanSerializer limits every related field with zyparty's scoped_choices;
anything else reads as "does not exist")."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from organizations.models import HostPlaceOrganization, PartyOrganization, User
from services import choices, workflows
from services.models import (
    ActivistInspection,
    DuesPayment,
    EmploymentAgreement,
    Funding,
    JobFair,
    LiaisonRecord,
    MemberEvaluation,
    MobileCertificate,
    OrgLifeRecord,
    OutreachCampaign,
    RelationTransfer,
    RelationTransferEvent,
    ServiceCase,
    ServiceCaseEvent,
    Training,
    TrainingAttendee,
    VideoLesson,
)
from zyparty import scoping
from zyparty.api.serializers import ModelCleanSerializer, UnitCodeField

AUDIT_FIELDS = ["created_at", "updated_at", "version"]


def optional(queryset, **kwargs):
    """A reference by id that may be left out or null."""
    return serializers.PrimaryKeyRelatedField(queryset=queryset, required=False, allow_null=True, **kwargs)


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class CodesField(serializers.ListField):
    """A JSON list of codes from ``choices`` (topics, activities)."""

    def __init__(self, choices_, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(child=serializers.ChoiceField(choices=choices_), **kwargs)


# Liaison ---------------------------------------------------------------------------------------------------------

class LiaisonSerializer(ModelCleanSerializer):
    county = UnitCodeField(read_only=True)
    town = UnitCodeField()
    town_name = serializers.CharField(source="town.name", read_only=True)
    host_organization = optional(HostPlaceOrganization.objects.all())
    host_organization_name = serializers.CharField(source="host_organization.name", read_only=True, default="")
    organization = optional(PartyOrganization.objects.filter(is_outpost=True))
    organization_name = serializers.CharField(source="organization.name", read_only=True, default="")
    topics = CodesField(choices.LiaisonTopic.choices)

    class Meta:
        model = LiaisonRecord
        fields = ["id", "county", "town", "town_name", "host_organization", "host_organization_name",
                  "organization", "organization_name", "held_on", "channel", "topics", "participants", "summary",
                  "follow_ups", *AUDIT_FIELDS]


# Service cases ---------------------------------------------------------------------------------------------------

class ServiceCaseEventSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True, default="")

    class Meta:
        model = ServiceCaseEvent
        fields = ["from_status", "status", "at", "by", "note"]


class ServiceCaseSerializer(ModelCleanSerializer):
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(required=False)
    village = UnitCodeField(required=False, allow_null=True)
    worker = optional(Worker.objects.all())
    member = optional(PartyMember.objects.all())
    organization = optional(PartyOrganization.objects.filter(is_outpost=True))
    handler = optional(User.objects.filter(is_active=True))
    handler_name = serializers.CharField(source="handler.username", read_only=True, default="")
    events = ServiceCaseEventSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceCase
        fields = ["id", "title", "description", "kind", "channel", "status", "worker", "member", "applicant_name",
                  "county", "town", "village", "organization", "handler", "handler_name", "opened_on", "closed_on",
                  "amount_claimed", "amount_recovered", "outcome", "events", *AUDIT_FIELDS]
        read_only_fields = ["status", "closed_on"]

    def create(self, validated_data):
        return workflows.service_case_open(user=_user(self), case=ServiceCase(**validated_data))


class CaseTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=choices.CaseStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    amount_recovered = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True,
                                                default=None)
    outcome = serializers.CharField(required=False, allow_blank=True, default="")


# Trainings -------------------------------------------------------------------------------------------------------

class TrainingSerializer(ModelCleanSerializer):
    county = UnitCodeField(required=False)
    town = UnitCodeField(required=False, allow_null=True)
    attendee_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Training
        fields = ["id", "title", "kind", "held_on", "ended_on", "county", "town", "organizer", "location", "hours",
                  "summary", "attendee_count", *AUDIT_FIELDS]


class TrainingAttendeeSerializer(ModelCleanSerializer):
    training = serializers.PrimaryKeyRelatedField(queryset=Training.objects.all())
    training_title = serializers.CharField(source="training.title", read_only=True)
    held_on = serializers.DateField(source="training.held_on", read_only=True)
    worker = optional(Worker.objects.all())
    member = optional(PartyMember.objects.all())
    organization = optional(PartyOrganization.objects.all())
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(read_only=True)
    village = UnitCodeField(read_only=True)

    class Meta:
        model = TrainingAttendee
        validators = []  # uniqueness is checked in the model's clean(), as a field error
        fields = ["id", "training", "training_title", "held_on", "worker", "member", "organization", "name",
                  "certificate_no", "county", "town", "village", *AUDIT_FIELDS]


# Employment ------------------------------------------------------------------------------------------------------

class JobFairSerializer(ModelCleanSerializer):
    county = UnitCodeField(required=False)
    town = UnitCodeField(required=False, allow_null=True)

    class Meta:
        model = JobFair
        fields = ["id", "title", "held_on", "county", "town", "location", "organizer", "enterprises_count",
                  "positions_offered", "attendance", "intents_signed", *AUDIT_FIELDS]


class EmploymentAgreementSerializer(ModelCleanSerializer):
    enterprise = serializers.SlugRelatedField(slug_field="credit_code", queryset=HostEnterprise.objects.all())
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(required=False)
    village = UnitCodeField(required=False, allow_null=True)
    job_fair = optional(JobFair.objects.all())

    class Meta:
        model = EmploymentAgreement
        fields = ["id", "enterprise", "enterprise_name", "county", "town", "village", "job_fair", "signed_on",
                  "valid_until", "positions", "workers_placed", "terms", *AUDIT_FIELDS]

    def validate(self, attrs):
        if attrs.get("village") is not None and not attrs.get("town"):
            attrs["town"] = attrs["village"].town
        if self.instance is None and not attrs.get("town"):
            raise serializers.ValidationError({"town": [_("请填写签约乡镇或村（社区）。")]})
        return super().validate(attrs)


# Outreach, lessons, funding --------------------------------------------------------------------------------------

class OutreachCampaignSerializer(ModelCleanSerializer):
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(required=False)
    village = UnitCodeField(required=False, allow_null=True)
    activities = CodesField(choices.OutreachActivity.choices)

    class Meta:
        model = OutreachCampaign
        fields = ["id", "festival", "year", "title", "county", "town", "village", "held_from", "held_to",
                  "activities", "people_reached", "opinions_collected", "problems", "summary", *AUDIT_FIELDS]

    def validate(self, attrs):
        if attrs.get("village") is not None and not attrs.get("town"):
            attrs["town"] = attrs["village"].town
        if self.instance is None and not attrs.get("town"):
            raise serializers.ValidationError({"town": [_("请填写乡镇或村（社区）。")]})
        return super().validate(attrs)


class VideoLessonSerializer(ModelCleanSerializer):
    county = UnitCodeField(required=False)
    town = UnitCodeField(required=False, allow_null=True)
    organization = optional(PartyOrganization.objects.all())
    attendees = serializers.PrimaryKeyRelatedField(queryset=PartyMember.objects.all(), many=True, required=False)

    class Meta:
        model = VideoLesson
        fields = ["id", "title", "held_on", "county", "town", "organization", "speaker", "platform",
                  "attendance_count", "attendees", *AUDIT_FIELDS]

    def validate(self, attrs):
        # The count covers the members named and those who watched without being named.
        attendees = attrs.get("attendees")
        if attendees is not None:
            attrs["attendance_count"] = max(attrs.get("attendance_count") or 0, len(attendees))
        return super().validate(attrs)


class FundingSerializer(ModelCleanSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=PartyOrganization.objects.all())
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(read_only=True)

    class Meta:
        model = Funding
        fields = ["id", "organization", "organization_name", "county", "town", "year", "amount", "source",
                  "purpose", "granted_on", *AUDIT_FIELDS]


# Co-management ---------------------------------------------------------------------------------------------------

class PersonLinkedSerializer(ModelCleanSerializer):
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(read_only=True)
    village = UnitCodeField(read_only=True)


class OrgLifeRecordSerializer(PersonLinkedSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=PartyMember.objects.all())
    member_name = serializers.CharField(source="member.name", read_only=True)
    host_organization = optional(HostPlaceOrganization.objects.all())
    organization = optional(PartyOrganization.objects.all())

    class Meta:
        model = OrgLifeRecord
        fields = ["id", "member", "member_name", "host_organization", "organization", "county", "town", "village",
                  "held_on", "kind", "topic", "attended", "absence_reason", *AUDIT_FIELDS]

    def create(self, validated_data):
        return workflows.org_life_record_save(user=_user(self), record=OrgLifeRecord(**validated_data))

    def update(self, instance, validated_data):
        for key, value in validated_data.items():
            setattr(instance, key, value)
        return workflows.org_life_record_save(user=_user(self), record=instance)


class DuesPaymentSerializer(PersonLinkedSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=PartyMember.objects.all())
    member_name = serializers.CharField(source="member.name", read_only=True)
    host_organization = optional(HostPlaceOrganization.objects.all())

    class Meta:
        model = DuesPayment
        validators = []  # uniqueness is checked in the model's clean(), as a field error
        fields = ["id", "member", "member_name", "county", "town", "village", "month", "months", "amount",
                  "paid_on", "place", "host_organization", "receipt_no", *AUDIT_FIELDS]

    def create(self, validated_data):
        return workflows.dues_payment_save(user=_user(self), payment=DuesPayment(**validated_data))

    def update(self, instance, validated_data):
        for key, value in validated_data.items():
            setattr(instance, key, value)
        return workflows.dues_payment_save(user=_user(self), payment=instance)


class MemberEvaluationSerializer(PersonLinkedSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=PartyMember.objects.all())
    member_name = serializers.CharField(source="member.name", read_only=True)
    host_organization = serializers.PrimaryKeyRelatedField(queryset=HostPlaceOrganization.objects.all(),
                                                           required=False)

    class Meta:
        model = MemberEvaluation
        validators = []  # uniqueness is checked in the model's clean(), as a field error
        fields = ["id", "member", "member_name", "host_organization", "county", "town", "village", "year", "half",
                  "rating", "opinion", "evaluated_on", *AUDIT_FIELDS]


class ActivistInspectionSerializer(PersonLinkedSerializer):
    activist = serializers.PrimaryKeyRelatedField(queryset=Activist.objects.all())
    activist_name = serializers.CharField(source="activist.name", read_only=True)
    organization = optional(PartyOrganization.objects.all())
    host_organization = optional(HostPlaceOrganization.objects.all())

    class Meta:
        model = ActivistInspection
        fields = ["id", "activist", "activist_name", "organization", "host_organization", "county", "town",
                  "village", "inspected_on", "opinion", "conclusion", *AUDIT_FIELDS]


# Mobile members --------------------------------------------------------------------------------------------------

class MobileCertificateSerializer(PersonLinkedSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=PartyMember.objects.all())
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = MobileCertificate
        validators = []  # uniqueness is checked in the model's clean(), as a field error
        fields = ["id", "member", "member_name", "county", "town", "village", "number", "issued_on", "valid_until",
                  "revoked", "revoked_on", "revoke_reason", *AUDIT_FIELDS]
        read_only_fields = ["revoked", "revoked_on", "revoke_reason"]

    def create(self, validated_data):
        return workflows.certificate_issue(user=_user(self), certificate=MobileCertificate(**validated_data))


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    on = serializers.DateField(required=False, default=None)


class RelationTransferEventSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True, default="")

    class Meta:
        model = RelationTransferEvent
        fields = ["from_status", "status", "at", "by", "note"]


class RelationTransferSerializer(PersonLinkedSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=PartyMember.objects.all())
    member_name = serializers.CharField(source="member.name", read_only=True)
    from_organization = serializers.PrimaryKeyRelatedField(queryset=PartyOrganization.objects.all(), required=False)
    to_organization = optional(PartyOrganization.objects.filter(is_active=True))
    to_town = UnitCodeField(read_only=True)
    destination_label = serializers.CharField(read_only=True)
    events = RelationTransferEventSerializer(many=True, read_only=True)

    class Meta:
        model = RelationTransfer
        validators = []  # uniqueness is checked in the model's clean(), as a field error
        fields = ["id", "member", "member_name", "county", "town", "village", "from_organization", "to_organization",
                  "to_town", "destination_code", "receiving_org_name", "destination_label", "requested_on",
                  "status", "decided_on", "reason", "events", *AUDIT_FIELDS]
        read_only_fields = ["status", "decided_on"]

    def get_fields(self):
        fields = super().get_fields()
        user = _user(self)
        field = fields["to_organization"]
        if user is not None and getattr(user, "is_authenticated", False) and not field.read_only:
            # A transfer goes to another town's organization by nature: any active organization of the caller's
            # county may receive it (the receiving town's clerk then accepts or rejects it).
            counties = {getattr(getattr(user, anchor, None), "county_id", None)
                        for anchor in ("unit", "organization", "host_organization")} - {None}
            if not scoping.scope_of(user).everything:
                field.queryset = PartyOrganization.objects.filter(is_active=True, county_id__in=counties)
        return fields

    def create(self, validated_data):
        return workflows.transfer_request(user=_user(self), transfer=RelationTransfer(**validated_data))


class TransferDecisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=choices.TRANSFER_DECISION_CHOICES)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
