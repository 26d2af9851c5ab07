"""培训台账, 培训签到表 and 招聘会台账 by Excel (issue 14 item 6; ledgers.schemas.records).

Natural keys (also in each template's instructions sheet and README "Service records by Excel"):

- a training: 所属乡镇 + 培训名称 + 开班日期 (所属乡镇 empty: the import's own town, or the county for a county-wide
  training imported into the county);
- an attendee (签到表, one row per attendee): the training's key + 身份证号 — the training is created once for each
  distinct key of the sheet, from its first row, and the attendees added or updated; a training that exists keeps
  its own details (change them with the 培训台账 sheet);
- a job fair: 所属乡镇 + 名称 + 举办日期.
"""

from django.utils.translation import gettext as _

from ledgers.importing.access import permits
from ledgers.schemas.columns import Column
from ledgers.schemas.context import set_fk
from ledgers.schemas.records import ID_NUMBER, RECORD_ID, RecordSchema, RecordWriter, masked_or_clear
from services import choices
from services.models import JobFair, Training, TrainingAttendee
from zyparty import excel

_text = excel.cell_text

TOWN = Column("所属乡镇", field="town", aliases=("乡镇", "举办乡镇", "乡镇(街道)"), width=12,
              help="乡镇名称或9位区划代码；按乡镇导入时可不填；县级举办的留空并按县导入。")
TRAINING_KINDS = (("修脚", "pedicure"), ("烹饪", "cooking"), ("电商", "ecommerce"), ("电商培训", "ecommerce"),
                  ("家政", "housekeeping"), ("月嫂", "housekeeping"), ("茶农", "tea_farmer"),
                  ("书记培训", "outpost_secretary"), ("其他", "other"), ("其它", "other"))


class HeldRecordSchema(RecordSchema):
    """A record held at a town (or by the county) on a date under a name: trainings and job fairs."""

    title_header = ""
    date_header = ""
    title_field = "title"
    date_field = "held_on"

    def place(self, obj, cells, ctx, errors, existing):
        if existing is not None and "所属乡镇" not in cells:
            return
        town = self.town_cell(cells, ctx, errors)
        if town is False:
            return
        set_fk(obj, "town", town)
        if town is None:
            set_fk(obj, "county", ctx.county)

    def held_key(self, town_text, title, held_on, ctx):
        """(town id or None, title, date) of a key's cells, or None when its town cannot be read."""
        if town_text:
            try:
                town = ctx.resolve_town(town_text)
            except excel.CellError:
                return None
        else:
            town = ctx.town_of()
        return (town.pk if town is not None else None, title, held_on)

    def held_records(self, keys, ctx):
        """{(town id, title, date): record} for the (town, title, date) triples given."""
        wanted = {}
        for key in keys:
            found = self.held_key(*key[:3], ctx)
            if found is not None:
                wanted[found] = key
        if not wanted:
            return {}
        queryset = self.model.objects.filter(county=ctx.county, **{
            f"{self.date_field}__in": {k[2] for k in wanted if k[2] is not None}})
        out = {}
        for obj in queryset:
            triple = (obj.town_id, excel.normalize_header(getattr(obj, self.title_field)), getattr(obj, self.date_field))
            if triple in wanted:
                out[wanted[triple]] = obj
        return out

    def existing_by_key(self, keys, ctx):
        return self.held_records(keys, ctx)


