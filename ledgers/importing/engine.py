"""The import run (issue 4; CONTRACT.md "Excel ledgers"; SECURITY.md "imports"): read the file, check every row
(ledgers.importing.checking), count new / changed / unchanged rows, keep every error in file order, and — for a
commit without a single error — write the whole file in one transaction (ledgers.importing.writing) with one IMPORT
audit entry.

From ``IMPORT_PARALLEL_MIN_ROWS`` rows on, the per-row checks run in stripes of rows claimed one at a time by this
process and forked workers (zyparty.pool; one process per core, ``IMPORT_WORKERS`` at most). A preview, or a commit
on SQLite, merges what each stripe found in file order and then writes. A commit on PostgreSQL writes while it checks:
a COPY running in a thread takes the stripes, in file order, as they are checked (:meth:`ImportRun._check_and_write`). New worker rows are made
column by column (``WorkerSchema.new_rows``, proved equal to the model path), each distinct cell text converted once,
and become COPY lines a column at a time (zyparty.bulk.csv_lines); the rows it refuses take the model path, which
words their errors. bench/excel_bench.py measures all of it.
"""

import contextlib
import functools
import gc
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledgers.importing import report
from ledgers.importing.access import permits
from ledgers.importing.checking import Known, RowChecks
from ledgers.importing.files import batch_path, remove_stored
from ledgers.importing.organizations import OrganizationsImport
from ledgers.importing.people import PeopleLinks
from ledgers.importing.units import UnitsImport
from ledgers.importing.writing import Rollback, RowWriter, Stale
from ledgers.matching import MappingError, UnknownValues
from ledgers.models import ImportBatch, ImportStatus
from ledgers.schemas import KIND_LABELS, ImportContext, masked_cell, schema_for
from ledgers.schemas.coded import MAX_WARNINGS
from organizations.models import Unit
from zyparty import audit, bulk, events, excel, pool
from zyparty.models import AuditAction

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 20_000
STRIPE_ROWS = 2_000  # rows in a stripe: claimed, checked and handed back (to the COPY, on PostgreSQL) at a time


def worker_count(rows) -> int:
    """Processes for the row checks (zyparty.pool.process_count): 1 below ``IMPORT_PARALLEL_MIN_ROWS`` rows or in a
    process running other threads, else one per core up to ``IMPORT_WORKERS``. Large files reach this in the Celery
    worker or ``manage.py import_ledger``; a web request hands them to a job first (IMPORT_ASYNC_ROWS)."""
    return pool.process_count(rows, minimum=getattr(settings, "IMPORT_PARALLEL_MIN_ROWS", 10_000),
                              most=getattr(settings, "IMPORT_WORKERS", 4))


# Results ----------------------------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    """What a clerk sees after a check or a commit."""

    batch: ImportBatch
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # dicts: sheet, row, column, cell, value, message, code
    warnings: list = field(default_factory=list)  # dicts: sheet, row, column, message, code (rows still imported)
    error_count: int = 0
    committed: bool = False
    timings: dict = field(default_factory=dict)  # phase → seconds
    unknown_values: list = field(default_factory=list)  # grouped (ledgers.importing.report.unknown_list)
    warnings: list = field(default_factory=list)  # dicts: sheet, row, column, cell, message, code

    @property
    def ok(self):
        return self.error_count == 0 and not self.unknown_values

    @property
    def unknown_rows(self) -> int:
        return sum(item["count"] for item in self.unknown_values)

    @property
    def error_groups(self) -> list:
        return report.group_errors(self.errors)

    def as_dict(self):
        return {"batch": self.batch.pk, "kind": self.batch.kind, "file_name": self.batch.file_name,
                "status": self.batch.status, "rows": self.rows, "new": self.new, "changed": self.changed,
                "unchanged": self.unchanged, "error_count": self.error_count, "errors": self.errors,
                "error_groups": self.error_groups, "unknown_values": self.unknown_values,
                "unknown_rows": self.unknown_rows, "mappings": list(self.batch.value_mappings or []),
                "warnings": self.warnings, "committed": self.committed}


