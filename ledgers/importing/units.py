"""The units import: a county sets itself up from a sheet of codes and names (CONTRACT.md "units"). Units are
few, saved one by one with their own ``clean()``, parents first. Mixed into the run (ledgers.importing.engine)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ledgers.importing.writing import Rollback
from ledgers.schemas import schema_for
from organizations.models import Unit
from zyparty import excel, scoping
from zyparty.validators import normalize_code


class UnitsImport:
    """The units path of :class:`ledgers.importing.engine.ImportRun`."""

    # Units: a county sets itself up ----------------------------------------------------------------------------------
    def _run_units(self, path):
        rows = self._read(path)
        if not rows:
            return
        schema = self.schema
        scope = scoping.scope_of(self.user) if self.user is not None else scoping.EVERYTHING
        unit = self.batch.unit
        keyed, first_seen = [], {}
        for sheet, row_no, cells, cols in rows:
            try:
                key = schema.key_of(cells)
            except excel.CellError as exc:
                self.error(sheet, row_no, "区划代码", cells.get("区划代码", ""), exc.message, exc.code, cols.get("区划代码"))
                continue
            if key[1] in first_seen:
                self.error(sheet, row_no, "区划代码", key[2], _("与第%(r)d行重复。") % {"r": first_seen[key[1]]},
                           "duplicate_in_file", cols.get("区划代码"))
                continue
            first_seen[key[1]] = row_no
            keyed.append((sheet, row_no, cells, cols, key))
        keyed.sort(key=lambda r: (len(r[4][1]), r[4][1]))  # parents before children
        try:
            with transaction.atomic():
                existing = {u.code: u for u in Unit.objects.filter(code__in=[r[4][1] for r in keyed])}
                made = {}
                for sheet, row_no, cells, cols, key in keyed:
                    code = key[1]
                    name = excel.cell_text(cells.get("名称", ""))
                    if not name:
                        self.error(sheet, row_no, "名称", "", _("请填写名称。"), "required", cols.get("名称"))
                        continue
                    if not schema.check_length("名称", name, CellErrors(self, sheet, row_no, cells, cols)):
                        continue
                    if unit is not None and not code.startswith(unit.code):
                        self.error(sheet, row_no, "区划代码", code, _("不属于本次导入的“%(u)s”。") % {"u": unit.name},
                                   "outside_unit", cols.get("区划代码"))
                        continue
                    current = existing.get(code)
                    if current is not None:
                        if not scope.covers_unit(current):
                            self.error(sheet, row_no, "区划代码", code, _("不在您的管辖范围内。"), "out_of_scope",
                                       cols.get("区划代码"))
                        elif current.name != name:
                            current.name = name
                            current.save(update_fields=["name", "updated_at"])
                            self.counts["changed"] += 1
                        else:
                            self.counts["unchanged"] += 1
                        continue
                    new = self._new_unit(sheet, row_no, cols, code, name, made.get(code[:-3]) or existing.get(
                        code[:-3]))
                    if new is None:
                        continue
                    if not scope.everything and not scope.covers_unit(new):
                        self.error(sheet, row_no, "区划代码", code, _("不在您的管辖范围内：新的县只能由系统运维在服务器上导入。")
                                   if len(code) == 6 else _("不在您的管辖范围内。"), "out_of_scope", cols.get("区划代码"))
                        continue
                    new.save()
                    made[code] = new
                    self.counts["new"] += 1
                if self.error_count or not self.commit:
                    raise Rollback
                self._audit()
                self._mark_committed()
                self.written = True
        except Rollback:
            self.written = False
        except IntegrityError as exc:  # another import created one of these codes meanwhile
            self._write_failed(exc)


    def _new_unit(self, sheet, row_no, cols, code, name, parent):
        """A new unit under ``parent`` (made earlier in this file, or existing), checked by its own clean(); None
        after reporting its errors."""
        new = Unit(code=code, name=name)
        if parent is not None:
            new.parent = parent
        try:
            new.clean()
        except ValidationError as exc:
            for item in exc.error_list if not hasattr(exc, "error_dict") else [
                    e for items in exc.error_dict.values() for e in items]:
                message = item.message % item.params if item.params else item.message
                self.error(sheet, row_no, "区划代码", code, str(message), item.code or "invalid", cols.get("区划代码"))
            return None
        return new


def codes_in_file(path) -> list:
    """The 区划代码 of a units sheet, in file order, as the import reads them (``import_ledger units FILE --unit
    CODE`` checks that the file creates CODE before importing it). Raises excel.ExcelFileError for a bad file."""
    schema = schema_for("units")
    kind = excel.inspect_file(path).kind
    codes = []
    for table in excel.read_tables(path, kind, schema.aliases, min_matches=schema.min_matches):
        at = table.columns.get("区划代码")
        if at is None:
            continue
        for _row_no, values in table.rows:
            try:
                code = normalize_code(excel.cell_code(values[at])) if at < len(values) else ""
            except excel.CellError:
                continue
            if code:
                codes.append(code)
    return codes


class CellErrors:
    """RowErrors that report straight into the run (the units path checks one cell at a time)."""

    def __init__(self, run, sheet, row_no, cells, cols):
        self.run, self.sheet, self.row_no, self.cells, self.cols = run, sheet, row_no, cells, cols

    def add(self, header, code, message):
        self.run.error(self.sheet, self.row_no, header, self.cells.get(header, ""), message, code,
                       self.cols.get(header))
