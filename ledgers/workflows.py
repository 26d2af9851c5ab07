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
progress the browser polls. The engine behind these entry points is the package ledgers.importing (access, files,
engine, checking, writing, units; its engine module tells how large files are checked in parallel and written while
they are checked); the ledgers themselves are described by ledgers.schemas.
:func:`ledger_export` streams a filtered list to .xlsx with the same headers.
"""

import datetime
import hashlib
import logging
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledgers.importing import report
from ledgers.importing.access import (
    ImportRefused,
    check_may_import,
    default_unit,
    export_permissions,
    import_permissions,
    import_units,
    may_export,
    may_import,
)
from ledgers.importing.engine import ImportResult, ImportRun, result_of
from ledgers.importing.files import batch_path, import_dir, remove_file
from ledgers.importing.people import worker_from
from ledgers.matching import CHOICE_CLASSES, MappingError, UnknownValues
from ledgers.models import ImportBatch, ImportStatus, Worker
from ledgers.permissions import UNMASK
from ledgers.schemas import (
    KIND_LABELS,
    ImportContext,
    choice_options,
    schema_for,
    template_instructions,
)
from ledgers.synonyms import may_edit_synonyms, save_synonyms
from zyparty import audit, excel, scoping
from zyparty.models import AuditAction

logger = logging.getLogger(__name__)


# Storing an upload ------------------------------------------------------------------------------------------------
def ledger_import_store(*, user, kind, file, unit=None, file_name=None) -> ImportBatch:
    """Check and keep an uploaded file; returns its batch. Raises ImportRefused or excel.ExcelFileError."""
    schema_for(kind)
    check_may_import(user, kind, unit)
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
    check_may_import(user, batch.kind, batch.unit)
    return ImportRun(batch, user, commit=False, progress=progress).run()


def ledger_import_commit(*, user, batch=None, kind=None, file=None, unit=None, file_name=None,
                         progress=None) -> ImportResult:
    """All or nothing: check the batch (or a new file) again and write it in one transaction when it has no error."""
    if batch is None:
        batch = ledger_import_store(user=user, kind=kind, file=file, unit=unit, file_name=file_name)
    check_may_import(user, batch.kind, batch.unit)
    claimed = ImportBatch.objects.filter(pk=batch.pk, status__in=[
        ImportStatus.UPLOADED, ImportStatus.VALID, ImportStatus.INVALID, ImportStatus.CHECKING,
        ImportStatus.FAILED]).update(status=ImportStatus.COMMITTING)
    batch.refresh_from_db()
    if not claimed:  # already committed, abandoned, or being committed by a concurrent request
        return result_of(batch)
    return ImportRun(batch, user, commit=True, progress=progress).run()


def ledger_import_map(*, user, batch, mappings, synonyms=()) -> ImportBatch:
    """The clerk maps unknown values once for the whole file (issue 14 "map once, not per row"): ``mappings`` is
    ``{(column header, value as written): target}`` (an option's code or label, "" for "leave empty" where the
    column allows it). Every target is checked against its column's options first (MappingError lists each
    problem, and nothing is kept then); the mappings are kept with the batch, and the same stored file is checked
    again with them by the caller (:func:`ledger_import_check` or a job). The pairs in ``synonyms`` are also saved as
    the county's own synonyms (ledgers.synonyms.save_synonyms: its permission and scope, audited); PermissionDenied
    when the user may not keep them."""
    check_may_import(user, batch.kind, batch.unit)
    if not batch.is_open or not batch.stored_name:
        raise PermissionDenied(_("该批次已提交或已放弃，不能再映射取值。"))
    matchers = report.coded_matchers(user=user, kind=batch.kind, unit=batch.unit)
    resolved = UnknownValues(matchers).apply_mapping(mappings)
    wanted = [pair for pair in synonyms if pair in resolved]
    with transaction.atomic():
        if wanted:
            schema = schema_for(batch.kind)
            by_column = {}
            for column, value in wanted:
                by_column.setdefault(schema.by_header[column].options, {})[value] = resolved[(column, value)]
            for key, words in by_column.items():
                save_synonyms(user=user, county=batch.unit, column=key, mapping=words)
        batch.value_mappings = report.merge_mappings(batch.value_mappings, resolved)
        batch.save(update_fields=["value_mappings"])
    return batch


def ledger_import_abandon(*, user, batch) -> ImportBatch:
    """The clerk gives up on a batch: its file is removed."""
    if batch.status in (ImportStatus.COMMITTED, ImportStatus.COMMITTING):
        return batch
    batch.status = ImportStatus.ABANDONED
    batch.save(update_fields=["status"])
    remove_file(batch)
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
        removed += remove_file(batch)
    known = set(ImportBatch.objects.exclude(stored_name="").values_list("stored_name", flat=True))
    for path in import_dir().iterdir():
        if path.is_file() and path.name not in known and path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# Annotated workbook ------------------------------------------------------------------------------------------------
def ledger_import_annotated(*, batch, target) -> str:
    """The clerk's workbook back with every bad cell filled red and commented (an .xlsx copy for .xls/.ods and for
    files too large to annotate in place). Returns the suggested download name."""
    path = batch_path(batch)
    if path is None or not path.exists():
        raise excel.ExcelFileError(_("上传的文件已被清理，请重新上传。"), "file_gone")
    marks = {}
    for item in batch.unknown_values or []:  # the first rows of each value no option matched
        message = _("“%(v)s”不是“%(c)s”列的可选值（共%(n)d行），请在导入预览中选择对应的值。") % {
            "v": item["value"], "c": item["column"], "n": item["count"]}
        for cell in item.get("cells", []):
            if cell.get("row") and cell.get("sheet"):
                marks.setdefault(cell["sheet"], {}).setdefault((cell["row"], cell.get("col") or 0), []).append(message)
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
        if kind in ("members", "activists", "enterprises", "organizations"):
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
        elif column.options in getattr(schema, "option_lists", {}):  # a ledger's own coded columns
            options = schema.option_lists[column.options]
        elif hasattr(schema, "choice_options") and column.options:  # a service record's own coded columns
            options = schema.choice_options(column.options)
        elif column.options in CHOICE_CLASSES:
            options = choice_options(column.options)
        columns.append(excel.TemplateColumn(
            header=column.header, width=column.width, required=column.required, text=column.text, date=column.date,
            options=options, strict=column.options not in ("villages", "organizations"), help=column.help))
    excel.build_template(target, title=schema.label, columns=columns,
                         instructions=(schema.instructions(unit) if hasattr(schema, "instructions")
                                       else template_instructions(schema, unit)))
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


__all__ = ["ImportResult", "ImportRefused", "ExportTooLarge", "MappingError", "ledger_import_store",
           "ledger_import_preview", "ledger_import_check", "ledger_import_commit", "ledger_import_map",
           "ledger_import_abandon", "may_edit_synonyms", "ledger_import_cleanup",
           "ledger_import_annotated", "ledger_template", "ledger_export", "needs_job", "export_file_name", "result_of",
           "may_import", "may_export", "import_permissions", "export_permissions", "import_units", "default_unit",
           "batch_path", "import_dir"]


# One person across the ledgers (issue 14 item 5; ledgers.people) --------------------------------------------------
def person_worker_link(*, user, record) -> str:
    """After a member's or activist's record is saved by a form (admin, API): its worker record — linked by save()
    when the same person is already in the county's workers' ledger — is created and linked when missing, where
    ``user`` may add that worker (as a worker import would: the permission and the scope). Returns a warning for the
    clerk when the record stays unlinked, else "". The worker's political status follows (Worker.save)."""
    if record.worker_id is not None or not record.id_digest:
        return ""
    if Worker.objects.filter(id_digest=record.id_digest).exists():
        return _("该人员已登记在其他县（或已关联其他记录）的农民工台账中，未关联。")
    worker = worker_from(record, None)
    worker.prepare()
    if user is not None and not (user.has_perm("ledgers.add_worker") and scoping.permits(user, worker)):
        return _("农民工台账中没有该人员，您不能在其户籍地新增农民工，未建立农民工记录。")
    worker.save()  # links the record (Worker.after_write) and follows it (Worker.before_write)
    record.refresh_from_db(fields=["worker", "version"])
    return ""
