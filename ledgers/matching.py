"""Coded values as clerks write them (issue 14: "A real county moves in from its own files").

A coded column (a choice such as 返乡意向 or 从事行业, a village, a town, a party organization) accepts what the
clerk wrote when it means exactly one option, found in this order:

1. the option's label or code exactly as written (``无返乡意向``, ``none``);
2. the clerk's own mapping for this file (the preview's "map once, not per row", or ``--map`` on the command line);
3. a synonym: the county's own words first, then the built-in ones (``暂无`` → 无返乡意向; ledgers.ValueSynonym);
4. an unambiguous normalised match: full-width and half-width alike, spaces and punctuation ignored, a trailing
   业/行业 ignored (GB/T 4754 section names are shortened both ways: ``居民服务业`` and ``居民服务``), then a label the
   word contains or is contained in — only when exactly one option fits.

Anything else is not guessed: the result carries up to three suggestions (the options that fit equally, then the
closest labels and synonyms by rapidfuzz's weighted ratio) and the clerk maps the value once for the whole file.

This module knows no database: the loader of a county's synonyms is ledgers.synonyms.
"""

import bisect
import csv
import functools
import io
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz, process

from ledgers import choices
from zyparty import excel

SUGGESTIONS = 3  # what the preview shows per unknown value
SUGGEST_CUTOFF = 40  # rapidfuzz WRatio below this is noise for two- to ten-character Chinese words
MIN_CONTAINED = 2  # one character is too little to say which label a word belongs to (工 is in 社会工作)
FIRST_ROWS = 5  # row numbers kept per unknown value
EMPTY_TARGETS = ("留空", "空", "清空")  # what a mapping's target may say for "leave the cell empty"


class SynonymColumn(models.TextChoices):
    """The coded columns, by the option list they draw from (the ``options`` of ledgers.schemas' columns): 入党意愿
    and 任职意愿 share the 有/无 list and so share its synonyms."""

    DIRECTION = "direction", _("外出/外来")
    INDUSTRY = "industry", _("行业")
    POLITICAL_STATUS = "political_status", _("政治面貌")
    RETURN_INTENTION = "return_intention", _("返乡意向")
    WISH = "wish", _("入党意愿/任职意愿")
    EDUCATION = "education", _("学历")
    TOWNS = "towns", _("乡镇（街道）")
    VILLAGES = "villages", _("村（社区）")
    ORGANIZATIONS = "organizations", _("党组织")


CHOICE_CLASSES = {
    SynonymColumn.DIRECTION: choices.Direction,
    SynonymColumn.INDUSTRY: choices.Industry,
    SynonymColumn.POLITICAL_STATUS: choices.PoliticalStatus,
    SynonymColumn.RETURN_INTENTION: choices.Intention,
    SynonymColumn.WISH: choices.Wish,
    SynonymColumn.EDUCATION: choices.Education,
}
# Their options are the county's own records: a synonym of these names a unit code or an organization id.
PLACE_COLUMNS = (SynonymColumn.TOWNS, SynonymColumn.VILLAGES, SynonymColumn.ORGANIZATIONS)


def choice_options(column_key) -> list:
    """``[(code, label)]`` of a choice column, the "未知" option (code ``""``) included."""
    return [(value, str(label)) for value, label in CHOICE_CLASSES[column_key].choices]


# Normalising ------------------------------------------------------------------------------------------------------
def normalise(text) -> str:
    """The form words are compared in: NFKC (full-width ``ＩＴ（）`` → ``IT()``), only letters, digits and marks kept
    (spaces and every punctuation variant dropped: ``、``, ``·``, ``（）``), Latin lower-cased, and a trailing
    ``行业`` or ``业`` dropped (``餐饮行业`` → ``餐饮``; ``银行业`` → ``银行``, two characters are kept)."""
    if text is None:
        return ""
    return _normalise(text if type(text) is str else str(text))


@functools.lru_cache(maxsize=65536)
def _normalise(text: str) -> str:
    kept = "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch)[0] in "LNM")
    kept = kept.lower()
    while True:
        if len(kept) > 3 and kept.endswith("行业"):
            kept = kept[:-2]
        elif len(kept) > 1 and kept.endswith("业"):
            kept = kept[:-1]
        else:
            return kept


def value_key(text) -> str:
    """What makes two written values "the same value" for grouping and mapping: the normalised form, or for text
    that is only punctuation (``/``, ``—``) that text itself."""
    text = "" if text is None else (text if type(text) is str else str(text))
    return normalise(text) or unicodedata.normalize("NFKC", text).strip()


