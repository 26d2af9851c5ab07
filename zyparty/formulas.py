"""Formula cells whose result was never saved in the file.

python-calamine reads what a spreadsheet program saved as each formula's result. A workbook written by a program
that does not compute formulas (a script, some exporters, a file saved by WPS with recalculation off) holds the
formula with no cached value, and calamine reads such a cell as empty: the import would take "nothing" for a value
the clerk can see on screen. The import therefore names those cells as a warning (issue 14 item 8), so the clerk
opens the file, lets Excel/WPS compute it and saves it again, or types the values.

Only .xlsx keeps formulas apart from values in a way that can be read without computing them: each cell is
``<c r="B5"><f>…</f><v>…</v></c>``; a missing or empty ``<v>`` is a formula without a saved result. A sheet is
parsed only if its bytes contain a formula at all, so the usual file costs one fast byte scan per sheet.
"""

import posixpath
import re
import zipfile
import zlib

from defusedxml import ElementTree  # an uploaded file's XML: no entity expansion, no external entities
from defusedxml.common import DefusedXmlException

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def formulas_without_value(path, *, limit=20) -> list[tuple[str, str]]:
    """``(sheet title, cell reference)`` of up to ``limit`` formula cells of the .xlsx at ``path`` that have no saved
    result, in sheet order then file order; ``[]`` for a file that is not a readable .xlsx (the reader reports
    those)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return []
    found = []
    with archive:
        try:
            for part, title in _sheet_parts(archive):
                if len(found) >= limit:
                    break
                if _has_formula(archive, part):
                    found.extend((title, ref) for ref in _cells_without_value(archive, part, limit - len(found)))
        except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ElementTree.ParseError,
                DefusedXmlException):
            return found
    return found


def _sheet_parts(archive):
    """The worksheet parts of the workbook with their titles, in the workbook's order."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PKG_REL}Relationship")}
    names = set(archive.namelist())
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if part in names:
            yield part, sheet.get("name", "")


def _has_formula(archive, part) -> bool:
    tail = b""
    with archive.open(part) as member:
        while chunk := member.read(1 << 20):
            if _FORMULA.search(tail + chunk):
                return True
            tail = chunk[-8:]
    return False


def _cells_without_value(archive, part, limit):
    refs = []
    with archive.open(part) as member:
        for _event, element in ElementTree.iterparse(member, events=("end",)):
            if element.tag == f"{_MAIN}c":
                formula = element.find(f"{_MAIN}f")
                if formula is not None:
                    value = element.find(f"{_MAIN}v")
                    inline = element.find(f"{_MAIN}is")
                    if (value is None or not (value.text or "").strip()) and inline is None:
                        refs.append(element.get("r", "?"))
                        if len(refs) >= limit:
                            break
            elif element.tag == f"{_MAIN}row":
                element.clear()  # a row at a time: memory stays flat on a 200,000-row sheet
    return refs
