"""Remote queries, push and serve against a real Oxigraph server and real sockets (no mocks)."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from atmp_kg.cli import cli
from atmp_kg.views.engine import run_local
from atmp_kg.views.catalog import bind, catalog
from atmp_kg.views.run import run_query

from oxigraph_server import OxigraphServer, free_port, fresh_oxigraph_server, oxigraph_server  # noqa: F401

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "tests" / "fixtures" / "shapes"
INVALID = SHAPES / "invalid" / "product-missing-citation.ttl"
VALID = SHAPES / "valid" / "complete-graph.ttl"
WARNING_ONLY = SHAPES / "warning" / "finding-undated.ttl"

AS_OF_DATES = ("2018-12-31", "2025-07-15")
KNOWN_VALUES = {"number": ("EMEA/H/C/004090",)}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def invoke(*args: str, env: dict | None = None):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_fault(code: int, err: str, endpoint: str, expected_code: int = 3) -> str:
    assert code == expected_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert endpoint in lines[0], err
    assert "Traceback" not in err
    return lines[0]


def remote_count(url: str, graph: str | None = None) -> int:
    text = COUNT if graph is None else f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    return int(run_query(text, endpoint=url, timeout=10).values("n")[0])


# ---------------------------------------------------------------- the shipped graph, pushed once

@pytest.fixture(scope="module")
def pushed(oxigraph_server, shipped_store):  # noqa: F811
    started = time.perf_counter()
    code, out, err = invoke("push", "--store", oxigraph_server.store_url, "--timeout", "30")
    seconds = time.perf_counter() - started
    assert code == 0, err
    n = len(shipped_store)
    assert f"pushed {n} triples to {oxigraph_server.store_url}?default" in out
    assert f"the store now holds {n} triples in the default graph" in out
    assert err == ""
    print(f"\npush of the shipped graph ({n} triples), validation included: {seconds:.2f} s; "
          f"server start: {oxigraph_server.start_seconds:.3f} s")
    return oxigraph_server


def view_cases():
    cases = []
    for name, view in catalog().items():
        choices = []
        for p in view.params:
            if p.type == "date" and p.name == "as_of":
                choices.append([(p.name, d) for d in AS_OF_DATES])
            elif p.name in KNOWN_VALUES:
                choices.append([(p.name, v) for v in KNOWN_VALUES[p.name]])
            elif p.default is not None:
                choices.append([])  # the default is used
            else:
                raise AssertionError(f"view {name}: give tests a value for its required parameter {p.name}")
        combos = [{}]
        for options in choices:
            if options:
                combos = [dict(c, **{k: v}) for c in combos for k, v in options]
        for values in combos:
            label = name + "".join(f"[{k}={v}]" for k, v in values.items())
            cases.append(pytest.param(name, values, id=label))
    return cases


@pytest.mark.parametrize("name,values", view_cases())
def test_every_view_gives_the_same_rows_remotely(pushed, shipped_store, name, values):
    view = catalog()[name]
    text = bind(view, values)
    local = run_query(text, store=shipped_store, where=name)
    remote = run_query(text, endpoint=pushed.query_url, timeout=30, where=name)
    assert remote.variables == local.variables
    assert remote.boolean == local.boolean
    assert remote.canonical_rows() == local.canonical_rows()


@pytest.mark.parametrize("as_of", ["2018-12-31", "2025-07-15"])
def test_scorecard_is_the_same_remotely(pushed, shipped_store, as_of):
    """The whole scorecard model, built from the endpoint, equals the embedded one."""
    import datetime as dt

    from atmp_kg.scorecard.render import render
    from atmp_kg.scorecard.model import build_model, local_runner, remote_runner

    day = dt.date.fromisoformat(as_of)
    local = build_model(local_runner(shipped_store), day, generated="fixed")
    remote = build_model(remote_runner(pushed.query_url, 30), day, generated="fixed")
    assert remote == local
    assert render(remote, "markdown") == render(local, "markdown")


def test_cli_scorecard_with_endpoint(pushed, tmp_path):
    out = tmp_path / "sc.json"
    code, _, err = invoke("scorecard", "--endpoint", pushed.query_url, "--as-of", "2018-12-31", "--format", "json", "-o", str(out))
    assert code == 0, err
    import json

    assert len([i for s in json.loads(out.read_text())["sections"] for i in s["items"] if i.get("group") == "ATMPs authorised"]) == 13


def test_views_are_not_vacuous(pushed):
    rows = run_query(bind(catalog()["atmps"], {"as_of": "2025-07-15"}), endpoint=pushed.query_url, timeout=30).rows
    assert len(rows) > 10
    history = run_query(bind(catalog()["history"], {"number": "EMEA/H/C/004090"}), endpoint=pushed.query_url, timeout=30)
    assert history.rows


def test_query_command_with_endpoint_matches_embedded(pushed):
    args = ("query", "atmps", "--param", "as_of=2025-07-15", "--format", "json")
    code, remote, err = invoke(*args, "--endpoint", pushed.query_url)
    assert code == 0, err
    code, local, _ = invoke(*args)
    assert code == 0
    r, loc = json.loads(remote), json.loads(local)
    assert r["head"] == loc["head"]
    key = lambda b: json.dumps(b, sort_keys=True)  # noqa: E731
    assert sorted(r["results"]["bindings"], key=key) == sorted(loc["results"]["bindings"], key=key)


def test_ask_and_construct_remotely(pushed, shipped_store, tmp_path):
    ask = "ASK { ?p a <https://w3id.org/atmp-kg/ontology#MedicinalProduct> }"
    assert run_query(ask, endpoint=pushed.query_url, timeout=10).boolean is True
    construct = ("CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/atmp-kg/ontology#Source> ; ?p ?o }")
    remote = run_query(construct, endpoint=pushed.query_url, timeout=10)
    local = run_local(shipped_store, construct)
    assert remote.variables == ["subject", "predicate", "object"]
    assert remote.rows and remote.canonical_rows() == local.canonical_rows()


def test_push_refuses_a_graph_that_does_not_conform(pushed, shipped_store):
    before = remote_count(pushed.query_url)
    view = bind(catalog()["atmps"], {"as_of": "2025-07-15"})
    rows_before = run_query(view, endpoint=pushed.query_url, timeout=30).canonical_rows()
    code, out, err = invoke("push", "--store", pushed.store_url, "--data", str(INVALID))
    assert code == 1
    assert "does not conform" in err and "nothing was pushed" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == ""
    assert remote_count(pushed.query_url) == before == len(shipped_store)
    assert run_query(view, endpoint=pushed.query_url, timeout=30).canonical_rows() == rows_before


def test_update_through_query_is_refused_before_anything_is_sent(pushed, fault_server, tmp_path):
    update = tmp_path / "update.rq"
    update.write_text("PREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }\n", encoding="utf-8")
    before = remote_count(pushed.query_url)
    for url in (pushed.query_url, fault_server.url("/ok")):
        code, out, err = invoke("query", str(update), "--endpoint", url)
        assert code == 2, err
        assert "read-only" in err and "Traceback" not in err
    assert remote_count(pushed.query_url) == before
    assert fault_server.requests == []
    delete = tmp_path / "delete.rq"
    delete.write_text("# SELECT in a comment\nDELETE WHERE { ?s ?p ?o }\n", encoding="utf-8")
    assert invoke("query", str(delete), "--endpoint", pushed.query_url)[0] == 2
    assert remote_count(pushed.query_url) == before


# ---------------------------------------------------------------- push: graphs, replacement, faults

def test_push_replaces_the_graph_and_handles_named_graphs(fresh_oxigraph_server):  # noqa: F811
    server = fresh_oxigraph_server
    code, out, err = invoke("push", "--store", server.store_url, "--data", str(VALID))
    assert code == 0, err
    first = remote_count(server.query_url)
    assert f"the store now holds {first} triples in the default graph" in out

    # A second push replaces the default graph: nothing of the first is left.
    code, out, err = invoke("push", "--store", server.store_url, "--data", str(WARNING_ONLY))
    assert code == 0, err
    second = remote_count(server.query_url)
    assert f"the store now holds {second} triples" in out
    from atmp_kg.graph.store import load_store

    assert second == len(load_store([WARNING_ONLY])) != first

    # A named graph: Oxigraph keeps it out of the default graph; query it with GRAPH <IRI>.
    iri = "https://w3id.org/atmp-kg/graph/test?x=1&y=2"
    code, out, err = invoke("push", "--store", server.store_url, "--graph", iri, "--data", str(VALID))
    assert code == 0, err
    assert f"to {server.store_url}?graph=https%3A%2F%2Fw3id.org" in out
    assert f"the store now holds {first} triples in <{iri}>" in out
    assert remote_count(server.query_url, iri) == first
    assert remote_count(server.query_url) == second
    # ... or name it as the default graph in the endpoint URL (SPARQL protocol), for the views.
    from urllib.parse import quote

    assert remote_count(f"{server.query_url}?default-graph-uri={quote(iri, safe='')}") == first

    # A failed PUT (a body the store rejects) leaves the old graph whole.
    from atmp_kg.endpoints.client import put_graph
    from atmp_kg.errors import EndpointError

    with pytest.raises(EndpointError, match="HTTP 400"):
        put_graph(server.store_url, b"<http://a> <http://b> <http://c> .\n<http://a> <http://b> broken .\n",
                  graph=None, timeout=10)
    assert remote_count(server.query_url) == second


def test_push_checks_its_arguments_before_validating():
    started = time.perf_counter()
    code, _, err = invoke("push", "--store", "http://127.0.0.1:9/somewhere", "--data", str(VALID))
    assert code == 2 and "--query-endpoint" in err
    code, _, err = invoke("push", "--store", "ftp://example.org/store")
    assert code == 2 and "only http:// and https://" in err
    code, _, err = invoke("push", "--store", "http://127.0.0.1:9/store", "--graph", "not an iri")
    assert code == 2 and "absolute IRI" in err
    code, _, err = invoke("push", "--store", "http://127.0.0.1:9/store?default")
    assert code == 2 and "without a query string" in err
    assert time.perf_counter() - started < 5


def test_push_to_a_stopped_store(tmp_path):
    server = OxigraphServer(tmp_path / "db").start()
    url = server.store_url
    server.close()
    code, out, err = invoke("push", "--store", url, "--data", str(VALID), "--timeout", "5")
    line = assert_one_line_fault(code, err, f"{url}?default")
    assert "connection refused" in line and out == ""


def test_push_to_a_store_that_fails(fault_server):
    url = fault_server.url("/500/store")
    code, out, err = invoke("push", "--store", url, "--data", str(VALID))
    line = assert_one_line_fault(code, err, url)
    assert "HTTP 500" in line and "database is on fire" in line
    put = [r for r in fault_server.requests if r["method"] == "PUT"]
    assert put and put[0]["content-type"].startswith("application/n-triples")
    assert put[0]["path"] == "/500/store?default"


# ---------------------------------------------------------------- faults against real sockets

class FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _record(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append({
            "method": self.command, "path": self.path, "body": body,
            "content-type": self.headers.get("Content-Type", ""),
            "accept": self.headers.get("Accept", ""),
            "user-agent": self.headers.get("User-Agent", ""),
            "authorization": self.headers.get("Authorization"),
        })
        return body

    def _send(self, status: int, ctype: str, body: bytes, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        self._record()
        if self.path.startswith("/500/"):
            self._send(500, "text/plain", b"database is on fire\nat line 42 of something\n")
        else:
            self._send(204, "text/plain", b"")

    def do_POST(self):
        from urllib.parse import parse_qs

        body = self._record()
        query = parse_qs(body.decode("utf-8", "replace")).get("query", [""])[0]
        # Like a real store: an ASK (the check for an atmp-kg graph) gets a boolean.
        # ... and a SELECT two rows in the column it projects first (clients check the columns).
        import re

        m = re.search(r"SELECT\s+(?:DISTINCT\s+)?(?:\(.*?\bAS\s+[?$](\w+)\s*\)|[?$](\w+))", query, re.S | re.I)
        var = (m.group(1) or m.group(2)) if m else "x"
        rows2 = ({"head": {}, "boolean": True} if query.lstrip().upper().startswith("ASK") else
                 {"head": {"vars": [var]}, "results": {"bindings": [
                     {var: {"type": "literal", "value": "1"}}, {var: {"type": "literal", "value": "2"}}]}})
        p = self.path.split("?")[0]
        if p == "/500":
            self._send(500, "text/plain", b"\n  Virtuoso 42000 Error: the server broke\nsecond line\n")
        elif p == "/html":
            self._send(200, "text/html; charset=utf-8",
                       b"<!DOCTYPE html><html><head><title>Sign in - Example SSO</title></head><body>Please log in</body></html>")
        elif p == "/badjson":
            self._send(200, "application/sparql-results+json", b'{"head": {"vars": ["x"]}, "results": {"bind')
        elif p == "/truncated":
            self._send(200, "application/sparql-results+json", json.dumps(rows2).encode(), {"X-SPARQL-MaxRows": "2"})
        elif p == "/maxrows-not-reached":
            self._send(200, "application/sparql-results+json", json.dumps(rows2).encode(), {"X-SPARQL-MaxRows": "10000"})
        elif p == "/redirect":
            self._send(301, "text/plain", b"moved", {"Location": "https://elsewhere.example/sparql"})
        elif p == "/auth":
            if self.headers.get("Authorization") == "Basic " + base64.b64encode(b"ana:s3cret-pw").decode():
                self._send(200, "application/sparql-results+json", json.dumps(rows2).encode())
            else:
                self._send(401, "text/plain", b"who are you?", {"WWW-Authenticate": 'Basic realm="x"'})
        elif p in ("/digest", "/digest-sha256"):
            algorithm = "SHA-256" if p.endswith("sha256") else "MD5"
            if digest_ok(self.headers.get("Authorization"), "POST", self.path, algorithm):
                self._send(200, "application/sparql-results+json", json.dumps(rows2).encode())
            else:  # offers Basic first: the client must still prefer Digest
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="x"')
                self.send_header("WWW-Authenticate", f'Digest realm="SPARQL", nonce="{NONCE}", opaque="op4que", '
                                                     f'qop="auth", algorithm="{algorithm}"')
                self.send_header("Content-Length", "0")
                self.end_headers()
        elif p == "/negotiate":
            self._send(401, "text/plain", b"", {"WWW-Authenticate": "Negotiate"})
        elif p in HOSTILE:
            status, ctype, body, headers = HOSTILE[p]()
            self.send_response(status, headers.pop("reason", None))
            self.send_header("Content-Type", ctype)
            if body is None:  # endless
                self.end_headers()
                try:
                    while True:
                        self.wfile.write(b"[" * 65536)
                except OSError:
                    return
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
        else:  # /ok
            self._send(200, "application/sparql-results+json", json.dumps(rows2).encode())


NONCE = "d1g3st-n0nce"


def digest_ok(header: str | None, method: str, uri: str, algorithm: str) -> bool:
    """Checks a Digest answer for user ana / s3cret-pw by RFC 7616, independently of the client."""
    import hashlib
    import re

    if not header or not header.startswith("Digest "):
        return False
    fields = {k: a or b for k, a, b in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', header[7:])}
    h = (lambda t: hashlib.sha256(t.encode()).hexdigest()) if algorithm == "SHA-256" else (lambda t: hashlib.md5(t.encode()).hexdigest())
    if fields.get("username") != "ana" or fields.get("nonce") != NONCE or fields.get("uri") != uri:
        return False
    if fields.get("opaque") != "op4que" or fields.get("qop") != "auth" or fields.get("algorithm") != algorithm:
        return False
    ha1, ha2 = h("ana:SPARQL:s3cret-pw"), h(f"{method}:{uri}")
    return fields.get("response") == h(f"{ha1}:{NONCE}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")


def _sparql_json(bindings, variables=("x",)) -> bytes:
    return json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": bindings}}).encode()


# Hostile answers: path -> () -> (status, content type, body or None for endless, headers).
HOSTILE = {
    "/deep": lambda: (200, "application/sparql-results+json", b"[" * 200_000 + b"]" * 200_000, {}),
    "/deep-term": lambda: (200, "application/sparql-results+json",
                           b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": ' + b'{"a": ' * 100_000 + b"1"
                           + b"}" * 100_000 + b"}]}}", {}),
    "/value-not-string": lambda: (200, "application/sparql-results+json",
                                  _sparql_json([{"x": {"type": "literal", "value": 5}}]), {}),
    "/bindings-not-list": lambda: (200, "application/sparql-results+json",
                                   json.dumps({"head": {"vars": "x"}, "results": {"bindings": 3}}).encode(), {}),
    "/row-not-object": lambda: (200, "application/sparql-results+json", _sparql_json(["x"]), {}),
    "/unknown-term": lambda: (200, "application/sparql-results+json",
                              _sparql_json([{"x": {"type": "triple", "value": "x"}}]), {}),
    "/bad-variable": lambda: (200, "application/sparql-results+json", _sparql_json([], ["x y", "\x1b[31m"]), {}),
    "/missing-column": lambda: (200, "application/sparql-results+json",
                                _sparql_json([{"y": {"type": "literal", "value": "1"}}], ["y"]), {}),
    "/huge-iri": lambda: (200, "application/sparql-results+json",
                          _sparql_json([{"x": {"type": "uri", "value": "http://x.example/" + "a" * 50_000_000}}]), {}),
    "/huge-literal": lambda: (200, "application/sparql-results+json",
                              _sparql_json([{"x": {"type": "literal", "value": "b" * 20_000_000}}]), {}),
    "/huge-iri-nt": lambda: (200, "application/n-triples",
                             b"<http://x.example/" + b"a" * 50_000_000 + b"> <http://p.example/> <http://o.example/> .\n", {}),
    "/escapes": lambda: (500, "text/plain", b"\x1b[31mEVIL\x1b[0m \x1b]0;pwned\x07 bell\x07 \xe2\x80\xae" + b"x" * 5000,
                         {"reason": "Bad\x1b[2J"}),
    "/escape-redirect": lambda: (302, "text/plain", b"", {"Location": "https://elsewhere.example/\x1b[31mred"}),
    "/endless": lambda: (200, "application/sparql-results+json", None, {}),
    "/html-titles": lambda: (200, "text/html", b"<title" * 200_000, {}),
    "/html-title-open": lambda: (500, "text/html", b"<title>" + b"<" * 1_000_000, {}),
    "/html-lt": lambda: (500, "text/html", b"<html>" + b"<" * 1_000_000, {}),
    "/html-scripts": lambda: (500, "text/html", b"<html>" + b"<script" * 200_000, {}),
}


class FaultServer:
    def __init__(self, tls_context=None):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), FaultHandler)
        # A client that stops reading (an error body is read up to 64 KB) makes the handler's
        # write fail; the server must not print that into the stderr a test is reading.
        self.httpd.handle_error = lambda request, client_address: None
        if tls_context is not None:
            self.httpd.socket = tls_context.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.daemon_threads = True
        self.httpd.requests = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def requests(self) -> list:
        return self.httpd.requests

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def fault_server():
    server = FaultServer()
    yield server
    server.close()


@pytest.fixture()
def silent_server():
    """Accepts connections and never answers (or, with drip=True, answers one byte every 0.2 s)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()
    held: list[socket.socket] = []
    state = {"drip": False}

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)
            if state["drip"]:
                threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn):
        payload = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nX-Pad: " + b"x" * 1000
        for byte in payload:
            if stop.wait(0.2):
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()

    class Silent:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/query"

        @staticmethod
        def dripping():
            state["drip"] = True

    yield Silent
    stop.set()
    thread.join(2)
    for c in held:
        c.close()
    listener.close()


