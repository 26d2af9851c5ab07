"""Service records by Excel (issue 14 item 6): the base of the schemas that the apps above the ledgers register
(services: trainings and their sign-in sheets, service cases, liaison records, job fairs, employment agreements;
talent: returnee ventures), run by the same engine as the ledgers (ledgers.importing): preview, all or nothing,
errors per cell, re-import of an unchanged file writes nothing.

What differs from a ledger is only what the engine asks of the schema:

- **the natural key** (``key_headers``, documented in ``key_help``: the instructions sheet of the template and
  README "Service records by Excel"): a row names its record by those cells, or by 记录编号 when the file came from
  an export (the 记录编号 wins, so an exported file can correct a date of the key);
- **the records the keys name** (:meth:`RecordSchema.load_existing`, once per import: the records, the people of
  the file by ID number digest in the importer's scope, and whatever else the rows refer to), so that checking rows
  never queries;
- **the writer** (:class:`RecordWriter`): the engine's bulk writer, after the parents a row creates (a sign-in
  sheet's trainings) are saved;
- rows are checked in this process (``parallel = False``): files of service records are small, and the objects a
  sheet shares (one training for its attendees) stay one object.

People are matched by ``id_digest`` (the keyed hash, zyparty.crypto) — never by decrypting the stored numbers — among
the workers and members the importer may see (zyparty.scoping); a number nobody in the county has is an error of the
row, a person outside the importer's scope is refused with its own message.
"""

import functools
import json
from decimal import Decimal, InvalidOperation

from django.db.models import JSONField
from django.utils.translation import gettext as _

from ledgers.importing.checking import fetch
from ledgers.importing.writing import RowWriter
from ledgers.models import PartyMember, Worker
from ledgers.schemas import template_instructions
from ledgers.schemas.base import LedgerSchema
from ledgers.schemas.columns import Column, is_masked
from ledgers.schemas.context import set_fk
from zyparty import excel
from zyparty.masking import mask_id_number
from zyparty.validators import normalize_id_number

_text = excel.cell_text

RECORD_ID = Column("记录编号", aliases=("系统编号", "记录ID"), width=10,
                   help="导出时附带的系统记录编号：填了就按它更新原记录（可借此更正关键列），新增记录留空。")
ID_NUMBER = Column("身份证号", aliases=("身份证号码", "公民身份号码", "身份证"), width=22, text=True,
                   help="18位居民身份证号，须是农民工台账或党员台账中、您管辖范围内的人员。")


# Coded cells ------------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _choice_table(choice_class, extra):
    table = {}
    for value, label in choice_class.choices:
        for word in (str(label), value):
            table[excel.normalize_header(word).lower()] = value
    for word, value in extra:
        table[excel.normalize_header(word).lower()] = value
    return table


def coded_cell(ctx, header, choice_class, text, extra=()):
    """The stored value of a coded cell of a service record: the choice's label or code, or a word clerks write
    (``extra``: pairs); anything else raises CellError with the options one per "/" (issue 14 item 2). One call per
    coded cell, so that the county's own synonyms (ledgers.synonyms) reach every column through this one place."""
    value = _choice_table(choice_class, tuple(extra)).get(excel.normalize_header(text).lower())
    if value is not None:
        return value
    options = " / ".join(str(label) for value, label in choice_class.choices if value)
    raise excel.CellError(_("“%(v)s”不是“%(h)s”的可选值，可填：%(o)s。") % {"v": text, "h": header, "o": options},
                          "choice")


