"""Workflows of the ledgers app (STYLE.md, HackSoft style: keyword-only, ``<entity>_<action>``), called alike by the
clerk pages, the admin, the API, ``manage.py import_ledger`` and the Celery tasks.

Importing a ledger file (issue 4; CONTRACT.md "Excel ledgers"; SECURITY.md "imports", "uploads"):

1. :func:`ledger_import_store` checks who may import into which unit, stores the upload under
   ``MEDIA_ROOT/imports`` (outside the web root) with its SHA-256, size cap, type-by-content, zip-bomb and password
   checks (zyparty.excel), and records an :class:`~ledgers.models.ImportBatch`.
2. :func:`ledger_import_check` (the preview) reads every sheet, checks every row with the models' own rules and the
   scoping layer, and counts new / changed / unchanged rows; every error is kept as (sheet, row, column, masked
   value, message, code). Nothing is written to the ledgers.
3. :func:`ledger_import_commit` does the same checks again and, only when there is no error at all, writes the
   whole file in one transaction: new rows through zyparty.bulk (COPY on PostgreSQL), changed rows by one set-based
   UPDATE from a staging table (executemany on SQLite), unchanged rows untouched — so re-importing a file changes
   nothing. Changed rows get version + 1, updated_at and updated_by; per-record audit signals are bypassed, and the
   batch's one IMPORT audit entry lists the counts and the batch id (PERFORMANCE.md: never save() per row).

Files of ``IMPORT_ASYNC_ROWS`` rows or more are checked and committed by ledgers.tasks with a BackgroundJob whose
progress the browser polls. From ``IMPORT_PARALLEL_MIN_ROWS`` rows on, the per-row checks run in forked worker
processes (one per core, ``IMPORT_WORKERS`` at most). A preview, or a commit on SQLite, merges what they found and
then writes. A commit on PostgreSQL writes while it checks: the processes claim stripes of rows one at a time and
a COPY running in a thread takes the stripes, in file order, as they are checked (``_ImportRun._check_and_write``).
New worker rows are made column by column (``WorkerSchema.new_rows``, proved equal to the model path), each distinct
cell text converted once, and become COPY lines a column at a time (zyparty.bulk.csv_lines); the rows it refuses
take the model path, which words their errors. bench/excel_bench.py measures all of it.
:func:`ledger_export` streams a filtered list to .xlsx with the same headers.
"""

import contextlib
import datetime
import functools
import hashlib
import itertools
import logging
import operator
import os
import queue
import signal
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import BooleanField, CharField, TextField
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from ledgers.models import ImportBatch, ImportStatus
from ledgers.schemas import (
    MODEL_KINDS,
    KIND_LABELS,
    ImportContext,
    RowErrors,
    masked_cell,
    schema_for,
    template_instructions,
)
from organizations.models import Unit
from ledgers.permissions import EXPORT, IMPORT, UNMASK
from zyparty import audit, bulk, crypto, events, excel, scoping
from zyparty.fields import EncryptedTextField
from zyparty.models import AuditAction
from zyparty.validators import id_number_facts, validate_id_number

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 20_000
PROGRESS_EVERY = 5_000
NEW_ROWS_STEP = 1_000  # new rows made column by column at a time (WorkerSchema.new_rows)
COPY_STEP = 2_000  # rows in a stripe: claimed, checked and handed to the COPY at a time (_ImportRun._check_and_write)
AUDIT_COLUMNS = {"id", "created_at", "updated_at", "created_by_id", "updated_by_id", "version"}


def import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def batch_path(batch) -> Path | None:
    return import_dir() / batch.stored_name if batch.stored_name else None


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
    error_count: int = 0
    committed: bool = False
    timings: dict = field(default_factory=dict)  # phase → seconds

    @property
    def ok(self):
        return self.error_count == 0

    def as_dict(self):
        return {"batch": self.batch.pk, "kind": self.batch.kind, "file_name": self.batch.file_name,
                "status": self.batch.status, "rows": self.rows, "new": self.new, "changed": self.changed,
                "unchanged": self.unchanged, "error_count": self.error_count, "errors": self.errors,
                "committed": self.committed}


class ImportRefused(PermissionDenied):
    """The user may not import this ledger into this unit (a 403 for the API, a message for the pages)."""


def result_of(batch) -> ImportResult:
    return ImportResult(batch=batch, rows=batch.rows, new=batch.new_count, changed=batch.changed_count,
                        unchanged=batch.unchanged_count, errors=list(batch.errors or []),
                        error_count=batch.error_count, committed=batch.status == ImportStatus.COMMITTED)


# Permissions ------------------------------------------------------------------------------------------------------
def import_permissions(kind):
    """The permissions an import of ``kind`` needs: ``ledgers.import_ledger`` plus adding and changing its records."""
    schema = schema_for(kind)
    meta = schema.model._meta
    return [IMPORT, f"{meta.app_label}.add_{meta.model_name}", f"{meta.app_label}.change_{meta.model_name}"]


def export_permissions(kind):
    meta = schema_for(kind).model._meta
    return [EXPORT, f"{meta.app_label}.view_{meta.model_name}"]


def may_import(user, kind) -> bool:
    return user is not None and user.is_authenticated and user.has_perms(import_permissions(kind))


def may_export(user, kind) -> bool:
    return user is not None and user.is_authenticated and user.has_perms(export_permissions(kind))


def import_units(user):
    """The units a user may import into (their own unit and the towns/villages under it), most general first."""
    return Unit.objects.restrict(user).filter(is_active=True).exclude(level="village").order_by("code") \
        if not scoping.scope_of(user).is_empty else Unit.objects.none()


def default_unit(user):
    unit = getattr(user, "unit", None)
    if unit is not None:
        return unit
    return import_units(user).first()


def _check_may_import(user, kind, unit):
    if user is None:  # manage.py import_ledger without --user: an operator on the server
        return
    if not may_import(user, kind):
        raise ImportRefused(_("您没有导入%(l)s的权限。") % {"l": KIND_LABELS[kind]})
    if unit is not None and not scoping.scope_of(user).covers_unit(unit):
        raise ImportRefused(_("“%(u)s”不在您的管辖范围内。") % {"u": unit.name})
    if unit is None and kind != "units":
        raise ImportRefused(_("请选择导入到哪个乡镇或村（社区）。"))


