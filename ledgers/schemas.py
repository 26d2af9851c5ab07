"""One schema per ledger: the Chinese headers of CONTRACT.md "Excel ledgers", how each cell becomes a model value
and how each value is written back, so that an exported file re-imports unchanged.

The schema only turns cells into attribute values; the rules stay where they live (issue 4: "don't fork rules"):
identifiers, phones and destinations are checked by the model's own ``clean()`` (which calls zyparty.validators and
zyparty.regions), stored companions (digests, masks, initials, county, completeness) come from the model's own
``prepare()``, field lengths and required-ness from the model fields, scope from zyparty.scoping.

Design of masked exports (SECURITY.md "personal data", "exports"): a user who may not unmask exports ID numbers as
``6109**********1234``, phones as ``138****8000`` and family notes / political status as ``******``. Every export
ends with a 记录编号 column (the record id). On re-import a masked cell means "unchanged": a row whose ID number is
masked is matched by its 记录编号 — the record must exist, be in scope and carry that same masked number — and a
masked phone must equal the record's own masked phone. A masked ID without a 记录编号 cannot be matched and is an
error with a message saying so; a full ID number always wins over 记录编号 and the two must agree.
"""

import functools
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ledgers import choices
from ledgers.models import Activist, HostEnterprise, PartyMember, Worker, six_clears
from organizations.models import PartyOrganization, Unit
from zyparty import crypto, excel, regions
from zyparty.masking import mask_id_number, mask_phone, mask_text
from zyparty.pinyin import initials
from zyparty.validators import (
    id_number_facts,
    normalize_code,
    normalize_id_number,
    normalize_text,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)

MASK_TEXT = mask_text("x")
KEEP = object()  # a masked cell: leave the stored value as it is

# Left-behind family (三留守, DOMAIN.md "The four ledgers" 1.): words in the family notes that set the flags.
_LEFT_CHILDREN = re.compile(r"留守(儿童|子女|孩子)|(子女|孩子|小孩|儿童)[^，。；,;]{0,6}(在家|在村|老家|由.{0,4}(照看|照顾|抚养))")
_LEFT_ELDERLY = re.compile(r"留守老人|独居老人|空巢|(父母|老人)[^，。；,;]{0,4}(在家|在村|年迈|独居|多病)")
_LEFT_SPOUSE = re.compile(r"留守(配偶|妇女|丈夫|妻子)|(配偶|妻子|丈夫|爱人)[^，。；,;]{0,4}(在家|在村|务农|留守)")


def left_behind_flags(text: str):
    """(children, elderly, spouse) left behind, as the family notes mention them: 家中有留守儿童两名 → children;
    父母年迈多病 → elderly; 配偶在家务农 → spouse. 子女随迁就读 (children moved along) sets nothing."""
    if not text:
        return False, False, False
    return bool(_LEFT_CHILDREN.search(text)), bool(_LEFT_ELDERLY.search(text)), bool(_LEFT_SPOUSE.search(text))


def is_masked(text: str) -> bool:
    return "*" in text


# Coded columns: the label of each choice, plus the words clerks actually write ------------------------------------
def _choice_map(choice_class, extra=None):
    mapping = {}
    for value, label in choice_class.choices:
        mapping[str(label)] = value
        if value:
            mapping[value] = value
    mapping.update(extra or {})
    return {excel.normalize_header(k).lower(): v for k, v in mapping.items()}


@functools.lru_cache(maxsize=None)
def choice_maps():
    wish = {"是": "yes", "有": "yes", "愿意": "yes", "否": "no", "无": "no", "没有": "no", "不愿意": "no", "未知": "",
            "不详": ""}
    return {
        "direction": _choice_map(choices.Direction, {"外出务工": "out", "外来务工": "in", "流出": "out", "流入": "in"}),
        "industry": _choice_map(choices.Industry, {
            "制造": "manufacturing", "工厂": "manufacturing", "建筑": "construction", "建筑工地": "construction",
            "采矿": "mining", "矿山": "mining", "批发零售": "trade", "零售": "trade", "批发": "trade", "商贸": "trade",
            "运输": "transport", "物流": "transport", "交通运输": "transport", "快递": "transport",
            "餐饮": "hospitality", "住宿餐饮": "hospitality", "酒店": "hospitality", "家政": "household",
            "服务业": "household", "居民服务": "household", "IT": "it", "信息技术": "it", "软件": "it",
            "农业": "agriculture", "种植": "agriculture", "养殖": "agriculture", "医疗": "health",
            "卫生": "health", "其它": "other"}),
        "political_status": _choice_map(choices.PoliticalStatus, {
            "党员": "member", "预备党员": "probationary", "团员": "league", "民主党派成员": "other_party",
            "无党派": "masses", "不详": ""}),
        "return_intention": _choice_map(choices.Intention, {
            "有": "considering", "是": "considering", "有意向": "considering", "无": "none", "否": "none",
            "没有": "none", "无意向": "none", "不详": ""}),
        "wish": _choice_map(choices.Wish, wish),
    }


def choice_value(kind, text):
    """The stored value of a coded cell, or raises CellError listing what may be written."""
    mapping = choice_maps()[kind]
    if text in mapping:
        return mapping[text]
    key = excel.normalize_header(text).lower()
    if key in mapping:
        return mapping[key]
    options = _options(kind)
    raise excel.CellError(_("“%(v)s”不是可选值，请从下拉列表中选择：%(o)s。") % {"v": text, "o": "、".join(options)},
                          "choice")


def _options(kind):
    source = {"direction": choices.Direction, "industry": choices.Industry, "political_status": choices.PoliticalStatus,
              "return_intention": choices.Intention, "wish": choices.Wish}[kind]
    return [str(label) for value, label in source.choices if value]


def choice_label(choice_class, value):
    if not value:
        return ""
    try:
        return str(choice_class(value).label)
    except ValueError:
        return value


# Columns ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    header: str
    field: str = ""  # model field the column fills ("" for derived/pseudo columns)
    required: bool = False  # the cell must not be empty (CONTRACT.md; the model field is blank=False)
    aliases: tuple = ()
    width: int = 12
    help: str = ""
    contract: bool = True  # one of CONTRACT.md's headers: in the template; else an optional extra export column
    text: bool = False  # identifiers: text number format in templates
    date: bool = False
    options: str = ""  # choice kind for dropdowns


RECORD_ID = Column("记录编号", aliases=("系统编号", "记录ID"), contract=False, width=10,
                   help="导出时附带的系统记录编号，用于脱敏导出文件的回传匹配；新增记录留空。")
