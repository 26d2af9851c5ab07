"""Database backups and the restore check that proves them (SECURITY.md "backups": ``pg_dump`` and a tested restore
with the encryption key; 等保三级 8.1.4.10 数据备份恢复: backups made regularly and recovery tested).

``backup_database(*, directory=None, keep=None) -> Path``
    PostgreSQL: ``pg_dump --format=custom`` of the default database into ``settings.BACKUP_DIR`` (``var/backups`` by
    default), named ``<database>-<UTC time>.dump``; SQLite (the embedded setup): a consistent copy made with SQLite's
    online backup API, ``<name>-<UTC time>.sqlite3``. Keeps the newest ``settings.BACKUP_KEEP`` files of the database
    and removes older ones. The dump holds personal data only as ciphertexts: the data key is not in it and must be
    kept beside it (README "Personal data").

``verify_backup(*, directory=None, sample=None) -> dict``
    Restores the newest backup — PostgreSQL: with ``pg_restore`` into a scratch database ``<database>_restorecheck``,
    dropped afterwards; SQLite: the copy opened read-only — and decrypts a sample of ID numbers with the current data
    key, checking each against its keyed hash. Raises :class:`BackupError` when the restore fails, no backup exists, a
    value does not decrypt (wrong key, damaged dump) or a digest does not match.

Both write one audit entry (``system``, object type ``zyparty.backup``) with the result, also when they fail.
"""

import datetime
import glob
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404: runs pg_dump/pg_restore with an argument list, never a shell
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from zyparty import audit, crypto
from zyparty.fields import EncryptedTextField
from zyparty.models import AuditAction

OBJECT_TYPE = "zyparty.backup"


class BackupError(RuntimeError):
    """A backup could not be made, or a restore check failed."""


def _database():
    return settings.DATABASES["default"]


def _is_postgres():
    return _database()["ENGINE"] == "django.db.backends.postgresql"


def _backup_dir(directory):
    path = Path(directory or settings.BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _database_name():
    """The database actually in use (under pytest-django, the test database), as it may appear in a file name."""
    name = str(connection.settings_dict["NAME"])
    return re.sub(r"[^\w.-]+", "_", name if _is_postgres() else Path(name).stem)


def _pg_tool(name):
    """``pg_dump``/``pg_restore``: from ``settings.PG_BIN_DIR`` if set, else PATH, else Debian's versioned folder."""
    if settings.PG_BIN_DIR:
        return str(Path(settings.PG_BIN_DIR) / name)
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
                                        None)
    if not found:
        raise BackupError(_("找不到 %(tool)s：请安装 PostgreSQL 客户端工具或设置 ZYPARTY_PG_BIN_DIR。") % {"tool": name})
    return found


def _pg_args(dbname=None):
    db = connection.settings_dict
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args + ["--dbname", dbname or db["NAME"]]


def _pg_env():
    env = dict(os.environ)
    if connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(connection.settings_dict["PASSWORD"])
    return env


def _run(command):
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, timeout=settings.BACKUP_TIMEOUT,
                            check=False)  # nosec B603: fixed tool, arguments from settings, no shell
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()[:1000]}")
    return result


def _stamp():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def _backups(directory):
    prefix = _database_name() + "-"
    suffix = ".dump" if _is_postgres() else ".sqlite3"
    return sorted(p for p in directory.glob(f"{prefix}*{suffix}") if p.name[len(prefix):len(prefix) + 1].isdigit())


def _record(detail, result="success", changes=None):
    audit.record(AuditAction.SYSTEM, None, object_type=OBJECT_TYPE, object_repr=_database_name(), detail=detail,
                 result=result, changes=changes or {})


def backup_database(*, directory=None, keep=None) -> Path:
    """Write a backup of the default database and prune old ones (see the module doc)."""
    directory = _backup_dir(directory)
    keep = settings.BACKUP_KEEP if keep is None else keep
    name = _database_name()
    try:
        if _is_postgres():
            target = directory / f"{name}-{_stamp()}.dump"
            partial = target.with_suffix(".partial")
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), *_pg_args()])
            partial.rename(target)
        else:
            target = directory / f"{name}-{_stamp()}.sqlite3"
            connection.ensure_connection()
            destination = sqlite3.connect(target)
            try:
                connection.connection.backup(destination)
            finally:
                destination.close()
        target.chmod(0o600)  # personal data, even encrypted: readable by the service account only
    except (BackupError, OSError, sqlite3.Error, subprocess.TimeoutExpired) as exc:
        _record(f"backup failed: {exc}", result="failure")
        raise BackupError(str(exc)) from exc
    removed = []
    for old in _backups(directory)[:-keep] if keep > 0 else []:
        old.unlink()
        removed.append(old.name)
    _record(f"backup {target.name}", changes={"file": target.name, "bytes": target.stat().st_size,
                                              "removed": removed})
    return target


