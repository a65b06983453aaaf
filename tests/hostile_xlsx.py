"""Writes small xlsx files by hand (XML straight into the zip), so that tests can make what a
spreadsheet program never would: hidden sheets, lying dimensions, far-away cells, DOCTYPEs,
and large synthetic EMA exports written in seconds."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

EMA_HEADER = ["Category", "Name of medicine", "EMA product number", "Medicine status", "Advanced therapy",
              "Marketing authorisation date", "Orphan medicine", "Marketing authorisation developer / applicant / holder"]
STAMP = ["Content type:", "Medicine", "Output automatically generated from content on www.ema.europa.eu on:",
         "15/07/2025 - 18:00"]


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(rows, dimension: str | None = None, doctype: str = "") -> bytes:
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="{MAIN}">']
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append("<sheetData>")
    for r, row in enumerate(rows, 1):
        if isinstance(row, dict):  # {column number: value}: cells anywhere
            cells = "".join(_cell(f"{column_letters(c)}{r}", v) for c, v in sorted(row.items()))
        else:
            cells = "".join(_cell(f"{column_letters(c)}{r}", v) for c, v in enumerate(row, 1))
        parts.append(f'<row r="{r}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode("utf-8")


def write_xlsx(path: Path, sheets: list[dict]) -> Path:
    """sheets: dicts with name, rows, and optionally state ('hidden', 'veryHidden'), dimension,
    doctype (text put before the root element), xml (the sheet's bytes as they are)."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>")
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>')
    sheet_entries = "".join(
        f'<sheet name="{escape(s["name"])}" sheetId="{i}" r:id="rId{i}"'
        + (f' state="{s["state"]}"' if s.get("state") else "") + "/>"
        for i, s in enumerate(sheets, 1))
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
                f"<sheets>{sheet_entries}</sheets></workbook>")
    wb_rels = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               + "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                         for i in range(1, len(sheets) + 1))
               + "</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        for i, s in enumerate(sheets, 1):
            data = s.get("xml") or sheet_xml(s["rows"], s.get("dimension"), s.get("doctype", ""))
            z.writestr(f"xl/worksheets/sheet{i}.xml", data)
    return path


def ema_rows(n: int, *, atmp: bool = True, start: int = 1) -> list[list]:
    """n data rows in EMA's new layout, each a distinct product."""
    return [["Human", f"Product {i}", f"EMEA/H/C/{i:06d}", "Authorised", "Yes" if atmp else "No",
             "22/08/2018", "No", f"Holder {i % 97} B.V."] for i in range(start, start + n)]


def ema_export(path: Path, n: int, **kw) -> Path:
    """A one-sheet EMA export (stamp, header, n rows)."""
    return write_xlsx(path, [{"name": "Medicine", "rows": [STAMP, EMA_HEADER, *ema_rows(n, **kw)]}])
