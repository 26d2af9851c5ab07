"""服务事项台账 and 双向联系记录 by Excel (issue 14 item 6; ledgers.schemas.records).

Natural keys (also in each template's instructions sheet and README "Service records by Excel"):

- a service case has no number of its own: 身份证号 + 类别 + 受理日期 for a person of the ledgers, else
  所属乡镇 + 申请人 + 类别 + 受理日期. Imported cases start as 已受理; their handling goes on in the case pages
  (every step in the case's history), which the sheet does not touch;
- a liaison record: 乡镇党委 + 交流日期 + 流入地党组织 + 驻外党组织 + 交流方式 (one exchange of a town with one
  organization, one way, on one day).
"""

from django.utils.translation import gettext as _

from ledgers.schemas.columns import Column
from ledgers.schemas.context import set_fk
from ledgers.schemas.records import ID_NUMBER, RECORD_ID, RecordSchema, coded_cell
from organizations.models import HostPlaceOrganization, PartyOrganization
from services import choices
from services.models import LiaisonRecord, ServiceCase
from zyparty import excel
from zyparty.validators import normalize_id_number

_text = excel.cell_text

CASE_KINDS = (("就业", "employment"), ("社保", "social_security"), ("法律", "legal_aid"), ("维权", "legal_aid"),
              ("欠薪", "wage_recovery"), ("讨薪", "wage_recovery"), ("追讨工资", "wage_recovery"),
              ("证照", "certificates"), ("贷款", "loans"), ("留守关爱", "left_behind"))
CASE_CHANNELS = (("窗口", "window"), ("服务窗口", "window"), ("148", "hotline_148"), ("148热线", "hotline_148"),
                 ("4411111", "hotline_4411111"), ("便民热线", "hotline_4411111"), ("服务站", "outpost"),
                 ("其它", "other"))
LIAISON_CHANNELS = (("电话", "phone"), ("视频", "video"), ("视频会", "video"), ("书信", "letter"),
                    ("实地走访", "visit"), ("座谈", "seminar"))
TOPIC_SEPARATORS = "、,，;；/ "


def outposts(ctx):
    """The outpost organizations the importer may see in the county, by name (clean() reads is_outpost, town)."""
    if "outposts" not in ctx.records:
        queryset = PartyOrganization.objects.all() if ctx.user is None else PartyOrganization.objects.restrict(ctx.user)
        found = {}
        for org in queryset.filter(county=ctx.county, is_outpost=True).only(
                "id", "name", "is_outpost", "town_id", "county_id", "home_unit_id"):
            found.setdefault(excel.normalize_header(org.name), []).append(org)
        ctx.records["outposts"] = found
    return ctx.records["outposts"]


def outpost_of(text, ctx, header):
    found = outposts(ctx).get(excel.normalize_header(text), [])
    if len(found) == 1:
        return found[0]
    if not found:
        raise excel.CellError(_("您的管辖范围内没有名为“%(n)s”的驻外党组织，请核对全称。") % {"n": text}, "organization_unknown")
    raise excel.CellError(_("有多个名为“%(n)s”的驻外党组织。") % {"n": text}, "organization_ambiguous")


