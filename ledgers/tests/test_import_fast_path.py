"""The column-by-column path for new worker rows (``WorkerSchema.new_rows``) agrees with the model path it stands in
for — ``apply()``, the import's own checks, ``Worker.clean()``, ``Worker.prepare()`` and the scope checks — on runs of
rows made of the values real ledgers hold, good and bad: it accepts exactly the rows the model path accepts, leaves
the same values behind, and the writer turns them into the same database rows."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgers.importing import access, checking, writing
from ledgers.models import Worker
from ledgers.schemas import ImportContext, RowErrors, schema_for
from tests.factories import bad_checksum, credit_code, id_number
from zyparty import bulk, crypto, excel
from zyparty.fields import EncryptedTextField

pytestmark = pytest.mark.django_db

SCHEMA = schema_for("workers")
COMPARED = [f.attname for f in Worker._meta.concrete_fields if f.attname not in checking.AUDIT_COLUMNS]
FRESH_ID = id_number(datetime.date(1985, 3, 9))
FRESH_CODE = credit_code("440306")
BAD_CODE = FRESH_CODE[:-1] + ("0" if FRESH_CODE[-1] != "0" else "1")

# Each column: values that are fine alone (though not always together: a village of another town), then bad ones.
GOOD, BAD = {}, {}
for header, good, bad in [
    ("姓名", ["钱一", " 李四 ", "Ｚｈａｎｇ", "欧阳娜娜"], ["", "王" * 31]),
    ("身份证号", [FRESH_ID, FRESH_ID.lower(), "６１０９２４" + FRESH_ID[6:]],
     [bad_checksum(FRESH_ID), FRESH_ID[:15], "6109**********1234", "61092420990101001X"]),
    ("联系电话", ["13912345678", "", 13912345678.0, "029-12345678", "+8613912345678", "１３９１２３４５６７８"],
     ["139****5678", "12345"]),
    ("户籍村(社区)", ["东河村", "西坝村", "金石村", "", "610924100201", "610924101201"], ["不存在村", "610924100"]),
    ("所属乡镇", ["", "城关镇", "蒿坪镇", "610924100"], ["无此镇", "610924100201"]),
    ("外出/外来", ["外出", "外来", "", "流入", "out"], ["乱写"]),
    ("务工地", ["广东省深圳市宝安区", "", "浙江杭州", "440306"],
     ["火星", "x" * 101, "广东省深圳市宝安区" + "工业园" * 31, "999999"]),
    ("务工单位", ["", "某电子厂"], ["厂" * 101]),
    ("统一社会信用代码", ["", FRESH_CODE, FRESH_CODE.lower(), "ENTERPRISE_A"], [BAD_CODE, 1.2e17]),
    ("从事行业", ["", "制造业", "建筑"], ["乱写"]),
    ("就业技能", ["", "电工"], ["技" * 101]),
    ("月收入(元)", ["", 3500, 3500.0, "3,500元"], ["abc", -5, True]),
    ("政治面貌", ["", "群众", "中共党员", "******"], ["乱写"]),
    ("家庭情况", ["", "家中有留守儿童两名", "父母年迈多病，配偶在家务农", "******"], []),
    ("返乡意向", ["", "有", "无意向"], ["乱写"]),
    ("入党意愿", ["", "有", "否"], ["乱写"]),
    ("任职意愿", ["", "愿意", "无"], []),
    ("外出时间", ["", "2020.6.26", datetime.date(2020, 1, 1), 43000.0, "2020年6月26日"], ["2020-13-45", "乱写"]),
    ("备注", ["", "备注"], []),
    ("记录编号", [""], ["12"]),
]:
    GOOD[header], BAD[header] = good, bad
REQUIRED = ("姓名", "身份证号")


def _row():
    """A row of good values with a few columns left out and at most two columns given any value, good or bad."""
    base = st.fixed_dictionaries({h: st.sampled_from(v) for h, v in GOOD.items()})
    left_out = st.sets(st.sampled_from([h for h in GOOD if h not in REQUIRED]), max_size=5)
    changed = st.lists(st.sampled_from(list(GOOD)), max_size=2, unique=True).flatmap(
        lambda headers: st.fixed_dictionaries({h: st.sampled_from(GOOD[h] + BAD[h]) for h in headers}))
    return st.tuples(base, left_out, changed).map(
        lambda parts: {h: v for h, v in {**parts[0], **parts[2]}.items() if h not in parts[1]})


def _model_path(cells, ctx, key):
    """What the import's model path does with a new row (ledgers.importing.engine.ImportRun._check_loop): obj, or None on errors."""
    obj = checking.new_instance_factory(Worker)()
    errors = RowErrors()
    if excel.cell_text(cells.get("记录编号", "")):
        return None
    SCHEMA.apply(obj, cells, ctx, errors, key, None)
    if obj.town_id is None:
        return None
    try:
        obj.clean()
    except ValidationError:
        return None
    if errors:
        return None
    obj.prepare()
    return obj if _admit(ctx)(obj) else None


def _admit(ctx):
    return lambda obj: access.within_unit(ctx.unit, obj)


