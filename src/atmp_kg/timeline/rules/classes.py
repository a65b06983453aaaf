"""The preferred legal class of each product."""

from __future__ import annotations

from collections import defaultdict

from ..claims import weigh, write_claim
from ..context import RULE, Context, derived_iri
from ..facts import ATMP, PROV, RDF_TYPE

NAME = "preferred-class"
TITLE = "The legal class of each product where sources may disagree"
DESCRIPTION = (
    "Each legal class that a classification gives a product is a class claim. The product takes the "
    "class of the strongest: a named legal class (GTMP, sCTMP, TEP) beats 'ATMP' alone (a source that "
    "says only that the product is an advanced therapy), then the class with the best-ranked source, then "
    "the class with most sources, then the short name in alphabetical order. The product is combined when "
    "a classification says it is, not combined when classifications say so and none says it is, and "
    "unknown otherwise. Class claims are written only where sources disagree (the conflicts view lists "
    "them)."
)
_GENERIC = ATMP + "AdvancedTherapyMedicinalProduct"


def apply(ctx: Context) -> None:
    f, out = ctx.facts, ctx.out
    klass = f.single(ATMP + "productClass")
    combined = f.single(ATMP + "combined")
    by_product: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    says_combined: dict[str, set[str]] = defaultdict(set)
    for node in f.of_class(ATMP + "Classification"):
        product = f.product.get(node)
        if product in ctx.members and node in klass:
            by_product[product][klass[node]].append(node)
            if node in combined:
                says_combined[product].add(combined[node] in ("true", "1"))
    for product in sorted(by_product):
        claims = [weigh(ctx, cls, nodes) for cls, nodes in sorted(by_product[product].items())]
        label = {c.value: f.alt_label.get(c.value, c.value.rsplit("#", 1)[-1]) for c in claims}
        best = min(claims, key=lambda c: (c.value == _GENERIC, -c.rank, -c.sources, label[c.value]))
        iri = derived_iri(product, "class")
        out.iri(iri, RDF_TYPE, ATMP + "PreferredClass")
        out.iri(iri, ATMP + "product", product)
        out.iri(iri, ATMP + "productClass", best.value)
        out.text(iri, ATMP + "classLabel", label[best.value])
        if says_combined[product]:
            out.boolean(iri, ATMP + "combined", True in says_combined[product])
        out.iri(iri, ATMP + "keyCitation", best.key_citation)
        out.iris(iri, PROV + "wasDerivedFrom", best.nodes)
        out.iri(iri, PROV + "wasGeneratedBy", RULE + NAME)
        if len(claims) > 1:
            for c in claims:
                claim_iri = derived_iri(product, "class", label[c.value])
                write_claim(ctx, claim_iri, "ClassClaim", product, c, NAME)
                out.iri(claim_iri, ATMP + "productClass", c.value)
                out.text(claim_iri, ATMP + "classLabel", label[c.value])
