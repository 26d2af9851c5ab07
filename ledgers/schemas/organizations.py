"""党组织 (CONTRACT.md "organizations"; issue 14 item 3): cells → a PartyOrganization, and the export.

Upsert by full name within the county (compared as ledgers.schemas.orgrefs compares names: 中共 prefix, width,
spaces and punctuation aside). 简称 holds one or several short names separated by 、 or ；. 上级党组织 names an
organization of the county by full or short name, also one further down the same file; 所在区划 takes a unit code or
the name of the county, a town or a village. The coded columns (组织类别, 组建形式, 是否驻外) take what clerks write
through the same matchers as the other ledgers' coded columns (ledgers.synonyms). The import itself runs in
ledgers.importing.organizations (organizations are few: saved one by one, parents first, each save audited).
"""

import functools

from django.utils.translation import gettext as _

from ledgers.matching import format_options
from ledgers.schemas.base import LedgerSchema, same_place
from ledgers.schemas.columns import REMARKS, Column
from ledgers.schemas.context import set_fk
from ledgers.schemas.orgrefs import org_key
from ledgers.synonyms import matcher_for
from organizations import choices
from organizations.models import PartyOrganization, split_short_names
from zyparty import excel, regions
from zyparty.validators import normalize_code

_text = excel.cell_text

YES, NO = "yes", "no"
# The coded columns: option list key → ([(code, label)], built-in words clerks write for them).
CODED = {
    "org_kind": (choices.OrgKind.choices, {
        "委员会": "committee", "党委员会": "committee", "基层党委": "committee", "总支": "general_branch",
        "总支部": "general_branch", "党总支部": "general_branch", "支部": "branch", "联合支部": "branch",
        "小组": "group"}),
    "org_form": (choices.OrgForm.choices, {
        "单独": "independent", "单独组建": "independent", "单独建": "independent", "独立": "independent",
        "联合": "joint", "联合组建": "joint", "联合建": "joint", "拓展": "extended", "延伸": "extended",
        "流动": "mobile", "网络": "online", "网上": "online", "线上": "online", "网络支部": "online"}),
    "yes_no": (((YES, "是"), (NO, "否")), {
        "驻外": YES, "是驻外": YES, "驻外党组织": YES, "有": YES, "y": YES, "yes": YES, "true": YES, "1": YES,
        "不是": NO, "非驻外": NO, "不驻外": NO, "无": NO, "没有": NO, "n": NO, "no": NO, "false": NO, "0": NO}),
}
CODED_HEADERS = {"组织类别": "org_kind", "组建形式": "org_form", "是否驻外": "yes_no"}


@functools.lru_cache(maxsize=None)
def coded_matcher(header):
    """The matcher of one coded column (ledgers.synonyms.matcher_for with the built-in words above; no query)."""
    key = CODED_HEADERS[header]
    options, words = CODED[key]
    return matcher_for(key, [(code, str(label)) for code, label in options], synonyms=words, name=header)


def coded_value(header, text):
    """The code ``text`` means in a coded column, "" for an empty cell; raises CellError naming the options."""
    matcher = coded_matcher(header)
    found = matcher.match(text)
    if found.found:
        return found.code
    hint = ""
    if found.suggestions:
        hint = _("（是否指：%(s)s？）") % {"s": format_options([s.label for s in found.suggestions], inline=True)}
    raise excel.CellError(_("“%(v)s”不是“%(h)s”的可选值%(hint)s。可选值：%(o)s") % {
        "v": text, "h": header, "hint": hint, "o": format_options(matcher.labels, inline=True)}, "choice")


