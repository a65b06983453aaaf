"""The hybrid validator (SHACL-SPARQL on Oxigraph, core constraints in pySHACL) reports exactly
what pySHACL alone reports, on every fixture; it exists only to be faster."""

from __future__ import annotations

import pytest

from conftest import FIXTURES

ALL = sorted((FIXTURES / "shapes").rglob("*.ttl"))


def _key(report):
    return sorted((v.focus, v.message, v.severity, v.path or "", v.value or "") for v in report.violations)


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_same_report_as_pyshacl(path):
    from atmp_kg.graph.store import load_store
    from atmp_kg.graph.validate import validate_store

    store = load_store([path])
    hybrid = validate_store(store, [path], engine="hybrid")
    reference = validate_store(store, [path], engine="pyshacl")
    assert hybrid.conforms == reference.conforms
    assert _key(hybrid) == _key(reference)
    native = validate_store(store, [path], engine="native")
    assert native.conforms == reference.conforms
    assert _key(native) == _key(reference)


def test_every_sparql_constraint_is_run_natively():
    from atmp_kg.graph.validate import shapes_graph, sparql_constraints

    constraints = sparql_constraints(shapes_graph())
    assert len(constraints) >= 12
    assert all("SELECT DISTINCT ?this WHERE" in c.query and "$this" not in c.query for c in constraints)


def test_every_core_shape_compiles_to_sparql():
    """The native engine covers the shapes as they are (else it would quietly fall back)."""
    from rdflib.namespace import SH

    from atmp_kg.graph.native import compile_shapes
    from atmp_kg.graph.validate import shapes_graph

    shapes = shapes_graph()
    for t in list(shapes.triples((None, SH.sparql, None))):
        shapes.remove(t)
    queries = compile_shapes(shapes)
    assert len(queries) > 150 and all("SELECT" in q.text for q in queries)


def _core_queries():
    from rdflib.namespace import SH

    from atmp_kg.graph.native import compile_shapes
    from atmp_kg.graph.validate import shapes_graph

    shapes = shapes_graph()
    for t in list(shapes.triples((None, SH.sparql, None))):
        shapes.remove(t)
    return compile_shapes(shapes)


@pytest.mark.parametrize("lateral_max", [0, 10**9], ids=["joined", "node-by-node"])
@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_batched_run_reports_what_each_constraint_reports_alone(path, lateral_max):
    """run() answers a target's constraints in one UNION (joined with the target, or LATERAL
    for a small one) and one grouped count; its results, duplicates included (update's check
    counts them), are those of each constraint's own query."""
    from dataclasses import replace

    from atmp_kg.graph.native import run
    from atmp_kg.graph.store import load_store

    store = load_store([path])
    queries = _core_queries()
    alone = [replace(q, target="", branch="", min_count=0) for q in queries]
    batched, reference = run(store, queries, lateral_max=lateral_max), run(store, alone)
    assert sorted(map(repr, batched)) == sorted(map(repr, reference))


def test_a_label_repeated_in_one_language_is_reported_once():
    """Three English labels make six pairs; the node is named once, as pySHACL names it."""
    from atmp_kg.graph.native import run
    from atmp_kg.graph.store import load_store

    store = load_store([FIXTURES / "shapes" / "invalid" / "concept-label-twice-in-one-language.ttl"])
    hits = [v for v in run(store, _core_queries()) if "one per language" in v.message]
    assert [v.focus for v in hits] == ["https://w3id.org/atmp-kg/id/challenge/commercial-viability"]
