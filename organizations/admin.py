from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from organizations import filters
from organizations.models import (
    ApiClient,
    CoManagementAgreement,
    HostPlaceOrganization,
    JointMeeting,
    PartyInstructor,
    PartyOrganization,
    ServicePoint,
    Unit,
    User,
)
from zyparty.admin import ScopedAdmin, UnitListFilter


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "is_active")
    list_filter = ("level", "kind", UnitListFilter, "is_active")
    search_fields = ("name", "code")
    search_fields_text = ("name", "code")
    filterset_class = filters.UnitFilterSet
    fields = ("code", "name", "is_active")
    list_select_related = ("parent",)

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete asks for units by the level the field allows; honour it after the text search.
        return super().get_search_results(request, queryset, search_term)


@admin.register(HostPlaceOrganization)
class HostPlaceOrganizationAdmin(ScopedAdmin):
    list_display = ("name", "region_label", "contact_name", "county")
    search_fields = ("name", "address")
    search_fields_text = ("name", "address")
    autocomplete_fields = ("county",)
    exclude = ()


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(ScopedAdmin):
    list_display = ("name", "kind", "form", "is_outpost", "outpost_build", "town", "host_place_label", "host_partner",
                    "secretary_name")
    list_filter = (UnitListFilter, "kind", "form", "is_outpost", "outpost_build", "outpost_basis", "host_subject",
                   "is_active")
    search_fields = ("name", "secretary_name")
    search_fields_text = ("name", "secretary_name")
    filterset_class = filters.OrganizationFilterSet
    autocomplete_fields = ("home_unit", "parent", "host_partner")
    list_select_related = ("town", "host_partner")
    fieldsets = (
        (None, {"fields": ("name", "kind", "form", "host_subject", "parent", "home_unit", "is_active")}),
        (_("驻外党组织"), {"fields": ("is_outpost", "outpost_build", "outpost_basis", "host_place_code",
                                  "host_partner")}),
        (_("书记与联络"), {"fields": ("secretary_name", "secretary_phone", "online_group", "founded_on",
                                   "term_ends_on")}),
    )


@admin.register(CoManagementAgreement)
class AgreementAdmin(ScopedAdmin):
    list_display = ("town", "host_organization", "organization", "signed_on", "valid_until", "annual_funding")
    list_filter = (UnitListFilter,)
    search_fields = ("terms",)
    search_fields_text = ("terms",)
    autocomplete_fields = ("town", "host_organization", "organization")
    list_select_related = ("town", "host_organization", "organization")


@admin.register(ServicePoint)
class ServicePointAdmin(ScopedAdmin):
    list_display = ("name", "level", "unit", "head_name", "head_title", "head_phone_masked")
    list_filter = ("level", UnitListFilter)
    search_fields = ("name", "head_name")
    search_fields_text = ("name", "head_name")
    autocomplete_fields = ("unit", "enterprise")
    list_select_related = ("unit",)


@admin.register(PartyInstructor)
class InstructorAdmin(ScopedAdmin):
    list_display = ("name", "department", "enterprise", "appointed_on", "ended_on")
    search_fields = ("name", "department")
    search_fields_text = ("name", "department")
    autocomplete_fields = ("enterprise", "county")
    list_select_related = ("enterprise",)


@admin.register(JointMeeting)
class JointMeetingAdmin(ScopedAdmin):
    list_display = ("held_on", "county", "topics")
    search_fields = ("topics", "decisions")
    search_fields_text = ("topics", "decisions")
    date_hierarchy = "held_on"
    autocomplete_fields = ("county",)

    def get_search_fields(self, request):
        return ("topics",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts: managed by the system administrator; roles changed by the security administrator."""

    list_display = ("username", "first_name", "role", "unit", "organization", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name")
    autocomplete_fields = ("unit", "organization", "enterprise", "host_organization")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email", "phone")}),
        (_("角色与范围"), {"fields": ("role", "unit", "organization", "enterprise", "host_organization",
                                   "is_active")}),
        (_("时间"), {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "role", "unit",
                                                 "organization", "enterprise", "host_organization")}),
    )
    readonly_fields = ("last_login", "date_joined", "password_changed_at")


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "read_only", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("key_prefix", "last_used_at", "last_used_ip", "created_at", "user")
    fields = ("name", "user", "key_prefix", "read_only", "expires_at", "revoked_at", "last_used_at", "last_used_ip",
              "created_at")

    def has_add_permission(self, request):
        return False  # keys are made by `manage.py create_api_client`, which shows the key once
