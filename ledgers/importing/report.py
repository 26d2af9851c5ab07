"""What an import reports besides its counts (issue 14 items 2, 3 and 8): the unknown coded values grouped for the
clerk to map once, the flat error list grouped so that one cause reads as one line with its row list, the clerk's
stored mappings, and the warnings about formula cells without a saved value. Shared by the preview page, the API and
``manage.py import_ledger``."""

from django.utils.translation import gettext as _

from ledgers.matching import UnknownValues, mapping_dict, parse_map_arg, read_mapping_file
from ledgers.schemas import ImportContext, schema_for
from zyparty import excel
from zyparty.formulas import formulas_without_value

ROWS_SHOWN = 10  # row numbers written out in one grouped line
FORMULA_LIMIT = 20


# Unknown values ---------------------------------------------------------------------------------------------------
def unknown_list(unknown: UnknownValues, sheets) -> list:
    """The groups of ``unknown`` as stored with the batch: ledgers.matching.UnknownValue.as_dict, with ``rows`` as
    plain row numbers and ``cells`` naming sheet, row and Excel column of each first row (the rows were collected
    as (sheet position, row))."""
    out = []
    for item in unknown.as_list():
        cells = []
        for where in item["rows"]:
            index, row = (where if isinstance(where, (tuple, list)) else (0, where))
            sheet = sheets[index] if index < len(sheets) else {}
            cells.append({"sheet": sheet.get("sheet", ""), "row": row,
                          "col": (sheet.get("cols") or {}).get(item["column"])})
        item["rows"] = [cell["row"] for cell in cells]
        item["cells"] = cells
        item["where"] = rows_text(cells, item["count"])
        out.append(item)
    return out


def rows_text(cells, count) -> str:
    """``第 5、9、12…行（共 37 行）`` (the sheet named when the rows span several)."""
    several = len({cell["sheet"] for cell in cells}) > 1
    parts = [f"{cell['sheet']}!{cell['row']}" if several else str(cell["row"]) for cell in cells[:ROWS_SHOWN]]
    more = "…" if count > len(parts) else ""
    text = _("第 %(r)s%(m)s 行") % {"r": "、".join(parts), "m": more}
    if count > 1:
        text += _("（共 %(n)d 行）") % {"n": count}
    return text


def mapping_of(value_mappings) -> dict:
    """``{(column, value): code}`` of the mappings stored with a batch (``[{column, value, code}]``)."""
    return {(item["column"], item["value"]): item.get("code", "") for item in value_mappings or []}


def merge_mappings(stored, new) -> list:
    """The batch's mappings with ``new`` ones (``{(column, value): code}``) added or replacing the same value's."""
    merged = mapping_of(stored)
    merged.update(new)
    return [{"column": column, "value": value, "code": code} for (column, value), code in merged.items()]


def coded_matchers(*, user, kind, unit) -> dict:
    """``{header: ColumnMatcher}`` of the coded columns of ``kind`` for ``unit``'s county, as an import makes them
    (ledgers.schemas.coded): what a mapping may name and the options a clerk chooses from."""
    ctx = ImportContext(user=user, unit=unit)
    return ctx.load_matchers(schema_for(kind).columns)


def command_line_mappings(*, user, kind, unit, args=(), files=()) -> dict:
    """``{(column, value): code}`` of ``--map`` arguments and mapping files (ledgers.matching.parse_map_arg,
    read_mapping_file); raises MappingError listing every problem."""
    matchers = coded_matchers(user=user, kind=kind, unit=unit)
    aliases = schema_for(kind).aliases
    items = [parse_map_arg(arg, matchers, aliases) for arg in args]
    for path in files:
        items.extend(read_mapping_file(path, matchers, aliases))
    return mapping_dict(items)


def unknown_lines(unknown_values) -> list:
    """One line per unknown value, for the command line and logs."""
    lines = []
    for item in unknown_values:
        hint = " / ".join(s["label"] for s in item.get("suggestions", []))
        line = _("%(c)s：“%(v)s”，%(w)s") % {"c": item["column"], "v": item["value"],
                                           "w": item.get("where") or rows_text(
                                               [{"sheet": "", "row": r} for r in item["rows"]], item["count"])}
        if hint:
            line += _("；可能是：%(h)s") % {"h": hint}
        lines.append(line)
    return lines


# Errors grouped by cause ------------------------------------------------------------------------------------------
def group_errors(errors) -> list:
    """The errors with one cause (sheet, column, code, message) as one line each, in the order first found: dicts
    with ``sheet``, ``column``, ``code``, ``message``, ``count``, ``rows``, ``cells`` and the ``text`` of the line
    (``身份证号：校验位不正确：第 5、9、12…行（共 37 行）``). File-level errors (row 0) stay one line each."""
    groups, order = {}, []
    for item in errors:
        if not item.get("row"):
            order.append({"sheet": item.get("sheet", ""), "column": item.get("column", ""), "code": item["code"],
                          "message": item["message"], "count": 1, "rows": [], "cells": []})
            continue
        key = (item.get("sheet", ""), item.get("column", ""), item["code"], item["message"])
        group = groups.get(key)
        if group is None:
            group = groups[key] = {"sheet": key[0], "column": key[1], "code": key[2], "message": key[3],
                                   "count": 0, "rows": [], "cells": []}
            order.append(group)
        group["count"] += 1
        if len(group["rows"]) < ROWS_SHOWN:
            group["rows"].append(item["row"])
            group["cells"].append(item.get("cell", ""))
    for group in order:
        head = f"{group['column']}：{group['message']}" if group["column"] else group["message"]
        if group["rows"]:
            where = rows_text([{"sheet": "", "row": r} for r in group["rows"]], group["count"])
            head = f"{head}：{where}"
        group["text"] = head
    return order


# Warnings ---------------------------------------------------------------------------------------------------------
def formula_warnings(path, file_format) -> list:
    """A warning for each formula cell of an .xlsx that has no saved result (zyparty.formulas): the import reads
    it as empty (issue 14 item 8)."""
    if file_format != excel.XLSX:
        return []
    found = formulas_without_value(path, limit=FORMULA_LIMIT)
    warnings = [{"sheet": sheet, "row": _row_of(ref), "column": "", "cell": ref, "code": "formula_without_value",
                 "message": _("工作表“%(s)s”%(c)s 是公式但文件中没有保存计算结果，导入时按空白处理；请在 Excel/WPS 中打开并保存后"
                              "再导入。") % {"s": sheet, "c": ref}} for sheet, ref in found]
    if len(found) >= FORMULA_LIMIT:
        warnings.append({"sheet": "", "row": 0, "column": "", "cell": "", "code": "formula_without_value",
                         "message": _("还可能有更多没有保存计算结果的公式单元格，以上只列出前%(n)d个。") % {"n": FORMULA_LIMIT}})
    return warnings


def _row_of(ref) -> int:
    digits = "".join(ch for ch in ref if ch.isdigit())
    return int(digits) if digits else 0
