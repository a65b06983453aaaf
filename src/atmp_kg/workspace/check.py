"""The validation an update must pass: the graph with the new snapshots conforms.

Checking the whole graph through pySHACL takes minutes at a million triples, so an update
checks what it can change:
- the SHACL-SPARQL constraints of violation severity (the cross-node rules: no withdrawal
  before an authorisation, an unnumbered product whose name a numbered one now has, ...) run
  on the whole store, one native Oxigraph query each;
- the core constraints (compiled to SPARQL by graph/native.py, else through pySHACL) run on
  the nodes the update added or extended (the
  subjects of the new triples, and every node of the derived layer, which is rebuilt) with
  the triples of the nodes they point to. Core constraints are local: a node's result depends
  on its own triples and on the types and triples of its objects, and every core constraint
  the shapes use can only become false through a node's own triples (a maxCount, a datatype,
  a closed shape), never through triples added elsewhere. So nodes the update did not touch
  keep the result they had, and the graph conformed before the update.
"""

from __future__ import annotations

from ..namespaces import PREFIXES
from ..timeline import RULE

PROV = PREFIXES["prov"]


def changed_nodes(store, turtles: list[str]) -> set:
    """Subjects of the new triples, and every node of the derived layer."""
    import pyoxigraph as ox

    nodes = set()
    for text in turtles:
        for t in ox.parse(text.encode("utf-8"), ox.RdfFormat.TURTLE):
            nodes.add(t.subject)
    # Every derived node names its rule (that is how timeline.clear finds them): one index
    # scan, where a STRSTARTS filter over every subject took a second at 270k triples.
    for q in store.quads_for_pattern(None, ox.NamedNode(PROV + "wasGeneratedBy"), None, ox.DefaultGraph()):
        if q.object.value.startswith(RULE):
            nodes.add(q.subject)
    return nodes


def neighbourhood(store, nodes: set):
    """An in-memory store: the ontology, the nodes' triples, those of the nodes they point to,
    and those of the nodes these point to."""
    import pyoxigraph as ox

    from .. import resources
    from ..graph.files import load_into

    sub = ox.Store()
    for f in resources.ontology_files():
        load_into(sub, f)
    objects = set()
    quads = []
    for n in nodes:
        for q in store.quads_for_pattern(n, None, None, ox.DefaultGraph()):
            quads.append(q)
            if isinstance(q.object, (ox.NamedNode, ox.BlankNode)) and q.object not in nodes:
                objects.add(q.object)
    # The nodes they point to come whole, and so do the few nodes those point to (the
    # sources of older citations): a neighbour then validates as it does in the whole graph,
    # instead of failing for want of its objects' types (results that are dropped, but that
    # cost pySHACL most of its time to write).
    second = set()
    for o in objects:
        for q in store.quads_for_pattern(o, None, None, ox.DefaultGraph()):
            quads.append(q)
            if isinstance(q.object, (ox.NamedNode, ox.BlankNode)) and q.object not in nodes and q.object not in objects:
                second.add(q.object)
    for o in second:
        quads.extend(store.quads_for_pattern(o, None, None, ox.DefaultGraph()))
    sub.extend(quads)
    return sub


def check(store, turtles: list[str]) -> list:
    """The violations (not warnings) the update brings; empty when the graph conforms."""
    from ..graph.validate import _focus, run_sparql_constraints, shapes_graph, sparql_constraints
    from ..graph.store import term_converter

    # Only violations refuse an update, so constraints of warning severity are not run (one,
    # about undated evidence, is a whole-store anti-join: 2 s of the 5 s at 270k triples).
    refusing = [c for c in sparql_constraints(shapes_graph()) if c.severity == "Violation"]
    errors = [v for v in run_sparql_constraints(store, refusing) if v.severity == "Violation"]
    nodes = changed_nodes(store, turtles)
    convert = term_converter()
    wanted = {_focus(convert(n)) for n in nodes}
    errors += [v for v in _core(neighbourhood(store, nodes)) if v.focus in wanted and v.severity == "Violation"]
    return sorted(errors, key=lambda v: (v.focus, v.message))


def _core(sub) -> list:
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
        return validate_store(sub, engine="core").violations
    return run(sub, queries)
