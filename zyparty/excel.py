"""Excel plumbing, once for every ledger: reading the workbooks clerks really send, writing exports and templates.

Reading (issue 4; SECURITY.md "uploads"; PERFORMANCE.md "imports"):

- The type comes from the content, never the extension: a zip holding ``[Content_Types].xml`` and ``xl/`` is .xlsx,
  a zip whose ``mimetype`` says OpenDocument spreadsheet is .ods, an OLE2 compound file holding a ``Workbook``/``Book``
  stream is .xls. An OLE2 file holding ``EncryptedPackage`` is an .xlsx saved with a password; an .xls with a FILEPASS
  record is refused by calamine with ``PasswordError``. Anything else (an .exe renamed .xlsx) is refused.
- Size cap (``IMPORT_MAX_FILE_BYTES``), and for zip containers a zip-bomb cap: the sizes the zip directory declares,
  summed, against ``IMPORT_MAX_INFLATED_BYTES`` and a compression ratio, then every member inflated as a stream with
  the same cap (a directory that lies about sizes fails its CRC and is refused as corrupt).
- python-calamine reads all three formats (67,000 rows/s, PERFORMANCE.md). The header row is found below title rows
  (merged title cells) by matching known header names; trailing and blank rows are skipped.
- Cells are normalised the way real files need: full-width digits and spaces (NFKC), numbers where text was meant
  (an 18-digit ID typed into a General cell is a float that kept only 15 digits: detected and reported, never
  silently "corrected"), dates as date cells, Excel serials, ``2020.6.26``, ``2020/6/26``, ``2020-06-26``,
  ``2020年6月26日``, ``20200626``.

Writing:

- :class:`XlsxStreamWriter` writes SpreadsheetML directly into the zip, row by row, in constant memory. openpyxl's
  write-only mode took 53 s for 100,000 × 20 cells on the project's 2-core machine (PERFORMANCE.md: 16–21 s on a
  faster one), beyond the 15 s export target of issue 4; this writer takes a few seconds (bench/excel_bench.py). Text cells carry the text number format (so an ID stays text when a clerk
  edits it) and every text that starts with ``=``, ``+``, ``-``, ``@`` (or a tab/CR) is written as an explicit string
  with ``quotePrefix`` — Excel's own leading apostrophe — so it never evaluates (SECURITY.md "exports", OWASP CSV
  injection). Bad cells can be filled red and carry a comment (the annotated copy of an import).
- :func:`build_template` and :func:`annotate_xlsx` use openpyxl (small workbooks; annotating keeps the clerk's own
  formatting).
"""

import datetime
import io
import math
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape as _xml_escape

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

XLSX, XLS, ODS = "xlsx", "xls", "ods"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
HEADER_SCAN_ROWS = 30
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 = 1900-01-01 counting Excel's phantom 1900-02-29


def _mb(size):
    return f"{size / 1024 / 1024:.1f} MB"


