"""Prepared rows → database rows (PERFORMANCE.md: never save() per row): :class:`RowWriter`, and the two ways a
write transaction ends without writing."""

import itertools
import operator
import uuid

from django.db import connection
from django.db.models import BooleanField, CharField, TextField
from django.utils import timezone

from zyparty import bulk, crypto
from zyparty.fields import EncryptedTextField


class Rollback(Exception):
    """Leave the write transaction with nothing written (errors found, or only a check)."""


class Stale(Exception):
    """A changed record was edited by someone else after it was checked (its version moved on)."""


class RowWriter:
    """Prepared instances → database rows: inserts through zyparty.bulk (COPY on PostgreSQL), updates through a
    staging table and one UPDATE … FROM (PostgreSQL) or executemany (SQLite), each guarded by the version read at
    check time so a concurrent edit is never overwritten.

    A row is built as plain values (one itemgetter over the instance dict), then the encrypted fields, the dates
    SQLite needs as text, and the audit columns; the column lists are ordered the same way."""

    def __init__(self, model, user):
        self.model = model
        self.user_id = getattr(user, "pk", None)
        self.now_db = connection.ops.adapt_datetimefield_value(timezone.now())
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        text_dates = connection.vendor != "postgresql"  # COPY writes date objects as ISO text itself
        plain, encrypted, dates, audit_cols = [], [], [], []
        for f in fields:
            if f.attname in ("created_at", "updated_at", "created_by_id", "updated_by_id", "version"):
                audit_cols.append(f)
            elif isinstance(f, EncryptedTextField):
                encrypted.append(f)
            elif text_dates and f.get_internal_type() == "DateField":
                dates.append(f)
            else:
                plain.append(f)
        data_fields = plain + encrypted + dates
        self.update_columns = [f.column for f in data_fields]
        self.insert_columns = self.update_columns + [f.column for f in audit_cols]
        # PostgreSQL: new rows made column by column become COPY lines column by column (bulk.csv_lines).
        self._lines = connection.vendor == "postgresql"
        self._kinds = [bulk.BOOL if isinstance(f, BooleanField) else bulk.TEXT if isinstance(f, (CharField, TextField))
                       else bulk.NUMBER for f in data_fields + audit_cols]
        # COPY reads the timestamp as ISO text: rendered once here rather than by the csv module on every row.
        stamp = self.now_db.isoformat() if connection.vendor == "postgresql" else self.now_db
        audit_values = {"created_at": stamp, "updated_at": stamp, "created_by_id": self.user_id,
                        "updated_by_id": self.user_id, "version": 1}
        self._audit_tail = tuple(audit_values[f.attname] for f in audit_cols)
        self._plain_names = [f.attname for f in plain]
        get_plain = operator.itemgetter(*self._plain_names)
        encrypted_names = self._encrypted_names = [f.attname for f in encrypted]
        date_names = self._date_names = [f.attname for f in dates]
        encrypt = self._encrypt = crypto.encrypter()

        def data_row(d):
            extra = []
            for name in encrypted_names:
                value = d[name]
                extra.append(encrypt(value) if value else (value or ""))
            for name in date_names:
                value = d[name]
                extra.append(None if value is None else value.isoformat())
            return get_plain(d) + tuple(extra)

        self._data_row = data_row
        self.inserts, self.updates = [], []
        self.blocks = []  # new rows already rendered as COPY text (PostgreSQL)

    def add_new(self, obj):
        self.inserts.append(self._data_row(obj.__dict__) + self._audit_tail)

    def rows_of(self, found):
        """The rows of the new rows ``found`` (ledgers.schemas.NewRows, made column by column) took, in order, holding what
        :meth:`add_new` would write for instances with their values: COPY lines on PostgreSQL (rendered a column at
        a time, bulk.csv_lines), tuples elsewhere."""
        values, defaults, taken = found.values, found.defaults, found.taken
        size = len(taken)

        def column(name):
            return values[name] if name in values else [defaults[name]] * size

        columns = [column(name) for name in self._plain_names]
        for name in self._encrypted_names:
            columns.append(crypto.encrypt_all([(value or "") if ok else None for value, ok in zip(column(name), taken)]))
        for name in self._date_names:
            columns.append([None if value is None or not ok else value.isoformat()
                            for value, ok in zip(column(name), taken)])
        columns.extend([value] * size for value in self._audit_tail)
        if self._lines:
            return iter(bulk.csv_lines([list(itertools.compress(values, taken)) for values in columns], self._kinds))
        return itertools.compress(zip(*columns), taken)

    def add_changed(self, obj, loaded_version):
        self.updates.append(self._data_row(obj.__dict__) + (obj.pk, loaded_version))

    def pack(self):
        """On PostgreSQL, turn the new rows gathered so far into one COPY text block (cheap to hand from a forked
        worker to the writing process: one string instead of 40 values a row to pickle and unpickle)."""
        if self.inserts and connection.vendor == "postgresql":
            # Lines made by rows_of, and tuples made by add_new (runs of them rendered by the csv module).
            parts, run = [], []
            for row in self.inserts:
                if type(row) is str:
                    if run:
                        parts.append(bulk.csv_block(run))
                        run = []
                    parts.append(row)
                else:
                    run.append(row)
            if run:
                parts.append(bulk.csv_block(run))
            self.blocks.append("".join(parts))
            self.inserts = []

    def flush(self):
        self.pack()
        for block in self.blocks:
            bulk.copy_block(self.model, self.insert_columns, block)
        if self.inserts:
            bulk.insert_rows(self.model, self.insert_columns, self.inserts)
        if self.updates:
            self._update()

    def _update(self):
        table = connection.ops.quote_name(self.model._meta.db_table)
        qn = connection.ops.quote_name
        columns = self.update_columns
        expected = len(self.updates)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                stage = f"zy_import_{uuid.uuid4().hex[:12]}"
                select = ", ".join(qn(c) for c in columns)
                cursor.execute(f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {select}, id AS zy_id, "  # nosec B608 - names from model metadata and a generated staging name
                               f"version AS zy_version FROM {table} WITH NO DATA")
                bulk.copy_block(self.model, columns + ["zy_id", "zy_version"], bulk.csv_block(self.updates),
                                table=stage)
                sets = ", ".join(f"{qn(c)} = s.{qn(c)}" for c in columns)
                cursor.execute(
                    f"UPDATE {table} AS t SET {sets}, version = t.version + 1, updated_at = %s, updated_by_id = %s "  # nosec B608 - names from model metadata, quoted; values are parameters
                    f"FROM {stage} AS s WHERE t.id = s.zy_id AND t.version = s.zy_version",
                    [self.now_db, self.user_id])
                done = cursor.rowcount
            else:
                sets = ", ".join(f"{qn(c)} = %s" for c in columns)
                sql = (f"UPDATE {table} SET {sets}, version = version + 1, updated_at = %s, updated_by_id = %s "  # nosec B608 - names from model metadata, quoted; values are parameters
                       f"WHERE id = %s AND version = %s")
                done = 0
                for start in range(0, expected, 2000):
                    chunk = [row[:-2] + (self.now_db, self.user_id) + row[-2:]
                             for row in self.updates[start:start + 2000]]
                    cursor.executemany(sql, chunk)
                    done += cursor.rowcount
        if done != expected:
            raise Stale()
