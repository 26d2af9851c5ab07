"""定向用工协议台账 by Excel (issue 14 item 6; ledgers.schemas.records).

Natural key (also in the template's instructions sheet and README "Service records by Excel"): 签约乡镇 +
用工企业的统一社会信用代码 + 签订日期 — one agreement of a town with one enterprise on one day. The enterprise must be in
the 聚集地企业台账 (by its credit code).
"""

from django.utils.translation import gettext as _

from ledgers.schemas.columns import Column
from ledgers.schemas.context import set_fk
from ledgers.schemas.records import RECORD_ID, RecordSchema
from services.models import EmploymentAgreement
from zyparty import excel
from zyparty.validators import normalize_code

_text = excel.cell_text


class AgreementSchema(RecordSchema):
    kind = "agreements"
    label = "定向用工协议台账"
    model = EmploymentAgreement
    key_header = "统一社会信用代码"
    key_headers = ("签约乡镇", "统一社会信用代码", "签订日期")
    key_help = "“签约乡镇＋用工企业统一社会信用代码＋签订日期”"
    place_header = "签约乡镇"
    columns = (
        Column("用工企业", aliases=("企业名称", "企业"), width=24, help="可不填；按统一社会信用代码匹配聚集地企业台账。"),
        Column("统一社会信用代码", field="enterprise", required=True, aliases=("信用代码", "企业信用代码"), width=22,
               text=True, help="用工企业的18位代码，须已在聚集地企业台账中。"),
        Column("签订日期", field="signed_on", required=True, aliases=("签约日期", "签订时间"), width=12, date=True),
        Column("签约乡镇", field="town", aliases=("所属乡镇", "乡镇"), width=12, help="按乡镇导入时可不填。"),
        Column("签约村(社区)", field="village", aliases=("签约村", "村(社区)"), width=14, options="villages"),
        Column("有效期至", field="valid_until", aliases=("有效期", "截止日期"), width=12, date=True),
        Column("约定岗位数", field="positions", required=True, aliases=("岗位数", "约定岗位"), width=10),
        Column("已安置人数", field="workers_placed", aliases=("安置人数", "已安置"), width=10),
        Column("协议要点", field="terms", aliases=("主要内容", "备注"), width=30),
        RECORD_ID,
    )
    error_headers = {"enterprise": "统一社会信用代码", "town": "签约乡镇", "village": "签约村(社区)",
                     "valid_until": "有效期至", "workers_placed": "已安置人数"}

    def key_part(self, header, raw):
        if header == "统一社会信用代码":
            code = normalize_code(excel.cell_code(raw))
            if not code:
                raise excel.CellError(_("请填写用工企业的统一社会信用代码。"), "required")
            return code
        return super().key_part(header, raw)

    def existing_by_key(self, keys, ctx):
        wanted = {}
        for key in keys:
            town_text, code, signed_on = key
            try:
                town = ctx.resolve_town(town_text) if town_text else ctx.town_of()
            except excel.CellError:
                continue
            enterprise = ctx.enterprise_id(code)
            if town is not None and enterprise is not None:
                wanted[(town.pk, enterprise, signed_on)] = key
        out = {}
        dates = {k[2] for k in wanted if k[2] is not None}
        for agreement in EmploymentAgreement.objects.filter(county=ctx.county, signed_on__in=dates):
            key = wanted.get((agreement.town_id, agreement.enterprise_id, agreement.signed_on))
            if key is not None:
                out.setdefault(key, agreement)
        return out

    def apply(self, obj, cells, ctx, errors, key, existing):
        try:
            code = self.key_part("统一社会信用代码", cells.get("统一社会信用代码", ""))
        except excel.CellError as exc:
            errors.add("统一社会信用代码", exc.code, exc.message)
        else:
            enterprise = ctx.enterprise_id(code)
            if enterprise is None:
                errors.add("统一社会信用代码", "enterprise_unknown", _("聚集地企业台账中没有统一社会信用代码为%(c)s的企业，请先登记该企业。")
                           % {"c": code})
            else:
                obj.enterprise_id = enterprise
        self.set_date(obj, "signed_on", "签订日期", cells, errors, required=True)
        self.set_date(obj, "valid_until", "有效期至", cells, errors)
        if "约定岗位数" in cells:
            try:
                positions = excel.cell_int(cells["约定岗位数"])
            except excel.CellError as exc:
                errors.add("约定岗位数", exc.code, exc.message)
            else:
                if positions is None:
                    errors.add("约定岗位数", "required", _("请填写约定岗位数。"))
                obj.positions = positions
        self.set_number(obj, "workers_placed", "已安置人数", cells, errors)
        self.set_text(obj, "terms", "协议要点", cells, errors)
        if existing is None or "签约乡镇" in cells or "签约村(社区)" in cells:
            town = self.town_cell(cells, ctx, errors, "签约乡镇")
            if town is False:
                return
            village = None
            text = _text(cells.get("签约村(社区)", ""))
            if text:
                try:
                    village = ctx.resolve_village(text, town)
                except excel.CellError as exc:
                    errors.add("签约村(社区)", exc.code, exc.message)
                    return
                town = town or village.town
            if town is None:
                errors.add("签约乡镇", "required", _("请填写签约乡镇（按县导入时须写明乡镇）。"))
                return
            set_fk(obj, "town", town)
            set_fk(obj, "village", village)

    def export_rows(self, queryset, unmask):
        fields = ("enterprise__name", "enterprise__credit_code", "signed_on", "town__name", "village__name",
                  "valid_until", "positions", "workers_placed", "terms", "id")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            name, code, signed_on, town, village, valid_until, positions, placed, terms, pk = row
            yield [name, code, signed_on, town or "", village or "", valid_until or "", positions, placed, terms, pk]
