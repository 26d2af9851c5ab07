"""The FilterSet base shared by API lists, admin-side pages and exports: ``unit``, ``search``, ``updated_since``."""

import datetime
import re

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zyparty import crypto
from zyparty.units import unit_by_code
from zyparty.validators import normalize_code, normalize_phone, normalize_text

ID_LIKE = re.compile(r"^\d{17}[\dX]$")
LATIN = re.compile(r"^[a-z]{1,20}$")


def unit_filter_q(model, unit):
    """Records at ``unit`` and everything under it, by the record's cached county/town/village key."""
    field = {"county": "county", "town": "town", "village": "village"}[unit.level]
    path = getattr(model, "scope_paths", {}).get(field)
    if path is None:
        return Q(pk__in=[])  # a record kept above that level (e.g. an enterprise under a village) is not "under" it
    return Q(**{"pk" if path == "pk" else f"{path}_id": unit.pk})


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time compared in UTC. ISO 8601 and Python allow offsets up to ±23:59, PostgreSQL only ±15:59
    (``updated_since=2025-01-01T00:00+17:30`` was a 500 there, found by zyparty/tests/test_security_api_fuzz.py); an
    instant outside the calendar in UTC (year 1 ahead of UTC, year 9999 behind it) is the calendar's edge."""

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            try:
                value = value.astimezone(datetime.timezone.utc)
            except OverflowError:
                edge = datetime.datetime.min if value.year < 5000 else datetime.datetime.max
                value = edge.replace(tzinfo=datetime.timezone.utc)
        return super().filter(qs, value)


class BaseFilterSet(django_filters.FilterSet):
    unit = django_filters.CharFilter(method="filter_unit", label=_("区划代码（含下级）"))
    search = django_filters.CharFilter(method="filter_search", label=_("搜索"))
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte",
                                                     label=_("更新时间不早于（ISO 8601）"))

    # Text fields searched by "contains"; people also match pinyin initials and exact ID number or phone.
    search_fields: tuple = ("name",)
    person_search = False

    # A year is a whole number a calendar can hold: ``year=5.8e16`` is a 400 from the form field, not an
    # OverflowError when the database backend turns it into a date range (found by zyparty/tests/
    # test_security_api_fuzz.py; Python's datetime.MAXYEAR is 9999).
    YEAR_BOUNDS = {"min_value": 1, "max_value": 9999, "decimal_places": 0}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for declared in self.filters.values():
            if isinstance(declared, django_filters.NumberFilter) and declared.lookup_expr == "year":
                declared.extra.update(self.YEAR_BOUNDS)

    def filter_unit(self, queryset, name, value):
        unit = unit_by_code(normalize_code(value))
        if unit is None:
            return queryset.none()
        return queryset.filter(unit_filter_q(queryset.model, unit))

    def filter_search(self, queryset, name, value):
        text = normalize_text(value)
        if not text:
            return queryset
        code = normalize_code(text)
        if self.person_search and ID_LIKE.match(code):
            return queryset.filter(id_digest=crypto.digest(code))
        phone = normalize_phone(text)
        if self.person_search and phone.isdigit() and len(phone) == 11:
            return queryset.filter(phone_digest=crypto.digest(phone))
        q = Q()
        for field in self.search_fields:
            q |= Q(**{f"{field}__icontains": text})
        if LATIN.match(text.lower()) and hasattr(queryset.model, "name_initials"):
            q |= Q(name_initials__startswith=text.lower())
        return queryset.filter(q)
