"""Runs SPARQL on the embedded engine (a pyoxigraph Store) and normalises the results."""

from __future__ import annotations

import re

from ..errors import InputError
from .results import Results, term_to_json


def syntax_error_message(e: SyntaxError, where: str) -> str:
    """A pyoxigraph query syntax error as 'WHERE: line L, column C: message'."""
    msg = str(e)
    m = re.search(r"error at (\d+):(\d+)", msg)
    if m:
        return f"{where}: SPARQL syntax error at line {m.group(1)}, column {m.group(2)}: {msg.splitlines()[0]}"
    return f"{where}: SPARQL syntax error: {msg.splitlines()[0]}"


def run_local(store, text: str, *, where: str = "query") -> Results:
    """Run a read-only query on a Store; ASK gives a boolean, CONSTRUCT/DESCRIBE triples."""
    import pyoxigraph as ox

    from .catalog import query_form

    form = query_form(text)
    try:
        answer = store.query(text)
    except SyntaxError as e:
        raise InputError(syntax_error_message(e, where)) from None
    except OSError as e:
        raise InputError(f"{where}: query failed: {e}") from None
    if isinstance(answer, ox.QueryBoolean):
        return Results(variables=[], boolean=bool(answer))
    if form in ("CONSTRUCT", "DESCRIBE"):
        rows = [
            {"subject": term_to_json(t.subject), "predicate": term_to_json(t.predicate), "object": term_to_json(t.object)}
            for t in answer
        ]
        return Results(variables=["subject", "predicate", "object"], rows=rows)
    variables = [v.value for v in answer.variables]
    rows = []
    append = rows.append
    named, literal = ox.NamedNode, ox.Literal
    string = "http://www.w3.org/2001/XMLSchema#string"
    # The hot loop of every view: terms are converted inline (the common cases) and through
    # term_to_json otherwise; a solution iterates its values in variable order.
    for sol in answer:
        row = {}
        for v, t in zip(variables, sol):
            if t is None:
                continue
            kind = type(t)
            if kind is named:
                row[v] = {"type": "uri", "value": t.value}
            elif kind is literal and not t.language:
                dtype = t.datatype.value
                row[v] = ({"type": "literal", "value": t.value} if dtype == string
                          else {"type": "literal", "value": t.value, "datatype": dtype})
            else:
                row[v] = term_to_json(t)
        append(row)
    return Results(variables=variables, rows=rows)