class TrainingSchema(HeldRecordSchema):
    kind = "trainings"
    label = "培训台账"
    model = Training
    key_header = "培训名称"
    title_header, date_header = "培训名称", "开班日期"
    key_headers = ("所属乡镇", "培训名称", "开班日期")
    key_help = "“所属乡镇＋培训名称＋开班日期”"
    choices = {"training_kind": choices.TrainingKind}
    columns = (
        Column("培训名称", field="title", required=True, aliases=("培训班名称", "培训班", "名称"), width=24),
        Column("开班日期", field="held_on", required=True, aliases=("开始日期", "培训日期", "开班时间", "举办日期"),
               width=12, date=True),
        Column("类别", field="kind", required=True, aliases=("培训类别", "培训类型", "类型"), width=16,
               options="training_kind"),
        TOWN,
        Column("结业日期", field="ended_on", aliases=("结束日期", "结业时间"), width=12, date=True),
        Column("主办单位", field="organizer", aliases=("举办单位", "承办单位"), width=20),
        Column("地点", field="location", aliases=("培训地点",), width=20),
        Column("学时", field="hours", aliases=("课时", "培训学时"), width=8),
        Column("说明", field="summary", aliases=("备注", "培训内容"), width=24),
        RECORD_ID,
    )
    error_headers = {"town": "所属乡镇", "county": "所属乡镇"}

    def apply(self, obj, cells, ctx, errors, key, existing):
        self.set_text(obj, "title", "培训名称", cells, errors, required=True)
        self.set_date(obj, "held_on", "开班日期", cells, errors, required=True)
        self.set_coded(obj, "kind", "类别", choices.TrainingKind, cells, ctx, errors, required=True,
                       extra=TRAINING_KINDS)
        self.set_date(obj, "ended_on", "结业日期", cells, errors)
        self.set_text(obj, "organizer", "主办单位", cells, errors)
        self.set_text(obj, "location", "地点", cells, errors)
        self.set_number(obj, "hours", "学时", cells, errors, decimal=True)
        self.set_text(obj, "summary", "说明", cells, errors)
        self.place(obj, cells, ctx, errors, existing)

    def export_rows(self, queryset, unmask):
        kinds = dict(choices.TrainingKind.choices)
        fields = ("title", "held_on", "kind", "town__name", "ended_on", "organizer", "location", "hours", "summary",
                  "id")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            title, held_on, kind, town, ended_on, organizer, location, hours, summary, pk = row
            yield [title, held_on, str(kinds.get(kind, kind)), town or "", ended_on or "", organizer, location,
                   _number(hours), summary, pk]


