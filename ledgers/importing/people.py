"""One person across the ledgers in an import (issue 14 item 5; the rules are ledgers.people's): before the rows are
checked, the other ledgers' records of the file's people are loaded once and the file's contradictions become
warnings; after the rows are written, inside the same transaction, the records are linked and the workers' political
status follows — a handful of set-wise statements per import, never one per row (the bulk paths bypass save()).

Mixed into the run (ledgers.importing.engine.ImportRun): ``_people_check(work, ctx)`` in the main process before the
checks (preview and commit alike), ``_people_write()`` after the rows are written.
"""

from django.db.models import Case, Exists, F, OuterRef, PositiveSmallIntegerField, Subquery, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ledgers import people
from ledgers.choices import ActivistStage, PoliticalStatus, Wish
from ledgers.importing.access import permits
from ledgers.importing.writing import RowWriter
from ledgers.models import Activist, PartyMember, Worker
from ledgers.schemas.columns import KEEP, choice_cell
from zyparty import events, excel

CHUNK = 900  # digests per IN list (SQLite: at most 999 parameters)
ADD_WORKER = "ledgers.add_worker"
_ROW_CHOICES = (("外出/外来", "direction", "direction"), ("返乡意向", "return_intention", "return_intention"),
                ("政治面貌", "political_status", "political_status"), ("入党意愿", "party_wish", "wish"))


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _row_digest(ctx, key, current):
    if key[0] == "id":
        return ctx.digest(key[1])
    return current.id_digest if current is not None else ""


