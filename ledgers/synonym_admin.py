"""取值同义词 in the admin (issue 14: "the county's own synonyms, data, editable in the admin").

A county's rows are seen and edited through the scoping layer like every record (ScopedAdmin; ``scope_paths`` name
the county only, so a county's staff reach them, a town clerk does not); the built-in rows are shown to everyone who
may read synonyms, after the county's own, and are read-only to all but a superuser. Every change is audited like
any other record (TrackedModel).
"""

from django.contrib import admin
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ledgers.matching import normalise
from ledgers.models import ValueSynonym
from organizations.models import Unit
from zyparty import scoping
from zyparty.admin import ScopedAdmin

BUILTIN = "builtin"


class SynonymCountyFilter(admin.SimpleListFilter):
    title = _("县")
    parameter_name = "county"

    def lookups(self, request, model_admin):
        counties = Unit.objects.restrict(request.user).filter(level="county")
        return [(BUILTIN, _("内置（各县通用）")), *((str(u.pk), u.name) for u in counties.only("pk", "name"))]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == BUILTIN:
            return queryset.filter(county__isnull=True)
        return queryset.filter(county_id=value) if value.isdigit() else queryset.none()


@admin.register(ValueSynonym)
class ValueSynonymAdmin(ScopedAdmin):
    list_display = ("word", "column", "target_display", "county_display", "updated_by", "updated_at")
    list_filter = ("column", SynonymCountyFilter)
    list_select_related = ("county", "updated_by")
    fields = ("county", "column", "word", "target")
    search_fields = ("word",)
    # The county's own words first: they are the ones its staff keep, the built-in ones follow.
    ordering = (F("county").asc(nulls_last=True), "column", "normalised")

    def get_queryset(self, request):
        # The built-in rows apply to every county: shown beside the rows the scoping layer lets the user reach
        # (read-only: has_change_permission).
        queryset = admin.ModelAdmin.get_queryset(self, request)  # ScopedAdmin's would restrict to the scope alone
        return scoping.restrict(queryset, request.user) | queryset.filter(county__isnull=True)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        wanted = Q(word__icontains=term)
        if normalise(term):  # 居民服务业 also finds 居民服务、修理业; punctuation alone would find everything
            wanted |= Q(normalised__contains=normalise(term))
        return queryset.filter(wanted), False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not self._may_write(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not self._may_write(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    @staticmethod
    def _may_write(request, obj):
        if obj.county_id is None:
            return request.user.is_superuser
        return scoping.permits(request.user, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        county = form.base_fields.get("county")
        if county is not None and not request.user.is_superuser:
            # Only a superuser keeps the built-in synonyms: everyone else writes for a county, by default their own.
            county.required = True
            own = getattr(request.user, "unit", None)
            if obj is None and own is not None:
                county.initial = own.pk if own.level == "county" else own.county_id
        return form

    @admin.display(description=_("对应为"), ordering="target")
    def target_display(self, obj):
        return obj.target_label

    @admin.display(description=_("县"), ordering="county__name")
    def county_display(self, obj):
        return obj.county.name if obj.county_id else _("内置（各县通用）")
