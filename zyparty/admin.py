"""Admin bases: every changelist and form goes through the scoping layer, personal data is masked in lists and
forms, stale edits are refused, and searches understand ID numbers, phones and pinyin initials."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from zyparty import audit, scoping
from zyparty.fields import EncryptedTextField
from zyparty.api.serializers import fill_ancestry, scoped_choices
from zyparty.filters import BaseFilterSet
from zyparty.models import AuditAction, AuditEntry

SCOPE_ERROR = _lazy("该记录不在您的管辖范围内：请选择您所辖的乡镇、村（社区）或组织。")
STALE_ERROR = _lazy("该记录在您打开之后已被他人修改（当前版本 %(current)s，您打开的是 %(loaded)s）。请刷新页面，核对后重新填写。")


class UnitListFilter(admin.SimpleListFilter):
    """Town or village, limited to the units the user may see; also answers ``?unit=<code>`` links."""

    title = _lazy("乡镇（街道）")
    parameter_name = "unit"
    level = "town"

    def lookups(self, request, model_admin):
        from organizations.models import Unit

        units = Unit.objects.restrict(request.user).filter(level=self.level)
        if self.level == "village":
            town = request.GET.get("unit", "")
            units = units.filter(code__startswith=town[:9]) if len(town) >= 9 else units.none()
        return [(u.code, u.name) for u in units.only("code", "name")[:400]]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        from organizations.models import Unit
        from zyparty.filters import unit_filter_q

        unit = Unit.objects.filter(code=value).first()
        return queryset.filter(unit_filter_q(queryset.model, unit)) if unit else queryset.none()


class VillageListFilter(UnitListFilter):
    title = _lazy("村（社区）")
    parameter_name = "village_code"
    level = "village"

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(village__code=value)


def keep_current_links(fields, obj):
    """A record's existing links stay valid choices when it is edited: keeping a link is not attaching the record
    to something outside the editor's scope (a village liaison edits a member whose branch belongs to the town)."""
    for name, field in fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None or getattr(queryset.model, "scope_paths", None) is None:
            continue
        try:
            model_field = obj._meta.get_field(name)
        except FieldDoesNotExist:  # a form field that is not a model field
            continue
        if model_field.many_to_many:
            current = list(getattr(obj, name).values_list("pk", flat=True)) if obj.pk else []
        elif model_field.is_relation and model_field.concrete:
            current = [v for v in [getattr(obj, model_field.attname)] if v is not None]
        else:
            continue
        if current:
            field.queryset = queryset | queryset.model._default_manager.filter(pk__in=current)


def scoped_form(form_class, user, obj):
    """Wrap an admin form so that saving outside the user's scope, or over someone else's newer edit, is refused."""

    class ScopedForm(form_class):
        loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if obj is not None and hasattr(obj, "version"):
                self.fields["loaded_version"].initial = obj.version
            if obj is not None:
                keep_current_links(self.fields, obj)

        def _post_clean(self):
            super()._post_clean()
            if self.errors:
                return
            if not scoping.permits(user, fill_ancestry(self.instance)):
                self.add_error(None, SCOPE_ERROR)
            loaded = self.cleaned_data.get("loaded_version")
            if obj is not None and loaded and hasattr(obj, "version"):
                # Locked until the save commits (the admin's change view is one transaction): no third edit can
                # slip in between this check and the save.
                current = (type(obj)._base_manager.select_for_update().filter(pk=obj.pk)
                           .values_list("version", flat=True).first())
                if current is not None and current != loaded:
                    self.add_error(None, STALE_ERROR % {"current": current, "loaded": loaded})

    return ScopedForm


class MaskedInputMixin:
    """Personal fields show their masked value in the form; leaving it unchanged keeps the stored value."""

    masked_inputs: dict = {}  # field name → attribute holding the masked value (or a callable of the object)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        masked = dict(self.masked_inputs)
        if obj is None or not masked:
            return form

        class MaskedForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                for name, source in masked.items():
                    if name in self.fields:
                        shown = source(obj) if callable(source) else getattr(obj, source)
                        self.initial[name] = shown
                        self.fields[name].help_text = _("已脱敏显示；如需更正请整项重新填写。")

            def clean(self):
                data = super().clean()
                for name, source in masked.items():
                    shown = source(obj) if callable(source) else getattr(obj, source)
                    if name in data and data[name] == shown:
                        data[name] = getattr(obj, name)
                        setattr(self.instance, name, getattr(obj, name))
                return data

        return MaskedForm


class MaskedPhonesAdmin(MaskedInputMixin):
    """Admin for records that hold a cadre's or a user's phone (``EncryptedPhones`` models): the edit form shows the
    masked phone (retype it to change it), and a page the user may only view shows the masked copy instead."""

    formfield_overrides = {EncryptedTextField: {"widget": forms.TextInput(attrs={"size": 20})}}

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        swap = dict(self.masked_inputs)
        return [(name, {**options, "fields": [swap.get(f, f) for f in options.get("fields", ())]})
                for name, options in fieldsets]


