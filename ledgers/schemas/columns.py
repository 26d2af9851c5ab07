"""What the ledger schemas share about cells and columns: the mask of a masked export, the coded columns (matched
per import: ledgers.schemas.coded) and the :class:`Column` description with the
columns several ledgers have (CONTRACT.md "Excel ledgers")."""

from dataclasses import dataclass

from ledgers import matching
from zyparty.masking import mask_text

MASK_TEXT = mask_text("x")
KEEP = object()  # a masked cell: leave the stored value as it is


def is_masked(text: str) -> bool:
    return "*" in text


# Coded columns: matched per import (ledgers.schemas.coded, ledgers.matching) -------------------------------------
def choice_options(kind):
    """The labels of a choice column's real options (template dropdowns, messages)."""
    return [label for value, label in matching.choice_options(kind) if value]


def choice_cell(ctx, header, kind, text, keep_blank, maskable):
    """The stored value of a coded cell's text, or KEEP: what the import's matcher for ``header`` finds
    (ledgers.schemas.coded: label or code, the clerk's mapping, the county's synonyms, an unambiguous normalised
    match); an empty cell clears it (or keeps it, with ``keep_blank``); a masked cell keeps it (with ``maskable``);
    anything else raises the CellError of an unknown value, which the import groups for the clerk to map once."""
    if not text:
        return KEEP if keep_blank else ""
    if maskable and text == MASK_TEXT:
        return KEEP
    return ctx.coded(header, kind, text)


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
    options: str = ""  # coded column: a choice kind (ledgers.matching.CHOICE_CLASSES), villages, towns, organizations


RECORD_ID = Column("记录编号", aliases=("系统编号", "记录ID"), contract=False, width=10,
                   help="导出时附带的系统记录编号，用于脱敏导出文件的回传匹配；新增记录留空。")
TOWN = Column("所属乡镇", field="town", aliases=("乡镇", "所在乡镇", "乡镇(街道)"), contract=False, width=12, options="towns",
              help="乡镇名称或9位区划代码；户籍村已写明时可不填。")
VILLAGE = Column("户籍村(社区)", field="village", aliases=("户籍村", "村(社区)", "户籍村社区", "所在村", "村"), width=14,
                 help="本乡镇（或本县）内的村（社区）名称，或12位区划代码。", options="villages")
NAME = Column("姓名", field="name", required=True, width=10)
ID_NUMBER = Column("身份证号", field="id_number", required=True, aliases=("身份证号码", "公民身份号码", "身份证"),
                   width=22, text=True, help="18位居民身份证号。请保持“文本”格式，不要让 Excel 变成科学计数法。")
REMARKS = Column("备注", field="remarks", width=20)