def cell_decimal(value, places=2, maximum=Decimal("1e12")):
    """An amount (``3500``, ``3,500.5元``) or None when empty; raises CellError."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise excel.CellError(_("应填写数字。"), "number")
    text = str(value) if isinstance(value, (int, float)) else _text(value).replace(",", "").replace("，", "").replace(
        "元", "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise excel.CellError(_("“%(v)s”不是数字。") % {"v": _text(value)}, "number")
    if not number.is_finite():
        raise excel.CellError(_("“%(v)s”不是数字。") % {"v": _text(value)}, "number")
    if number < 0:
        raise excel.CellError(_("不能为负数。"), "number")
    if number >= maximum:
        raise excel.CellError(_("数值过大。"), "number_too_large")
    return number.quantize(Decimal(1).scaleb(-places))


def cell_flag(value):
    """是/否 (also 在营/停业, √/×, 1/0); None when empty."""
    text = _text(value)
    if not text:
        return None
    if text in ("是", "有", "在营", "正常", "√", "1", "Y", "y", "yes", "true", "TRUE", "True"):
        return True
    if text in ("否", "无", "停业", "注销", "×", "0", "N", "n", "no", "false", "FALSE", "False"):
        return False
    raise excel.CellError(_("请填“是”或“否”。"), "choice")


NO_PERSON = object()  # the 身份证号 cell is empty (RecordSchema.person_cell)


# The schema -------------------------------------------------------------------------------------------------------

class RecordSchema(LedgerSchema):
    """A service record's sheet: natural key, the records it names, people by ID number."""

    parallel = False  # checked in this process: small files, shared parent objects (see the module docstring)
    needs_town = False  # each record says where it is itself (its model's clean())
    place_header = "所属乡镇"
    key_headers: tuple = ()  # the cells that name a record (besides 记录编号)
    key_help = ""  # the natural key in the clerk's words: the template's instructions sheet
    group = _("服务记录")

    # Keys ---------------------------------------------------------------------------------------------------------
    def key_of(self, cells):
        """('pk', record id, text) for a row carrying a 记录编号, else ('key', the natural key, text); raises
        CellError for a key cell that is empty or unreadable."""
        record = _text(cells.get("记录编号", ""))
        if record:
            if not record.isdigit():
                raise excel.CellError(_("记录编号应为数字（从系统导出时附带）；新增记录请留空。"), "record_unknown")
            return "pk", int(record), record
        parts = []
        for header in self.key_headers:
            parts.append(self.key_part(header, cells.get(header, "")))
        return "key", tuple(parts), " ".join(str(p) for p in parts if p)

    def key_part(self, header, raw):
        if header == "身份证号":
            text = excel.cell_code(raw)
            if not text:
                raise excel.CellError(_("请填写身份证号。"), "required")
            if is_masked(text):
                raise excel.CellError(_("身份证号为脱敏显示（%(v)s），无法确定是哪条记录。请保留导出文件中的“记录编号”列，"
                                        "或填写完整的身份证号。") % {"v": text}, "masked_without_record")
            return normalize_id_number(text)
        if self.by_header[header].date:
            value = excel.cell_date(raw)
            if value is None and self.by_header[header].required:
                raise excel.CellError(_("请填写%(h)s。") % {"h": header}, "required")
            return value
        text = excel.normalize_header(_text(raw))
        if not text and self.by_header[header].required:
            raise excel.CellError(_("请填写%(h)s。") % {"h": header}, "required")
        return text

    # The records the rows name -------------------------------------------------------------------------------------
    def load_existing(self, keyed, ctx):
        """{key[:2]: record} for the rows' 记录编号 and natural keys, after loading what the rows refer to (people,
        organizations); the records' units come from the import's own tables. Called once by the engine."""
        model = self.model
        ctx.records = {}
        self.preload(keyed, ctx)
        by_key = {}
        pks = [key[1] for *_rest, key in keyed if key[0] == "pk"]
        for obj in fetch(self.related(model.objects.all()), "pk", pks):
            by_key[("pk", obj.pk)] = obj
        natural = [key[1] for *_rest, key in keyed if key[0] == "key"]
        if natural:
            for key, obj in self.existing_by_key(natural, ctx).items():
                by_key[("key", key)] = obj
        units = ctx.units()["by_id"] if ctx.county is not None else {}
        for obj in by_key.values():
            for name in ("county", "town", "village"):
                unit = units.get(obj.__dict__.get(f"{name}_id"))
                if unit is not None:
                    obj._state.fields_cache[name] = unit
        self.attach(list(by_key.values()), ctx)
        return by_key

    def writer(self, user, ctx):
        return RecordWriter(self.model, user)

    def related(self, queryset):
        """The records' own relations loaded with them (clean() reads them)."""
        return queryset

    def preload(self, keyed, ctx):
        """What the rows refer to, loaded once before they are checked."""

    def existing_by_key(self, keys, ctx):
        """{natural key: record} for those of ``keys`` that name a record."""
        return {}

    def attach(self, records, ctx):
        """Give the existing records the objects the import loaded (no query while checking)."""

    # People by ID number ---------------------------------------------------------------------------------------------
    def load_people(self, keyed, ctx, header="身份证号"):
        """The workers and members the file names by ID number, by digest, in the importer's scope; and the digests
        that exist only outside it."""
        digests = {}
        for _sheet, _row, cells, _cols, _key in keyed:
            try:
                text = excel.cell_code(cells.get(header, ""))
            except excel.CellError:
                continue
            if text and not is_masked(text):
                try:
                    digests[ctx.digest(normalize_id_number(text))] = True
                except (ValueError, TypeError):
                    continue
        people = {"workers": {}, "members": {}, "elsewhere": set()}
        ctx.records["people"] = people
        if not digests:
            return people
        user = ctx.user
        found = set()
        for model, slot, fields in ((Worker, "workers", ()), (PartyMember, "members", ("worker_id",))):
            queryset = model.objects.all() if user is None else model.objects.restrict(user)
            queryset = queryset.only("id", "name", "id_digest", "id_masked", "county_id", "town_id", "village_id",
                                     *fields)
            for person in fetch(queryset, "id_digest", list(digests)):
                people[slot][person.id_digest] = person
                found.add(person.id_digest)
            if user is not None:
                rest = [d for d in digests if d not in found]
                for person in fetch(model.objects.only("id", "id_digest"), "id_digest", rest):
                    people["elsewhere"].add(person.id_digest)
        people["elsewhere"] -= found
        return people

    def person_of(self, text, ctx):
        """(worker, member) for an ID number cell, or raises CellError (unknown here; outside the scope)."""
        number = normalize_id_number(text)
        digest = ctx.digest(number)
        people = ctx.records["people"]
        worker, member = people["workers"].get(digest), people["members"].get(digest)
        if worker is None and member is None:
            if digest in people["elsewhere"]:
                raise excel.CellError(_("身份证号%(v)s的人员不在您的管辖范围内，不能为其导入记录。") % {
                    "v": mask_id_number(number)}, "person_out_of_scope")
            raise excel.CellError(_("农民工台账和党员台账中都没有身份证号为%(v)s的人员，请先在台账中登记。") % {
                "v": mask_id_number(number)}, "person_unknown")
        return worker, member

    def person_cell(self, cells, ctx, errors, current):
        """``(worker, member)`` the 身份证号 cell names; :data:`NO_PERSON` for an empty cell; None when the record's
        person stays as it is (no such column, the masked number of an exported record) or the cell is wrong (its
        error added)."""
        if "身份证号" not in cells:
            return None
        try:
            text = excel.cell_code(cells["身份证号"])
        except excel.CellError as exc:
            errors.add("身份证号", exc.code, exc.message)
            return None
        if not text:
            return NO_PERSON
        if is_masked(text):
            if current is None:
                errors.add("身份证号", "masked_without_record", _("身份证号为脱敏显示，请填写完整的身份证号。"))
            return None
        try:
            return self.person_of(text, ctx)
        except excel.CellError as exc:
            errors.add("身份证号", exc.code, exc.message)
            return None

    def set_person(self, obj, cells, ctx, errors, current, required=True):
        """worker / member from the 身份证号 cell; a masked number (an export) leaves the record's person as is."""
        found = self.person_cell(cells, ctx, errors, current)
        if found is NO_PERSON:
            if required:
                errors.add("身份证号", "required", _("请填写身份证号。"))
            return
        if found is not None:
            set_fk(obj, "worker", found[0])
            set_fk(obj, "member", found[1])

    # Cells ---------------------------------------------------------------------------------------------------------
    def set_text(self, obj, field, header, cells, errors, required=False):
        if header not in cells:
            return
        text = _text(cells[header])
        if not text and required:
            errors.add(header, "required", _("请填写%(h)s。") % {"h": header})
        elif self.check_length(header, text, errors):
            setattr(obj, field, text)

    def set_number(self, obj, field, header, cells, errors, default=0, decimal=False):
        if header not in cells:
            return
        try:
            value = cell_decimal(cells[header], 1 if field == "hours" else 2) if decimal else excel.cell_int(
                cells[header])
        except excel.CellError as exc:
            errors.add(header, exc.code, exc.message)
            return
        setattr(obj, field, default if value is None else value)

    def set_coded(self, obj, field, header, choice_class, cells, ctx, errors, required=False, extra=()):
        if header not in cells:
            return
        text = _text(cells[header])
        if not text:
            if required:
                errors.add(header, "required", _("请填写%(h)s。") % {"h": header})
            else:
                setattr(obj, field, "")
            return
        try:
            setattr(obj, field, coded_cell(ctx, header, choice_class, text, extra))
        except excel.CellError as exc:
            errors.add(header, exc.code, exc.message)

    def town_cell(self, cells, ctx, errors, header="所属乡镇"):
        """The town a row names, else the import's own town; None for a county-wide row of a county import. Returns
        False after an error."""
        text = _text(cells.get(header, ""))
        if text:
            try:
                return ctx.resolve_town(text)
            except excel.CellError as exc:
                errors.add(header, exc.code, exc.message)
                return False
        return ctx.town_of()

    # Template and export -----------------------------------------------------------------------------------------
    def choice_options(self, kind):
        return [str(label) for value, label in self.choices[kind].choices if value]

    choices: dict = {}  # Column.options → the TextChoices of its dropdown

    def instructions(self, unit):
        rows = [row for row in template_instructions(self, unit)
                if row[0] not in (_("导入规则"), _("脱敏导出回传"), _("身份证号"))]
        rows.insert(3, (_("导入规则"), _("按%(k)s识别记录：已有的更新，没有的新增；整个文件全部正确才会写入，有任何错误则一条也"
                                       "不写入，并列出每个错误的工作表、行、列。") % {"k": self.key_help}))
        rows.insert(4, (_("导出回传"), _("从系统导出的文件可修改后直接导入：有“记录编号”的行按记录编号更新原记录；脱敏显示"
                                       "（带*号）的身份证号视为未修改。")))
        return rows