def _entries(rows, enterprise_code):
    """The rows as the import hands them over (sheet, row, cells, columns, key, current), and their keys' rows."""
    entries = []
    for number, cells in enumerate(rows, 2):
        if cells.get("统一社会信用代码") == "ENTERPRISE_A":  # a registered host enterprise: the row links to it
            cells = {**cells, "统一社会信用代码": enterprise_code}
        try:
            key = SCHEMA.key_of(cells)
        except excel.CellError:
            continue  # the row never reaches either path
        if key[0] == "id":
            entries.append(("台账", number, cells, {}, key, None))
    return entries


@pytest.fixture
def contexts(world):
    made = [ImportContext(user=None, unit=world.county), ImportContext(user=None, unit=world.town_a),
            ImportContext(user=None, unit=world.village_a)]
    for ctx in made:
        ctx.preload()
    return made, world.enterprise_a.credit_code


# The contexts live as long as the test: their memos of cell texts carry over from one example to the next, as they
# do from one run of rows to the next in an import.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row(), min_size=1, max_size=4), which=st.integers(0, 2))
def test_new_rows_accepts_what_the_model_path_accepts_and_leaves_the_same_values(contexts, rows, which):
    ctx = contexts[0][which]
    entries = _entries(rows, contexts[1])
    found = SCHEMA.new_rows(entries, ctx, _admit(ctx))
    assert len(found.taken) == len(entries)
    for index, (_sheet, _row_no, cells, _cols, key, _current) in enumerate(entries):
        expected = _model_path(cells, ctx, key)
        assert found.taken[index] == (expected is not None), cells
        if expected is not None:
            made = found.row(index)
            assert {a: made[a] for a in COMPARED} == {a: expected.__dict__[a] for a in COMPARED}, cells


def test_the_writer_makes_the_same_database_rows_of_either_path(contexts):
    """``RowWriter.rows_of`` (columns zipped, or on PostgreSQL rendered as COPY lines a column at a time) and
    ``add_new`` (one instance) give the same rows, encrypted columns compared by their plain text (every ciphertext
    has its own nonce)."""
    ctx = contexts[0][0]
    rows = [{**{h: v[0] for h, v in GOOD.items()}, "身份证号": id_number(datetime.date(1990, 1, day)),
             "外出时间": ["2020.6.26", datetime.date(2021, 3, 4), ""][day % 3], "家庭情况": GOOD["家庭情况"][day % 4],
             "备注": ["", '引号"，逗号,', "行一\r\n行二", "\\N"][day % 4]}
            for day in range(1, 9)]
    rows[3]["外出/外来"] = "乱写"  # refused: the other rows keep their order
    entries = _entries(rows, contexts[1])
    found = SCHEMA.new_rows(entries, ctx, _admit(ctx))
    assert found.taken == [True, True, True, False, True, True, True, True]
    writer = writing.RowWriter(Worker, None)
    made = list(writer.rows_of(found))
    for index, entry in enumerate(entries):
        if found.taken[index]:
            writer.add_new(_model_path(entry[2], ctx, entry[4]))
    encrypted = [writer.insert_columns.index(f.column) for f in Worker._meta.concrete_fields
                 if isinstance(f, EncryptedTextField)]

    def plain(rows):
        if connection.vendor == "postgresql":  # COPY lines: read back as the database will
            text = "".join(row if isinstance(row, str) else bulk.csv_block([row]) for row in rows)
            rows = list(csv.reader(io.StringIO(text)))
        return [[crypto.decrypt(v) if i in encrypted and v else v for i, v in enumerate(row)] for row in rows]

    assert len(made) == 7 and all(isinstance(row, str) == (connection.vendor == "postgresql") for row in made)
    assert plain(made) == plain(writer.inserts)


def test_the_fast_path_takes_a_plain_clerk_row(contexts):
    cells = {"姓名": "钱一", "身份证号": FRESH_ID, "联系电话": "13912345678", "户籍村(社区)": "东河村",
             "务工地": "浙江省杭州市西湖区", "家庭情况": "家中有留守儿童两名", "外出时间": "2020.6.26"}
    ctx = contexts[0][0]
    found = SCHEMA.new_rows(_entries([cells], contexts[1]), ctx, _admit(ctx))
    made = found.row(0)
    assert found.taken == [True]
    assert made["left_behind_children"] and made["destination_code"] == "330106" and made["county_id"] == ctx.unit.pk


def test_a_place_outside_the_import_is_refused_and_asked_once(contexts):
    ctx = contexts[0][2]  # a village import: rows of another village are the model path's to report
    asked = []

    def admit(obj):
        asked.append(obj.village_id)
        return _admit(ctx)(obj)

    rows = [{"姓名": "钱一", "身份证号": id_number(datetime.date(1990, 1, day)), "户籍村(社区)": village}
            for day, village in enumerate(["东河村", "西坝村", "东河村", "西坝村"], 1)]
    found = SCHEMA.new_rows(_entries(rows, contexts[1]), ctx, admit)
    assert found.taken == [True, False, True, False]
    assert len(asked) == 2
