"""Set-based writes for large imports and the demo: COPY on PostgreSQL, executemany elsewhere.

Rows are tuples in the order of ``columns`` (database column names). Values must already be what the column
stores (ciphertexts, digests, ids): these paths bypass model ``save()`` and signals, so callers prepare rows with
the same functions ``save()`` uses and write their own audit entry for the batch.
"""

import csv
import io

from django.db import connection


def csv_block(rows) -> str:
    """Rows as COPY's CSV input, written by the csv module in C: None becomes an unquoted empty field, which COPY
    reads as NULL; :func:`copy_block` keeps an empty text value empty in the columns that are NOT NULL. Built where
    the rows are made — a forked import worker hands the text to the writing process, which only passes it on."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def copy_block(model, columns, block: str, table=None):
    """COPY a :func:`csv_block` of ``model`` rows into its table (or a staging ``table`` with the same columns;
    columns that are not the model's are taken as NOT NULL). PostgreSQL only."""
    fields = {f.column: f for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)
    not_null = ", ".join(quote(c) for c in columns if c not in fields or not fields[c].null)
    options = f"FORMAT csv, FORCE_NOT_NULL ({not_null})" if not_null else "FORMAT csv"
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {quote(table or model._meta.db_table)} ({cols}) FROM STDIN WITH ({options})",
                                  io.StringIO(block))


def insert_rows(model, columns, rows, chunk=5000):
    """Insert ``rows`` into ``model``'s table; returns the number of rows written."""
    total = 0
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            total += _write(model, columns, batch)
            batch = []
    if batch:
        total += _write(model, columns, batch)
    return total


def _write(model, columns, batch):
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        copy_block(model, columns, csv_block(batch))
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
