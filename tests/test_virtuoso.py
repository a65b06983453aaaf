"""`atmp-kg push` and remote queries against a real Virtuoso 7, and the faults an analyst meets there.

The server is started by the tests (tests/virtuoso_server.py: 127.0.0.1, free ports, its own
database folder, ResultSetMaxRows 10000 as shipped) and stopped at the end. Without Virtuoso the
tests skip, unless ATMP_KG_REQUIRE_VIRTUOSO=1 (CI), where they fail.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
import urllib.request
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from atmp_kg.cli import cli
from atmp_kg.views.catalog import bind, catalog
from atmp_kg.views.run import run_query

pytestmark = pytest.mark.server

GRAPH = "https://w3id.org/atmp-kg/graph/test-virtuoso"
# A small graph that conforms, for the pushes that are meant to fail (validation comes first).
SMALL = str(Path(__file__).resolve().parent / "fixtures" / "shapes" / "valid" / "complete-graph.ttl")
EMPTY = "https://w3id.org/atmp-kg/graph/nothing-here"
XSD = "http://www.w3.org/2001/XMLSchema#"


def invoke(*args: str, env: dict | None = None):
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def one_line(code: int, err: str, expected_code: int = 3) -> str:
    assert code == expected_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch, tmp_path):
    monkeypatch.delenv("ATMP_KG_USER", raising=False)
    monkeypatch.delenv("ATMP_KG_PASSWORD", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    # The check for an atmp-kg graph is remembered per endpoint and process: forget it per test.
    from atmp_kg.endpoints import client

    monkeypatch.setattr(client, "_GRAPH_OK", set())


@pytest.fixture(scope="module")
def writer_env(virtuoso):
    user, password = virtuoso.writer
    return {"ATMP_KG_USER": user, "ATMP_KG_PASSWORD": password}


@pytest.fixture(scope="module")
def pushed(virtuoso, writer_env, shipped_store):
    code, out, err = invoke("push", "--store", virtuoso.crud_auth_url, "--graph", GRAPH, "--timeout", "120", env=writer_env)
    assert code == 0, err
    return f"{virtuoso.query_url}?default-graph-uri={quote(GRAPH, safe='')}"


def raw_select(virtuoso, text: str, graph: str = GRAPH) -> dict:
    """Virtuoso's own JSON answer, read without atmp-kg."""
    data = urllib.parse.urlencode({"query": text, "default-graph-uri": graph}).encode()
    request = urllib.request.Request(virtuoso.query_url, data=data, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.load(r)


# ---------------------------------------------------------------- the test server itself

def test_the_server_is_bound_to_loopback_in_its_own_folder(tmp_path):
    from virtuoso_server import make_ini

    template = ("[Database]\nDatabaseFile = /var/lib/virtuoso-opensource-7/db/virtuoso.db\n"
                "TransactionFile = /var/lib/virtuoso-opensource-7/db/virtuoso.trx\n[Parameters]\nServerPort = 1111\n"
                "[HTTPServer]\nServerPort = 8890\n[SPARQL]\nResultSetMaxRows = 10000\n")
    ini = make_ini(template, tmp_path, 4001, 4002)
    assert f"DatabaseFile = {tmp_path / 'virtuoso.db'}" in ini and f"TransactionFile = {tmp_path / 'virtuoso.trx'}" in ini
    assert "ServerPort = 127.0.0.1:4001" in ini and "ServerPort = 127.0.0.1:4002" in ini
    assert "/var/lib" not in ini and "1111" not in ini and "8890" not in ini


def test_without_virtuoso_the_tests_skip_unless_ci_requires_it(monkeypatch):
    import virtuoso_server

    monkeypatch.setattr(virtuoso_server.shutil, "which", lambda name: None)
    monkeypatch.delenv("ATMP_KG_REQUIRE_VIRTUOSO", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Virtuoso is not installed"):
        virtuoso_server.require_virtuoso()
    monkeypatch.setenv("ATMP_KG_REQUIRE_VIRTUOSO", "1")
    with pytest.raises(pytest.fail.Exception, match="ATMP_KG_REQUIRE_VIRTUOSO=1 forbids skipping"):
        virtuoso_server.require_virtuoso()


# ---------------------------------------------------------------- push

def test_push_with_digest_replaces_the_graph(virtuoso, writer_env, pushed, shipped_store):
    """Virtuoso's -auth endpoint asks for Digest only: the push succeeds, and a second push
    replaces the graph (the count does not double)."""
    n = len(shipped_store)
    target = f"{virtuoso.crud_auth_url}?graph={quote(GRAPH, safe='')}"
    code, out, err = invoke("push", "--store", virtuoso.crud_auth_url, "--graph", GRAPH, env=writer_env)
    assert code == 0, err
    assert out.startswith(f"pushed {n} triples to {target} in ")
    assert out.rstrip().endswith(f"; the store now holds {n} triples in <{GRAPH}>")
    assert err == ""
    count = raw_select(virtuoso, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}", graph=GRAPH)
    assert int(count["results"]["bindings"][0]["n"]["value"]) == n


def test_push_with_wrong_credentials(virtuoso, writer_env):
    env = dict(writer_env, ATMP_KG_PASSWORD="not-the-password")
    code, out, err = invoke("push", "--store", virtuoso.crud_auth_url, "--graph", GRAPH, "--data", SMALL, env=env)
    line = one_line(code, err)
    assert line == (f"error: {virtuoso.crud_auth_url}?graph={quote(GRAPH, safe='')}: HTTP 401 Unauthorized: "
                    "the credentials were refused (Digest authentication): check ATMP_KG_USER and ATMP_KG_PASSWORD "
                    "(or the netrc entry)")
    assert "not-the-password" not in out + err


def test_push_without_credentials(virtuoso):
    code, out, err = invoke("push", "--store", virtuoso.crud_auth_url, "--graph", GRAPH, "--data", SMALL)
    assert one_line(code, err) == (
        f"error: {virtuoso.crud_auth_url}?graph={quote(GRAPH, safe='')}: HTTP 401 Unauthorized: it needs credentials "
        "(Digest authentication): set ATMP_KG_USER and ATMP_KG_PASSWORD, or add a netrc entry for its host")


def test_push_without_graph_says_virtuoso_needs_one(virtuoso, writer_env):
    code, out, err = invoke("push", "--store", virtuoso.crud_auth_url, env=writer_env)
    assert one_line(code, err, 2) == (
        f"error: store {virtuoso.crud_auth_url}: Virtuoso's Graph Store has no default graph to replace; give --graph IRI "
        "(then run the views with --endpoint 'http://HOST:PORT/sparql?default-graph-uri=IRI')")


def test_push_to_the_unauthenticated_graph_store_shows_virtuosos_reason(virtuoso, writer_env):
    code, out, err = invoke("push", "--store", virtuoso.crud_url, "--graph", GRAPH, "--data", SMALL, env=writer_env)
    line = one_line(code, err)
    assert line.startswith(f"error: {virtuoso.crud_url}?graph={quote(GRAPH, safe='')}: HTTP 403 Forbidden: "
                           "SPARQL Graph Protocol request failed: SQ110:SECURITY: Permission denied for delete from "
                           "DB.DBA.RDF_QUAD"), line
    assert line.endswith("; Virtuoso's /sparql-graph-crud writes as the anonymous SPARQL user: use /sparql-graph-crud-auth "
                         "with ATMP_KG_USER and ATMP_KG_PASSWORD (a user with the SPARQL_UPDATE role)"), line


def test_queries_through_the_digest_endpoint(virtuoso, writer_env, pushed, shipped_store):
    url = f"{virtuoso.base}/sparql-auth?default-graph-uri={quote(GRAPH, safe='')}"
    code, out, err = invoke("query", "authorised-count", "--endpoint", url, "--format", "json", env=writer_env)
    assert code == 0, err
    local = run_query(bind(catalog()["authorised-count"], {}), store=shipped_store)
    assert json.loads(out)["results"]["bindings"] == local.rows
    code, out, err = invoke("query", "authorised-count", "--endpoint", url)
    assert one_line(code, err) == (f"error: {url} (view authorised-count): HTTP 401 Unauthorized: it needs credentials "
                                   "(Digest authentication): set ATMP_KG_USER and ATMP_KG_PASSWORD, or add a netrc entry for its host")


# ---------------------------------------------------------------- answers

def test_select_truncated_by_virtuoso_exits_3(pushed, tmp_path):
    q = tmp_path / "all.rq"
    q.write_text("SELECT ?s ?p ?o WHERE { ?s ?p ?o }\n", encoding="utf-8")
    code, out, err = invoke("query", str(q), "--endpoint", pushed)
    assert one_line(code, err) == (f"error: {pushed} (query file {q}): results truncated at 10000 rows by the server "
                                   "(X-SPARQL-MaxRows); raise its result limit (Virtuoso: ResultSetMaxRows) or page the query")
    assert out == ""


@pytest.mark.parametrize("query", ["CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "DESCRIBE ?s WHERE { ?s ?p ?o }"])
def test_construct_and_describe_truncated_by_virtuoso_exit_3(pushed, tmp_path, query):
    """Virtuoso cuts them at ResultSetMaxRows + 1 triples with HTTP 200 and no header."""
    q = tmp_path / "all.rq"
    q.write_text(query + "\n", encoding="utf-8")
    code, out, err = invoke("query", str(q), "--endpoint", pushed)
    assert one_line(code, err) == (
        f"error: {pushed} (query file {q}): results truncated at 10000 triples by the server (Virtuoso's "
        "ResultSetMaxRows cuts CONSTRUCT and DESCRIBE answers without saying so); raise ResultSetMaxRows or page the query")
    assert out == ""


def test_construct_of_exactly_the_limit_is_whole(pushed, shipped_store):
    text = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 10000"
    remote = run_query(text, endpoint=pushed, timeout=60)
    assert len(remote.rows) == 10000 < len(shipped_store)


def test_booleans_come_back_as_booleans(virtuoso, pushed, shipped_store):
    """Virtuoso writes a stored true as "1"^^xsd:boolean; the client gives "true"^^xsd:boolean,
    as the embedded engine does."""
    text = ("PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>\n"
            "SELECT DISTINCT ?flag WHERE { ?o a atmp:Observation ; atmp:advancedTherapy ?flag }")
    raw = {(b["flag"]["value"], b["flag"]["datatype"]) for b in raw_select(virtuoso, text)["results"]["bindings"]}
    assert raw == {("1", XSD + "boolean"), ("0", XSD + "boolean")}
    remote = run_query(text, endpoint=pushed, timeout=30)
    assert remote.canonical_rows() == run_query(text, store=shipped_store).canonical_rows()
    assert {r["flag"]["value"] for r in remote.rows} == {"true", "false"}


def test_a_virtuoso_error_names_the_query_and_shows_virtuosos_reason(pushed, tmp_path):
    q = tmp_path / "path.rq"
    q.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?y }\n",
                 encoding="utf-8")
    code, out, err = invoke("query", str(q), "--endpoint", pushed)
    assert one_line(code, err) == (f"error: {pushed} (query file {q}): HTTP 500 SPARQL Request Failed: "
                                   "Virtuoso 37000 Error TR...: transitive start not given")


# ---------------------------------------------------------------- an endpoint without an atmp-kg graph

def test_an_endpoint_without_an_atmp_kg_graph_says_how_to_push_one(virtuoso, pushed):
    url = f"{virtuoso.query_url}?default-graph-uri={quote(EMPTY, safe='')}"
    expected = (f"error: {url} (view atmps): the endpoint holds no atmp-kg graph (no <https://w3id.org/atmp-kg/ontology> "
                f"owl:Ontology in the graph it queries); push one with `atmp-kg push --store STORE_URL --graph {EMPTY}`")
    code, out, err = invoke("query", "atmps", "--endpoint", url)
    assert one_line(code, err) == expected and out == ""
    code, out, err = invoke("scorecard", "--endpoint", url)
    assert one_line(code, err) == expected.replace("(view atmps)", "(view evidence)") and out == ""


OLD_PUSH = "https://w3id.org/atmp-kg/graph/test-virtuoso-old-push"


def test_an_endpoint_without_the_timeline_layer_says_to_push_again(virtuoso, writer_env, monkeypatch):
    """A graph pushed before the timeline existed (the ontology and data, no derived layer,
    put here with the Graph Store Protocol) is refused with the command that fixes it."""
    import pyoxigraph as ox

    from atmp_kg.endpoints.client import put_graph
    from atmp_kg.graph.store import load_store

    old = load_store(None, derive=False)
    assert not list(old.quads_for_pattern(None, None, ox.NamedNode("https://w3id.org/atmp-kg/ontology#DerivationRule")))
    for k, v in writer_env.items():
        monkeypatch.setenv(k, v)
    body = old.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    put_graph(virtuoso.crud_auth_url, body, graph=OLD_PUSH, timeout=120)
    for k in writer_env:
        monkeypatch.delenv(k)
    url = f"{virtuoso.query_url}?default-graph-uri={quote(OLD_PUSH, safe='')}"
    code, out, err = invoke("query", "authorised-count", "--endpoint", url)
    assert one_line(code, err) == (
        f"error: {url} (view authorised-count): the atmp-kg graph there has no derived timeline layer (no "
        f"atmp:DerivationRule node; it was pushed by an older atmp-kg); push it again with "
        f"`atmp-kg push --store STORE_URL --graph {OLD_PUSH}`") and out == ""


def test_the_graph_check_is_one_ask_per_endpoint(virtuoso, pushed, monkeypatch):
    from atmp_kg.endpoints import client

    asked = []
    real = client._ask
    monkeypatch.setattr(client, "_ask", lambda *a: asked.append(a[1]) or real(*a))
    for name in ("authorised-count", "classes", "conflicts"):
        view = catalog()[name]
        run_query(bind(view, {}), endpoint=pushed, timeout=60, where=str(view.path))
    # the graph has the derived layer (its rule nodes), so one ASK settles it
    assert asked == ["ASK { ?rule a <https://w3id.org/atmp-kg/ontology#DerivationRule> }"]


def test_virtuoso_refuses_a_dozen_optional_subselects_by_its_time_estimate(pushed, tmp_path):
    """Virtuoso estimates a query's time before running it and refuses it above
    MaxQueryCostEstimationTime (400 s as shipped): twelve OPTIONAL grouped sub-selects over the
    observations, joined on ?product, are estimated above it on the shipped graph (the atmps view
    had more before the timeline); two run (six were estimated at 1,932 s on today's graph)."""
    def query(k: int) -> str:
        opts = "\n".join(f"  OPTIONAL {{ SELECT ?product (MAX(?d{i}) AS ?x{i}) WHERE {{ ?o{i} a atmp:Observation ; "
                         f"atmp:product ?product ; atmp:observedOn ?d{i} }} GROUP BY ?product }}" for i in range(k))
        return f"PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>\nSELECT * WHERE {{\n  ?product atmp:productNumber ?n .\n{opts}\n}}\n"

    assert run_query(query(2), endpoint=pushed, timeout=60).rows
    q = tmp_path / "twelve.rq"
    q.write_text(query(12), encoding="utf-8")
    code, out, err = invoke("query", str(q), "--endpoint", pushed)
    line = one_line(code, err)
    assert line.startswith(f"error: {pushed} (query file {q}): HTTP 500 SPARQL Request Failed: Virtuoso 42000 Error "
                           "The estimated execution time"), line
    assert line.endswith("exceeds the limit of 400 (sec).") or "exceeds the limit of 400 (sec)" in line, line