# Storing an upload ------------------------------------------------------------------------------------------------
def ledger_import_store(*, user, kind, file, unit=None, file_name=None) -> ImportBatch:
    """Check and keep an uploaded file; returns its batch. Raises ImportRefused or excel.ExcelFileError."""
    schema_for(kind)
    _check_may_import(user, kind, unit)
    given = file_name or (os.fspath(file) if isinstance(file, (str, os.PathLike)) else getattr(file, "name", ""))
    name = os.path.basename(given or "upload")[:255] or "upload"
    stored = f"{uuid.uuid4().hex}.upload"
    target = import_dir() / stored
    digest, size = hashlib.sha256(), 0
    limit = settings.IMPORT_MAX_FILE_BYTES
    source = open(file, "rb") if isinstance(file, (str, Path)) else file
    try:
        if hasattr(source, "seek"):
            try:
                source.seek(0)
            except (OSError, ValueError):
                pass
        with open(target, "wb") as out:
            chunks = source.chunks() if hasattr(source, "chunks") else iter(lambda: source.read(1 << 20), b"")
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise excel.ExcelFileError(
                        _("文件过大，上限为%(limit)s。请按乡镇或村分成几个文件导入。") % {
                            "limit": f"{limit / 1024 / 1024:.0f} MB"}, "file_too_large", status=413)
                digest.update(chunk)
                out.write(chunk)
        os.chmod(target, 0o600)
        inspection = excel.inspect_file(target)
        if target.suffix != f".{inspection.kind}":  # calamine picks its reader by extension: use the real type's
            renamed = target.with_suffix(f".{inspection.kind}")
            target.rename(renamed)
            target, stored = renamed, renamed.name
        rows = inspection.rows_hint
        if rows is None:
            rows = excel.count_rows(target, inspection.kind)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        if source is not file:
            source.close()
    return ImportBatch.objects.create(
        kind=kind, file_name=name, stored_name=stored, file_format=inspection.kind, sha256=digest.hexdigest(),
        size=size, user=user if user is not None and user.is_authenticated else None, unit=unit, rows=rows)


def needs_job(batch) -> bool:
    """Large files run as a Celery job with a progress bar (issue 4: 5,000 rows or more)."""
    return batch.rows >= settings.IMPORT_ASYNC_ROWS


# The three entry points of an import --------------------------------------------------------------------------------
def ledger_import_preview(*, user, kind, file, unit=None, file_name=None) -> ImportResult:
    """Store ``file`` and check it: counts and every error, nothing written to the ledger (a dry run)."""
    batch = ledger_import_store(user=user, kind=kind, file=file, unit=unit, file_name=file_name)
    return ledger_import_check(batch=batch, user=user)


def ledger_import_check(*, batch, user=None, progress=None) -> ImportResult:
    """Check a stored batch (the preview); the batch is VALID or INVALID afterwards."""
    _check_may_import(user, batch.kind, batch.unit)
    return _ImportRun(batch, user, commit=False, progress=progress).run()


def ledger_import_commit(*, user, batch=None, kind=None, file=None, unit=None, file_name=None,
                         progress=None) -> ImportResult:
    """All or nothing: check the batch (or a new file) again and write it in one transaction when it has no error."""
    if batch is None:
        batch = ledger_import_store(user=user, kind=kind, file=file, unit=unit, file_name=file_name)
    _check_may_import(user, batch.kind, batch.unit)
    claimed = ImportBatch.objects.filter(pk=batch.pk, status__in=[
        ImportStatus.UPLOADED, ImportStatus.VALID, ImportStatus.INVALID, ImportStatus.CHECKING,
        ImportStatus.FAILED]).update(status=ImportStatus.COMMITTING)
    batch.refresh_from_db()
    if not claimed:  # already committed, abandoned, or being committed by a concurrent request
        return result_of(batch)
    return _ImportRun(batch, user, commit=True, progress=progress).run()


def ledger_import_abandon(*, user, batch) -> ImportBatch:
    """The clerk gives up on a batch: its file is removed."""
    if batch.status in (ImportStatus.COMMITTED, ImportStatus.COMMITTING):
        return batch
    batch.status = ImportStatus.ABANDONED
    batch.save(update_fields=["status"])
    _remove_file(batch)
    return batch


def ledger_import_cleanup(*, older_than_hours=None) -> int:
    """Remove uploads nobody committed or abandoned (and orphan files): the scheduled housekeeping of
    MEDIA_ROOT/imports (SECURITY.md "uploads": temp files removed). Returns how many files were removed."""
    hours = older_than_hours if older_than_hours is not None else getattr(settings, "IMPORT_STALE_HOURS", 24)
    cutoff = timezone.now() - datetime.timedelta(hours=hours)
    removed = 0
    stale = ImportBatch.objects.filter(created_at__lt=cutoff).exclude(stored_name="")
    for batch in stale:
        if batch.is_open:
            batch.status = ImportStatus.ABANDONED
            batch.save(update_fields=["status"])
        elif batch.status in (ImportStatus.CHECKING, ImportStatus.COMMITTING):  # its worker died long ago
            batch.status = ImportStatus.FAILED
            batch.save(update_fields=["status"])
        removed += _remove_file(batch)
    known = set(ImportBatch.objects.exclude(stored_name="").values_list("stored_name", flat=True))
    for path in import_dir().iterdir():
        if path.is_file() and path.name not in known and path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _remove_file(batch) -> int:
    path = batch_path(batch)
    if path is None:
        return 0
    path.unlink(missing_ok=True)
    ImportBatch.objects.filter(pk=batch.pk).update(stored_name="")
    batch.stored_name = ""
    return 1


# The run ------------------------------------------------------------------------------------------------------------
class _Rollback(Exception):
    pass


class _Stale(Exception):
    pass


def _new_instance_factory(model):
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


class _ModelPath:
    """What checking rows one by one needs of the model, made once per run of rows."""

    def __init__(self, model):
        self.new_instance = _new_instance_factory(model)
        self.person = hasattr(model, "id_digest")
        self.compare = [f.attname for f in model._meta.concrete_fields if f.attname not in AUDIT_COLUMNS]