def masked_or_clear(value, masked, unmask):
    return (value if unmask else masked) or ""


# Writing ------------------------------------------------------------------------------------------------------------
class RecordWriter(RowWriter):
    """The engine's writer (COPY / executemany, version-guarded updates) for service records: the rows are kept as
    instances until the write, when ``before`` saves the parents they name (a sign-in sheet's new trainings) and each
    foreign key still empty takes its parent's new id; JSON lists are written as JSON text."""

    def __init__(self, model, user, before=None):
        super().__init__(model, user)
        self.before = before
        self.new_objects, self.changed_objects = [], []
        self._json = [f.attname for f in model._meta.concrete_fields if isinstance(f, JSONField)]
        self._relations = [f for f in model._meta.concrete_fields if f.is_relation]

    def add_new(self, obj):
        self.new_objects.append(obj)

    def add_changed(self, obj, loaded_version):
        self.changed_objects.append((obj, loaded_version))

    def _ready(self, obj):
        for f in self._relations:
            parent = obj._state.fields_cache.get(f.name)
            if parent is not None and obj.__dict__.get(f.attname) is None:
                obj.__dict__[f.attname] = parent.pk
        for name in self._json:
            obj.__dict__[name] = json.dumps(obj.__dict__[name], ensure_ascii=False)
        return obj

    def flush(self):
        if self.before is not None:
            self.before()
        for obj in self.new_objects:
            RowWriter.add_new(self, self._ready(obj))
        for obj, version in self.changed_objects:
            RowWriter.add_changed(self, self._ready(obj), version)
        self.new_objects, self.changed_objects = [], []
        super().flush()