def test_fault_connection_refused_by_a_stopped_server(tmp_path):
    server = OxigraphServer(tmp_path / "db").start()
    url = server.query_url
    server.close()
    code, out, err = invoke("query", "authorised-count", "--endpoint", url, "--timeout", "5")
    line = assert_one_line_fault(code, err, url)
    assert "connection refused" in line and out == ""


@pytest.mark.parametrize("drip", [False, True], ids=["never-answers", "one-byte-every-0.2s"])
def test_fault_timeout_is_honoured(silent_server, drip):
    if drip:
        silent_server.dripping()
    started = time.perf_counter()
    code, out, err = invoke("query", "authorised-count", "--endpoint", silent_server.url, "--timeout", "1")
    elapsed = time.perf_counter() - started
    line = assert_one_line_fault(code, err, silent_server.url)
    assert "no" in line and "answer within 1 s" in line and "--timeout" in line
    assert elapsed < 3.0, f"--timeout 1 took {elapsed:.2f} s"
    # The abandoned exchange is cut off too: no worker thread lingers on the socket.
    deadline = time.monotonic() + 2
    while any(t.name == "atmp-kg-http" and t.is_alive() for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the HTTP worker thread outlived its deadline"
        time.sleep(0.02)


@pytest.mark.parametrize("path,expected", [
    ("/500", "HTTP 500 Internal Server Error: Virtuoso 42000 Error: the server broke"),
    ("/html", "answered with an HTML page (Sign in - Example SSO), not SPARQL results"),
    ("/badjson", "answered with invalid JSON"),
    ("/truncated", "results truncated at 2 rows by the server"),
    ("/redirect", "HTTP 301 Moved Permanently: the server redirects to https://elsewhere.example/sparql; use that URL"),
    ("/auth", "HTTP 401 Unauthorized: it needs credentials (Basic authentication): set ATMP_KG_USER and ATMP_KG_PASSWORD"),
])
def test_fault_answers(fault_server, path, expected, monkeypatch, tmp_path):
    monkeypatch.delenv("ATMP_KG_USER", raising=False)
    monkeypatch.delenv("ATMP_KG_PASSWORD", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    url = fault_server.url(path)
    code, out, err = invoke("query", "authorised-count", "--param", "as_of=2020-01-01", "--endpoint", url)
    line = assert_one_line_fault(code, err, url)
    assert expected in line
    assert "second line" not in line and out == ""
    # At most the check for an atmp-kg graph (an ASK) and the view, each sent once: nothing is
    # retried and the redirect is not followed.
    bodies = [r["body"] for r in fault_server.requests]
    assert 1 <= len(bodies) <= 2 and len(set(bodies)) == len(bodies)


def test_request_is_a_conneg_post_with_our_user_agent(fault_server):
    from atmp_kg import __version__

    results = run_query("SELECT ?x WHERE { ?x ?p ?o }", endpoint=fault_server.url("/ok"), timeout=5)
    assert results.values("x") == ["1", "2"]
    [req] = fault_server.requests
    assert req["method"] == "POST" and req["path"] == "/ok"  # no format=/output= parameters
    assert req["content-type"] == "application/x-www-form-urlencoded"
    assert req["body"].startswith(b"query=SELECT")
    assert "application/sparql-results+json" in req["accept"]
    assert req["user-agent"] == f"atmp-kg/{__version__} (+https://w3id.org/atmp-kg)"
    assert req["authorization"] is None


def test_maxrows_header_below_the_limit_is_not_truncation(fault_server):
    assert len(run_query("SELECT ?x WHERE { ?x ?p ?o }", endpoint=fault_server.url("/maxrows-not-reached"), timeout=5).rows) == 2


# ---------------------------------------------------------------- hostile answers

SELECT_X = "SELECT ?x WHERE { ?x ?p ?o }\n"


@pytest.fixture()
def query_file(tmp_path):
    def make(text: str = SELECT_X):
        path = tmp_path / "q.rq"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return make


@pytest.mark.parametrize("path,expected", [
    ("/deep", "answered with JSON nested too deeply to read"),
    ("/deep-term", "answered with JSON nested too deeply to read"),
    ("/value-not-string", "answered with malformed SPARQL JSON (row 1, ?x: a value that is not a string)"),
    ("/bindings-not-list", "answered with JSON that is not a SPARQL SELECT result"),
    ("/row-not-object", "answered with malformed SPARQL JSON (row 1 is not an object)"),
    ("/unknown-term", "answered with malformed SPARQL JSON (row 1, ?x: unknown term type 'triple')"),
    ("/bad-variable", "answered with malformed SPARQL JSON (the variable names in its head)"),
    ("/missing-column", "the answer has no column ?x (its columns: y)"),
])
def test_hostile_json_answers_are_one_line_exit_3(fault_server, query_file, path, expected):
    url = fault_server.url(path)
    code, out, err = invoke("query", query_file(), "--endpoint", url, "--timeout", "20")
    line = assert_one_line_fault(code, err, url)
    assert line.endswith(expected), line
    assert out == ""


def test_a_huge_iri_or_literal_is_read_and_clipped_in_the_table(fault_server, query_file):
    for path, start in (("/huge-iri", "http://x.example/aaaa"), ("/huge-literal", "bbbb")):
        code, out, err = invoke("query", query_file(), "--endpoint", fault_server.url(path), "--timeout", "30")
        assert code == 0, err
        lines = out.splitlines()
        assert lines[0] == "x" and lines[2].startswith(start) and lines[-1] == "(1 row)"
        assert len(out) < 1000


def test_an_rdf_term_too_long_for_the_parser(fault_server, query_file):
    url = fault_server.url("/huge-iri-nt")
    code, out, err = invoke("query", query_file("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }\n"), "--endpoint", url,
                            "--timeout", "30")
    line = assert_one_line_fault(code, err, url)
    assert "answered with an RDF term too long to read (Reached the buffer maximal size" in line


def test_server_text_loses_its_terminal_escapes_and_is_clipped(fault_server, query_file):
    url = fault_server.url("/escapes")
    code, out, err = invoke("query", query_file(), "--endpoint", url)
    line = assert_one_line_fault(code, err, url)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c == "\u202e" for c in line), repr(line)
    reason = line.split("HTTP 500 Bad: ", 1)[1]
    assert reason.startswith("EVIL bell xxx") and len(reason) <= 200, reason
    url = fault_server.url("/escape-redirect")
    code, out, err = invoke("query", query_file(), "--endpoint", url)
    line = assert_one_line_fault(code, err, url)
    assert "\x1b" not in line and "the server redirects to https://elsewhere.example/red; use that URL" in line


def test_an_endless_answer_stops_at_the_size_cap(fault_server, query_file, monkeypatch):
    monkeypatch.setenv("ATMP_KG_MAX_ANSWER_MB", "2")
    url = fault_server.url("/endless")
    code, out, err = invoke("query", query_file(), "--endpoint", url, "--timeout", "30")
    line = assert_one_line_fault(code, err, url)
    assert line.endswith("the answer is larger than 2 MB, the limit on an endpoint's answer "
                         "(set ATMP_KG_MAX_ANSWER_MB to raise it, or page the query)")
    monkeypatch.setenv("ATMP_KG_MAX_ANSWER_MB", "lots")
    code, out, err = invoke("query", query_file(), "--endpoint", url)
    assert code == 2 and "ATMP_KG_MAX_ANSWER_MB='lots': give the largest endpoint answer to accept, in MB" in err


@pytest.mark.parametrize("path,expected", [
    ("/html-titles", "answered with an HTML page, not SPARQL results; is this the query endpoint?"),
    ("/html-title-open", "HTTP 500 Internal Server Error: (an HTML page)"),
    ("/html-lt", "HTTP 500 Internal Server Error: (an HTML page)"),
    ("/html-scripts", "HTTP 500 Internal Server Error: (an HTML page)"),
])
def test_hostile_html_is_summarised_within_the_timeout(fault_server, query_file, path, expected):
    """1 MB pages built to make a backtracking <title> search quadratic: the summary is linear,
    so the message arrives well inside --timeout (a quadratic search would hit the timeout)."""
    url = fault_server.url(path)
    code, out, err = invoke("query", query_file(), "--endpoint", url, "--timeout", "5")
    line = assert_one_line_fault(code, err, url)
    assert line.endswith(expected), line


def test_html_summaries_name_title_and_reason():
    from atmp_kg.endpoints.transport import Answer, summarise

    page = (b'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html>\n  <head>\n    <title>SPARQL Graph Protocol '
            b'request failed</title>\n  </head>\n  <body>\n    <h1>HTTP/1.1 403 Forbidden</h1>\n    <h3>Error 42000</h3>\n'
            b'<xmp>SQ110:SECURITY: Permission denied for delete from DB.DBA.RDF_QUAD (user ID = 107)</xmp></body></html>')
    answer = Answer(403, "Forbidden", {"content-type": "text/html; charset=UTF-8"}, page)
    assert summarise(answer) == ("SPARQL Graph Protocol request failed: SQ110:SECURITY: Permission denied for "
                                 "delete from DB.DBA.RDF_QUAD (user ID = 107)")
    sso = b"<html><head><title>Sign in</title><script>var a = '<b>';</script></head><body><p>Please log in</p></body></html>"
    assert summarise(Answer(500, "", {"content-type": "text/html"}, sso)) == "Sign in: Please log in"


class MirrorHandler(BaseHTTPRequestHandler):
    """Answers every query from the shipped graph, then spoils the answer the way the path says:
    /drop-item leaves ?item unbound in every row, /bad-count writes "many" for ?products."""

    protocol_version = "HTTP/1.1"
    store = None

    def log_message(self, *args):
        pass

    def do_POST(self):
        from urllib.parse import parse_qs

        length = int(self.headers.get("Content-Length") or 0)
        query = parse_qs(self.rfile.read(length).decode("utf-8")).get("query", [""])[0]
        results = run_local(self.store, query)
        if results.boolean is not None:
            doc = {"head": {}, "boolean": results.boolean}
        else:
            rows = results.rows
            if self.path == "/drop-item":
                rows = [{k: v for k, v in r.items() if k != "item"} for r in rows]
            elif self.path == "/bad-count":
                rows = [dict(r, products={"type": "literal", "value": "many"}) if "products" in r else r for r in rows]
            doc = {"head": {"vars": results.variables}, "results": {"bindings": rows}}
        body = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def mirror_server(shipped_store):
    handler = type("Mirror", (MirrorHandler,), {"store": shipped_store})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_scorecard_reports_an_endpoint_answer_it_cannot_use(mirror_server):
    url = f"{mirror_server}/drop-item"
    code, out, err = invoke("scorecard", "--endpoint", url, "--as-of", "2018-12-31")
    line = assert_one_line_fault(code, err, url)
    assert line == (f"error: {url} (view evidence): a row of the answer has no value for ?item, which the view always "
                    "binds; does the endpoint hold the whole atmp-kg graph?")
    url = f"{mirror_server}/bad-count"
    code, out, err = invoke("scorecard", "--endpoint", url, "--as-of", "2018-12-31")
    line = assert_one_line_fault(code, err, url)
    assert line == (f"error: {url} (view classes): the answer cannot be used (ValueError: invalid literal for int() "
                    "with base 10: 'many'); does the endpoint hold an atmp-kg graph pushed by this version?")
    code, out, err = invoke("scorecard", "--endpoint", f"{mirror_server}/as-is", "--as-of", "2018-12-31", "--format", "json")
    assert code == 0, err  # the mirror itself is faithful: the faults above are the spoiling


# ---------------------------------------------------------------- authentication

def test_credentials_are_sent_only_when_the_server_asks(fault_server, monkeypatch):
    monkeypatch.setenv("ATMP_KG_USER", "ana")
    monkeypatch.setenv("ATMP_KG_PASSWORD", "s3cret-pw")
    run_query(SELECT_X, endpoint=fault_server.url("/ok"), timeout=5)
    assert [r["authorization"] for r in fault_server.requests] == [None]


@pytest.mark.parametrize("path", ["/digest", "/digest-sha256"])
def test_digest_is_preferred_and_the_password_never_travels(fault_server, monkeypatch, path):
    monkeypatch.setenv("ATMP_KG_USER", "ana")
    monkeypatch.setenv("ATMP_KG_PASSWORD", "s3cret-pw")
    results = run_query(SELECT_X, endpoint=fault_server.url(path), timeout=5)
    assert results.values("x") == ["1", "2"]
    first, second = fault_server.requests
    assert first["authorization"] is None and second["authorization"].startswith("Digest username=\"ana\"")
    sent = repr(fault_server.requests)
    assert "s3cret-pw" not in sent and base64.b64encode(b"ana:s3cret-pw").decode() not in sent
    monkeypatch.setenv("ATMP_KG_PASSWORD", "wrong")
    code, out, err = invoke("query", "authorised-count", "--endpoint", fault_server.url(path))
    line = assert_one_line_fault(code, err, fault_server.url(path))
    assert line.endswith("HTTP 401 Unauthorized: the credentials were refused (Basic or Digest authentication): "
                         "check ATMP_KG_USER and ATMP_KG_PASSWORD (or the netrc entry)"), line


def test_an_authentication_scheme_atmp_kg_does_not_speak(fault_server, monkeypatch, query_file):
    monkeypatch.setenv("ATMP_KG_USER", "ana")
    monkeypatch.setenv("ATMP_KG_PASSWORD", "s3cret-pw")
    url = fault_server.url("/negotiate")
    code, out, err = invoke("query", query_file(), "--endpoint", url)
    line = assert_one_line_fault(code, err, url)
    assert line.endswith("HTTP 401 Unauthorized: it asks for Negotiate authentication, which atmp-kg does not support "
                         "(it answers Digest and Basic)"), line


# ---------------------------------------------------------------- pieces of the client

def test_canonical_literals_write_values_as_the_embedded_store_does():
    from atmp_kg.endpoints.client import canonical_literals

    X = "http://www.w3.org/2001/XMLSchema#"

    def lit(value, dtype):
        return {"type": "literal", "value": value, "datatype": X + dtype}

    rows = [{"a": lit("1", "boolean"), "b": lit("0", "boolean"), "c": lit("2.0", "double"), "d": lit("02", "int"),
             "e": lit("1", "integer"), "f": {"type": "literal", "value": "1", "datatype": "http://example.org/dt"},
             "g": {"type": "uri", "value": "http://example.org/x"}, "h": lit("not a number", "integer")}]
    [row] = canonical_literals(rows)
    assert row == {"a": lit("true", "boolean"), "b": lit("false", "boolean"), "c": lit("2", "double"),
                   "d": lit("2", "integer"), "e": lit("1", "integer"), "f": rows[0]["f"], "g": rows[0]["g"],
                   "h": lit("not a number", "integer")}


def test_projected_variables_of_every_view_are_what_the_engine_projects(shipped_store):
    from atmp_kg.endpoints.client import projected_variables

    for name, view in catalog().items():
        text = bind(view, {p.name: "EMEA/H/C/004090" for p in view.params if p.default is None})
        assert projected_variables(text) == run_local(shipped_store, text).variables, name
    assert projected_variables('# SELECT ?no\nSELECT DISTINCT ?a ("?b" AS ?c) WHERE { ?a ?p "?d" }') == ["a", "c"]
    assert projected_variables("SELECT * WHERE { ?s ?p ?o }") is None


@pytest.fixture()
def tls_server(tmp_path):
    """The fault server behind TLS with a self-signed certificate for 127.0.0.1."""
    import shutil
    import ssl

    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = FaultServer(context)
    server.cert = cert
    yield server
    server.close()


def test_tls_is_verified_by_default(tls_server, monkeypatch):
    url = tls_server.url("/ok").replace("http://", "https://")
    code, out, err = invoke("query", "authorised-count", "--endpoint", url, "--timeout", "5")
    line = assert_one_line_fault(code, err, url)
    assert "TLS certificate not trusted" in line and "SSL_CERT_FILE" in line
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_server.cert))  # a private CA, trusted explicitly
    assert len(run_query("SELECT ?x WHERE { ?x ?p ?o }", endpoint=url, timeout=5).rows) == 2