TOWN = Column("所属乡镇", field="town", aliases=("乡镇", "所在乡镇", "乡镇(街道)"), contract=False, width=12,
              help="乡镇名称或9位区划代码；户籍村已写明时可不填。")
VILLAGE = Column("户籍村(社区)", field="village", aliases=("户籍村", "村(社区)", "户籍村社区", "所在村", "村"), width=14,
                 help="本乡镇（或本县）内的村（社区）名称，或12位区划代码。", options="villages")
NAME = Column("姓名", field="name", required=True, width=10)
ID_NUMBER = Column("身份证号", field="id_number", required=True, aliases=("身份证号码", "公民身份号码", "身份证"),
                   width=22, text=True, help="18位居民身份证号。请保持“文本”格式，不要让 Excel 变成科学计数法。")
REMARKS = Column("备注", field="remarks", width=20)


@dataclass
class ImportContext:
    """What every row of one import shares: who imports, into which unit, and the lookup tables of that county."""

    user: object
    unit: Unit  # the unit the import is for (county, town or village); None only for KIND units
    county: Unit = None

    def __post_init__(self):
        self.county = None if self.unit is None else (self.unit if self.unit.level == "county" else self.unit.county)
        self._units = None
        self._orgs = None
        self._enterprises = None
        self._destinations = {}
        self._memo = {}  # cell text → unit (or the CellError): each distinct village/town name resolved once
        self.cell_memos = {}  # column → {cell text: value}: WorkerSchema.new_rows converts each distinct text once
        self.digest = crypto.digester()  # crypto.digest under the current key, for 100,000 rows

    def preload(self):
        """Every lookup table now, so that checking rows never queries (the rows may be checked in forked worker
        processes that must not touch the database connection)."""
        if self.county is not None:
            self.units()
            if self._orgs is None:
                self._load_orgs()
        self.enterprise_id("")

    # Units of the county -----------------------------------------------------------------------------------------
    def _load_units(self):
        units = list(Unit.objects.filter(county=self.county).only("id", "code", "name", "level", "kind", "parent_id",
                                                                   "county_id", "town_id"))
        by_id = {u.pk: u for u in units}
        for u in units:  # ancestry objects from the same list, so clean()/prepare() never query
            if u.town_id in by_id:
                u.town = by_id[u.town_id]
            if u.county_id in by_id:
                u.county = by_id[u.county_id]
        self._units = {
            "by_id": by_id,
            "by_code": {u.code: u for u in units},
            "towns_by_name": _group(((u.name, u) for u in units if u.level == "town")),
            "villages_by_town_name": {(u.town_id, u.name): u for u in units if u.level == "village"},
            "villages_by_name": _group(((u.name, u) for u in units if u.level == "village")),
        }

    def units(self):
        if self._units is None:
            self._load_units()
        return self._units

    def town_of(self):
        """The town the import is for, when it is a town or village import."""
        if self.unit is None or self.unit.level == "county":
            return None
        return self.units()["by_code"].get(self.unit.code[:9])

    def resolve_town(self, text):
        key = ("town", text)
        hit = self._memo.get(key)
        if hit is None:
            try:
                hit = self._memo[key] = self._resolve_town(text)
            except excel.CellError as exc:
                hit = self._memo[key] = exc
        if isinstance(hit, excel.CellError):
            raise hit
        return hit

    def resolve_village(self, text, town=None):
        key = ("village", text, town.pk if town is not None else None)
        hit = self._memo.get(key)
        if hit is None:
            try:
                hit = self._memo[key] = self._resolve_village(text, town)
            except excel.CellError as exc:
                hit = self._memo[key] = exc
        if isinstance(hit, excel.CellError):
            raise hit
        return hit

    def _resolve_town(self, text):
        units = self.units()
        code = normalize_code(text)
        if code.isdigit():
            unit = units["by_code"].get(code)
            if unit is None or unit.level != "town":
                raise excel.CellError(_("乡镇区划代码%(c)s不存在或不在本县。") % {"c": code}, "town_unknown")
            return unit
        found = units["towns_by_name"].get(excel.normalize_header(text), [])
        if len(found) == 1:
            return found[0]
        if not found:
            raise excel.CellError(_("本县没有名为“%(n)s”的乡镇，请核对名称或填写9位区划代码。") % {"n": text}, "town_unknown")
        raise excel.CellError(_("本县有多个名为“%(n)s”的乡镇，请填写9位区划代码。") % {"n": text}, "town_ambiguous")

    def _resolve_village(self, text, town=None):
        """A village by 12-digit code, or by name inside ``town`` (the row's own town, else the import's town),
        else by a name unique in the county (CONTRACT.md: 户籍村(社区))."""
        units = self.units()
        code = normalize_code(text)
        if code.isdigit():
            unit = units["by_code"].get(code)
            if unit is None or unit.level != "village":
                raise excel.CellError(_("村（社区）区划代码%(c)s不存在或不在本县。") % {"c": code}, "village_unknown")
            return unit
        name = excel.normalize_header(text)
        town = town or self.town_of()
        if town is not None:
            unit = units["villages_by_town_name"].get((town.pk, name))
            if unit is not None:
                return unit
            raise excel.CellError(_("%(t)s没有名为“%(n)s”的村（社区），请核对名称或填写12位区划代码。") % {
                "t": town.name, "n": text}, "village_unknown")
        found = units["villages_by_name"].get(name, [])
        if len(found) == 1:
            return found[0]
        if not found:
            raise excel.CellError(_("本县没有名为“%(n)s”的村（社区），请核对名称或填写12位区划代码。") % {"n": text},
                                  "village_unknown")
        towns = "、".join(sorted({u.town.name for u in found if getattr(u, "town", None)}))
        raise excel.CellError(_("本县有多个“%(n)s”（%(t)s），请填写“所属乡镇”列或12位区划代码。") % {"n": text, "t": towns},
                              "village_ambiguous")

    # Party organizations in scope --------------------------------------------------------------------------------
    def _load_orgs(self):
        orgs = (PartyOrganization.objects.all() if self.user is None
                else PartyOrganization.objects.restrict(self.user))
        if self.county is not None:
            orgs = orgs.filter(county=self.county)
        orgs = list(orgs.only("id", "name", "town_id", "county_id", "home_unit_id"))
        self._orgs = {"by_name": _group((excel.normalize_header(o.name), o) for o in orgs),
                      "by_id": {o.pk: o for o in orgs}}

    def resolve_org(self, text, town_id=None):
        """An organization by name, among those the user may see in the county; a name used in several towns is
        taken in the row's town when known (CONTRACT.md: by organization name within scope)."""
        if self._orgs is None:
            self._load_orgs()
        found = self._orgs["by_name"].get(excel.normalize_header(text), [])
        if len(found) > 1 and town_id is not None:
            found = [o for o in found if o.town_id == town_id] or found
        if len(found) == 1:
            return found[0]
        if not found:
            raise excel.CellError(_("您的管辖范围内没有名为“%(n)s”的党组织，请核对全称。") % {"n": text}, "organization_unknown")
        raise excel.CellError(_("有多个名为“%(n)s”的党组织，请写明“所属乡镇”或使用全称。") % {"n": text},
                              "organization_ambiguous")

    # Host enterprises by credit code, and destinations by address ------------------------------------------------
    def enterprise_id(self, credit_code):
        if self._enterprises is None:
            self._enterprises = dict(HostEnterprise.objects.values_list("credit_code", "id"))
        return self._enterprises.get(credit_code)

    def destination(self, text):
        code = self._destinations.get(text)
        if code is None:
            code = self._destinations[text] = regions.parse_address(text)
        return code


