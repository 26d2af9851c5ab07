"""Coded values of one import as clerks write them (issue 14 items 1, 2 and 8), mixed into
:class:`ledgers.schemas.context.ImportContext`.

Every coded column of the import's ledger gets one :class:`ledgers.matching.ColumnMatcher`, built once per import
for the import's county (``load_matchers``; one query for all their synonyms, ledgers.synonyms): choice columns
(返乡意向, 从事行业…) and the county's own places (所属乡镇, 户籍村(社区)). A cell is matched in the order
ledgers.matching describes — exact label or code → the clerk's mapping for this file → the county's synonyms
(built-in, then its own) → an unambiguous normalised match — and anything else is *not guessed*: the cell raises a
:class:`~zyparty.excel.CellError` with the code :data:`UNKNOWN`, which the import engine does not list per row but
groups by column and distinct value (``ImportRun.unknown``, ledgers.matching.UnknownValues) for the clerk to map
once.

Adding a coded column kind (the hook for party organizations): give its ``Column`` an ``options`` key, and a
method ``_<key>_options()`` here returning ``[(code, label)]`` of the county's records (a synonym's target is the
code); ``load_matchers`` then builds its matcher with the others and ``coded(header, text)`` answers it. Until party
organizations are wired that way their columns keep ``resolve_org`` (organizations are another engineer's part).

Warnings (never blocking; shown yellow in the preview, listed by the API and the command line): any check adds one
with ``ctx.warn(sheet, row, column, message, code)`` — ``row`` 0 for the file, ``column`` a header or "" — and
the engine stores them with the batch (``ImportBatch.warnings``), stripes checked in worker processes included.
"""

from django.utils.translation import gettext as _

from ledgers.matching import CHOICE_CLASSES, MAPPED, format_options
from ledgers.synonyms import matcher_for, synonyms_for, unit_options
from zyparty import excel

UNKNOWN = "unknown_value"  # the CellError code of a value no option matched: grouped, mapped once
MAX_WARNINGS = 1_000


def unknown_error(matcher, text):
    """The CellError of a value ``matcher`` does not know (code :data:`UNKNOWN`), with its suggestions."""
    found = matcher.match(text)
    hint = format_options([s.label for s in found.suggestions], inline=True) if found.suggestions else ""
    message = _("“%(v)s”不是“%(c)s”列的可选值，请在导入预览中为它选择对应的值（每个写法只需选择一次）。") % {
        "v": text, "c": matcher.name}
    if hint:
        message += _("可能是：%(o)s") % {"o": hint}
    return excel.CellError(message, UNKNOWN)


class CodedValues:
    """The matchers and warnings of one import (module docstring)."""

    def _init_coded(self):
        self.matchers = {}  # header → ColumnMatcher: the coded columns of this import
        self._synonyms = None  # column key → {normalised word: code}, for matchers made later (villages per town)
        self._town_villages = {}
        self.warnings = []
        self.warning_count = 0

    # Matchers ----------------------------------------------------------------------------------------------------
    def load_matchers(self, columns):
        """The matchers of ``columns`` (``Column`` descriptions with ``options``), with one query for all their
        synonyms; call before the rows are checked (worker processes must not query)."""
        wanted = {c.header: c for c in columns if c.options in CHOICE_CLASSES or (
            self.county is not None and c.options and hasattr(self, f"_{c.options}_options"))}
        keys = {c.options for c in wanted.values()}
        self._synonyms = synonyms_for(self.county, keys)
        for header, column in wanted.items():
            self.matchers[header] = self._make_matcher(header, column.options, allow_empty=not column.required)
        return self.matchers

    def _make_matcher(self, header, key, *, allow_empty=True, options=None):
        if options is None:
            options = None if key in CHOICE_CLASSES else getattr(self, f"_{key}_options")()
        if self._synonyms is None:
            self._synonyms = {}
        if key not in self._synonyms:
            self._synonyms.update(synonyms_for(self.county, [key]))
        return matcher_for(key, options, self.county, allow_empty=allow_empty, synonyms=self._synonyms[key],
                           name=header)

    def matcher(self, header, key):
        """The matcher of the coded column ``header`` (option list ``key``), made now if ``load_matchers`` did not."""
        found = self.matchers.get(header)
        if found is None:
            found = self.matchers[header] = self._make_matcher(header, key)
        return found

    def coded(self, header, key, text):
        """The code ``text`` means in the coded column ``header``, or raises the :data:`UNKNOWN` CellError."""
        matcher = self.matcher(header, key)
        code = matcher.match(text).code
        if code is None:
            raise unknown_error(matcher, text)
        return code

    def _towns_options(self):
        return unit_options(sorted((u for u in self.units()["by_code"].values() if u.level == "town"),
                                   key=lambda u: u.code))

    def _villages_options(self):
        """Villages county-wide, each labelled with its town (two towns may each have a 东河村)."""
        by_id = self.units()["by_id"]
        villages = sorted((u for u in self.units()["by_code"].values() if u.level == "village"), key=lambda u: u.code)
        return [(u.code, f"{by_id[u.town_id].name}{u.name}" if u.town_id in by_id else u.name) for u in villages]

    def place_code(self, header, key, text, town=None):
        """The 区划代码 a town or village cell means when the exact name and code lookups found none: the clerk's
        mapping, else the county's synonyms and an unambiguous normalised match among the villages of ``town`` (all
        the county's without one); None when nothing fits. "" is a mapping to "leave empty"."""
        county_wide = self.matcher(header, key)
        found = county_wide.match(text)
        if found.how == MAPPED or town is None or key != "villages":
            return found.code
        matcher = self._town_villages.get(town.pk)
        if matcher is None:
            options = unit_options(sorted((u for u in self.units()["by_code"].values()
                                           if u.level == "village" and u.town_id == town.pk), key=lambda u: u.code))
            matcher = self._town_villages[town.pk] = self._make_matcher(header, key, options=options)
        return matcher.match(text).code

    # Warnings ----------------------------------------------------------------------------------------------------
    def warn(self, sheet, row, column, message, code, col_index=None):
        """A warning about the file (``row`` 0), a row or a cell: shown in the preview, never blocking."""
        self.warning_count += 1
        if len(self.warnings) < MAX_WARNINGS:
            cell = f"{excel.column_letter(col_index)}{row}" if col_index is not None and row else ""
            self.warnings.append({"sheet": sheet, "row": row, "column": column, "cell": cell,
                                  "message": str(message), "code": code})
