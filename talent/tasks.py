"""Celery tasks of the talent app: thin, taking ids and plain values, calling talent.workflows."""

from celery import shared_task
from django.utils.translation import gettext as _

from talent import workflows
from zyparty import jobs
from zyparty.models import BackgroundJob

QUOTA_JOB_KIND = "quota_evaluation"


@shared_task(base=jobs.ReliableTask, name="talent.evaluate_quotas")
def evaluate_quotas(job_id=None, on=None):
    """Evaluate every active quota rule (seed 000 §3, §6, §8, §18, §19; seed 002 §4.2, §4.4; organization sizes) into
    stored results and notify shortfalls. Idempotent per rule × subject × period; progress in a BackgroundJob."""
    job = BackgroundJob.objects.filter(pk=job_id).first() if job_id else None
    if job is None:
        job = BackgroundJob.objects.create(kind=QUOTA_JOB_KIND, title=_("配额达标评估"))
    jobs.job_start(job, message=_("正在评估配额规则"))
    try:
        report = workflows.quota_evaluate(on=on, job_id=job.pk)
    except Exception as exc:
        jobs.job_finish(job.pk, failed=True, message=_("评估失败：%(e)s") % {"e": type(exc).__name__})
        raise
    summary = _("达标 %(met)s 项，未达标 %(short)s 项，指标不可用 %(u)s 条规则，发出通知 %(n)s 条。") % {
        "met": report["met"], "short": report["short"], "u": report["unavailable"], "n": report["notices"]}
    jobs.job_finish(job.pk, result=report, message=summary)
    return job.pk


@shared_task(base=jobs.ReliableTask, name="talent.send_development_reminders")
def send_development_reminders(on=None):
    """Remind town clerks of development steps falling due (发展党员工作细则: talk within a month, half-yearly
    assessments, approval within three months, end of probation); once per case × deadline."""
    return workflows.development_reminders_send(on=on)
