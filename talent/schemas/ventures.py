"""返乡创业实体台账 by Excel (issue 14 item 6; ledgers.schemas.records).

Natural key (also in the template's instructions sheet and README "Service records by Excel"): 所在村(社区) + 名称 —
one venture of that name in a village (所属乡镇 tells apart villages of the same name). The founder is named by ID
number and must be in the talent pool (乡土人才库) of the importer's scope; the venture may have none.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from ledgers.schemas.columns import Column
from ledgers.schemas.context import set_fk
from ledgers.schemas.records import NO_PERSON, RECORD_ID, RecordSchema, cell_flag
from talent import choices
from talent.models import ReturneeVenture, Talent
from zyparty import excel
from zyparty.validators import normalize_code

_text = excel.cell_text

VENTURE_KINDS = (("合作社", "cooperative"), ("专业合作社", "cooperative"), ("农民专业合作社", "cooperative"),
                 ("家庭农场", "family_farm"), ("农场", "family_farm"), ("公司", "enterprise"),
                 ("个体工商户", "enterprise"), ("社区工厂", "community_factory"), ("扶贫车间", "community_factory"),
                 ("就业帮扶车间", "community_factory"))


class VentureSchema(RecordSchema):
    kind = "ventures"
    label = "返乡创业实体台账"
    model = ReturneeVenture
    key_header = "名称"
    key_headers = ("所属乡镇", "所在村(社区)", "名称")
    key_help = "“所在村(社区)＋名称”（同名村用“所属乡镇”区分）"
    place_header = "所在村(社区)"
    choices = {"venture_kind": choices.VentureKind}
    columns = (
        Column("名称", field="name", required=True, aliases=("项目名称", "实体名称", "企业名称"), width=24),
        Column("类型", field="kind", required=True, aliases=("实体类型", "类别"), width=14, options="venture_kind"),
        Column("所在村(社区)", field="village", required=True, aliases=("所在村", "村(社区)", "村"), width=14,
               options="villages"),
        Column("所属乡镇", aliases=("乡镇",), width=12, help="村名在县内不唯一时填写。"),
        Column("统一社会信用代码", field="credit_code", aliases=("信用代码",), width=22, text=True),
        Column("创办人", aliases=("创业人", "负责人"), width=10, help="可不填；填了须与创办人身份证号的人员姓名一致。"),
        Column("身份证号", field="founder", aliases=("创办人身份证号", "创业人身份证号", "身份证号码"), width=22, text=True,
               help="创办人的身份证号，须已在乡土人才库（您的管辖范围内）。"),
        Column("创办日期", field="founded_on", required=True, aliases=("成立日期", "创办时间"), width=12, date=True),
        Column("带动就业人数", field="jobs_created", aliases=("带动就业", "吸纳就业人数"), width=10),
        Column("贷款金额(元)", field="loans_amount", aliases=("贷款金额", "贷款"), width=12),
        Column("补贴金额(元)", field="subsidies_amount", aliases=("补贴金额", "补贴"), width=12),
        Column("在营", field="is_active", aliases=("是否在营", "经营状态"), width=8, help="是 / 否"),
        Column("备注", field="notes", width=20),
        RECORD_ID,
    )
    error_headers = {"village": "所在村(社区)", "founder": "身份证号", "credit_code": "统一社会信用代码"}

    def preload(self, keyed, ctx):
        people = self.load_people(keyed, ctx)
        workers = [p.pk for p in people["workers"].values()]
        members = [p.pk for p in people["members"].values()]
        talents = {}
        if workers or members:
            queryset = Talent.objects.all() if ctx.user is None else Talent.objects.restrict(ctx.user)
            for talent in queryset.filter(Q(worker_id__in=workers) | Q(member_id__in=members)).only(
                    "id", "name", "worker_id", "member_id", "county_id", "town_id", "village_id"):
                for slot in ("worker", "member"):
                    if getattr(talent, f"{slot}_id") is not None:
                        talents[(slot, getattr(talent, f"{slot}_id"))] = talent
        ctx.records["talents"] = talents

    def existing_by_key(self, keys, ctx):
        wanted = {}
        for key in keys:
            town_text, village_text, name = key
            try:
                town = ctx.resolve_town(town_text) if town_text else None
                village = ctx.resolve_village(village_text, town)
            except excel.CellError:
                continue
            wanted[(village.pk, name)] = key
        out = {}
        villages = {k[0] for k in wanted}
        for venture in ReturneeVenture.objects.filter(village_id__in=villages):
            key = wanted.get((venture.village_id, excel.normalize_header(venture.name)))
            if key is not None:
                out.setdefault(key, venture)
        return out

    def apply(self, obj, cells, ctx, errors, key, existing):
        self.set_text(obj, "name", "名称", cells, errors, required=True)
        self.set_coded(obj, "kind", "类型", choices.VentureKind, cells, ctx, errors, required=True, extra=VENTURE_KINDS)
        if "所在村(社区)" in cells:
            town = None
            text = _text(cells.get("所属乡镇", ""))
            try:
                town = ctx.resolve_town(text) if text else None
                village = ctx.resolve_village(_text(cells["所在村(社区)"]), town)
            except excel.CellError as exc:
                errors.add("所属乡镇" if text and town is None else "所在村(社区)", exc.code, exc.message)
            else:
                set_fk(obj, "village", village)
        if "统一社会信用代码" in cells:
            obj.credit_code = normalize_code(excel.cell_code(cells["统一社会信用代码"]))
        self.set_founder(obj, cells, ctx, errors, existing)
        self.set_date(obj, "founded_on", "创办日期", cells, errors, required=True)
        self.set_number(obj, "jobs_created", "带动就业人数", cells, errors)
        self.set_number(obj, "loans_amount", "贷款金额(元)", cells, errors, decimal=True)
        self.set_number(obj, "subsidies_amount", "补贴金额(元)", cells, errors, decimal=True)
        if "在营" in cells:
            try:
                flag = cell_flag(cells["在营"])
            except excel.CellError as exc:
                errors.add("在营", exc.code, exc.message)
            else:
                obj.is_active = True if flag is None else flag
        self.set_text(obj, "notes", "备注", cells, errors)

    def set_founder(self, obj, cells, ctx, errors, existing):
        found = self.person_cell(cells, ctx, errors, existing)
        if found is NO_PERSON:
            obj.founder_id = None
            return
        if found is None:
            return
        worker, member = found
        talents = ctx.records["talents"]
        talent = (talents.get(("member", member.pk)) if member is not None else None) or (
            talents.get(("worker", worker.pk)) if worker is not None else None)
        if talent is None:
            errors.add("身份证号", "talent_unknown", _("该人员（%(n)s）尚未登记到乡土人才库，请先登记后再导入创业实体。") % {
                "n": (member or worker).name})
            return
        name = _text(cells.get("创办人", ""))
        if name and excel.normalize_header(name) != excel.normalize_header(talent.name):
            errors.add("创办人", "name_mismatch", _("创办人“%(n)s”与该身份证号的人员（%(p)s）不一致。") % {
                "n": name, "p": talent.name})
        obj.founder_id = talent.pk

    def export_rows(self, queryset, unmask):
        kinds = dict(choices.VentureKind.choices)
        suffix = "id_number" if unmask else "id_masked"
        fields = ("name", "kind", "village__name", "town__name", "credit_code", "founder__name",
                  f"founder__member__{suffix}", f"founder__worker__{suffix}", "founded_on", "jobs_created",
                  "loans_amount", "subsidies_amount", "is_active", "notes", "id")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            (name, kind, village, town, code, founder, member_id, worker_id, founded_on, jobs, loans, subsidies,
             active, notes, pk) = row
            yield [name, str(kinds.get(kind, kind)), village or "", town or "", code, founder or "",
                   member_id or worker_id or "", founded_on, jobs, float(loans), float(subsidies),
                   _("是") if active else _("否"), notes, pk]