class ServiceCaseSchema(RecordSchema):
    kind = "cases"
    label = "服务事项台账"
    model = ServiceCase
    key_header = "身份证号"
    key_help = "“身份证号＋类别＋受理日期”（不在台账中的申请人按“所属乡镇＋申请人＋类别＋受理日期”）"
    choices = {"case_kind": choices.CaseKind, "case_channel": choices.CaseChannel}
    columns = (
        Column("申请人", field="applicant_name", aliases=("姓名", "当事人", "服务对象"), width=10,
               help="不在台账中的申请人填写姓名（并填所属乡镇）；填了身份证号的可不填。"),
        ID_NUMBER,
        Column("类别", field="kind", required=True, aliases=("事项类别", "服务类别", "类型"), width=14, options="case_kind"),
        Column("受理日期", field="opened_on", required=True, aliases=("受理时间", "登记日期"), width=12, date=True),
        Column("事由", field="title", required=True, aliases=("事项", "诉求", "事项名称"), width=24),
        Column("受理渠道", field="channel", required=True, aliases=("渠道", "来源"), width=16, options="case_channel"),
        Column("情况说明", field="description", aliases=("基本情况", "具体情况"), width=30),
        Column("所属乡镇", field="town", aliases=("乡镇",), width=12, help="申请人不在台账中时填写；按乡镇导入时可不填。"),
        Column("村(社区)", field="village", aliases=("村", "村(社区)名称", "所在村"), width=14, options="villages"),
        Column("受理驻外党组织", field="organization", aliases=("驻外党组织", "驻外服务站"), width=24,
               help="经驻外服务站受理的，填驻外党组织全称。"),
        Column("涉及金额(元)", field="amount_claimed", aliases=("涉及金额", "涉案金额"), width=12),
        Column("挽回金额(元)", field="amount_recovered", aliases=("挽回金额", "追回金额"), width=12),
        Column("办理结果", field="outcome", aliases=("处理结果", "结果"), width=24),
        RECORD_ID,
    )
    error_headers = {"worker": "身份证号", "member": "身份证号", "town": "所属乡镇", "village": "村(社区)",
                     "organization": "受理驻外党组织", "applicant_name": "申请人", "amount_claimed": "涉及金额(元)",
                     "amount_recovered": "挽回金额(元)"}

    def key_of(self, cells):
        record = _text(cells.get("记录编号", ""))
        if record:
            return super().key_of(cells)
        kind = self.key_part("类别", cells.get("类别", ""))
        opened = self.key_part("受理日期", cells.get("受理日期", ""))
        if excel.cell_code(cells.get("身份证号", "")):
            number = self.key_part("身份证号", cells.get("身份证号", ""))
            return "key", ("id", number, kind, opened), number
        name = self.key_part("申请人", cells.get("申请人", ""))
        if not name:
            raise excel.CellError(_("请填写身份证号（台账中的人员）或申请人姓名。"), "required")
        town = self.key_part("所属乡镇", cells.get("所属乡镇", ""))
        return "key", ("name", town, name, kind, opened), name

    def preload(self, keyed, ctx):
        self.load_people(keyed, ctx)

    def related(self, queryset):
        return queryset.select_related("worker", "member", "organization")

    def existing_by_key(self, keys, ctx):
        people = ctx.records["people"]
        wanted, workers, members, names = {}, set(), set(), set()
        for key in keys:
            try:
                kind = coded_cell(ctx, "类别", choices.CaseKind, key[-2], CASE_KINDS)
            except excel.CellError:
                continue
            if key[0] == "id":
                digest = ctx.digest(key[1])
                worker, member = people["workers"].get(digest), people["members"].get(digest)
                if worker is not None:
                    wanted[("worker", worker.pk, kind, key[-1])] = key
                    workers.add(worker.pk)
                if member is not None:
                    wanted[("member", member.pk, kind, key[-1])] = key
                    members.add(member.pk)
            else:
                try:
                    town = ctx.resolve_town(key[1]) if key[1] else ctx.town_of()
                except excel.CellError:
                    continue
                if town is not None:
                    wanted[("name", town.pk, key[2], kind, key[-1])] = key
                    names.add(key[2])
        out = {}
        dates = {key[-1] for key in keys if key[-1] is not None}
        queryset = self.related(ServiceCase.objects.filter(opened_on__in=dates))
        for field, ids in (("worker", workers), ("member", members)):
            if ids:
                for case in queryset.filter(**{f"{field}_id__in": ids}):
                    key = wanted.get((field, getattr(case, f"{field}_id"), case.kind, case.opened_on))
                    if key is not None:
                        out.setdefault(key, case)
        if names:
            for case in queryset.filter(county=ctx.county, worker__isnull=True, member__isnull=True):
                key = wanted.get(("name", case.town_id, excel.normalize_header(case.applicant_name), case.kind,
                                  case.opened_on))
                if key is not None:
                    out.setdefault(key, case)
        return out

    def apply(self, obj, cells, ctx, errors, key, existing):
        self.set_person(obj, cells, ctx, errors, existing, required=False)
        self.set_text(obj, "applicant_name", "申请人", cells, errors)
        self.set_coded(obj, "kind", "类别", choices.CaseKind, cells, ctx, errors, required=True, extra=CASE_KINDS)
        self.set_date(obj, "opened_on", "受理日期", cells, errors, required=True)
        self.set_text(obj, "title", "事由", cells, errors, required=True)
        self.set_coded(obj, "channel", "受理渠道", choices.CaseChannel, cells, ctx, errors, required=True,
                       extra=CASE_CHANNELS)
        self.set_text(obj, "description", "情况说明", cells, errors)
        self.set_text(obj, "outcome", "办理结果", cells, errors)
        self.set_number(obj, "amount_claimed", "涉及金额(元)", cells, errors, default=None, decimal=True)
        self.set_number(obj, "amount_recovered", "挽回金额(元)", cells, errors, default=None, decimal=True)
        person = obj.worker if obj.worker_id else obj.member if obj.member_id else None
        if person is not None and _text(cells.get("申请人", "")):
            name = _text(cells["申请人"])
            if excel.normalize_header(name) != excel.normalize_header(person.name):
                errors.add("申请人", "name_mismatch", _("申请人“%(n)s”与台账中该身份证号的人员（%(p)s）不一致。") % {
                    "n": name, "p": person.name})
            obj.applicant_name = person.name
        if person is None and (existing is None or "所属乡镇" in cells or "村(社区)" in cells):
            town = self.town_cell(cells, ctx, errors)
            if town is False:
                return
            village = None
            text = _text(cells.get("村(社区)", ""))
            if text:
                try:
                    village = ctx.resolve_village(text, town)
                except excel.CellError as exc:
                    errors.add("村(社区)", exc.code, exc.message)
                    return
                town = town or village.town
            set_fk(obj, "town", town)
            set_fk(obj, "village", village)
        if "受理驻外党组织" in cells:
            text = _text(cells["受理驻外党组织"])
            try:
                set_fk(obj, "organization", outpost_of(text, ctx, "受理驻外党组织") if text else None)
            except excel.CellError as exc:
                errors.add("受理驻外党组织", exc.code, exc.message)

    def export_rows(self, queryset, unmask):
        kinds, channels = dict(choices.CaseKind.choices), dict(choices.CaseChannel.choices)
        fields = ("applicant_name", "worker__id_number" if unmask else "worker__id_masked",
                  "member__id_number" if unmask else "member__id_masked", "kind", "opened_on", "title", "channel",
                  "description", "town__name", "village__name", "organization__name", "amount_claimed",
                  "amount_recovered", "outcome", "id")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            (name, worker_id, member_id, kind, opened, title, channel, description, town, village, org, claimed,
             recovered, outcome, pk) = row
            yield [name, worker_id or member_id or "", str(kinds.get(kind, kind)), opened, title,
                   str(channels.get(channel, channel)), description, town or "", village or "", org or "",
                   "" if claimed is None else float(claimed), "" if recovered is None else float(recovered), outcome,
                   pk]


