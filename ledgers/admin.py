import tempfile

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ledgers import filters, workflows
from ledgers.models import Activist, HostEnterprise, ImportBatch, PartyMember, Worker
from ledgers.permissions import UNMASK
from zyparty import context
from zyparty.admin import MaskedInputMixin, PersonAdmin, ScopedAdmin, UnitListFilter, VillageListFilter

PERSON_FIELDS = ("name", "id_number", "gender", "birth_date", "ethnicity", "phone", "town", "village")


class CompletenessListFilter(admin.SimpleListFilter):
    """How many of the six clears (六清楚, seed 000 §5) a worker's record makes clear: fixed choices 0–6, so the
    changelist does not run a DISTINCT over a county's rows to offer them."""

    title = _("六清楚完成项")
    parameter_name = "completeness"

    def lookups(self, request, model_admin):
        return [(str(n), _("%(n)d项") % {"n": n} if n < 6 else _("6项（全部清楚）")) for n in range(6, -1, -1)]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit() or int(value) > 6:
            return queryset.none()
        return queryset.filter(completeness=int(value))


# Excel (issue 4): links from every ledger changelist to the import page and the template, and "export the filtered
# list" with the admin's own current filters and search (the ChangeList builds the queryset, through the scoping
# layer of ScopedAdmin.get_queryset).
class LedgerExcelAdmin:
    ledger_kind = ""
    change_list_template = "ledgers/admin_change_list.html"

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [path("export/", self.admin_site.admin_view(self.export_view), name="%s_%s_excel_export" % info),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = dict(extra_context or {})
        kind = self.ledger_kind
        if workflows.may_import(request.user, kind):
            extra["excel_import_url"] = reverse("ledgers:import") + f"?kind={kind}"
            extra["excel_template_url"] = reverse("ledgers:template", args=[kind])
        if workflows.may_export(request.user, kind):
            info = self.model._meta.app_label, self.model._meta.model_name
            base = reverse("admin:%s_%s_excel_export" % info, current_app=self.admin_site.name)
            query = request.GET.urlencode()
            extra["excel_export_url"] = f"{base}?{query}" if query else base
            extra["excel_export_base"] = base
            extra["excel_export_params"] = [(k, v) for k, values in request.GET.lists() for v in values]
            extra["excel_may_unmask"] = request.user.has_perm(UNMASK)
        return super().changelist_view(request, extra_context=extra)

    def export_view(self, request):
        """The changelist's queryset (filters, search) as .xlsx; masked unless unmask=1 with a reason."""
        context.current().user = request.user
        kind = self.ledger_kind
        if not workflows.may_export(request.user, kind):
            raise PermissionDenied
        params = request.GET.copy()
        unmask = params.pop("unmask", [""])[0] in ("1", "true")
        reason = params.pop("reason", [""])[0].strip()
        info = self.model._meta.app_label, self.model._meta.model_name
        back = reverse("admin:%s_%s_changelist" % info, current_app=self.admin_site.name)
        if params:
            back += "?" + params.urlencode()
        if unmask and (not request.user.has_perm(UNMASK) or len(reason) < 2):
            messages.error(request, _("导出明文须有查看明文权限并填写事由。"))
            return HttpResponseRedirect(back)
        request.GET = params
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        handle = tempfile.TemporaryFile()
        try:
            workflows.ledger_export(user=request.user, kind=kind, queryset=queryset, target=handle,
                                    unmask=unmask, reason=reason, filters=params.dict())
        except workflows.ExportTooLarge as exc:
            handle.close()
            messages.error(request, exc.message)
            return HttpResponseRedirect(back)
        handle.seek(0)
        response = FileResponse(handle, as_attachment=True, filename=workflows.export_file_name(kind),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Cache-Control"] = "no-store"
        return response


@admin.register(Worker)
class WorkerAdmin(LedgerExcelAdmin, PersonAdmin):
    ledger_kind = "workers"
    list_display = ("name", "id_number_masked", "gender", "phone_number_masked", "town", "village", "direction",
                    "destination_text", "employer_name", "completeness", "updated_at")
    list_filter = (UnitListFilter, VillageListFilter, "direction", "industry", "return_intention", "party_wish",
                   "post_wish", CompletenessListFilter, "left_behind_children", "left_behind_elderly")
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
class HostEnterpriseAdmin(LedgerExcelAdmin, MaskedInputMixin, ScopedAdmin):
    ledger_kind = "enterprises"
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


class WorkerLinkAdmin:
    """Members and activists: the worker record of the same person (issue 14 item 5), linked by ID number on save —
    never picked by hand — shown as a link only when the viewer may see that record (zyparty.scoping)."""

    readonly_fields = (*PersonAdmin.readonly_fields, "worker_link")

    @admin.display(description=_("农民工台账记录"))
    def worker_link(self, obj):
        if obj is None or obj.worker_id is None:
            return _("未关联")
        user = context.current_user()  # the middleware's actor: display methods get no request
        if user is None or not Worker.objects.restrict(user).filter(pk=obj.worker_id).exists():
            return _("已关联（不在您的管辖范围内）")
        url = reverse("admin:ledgers_worker_change", args=[obj.worker_id], current_app=self.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, _("查看农民工台账记录"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        warning = workflows.person_worker_link(user=request.user, record=obj)
        if warning:
            messages.warning(request, warning)


@admin.register(PartyMember)
class PartyMemberAdmin(WorkerLinkAdmin, LedgerExcelAdmin, PersonAdmin):
    ledger_kind = "members"
    list_display = ("name", "id_number_masked", "gender", "phone_number_masked", "town", "village", "category",
                    "joined_on", "home_organization", "is_mobile", "membership_status", "lost_contact")
    list_filter = (UnitListFilter, VillageListFilter, "category", "is_mobile", "membership_status", "lost_contact",
                   "education")
    filterset_class = filters.MemberFilterSet
    autocomplete_fields = ("town", "village", "home_organization", "activity_organization", "co_manager")
    list_select_related = ("town", "village", "home_organization")
    fieldsets = (
        (_("基本信息"), {"fields": PERSON_FIELDS + ("education", "job_post", "home_address")}),
        (_("党员信息"), {"fields": ("joined_on", "full_member_on", "home_organization", "activity_organization",
                                "co_manager", "membership_status")}),
        (_("流动情况"), {"fields": ("is_mobile", "destination_code", "out_since", "certificate_no",
                                "certificate_issued_on", "lost_contact", "lost_contact_since", "last_org_life_on",
                                "last_dues_paid_on")}),
        (_("其他"), {"fields": ("worker_link", "remarks", "updated_at", "updated_by")}),
    )


@admin.register(Activist)
class ActivistAdmin(WorkerLinkAdmin, LedgerExcelAdmin, PersonAdmin):
    ledger_kind = "activists"
    list_display = ("name", "id_number_masked", "gender", "town", "village", "stage", "applied_on", "activist_on",
                    "cultivating_organization")
    list_filter = (UnitListFilter, VillageListFilter, "stage")
    filterset_class = filters.ActivistFilterSet
    autocomplete_fields = ("town", "village", "cultivating_organization", "home_organization", "co_manager")
    list_select_related = ("town", "village", "cultivating_organization")
    fieldsets = (
        (_("基本信息"), {"fields": PERSON_FIELDS}),
        (_("培养情况"), {"fields": ("stage", "applied_on", "activist_on", "cultivation_contacts",
                                "cultivating_organization", "home_organization", "co_manager")}),
        (_("其他"), {"fields": ("worker_link", "remarks", "updated_at", "updated_by")}),
    )



@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedAdmin):
    """导入批次: who imported which file (name, size, SHA-256) into which unit, when, with what counts and which
    audit entry. Read-only, within the viewer's scope, for roles granted ``ledgers.view_importbatch``."""

    list_display = ("created_at", "kind", "file_name", "unit", "user", "status", "rows", "new_count",
                    "changed_count", "unchanged_count", "error_count", "committed_at", "batch_link")
    list_filter = ("kind", "status", UnitListFilter)
    list_select_related = ("unit", "user")
    date_hierarchy = "created_at"
    exclude = ("errors",)
    readonly_fields = [f.name for f in ImportBatch._meta.fields if f.name != "errors"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        return queryset.filter(file_name__icontains=search_term.strip()), False

    @admin.display(description=_("详情"))
    def batch_link(self, obj):
        """The clerk's own preview page (it answers 404 to anyone but the uploader)."""
        return format_html('<a href="{}">{}</a>', reverse("ledgers:import-batch", args=[obj.pk]), _("预览页"))


# 取值同义词 (issue 14) registers itself from its own module; imported here, at the end, so that the admin site finds
# it and the concurrent changes to this module's imports merge cleanly.
from ledgers import synonym_admin  # noqa: E402,F401
