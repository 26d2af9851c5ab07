"""The row checks of an import (CONTRACT.md "Excel ledgers"; issue 4 "don't fork rules"): the records the rows
name, and each row through the schema, the model's own ``clean()`` and ``prepare()`` and the scope — or, for runs of
new rows, the schema's column-by-column path proved equal to it. Mixed into the run (ledgers.importing.engine)."""

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import prefetch_related_objects
from django.db.models.base import ModelState
from django.utils.translation import gettext as _

from ledgers.importing.access import permits, within_unit
from ledgers.matching import UnknownValues
from ledgers.schemas import RowErrors
from ledgers.schemas.coded import UNKNOWN
from ledgers.schemas.columnwise import scope_attnames
from zyparty import excel
from zyparty.validators import id_number_facts, validate_id_number

PROGRESS_EVERY = 5_000
NEW_ROWS_STEP = 1_000  # new rows made column by column at a time (WorkerSchema.new_rows)
AUDIT_COLUMNS = {"id", "created_at", "updated_at", "created_by_id", "updated_by_id", "version"}
NOT_COMPARED = AUDIT_COLUMNS | {"import_digest"}  # what the file says of a record, not what the record holds
_ABSENT = "\x02"  # the sheet has no such column


def row_digest(digest, kind, headers, cells, version, extra=""):
    """The keyed hash an import stores with a record it writes (``import_digest``): the row's cells as read — every
    header of the schema in order, a column the sheet lacks marked as such, a masked cell as its mask — with the
    ledger, the version the write gives the record and ``extra`` (what the schema resolves from the database beyond
    the cells, e.g. the host enterprise of a credit code). The import's rules are functions of the cells and the
    record, and both the absent columns and the masked cells mean "keep the stored value", so a row hashing to the
    stored digest under the record's current version would leave the record as it is (issue 14 item 7)."""
    parts = [kind, str(version), extra]
    for header in headers:
        value = cells.get(header, _ABSENT)
        parts.append(value if type(value) is str else f"\x01{type(value).__name__}:{value!r}")
    return digest("\x1f".join(parts))


class Known:
    """A record a row names whose stored digest matches the row: unchanged, known by its id, version and place (the
    foreign keys the scope and the import's unit are judged by), never loaded or decrypted."""

    __slots__ = ("pk", "version", "place")

    def __init__(self, pk, version, place):
        self.pk, self.version, self.place = pk, version, place


def new_instance_factory(model):
    """Blank instances without Model.__init__ (35 µs a row for a 40-field model; PERFORMANCE.md budget): the field
    defaults in the instance dict, a fresh ModelState — what __init__ leaves behind when given no arguments."""
    static, dynamic = {}, []
    for f in model._meta.concrete_fields:
        if f.has_default() and callable(f.default):
            dynamic.append((f.attname, f))
        else:
            static[f.attname] = f.get_default()

    def new():
        obj = model.__new__(model)
        obj.__dict__.update(static)
        for attname, f in dynamic:
            obj.__dict__[attname] = f.get_default()
        obj._state = ModelState()
        return obj

    return new


class ModelPath:
    """What checking rows one by one needs of the model, made once per run of rows."""

    def __init__(self, model):
        self.new_instance = new_instance_factory(model)
        self.person = hasattr(model, "id_digest")
        self.prepare = hasattr(model, "prepare")  # the ledgers' stored companions; service records derive in clean()
        self.compare = [f.attname for f in model._meta.concrete_fields if f.attname not in NOT_COMPARED]


