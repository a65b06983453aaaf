"""Loads the embedded graph: the ontology plus the shipped data or the files given.

The embedded engine is pyoxigraph (an in-memory Store): it parses and queries one to two
orders of magnitude faster than rdflib's memory store. rdflib is used only where it is
needed (pyshacl validation, JSON-LD compaction).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .. import resources
from .files import expand_paths, load_into


def data_paths(paths: Sequence[str | Path] | None) -> list[Path]:
    """The data files to use: the given files or folders, else the shipped data/."""
    if paths:
        return expand_paths(paths)
    return resources.data_files()


def load_store(paths: Sequence[str | Path] | None = None, *, ontology: bool = True, derive: bool = True):
    """A pyoxigraph Store holding the ontology, the data and (with the ontology, unless derive is
    False) the derived timeline layer, all in the default graph."""
    import pyoxigraph as ox

    files = (resources.ontology_files() if ontology else []) + data_paths(paths)
    store = ox.Store()
    for f in files:
        load_into(store, f, beside_checks=True)  # an error discards the store
    if ontology and derive:
        from ..timeline import derive as derive_timeline

        derive_timeline(store)
    return store


def store_to_rdflib(store, graph=None):
    """Copy a pyoxigraph Store's triples into an rdflib Graph (for pyshacl and JSON-LD)."""
    import rdflib

    g = graph if graph is not None else rdflib.Graph()
    convert = term_converter()
    add = g.add
    for q in store:
        add((convert(q.subject), convert(q.predicate), convert(q.object)))
    return g


def term_converter():
    """A function from pyoxigraph terms to rdflib terms, with a small IRI cache."""
    import pyoxigraph as ox
    import rdflib

    cache: dict[str, rdflib.URIRef] = {}
    xsd_string = "http://www.w3.org/2001/XMLSchema#string"

    def convert(t):
        if isinstance(t, ox.NamedNode):
            v = t.value
            u = cache.get(v)
            if u is None:
                u = cache[v] = rdflib.URIRef(v)
            return u
        if isinstance(t, ox.BlankNode):
            return rdflib.BNode(t.value)
        if isinstance(t, ox.Literal):
            if t.language:
                return rdflib.Literal(t.value, lang=t.language)
            # RDF 1.1 makes "x" and "x"^^xsd:string one term; rdflib keeps them apart, and a
            # shape's sh:in ("x") would not match a typed string.
            if t.datatype.value == xsd_string:
                return rdflib.Literal(t.value)
            return rdflib.Literal(t.value, datatype=convert(t.datatype))
        raise TypeError(f"unsupported term {t!r}")

    return convert
