"""Query results as a table for a terminal: it fits the width, shows labels instead of IRIs,
and never lets graph text steer the terminal.

- Width: $COLUMNS when set, else the terminal's, else 100 (terminal_width).
- Cells: a product IRI shows its label (looked up by views/labels.py), any other IRI in a
  known namespace its prefixed name (cite:..., atmp:...), also inside a space-separated list of
  IRIs (a GROUP_CONCAT column); control characters and escapes are stripped and whitespace
  folded to single spaces.
- Fitting: wide text columns are narrowed first, down to a floor (their header's longest
  word, or 15 characters); cut cells end in "…". If the floors still do not fit, columns are
  hidden, IRI columns first, then from the right (never the first), and the footer names them. wrap=True wraps
  long cells onto more lines instead of cutting them; wide=True ignores the width.
CSV and JSON never pass through here: they stay complete and exact.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
import unicodedata

from ..namespaces import PREFIXES
from ..sanitize import one_line
from .results import Results

DEFAULT_WIDTH = 100
MIN_WIDTH = 20
CELL_FLOOR = 15
MORE = "…"
SEP = "  "
_NUMERIC = {"http://www.w3.org/2001/XMLSchema#" + t for t in ("integer", "decimal", "double", "float", "int", "long")}
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
_IRI_LIST = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"]+(?:\s+[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"]+)*")


def terminal_width() -> int:
    """$COLUMNS when set to a number, else the terminal's width, else 100."""
    # shutil.get_terminal_size says the same, but importing shutil was 5 ms of every start.
    try:
        cols = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        cols = 0
    if cols <= 0:
        try:
            cols = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):  # no stdout, or not a terminal
            cols = DEFAULT_WIDTH
    return max(MIN_WIDTH, cols if cols > 0 else DEFAULT_WIDTH)


def prefixed(iri: str) -> str:
    """prefix:rest for an IRI in a known namespace (for reading, not for parsing back), else
    the IRI itself."""
    for p, ns in _BY_LENGTH:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{p}:{iri[len(ns):]}"
    return iri


def cell_text(term: dict | None, labels: dict[str, str]) -> str:
    """What a table shows for one result term."""
    if term is None:
        return ""
    value = term.get("value", "")
    kind = term.get("type")
    if kind == "uri":
        return one_line(labels.get(value) or prefixed(value))
    if kind == "bnode":
        return one_line("_:" + value)
    if ":" in value and _IRI_LIST.fullmatch(value.strip()):
        # A list of IRIs (GROUP_CONCAT): each item shortened like a single IRI.
        return one_line(" ".join(labels.get(v) or prefixed(v) for v in value.split()))
    return one_line(value)


def width_of(text: str) -> int:
    """Columns a string takes in a terminal (wide East Asian characters count two, combining
    marks none)."""
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


def _char_width(c: str) -> int:
    if unicodedata.combining(c):
        return 0
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def cut(text: str, width: int) -> str:
    """The text shortened to width columns, ending in … when anything was cut."""
    if width_of(text) <= width:
        return text
    out, used = [], 0
    for c in text:
        w = _char_width(c)
        if used + w > width - 1:
            break
        out.append(c)
        used += w
    return "".join(out).rstrip() + MORE


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - width_of(text))
    return gap + text if right else text + gap


def _wrap(text: str, width: int) -> list[str]:
    if width_of(text) <= width:
        return [text]
    lines = textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False) or [""]
    out = []
    for line in lines:  # textwrap counts characters; re-cut the rare wide-character line
        while width_of(line) > width:
            head = cut(line, width + 1)[:-1]
            out.append(head)
            line = line[len(head):]
        out.append(line)
    return out


def _header_words(name: str) -> list[str]:
    """authorisedBasis -> [authorised, Basis]; as_of -> [as_, of]: where a header may break."""
    return re.findall(r"[A-Z]?[a-z0-9]+[_-]?|[A-Z]+(?![a-z])[_-]?|[^A-Za-z0-9]+", name) or [name]


def _header_lines(name: str, width: int) -> list[str]:
    if len(name) <= width:
        return [name]
    lines, line = [], ""
    for word in _header_words(name):
        if line and len(line) + len(word) > width:
            lines.append(line)
            line = ""
        line += word
    lines.append(line)
    return [piece for ln in lines for piece in _wrap(ln, width)]


