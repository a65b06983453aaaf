"""Reads a claims file: CSV with a header row and the columns id, claim, measure, params, as_of,
value, source, quote.

Problems with the file itself (empty, not CSV, a missing column) stop the check: one line naming
the file, row and column. Problems with one row (a malformed date, an unknown measure, malformed
parameters) make that claim unchecked and are reported one line each, and the command exits 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

COLUMNS = ("id", "claim", "measure", "params", "as_of", "value", "source", "quote")
MAX_BYTES = 16 * 1024 * 1024  # a claims file is a list of sentences, not a data set
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


@dataclass
class Claim:
    row: int                  # the spreadsheet row (the header is row 1)
    id: str
    claim: str
    measure: str
    params: dict[str, str]
    as_of: dt.date | None
    value: str
    source: str
    quote: str
    problems: list[str] = field(default_factory=list)  # malformed cells: "column 'as_of': ..."
    cites: list[str] = field(default_factory=list)     # for a finding of the graph: its citations


def read_claims(path: str | Path, measures: dict) -> list[Claim]:
    """The claims of a file; `measures` maps measure names to views (for the unknown-measure check)."""
    path = Path(path)
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise InputError(f"{path}: row 1: not CSV ({e})") from None
    if header is None or not any(h.strip() for h in header):
        raise InputError(f"{path}: empty file; the first row must name the columns {', '.join(COLUMNS)}")
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InputError(f"{path}: row 1: missing column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(repr(c) for c in missing)}; the header must have {', '.join(COLUMNS)}")
    where = {c: names.index(c) for c in COLUMNS}
    claims: list[Claim] = []
    try:
        for rownum, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            cell = {c: (cells[i].strip() if i < len(cells) else "") for c, i in where.items()}
            claims.append(_claim(rownum, cell, measures))
    except csv.Error as e:
        raise InputError(f"{path}: row {reader.line_num}: not CSV ({e})") from None
    if not claims:
        raise InputError(f"{path}: no claims below the header row")
    return claims


def _read_text(path: Path) -> str:
    try:
        if not path.is_file():
            raise InputError(f"{path}: {'not a regular file' if path.exists() else 'no such file'}")
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB; a claims file is a CSV list of claims")
    if not data.strip():
        raise InputError(f"{path}: empty file; the first row must name the columns {', '.join(COLUMNS)}")
    if data.startswith(b"PK") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path}: not CSV: it is a spreadsheet workbook; save it as CSV (UTF-8)")
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: not CSV: binary data")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(f"{path}: row {line}: not UTF-8 text; save the file as CSV (UTF-8)") from None


def _claim(rownum: int, cell: dict[str, str], measures: dict) -> Claim:
    problems: list[str] = []
    as_of = None
    raw = cell["as_of"]
    if not _DATE.fullmatch(raw):
        problems.append(f"column 'as_of': {_show(raw)} is not a date; write YYYY-MM-DD")
    else:
        try:
            as_of = dt.date.fromisoformat(raw)
        except ValueError:
            problems.append(f"column 'as_of': {_show(raw)} is not a real calendar date")
    measure = cell["measure"]
    if measure not in measures:
        close = _closest(measure, measures)
        problems.append(f"column 'measure': unknown measure {_show(measure)}"
                        + (f" (did you mean {close}?)" if close else "")
                        + f"; measures: {', '.join(sorted(measures))}")
    params: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in cell["params"].split(";"))):
        m = _PARAM.match(part)
        if not m:
            problems.append(f"column 'params': {_show(part)} is not name=value")
            continue
        name, value = m.group(1), m.group(2).strip()
        if name == "as_of":
            problems.append("column 'params': as_of goes in its own column")
        elif name in params:
            problems.append(f"column 'params': {name} is given twice")
        else:
            params[name] = value
    if measure in measures and not problems:
        known = {p.name for p in measures[measure].params}
        for name in params:
            if name not in known:
                problems.append(f"column 'params': measure {measure} has no parameter {name!r} "
                                f"(its parameters: {', '.join(sorted(known - {'as_of'})) or 'none but as_of'})")
    return Claim(rownum, cell["id"] or f"row {rownum}", cell["claim"], measure, params, as_of,
                 cell["value"], cell["source"], cell["quote"], problems)


def _closest(name: str, measures: dict) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, list(measures), n=1)
    return found[0] if found else None


def _show(value: str) -> str:
    from ..sanitize import one_line

    v = one_line(value)
    return repr(v if len(v) <= 60 else v[:59] + "…")
