"""Coded values as clerks write them (issue 14): the matcher, the county's synonyms, mapping once per value."""

import csv
import importlib
import pickle
import time

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgers import choices
from ledgers.matching import (
    CHOICE_CLASSES,
    ColumnMatcher,
    MappingError,
    UnknownValues,
    ValueMapping,
    choice_options,
    format_options,
    mapping_dict,
    normalise,
    parse_map_arg,
    read_mapping_file,
)
from ledgers.models import ValueSynonym
from ledgers.synonyms import matcher_for, matchers_for, save_synonyms, synonyms_for, unit_options
from organizations.models import Unit
from organizations.roles import Role
from tests.factories import user
from zyparty.models import AuditEntry

seed = importlib.import_module("ledgers.migrations.0008_builtin_value_synonyms")

# What the issue's second county wrote (199,667 refusals from these three words).
ISSUE_WORDS = [("return_intention", "暂无", "none"), ("return_intention", "有意返乡", "considering"),
               ("industry", "居民服务业", "household")]


def builtin(column):
    """The built-in synonyms of a column as the migration seeds them, without a database."""
    return {word: target for key, word, _norm, target in seed.builtin_rows() if key == column}


def matcher(column, **kw):
    return ColumnMatcher(choice_options(column), builtin(column), name=column, **kw)


# normalise --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("written, expected", [
    ("居民服务业", "居民服务"), ("居民服务", "居民服务"), ("餐饮行业", "餐饮"), ("银行业", "银行"),
    ("ＩＴ", "it"), ("（有意返乡）", "有意返乡"), ("\u3000暂 无 ", "暂无"), ("交通运输、仓储和邮政业", "交通运输仓储和邮政"),
    ("农、林、牧、渔业", "农林牧渔"), ("/", ""), (None, ""), (610924100201, "610924100201"),
])
def test_normalise(written, expected):
    assert normalise(written) == expected


# The issue's words, and how clerks write them ----------------------------------------------------------------------
@pytest.mark.parametrize("column, word, code", ISSUE_WORDS)
def test_the_issues_three_words_match(db, column, word, code):
    found = matcher_for(column).match(word)  # built-in synonyms from the database (migration 0008)
    assert (found.code, found.how) == (code, "synonym")


@pytest.mark.parametrize("column, written, code", [
    ("return_intention", "（有意返乡）", "considering"),
    ("return_intention", " 暂无\u3000", "none"),
    ("return_intention", "  无返乡意向 ", "none"),
    ("industry", "ＩＴ", "it"),
    ("industry", "居民服务、修理业", "household"),
    ("industry", "住宿和餐饮业 ", "hospitality"),
    ("industry", "交通运输，仓储和邮政业", "transport"),
    ("education", "中专", "senior"),
    ("political_status", "党员", "member"),
])
def test_full_width_spaces_and_punctuation_do_not_matter(column, written, code):
    assert matcher(column).match(written).code == code


def test_labels_and_codes_are_accepted_as_written():
    m = matcher("industry")
    assert m.match("批发和零售业").how == "exact"
    assert (m.match("trade").code, m.match("trade").how) == ("trade", "code")
    assert m.match("TRADE").code == "trade"
    assert matcher("return_intention").match("未知").code == ""  # the label of the empty option


def test_gb4754_name_without_synonyms_matches_the_one_label_it_shortens():
    plain = ColumnMatcher(choice_options("industry"))
    assert (plain.match("居民服务业").code, plain.match("居民服务业").how) == ("household", "normalised")
    assert plain.match("建筑行业").code == "construction"
    assert plain.match("信息技术服务").code == "it"


def test_an_ambiguous_word_is_not_guessed_and_suggests_every_fit():
    found = matcher("industry").match("服务")  # in 居民服务… and in 信息技术服务…
    assert found.code is None
    assert {"household", "it"} <= {s.code for s in found.suggestions}
    assert [s.code for s in found.suggestions[:2]] == sorted(["household", "it"])
    assert len(found.suggestions) <= 3
    member = ColumnMatcher(choice_options("political_status")).match("党员")  # 中共党员 or 中共预备党员
    assert member.code is None and [s.code for s in member.suggestions[:2]] == ["member", "probationary"]


