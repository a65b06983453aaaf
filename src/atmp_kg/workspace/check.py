"""The validation an update must pass: the graph with the new snapshots conforms.

An update checks the copy of the graph it holds in memory, whole: the SPARQL constraints and
the core constraints (compiled to SPARQL by graph/native.py, else through pySHACL), one native
query per target, for all nodes at once. Checking only the nodes the update changed, with
their neighbours copied out into a store of their own, took longer: copying was 1.4-3.2 s, and
the core queries on the whole store took 1.8-1.9 s at 273k triples against 2.6-3.4 s for the
copy and its check, 4.3 s at 585k against 5.0-5.7 s (the rebuilt derived layer and the new
snapshot are most of the graph either way). pySHACL on the whole graph takes minutes at a
million triples.
"""

from __future__ import annotations


def check(store) -> list:
    """The violations (not warnings) of the graph in `store`; empty when it conforms."""
    from ..graph.validate import run_sparql_constraints, shapes_graph, sparql_constraints

    # Only violations refuse an update, so constraints of warning severity are not run (one,
    # about undated evidence, is a whole-store anti-join: 2 s of the 5 s at 270k triples).
    refusing = [c for c in sparql_constraints(shapes_graph()) if c.severity == "Violation"]
    errors = [v for v in run_sparql_constraints(store, refusing) if v.severity == "Violation"]
    errors += [v for v in _core(store) if v.severity == "Violation"]
    return sorted(errors, key=lambda v: (v.focus, v.message))


def _core(store) -> list:
    """The core constraints' results on a store: compiled to SPARQL (graph/native.py) where
    the shapes allow, else through pySHACL."""
    from rdflib.namespace import SH

    from ..graph.native import Unsupported, compile_shapes, run
    from ..graph.validate import shapes_graph, validate_store

    shapes = shapes_graph()
    for t in list(shapes.triples((None, SH.sparql, None))):
        shapes.remove(t)
    try:
        queries = compile_shapes(shapes)
    except Unsupported:
        return validate_store(store, engine="core").violations
    return run(store, queries)
