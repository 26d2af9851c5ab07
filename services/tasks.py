"""Celery tasks of the services app: thin — they take ids or a day (ISO string, JSON only) and call
services.reminders / services.notices. Each is a zyparty.jobs.ReliableTask (retries with backoff, then a FailedJob
row) and idempotent per period, so a retry or a second beat tick creates nothing new."""

import datetime

from celery import shared_task
from django.utils import timezone

from services import notices, reminders
from zyparty.jobs import ReliableTask


def _day(on):
    """The day a reminder runs for: ``on`` (YYYY-MM-DD, for re-running a past period) or today in the county."""
    return datetime.date.fromisoformat(on) if on else timezone.localdate()


@shared_task(base=ReliableTask, name="services.semiannual_liaison")
def semiannual_liaison(on=None):
    """Seed 000 §6: town ↔ host organization at least once every half year — due and overdue notices."""
    return reminders.semiannual_liaison(_day(on))


@shared_task(base=ReliableTask, name="services.joint_meetings")
def joint_meetings(on=None):
    """Seed 000 §3: fewer than two joint meetings in the year (from October)."""
    return reminders.joint_meetings(_day(on))


@shared_task(base=ReliableTask, name="services.outpost_secretary_training")
def outpost_secretary_training(on=None):
    """Seed 000 §8: outpost secretaries without a training this year."""
    return reminders.outpost_secretary_training(_day(on))


@shared_task(base=ReliableTask, name="services.festival_ledger_refresh")
def festival_ledger_refresh(on=None):
    """Seed 000 §5, §11: ledger refresh lists before Mid-Autumn and the Spring Festival."""
    return reminders.festival_ledger_refresh(_day(on))


@shared_task(base=ReliableTask, name="services.mobile_members")
def mobile_members(on=None):
    """DOMAIN.md "Mobile members": the 6-month rules."""
    return reminders.mobile_members(_day(on))


@shared_task(base=ReliableTask, name="services.case_assigned")
def case_assigned(case_id):
    return notices.case_assigned(case_id)


@shared_task(base=ReliableTask, name="services.transfer_requested")
def transfer_requested(transfer_id):
    return notices.transfer_requested(transfer_id)
