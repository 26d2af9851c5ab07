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

The package holds one module per ledger (workers, members, activists, enterprises, units) on a shared base
(base: the schema classes; columns: masks, coded columns, shared columns; context: the import's lookup tables;
columnwise: the one-pass path for new rows); this module keeps the registry and re-exports what callers use.
"""

from django.utils.translation import gettext as _

from ledgers.schemas.activists import ActivistSchema
from ledgers.schemas.base import LedgerSchema, PersonSchema, RowErrors
from ledgers.schemas.columns import (
    KEEP,
    MASK_TEXT,
    Column,
    choice_options,
    is_masked,
)
from ledgers.schemas.columnwise import NewRows
from ledgers.schemas.context import ImportContext
from ledgers.schemas.enterprises import EnterpriseSchema
from ledgers.schemas.members import MemberSchema
from ledgers.schemas.organizations import OrganizationSchema
from ledgers.schemas.units import UnitSchema
from ledgers.schemas.workers import WorkerSchema, left_behind_flags
from zyparty import excel
from zyparty.masking import mask_id_number, mask_phone, mask_text
from zyparty.validators import normalize_code

SCHEMAS = {s.kind: s for s in (WorkerSchema(), EnterpriseSchema(), MemberSchema(), ActivistSchema(), UnitSchema(),
                               OrganizationSchema())}
KIND_LABELS = {kind: schema.label for kind, schema in SCHEMAS.items()}


def register_schema(schema) -> LedgerSchema:
    """Add a schema of an app above the ledgers (services, talent) from its ``AppConfig.ready()``, as they register
    their permissions: the engine, the pages, the API and ``import_ledger`` then know its kind."""
    SCHEMAS[schema.kind] = schema
    KIND_LABELS[schema.kind] = schema.label
    return schema


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
    if header in ("联系电话", "联络员电话", "书记电话"):
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


__all__ = ["SCHEMAS", "KIND_LABELS", "register_schema", "schema_for", "masked_cell", "template_instructions", "ImportContext", "RowErrors",
           "NewRows", "Column", "LedgerSchema", "PersonSchema", "WorkerSchema", "MemberSchema", "ActivistSchema",
           "EnterpriseSchema", "UnitSchema", "KEEP", "MASK_TEXT", "choice_options", "is_masked",
           "left_behind_flags"]