def _person_tables():
    """(table, ID number column, keyed hash column) of every model keeping ID numbers encrypted, found through the
    app registry: an :class:`EncryptedTextField` ``id_number`` beside its keyed hash ``id_digest`` (the pair
    BaseFilterSet's search looks people up by). Proxies share their model's table and are left out."""
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        fields = {field.name: field for field in opts.concrete_fields}
        number, digest = fields.get("id_number"), fields.get("id_digest")
        if isinstance(number, EncryptedTextField) and digest is not None:
            yield opts.db_table, number.column, digest.column


def _check_sample(cursor, placeholder, sample):
    """Decrypt up to ``sample`` ID numbers per person table and compare with their keyed hashes."""
    checked = 0
    for table, column, digest_column in _person_tables():
        cursor.execute(f"SELECT {column}, {digest_column} FROM {table} "  # nosec B608: names from model metadata
                       f"WHERE {column} <> '' ORDER BY id LIMIT {placeholder}", [sample])
        for stored, digest in cursor.fetchall():
            try:
                clear = crypto.decrypt(stored)
            except crypto.DecryptionError as exc:
                raise BackupError(_("备份中的身份证号无法用当前数据密钥解密（%(table)s）：密钥不符或备份已损坏。")
                                  % {"table": table}) from exc
            if crypto.digest(clear) != digest:
                raise BackupError(_("备份中的身份证号与其索引摘要不符（%(table)s）。") % {"table": table})
            checked += 1
    return checked


def _verify_postgres(path, sample):
    import psycopg2  # noqa: PLC0415 — only a PostgreSQL deployment verifies this way

    db = connection.settings_dict
    scratch = f"{db['NAME']}_restorecheck"
    params = {"host": db.get("HOST") or None, "port": db.get("PORT") or None, "user": db.get("USER") or None,
              "password": db.get("PASSWORD") or None}

    def admin(sql):
        # CREATE/DROP DATABASE cannot run in a transaction: a separate autocommit connection to the server.
        conn = psycopg2.connect(dbname="postgres", **params)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
        finally:
            conn.close()

    quoted = connection.ops.quote_name(scratch)
    admin(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    admin(f"CREATE DATABASE {quoted}")
    try:
        _run([_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", *_pg_args(scratch), str(path)])
        conn = psycopg2.connect(dbname=scratch, **params)
        try:
            with conn.cursor() as cursor:
                return _check_sample(cursor, "%s", sample)
        finally:
            conn.close()
    finally:
        admin(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def _verify_sqlite(path, sample):
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return _check_sample(conn.cursor(), "?", sample)
    finally:
        conn.close()


def verify_backup(*, directory=None, sample=None) -> dict:
    """Restore the newest backup and decrypt a sample with the current key (see the module doc)."""
    directory = _backup_dir(directory)
    sample = settings.BACKUP_VERIFY_SAMPLE if sample is None else sample
    backups = _backups(directory)
    try:
        if not backups:
            raise BackupError(_("没有可校验的备份：%(dir)s 中没有本数据库的备份文件。") % {"dir": directory})
        newest = backups[-1]
        checked = (_verify_postgres if _is_postgres() else _verify_sqlite)(newest, sample)
    except (BackupError, OSError, sqlite3.Error, subprocess.TimeoutExpired) as exc:
        _record(f"restore check failed: {exc}", result="failure",
                changes={"file": backups[-1].name if backups else ""})
        raise BackupError(str(exc)) from exc
    except Exception as exc:  # a database error of the scratch restore (psycopg2): recorded, then raised
        _record(f"restore check failed: {type(exc).__name__}: {exc}", result="failure",
                changes={"file": newest.name})
        raise
    result = {"file": newest.name, "decrypted": checked}
    _record(f"restore check {newest.name}: {checked} ID numbers decrypted and matched", changes=result)
    return result