class _ImportRun:
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
        self._clock = time.perf_counter()

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
            with _collector_paused():
                self._run(path)
        except excel.ExcelFileError as exc:
            self.file_error(exc.message, exc.code)
        return self._finish()

    def _run(self, path):
        if path is None or not path.exists():
            self.file_error(_("上传的文件已被清理（超过保留时间或已放弃），请重新上传。"), "file_gone")
        elif self.schema.kind == "units":
            self._run_units(path)
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
        committed = self.commit and self.error_count == 0 and self.written
        if committed:
            status = ImportStatus.COMMITTED
        elif self.error_count:
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
        batch.checked_at = timezone.now()
        fields = ["status", "rows", "new_count", "changed_count", "unchanged_count", "error_count", "errors",
                  "sheets", "checked_at", "audit_entry_id"]
        if committed:
            stored, batch.stored_name = batch.stored_name, ""
            fields += ["stored_name"]
            transaction.on_commit(lambda: _remove_stored(stored))
        batch.save(update_fields=fields)
        return ImportResult(batch=batch, rows=self.counts["rows"], new=self.counts["new"],
                            changed=self.counts["changed"], unchanged=self.counts["unchanged"],
                            errors=self.errors, error_count=self.error_count, committed=committed,
                            timings={k: round(v, 3) for k, v in self.timings.items()})

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
                   "unchanged": self.counts["unchanged"], "errors": self.error_count}
        detail = (_("%(l)s导入：新增%(n)d条，修改%(c)d条，未变%(u)d条") % {
            "l": KIND_LABELS[batch.kind], "n": self.counts["new"], "c": self.counts["changed"],
            "u": self.counts["unchanged"]}) if result == "success" else (
            _("%(l)s导入未写入：%(e)d处错误") % {"l": KIND_LABELS[batch.kind], "e": self.error_count})
        entry = audit.record(AuditAction.IMPORT, batch, changes=changes, detail=detail, result=result,
                             user=self.user)
        batch.audit_entry_id = entry.pk
        return entry

    # Reading ------------------------------------------------------------------------------------------------------
    def _read(self, path):
        schema = self.schema
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
            for row_no, values in table.rows:
                if len(values) >= full:
                    cells = dict(zip(headers, values)) if contiguous else {h: values[p] for h, p in present}
                else:
                    width = len(values)
                    cells = {h: (values[p] if p < width else "") for h, p in present}
                rows.append((sheet, row_no, cells, cols))
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
        ctx = ImportContext(user=self.user, unit=self.batch.unit)
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
        del first_seen
        # 2. The records these keys already name, anywhere in the county database (uniqueness is global).
        self._lap("keys")
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
            if current is not None:
                if not _permits(self.user, current):
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
        self.tick(0, total, _("正在校验"))
        # 4. Each row through the model's rules: in forked worker processes for large files (PERFORMANCE.md: the
        # per-row checks are the import's cost; the machines have two cores).
        self.ctx = ctx
        self.total_rows = total
        self.writer = _RowWriter(model, self.user) if self.commit else None
        parts = _worker_count(len(work))
        if self.writer is not None and parts > 1 and connection.vendor == "postgresql" and not self.prepare_only:
            self._check_and_write(_Stripes(self._check_rows, work, parts))
            return
        chunks = _split(work, parts)
        self.progress_scale = len(chunks)
        partials = _fork_map(self._check_rows, chunks)
        for partial in partials[1:]:  # partials[0] was checked here, straight into self
            self._merge(partial)
        self._lap("check")
        self.tick(total, total, _("校验完成"))
        if self.writer is not None and self.error_count == 0 and not self.prepare_only:
            self._write(self.writer)

    def _check_rows(self, rows, in_child=False):
        """Apply, clean, prepare and classify ``rows``. With ``in_child`` (a forked worker, or a failed worker's rows
        redone here) the errors, counts and prepared rows found are returned for the parent to merge, and the
        run's own are left as they were; never touches the database either way."""
        if not in_child:
            return self._check_loop(rows, report=True)
        writer = self.writer
        saved = (self.errors, self.error_count, self.counts,
                 writer and (writer.inserts, writer.blocks, writer.updates))
        self.errors, self.error_count = [], 0
        self.counts = {"rows": 0, "new": 0, "changed": 0, "unchanged": 0}
        if writer is not None:
            writer.inserts, writer.blocks, writer.updates = [], [], []
        try:
            self._check_loop(rows, report=False)
            if writer is not None and self.error_count == 0:
                writer.pack()  # the COPY text is made here, in parallel, rather than by the writing process
            return {"errors": self.errors, "error_count": self.error_count, "counts": self.counts,
                    "inserts": writer.inserts if writer is not None else [],
                    "blocks": writer.blocks if writer is not None else [],
                    "updates": writer.updates if writer is not None else []}
        finally:
            self.errors, self.error_count, self.counts = saved[:3]
            if writer is not None:
                writer.inserts, writer.blocks, writer.updates = saved[3]

    def _check_and_write(self, stripes):
        """A large commit on PostgreSQL: this process and the forked workers of ``stripes`` check the rows while a
        COPY, running in a thread of this process, writes them — the database writes while the processes check. Each
        process claims a stripe of rows at a time (:class:`_Stripes`: a process slowed by the database or by the
        machine simply takes fewer), and the COPY receives the stripes in file order as soon as each is checked, so
        ids follow the file. Any error anywhere rolls the whole transaction back (all or nothing), after every row
        has been checked so that the clerk sees every error."""
        try:
            self._check_and_write_stripes(stripes)
        finally:
            stripes.stop()

    def _check_and_write_stripes(self, stripes):
        writer, total, step = self.writer, self.total_rows, stripes.step
        inbox = stripes.receive()
        checked, blocks = set(), {}
        running, written = len(stripes.workers), 0

        def absorb(wait):
            nonlocal running
            while running and (wait or not inbox.empty()):
                item = inbox.get()
                if item is None:  # a worker has finished
                    running -= 1
                elif item[1] is not None:  # None: the worker failed on this stripe; it is redone below
                    self._merge(item[1])
                    blocks[item[0]] = self._take_blocks()
                    checked.add(item[0])

        def check_here(index):
            self._merge(self._check_rows(stripes.rows[index], in_child=True))
            blocks[index] = self._take_blocks()
            checked.add(index)

        def feed(copy):
            nonlocal written
            while written in blocks:
                for block in blocks.pop(written):
                    copy.put(block)
                written += 1
            self.tick(min(len(checked) * step, total), total)

        try:
            with transaction.atomic():
                copy = bulk.CopyWriter(self.schema.model, writer.insert_columns)
                try:
                    with connection.execute_wrapper(_no_queries_now):  # the COPY has the connection
                        while (index := stripes.claims.take()) is not None:
                            check_here(index)
                            absorb(wait=False)
                            feed(copy)
                        absorb(wait=True)
                        for index in range(len(stripes.rows)):  # stripes a failed worker had claimed
                            if index not in checked:
                                check_here(index)
                        feed(copy)
                finally:
                    copy.close()
                self._lap("check")
                self.tick(total, total, _("校验完成"))
                if self.error_count:
                    raise _Rollback
                self.tick(total, total, _("正在写入数据库"))
                writer.flush()  # the changed rows
                self._lap("write")
                self._audit()
                self._mark_committed()
                self.written = True
        except _Rollback:
            self.written = False
        except (_Stale, IntegrityError, DataError) as exc:
            self._write_failed(exc)

    def _take_blocks(self):
        """The COPY text gathered so far, taken out of the writer — none once any row has an error (the transaction
        will be undone; the checks go on so that every error is found)."""
        blocks, self.writer.blocks = self.writer.blocks, []
        if self.error_count:
            self.writer.inserts, self.writer.updates = [], []
            return []
        return blocks

    def _check_loop(self, rows, report, offset=0):
        """Check ``rows``, counting them and handing the good ones to the writer: runs of new rows column by column
        (the schema's ``new_rows``, when it has one), every other row — and every row that path refuses — through
        :meth:`_check_row`."""
        schema, ctx, writer = self.schema, self.ctx, self.writer
        scope_user, unit, counts, total = self.user, self.batch.unit, self.counts, self.total_rows
        new_rows = getattr(schema, "new_rows", None)
        model_path = _ModelPath(schema.model)

        def admit(obj):
            return _permits(scope_user, obj) and _within_unit(unit, obj)

        for start in range(0, len(rows), NEW_ROWS_STEP):
            part = rows[start:start + NEW_ROWS_STEP]
            taken = made = None
            fresh = [entry for entry in part if entry[5] is None] if new_rows is not None else None
            if fresh:
                found = new_rows(fresh, ctx, admit)
                taken = iter(found.taken)
                made = writer.rows_of(found) if writer is not None else None
            for index, entry in enumerate(part, offset + start + 1):
                if report and index % PROGRESS_EVERY == 0:
                    self.tick(min(int(index * self.progress_scale), total), total)
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
        if current is not None:
            if key[0] == "id" and "记录编号" in cells:
                record = excel.cell_text(cells["记录编号"])
                if record and record != str(current.pk):
                    errors.add("记录编号", "record_mismatch", _("身份证号与记录编号不是同一条记录。如需更正身份证号，请在系统中逐条修改。"))
            before = {a: current.__dict__.get(a) for a in compare}
            obj = current
        else:
            if key[0] == "id" and "记录编号" in cells and excel.cell_text(cells["记录编号"]):
                errors.add("记录编号", "record_mismatch", _("身份证号与记录编号不是同一条记录。如需更正身份证号，请在系统中逐条修改。"))
            obj = model_path.new_instance()
            before = None
        schema.apply(obj, cells, ctx, errors, key, current)
        if model_path.person:
            if schema.birth_rules and key[0] == "id":
                try:
                    obj.gender, obj.birth_date = id_number_facts(validate_id_number(obj.id_number))
                except (ValidationError, ValueError):
                    pass  # clean() reports it
            if obj.town_id is None and not any(h in ("户籍村(社区)", "所属乡镇") for h, _c, _m in errors.items):
                errors.add("户籍村(社区)", "required", _("请填写户籍村(社区)或所属乡镇。"))
        elif obj.town_id is None and not errors:
            errors.add("建档乡镇", "required", _("请填写建档乡镇（负责联系该企业的乡镇）。"))
        try:
            obj.clean()
        except ValidationError as exc:
            _add_clean_errors(schema, exc, errors)
        if not errors:
            obj.prepare()
            if not _permits(scope_user, obj):
                errors.add(schema.place_header, "out_of_scope", _("不在您的管辖范围内。"))
            elif not _within_unit(unit, obj):
                errors.add(schema.place_header, "outside_unit", _("不属于本次导入的“%(u)s”。") % {"u": unit.name})
        if errors:
            for header, code, message in errors.items:
                self.error(sheet, row_no, header, cells.get(header, ""), message, code, cols.get(header))
            return
        if before is None:
            counts["new"] += 1
            if writer is not None:
                writer.add_new(obj)
        elif any(obj.__dict__.get(a) != before[a] for a in compare):
            counts["changed"] += 1
            if writer is not None:
                writer.add_changed(obj, current.version)
        else:
            counts["unchanged"] += 1

    def _merge(self, partial):
        """Add a worker's (or a stripe's) findings. Each holds at least the first MAX_STORED_ERRORS errors of its own
        rows, so the first MAX_STORED_ERRORS of the file survive trimming to them, whatever order they came in."""
        self.errors.extend(partial["errors"])
        if len(self.errors) > 2 * MAX_STORED_ERRORS:
            self._trim_errors()
        self.error_count += partial["error_count"]
        for name in ("new", "changed", "unchanged"):
            self.counts[name] += partial["counts"][name]
        if self.writer is not None:
            self.writer.inserts.extend(partial["inserts"])
            self.writer.blocks.extend(partial["blocks"])
            self.writer.updates.extend(partial["updates"])

    def _load_existing(self, keyed, ctx):
        """The records the rows name, by natural key (or 记录编号), anywhere in the database: uniqueness is global.
        Their units come from the import's own lookup tables rather than a join (four instances a row otherwise)."""
        model = self.schema.model
        by_key = {}
        if hasattr(model, "id_digest"):
            digests = {}
            for *_rest, key in keyed:
                if key[0] == "id":
                    digests[ctx.digest(key[1])] = key[1]
            for obj in _fetch(model.objects.all(), "id_digest", list(digests)):
                by_key[("id", digests[obj.id_digest])] = obj
        else:
            codes = [key[1] for *_rest, key in keyed if key[0] == "code"]
            for obj in _fetch(model.objects.all(), "credit_code", codes):
                by_key[("code", obj.credit_code)] = obj
        pks = [key[1] for *_rest, key in keyed if key[0] == "pk"]
        for obj in _fetch(model.objects.all(), "pk", pks):
            by_key[("pk", obj.pk)] = obj
        units = ctx.units()["by_id"] if ctx.county is not None else {}
        relations = [f.name for f in model._meta.concrete_fields if f.is_relation and f.name in ("town", "village",
                                                                                                 "county")]
        for obj in by_key.values():
            cache = obj._state.fields_cache
            for name in relations:
                unit = units.get(obj.__dict__[f"{name}_id"])
                if unit is not None:
                    cache[name] = unit
        missing = [obj for obj in by_key.values() if any(
            obj.__dict__[f"{name}_id"] is not None and name not in obj._state.fields_cache for name in relations)]
        if missing:  # records outside the import's county (their rows become scope errors): load their units
            from django.db.models import prefetch_related_objects

            prefetch_related_objects(missing, *relations)
        return by_key

    def _write(self, writer):
        self.tick(self.counts["rows"], self.counts["rows"], _("正在写入数据库"))
        try:
            with transaction.atomic():
                writer.flush()
                self._lap("write")
                self._audit()
                self._mark_committed()
                self.written = True
        except (_Stale, IntegrityError, DataError) as exc:
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
        message = (_("校验之后有记录被他人修改，为免覆盖，本次未写入任何数据。请重新导入。") if isinstance(exc, _Stale)
                   else _("写入时与他人同时录入的记录冲突（如同一身份证号），本次未写入任何数据。请重新导入。"))
        self.file_error(message, "conflict")

    # Units: a county sets itself up ----------------------------------------------------------------------------------
    def _run_units(self, path):
        rows = self._read(path)
        if not rows:
            return
        schema = self.schema
        scope = scoping.scope_of(self.user) if self.user is not None else scoping.EVERYTHING
        unit = self.batch.unit
        keyed, first_seen = [], {}
        for sheet, row_no, cells, cols in rows:
            try:
                key = schema.key_of(cells)
            except excel.CellError as exc:
                self.error(sheet, row_no, "区划代码", cells.get("区划代码", ""), exc.message, exc.code, cols.get("区划代码"))
                continue
            if key[1] in first_seen:
                self.error(sheet, row_no, "区划代码", key[2], _("与第%(r)d行重复。") % {"r": first_seen[key[1]]},
                           "duplicate_in_file", cols.get("区划代码"))
                continue
            first_seen[key[1]] = row_no
            keyed.append((sheet, row_no, cells, cols, key))
        keyed.sort(key=lambda r: (len(r[4][1]), r[4][1]))  # parents before children
        try:
            with transaction.atomic():
                existing = {u.code: u for u in Unit.objects.filter(code__in=[r[4][1] for r in keyed])}
                made = {}
                for sheet, row_no, cells, cols, key in keyed:
                    code = key[1]
                    name = excel.cell_text(cells.get("名称", ""))
                    if not name:
                        self.error(sheet, row_no, "名称", "", _("请填写名称。"), "required", cols.get("名称"))
                        continue
                    if not schema.check_length("名称", name, _Errors(self, sheet, row_no, cells, cols)):
                        continue
                    if unit is not None and not code.startswith(unit.code):
                        self.error(sheet, row_no, "区划代码", code, _("不属于本次导入的“%(u)s”。") % {"u": unit.name},
                                   "outside_unit", cols.get("区划代码"))
                        continue
                    current = existing.get(code)
                    if current is not None:
                        if not scope.covers_unit(current):
                            self.error(sheet, row_no, "区划代码", code, _("不在您的管辖范围内。"), "out_of_scope",
                                       cols.get("区划代码"))
                        elif current.name != name:
                            current.name = name
                            current.save(update_fields=["name", "updated_at"])
                            self.counts["changed"] += 1
                        else:
                            self.counts["unchanged"] += 1
                        continue
                    new = Unit(code=code, name=name)
                    parent = made.get(code[:-3]) or existing.get(code[:-3])
                    if parent is not None:
                        new.parent = parent
                    try:
                        new.clean()
                    except ValidationError as exc:
                        for item in exc.error_list if not hasattr(exc, "error_dict") else [
                                e for items in exc.error_dict.values() for e in items]:
                            message = item.message % item.params if item.params else item.message
                            self.error(sheet, row_no, "区划代码", code, str(message), item.code or "invalid",
                                       cols.get("区划代码"))
                        continue
                    if not scope.everything and not scope.covers_unit(new):
                        self.error(sheet, row_no, "区划代码", code, _("不在您的管辖范围内：新的县只能由系统运维在服务器上导入。")
                                   if len(code) == 6 else _("不在您的管辖范围内。"), "out_of_scope", cols.get("区划代码"))
                        continue
                    new.save()
                    made[code] = new
                    self.counts["new"] += 1
                if self.error_count or not self.commit:
                    raise _Rollback
                self._audit()
                self._mark_committed()
                self.written = True
        except _Rollback:
            self.written = False
        except IntegrityError as exc:  # another import created one of these codes meanwhile
            self._write_failed(exc)