def _set_fk(obj, name, unit):
    """``obj.<name> = unit`` as the foreign-key descriptor does it (id and cached object), without its per-call
    checks: the units come from the county's own table loaded for this import."""
    obj.__dict__[f"{name}_id"] = None if unit is None else unit.pk
    obj._state.fields_cache[name] = unit


def _group(pairs):
    out = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


# Row state --------------------------------------------------------------------------------------------------------
class RowErrors:
    """Errors of one row: (header, code, message); the workflow adds sheet, row and the masked value."""

    __slots__ = ("items",)

    def __init__(self):
        self.items = []

    def add(self, header, code, message):
        self.items.append((header, code, message))

    def __bool__(self):
        return bool(self.items)


class NewRows:
    """What :meth:`WorkerSchema.new_rows` made of a run of new rows: ``taken[i]`` says whether row ``i`` passed,
    ``values`` maps a field's attname to its value for every row (meaningless for a refused row), and ``defaults``
    holds the value of every field it does not set."""

    __slots__ = ("taken", "values", "defaults")

    def __init__(self, taken, values, defaults):
        self.taken, self.values, self.defaults = taken, values, defaults

    def row(self, index) -> dict:
        """Every field's value for row ``index``, as an instance dict would hold them."""
        return {name: (self.values[name][index] if name in self.values else default)
                for name, default in self.defaults.items()}


_ABSENT = object()  # a column the row's sheet does not have
_REFUSED = object()  # a cell the one-pass path leaves to the model path
_MISSING = object()
_HOME_HEADERS = ("所属乡镇", "户籍村(社区)")


class _Refused(Exception):
    pass


_REFUSALS = (_Refused, ValidationError, excel.CellError)


def _each(values, convert, absent, memo, refused, width=1, keyed=None):
    """``convert`` over the cells of one column: ``absent`` where the sheet lacks the column, and the index into
    ``refused`` where it raises. With a ``memo``, once per distinct text: only texts are remembered (1, 1.0 and True
    are equal keys but different cells; ``keyed`` says which keys qualify), so a lookup can only find a text. A
    ``width`` > 1 gives ``width`` lists, one for each part of the converted tuples."""
    if memo is None:
        memo = {}
        keyed = _never
    memo[_ABSENT] = absent
    get = memo.get
    out = [get(value, _MISSING) for value in values]  # the common case in one pass: a text seen before
    for index, result in enumerate(out):
        if result is _MISSING:
            value = values[index]
            try:
                result = convert(value)
            except _REFUSALS:
                result = _REFUSED
            if keyed(value) if keyed is not None else type(value) is str:
                memo[value] = result
        if result is _REFUSED:
            refused.add(index)
            result = (_REFUSED,) * width if width > 1 else _REFUSED
        out[index] = result
    return out if width == 1 else [list(part) for part in zip(*out)] if out else [[] for _n in range(width)]


def _never(value):
    return False


def _text_pair(pair) -> bool:
    return all(type(value) is str or value is _ABSENT for value in pair)


def _no_record(value):
    if _text(value):  # a record id names an existing record: the model path says what is wrong
        raise _Refused


def _short_text(limit, value):
    text = _text(value)
    if len(text) > limit:
        raise _Refused
    return text


def _choice_cell(kind, text, keep_blank, maskable):
    """The stored value of a coded cell's text, or KEEP: a label or a word clerks write becomes the value; an empty
    cell clears it (or keeps it, with ``keep_blank``); a masked cell keeps it (with ``maskable``); anything else
    raises CellError."""
    value = choice_maps()[kind].get(text)
    if value is not None:
        return value
    if not text:
        return KEEP if keep_blank else ""
    if maskable and text == MASK_TEXT:
        return KEEP
    return choice_value(kind, text)


def _choice_or(kind, keep_blank, maskable, default, value):
    result = _choice_cell(kind, _text(value), keep_blank, maskable)
    return default if result is KEEP else result


def _scope_attnames(model):
    """The attnames the scoping layer reads to place a new ``model`` instance (zyparty.scoping.permits)."""
    names = []
    for paths in model.scope_paths.values():
        for path in [paths] if isinstance(paths, str) else paths:
            if path != "pk" and f"{path}_id" not in names:
                names.append(f"{path}_id")
    return names


# Ledger schemas ---------------------------------------------------------------------------------------------------
class LedgerSchema:
    kind = ""
    label = ""
    model = None
    columns: tuple = ()
    key_header = ""
    min_matches = 2
    # model field → header, for the errors clean() raises
    error_headers: dict = {}

    def __init__(self):
        self.by_header = {c.header: c for c in self.columns}
        self._field_limits = {}
        for column in self.columns:
            if column.field:
                try:
                    model_field = self.model._meta.get_field(column.field)
                except Exception:
                    continue
                if getattr(model_field, "max_length", None) and not model_field.is_relation:
                    self._field_limits[column.header] = model_field
        self.error_headers = {**{c.field: c.header for c in self.columns if c.field}, **type(self).error_headers}

    @property
    def aliases(self):
        table = {}
        for column in self.columns:
            for name in (column.header, *column.aliases):
                table[excel.normalize_header(name)] = column.header
        return table

    @property
    def required_headers(self):
        return [c.header for c in self.columns if c.required]

    def template_columns(self):
        return [c for c in self.columns if c.contract]

    def export_columns(self):
        return list(self.columns)

    def check_length(self, header, value, errors):
        field = self._field_limits.get(header)
        if field is not None and len(value) > field.max_length:
            try:
                field.run_validators(value)
            except ValidationError as exc:
                errors.add(header, "max_length", exc.messages[0])
                return False
        return True

    def header_for(self, field_name):
        return self.error_headers.get(field_name, "")

    def set_phone(self, obj, field, masked_field, header, raw, errors, existing):
        try:
            text = excel.cell_code(raw)
        except excel.CellError as exc:
            errors.add(header, exc.code, exc.message)
            return
        if is_masked(text):
            if existing is not None and text == getattr(existing, masked_field):
                return  # unchanged
            errors.add(header, "masked_mismatch", _("电话为脱敏显示且与原记录不符，请填写完整号码或保留导出时的内容。"))
            return
        setattr(obj, field, text)

    def set_date(self, obj, field, header, cells, errors, required=False):
        if header not in cells:
            return
        try:
            value = excel.cell_date(cells[header])
        except excel.CellError as exc:
            errors.add(header, exc.code, exc.message)
            return
        if value is None and required:
            errors.add(header, "required", _("请填写%(h)s。") % {"h": header})
            return
        setattr(obj, field, value)

    def set_org(self, obj, field, header, cells, ctx, errors, required=False):
        if header not in cells:
            return
        text = _text(cells[header])
        if not text:
            if required:
                errors.add(header, "required", _("请填写%(h)s。") % {"h": header})
            else:
                setattr(obj, field, None)
            return
        try:
            setattr(obj, field, ctx.resolve_org(text, obj.town_id))
        except excel.CellError as exc:
            errors.add(header, exc.code, exc.message)