def render(results: Results, *, labels: dict[str, str] | None = None, width: int | None = None,
           wide: bool = False, wrap: bool = False) -> str:
    """The results as a plain-text table (see the module docstring)."""
    if results.boolean is not None:
        return "true" if results.boolean else "false"
    labels = labels or {}
    header = list(results.variables)
    body = [[cell_text(row.get(v), labels) for v in header] for row in results.rows]
    right = [bool(results.rows) and all(
        row.get(v) is None or row[v].get("datatype") in _NUMERIC for row in results.rows) for v in header]
    cells = [max([0] + [width_of(r[i]) for r in body]) for i in range(len(header))]
    natural = [max(len(h), c) for h, c in zip(header, cells)]
    total = width or terminal_width()
    shown = list(range(len(header)))
    if not wide:
        floors = [max(max(len(w) for w in _header_words(h)), min(cells[i], CELL_FLOOR)) for i, h in enumerate(header)]
        for i in _hide_order(results, header):
            if len(shown) <= 1 or _fits([floors[j] for j in shown], total):
                break
            shown.remove(i)
        widths = dict(zip(shown, _fit([natural[i] for i in shown], [min(floors[i], total) for i in shown], total)))
    else:
        widths = dict(enumerate(natural))
    hidden = [header[i] for i in range(len(header)) if i not in shown]

    lines: list[str] = []
    head = [_header_lines(header[i], widths[i]) for i in shown]
    for k in range(max((len(h) for h in head), default=1)):
        lines.append(SEP.join(pad(h[k] if k < len(h) else "", widths[i]) for h, i in zip(head, shown)).rstrip())
    lines.append(SEP.join("-" * widths[i] for i in shown))
    for r in body:
        if wrap and not wide:
            parts = [_wrap(r[i], widths[i]) for i in shown]
            for k in range(max(len(p) for p in parts) if parts else 1):
                lines.append(SEP.join(pad(p[k] if k < len(p) else "", widths[i], right[i] and k == 0)
                                      for p, i in zip(parts, shown)).rstrip())
        else:
            lines.append(SEP.join(pad(cut(r[i], widths[i]), widths[i], right[i]) for i in shown).rstrip())
    n = len(body)
    lines.append(f"({n} row{'s' if n != 1 else ''})")
    if hidden:
        note = f"(hidden to fit {total} columns: {', '.join(hidden)}; show them with --columns or --wide)"
        lines += textwrap.wrap(note, width=total)
    return "\n".join(lines)


def _fits(widths: list[int], total: int) -> bool:
    return sum(widths) + len(SEP) * (len(widths) - 1) <= total


def _hide_order(results: Results, header: list[str]) -> list[int]:
    """Columns in the order they are hidden when the table is too wide: those holding only
    IRIs or lists of IRIs (for tracing, not reading), then the others from the right; never
    the first (it names the row)."""
    def iri_column(v: str) -> bool:
        terms = [r[v] for r in results.rows if v in r]
        return bool(terms) and all(
            t.get("type") == "uri" or (":" in t.get("value", "") and _IRI_LIST.fullmatch(t.get("value", "").strip()))
            for t in terms)
    order = list(range(1, len(header)))[::-1]
    return [i for i in order if iri_column(header[i])] + [i for i in order if not iri_column(header[i])]


def _fit(natural: list[int], floors: list[int], total: int) -> list[int]:
    """Column widths within total: the widest columns are cut to a common cap (never below
    their floor), and what the cap leaves over goes back to them."""
    room = total - len(SEP) * (len(natural) - 1)
    if sum(natural) <= room:
        return natural
    lo, hi = 0, max(natural)
    while lo < hi:  # the largest cap whose widths fit
        mid = (lo + hi + 1) // 2
        if sum(max(f, min(n, mid)) for n, f in zip(natural, floors)) <= room:
            lo = mid
        else:
            hi = mid - 1
    widths = [max(f, min(n, lo)) for n, f in zip(natural, floors)]
    spare = room - sum(widths)
    for i, n in enumerate(natural):
        if spare <= 0:
            break
        if widths[i] < n:
            extra = min(spare, n - widths[i])
            widths[i] += extra
            spare -= extra
    return widths