def _add_clean_errors(schema, exc, errors):
    """The model's clean() errors under the column they concern, with the validator's own code."""
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}
    for field_name, items in by_field.items():
        header = schema.header_for(field_name)
        if header and any(h == header for h, _c, _m in errors.items):
            continue  # the cell already has its error
        for item in items:
            message = item.message % item.params if item.params else item.message
            errors.add(header, item.code or "invalid", str(message))


class _Errors:
    """RowErrors that report straight into the run (the units path checks one cell at a time)."""

    def __init__(self, run, sheet, row_no, cells, cols):
        self.run, self.sheet, self.row_no, self.cells, self.cols = run, sheet, row_no, cells, cols

    def add(self, header, code, message):
        self.run.error(self.sheet, self.row_no, header, self.cells.get(header, ""), message, code,
                       self.cols.get(header))


def _worker_count(rows) -> int:
    """Processes for the row checks: 1 below ``IMPORT_PARALLEL_MIN_ROWS`` rows (forking costs more than it saves) or
    in a process running other threads, else one per core up to ``IMPORT_WORKERS``. Large files reach this in the
    Celery worker or ``manage.py import_ledger``; a web request hands them to a job first (IMPORT_ASYNC_ROWS)."""
    if rows < getattr(settings, "IMPORT_PARALLEL_MIN_ROWS", 10_000) or not hasattr(os, "fork"):
        return 1
    if threading.active_count() > 1:  # e.g. a threaded web worker: forking beside other threads is not safe
        return 1
    return max(1, min(getattr(settings, "IMPORT_WORKERS", 4), os.cpu_count() or 1))


