from django.db.models.query import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from organizations.models import HostPlaceOrganization, PartyOrganization
from zyparty import regions, validators
from zyparty.api.serializers import MaskedField, ModelCleanSerializer, UnitCodeField
from zyparty.masking import mask_phone, mask_text

PERSON_FIELDS = ["id", "name", "id_number", "gender", "birth_date", "ethnicity", "phone", "county", "town", "town_name",
                 "village", "village_name", "remarks", "created_at", "updated_at", "version"]


class PersonSerializer(ModelCleanSerializer):
    id_number = MaskedField(masked_source="id_masked", allow_blank=False, max_length=30)
    phone = MaskedField(masked_source="phone_masked", required=False, max_length=30)
    county = UnitCodeField(read_only=True)
    town = UnitCodeField(required=False)
    village = UnitCodeField(required=False, allow_null=True)
    town_name = serializers.CharField(source="town.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True, default="")

    def validate(self, attrs):
        village = attrs.get("village")
        if village is not None and not attrs.get("town"):
            attrs["town"] = village.town
        if self.instance is None and not attrs.get("town"):
            raise serializers.ValidationError({"town": ["请填写乡镇或户籍村（社区）。"]})
        return super().validate(attrs)

    def validate_id_number(self, value):
        try:
            number = validators.validate_id_number(value)
        except Exception as exc:  # django ValidationError → field message
            raise serializers.ValidationError(getattr(exc, "messages", [str(exc)]))
        message = self.Meta.model.id_number_clash(number, None if self.instance is None else self.instance.pk)
        if message:
            raise serializers.ValidationError(message)
        return number


@extend_schema_field({"type": "integer", "nullable": True, "readOnly": True})
class LinkedWorkerField(serializers.Field):
    """The worker record of the same person (issue 14 item 5; linked by ID number, never set through the API), as its
    id — only when the caller may see that record (zyparty.scoping), else null. One query per response: the ids of a
    whole page are checked together."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="worker_id", **kwargs)

    def to_representation(self, worker_id):
        return worker_id if worker_id is not None and worker_id in self._visible() else None

    def _visible(self):
        cache = self.context.setdefault("_visible_workers", {})
        instance = self.root.instance
        key = id(instance)
        if key not in cache:
            records = instance if isinstance(instance, (list, tuple, QuerySet)) else [instance]
            ids = {r.worker_id for r in records if getattr(r, "worker_id", None) is not None}
            request = self.context.get("request")
            user = getattr(request, "user", None)
            cache[key] = set(Worker.objects.restrict(user).filter(pk__in=ids).values_list("pk", flat=True)) \
                if ids and user is not None else set()
        return cache[key]


class WorkerSerializer(PersonSerializer):
    family_situation = MaskedField(mask=mask_text, required=False)
    political_status = serializers.ChoiceField(choices=Worker._meta.get_field("political_status").choices,
                                               required=False, allow_blank=True)
    destination_label = serializers.SerializerMethodField()
    enterprise = serializers.SlugRelatedField(slug_field="credit_code", queryset=HostEnterprise.objects.all(),
                                              required=False, allow_null=True)

    class Meta:
        model = Worker
        fields = PERSON_FIELDS + [
            "direction", "destination_code", "destination_text", "destination_label", "employer_name",
            "employer_credit_code", "enterprise", "industry", "skills", "monthly_income", "political_status",
            "family_situation", "left_behind_children", "left_behind_elderly", "left_behind_spouse",
            "return_intention", "party_wish", "post_wish", "left_on", "completeness"]
        read_only_fields = ["gender", "birth_date", "completeness"]

    def get_destination_label(self, obj) -> str:
        return regions.region_label(obj.destination_code) or obj.destination_text

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("unmask") and data.get("political_status"):
            data["political_status"] = mask_text(data["political_status"])
        return data


class EnterpriseSerializer(ModelCleanSerializer):
    county = UnitCodeField(read_only=True)
    town = UnitCodeField()
    liaison_phone = MaskedField(masked_source="liaison_phone_masked", required=False, max_length=30)
    party_organization = serializers.PrimaryKeyRelatedField(queryset=PartyOrganization.objects.all(), required=False,
                                                            allow_null=True)
    paired_villages = UnitCodeField(many=True, required=False)
    location_label = serializers.CharField(read_only=True)
    workers_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = HostEnterprise
        fields = ["id", "name", "credit_code", "location_code", "location_label", "address", "industry",
                  "liaison_name", "liaison_phone", "party_organization", "county", "town", "paired_villages",
                  "workers_count", "remarks", "created_at", "updated_at", "version"]


class MemberSerializer(PersonSerializer):
    home_organization = serializers.PrimaryKeyRelatedField(queryset=PartyOrganization.objects.all())
    activity_organization = serializers.PrimaryKeyRelatedField(queryset=PartyOrganization.objects.all(),
                                                               required=False, allow_null=True)
    co_manager = serializers.PrimaryKeyRelatedField(queryset=HostPlaceOrganization.objects.all(), required=False,
                                                    allow_null=True)
    town = UnitCodeField(required=False)
    worker = LinkedWorkerField()

    class Meta:
        model = PartyMember
        fields = PERSON_FIELDS + ["worker",
            "education", "category", "joined_on", "full_member_on", "home_organization", "activity_organization",
            "co_manager", "job_post", "home_address", "is_mobile", "destination_code", "out_since",
            "certificate_no", "certificate_issued_on", "membership_status", "lost_contact", "lost_contact_since",
            "last_org_life_on", "last_dues_paid_on"]
        read_only_fields = ["gender", "birth_date", "category"]

    def validate(self, attrs):
        if not attrs.get("town") and not attrs.get("village") and attrs.get("home_organization"):
            attrs["town"] = attrs["home_organization"].town
        return super().validate(attrs)


class ActivistSerializer(PersonSerializer):
    cultivating_organization = serializers.PrimaryKeyRelatedField(queryset=PartyOrganization.objects.all(),
                                                                  required=False, allow_null=True)
    home_organization = serializers.PrimaryKeyRelatedField(queryset=PartyOrganization.objects.all(), required=False,
                                                           allow_null=True)
    co_manager = serializers.PrimaryKeyRelatedField(queryset=HostPlaceOrganization.objects.all(), required=False,
                                                    allow_null=True)
    worker = LinkedWorkerField()

    class Meta:
        model = Activist
        fields = PERSON_FIELDS + ["worker", "applied_on", "activist_on", "cultivation_contacts", "cultivating_organization",
                                  "home_organization", "co_manager", "stage"]
        read_only_fields = ["gender", "birth_date"]

    def validate(self, attrs):
        if not attrs.get("town") and not attrs.get("village") and attrs.get("home_organization"):
            attrs["town"] = attrs["home_organization"].town
        return super().validate(attrs)


__all__ = ["WorkerSerializer", "EnterpriseSerializer", "MemberSerializer", "ActivistSerializer", "mask_phone"]