_text = excel.cell_text


class PersonSchema(LedgerSchema):
    """Shared by workers, members and activists: identity, home village/town, remarks, record id."""

    key_header = "身份证号"
    place_header = "户籍村(社区)"
    birth_rules = False  # clean() of members/activists checks ages against the birth date in the ID number
    error_headers = {"id_number": "身份证号", "phone": "联系电话", "village": "户籍村(社区)", "town": "所属乡镇"}

    def key_of(self, cells):
        """('id', normalised number) / ('pk', record id) / raises CellError: the natural key of a row."""
        raw = cells.get("身份证号", "")
        if isinstance(raw, float) and abs(raw) >= 1e15:
            raise excel.CellError(_(
                "身份证号被 Excel 存成了数字（显示为%(v)s），只保留了15位有效数字，末尾几位已丢失、无法恢复。请把该列设置为"
                "“文本”格式后重新录入身份证号。") % {"v": f"{raw:.14E}"}, "number_lost_digits")
        text = excel.cell_code(raw)
        if not text:
            raise excel.CellError(_("请填写身份证号。"), "required")
        if is_masked(text):
            record = excel.cell_text(cells.get("记录编号", ""))
            if not record.isdigit():
                raise excel.CellError(_("身份证号为脱敏显示（%(v)s），无法确定是哪条记录。请保留导出文件中的“记录编号”列，"
                                        "或填写完整的身份证号。") % {"v": text}, "masked_without_record")
            return "pk", int(record), text
        return "id", normalize_id_number(text), text

    def set_home(self, obj, cells, ctx, errors, is_new, unit_default=True):
        """Town and village from 所属乡镇 / 户籍村(社区), else (new rows) from the import's own unit."""
        town = None
        if "所属乡镇" in cells:
            text = _text(cells["所属乡镇"])
            if text:
                try:
                    town = ctx.resolve_town(text)
                except excel.CellError as exc:
                    errors.add("所属乡镇", exc.code, exc.message)
                    return
        if "户籍村(社区)" in cells:
            text = _text(cells["户籍村(社区)"])
            if text:
                try:
                    village = ctx.resolve_village(text, town)
                except excel.CellError as exc:
                    errors.add("户籍村(社区)", exc.code, exc.message)
                    return
                _set_fk(obj, "village", village)
                _set_fk(obj, "town", town or village.town)
                return
            if town is not None or is_new:
                _set_fk(obj, "village", None)
        if town is not None:
            _set_fk(obj, "town", town)
            return
        if is_new and unit_default:
            self.home_from_unit(obj, ctx)

    def home_from_unit(self, obj, ctx):
        """A new row that names no village or town belongs to the town (or village) the import is for."""
        if ctx.unit is not None and ctx.unit.level != "county":
            units = ctx.units()["by_code"]
            _set_fk(obj, "town", units.get(ctx.unit.code[:9]))
            if ctx.unit.level == "village" and obj.village_id is None:
                _set_fk(obj, "village", units.get(ctx.unit.code))

    def apply_common(self, obj, cells, ctx, errors, key, existing, unit_default=True):
        """Name, ID number (unless masked), phone, home, remarks."""
        if "姓名" in cells:
            name = _text(cells["姓名"])
            if not name:
                errors.add("姓名", "required", _("请填写姓名。"))
            elif self.check_length("姓名", name, errors):
                obj.name = name
        kind, _value, id_text = key
        if kind == "id":
            obj.id_number = id_text
        elif existing is not None and id_text != existing.id_masked:
            errors.add("身份证号", "masked_mismatch", _("脱敏身份证号与记录编号对应的记录不一致，请核对“记录编号”列。"))
        if "联系电话" in cells:
            self.set_phone(obj, "phone", "phone_masked", "联系电话", cells["联系电话"], errors, existing)
        self.set_home(obj, cells, ctx, errors, existing is None, unit_default)
        if "备注" in cells:
            obj.remarks = _text(cells["备注"])


