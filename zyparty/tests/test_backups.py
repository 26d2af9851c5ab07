"""Backups and the restore check (SECURITY.md "backups": a scheduled job restores into a scratch database and decrypts
a sample). The data must be committed for pg_dump to see it, hence transactional tests."""

import base64

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from tests.factories import World
from zyparty import backups, schedules
from zyparty.models import AuditAction, AuditEntry

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL (DATABASE_URL)")
OTHER_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def _entries():
    return list(AuditEntry.objects.filter(object_type=backups.OBJECT_TYPE).order_by("id"))


def _scratch_exists():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                       [f"{connection.settings_dict['NAME']}_restorecheck"])
        return cursor.fetchone() is not None


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_check_on_postgres(tmp_path):
    World.build()
    call_command("backup_database", directory=str(tmp_path))
    dumps = list(tmp_path.glob("*.dump"))
    assert len(dumps) == 1 and dumps[0].stat().st_mode & 0o077 == 0
    with open(dumps[0], "rb") as dump:
        assert dump.read(5) == b"PGDMP"  # pg_dump's custom format

    result = backups.verify_backup(directory=tmp_path)
    assert result["file"] == dumps[0].name and result["decrypted"] == 4 + 2 + 2  # workers, members, activists
    assert not _scratch_exists()
    backup, check = _entries()[-2:]
    assert (backup.action, backup.result, check.result) == (AuditAction.SYSTEM, "success", "success")

    # The same dump with another data key: nothing decrypts, the check fails loudly and is recorded.
    with override_settings(DATA_KEY=OTHER_KEY), pytest.raises(CommandError, match="restore check failed"):
        call_command("verify_backup", directory=str(tmp_path))
    assert _entries()[-1].result == "failure" and "密钥" in _entries()[-1].detail
    assert not _scratch_exists()


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_tampered_dump_fails_the_restore_check(tmp_path):
    World.build()
    path = backups.backup_database(directory=tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2:len(data) // 2 + 64] = b"\0" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(Exception):
        backups.verify_backup(directory=tmp_path)
    assert _entries()[-1].result == "failure" and not _scratch_exists()


@pytest.mark.django_db(transaction=True)
def test_retention_keeps_the_newest_backups(tmp_path):
    World.build()
    made = [backups.backup_database(directory=tmp_path, keep=2) for _ in range(3)]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".partial")) == [p.name for p in made[1:]]
    assert _entries()[-1].changes["removed"] == [made[0].name]


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the embedded setup")
@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_check_on_sqlite(tmp_path):
    World.build()
    path = backups.backup_database(directory=tmp_path)
    assert path.suffix == ".sqlite3"
    assert backups.verify_backup(directory=tmp_path)["decrypted"] == 8
    with override_settings(DATA_KEY=OTHER_KEY), pytest.raises(backups.BackupError):
        backups.verify_backup(directory=tmp_path)
    assert [e.result for e in _entries()[-3:]] == ["success", "success", "failure"]


@pytest.mark.django_db
def test_no_backup_is_a_failed_check(tmp_path):
    with pytest.raises(CommandError):
        call_command("verify_backup", directory=str(tmp_path))
    assert _entries()[-1].result == "failure"


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_check_are_scheduled_tasks(tmp_path):
    from django_celery_beat.models import PeriodicTask

    from zyparty import tasks

    call_command("setup_schedules", stdout=open("/dev/null", "w"))
    installed = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"zyparty.backup_database", "zyparty.verify_backup"} <= installed
    assert {"zyparty.backup_database", "zyparty.verify_backup"} <= {spec["task"] for spec in schedules.SCHEDULES}
    World.build()
    with override_settings(BACKUP_DIR=tmp_path):
        name = tasks.backup_database.apply().get()
        assert (tmp_path / name).exists()
        assert tasks.verify_backup.apply().get() == {"file": name, "decrypted": 8}