class PeopleLinks:
    """The person-linking steps of :class:`ledgers.importing.engine.ImportRun`."""

    people_changes = None

    # Before the checks ------------------------------------------------------------------------------------------
    def _people_check(self, work, ctx):
        self.ctx = ctx
        kind = self.schema.kind
        if kind == "workers":
            self._load_party(ctx)
            self._warn_worker_rows(work, ctx)
        elif kind in ("members", "activists"):
            self._load_workers(work, ctx)
            self._warn_person_rows(work, ctx)

    def _load_party(self, ctx):
        """Every member's and open activist's standing by ID digest (the members' and activists' ledgers are small:
        thousands against the workers' hundreds of thousands): two queries."""
        party = {}
        for digest, stage in Activist.objects.values_list("id_digest", "stage").iterator(chunk_size=5000):
            standing = people.Party.of(activist_stage=stage)
            if standing.activist:
                party[digest] = standing
        for digest, full_on in PartyMember.objects.values_list("id_digest", "full_member_on").iterator(
                chunk_size=5000):
            party[digest] = people.Party.of(is_member=True, member_full_on=full_on)
        ctx.party = party

    def _warn_worker_rows(self, work, ctx):
        """外出 with 已返乡, 中共党员 without a member record, a status the party ledgers override: one pass over the
        four coded cells, each distinct text converted once and each distinct combination judged once (a 100,000-row
        file costs ~0.1 s here)."""
        texts, judged = {}, {}
        party = ctx.party
        defaults = {field: Worker._meta.get_field(field).get_default() for _h, field, _k in _ROW_CHOICES}
        for sheet, row_no, cells, _cols, key, current in work:
            values = []
            for header, field, kind in _ROW_CHOICES:
                raw = cells.get(header, None)
                value = texts.get((kind, raw), texts) if raw is None or type(raw) is str else texts
                if value is texts:  # not seen yet (or not a text): convert, remember texts only
                    text = None if raw is None else excel.cell_text(raw)
                    try:
                        value = KEEP if text is None else choice_cell(ctx, header, kind, text, field == "direction", True)
                    except excel.CellError:
                        value = KEEP  # the row checks report it
                    if raw is None or type(raw) is str:
                        texts[(kind, raw)] = value
                if value is KEEP:
                    value = getattr(current, field) if current is not None else defaults[field]
                values.append(value)
            standing = people.NONE
            if party or values[2] in people.MEMBER_STATUSES:
                standing = party.get(_row_digest(ctx, key, current), people.NONE)
            combination = (*values, standing)
            found = judged.get(combination)
            if found is None:
                found = judged[combination] = people.worker_row_warnings(*values, standing)
            for column, code, message in found:
                ctx.warn(sheet, row_no, column, message, code)

    def _load_workers(self, work, ctx):
        """The worker records of the file's people (any county: the ID digest is unique across the ledger), and for
        an activists' file their member records: one query per 900 rows."""
        digests = {_row_digest(ctx, entry[4], entry[5]) for entry in work} - {""}
        found = {}
        related = "party_member" if self.schema.model is PartyMember else "activist"
        for chunk in _chunks(digests):
            for pk, digest, county_id, status, wish, linked in Worker.objects.filter(id_digest__in=chunk).values_list(
                    "pk", "id_digest", "county_id", "political_status", "party_wish", related):
                found[digest] = {"pk": pk, "county_id": county_id, "political_status": status, "party_wish": wish,
                                 "linked": linked}
        ctx.people_workers = found
        self._people_members = set()
        if self.schema.model is Activist:
            for chunk in _chunks(digests):
                self._people_members.update(PartyMember.objects.filter(id_digest__in=chunk).values_list(
                    "id_digest", flat=True))

    def _row_standing(self, cells, current):
        """The party standing a member or activist row gives its worker record (None: the row's cell is wrong, the
        row checks say so)."""
        try:
            if self.schema.model is PartyMember:
                full_on = excel.cell_date(cells["转正日期"]) if "转正日期" in cells else (
                    current.full_member_on if current is not None else None)
                return people.Party.of(is_member=True, member_full_on=full_on)
            if current is not None:
                return people.Party.of(activist_stage=current.stage)
            activist_on = excel.cell_date(cells.get("确定积极分子日期", ""))
            return people.Party.of(activist_stage=ActivistStage.ACTIVIST if activist_on else ActivistStage.APPLICANT)
        except excel.CellError:
            return None

    def _warn_person_rows(self, work, ctx):
        """For each member or activist row: its worker record is linked, created for a new record (where the user may
        add workers), or left out with a word why; a worker status that will change to follow the file is named."""
        may_add = self.user is None or self.user.has_perm(ADD_WORKER)
        self._people_missing = {}
        for sheet, row_no, cells, cols, key, current in work:
            digest = _row_digest(ctx, key, current)
            if not digest or (current is not None and current.worker_id is not None
                              and ctx.people_workers.get(digest, {}).get("pk") != current.worker_id):
                continue  # linked by hand to another record: left as it is
            worker = ctx.people_workers.get(digest)
            if worker is None:
                if current is not None:  # an unchanged row changes nothing: its worker record is made on save
                    ctx.warn(sheet, row_no, "身份证号", _("农民工台账中没有该人员：请导入其农民工记录，或在本台账中保存该记录时"
                                                      "新建。"), "worker_missing")
                elif may_add:
                    self._people_missing[digest] = (sheet, row_no)
                    ctx.warn(sheet, row_no, "身份证号", _("农民工台账中没有该人员：导入时新建其农民工记录并关联。"), "worker_created")
                else:
                    ctx.warn(sheet, row_no, "身份证号", _("农民工台账中没有该人员，您没有新增农民工的权限，未建立农民工记录。"),
                             "worker_not_created")
                continue
            if ctx.county is not None and worker["county_id"] != ctx.county.pk:
                ctx.warn(sheet, row_no, "身份证号", _("该人员登记在其他县的农民工台账中，未关联。"), "worker_elsewhere")
                continue
            if digest in getattr(self, "_people_members", ()):
                continue  # an activist who is in the members' ledger: the member record leads
            standing = self._row_standing(cells, current)
            message = standing and people.worker_change_warning(worker["political_status"], worker["party_wish"],
                                                                standing)
            if message:
                ctx.warn(sheet, row_no, "身份证号", message, "worker_follows")

    # After the rows are written, in the same transaction --------------------------------------------------------
    def _people_write(self):
        kind = self.schema.kind
        if kind not in ("workers", "members", "activists") or self.ctx is None:
            return
        if not (self.counts["new"] or self.counts["changed"]):  # nothing written: nothing new to link or follow
            self.people_changes = {"workers_created": 0, "workers_linked": 0, "workers_followed": 0}
            return
        county = self.ctx.county
        created = self._create_workers() if kind != "workers" else 0
        linked = 0
        for model in ((PartyMember, Activist) if kind == "workers" else (self.schema.model,)):
            linked += link_workers(model, county)
        followed = follow_workers(county, self.user) if linked or kind != "workers" else 0
        self.people_changes = {"workers_created": created, "workers_linked": linked, "workers_followed": followed}
        if created or followed:
            events.rows_written.send(sender=Worker, county_ids=[county.pk] if county is not None else [])

    def _create_workers(self):
        """A minimal worker record (name, ID number, phone, town and village, 外出 and destination when known, the
        political status the member's or activist's record gives) for each person of the file not yet in the workers'
        ledger, where the user may add that worker: one query per 900 people, one bulk write."""
        missing = getattr(self, "_people_missing", None)
        if not missing:
            return 0
        model, user, ctx = self.schema.model, self.user, self.ctx
        writer = RowWriter(Worker, user)
        members = getattr(self, "_people_members", set())
        count, refused = 0, set()
        for chunk in _chunks(missing):
            for record in model.objects.filter(id_digest__in=chunk, worker__isnull=True):
                worker = worker_from(record, ctx)
                standing = (people.Party.of(is_member=True, member_full_on=record.full_member_on)
                            if model is PartyMember else people.Party(member=True) if record.id_digest in members
                            else people.Party.of(activist_stage=record.stage))
                if standing.member and model is Activist:
                    standing = None  # the member record leads: its own import or save sets the status
                if standing is not None:
                    worker.political_status, worker.party_wish = people.followed("", "", standing)
                worker.prepare()
                if user is not None and not permits(user, worker):
                    sheet, row_no = missing[record.id_digest]
                    refused.add((sheet, row_no))
                    ctx.warn(sheet, row_no, "身份证号", _("农民工台账中没有该人员，其户籍地不在您可新增农民工的范围内，未建立农民工记录。"),
                             "worker_not_created")
                    continue
                writer.add_new(worker)
                count += 1
        writer.flush()
        if refused:  # the preview's "will be created" no longer holds for these rows
            ctx.warnings[:] = [w for w in ctx.warnings
                               if w["code"] != "worker_created" or (w["sheet"], w["row"]) not in refused]
        return count


