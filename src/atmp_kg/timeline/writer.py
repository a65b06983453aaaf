"""Writes the derived layer as N-Triples text; derive() loads it natively, batch by batch."""

from __future__ import annotations

import sys
from typing import Callable

from ..namespaces import PREFIXES

_XSD = PREFIXES["xsd"]
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


class Writer:
    """Collects triples; IRIs are absolute strings, literals are typed by the method that adds them.

    With spill, every `batch` lines or so (and at each flush) the lines go to spill as N-Triples,
    so that they can be loaded while the rules go on."""

    def __init__(self, spill: Callable[[bytes], None] | None = None, batch: int = 20_000) -> None:
        self.lines: list[str] = []
        self.spilled = 0  # lines handed to spill
        self._spill = spill
        self._batch = batch if spill else sys.maxsize

    def flush(self) -> None:
        if self.lines and self._spill:
            self.spilled += len(self.lines)
            self._spill(self.take())

    def iri(self, s: str, p: str, o: str) -> None:
        if o:  # a value the primary data lack (a citation-less action's key citation) writes nothing
            self.lines.append(f"<{s}> <{p}> <{o}> .")
            if len(self.lines) >= self._batch:  # checked here, where most lines are written
                self.flush()

    def iris(self, s: str, p: str, objects) -> None:
        for o in objects:
            self.lines.append(f"<{s}> <{p}> <{o}> .")

    def text(self, s: str, p: str, value: str, lang: str | None = None) -> None:
        v = value.translate(_ESCAPES)
        self.lines.append(f'<{s}> <{p}> "{v}"@{lang} .' if lang else f'<{s}> <{p}> "{v}" .')

    def typed(self, s: str, p: str, value: str, datatype: str) -> None:
        self.lines.append(f'<{s}> <{p}> "{value.translate(_ESCAPES)}"^^<{_XSD}{datatype}> .')

    def date(self, s: str, p: str, value: str) -> None:
        self.typed(s, p, value, "date")  # escaped: a date is read from the data, which may be hostile

    # integers and booleans are made here, and have nothing to escape

    def integer(self, s: str, p: str, value: int) -> None:
        self.lines.append(f'<{s}> <{p}> "{value:d}"^^<{_XSD}integer> .')

    def boolean(self, s: str, p: str, value: bool) -> None:
        self.lines.append(f'<{s}> <{p}> "{"true" if value else "false"}"^^<{_XSD}boolean> .')

    def value(self, s: str, p: str, term) -> None:
        """Copy a pyoxigraph term (an IRI or a literal) as it is."""
        import pyoxigraph as ox

        if isinstance(term, ox.NamedNode):
            self.iri(s, p, term.value)
        elif term.language:
            self.text(s, p, term.value, term.language)
        elif term.datatype.value == _XSD + "string":
            self.text(s, p, term.value)
        else:
            self.lines.append(f'<{s}> <{p}> "{term.value.translate(_ESCAPES)}"^^<{term.datatype.value}> .')

    def ntriples(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode("utf-8") if self.lines else b""

    def take(self) -> bytes:
        """The triples written so far, as N-Triples; the writer starts again empty."""
        data = self.ntriples()
        self.lines = []
        return data