class WorkerSchema(PersonSchema):
    kind = "workers"
    label = "农民工台账"
    model = Worker
    columns = (
        NAME, ID_NUMBER,
        Column("联系电话", field="phone", aliases=("电话", "手机", "手机号", "手机号码", "联系方式"), width=14, text=True),
        VILLAGE,
        Column("外出/外来", field="direction", aliases=("外出外来", "类型", "流动类型"), width=9, options="direction",
               help="外出（本县人员外出务工）或外来（外地人员在本县务工）。"),
        Column("务工地", field="destination_text", aliases=("务工地点", "流动去向", "外出地点", "务工地址"), width=22,
               help="写明省、市、县（区），如：广东省深圳市宝安区。"),
        Column("务工单位", field="employer_name", aliases=("工作单位", "务工企业"), width=22),
        Column("统一社会信用代码", field="employer_credit_code", aliases=("信用代码", "企业信用代码"), width=22, text=True,
               help="务工单位的18位统一社会信用代码；与已登记的聚集地企业一致时自动关联。"),
        Column("从事行业", field="industry", aliases=("行业",), width=14, options="industry"),
        Column("就业技能", field="skills", aliases=("技能", "专业技能"), width=12),
        Column("月收入(元)", field="monthly_income", aliases=("月收入", "收入", "月均收入", "收入水平"), width=10),
        Column("政治面貌", field="political_status", width=12, options="political_status"),
        Column("家庭情况", field="family_situation", width=24,
               help="如：家中有留守儿童两名、父母年迈独居、配偶在家务农。提到留守儿童、老人、配偶时自动标记“三留守”。"),
        Column("返乡意向", field="return_intention", width=12, options="return_intention"),
        Column("入党意愿", field="party_wish", width=9, options="wish"),
        Column("任职意愿", field="post_wish", width=9, options="wish"),
        Column("外出时间", field="left_on", aliases=("外出日期",), width=12, date=True,
               help="如 2020-06-26、2020.6.26 或 2020年6月26日。"),
        REMARKS, TOWN, RECORD_ID,
    )
    error_headers = {**PersonSchema.error_headers, "destination_code": "务工地", "destination_text": "务工地",
                     "enterprise": "统一社会信用代码"}

    # (header, field, choice kind, blank keeps the stored value, "******" keeps it) — the coded columns
    CHOICE_COLUMNS = (("外出/外来", "direction", "direction", True, False),
                      ("从事行业", "industry", "industry", False, False),
                      ("政治面貌", "political_status", "political_status", False, True),
                      ("返乡意向", "return_intention", "return_intention", False, False),
                      ("入党意愿", "party_wish", "wish", False, False),
                      ("任职意愿", "post_wish", "wish", False, False))
    TEXT_COLUMNS = (("务工单位", "employer_name"), ("就业技能", "skills"))

    def __init__(self):
        super().__init__()
        field = self.model._meta.get_field
        self._max_name = field("name").max_length
        self._max_text = {name: field(name).max_length for name in ("destination_text", "employer_name", "skills")}

    def set_choices(self, d, cells, errors):
        """The coded columns into the instance dict ``d`` (:func:`_choice_cell`)."""
        for header, field, kind, keep_blank, maskable in self.CHOICE_COLUMNS:
            if header not in cells:
                continue
            try:
                value = _choice_cell(kind, _text(cells[header]), keep_blank, maskable)
            except excel.CellError as exc:
                errors.add(header, exc.code, exc.message)
                continue
            if value is not KEEP:
                d[field] = value

    def apply(self, obj, cells, ctx, errors, key, existing):
        self.apply_common(obj, cells, ctx, errors, key, existing)
        d = obj.__dict__  # plain field attributes: what setattr would do, without the descriptor lookups
        self.set_choices(d, cells, errors)
        if "务工地" in cells:
            text = _text(cells["务工地"])
            if existing is None or not _same_place(text, existing.destination_text, existing.destination_code):
                if self.check_length("务工地", text, errors):
                    d["destination_text"] = text
                    d["destination_code"] = ctx.destination(text) if text else ""
        for header, field in self.TEXT_COLUMNS:
            if header in cells:
                text = _text(cells[header])
                if self.check_length(header, text, errors):
                    d[field] = text
        if "统一社会信用代码" in cells:
            try:
                code = excel.cell_code(cells["统一社会信用代码"])
            except excel.CellError as exc:
                errors.add("统一社会信用代码", exc.code, exc.message)
            else:
                d["employer_credit_code"] = code
                if code:
                    obj.enterprise_id = ctx.enterprise_id(normalize_code(code)) or (
                        existing.enterprise_id if existing is not None and existing.employer_credit_code == code
                        else None)
        if "月收入(元)" in cells:
            try:
                d["monthly_income"] = excel.cell_int(cells["月收入(元)"])
            except excel.CellError as exc:
                errors.add("月收入(元)", exc.code, exc.message)
        if "家庭情况" in cells:
            text = _text(cells["家庭情况"])
            if text != MASK_TEXT and (existing is None or text != existing.family_situation):
                d["family_situation"] = text
                d["left_behind_children"], d["left_behind_elderly"], d["left_behind_spouse"] = left_behind_flags(text)
        self.set_date(obj, "left_on", "外出时间", cells, errors)

    def new_rows(self, entries, ctx, admit):
        """New rows in one pass, column by column: for ``entries`` (the import's ``(sheet, row, cells, cols, key,
        None)``), which rows are clean and the values :meth:`apply`, ``Worker.clean()`` and ``Worker.prepare()`` would
        leave in a new instance for each, made by the same rule functions (validators, regions, pinyin, the choice
        and home rules of this schema). A cell's text is converted once per distinct text of the file (villages,
        choices, dates repeat; ``ctx.cell_memos``). ``admit(instance)`` says whether a row with these units is inside
        the import's scope (asked once per distinct place). A row is refused at the first sign of anything else — an
        error, a masked cell, a record id, a place out of scope — and the caller takes the model path for it, which
        finds and words every error. An import checks 100,000 rows this way in a third of the time a row at a time
        takes (issue 4 bench, PERFORMANCE.md); ``ledgers/tests/test_import_fast_path.py`` proves both paths agree."""
        size = len(entries)
        defaults = self._defaults()
        memos = ctx.cell_memos
        refused = set()
        limits = self._max_text
        cells = [entry[2] for entry in entries]

        def column(header):
            return [c.get(header, _ABSENT) for c in cells]

        def each(header, convert, absent, memo_name=None, width=1):
            return _each(column(header), convert, absent, None if memo_name is None else memos.setdefault(
                memo_name, {}), refused, width)

        # Identity: the key (an ID number), the name, the phone; never the same twice, so never memoised.
        numbers = []
        for index, entry in enumerate(entries):
            key = entry[4]
            try:
                if key[0] != "id":
                    raise _Refused
                numbers.append(validate_id_number(key[1]))
            except (_Refused, ValidationError):
                refused.add(index)
                numbers.append("")
        each("记录编号", _no_record, None, "record")

        def name_of(value):
            text = _text(value)
            if not text or len(text) > self._max_name:
                raise _Refused
            return normalize_text(text)

        names = each("姓名", name_of, _REFUSED)
        phones = each("联系电话", lambda value: validate_phone(excel.cell_code(value)), "")

        # Home: town and village by this schema's own rule (set_home), once per distinct pair of cells.
        def home(pair):
            obj = self.model()
            errors = RowErrors()
            self.set_home(obj, {h: v for h, v in zip(_HOME_HEADERS, pair) if v is not _ABSENT}, ctx, errors, True)
            cache = obj._state.fields_cache
            if errors or obj.town_id is None or (obj.village_id is not None
                                                 and cache["village"].town_id != obj.town_id):
                raise _Refused
            return cache["town"].county_id, obj.town_id, obj.village_id

        pairs = list(zip(column(_HOME_HEADERS[0]), column(_HOME_HEADERS[1])))
        homes = _each(pairs, home, None, memos.setdefault("home", {}), refused, 3, keyed=_text_pair)
        values = {"county_id": homes[0], "town_id": homes[1], "village_id": homes[2]}

        # Coded columns, free text, codes, numbers and dates.
        for header, field, kind, keep_blank, maskable in self.CHOICE_COLUMNS:
            default = defaults[field]
            values[field] = each(header, functools.partial(_choice_or, kind, keep_blank, maskable, default), default,
                                 field)

        def destination(value):
            text = _text(value)
            if len(text) > limits["destination_text"]:
                raise _Refused
            code = ctx.destination(text) if text else ""
            if text and not (code and regions.region(code)):
                raise _Refused
            return text, code

        values["destination_text"], values["destination_code"] = each(
            "务工地", destination, (defaults["destination_text"], defaults["destination_code"]), "destination", 2)
        for header, field in self.TEXT_COLUMNS:
            values[field] = each(header, functools.partial(_short_text, limits[field]), defaults[field], field)

        def credit_code(value):
            code = excel.cell_code(value)
            if not code:
                return code, defaults["enterprise_id"]
            return validate_credit_code(code), ctx.enterprise_id(normalize_code(code))

        values["employer_credit_code"], values["enterprise_id"] = each(
            "统一社会信用代码", credit_code, (defaults["employer_credit_code"], defaults["enterprise_id"]), "credit_code", 2)
        values["monthly_income"] = each("月收入(元)", excel.cell_int, defaults["monthly_income"], "income")
        values["left_on"] = each("外出时间", excel.cell_date, defaults["left_on"], "date")

        def family(value):
            text = _text(value)
            if text == MASK_TEXT:  # masked: the stored value (a new row's default) stays
                return family_default
            return (text, *left_behind_flags(text))

        family_default = (defaults["family_situation"], defaults["left_behind_children"],
                          defaults["left_behind_elderly"], defaults["left_behind_spouse"])
        (values["family_situation"], values["left_behind_children"], values["left_behind_elderly"],
         values["left_behind_spouse"]) = each("家庭情况", family, family_default, "family", 4)
        values["remarks"] = each("备注", _text, defaults["remarks"], "remarks")

        # Worker.prepare(): the stored companions.
        digest = ctx.digest
        values["name"] = names
        values["name_initials"] = [initials(name) if name is not _REFUSED else "" for name in names]
        values["id_number"] = numbers
        values["id_digest"] = [digest(number) for number in numbers]
        values["id_masked"] = [mask_id_number(number) for number in numbers]
        facts = [id_number_facts(number) if number else (None, None) for number in numbers]
        values["gender"], values["birth_date"] = [f[0] for f in facts], [f[1] for f in facts]
        values["phone"] = phones
        values["phone_digest"] = [digest(phone) if phone is not _REFUSED else "" for phone in phones]
        values["phone_masked"] = [mask_phone(phone) if phone is not _REFUSED else "" for phone in phones]
        values["completeness"] = [sum(six_clears(*row)) for row in zip(
            values["destination_code"], values["direction"], values["employer_name"], values["enterprise_id"],
            values["industry"], values["political_status"], values["return_intention"], values["party_wish"],
            values["post_wish"])]

        # Scope: once per distinct place (the model's scope paths), by the caller's rule.
        scope_names = _scope_attnames(self.model)
        allowed = memos.setdefault("scope", {})
        places = zip(*[values[name] if name in values else [defaults[name]] * size for name in scope_names])
        for index, place in enumerate(places):
            if index in refused:
                continue
            ok = allowed.get(place)
            if ok is None:
                probe = self.model()
                probe.__dict__.update(zip(scope_names, place))
                ok = allowed[place] = bool(admit(probe))
            if not ok:
                refused.add(index)
        return NewRows([index not in refused for index in range(size)], values, defaults)

    _defaults_cache = None

    def _defaults(self):
        """The field values of a blank instance (what a new row keeps where the file says nothing)."""
        if self._defaults_cache is None:
            fields = self.model._meta.concrete_fields
            assert not any(f.has_default() and callable(f.default) for f in fields), "one blank serves every row"
            blank = self.model()
            self._defaults_cache = {f.attname: blank.__dict__[f.attname] for f in self.model._meta.concrete_fields}
        return self._defaults_cache

    # Export ------------------------------------------------------------------------------------------------------
    MASKED_VALUES = ("name", "id_masked", "phone_masked", "village__name", "direction", "destination_text",
                     "destination_code", "employer_name", "employer_credit_code", "industry", "skills",
                     "monthly_income", "political_status", "has_family", "return_intention", "party_wish",
                     "post_wish", "left_on", "remarks", "town__name", "id")

    def export_rows(self, queryset, unmask):
        """Cell values per record, in column order; masked unless ``unmask`` (values() rows: no decryption)."""
        from django.db.models import Case, Q, Value, When
        from django.db.models import BooleanField

        direction = {v: str(label) for v, label in choices.Direction.choices}
        industry = {v: str(label) for v, label in choices.Industry.choices}
        political = {v: str(label) for v, label in choices.PoliticalStatus.choices}
        intention = {v: str(label) for v, label in choices.Intention.choices}
        wish = {v: str(label) for v, label in choices.Wish.choices}
        direction[""] = industry[""] = political[""] = intention[""] = wish[""] = ""
        if unmask:
            names = [n for n in self.MASKED_VALUES if n not in ("id_masked", "phone_masked", "has_family")]
            qs = queryset.values_list(*names[:1], "id_number", "phone", *names[1:], "family_situation")
        else:
            qs = queryset.annotate(has_family=Case(When(Q(family_situation=""), then=Value(False)), default=Value(True),
                                                   output_field=BooleanField())).values_list(*self.MASKED_VALUES)
        for row in qs.iterator(chunk_size=2000):
            if unmask:
                (name, id_number, phone, village, dir_, dest_text, dest_code, employer, credit, ind, skills, income,
                 pol, intent, pwish, postwish, left_on, remarks, town, pk, family) = row
                pol_label = political.get(pol, pol)
            else:
                (name, id_number, phone, village, dir_, dest_text, dest_code, employer, credit, ind, skills, income,
                 pol, has_family, intent, pwish, postwish, left_on, remarks, town, pk) = row
                family = MASK_TEXT if has_family else ""
                pol_label = MASK_TEXT if pol else ""
            yield [name, id_number, phone, village or "", direction.get(dir_, dir_),
                   dest_text or regions.region_label(dest_code), employer, credit, industry.get(ind, ind), skills,
                   income, pol_label, family, intention.get(intent, intent), wish.get(pwish, pwish),
                   wish.get(postwish, postwish), left_on, remarks, town or "", pk]


