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


def test_every_sparql_constraint_is_run_natively():
    from atmp_kg.graph.validate import shapes_graph, sparql_constraints

    constraints = sparql_constraints(shapes_graph())
    assert len(constraints) >= 12
    assert all("SELECT DISTINCT ?this WHERE" in c.query and "$this" not in c.query for c in constraints)
