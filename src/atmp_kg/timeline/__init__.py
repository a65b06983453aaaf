"""The derived timeline: the state of each product on any date, derived once from the primary facts.

`derive(store)` replaces the derived layer in a pyoxigraph Store's default graph and returns how
many triples it added. Every derived node lives under https://w3id.org/atmp-kg/id/timeline/ and
names the rule that made it (prov:wasGeneratedBy) and the citations it rests on
(prov:wasDerivedFrom), so that the layer travels with every export and push.

(Stub: the rules arrive with the timeline issue; until then nothing is derived.)
"""

from __future__ import annotations

TIMELINE = "https://w3id.org/atmp-kg/id/timeline/"


def derive(store) -> int:
    """Replace the derived layer of `store`; returns the number of derived triples."""
    return 0
