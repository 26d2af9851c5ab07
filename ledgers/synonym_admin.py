"""取值同义词 in the admin (issue 14: "the county's own synonyms, data, editable in the admin").

Everyone who may read them sees the built-in synonyms and those of their own county; a county's staff edit their
county's rows only (the scoping layer judges every save, ScopedAdmin); the built-in rows are read-only to all but a
superuser. Every change is audited like any other record (TrackedModel).
"""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledgers.matching import normalise
from ledgers.models import ValueSynonym
from organizations.models import Unit
from zyparty import scoping
from zyparty.admin import ScopedAdmin

BUILTIN = "builtin"


def visible_county_ids(user):
    """The counties whose synonyms ``user`` reads: those their scope lies in (a town clerk reads their county's
    synonyms, which apply to their imports); None for everything."""
    scope = scoping.scope_of(user)
    if scope.everything:
        return None
    ids = set(scope.county)
    places = scope.town | scope.village
    if places:
        ids |= set(Unit.objects.filter(pk__in=places).values_list("county_id", flat=True))
    return ids


class SynonymCountyFilter(admin.SimpleListFilter):
    title = _("县")
    parameter_name = "county"

    def lookups(self, request, model_admin):
        counties = Unit.objects.filter(level="county")
        visible = visible_county_ids(request.user)
        if visible is not None:
            counties = counties.filter(pk__in=visible)
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

    def get_queryset(self, request):
        # The scoping layer would show a county's staff their county's rows only; the built-in rows apply to them
        # too and are shown beside (read-only: has_change_permission).
        queryset = admin.ModelAdmin.get_queryset(self, request)
        counties = visible_county_ids(request.user)
        if counties is None:
            return queryset
        return queryset.filter(Q(county__isnull=True) | Q(county_id__in=counties))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(word__icontains=term) | Q(normalised__contains=normalise(term))), False

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