def _split(items, parts):
    size = -(-len(items) // parts) if items else 0
    chunks = [items[i:i + size] for i in range(0, len(items), size)] if size else [items]
    return chunks or [[]]


def _fork_map(check, chunks):
    """``check(chunks[0])`` here and ``check(chunk, in_child=True)`` for the others in forked children; the results
    in the order of ``chunks``."""
    if len(chunks) == 1:
        return [check(chunks[0])]
    children = _fork_start(check, chunks[1:])
    try:
        results = [check(chunks[0])]
        return results + [child.result() for child in children]
    finally:
        for child in children:  # after an error here: children stopped and reaped, never left blocked on a pipe
            child.stop()


class _Child:
    """A forked worker checking ``chunk``; :meth:`result` waits for what it found. A child that failed for any reason
    (or could not be forked) has its chunk redone here."""

    def __init__(self, check, chunk, pid, fd):
        self.check, self.chunk, self.pid, self.fd = check, chunk, pid, fd
        self.reaped = pid is None

    def stop(self):
        """End and reap a child whose result will not be read (nothing when it was)."""
        if not self.reaped:
            self.reaped = True
            _end(self.pid)
            os.close(self.fd)

    def ready(self) -> bool:
        """The child has finished (its result can be read without waiting long)."""
        import select

        return self.pid is None or bool(select.select([self.fd], [], [], 0)[0])

    def result(self):
        import pickle

        outcome = ("error", "fork failed")
        if self.pid is not None:
            self.reaped = True
            with os.fdopen(self.fd, "rb") as source:
                data = source.read()
            os.waitpid(self.pid, 0)
            try:
                outcome = pickle.loads(data)  # nosec B301 - the pickle comes through a pipe from this process's own forked worker
            except Exception:  # noqa: BLE001 - a child that died mid-write
                outcome = ("error", "no result")
        if outcome[0] != "ok":
            logger.warning("import worker failed (%s); checking its rows in the main process", outcome[1])
            outcome = ("ok", self.check(self.chunk, in_child=True))
        return outcome[1]


def _fork_start(check, chunks):
    """A forked child per chunk running ``check(chunk, in_child=True)``, which sends its result, pickled, through a
    pipe when done (:func:`_fork`)."""
    children = []
    with _frozen_heap():
        for chunk in chunks:
            forked = _fork(functools.partial(_send_result, check, chunk))
            children.append(_Child(check, chunk, *(forked or (None, None))))
    return children


def _send_result(check, chunk, out):
    import pickle

    try:
        payload = pickle.dumps(("ok", check(chunk, in_child=True)), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which redoes the chunk
        payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))
    out.write(payload)