def worker_from(record, ctx):
    """A new worker record from a member's or activist's record (same person): what the workers' ledger needs."""
    worker = Worker(name=record.name, id_number=record.id_number, phone=record.phone, ethnicity=record.ethnicity,
                    county_id=record.county_id, town_id=record.town_id, village_id=record.village_id)
    units = ctx.units()["by_id"] if ctx is not None and ctx.county is not None else {}
    for name in ("county", "town", "village"):
        unit = units.get(getattr(record, f"{name}_id"))
        if unit is not None:
            worker._state.fields_cache[name] = unit
    if getattr(record, "destination_code", ""):
        worker.destination_code = record.destination_code
    worker.left_on = getattr(record, "out_since", None)
    return worker


def link_workers(model, county):
    """Link each unlinked member (or activist) of ``county`` to the unlinked worker record of the same person in the
    county: one UPDATE."""
    related = "party_member" if model is PartyMember else "activist"
    same = Worker.objects.filter(id_digest=OuterRef("id_digest"), county_id=OuterRef("county_id"),
                                 **{f"{related}__isnull": True})
    records = model.objects.filter(worker__isnull=True)
    if county is not None:
        records = records.filter(county=county)
    return records.filter(Exists(same)).update(worker_id=Subquery(same.values("pk")[:1]),
                                               version=F("version") + 1)


def clears(field):
    """The six-clears count after ``field`` is set: one more where it was blank (Worker.clears)."""
    return Case(When(**{field: ""}, then=F("completeness") + 1), default=F("completeness"),
                output_field=PositiveSmallIntegerField())


def follow_workers(county, user):
    """The political status and 入党意愿 of the linked workers of ``county`` follow their member and activist records
    (ledgers.people.followed, set-wise): four UPDATEs, each touching only the records that differ."""
    workers = Worker.objects.all() if county is None else Worker.objects.filter(county=county)
    stamp = {"version": F("version") + 1, "updated_at": timezone.now(), "updated_by_id": getattr(user, "pk", None)}

    def set_to(queryset, field, value):
        return queryset.exclude(**{field: value}).update(**{field: value, "completeness": clears(field), **stamp})

    members = workers.filter(party_member__isnull=False)
    total = set_to(members.filter(party_member__full_member_on__isnull=True), "political_status",
                   PoliticalStatus.PROBATIONARY)
    total += set_to(members.filter(party_member__full_member_on__isnull=False), "political_status",
                    PoliticalStatus.MEMBER)
    activists = workers.filter(party_member__isnull=True, activist__stage__in=people.OPEN_STAGES).exclude(
        Exists(PartyMember.objects.filter(id_digest=OuterRef("id_digest"))))
    total += activists.exclude(political_status__in=people.ACTIVIST_STATUSES).update(
        political_status=PoliticalStatus.MASSES, completeness=clears("political_status"), **stamp)
    total += set_to(activists, "party_wish", Wish.YES)
    return total
