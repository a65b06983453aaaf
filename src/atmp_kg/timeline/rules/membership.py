"""Which products are ATMPs."""

from __future__ import annotations

from collections import defaultdict

from ..context import RULE, Context, derived_iri
from ..facts import ATMP, PROV, RDF_TYPE

NAME = "atmp-membership"
TITLE = "Which products are ATMPs"
DESCRIPTION = (
    "A product is an advanced therapy medicinal product when a source classifies it in any legal "
    "class (a curated classification), or when an EMA export flags it 'Advanced therapy: Yes'. EMA's "
    "flag is not needed: a sourced classification brings in a product that EMA does not flag. As in "
    "every rule, deprecated assertions count for nothing."
)


def apply(ctx: Context) -> None:
    f, out = ctx.facts, ctx.out
    classified: dict[str, list[str]] = defaultdict(list)
    flagged: dict[str, list[str]] = defaultdict(list)
    for node in f.of_class(ATMP + "Classification"):
        if node in f.product:
            classified[f.product[node]].append(node)
    observations = f.kinds(ATMP + "Observation")
    for node, flag in f.single(ATMP + "advancedTherapy").items():
        if flag in ("true", "1") and node in f.product and node in observations:
            flagged[f.product[node]].append(node)
    for product in sorted(set(classified) | set(flagged)):
        iri = derived_iri(product, "atmp")
        out.iri(iri, RDF_TYPE, ATMP + "ATMPMembership")
        out.iri(iri, ATMP + "product", product)
        # the classifications are the basis; EMA's flag only where no source classifies the product
        out.iris(iri, PROV + "wasDerivedFrom", sorted(classified.get(product) or flagged[product]))
        out.iri(iri, PROV + "wasGeneratedBy", RULE + NAME)
        ctx.members.add(product)
