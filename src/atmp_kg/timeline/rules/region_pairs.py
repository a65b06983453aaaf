"""An advanced therapy approved in both the EU and the US, and which region came first."""

from __future__ import annotations

import datetime as dt

from ..context import RULE, Context, derived_iri
from ..facts import ATMP, PROV, RDF_TYPE

NAME = "region-pairs"
TITLE = "Advanced therapies approved in both regions"
DESCRIPTION = (
    "A region link (a curated, sourced statement that an EU medicine and a US licence are the same "
    "therapy) pairs an EU approval of an ATMP with the US approval of the licence, when both are approved. "
    "The pair is known from the later of the two dates from which a source records each approval "
    "(atmp:knownBy). When both approvals are dated, the lag is the EU date minus the US date in days "
    "(positive: the US came first) and the first region is 'US', 'EU' or 'same day'; an approval known only "
    "from an undated report leaves both unknown. A deprecated link pairs nothing."
)

_EU, _US = ATMP + "EuropeanUnion", ATMP + "UnitedStates"


def apply(ctx: Context) -> None:
    f, out = ctx.facts, ctx.out
    eu_of, us_of = f.single(ATMP + "euProduct"), f.single(ATMP + "usProduct")  # deprecated links left out
    for link in sorted(eu_of):
        eu, us = eu_of[link], us_of.get(link)
        ea, ua = ctx.approvals.get((eu, _EU)), ctx.approvals.get((us, _US))
        if eu not in ctx.members or ea is None or ua is None:
            continue
        iri = derived_iri(link, "pair")
        out.iri(iri, RDF_TYPE, ATMP + "RegionPair")
        out.iri(iri, ATMP + "euProduct", eu)
        out.iri(iri, ATMP + "usProduct", us)
        out.iri(iri, ATMP + "euApproval", ea.iri)
        out.iri(iri, ATMP + "usApproval", ua.iri)
        out.date(iri, ATMP + "knownBy", max(ea.known_by, ua.known_by))
        if ea.date and ua.date:
            lag = (dt.date.fromisoformat(ea.date) - dt.date.fromisoformat(ua.date)).days
            out.integer(iri, ATMP + "lagDays", lag)
            out.text(iri, ATMP + "firstRegion", "US" if lag > 0 else "EU" if lag < 0 else "same day")
        cites = f.cites.get(link, [])
        if cites:
            out.iri(iri, ATMP + "keyCitation", cites[0])
        out.iri(iri, PROV + "wasDerivedFrom", link)
        out.iri(iri, PROV + "wasGeneratedBy", RULE + NAME)