class MemberSchema(PersonSchema):
    kind = "members"
    label = "农民工党员台账"
    model = PartyMember
    birth_rules = True
    columns = (
        NAME, ID_NUMBER,
        Column("入党日期", field="joined_on", required=True, aliases=("入党时间",), width=12, date=True),
        Column("转正日期", field="full_member_on", aliases=("转正时间",), width=12, date=True,
               help="预备党员留空。"),
        Column("组织关系所在党组织", field="home_organization", required=True, aliases=("组织关系所在支部", "所在党组织"),
               width=26, options="organizations", help="党组织全称，须在您的管辖范围内。"),
        Column("参加活动党组织", field="activity_organization", aliases=("参加组织生活党组织", "活动党组织"), width=26,
               options="organizations"),
        Column("流动党员活动证号", field="certificate_no", aliases=("活动证号", "流动党员活动证编号"), width=18, text=True),
        REMARKS,
        Column("户籍村(社区)", field="village", aliases=VILLAGE.aliases, contract=False, width=14,
               help=VILLAGE.help),
        TOWN, RECORD_ID,
    )

    def apply(self, obj, cells, ctx, errors, key, existing):
        self.apply_common(obj, cells, ctx, errors, key, existing, unit_default=False)
        self.set_date(obj, "joined_on", "入党日期", cells, errors, required=True)
        self.set_date(obj, "full_member_on", "转正日期", cells, errors)
        self.set_org(obj, "home_organization", "组织关系所在党组织", cells, ctx, errors, required=True)
        self.set_org(obj, "activity_organization", "参加活动党组织", cells, ctx, errors)
        if "流动党员活动证号" in cells:
            text = _text(cells["流动党员活动证号"])
            if self.check_length("流动党员活动证号", text, errors):
                obj.certificate_no = text
        if existing is None and obj.town_id is None:
            _place_from_org(obj, obj.home_organization if obj.home_organization_id else None, ctx)
            if obj.town_id is None:
                self.home_from_unit(obj, ctx)

    def export_rows(self, queryset, unmask):
        fields = ("name", "id_number" if unmask else "id_masked", "joined_on", "full_member_on",
                  "home_organization__name", "activity_organization__name", "certificate_no", "remarks",
                  "village__name", "town__name", "id")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            yield [v if v is not None else "" for v in row[:2]] + list(row[2:4]) + [
                v or "" for v in row[4:10]] + [row[10]]