def test_a_synonym_may_mean_leave_empty_where_the_column_allows_it():
    words = {"无": "", "不详": "none", "没": "建筑业"}  # the last as written without the model's clean(): a label
    assert ColumnMatcher(choice_options("industry"), words).match("无").code == ""
    assert ColumnMatcher(choice_options("industry"), words, allow_empty=False).match("无").code is None
    assert ColumnMatcher(choice_options("industry"), words).match("没").code == "construction"
    assert ColumnMatcher(choice_options("industry"), words).match("不详").code is None  # no such option here


def test_one_character_is_not_enough_to_pick_a_label():
    found = ColumnMatcher(choice_options("industry")).match("工")  # only 卫生和社会工作 contains it: still no guess
    assert found.code is None


def test_unknown_words_get_fuzzy_suggestions_from_labels_and_synonyms():
    found = matcher("industry").match("物流运输")
    assert found.code is None and found.suggestions[0].code == "transport"
    assert found.suggestions[0].label == "交通运输、仓储和邮政业"
    assert 0 < found.suggestions[0].score <= 100
    assert matcher("industry").match("zzzz").suggestions == ()


def test_empty_cells():
    assert matcher("industry").match("").code == ""
    assert matcher("industry").match("   ").how == "empty"
    refused = matcher("industry", allow_empty=False).match(" ")
    assert refused.code is None and refused.how == "empty"
    assert matcher("industry").match("/").code is None  # punctuation is not an empty cell


def test_same_label_in_two_places_matches_neither():
    villages = [("610924100201", "东河村"), ("610924101203", "东河村"), ("610924100202", "西坝村")]
    m = ColumnMatcher(villages)
    assert m.match("东河村").code is None
    assert {s.code for s in m.match("东河村").suggestions} == {"610924100201", "610924101203"}
    assert m.match("西坝").code == "610924100202"  # the one label that contains it
    assert m.match("610924101203").how == "code"


def test_results_are_memoised_per_distinct_text():
    m = matcher("return_intention")
    assert m.match("暂无") is m.match("暂无")
    texts = ["暂无", "有意返乡", "无返乡意向", "回老家", ""] * 20000
    started = time.perf_counter()
    for text in texts:
        m.match(text)
    assert time.perf_counter() - started < 2


# Synonyms of a county --------------------------------------------------------------------------------------------
def test_a_countys_synonym_applies_to_that_county_only(world):
    ValueSynonym.objects.create(county=world.county, column="return_intention", word="回老家", target="considering")
    assert matcher_for("return_intention", county=world.county).match("回老家").code == "considering"
    assert matcher_for("return_intention", county=world.town_a).match("回老家").code == "considering"
    assert matcher_for("return_intention", county=world.other_county).match("回老家").code is None
    assert matcher_for("return_intention").match("回老家").code is None


def test_a_countys_synonym_overrides_a_builtin_one_for_itself_only(world):
    ValueSynonym.objects.create(county=world.county, column="return_intention", word="暂 无", target="considering")
    assert matcher_for("return_intention", county=world.county).match("暂无").code == "considering"
    assert matcher_for("return_intention", county=world.other_county).match("暂无").code == "none"


def test_synonyms_of_all_columns_in_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = synonyms_for(world.county, ["industry", "return_intention", "wish"])
    assert found["industry"][normalise("居民服务业")] == "household"
    with django_assert_num_queries(1):
        ms = matchers_for(world.county, {"从事行业": "industry", "返乡意向": "return_intention",
                                         "户籍村(社区)": "villages"},
                          options={"villages": unit_options(Unit.objects.filter(level="village")[:0])},
                          required=("返乡意向",))
    assert ms["返乡意向"].match("").how == "empty" and ms["返乡意向"].match("").code is None


def test_villages_match_by_code_name_short_name_and_county_synonym(world):
    ValueSynonym.objects.create(county=world.county, column="villages", word="老东河大队", target="东河村")
    villages = Unit.objects.filter(county=world.county, level="village")
    home = matchers_for(world.county, {"户籍村(社区)": "villages"},
                        options={"villages": unit_options(villages)})["户籍村(社区)"]
    code = world.village_a.code
    assert [home.match(text).code for text in ("东河村", code, "东河", "老东河大队")] == [code] * 4
    assert home.match("老东河大队").how == "synonym" and home.match("金石").code == world.village_b.code
    assert home.match("南山村").code is None


