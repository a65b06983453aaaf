"""The status of each product over time."""

from __future__ import annotations

from collections import defaultdict

from ..context import Context
from ..facts import ATMP
from ..intervals import Point, opens, write_intervals

NAME = "status"
TITLE = "The status of each product over time"
DESCRIPTION = (
    "On any date, a product has the status implied by its latest event on or before that date (an "
    "authorisation, a conversion, a renewal, a suspension or its lifting, a withdrawal, an expiry, a "
    "lapse, a revocation, a refusal, a withdrawn application: atmp:impliesStatus in the ontology), unless "
    "the latest observation on or before that date (what an EMA export listed that day) puts the product "
    "in another status group (valid, suspended, ended, not granted, pending): then the observation's status "
    "holds, from that observation's date. Old exports say 'Withdrawn' for every ended authorisation; the "
    "group rule keeps a dated expiry from turning into a withdrawal. An observation never moves a product "
    "back in its life (pending or not granted, then valid or suspended, then ended): EMA's export can list a "
    "medicine as an opinion for weeks after the Commission's decision. When two events or two observations of "
    "one date imply different statuses, the status whose IRI sorts first is taken. Equal statuses on "
    "neighbouring dates make one interval, opened by the event or observation that set it; before the "
    "first, the status is unknown."
)


# The order of a product's life, by status group: an observation may move it forward, never back.
_STAGE = {"pending": 0, "not granted": 1, "valid": 2, "suspended": 2, "ended": 3}


def _overrides(f, observed: str, implied: str) -> bool:
    """Whether an observed status overrides the status the latest event implies."""
    og, eg = f.status_group.get(observed), f.status_group.get(implied)
    return og != eg and _STAGE.get(og, 0) >= _STAGE.get(eg, 0)


def apply(ctx: Context) -> None:
    f = ctx.facts
    observed_on = f.single(ATMP + "observedOn")
    status_of = f.single(ATMP + "status")
    observations: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    is_observation = f.kinds(ATMP + "Observation")
    for obs, status in status_of.items():
        product = f.product.get(obs)
        if product in ctx.members and obs in observed_on and obs in is_observation:
            observations[product].append((observed_on[obs], status, obs))
    for product in sorted(ctx.members):
        events = [(e.date, f.implies_status[e.kind], e) for e in ctx.events.get(product, ()) if e.kind in f.implies_status]
        # on each date, the one event and the one observation that speak for it (the first by status, then IRI)
        event_on: dict[str, tuple] = {}
        for d, s, e in events:
            if d not in event_on or (s, e.iri) < (event_on[d][0], event_on[d][1].iri):
                event_on[d] = (s, e)
        obs_on: dict[str, tuple] = {}
        for d, s, o in observations.get(product, ()):
            if d not in obs_on or (s, o) < obs_on[d]:
                obs_on[d] = (s, o)
        points = []
        last_event = last_obs = ev = ob = None
        for day in sorted(event_on.keys() | obs_on.keys()):  # the latest event and observation so far
            if day in event_on:
                last_event, ev = day, event_on[day]
            if day in obs_on:
                last_obs, ob = day, obs_on[day]
            if ob and (ev is None or (last_obs > last_event and _overrides(f, ob[0], ev[0]))):
                status, opener = ob
                key_citation = (f.cites.get(opener) or [""])[0]  # cites are sorted
            elif ev:
                status, opener, key_citation = ev[0], ev[1].iri, ev[1].key_citation
            else:
                continue
            if opens(points, status):
                points.append(Point(day, status, status, opener, key_citation, is_iri=True))
        write_intervals(ctx, product, ATMP + "status", points, NAME)