class RowChecks:
    """The row checks of :class:`ledgers.importing.engine.ImportRun`."""

    def _check_rows(self, rows, in_child=False):
        """Apply, clean, prepare and classify ``rows``. With ``in_child`` (a stripe of a parallel check, in a forked
        worker or in this process) the errors, counts and prepared rows found are returned for the run to merge in
        file order, and the run's own are left as they were; never touches the database either way."""
        if not in_child:
            return self._check_loop(rows, report=True)
        writer, ctx = self.writer, self.ctx
        saved = (self.errors, self.error_count, self.counts, self.unknown, self.unknown_count,
                 writer and (writer.inserts, writer.blocks, writer.updates), (ctx.warnings, ctx.warning_count))
        self.errors, self.error_count = [], 0
        self.counts = {"rows": 0, "new": 0, "changed": 0, "unchanged": 0}
        self.unknown, self.unknown_count = UnknownValues(saved[3].matchers), 0
        ctx.warnings, ctx.warning_count = [], 0
        if writer is not None:
            writer.inserts, writer.blocks, writer.updates = [], [], []
        try:
            self._check_loop(rows, report=False)
            if writer is not None and not self.blocked:
                writer.pack()  # the COPY text is made here, in parallel, rather than by the writing process
            return {"errors": self.errors, "error_count": self.error_count, "counts": self.counts,
                    "unknown": self.unknown, "unknown_count": self.unknown_count,
                    "warnings": ctx.warnings, "warning_count": ctx.warning_count,
                    "inserts": writer.inserts if writer is not None else [],
                    "blocks": writer.blocks if writer is not None else [],
                    "updates": writer.updates if writer is not None else []}
        finally:
            self.errors, self.error_count, self.counts, self.unknown, self.unknown_count = saved[:5]
            ctx.warnings, ctx.warning_count = saved[6]
            if writer is not None:
                writer.inserts, writer.blocks, writer.updates = saved[5]

    def _check_loop(self, rows, report):
        """Check ``rows``, counting them and handing the good ones to the writer: runs of new rows column by column
        (the schema's ``new_rows``, when it has one), every other row — and every row that path refuses — through
        :meth:`_check_row`."""
        schema, ctx, writer = self.schema, self.ctx, self.writer
        scope_user, unit, counts, total = self.user, self.batch.unit, self.counts, self.total_rows
        new_rows = getattr(schema, "new_rows", None)
        model_path = ModelPath(schema.model)

        def admit(obj):
            return permits(scope_user, obj) and within_unit(unit, obj)

        for start in range(0, len(rows), NEW_ROWS_STEP):
            part = rows[start:start + NEW_ROWS_STEP]
            taken = made = None
            fresh = [entry for entry in part if entry[5] is None] if new_rows is not None else None
            if fresh:
                found = new_rows(fresh, ctx, admit)
                if writer is not None and self.digesting:
                    digest = self.row_digest
                    found.values["import_digest"] = [digest(entry[2], 1) if ok else ""
                                                     for entry, ok in zip(fresh, found.taken)]
                taken = iter(found.taken)
                made = writer.rows_of(found) if writer is not None else None
            for index, entry in enumerate(part, start + 1):
                if report and index % PROGRESS_EVERY == 0:
                    self.tick(min(index, total), total)
                if taken is not None and entry[5] is None and next(taken):
                    counts["new"] += 1
                    if made is not None:
                        writer.inserts.append(next(made))
                    continue
                self._check_row(entry, model_path)

    def _check_row(self, entry, model_path):
        """One row through the model's own rules: apply the cells, the import's checks, ``clean()``, ``prepare()``
        and the scope; its errors, or its count and its row for the writer."""
        sheet, row_no, cells, cols, key, current = entry
        schema, ctx, writer, scope_user, unit = self.schema, self.ctx, self.writer, self.user, self.batch.unit
        counts, compare = self.counts, model_path.compare
        errors = RowErrors()
        if key[0] == "id" and "记录编号" in cells:
            record = excel.cell_text(cells["记录编号"])
            if record and (current is None or record != str(current.pk)):
                errors.add("记录编号", "record_mismatch", _("身份证号与记录编号不是同一条记录。如需更正身份证号，请在系统中逐条修改。"))
        if current is not None:
            before = {a: current.__dict__.get(a) for a in compare}
            obj = current
        else:
            obj = model_path.new_instance()
            before = None
        schema.apply(obj, cells, ctx, errors, key, current)
        _person_and_place(schema, obj, key, errors, model_path.person)
        try:
            obj.clean()
        except ValidationError as exc:
            add_clean_errors(schema, exc, errors)
        if not errors:
            if model_path.prepare:
                obj.prepare()
            if not permits(scope_user, obj):
                errors.add(schema.place_header, "out_of_scope", _("不在您的管辖范围内。"))
            elif not within_unit(unit, obj):
                errors.add(schema.place_header, "outside_unit", _("不属于本次导入的“%(u)s”。") % {"u": unit.name})
        if errors:
            self._row_errors(sheet, row_no, cells, cols, errors)
            return
        if before is None:
            counts["new"] += 1
            if writer is not None:
                self._stamp(obj, cells, 1)
                writer.add_new(obj)
        elif any(obj.__dict__.get(a) != before[a] for a in compare):
            counts["changed"] += 1
            if writer is not None:
                self._stamp(obj, cells, current.version + 1)
                writer.add_changed(obj, current.version)
        else:
            counts["unchanged"] += 1

    def _row_errors(self, sheet, row_no, cells, cols, errors):
        """A row's errors into the run: each with its cell, except the coded values no option matched, which are
        grouped by column and distinct value for the clerk to map once (ledgers.schemas.coded)."""
        for header, code, message in errors.items:
            if code == UNKNOWN:
                self.unknown.add(header, excel.cell_text(cells.get(header, "")), (self._sheet_index(sheet), row_no))
                self.unknown_count += 1
            else:
                self.error(sheet, row_no, header, cells.get(header, ""), message, code, cols.get(header))

    def _sheet_index(self, sheet):
        """The position of ``sheet`` among the file's sheets: unknown values keep their first rows as (sheet, row)."""
        order = getattr(self, "_sheet_order", None)
        if order is None or sheet not in order:
            order = self._sheet_order = {item["sheet"]: index for index, item in enumerate(self.sheets)}
        return order.get(sheet, 0)

    # Existing records --------------------------------------------------------------------------------------------
    @property
    def digesting(self):
        """Whether the ledger's records keep the digest of the row last imported into them (person ledgers)."""
        return hasattr(self.schema.model, "import_digest")

    def row_digest(self, cells, version):
        schema = self.schema
        headers = self.__dict__.get("_digest_headers")
        if headers is None:
            headers = self._digest_headers = [c.header for c in schema.columns]
        return row_digest(self.ctx.digest, schema.kind, headers, cells, version, schema.digest_extra(cells, self.ctx))

    def _stamp(self, obj, cells, version):
        """The digest of the row being written, under the version the write gives the record."""
        if self.digesting:
            obj.import_digest = self.row_digest(cells, version)

    def _load_existing(self, keyed, ctx):
        """The records the rows name, by natural key (or 记录编号), anywhere in the database: uniqueness is global.
        A person ledger reads first only each record's id, version, place and import digest; a record whose digest
        matches its row is a :class:`Known` (unchanged: neither loaded nor decrypted), and only the others are loaded
        whole, to be compared field by field. Their units come from the import's own lookup tables rather than a join
        (four instances a row otherwise)."""
        model = self.schema.model
        custom = getattr(self.schema, "load_existing", None)
        if custom is not None:  # service records (ledgers.schemas.records): keys of their own, looked up by the schema
            return custom(keyed, ctx)
        by_key = {}
        if hasattr(model, "id_digest"):
            digests = {}
            for *_rest, key in keyed:
                if key[0] == "id":
                    digests[ctx.digest(key[1])] = key[1]
            pks = [key[1] for *_rest, key in keyed if key[0] == "pk"]
            by_key = self._load_people(keyed, digests, pks)
        else:
            codes = [key[1] for *_rest, key in keyed if key[0] == "code"]
            for obj in fetch(model.objects.all(), "credit_code", codes):
                by_key[("code", obj.credit_code)] = obj
            pks = [key[1] for *_rest, key in keyed if key[0] == "pk"]
            for obj in fetch(model.objects.all(), "pk", pks):
                by_key[("pk", obj.pk)] = obj
        self._cache_units([obj for obj in by_key.values() if not isinstance(obj, Known)], ctx)
        return by_key

    def _load_people(self, keyed, digests, pks):
        model = self.schema.model
        digesting = self.digesting
        place_names = list(dict.fromkeys(["county_id", "town_id", "village_id", *scope_attnames(model)]))
        columns = ["pk", "id_digest", "version", "import_digest" if digesting else "version", *place_names]
        brief = {}  # key → (pk, id_digest, version, import_digest, *place)
        for row in fetch(model.objects.values_list(*columns), "id_digest", list(digests)):
            brief[("id", digests[row[1]])] = row
        for row in fetch(model.objects.values_list(*columns), "pk", pks):
            brief[("pk", row[0])] = row
        by_key, whole = {}, {}  # whole: pk → the keys naming a record to load
        for *_rest, cells, _cols, key in keyed:
            ident = key[:2]
            row = brief.get(ident)
            if row is None:
                continue
            if digesting and row[3] and row[3] == self.row_digest(cells, row[2]):
                by_key[ident] = Known(row[0], row[2], row[4:])
            else:
                whole.setdefault(row[0], []).append(ident)
        del brief
        for obj in fetch(model.objects.all(), "pk", list(whole)):
            for ident in whole[obj.pk]:
                by_key[ident] = obj
        self._place_names = place_names
        return by_key

    def known_problem(self, known):
        """None when a :class:`Known` record lies in the user's scope and in the import's unit, else the error code:
        judged once per distinct place, as the model path judges the record itself."""
        memo = self.__dict__.setdefault("_known_places", {})
        verdict = memo.get(known.place, 0)
        if verdict == 0:
            probe = self.schema.model()
            probe.__dict__.update(zip(self._place_names, known.place))
            probe.pk = known.pk
            verdict = memo[known.place] = ("registered_elsewhere" if not permits(self.user, probe)
                                           else "outside_unit" if not within_unit(self.batch.unit, probe) else None)
        return verdict

    def _cache_units(self, objs, ctx):
        model = self.schema.model
        units = ctx.units()["by_id"] if ctx.county is not None else {}
        relations = [f.name for f in model._meta.concrete_fields if f.is_relation and f.name in ("town", "village",
                                                                                                 "county")]
        for obj in objs:
            cache = obj._state.fields_cache
            for name in relations:
                unit = units.get(obj.__dict__[f"{name}_id"])
                if unit is not None:
                    cache[name] = unit
        missing = [obj for obj in objs if any(
            obj.__dict__[f"{name}_id"] is not None and name not in obj._state.fields_cache for name in relations)]
        if missing:  # records outside the import's county (their rows become scope errors): load their units
            prefetch_related_objects(missing, *relations)


