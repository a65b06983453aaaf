"""What a query must pass before any SPARQL parser sees it (the embedded engine and `serve`).

- Its size: at most MAX_QUERY_CHARS characters.
- Its nesting: at most MAX_NESTING open brackets ( [ { at any point. Oxigraph parses and
  evaluates recursively: measured here, about a thousand nested calls overflow an 8 MB stack
  and kill the process (exit 139). Chains without brackets (a || b || ..., a/b/..., !!!...)
  recurse too; the size bound keeps them below what the evaluation thread's stack holds
  (views/engine.py: 1 GiB; 100,000-element chains and 100,000 `!` were measured to pass in
  256 MiB, 500,000 to crash).
- SERVICE (federation): never run. Oxigraph would send the query to any URL, even from the
  read-only server.

SPARQL cannot be split into strings, IRIs, comments and code without parsing it: `<` is an
IRI or "less than" depending on where it stands. The scanner therefore follows every reading
at once (a small nondeterministic automaton over the lexical states), counts an opening
bracket when any reading is code and a closing one only when every reading is code, so that
the nesting it finds is never below the true one; and it flags the letters SERVICE (in any
case, with or without a following space: Oxigraph accepts `SERVICEex:x`) wherever some
reading is code, except inside a variable or the local part of a prefixed name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import InputError
from ..lazy_re import LazyPattern

MAX_QUERY_CHARS = 262_144
MAX_NESTING = 100

# Lexical states: code, "short", 'short', """long""", '''long''', # comment, <iri>.
C, S1, S2, L1, L2, CM, IRI = range(7)
_QUOTE = {S1: '"', S2: "'", L1: '"', L2: "'"}
_EVENTS = LazyPattern(r"[\"'#<>\\\n\r(){}\[\]]")
_EVENTS_IN_IRI = LazyPattern(r"[\"'#<>\\\n\r(){}\[\]\x00-\x20]")
SERVICE_LETTERS = _SERVICE = LazyPattern("service", re.IGNORECASE)
# Before SERVICE: the rest of a variable, or of a prefixed name's local part (no dot: a
# dot may end the triple).
_IN_VARIABLE = LazyPattern(r"[?$][A-Za-z0-9_]*\Z")
_IN_LOCAL_NAME = LazyPattern(r"(?<![A-Za-z0-9_.:%\\?$-])(?:[A-Za-z][A-Za-z0-9_-]*|_)?:(?:[A-Za-z0-9_][A-Za-z0-9_-]*)?\Z")


@dataclass
class Scan:
    nesting: int = 0
    service: list[int] = field(default_factory=list)  # offsets where SERVICE may be the keyword


def scan(text: str) -> Scan:
    """The nesting bound and the possible SERVICE keywords of a query (see the module doc)."""
    found = Scan()
    hits = [m.start() for m in _SERVICE.finditer(text)]
    openers = text.count("(") + text.count("[") + text.count("{")
    if openers <= MAX_NESTING and not hits:
        found.nesting = openers  # a bound on the nesting, found without scanning
        return found
    # A reading is (state, characters still to skip: the rest of an escape or a triple quote).
    states = {(C, 0)}
    events, events_in_iri = _EVENTS.compiled().search, _EVENTS_IN_IRI.compiled().search
    depth = best = h = i = 0
    n = len(text)
    while i < n and states:
        if all(skip == 0 for _, skip in states):
            m = (events_in_iri if any(st == IRI for st, _ in states) else events)(text, i)
            pos = m.start() if m else n
            code = (C, 0) in states
            while h < len(hits) and hits[h] < pos:  # nothing changes between events
                if code:
                    found.service.append(hits[h])
                h += 1
            if m is None:
                break
        else:
            pos = i
            while h < len(hits) and hits[h] < pos:
                h += 1
            if h < len(hits) and hits[h] == pos and (C, 0) in states:
                found.service.append(pos)
                h += 1
        ch = text[pos]
        if ch in "([{" and (C, 0) in states:
            depth += 1
            best = max(best, depth)
        elif ch in ")]}" and states == {(C, 0)}:
            depth = max(0, depth - 1)
        nxt: set = set()
        for st, skip in states:
            nxt |= {(st, skip - 1)} if skip else _step(st, ch, text, pos)
        states = nxt
        i = pos + 1
    found.nesting = best
    return found


def _step(st: int, ch: str, text: str, pos: int) -> set:
    """The readings after one character, for one reading."""
    if st == C:
        if ch in "\"'":
            long_state, short_state = (L1, S1) if ch == '"' else (L2, S2)
            if text.startswith(ch * 3, pos):
                # Three quotes open a long string, or are an empty string and a new short one.
                return {(long_state, 2), (short_state, 2)}
            return {(short_state, 0)}
        if ch == "#":
            return {(CM, 0)}
        if ch == "<":
            return {(C, 0), (IRI, 0)}
        return {(C, 1)} if ch == "\\" else {(C, 0)}  # \x: an escaped character of a prefixed name
    if st in (S1, S2):
        if ch == "\\":
            return {(st, 1)}
        if ch == _QUOTE[st]:
            return {(C, 0)}
        return set() if ch in "\n\r" else {(st, 0)}
    if st in (L1, L2):
        if ch == "\\":
            return {(st, 1)}
        return {(C, 2)} if ch == _QUOTE[st] and text.startswith(ch * 3, pos) else {(st, 0)}
    if st == CM:
        return {(C, 0)} if ch in "\n\r" else {(CM, 0)}
    # IRI: Oxigraph accepts \u escapes in IRIs; white space, < " { } end the reading.
    if ch == ">":
        return {(C, 0)}
    if ch == "\\":
        return {(IRI, 1)}
    return set() if ch in '<"{}' or ord(ch) <= 0x20 else {(IRI, 0)}


def check(text: str, where: str = "query") -> list[int]:
    """Raises InputError for a query that is too large or too deeply nested; returns the
    offsets where SERVICE may be the keyword (the caller refuses or rules them out)."""
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(f"{where}: the query is {len(text):,} characters long; at most {MAX_QUERY_CHARS:,} are accepted")
    found = scan(text)
    if found.nesting > MAX_NESTING:
        raise InputError(f"{where}: the query nests brackets more than {MAX_NESTING} deep; it is refused before parsing")
    return [p for p in found.service if not _inside_name(text, p)]


def _inside_name(text: str, at: int) -> bool:
    before = text[max(0, at - 200):at]
    return bool(_IN_VARIABLE.search(before) or _IN_LOCAL_NAME.search(before))


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def offset(text: str, line: int, column: int) -> int:
    """The offset of a 1-based line and column."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return len(text)
    return start + column - 1


def service_message(where: str, text: str, offset: int) -> str:
    line, col = position(text, offset)
    return (f"{where}: line {line}, column {col}: SERVICE (a federated query) is refused: "
            "atmp-kg never sends queries to other endpoints")