def test_every_builtin_synonym_means_an_existing_option(db):
    rows = list(ValueSynonym.objects.filter(county__isnull=True))
    assert len(rows) > 100
    for row in rows:
        assert row.column in CHOICE_CLASSES, row
        assert row.target in CHOICE_CLASSES[row.column].values, row
        assert row.normalised == normalise(row.word)
    for column in CHOICE_CLASSES:  # and each word, matched with all of them, means what it was seeded for
        m = matcher_for(column)
        for row in (r for r in rows if r.column == column):
            assert m.match(row.word).code == row.target, row


def test_the_seed_has_no_word_for_two_options():
    norms = {}
    for column, words in seed.BUILTIN.items():
        for target, listed in words.items():
            for word in listed:
                assert norms.setdefault((column, normalise(word)), target) == target, word


def test_model_takes_a_label_and_refuses_unknown_targets_and_duplicates(world):
    row = ValueSynonym(county=world.county, column="industry", word="电子厂流水线", target="制造业")
    row.full_clean()
    assert row.target == "manufacturing"
    row.save()
    with pytest.raises(ValidationError) as refused:
        ValueSynonym(county=world.county, column="industry", word="电子厂 流水线", target="it").full_clean()
    assert "word" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        ValueSynonym(county=world.county, column="industry", word="保安", target="安保业").full_clean()
    assert "不是" in refused.value.message_dict["target"][0]
    village = ValueSynonym(county=world.county, column="villages", word="东河", target="东河村")
    village.full_clean()
    assert village.target == world.village_a.code
    with pytest.raises(ValidationError):
        ValueSynonym(county=None, column="villages", word="东河", target=world.village_a.code).full_clean()


def test_saving_a_mapping_as_county_synonyms_is_entitled_and_audited(world):
    admin_a = world.users[Role.COUNTY_ADMIN]
    saved = save_synonyms(user=admin_a, county=world.county, column="return_intention",
                          mapping={"回老家": "有返乡意向", "不好说": ""})
    assert {(s.word, s.target) for s in saved} == {("回老家", "considering"), ("不好说", "")}
    assert ValueSynonym.objects.get(county=world.county, word="回老家").created_by == admin_a
    assert AuditEntry.objects.filter(object_type__icontains="valuesynonym", object_repr__contains="回老家").exists()
    for who, county in [(world.users[Role.TOWN_CLERK], world.county), (admin_a, world.other_county)]:
        with pytest.raises(PermissionDenied):
            save_synonyms(user=who, county=county, column="return_intention", mapping={"回老家": "none"})
    with pytest.raises(PermissionDenied):
        save_synonyms(user=admin_a, county=None, column="return_intention", mapping={"回老家": "none"})
    again = save_synonyms(user=admin_a, county=world.county, column="return_intention", mapping={"回 老家": "none"})
    assert [s.target for s in again] == ["none"]
    assert ValueSynonym.objects.filter(county=world.county, normalised="回老家").count() == 1


def test_punctuation_only_word_is_no_synonym(world):
    with pytest.raises(ValidationError):
        save_synonyms(user=world.users[Role.COUNTY_ADMIN], county=world.county, column="industry",
                      mapping={"/": ""})


# Hypothesis: whatever is written, matching answers with an option or nothing --------------------------------------
_codes = st.text(alphabet="abcxyz019", min_size=0, max_size=6)
_words = st.text(alphabet=st.sampled_from(list("无有返乡意向业行服务居民、（）() ＩＴitA1０　·/-") + ["\u200b", "ǅ"]),
                 max_size=12)


@settings(max_examples=300, deadline=None)
@given(options=st.lists(st.tuples(_codes, _words), max_size=8),
       synonyms=st.dictionaries(_words, _codes, max_size=6),
       allow_empty=st.booleans(),
       texts=st.lists(st.one_of(_words, st.text(max_size=10), st.none(), st.integers()), max_size=8))
