"""A county's synonyms from the database, and the matchers an import uses for its coded columns (issue 14).

The import engine calls, once per import (one query for every coded column)::

    matchers = matchers_for(ctx.county, {"从事行业": "industry", "返乡意向": "return_intention", ...},
                            options={"villages": unit_options(villages)}, required=("组织关系所在党组织",))
    result = matchers["返乡意向"].match(cell_text)

and the preview saves a clerk's mapping as the county's synonyms with :func:`save_synonyms` (for those entitled,
:func:`may_edit_synonyms`; each row saved is an audited change like any other record).
"""

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledgers.matching import CHOICE_CLASSES, ColumnMatcher, choice_options, normalise
from ledgers.models import ValueSynonym
from organizations.models import Unit
from zyparty import scoping

EDIT_PERMISSIONS = ("ledgers.add_valuesynonym", "ledgers.change_valuesynonym")


def county_id_of(county) -> int | None:
    """The county's id from a unit of any level (the import's own unit), a county id, or None."""
    if county is None:
        return None
    if isinstance(county, Unit):
        return county.pk if county.level == "county" else county.county_id
    return int(county)


def synonyms_for(county, column_keys: Iterable) -> dict:
    """``{column key: {normalised word: target code}}``: the built-in synonyms, then the county's own overriding
    them word by word; one query for all the columns. Words are normalised here again (not read from the stored
    form) so a later change of :func:`ledgers.matching.normalise` applies without a data migration."""
    keys = list(dict.fromkeys(str(key) for key in column_keys))
    out = {key: {} for key in keys}
    if not keys:
        return out
    county_id = county_id_of(county)
    owners = Q(county__isnull=True) if county_id is None else Q(county__isnull=True) | Q(county_id=county_id)
    rows = ValueSynonym.objects.filter(owners, column__in=keys).values_list("county_id", "column", "word", "target")
    own = []
    for owner, column, word, target in rows.order_by("id"):
        if owner is None:
            out[column][normalise(word)] = target
        else:
            own.append((column, word, target))
    for column, word, target in own:
        out[column][normalise(word)] = target
    return out


def matcher_for(column_key, options: Iterable | None = None, county=None, *, allow_empty=True, synonyms=None,
                name="") -> ColumnMatcher:
    """The matcher of one coded column: ``options`` default to the choice column's own (ledgers.choices); a place
    column (villages, towns, organizations) passes its county's (:func:`unit_options`, :func:`organization_options`).
    Without ``synonyms`` they are read for this column (one query)."""
    if options is None:
        options = choice_options(column_key)
    if synonyms is None:
        synonyms = synonyms_for(county, [column_key])[str(column_key)]
    return ColumnMatcher(options, synonyms, allow_empty=allow_empty, name=name or column_key)


def matchers_for(county, columns: Mapping, *, options: Mapping | None = None, required: Iterable = ()) -> dict:
    """``{header: ColumnMatcher}`` for the coded columns of one import, with one query for all their synonyms.

    ``columns`` maps each coded column's header to its column key (``Column.options`` in ledgers.schemas:
    ``industry``, ``villages``…); choice columns take their options from ledgers.choices, the others from
    ``options[key]``; a header in ``required`` may not be left empty."""
    options = dict(options or {})
    required = set(required)
    synonyms = synonyms_for(county, columns.values())
    out = {}
    for header, key in columns.items():
        if key in CHOICE_CLASSES:
            column_options = choice_options(key)
        elif key in options:
            column_options = options[key]
        else:
            raise KeyError(f"no options given for column {header!r} ({key})")
        out[header] = ColumnMatcher(column_options, synonyms[str(key)], allow_empty=header not in required,
                                    name=header)
    return out


def unit_options(units: Iterable) -> list:
    """Towns or villages as options: ``[(区划代码, name)]``."""
    return [(unit.code, unit.name) for unit in units]


def organization_options(organizations: Iterable) -> list:
    """Party organizations as options: ``[(id, name)]`` (a synonym of an organization names its id)."""
    return [(str(org.pk), org.name) for org in organizations]


def may_edit_synonyms(user, county) -> bool:
    """Whether ``user`` may keep the synonyms of ``county``: the permissions to add and change them (county staff,
    organizations.roles) and the county in their scope. The built-in ones (county None) only a superuser."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    county_id = county_id_of(county)
    if county_id is None:
        return bool(user.is_superuser)
    if not all(user.has_perm(perm) for perm in EDIT_PERMISSIONS):
        return False
    scope = scoping.scope_of(user)
    return scope.everything or county_id in scope.county


def save_synonyms(*, user, county, column, mapping: Mapping) -> list:
    """Save a clerk's ``{word: target}`` (target by code or label, "" for "leave empty") as ``county``'s own
    synonyms of ``column``: a word the county already has (same normalised form) gets the new target, others are
    added; each row is validated by the model (``full_clean``) and saved, and so audited, in one transaction.
    Raises PermissionDenied, or ValidationError naming the first wrong word; returns the rows saved."""
    if not may_edit_synonyms(user, county):
        raise PermissionDenied(_("您无权维护该县的取值同义词。"))
    county_id = county_id_of(county)
    saved = []
    with transaction.atomic():
        existing = {row.normalised: row for row in ValueSynonym.objects.select_for_update().filter(
            county_id=county_id, column=column)}
        for word, target in mapping.items():
            row = existing.get(normalise(word))
            if row is None:
                row = ValueSynonym(county_id=county_id, column=column, created_by=user)
            before = (row.word, row.target) if row.pk else None
            row.word, row.target = word, target
            row.full_clean()
            if before == (row.word, row.target):
                continue
            row.updated_by = user
            row.save()
            existing[row.normalised] = row
            saved.append(row)
    return saved