def format_options(labels: Iterable, *, inline=False, limit=None) -> str:
    """Options listed so that none runs into the next: one per line, or with ``inline`` separated by `` / `` (labels
    such as 交通运输、仓储和邮政业 contain "、", the separator used before). Past ``limit`` the rest is counted."""
    labels = [str(label) for label in labels]
    shown = labels if limit is None or len(labels) <= limit else labels[:limit]
    separator = " / " if inline and not any("/" in label for label in shown) else "\n"
    text = separator.join(shown)
    if len(shown) < len(labels):
        more = _("……等%(n)d项") % {"n": len(labels)}
        text = f"{text}{separator}{more}"
    return text


# Matching ---------------------------------------------------------------------------------------------------------
class MappingError(ValueError):
    """A mapping that cannot be applied (unknown column, a target that is no option); ``messages`` are for the
    clerk, one per problem."""

    def __init__(self, messages):
        many = isinstance(messages, (list, tuple))  # a lazy translation is a single message, not a sequence
        self.messages = [str(m) for m in (messages if many else [messages])]
        super().__init__("\n".join(self.messages))


class Suggestion(NamedTuple):
    code: str
    label: str
    score: int  # 0–100


EXACT, CODE, MAPPED, SYNONYM, NORMALISED, EMPTY = "exact", "code", "mapped", "synonym", "normalised", "empty"


@dataclass(frozen=True, slots=True)
class Match:
    """What a written value means: ``code`` (``""`` for "leave empty") and ``how`` it was found, or ``code`` None
    with ``suggestions``. An empty cell in a column that may not be empty is ``code`` None, ``how`` "empty"."""

    code: str | None
    how: str = ""
    suggestions: tuple = ()

    @property
    def found(self) -> bool:
        return self.code is not None


_EMPTY_OK = Match("", EMPTY)
_EMPTY_REFUSED = Match(None, EMPTY)