class ExcelFileError(Exception):
    """A file that cannot be read as a ledger workbook; ``message`` is for the clerk, ``code`` for API clients."""

    def __init__(self, message, code, status=400):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class CellError(ValueError):
    """A cell whose content cannot be what its column needs; ``code`` is stable for API clients."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


# Content sniffing and container checks ----------------------------------------------------------------------------
def _max_ratio():
    return getattr(settings, "IMPORT_MAX_INFLATE_RATIO", 100)


@dataclass(frozen=True)
class Inspection:
    kind: str  # xlsx / xls / ods
    rows_hint: int | None  # rows in the worksheets of an .xlsx (counted while inflating), None for the others


def inspect_file(path) -> Inspection:
    """The workbook format of the file at ``path`` (xlsx/xls/ods) and, for .xlsx, how many rows its sheets hold,
    after the size, type, zip-bomb and password checks; raises :class:`ExcelFileError` with a message for the clerk
    otherwise."""
    with open(path, "rb") as handle:
        handle.seek(0, io.SEEK_END)
        size = handle.tell()
        handle.seek(0)
        head = handle.read(8)
    if size == 0:
        raise ExcelFileError(_("文件是空的（0字节），请重新选择文件。"), "empty_file")
    limit = settings.IMPORT_MAX_FILE_BYTES
    if size > limit:
        raise ExcelFileError(_("文件过大（%(size)s），上限为%(limit)s。请按乡镇或村分成几个文件导入。") % {
            "size": _mb(size), "limit": _mb(limit)}, "file_too_large", status=413)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _inspect_zip(path, size)
    if head == OLE2_MAGIC:
        return Inspection(_inspect_ole(path), None)
    raise ExcelFileError(_("无法识别的文件类型：请上传 Excel 或 WPS 表格文件（.xlsx、.xls、.ods）。"), "file_type")


def _inspect_zip(path, size) -> Inspection:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ExcelFileError(_("文件已损坏或不完整，无法读取。请在 Excel/WPS 中打开确认后另存为 .xlsx 再上传。"),
                             "corrupted")
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            kind = XLSX
        elif "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
            kind = ODS
        else:
            raise ExcelFileError(_("无法识别的文件类型：这是一个压缩包或其他文档，不是表格文件（.xlsx、.xls、.ods）。"),
                                 "file_type")
        declared = sum(info.file_size for info in infos)
        cap = settings.IMPORT_MAX_INFLATED_BYTES
        if declared > cap or (declared > 10 * 1024 * 1024 and declared > size * _max_ratio()):
            raise _bomb(declared, cap)
        # The directory may lie: inflate every member as a stream, counting, with the same cap. A member longer
        # than it claims fails its CRC check in zipfile and is refused as corrupt.
        inflated, rows = 0, 0
        try:
            for info in infos:
                is_sheet = kind == XLSX and info.filename.startswith("xl/worksheets/sheet")
                tail = b""
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        inflated += len(chunk)
                        if inflated > cap:
                            raise _bomb(inflated, cap)
                        if is_sheet:
                            rows += (tail + chunk).count(b"<row ")
                            tail = chunk[-4:]
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
            raise ExcelFileError(_("文件已损坏或不完整，无法读取。请在 Excel/WPS 中打开确认后另存为 .xlsx 再上传。"),
                                 "corrupted")
    return Inspection(kind, rows if kind == XLSX else None)


def _bomb(size, cap):
    return ExcelFileError(_("文件解压后过大（至少%(size)s，上限%(limit)s），不像正常的台账表格，已拒绝。") % {
        "size": _mb(size), "limit": _mb(cap)}, "zip_bomb")


def _inspect_ole(path) -> str:
    try:
        streams = ole_stream_names(path)
    except (ValueError, struct.error, IndexError, OSError):
        raise ExcelFileError(_("文件已损坏或不完整，无法读取。请在 Excel/WPS 中打开确认后另存为 .xlsx 再上传。"),
                             "corrupted")
    lowered = {name.lower() for name in streams}
    if "encryptedpackage" in lowered or "encryptioninfo" in lowered:
        raise _encrypted()
    if "workbook" in lowered or "book" in lowered:
        return XLS
    raise ExcelFileError(_("无法识别的文件类型：这是 Word 或其他 Office 文档，不是表格文件（.xlsx、.xls、.ods）。"),
                         "file_type")


def _encrypted():
    return ExcelFileError(_("文件设有打开密码，系统无法读取。请在 Excel/WPS 中取消文件密码（文件→文档加密/保护工作簿→"
                            "清空密码）后另存，再上传。"), "encrypted")


def ole_stream_names(path) -> list:
    """Names in the directory of an OLE2 compound file (MS-CFB): enough to tell .xls from an encrypted .xlsx."""
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < 512 or data[:8] != OLE2_MAGIC:
        raise ValueError("not an OLE2 file")
    sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    if sector_size not in (512, 4096):
        raise ValueError("bad sector size")
    first_dir, = struct.unpack_from("<i", data, 0x30)
    first_difat, difat_count = struct.unpack_from("<iI", data, 0x44)

    def sector(n):
        start = (n + 1) * sector_size
        if n < 0 or start + sector_size > len(data) + sector_size:
            raise ValueError("sector out of range")
        return data[start:start + sector_size]

    fat_sectors = [s for s in struct.unpack_from("<109i", data, 0x4C) if s >= 0]
    next_difat, guard = first_difat, 0
    while next_difat >= 0 and guard < max(difat_count, 1) + 1:
        entries = struct.unpack(f"<{sector_size // 4}i", sector(next_difat))
        fat_sectors.extend(s for s in entries[:-1] if s >= 0)
        next_difat, guard = entries[-1], guard + 1
    fat = []
    for s in fat_sectors:
        fat.extend(struct.unpack(f"<{sector_size // 4}i", sector(s)))
    names, current, seen = [], first_dir, set()
    while current >= 0 and current not in seen and len(seen) < 10000:
        seen.add(current)
        block = sector(current)
        for offset in range(0, len(block), 128):
            entry = block[offset:offset + 128]
            length, = struct.unpack_from("<H", entry, 0x40)
            if 2 <= length <= 64 and entry[0x42] in (1, 2, 5):
                names.append(entry[:length - 2].decode("utf-16-le", errors="replace"))
        current = fat[current] if current < len(fat) else -2
    return names


def open_workbook(path, kind):
    """A python-calamine workbook, with calamine's errors turned into messages for the clerk. calamine chooses its
    reader by the file's extension, so ``path`` must end in ``.{kind}`` (the import stores uploads that way)."""

    try:
        if str(path).lower().endswith(f".{kind}"):
            return CalamineWorkbook.from_path(str(path))
        with open(path, "rb") as handle:  # calamine then detects the format from the content (slower)
            return CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
    except PasswordError:
        raise _encrypted()
    except Exception:  # calamine raises CalamineError/XmlError/ZipError and plain ValueError for broken files
        raise ExcelFileError(_("文件已损坏或不完整，无法读取。请在 Excel/WPS 中打开确认后另存为 .xlsx 再上传。"),
                             "corrupted")