class _ValidKeysOnly:
    """Django's autocomplete widgets look the selected keys up again when a form is shown with its errors; a
    submitted value that is no key at all (typed or forged: ``abc``) raised there — a 500 instead of the field's own
    "选择一个有效的选项" error. Values that are not valid keys are dropped before that lookup."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        valid = []
        for item in value:
            try:
                target.to_python(item)
            except (ValidationError, ValueError, TypeError):
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class SafeAutocompleteSelect(_ValidKeysOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_ValidKeysOnly, AutocompleteSelectMultiple):
    pass


class ScopedAdmin(admin.ModelAdmin):
    """Base of every admin for scoped records."""

    filterset_class = BaseFilterSet
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over the whole county on every page
    search_fields = ("name",)  # enables the search box and autocomplete; the search itself is get_search_results

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            # Another form asks which of these records it may link to: the same choices its form field accepts.
            return scoped_choices(queryset, request.user)
        return queryset.restrict(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"]:
            # The version field is the form's own (scoped_form), not the model's.
            kwargs["fields"] = [name for name in kwargs["fields"] if name != "loaded_version"]
        form = super().get_form(request, obj, change=change, **kwargs)
        return scoped_form(form, request.user, obj)

    def get_fieldsets(self, request, obj=None):
        """The hidden version field rides in the first fieldset, so the page posts back the version it showed."""
        fieldsets = list(super().get_fieldsets(request, obj))
        editable = self.has_change_permission(request, obj) if obj is not None else self.has_add_permission(request)
        if not fieldsets or not editable or "loaded_version" in flatten_fieldsets(fieldsets):
            return fieldsets
        name, options = fieldsets[0]
        fieldsets[0] = (name, {**options, "fields": [*options.get("fields", ()), "loaded_version"]})
        return fieldsets

    def save_model(self, request, obj, form, change):
        # The form refused out-of-scope records with a message; this is the guard on what was actually stored.
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not scoping.permits(request.user, obj):
                raise PermissionDenied(SCOPE_ERROR)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The submitted id is validated against this queryset, autocomplete widget or not: a record outside the
        # user's scope "does not exist" (SECURITY.md "scope").
        related = db_field.related_model
        if getattr(related, "scope_paths", None) is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scoped_choices(related._default_manager.all(), request.user)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model
        if getattr(related, "scope_paths", None) is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scoped_choices(related._default_manager.all(), request.user)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        filterset = self.filterset_class(data={}, queryset=queryset)
        filterset.search_fields = getattr(self, "search_fields_text", filterset.search_fields)
        return filterset.filter_search(queryset, "search", search_term), False

    def get_search_fields(self, request):
        return ("name",)


class PersonAdmin(MaskedInputMixin, ScopedAdmin):
    """Admin for people: masked ID numbers and phones, unmasking with a stated reason (audited)."""

    masked_inputs = {"id_number": "id_masked", "phone": "phone_masked"}
    readonly_fields = ("gender", "birth_date", "updated_at", "updated_by")

    @admin.display(description=_lazy("身份证号"), ordering="id_digest")
    def id_number_masked(self, obj):
        return obj.id_masked

    @admin.display(description=_lazy("联系电话"))
    def phone_number_masked(self, obj):
        return obj.phone_masked

    @admin.display(description=_lazy("明文"))
    def unmask_link(self, obj):
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_unmask", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("查看"))

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        from ledgers.permissions import UNMASK

        if request.user.has_perm(UNMASK) and "unmask_link" not in columns:
            columns.append("unmask_link")
        return columns

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        extra = [path("<path:object_id>/unmask/", self.admin_site.admin_view(self.unmask_view),
                      name="%s_%s_unmask" % info)]
        return extra + super().get_urls()

    def unmask_view(self, request, object_id):
        """Shows the clear ID number, phone and family notes after the user states why (PIPL Art. 28, 51)."""
        from ledgers.permissions import UNMASK

        if not (request.user.has_perm(UNMASK) and self.has_view_permission(request)):
            raise PermissionDenied
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        fields = []
        for name in obj.personal_fields:
            field = obj._meta.get_field(name)
            value = getattr(obj, f"get_{name}_display")() if field.choices else getattr(obj, name)
            fields.append((field.verbose_name, value))
        revealed = None
        reason = (request.POST.get("reason") or "").strip()
        if request.method == "POST":
            if len(reason) < 2:
                messages.error(request, _("请填写查看事由。"))
            else:
                audit.record(AuditAction.UNMASK, obj, detail=reason)
                revealed = fields
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": obj,
                   "revealed": revealed, "reason": reason, "title": _("查看个人信息明文")}
        response = render(request, "admin/unmask.html", context)
        response["Cache-Control"] = "no-store"
        return response


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The auditor reads and searches the trail here, and checks its hash chain; nobody can add, change or delete
    entries (SECURITY.md "audit"; 等保三级 8.1.4.3 安全审计 c/d: records protected, analysable)."""

    change_list_template = "admin/zyparty/auditentry/change_list.html"
    list_display = ("at", "actor_name", "actor_role", "action", "object_type", "object_repr", "result", "ip",
                    "request_id")
    list_filter = ("action", "result", "actor_role", "channel", ("at", admin.DateFieldListFilter))
    search_fields = ("actor_name", "object_repr", "object_id", "request_id", "ip", "detail")
    date_hierarchy = "at"
    list_per_page = 100
    show_full_result_count = False
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        extra = [path("verify/", self.admin_site.admin_view(self.verify_view), name="%s_%s_verify" % info)]
        return extra + super().get_urls()

    def verify_view(self, request):
        """Recompute the hash chain and show the first entry that was changed, inserted or removed."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        ok, bad_id = audit.verify_chain()
        audit.record(AuditAction.SYSTEM, AuditEntry, detail="verify_chain " + ("ok" if ok else f"broken at {bad_id}"),
                     result="success" if ok else "failure")
        bad = AuditEntry.objects.filter(pk=bad_id).first() if bad_id else None
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "ok": ok, "bad": bad,
                   "bad_id": bad_id, "count": AuditEntry.objects.count(), "title": _("校验审计日志完整性")}
        return render(request, "admin/zyparty/auditentry/verify.html", context)


# Django's groups and per-user permissions are not used: permissions come from the one role (organizations.roles).
admin.site.unregister(Group)
