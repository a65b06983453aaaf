"""One event per real-world event."""

from __future__ import annotations

from collections import defaultdict

from ..claims import weigh, write_claim
from ..context import RULE, Context, Event, derived_iri
from ..facts import ATMP, PROV, RDF_TYPE

NAME = "events"
TITLE = "One event per real-world event, on the date the best sources give"
DESCRIPTION = (
    "Every regulatory action (an opinion, an authorisation, a withdrawal ... as one source records it) "
    "belongs to one event of its product. A product has at most one event of a kind that happens once "
    "(marked atmp:occursOnce in the ontology: the initial marketing authorisation, the positive opinion, "
    "a withdrawal, an expiry, a refusal, a withdrawn application, a US licensure ...), so all such "
    "actions of one product are one event whatever dates their sources give; actions of other kinds "
    "(negative opinions, suspensions, renewals, orphan designations) make one event per date. EMA's "
    "'European Commission decision date' (the latest decision of any kind) and the procedure's milestones "
    "(start of evaluation, start of rolling review) stay primary facts and make no event. When sources give an event more than one date, each date becomes a date claim and the "
    "event takes the date of the strongest: the best-ranked source type first (a regulator's document, "
    "legislation or a database export, then a peer-reviewed article or report, then a company "
    "announcement or secondary summary), then the date whose best sources were issued last (a regulator "
    "that corrects itself is heard last), then the earlier date. Only ATMPs and US licences get events."
)
# EMA's latest-decision column and the procedure's milestones stay primary facts (history lists them)
_NOT_EVENTS = {ATMP + "ECDecision", ATMP + "StartOfEvaluation", ATMP + "StartOfRollingReview"}


def apply(ctx: Context) -> None:
    f, out = ctx.facts, ctx.out
    licences = set(f.of_class(ATMP + "BiologicsLicence"))
    wanted = ctx.members | licences
    groups: dict[tuple, list[str]] = defaultdict(list)
    date_of = f.single(ATMP + "date")
    kinds = f.kinds(ATMP + "RegulatoryAction")
    for action in sorted(kinds):
        product, date = f.product.get(action), date_of.get(action)
        kind = kinds[action]
        if product not in wanted or not date or kind in _NOT_EVENTS:
            continue
        key = (product, kind) if kind in f.occurs_once else (product, kind, date)
        groups[key].append(action)
    for key in sorted(groups):
        product, kind = key[0], key[1]
        actions = groups[key]
        local = kind.rsplit("#", 1)[-1]
        iri = derived_iri(product, "event", local) if len(key) == 2 else derived_iri(product, "event", local, key[2])
        by_date: dict[str, list[str]] = defaultdict(list)
        for a in actions:
            by_date[date_of[a]].append(a)
        claims = [weigh(ctx, d, nodes) for d, nodes in sorted(by_date.items())]
        preferred = claims[0] if len(claims) == 1 else _strongest(claims)
        out.iri(iri, RDF_TYPE, ATMP + "Event")
        out.iri(iri, ATMP + "product", product)
        out.iri(iri, ATMP + "eventKind", kind)
        out.date(iri, ATMP + "date", preferred.value)
        out.iri(iri, ATMP + "keyCitation", preferred.key_citation)
        out.iris(iri, PROV + "wasDerivedFrom", sorted(actions))
        out.iri(iri, PROV + "wasGeneratedBy", RULE + NAME)
        if len(claims) > 1:
            out.boolean(iri, ATMP + "datesDisagree", True)
            for c in claims:
                claim_iri = f"{iri}/date/{c.value}"
                write_claim(ctx, claim_iri, "DateClaim", iri, c, NAME)
                out.date(claim_iri, ATMP + "date", c.value)
        ctx.events.setdefault(product, []).append(
            Event(iri, product, kind, preferred.value, preferred.key_citation, sorted(actions), len(claims) > 1))


def _strongest(claims):
    """The best-ranked claim; among those, the one whose sources were issued last; then the earliest date."""
    best_rank = max(c.rank for c in claims)
    strongest = [c for c in claims if c.rank == best_rank]
    latest = max((c.latest or "" for c in strongest))
    return min((c for c in strongest if (c.latest or "") == latest), key=lambda c: c.value)
