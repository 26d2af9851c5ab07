"""COPY text: the lines rendered a column at a time are the csv module's lines, and either kind survives a real
COPY into PostgreSQL with every character as it was (line breaks of both kinds, quotes, commas, ``\\N``, NULLs)."""

import csv
import datetime
import io

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from zyparty import bulk

TEXTS = st.text(alphabet=st.sampled_from(['a', '好', ',', '"', '\n', '\r', ' ', '\\', 'N', '\t', '*']), max_size=8)
KINDS = {
    bulk.TEXT: st.none() | TEXTS,
    bulk.NUMBER: st.none() | st.integers(-10**12, 10**12),
    bulk.BOOL: st.none() | st.booleans(),
    bulk.DATE: st.none() | st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 1, 1)),
}


@st.composite
def tables(draw):
    """A few rows of a few columns, each column holding one kind of value."""
    kinds = draw(st.lists(st.sampled_from(list(KINDS)), min_size=2, max_size=6))
    size = draw(st.integers(1, 5))
    columns = [draw(st.lists(KINDS[kind], min_size=size, max_size=size)) for kind in kinds]
    return kinds, columns


@settings(max_examples=300, deadline=None)
@given(table=tables())
def test_lines_rendered_by_column_are_the_csv_modules_lines(table):
    kinds, columns = table
    assert "".join(bulk.csv_lines(columns, kinds)) == bulk.csv_block(list(zip(*columns)))


def test_a_bare_carriage_return_is_quoted():
    """COPY would end a line at an unquoted CR (``missing data for column``): the csv module quotes a field holding
    a character of its line terminator, and only those."""
    assert bulk.csv_block([("a\rb", 1)]) == '"a\rb",1\r\n'
    assert bulk.csv_lines([["a\rb"], [1]], [bulk.TEXT, bulk.NUMBER]) == ['"a\rb",1\r\n']


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="COPY is PostgreSQL's")
def test_both_renderings_survive_a_copy():
    rows = [("x\ry", "引号\"，逗号,", 1, True, datetime.date(2020, 6, 26)),
            ("\\N", "", None, False, None),
            ("行一\r\n行二", "a\nb", 0, None, datetime.date(1999, 1, 1))]
    kinds = [bulk.TEXT, bulk.TEXT, bulk.NUMBER, bulk.BOOL, bulk.DATE]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE zy_copy_check (a text NOT NULL, b text NOT NULL, c bigint, d boolean, "
                       "e date)")
        sql = "COPY zy_copy_check FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (a, b))"
        cursor.cursor.copy_expert(sql, io.StringIO(bulk.csv_block(rows)))
        cursor.cursor.copy_expert(sql, io.StringIO("".join(bulk.csv_lines([list(c) for c in zip(*rows)], kinds))))
        cursor.execute("SELECT a, b, c, d, e FROM zy_copy_check")
        stored = cursor.fetchall()
    assert stored == rows + rows


def test_the_csv_module_still_leaves_a_bare_carriage_return_unquoted_with_a_lone_lf():
    """Why LINE_END is CR LF (if this changes, the comment at LINE_END is out of date, not the code wrong)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(["a\rb"])
    assert buffer.getvalue() == "a\rb\n"