# ---------------------------------------------------------------- credentials

def test_credentials_from_the_environment_are_sent_and_never_shown(fault_server, monkeypatch, tmp_path):
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    env = {"ATMP_KG_USER": "ana", "ATMP_KG_PASSWORD": "s3cret-pw"}
    code, out, err = invoke("query", "authorised-count", "--endpoint", fault_server.url("/auth"), env=env)
    assert code == 0, err
    assert "s3cret" not in out + err
    env["ATMP_KG_PASSWORD"] = "wrong-pw"
    code, out, err = invoke("query", "authorised-count", "--endpoint", fault_server.url("/auth"), env=env)
    line = assert_one_line_fault(code, err, fault_server.url("/auth"))
    assert "credentials were refused" in line and "wrong-pw" not in out + err


def test_credentials_from_netrc(fault_server, monkeypatch, tmp_path):
    monkeypatch.delenv("ATMP_KG_USER", raising=False)
    monkeypatch.delenv("ATMP_KG_PASSWORD", raising=False)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login ana password s3cret-pw\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    results = run_query("SELECT ?x WHERE { ?x ?p ?o }", endpoint=fault_server.url("/auth"), timeout=5)
    assert len(results.rows) == 2


def test_credentials_in_the_url_are_refused_and_not_echoed(fault_server):
    url = fault_server.url("/ok").replace("http://", "http://ana:s3cret-pw@")
    code, out, err = invoke("query", "authorised-count", "--endpoint", url)
    assert code == 2 and "credentials in the URL are refused" in err
    assert "s3cret" not in out + err
    assert fault_server.requests == []
    code, _, err = invoke("push", "--store", url.replace("/ok", "/store"))
    assert code == 2 and "s3cret" not in err