class LiaisonSchema(RecordSchema):
    kind = "liaisons"
    label = "双向联系记录"
    model = LiaisonRecord
    key_header = "交流日期"
    key_headers = ("乡镇党委", "交流日期", "流入地党组织", "驻外党组织", "交流方式")
    key_help = "“乡镇党委＋交流日期＋流入地党组织＋驻外党组织＋交流方式”"
    place_header = "乡镇党委"
    choices = {"liaison_channel": choices.LiaisonChannel}
    columns = (
        Column("乡镇党委", field="town", aliases=("所属乡镇", "乡镇"), width=12, help="乡镇名称或9位区划代码；按乡镇导入时可不填。"),
        Column("交流日期", field="held_on", required=True, aliases=("联系日期", "日期", "交流时间"), width=12, date=True),
        Column("流入地党组织", field="host_organization", aliases=("流入地党组织名称", "共建党组织"), width=24,
               help="本县的流入地共建党组织全称；与驻外党组织至少填一个。"),
        Column("驻外党组织", field="organization", aliases=("驻外党支部",), width=24, help="本镇组建的驻外党组织全称。"),
        Column("交流方式", field="channel", required=True, aliases=("联系方式", "方式"), width=12,
               options="liaison_channel"),
        Column("交流内容", field="topics", required=True, aliases=("联系内容", "内容"), width=24,
               help="党员发展、教育管理、培训、就业、维权服务，可填多项，用顿号分隔。"),
        Column("参加人员", field="participants", aliases=("参加人",), width=20),
        Column("交流情况", field="summary", required=True, aliases=("情况", "主要内容", "交流情况摘要"), width=30),
        Column("后续事项", field="follow_ups", aliases=("跟进事项",), width=20),
        RECORD_ID,
    )
    error_headers = {"town": "乡镇党委", "host_organization": "流入地党组织", "organization": "驻外党组织",
                     "topics": "交流内容", "held_on": "交流日期"}

    def preload(self, keyed, ctx):
        found = {}
        for org in HostPlaceOrganization.objects.filter(county=ctx.county).only("id", "name", "county_id"):
            found.setdefault(excel.normalize_header(org.name), []).append(org)
        ctx.records["hosts"] = found
        outposts(ctx)

    def related(self, queryset):
        return queryset.select_related("host_organization", "organization")

    def existing_by_key(self, keys, ctx):
        wanted = {}
        for key in keys:
            town_text, held_on, host, outpost, channel = key
            try:
                town = ctx.resolve_town(town_text) if town_text else ctx.town_of()
                host_id = self._host(host, ctx).pk if host else None
                outpost_id = outpost_of(outpost, ctx, "驻外党组织").pk if outpost else None
                code = coded_cell(ctx, "交流方式", choices.LiaisonChannel, channel, LIAISON_CHANNELS)
            except excel.CellError:
                continue
            if town is not None:
                wanted[(town.pk, held_on, host_id, outpost_id, code)] = key
        out = {}
        dates = {k[1] for k in wanted if k[1] is not None}
        for record in self.related(LiaisonRecord.objects.filter(county=ctx.county, held_on__in=dates)):
            key = wanted.get((record.town_id, record.held_on, record.host_organization_id, record.organization_id,
                              record.channel))
            if key is not None:
                out.setdefault(key, record)
        return out

    def _host(self, text, ctx):
        found = ctx.records["hosts"].get(excel.normalize_header(text), [])
        if len(found) == 1:
            return found[0]
        if not found:
            raise excel.CellError(_("本县没有名为“%(n)s”的流入地共建党组织，请核对全称。") % {"n": text}, "organization_unknown")
        raise excel.CellError(_("有多个名为“%(n)s”的流入地党组织。") % {"n": text}, "organization_ambiguous")

    def apply(self, obj, cells, ctx, errors, key, existing):
        if existing is None or "乡镇党委" in cells:
            town = self.town_cell(cells, ctx, errors, "乡镇党委")
            if town is None:
                errors.add("乡镇党委", "required", _("请填写乡镇党委（按县导入时须写明乡镇）。"))
            elif town is not False:
                set_fk(obj, "town", town)
        self.set_date(obj, "held_on", "交流日期", cells, errors, required=True)
        for header, field, find in (("流入地党组织", "host_organization", self._host),
                                    ("驻外党组织", "organization", lambda t, c: outpost_of(t, c, "驻外党组织"))):
            if header in cells:
                text = _text(cells[header])
                try:
                    set_fk(obj, field, find(text, ctx) if text else None)
                except excel.CellError as exc:
                    errors.add(header, exc.code, exc.message)
        self.set_coded(obj, "channel", "交流方式", choices.LiaisonChannel, cells, ctx, errors, required=True,
                       extra=LIAISON_CHANNELS)
        if "交流内容" in cells:
            topics = []
            for word in _split(_text(cells["交流内容"])):
                try:
                    code = coded_cell(ctx, "交流内容", choices.LiaisonTopic, word, (("维权", "rights"),))
                except excel.CellError as exc:
                    errors.add("交流内容", exc.code, exc.message)
                    continue
                if code not in topics:
                    topics.append(code)
            obj.topics = topics
        self.set_text(obj, "participants", "参加人员", cells, errors)
        self.set_text(obj, "summary", "交流情况", cells, errors, required=True)
        self.set_text(obj, "follow_ups", "后续事项", cells, errors)

    def export_rows(self, queryset, unmask):
        channels, topics = dict(choices.LiaisonChannel.choices), dict(choices.LiaisonTopic.choices)
        fields = ("town__name", "held_on", "host_organization__name", "organization__name", "channel", "topics",
                  "participants", "summary", "follow_ups", "id")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            town, held_on, host, org, channel, codes, participants, summary, follow_ups, pk = row
            yield [town or "", held_on, host or "", org or "", str(channels.get(channel, channel)),
                   "、".join(str(topics.get(c, c)) for c in codes or []), participants, summary, follow_ups, pk]


def _split(text):
    words, word = [], ""
    for char in text:
        if char in TOPIC_SEPARATORS:
            if word:
                words.append(word)
            word = ""
        else:
            word += char
    if word:
        words.append(word)
    return words


__all__ = ["ServiceCaseSchema", "LiaisonSchema", "normalize_id_number"]