def _sheet_error(exc, name):
    if isinstance(exc, PasswordError) or "password" in str(exc).lower():
        return _encrypted()
    return ExcelFileError(_("工作表“%(s)s”已损坏，无法读取。") % {"s": name}, "corrupted")


def count_rows(path, kind) -> int:
    """Rows in all worksheets (calamine loads each sheet): for .xls/.ods, whose size the zip check cannot count."""
    book = open_workbook(path, kind)
    total = 0
    try:
        for meta in book.sheets_metadata:
            try:
                total += book.get_sheet_by_name(meta.name).height
            except Exception as exc:
                raise _sheet_error(exc, meta.name)
    finally:
        try:
            book.close()
        except Exception:
            pass
    return total


# Tables: the header row and the rows under it ----------------------------------------------------------------------
_HEADER_NOISE = re.compile(r"[\s*＊:：]+|[(（]必填[)）]$")


def normalize_header(value) -> str:
    """``户籍村（社区）*`` → ``户籍村(社区)``: NFKC (full-width brackets), no spaces, no required-marks."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _HEADER_NOISE.sub("", text)


@dataclass
class Table:
    """One sheet's data under its recognised header row. Columns map a canonical header to its 0-based position
    in ``rows`` (positions are relative to ``col_offset``, calamine's first used column)."""

    sheet: str
    header_row: int  # 1-based, as Excel shows it
    columns: dict
    col_offset: int
    rows: list  # [(excel row number, [cell values])]
    duplicates: list = field(default_factory=list)  # canonical headers found twice (the first one counts)
    ignored: list = field(default_factory=list)  # headers that mean nothing to the ledger

    def excel_column(self, header) -> int:
        """0-based absolute column index of ``header`` (for annotations)."""
        return self.columns[header] + self.col_offset

    def column_letter(self, header) -> str:
        return column_letter(self.excel_column(header))


def read_tables(path, kind, aliases: dict, *, min_matches=2, progress=None) -> list:
    """The tables of every visible sheet of the workbook whose header row (within the first rows) names at least
    ``min_matches`` known columns. ``aliases`` maps normalised header spellings to canonical headers."""

    book = open_workbook(path, kind)
    tables = []
    try:
        visible = [m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")
                   and str(m.typ).endswith("WorkSheet")]
        for name in visible:
            try:
                sheet = book.get_sheet_by_name(name)
                start = sheet.start
                rows = iter(sheet.iter_rows())
            except (CalamineError, ValueError) as exc:
                raise _sheet_error(exc, name)
            if start is None:
                continue
            table = _table_from_rows(name, rows, start[1], aliases, min_matches)
            if table is not None:
                tables.append(table)
    finally:
        try:
            book.close()
        except Exception:
            pass
    return tables


def _table_from_rows(sheet_name, rows, col_offset, aliases, min_matches):
    header_index, header = None, None
    scanned = []
    for index, row in enumerate(rows):
        scanned.append(row)
        names = [aliases.get(normalize_header(v)) if isinstance(v, str) else None for v in row]
        hits = sum(1 for n in names if n)
        if hits >= min_matches and (header is None or hits > sum(1 for n in header if n)):
            header_index, header = index, names
            break
        if index >= HEADER_SCAN_ROWS:
            break
    if header is None:
        return None
    columns, duplicates, ignored = {}, [], []
    raw_header = scanned[header_index]
    for position, canonical in enumerate(header):
        if canonical is None:
            label = raw_header[position]
            if isinstance(label, str) and label.strip():
                ignored.append(label.strip())
            continue
        if canonical in columns:
            duplicates.append(canonical)
            continue
        columns[canonical] = position
    data = []
    for index, row in enumerate(rows, start=header_index + 1):
        for value in row:
            if value != "" and value is not None:
                data.append((index + 1, row))
                break
    return Table(sheet=sheet_name, header_row=header_index + 1, columns=columns, col_offset=col_offset, rows=data,
                 duplicates=duplicates, ignored=ignored)


def column_letter(index: int) -> str:
    """0-based column index → ``A``, ``Z``, ``AA``…"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Cell normalisation ----------------------------------------------------------------------------------------------
def cell_text(value) -> str:
    """Any cell as the text a clerk sees: numbers without ``.0``, dates as ``2020-06-26``, full-width folded."""
    if type(value) is str:
        if value.isascii() or unicodedata.is_normalized("NFKC", value):
            return value.strip()
        return unicodedata.normalize("NFKC", value).strip()
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip()
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def cell_code(value, *, digits_lost_message=None) -> str:
    """An identifier cell (ID number, phone, credit code) as text. A number of 16 digits or more has lost its last
    digits in Excel (15 significant digits): that is an error the clerk must fix in the file, never a guess."""
    if isinstance(value, float):
        if abs(value) >= 1e15:
            raise CellError(digits_lost_message or _(
                "该单元格被 Excel 存成了数字（显示为%(v)s），超过15位的数字末尾几位已变成0、无法恢复。请把该列设置为“文本”"
                "格式后重新填写。") % {"v": f"{value:.14E}"}, "number_lost_digits")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return cell_text(value)


_DATE_TEXT = re.compile(
    r"^(?P<y>\d{4})\s*(?:[./\-年]\s*(?P<m>\d{1,2})\s*(?:[./\-月]\s*(?P<d>\d{1,2})\s*日?)?\s*月?)?"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def cell_date(value):
    """A date cell in any of the shapes real ledgers hold, or None for an empty cell; raises :class:`CellError`."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and _DATE_COMPACT.match(str(int(value))):
            return _date_parts(*_DATE_COMPACT.match(str(int(value))).groups(), raw=value)
        if 1 <= value < 73051:  # 1900-01-01 … 2099-12-31 as an Excel serial
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise CellError(_("无法识别的日期：%(v)s。请写成 2020-06-26 或 2020.6.26。") % {"v": cell_text(value)},
                        "date_format")
    text = cell_text(value)
    if not text:
        return None
    compact = _DATE_COMPACT.match(text)
    if compact:
        return _date_parts(*compact.groups(), raw=text)
    match = _DATE_TEXT.match(text)
    if not match or match.group("y") is None:
        raise CellError(_("无法识别的日期“%(v)s”。请写成 2020-06-26、2020.6.26 或 2020年6月26日。") % {"v": text},
                        "date_format")
    return _date_parts(match.group("y"), match.group("m") or "1", match.group("d") or "1", raw=text)


def _date_parts(year, month, day, raw):
    try:
        result = datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(_("日期“%(v)s”不存在，请核对年月日。") % {"v": cell_text(raw)}, "date_invalid")
    if result.year < 1900 or result.year > 2100:
        raise CellError(_("日期“%(v)s”超出合理范围。") % {"v": cell_text(raw)}, "date_invalid")
    return result


_NUMBER_NOISE = re.compile(r"[,，\s元]|人民币")


INT_MAX = 2_147_483_647  # the largest value a database integer column holds


def cell_int(value, *, minimum=0, maximum=INT_MAX):
    """A whole number (``3500``, ``3500.0``, ``3,500元``) or None when empty; raises :class:`CellError`. The range is
    checked before the number is made whole: ``1e1000000`` is refused at once, not after minutes of arithmetic."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("应填写数字。"), "number")
    if isinstance(value, (int, float)):
        number = value
        finite = not isinstance(value, float) or math.isfinite(value)
    else:
        text = _NUMBER_NOISE.sub("", cell_text(value))
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(_("“%(v)s”不是数字。") % {"v": cell_text(value)}, "number")
        finite = number.is_finite()
    if not finite:  # NaN, Infinity
        raise CellError(_("“%(v)s”不是数字。") % {"v": cell_text(value)}, "number")
    if number < minimum:
        raise CellError(_("不能小于%(n)d。") % {"n": minimum}, "number")
    if number > maximum:
        raise CellError(_("数值过大，不能超过%(n)d。") % {"n": maximum}, "number_too_large")
    if number != int(number):
        raise CellError(_("应填写整数，当前为%(v)s。") % {"v": cell_text(value)}, "number")
    return int(number)


def excel_serial(day: datetime.date) -> int:
    return (day - EXCEL_EPOCH).days


def is_formula_like(text: str) -> bool:
    return bool(text) and text.startswith(FORMULA_PREFIXES)


# Streaming writer ------------------------------------------------------------------------------------------------
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# cellXfs of the fixed styles part, in this order.
STYLE_DEFAULT, STYLE_DATE, STYLE_TEXT, STYLE_TEXT_QUOTED, STYLE_HEADER = 0, 1, 2, 3, 4
STYLE_BAD, STYLE_BAD_DATE, STYLE_BAD_TEXT, STYLE_BAD_TEXT_QUOTED = 5, 6, 7, 8
_BAD = {STYLE_DEFAULT: STYLE_BAD, STYLE_DATE: STYLE_BAD_DATE, STYLE_TEXT: STYLE_BAD_TEXT,
        STYLE_TEXT_QUOTED: STYLE_BAD_TEXT_QUOTED}

_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet {_NS}>'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font></fonts>'
    '<fills count="4"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/><bgColor indexed="64"/></patternFill></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFFF8080"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="9">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="2" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="3" borderId="0" xfId="0" applyFill="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="3" borderId="0" xfId="0" applyNumberFormat="1" applyFill="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="3" borderId="0" xfId="0" applyNumberFormat="1" applyFill="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="3" borderId="0" xfId="0" applyNumberFormat="1" applyFill="1"'
    ' quotePrefix="1"/>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')


def _esc(text: str) -> str:
    if not text.isprintable():
        text = _ILLEGAL_XML.sub("", text)
    if "&" in text or "<" in text or ">" in text:
        text = _xml_escape(text)
    return text


class XlsxStreamWriter:
    """A minimal SpreadsheetML (.xlsx) writer that streams rows into the zip: constant memory, no formulas ever.

    Usage::

        with XlsxStreamWriter(path_or_file) as book:
            sheet = book.add_sheet("农民工台账", widths=[10, 22], header=["姓名", "身份证号"])
            sheet.write_row(["张三", "610924199001011234"])
    """

    def __init__(self, target, *, compresslevel=1):
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel,
                                    allowZip64=True)
        self._sheets = []  # (name, hidden, has_comments)
        self._current = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self._zip.close()

    def add_sheet(self, name, *, header=None, widths=None, hidden=False, freeze_header=True):
        if self._current is not None:
            self._current.close()
        sheet = _StreamSheet(self, len(self._sheets) + 1, name, header=header, widths=widths,
                             freeze=freeze_header and header is not None)
        self._sheets.append([name[:31], hidden, False])
        self._current = sheet
        return sheet

    def close(self):
        if self._current is not None:
            self._current.close()
            self._current = None
        n = len(self._sheets)
        z = self._zip
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            + (f'<Override PartName="/xl/comments{i}.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"/>'
               if self._sheets[i - 1][2] else "")
            for i in range(1, n + 1))
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f'{overrides}</Types>'))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/></Relationships>'))
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        z.writestr("docProps/core.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>zyparty</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created></cp:coreProperties>'))
        hidden_attr = ' state="hidden"'
        sheets = "".join(
            f'<sheet name="{_esc(name)}" sheetId="{i}" r:id="rId{i}"{hidden_attr if hidden else ""}/>'
            for i, (name, hidden, _c) in enumerate(self._sheets, 1))
        z.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook {_NS} {_NS_R}><bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>'))
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{rels}<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/styles" Target="styles.xml"/></Relationships>'))
        z.writestr("xl/styles.xml", _STYLES)
        z.close()


class _StreamSheet:
    FLUSH_ROWS = 500

    def __init__(self, book, index, name, *, header, widths, freeze):
        self.book = book
        self.index = index
        self.row_number = 0
        self.comments = []  # (ref, text)
        self._buffer = []
        self._letters = [column_letter(i) for i in range(64)]
        self._stream = book._zip.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True)
        view = ('<sheetViews><sheetView workbookViewId="0"'
                + (' tabSelected="1"' if index == 1 else "") + ">"
                + ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' if freeze else "")
                + "</sheetView></sheetViews>")
        cols = ""
        if widths:
            cols = "<cols>" + "".join(
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1)) + "</cols>"
        self._write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS} {_NS_R}>'
                    f'{view}<sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>')
        if header is not None:
            self.write_row(header, styles=[STYLE_HEADER] * len(header))

    def _write(self, text):
        self._stream.write(text.encode("utf-8"))

    def _letter(self, index):
        if index >= len(self._letters):
            self._letters.extend(column_letter(i) for i in range(len(self._letters), index + 1))
        return self._letters[index]

    def write_row(self, values, *, styles=None, bad=None, comments=None):
        """Append one row. ``styles``: explicit style per cell; ``bad``: column indexes to fill red; ``comments``:
        {column index: text}. Strings that look like formulas are written as quoted text."""
        self.row_number += 1
        r = str(self.row_number)
        letter = self._letter
        parts = [f'<row r="{r}">']
        append = parts.append
        for i, value in enumerate(values):
            if value is None or value == "":
                if bad and i in bad:
                    append(f'<c r="{letter(i)}{r}" s="{STYLE_BAD}"/>')
                continue
            style = styles[i] if styles is not None else None
            if isinstance(value, str):
                if style is None or style == STYLE_TEXT:
                    style = STYLE_TEXT_QUOTED if value.startswith(FORMULA_PREFIXES) else STYLE_TEXT
                if bad and i in bad:
                    style = _BAD.get(style, STYLE_BAD)
                space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
                append(f'<c r="{letter(i)}{r}" s="{style}" t="inlineStr"><is><t{space}>{_esc(value)}</t></is></c>')
            elif isinstance(value, bool):
                append(f'<c r="{letter(i)}{r}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float, Decimal)):
                style = STYLE_BAD if bad and i in bad else (style or STYLE_DEFAULT)
                append(f'<c r="{letter(i)}{r}" s="{style}"><v>{value}</v></c>')
            elif isinstance(value, datetime.date):
                day = value.date() if isinstance(value, datetime.datetime) else value
                style = STYLE_BAD_DATE if bad and i in bad else STYLE_DATE
                append(f'<c r="{letter(i)}{r}" s="{style}"><v>{(day - EXCEL_EPOCH).days}</v></c>')
            else:
                text = str(value)
                append(f'<c r="{letter(i)}{r}" s="{STYLE_TEXT}" t="inlineStr"><is><t>{_esc(text)}</t></is></c>')
        append("</row>")
        self._buffer.append("".join(parts))
        if comments:
            for i, text in comments.items():
                self.comments.append((f"{letter(i)}{r}", i, self.row_number, text))
        if len(self._buffer) >= self.FLUSH_ROWS:
            self._write("".join(self._buffer))
            self._buffer = []

    def close(self):
        if self._stream is None:
            return
        if self._buffer:
            self._write("".join(self._buffer))
            self._buffer = []
        tail = "</sheetData>"
        tail += '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        if self.comments:
            tail += '<legacyDrawing r:id="rId2"/>'
        self._write(tail + "</worksheet>")
        self._stream.close()
        self._stream = None
        if self.comments:
            self._write_comments()
            self.book._sheets[self.index - 1][2] = True

    def _write_comments(self):
        z, n = self.book._zip, self.index
        items = "".join(
            f'<comment ref="{ref}" authorId="0"><text><r><t xml:space="preserve">{_esc(text)}</t></r></text></comment>'
            for ref, _i, _r, text in self.comments)
        z.writestr(f"xl/comments{n}.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments {_NS}><authors><author>zyparty</author></authors>'
            f'<commentList>{items}</commentList></comments>'))
        shapes = "".join(
            f'<v:shape id="_x0000_s{1025 + k}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            'margin-top:1.5pt;width:216pt;height:72pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" '
            'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/>'
            '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f'<x:AutoFill>False</x:AutoFill><x:Row>{row - 1}</x:Row><x:Column>{col}</x:Column></x:ClientData>'
            '</v:shape>'
            for k, (_ref, col, row, _text) in enumerate(self.comments))
        z.writestr(f"xl/drawings/vmlDrawing{n}.vml", (
            '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
            '<o:idmap v:ext="edit" data="1"/></o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" '
            'o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
            '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
            f'{shapes}</xml>'))
        z.writestr(f"xl/worksheets/_rels/sheet{n}.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'comments" Target="../comments{n}.xml"/>'
            f'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'vmlDrawing" Target="../drawings/vmlDrawing{n}.vml"/></Relationships>'))


# Templates and annotated copies (openpyxl: small workbooks) ------------------------------------------------------
@dataclass
class TemplateColumn:
    header: str
    width: int = 14
    required: bool = False
    text: bool = False  # text number format, so IDs and phones stay text
    date: bool = False
    options: list = None  # dropdown values
    strict: bool = True  # refuse values outside the dropdown (else only warn)
    help: str = ""


def build_template(target, *, title, columns, instructions, prepared_rows=1000):
    """An import template: a header row (required columns marked), dropdowns for coded columns, text format for
    identifiers, date format for dates, a Chinese instructions sheet and a hidden sheet holding the option lists."""
    from openpyxl import Workbook  # noqa: PLC0415 — openpyxl (0.1 s) only for templates/annotations
    from openpyxl.comments import Comment  # noqa: PLC0415 — openpyxl (0.1 s) only for templates/annotations
    from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415 — openpyxl (0.1 s) only for templates/annotations
    from openpyxl.worksheet.datavalidation import DataValidation  # noqa: PLC0415 — openpyxl (0.1 s) only for templates/annotations

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    lists = book.create_sheet("选项")
    guide = book.create_sheet("填写说明")
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    for index, column in enumerate(columns, 1):
        letter = column_letter(index - 1)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if column.help:
            cell.comment = Comment(column.help, "zyparty", width=260, height=110)
        sheet.column_dimensions[letter].width = column.width
        if column.text or column.date:
            fmt = "@" if column.text else "yyyy-mm-dd"
            for row in range(2, prepared_rows + 2):
                sheet.cell(row=row, column=index).number_format = fmt
        if column.options:
            list_col = column_letter(index - 1)
            lists.cell(row=1, column=index, value=column.header)
            for k, option in enumerate(column.options, 2):
                lists.cell(row=k, column=index, value=option)
            ref = f"'选项'!${list_col}$2:${list_col}${len(column.options) + 1}"
            validation = DataValidation(type="list", formula1=ref, allow_blank=True,
                                        errorStyle="stop" if column.strict else "warning",
                                        showErrorMessage=True, showDropDown=False)
            validation.error = _("请从下拉列表中选择。") if column.strict else _("该值不在下拉列表中，仍可填写，导入时将核对。")
            validation.errorTitle = column.header
            validation.add(f"{letter}2:{letter}{prepared_rows + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 30
    lists.sheet_state = "hidden"
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 90
    for row in instructions:
        guide.append(list(row))
    for cell in guide["A"]:
        cell.font = Font(bold=True)
    for row in guide.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    book.save(target)


def annotate_xlsx(source, target, marks: dict):
    """Copy of the clerk's own .xlsx with bad cells filled red and commented. ``marks``: {sheet name: {(row, col):
    [messages]}} with 1-based row and 0-based absolute column."""
    from openpyxl import load_workbook  # noqa: PLC0415 — openpyxl (0.1 s) only for templates/annotations
    from openpyxl.comments import Comment  # noqa: PLC0415 — openpyxl (0.1 s) only for templates/annotations
    from openpyxl.styles import PatternFill  # noqa: PLC0415 — openpyxl (0.1 s) only for templates/annotations

    book = load_workbook(source)
    red = PatternFill("solid", fgColor="FF8080")
    for sheet_name, cells in marks.items():
        if sheet_name not in book.sheetnames:
            continue
        sheet = book[sheet_name]
        for (row, col), messages in cells.items():
            cell = sheet.cell(row=row, column=col + 1)
            if type(cell).__name__ == "MergedCell":
                continue
            cell.fill = red
            cell.comment = Comment("\n".join(messages), "zyparty", width=300, height=120)
    book.save(target)


def annotated_copy(source, kind, target, marks: dict):
    """An .xlsx copy of any readable workbook (.xls/.ods, or an .xlsx too large to annotate in place) with the same
    cell values, bad cells filled red and commented. ``marks`` as for :func:`annotate_xlsx`."""
    book = open_workbook(source, kind)
    with XlsxStreamWriter(target) as writer:
        for meta in book.sheets_metadata:
            if not str(meta.typ).endswith("WorkSheet"):
                continue
            sheet = book.get_sheet_by_name(meta.name)
            cells = marks.get(meta.name, {})
            by_row = {}
            for (row, col), messages in cells.items():
                by_row.setdefault(row, {})[col] = "\n".join(messages)
            out = writer.add_sheet(meta.name, hidden=not str(meta.visible).endswith("Visible"), freeze_header=False)
            start = sheet.start
            offset = start[1] if start else 0
            for index, row in enumerate(sheet.iter_rows() if start else []):
                values = [None] * offset + [v if v != "" else None for v in row]
                notes = by_row.get(index + 1)
                out.write_row(values, bad=set(notes) if notes else None, comments=notes)
    try:
        book.close()
    except Exception:
        pass