def test_matching_never_raises_nor_invents_a_code(options, synonyms, allow_empty, texts):
    m = ColumnMatcher(options, synonyms, allow_empty=allow_empty)
    codes = {str(code) for code, _label in options}
    for text in texts:
        found = m.match(text)
        assert found.code is None or found.code in codes or (found.code == "" and allow_empty)
        assert len(found.suggestions) <= 3
        assert all(s.code in codes for s in found.suggestions)


# Unknown values: map once, not per row -----------------------------------------------------------------------------
def headers():
    return {"返乡意向": ColumnMatcher(choice_options("return_intention"), name="返乡意向"),
            "从事行业": ColumnMatcher(choice_options("industry"), name="从事行业", allow_empty=False)}


def test_unknown_values_are_grouped_by_column_and_value():
    unknown = UnknownValues(headers())
    for row in range(2, 12):
        unknown.add("返乡意向", "回老家" if row % 2 else " 回 老家 ", row)
    unknown.add("从事行业", "服务", 7)
    groups = unknown.groups()
    [value] = groups["返乡意向"]
    assert (value.value, value.count, value.rows) == ("回 老家", 10, [2, 3, 4, 5, 6])
    assert value.may_leave_empty
    [service] = groups["从事行业"]
    assert {"household", "it"} <= {s.code for s in service.suggestions} and not service.may_leave_empty
    assert len(unknown) == 2 and unknown.rows_affected == 11
    assert unknown.as_list()[0]["rows"] == [2, 3, 4, 5, 6]


def test_collectors_of_stripes_merge_keeping_the_first_rows():
    first, second = UnknownValues(headers()), UnknownValues()
    for row in (50, 60, 70, 80, 90, 100):
        first.add("返乡意向", "回老家", row)
    for row in (3, 1000):
        second.add("返乡意向", "回  老家", row)
    first.merge(second)
    [value] = first.groups()["返乡意向"]
    assert (value.value, value.count, value.rows) == ("回  老家", 8, [3, 50, 60, 70, 80])


def test_collector_travels_between_processes_without_its_matchers():
    unknown = UnknownValues(headers())
    unknown.add("返乡意向", "回老家", 9)
    copy = pickle.loads(pickle.dumps(unknown))
    assert copy.matchers == {} and copy.groups()["返乡意向"][0].rows == [9]


def test_applying_a_mapping_resolves_every_row_of_that_value():
    unknown = UnknownValues(headers())
    unknown.add("返乡意向", "回老家", 2)
    unknown.add("返乡意向", "/", 3)
    unknown.add("从事行业", "服务", 4)
    with pytest.raises(MappingError) as wrong:  # one wrong target: nothing applied
        unknown.apply_mapping({("返乡意向", "回老家"): "有返乡意向", ("从事行业", "服务"): "",
                               ("乡镇", "x"): "y"})
    assert len(wrong.value.messages) == 2 and len(unknown) == 3
    assert unknown.matchers["返乡意向"].match("回老家").code is None
    resolved = unknown.apply_mapping({("返乡意向", "回老家"): "有返乡意向", ("返乡意向", "/"): "留空",
                                      ("从事行业", "服务"): "household"})
    assert resolved == {("返乡意向", "回老家"): "considering", ("返乡意向", "/"): "",
                        ("从事行业", "服务"): "household"}
    assert len(unknown) == 0
    m = unknown.matchers["返乡意向"]
    assert (m.match(" 回老家").code, m.match("回老家").how) == ("considering", "mapped")
    assert m.match("/").code == "" and unknown.matchers["从事行业"].match("服务业").code == "household"


