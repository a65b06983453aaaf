"""Text from the graph, an endpoint or a server made safe for the place it is shown in.

Graph literals are data anyone can write: shown raw, they can move a terminal's cursor, change
its title or hide text (ANSI/OSC escapes, bidi overrides), and in a spreadsheet a CSV cell
that starts with = + - @ is run as a formula. Each function here does one such job.
"""

from __future__ import annotations

from .lazy_re import LazyPattern

# Whole escape sequences first (CSI ... final byte, OSC/DCS/APC/PM ... ST or BEL, two-byte
# ESC x), so that no "[31m" is left behind; then every other control character: C0 but for
# tab/newline (handled by the caller), DEL, C1, and the bidirectional overrides and isolates
# that reorder what a reader sees (U+202A-U+202E, U+2066-U+2069).
_ESCAPES = LazyPattern(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erase
    r"|(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS...: title, links
    r"|\x1b[ -~]"  # two-byte escapes (reset, charset)
)
_CONTROLS = LazyPattern(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """The text without terminal escape sequences and control characters (tabs and newlines
    are kept for the caller to fold)."""
    if text.isprintable():
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def one_line(text: str) -> str:
    """The text on one line: controls stripped, every run of whitespace one space."""
    return " ".join(strip_controls(text).split())


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = LazyPattern(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def csv_cell(value: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula: a leading apostrophe before
    = + - @ tab or CR (OWASP's advice), except on a plain number such as -3 or +1.5, which
    cannot be a formula and stays as it is."""
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value
