"""The claims the graph itself holds: its findings that name a measure (atmp:recomputedBy)."""

from __future__ import annotations

from .claimsfile import Claim, _claim


def graph_claims(run) -> list[Claim]:
    """The findings of the graph as claims (the claims-vs-data view), checked like a claims file."""
    claims = []
    measures = {n: v for n, v in run.views.items() if v.is_measure}
    for r in run("claims-vs-data", {}).records():
        cell = {k: r.get(k, "") for k in ("id", "claim", "measure", "params", "as_of", "value", "source", "quote")}
        claim = _claim(0, cell, measures)
        claim.cites = sorted(set((r.get("cites") or "").split()))
        claims.append(claim)
    return claims