# Command line and mapping files ------------------------------------------------------------------------------------
def test_parse_map_arg():
    columns = headers()
    assert parse_map_arg("返乡意向:暂无=无返乡意向", columns) == ValueMapping("返乡意向", "暂无", "none")
    assert parse_map_arg("返乡意向：暂无＝none", columns).code == "none"
    assert parse_map_arg("返乡意向:/=", columns) == ValueMapping("返乡意向", "/", "")
    assert parse_map_arg("行业:服务=居民服务、修理和其他服务业", columns, {"行业": "从事行业"}).column == "从事行业"
    with pytest.raises(MappingError, match="没有可映射的列“性别”"):
        parse_map_arg("性别:男=M", columns)
    with pytest.raises(MappingError) as wrong:
        parse_map_arg("从事行业:服务=服务业", columns)
    assert "居民服务、修理和其他服务业\n信息传输、软件和信息技术服务业" in str(wrong.value)
    with pytest.raises(MappingError, match="不能留空"):
        parse_map_arg("从事行业:-=留空", columns)
    with pytest.raises(MappingError, match="列:原值=对应为"):
        parse_map_arg("返乡意向 暂无", columns)
    with pytest.raises(MappingError, match="原值"):
        parse_map_arg("返乡意向:=none", columns)


def test_mapping_from_csv_in_utf8_or_gbk(tmp_path):
    rows = [["说明：每行一个映射"], ["列", "原值", "对应为"], ["返乡意向", "回老家", "有返乡意向"], [],
            ["从事行业", "服务", "household"]]
    for encoding in ("utf-8-sig", "gbk"):
        path = tmp_path / f"map-{encoding}.csv"
        with open(path, "w", encoding=encoding, newline="") as handle:
            csv.writer(handle).writerows(rows)
        items = read_mapping_file(path, headers())
        assert mapping_dict(items) == {("返乡意向", "回老家"): "considering", ("从事行业", "服务"): "household"}


def test_mapping_file_errors_name_their_rows(tmp_path):
    path = tmp_path / "map.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["导入映射"], ["列名", "原值", "对应为"], ["返乡意向", "回老家", "回来"], ["学历", "大学", "本科"],
                ["从事行业", "服务", "it"]):
        sheet.append(row)
    book.save(path)
    with pytest.raises(MappingError) as wrong:
        read_mapping_file(path, headers())
    assert [m[:4] for m in wrong.value.messages] == ["第3行：", "第4行："]
    with pytest.raises(MappingError, match="表头"):
        (tmp_path / "bare.csv").write_text("a,b,c\n", encoding="utf-8")
        read_mapping_file(tmp_path / "bare.csv", headers())
    with pytest.raises(MappingError, match="两个不同的值"):
        mapping_dict([ValueMapping("返乡意向", "暂无", "none"), ValueMapping("返乡意向", "暂 无", "considering")])
    with pytest.raises(MappingError, match="找不到"):
        read_mapping_file(tmp_path / "missing.xlsx", headers())


def test_format_options_separates_labels_unambiguously():
    labels = [label for value, label in choices.Industry.choices][:5]
    assert format_options(labels).split("\n") == [str(label) for label in labels]
    assert format_options(["有", "无"], inline=True) == "有 / 无"
    assert format_options(["外出/外来", "无"], inline=True) == "外出/外来\n无"
    assert format_options(["a", "b", "c"], limit=2) == "a\nb\n……等3项"


# Admin: a county keeps its own synonyms ----------------------------------------------------------------------------
@pytest.fixture
def two_counties(world):
    world.admin_b = user("county_admin_b", Role.COUNTY_ADMIN, unit=world.other_county)
    world.synonym_a = ValueSynonym.objects.create(county=world.county, column="industry", word="紫阳茶叶",
                                                  target="agriculture")
    world.synonym_b = ValueSynonym.objects.create(county=world.other_county, column="industry", word="岚皋魔芋",
                                                  target="agriculture")
    world.builtin = ValueSynonym.objects.get(county__isnull=True, column="industry", word="居民服务业")
    return world


def form(county, word="紫阳富硒茶", target="农、林、牧、渔业"):
    return {"county": county.pk if county else "", "column": "industry", "word": word, "target": target,
            "loaded_version": ""}


def test_county_admin_sees_own_and_builtin_synonyms_only(client, two_counties):
    w = two_counties
    client.force_login(w.users[Role.COUNTY_ADMIN])
    page = client.get("/admin/ledgers/valuesynonym/").content.decode()
    assert "紫阳茶叶" in page and "岚皋魔芋" not in page  # the county's own words before 156 built-in ones
    for query in ({"q": "魔芋"}, {"county": str(w.other_county.pk)}, {"county": "builtin"}):
        assert "岚皋魔芋" not in client.get("/admin/ledgers/valuesynonym/", query).content.decode()
    page = client.get("/admin/ledgers/valuesynonym/", {"county": "builtin", "q": "居民服务"}).content.decode()
    assert "居民服务业" in page and "紫阳茶叶" not in page
    assert client.get(f"/admin/ledgers/valuesynonym/{w.synonym_b.pk}/change/").status_code in (302, 404)


