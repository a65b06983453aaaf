"""Turns dated values of one aspect of one product into intervals (shared by the status and the
holder and name rules)."""

from __future__ import annotations

from typing import NamedTuple

from .context import RULE, Context, derived_iri
from .facts import ATMP, PROV, RDF_TYPE


class Point(NamedTuple):  # a tuple: made tens of thousands of times at 1M triples
    date: str
    key: str          # what is compared with the neighbours
    value: str        # an IRI (is_iri) or the text as first written
    opener: str       # the event or observation that gives the value on this date
    key_citation: str
    is_iri: bool = False


def opens(points: list[Point], key: str) -> bool:
    """Whether a value with this key, dated after the points so far, opens an interval: it does
    when its key differs from the point before it. The rules ask before they make the point."""
    return not points or points[-1].key != key


def write_intervals(ctx: Context, product: str, aspect: str, runs: list[Point], rule: str) -> None:
    """The points that open intervals (see opens), in date order: each interval holds until the
    next one opens."""
    out = ctx.out
    local = aspect.rsplit("#", 1)[-1]
    for i, run in enumerate(runs):
        iri = derived_iri(product, local, run.date)
        out.iri(iri, RDF_TYPE, ATMP + "Interval")
        out.iri(iri, ATMP + "product", product)
        out.iri(iri, ATMP + "intervalOf", aspect)
        if run.is_iri:
            out.iri(iri, ATMP + "intervalValue", run.value)
        else:
            out.text(iri, ATMP + "intervalValue", run.value)
        out.date(iri, ATMP + "from", run.date)
        out.iri(iri, PROV + "wasDerivedFrom", run.opener)  # the event or observation that opens it
        out.iri(iri, ATMP + "keyCitation", run.key_citation)
        out.iri(iri, PROV + "wasGeneratedBy", RULE + rule)
        if i + 1 < len(runs):
            out.date(iri, ATMP + "until", runs[i + 1].date)
            out.iri(iri, ATMP + "closedBy", runs[i + 1].opener)