@contextlib.contextmanager
def _collector_paused():
    """Python's cycle collector off while a file is read and checked: reading 100,000 rows makes two million objects,
    and the collector would walk them again and again as they pile up (0.5 s of a 100,000-row import). Reference
    counting still frees what the rows leave behind; the few cycles wait for the collector to be back."""
    import gc

    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@contextlib.contextmanager
def _frozen_heap():
    """Around forking: the shared rows stay shared, as the children's collector does not touch the parent's
    objects (no collection first: it would take 0.15 s of a 100,000-row import for the little garbage there is)."""
    import gc

    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _fork(main):
    """``main(out)`` in a forked child (os.fork, not multiprocessing: Celery's pool processes are daemonic and may
    not start multiprocessing children), ``out`` being the write end of a pipe whose read end is returned with the
    pid — or None when the system cannot fork. A child must not use the parent's database connection: it is given
    none (any query raises), and leaves with os._exit so the inherited socket is never closed."""
    read_end, write_end = os.pipe()
    _widen(write_end)
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # child
        os.close(read_end)
        try:
            with connection.execute_wrapper(_no_queries_in_child), os.fdopen(write_end, "wb") as out:
                main(out)
        except BaseException:  # noqa: BLE001 - the parent sees the pipe end early and does the work itself
            pass
        finally:
            os._exit(0)
    os.close(write_end)
    return pid, read_end


def _widen(fd):
    """A pipe as wide as the system allows (Linux: 1 MiB unless raised), so that a worker hands over a stripe's COPY
    text in one write instead of waiting, 64 KiB at a time, for the receiving thread of its parent to get the GIL."""
    try:
        import fcntl

        with open("/proc/sys/fs/pipe-max-size") as limit:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, int(limit.read()))
    except (ImportError, AttributeError, OSError, ValueError):
        pass  # not Linux, or no room: the default width works, only slower


class _Claims:
    """Stripe numbers handed to whichever process asks first: a pipe holding every number once (4 bytes each; a
    read of 4 bytes from a pipe is atomic), read by this process and its forked workers."""

    MOST = 1_024  # what a pipe surely holds (one page; 64 KiB unless the system is short of pipe buffers)

    def __init__(self, count):
        assert count <= self.MOST
        self._read, self._write = os.pipe()
        os.write(self._write, struct.pack(f"<{count}I", *range(count)))

    def close_for_writing(self):
        """After forking: with no write end left open, an empty pipe reads as the end."""
        os.close(self._write)
        self._write = None

    def take(self):
        data = os.read(self._read, 4)
        return struct.unpack("<I", data)[0] if data else None

    def close(self):
        for fd in (self._read, self._write):
            if fd is not None:
                os.close(fd)
        self._read = self._write = None


def _check_stripes(check, stripes, claims, out):
    """A forked worker's loop: claim a stripe, check it, send ``(index, findings)``; ``(index, None)`` when the check
    failed (the parent redoes the stripe)."""
    import pickle

    claims.close_for_writing()
    while (index := claims.take()) is not None:
        try:
            found = check(stripes[index], in_child=True)
        except Exception:  # noqa: BLE001 - the parent checks the stripe itself and reports its errors
            found = None
        payload = pickle.dumps((index, found), protocol=pickle.HIGHEST_PROTOCOL)
        out.write(struct.pack("<Q", len(payload)))
        out.write(payload)
        out.flush()
        if found is None:
            return


class _Worker:
    """A forked worker of :func:`_check_stripes`; a thread of this process receives what it sends, so that it never
    waits for this process to read."""

    def __init__(self, pid, fd):
        self.pid, self.fd = pid, fd
        self.thread = None

    def receive_into(self, inbox):
        self.thread = threading.Thread(target=self._receive, args=(inbox,), name="zyparty-import-worker",
                                       daemon=True)
        self.thread.start()

    def _receive(self, inbox):
        import pickle

        try:
            with os.fdopen(self.fd, "rb") as source:
                while len(header := source.read(8)) == 8:
                    size = struct.unpack("<Q", header)[0]
                    payload = source.read(size)
                    if len(payload) < size:
                        break
                    inbox.put(pickle.loads(payload))  # nosec B301 - from this process's own forked worker
        finally:
            inbox.put(None)

    def stop(self):
        """End the worker — it has sent all it will, or this process gave up early (the COPY failed) — and reap it."""
        _end(self.pid, reap=False)
        if self.thread is not None:
            self.thread.join()
        else:
            os.close(self.fd)
        os.waitpid(self.pid, 0)


