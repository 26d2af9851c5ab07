"""Project-wide scheduled jobs."""

from celery import shared_task

from zyparty import jobs


@shared_task(base=jobs.ReliableTask, name="zyparty.relay_outbox")
def relay_outbox():
    """Send outbox rows left pending while the broker was unreachable."""
    return jobs.relay_outbox()