class ColumnMatcher:
    """Matches the values of one coded column against its options (module docstring for the order).

    ``options``: ``[(code, label)]``; several options may share a label (two villages named 东河村 in different
    towns): that label then matches neither. ``synonyms``: ``{word: code}`` in precedence order, later entries
    overriding earlier ones with the same normalised form (built-in first, then the county's own); a target names an
    option by code (or by its exact label), targets that are no option here are ignored. ``allow_empty``: an empty
    cell means "leave empty" (code ``""``).

    Everything is looked up in dicts built once, and each distinct text is matched once (an import calls
    :meth:`match` for every cell of 100,000 rows, with a few hundred distinct texts)."""

    def __init__(self, options: Iterable, synonyms: Mapping | None = None, *, allow_empty=True, name=""):
        self.name = str(name)
        self.allow_empty = allow_empty
        self.options = tuple((str(code), str(label)) for code, label in options)
        self.codes = frozenset(code for code, _label in self.options)
        self._labels = {}  # code → its (first) label
        by_label, by_code_key, by_normal = {}, {}, {}
        for code, label in self.options:
            self._labels.setdefault(code, label)
            by_label.setdefault(label, set()).add(code)
            if code and normalise(code):
                by_code_key.setdefault(normalise(code), set()).add(code)
            if normalise(label):
                by_normal.setdefault(normalise(label), set()).add(code)
        self._exact = {label: codes.pop() for label, codes in by_label.items() if len(codes) == 1}
        self._code_keys = {key: codes.pop() for key, codes in by_code_key.items() if len(codes) == 1}
        self._normal = {key: frozenset(codes) for key, codes in by_normal.items()}
        self._contained = [(key, codes) for key, codes in self._normal.items() if len(key) >= MIN_CONTAINED]
        self._synonyms = {}
        for word, target in (synonyms or {}).items():
            key = normalise(word)
            target = "" if target is None else str(target)
            if target in self.codes or (target == "" and allow_empty):  # "" = leave empty, where the column may be
                code = target
            else:
                code = self._exact.get(target) if target else None  # a row written without clean(): by its label
            if key and code is not None:
                self._synonyms[key] = code
        self._mapped = {}  # value_key → code: the clerk's choices for this file
        self._memo = {}
        self._fuzzy = None

    def label(self, code) -> str:
        if code in self._labels:
            return self._labels[code]
        return str(_("（留空）")) if code == "" else str(code)

    @property
    def labels(self) -> list:
        """The labels of the real options, for messages (the "未知" option, code ``""``, is not one to choose)."""
        return [label for code, label in self.options if code]

    def match(self, text) -> Match:
        raw = "" if text is None else (text if type(text) is str else str(text))
        hit = self._memo.get(raw)
        if hit is None:
            hit = self._memo[raw] = self._match(raw)
        return hit

    def _match(self, raw: str) -> Match:
        text = raw.strip()
        if not text:
            return _EMPTY_OK if self.allow_empty else _EMPTY_REFUSED
        code = self._exact.get(text)
        if code is not None:
            return Match(code, EXACT)
        if text in self.codes:
            return Match(text, CODE)
        key = normalise(text)
        mapped = self._mapped.get(key or value_key(text))
        if mapped is not None:
            return Match(mapped, MAPPED)
        if not key:
            return self._unknown(key, ())
        code = self._code_keys.get(key)
        if code is not None:
            return Match(code, CODE)
        code = self._synonyms.get(key)
        if code is not None:
            return Match(code, SYNONYM)
        fits = self._normal.get(key, frozenset())
        if not fits and len(key) >= MIN_CONTAINED:
            fits = frozenset().union(*(codes for label_key, codes in self._contained
                                       if key in label_key or label_key in key))
        if len(fits) == 1:
            return Match(next(iter(fits)), NORMALISED)
        return self._unknown(key, fits)

    def _unknown(self, key: str, candidates) -> Match:
        """No option: the ones that fit equally first, then the closest labels and synonyms."""
        found = {}
        for code in candidates:
            found[code] = max((round(fuzz.WRatio(key, normalise(label))) for c, label in self.options if c == code),
                              default=0)
        ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:SUGGESTIONS]
        if len(ranked) < SUGGESTIONS and key:
            words, codes = self._fuzzy_pool()
            for _word, score, index in process.extract(key, words, scorer=fuzz.WRatio, processor=None,
                                                       limit=SUGGESTIONS * 4, score_cutoff=SUGGEST_CUTOFF):
                code = codes[index]
                if code not in found:
                    found[code] = round(score)
                    ranked.append((code, round(score)))
                    if len(ranked) == SUGGESTIONS:
                        break
        return Match(None, "", tuple(Suggestion(code, self.label(code), score) for code, score in ranked))

    def _fuzzy_pool(self):
        if self._fuzzy is None:
            pairs = [(normalise(label), code) for code, label in self.options if normalise(label)]
            # A synonym for "leave empty" is no option to suggest: the preview offers leaving empty on its own.
            pairs += [(word, code) for word, code in self._synonyms.items() if code in self.codes]
            self._fuzzy = ([word for word, _code in pairs], [code for _word, code in pairs])
        return self._fuzzy

    # Mappings -----------------------------------------------------------------------------------------------------
    def target_code(self, target) -> str:
        """The code a mapping's target names: a code, a label (exactly, or equal once normalised), or "" / 留空 for
        "leave empty" where the column allows it; raises :class:`MappingError` otherwise."""
        text = "" if target is None else str(target).strip()
        if not text or normalise(text) in EMPTY_TARGETS:
            if self.allow_empty or "" in self.codes:
                return ""
            raise MappingError(_("“%(c)s”列不能留空，请选择一个可选值。") % {"c": self.name})
        if text in self.codes:
            return text
        code = self._exact.get(text)
        if code is not None:
            return code
        key = normalise(text)
        code = self._code_keys.get(key)
        if code is None and len(self._normal.get(key, ())) == 1:
            code = next(iter(self._normal[key]))
        if code is not None:
            return code
        raise MappingError(_("“%(t)s”不是“%(c)s”列的可选值。可选值：\n%(o)s") % {
            "t": text, "c": self.name, "o": format_options(self.labels, limit=30)})

    def map(self, text, target) -> str:
        """Let ``text`` mean ``target`` (a code or label, :meth:`target_code`) for the rest of this import."""
        code = self.target_code(target)
        self._mapped[value_key(text)] = code
        self._memo.clear()
        return code


# Unknown values for the preview -----------------------------------------------------------------------------------
@dataclass
class UnknownValue:
    """One distinct value of a column that matched no option: how often, where first, and what it may mean."""

    column: str
    value: str  # as first written
    count: int
    rows: list  # the first row numbers, ascending
    suggestions: tuple = ()
    may_leave_empty: bool = False

    def as_dict(self) -> dict:
        return {"column": self.column, "value": self.value, "count": self.count, "rows": list(self.rows),
                "suggestions": [{"code": s.code, "label": s.label, "score": s.score} for s in self.suggestions],
                "may_leave_empty": self.may_leave_empty}


