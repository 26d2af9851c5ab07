"""Background work that is reliable by construction (SECURITY.md "jobs").

- ``enqueue``: writes an ``OutboxMessage`` in the caller's transaction and sends it to the broker after commit; a
  rollback sends nothing, and if the broker is down the row stays pending until ``relay_outbox`` (scheduled)
  sends it. Tasks take ids and plain values only (JSON serializer).
- ``ReliableTask``: the Celery base class — retries with exponential backoff and a cap, then a ``FailedJob`` row.
- ``notify``: an idempotent in-app notice (and an e-mail on commit when configured).
- ``job_*``: progress of a ``BackgroundJob`` a person is watching.
"""

import logging

from celery import Task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from zyparty.models import BackgroundJob, FailedJob, JobStatus, Notice, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)


class ReliableTask(Task):
    autoretry_for = (Exception,)
    retry_backoff = 10
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 5
    acks_late = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        FailedJob.objects.create(task=self.name, task_id=task_id or "", args=list(args or []),
                                 kwargs=dict(kwargs or {}), error=f"{type(exc).__name__}: {exc}"[:4000])
        logger.error("task %s failed after retries: %s", self.name, type(exc).__name__)


def _send(message_id):
    from zyparty.celery import app

    message = OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.PENDING).first()
    if message is None:
        return False
    try:
        app.send_task(message.task, kwargs=message.kwargs)
    except Exception as exc:  # broker unreachable: leave it pending for the relay
        OutboxMessage.objects.filter(pk=message.pk).update(attempts=message.attempts + 1,
                                                            last_error=f"{type(exc).__name__}: {exc}"[:500])
        logger.warning("broker unavailable, task %s kept in outbox", message.task)
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.SENT, sent_at=timezone.now(),
                                                        attempts=message.attempts + 1)
    return True


def enqueue(task_name: str, **kwargs) -> OutboxMessage:
    """Ask for ``task_name(**kwargs)`` to run once the current transaction commits."""
    message = OutboxMessage.objects.create(task=task_name, kwargs=kwargs)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: _run_eager(message.pk))
    else:
        transaction.on_commit(lambda: _send(message.pk))
    return message


def _run_eager(message_id):
    """Tests and eager mode: run the task in-process, still through the outbox row."""
    from zyparty.celery import app

    message = OutboxMessage.objects.get(pk=message_id)
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.SENT, sent_at=timezone.now(),
                                                        attempts=message.attempts + 1)
    app.tasks[message.task].apply(kwargs=message.kwargs, throw=True)


def relay_outbox(limit=500) -> int:
    """Send what is still pending (the broker was down when it was committed). Returns how many were sent."""
    sent = 0
    for message_id in OutboxMessage.objects.filter(status=OutboxStatus.PENDING).values_list("pk", flat=True)[:limit]:
        sent += _send(message_id)
    return sent


def notify(*, recipient, kind, title, body="", link="", dedup_key) -> Notice | None:
    """Put a notice in ``recipient``'s inbox once per ``dedup_key``; None if it was already there."""
    try:
        with transaction.atomic():
            notice = Notice.objects.create(recipient=recipient, kind=kind, title=title[:200], body=body,
                                           link=link[:500], dedup_key=dedup_key[:200])
    except IntegrityError:
        return None
    if settings.NOTICE_EMAIL_ENABLED and recipient.email:
        transaction.on_commit(lambda: _email(notice.pk))
    return notice


def _email(notice_id):
    notice = Notice.objects.select_related("recipient").get(pk=notice_id)
    send_mail(notice.title, f"{notice.body}\n\n{notice.link}", settings.DEFAULT_FROM_EMAIL, [notice.recipient.email])
    Notice.objects.filter(pk=notice_id).update(emailed_at=timezone.now())


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
