"""Labels for the product IRIs of a result table, looked up on the engine the rows came from,
in one query for all of them (a table shows a product by its name, not its IRI)."""

from __future__ import annotations

from typing import Callable

from ..namespaces import ID
from .results import Results

PRODUCT_NS = ID + "product/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def product_iris(results: Results) -> list[str]:
    """Every product IRI in the results: a cell's IRI, or an item of a list of IRIs."""
    found: set[str] = set()
    for row in results.rows:
        for term in row.values():
            value = term.get("value", "")
            if PRODUCT_NS not in value:
                continue
            if term.get("type") == "uri":
                found.add(value)
            elif term.get("type") == "literal":
                found.update(v for v in value.split() if v.startswith(PRODUCT_NS))
    return sorted(found)


def label_query(iris: list[str]) -> str:
    """One SELECT giving each IRI's label (the least, when a product has several); every IRI
    is checked, so nothing but IRIs enters the text."""
    from .catalog import _valid_iri

    terms = []
    for iri in iris:
        if not _valid_iri(iri):
            raise ValueError(f"not an absolute IRI: {iri!r}")
        terms.append(f"<{iri}>")
    return (f"SELECT ?iri (MIN(STR(?label)) AS ?name) WHERE {{\n  VALUES ?iri {{ {' '.join(terms)} }}\n"
            f"  ?iri <{RDFS_LABEL}> ?label\n}} GROUP BY ?iri\n")


def lookup(results: Results, execute: Callable[[str], Results]) -> dict[str, str]:
    """{product IRI: label} for the results, by one query run through execute."""
    iris = product_iris(results)
    if not iris:
        return {}
    answer = execute(label_query(iris))
    return {r["iri"]: r["name"] for r in answer.records() if r.get("iri") and r.get("name")}