@dataclass
class UnknownValues:
    """Collects the values no option matched, grouped by column and distinct value (:func:`value_key`), so the
    preview lists each once with its count and first rows, and the clerk maps it once (issue 14: "Map once, not
    per row"). ``matchers``: ``{column header: ColumnMatcher}``. Collectors of stripes checked apart are
    combined with :meth:`merge`; only the plain counts travel between processes."""

    matchers: dict = field(default_factory=dict)
    _seen: dict = field(default_factory=dict)  # (column, key) → [first written value, count, first rows]

    def __getstate__(self):
        return {"matchers": {}, "_seen": self._seen}

    def add(self, column, text, row_number):
        text = "" if text is None else (text if type(text) is str else str(text)).strip()
        key = (column, value_key(text))
        entry = self._seen.get(key)
        if entry is None:
            self._seen[key] = [text, 1, [row_number]]
            return
        entry[1] += 1
        rows = entry[2]
        if len(rows) < FIRST_ROWS or row_number < rows[-1]:
            bisect.insort(rows, row_number)
            del rows[FIRST_ROWS:]

    def merge(self, other: "UnknownValues"):
        for key, (text, count, rows) in other._seen.items():
            entry = self._seen.get(key)
            if entry is None:
                self._seen[key] = [text, count, list(rows)]
                continue
            if rows and (not entry[2] or rows[0] < entry[2][0]):
                entry[0] = text  # the value as written where it first occurs
            entry[1] += count
            entry[2] = sorted(set(entry[2]) | set(rows))[:FIRST_ROWS]

    def __len__(self):
        return len(self._seen)

    @property
    def rows_affected(self) -> int:
        return sum(entry[1] for entry in self._seen.values())

    def groups(self) -> dict:
        """``{column: [UnknownValue]}``, columns in the order first met, values by count (most rows first)."""
        out = {}
        for (column, _key), (text, count, rows) in self._seen.items():
            matcher = self.matchers.get(column)
            suggestions = matcher.match(text).suggestions if matcher is not None else ()
            may_empty = matcher is not None and (matcher.allow_empty or "" in matcher.codes)
            out.setdefault(column, []).append(UnknownValue(column, text, count, list(rows), suggestions, may_empty))
        for values in out.values():
            values.sort(key=lambda v: (-v.count, v.rows[0] if v.rows else 0))
        return out

    def as_list(self) -> list:
        """The groups as JSON-ready dicts (stored with the import batch, shown by the preview page and the API)."""
        return [value.as_dict() for values in self.groups().values() for value in values]

    def apply_mapping(self, mapping: Mapping) -> dict:
        """Apply the clerk's ``{(column, value): code, label or ""}``: each target is checked against its column's
        options first, and if any is wrong nothing is applied (:class:`MappingError` lists every problem). The
        matchers then answer the mapped values ("mapped") and the values leave the unknown list. Returns
        ``{(column, value): code}``."""
        resolved, problems = {}, []
        for (column, text), target in mapping.items():
            matcher = self.matchers.get(column)
            if matcher is None:
                problems.append(_("没有可映射的列“%(c)s”。") % {"c": column})
                continue
            try:
                resolved[(column, text)] = matcher.target_code(target)
            except MappingError as exc:
                problems.extend(f"{text}：{m}" for m in exc.messages)
        if problems:
            raise MappingError(problems)
        for (column, text), code in resolved.items():
            self.matchers[column].map(text, code)
            self._seen.pop((column, value_key(text)), None)
        return resolved


# Mappings from the command line and from a file --------------------------------------------------------------------
class ValueMapping(NamedTuple):
    column: str  # the column's header
    word: str  # the value as written
    code: str  # the option's code ("" = leave empty)


def _column_of(name, columns: Mapping, aliases: Mapping | None):
    if name in columns:
        return name
    wanted = excel.normalize_header(name)
    for header in columns:
        if excel.normalize_header(header) == wanted:
            return header
    header = (aliases or {}).get(wanted)
    if header in columns:
        return header
    raise MappingError(_("没有可映射的列“%(c)s”。可映射的列：\n%(o)s") % {"c": name, "o": format_options(columns)})


def value_mapping(column, word, target, columns: Mapping, aliases: Mapping | None = None) -> ValueMapping:
    """One mapping from its three parts: the column by header (or an alias: ``aliases`` maps normalised spellings
    to headers, as ledgers.schemas' ``LedgerSchema.aliases``), the target by label or code in that column."""
    column, word = str(column or "").strip(), str(word or "").strip()
    if not column:
        raise MappingError(_("请写明列名。"))
    header = _column_of(column, columns, aliases)
    if not word:
        raise MappingError(_("请写明原值（文件中的写法）。"))
    return ValueMapping(header, word, columns[header].target_code(target))


