"""Reading an xlsx workbook without letting it take the machine: bounded, streamed, checked.

An xlsx file is a zip of XML parts, and both can lie. Before openpyxl reads anything:
- the path must be a regular file of at most MAX_FILE_BYTES (not /dev/zero, not a FIFO);
- the zip may hold at most MAX_PARTS parts, each at most MAX_PART_BYTES and all together at
  most MAX_TOTAL_BYTES uncompressed (zipfile never inflates a part beyond its declared size);
- no XML part may hold a document type declaration (entity expansion: "billion laughs");
- each worksheet is scanned once, as a stream, for its real extent: at most MAX_ROWS rows and
  MAX_COLUMNS columns, and a declared dimension within Excel's own limits.
Rows are then read one at a time, padded only to the columns that hold a cell (openpyxl pads
every row to the declared dimension: EMA's own files declare 1,025 columns for about 40), and
never kept. A hidden or "very hidden" sheet is reported, never read silently.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import InputError

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_PARTS = 10_000
MAX_PART_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_ROWS = 250_000  # EMA's exports have about 2,700
MAX_COLUMNS = 2_048  # about 40 hold data; one real export has a cell in column 1,024
MAX_CELLS = 64_000_000  # rows times padded width
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384


def read_head(path: Path, n: int = 8) -> bytes:
    """The first n bytes of a regular file; anything else is refused before reading."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a folder, not a spreadsheet")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: not a regular file (a device, pipe or socket); give an xlsx file")
    if st.st_size > MAX_FILE_BYTES:
        raise InputError(f"{path}: {st.st_size:,} bytes; an EMA export is under 1 MB and at most "
                         f"{MAX_FILE_BYTES // 2**20} MiB are read")
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None


def sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class Extent:
    rows: int = 0  # the last row number that holds a row element
    columns: int = 0  # the last column that holds a cell


def check_archive(path: Path) -> dict[str, Extent]:
    """Bounds every part of the zip and scans each worksheet; {part name: its extent}."""
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError):
        raise InputError(f"{path}: corrupt or truncated xlsx (the zip archive cannot be read)") from None
    with z:
        infos = z.infolist()
        if len(infos) > MAX_PARTS:
            raise InputError(f"{path}: {len(infos):,} parts in the archive; at most {MAX_PARTS:,} are accepted")
        total = 0
        extents: dict[str, Extent] = {}
        for info in infos:
            total += info.file_size
            if info.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES:
                raise InputError(f"{path}: part {info.filename} unpacks to {info.file_size:,} bytes; "
                                 f"at most {MAX_PART_BYTES // 2**20} MiB a part and {MAX_TOTAL_BYTES // 2**20} MiB "
                                 "in all are read (a zip bomb?)")
            name = info.filename.lower()
            if not (name.endswith(".xml") or name.endswith(".rels") or name.endswith(".vml")):
                continue
            worksheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            try:
                with z.open(info) as fh:
                    extents_of = _scan_part(path, info.filename, fh, worksheet)
            except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError) as e:
                raise InputError(f"{path}: corrupt xlsx (part {info.filename}: {str(e)[:100]})") from None
            if worksheet:
                extents[info.filename] = extents_of
        return extents


def _column(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        elif "a" <= ch <= "z":
            n = n * 26 + ord(ch) - 96
        else:
            break
    return n


_DIMENSION = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Za-z]{1,3})\$?([0-9]{1,7}))?$")


class _Refused(Exception):
    pass


