"""Every view on every engine, and the SPARQL constructs that engines answer differently.

Three engines beside the embedded one (pyoxigraph, the reference):
- rdflib's own SPARQL engine (rdflib.Graph.query) on the same triples;
- a real Virtuoso 7 (tests/virtuoso_server.py) after `atmp-kg push` with Digest authentication,
  queried through `?default-graph-uri=IRI`;
- the same Virtuoso after a restart on the same database.

Views are compared row for row (Results.canonical_rows, after the runner's GROUP_CONCAT sorting).
Combinations that differ today are marked xfail(strict=True) with the construct that causes the
difference, so that the suite stays green while the views are rewritten and an XPASS forces the
marker off. The constructs themselves are tried on a tiny graph (tests/fixtures/engines/probe.ttl)
with the answer each engine gives: docs/endpoints.md ("What each engine gets wrong") lists them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from atmp_kg.cli import cli
from atmp_kg.errors import EndpointError
from atmp_kg.views.catalog import bind, catalog, list_columns
from atmp_kg.views.results import Results
from atmp_kg.views.run import run_query

from virtuoso_server import VirtuosoServer

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
PROBE = ROOT / "tests" / "fixtures" / "engines" / "probe.ttl"
GRAPH = "https://w3id.org/atmp-kg/graph/test-engines"
PROBE_GRAPH = "https://w3id.org/atmp-kg/graph/test-probe"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"


def invoke(*args: str, env: dict | None = None):
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@contextmanager
def environment(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# ---------------------------------------------------------------- engines

def rdflib_results(graph, text: str) -> Results:
    """rdflib's answer in the runner's form (terms as SPARQL JSON, lists sorted, XSD literals
    written canonically, as they are for every endpoint)."""
    import rdflib

    from atmp_kg.endpoints.client import canonical_literals

    def term(t):
        if isinstance(t, rdflib.URIRef):
            return {"type": "uri", "value": str(t)}
        if isinstance(t, rdflib.BNode):
            return {"type": "bnode", "value": str(t)}
        if t.language:
            return {"type": "literal", "value": str(t), "xml:lang": t.language}
        if t.datatype is not None and str(t.datatype) != XSD_STRING:
            return {"type": "literal", "value": str(t), "datatype": str(t.datatype)}
        return {"type": "literal", "value": str(t)}

    answer = graph.query(text)
    if answer.type == "ASK":
        return Results(variables=[], boolean=bool(answer.askAnswer))
    variables = [str(v) for v in answer.vars]
    rows = [{v: term(row[i]) for i, v in enumerate(variables) if row[i] is not None} for row in answer]
    return Results(variables=variables, rows=canonical_literals(rows)).with_sorted_lists(list_columns(text))


@pytest.fixture(scope="module")
def rdflib_graph(shipped_store):
    from atmp_kg.graph.store import store_to_rdflib

    return store_to_rdflib(shipped_store)


class Pushed:
    def __init__(self, server: VirtuosoServer):
        self.server = server
        self.endpoint = f"{server.query_url}?default-graph-uri={quote(GRAPH, safe='')}"
        self.probe_endpoint = f"{server.query_url}?default-graph-uri={quote(PROBE_GRAPH, safe='')}"
        self.restarted = False


@pytest.fixture(scope="module")
def pushed(virtuoso, shipped_store):
    """The shipped graph pushed twice with `atmp-kg push` (Digest authentication), the probe
    graph put beside it."""
    user, password = virtuoso.writer
    env = {"ATMP_KG_USER": user, "ATMP_KG_PASSWORD": password}
    n = len(shipped_store)
    # Pushed twice, as a user updating the store would: the second push replaces the graph (the
    # count stays the same), and Virtuoso's wrong answers after a restart appear only then.
    for _ in range(2):
        code, out, err = invoke("push", "--store", virtuoso.crud_auth_url, "--graph", GRAPH, "--timeout", "120", env=env)
        assert code == 0, err
        assert f"pushed {n} triples to {virtuoso.crud_auth_url}?graph={quote(GRAPH, safe='')}" in out
        assert f"the store now holds {n} triples in <{GRAPH}>" in out
        assert err == ""
    from atmp_kg.endpoints.client import put_graph
    from atmp_kg.graph.export import export
    from atmp_kg.graph.store import load_store

    probe = export(load_store([PROBE], ontology=False), "nt").encode("utf-8")
    with environment(**env):
        put_graph(virtuoso.crud_auth_url, probe, graph=PROBE_GRAPH, timeout=60)
    return Pushed(virtuoso)


@pytest.fixture(scope="module")
def restarted(pushed):
    """The same server, stopped cleanly and started again on the same database."""
    if not pushed.restarted:
        pushed.server.restart()
        pushed.restarted = True
    return pushed


# ---------------------------------------------------------------- every view

NON_DEFAULT = {"as_of": ["2018-12-31"], "number": ["EMEA/H/C/004090", "EMEA/H/C/002145"]}

# Today's differences, with the construct that causes each (docs/endpoints.md lists them). None:
# the views read the timeline layer in plain SPARQL that every engine answers alike.
KNOWN: dict[str, dict[str, str]] = {"rdflib": {}, "virtuoso": {}, "virtuoso-restarted": {}}


def view_cases(engine: str):
    """Each view with its default parameters (where it has defaults for all of them) and each
    non-default value of NON_DEFAULT."""
    cases = []
    for name, view in catalog().items():
        combos = [{}] if all(p.default is not None for p in view.params) else []
        for p in view.params:
            if p.default is None and p.name not in NON_DEFAULT:
                raise AssertionError(f"view {name}: give tests a value for its required parameter {p.name}")
            combos += [{p.name: v} for v in NON_DEFAULT.get(p.name, [])]
        for values in combos:
            case = name + "".join(f"[{k}={v}]" for k, v in values.items())
            reason = KNOWN.get(engine, {}).get(case)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(name, values, id=case, marks=marks))
    return cases


def assert_same_rows(local: Results, other: Results):
    assert other.variables == local.variables
    assert other.boolean == local.boolean
    assert other.canonical_rows() == local.canonical_rows()


@pytest.mark.parametrize("name,values", view_cases("rdflib"))
def test_view_on_rdflib(rdflib_graph, shipped_store, name, values):
    text = bind(catalog()[name], values)
    assert_same_rows(run_query(text, store=shipped_store, where=name), rdflib_results(rdflib_graph, text))


@pytest.mark.parametrize("name,values", view_cases("virtuoso"))
def test_view_on_virtuoso(pushed, shipped_store, name, values):
    assert_same_rows_remotely(pushed.endpoint, shipped_store, name, values)


def assert_same_rows_remotely(endpoint: str, shipped_store, name: str, values: dict):
    view = catalog()[name]
    text = bind(view, values)
    remote = run_query(text, endpoint=endpoint, timeout=120, where=str(view.path))
    assert_same_rows(run_query(text, store=shipped_store, where=name), remote)


def test_the_scorecard_command_builds_on_virtuoso(pushed, shipped_store):
    """`atmp-kg scorecard --endpoint` on Virtuoso gives the page the embedded graph gives."""
    from atmp_kg.scorecard.model import build_model, local_runner

    code, out, err = invoke("scorecard", "--endpoint", pushed.endpoint, "--as-of", "2018-12-31", "--format", "json")
    assert code == 0, err
    remote = json.loads(out)
    local = build_model(local_runner(shipped_store), dt.date(2018, 12, 31), generated=remote["generated"])
    assert remote == local


@pytest.mark.parametrize("as_of", ["2018-12-31", "2025-07-15"])
def test_scorecard_model_on_virtuoso(pushed, shipped_store, as_of):
    from atmp_kg.scorecard.model import build_model, local_runner, remote_runner

    day = dt.date.fromisoformat(as_of)
    local = build_model(local_runner(shipped_store), day, generated="fixed")
    assert build_model(remote_runner(pushed.endpoint, 120), day, generated="fixed") == local


# ---------------------------------------------------------------- constructs, one by one

class Err(str):
    """An expected EndpointError whose message holds this text."""


class OneOf(tuple):
    """Answers an engine has been seen to give, any one of them (it is not consistent)."""

    def __new__(cls, *answers):
        return super().__new__(cls, answers)


D, I, B = "^^date", "^^integer", "^^boolean"
# Each construct: its query on probe.ttl, the embedded engine's answer (the reference), and the
# answers of the engines that differ ("virtuoso-restarted" defaults to "virtuoso"). Answers are
# sorted rows of cells: IRIs as ex:NAME, literals as VALUE^^DATATYPE or VALUE@LANG, None unbound;
# as the runner gives them (GROUP_CONCAT lists sorted, XSD literals canonical).
PROBES = [
    ("min-over-unbound", "SELECT (MIN(?d) AS ?min) (MAX(?d) AS ?max) WHERE { ?p a ex:P OPTIONAL { ?p ex:d ?d } }",
     [(None, None)],
     {"rdflib": [("2018-01-01" + D, "2020-05-05" + D)], "virtuoso": [("2018-01-01" + D, "2020-05-05" + D)]}),
    ("sum-over-unbound", "SELECT (SUM(?n) AS ?sum) (COUNT(?n) AS ?count) WHERE { { ?p ex:n ?n } UNION { ?p ex:d ?d } }",
     [(None, "3" + I)],
     {"rdflib": [("6" + I, "3" + I)], "virtuoso": [("6" + I, "3" + I)]}),
    ("aggregates-of-nothing", "SELECT (COUNT(*) AS ?count) (SUM(?x) AS ?sum) WHERE { ?x ex:nothing ?y }",
     [("0" + I, "0" + I)],
     {"virtuoso": [("0" + I, None)]}),
    ("concat-unbound", 'SELECT ?p (CONCAT("a", STR(?d)) AS ?c) WHERE { ?p a ex:P OPTIONAL { ?p ex:d ?d } }',
     [("ex:p1", "a2018-01-01"), ("ex:p1", "a2019-06-01"), ("ex:p2", None), ("ex:p3", "a2020-05-05")],
     {"virtuoso": [("ex:p1", "a2018-01-01"), ("ex:p1", "a2019-06-01"), ("ex:p2", "a"), ("ex:p3", "a2020-05-05")]}),
    ("if-unbound-condition",
     'SELECT ?p (IF(?d > "2019-01-01"^^xsd:date, "late", "early") AS ?c) WHERE { ?p a ex:P OPTIONAL { ?p ex:d ?d } }',
     [("ex:p1", "early"), ("ex:p1", "late"), ("ex:p2", None), ("ex:p3", "late")],
     {"virtuoso": [("ex:p1", "early"), ("ex:p1", "late"), ("ex:p2", "early"), ("ex:p3", "late")]}),
    ("in-unbound", 'SELECT ?p (?d IN ("2018-01-01"^^xsd:date) AS ?i) WHERE { ?p a ex:P OPTIONAL { ?p ex:d ?d } }',
     [("ex:p1", "false" + B), ("ex:p1", "true" + B), ("ex:p2", None), ("ex:p3", "false" + B)],
     {"virtuoso": [("ex:p1", "0" + I), ("ex:p1", "1" + I), ("ex:p2", "0" + I), ("ex:p3", "0" + I)]}),
    ("coalesce-unbound", 'SELECT ?p (COALESCE(?d, "none") AS ?c) WHERE { ?p a ex:P OPTIONAL { ?p ex:d ?d } }',
     [("ex:p1", "2018-01-01" + D), ("ex:p1", "2019-06-01" + D), ("ex:p2", "none"), ("ex:p3", "2020-05-05" + D)], {}),
    # Virtuoso answers stored booleans as "1"/"0"^^xsd:boolean; the client writes them true/false.
    ("stored-booleans", "SELECT ?p ?f WHERE { ?p ex:flag ?f }", [("ex:p1", "true" + B), ("ex:p2", "false" + B)], {}),
    ("boolean-values", "SELECT ?b WHERE { VALUES ?b { true false } }", [("false" + B,), ("true" + B,)], {}),
    ("boolean-max", "SELECT (MAX(?f) AS ?m) WHERE { ?p ex:flag ?f }", [("true" + B,)], {}),
    ("boolean-cast", "SELECT ?b ?c WHERE { BIND(xsd:boolean(1 < 2) AS ?b) BIND(xsd:boolean(?nothing) AS ?c) }",
     [("true" + B, None)], {}),
    ("computed-booleans",
     "SELECT ?t ?lt ?b ?e WHERE { BIND(true AS ?t) BIND(1 < 2 AS ?lt) BIND(BOUND(?nothing) AS ?b) BIND(EXISTS { ex:p1 ex:flag true } AS ?e) }",
     [("true" + B, "true" + B, "false" + B, "true" + B)],
     {"virtuoso": [("1" + I, "1" + I, "0" + I, "1" + I)]}),
    ("boolean-constant-in-bind", 'SELECT ?b WHERE { BIND("true"^^xsd:boolean AS ?b) }', [("true" + B,)],
     {"virtuoso": [("1" + I,)]}),
    ("boolean-if-true-false", "SELECT ?b WHERE { BIND(IF(1 < 2, true, false) AS ?b) }", [("true" + B,)],
     {"virtuoso": [("1" + I,)]}),
    ("integer-division", "SELECT (1/2 AS ?half) (7/7 AS ?one) (1.5 + 1 AS ?dec) (2 * 1.0e0 AS ?dbl) WHERE {}",
     [("0.5^^decimal", "1^^decimal", "2.5^^decimal", "2^^double")],
     {"virtuoso": [("0" + I, "1" + I, "2.5^^decimal", "2^^double")]}),
    ("sum-of-doubles", "SELECT (SUM(?v) AS ?s) WHERE { ?p ex:v ?v }", [("3.5^^double",)],
     {"virtuoso": [("3.5^^decimal",)]}),
    # Virtuoso writes the double 2.0e0 as "2.0"; the client writes it as the embedded engine does.
    ("stored-numbers", "SELECT ?v WHERE { ex:p3 ex:v ?v }", [("1.5^^decimal",), ("2^^double",)], {}),
    ("cast-to-integer", 'SELECT (xsd:integer("29") AS ?a) (xsd:integer(1.0) AS ?b) (xsd:integer("1.5") AS ?c) WHERE {}',
     [("29" + I, "1" + I, None)],
     {"rdflib": [("29" + I, None, None)], "virtuoso": [("29" + I, "1" + I, "1" + I)]}),
    ("group-concat-without-separator", "SELECT (GROUP_CONCAT(STR(?d)) AS ?ds) WHERE { ?p ex:d ?d }",
     [("2018-01-01 2019-06-01 2020-05-05",)],
     {"virtuoso": Err("SR183: Required argument delim (no 3) not supplied to DB.DBA.GROUP_CONCAT_ACC")}),
    # rdflib and Virtuoso give "" for an empty list, Oxigraph unbound; the runner makes "" unbound.
    ("group-concat-empty",
     'SELECT ?p (GROUP_CONCAT(STR(?d); separator=" ") AS ?ds) WHERE { ?p a ex:P OPTIONAL { ?p ex:d ?d } } GROUP BY ?p',
     [("ex:p1", "2018-01-01 2019-06-01"), ("ex:p2", None), ("ex:p3", "2020-05-05")], {}),
    ("coalesce-around-aggregate", 'SELECT ?f (COALESCE(MIN(?a), "x") AS ?z) WHERE { ?f a ex:F ; ex:asOf ?a } GROUP BY ?f',
     [("ex:f1", "2019-01-01" + D), ("ex:f2", "2021-01-01" + D)],
     {"virtuoso": Err("SQ156: Internal Optimized compiler error : Bad dfe in sqlo_place_exp"),
      "virtuoso-restarted": None}),
    ("if-around-aggregate", 'SELECT ?f (IF(COUNT(?a) > 0, "y", "n") AS ?z) WHERE { ?f a ex:F ; ex:asOf ?a } GROUP BY ?f',
     [("ex:f1", "y"), ("ex:f2", "y")],
     {"virtuoso": Err("SQ156: Internal Optimized compiler error : Bad dfe in sqlo_place_exp"),
      "virtuoso-restarted": None}),
    ("aggregate-then-bind",
     'SELECT ?f ?z WHERE { { SELECT ?f (MIN(?a) AS ?m) WHERE { ?f a ex:F ; ex:asOf ?a } GROUP BY ?f } BIND(COALESCE(?m, "x") AS ?z) }',
     [("ex:f1", "2019-01-01" + D), ("ex:f2", "2021-01-01" + D)], {}),
    ("minus-without-shared-variable", "SELECT ?p WHERE { ?p a ex:P MINUS { ?f a ex:F } }",
     [("ex:p1",), ("ex:p2",), ("ex:p3",)], {"virtuoso": []}),
    ("optional-filter-on-outer-variable", "SELECT ?p ?d WHERE { ?p a ex:P ; ex:n ?k OPTIONAL { ?p ex:d ?d FILTER(?k = 3) } }",
     [("ex:p1", None), ("ex:p2", None), ("ex:p3", "2020-05-05" + D)],
     {"virtuoso": [("ex:p1", None), ("ex:p2", None), ("ex:p3", None)]}),
    ("optional-subselect-filter-on-outer-variable",
     "SELECT ?p ?d WHERE { ?p a ex:P ; ex:n ?k OPTIONAL { { SELECT ?p ?d WHERE { ?p ex:d ?d } } FILTER(?k = 3) } }",
     [("ex:p1", None), ("ex:p2", None), ("ex:p3", "2020-05-05" + D)],
     {"rdflib": [("ex:p1", None), ("ex:p2", None), ("ex:p3", None)],
      "virtuoso": [("ex:p1", None), ("ex:p2", None), ("ex:p3", None)]}),
    ("join-with-group-that-binds", "SELECT ?p ?y ?q WHERE { ?p ex:n ?y { ?q ex:n ?n BIND(?n AS ?y) } }",
     [("ex:p1", "1" + I, "ex:p1"), ("ex:p2", "2" + I, "ex:p2"), ("ex:p3", "3" + I, "ex:p3")],
     {"rdflib": [(f"ex:p{a}", f"{a}" + I, f"ex:p{b}") for a in (1, 2, 3) for b in (1, 2, 3)]}),
    ("subselect-grouped-joined", "SELECT ?p ?n ?k WHERE { { SELECT ?p (COUNT(?d) AS ?n) WHERE { ?p ex:d ?d } GROUP BY ?p } ?p ex:n ?k }",
     [("ex:p1", "2" + I, "1" + I), ("ex:p3", "1" + I, "3" + I)], {}),
    ("optional-grouped-subselect", "SELECT ?p ?n WHERE { ?p a ex:P OPTIONAL { SELECT ?p (COUNT(?d) AS ?n) WHERE { ?p ex:d ?d } GROUP BY ?p } }",
     [("ex:p1", "2" + I), ("ex:p2", None), ("ex:p3", "1" + I)], {}),
    ("bind-in-grouped-subselect", "SELECT ?p ?m WHERE { { SELECT ?p (MIN(?y) AS ?m) WHERE { ?p ex:d ?d BIND(YEAR(?d) AS ?y) } GROUP BY ?p } }",
     [("ex:p1", "2018" + I), ("ex:p3", "2020" + I)], {}),
    ("path-star-from-a-node", "SELECT ?x WHERE { ex:p1 ex:next* ?x }", [("ex:p1",), ("ex:p2",), ("ex:p3",)], {}),
    ("path-star-both-ends-open", "SELECT (COUNT(*) AS ?n) WHERE { ?x ex:next* ?y }", [("30" + I,)],
     {"virtuoso": Err("transitive start not given")}),
    ("path-star-with-not-exists",
     "SELECT ?x ?c WHERE { ?x ex:on ex:k ; a ?c . ?c rdfs:subClassOf* ex:Top "
     "FILTER NOT EXISTS { ?sub rdfs:subClassOf ?c . ?x a ?sub FILTER(?sub != ?c) } }",
     [("ex:x1", "ex:B"), ("ex:x2", "ex:A")], {"virtuoso": [("ex:x1", "ex:B")]}),
    ("filter-not-exists", "SELECT ?p WHERE { ?p a ex:P FILTER NOT EXISTS { ?p ex:d ?d } }", [("ex:p2",)], {}),
    ("plain-string-equals-xsd-string", 'SELECT ?p WHERE { ?p ex:label ?l FILTER(?l = "two"^^xsd:string) }',
     [("ex:p2",)], {"virtuoso": []}),
    ("min-max-of-mixed-language-literals", "SELECT (MIN(?l) AS ?min) (MAX(?l) AS ?max) WHERE { ?p ex:label ?l }",
     [("one@en", "two")], {"rdflib": [("two", "one@en")], "virtuoso": [(None, "two")]}),
    # Comparing an xsd:date with a plain string is a type error (no row); rdflib compares anyway
    # (and keeps 2020-05-05); Virtuoso did either, from one server to the next.
    ("date-compared-with-string", 'SELECT ?p WHERE { ?p ex:d ?d FILTER(?d <= "2019-01-01") }', [],
     {"rdflib": [("ex:p1",), ("ex:p1",), ("ex:p3",)], "virtuoso": OneOf([], [("ex:p1",), ("ex:p1",), ("ex:p3",)])}),
    ("date-at-most", 'SELECT ?p ?d WHERE { ?p ex:d ?d FILTER(?d <= "2019-01-01"^^xsd:date) }', [("ex:p1", "2018-01-01" + D)], {}),
    ("date-before", 'SELECT ?p ?d WHERE { ?p ex:d ?d FILTER(?d < "2019-01-02"^^xsd:date) }', [("ex:p1", "2018-01-01" + D)], {}),
    ("date-at-most-projected", 'SELECT ?d (?d <= "2019-01-01"^^xsd:date AS ?le) WHERE { ?p ex:d ?d }',
     [("2018-01-01" + D, "true" + B), ("2019-06-01" + D, "false" + B), ("2020-05-05" + D, "false" + B)],
     {"virtuoso": [("2018-01-01" + D, "1" + I), ("2019-06-01" + D, "0" + I), ("2020-05-05" + D, "0" + I)]}),
    ("integer-at-most", "SELECT ?p WHERE { ?p ex:n ?n FILTER(?n <= 2) }", [("ex:p1",), ("ex:p2",)], {}),
    ("str-of-date-compared-with-string", 'SELECT ?p WHERE { ?p ex:d ?d FILTER(STR(?d) <= "2019") }', [("ex:p1",)], {}),
    ("values-with-undef", "SELECT ?p ?k WHERE { VALUES (?p ?k) { (ex:p1 UNDEF) (UNDEF 2) } ?p ex:n ?k }",
     [("ex:p1", "1" + I), ("ex:p2", "2" + I)], {}),
    ("group-by-expression", "SELECT ?y (COUNT(*) AS ?n) WHERE { ?p ex:d ?d } GROUP BY (YEAR(?d) AS ?y)",
     [("2018" + I, "1" + I), ("2019" + I, "1" + I), ("2020" + I, "1" + I)], {}),
]
PREFIXES = ("PREFIX ex: <http://ex.org/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n")


def cells(results: Results):
    def short(t):
        if t is None:
            return None
        if t["type"] == "uri":
            return t["value"].replace("http://ex.org/", "ex:")
        dtype = t.get("datatype", "")
        return t["value"] + (f"^^{dtype.rsplit('#', 1)[-1]}" if dtype else "") + (f"@{t['xml:lang']}" if t.get("xml:lang") else "")

    return sorted((tuple(short(row.get(v)) for v in results.variables) for row in results.rows), key=repr)


def expected(engine: str, ref, deviations: dict):
    if engine in deviations:
        found = deviations[engine]
        return ref if found is None else found
    if engine == "virtuoso-restarted" and "virtuoso" in deviations:
        return deviations["virtuoso"]
    return ref


def probe_ids():
    return [pytest.param(name, query, ref, dev, id=name) for name, query, ref, dev in PROBES]


@pytest.fixture(scope="module")
def probe_store():
    from atmp_kg.graph.store import load_store

    return load_store([PROBE], ontology=False)


def check_engine(engine: str, answer, query: str, ref, deviations):
    want = expected(engine, ref, deviations)
    if isinstance(want, Err):
        assert isinstance(answer, EndpointError) and want in str(answer), answer
    elif isinstance(want, OneOf):
        assert not isinstance(answer, Exception), answer
        assert cells(answer) in want
    else:
        assert not isinstance(answer, Exception), answer
        assert cells(answer) == want


def remote_answer(endpoint: str, text: str):
    try:
        return run_query(text, endpoint=endpoint, timeout=60)
    except EndpointError as e:
        return e


@pytest.mark.parametrize("name,query,ref,deviations", probe_ids())
def test_construct_on_the_embedded_engine_and_rdflib(probe_store, name, query, ref, deviations):
    from atmp_kg.graph.store import store_to_rdflib

    text = PREFIXES + query
    assert cells(run_query(text, store=probe_store)) == ref  # the reference, checked by hand on probe.ttl
    check_engine("rdflib", rdflib_results(store_to_rdflib(probe_store), text), query, ref, deviations)


@pytest.mark.parametrize("name,query,ref,deviations", probe_ids())
def test_construct_on_virtuoso(pushed, name, query, ref, deviations):
    check_engine("virtuoso", remote_answer(pushed.probe_endpoint, PREFIXES + query), query, ref, deviations)


# The restart tests come after every test on the fresh server (pytest keeps the file's order).

@pytest.mark.parametrize("name,values", view_cases("virtuoso-restarted"))
def test_view_on_virtuoso_after_a_restart(restarted, shipped_store, name, values):
    assert_same_rows_remotely(restarted.endpoint, shipped_store, name, values)


def test_scorecard_model_on_virtuoso_after_a_restart(restarted, shipped_store):
    from atmp_kg.scorecard.model import build_model, local_runner, remote_runner

    day = dt.date(2025, 7, 15)
    local = build_model(local_runner(shipped_store), day, generated="fixed")
    assert build_model(remote_runner(restarted.endpoint, 120), day, generated="fixed") == local


@pytest.mark.parametrize("name,query,ref,deviations", probe_ids())
def test_construct_on_virtuoso_after_a_restart(restarted, name, query, ref, deviations):
    check_engine("virtuoso-restarted", remote_answer(restarted.probe_endpoint, PREFIXES + query), query, ref, deviations)