class ActivistSchema(PersonSchema):
    kind = "activists"
    label = "入党积极分子台账"
    model = Activist
    birth_rules = True
    columns = (
        NAME, ID_NUMBER,
        Column("申请入党日期", field="applied_on", required=True, aliases=("申请入党时间", "递交申请书日期"), width=12,
               date=True),
        Column("确定积极分子日期", field="activist_on", aliases=("确定为积极分子日期", "确定入党积极分子日期"), width=12,
               date=True),
        Column("培养联系人", field="cultivation_contacts", aliases=("培养人",), width=16, help="1至2名正式党员，用顿号分隔。"),
        Column("培养党组织", field="cultivating_organization", width=26, options="organizations"),
        Column("户籍地党组织", field="home_organization", aliases=("户籍所在地党组织",), width=26, options="organizations"),
        REMARKS,
        Column("户籍村(社区)", field="village", aliases=VILLAGE.aliases, contract=False, width=14,
               help=VILLAGE.help),
        TOWN, RECORD_ID,
    )

    def apply(self, obj, cells, ctx, errors, key, existing):
        self.apply_common(obj, cells, ctx, errors, key, existing, unit_default=False)
        self.set_date(obj, "applied_on", "申请入党日期", cells, errors, required=True)
        self.set_date(obj, "activist_on", "确定积极分子日期", cells, errors)
        if "培养联系人" in cells:
            text = _text(cells["培养联系人"])
            if self.check_length("培养联系人", text, errors):
                obj.cultivation_contacts = text
        self.set_org(obj, "cultivating_organization", "培养党组织", cells, ctx, errors)
        self.set_org(obj, "home_organization", "户籍地党组织", cells, ctx, errors)
        if existing is None:
            if obj.town_id is None:
                _place_from_org(obj, obj.home_organization if obj.home_organization_id else (
                    obj.cultivating_organization if obj.cultivating_organization_id else None), ctx)
                if obj.town_id is None:
                    self.home_from_unit(obj, ctx)
            obj.stage = choices.ActivistStage.ACTIVIST if obj.activist_on else choices.ActivistStage.APPLICANT

    def export_rows(self, queryset, unmask):
        fields = ("name", "id_number" if unmask else "id_masked", "applied_on", "activist_on", "cultivation_contacts",
                  "cultivating_organization__name", "home_organization__name", "remarks", "village__name",
                  "town__name", "id")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            yield list(row[:4]) + [v or "" for v in row[4:10]] + [row[10]]


def _same_place(text, stored_text, stored_code):
    """The cell still says what the record holds: its own text, or (text empty) the label export wrote for its code.
    Re-parsing would otherwise turn a code set by hand into whatever the address parser makes of the label."""
    return text == stored_text or (not stored_text and text == regions.region_label(stored_code))


def _place_from_org(obj, org, ctx):
    """A new member/activist without 户籍村/所属乡镇 belongs where their home organization is (the model's own
    prepare() does the same for the town)."""
    if org is None or not org.town_id:
        return
    by_id = ctx.units()["by_id"]
    obj.town = by_id.get(org.town_id)
    home = by_id.get(org.home_unit_id)
    if home is not None and home.level == "village":
        obj.village = home