class OrganizationSchema(LedgerSchema):
    kind = "organizations"
    label = "党组织"
    model = PartyOrganization
    key_header = "党组织名称"
    place_header = "所在区划"
    columns = (
        Column("党组织名称", field="name", required=True, aliases=("党组织全称", "组织名称", "全称", "名称"), width=32,
               help="党组织全称，如：中共蓬安县相如镇委员会。同一县内按全称识别：已有的更新，没有的新增。"),
        Column("简称", field="short_names", aliases=("党组织简称", "简称（可多个）"), width=20,
               help="可写多个，用顿号“、”或分号“；”分隔，如：相如镇党委、相如党委。其他台账可按全称或简称填写党组织。"),
        Column("组织类别", field="kind", aliases=("类别", "组织类型", "党组织类别"), width=10, options="org_kind",
               help="党委 / 党总支 / 党支部 / 党小组；新增时不填为党支部。"),
        Column("上级党组织", field="parent", aliases=("上级组织", "上级党委"), width=28, options="organizations",
               help="本县党组织的全称或简称，可以是本文件中其他行的党组织。"),
        Column("所在区划", field="home_unit", aliases=("所属区划", "区划代码", "所在乡镇(村)", "所在地区划"), width=16,
               help="组建或管理该组织的县、乡镇或村（社区）：区划代码或名称；不填时取上级党组织的区划。"),
        Column("组建形式", field="form", aliases=("组建方式", "组织形式"), width=10, options="org_form",
               help="单独型 / 联合型 / 拓展型 / 流动型 / 网络型；新增时不填为单独型。"),
        Column("是否驻外", field="is_outpost", aliases=("驻外党组织", "是否驻外党组织"), width=8, options="yes_no",
               help="是 / 否；驻外党组织须填写驻外地点。"),
        Column("驻外地点", field="host_place_code", aliases=("驻外所在地", "驻外地", "所在地"), width=24,
               help="写明省、市、县（区），如：浙江省杭州市西湖区；或6位行政区划代码。"),
        Column("书记", field="secretary_name", aliases=("党组织书记", "书记姓名"), width=10),
        Column("书记电话", field="secretary_phone", aliases=("书记联系电话", "联系电话"), width=14, text=True),
        Column("成立日期", field="founded_on", aliases=("成立时间", "组建日期"), width=12, date=True),
        REMARKS,
    )
    error_headers = {"host_place_code": "驻外地点", "parent": "上级党组织", "home_unit": "所在区划",
                     "secretary_phone": "书记电话", "short_names": "简称"}

    @property
    def option_lists(self):
        """The dropdowns of the template's coded columns (ledgers.workflows.ledger_template)."""
        return {key: [str(label) for _code, label in options] for key, (options, _words) in CODED.items()}

    def key_of(self, cells):
        """('name', compared form, name as written) / raises CellError."""
        name = _text(cells.get("党组织名称", ""))
        if not name:
            raise excel.CellError(_("请填写党组织名称（全称）。"), "required")
        return "name", org_key(name), name

    def apply(self, obj, cells, ctx, errors, key, existing):
        """Every column but 上级党组织 (resolved once all the file's organizations are known)."""
        if self.check_length("党组织名称", key[2], errors):
            obj.name = key[2]
        if "简称" in cells:
            names = split_short_names(_text(cells["简称"]))
            text = "、".join(names)
            too_long = [n for n in names if len(n) > 100]
            if too_long:
                errors.add("简称", "max_length", _("简称“%(n)s”过长（最多100个字）。") % {"n": too_long[0]})
            elif self.check_length("简称", text, errors):
                obj.short_names = text
        self.set_coded(obj, cells, errors, existing)
        if "驻外地点" in cells:
            self.set_host_place(obj, _text(cells["驻外地点"]), ctx, errors, existing)
        if "所在区划" in cells and _text(cells["所在区划"]):
            try:
                set_fk(obj, "home_unit", resolve_place(ctx, _text(cells["所在区划"])))
            except excel.CellError as exc:
                errors.add("所在区划", exc.code, exc.message)
        elif existing is None and ctx.unit is not None and ctx.unit.level != "county":
            set_fk(obj, "home_unit", ctx.units()["by_code"].get(ctx.unit.code))
        if "书记" in cells:
            text = _text(cells["书记"])
            if self.check_length("书记", text, errors):
                obj.secretary_name = text
        if "书记电话" in cells:
            self.set_phone(obj, "secretary_phone", "secretary_phone_masked", "书记电话", cells["书记电话"], errors,
                           existing)
        self.set_date(obj, "founded_on", "成立日期", cells, errors)
        if "备注" in cells:
            obj.remarks = _text(cells["备注"])

    def set_coded(self, obj, cells, errors, existing):
        """组织类别, 组建形式 (empty: kept, or the model's default for a new organization) and 是否驻外 (empty: 否)."""
        for header, field, default in (("组织类别", "kind", choices.OrgKind.BRANCH),
                                       ("组建形式", "form", choices.OrgForm.INDEPENDENT)):
            if header in cells:
                try:
                    code = coded_value(header, _text(cells[header]))
                except excel.CellError as exc:
                    errors.add(header, exc.code, exc.message)
                    continue
                if code:
                    setattr(obj, field, code)
                elif existing is None:
                    setattr(obj, field, default)
        if "是否驻外" in cells:
            try:
                obj.is_outpost = coded_value("是否驻外", _text(cells["是否驻外"])) == YES
            except excel.CellError as exc:
                errors.add("是否驻外", exc.code, exc.message)

    def set_host_place(self, obj, text, ctx, errors, existing):
        if existing is not None and same_place(text, "", existing.host_place_code):
            return
        if not text:
            obj.host_place_code = ""
            return
        code = normalize_code(text)
        if not (code.isdigit() and len(code) == 6 and regions.region(code)):
            code = ctx.destination(text)
        if not code:
            errors.add("驻外地点", "place_unknown", _("无法识别驻外地点“%(t)s”，请写明省、市、县（区），如：浙江省杭州市西湖区，"
                                                  "或填写6位行政区划代码。") % {"t": text})
            return
        obj.host_place_code = code

    def export_rows(self, queryset, unmask):
        kinds = dict(choices.OrgKind.choices)
        forms = dict(choices.OrgForm.choices)
        fields = ("name", "short_names", "kind", "parent__name", "home_unit__code", "form", "is_outpost",
                  "host_place_code", "secretary_name", "secretary_phone" if unmask else "secretary_phone_masked",
                  "founded_on", "remarks")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            (name, short, kind, parent, place, form, outpost, host, secretary, phone, founded, remarks) = row
            yield [name, short, str(kinds.get(kind, kind)), parent or "", place or "", str(forms.get(form, form)),
                   "是" if outpost else "否", regions.region_label(host) if host else "", secretary, phone or "",
                   founded, remarks]


def resolve_place(ctx, text):
    """所在区划: a unit of the import's county by code, or by the name of the county, a town (unique in the county)
    or a village (in the import's town, else unique in the county)."""
    units = ctx.units()
    code = normalize_code(text)
    if code.isdigit():
        unit = units["by_code"].get(code)
        if unit is None:
            raise excel.CellError(_("区划代码%(c)s不存在或不在本县。") % {"c": code}, "unit_unknown")
        return unit
    name = excel.normalize_header(text)
    county = ctx.county
    if county is not None and name == excel.normalize_header(county.name):
        return units["by_id"].get(county.pk, county)
    towns = units["towns_by_name"].get(name, [])
    if len(towns) == 1:
        return towns[0]
    if len(towns) > 1:
        raise excel.CellError(_("本县有多个名为“%(n)s”的乡镇，请填写区划代码。") % {"n": text}, "town_ambiguous")
    try:
        return ctx.resolve_village(text)
    except excel.CellError as exc:
        if exc.code != "village_unknown":
            raise
    raise excel.CellError(_("本县没有名为“%(n)s”的乡镇或村（社区），请核对名称或填写区划代码。") % {"n": text}, "unit_unknown")
