from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from ledgers import filters
from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from zyparty.admin import MaskedInputMixin, PersonAdmin, ScopedAdmin, UnitListFilter, VillageListFilter

PERSON_FIELDS = ("name", "id_number", "gender", "birth_date", "ethnicity", "phone", "town", "village")


@admin.register(Worker)
class WorkerAdmin(PersonAdmin):
    list_display = ("name", "id_number_masked", "gender", "phone_number_masked", "town", "village", "direction",
                    "destination_text", "employer_name", "completeness", "updated_at")
    list_filter = (UnitListFilter, VillageListFilter, "direction", "industry", "return_intention", "party_wish",
                   "post_wish", "completeness", "left_behind_children", "left_behind_elderly")
    filterset_class = filters.WorkerFilterSet
    search_fields_text = ("name", "employer_name")
    autocomplete_fields = ("town", "village", "enterprise")
    list_select_related = ("town", "village")
    masked_inputs = {**PersonAdmin.masked_inputs, "family_situation": lambda o: "******" if o.family_situation else ""}
    fieldsets = (
        (_("基本信息"), {"fields": PERSON_FIELDS}),
        (_("务工情况"), {"fields": ("direction", "left_on", "destination_text", "destination_code", "employer_name",
                                "employer_credit_code", "enterprise", "industry", "skills", "monthly_income")}),
        (_("六清楚"), {"fields": ("political_status", "return_intention", "party_wish", "post_wish")}),
        (_("家庭情况"), {"fields": ("family_situation", "left_behind_children", "left_behind_elderly",
                                "left_behind_spouse")}),
        (_("其他"), {"fields": ("remarks", "updated_at", "updated_by")}),
    )


@admin.register(HostEnterprise)
class HostEnterpriseAdmin(MaskedInputMixin, ScopedAdmin):
    list_display = ("name", "credit_code", "location", "industry", "liaison_name", "liaison_phone_masked", "town",
                    "workers_count")
    list_filter = (UnitListFilter, "industry")
    filterset_class = filters.EnterpriseFilterSet
    search_fields_text = ("name", "credit_code", "address")
    autocomplete_fields = ("town", "party_organization", "paired_villages")
    list_select_related = ("town",)
    masked_inputs = {"liaison_phone": "liaison_phone_masked"}
    fields = ("name", "credit_code", "address", "location_code", "industry", "liaison_name", "liaison_phone",
              "party_organization", "town", "paired_villages", "remarks")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(workers_count=Count("workers"))

    @admin.display(description=_("所在地"))
    def location(self, obj):
        return obj.location_label

    @admin.display(description=_("本县务工人数"), ordering="workers_count")
    def workers_count(self, obj):
        return obj.workers_count

    def get_search_fields(self, request):
        return ("name",)


@admin.register(PartyMember)
class PartyMemberAdmin(PersonAdmin):
    list_display = ("name", "id_number_masked", "gender", "phone_number_masked", "town", "village", "category",
                    "joined_on", "home_organization", "is_mobile", "membership_status", "lost_contact")
    list_filter = (UnitListFilter, VillageListFilter, "category", "is_mobile", "membership_status", "lost_contact",
                   "education")
    filterset_class = filters.MemberFilterSet
    autocomplete_fields = ("town", "village", "worker", "home_organization", "activity_organization", "co_manager")
    list_select_related = ("town", "village", "home_organization")
    fieldsets = (
        (_("基本信息"), {"fields": PERSON_FIELDS + ("education", "job_post", "home_address")}),
        (_("党员信息"), {"fields": ("joined_on", "full_member_on", "home_organization", "activity_organization",
                                "co_manager", "membership_status")}),
        (_("流动情况"), {"fields": ("is_mobile", "destination_code", "out_since", "certificate_no",
                                "certificate_issued_on", "lost_contact", "lost_contact_since", "last_org_life_on",
                                "last_dues_paid_on")}),
        (_("其他"), {"fields": ("worker", "remarks", "updated_at", "updated_by")}),
    )


@admin.register(Activist)
class ActivistAdmin(PersonAdmin):
    list_display = ("name", "id_number_masked", "gender", "town", "village", "stage", "applied_on", "activist_on",
                    "cultivating_organization")
    list_filter = (UnitListFilter, VillageListFilter, "stage")
    filterset_class = filters.ActivistFilterSet
    autocomplete_fields = ("town", "village", "worker", "cultivating_organization", "home_organization",
                           "co_manager")
    list_select_related = ("town", "village", "cultivating_organization")
    fieldsets = (
        (_("基本信息"), {"fields": PERSON_FIELDS}),
        (_("培养情况"), {"fields": ("stage", "applied_on", "activist_on", "cultivation_contacts",
                                "cultivating_organization", "home_organization", "co_manager")}),
        (_("其他"), {"fields": ("worker", "remarks", "updated_at", "updated_by")}),
    )
