"""Canonical Turtle: the same triples always give the same bytes.

Subjects are sorted, rdf:type comes first, predicates and objects are sorted, and only the
prefixes in use are declared, in a fixed order. A diff of two data files therefore shows
what changed in the world, not in the serialiser.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from ..namespaces import PREFIXES, RDF_TYPE, XSD

_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
# Longest namespace first, so that product: wins over a shorter enclosing namespace.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPE_RE = re.compile(r'[\\"\n\r\t]')


def _escape(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], text)


class _Writer:
    def __init__(self) -> None:
        self.used: set[str] = set()
        self._seen: dict[str, str] = {}  # the same IRIs recur: each is abbreviated once

    def iri(self, value: str) -> str:
        text = self._seen.get(value)
        if text is None:
            text = self._seen[value] = self._abbreviate(value)
        return text

    def _abbreviate(self, value: str) -> str:
        for prefix, ns in _BY_LENGTH:
            if value.startswith(ns):
                local = value[len(ns):]
                if local == "" or _LOCAL.match(local):
                    self.used.add(prefix)
                    return f"{prefix}:{local}"
        return f"<{value}>"

    def term(self, t) -> str:
        import pyoxigraph as ox

        if isinstance(t, ox.NamedNode):
            return self.iri(t.value)
        if isinstance(t, ox.BlankNode):
            return f"_:{t.value}"
        if isinstance(t, ox.Literal):
            lex = t.value
            if t.language:
                return f'"{_escape(lex)}"@{t.language}'
            dt = t.datatype.value
            if dt == XSD + "string":
                return f'"{_escape(lex)}"'
            if dt == XSD + "boolean" and lex in ("true", "false"):
                return lex
            if dt == XSD + "integer" and re.fullmatch(r"-?[0-9]+", lex):
                return lex
            return f'"{_escape(lex)}"^^{self.iri(dt)}'
        raise TypeError(f"cannot write {t!r} in Turtle")


def _sort_key(t) -> tuple[int, str]:
    import pyoxigraph as ox

    kind = 0 if isinstance(t, ox.NamedNode) else 1 if isinstance(t, ox.BlankNode) else 2
    return (kind, str(t))


def serialize(triples: Iterable, header: str = "") -> str:
    """Canonical Turtle for pyoxigraph triples or quads (graph names are dropped)."""
    by_subject: dict = defaultdict(set)
    for t in triples:
        by_subject[t.subject].add((t.predicate, t.object))
    return serialize_grouped(by_subject, header)


def serialize_grouped(by_subject: dict, header: str = "") -> str:
    """serialize() for triples already grouped by subject: {subject: {(predicate, object), ...}}
    (one set of pairs per subject: the most compact grouping for a large import)."""
    import pyoxigraph as ox

    named, blank = ox.NamedNode, ox.BlankNode

    def sort_key(t) -> tuple[int, str]:
        kind = type(t)
        return (0 if kind is named else 1 if kind is blank else 2, str(t))

    w = _Writer()
    blocks: list[str] = []
    for s in sorted(by_subject, key=sort_key):
        preds: dict = defaultdict(list)
        for p, o in by_subject[s]:
            preds[p].append(o)
        order = sorted(preds, key=lambda p: (p.value != RDF_TYPE, p.value))
        lines = []
        for p in order:
            verb = "a" if p.value == RDF_TYPE else w.iri(p.value)
            objs = ", ".join(w.term(o) for o in sorted(preds[p], key=sort_key))
            lines.append(f"    {verb} {objs}")
        blocks.append(w.term(s) + "\n" + " ;\n".join(lines) + " .\n")
    prefix_lines = [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items() if p in w.used]
    head = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines()) if header else ""
    return head + ("\n".join(prefix_lines) + "\n\n" if prefix_lines else "") + "\n".join(blocks)


def canonical_text(path) -> str:
    """The canonical form of one Turtle file's triples (keeping its leading comment block)."""
    from .files import parse_quads

    original = path.read_text(encoding="utf-8")
    header_lines = []
    for line in original.splitlines():
        if line.startswith("#"):
            header_lines.append(line[1:].removeprefix(" "))
        else:
            break
    return serialize(parse_quads(path), header="\n".join(header_lines))


def canonical_files(paths, *, write: bool) -> list:
    """Turtle files (or folders of them) not in canonical form; rewritten when write is set."""
    from pathlib import Path

    from ..atomic import write as atomic_write
    from .files import expand_paths

    changed = []
    for p in expand_paths(paths):
        if p.suffix.lower() != ".ttl":
            continue
        text = canonical_text(p)
        if text != p.read_text(encoding="utf-8"):
            changed.append(Path(p))
            if write:
                atomic_write(p, text)
    return changed