def result_of(batch) -> ImportResult:
    return ImportResult(batch=batch, rows=batch.rows, new=batch.new_count, changed=batch.changed_count,
                        unchanged=batch.unchanged_count, errors=list(batch.errors or []),
                        error_count=batch.error_count, committed=batch.status == ImportStatus.COMMITTED,
                        unknown_values=list(batch.unknown_values or []), warnings=list(batch.warnings or []))


class ImportRun(PeopleLinks, RowChecks, UnitsImport, OrganizationsImport):
    """One check or commit of a stored batch: :meth:`run` gives its :class:`ImportResult`."""

    def __init__(self, batch, user, *, commit, progress=None, prepare_only=False):
        self.prepare_only = prepare_only
        self.batch = batch
        self.user = user
        self.commit = commit
        self.progress = progress
        self.schema = schema_for(batch.kind)
        self.errors = []
        self.error_count = 0
        self.counts = {"rows": 0, "new": 0, "changed": 0, "unchanged": 0}
        self.sheets = []
        self.written = False
        self.write_failed = False
        self.timings = {}  # phase → seconds (bench/excel_bench.py prints them)
        self.ctx = None
        self._clock = time.perf_counter()
        self.unknown = UnknownValues()  # coded values no option matched, by (column, distinct value)
        self.unknown_count = 0  # cells with such a value: they block the commit as errors do
        self.ctx = None
        self.file_warnings = []

    @property
    def blocked(self) -> bool:
        """Nothing may be written: an error, or a value the clerk has still to map."""
        return bool(self.error_count or self.unknown_count)

    def _lap(self, phase):
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0) + now - self._clock
        self._clock = now

    # Errors -----------------------------------------------------------------------------------------------------
    def error(self, sheet, row, column, value, message, code, col_index=None):
        """Count an error, and keep it if it is among the first MAX_STORED_ERRORS of the file — which are not the
        first found: the key checks report a later row's duplicate before the row checks reach an earlier row."""
        self.error_count += 1
        cell = f"{excel.column_letter(col_index)}{row}" if col_index is not None and row else ""
        self.errors.append({"sheet": sheet, "row": row, "column": column, "cell": cell, "col": col_index,
                            "value": masked_cell(column, value) if value not in (None, "") else "",
                            "message": str(message), "code": code})
        if len(self.errors) > 2 * MAX_STORED_ERRORS:
            self._trim_errors()

    def file_error(self, message, code):
        self.error("", 0, "", "", message, code)

    def tick(self, done, total, message=None):
        if self.progress is not None:
            self.progress(done, total, message)

    # Run ----------------------------------------------------------------------------------------------------------
    def run(self) -> ImportResult:
        batch = self.batch
        if not self.commit:
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.CHECKING)
        path = batch_path(batch)
        try:
            with collector_paused():
                self._run(path)
        except excel.ExcelFileError as exc:
            self.file_error(exc.message, exc.code)
        return self._finish()

    def _run(self, path):
        if path is None or not path.exists():
            self.file_error(_("上传的文件已被清理（超过保留时间或已放弃），请重新上传。"), "file_gone")
        elif self.schema.kind == "units":
            self._run_units(path)
        elif self.schema.kind == "organizations":
            self._run_organizations(path)
        else:
            self._run_ledger(path)

    def _trim_errors(self):
        """The first MAX_STORED_ERRORS errors in file order; every error stays counted."""
        self._sort_errors()
        del self.errors[MAX_STORED_ERRORS:]

    def _sort_errors(self):
        """Errors in the order of the file (sheet, then row; a row's own errors as found): the key checks, the row
        checks and the workers each report their own first."""
        order = {sheet["sheet"]: index for index, sheet in enumerate(self.sheets)}
        self.errors.sort(key=lambda item: (order.get(item["sheet"], -1), item["row"]))

    def _finish(self) -> ImportResult:
        batch = self.batch
        self._trim_errors()
        committed = self.commit and not self.blocked and self.written
        if committed:
            status = ImportStatus.COMMITTED
        elif self.blocked:
            status = ImportStatus.FAILED if self.write_failed else ImportStatus.INVALID
        else:
            status = ImportStatus.VALID
        if self.commit and not committed:
            self._audit(result="failure")
        batch.status = status
        batch.rows = self.counts["rows"] or batch.rows
        batch.new_count, batch.changed_count = self.counts["new"], self.counts["changed"]
        batch.unchanged_count, batch.error_count = self.counts["unchanged"], self.error_count
        batch.errors, batch.sheets = self.errors, self.sheets
        batch.unknown_values = report.unknown_list(self.unknown, self.sheets)
        batch.warnings = self.file_warnings + (self.ctx.warnings if self.ctx is not None else [])
        batch.checked_at = timezone.now()
        fields = ["status", "rows", "new_count", "changed_count", "unchanged_count", "error_count", "errors",
                  "sheets", "checked_at", "audit_entry_id", "unknown_values", "warnings"]
        if committed:
            stored, batch.stored_name = batch.stored_name, ""
            fields += ["stored_name"]
            transaction.on_commit(lambda: remove_stored(stored))
        batch.save(update_fields=fields)
        return ImportResult(batch=batch, rows=self.counts["rows"], new=self.counts["new"],
                            changed=self.counts["changed"], unchanged=self.counts["unchanged"],
                            errors=self.errors, error_count=self.error_count, committed=committed,
                            timings={k: round(v, 3) for k, v in self.timings.items()},
                            unknown_values=batch.unknown_values, warnings=batch.warnings)

    def _mark_committed(self):
        """Inside the write transaction: the batch is committed exactly when its rows are."""
        now = timezone.now()
        self.batch.committed_at = now
        ImportBatch.objects.filter(pk=self.batch.pk).update(
            status=ImportStatus.COMMITTED, committed_at=now, new_count=self.counts["new"],
            changed_count=self.counts["changed"], unchanged_count=self.counts["unchanged"], rows=self.counts["rows"],
            audit_entry_id=self.batch.audit_entry_id)
        if self.counts["new"] or self.counts["changed"]:
            # The rows bypass save() and its signals: whoever keeps figures of the county (the dashboard) hears it
            # here, inside this transaction.
            unit = self.batch.unit
            events.rows_written.send(
                sender=self.schema.model,
                county_ids=[unit.county_id] if unit is not None else
                list(Unit.objects.filter(level="county").values_list("pk", flat=True)))

    def _audit(self, result="success"):
        batch = self.batch
        changes = {"batch": batch.pk, "kind": batch.kind, "file": batch.file_name, "sha256": batch.sha256,
                   "size": batch.size, "unit": batch.unit.code if batch.unit_id else "", "rows": self.counts["rows"],
                   "created": self.counts["new"], "updated": self.counts["changed"],
                   "unchanged": self.counts["unchanged"], "errors": self.error_count, **(self.people_changes or {})}
        detail = (_("%(l)s导入：新增%(n)d条，修改%(c)d条，未变%(u)d条") % {
            "l": KIND_LABELS[batch.kind], "n": self.counts["new"], "c": self.counts["changed"],
            "u": self.counts["unchanged"]}) if result == "success" else (
            _("%(l)s导入未写入：%(e)d处错误，%(u)d个未识别的取值") % {
                "l": KIND_LABELS[batch.kind], "e": self.error_count, "u": len(self.unknown)})
        entry = audit.record(AuditAction.IMPORT, batch, changes=changes, detail=detail, result=result,
                             user=self.user)
        batch.audit_entry_id = entry.pk
        return entry

    # Reading ------------------------------------------------------------------------------------------------------
    def _read(self, path):
        schema = self.schema
        self.file_warnings = report.formula_warnings(path, self.batch.file_format)
        tables = excel.read_tables(path, self.batch.file_format, schema.aliases, min_matches=schema.min_matches)
        if not tables:
            self.file_error(_("未找到表头：各工作表的前30行里都没有“%(h)s”等列名。请使用本系统的导入模板，或把表头改成模板中的"
                              "列名。") % {"h": "”“".join(schema.required_headers[:3])}, "no_header")
            return []
        rows = []
        for table in tables:
            self.sheets.append({"sheet": table.sheet, "header_row": table.header_row, "rows": len(table.rows),
                                "columns": list(table.columns), "ignored": table.ignored})
            missing = [h for h in schema.required_headers if h not in table.columns]
            self.sheets[-1]["cols"] = {h: p + table.col_offset for h, p in table.columns.items()}
            for header in missing:
                self.error(table.sheet, table.header_row, header, "", _("缺少必填列“%(h)s”。") % {"h": header},
                           "missing_column")
            for header in table.duplicates:
                self.error(table.sheet, table.header_row, header, "", _("“%(h)s”列出现了不止一次，只能保留一列。") % {
                    "h": header}, "duplicate_column", table.excel_column(header))
            if missing or table.duplicates:
                continue
            present = list(table.columns.items())
            cols = {h: p + table.col_offset for h, p in present}  # header → Excel column, shared by the rows
            full = max(table.columns.values()) + 1
            headers = [h for h, _p in present]
            contiguous = [p for _h, p in present] == list(range(len(present)))  # a template: zip does it in C
            sheet = table.sheet
            data, table.rows = table.rows, None  # each row's list freed as its cells are made (bounded memory)
            data.reverse()
            while data:
                row_no, values = data.pop()
                if len(values) >= full:
                    cells = dict(zip(headers, values)) if contiguous else {h: values[p] for h, p in present}
                else:
                    width = len(values)
                    cells = {h: (values[p] if p < width else "") for h, p in present}
                rows.append((sheet, row_no, cells, cols))
            del data
        if not rows and not self.error_count:
            self.file_error(_("文件中没有数据行：表头下面是空的。"), "empty")
        self.counts["rows"] = len(rows)
        return rows

    # Person and enterprise ledgers -------------------------------------------------------------------------------
    def _run_ledger(self, path):
        schema, model = self.schema, self.schema.model
        rows = self._read(path)
        self._lap("read")
        if not rows:
            return
        total = len(rows)
        ctx = self.ctx = ImportContext(user=self.user, unit=self.batch.unit)
        if not self._load_matchers(ctx):
            return
        key_header = schema.key_header
        # 1. Natural keys, and the same key twice in the file.
        keyed, first_seen = [], {}
        for sheet, row_no, cells, cols in rows:
            try:
                key = schema.key_of(cells)
            except excel.CellError as exc:
                self.error(sheet, row_no, key_header, cells.get(key_header, ""), exc.message, exc.code,
                           cols.get(key_header))
                continue
            ident = key[:2]
            if ident in first_seen:
                other = first_seen[ident]
                self.error(sheet, row_no, key_header, key[2], _("与%(s)s第%(r)d行重复（同一%(h)s在文件中出现两次）。") % {
                    "s": "" if other[0] == sheet else _("工作表“%(s)s”") % {"s": other[0]}, "r": other[1],
                    "h": key_header}, "duplicate_in_file", cols.get(key_header))
                continue
            first_seen[ident] = (sheet, row_no)
            keyed.append((sheet, row_no, cells, cols, key))
        del first_seen, rows
        # 2. The records these keys already name, anywhere in the county database (uniqueness is global); those whose
        # stored digest matches their row only as Known (ledgers.importing.checking).
        self._lap("keys")
        self.ctx = ctx
        ctx.preload()
        existing = self._load_existing(keyed, ctx)
        self._lap("existing")
        # 3. Which record each row names; two rows naming one record are an error.
        work, seen_records = [], {}
        for sheet, row_no, cells, cols, key in keyed:
            current = existing.get(key[:2])
            if key[0] == "pk" and current is None:
                self.error(sheet, row_no, "记录编号", cells.get("记录编号", ""), _("记录编号对应的记录不存在，或不在您的管辖范围内。"),
                           "record_unknown", cols.get("记录编号"))
                continue
            if type(current) is Known:  # unchanged since the last import: nothing to check but where it lies
                self._known_row(sheet, row_no, cells, cols, key, current, seen_records)
                continue
            if current is not None:
                if not permits(self.user, current):
                    self.error(sheet, row_no, key_header, key[2], _("该%(h)s已登记在其他乡镇（不在您的管辖范围内），不能在此导入。"
                                                                    "如需转入，请联系县级管理员。") % {"h": key_header},
                               "registered_elsewhere", cols.get(key_header))
                    continue
                if current.pk in seen_records:
                    self.error(sheet, row_no, key_header, key[2], _("与第%(r)d行是同一条记录。") % {
                        "r": seen_records[current.pk]}, "duplicate_in_file", cols.get(key_header))
                    continue
                seen_records[current.pk] = row_no
            work.append((sheet, row_no, cells, cols, key, current))
        del existing, seen_records, keyed
        self._people_check(work, ctx)  # the other ledgers' records of these people; the file's contradictions
        self.tick(0, total, _("正在校验"))
        # 4. Each row through the model's rules: in forked worker processes for large files (PERFORMANCE.md: the
        # per-row checks are the import's cost; the machines have two cores).
        self.total_rows = total
        make_writer = getattr(schema, "writer", None)  # service records write their parents first (schemas.records)
        self.writer = None if not self.commit else make_writer(self.user, ctx) if make_writer else RowWriter(
            model, self.user)
        processes = worker_count(len(work)) if getattr(schema, "parallel", True) else 1
        if processes == 1:
            self._check_rows(work)  # straight into this run
        elif self.writer is not None and connection.vendor == "postgresql" and not self.prepare_only:
            self._check_and_write(work, processes)
            return
        else:
            self._check_in_stripes(work, processes)
        self._lap("check")
        self.tick(total, total, _("校验完成"))
        if self.writer is not None and not self.blocked and not self.prepare_only:
            self._write(self.writer)

    def _load_matchers(self, ctx) -> bool:
        """The matchers of the ledger's coded columns for the import's county, with the clerk's mappings of this
        batch applied (ledgers.schemas.coded); False, with the mapping's errors, when a mapping cannot apply."""
        self.unknown = UnknownValues(ctx.load_matchers(self.schema.columns))
        try:
            self.unknown.apply_mapping(report.mapping_of(self.batch.value_mappings))
        except MappingError as exc:
            for message in exc.messages:
                self.file_error(_("取值映射有误：%(m)s") % {"m": message}, "mapping")
            return False
        return True

    def _known_row(self, sheet, row_no, cells, cols, key, known, seen_records):
        """A row naming a :class:`Known` record: the checks that do not depend on its cells (scope, unit, the same
        record twice in the file), then counted unchanged."""
        key_header = self.schema.key_header
        problem = self.known_problem(known)
        if problem == "registered_elsewhere":
            self.error(sheet, row_no, key_header, key[2], _("该%(h)s已登记在其他乡镇（不在您的管辖范围内），不能在此导入。"
                                                            "如需转入，请联系县级管理员。") % {"h": key_header},
                       "registered_elsewhere", cols.get(key_header))
            return
        if known.pk in seen_records:
            self.error(sheet, row_no, key_header, key[2], _("与第%(r)d行是同一条记录。") % {"r": seen_records[known.pk]},
                       "duplicate_in_file", cols.get(key_header))
            return
        seen_records[known.pk] = row_no
        if problem == "outside_unit":
            header = self.schema.place_header
            self.error(sheet, row_no, header, cells.get(header, ""), _("不属于本次导入的“%(u)s”。") % {
                "u": self.batch.unit.name}, "outside_unit", cols.get(header))
            return
        self.counts["unchanged"] += 1

    def _stripes(self, work, processes):
        """This process and forked workers checking stripes of ``work`` (zyparty.pool): each stripe's findings come
        back apart (``_check_rows(…, in_child=True)``), in file order."""
        return pool.Stripes(functools.partial(self._check_rows, in_child=True), work, processes=processes,
                            step=STRIPE_ROWS)

    def _check_in_stripes(self, work, processes):
        """A preview, or a commit written after the check (SQLite): the stripes' findings merged in file order, so that
        the new rows and the changed rows, each kept apart, stay in the order of the file."""
        with self._stripes(work, processes) as stripes:
            for _index, found in stripes.results():
                self._merge(found)
                self.tick(stripes.done, self.total_rows)

    def _check_and_write(self, work, processes):
        """A large commit on PostgreSQL: this process and forked workers check stripes of rows while a COPY, running
        in a thread of this process, writes them — the database writes while the processes check. Each process
        claims a stripe at a time (a process slowed by the database or by the machine simply takes fewer), and the
        COPY receives the stripes in file order as soon as each is checked, so ids follow the file. Any error anywhere
        rolls the whole transaction back (all or nothing), after every row has been checked so that the clerk sees
        every error."""
        writer, total = self.writer, self.total_rows
        with self._stripes(work, processes) as stripes:  # forked here, before the COPY starts its thread
            try:
                with transaction.atomic():
                    copy = bulk.CopyWriter(self.schema.model, writer.insert_columns)
                    try:
                        with connection.execute_wrapper(no_queries_now):  # the COPY has the connection
                            for _index, found in stripes.results():
                                self._merge(found)
                                for block in self._take_blocks():
                                    copy.put(block)
                                self.tick(stripes.done, total)
                    finally:
                        copy.close()
                    self._lap("check")
                    self.tick(total, total, _("校验完成"))
                    if self.blocked:
                        raise Rollback
                    self.tick(total, total, _("正在写入数据库"))
                    writer.flush()  # the changed rows
                    self._people_write()
                    self._lap("write")
                    self._audit()
                    self._mark_committed()
                    self.written = True
            except Rollback:
                self.written = False
            except (Stale, IntegrityError, DataError) as exc:
                self._write_failed(exc)

    def _take_blocks(self):
        """The COPY text gathered so far, taken out of the writer — none once any row has an error (the transaction
        will be undone; the checks go on so that every error is found)."""
        blocks, self.writer.blocks = self.writer.blocks, []
        if self.blocked:
            self.writer.inserts, self.writer.updates = [], []
            return []
        return blocks

    def _merge(self, partial):
        """Add a worker's (or a stripe's) findings. Each holds at least the first MAX_STORED_ERRORS errors of its own
        rows, so the first MAX_STORED_ERRORS of the file survive trimming to them, whatever order they came in."""
        self.errors.extend(partial["errors"])
        if len(self.errors) > 2 * MAX_STORED_ERRORS:
            self._trim_errors()
        self.error_count += partial["error_count"]
        self.unknown.merge(partial["unknown"])
        self.unknown_count += partial["unknown_count"]
        self.ctx.warnings.extend(partial["warnings"][:MAX_WARNINGS - len(self.ctx.warnings)])
        self.ctx.warning_count += partial["warning_count"]
        for name in ("new", "changed", "unchanged"):
            self.counts[name] += partial["counts"][name]
        if self.writer is not None:
            self.writer.inserts.extend(partial["inserts"])
            self.writer.blocks.extend(partial["blocks"])
            self.writer.updates.extend(partial["updates"])

    def _write(self, writer):
        self.tick(self.counts["rows"], self.counts["rows"], _("正在写入数据库"))
        try:
            with transaction.atomic():
                writer.flush()
                self._people_write()
                self._lap("write")
                self._audit()
                self._mark_committed()
                self.written = True
        except (Stale, IntegrityError, DataError) as exc:
            self._write_failed(exc)

    def _write_failed(self, exc):
        self.written = False
        self.write_failed = True
        if isinstance(exc, DataError):  # a value the checks let through and the database refused: a gap to close
            logger.warning("import batch %s refused by the database: %s", self.batch.pk, type(exc).__name__)
            self.file_error(_("有数据超出数据库允许的范围（如数值过大），本次未写入任何数据。请核对后重新导入。"),
                            "database_refused")
            return
        logger.info("import batch %s not written: %s", self.batch.pk, type(exc).__name__)
        message = (_("校验之后有记录被他人修改，为免覆盖，本次未写入任何数据。请重新导入。") if isinstance(exc, Stale)
                   else _("写入时与他人同时录入的记录冲突（如同一身份证号），本次未写入任何数据。请重新导入。"))
        self.file_error(message, "conflict")


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off while a file is read and checked: reading 100,000 rows makes two million objects,
    and the collector would walk them again and again as they pile up (0.5 s of a 100,000-row import). Reference
    counting still frees what the rows leave behind; the few cycles wait for the collector to be back."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def no_queries_now(execute, sql, params, many, context):
    raise RuntimeError("the import's checks tried to query the database while its COPY was running")
