from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from organizations import filters
from organizations.apikeys import api_client_revoke
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
from organizations.roles import ADMIN_ROLES, Role
from zyparty import audit
from zyparty.admin import MaskedPhonesAdmin, ScopedAdmin, UnitListFilter
from zyparty.models import AuditAction


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
class HostPlaceOrganizationAdmin(MaskedPhonesAdmin, ScopedAdmin):
    masked_inputs = {"contact_phone": "contact_phone_masked"}
    list_display = ("name", "region_label", "contact_name", "county")
    search_fields = ("name", "address")
    search_fields_text = ("name", "address")
    autocomplete_fields = ("county",)
    exclude = ()


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(MaskedPhonesAdmin, ScopedAdmin):
    masked_inputs = {"secretary_phone": "secretary_phone_masked"}
    list_display = ("name", "kind", "form", "is_outpost", "outpost_build", "town", "host_place_label", "host_partner",
                    "secretary_name")
    list_filter = (UnitListFilter, "kind", "form", "is_outpost", "outpost_build", "outpost_basis", "host_subject",
                   "is_active")
    search_fields = ("name", "short_names", "secretary_name")
    search_fields_text = ("name", "short_names", "secretary_name")
    filterset_class = filters.OrganizationFilterSet
    autocomplete_fields = ("home_unit", "parent", "host_partner")
    list_select_related = ("town", "host_partner")
    fieldsets = (
        (None, {"fields": ("name", "short_names", "kind", "form", "host_subject", "parent", "home_unit",
                           "is_active", "remarks")}),
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
class ServicePointAdmin(MaskedPhonesAdmin, ScopedAdmin):
    masked_inputs = {"head_phone": "head_phone_masked"}
    list_display = ("name", "level", "unit", "head_name", "head_title", "head_phone_masked")
    list_filter = ("level", UnitListFilter)
    search_fields = ("name", "head_name")
    search_fields_text = ("name", "head_name")
    autocomplete_fields = ("unit", "enterprise")
    list_select_related = ("unit",)


@admin.register(PartyInstructor)
class InstructorAdmin(MaskedPhonesAdmin, ScopedAdmin):
    masked_inputs = {"phone": "phone_masked"}
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


class ResetPasswordForm(AdminPasswordChangeForm):
    """A password set by an administrator is temporary: its holder must choose their own at the next sign-in
    (SECURITY.md "accounts"; zyparty.middleware.AccountPolicyMiddleware)."""

    def save(self, commit=True):
        user = super().save(commit=False)
        user.password_changed_at = None
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(MaskedPhonesAdmin, DjangoUserAdmin):
    """Accounts under the separation of duties (三权分立, SECURITY.md "access"; 等保三级 8.1.4.2 访问控制):

    - the system administrator creates accounts (business roles only), edits account details, resets passwords and
      deactivates accounts (which ends their sessions and revokes their keys);
    - the security administrator grants roles — including the three administrator roles — and their place;
    - nobody changes their own role, place or status; accounts are deactivated, never deleted.
    Every change is audited (zyparty.signals: ROLE_CHANGE for role and place, UPDATE otherwise).
    """

    ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", "phone", "is_active")
    AUTHORIZATION_FIELDS = ("role", "unit", "organization", "enterprise", "host_organization")
    ALWAYS_READ_ONLY = ("last_login", "date_joined", "password_changed_at")
    masked_inputs = {"phone": "phone_masked"}

    change_password_form = ResetPasswordForm
    list_display = ("username", "first_name", "role", "unit", "organization", "is_active", "last_login")
    list_filter = ("role", "is_active")
    list_select_related = ("unit", "organization")
    search_fields = ("username", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email", "phone")}),
        (_("角色与范围"), {"fields": ("role", "unit", "organization", "enterprise", "host_organization",
                                   "is_active")}),
        (_("时间"), {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "first_name", "role",
                                                 "unit", "organization", "enterprise", "host_organization")}),
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and "phone" in self.get_readonly_fields(request, obj):
            # Shown, not edited, by this administrator: the masked copy (MaskedPhonesAdmin covers view-only pages).
            fieldsets = [(name, {**options, "fields": ["phone_masked" if f == "phone" else f
                                                       for f in options.get("fields", ())]})
                         for name, options in fieldsets]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.ALWAYS_READ_ONLY
        editable = ()
        if obj.pk != request.user.pk:
            if request.user.role == Role.SYSTEM_ADMIN:
                editable = self.ACCOUNT_FIELDS
            elif request.user.role == Role.SECURITY_ADMIN:
                editable = self.AUTHORIZATION_FIELDS
        return self.ALWAYS_READ_ONLY + ("phone_masked",) + tuple(
            f for f in self.ACCOUNT_FIELDS + self.AUTHORIZATION_FIELDS if f not in editable)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and request.user.role != Role.SECURITY_ADMIN:
            # Administrator roles are granted by the security administrator; partner users come with their key.
            kwargs["choices"] = [(v, label) for v, label in Role.choices
                                 if v not in ADMIN_ROLES and v != Role.PARTNER]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The whole hierarchy, not the (empty) scope of the administrator: accounts are placed anywhere in it.
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "unit" and field is not None:
            field.label_from_instance = lambda unit: f"{unit.code} {unit.name}"
        return field

    def save_model(self, request, obj, form, change):
        if not change:
            obj.password_changed_at = None  # the first password is set by an administrator: change it at sign-in
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        if request.user.role != Role.SYSTEM_ADMIN or str(request.user.pk) == str(id):
            raise PermissionDenied  # own password: /accounts/password/, with the old one
        return super().user_change_password(request, id, form_url)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Partner keys (CONTRACT.md "Auth"): the security administrator sees when each was last used, limits it to
    reading, shortens its life or revokes it (audited). Keys are created by ``manage.py create_api_client`` only,
    which shows the key once; a revoked key cannot be restored."""

    list_display = ("name", "key_prefix", "scope", "read_only", "expires_at", "revoked_at", "last_used_at",
                    "last_used_ip")
    list_filter = ("read_only", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "key_prefix")
    list_select_related = ("user", "user__unit", "user__organization")
    readonly_fields = ("key_prefix", "scope", "revoked_at", "last_used_at", "last_used_ip", "created_at", "user")
    fields = ("name", "user", "scope", "key_prefix", "read_only", "expires_at", "revoked_at", "last_used_at",
              "last_used_ip", "created_at")
    actions = ["revoke_selected"]

    @admin.display(description=_("范围"))
    def scope(self, obj):
        return obj.user.unit or obj.user.organization or "—"

    def has_add_permission(self, request):
        return False  # keys are made by `manage.py create_api_client`, which shows the key once

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the audit trail and last-used data keep their meaning

    @admin.action(description=_("吊销所选密钥"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        revoked = 0
        for client in queryset.filter(revoked_at__isnull=True):
            api_client_revoke(client=client, reason="admin")
            revoked += 1
        self.message_user(request, _("已吊销 %(n)d 个密钥。") % {"n": revoked})

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            audit.record(AuditAction.KEY, obj, detail="changed", changes={"changed": {
                name: [str(form.initial.get(name)), str(form.cleaned_data.get(name))] for name in form.changed_data}})


# County figures not in the ledgers (population, all party members), entered per year by county staff for the
# statistics report (overview.reports).
from organizations.models import CountyYearFigures  # noqa: E402


@admin.register(CountyYearFigures)
class CountyYearFiguresAdmin(ScopedAdmin):
    list_display = ("county", "year", "population", "party_members_total", "updated_at", "updated_by")
    list_filter = ("year",)
    search_fields = ("notes",)
    search_fields_text = ("notes",)
    fields = ("county", "year", "population", "party_members_total", "notes")
    list_select_related = ("county",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "county":
            kwargs["queryset"] = Unit.objects.restrict(request.user).filter(level="county")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_fields(self, request):
        return ("notes",)
