"""The order of the database exports: which export is the latest on any date."""

from __future__ import annotations

from collections import defaultdict

from ..context import RULE, Context, derived_iri
from ..facts import ATMP, DCT, PROV, RDF_TYPE

NAME = "snapshots"
TITLE = "Which export of a database is the latest on any date"
DESCRIPTION = (
    "Each database export (an EMA medicines spreadsheet, an FDA Purple Book file) is the publisher's "
    "latest from its generation date until the publisher's next export that the graph holds. A "
    "product is listed on a date when the latest export of that date lists it; before the first "
    "export, and when the latest export does not list it, nothing is known from exports."
)


def apply(ctx: Context) -> None:
    f, out = ctx.facts, ctx.out
    by_publisher: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for src, day in f.generated_on.items():
        if f.source_type.get(src) == ATMP + "DatabaseExport":
            by_publisher[f.value_of(src, DCT + "publisher") or ""].append((day, src))
    for exports in by_publisher.values():
        exports.sort()
        days = sorted({d for d, _ in exports})
        for day, src in exports:
            iri = derived_iri(src, "snapshot")
            out.iri(iri, RDF_TYPE, ATMP + "Snapshot")
            out.iri(iri, ATMP + "source", src)
            out.date(iri, ATMP + "from", day)
            later = [d for d in days if d > day]
            if later:
                out.date(iri, ATMP + "until", later[0])
            out.iri(iri, PROV + "wasDerivedFrom", src)
            out.iri(iri, PROV + "wasGeneratedBy", RULE + NAME)
