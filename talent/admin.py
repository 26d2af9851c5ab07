"""Admin of the talent app. Development cases and steps are written through talent.workflows (a refused step shows
the rule's reason on the form); time limits, the holiday calendar and quota rules are the data a county edits."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ledgers.admin import LedgerExcelAdmin
from talent import choices, rules, workflows
from talent.forms import CaseChangeForm, CaseCloseForm, CaseOpenForm, StepForm, UndoForm
from talent.models import (
    Appointment,
    Award,
    BranchCommittee,
    CultivationStage,
    DevelopmentCase,
    DevelopmentStep,
    Nomination,
    PublicHoliday,
    QuotaResult,
    QuotaRule,
    ReserveCadre,
    ReturneeVenture,
    StepParticipant,
    Talent,
    TimeLimit,
    WorkdayAdjustment,
)
from zyparty import quotas
from zyparty.admin import ScopedAdmin, UnitListFilter, VillageListFilter

# Configuration: county-wide data ------------------------------------------------------------------------------------


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = ("label", "value", "unit", "is_local", "code", "updated_at")
    list_editable = ("value",)
    list_filter = ("unit", "is_local")
    search_fields = ("label", "code", "source")
    readonly_fields = ("code", "updated_at", "updated_by")
    fields = ("code", "label", "value", "unit", "source", "is_local", "updated_at", "updated_by")

    def has_add_permission(self, request):
        return False  # the rules read these codes; a new code would be read by nothing

    def has_delete_permission(self, request, obj=None):
        return False


class CalendarAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "name", "note")
    ordering = ("-date",)  # the years a county adds come first
    search_fields = ("name", "note")
    date_hierarchy = "date"
    list_per_page = 100

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return "一二三四五六日"[obj.date.weekday()]


@admin.register(PublicHoliday)
class PublicHolidayAdmin(CalendarAdmin):
    pass


@admin.register(WorkdayAdjustment)
class WorkdayAdjustmentAdmin(CalendarAdmin):
    pass


class QuotaRuleForm(forms.ModelForm):
    class Meta:
        model = QuotaRule
        fields = ["code", "name", "subject", "metric", "comparison", "threshold", "period", "anchor_year", "source",
                  "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        known = [(code, f"{m.label}（{code}，{choices.SubjectKind(m.subject).label}）")
                 for code, m in sorted(quotas.metrics().items())]
        current = self.instance.metric if self.instance.pk else ""
        if current and current not in dict(known):
            known.append((current, f"{current}（未注册）"))
        self.fields["metric"] = forms.ChoiceField(label=_("指标"), choices=known)


@admin.register(QuotaRule)
class QuotaRuleAdmin(admin.ModelAdmin):
    form = QuotaRuleForm
    list_display = ("name", "subject", "metric", "threshold_shown", "period", "active", "metric_state",
                    "last_status", "last_evaluated_at")
    list_filter = ("subject", "period", "active", "last_status")
    search_fields = ("name", "code", "metric", "source")
    readonly_fields = ("last_evaluated_at", "last_status", "last_message")

    @admin.display(description=_("标准"))
    def threshold_shown(self, obj):
        return obj.threshold_display

    @admin.display(description=_("指标状态"))
    def metric_state(self, obj):
        return _("已注册") if obj.metric in quotas.metrics() else _("未注册（不可用）")


@admin.register(QuotaResult)
class QuotaResultAdmin(ScopedAdmin):
    list_display = ("rule", "subject_label", "period_start", "period_end", "value", "threshold", "status",
                    "evaluated_at")
    list_filter = ("status", "subject_kind", "rule", UnitListFilter)
    search_fields_text = ("subject_label",)
    list_select_related = ("rule",)
    date_hierarchy = "period_start"

    def get_search_fields(self, request):
        return ("subject_label",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Development cases ----------------------------------------------------------------------------------------------


class StepInline(admin.TabularInline):
    model = DevelopmentStep
    fields = ("step", "done_on", "organization", "host_organization", "outcome", "opinion", "people")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ("id",)

    @admin.display(description=_("人员"))
    def people(self, obj):
        return "、".join(p.name for p in obj.participants.all())

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization", "host_organization").prefetch_related(
            "participants")


@admin.register(DevelopmentCase)
class DevelopmentCaseAdmin(ScopedAdmin):
    list_display = ("name", "town", "village", "organization", "host_organization", "current_step", "status",
                    "applied_on", "activist_on", "approved_on", "probation_ends_on")
    list_filter = (UnitListFilter, VillageListFilter, "status", "stage", "current_step")
    list_select_related = ("town", "village", "organization", "host_organization")
    autocomplete_fields = ("activist", "worker", "organization", "committee", "cultivating_organization",
                           "host_organization")
    readonly = ("name", "status", "stage", "current_step", "applied_on", "talked_on", "activist_on", "target_on",
                "admitted_on", "approved_on", "probation_ends_on", "extension_months", "full_member_on", "closed_on",
                "close_reason", "member", "due", "next_step")
    inlines = [StepInline]
    actions = None

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = CaseChangeForm if obj is not None else CaseOpenForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(CaseOpenForm._meta.fields)
        return ["name", "activist", "worker", "member", "next_step", "due", "status", "stage", "current_step",
                *CaseChangeForm._meta.fields, "applied_on", "talked_on", "activist_on", "target_on", "admitted_on",
                "approved_on", "probation_ends_on", "extension_months", "full_member_on", "closed_on",
                "close_reason"]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly + ("activist", "worker")

    def get_inlines(self, request, obj):
        return [StepInline] if obj is not None else []

    @admin.display(description=_("到期事项"))
    def due(self, obj):
        items = rules.due_items(obj, list(obj.steps.order_by("id")), rules.Limits.load())
        return format_html_join("；", "{}：{}", ((i.label, f"{i.due_on:%Y-%m-%d}") for i in items)) or "—"

    @admin.display(description=_("下一步"))
    def next_step(self, obj):
        if obj.status != choices.CaseStatus.OPEN:
            return "—"
        allowed = sorted(rules.allowed_next(list(obj.steps.order_by("id"))))
        links = [(reverse("admin:talent_developmentstep_add") + f"?case={obj.pk}&step={n}",
                  choices.Step(n).label) for n in allowed]
        close = reverse("admin:talent_developmentcase_close", args=[obj.pk])
        html = format_html("{} · <a href=\"{}\">{}</a>", format_html_join(" · ", '<a href="{}">{}</a>', links),
                           close, _("终止案卷"))
        last = obj.steps.order_by("-id").first()
        if last is not None and last.step != choices.Step.APPLICATION:
            undo = reverse("admin:talent_developmentstep_undo", args=[last.pk])
            html = format_html('{} · <a href="{}">{}</a>', html, undo, _("撤销最后一步"))
        return html

    def save_model(self, request, obj, form, change):
        if not change:
            data = form.cleaned_data
            case = workflows.development_case_open(
                user=request.user, applied_on=data["application_date"], organization=data["organization"],
                activist=data.get("activist"), worker=data.get("worker"), committee=data.get("committee"),
                cultivating_organization=data.get("cultivating_organization"),
                host_organization=data.get("host_organization"), is_mobile=data.get("is_mobile"),
                notes=data.get("notes", ""), opinion=data.get("opinion", ""))
            for field in case._meta.concrete_fields:
                setattr(obj, field.attname, getattr(case, field.attname))
            obj._state.adding = False
            return
        moved = {"organization", "committee", "cultivating_organization", "host_organization"} & set(form.changed_data)
        if moved:
            data = form.cleaned_data
            workflows.development_case_transfer(
                case=obj, user=request.user, organization=data["organization"] if "organization" in moved else None,
                committee=data.get("committee") if "committee" in moved else None,
                cultivating_organization=data.get("cultivating_organization"),
                host_organization=data.get("host_organization"),
                clear_host="host_organization" in moved and data.get("host_organization") is None)
            obj.refresh_from_db()
        obj.notes, obj.is_mobile = form.cleaned_data.get("notes", ""), form.cleaned_data.get("is_mobile", obj.is_mobile)
        obj.save(update_fields=["notes", "is_mobile"])

    def has_delete_permission(self, request, obj=None):
        return False  # a case is closed with a reason, never deleted

    def get_urls(self):
        extra = [path("<int:pk>/close/", self.admin_site.admin_view(self.close_view),
                      name="talent_developmentcase_close")]
        return extra + super().get_urls()

    def close_view(self, request, pk):
        case = get_object_or_404(self.get_queryset(request), pk=pk)
        if not request.user.has_perm("talent.change_developmentcase"):
            raise PermissionDenied
        form = CaseCloseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                workflows.development_case_close(case=case, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("案卷已终止。"))
                return redirect(reverse("admin:talent_developmentcase_change", args=[case.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": case,
                   "form": form, "title": _("终止发展党员案卷")}
        return render(request, "talent/admin_close.html", context)


class ParticipantInline(admin.TabularInline):
    model = StepParticipant
    fields = ("role", "name", "member", "is_full_member")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(DevelopmentStep)
class DevelopmentStepAdmin(ScopedAdmin):
    form = StepForm
    list_display = ("case", "step", "done_on", "organization", "host_organization", "outcome")
    list_filter = (UnitListFilter, "step", "outcome")
    list_select_related = ("case", "organization", "host_organization")
    search_fields_text = ("case__name",)
    autocomplete_fields = ("case", "organization", "host_organization")
    actions = None
    date_hierarchy = "done_on"

    def get_search_fields(self, request):
        return ("case__name",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm
            kwargs["fields"] = StepForm._meta.fields
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_fields(self, request, obj=None):
        fields = list(StepForm._meta.fields)
        if obj is None:
            fields[fields.index("opinion"):fields.index("opinion")] = ["nomination", "consulted_home",
                                                                       "consulted_residence", "people",
                                                                       "people_names"]
        return fields

    def get_inlines(self, request, obj):
        return [ParticipantInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        record = workflows.development_step_record(case=data["case"], step=data["step"], user=request.user,
                                                   **form.facts)
        for field in record._meta.concrete_fields:
            setattr(obj, field.attname, getattr(record, field.attname))
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass  # the workflow saved the participants

    def has_change_permission(self, request, obj=None):
        return False  # a step is a record of what happened; a wrong last step is undone, with a reason

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        extra = [path("<int:pk>/undo/", self.admin_site.admin_view(self.undo_view),
                      name="talent_developmentstep_undo")]
        return extra + super().get_urls()

    def undo_view(self, request, pk):
        """Undo the last step of a case, with the reason (audited) — ① and approvals written to the members'
        ledger excepted (talent.workflows.development_step_undo)."""
        step = get_object_or_404(self.get_queryset(request).select_related("case"), pk=pk)
        if not request.user.has_perm("talent.undo_developmentstep"):
            raise PermissionDenied
        form = UndoForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                workflows.development_step_undo(step=step, user=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("已撤销该步骤。"))
                return redirect(reverse("admin:talent_developmentcase_change", args=[step.case_id]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": step.case,
                   "step": step, "form": form, "title": _("撤销发展步骤")}
        return render(request, "talent/admin_undo.html", context)


# Talent pipeline ------------------------------------------------------------------------------------------------


class CultivationStageInline(admin.TabularInline):
    model = CultivationStage
    fields = ("stage", "reached_on", "note")
    extra = 0


class ReserveInline(admin.TabularInline):
    model = ReserveCadre
    fields = ("year", "selected_on", "is_returning_worker", "age", "profile_warnings")
    readonly_fields = ("age", "profile_warnings")
    extra = 0


class TalentScopedAdmin(ScopedAdmin):
    list_select_related = ("town", "village")
    list_filter = (UnitListFilter, VillageListFilter)
    search_fields_text = ("talent__name",)

    def get_search_fields(self, request):
        return ("talent__name",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("talent", "founder"):
            kwargs["queryset"] = Talent.objects.restrict(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Talent)
class TalentAdmin(ScopedAdmin):
    list_display = ("name", "town", "village", "education", "skills", "is_returnee", "stage")
    list_filter = (UnitListFilter, VillageListFilter, "stage", "is_returnee", "education")
    list_select_related = ("town", "village")
    search_fields_text = ("name", "skills")
    autocomplete_fields = ("worker", "member", "village")
    fields = ("worker", "member", "name", "birth_date", "village", "education", "skills", "is_returnee",
              "returned_on", "stage", "notes")
    readonly_fields = ("name", "birth_date", "stage")
    inlines = [CultivationStageInline, ReserveInline]

    def get_search_fields(self, request):
        return ("name",)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        workflows.talent_sync(talent=form.instance)


@admin.register(ReserveCadre)
class ReserveCadreAdmin(TalentScopedAdmin):
    list_display = ("talent", "town", "village", "year", "is_returning_worker", "age", "warnings")
    list_filter = (UnitListFilter, VillageListFilter, "year", "is_returning_worker")
    autocomplete_fields = ("talent",)
    fields = ("talent", "year", "selected_on", "is_returning_worker", "age", "profile_warnings", "notes")
    readonly_fields = ("age", "profile_warnings")

    @admin.display(description=_("条件提示"))
    def warnings(self, obj):
        return "；".join(obj.profile_warnings) or "—"


@admin.register(ReturneeVenture)
class ReturneeVentureAdmin(LedgerExcelAdmin, TalentScopedAdmin):
    ledger_kind = "ventures"  # Excel import, template and export of the filtered list
    list_display = ("name", "kind", "founder", "town", "village", "founded_on", "jobs_created", "loans_amount",
                    "subsidies_amount", "is_active")
    list_filter = (UnitListFilter, VillageListFilter, "kind", "is_active")
    search_fields_text = ("name", "founder__name")
    autocomplete_fields = ("founder", "village")

    def get_search_fields(self, request):
        return ("name",)


@admin.register(Appointment)
class AppointmentAdmin(TalentScopedAdmin):
    list_display = ("talent", "kind", "post", "organization_name", "town", "village", "start_on", "end_on")
    list_filter = (UnitListFilter, VillageListFilter, "kind")
    autocomplete_fields = ("talent",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        workflows.talent_sync(talent=obj.talent)


@admin.register(Nomination)
class NominationAdmin(TalentScopedAdmin):
    list_display = ("talent", "kind", "level", "year", "status", "town", "village")
    list_filter = (UnitListFilter, "kind", "level", "year", "status")
    autocomplete_fields = ("talent",)


@admin.register(Award)
class AwardAdmin(TalentScopedAdmin):
    list_display = ("title", "talent", "kind", "level", "awarded_on", "town", "village")
    list_filter = (UnitListFilter, "kind", "level")
    autocomplete_fields = ("talent",)


@admin.register(BranchCommittee)
class BranchCommitteeAdmin(ScopedAdmin):
    list_display = ("organization", "elected_on", "term_ends_on", "members_count", "secretary_name", "town")
    list_filter = (UnitListFilter,)
    list_select_related = ("organization", "town")
    search_fields_text = ("organization__name", "secretary_name")
    autocomplete_fields = ("organization",)

    def get_search_fields(self, request):
        return ("organization__name",)
