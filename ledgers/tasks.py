"""Celery tasks of the ledgers app: thin (STYLE.md), they take ids and call the workflows.

A large import (``IMPORT_ASYNC_ROWS`` rows or more, issue 4) is checked and committed here; its BackgroundJob carries
the progress the browser polls, so a reload of the page finds the bar where it was. Both tasks are idempotent: a
batch already checked or committed is left as it is when the task runs again (ReliableTask retries, at-least-once
delivery).
"""

import logging

from celery import shared_task
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils.translation import gettext as _

from ledgers import workflows
from ledgers.models import ImportBatch, ImportStatus
from organizations.models import User
from zyparty import context, jobs
from zyparty.models import BackgroundJob, JobStatus

logger = logging.getLogger(__name__)

IMPORT_TASK = "ledgers.import_batch"
CLEANUP_TASK = "ledgers.cleanup_imports"


@shared_task(base=jobs.ReliableTask, name=IMPORT_TASK, bind=True)
def import_batch(self, batch_id, action, job_id, user_id=None):
    """``action`` is "check" (the preview) or "commit". An unexpected error puts the batch back where a retry can
    take it (nothing was written: the commit is one transaction) and, after the last retry, fails the job."""
    batch = ImportBatch.objects.select_related("unit", "user").filter(pk=batch_id).first()
    job = BackgroundJob.objects.filter(pk=job_id).first()
    if batch is None or job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
        return None
    if action == "check" and batch.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKING):
        jobs.job_finish(job.pk, result={"batch": batch.pk, "status": batch.status})
        return batch.status
    if action == "commit" and batch.status == ImportStatus.COMMITTED:
        jobs.job_finish(job.pk, result={"batch": batch.pk, "status": batch.status})
        return batch.status
    user = User.objects.filter(pk=user_id).first() if user_id else None
    jobs.job_start(job, total=batch.rows, message=_("正在读取文件"))

    progress, release = _progress_writer(job.pk)

    try:
        with context.acting(user=user, channel="task"):
            if action == "commit":
                result = workflows.ledger_import_commit(user=user, batch=batch, progress=progress)
            else:
                result = workflows.ledger_import_check(batch=batch, user=user, progress=progress)
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk, status__in=[ImportStatus.COMMITTING, ImportStatus.CHECKING]).update(
            status=ImportStatus.FAILED if action == "commit" else ImportStatus.UPLOADED)
        if self.request.retries >= self.max_retries:
            jobs.job_finish(job.pk, failed=True, message=_("处理失败，已记录；请稍后重新导入或联系系统管理员。"))
        raise
    finally:
        release()
    summary = {"batch": batch.pk, "status": result.batch.status, "rows": result.rows, "new": result.new,
               "changed": result.changed, "unchanged": result.unchanged, "error_count": result.error_count,
               "unknown_values": len(result.unknown_values), "warnings": len(result.warnings)}
    if result.committed:
        message = _("导入完成：新增%(n)d条，修改%(c)d条，未变%(u)d条。") % {
            "n": result.new, "c": result.changed, "u": result.unchanged}
    elif result.error_count:
        message = _("发现%(e)d处错误，未写入任何数据。") % {"e": result.error_count}
    elif result.unknown_values:
        message = _("有%(n)d个未识别的取值，请在导入预览中选择对应的值。") % {"n": len(result.unknown_values)}
    else:
        message = _("校验通过：新增%(n)d条，修改%(c)d条，未变%(u)d条，待提交。") % {
            "n": result.new, "c": result.changed, "u": result.unchanged}
    jobs.job_finish(job.pk, result=summary, message=message)
    if user is not None:
        jobs.notify(recipient=user, kind="import", title=f"{batch.get_kind_display()}：{message}"[:200],
                    link=f"/ledgers/import/{batch.pk}/", dedup_key=f"import:{batch.pk}:{action}:{result.batch.status}")
    return result.batch.status


@shared_task(base=jobs.ReliableTask, name=CLEANUP_TASK)
def cleanup_imports():
    """Remove uploads left uncommitted for a day (SECURITY.md "uploads": temp files removed)."""
    return workflows.ledger_import_cleanup()


def _progress_writer(job_id):
    """How the import reports progress, and how to release what it used. A large commit on PostgreSQL checks rows
    while it copies them into the table inside its one transaction (ledgers.workflows); progress written in that
    transaction would only show at the end, so there it goes through a second, private connection (not registered
    under an alias: nothing else in the process sees it)."""
    if connection.vendor != "postgresql":
        return (lambda done, total, message=None: jobs.job_progress(job_id, done, total=total, message=message),
                lambda: None)
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    meta = BackgroundJob._meta
    column = {name: meta.get_field(name).column for name in ("done", "total", "message")}
    sql = (f"UPDATE {own.ops.quote_name(meta.db_table)} SET {column['done']} = %s, {column['total']} = %s, "  # nosec B608 - table and column names from model metadata; values are parameters
           f"{column['message']} = COALESCE(%s, {column['message']}) WHERE id = %s")
    usable = [True]

    def progress(done, total, message=None):
        if usable[0]:
            try:
                with own.cursor() as cursor:
                    cursor.execute(sql, [done, total, message[:500] if message is not None else None, job_id])
                return
            except Exception:  # no second connection to be had (connection limit): shown at the end instead
                logger.info("import progress falls back to the import's own connection")
                usable[0] = False
        if not connection.in_atomic_block:  # inside the import's transaction (maybe mid-COPY): wait for the end
            jobs.job_progress(job_id, done, total=total, message=message)

    return progress, own.close


def start_import_job(*, batch, action, user):
    """A BackgroundJob for ``batch`` and its task, enqueued when the caller's transaction commits."""
    job = BackgroundJob.objects.create(
        kind=f"import_{action}", title=f"{batch.get_kind_display()} {batch.file_name}"[:200],
        total=batch.rows, created_by=user if user is not None and user.is_authenticated else None,
        message=_("排队中"))
    ImportBatch.objects.filter(pk=batch.pk).update(job=job)
    batch.job = job
    jobs.enqueue(IMPORT_TASK, batch_id=batch.pk, action=action, job_id=job.pk,
                 user_id=getattr(user, "pk", None))
    return job
