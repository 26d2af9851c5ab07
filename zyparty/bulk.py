"""Set-based writes for large imports and the demo: COPY on PostgreSQL, executemany elsewhere.

Rows are tuples in the order of ``columns`` (database column names). Values must already be what the column
stores (ciphertexts, digests, ids): these paths bypass model ``save()`` and signals, so callers prepare rows with
the same functions ``save()`` uses and write their own audit entry for the batch.
"""

import csv
import io

from django.db import connection


def _copy(table, columns, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(["\\N" if v is None else v for v in row])
    buffer.seek(0)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {connection.ops.quote_name(table)} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)


def insert_rows(model, columns, rows, chunk=5000):
    """Insert ``rows`` into ``model``'s table; returns the number of rows written."""
    table = model._meta.db_table
    total = 0
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            total += _write(table, columns, batch)
            batch = []
    if batch:
        total += _write(table, columns, batch)
    return total


def _write(table, columns, batch):
    if connection.vendor == "postgresql":
        _copy(table, columns, batch)
    else:
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            # nosec B608: table and columns come from model metadata (quoted), never from input; values are parameters.
            cursor.executemany(f"INSERT INTO {connection.ops.quote_name(table)} ({cols}) VALUES ({marks})",  # nosec B608
                               batch)
    return len(batch)


def model_row(instance, columns):
    """A prepared (unsaved) model instance as a row, with each value converted by its field for the database."""
    fields = {f.column: f for f in instance._meta.concrete_fields}
    return tuple(fields[c].get_db_prep_save(getattr(instance, fields[c].attname), connection) for c in columns)