class AttendeeSchema(HeldRecordSchema):
    """培训签到表: one row per attendee; the training by its key, created once per distinct key of the sheet."""

    kind = "attendees"
    label = "培训签到表"
    model = TrainingAttendee
    key_header = "身份证号"
    title_header, date_header = "培训名称", "开班日期"
    key_headers = ("所属乡镇", "培训名称", "开班日期", "身份证号")
    key_help = "培训（“所属乡镇＋培训名称＋开班日期”）＋“身份证号”；表中每个不同的培训只建一次（取其第一行的培训信息），已有的培训信息不被签到表修改"
    choices = TrainingSchema.choices
    training_headers = ("培训名称", "开班日期", "类别", "所属乡镇", "结业日期", "主办单位", "地点", "学时")
    columns = (
        *(TrainingSchema.columns[i] for i in range(8)),
        Column("姓名", field="name", aliases=("参训人", "参训人员", "学员姓名"), width=10,
               help="可不填；填了须与台账中该身份证号人员的姓名一致。"),
        ID_NUMBER,
        Column("结业证书编号", field="certificate_no", aliases=("证书编号", "结业证号"), width=18, text=True),
        RECORD_ID,
    )
    error_headers = {"worker": "身份证号", "member": "身份证号", "name": "身份证号", "certificate_no": "结业证书编号",
                     "training": "培训名称"}

    def training_key(self, cells):
        parts = []
        for header in ("所属乡镇", "培训名称", "开班日期"):
            try:
                parts.append(self.key_part(header, cells.get(header, "")))
            except excel.CellError:
                return None
        return tuple(parts)

    def preload(self, keyed, ctx):
        self.load_people(keyed, ctx)
        training_keys = {k for k in (self.training_key(cells) for _s, _r, cells, _c, _k in keyed) if k is not None}
        ctx.records["trainings"] = TRAINING.held_records(training_keys, ctx)
        ctx.records["new_trainings"] = {}  # training key → the Training this sheet makes (from its first row)
        certificates = {_text(cells.get("结业证书编号", "")) for _s, _r, cells, _c, _k in keyed} - {""}
        ctx.records["certificates"] = dict(TrainingAttendee.objects.filter(certificate_no__in=certificates)
                                           .values_list("certificate_no", "id")) if certificates else {}
        ctx.records["certificates_in_file"] = {}

    def related(self, queryset):
        return queryset.select_related("worker", "member", "training")

    def existing_by_key(self, keys, ctx):
        trainings = ctx.records["trainings"]
        ids = {t.pk for t in trainings.values()}
        if not ids:
            return {}
        by_person = {}
        for attendee in self.related(TrainingAttendee.objects.filter(training_id__in=ids)):
            for slot in ("worker_id", "member_id"):
                if getattr(attendee, slot) is not None:
                    by_person[(attendee.training_id, slot, getattr(attendee, slot))] = attendee
        people = ctx.records["people"]
        out = {}
        for key in keys:
            training = trainings.get(key[:3])
            if training is None:
                continue
            digest = ctx.digest(key[3])
            for slot, table in (("worker_id", people["workers"]), ("member_id", people["members"])):
                person = table.get(digest)
                found = person is not None and by_person.get((training.pk, slot, person.pk))
                if found:
                    out[key] = found
                    break
        return out

    def the_training(self, cells, ctx, errors):
        """The training a row names: one of the county's, or the one this sheet makes for its key."""
        key = self.training_key(cells)
        if key is None:
            for header in ("所属乡镇", "培训名称", "开班日期"):
                try:
                    self.key_part(header, cells.get(header, ""))
                except excel.CellError as exc:
                    errors.add(header, exc.code, exc.message)
            return None
        if self.held_key(*key, ctx) is None:
            self.town_cell(cells, ctx, errors)  # words the town's error
            return None
        training = ctx.records["trainings"].get(key)
        if training is not None:
            return training
        made = ctx.records["new_trainings"].get(key)
        if made is not None:
            return made
        training = Training()
        own = type(errors)()
        TRAINING.apply(training, {h: cells[h] for h in self.training_headers if h in cells}, ctx, own, key, None)
        if not own:
            try:
                training.clean()
            except Exception as exc:  # ValidationError: worded under the training's columns
                for field_name, messages in getattr(exc, "message_dict", {"": getattr(exc, "messages", [])}).items():
                    for message in messages:
                        own.add(TRAINING.header_for(field_name) or "培训名称", "invalid", message)
        for item in own.items:
            errors.add(*item)
        if not own and not permits(ctx.user, training):
            errors.add("所属乡镇", "out_of_scope", _("该培训不在您的管辖范围内。"))
            return None
        if own:
            return None
        ctx.records["new_trainings"][key] = training
        return training

    def apply(self, obj, cells, ctx, errors, key, existing):
        training = self.the_training(cells, ctx, errors)
        if training is None:
            return
        if existing is not None and existing.training_id != training.pk:
            errors.add("培训名称", "record_mismatch", _("记录编号对应的参训记录属于另一期培训（%(t)s）。") % {
                "t": existing.training})
            return
        set_fk(obj, "training", training)
        self.set_person(obj, cells, ctx, errors, existing)
        person = obj.worker if obj.worker_id else obj.member if obj.member_id else None
        if "姓名" in cells and person is not None:
            name = _text(cells["姓名"])
            if name and excel.normalize_header(name) != excel.normalize_header(person.name):
                errors.add("姓名", "name_mismatch", _("姓名“%(n)s”与台账中该身份证号的人员（%(p)s）不一致。") % {
                    "n": name, "p": person.name})
            obj.name = person.name
        if "结业证书编号" in cells:
            number = _text(cells["结业证书编号"])
            if self.check_length("结业证书编号", number, errors):
                obj.certificate_no = number
            owner = ctx.records["certificates"].get(number)
            if number and owner is not None and owner != obj.pk:
                errors.add("结业证书编号", "certificate_taken", _("结业证书编号已被使用。"))
            seen = ctx.records["certificates_in_file"]
            if number and seen.setdefault(number, id(obj)) != id(obj):
                errors.add("结业证书编号", "duplicate_in_file", _("结业证书编号在文件中出现了两次。"))
        obj.uniqueness_checked = True  # the keys of the file and the certificates were checked above

    def writer(self, user, ctx):
        def save_trainings():
            for training in ctx.records["new_trainings"].values():
                training.save()

        return RecordWriter(TrainingAttendee, user, before=save_trainings)

    def export_rows(self, queryset, unmask):
        kinds = dict(choices.TrainingKind.choices)
        fields = ("training__title", "training__held_on", "training__kind", "training__town__name",
                  "training__ended_on", "training__organizer", "training__location", "training__hours", "name",
                  "worker__id_number" if unmask else "worker__id_masked",
                  "member__id_number" if unmask else "member__id_masked", "certificate_no", "id")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            (title, held_on, kind, town, ended_on, organizer, location, hours, name, worker_id, member_id, cert,
             pk) = row
            yield [title, held_on, str(kinds.get(kind, kind)), town or "", ended_on or "", organizer, location,
                   _number(hours), name, worker_id or member_id or "", cert, pk]