def test_county_admin_cannot_edit_another_countys_or_builtin_synonyms(client, two_counties):
    w = two_counties
    client.force_login(w.users[Role.COUNTY_ADMIN])
    url_b = f"/admin/ledgers/valuesynonym/{w.synonym_b.pk}/change/"
    client.post(url_b, {**form(w.county, word="岚皋魔芋", target="制造业"), "loaded_version": 1})
    w.synonym_b.refresh_from_db()
    assert (w.synonym_b.county_id, w.synonym_b.target) == (w.other_county.pk, "agriculture")
    assert client.post(f"/admin/ledgers/valuesynonym/{w.synonym_b.pk}/delete/", {"post": "yes"}).status_code in (
        302, 404)
    assert ValueSynonym.objects.filter(pk=w.synonym_b.pk).exists()
    added = client.post("/admin/ledgers/valuesynonym/add/", form(w.other_county))
    assert added.status_code == 200 and not ValueSynonym.objects.filter(word="紫阳富硒茶").exists()
    builtin_page = client.get(f"/admin/ledgers/valuesynonym/{w.builtin.pk}/change/")
    assert builtin_page.status_code == 200 and 'name="_save"' not in builtin_page.content.decode()
    client.post(f"/admin/ledgers/valuesynonym/{w.builtin.pk}/change/",
                {**form(None, word="居民服务业", target="制造业"), "loaded_version": 1})
    w.builtin.refresh_from_db()
    assert w.builtin.target == "household"
    assert client.post("/admin/ledgers/valuesynonym/add/", form(None)).status_code == 200
    assert not ValueSynonym.objects.filter(word="紫阳富硒茶").exists()


def test_county_admin_adds_and_edits_own_countys_synonyms(client, two_counties):
    w = two_counties
    client.force_login(w.users[Role.COUNTY_ADMIN])
    response = client.post("/admin/ledgers/valuesynonym/add/", form(w.county))
    assert response.status_code == 302, response.content.decode()[:2000]
    added = ValueSynonym.objects.get(word="紫阳富硒茶")
    assert (added.county_id, added.target, added.created_by) == (w.county.pk, "agriculture",
                                                                 w.users[Role.COUNTY_ADMIN])
    response = client.post(f"/admin/ledgers/valuesynonym/{w.synonym_a.pk}/change/",
                           {**form(w.county, word="紫阳茶叶", target="trade"), "loaded_version": 1})
    assert response.status_code == 302
    w.synonym_a.refresh_from_db()
    assert w.synonym_a.target == "trade"
    client.force_login(w.admin_b)
    page = client.get("/admin/ledgers/valuesynonym/", {"county": str(w.other_county.pk)}).content.decode()
    assert "岚皋魔芋" in page
    page = client.get("/admin/ledgers/valuesynonym/", {"q": "紫阳"}).content.decode()
    assert "紫阳茶叶" not in page and "紫阳富硒茶" not in page


def test_town_clerk_reads_builtin_synonyms_without_editing(client, two_counties):
    w = two_counties
    client.force_login(w.users[Role.TOWN_CLERK])  # the scoping layer: a county's rows are its county staff's
    assert "居民服务业" in client.get("/admin/ledgers/valuesynonym/", {"q": "居民服务"}).content.decode()
    assert "紫阳茶叶" not in client.get("/admin/ledgers/valuesynonym/", {"q": "茶叶"}).content.decode()
    assert client.get("/admin/ledgers/valuesynonym/add/").status_code == 403
    client.post(f"/admin/ledgers/valuesynonym/{w.synonym_a.pk}/change/",
                {**form(w.county, word="紫阳茶叶", target="trade"), "loaded_version": 1})
    w.synonym_a.refresh_from_db()
    assert w.synonym_a.target == "agriculture"
