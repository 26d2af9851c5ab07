"""入党积极分子台账 (CONTRACT.md "Excel ledgers"): cells → an Activist, and the export."""

from ledgers import choices
from ledgers.models import Activist
from ledgers.schemas.base import PersonSchema, place_from_org
from ledgers.schemas.columns import (
    ID_NUMBER,
    NAME,
    RECORD_ID,
    REMARKS,
    TOWN,
    VILLAGE,
    Column,
)
from ledgers.schemas.orgrefs import ORG_HELP
from zyparty import excel

_text = excel.cell_text


class ActivistSchema(PersonSchema):
    kind = "activists"
    label = "入党积极分子台账"
    model = Activist
    birth_rules = True
    columns = (
        NAME, ID_NUMBER,
        Column("申请入党日期", field="applied_on", required=True, aliases=("申请入党时间", "递交申请书日期"), width=12,
               date=True),
        Column("确定积极分子日期", field="activist_on", aliases=("确定为积极分子日期", "确定入党积极分子日期"), width=12,
               date=True),
        Column("培养联系人", field="cultivation_contacts", aliases=("培养人",), width=16, help="1至2名正式党员，用顿号分隔。"),
        Column("培养党组织", field="cultivating_organization", width=26, options="organizations", help=ORG_HELP),
        Column("户籍地党组织", field="home_organization", aliases=("户籍所在地党组织",), width=26, options="organizations",
               help=ORG_HELP),
        REMARKS,
        Column("户籍村(社区)", field="village", aliases=VILLAGE.aliases, contract=False, width=14,
               help=VILLAGE.help),
        TOWN, RECORD_ID,
    )

    def apply(self, obj, cells, ctx, errors, key, existing):
        self.apply_common(obj, cells, ctx, errors, key, existing, unit_default=False)
        self.set_date(obj, "applied_on", "申请入党日期", cells, errors, required=True)
        self.set_date(obj, "activist_on", "确定积极分子日期", cells, errors)
        if "培养联系人" in cells:
            text = _text(cells["培养联系人"])
            if self.check_length("培养联系人", text, errors):
                obj.cultivation_contacts = text
        self.set_org(obj, "cultivating_organization", "培养党组织", cells, ctx, errors)
        self.set_org(obj, "home_organization", "户籍地党组织", cells, ctx, errors)
        if existing is None:
            if obj.town_id is None:
                place_from_org(obj, obj.home_organization if obj.home_organization_id else (
                    obj.cultivating_organization if obj.cultivating_organization_id else None), ctx)
                if obj.town_id is None:
                    self.home_from_unit(obj, ctx)
            obj.stage = choices.ActivistStage.ACTIVIST if obj.activist_on else choices.ActivistStage.APPLICANT

    def export_rows(self, queryset, unmask):
        fields = ("name", "id_number" if unmask else "id_masked", "applied_on", "activist_on", "cultivation_contacts",
                  "cultivating_organization__name", "home_organization__name", "remarks", "village__name",
                  "town__name", "id")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            yield list(row[:4]) + [v or "" for v in row[4:10]] + [row[10]]
