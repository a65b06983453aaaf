"""Curation rules as tests: canonical data files, a well-formed ontology, shapes and views."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT

DATA_FILES = sorted((ROOT / "data").rglob("*.ttl"))


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_data_file_is_in_canonical_form(path):
    from atmp_kg.graph.canonical import canonical_text

    assert canonical_text(path) == path.read_text(encoding="utf-8"), f"run: atmp-kg fmt {path.relative_to(ROOT)}"


ONTOLOGY_FILES = sorted((ROOT / "ontology").glob("*.ttl"))
SHAPE_FILES = sorted((ROOT / "shapes").glob("*.ttl"))


def _ontology():
    import rdflib

    g = rdflib.Graph()
    for f in ONTOLOGY_FILES:
        g.parse(f)
    return g


def test_ontology_terms_have_labels_and_definitions():
    """Across every ontology file: each term has a label and a definition, at most one of each
    per language (two files defining one term differently would give two)."""
    import rdflib
    from rdflib.namespace import OWL, RDF, RDFS, SKOS

    from atmp_kg.namespaces import ATMP

    assert len(ONTOLOGY_FILES) >= 2
    g = _ontology()
    terms = {s for s in g.subjects() if isinstance(s, rdflib.URIRef) and str(s).startswith(ATMP)}
    assert len(terms) > 100
    for t in terms:
        for prop in (RDFS.label, SKOS.definition):
            values = list(g.objects(t, prop))
            assert values, (t, prop)
            langs = [v.language for v in values]
            assert len(langs) == len(set(langs)), f"{t} has {len(values)} {prop} values in one language"
    g = rdflib.Graph().parse(ROOT / "ontology" / "atmp.ttl")
    onto = rdflib.URIRef("https://w3id.org/atmp-kg/ontology")
    version = str(g.value(onto, OWL.versionInfo))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", version)
    assert str(g.value(onto, OWL.versionIRI)).endswith("/" + version)
    for p in ("title", "description", "license", "creator"):
        assert g.value(onto, rdflib.URIRef("http://purl.org/dc/terms/" + p)) is not None, p
    assert (onto, RDF.type, OWL.Ontology) in g


def test_every_term_used_in_data_is_declared():
    import pyoxigraph as ox

    from atmp_kg.namespaces import ATMP

    declared = set()
    for f in ONTOLOGY_FILES:
        for q in ox.parse(path=str(f)):
            if q.subject.value.startswith(ATMP):
                declared.add(q.subject.value)
    used = set()
    for f in DATA_FILES:
        for q in ox.parse(path=str(f)):
            for t in (q.predicate, q.object):
                if isinstance(t, ox.NamedNode) and t.value.startswith(ATMP):
                    used.add(t.value)
    assert used - declared == set()


def test_shapes_speak_to_analysts_and_declare_prefixes():
    import rdflib
    from rdflib.namespace import SH

    g = rdflib.Graph()
    for f in SHAPE_FILES:
        g.parse(f)
    assert len(SHAPE_FILES) >= 2
    for c in g.objects(None, SH.sparql):
        assert g.value(c, SH.prefixes) is not None, "a SPARQL constraint without sh:prefixes"
        assert g.value(c, SH.message) is not None
    for ps in g.objects(None, SH.property):
        assert g.value(ps, SH.message) is not None, f"property shape on {g.value(ps, SH.path)} has no message"


def test_data_has_no_blank_nodes():
    import pyoxigraph as ox

    for f in DATA_FILES:
        for q in ox.parse(path=str(f)):
            assert not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode), f


def test_data_never_says_source_needed():
    for f in DATA_FILES:
        assert "source needed" not in f.read_text(encoding="utf-8").lower(), f