class EnterpriseSchema(LedgerSchema):
    kind = "enterprises"
    label = "聚集地企业台账"
    model = HostEnterprise
    key_header = "统一社会信用代码"
    place_header = "建档乡镇"
    columns = (
        Column("企业名称", field="name", required=True, aliases=("单位名称", "企业"), width=26),
        Column("统一社会信用代码", field="credit_code", required=True, aliases=("信用代码",), width=22, text=True),
        Column("所在地", field="address", aliases=("企业所在地", "地址", "所在地址"), width=26,
               help="写明省、市、县（区），如：浙江省杭州市西湖区。"),
        Column("行业", field="industry", aliases=("所属行业", "从事行业"), width=14, options="industry"),
        Column("党建联络员", field="liaison_name", aliases=("联络员",), width=10),
        Column("联络员电话", field="liaison_phone", aliases=("联络员联系电话", "联系电话"), width=14, text=True),
        Column("党组织", field="party_organization", aliases=("企业党组织",), width=26, options="organizations"),
        REMARKS,
        Column("建档乡镇", field="town", aliases=("所属乡镇", "乡镇"), contract=False, width=12,
               help="负责联系该企业的乡镇；按乡镇导入时可不填。"),
        RECORD_ID,
    )
    error_headers = {"credit_code": "统一社会信用代码", "liaison_phone": "联络员电话", "location_code": "所在地",
                     "address": "所在地", "town": "建档乡镇"}

    def key_of(self, cells):
        code = excel.cell_code(cells.get("统一社会信用代码", ""))
        if not code:
            raise excel.CellError(_("请填写统一社会信用代码。"), "required")
        return "code", normalize_code(code), code

    def apply(self, obj, cells, ctx, errors, key, existing):
        if "企业名称" in cells:
            name = _text(cells["企业名称"])
            if not name:
                errors.add("企业名称", "required", _("请填写企业名称。"))
            elif self.check_length("企业名称", name, errors):
                obj.name = name
        obj.credit_code = key[2]
        if "所在地" in cells:
            text = _text(cells["所在地"])
            if existing is None or not _same_place(text, existing.address, existing.location_code):
                if self.check_length("所在地", text, errors):
                    obj.address = text
                    obj.location_code = ctx.destination(text) if text else ""
        if "行业" in cells:
            text = _text(cells["行业"])
            try:
                obj.industry = choice_value("industry", text) if text else ""
            except excel.CellError as exc:
                errors.add("行业", exc.code, exc.message)
        if "党建联络员" in cells:
            text = _text(cells["党建联络员"])
            if self.check_length("党建联络员", text, errors):
                obj.liaison_name = text
        if "联络员电话" in cells:
            self.set_phone(obj, "liaison_phone", "liaison_phone_masked", "联络员电话",
                                   cells["联络员电话"], errors, existing)
        if "建档乡镇" in cells and _text(cells["建档乡镇"]):
            try:
                obj.town = ctx.resolve_town(_text(cells["建档乡镇"]))
            except excel.CellError as exc:
                errors.add("建档乡镇", exc.code, exc.message)
        elif existing is None and ctx.unit is not None and ctx.unit.level != "county":
            obj.town = ctx.units()["by_code"].get(ctx.unit.code[:9])
        if "党组织" in cells:
            self.set_org(obj, "party_organization", "党组织", cells, ctx, errors)
        if "备注" in cells:
            obj.remarks = _text(cells["备注"])

    def export_rows(self, queryset, unmask):
        industry = {v: str(label) for v, label in choices.Industry.choices}
        fields = ("name", "credit_code", "address", "location_code", "industry", "liaison_name",
                  "liaison_phone" if unmask else "liaison_phone_masked", "party_organization__name", "remarks",
                  "town__name", "id")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            (name, code, address, location, ind, liaison, phone, org, remarks, town, pk) = row
            yield [name, code, address or regions.region_label(location), industry.get(ind, ind or ""), liaison,
                   phone or "", org or "", remarks, town or "", pk]


class UnitSchema(LedgerSchema):
    """行政区划 (CONTRACT.md): a county sets itself up from a sheet of codes and names."""

    kind = "units"
    label = "行政区划"
    model = Unit
    key_header = "区划代码"
    place_header = "区划代码"
    columns = (
        Column("区划代码", field="code", required=True, aliases=("代码", "统计用区划代码", "行政区划代码"), width=16,
               text=True, help="县6位、乡镇9位、村（社区）12位。"),
        Column("名称", field="name", required=True, aliases=("区划名称", "单位名称"), width=20),
    )

    def key_of(self, cells):
        code = excel.cell_code(cells.get("区划代码", ""))
        if not code:
            raise excel.CellError(_("请填写区划代码。"), "required")
        return "code", normalize_code(code), code

    def export_rows(self, queryset, unmask):
        for code, name in queryset.order_by("code").values_list("code", "name").iterator(chunk_size=2000):
            yield [code, name]


SCHEMAS = {s.kind: s for s in (WorkerSchema(), EnterpriseSchema(), MemberSchema(), ActivistSchema(), UnitSchema())}
KIND_LABELS = {kind: schema.label for kind, schema in SCHEMAS.items()}
MODEL_KINDS = {Worker: "workers", HostEnterprise: "enterprises", PartyMember: "members", Activist: "activists",
               Unit: "units"}


def schema_for(kind) -> LedgerSchema:
    try:
        return SCHEMAS[kind]
    except KeyError:
        raise ValueError(f"unknown ledger kind {kind!r}; one of {', '.join(SCHEMAS)}")


def masked_cell(header, value):
    """How a cell's value appears in an error report: personal data masked (SECURITY.md "imports")."""
    text = value if isinstance(value, str) else excel.cell_text(value)
    if not text:
        return ""
    if header in ("身份证号",):
        return mask_id_number(normalize_code(text)) if not is_masked(text) else text
    if header in ("联系电话", "联络员电话"):
        return mask_phone(normalize_code(text)) if not is_masked(text) else text
    if header in ("家庭情况", "政治面貌"):
        return mask_text(text)
    return text[:60]


def template_instructions(schema, unit):
    """The rows of the 填写说明 sheet (Chinese)."""
    place = unit.name if unit is not None else ""
    rows = [
        (_("模板"), _("%(l)s导入模板%(p)s") % {"l": schema.label, "p": f"（{place}）" if place else ""}),
        (_("怎样填写"), _("第1行为表头，请勿修改列名；从第2行起每行一条记录。表头上方可以有标题行，系统会自动识别表头。")),
        (_("必填列"), "、".join(schema.required_headers) + _("（表头为红色）。")),
        (_("身份证号"), _("18位，末位可为X。请保持“文本”格式：若被 Excel 显示成 6.10924E+17 之类的科学计数法，末尾几位已经丢失，"
                      "导入时会报错。")),
        (_("日期"), _("可写 2020-06-26、2020/6/26、2020.6.26 或 2020年6月26日，也可以是 Excel 日期。")),
        (_("下拉选项"), _("带下拉箭头的列请从列表中选择；村（社区）、党组织列表为您管辖范围内的名称。")),
        (_("导入规则"), _("按身份证号（企业按统一社会信用代码，区划按代码）识别记录：已有记录更新，没有的新增；"
                      "整个文件全部正确才会写入，有任何错误则一条也不写入，并列出每个错误的工作表、行、列。")),
        (_("脱敏导出回传"), _("从系统导出的文件可修改后直接导入。脱敏显示（带*号）的身份证号按“记录编号”列匹配原记录，"
                        "脱敏的电话、家庭情况、政治面貌视为未修改；请勿删除“记录编号”列。")),
        (_("文件格式"), _("支持 .xlsx、.xls（含 WPS 表格）和 .ods；不要设置打开密码。")),
    ]
    for column in schema.template_columns():
        if column.help:
            rows.append((column.header, column.help))
    return rows
