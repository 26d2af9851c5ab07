"""Serializers of the talent API. Development cases and steps are written only through talent.workflows (the input
serializers below only parse); the pipeline records validate through their model's clean()."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from ledgers.models import Activist, PartyMember, Worker
from organizations.models import HostPlaceOrganization, PartyOrganization
from talent import choices, rules
from talent.models import (
    Appointment,
    Award,
    CultivationStage,
    DevelopmentCase,
    DevelopmentStep,
    Nomination,
    QuotaResult,
    ReserveCadre,
    ReturneeVenture,
    Talent,
)
from zyparty.api.serializers import ModelCleanSerializer, UnitCodeField

AUDIT = ["created_at", "updated_at", "version"]


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A related record given by id, chosen only among those the caller may see (no writing across scopes)."""

    def get_queryset(self):
        request = self.context.get("request")
        queryset = super().get_queryset()
        return queryset.restrict(request.user) if request is not None else queryset.none()


class StrictMixin:
    """Refuses unknown and read-only fields, like the other serializers of the project."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - {n for n, f in self.fields.items() if not f.read_only})
            if unknown:
                raise serializers.ValidationError({name: [_("未知字段或只读字段。")] for name in unknown})
        return super().to_internal_value(data)


class StrictSerializer(StrictMixin, serializers.Serializer):
    pass


# Development --------------------------------------------------------------------------------------------------------


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer):
    pass


class ParticipantSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=choices.ParticipantRole.choices)
    member = ScopedRelatedField(queryset=PartyMember.objects.all(), required=False, allow_null=True)
    name = serializers.CharField(max_length=30, required=False, allow_blank=True)
    is_full_member = serializers.BooleanField(required=False, default=True)


EXTRA_FACTS = ("nomination", "consulted_home", "consulted_residence")


class StepSerializer(StrictModelSerializer):
    """A step as recorded; POSTing the same shape records a new step through the workflow, which checks the rules
    of 发展党员工作细则 (a refused step is a 400 with the rule's reason)."""

    case = ScopedRelatedField(queryset=DevelopmentCase.objects.all())
    step_label = serializers.CharField(source="get_step_display", read_only=True)
    organization = ScopedRelatedField(queryset=PartyOrganization.objects.all(), required=False, allow_null=True)
    host_organization = serializers.PrimaryKeyRelatedField(queryset=HostPlaceOrganization.objects.all(),
                                                           required=False, allow_null=True)
    nomination = serializers.ChoiceField(choices=choices.ActivistNomination.choices, required=False)
    consulted_home = serializers.BooleanField(required=False)
    consulted_residence = serializers.BooleanField(required=False)
    participants = ParticipantSerializer(many=True, required=False)

    class Meta:
        model = DevelopmentStep
        fields = ["id", "case", "step", "step_label", "done_on", "organization", "host_organization",
                  "members_entitled", "members_present", "votes_yes", "training_days", "training_hours",
                  "notice_start", "notice_end", "host_notice_start", "host_notice_end", "outcome", "extension_months",
                  "expected_leave_on", "exception_reason", "opinion", *EXTRA_FACTS, "participants", "facts", *AUDIT]
        read_only_fields = ["facts"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in EXTRA_FACTS:
            if name in (instance.facts or {}):
                data[name] = instance.facts[name]
        return data


class DueSerializer(serializers.Serializer):
    code = serializers.CharField()
    step = serializers.IntegerField()
    due_on = serializers.DateField()
    label = serializers.CharField()


CASE_WRITABLE = ["activist", "worker", "applied_on", "organization", "committee", "cultivating_organization",
                 "host_organization", "is_mobile", "notes", "opinion"]
CASE_CHANGEABLE = {"organization", "committee", "cultivating_organization", "host_organization", "is_mobile", "notes"}


class DevelopmentCaseSerializer(StrictModelSerializer):
    """A case; POSTing its writable fields takes an application in (步骤①) through the workflow; PATCH moves the
    case to other organizations (转接) or changes its notes."""

    activist = ScopedRelatedField(queryset=Activist.objects.all(), required=False, allow_null=True)
    worker = ScopedRelatedField(queryset=Worker.objects.all(), required=False, allow_null=True)
    applied_on = serializers.DateField()
    organization = ScopedRelatedField(queryset=PartyOrganization.objects.all())
    committee = ScopedRelatedField(queryset=PartyOrganization.objects.all(), required=False, allow_null=True)
    cultivating_organization = ScopedRelatedField(queryset=PartyOrganization.objects.all(), required=False,
                                                  allow_null=True)
    host_organization = serializers.PrimaryKeyRelatedField(queryset=HostPlaceOrganization.objects.all(),
                                                           required=False, allow_null=True)
    is_mobile = serializers.BooleanField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    opinion = serializers.CharField(required=False, allow_blank=True, default="", write_only=True)
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(read_only=True)
    village = UnitCodeField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    is_co_managed = serializers.BooleanField(read_only=True)
    current_step_label = serializers.CharField(source="get_current_step_display", read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    due = serializers.SerializerMethodField()

    class Meta:
        model = DevelopmentCase
        fields = ["id", "name", *CASE_WRITABLE, "member", "county", "town", "village", "organization_name",
                  "is_co_managed", "status", "stage", "current_step", "current_step_label", "talked_on",
                  "activist_on", "target_on", "admitted_on", "approved_on", "probation_ends_on", "extension_months",
                  "full_member_on", "closed_on", "close_reason", "due", "steps", *AUDIT]
        read_only_fields = ["name", "member", "status", "stage", "current_step", "talked_on", "activist_on",
                            "target_on", "admitted_on", "approved_on", "probation_ends_on", "extension_months",
                            "full_member_on", "closed_on", "close_reason"]

    def validate(self, attrs):
        if self.instance is not None:
            fixed = sorted(set(attrs) - CASE_CHANGEABLE)
            if fixed:
                raise serializers.ValidationError({name: [_("受理后不能修改；如有错误，请终止案卷后重新受理。")]
                                                   for name in fixed})
        return attrs

    def get_due(self, obj) -> list[dict]:
        limits = self.context.get("limits")
        if limits is None:
            limits = self.context["limits"] = rules.Limits.load()
        ordered = sorted(obj.steps.all(), key=lambda s: s.pk)
        return DueSerializer(rules.due_items(obj, ordered, limits), many=True).data


class CaseCloseSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=200)
    on = serializers.DateField(required=False, allow_null=True)


class UndoSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=200)


# Talent pipeline ----------------------------------------------------------------------------------------------------


class TalentRecordSerializer(ModelCleanSerializer):
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(read_only=True)
    village = UnitCodeField(read_only=True)
    talent = ScopedRelatedField(queryset=Talent.objects.all())
    talent_name = serializers.CharField(source="talent.name", read_only=True)


class CultivationStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = CultivationStage
        fields = ["stage", "reached_on", "note"]


class TalentSerializer(ModelCleanSerializer):
    worker = ScopedRelatedField(queryset=Worker.objects.all(), required=False, allow_null=True)
    member = ScopedRelatedField(queryset=PartyMember.objects.all(), required=False, allow_null=True)
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(read_only=True)
    village = UnitCodeField(required=False)
    stages = CultivationStageSerializer(many=True, read_only=True)

    class Meta:
        model = Talent
        fields = ["id", "name", "gender", "birth_date", "worker", "member", "county", "town", "village", "education",
                  "skills", "is_returnee", "returned_on", "stage", "stages", "notes", *AUDIT]
        read_only_fields = ["name", "gender", "birth_date", "stage"]


class ReserveCadreSerializer(TalentRecordSerializer):
    class Meta:
        model = ReserveCadre
        fields = ["id", "talent", "talent_name", "county", "town", "village", "year", "selected_on",
                  "is_returning_worker", "age", "profile_warnings", "notes", *AUDIT]
        read_only_fields = ["age", "profile_warnings"]


class VentureSerializer(ModelCleanSerializer):
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(read_only=True)
    village = UnitCodeField()
    founder = ScopedRelatedField(queryset=Talent.objects.all(), required=False, allow_null=True)

    class Meta:
        model = ReturneeVenture
        fields = ["id", "kind", "name", "credit_code", "founder", "county", "town", "village", "founded_on",
                  "jobs_created", "loans_amount", "subsidies_amount", "is_active", "notes", *AUDIT]


class AppointmentSerializer(TalentRecordSerializer):
    class Meta:
        model = Appointment
        fields = ["id", "talent", "talent_name", "county", "town", "village", "kind", "post", "organization_name",
                  "start_on", "end_on", *AUDIT]


class NominationSerializer(TalentRecordSerializer):
    class Meta:
        model = Nomination
        fields = ["id", "talent", "talent_name", "county", "town", "village", "kind", "level", "year", "status",
                  "note", *AUDIT]


class AwardSerializer(TalentRecordSerializer):
    class Meta:
        model = Award
        fields = ["id", "talent", "talent_name", "county", "town", "village", "kind", "title", "level", "awarded_on",
                  "issuer", *AUDIT]


# Quotas and limits ---------------------------------------------------------------------------------------------------


class QuotaResultSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.code", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(read_only=True)
    village = UnitCodeField(read_only=True)

    class Meta:
        model = QuotaResult
        fields = ["id", "rule", "rule_name", "subject_kind", "subject_id", "subject_label", "county", "town",
                  "village", "organization", "host_organization", "period_start", "period_end", "value", "threshold",
                  "comparison", "status", "evidence", "message", "evaluated_at", "notified_at"]
        read_only_fields = fields
