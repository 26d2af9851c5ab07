"""行政区划 (CONTRACT.md "units"): the codes and names a county sets itself up from. The import itself runs in
ledgers.importing.units (units are saved one by one, parents first)."""

from django.utils.translation import gettext as _

from ledgers.schemas.base import LedgerSchema
from ledgers.schemas.columns import Column
from organizations.models import Unit
from zyparty import excel
from zyparty.validators import normalize_code


class UnitSchema(LedgerSchema):
    """行政区划 (CONTRACT.md): a county sets itself up from a sheet of codes and names."""

    kind = "units"
    label = "行政区划"
    model = Unit
    key_header = "区划代码"
    place_header = "区划代码"
    columns = (
        Column("区划代码", field="code", required=True, aliases=("代码", "统计用区划代码", "行政区划代码"), width=16,
               text=True, help="县6位、乡镇9位、村（社区）12位。"),
        Column("名称", field="name", required=True, aliases=("区划名称", "单位名称"), width=20),
    )

    def key_of(self, cells):
        code = excel.cell_code(cells.get("区划代码", ""))
        if not code:
            raise excel.CellError(_("请填写区划代码。"), "required")
        return "code", normalize_code(code), code

    def export_rows(self, queryset, unmask):
        for code, name in queryset.order_by("code").values_list("code", "name").iterator(chunk_size=2000):
            yield [code, name]