class JobFairSchema(HeldRecordSchema):
    kind = "job_fairs"
    label = "招聘会台账"
    model = JobFair
    key_header = "名称"
    key_headers = ("所属乡镇", "名称", "举办日期")
    key_help = "“所属乡镇＋名称＋举办日期”"
    columns = (
        Column("名称", field="title", required=True, aliases=("招聘会名称", "活动名称"), width=24),
        Column("举办日期", field="held_on", required=True, aliases=("日期", "举办时间"), width=12, date=True),
        TOWN,
        Column("地点", field="location", aliases=("举办地点",), width=20),
        Column("主办单位", field="organizer", aliases=("举办单位",), width=20),
        Column("参会企业数", field="enterprises_count", aliases=("参会企业", "企业数"), width=10),
        Column("提供岗位数", field="positions_offered", aliases=("岗位数", "提供岗位"), width=10),
        Column("参会人数", field="attendance", aliases=("参会群众", "入场人数"), width=10),
        Column("达成就业意向人数", field="intents_signed", aliases=("达成意向人数", "达成就业意向"), width=12),
        RECORD_ID,
    )
    error_headers = {"town": "所属乡镇", "county": "所属乡镇"}

    def apply(self, obj, cells, ctx, errors, key, existing):
        self.set_text(obj, "title", "名称", cells, errors, required=True)
        self.set_date(obj, "held_on", "举办日期", cells, errors, required=True)
        self.set_text(obj, "location", "地点", cells, errors)
        self.set_text(obj, "organizer", "主办单位", cells, errors)
        for header, field in (("参会企业数", "enterprises_count"), ("提供岗位数", "positions_offered"),
                              ("参会人数", "attendance"), ("达成就业意向人数", "intents_signed")):
            self.set_number(obj, field, header, cells, errors)
        self.place(obj, cells, ctx, errors, existing)

    def export_rows(self, queryset, unmask):
        fields = ("title", "held_on", "town__name", "location", "organizer", "enterprises_count", "positions_offered",
                  "attendance", "intents_signed", "id")
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            yield [row[0], row[1], row[2] or "", *row[3:]]


def _number(value):
    """A Decimal as the clerk wrote it: 8 for 8.0, 1.5 for 1.5."""
    if value is None:
        return ""
    return int(value) if value == value.to_integral_value() else float(value)


TRAINING = TrainingSchema()

__all__ = ["TrainingSchema", "AttendeeSchema", "JobFairSchema", "TRAINING", "masked_or_clear"]
