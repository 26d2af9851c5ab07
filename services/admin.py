"""Admin of the services app. Every list and form goes through the scoping layer (ScopedAdmin); saves that keep
other records in step (a case's status, a member's org-life and dues dates, certificates, transfers) go through
services.workflows, the same functions the API calls. Co-management records link to the person record page
(/services/people/member/<id>/), where the home side reads them together."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ledgers.admin import LedgerExcelAdmin
from organizations.models import PartyOrganization
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
from zyparty.admin import ScopedAdmin, UnitListFilter
from zyparty.api.serializers import scoped_choices


def member_link(member):
    if member is None:
        return ""
    return format_html('<a href="{}">{}</a>', reverse("services:member-record", args=[member.pk]), member.name)


class HistoryInline(admin.TabularInline):
    """A read-only trail (case events, transfer events)."""

    extra = 0
    can_delete = False
    fields = ("at", "from_status", "status", "by", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ScopedInline(admin.TabularInline):
    """An inline whose rows and choices go through the scoping layer, like ScopedAdmin."""

    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if getattr(related, "scope_paths", None) is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scoped_choices(related._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def codes_field(choices_, label):
    return forms.MultipleChoiceField(choices=choices_, widget=forms.CheckboxSelectMultiple, label=label,
                                     required=False)


# Liaison ---------------------------------------------------------------------------------------------------------

class LiaisonForm(forms.ModelForm):
    topics = codes_field(choices.LiaisonTopic.choices, _("交流内容"))

    class Meta:
        model = LiaisonRecord
        fields = ("town", "host_organization", "organization", "held_on", "channel", "topics", "participants",
                  "summary", "follow_ups")


@admin.register(LiaisonRecord)
class LiaisonRecordAdmin(LedgerExcelAdmin, ScopedAdmin):
    ledger_kind = "liaisons"  # Excel import, template and export of the filtered list
    form = LiaisonForm
    list_display = ("held_on", "town", "host_organization", "organization", "channel", "topics_display")
    list_filter = (UnitListFilter, "channel", "host_organization", ("held_on", admin.DateFieldListFilter))
    search_fields_text = ("summary", "follow_ups", "participants")
    autocomplete_fields = ("town", "host_organization", "organization")
    list_select_related = ("town", "host_organization", "organization")
    date_hierarchy = "held_on"

    @admin.display(description=_("交流内容"))
    def topics_display(self, obj):
        return obj.get_topics_display()

    def get_search_fields(self, request):
        return ("summary",)


# Service cases ---------------------------------------------------------------------------------------------------

class ServiceCaseEventInline(HistoryInline):
    model = ServiceCaseEvent


class ServiceCaseForm(forms.ModelForm):
    transition_to = forms.ChoiceField(label=_("办理状态变更为"), required=False,
                                      choices=[("", "—")] + list(choices.CaseStatus.choices))
    transition_note = forms.CharField(label=_("办理说明"), required=False, max_length=500,
                                      help_text=_("终止、转办须说明原因或转办单位。"))

    class Meta:
        model = ServiceCase
        fields = ("title", "kind", "channel", "worker", "member", "applicant_name", "town", "village", "organization",
                  "handler", "opened_on", "description", "amount_claimed", "amount_recovered", "outcome")

    def clean(self):
        data = super().clean()
        status = data.get("transition_to")
        if status and self.instance.pk:
            try:
                workflows.check_case_transition(self.instance, status, note=data.get("transition_note", ""),
                                                amount_recovered=data.get("amount_recovered"))
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    target = {"status": "transition_to", "note": "transition_note"}.get(field, field)
                    self.add_error(target if target in self.fields else None, messages)
        return data


@admin.register(ServiceCase)
class ServiceCaseAdmin(LedgerExcelAdmin, ScopedAdmin):
    ledger_kind = "cases"  # Excel import, template and export of the filtered list
    form = ServiceCaseForm
    inlines = (ServiceCaseEventInline,)
    list_display = ("opened_on", "title", "display_name", "kind", "channel", "status", "town", "handler",
                    "amount_recovered")
    list_filter = (UnitListFilter, "status", "kind", "channel", ("opened_on", admin.DateFieldListFilter))
    search_fields_text = ("title", "applicant_name", "description")
    autocomplete_fields = ("worker", "member", "town", "village", "organization", "handler")
    list_select_related = ("town", "handler", "worker", "member")
    readonly_fields = ("status", "closed_on")
    date_hierarchy = "opened_on"

    @admin.display(description=_("申请人"))
    def display_name(self, obj):
        return obj.display_name

    def get_fieldsets(self, request, obj=None):
        main = ("title", "kind", "channel", "worker", "member", "applicant_name", "town", "village", "organization",
                "handler", "opened_on", "description")
        result = ("amount_claimed", "amount_recovered", "outcome")
        sets = [(None, {"fields": main}), (_("结果"), {"fields": result})]
        if obj is not None:
            sets.append((_("办理"), {"fields": ("status", "closed_on", "transition_to", "transition_note")}))
        return sets

    def get_search_fields(self, request):
        return ("title",)

    def save_model(self, request, obj, form, change):
        if not change:
            workflows.service_case_open(user=request.user, case=obj)
            return
        obj.save()
        status = form.cleaned_data.get("transition_to")
        if status:
            workflows.service_case_transition(case=obj, status=status, user=request.user,
                                              note=form.cleaned_data.get("transition_note", ""),
                                              amount_recovered=form.cleaned_data.get("amount_recovered"))


# Trainings -------------------------------------------------------------------------------------------------------

class TrainingAttendeeInline(ScopedInline):
    model = TrainingAttendee
    fields = ("worker", "member", "organization", "name", "certificate_no")
    autocomplete_fields = ("worker", "member", "organization")


@admin.register(Training)
class TrainingAdmin(LedgerExcelAdmin, ScopedAdmin):
    ledger_kind = "trainings"  # Excel import, template and export of the filtered list
    inlines = (TrainingAttendeeInline,)
    list_display = ("held_on", "title", "kind", "county", "town", "organizer", "hours")
    list_filter = ("kind", UnitListFilter, ("held_on", admin.DateFieldListFilter))
    search_fields = ("title",)
    search_fields_text = ("title", "organizer", "location")
    autocomplete_fields = ("county", "town")
    list_select_related = ("county", "town")
    fields = ("title", "kind", "held_on", "ended_on", "county", "town", "organizer", "location", "hours", "summary")
    date_hierarchy = "held_on"

    def get_search_fields(self, request):
        return ("title",)


@admin.register(TrainingAttendee)
class TrainingAttendeeAdmin(LedgerExcelAdmin, ScopedAdmin):
    ledger_kind = "attendees"  # Excel import, template and export of the filtered list
    list_display = ("name", "training", "organization", "certificate_no", "town")
    list_filter = (UnitListFilter, "training__kind")
    search_fields_text = ("name", "certificate_no")
    autocomplete_fields = ("training", "worker", "member", "organization")
    list_select_related = ("training", "organization", "town")
    fields = ("training", "worker", "member", "organization", "name", "certificate_no")


# Employment ------------------------------------------------------------------------------------------------------

@admin.register(JobFair)
class JobFairAdmin(LedgerExcelAdmin, ScopedAdmin):
    ledger_kind = "job_fairs"  # Excel import, template and export of the filtered list
    list_display = ("held_on", "title", "county", "town", "enterprises_count", "positions_offered", "attendance",
                    "intents_signed")
    list_filter = (UnitListFilter, ("held_on", admin.DateFieldListFilter))
    search_fields = ("title",)
    search_fields_text = ("title", "location", "organizer")
    autocomplete_fields = ("county", "town")
    list_select_related = ("county", "town")
    fields = ("title", "held_on", "county", "town", "location", "organizer", "enterprises_count",
              "positions_offered", "attendance", "intents_signed")

    def get_search_fields(self, request):
        return ("title",)


@admin.register(EmploymentAgreement)
class EmploymentAgreementAdmin(LedgerExcelAdmin, ScopedAdmin):
    ledger_kind = "agreements"  # Excel import, template and export of the filtered list
    list_display = ("signed_on", "enterprise", "town", "village", "positions", "workers_placed", "valid_until")
    list_filter = (UnitListFilter, ("signed_on", admin.DateFieldListFilter))
    search_fields_text = ("enterprise__name", "terms")
    autocomplete_fields = ("enterprise", "town", "village", "job_fair")
    list_select_related = ("enterprise", "town", "village")
    fields = ("enterprise", "town", "village", "job_fair", "signed_on", "valid_until", "positions", "workers_placed",
              "terms")

    def get_search_fields(self, request):
        return ("terms",)


# Outreach, lessons, funding --------------------------------------------------------------------------------------

class CampaignForm(forms.ModelForm):
    activities = codes_field(choices.OutreachActivity.choices, _("活动形式"))

    class Meta:
        model = OutreachCampaign
        fields = ("festival", "year", "title", "town", "village", "held_from", "held_to", "activities",
                  "people_reached", "opinions_collected", "problems", "summary")


@admin.register(OutreachCampaign)
class OutreachCampaignAdmin(ScopedAdmin):
    form = CampaignForm
    list_display = ("held_from", "title", "festival", "year", "town", "village", "people_reached")
    list_filter = ("festival", "year", UnitListFilter)
    search_fields = ("title",)
    search_fields_text = ("title", "summary", "problems")
    autocomplete_fields = ("town", "village")
    list_select_related = ("town", "village")

    def get_search_fields(self, request):
        return ("title",)


@admin.register(VideoLesson)
class VideoLessonAdmin(ScopedAdmin):
    list_display = ("held_on", "title", "speaker", "organization", "town", "attendance_count")
    list_filter = (UnitListFilter, ("held_on", admin.DateFieldListFilter))
    search_fields = ("title",)
    search_fields_text = ("title", "speaker")
    autocomplete_fields = ("county", "town", "organization", "attendees")
    list_select_related = ("organization", "town")
    fields = ("title", "held_on", "county", "town", "organization", "speaker", "platform", "attendance_count",
              "attendees")

    def get_search_fields(self, request):
        return ("title",)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        lesson = form.instance
        named = lesson.attendees.count()
        if lesson.attendance_count < named:
            lesson.attendance_count = named
            lesson.save(update_fields=["attendance_count"])


@admin.register(Funding)
class FundingAdmin(ScopedAdmin):
    list_display = ("year", "organization", "amount", "source", "purpose", "granted_on", "town")
    list_filter = ("year", "source", UnitListFilter)
    search_fields_text = ("purpose", "organization__name")
    autocomplete_fields = ("organization",)
    list_select_related = ("organization", "town")
    fields = ("organization", "year", "amount", "source", "purpose", "granted_on")

    def get_search_fields(self, request):
        return ("purpose",)


# Co-management ---------------------------------------------------------------------------------------------------

class PersonLinkedAdmin(ScopedAdmin):
    person_field = "member"
    search_fields_text = ("member__name",)

    @admin.display(description=_("党员"))
    def person_link(self, obj):
        return member_link(obj.member)

    def get_search_fields(self, request):
        return (f"{self.person_field}__name",)


@admin.register(OrgLifeRecord)
class OrgLifeRecordAdmin(PersonLinkedAdmin):
    list_display = ("held_on", "person_link", "kind", "attended", "host_organization", "organization", "town")
    list_filter = (UnitListFilter, "kind", "attended", "host_organization", ("held_on", admin.DateFieldListFilter))
    autocomplete_fields = ("member", "host_organization", "organization")
    list_select_related = ("member", "host_organization", "organization", "town")
    fields = ("member", "host_organization", "organization", "held_on", "kind", "topic", "attended",
              "absence_reason")

    def save_model(self, request, obj, form, change):
        workflows.org_life_record_save(user=request.user, record=obj)

    def delete_model(self, request, obj):
        workflows.org_life_record_delete(user=request.user, record=obj)

    def delete_queryset(self, request, queryset):
        for record in queryset:
            workflows.org_life_record_delete(user=request.user, record=record)


@admin.register(DuesPayment)
class DuesPaymentAdmin(PersonLinkedAdmin):
    list_display = ("month", "person_link", "months", "amount", "paid_on", "place", "host_organization", "town")
    list_filter = (UnitListFilter, "place", "host_organization")
    autocomplete_fields = ("member", "host_organization")
    list_select_related = ("member", "host_organization", "town")
    fields = ("member", "month", "months", "amount", "paid_on", "place", "host_organization", "receipt_no")

    def save_model(self, request, obj, form, change):
        workflows.dues_payment_save(user=request.user, payment=obj)

    def delete_model(self, request, obj):
        workflows.dues_payment_delete(user=request.user, payment=obj)

    def delete_queryset(self, request, queryset):
        for payment in queryset:
            workflows.dues_payment_delete(user=request.user, payment=payment)


@admin.register(MemberEvaluation)
class MemberEvaluationAdmin(PersonLinkedAdmin):
    list_display = ("year", "half", "person_link", "rating", "host_organization", "evaluated_on", "town")
    list_filter = (UnitListFilter, "year", "half", "rating", "host_organization")
    autocomplete_fields = ("member", "host_organization")
    list_select_related = ("member", "host_organization", "town")
    fields = ("member", "host_organization", "year", "half", "rating", "opinion", "evaluated_on")


@admin.register(ActivistInspection)
class ActivistInspectionAdmin(PersonLinkedAdmin):
    person_field = "activist"
    search_fields_text = ("activist__name", "opinion")
    list_display = ("inspected_on", "activist_link", "conclusion", "organization", "host_organization", "town")
    list_filter = (UnitListFilter, "conclusion", "host_organization")
    autocomplete_fields = ("activist", "organization", "host_organization")
    list_select_related = ("activist", "organization", "host_organization", "town")
    fields = ("activist", "organization", "host_organization", "inspected_on", "opinion", "conclusion")

    @admin.display(description=_("入党积极分子"))
    def activist_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("services:activist-record", args=[obj.activist_id]),
                           obj.activist.name)


# Mobile members --------------------------------------------------------------------------------------------------

class CertificateForm(forms.ModelForm):
    revoke_reason_input = forms.CharField(label=_("收回原因"), required=False, max_length=200,
                                          help_text=_("填写后保存即收回该证。"))

    class Meta:
        model = MobileCertificate
        fields = ("member", "number", "issued_on", "valid_until")


@admin.register(MobileCertificate)
class MobileCertificateAdmin(PersonLinkedAdmin):
    form = CertificateForm
    list_display = ("number", "person_link", "issued_on", "valid_until", "revoked", "town")
    list_filter = (UnitListFilter, "revoked")
    search_fields_text = ("number", "member__name")
    autocomplete_fields = ("member",)
    list_select_related = ("member", "town")
    readonly_fields = ("revoked", "revoked_on", "revoke_reason")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("member", "number", "issued_on", "valid_until")
        extra = () if obj.revoked else ("revoke_reason_input",)
        return ("member", "number", "issued_on", "valid_until", "revoked", "revoked_on", "revoke_reason") + extra

    def save_model(self, request, obj, form, change):
        if not change:
            workflows.certificate_issue(user=request.user, certificate=obj)
            return
        obj.save()
        reason = form.cleaned_data.get("revoke_reason_input")
        if reason:
            workflows.certificate_revoke(user=request.user, certificate=obj, reason=reason)


class TransferEventInline(HistoryInline):
    model = RelationTransferEvent


class TransferForm(forms.ModelForm):
    decision = forms.ChoiceField(label=_("办理"), required=False,
                                 choices=[("", "—")] + choices.TRANSFER_DECISION_CHOICES)
    decision_note = forms.CharField(label=_("办理说明"), required=False, max_length=500,
                                    help_text=_("退回须说明原因。"))

    class Meta:
        model = RelationTransfer
        fields = ("member", "from_organization", "to_organization", "destination_code", "receiving_org_name",
                  "requested_on", "reason")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        status = data.get("decision")
        if status and self.instance.pk:
            try:
                workflows.check_transfer_decision(self.instance, status, user=self.user,
                                                  note=data.get("decision_note", ""))
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    target = {"status": "decision", "note": "decision_note"}.get(field, field)
                    self.add_error(target if target in self.fields else None, messages)
        return data


@admin.register(RelationTransfer)
class RelationTransferAdmin(PersonLinkedAdmin):
    form = TransferForm
    inlines = (TransferEventInline,)
    list_display = ("requested_on", "person_link", "from_organization", "destination_label", "status", "decided_on")
    list_filter = ("status",)
    search_fields_text = ("member__name", "receiving_org_name")
    autocomplete_fields = ("member", "from_organization")
    list_select_related = ("member", "from_organization", "to_organization")
    readonly_fields = ("status", "decided_on")

    @admin.display(description=_("转往"))
    def destination_label(self, obj):
        return obj.destination_label

    def get_fields(self, request, obj=None):
        base = ("member", "from_organization", "to_organization", "destination_code", "receiving_org_name",
                "requested_on", "reason")
        if obj is None:
            return base
        extra = ("decision", "decision_note") if obj.status == choices.TransferStatus.REQUESTED else ()
        return base + ("status", "decided_on") + extra

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != choices.TransferStatus.REQUESTED:
            return ("member", "from_organization", "to_organization", "destination_code", "receiving_org_name",
                    "requested_on", "reason", "status", "decided_on")
        return self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=request.user, **kw)

        return WithUser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "to_organization":
            # Transfers go to other towns' organizations by nature: the whole county may receive (see the API).

            if not scoping.scope_of(request.user).everything:
                unit = getattr(request.user, "unit", None)
                kwargs["queryset"] = PartyOrganization.objects.filter(
                    is_active=True, county_id=getattr(unit, "county_id", None))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            workflows.transfer_request(user=request.user, transfer=obj)
            return
        obj.save()
        status = form.cleaned_data.get("decision")
        if status:
            workflows.transfer_decide(user=request.user, transfer=obj, status=status,
                                      note=form.cleaned_data.get("decision_note", ""))
