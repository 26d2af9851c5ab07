"""The schema classes every ledger builds on: :class:`LedgerSchema` (headers, aliases, lengths from the model fields,
phones, dates, organizations) and :class:`PersonSchema` (identity, home village/town, remarks, record id), with
:class:`RowErrors` and the placing rules two or more ledgers share. The rules themselves stay with the models
(``clean()``, ``prepare()``), zyparty.validators and zyparty.regions (issue 4: "don't fork rules")."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ledgers.schemas.columns import is_masked
from ledgers.schemas.context import set_fk
from zyparty import excel, regions
from zyparty.validators import normalize_id_number


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

    def digest_extra(self, cells, ctx) -> str:
        """What applying ``cells`` takes from the database besides the record and the county's units, as text: part
        of the row's import digest (ledgers.importing.checking.row_digest), so that a change there is not hidden."""
        return ""

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
            setattr(obj, field, ctx.resolve_org(text, obj.town_id, header))
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
                if village is not None:  # None: the clerk mapped this text to "leave empty"
                    set_fk(obj, "village", village)
                    set_fk(obj, "town", town or village.town)
                    return
            if town is not None or is_new:
                set_fk(obj, "village", None)
        if town is not None:
            set_fk(obj, "town", town)
            return
        if is_new and unit_default:
            self.home_from_unit(obj, ctx)

    def home_from_unit(self, obj, ctx):
        """A new row that names no village or town belongs to the town (or village) the import is for."""
        if ctx.unit is not None and ctx.unit.level != "county":
            units = ctx.units()["by_code"]
            set_fk(obj, "town", units.get(ctx.unit.code[:9]))
            if ctx.unit.level == "village" and obj.village_id is None:
                set_fk(obj, "village", units.get(ctx.unit.code))

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


def same_place(text, stored_text, stored_code):
    """The cell still says what the record holds: its own text, or (text empty) the label export wrote for its code.
    Re-parsing would otherwise turn a code set by hand into whatever the address parser makes of the label."""
    return text == stored_text or (not stored_text and text == regions.region_label(stored_code))


def place_from_org(obj, org, ctx):
    """A new member/activist without 户籍村/所属乡镇 belongs where their home organization is (the model's own
    prepare() does the same for the town)."""
    if org is None or not org.town_id:
        return
    by_id = ctx.units()["by_id"]
    obj.town = by_id.get(org.town_id)
    home = by_id.get(org.home_unit_id)
    if home is not None and home.level == "village":
        obj.village = home
