"""The clerk's import pages (issue 4): templates, upload, preview with every error, the workbook back with bad cells
marked, commit, and a progress page for large files that survives a reload (it polls a small JSON endpoint).

Every page needs a login and the import permission of the ledger; a batch is only ever shown to the person who
uploaded it. The admin changelists link here (ledgers.admin).
"""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ledgers import tasks, workflows
from ledgers.importing import report
from ledgers.models import ImportBatch, ImportStatus
from ledgers.schemas import KIND_LABELS, schema_for
from organizations.models import Unit
from zyparty import context, excel
from zyparty.models import JobStatus

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_SHOWN = 500
EMPTY_CHOICE = "__empty__"  # the select's "留空" (an option's code is never this)


def _bind_actor(request):
    context.current().user = request.user


def _kinds(user):
    return [(kind, label) for kind, label in KIND_LABELS.items() if workflows.may_import(user, kind)]


def _batch(request, pk):
    batch = get_object_or_404(ImportBatch.objects.select_related("unit", "job"), pk=pk, user=request.user)
    if not workflows.may_import(request.user, batch.kind):
        raise PermissionDenied
    return batch


def _download(handle, name):
    handle.seek(0)
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_TYPE)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def import_index(request):
    """Choose a ledger and a unit, download its template, upload a file; the clerk's recent batches."""
    _bind_actor(request)
    kinds = _kinds(request.user)
    if not kinds:
        raise PermissionDenied
    units = list(workflows.import_units(request.user).select_related("town")[:400])
    default = workflows.default_unit(request.user)
    chosen_kind = request.POST.get("kind") or request.GET.get("kind") or kinds[0][0]
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        unit = Unit.objects.restrict(request.user).filter(code=request.POST.get("unit", "")).first()
        if kind not in dict(kinds):
            messages.error(request, _("请选择要导入的台账。"))
        elif upload is None:
            messages.error(request, _("请选择要上传的文件。"))
        elif unit is None and kind != "units":
            messages.error(request, _("请选择导入到哪个乡镇或村（社区）。"))
        else:
            try:
                batch = workflows.ledger_import_store(user=request.user, kind=kind, file=upload, unit=unit,
                                                      file_name=upload.name)
            except excel.ExcelFileError as exc:
                messages.error(request, exc.message)
                return render(request, "ledgers/import_index.html", _index_context(
                    request, kinds, units, default, kind), status=exc.status)
            except workflows.ImportRefused as exc:
                messages.error(request, str(exc))
                return render(request, "ledgers/import_index.html", _index_context(
                    request, kinds, units, default, kind), status=403)
            if workflows.needs_job(batch):
                tasks.start_import_job(batch=batch, action="check", user=request.user)
                return redirect("ledgers:import-progress", pk=batch.pk)
            workflows.ledger_import_check(batch=batch, user=request.user)
            return redirect("ledgers:import-batch", pk=batch.pk)
    return render(request, "ledgers/import_index.html", _index_context(request, kinds, units, default, chosen_kind))


def _index_context(request, kinds, units, default, chosen_kind):
    recent = list(ImportBatch.objects.filter(user=request.user).select_related("unit").order_by("-id")[:15])
    for batch in recent:  # the registered service records (ledgers.schemas.register_schema) have no model choice
        batch.kind_label = KIND_LABELS.get(batch.kind, batch.kind)
    groups = {}  # the ledgers, then the service records of services and talent (their schemas' ``group``)
    for kind, label in kinds:
        groups.setdefault(str(getattr(schema_for(kind), "group", "") or _("台账")), []).append((kind, label))
    return {"kinds": kinds, "kind_groups": list(groups.items()), "units": units, "default_unit": default, "chosen_kind": chosen_kind, "recent": recent,
            "max_mb": settings.IMPORT_MAX_FILE_BYTES // 1024 // 1024, "async_rows": settings.IMPORT_ASYNC_ROWS,
            "title": _("台账导入")}


@login_required
def batch_detail(request, pk):
    """The preview: counts, every error (the first 500 on the page, all of them in the marked workbook)."""
    _bind_actor(request)
    batch = _batch(request, pk)
    if batch.job_id and batch.job.status in (JobStatus.PENDING, JobStatus.RUNNING):
        return redirect("ledgers:import-progress", pk=batch.pk)
    errors = batch.errors or []
    unknown = batch.unknown_values or []
    can_map = bool(unknown) and batch.is_open and bool(batch.stored_name)
    return render(request, "ledgers/import_batch.html", {
        "batch": batch, "errors": errors[:ERRORS_SHOWN], "more_errors": max(0, batch.error_count - ERRORS_SHOWN),
        "error_groups": report.group_errors(errors), "warnings": batch.warnings or [],
        "unknown_columns": _unknown_columns(request.user, batch) if can_map else [], "can_map": can_map,
        "unknown_rows": sum(item["count"] for item in unknown),
        "may_save_synonyms": can_map and workflows.may_edit_synonyms(request.user, batch.unit),
        "can_commit": batch.status == ImportStatus.VALID and bool(batch.stored_name),
        "can_abandon": batch.is_open and bool(batch.stored_name),
        "can_annotate": (batch.error_count > 0 or bool(unknown)) and bool(batch.stored_name) and (
            any(e.get("row") for e in errors) or bool(unknown)),
        "title": _("导入预览")})


