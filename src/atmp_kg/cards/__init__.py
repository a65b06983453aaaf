"""Product cards: everything the graph holds on one product, as a page."""

from __future__ import annotations


def cards_for(run, model: dict, day) -> dict[str, str]:
    """{product IRI: its card as HTML} for every product with an EMA number that the scorecard
    model links to, each linking back to the scorecard beside it."""
    from ..namespaces import ID
    from .model import build_card
    from .render import to_html

    prefix = ID + "product/EMEA-H-C-"
    iris = sorted({p for s in model["sections"] for it in s["items"] for p in it.get("products", [])
                   if p.startswith(prefix)})
    return {iri: to_html(build_card(run, "EMEA/H/C/" + iri[len(prefix):], day, generated=model["generated"]),
                         scorecard_href="../scorecard.html") for iri in iris}
