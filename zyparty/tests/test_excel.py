"""The Excel plumbing against real files: what town clerks send (WPS .xls, .ods, title rows, full-width digits,
numbers where text was meant) and what must be refused (SECURITY.md "uploads"), and what exports write."""

import datetime
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from zyparty import excel

FIXTURES = Path(__file__).resolve().parents[2] / "ledgers" / "tests" / "fixtures"
ALIASES = {excel.normalize_header(h): h for h in ("姓名", "身份证号", "联系电话", "户籍村(社区)", "外出时间")}


def small_xlsx(path, rows, title=None):
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.merge_cells("A1:E1")
        sheet.append([])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# Type by content, caps, passwords --------------------------------------------------------------------------------
def test_real_formats_are_recognised_by_content(tmp_path):
    assert excel.inspect_file(FIXTURES / "wps_workers.xls").kind == "xls"
    assert excel.inspect_file(FIXTURES / "wps_workers.ods").kind == "ods"
    xlsx = excel.inspect_file(FIXTURES / "wps_workers.xlsx")
    assert xlsx.kind == "xlsx" and xlsx.rows_hint >= 8
    renamed = tmp_path / "台账.ods"  # an .xls saved under the wrong extension still reads as .xls
    renamed.write_bytes((FIXTURES / "wps_workers.xls").read_bytes())
    assert excel.inspect_file(renamed).kind == "xls"
    assert "Workbook" in excel.ole_stream_names(FIXTURES / "wps_workers.xls")


@pytest.mark.parametrize("content, code", [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "file_type"),  # a Windows .exe
    (b"%PDF-1.7\n" + b"0" * 100, "file_type"),
    ("姓名,身份证号\n张三,610924199001011234\n".encode("gbk"), "file_type"),  # a CSV renamed .xlsx
    (b"", "empty_file"),
])
def test_not_a_workbook_is_refused(tmp_path, content, code):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(content)
    with pytest.raises(excel.ExcelFileError) as exc:
        excel.inspect_file(path)
    assert exc.value.code == code and exc.value.status == 400
    assert "文件" in exc.value.message


def test_a_zip_that_is_not_a_spreadsheet_is_refused(tmp_path):
    path = tmp_path / "资料.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")  # a .docx
    with pytest.raises(excel.ExcelFileError) as exc:
        excel.inspect_file(path)
    assert exc.value.code == "file_type"


def test_oversized_file_is_413(tmp_path, settings):
    settings.IMPORT_MAX_FILE_BYTES = 4096
    path = small_xlsx(tmp_path / "big.xlsx", [["姓名", "身份证号"]] + [[f"人{i}", "x" * 40] for i in range(300)])
    with pytest.raises(excel.ExcelFileError) as exc:
        excel.inspect_file(path)
    assert exc.value.status == 413 and exc.value.code == "file_too_large"


def test_zip_bomb_is_refused_from_its_directory(tmp_path, settings):
    settings.IMPORT_MAX_INFLATED_BYTES = 2 * 1024 * 1024
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * (8 * 1024 * 1024))
    assert path.stat().st_size < 64 * 1024
    with pytest.raises(excel.ExcelFileError) as exc:
        excel.inspect_file(path)
    assert exc.value.code == "zip_bomb" and "解压后过大" in exc.value.message


def test_zip_whose_directory_lies_about_sizes_is_refused(tmp_path, settings):
    """A member that inflates to more than its directory entry claims never reaches calamine."""
    settings.IMPORT_MAX_INFLATED_BYTES = 2 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<row " * (1024 * 1024))
    data = bytearray(buffer.getvalue())
    real = (5 * 1024 * 1024).to_bytes(4, "little")
    claimed = (1000).to_bytes(4, "little")
    assert data.count(real) == 2  # local header and central directory
    path = tmp_path / "liar.xlsx"
    path.write_bytes(bytes(data).replace(real, claimed))
    with pytest.raises(excel.ExcelFileError) as exc:
        excel.inspect_file(path)
    assert exc.value.code in ("corrupted", "zip_bomb")


def test_truncated_xlsx_is_corrupted(tmp_path):
    source = small_xlsx(tmp_path / "ok.xlsx", [["姓名", "身份证号"], ["张三", "610924199001011234"]])
    path = tmp_path / "cut.xlsx"
    path.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    with pytest.raises(excel.ExcelFileError) as exc:
        excel.inspect_file(path)
    assert exc.value.code == "corrupted"


