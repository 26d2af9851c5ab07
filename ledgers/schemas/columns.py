"""What the ledger schemas share about cells and columns: the mask of a masked export, the coded columns (each
choice's label plus the words clerks actually write, ledgers.choices) and the :class:`Column` description with the
columns several ledgers have (CONTRACT.md "Excel ledgers")."""

import functools
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ledgers import choices
from zyparty import excel
from zyparty.masking import mask_text

MASK_TEXT = mask_text("x")
KEEP = object()  # a masked cell: leave the stored value as it is


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
    options = choice_options(kind)
    raise excel.CellError(_("“%(v)s”不是可选值，请从下拉列表中选择：%(o)s。") % {"v": text, "o": "、".join(options)},
                          "choice")


def choice_options(kind):
    source = {"direction": choices.Direction, "industry": choices.Industry, "political_status": choices.PoliticalStatus,
              "return_intention": choices.Intention, "wish": choices.Wish}[kind]
    return [str(label) for value, label in source.choices if value]


def choice_cell(kind, text, keep_blank, maskable):
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
