"""Project-wide scheduled jobs."""

from celery import shared_task

from zyparty import audit, backups, jobs


@shared_task(base=jobs.ReliableTask, name="zyparty.relay_outbox")
def relay_outbox():
    """Send outbox rows left pending while the broker was unreachable."""
    return jobs.relay_outbox()


@shared_task(base=jobs.ReliableTask, name="zyparty.send_notice_email")
def send_notice_email(notice_id):
    """E-mail a copy of an in-app notice (ZYPARTY_NOTICE_EMAIL); retried while the mail server is unreachable."""
    return jobs.send_notice_email(notice_id)


@shared_task(base=jobs.ReliableTask, name="zyparty.purge_audit")
def purge_audit():
    """Remove audit entries older than the retention period (≥180 days, SECURITY.md "audit"); the purge is itself
    recorded, and the chain that remains still verifies."""

    return audit.audit_purge()


# A failed backup or restore check is worth two quick retries (a busy server), then a FailedJob row for a person:
# a wrong key or a damaged dump does not mend itself.
@shared_task(base=jobs.ReliableTask, name="zyparty.backup_database", max_retries=2)
def backup_database():
    """Nightly dump of the database (SECURITY.md "backups"); returns the file name."""

    return backups.backup_database().name


@shared_task(base=jobs.ReliableTask, name="zyparty.verify_backup", max_retries=2)
def verify_backup():
    """Restore the newest dump into a scratch database and decrypt a sample with the current key."""

    return backups.verify_backup()
