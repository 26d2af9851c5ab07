"""聚集地企业台账 (CONTRACT.md "Excel ledgers"): cells → a HostEnterprise (by 统一社会信用代码), and the export."""

from django.utils.translation import gettext as _

from ledgers import choices
from ledgers.models import HostEnterprise
from ledgers.schemas.base import LedgerSchema, same_place
from ledgers.schemas.columns import RECORD_ID, REMARKS, Column
from ledgers.schemas.orgrefs import ORG_HELP
from zyparty import excel, regions
from zyparty.validators import normalize_code

_text = excel.cell_text


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
        Column("党组织", field="party_organization", aliases=("企业党组织",), width=26, options="organizations",
               help=ORG_HELP),
        REMARKS,
        Column("建档乡镇", field="town", aliases=("所属乡镇", "乡镇"), contract=False, width=12, options="towns",
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
            if existing is None or not same_place(text, existing.address, existing.location_code):
                if self.check_length("所在地", text, errors):
                    obj.address = text
                    obj.location_code = ctx.destination(text) if text else ""
        if "行业" in cells:
            text = _text(cells["行业"])
            try:
                obj.industry = ctx.coded("行业", "industry", text) if text else ""
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
                town = ctx.resolve_town(_text(cells["建档乡镇"]), "建档乡镇")
                if town is not None:
                    obj.town = town
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
