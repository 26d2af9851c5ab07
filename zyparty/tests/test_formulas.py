"""Formula cells with no saved result are named, cells with one are not (zyparty.formulas)."""

import zipfile

import openpyxl

from zyparty.formulas import formulas_without_value


def _workbook(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)  # openpyxl saves formulas without a cached value, as a script or exporter does
    return path


def _cache_values(path, target, values):
    """Rewrite the sheet XML so that each formula carries a saved result, as Excel/WPS would have saved it."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for formula, value in values.items():
        assert f"<f>{formula}</f><v />" in xml  # openpyxl's empty result
        xml = xml.replace(f"<f>{formula}</f><v />", f"<f>{formula}</f><v>{value}</v>")
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(target, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return target


def test_formulas_without_a_saved_result_are_named_by_sheet_and_cell(tmp_path):
    path = _workbook(tmp_path / "a.xlsx", {
        "说明": [["填报说明"]],
        "城关镇": [["姓名", "月收入"], ["张三", 3000], ["李四", "=B2+500"], ["王五", "=SUM(B2:B3)"]],
    })
    assert formulas_without_value(path) == [("城关镇", "B3"), ("城关镇", "B4")]
    assert formulas_without_value(path, limit=1) == [("城关镇", "B3")]


def test_formulas_with_a_saved_result_and_plain_files_give_nothing(tmp_path):
    values_only = _workbook(tmp_path / "values.xlsx", {"台账": [["姓名", "月收入"], ["张三", 3000]]})
    assert formulas_without_value(values_only) == []
    computed = _cache_values(_workbook(tmp_path / "f.xlsx", {"台账": [["月收入"], [1], ["=A2+1"]]}),
                             tmp_path / "computed.xlsx", {"A2+1": "2"})
    assert formulas_without_value(computed) == []


def test_files_that_are_not_xlsx_give_nothing(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert formulas_without_value(broken) == []
    text = tmp_path / "text.xlsx"
    text.write_text("姓名,身份证号")
    assert formulas_without_value(text) == []
