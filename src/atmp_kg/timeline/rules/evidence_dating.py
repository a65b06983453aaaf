"""When each piece of evidence became available, and the date each figure is about."""

from __future__ import annotations

from ..context import RULE, Context, derived_iri
from ..facts import ATMP, PROV, RDF_TYPE

NAME = "evidence-dating"
TITLE = "When each piece of evidence became available, and the date each figure is about"
DESCRIPTION = (
    "A finding, recommendation, context statement or challenge statement is available from the earliest "
    "issue date among its sources (a source dated only by year or month counts from the end of that "
    "period; undated sources are skipped, never counted as the day they were read); else from its own "
    "atmp:asOf; else from the earliest day its sources were read. A figure is about its own atmp:asOf when "
    "it states one ('until May 2025' is 2025-05-31), else about the date it became available. A historic "
    "scorecard leaves out what was not yet available. An item is official when one of its sources is "
    "legislation or a regulator's notice."
)
_OFFICIAL = {ATMP + "Legislation", ATMP + "RegulatoryNotice"}
_KINDS = ("Finding", "Recommendation", "ContextStatement", "ChallengeStatement")


def apply(ctx: Context) -> None:
    f, out = ctx.facts, ctx.out
    as_of = f.single(ATMP + "asOf")
    has_value = f.single(ATMP + "value")
    items = sorted({n for k in _KINDS for n in f.of_class(ATMP + k)})
    for item in items:
        cites = f.cites.get(item, [])
        issued = [f.issued[f.source_of[c]] for c in cites if f.source_of.get(c) in f.issued]
        read = [d for d in (f.value_of(c, ATMP + "accessed") for c in cites) if d]
        if issued:
            available, basis = min(issued), "issue date of a source"
        elif item in as_of:
            available, basis = as_of[item], "stated by the statement"
        elif read:
            available, basis = min(read), "date the source was read"
        else:
            continue
        iri = derived_iri(item, "dating")
        out.iri(iri, RDF_TYPE, ATMP + "EvidenceDating")
        out.iri(iri, ATMP + "about", item)
        out.date(iri, ATMP + "availableFrom", available)
        out.text(iri, ATMP + "dateBasis", basis)
        out.boolean(iri, ATMP + "official", any(f.source_type.get(f.source_of.get(c)) in _OFFICIAL for c in cites))
        if item in has_value:
            if item in as_of:
                out.date(iri, ATMP + "claimAsOf", as_of[item])
                out.text(iri, ATMP + "claimBasis", "stated by the source")
            else:
                out.date(iri, ATMP + "claimAsOf", available)
                out.text(iri, ATMP + "claimBasis", "date the source was read" if basis == "date the source was read" else "issue date of the source")
        out.iri(iri, PROV + "wasDerivedFrom", item)
        out.iri(iri, PROV + "wasGeneratedBy", RULE + NAME)