@pytest.mark.parametrize("name", ["encrypted.xlsx", "encrypted.xls"])
def test_password_protected_workbooks_get_a_clear_message(name):
    with pytest.raises(excel.ExcelFileError) as exc:
        kind = excel.inspect_file(FIXTURES / name).kind
        excel.read_tables(FIXTURES / name, kind, ALIASES)
    assert exc.value.code == "encrypted"
    assert "密码" in exc.value.message


# Tables ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["wps_workers.xls", "wps_workers.ods", "wps_workers.xlsx"])
def test_header_found_below_merged_title_rows_and_trailing_rows_ignored(name):
    kind = excel.inspect_file(FIXTURES / name).kind
    [table] = excel.read_tables(FIXTURES / name, kind, ALIASES)
    assert table.header_row == 3
    assert list(table.columns)[:3] == ["姓名", "身份证号", "联系电话"]
    assert [row_no for row_no, _ in table.rows] == [4, 5, 6, 7, 8]  # six formatted empty rows after the data
    first = dict((h, table.rows[0][1][p]) for h, p in table.columns.items())
    assert excel.cell_code(first["身份证号"]) == "610924197503020034"  # full-width digits folded
    assert excel.cell_date(first["外出时间"]) == datetime.date(2020, 6, 26)  # typed as 2020.6.26


def test_no_recognisable_header_gives_no_table(tmp_path):
    path = small_xlsx(tmp_path / "x.xlsx", [["序号", "名字", "号码"], [1, "张三", "123"]])
    assert excel.read_tables(path, "xlsx", ALIASES) == []


def test_header_in_a_later_column_keeps_excel_positions(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C4"], sheet["D4"] = "姓 名", "身份证号码*"
    sheet["C5"], sheet["D5"] = "张三", "610924199001011234"
    book.save(tmp_path / "x.xlsx")
    [table] = excel.read_tables(tmp_path / "x.xlsx", "xlsx", {**ALIASES, excel.normalize_header("身份证号码"): "身份证号"})
    assert table.header_row == 4 and table.column_letter("身份证号") == "D"
    assert table.rows == [(5, ["张三", "610924199001011234"])]


# Cells -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [
    ("2020.6.26", datetime.date(2020, 6, 26)), ("2020/6/26", datetime.date(2020, 6, 26)),
    ("2020-06-26", datetime.date(2020, 6, 26)), ("2020年6月26日", datetime.date(2020, 6, 26)),
    ("２０２０年６月２６日", datetime.date(2020, 6, 26)), ("20200626", datetime.date(2020, 6, 26)),
    (20200626, datetime.date(2020, 6, 26)), (43978, datetime.date(2020, 5, 27)), (43978.0, datetime.date(2020, 5, 27)),
    (datetime.datetime(2020, 6, 26, 0, 0), datetime.date(2020, 6, 26)),
    (datetime.date(2020, 6, 26), datetime.date(2020, 6, 26)), ("2015.07", datetime.date(2015, 7, 1)),
    ("2020-06-26 00:00:00", datetime.date(2020, 6, 26)), ("", None), (None, None),
])
def test_dates_in_every_shape_clerks_type(raw, expected):
    assert excel.cell_date(raw) == expected


@pytest.mark.parametrize("raw, code", [("2020.2.30", "date_invalid"), ("去年", "date_format"),
                                       ("6/26/2020", "date_format"), (-5, "date_format")])
def test_bad_dates_say_why(raw, code):
    with pytest.raises(excel.CellError) as exc:
        excel.cell_date(raw)
    assert exc.value.code == code and "日期" in exc.value.message


def test_an_id_number_stored_as_a_number_is_reported_not_guessed():
    with pytest.raises(excel.CellError) as exc:
        excel.cell_code(6.10924199001011e17)
    assert exc.value.code == "number_lost_digits" and "文本" in exc.value.message
    assert excel.cell_code(13912345678.0) == "13912345678"  # an 11-digit phone survives as a number
    assert excel.cell_code("61092419900101123x") == "61092419900101123x"  # normalised by the validator later


@pytest.mark.parametrize("raw, expected", [(3500, 3500), (3500.0, 3500), ("3,500元", 3500), ("３５００", 3500), ("", None)])
def test_whole_numbers(raw, expected):
    assert excel.cell_int(raw) == expected


@pytest.mark.parametrize("raw, code", [("NaN", "number"), ("Infinity", "number"), (float("nan"), "number"),
                                       (float("inf"), "number"), ("1e1000000", "number_too_large"),
                                       ("-1e1000000", "number"), (2**31, "number_too_large"),
                                       ("13912345678", "number_too_large"), (3500.5, "number"), (True, "number")])