def _unknown_columns(user, batch):
    """The unknown values per column, each with the choices of its select: its suggestions first, then the rest of
    the column's options, and "留空" where the column allows it."""
    matchers = report.coded_matchers(user=user, kind=batch.kind, unit=batch.unit)
    columns = {}
    for index, item in enumerate(batch.unknown_values or []):
        matcher = matchers.get(item["column"])
        if matcher is None:
            continue
        suggested = [s["code"] for s in item.get("suggestions", []) if s["code"]]
        columns.setdefault(item["column"], []).append({
            **item, "index": index, "suggested": [(code, matcher.label(code)) for code in suggested],
            "options": [(code, label) for code, label in matcher.options if code and code not in suggested]})
    return list(columns.items())


@login_required
@require_POST
def batch_map(request, pk):
    """The clerk's choices for the unknown values ("map once, not per row"): kept with the batch, optionally saved as
    the county's synonyms, and the SAME stored file checked again (no re-upload)."""
    _bind_actor(request)
    batch = _batch(request, pk)
    unknown = batch.unknown_values or []
    mappings, synonyms = {}, []
    for index, item in enumerate(unknown):
        target = request.POST.get(f"map-{index}", "")
        if target == "":
            continue
        pair = (item["column"], item["value"])
        mappings[pair] = "" if target == EMPTY_CHOICE else target
        if request.POST.get(f"synonym-{index}"):
            synonyms.append(pair)
    if not mappings:
        messages.error(request, _("请至少为一个未识别的取值选择对应的值。"))
        return redirect("ledgers:import-batch", pk=batch.pk)
    try:
        workflows.ledger_import_map(user=request.user, batch=batch, mappings=mappings, synonyms=synonyms)
    except workflows.MappingError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("ledgers:import-batch", pk=batch.pk)
    except ValidationError as exc:
        messages.error(request, _("保存同义词失败：%(m)s") % {"m": "；".join(exc.messages)})
        return redirect("ledgers:import-batch", pk=batch.pk)
    if workflows.needs_job(batch):
        tasks.start_import_job(batch=batch, action="check", user=request.user)
        return redirect("ledgers:import-progress", pk=batch.pk)
    result = workflows.ledger_import_check(batch=batch, user=request.user)
    if synonyms:
        messages.info(request, _("已将%(n)d个写法保存为本县同义词。") % {"n": len(synonyms)})
    if result.ok:
        messages.success(request, _("已按您的选择重新校验，校验通过。"))
    else:
        messages.info(request, _("已按您的选择重新校验。"))
    return redirect("ledgers:import-batch", pk=batch.pk)


@login_required
@require_POST
def batch_commit(request, pk):
    _bind_actor(request)
    batch = _batch(request, pk)
    if batch.status != ImportStatus.VALID:
        messages.error(request, _("该批次当前不能提交（%(s)s）。") % {"s": batch.get_status_display()})
        return redirect("ledgers:import-batch", pk=batch.pk)
    if workflows.needs_job(batch):
        tasks.start_import_job(batch=batch, action="commit", user=request.user)
        return redirect("ledgers:import-progress", pk=batch.pk)
    result = workflows.ledger_import_commit(user=request.user, batch=batch)
    if result.committed:
        messages.success(request, _("导入完成：新增%(n)d条，修改%(c)d条，未变%(u)d条。") % {
            "n": result.new, "c": result.changed, "u": result.unchanged})
    elif result.error_count:
        messages.error(request, _("发现%(e)d处错误，未写入任何数据。") % {"e": result.error_count})
    else:
        messages.error(request, _("有未识别的取值，未写入任何数据。请先为每个写法选择对应的值。"))
    return redirect("ledgers:import-batch", pk=batch.pk)


@login_required
@require_POST
def batch_abandon(request, pk):
    _bind_actor(request)
    batch = _batch(request, pk)
    workflows.ledger_import_abandon(user=request.user, batch=batch)
    messages.info(request, _("已放弃该批次，上传的文件已删除。"))
    return redirect("ledgers:import")


@login_required
@require_GET
def batch_annotated(request, pk):
    """The workbook back with the bad cells filled red and commented."""
    _bind_actor(request)
    batch = _batch(request, pk)
    if not batch.error_count and not batch.unknown_values:
        raise Http404
    handle = tempfile.TemporaryFile()
    try:
        name = workflows.ledger_import_annotated(batch=batch, target=handle)
    except excel.ExcelFileError as exc:
        handle.close()
        messages.error(request, exc.message)
        return redirect("ledgers:import-batch", pk=batch.pk)
    return _download(handle, name)


@login_required
def batch_progress(request, pk):
    """The progress bar of a large import; plain JS (static/ledgers/import_progress.js) polls batch_status."""
    _bind_actor(request)
    batch = _batch(request, pk)
    if not batch.job_id or batch.job.status in (JobStatus.DONE, JobStatus.FAILED):
        return redirect("ledgers:import-batch", pk=batch.pk)
    return render(request, "ledgers/import_progress.html", {"batch": batch, "job": batch.job,
                                                            "title": _("正在处理")})


@login_required
@require_GET
def batch_status(request, pk):
    batch = _batch(request, pk)
    job = batch.job
    data = {"batch": batch.pk, "status": batch.status, "status_label": batch.get_status_display(),
            "result_url": reverse("ledgers:import-batch", args=[batch.pk])}
    if job is not None:
        data["job"] = {"status": job.status, "status_label": job.get_status_display(), "done": job.done,
                       "total": job.total, "percent": job.percent, "message": job.message,
                       "finished": job.status in (JobStatus.DONE, JobStatus.FAILED)}
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def template_download(request, kind):
    _bind_actor(request)
    if kind not in KIND_LABELS or not workflows.may_import(request.user, kind):
        raise PermissionDenied
    unit = Unit.objects.restrict(request.user).filter(code=request.GET.get("unit", "")).first()
    handle = tempfile.TemporaryFile()
    name = workflows.ledger_template(user=request.user, kind=kind, target=handle, unit=unit)
    return _download(handle, name)
