"""农民工党员台账 (CONTRACT.md "Excel ledgers"): cells → a PartyMember, and the export."""

from ledgers.models import PartyMember
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


class MemberSchema(PersonSchema):
    kind = "members"
    label = "农民工党员台账"
    model = PartyMember
    birth_rules = True
    columns = (
        NAME, ID_NUMBER,
        Column("入党日期", field="joined_on", required=True, aliases=("入党时间",), width=12, date=True),
        Column("转正日期", field="full_member_on", aliases=("转正时间",), width=12, date=True,
               help="预备党员留空。"),
        Column("组织关系所在党组织", field="home_organization", required=True, aliases=("组织关系所在支部", "所在党组织"),
               width=26, options="organizations", help=ORG_HELP),
        Column("参加活动党组织", field="activity_organization", aliases=("参加组织生活党组织", "活动党组织"), width=26,
               options="organizations", help=ORG_HELP),
        Column("流动党员活动证号", field="certificate_no", aliases=("活动证号", "流动党员活动证编号"), width=18, text=True),
        REMARKS,
        Column("户籍村(社区)", field="village", aliases=VILLAGE.aliases, contract=False, width=14,
               help=VILLAGE.help),
        TOWN, RECORD_ID,
    )

    def apply(self, obj, cells, ctx, errors, key, existing):
        self.apply_common(obj, cells, ctx, errors, key, existing, unit_default=False)
        self.set_date(obj, "joined_on", "入党日期", cells, errors, required=True)
        self.set_date(obj, "full_member_on", "转正日期", cells, errors)
        self.set_org(obj, "home_organization", "组织关系所在党组织", cells, ctx, errors, required=True)
        self.set_org(obj, "activity_organization", "参加活动党组织", cells, ctx, errors)
        if "流动党员活动证号" in cells:
            text = _text(cells["流动党员活动证号"])
            if self.check_length("流动党员活动证号", text, errors):
                obj.certificate_no = text
        if existing is None and obj.town_id is None:
            place_from_org(obj, obj.home_organization if obj.home_organization_id else None, ctx)
            if obj.town_id is None:
                self.home_from_unit(obj, ctx)

    def export_rows(self, queryset, unmask):
        fields = ("name", "id_number" if unmask else "id_masked", "joined_on", "full_member_on",
                  "home_organization__name", "activity_organization__name", "certificate_no", "remarks",
                  "village__name", "town__name", "id")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            yield [v if v is not None else "" for v in row[:2]] + list(row[2:4]) + [
                v or "" for v in row[4:10]] + [row[10]]
