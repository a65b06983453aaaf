"""How strong the sources behind a claimed value are (shared by the events and classes rules)."""

from __future__ import annotations

from dataclasses import dataclass

from .context import RULE, Context
from .facts import ATMP, PROV, RDF_TYPE


@dataclass
class Claim:
    value: str
    nodes: list[str]          # the assertions that give the value
    sources: int              # how many distinct sources give it
    rank: int                 # the best rank among them
    latest: str | None        # the latest issue date among its sources of that rank
    key_citation: str         # a citation of such a source (the first by IRI)
    first_source: str         # the earliest-issued of all its sources (undated last)


def weigh(ctx: Context, value: str, nodes: list[str]) -> Claim:
    f = ctx.facts
    cites = f.citations(nodes)
    source_of, issued = f.source_of.get, f.issued
    by_cite = {c: source_of(c) for c in cites}
    sources = sorted({s for s in by_cite.values() if s is not None})
    if len(sources) == 1:  # a third of the claims at 1M: what follows, shortened (cites are sorted)
        only = sources[0]
        key = next(c for c in cites if by_cite[c] == only)
        return Claim(value, sorted(nodes), 1, f.rank(only), issued.get(only), key, only)
    ranks = {s: f.rank(s) for s in sources}
    rank = max(ranks.values(), default=0)
    best = [s for s in sources if ranks[s] == rank]
    dated = [issued[s] for s in best if s in issued]
    latest = max(dated) if dated else None
    chosen = {s for s in best if latest is None or issued.get(s) == latest}
    key = min((c for c in cites if by_cite[c] in chosen), default=cites[0] if cites else "")
    first = min(sources, key=lambda s: (issued.get(s, "9999-99-99"), s)) if sources else ""
    return Claim(value, sorted(nodes), len(sources), rank, latest, key, first)


def write_claim(ctx: Context, iri: str, cls: str, of: str, claim: Claim, rule: str) -> None:
    out = ctx.out
    out.iri(iri, RDF_TYPE, ATMP + cls)
    out.iri(iri, ATMP + "claimOf", of)
    out.integer(iri, ATMP + "sourceCount", claim.sources)
    out.integer(iri, ATMP + "rank", claim.rank)
    if claim.latest:
        out.date(iri, ATMP + "latestIssued", claim.latest)
    if claim.first_source:
        out.iri(iri, ATMP + "firstSource", claim.first_source)
    out.iri(iri, ATMP + "keyCitation", claim.key_citation)
    out.iris(iri, PROV + "wasDerivedFrom", claim.nodes)
    out.iri(iri, PROV + "wasGeneratedBy", RULE + rule)
