"""SHACL core constraints as SPARQL on Oxigraph: the "native" validation engine.

pySHACL walks an rdflib copy of the graph node by node (about 7k triples a second here);
the same constraints written as one SPARQL query each, for all focus nodes at once, run
natively. Only what the shapes in shapes/ use is compiled: node shapes targeting classes or
subjects of a property; property shapes with a predicate path and minCount, maxCount,
datatype, class, in, pattern, nodeKind IRI, minLength, minInclusive, uniqueLang, or (of
value shapes); closed shapes; a node-level or of minCount / qualified minCount shapes.
Anything else raises Unsupported, and the caller uses pySHACL. Each result carries the
shape's sh:message, path and value as pySHACL reports them (tests/test_validate_engines.py
proves the reports equal on every fixture).

`run` answers the constraints of one target together: a shape's focus nodes are found once, not
once per constraint. Each constraint that is a pattern on a bound ?this becomes a branch of one
UNION joined with the target (node by node, LATERAL, for a small target); the minCounts of 1 are
one query; only a node-level sh:or, a closed shape and a larger minCount run alone. On 210k
triples of an updated workspace, the constraints of branches took 3.9 s as 232 queries and 1.9 s
as 23.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
# Datatypes whose lexical form SPARQL can check by casting (an ill-typed literal fails the cast).
CASTABLE = {XSD + t for t in ("date", "integer", "boolean", "decimal", "double", "dateTime")}


class Unsupported(Exception):
    """A shape uses SHACL this compiler does not translate."""


@dataclass(frozen=True)
class Query:
    text: str
    message: str
    severity: str
    path: str | None  # the predicate IRI reported as sh:resultPath
    value: str  # "v": the ?v binding, "this": the focus node, "": none, "o": the ?o binding (closed)
    path_var: bool = False  # closed shapes report the offending predicate (?p)
    target: str = ""  # the shape's target: a group that binds ?this
    branch: str = ""  # the constraint as a pattern on a bound ?this, to join with the target
    min_count: int = 0  # a minCount constraint (on `path`): of 1, answered with the target's others


def _n3(term) -> str:
    import rdflib

    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return term.n3()
    raise Unsupported(f"term {term!r}")


def _list(g, node) -> list:
    from rdflib.collection import Collection

    return list(Collection(g, node))


def _one(g, s, p):
    import rdflib

    vals = list(g.objects(s, rdflib.URIRef(SH + p)))
    if len(vals) > 1:
        raise Unsupported(f"{s}: several sh:{p}")
    return vals[0] if vals else None


def _severity(g, shape, default: str = "Violation") -> str:
    sev = _one(g, shape, "severity")
    return str(sev).rsplit("#", 1)[-1] if sev is not None else default


KNOWN_NODE = {"targetClass", "targetSubjectsOf", "property", "closed", "ignoredProperties", "message", "severity",
              "or", "sparql"}
KNOWN_PROPERTY = {"path", "minCount", "maxCount", "datatype", "class", "in", "pattern", "nodeKind", "minLength",
                  "minInclusive", "uniqueLang", "or", "message", "severity", "flags"}
VALUE_KINDS = ("datatype", "class", "in", "pattern", "nodeKind", "minLength", "minInclusive")


def _check_keys(g, shape, known: set[str]) -> None:
    import rdflib

    for p in set(g.predicates(shape, None)):
        if str(p).startswith(SH) and str(p)[len(SH):] not in known:
            raise Unsupported(f"{shape}: sh:{str(p)[len(SH):]}")
        if p == rdflib.RDF.type:
            continue


def _value_test(g, shape, kind: str, arg) -> str:
    """A SPARQL expression, true when ?v conforms to one value constraint."""
    import rdflib

    if kind == "datatype":
        d = str(arg)
        if d == LANG_STRING:
            return '(isLiteral(?v) && lang(?v) != "")'
        test = f"(isLiteral(?v) && datatype(?v) = <{d}> && lang(?v) = \"\")"
        if d in CASTABLE:
            test = f"({test} && COALESCE(STRLEN(STR(<{d}>(STR(?v)))) >= 0, false))"
        return test
    if kind == "class":
        return f"EXISTS {{ ?v <{RDF_TYPE}>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{arg}> }}"
    if kind == "in":
        items = _list(g, arg)
        return "(" + " || ".join(f"sameTerm(?v, {_n3(t)})" for t in items) + ")" if items else "false"
    if kind == "pattern":
        flags = _one(g, shape, "flags")
        f = f", {rdflib.Literal(str(flags)).n3()}" if flags is not None else ""
        return f"(!isBlank(?v) && REGEX(STR(?v), {rdflib.Literal(str(arg)).n3()}{f}))"
    if kind == "nodeKind":
        if str(arg) != SH + "IRI":
            raise Unsupported(f"sh:nodeKind {arg}")
        return "isIRI(?v)"
    if kind == "minLength":
        return f"(!isBlank(?v) && STRLEN(STR(?v)) >= {int(arg)})"
    if kind == "minInclusive":
        return f"COALESCE(?v >= {_n3(arg)}, false)"
    raise Unsupported(kind)


def _targets(g, shape) -> str:
    import rdflib

    parts = [f"{{ ?this <{RDF_TYPE}>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{c}> }}"
             for c in sorted(g.objects(shape, rdflib.URIRef(SH + "targetClass")), key=str)]
    parts += [f"{{ ?this <{p}> ?_target }}" for p in sorted(g.objects(shape, rdflib.URIRef(SH + "targetSubjectsOf")), key=str)]
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }" if parts else ""


def _path(g, ps) -> str:
    import rdflib

    p = _one(g, ps, "path")
    if not isinstance(p, rdflib.URIRef):
        raise Unsupported(f"{ps}: a path that is not one predicate")
    return str(p)


def compile_shapes(g) -> list[Query]:
    """Every core constraint of the shapes graph as a query (SHACL-SPARQL ones excluded)."""
    import rdflib

    out: list[Query] = []
    shapes = {s for s in g.subjects(rdflib.URIRef(SH + "targetClass"), None)} | \
             {s for s in g.subjects(rdflib.URIRef(SH + "targetSubjectsOf"), None)}
    for shape in sorted(shapes, key=str):
        _check_keys(g, shape, KNOWN_NODE)
        target = _targets(g, shape)
        node_message = _one(g, shape, "message")
        node_severity = _severity(g, shape)
        props = sorted(g.objects(shape, rdflib.URIRef(SH + "property")), key=str)
        if (_one(g, shape, "closed") or rdflib.Literal(False)).toPython() is True:
            if node_message is None:
                raise Unsupported(f"{shape}: closed without a message")
            allowed = {_path(g, ps) for ps in props} | {str(x) for x in _list(g, _one(g, shape, "ignoredProperties"))} \
                if _one(g, shape, "ignoredProperties") is not None else {_path(g, ps) for ps in props}
            not_in = ", ".join(f"<{a}>" for a in sorted(allowed))
            # Runs alone: Oxigraph evaluates a UNION's branches on their own before joining, and
            # this one's pattern (?this ?p ?o) is then every triple of the store.
            out.append(Query(f"SELECT ?this ?p ?o WHERE {{ {target} ?this ?p ?o . FILTER(?p NOT IN ({not_in})) }}",
                             str(node_message), node_severity, None, "o", path_var=True, target=target))
        node_or = _one(g, shape, "or")
        if node_or is not None:
            if node_message is None:
                raise Unsupported(f"{shape}: sh:or without a message")
            tests = [_node_disjunct(g, d) for d in _list(g, node_or)]
            out.append(Query(f"SELECT ?this WHERE {{ {target} FILTER(!({' || '.join(tests)})) }}",
                             str(node_message), node_severity, None, "this", target=target))
        for ps in props:
            out += _property(g, ps, target, node_severity)
    return out


def _node_disjunct(g, d) -> str:
    """A node-level sh:or member: [path P; minCount 1] or [path P; qualifiedValueShape [path Q; minCount 1]; qualifiedMinCount 1]."""
    import rdflib

    keys = {str(p)[len(SH):] for p in g.predicates(d, None) if str(p).startswith(SH)}
    p = _path(g, d)
    if keys == {"path", "minCount"} and int(_one(g, d, "minCount")) == 1:
        return f"EXISTS {{ ?this <{p}> ?_x }}"
    if keys == {"path", "qualifiedValueShape", "qualifiedMinCount"} and int(_one(g, d, "qualifiedMinCount")) == 1:
        q = _one(g, d, "qualifiedValueShape")
        qkeys = {str(x)[len(SH):] for x in g.predicates(q, None) if str(x).startswith(SH)}
        if qkeys == {"path", "minCount"} and int(_one(g, q, "minCount")) == 1:
            return f"EXISTS {{ ?this <{p}> ?_x . ?_x <{_path(g, q)}> ?_y }}"
    raise Unsupported(f"sh:or member {d}")


def _property(g, ps, target: str, node_severity: str) -> list[Query]:
    import rdflib

    _check_keys(g, ps, KNOWN_PROPERTY)
    p = _path(g, ps)
    message = _one(g, ps, "message")
    if message is None:
        raise Unsupported(f"{ps}: a property shape without a message")
    message = str(message)
    severity = _severity(g, ps, node_severity)
    out: list[Query] = []

    def pattern(branch: str, value: str, select: str = "?this ?v") -> Query:
        return Query(f"SELECT {select} WHERE {{ {target} {branch} }}", message, severity, p, value,
                     target=target, branch=branch)

    n = _one(g, ps, "minCount")
    if n is not None:
        out.append(Query(f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this <{p}> ?v }} }} GROUP BY ?this "
                         f"HAVING(COUNT(DISTINCT ?v) < {int(n)})", message, severity, p, "", target=target,
                         min_count=int(n)))
    n = _one(g, ps, "maxCount")
    if n is not None and int(n) == 1:
        # Two different values: a join Oxigraph evaluates from the target's nodes, where the
        # grouped count below groups every triple of the predicate in the store (Classification
        # at 697k triples: 0.13 s as a count, 0.002 s as this join).
        out.append(pattern(f"?this <{p}> ?_m, ?_m2 . FILTER(!sameTerm(?_m, ?_m2))", "", "?this"))
    elif n is not None:
        # Grouped on its own and then joined: the count is of a node's values, whatever the target.
        out.append(pattern(f"{{ SELECT ?this WHERE {{ ?this <{p}> ?_m }} GROUP BY ?this "
                           f"HAVING(COUNT(DISTINCT ?_m) > {int(n)}) }}", "", "?this"))
    for kind in VALUE_KINDS:
        arg = _one(g, ps, kind)
        if arg is not None:
            test = _value_test(g, ps, kind, arg)
            out.append(pattern(f"?this <{p}> ?v . FILTER(!({test}))", "v"))
    ors = _one(g, ps, "or")
    if ors is not None:
        tests = []
        for d in _list(g, ors):
            keys = {str(x)[len(SH):] for x in g.predicates(d, None) if str(x).startswith(SH)}
            if not keys or not keys <= set(VALUE_KINDS):
                raise Unsupported(f"value sh:or member {d}")
            tests.append("(" + " && ".join(_value_test(g, d, k, _one(g, d, k)) for k in sorted(keys)) + ")")
        out.append(pattern(f"?this <{p}> ?v . FILTER(!({' || '.join(tests)}))", "v"))
    u = _one(g, ps, "uniqueLang")
    if u is not None and u.toPython() is True:
        out.append(pattern(f"?this <{p}> ?v, ?w . "
                           f"FILTER(!sameTerm(?v, ?w) && lang(?v) != \"\" && LCASE(lang(?v)) = LCASE(lang(?w)))",
                           "", "DISTINCT ?this"))
    return out


_CLASS_PATH = re.compile(
    r"\?(this|v) <http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type>/<http://www\.w3\.org/2000/01/rdf-schema#subClassOf>\* <([^>]+)>")


def class_tests(store):
    """A function rewriting each class test `?x rdf:type/rdfs:subClassOf* <C>` of a query, on the
    focus node (a target) or on a value (sh:class), into `VALUES ?_c { C and its subclasses }
    ?x rdf:type ?_c`: the same nodes, but Oxigraph evaluates the path from C once (in the
    store's own class hierarchy) instead of from every node. For targets this was 60 ms a
    query at 240k triples (191 queries). Rewriting the sh:class tests too, an update's core
    queries at 697k triples took 4.4 s instead of 6.1 s (medians of five alternating runs, the
    same results)."""
    cache: dict[str, str] = {}

    def subclasses(c: str) -> str:
        if c not in cache:
            q = f"SELECT DISTINCT ?s WHERE {{ ?s <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{c}> }}"
            found = {sol["s"].value for sol in store.query(q) if hasattr(sol["s"], "value")} | {c}
            cache[c] = " ".join(f"<{x}>" for x in sorted(found))
        return cache[c]

    def replace(m: re.Match) -> str:
        # ?_c on a target (inside its sub-select), ?_vc on a value (inside its EXISTS): the two
        # never share a scope, and neither is a variable of the compiled patterns.
        var = "?_c" if m.group(1) == "this" else "?_vc"
        return f"VALUES {var} {{ {subclasses(m.group(2))} }} ?{m.group(1)} <{RDF_TYPE}> {var}"

    def rewrite(text: str) -> str:
        return _CLASS_PATH.sub(replace, text)

    return rewrite


# A target with at most this many nodes has its constraints evaluated node by node (LATERAL):
# at 697k triples, Approval's took 0.004 s against 0.20 s as a join with each constraint's
# matches in the whole store; Observation's (13.7k nodes) 2.7 s against 1.7 s.
LATERAL_MAX = 2000


def run(store, queries: list[Query], *, lateral_max: int = LATERAL_MAX):
    """The violations of the compiled queries on a pyoxigraph store, as validate.Violation.

    The queries run on a few threads: pyoxigraph evaluates a query without holding the GIL
    (two threads took 0.32 s where one took 0.57 s for the same two queries), and these return
    few rows. The results are put together in the order of the queries, whatever order the
    threads end in."""
    from concurrent.futures import ThreadPoolExecutor

    from .store import term_converter
    from .validate import Violation, _focus, shortened

    convert = term_converter()
    rewrite = class_tests(store)

    def small(target: str) -> bool:  # counts at most lateral_max + 1 nodes
        return len(list(store.query(f"SELECT ?this WHERE {{ {rewrite(target)} }} LIMIT {lateral_max + 1}"))) <= lateral_max

    # the rewrite's cache fills here, before the threads share it
    batches = [(rewrite(text), group) for text, group in _batches(queries, small)]

    def solutions(text: str) -> list[tuple]:
        return [(sol["this"], sol["_k"], sol["v"], sol["p"], sol["o"]) for sol in store.query(text)
                if sol["this"] is not None]

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        answers = list(pool.map(solutions, [text for text, _ in batches]))
    found = []
    for (_, group), rows in zip(batches, answers):
        reported = set()  # (constraint, focus) of constraints that report a node once (uniqueLang: a row per pair)
        for focus, k, v, p, o in rows:
            q = group[int(k.value)] if k is not None else group[0]
            if q.value == "":
                if (q, focus) in reported:
                    continue
                reported.add((q, focus))
            value = {"v": v, "o": o, "this": focus, "": None}[q.value]
            path = p if q.path_var else None
            found.append(Violation(
                focus=_focus(convert(focus)),
                message=q.message,
                path=shortened(convert(path)) if path is not None else (shortened(convert(_iri(q.path))) if q.path else None),
                value=shortened(convert(value)) if value is not None else None,
                severity=q.severity,
            ))
    return found


def _batches(queries: list[Query], small=lambda target: False):
    """(query text, the constraints it answers) for each target: one UNION of the patterns (for
    each node in turn, LATERAL, when small(target)), one query for the minCounts of 1 (?_k
    numbers the constraint in the list), and each other constraint alone."""
    targets: dict[str, list[Query]] = {}
    for q in queries:
        targets.setdefault(q.target, []).append(q)
    for target, group in targets.items():
        if not target:
            yield from ((q.text, [q]) for q in group)
            continue
        branches = [q for q in group if q.branch]
        if branches:
            union = " UNION ".join(f"{{ {q.branch} BIND({i} AS ?_k) }}" for i, q in enumerate(branches))
            join = "LATERAL " if small(target) else ""
            yield f"SELECT ?this ?_k ?v ?p ?o WHERE {{ {target} {join}{{ {union} }} }}", branches
        ones = [q for q in group if q.min_count == 1]
        if ones:  # no value at all: 2.5 times faster than counting (Citation: 0.19 s against 0.48 s)
            rows = " ".join(f"({i} <{q.path}>)" for i, q in enumerate(ones))
            yield (f"SELECT ?this ?_k WHERE {{ {target} VALUES (?_k ?_p) {{ {rows} }} "
                   f"FILTER NOT EXISTS {{ ?this ?_p ?_v }} }}"), ones
        yield from ((q.text, [q]) for q in group if not q.branch and q.min_count != 1)


def _iri(value: str):
    import pyoxigraph as ox

    return ox.NamedNode(value)