def _scan_part(path: Path, part: str, fh, worksheet: bool) -> Extent:
    """One streamed pass of expat over a part: refuses a DTD; for a worksheet, bounds rows,
    columns (by cell reference and by count, for cells without one) and the dimension."""
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    extent = Extent()
    where = f"{path}: sheet part {part}"
    state = {"row": 0, "col": 0, "cells": 0}

    def doctype(*args):
        raise _Refused(f"{path}: part {part} holds an XML document type declaration (<!DOCTYPE ...>); "
                       "it is refused before parsing (entities are never expanded)")

    def start(name, attrs):
        local = name.rpartition(":")[2]
        if local == "row":
            r = attrs.get("r")
            row = int(r) if r and r.isascii() and r.isdigit() else state["row"] + 1
            if row > MAX_ROWS:
                raise _Refused(f"{where}: row {row:,}; at most {MAX_ROWS:,} rows are read (EMA's exports have about 2,700)")
            state["row"], state["col"], state["cells"] = row, 0, 0
            extent.rows = max(extent.rows, row)
        elif local == "c":
            ref = attrs.get("r")
            col = _column(ref) if ref else state["col"] + 1
            state["col"] = col
            state["cells"] += 1
            if col > MAX_COLUMNS or state["cells"] > MAX_COLUMNS:
                raise _Refused(f"{where}: row {state['row']:,} has a cell in column {max(col, state['cells']):,}; "
                               f"at most {MAX_COLUMNS:,} columns are read (EMA's exports use about 40)")
            extent.columns = max(extent.columns, col)
        elif local == "dimension":
            m = _DIMENSION.match(attrs.get("ref", ""))
            if m:
                last_col = _column(m.group(3) or m.group(1))
                last_row = int(m.group(4) or m.group(2))
                if last_col > EXCEL_COLUMNS or last_row > EXCEL_ROWS:
                    raise _Refused(f"{where}: declared dimension {attrs.get('ref')} is beyond what a spreadsheet can hold")
                if last_row > MAX_ROWS:
                    raise _Refused(f"{where}: declared dimension {attrs.get('ref')} has {last_row:,} rows; "
                                   f"at most {MAX_ROWS:,} are read")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    if worksheet:
        parser.StartElementHandler = start
    try:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Refused as e:
        raise InputError(str(e)) from None
    except xml.parsers.expat.ExpatError as e:
        raise InputError(f"{path}: unreadable xlsx (part {part}: XML error: {str(e)[:100]})") from None
    if extent.rows * max(extent.columns, 1) > MAX_CELLS:
        raise InputError(f"{where}: {extent.rows:,} rows by {extent.columns:,} columns; at most {MAX_CELLS:,} cells are read")
    return extent


@dataclass
class Sheet:
    title: str
    state: str  # visible, hidden, veryHidden
    worksheet: object  # openpyxl's read-only worksheet


def open_workbook(path: Path, extents: dict[str, Extent]):
    """The workbook (openpyxl, read-only, cached values) and its sheets in order."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, EOFError):
        raise InputError(f"{path}: corrupt or truncated xlsx (the zip archive cannot be read)") from None
    except KeyError as e:
        raise InputError(f"{path}: not a spreadsheet workbook (missing part {e})") from None
    except Exception as e:  # openpyxl raises many kinds on malformed XML inside the zip
        raise InputError(f"{path}: unreadable xlsx ({type(e).__name__}: {str(e)[:120]})") from None
    sheets = []
    for ws in wb.worksheets:
        part = getattr(ws, "_worksheet_path", "")
        extent = extents.get(part) or extents.get(part.lstrip("/")) or Extent()
        # Pad rows to the columns that hold cells, not to the declared dimension; keep the
        # declared row count (within MAX_ROWS: checked), so that row numbers stay as they were.
        ws._max_column = extent.columns or None
        if ws.max_row is not None and ws.max_row > MAX_ROWS:
            ws._max_row = extent.rows or None
        sheets.append(Sheet(ws.title, getattr(ws, "sheet_state", "visible") or "visible", ws))
    return wb, sheets


def iter_values(sheet: Sheet) -> Iterator[tuple]:
    """The sheet's rows as tuples of cell values, one at a time."""
    count = 0
    for row in sheet.worksheet.iter_rows(values_only=True):
        count += 1
        if count > MAX_ROWS:
            raise InputError(f"sheet {sheet.title!r}: more than {MAX_ROWS:,} rows")
        yield row