def _person_and_place(schema, obj, key, errors, person):
    """A person's birth facts from the ID number (members, activists), and the place every ledger row needs (service
    records, ``needs_town = False``, check their own place in clean())."""
    if person:
        if schema.birth_rules and key[0] == "id":
            try:
                obj.gender, obj.birth_date = id_number_facts(validate_id_number(obj.id_number))
            except (ValidationError, ValueError):
                pass  # clean() reports it
        if obj.town_id is None and not any(h in ("户籍村(社区)", "所属乡镇") for h, _c, _m in errors.items):
            errors.add("户籍村(社区)", "required", _("请填写户籍村(社区)或所属乡镇。"))
    elif getattr(schema, "needs_town", True) and obj.town_id is None and not errors:
        errors.add("建档乡镇", "required", _("请填写建档乡镇（负责联系该企业的乡镇）。"))


def add_clean_errors(schema, exc, errors):
    """The model's clean() errors under the column they concern, with the validator's own code."""
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}
    for field_name, items in by_field.items():
        header = schema.header_for(field_name)
        if header and any(h == header for h, _c, _m in errors.items):
            continue  # the cell already has its error
        for item in items:
            message = item.message % item.params if item.params else item.message
            errors.add(header, item.code or "invalid", str(message))


def fetch(queryset, field_name, values, chunk=None):
    """The records whose ``field_name`` is one of ``values``. On PostgreSQL the matching ids come first from one
    ``= ANY(array)`` query (0.4 s for 100,000 keys, against 1.6 s for IN lists of 5,000 parameters), so a file of
    new rows costs one query; only records that exist are then loaded."""
    values = list(values)
    if not values:
        return
    if connection.vendor == "postgresql":
        model = queryset.model
        column = (model._meta.pk if field_name == "pk" else model._meta.get_field(field_name)).column
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {connection.ops.quote_name(model._meta.pk.column)} FROM "  # nosec B608 - names from model metadata, quoted; values are parameters
                           f"{connection.ops.quote_name(model._meta.db_table)} WHERE "
                           f"{connection.ops.quote_name(column)} = ANY(%s)", [values])
            values = [pk for (pk,) in cursor.fetchall()]
        field_name, chunk = "pk", chunk or 10_000
    chunk = chunk or 900  # SQLite: at most 999 parameters
    for start in range(0, len(values), chunk):
        yield from queryset.filter(**{f"{field_name}__in": values[start:start + chunk]})
