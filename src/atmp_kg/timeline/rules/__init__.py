"""The rules of the timeline layer, in the order they run.

Each rule is one module with a NAME (its IRI is https://w3id.org/atmp-kg/id/rule/NAME), a TITLE
and a DESCRIPTION that says the rule in plain words (both go into the graph as the rule node's
rdfs:label and rdfs:comment, so that an analyst reads the rule where the derived node points),
and apply(ctx), which writes the rule's nodes. Later rules read what earlier ones derived.
"""

from . import (approvals, classes, events, evidence_dating, holders_and_names, membership, region_pairs, snapshots,
               status)

RULES = [membership, snapshots, events, classes, status, holders_and_names, approvals, region_pairs, evidence_dating]