def _end(pid, reap=True):
    """SIGKILL a forked worker (it holds nothing to clean up, and a Celery process's own SIGTERM handler must not run
    in it), and reap it."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if reap:
        os.waitpid(pid, 0)


class _Stripes:
    """``work`` cut into stripes of COPY_STEP rows (or more, for :class:`_Claims`), and ``parts - 1`` forked workers
    running ``check`` on the stripes they claim (:func:`_check_stripes`); the caller claims its own from ``claims``."""

    def __init__(self, check, work, parts):
        self.step = max(COPY_STEP, -(-len(work) // _Claims.MOST))
        self.rows = [work[start:start + self.step] for start in range(0, len(work), self.step)]
        self.claims = _Claims(len(self.rows))
        self.workers = []
        try:
            with _frozen_heap():
                for _n in range(parts - 1):
                    forked = _fork(functools.partial(_check_stripes, check, self.rows, self.claims))
                    if forked is not None:
                        self.workers.append(_Worker(*forked))
        except BaseException:  # e.g. no file descriptor left for a pipe: the workers forked so far are ended
            self.stop()
            raise
        self.claims.close_for_writing()

    def receive(self):
        """A queue receiving ``(stripe, findings)`` from the workers, and None when one has finished."""
        inbox = queue.SimpleQueue()
        for worker in self.workers:
            worker.receive_into(inbox)
        return inbox

    def stop(self):
        self.claims.close()
        for worker in self.workers:
            worker.stop()
        self.workers = []


def _no_queries_in_child(execute, sql, params, many, context):
    raise RuntimeError("a forked import worker tried to query the database")


def _no_queries_now(execute, sql, params, many, context):
    raise RuntimeError("the import's checks tried to query the database while its COPY was running")


def _remove_stored(stored_name):
    if stored_name:
        (import_dir() / stored_name).unlink(missing_ok=True)


def _permits(user, obj) -> bool:
    return True if user is None else scoping.permits(user, obj)


def _within_unit(unit, obj) -> bool:
    """A row lands inside the unit the import is for (the clerk picked it, or it is their own)."""
    if unit is None:
        return True
    if unit.level == "county":
        return obj.county_id == unit.pk
    if unit.level == "town":
        return obj.town_id == unit.pk
    return getattr(obj, "village_id", None) == unit.pk


def _fetch(queryset, field_name, values, chunk=None):
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


class _RowWriter:
    """Prepared instances → database rows: inserts through zyparty.bulk (COPY on PostgreSQL), updates through a
    staging table and one UPDATE … FROM (PostgreSQL) or executemany (SQLite), each guarded by the version read at
    check time so a concurrent edit is never overwritten.

    A row is built as plain values (one itemgetter over the instance dict), then the encrypted fields, the dates
    SQLite needs as text, and the audit columns; the column lists are ordered the same way."""

    def __init__(self, model, user):
        self.model = model
        self.user_id = getattr(user, "pk", None)
        self.now_db = connection.ops.adapt_datetimefield_value(timezone.now())
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        text_dates = connection.vendor != "postgresql"  # COPY writes date objects as ISO text itself
        plain, encrypted, dates, audit_cols = [], [], [], []
        for f in fields:
            if f.attname in ("created_at", "updated_at", "created_by_id", "updated_by_id", "version"):
                audit_cols.append(f)
            elif isinstance(f, EncryptedTextField):
                encrypted.append(f)
            elif text_dates and f.get_internal_type() == "DateField":
                dates.append(f)
            else:
                plain.append(f)
        data_fields = plain + encrypted + dates
        self.update_columns = [f.column for f in data_fields]
        self.insert_columns = self.update_columns + [f.column for f in audit_cols]
        # PostgreSQL: new rows made column by column become COPY lines column by column (bulk.csv_lines).
        self._lines = connection.vendor == "postgresql"
        self._kinds = [bulk.BOOL if isinstance(f, BooleanField) else bulk.TEXT if isinstance(f, (CharField, TextField))
                       else bulk.NUMBER for f in data_fields + audit_cols]
        # COPY reads the timestamp as ISO text: rendered once here rather than by the csv module on every row.
        stamp = self.now_db.isoformat() if connection.vendor == "postgresql" else self.now_db
        audit_values = {"created_at": stamp, "updated_at": stamp, "created_by_id": self.user_id,
                        "updated_by_id": self.user_id, "version": 1}
        self._audit_tail = tuple(audit_values[f.attname] for f in audit_cols)
        self._plain_names = [f.attname for f in plain]
        get_plain = operator.itemgetter(*self._plain_names)
        encrypted_names = self._encrypted_names = [f.attname for f in encrypted]
        date_names = self._date_names = [f.attname for f in dates]
        encrypt = self._encrypt = crypto.encrypter()

        def data_row(d):
            extra = []
            for name in encrypted_names:
                value = d[name]
                extra.append(encrypt(value) if value else (value or ""))
            for name in date_names:
                value = d[name]
                extra.append(None if value is None else value.isoformat())
            return get_plain(d) + tuple(extra)

        self._data_row = data_row
        self.inserts, self.updates = [], []
        self.blocks = []  # new rows already rendered as COPY text (PostgreSQL)

    def add_new(self, obj):
        self.inserts.append(self._data_row(obj.__dict__) + self._audit_tail)

    def rows_of(self, found):
        """The rows of the new rows ``found`` (schemas.NewRows, made column by column) took, in order, holding what
        :meth:`add_new` would write for instances with their values: COPY lines on PostgreSQL (rendered a column at
        a time, bulk.csv_lines), tuples elsewhere."""
        values, defaults, taken = found.values, found.defaults, found.taken
        size = len(taken)

        def column(name):
            return values[name] if name in values else [defaults[name]] * size

        columns = [column(name) for name in self._plain_names]
        for name in self._encrypted_names:
            columns.append(crypto.encrypt_all([(value or "") if ok else None for value, ok in zip(column(name), taken)]))
        for name in self._date_names:
            columns.append([None if value is None or not ok else value.isoformat()
                            for value, ok in zip(column(name), taken)])
        columns.extend([value] * size for value in self._audit_tail)
        if self._lines:
            return iter(bulk.csv_lines([list(itertools.compress(values, taken)) for values in columns], self._kinds))
        return itertools.compress(zip(*columns), taken)

    def add_changed(self, obj, loaded_version):
        self.updates.append(self._data_row(obj.__dict__) + (obj.pk, loaded_version))

    def pack(self):
        """On PostgreSQL, turn the new rows gathered so far into one COPY text block (cheap to hand from a forked
        worker to the writing process: one string instead of 40 values a row to pickle and unpickle)."""
        if self.inserts and connection.vendor == "postgresql":
            # Lines made by rows_of, and tuples made by add_new (runs of them rendered by the csv module).
            parts, run = [], []
            for row in self.inserts:
                if type(row) is str:
                    if run:
                        parts.append(bulk.csv_block(run))
                        run = []
                    parts.append(row)
                else:
                    run.append(row)
            if run:
                parts.append(bulk.csv_block(run))
            self.blocks.append("".join(parts))
            self.inserts = []

    def flush(self):
        self.pack()
        for block in self.blocks:
            bulk.copy_block(self.model, self.insert_columns, block)
        if self.inserts:
            bulk.insert_rows(self.model, self.insert_columns, self.inserts)
        if self.updates:
            self._update()

    def _update(self):
        table = connection.ops.quote_name(self.model._meta.db_table)
        qn = connection.ops.quote_name
        columns = self.update_columns
        expected = len(self.updates)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                stage = f"zy_import_{uuid.uuid4().hex[:12]}"
                select = ", ".join(qn(c) for c in columns)
                cursor.execute(f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {select}, id AS zy_id, "  # nosec B608 - names from model metadata and a generated staging name
                               f"version AS zy_version FROM {table} WITH NO DATA")
                bulk.copy_block(self.model, columns + ["zy_id", "zy_version"], bulk.csv_block(self.updates),
                                table=stage)
                sets = ", ".join(f"{qn(c)} = s.{qn(c)}" for c in columns)
                cursor.execute(
                    f"UPDATE {table} AS t SET {sets}, version = t.version + 1, updated_at = %s, updated_by_id = %s "  # nosec B608 - names from model metadata, quoted; values are parameters
                    f"FROM {stage} AS s WHERE t.id = s.zy_id AND t.version = s.zy_version",
                    [self.now_db, self.user_id])
                done = cursor.rowcount
            else:
                sets = ", ".join(f"{qn(c)} = %s" for c in columns)
                sql = (f"UPDATE {table} SET {sets}, version = version + 1, updated_at = %s, updated_by_id = %s "  # nosec B608 - names from model metadata, quoted; values are parameters
                       f"WHERE id = %s AND version = %s")
                done = 0
                for start in range(0, expected, 2000):
                    chunk = [row[:-2] + (self.now_db, self.user_id) + row[-2:]
                             for row in self.updates[start:start + 2000]]
                    cursor.executemany(sql, chunk)
                    done += cursor.rowcount
        if done != expected:
            raise _Stale()


# Annotated workbook ------------------------------------------------------------------------------------------------
def ledger_import_annotated(*, batch, target) -> str:
    """The clerk's workbook back with every bad cell filled red and commented (an .xlsx copy for .xls/.ods and for
    files too large to annotate in place). Returns the suggested download name."""
    path = batch_path(batch)
    if path is None or not path.exists():
        raise excel.ExcelFileError(_("上传的文件已被清理，请重新上传。"), "file_gone")
    marks = {}
    for item in batch.errors or []:
        if item.get("row") and item.get("col") is not None:
            marks.setdefault(item["sheet"], {}).setdefault((item["row"], item["col"]), []).append(item["message"])
        elif item.get("row") and item.get("sheet"):
            marks.setdefault(item["sheet"], {}).setdefault((item["row"], 0), []).append(item["message"])
    stem = Path(batch.file_name).stem or "ledger"
    if batch.file_format == excel.XLSX and batch.rows <= settings.IMPORT_ASYNC_ROWS:
        try:
            excel.annotate_xlsx(path, target, marks)
            return f"{stem}-错误标注.xlsx"
        except Exception:  # openpyxl cannot open some WPS files: fall back to a plain copy
            logger.info("annotating batch %s in place failed; writing a copy", batch.pk)
    excel.annotated_copy(path, batch.file_format, target, marks)
    return f"{stem}-错误标注.xlsx"


# Templates and exports ----------------------------------------------------------------------------------------------
def ledger_template(*, user, kind, target, unit=None):
    """An import template for ``kind``: dropdowns for coded columns, the villages of the clerk's town and the party
    organizations in scope, an instructions sheet (issue 4 item 1)."""
    from ledgers.schemas import _options

    schema = schema_for(kind)
    unit = unit or (default_unit(user) if user is not None else None)
    lists = {}
    if unit is not None and kind != "units":
        ctx = ImportContext(user=user, unit=unit)
        units = ctx.units()
        town = ctx.town_of()
        villages = [u for u in units["by_code"].values() if u.level == "village"
                    and (town is None or u.town_id == town.pk)]
        if scoping.scope_of(user).village and unit.level == "village":
            villages = [u for u in villages if u.pk == unit.pk]
        lists["villages"] = [u.name for u in sorted(villages, key=lambda u: u.code)]
        if kind in ("members", "activists", "enterprises"):
            ctx._load_orgs()
            orgs = ctx._orgs["by_id"].values()
            if town is not None:
                orgs = [o for o in orgs if o.town_id == town.pk]
            lists["organizations"] = sorted({o.name for o in orgs})
    columns = []
    for column in schema.template_columns():
        options = None
        if column.options in ("villages", "organizations"):
            options = lists.get(column.options) or None
        elif column.options:
            options = _options(column.options)
        columns.append(excel.TemplateColumn(
            header=column.header, width=column.width, required=column.required, text=column.text, date=column.date,
            options=options, strict=column.options not in ("villages", "organizations"), help=column.help))
    excel.build_template(target, title=schema.label, columns=columns,
                         instructions=template_instructions(schema, unit))
    suffix = f"-{unit.name}" if unit is not None else ""
    return f"{schema.label}导入模板{suffix}.xlsx"


class ExportTooLarge(Exception):
    def __init__(self, count, cap):
        super().__init__(_("导出%(n)d行，超过上限%(cap)d行。请缩小筛选范围（如按乡镇）分批导出。") % {"n": count, "cap": cap})
        self.message = str(self)


def ledger_export(*, user, kind, queryset, target, unmask=False, reason="", filters=None) -> int:
    """Write ``queryset`` (already restricted to the user's scope and filtered) as an .xlsx with the import headers;
    personal data masked unless ``unmask`` (the caller checked the permission and the reason). One EXPORT audit
    entry (SECURITY.md "exports"). Returns the number of rows."""
    schema = schema_for(kind)
    if user is not None and not may_export(user, kind):
        raise PermissionDenied(_("您没有导出%(l)s的权限。") % {"l": schema.label})
    if unmask and ((user is not None and not user.has_perm(UNMASK)) or len((reason or "").strip()) < 2):
        raise PermissionDenied(_("导出明文须有查看明文权限并说明事由。"))
    cap = settings.EXPORT_MAX_ROWS
    count = queryset.order_by()[:cap + 1].count()
    if count > cap:
        raise ExportTooLarge(count, cap)
    columns = schema.export_columns()
    written = 0
    with excel.XlsxStreamWriter(target) as book:
        sheet = book.add_sheet(schema.label, header=[c.header for c in columns], widths=[c.width for c in columns])
        for values in schema.export_rows(queryset, unmask):
            sheet.write_row(values)
            written += 1
        note = book.add_sheet("导出说明", widths=[16, 70], freeze_header=False)
        note.write_row([_("台账"), schema.label])
        note.write_row([_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
        note.write_row([_("导出人"), getattr(user, "username", "") or _("系统")])
        note.write_row([_("记录数"), written])
        note.write_row([_("筛选条件"), "; ".join(f"{k}={v}" for k, v in (filters or {}).items()) or _("无")])
        note.write_row([_("个人信息"), _("明文（事由：%(r)s）") % {"r": reason} if unmask else
                        _("已脱敏：身份证号、电话、家庭情况、政治面貌。修改后可直接导入，带*号的内容视为未修改，请勿删除“记录编号”列。")])
    meta = schema.model._meta
    audit.record(AuditAction.EXPORT, None, user=user, object_type=f"{meta.app_label}.{meta.model_name}",
                 object_id="", object_repr=schema.label,
                 changes={"kind": kind, "rows": written, "filters": filters or {}, "unmask": bool(unmask)},
                 detail=(_("%(l)s导出%(n)d条") % {"l": schema.label, "n": written})
                 + (_("（明文，事由：%(r)s）") % {"r": reason} if unmask else ""))
    return written


def export_file_name(kind):
    return f"{KIND_LABELS[kind]}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


__all__ = ["ImportResult", "ImportRefused", "ExportTooLarge", "ledger_import_store", "ledger_import_preview",
           "ledger_import_check", "ledger_import_commit", "ledger_import_abandon", "ledger_import_cleanup",
           "ledger_import_annotated", "ledger_template", "ledger_export", "needs_job", "MODEL_KINDS"]
