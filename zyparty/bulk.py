"""Set-based writes for large imports and the demo: COPY on PostgreSQL, executemany elsewhere.

Rows are tuples in the order of ``columns`` (database column names). Values must already be what the column
stores (ciphertexts, digests, ids): these paths bypass model ``save()`` and signals, so callers prepare rows with
the same functions ``save()`` uses and write their own audit entry for the batch.
"""

import csv
import io
import queue
import threading

from django.db import connection

# The csv module quotes a field holding a character of its line terminator, and only those: with CR LF, a cell's own
# line break of either kind is quoted, where with LF alone a bare CR (calamine reads Excel's _x000D_ as one) would
# end COPY's line in the middle of a field. COPY takes the line ending of the first line for all of them.
LINE_END = "\r\n"


def csv_block(rows) -> str:
    """Rows as COPY's CSV input, written by the csv module in C: None becomes an unquoted empty field, which COPY
    reads as NULL; :func:`copy_block` keeps an empty text value empty in the columns that are NOT NULL. Built where
    the rows are made — a forked import worker hands the text to the writing process, which only passes it on."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=LINE_END).writerows(rows)
    return buffer.getvalue()


TEXT, NUMBER, BOOL, DATE = "text", "number", "bool", "date"  # what a column of csv_lines holds


def csv_lines(columns, kinds) -> list:
    """The lines :func:`csv_block` writes for the rows whose values are given column by column (``columns[c][r]``),
    each column holding one kind of value (``kinds``: TEXT, NUMBER, BOOL or DATE; None anywhere), rendered a column
    at a time: a column of text with nothing to quote is taken as it is. An import writes 100,000 rows of 40 columns
    this way at a quarter of the csv module's cost (the rows are never tuples); ``zyparty/tests/test_bulk.py``
    proves the lines are the csv module's."""
    rendered = []
    for values, kind in zip(columns, kinds):
        if kind == TEXT:
            if None in values:
                values = ["" if value is None else value for value in values]
            joined = "".join(values)
            if '"' in joined or "," in joined or "\n" in joined or "\r" in joined:
                values = [_csv_quoted(value) for value in values]
        elif kind == BOOL:
            values = ["" if value is None else "True" if value else "False" for value in values]
        else:  # NUMBER and DATE: str() is what the csv module writes
            values = ["" if value is None else str(value) for value in values]
        rendered.append(values)
    return [",".join(row) + LINE_END for row in zip(*rendered)]


def _csv_quoted(text):
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def copy_block(model, columns, block: str, table=None):
    """COPY a :func:`csv_block` of ``model`` rows into its table (or a staging ``table`` with the same columns;
    columns that are not the model's are taken as NOT NULL). PostgreSQL only."""
    with connection.cursor() as cursor, connection.wrap_database_errors:  # psycopg2's errors as Django's
        cursor.cursor.copy_expert(_copy_sql(model, columns, table), io.StringIO(block))


def _copy_sql(model, columns, table=None):
    fields = {f.column: f for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)
    not_null = ", ".join(quote(c) for c in columns if c not in fields or not fields[c].null)
    options = f"FORMAT csv, FORCE_NOT_NULL ({not_null})" if not_null else "FORMAT csv"
    return f"COPY {quote(table or model._meta.db_table)} ({cols}) FROM STDIN WITH ({options})"


class _BlockReader:
    """The file psycopg2's copy_expert reads: each read() returns the next block ("" at the end)."""

    def __init__(self, blocks):
        self._blocks = iter(blocks)

    def read(self, size=-1):
        for block in self._blocks:
            if block:
                return block
        return ""

    readline = read


class CopyWriter:
    """A COPY into ``model``'s table that runs in a thread of its own while the caller makes the rows: the database
    writes one block while the caller checks the next (psycopg2 lets go of the GIL while it sends). ``put`` hands
    over a :func:`csv_block`; ``close`` ends the COPY and raises what it raised, as Django's database errors. In
    between, the caller must not use the connection. PostgreSQL only; the caller holds the transaction."""

    def __init__(self, model, columns, table=None):
        # Unbounded, so put() never waits: the blocks exist already, and a caller kept waiting for the database
        # would stop checking rows. None ends the COPY.
        self._queue = queue.SimpleQueue()
        self._error = None
        connection.ensure_connection()
        self._thread = threading.Thread(target=self._run, args=(connection.connection, _copy_sql(model, columns,
                                                                                                   table)),
                                        name="zyparty-copy", daemon=True)
        self._thread.start()

    def _run(self, raw, sql):
        try:
            with raw.cursor() as cursor:
                cursor.copy_expert(sql, _BlockReader(iter(self._queue.get, None)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by close()
            self._error = exc

    def put(self, block):
        if block and self._error is None:
            self._queue.put(block)

    def close(self):
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            with connection.wrap_database_errors:
                raise self._error


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