def parse_map_arg(arg, columns: Mapping, aliases: Mapping | None = None) -> ValueMapping:
    """``--map 返乡意向:暂无=无返乡意向`` → ``ValueMapping("返乡意向", "暂无", "none")``. The column is the text
    before the first colon, the target the text after the last equals sign (full-width ``：``/``＝`` accepted);
    ``返乡意向:/=`` or ``=留空`` maps to "leave empty" where the column allows it. ``columns`` maps each coded
    column's header to its :class:`ColumnMatcher`."""
    text = str(arg).replace("：", ":").replace("＝", "=")
    column, colon, rest = text.partition(":")
    word, equals, target = rest.rpartition("=")
    if not colon or not equals:
        raise MappingError(_("映射“%(a)s”应写成“列:原值=对应为”，如：返乡意向:暂无=无返乡意向") % {"a": arg})
    return value_mapping(column, word, target, columns, aliases)


MAP_FILE_HEADERS = {"列": "列", "列名": "列", "原值": "原值", "原文": "原值", "填写值": "原值", "对应为": "对应为",
                    "对应值": "对应为", "映射为": "对应为", "改为": "对应为"}


def read_mapping_file(path, columns: Mapping, aliases: Mapping | None = None) -> list:
    """The mappings of a file with the columns 列 / 原值 / 对应为 (one mapping per row, under a header row that may
    have title rows above it): an .xlsx, .xls or .ods workbook (its first sheet that has these headers) or a .csv
    saved as UTF-8 or GBK (Excel and WPS in Chinese). Every row is checked; :class:`MappingError` lists each wrong
    row with its row number and nothing is returned then."""
    path = Path(path)
    if not path.is_file():
        raise MappingError(_("找不到映射文件 %(p)s。") % {"p": path})
    rows = _csv_rows(path) if path.suffix.lower() in (".csv", ".txt") else _workbook_rows(path)
    items, problems = [], []
    try:
        for row_number, column, word, target in rows:
            if not (column or word or target):
                continue
            try:
                items.append(value_mapping(column, word, target, columns, aliases))
            except MappingError as exc:
                problems.extend(_("第%(r)d行：%(m)s") % {"r": row_number, "m": m} for m in exc.messages)
    except excel.ExcelFileError as exc:  # one kind of error for the command line: the file's message
        raise MappingError(exc.message)
    if problems:
        raise MappingError(problems)
    mapping_dict(items)  # two rows mapping one value differently
    return items


def _missing_headers():
    return MappingError(_("映射文件须有表头“列”“原值”“对应为”（每行一个映射，如：返乡意向 | 暂无 | 无返乡意向）。"))


def _workbook_rows(path):
    kind = excel.inspect_file(path).kind
    tables = excel.read_tables(path, kind, {excel.normalize_header(k): v for k, v in MAP_FILE_HEADERS.items()},
                               min_matches=3)
    if not tables:
        raise _missing_headers()
    table = tables[0]
    at = [table.columns[name] for name in ("列", "原值", "对应为")]
    for row_number, cells in table.rows:
        yield (row_number, *(excel.cell_text(cells[i]) if i < len(cells) else "" for i in at))


def _csv_rows(path):
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise MappingError(_("映射文件不是 UTF-8 或 GBK 编码的 CSV 文件。"))
    reader = csv.reader(io.StringIO(text))
    at = None
    for row_number, row in enumerate(reader, start=1):
        cells = [excel.cell_text(cell) for cell in row]
        if at is None:
            names = [MAP_FILE_HEADERS.get(excel.normalize_header(cell)) for cell in cells]
            if all(name in names for name in ("列", "原值", "对应为")):
                at = [names.index(name) for name in ("列", "原值", "对应为")]
            elif row_number >= excel.HEADER_SCAN_ROWS:  # title rows may stand above the header, as in workbooks
                raise _missing_headers()
            continue
        yield (row_number, *(cells[i] if i < len(cells) else "" for i in at))
    if at is None:
        raise _missing_headers()


def mapping_dict(items: Iterable) -> dict:
    """``{(column, value): code}`` of mappings from ``--map`` and a mapping file together, as
    :meth:`UnknownValues.apply_mapping` takes them; one value mapped to two different options is an error."""
    out, seen, problems = {}, {}, []
    for item in items:
        key = (item.column, value_key(item.word))
        if key in seen and seen[key] != item.code:
            problems.append(_("“%(c)s”列的“%(w)s”被映射为两个不同的值。") % {"c": item.column, "w": item.word})
            continue
        seen[key] = item.code
        out[(item.column, item.word)] = item.code
    if problems:
        raise MappingError(problems)
    return out
