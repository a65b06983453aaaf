"""Query results in one normalised form, whichever engine produced them, and their formats.

Rows hold terms as SPARQL 1.1 Query Results JSON objects ({"type": "uri", "value": ...}),
so that the embedded engine and a remote endpoint can be compared row for row.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass
class Results:
    """Rows map each bound variable to its term; rows may share one term dict (see
    engine._evaluate), so a caller that changes a term copies it first."""

    variables: list[str]
    rows: list[dict[str, dict]] = field(default_factory=list)
    boolean: bool | None = None

    def to_json(self) -> str:
        if self.boolean is not None:
            return json.dumps({"head": {}, "boolean": self.boolean}, indent=2)
        return json.dumps(
            {"head": {"vars": self.variables}, "results": {"bindings": self.rows}},
            indent=2,
            ensure_ascii=False,
        )

    def to_csv(self, *, raw: bool = False) -> str:
        """RFC 4180 CSV. Cells a spreadsheet would run as a formula (= + - @ tab CR at the
        start) get a leading apostrophe unless raw (sanitize.csv_cell)."""
        import csv

        from ..sanitize import csv_cell

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        if self.boolean is not None:
            w.writerow(["boolean"])
            w.writerow(["true" if self.boolean else "false"])
            return buf.getvalue()
        w.writerow(self.variables)
        safe = (lambda v: v) if raw else csv_cell
        for row in self.rows:
            w.writerow([safe(_csv_value(row.get(v))) for v in self.variables])
        return buf.getvalue()

    def select(self, columns: list[str]) -> "Results":
        """The same results with only these columns, in this order; an unknown column is an
        error listing the columns there are."""
        from ..errors import InputError

        if self.boolean is not None:
            raise InputError("--columns: an ASK query answers true or false and has no columns")
        unknown = [c for c in columns if c not in self.variables]
        if unknown:
            raise InputError(f"--columns: no column {unknown[0]!r}; the columns are: {', '.join(self.variables)}")
        if len(set(columns)) != len(columns):
            twice = next(c for c in columns if columns.count(c) > 1)
            raise InputError(f"--columns: {twice!r} is named twice")
        return Results(variables=list(columns),
                       rows=[{c: r[c] for c in columns if c in r} for r in self.rows])

    def with_sorted_lists(self, columns: dict[str, str]) -> "Results":
        """The same results with the items of each list column (GROUP_CONCAT output, by its
        separator) in sorted order, so that the order an engine joined them in is gone; an
        empty list is left unbound."""
        if not columns or self.boolean is not None:
            return self
        rows = []
        for row in self.rows:
            fixed = dict(row)
            for var, sep in columns.items():
                t = row.get(var)
                if t is None or t.get("type") != "literal" or not sep:
                    continue
                if t["value"] == "":
                    # An empty list: some stores give "", others leave the variable unbound.
                    del fixed[var]
                else:
                    fixed[var] = dict(t, value=sep.join(sorted(t["value"].split(sep))))
            rows.append(fixed)
        return Results(variables=self.variables, rows=rows)

    def values(self, var: str) -> list[str | None]:
        """The plain values of one column (IRIs and literals alike), None where unbound."""
        return [r[var]["value"] if var in r else None for r in self.rows]

    def records(self) -> list[dict[str, str]]:
        """Rows as {variable: value} dicts of plain strings, unbound variables omitted."""
        return [{k: t["value"] for k, t in r.items()} for r in self.rows]

    def canonical_rows(self) -> list[tuple]:
        """Rows as sorted hashable tuples, for comparing results from two engines."""
        out = []
        for r in self.rows:
            out.append(tuple(_term_key(r.get(v)) for v in self.variables))
        return sorted(out, key=repr)


def _term_key(t: dict | None):
    if t is None:
        return None
    dtype = t.get("datatype")
    if t["type"] == "literal" and dtype == XSD_STRING:
        dtype = None
    return (t["type"] if t["type"] != "typed-literal" else "literal", t["value"], dtype, (t.get("xml:lang") or "").lower())


def _csv_value(t: dict | None) -> str:
    if t is None:
        return ""
    if t["type"] == "bnode":
        return "_:" + t["value"]
    return t["value"]


def term_to_json(term) -> dict:
    """A pyoxigraph term as a SPARQL JSON results term."""
    convert = _CONVERTERS.get(type(term))
    if convert is None:
        _init_converters()
        convert = _CONVERTERS.get(type(term))
        if convert is None:
            raise TypeError(f"unsupported term {term!r}")
    return convert(term)


_CONVERTERS: dict = {}


def _literal(term) -> dict:
    lang = term.language
    if lang:
        return {"type": "literal", "value": term.value, "xml:lang": lang}
    dtype = term.datatype.value
    if dtype == XSD_STRING:
        return {"type": "literal", "value": term.value}
    return {"type": "literal", "value": term.value, "datatype": dtype}


def _init_converters() -> None:
    # Dispatch on the exact type: this runs once per cell of every result.
    import pyoxigraph as ox

    _CONVERTERS[ox.NamedNode] = lambda t: {"type": "uri", "value": t.value}
    _CONVERTERS[ox.BlankNode] = lambda t: {"type": "bnode", "value": t.value}
    _CONVERTERS[ox.Literal] = _literal


def normalise_json_term(t: dict) -> dict:
    """A term from a remote endpoint in the same form as term_to_json gives."""
    kind = t.get("type")
    if kind == "typed-literal":
        kind = "literal"
    out = {"type": kind, "value": t.get("value", "")}
    if kind == "literal":
        lang = t.get("xml:lang")
        dtype = t.get("datatype")
        if lang:
            out["xml:lang"] = lang
        elif dtype and dtype not in (XSD_STRING, RDF_LANGSTRING):
            out["datatype"] = dtype
    return out