def test_numbers_a_database_cannot_hold_are_cell_errors(raw, code):
    """Not a 500, not a failed COPY, not minutes of arithmetic on 1e1000000: a clear error naming the cell."""
    with pytest.raises(excel.CellError) as exc:
        excel.cell_int(raw)
    assert exc.value.code == code


def test_text_cells():
    assert excel.cell_text("　东河村 ") == "东河村"
    assert excel.cell_text(4500.0) == "4500" and excel.cell_text(4500.5) == "4500.5"


# Writing ---------------------------------------------------------------------------------------------------------
def test_formula_like_text_is_written_as_text_never_as_a_formula(tmp_path):
    path = tmp_path / "out.xlsx"
    dangerous = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "=HYPERLINK(\"http://x\")"]
    with excel.XlsxStreamWriter(path) as book:
        sheet = book.add_sheet("台账", header=["备注"] * 1)
        for text in dangerous:
            sheet.write_row([text])
    raw = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in raw and "<f " not in raw
    book = openpyxl.load_workbook(path)
    cells = [row[0] for row in book.active.iter_rows(min_row=2)]
    assert [c.value for c in cells] == dangerous
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert [r[0] for r in rows[1:]] == dangerous


def test_stream_writer_values_round_trip_through_calamine(tmp_path):
    path = tmp_path / "out.xlsx"
    with excel.XlsxStreamWriter(path) as book:
        sheet = book.add_sheet("农民工台账", header=["姓名", "身份证号", "月收入", "外出时间", "备注"], widths=[10, 22, 8, 12, 20])
        sheet.write_row(["张三 & 李四 <丙>", "61092419900101123X", 4500, datetime.date(2020, 6, 26), " 前后空格 "])
        sheet.write_row(["王五", "610924199001011234", None, None, "换行\n第二行\x07"])
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[1] == ["张三 & 李四 <丙>", "61092419900101123X", 4500.0, datetime.date(2020, 6, 26), " 前后空格 "]
    assert rows[2][:2] == ["王五", "610924199001011234"] and rows[2][4] == "换行\n第二行"
    book = openpyxl.load_workbook(path)
    assert book.active["B2"].number_format == "@"  # identifiers stay text when a clerk edits them
    assert book.active.freeze_panes == "A2"


def test_annotated_copy_fills_and_comments_bad_cells(tmp_path):
    target = tmp_path / "marked.xlsx"
    excel.annotated_copy(FIXTURES / "wps_workers.xls", "xls", target, {"Sheet1": {(4, 1): ["身份证号校验位不正确"]}})
    book = openpyxl.load_workbook(target)
    cell = book["Sheet1"]["B4"]
    assert cell.comment is not None and "校验位" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FF8080")
    assert book["Sheet1"]["A3"].value == "姓名"


def test_annotating_an_xlsx_keeps_it_and_marks_cells(tmp_path):
    target = tmp_path / "marked.xlsx"
    excel.annotate_xlsx(FIXTURES / "wps_workers.xlsx", target, {"Sheet1": {(5, 3): ["没有该村"], (1, 0): ["合并单元格"]}})
    book = openpyxl.load_workbook(target)
    assert book["Sheet1"]["D5"].comment.text == "没有该村"
    assert "A1:R1" in {str(r) for r in book["Sheet1"].merged_cells.ranges}


def test_template_has_dropdowns_text_columns_and_instructions(tmp_path):
    path = tmp_path / "template.xlsx"
    excel.build_template(path, title="农民工台账", columns=[
        excel.TemplateColumn("姓名", required=True), excel.TemplateColumn("身份证号", required=True, text=True),
        excel.TemplateColumn("外出/外来", options=["外出", "外来"]),
        excel.TemplateColumn("户籍村(社区)", options=["东河村", "西坝村"], strict=False)],
        instructions=[("怎样填写", "第1行为表头")], prepared_rows=50)
    book = openpyxl.load_workbook(path)
    sheet = book["农民工台账"]
    assert [c.value for c in sheet[1]] == ["姓名", "身份证号", "外出/外来", "户籍村(社区)"]
    assert sheet["B2"].number_format == "@"
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert validations["C2:C51"].formula1 == "'选项'!$C$2:$C$3" and validations["C2:C51"].errorStyle == "stop"
    assert validations["D2:D51"].errorStyle == "warning"
    assert book["选项"].sheet_state == "hidden" and book["选项"]["D3"].value == "西坝村"
    assert book["填写说明"]["A1"].value == "怎样填写"