# ---------------------------------------------------------------- serve

def test_serve_answers_a_plain_http_client_and_stops_on_ctrl_c(tmp_path, shipped_store):
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp), PYTHONUNBUFFERED="1")
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "atmp_kg.cli", "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = proc.stdout.readline()
        assert first.startswith("SPARQL query endpoint: http://127.0.0.1:"), first + proc.stderr.read()
        query_url = first.split(": ", 1)[1].strip()
        ready = time.perf_counter() - started
        assert proc.stdout.readline().startswith("Graph Store (read-only): http://127.0.0.1:")

        request = urllib.request.Request(query_url, data=COUNT.encode(), method="POST", headers={
            "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=10) as r:
            answer = json.load(r)
        assert int(answer["results"]["bindings"][0]["n"]["value"]) == len(shipped_store)

        update = urllib.request.Request(query_url.replace("/query", "/update"), method="POST",
                                        data=b"INSERT DATA { <http://a> <http://b> <http://c> }",
                                        headers={"Content-Type": "application/sparql-update"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(update, timeout=10)
        assert refused.value.code == 403
        assert list(temp.iterdir()), "the server's temporary copy should exist while it runs"

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        err = proc.stderr.read()
        assert "Traceback" not in err
        print(f"\nserve: answering {ready:.2f} s after the command started")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert list(temp.iterdir()) == [], "serve must remove its temporary folder"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(query_url.rsplit(":", 1)[1].split("/")[0])), timeout=1)


def test_serve_without_the_server_package_names_the_extra(monkeypatch):
    monkeypatch.setattr(sys, "executable", "/nonexistent/bin/python")
    monkeypatch.setenv("PATH", "/nonexistent")
    code, out, err = invoke("serve", "--port", "0")
    assert code == 2
    assert "atmp-kg[server]" in err and len(err.strip().splitlines()) == 1


def test_serve_on_a_port_in_use_says_so_before_any_work():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = invoke("serve", "--port", str(port))
    assert code == 2
    assert err.strip() == f"error: port {port} on 127.0.0.1 is in use; choose another --port (0 picks a free one)"
