"""Background work that is reliable by construction (SECURITY.md "jobs").

- ``enqueue``: writes an ``OutboxMessage`` in the caller's transaction and sends it to the broker after commit; a
  rollback sends nothing, and if the broker is down the row stays pending until ``relay_outbox`` (scheduled every
  few minutes) sends it. Sending claims the row first, so the after-commit send and the relay never both send it.
  Tasks take ids and plain values only: arguments that JSON cannot carry are refused here, before anything is written.
- ``ReliableTask``: the Celery base class — retries with exponential backoff and a cap, then a ``FailedJob`` row
  (which a person can re-run with ``retry_failed_job``). Tasks run with the audit context's channel set to "task".
- ``notify``: an idempotent in-app notice (and an e-mail, itself a retried task, when configured).
- ``job_*``: progress of a ``BackgroundJob`` a person is watching.

Scheduling: exactly one beat process may run (``celery -A zyparty beat``, or ``worker --beat`` on one node only);
two beats would send every periodic task twice. The jobs are idempotent per period, so a duplicate creates nothing,
but it is work done twice.
"""

import json
import logging

from celery import Task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from zyparty import context
from zyparty.models import BackgroundJob, FailedJob, JobStatus, Notice, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

# How hard one send tries before leaving the message to the relay: a few quick attempts, never a long wait in a
# web request.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


class ReliableTask(Task):
    autoretry_for = (Exception,)
    retry_backoff = 10  # seconds, doubled on each retry (10, 20, 40, …) with jitter
    retry_backoff_max = 600  # cap of one wait
    retry_jitter = True
    max_retries = 5
    acks_late = True

    def __call__(self, *args, **kwargs):
        with context.acting(channel="task"):
            return super().__call__(*args, **kwargs)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        retries = getattr(self.request, "retries", 0) or 0
        FailedJob.objects.create(task=self.name, task_id=task_id or "", args=list(args or []),
                                 kwargs=dict(kwargs or {}),
                                 error=f"{type(exc).__name__}: {exc} (after {retries} retries)"[:4000])
        logger.error("task %s failed after %s retries: %s", self.name, retries, type(exc).__name__)


def _send(message_id) -> bool:
    """Send one pending message; True if this call sent it. The row is locked while sending (skip_locked), so a
    concurrent relay skips it rather than sending it again."""
    from zyparty.celery import app  # noqa: PLC0415 — the composition root's Celery app imports every task module

    with transaction.atomic():
        message = (OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(pk=message_id, status=OutboxStatus.PENDING).first())
        if message is None:
            return False
        try:
            app.send_task(message.task, kwargs=message.kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
        except Exception as exc:  # broker unreachable: leave it pending for the relay
            OutboxMessage.objects.filter(pk=message.pk).update(attempts=message.attempts + 1,
                                                                last_error=f"{type(exc).__name__}: {exc}"[:500])
            logger.warning("broker unavailable, task %s kept in outbox", message.task)
            return False
        OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.SENT, sent_at=timezone.now(),
                                                            attempts=message.attempts + 1, last_error="")
    return True


def enqueue(task_name: str, **kwargs) -> OutboxMessage:
    """Ask for ``task_name(**kwargs)`` to run once the current transaction commits (never if it rolls back)."""
    try:
        json.dumps(kwargs)
    except TypeError as exc:
        raise TypeError(f"task {task_name}: arguments must be JSON values (ids, strings, numbers): {exc}") from None
    message = OutboxMessage.objects.create(task=task_name, kwargs=kwargs)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: _run_eager(message.pk))
    else:
        transaction.on_commit(lambda: _send(message.pk))
    return message


def _task(name):
    """The registered task ``name``; the apps' tasks modules are imported first (a worker does this at start)."""
    from zyparty.celery import app  # noqa: PLC0415 — the composition root's Celery app imports every task module

    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def _run_eager(message_id):
    """Tests and eager mode: run the task in-process, still through the outbox row."""
    message = OutboxMessage.objects.get(pk=message_id)
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.SENT, sent_at=timezone.now(),
                                                        attempts=message.attempts + 1)
    _task(message.task).apply(kwargs=message.kwargs, throw=True)


def relay_outbox(limit=500) -> int:
    """Send what is still pending (the broker was down when it was committed). Returns how many were sent."""
    sent = 0
    pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).order_by("id").values_list("pk", flat=True)
    for message_id in list(pending[:limit]):
        sent += _send(message_id)
    return sent


def retry_failed_job(failed: FailedJob) -> OutboxMessage:
    """Run a failed task again (with its original arguments) and mark the failure handled."""
    with transaction.atomic():
        message = enqueue(failed.task, **(failed.kwargs or {}))
        FailedJob.objects.filter(pk=failed.pk).update(resolved_at=timezone.now())
    return message


def notify(*, recipient, kind, title, body="", link="", dedup_key) -> Notice | None:
    """Put a notice in ``recipient``'s inbox once per ``dedup_key``; None if it was already there."""
    if Notice.objects.filter(recipient=recipient, dedup_key=dedup_key[:200]).exists():
        return None
    try:
        with transaction.atomic():
            notice = Notice.objects.create(recipient=recipient, kind=kind, title=title[:200], body=body,
                                           link=link[:500], dedup_key=dedup_key[:200])
    except IntegrityError:  # a concurrent run made it first
        return None
    if settings.NOTICE_EMAIL_ENABLED and recipient.email:
        enqueue("zyparty.send_notice_email", notice_id=notice.pk)
    return notice


def send_notice_email(notice_id):
    notice = Notice.objects.select_related("recipient").filter(pk=notice_id, emailed_at__isnull=True).first()
    if notice is None or not notice.recipient.email:
        return False
    send_mail(notice.title, f"{notice.body}\n\n{notice.link}", settings.DEFAULT_FROM_EMAIL, [notice.recipient.email])
    Notice.objects.filter(pk=notice_id).update(emailed_at=timezone.now())
    return True


def job_start(job: BackgroundJob, total=None, message=""):
    job.status, job.started_at = JobStatus.RUNNING, timezone.now()
    if total is not None:
        job.total = total
    job.message = message
    job.save(update_fields=["status", "started_at", "total", "message"])


def job_progress(job_id: int, done: int, total=None, message=None):
    """Progress written outside the job's own transaction would need a second connection; callers write it
    between chunks, where no transaction is open, or accept that it shows at commit."""
    fields = {"done": done}
    if total is not None:
        fields["total"] = total
    if message is not None:
        fields["message"] = message[:500]
    BackgroundJob.objects.filter(pk=job_id).update(**fields)


def job_finish(job_id: int, *, result=None, message="", failed=False):
    BackgroundJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED if failed else JobStatus.DONE, finished_at=timezone.now(), result=result or {},
        message=message[:500])
