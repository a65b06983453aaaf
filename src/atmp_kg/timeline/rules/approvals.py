"""The facts of each approval: when, on what basis, of what type, orphan and PRIME status."""

from __future__ import annotations

import datetime as dt

from ..context import RULE, ApprovalFacts, Context, derived_iri
from ..facts import ATMP, PROV, RDF_TYPE

NAME = "approvals"
TITLE = "The facts of each approval"
DESCRIPTION = (
    "A product is approved in a jurisdiction by the event of a kind that the ontology marks with that "
    "jurisdiction (atmp:jurisdiction: an EU marketing authorisation, a US licensure), on that event's date "
    "(basis 'decision'). An EU product that no source dates a decision for yet, but that a source reports "
    "authorised, is approved as of the first such report: dated by the report's date (its issue date, or "
    "a date its words give; basis 'reported'), or, when the report states no date, left undated and known "
    "only from the day it was read (basis 'undated report'). The authorisation type is the one curated sources give the "
    "authorisation. Orphan status at approval comes from a source that describes the product on its "
    "approval date; failing that, an EMA export that lists the product as an orphan medicine after approval "
    "shows that it was one at approval, because an orphan designation must be applied for before the "
    "marketing authorisation (EMA, Questions and answers on orphan designation application: 'the "
    "designation application must be submitted before the submission of the application for marketing "
    "authorisation'). A 'No' proves less, since a designation can be withdrawn at or after approval: a "
    "product is taken as not orphan at approval only when no source ever records it as an orphan medicine "
    "and the first EMA export after approval lists it as not orphan (a designation withdrawn between "
    "approval and that export shows in EMA's orphan register, which curated sources read). PRIME support comes from a source on the approval date, else from the first EMA export that "
    "has a PRIME column (PRIME supports medicines before their authorisation, and EMA's flag records whether "
    "a medicine had it). Each is known from the date of the source that records it (orphanKnownSince, "
    "primeKnownSince): a view as of an earlier date leaves it unknown. For an EU decision, the positive "
    "CHMP opinion before it and the days between them are recorded too."
)


def _days(start: str, end: str) -> int:
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days


def apply(ctx: Context) -> None:
    f, out = ctx.facts, ctx.out
    observed_on = f.single(ATMP + "observedOn")
    status_of = f.single(ATMP + "status")
    orphan_of = f.single(ATMP + "orphan")
    prime_of = f.single(ATMP + "prime")
    type_of = f.multi(ATMP + "authorisationType")
    observations: dict[str, list[str]] = {}
    is_observation = f.kinds(ATMP + "Observation")
    for obs, day in observed_on.items():
        if obs in f.product and obs in is_observation:
            observations.setdefault(f.product[obs], []).append(obs)
    exports = {s for s, t in f.source_type.items() if t == ATMP + "DatabaseExport"}

    def from_export(obs: str) -> bool:
        return any(f.source_of.get(c) in exports for c in f.cites.get(obs, ()))

    for product in sorted(ctx.members | set(ctx.events)):
        events = ctx.events.get(product, [])
        approvals = []  # (jurisdiction, event or None)
        for e in events:
            if e.kind in f.jurisdiction:
                approvals.append((f.jurisdiction[e.kind], e))
        if not any(j == ATMP + "EuropeanUnion" for j, _ in approvals) and f.is_a(product, ATMP + "MedicinalProduct"):
            approvals.append((ATMP + "EuropeanUnion", None))
        for jurisdiction, event in approvals:
            iri = derived_iri(product, "approval", jurisdiction.rsplit("#", 1)[-1])
            if event is not None:
                date, known, basis, key, basis_nodes = event.date, event.date, "decision", event.key_citation, [event.iri]
            else:
                reports = sorted((observed_on[o], o) for o in observations.get(product, ()) if status_of.get(o) == ATMP + "StatusAuthorised")
                if not reports:
                    continue
                known = reports[0][0]
                basis_nodes = [o for d, o in reports if d == known]
                # an undated report is dated by the day it was read: that is its date and no source's
                dated = any(s in f.issued for o in basis_nodes for s in f.sources(o)) or any(
                    f.value_of(c, ATMP + "accessed") != known for o in basis_nodes for c in f.cites.get(o, ()))
                date, basis = (known, "reported") if dated else (None, "undated report")
                key = min(c for o in basis_nodes for c in f.cites.get(o, ()))
            ctx.approvals[(product, jurisdiction)] = ApprovalFacts(iri, date, known)
            out.iri(iri, RDF_TYPE, ATMP + "Approval")
            out.iri(iri, ATMP + "product", product)
            out.iri(iri, ATMP + "approvedIn", jurisdiction)
            if date:
                out.date(iri, ATMP + "date", date)
            out.date(iri, ATMP + "knownBy", known)
            out.text(iri, ATMP + "dateBasis", basis)
            out.iri(iri, ATMP + "keyCitation", key)
            out.iris(iri, PROV + "wasDerivedFrom", basis_nodes)
            out.iri(iri, PROV + "wasGeneratedBy", RULE + NAME)
            if event is not None and event.dates_disagree:
                out.boolean(iri, ATMP + "datesDisagree", True)
            if event is not None:
                out.iris(iri, ATMP + "authorisationType", sorted({t for a in event.actions for t in type_of.get(a, ())}))
            if jurisdiction == ATMP + "EuropeanUnion" and event is not None:
                opinions = [e.date for e in events if e.kind == ATMP + "PositiveOpinion" and e.date <= event.date]
                if opinions:
                    out.date(iri, ATMP + "opinionDate", min(opinions))
                    out.integer(iri, ATMP + "daysFromOpinion", _days(min(opinions), event.date))
            obs = sorted(observations.get(product, ()), key=lambda o: (observed_on[o], o))

            def later_orphan(obs=obs, known=known):
                listed = [o for o in obs if observed_on[o] >= known and o in orphan_of and from_export(o)]
                ever_orphan = any(orphan_of.get(o) in ("true", "1") for o in obs)
                return [o for o in listed if orphan_of[o] in ("true", "1")] or ([] if ever_orphan else listed[:1])

            def later_prime(obs=obs):
                return [o for o in obs if o in prime_of and from_export(o)]

            _at_approval(ctx, iri, obs, observed_on, orphan_of, known, "orphan", later_orphan)
            _at_approval(ctx, iri, obs, observed_on, prime_of, known, "prime", later_prime)


def _at_approval(ctx, iri, obs, observed_on, flag_of, known, name, later) -> None:
    """Write <name>AtApproval from the observations of the approval day, else from the first that
    later() gives (asked for only then: it reads every observation's citations)."""
    out = ctx.out
    same_day = [o for o in obs if observed_on[o] == known and o in flag_of]
    chosen = same_day or later()[:1]
    if not chosen:
        return
    value = any(flag_of[o] in ("true", "1") for o in chosen)
    out.boolean(iri, ATMP + f"{name}AtApproval", value)
    out.date(iri, ATMP + f"{name}KnownSince", observed_on[chosen[0]])
    out.iri(iri, ATMP + f"{name}Citation", min(c for o in chosen for c in ctx.facts.cites.get(o, [""])))
    out.iris(iri, PROV + "wasDerivedFrom", chosen)
