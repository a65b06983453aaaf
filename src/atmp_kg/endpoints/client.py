"""Talks to SPARQL 1.1 endpoints and Graph Store Protocol stores over HTTP(S).

Queries go through SPARQLWrapper, configured the way the measured pitfalls demand: always
POST (setMethod), content negotiation only (setOnlyConneg), JSON results, a descriptive
User-Agent. SPARQLWrapper builds the request; this module sends it itself, because:

- SPARQLWrapper's setTimeout is a socket timeout (int() of it, so 0.5 s means none) that
  bounds each blocking read, not the whole exchange: a server that trickles one byte a
  second never times out. Here every exchange runs in a worker thread and the caller waits
  at most `timeout` seconds for it, DNS, connect, headers and body included.
- urllib follows redirects and carries the Authorization header to whatever host the
  redirect names. Redirects are not followed here: the user is told the new URL.

Credentials come only from ATMP_KG_USER / ATMP_KG_PASSWORD or a netrc entry for the host
($NETRC, else ~/.netrc); a URL with user:password@ is refused, and no message ever shows
userinfo. TLS certificates are verified (a private CA can be given with SSL_CERT_FILE).

Every fault is an EndpointError (exit 3) whose message is one line naming the endpoint.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from .. import __version__
from ..errors import EndpointError, InputError
from ..views.results import Results, normalise_json_term

USER_AGENT = f"atmp-kg/{__version__} (+https://w3id.org/atmp-kg)"
USER_ENV = "ATMP_KG_USER"
PASSWORD_ENV = "ATMP_KG_PASSWORD"
_MAX_ERROR_BODY = 64 * 1024
_CLIP = 200
_RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"


# ---------------------------------------------------------------- URLs and credentials

def redact(url: str) -> str:
    """A URL without user:password@ (for messages)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<malformed URL>"
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def check_url(url: str, what: str = "endpoint") -> str:
    """An http(s) URL with a host and no credentials in it; anything else is an InputError."""
    shown = redact(url)
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise InputError(f"{what} {shown!r} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InputError(f"{what} {shown}: only http:// and https:// URLs are supported")
    if not parts.hostname:
        raise InputError(f"{what} {shown}: the URL names no host")
    if "@" in parts.netloc:
        raise InputError(
            f"{what} {shown}: credentials in the URL are refused; set {USER_ENV} and {PASSWORD_ENV} "
            f"or add a netrc entry for {parts.hostname}"
        )
    if parts.fragment:
        raise InputError(f"{what} {shown}: a URL with a #fragment is not an endpoint")
    return url


def credentials(url: str) -> tuple[str, str] | None:
    """(user, password) for a URL from the environment, else from netrc; None if neither."""
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user or password:
        if not (user and password):
            raise InputError(f"set both {USER_ENV} and {PASSWORD_ENV}, or neither")
        return user, password
    host = urllib.parse.urlsplit(url).hostname or ""
    import netrc

    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except netrc.NetrcParseError as e:
        # The message may quote the file; say only where and what kind of problem.
        kind = "permissions too open (chmod 600 it)" if "access too permissive" in str(e) else f"line {e.lineno}"
        raise InputError(f"netrc file {path} cannot be used: {kind}") from None
    except OSError as e:
        raise InputError(f"netrc file {path} cannot be read ({e.strerror or e})") from None
    if not entry or not entry[0] or not entry[2]:
        return None
    return entry[0], entry[2]


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")


# ---------------------------------------------------------------- HTTP with a real deadline

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D401
        return None  # urllib then raises HTTPError for the 3xx, which is reported


def _opener(sockets: list) -> urllib.request.OpenerDirector:
    """An opener that verifies TLS, follows no redirect, and lists the sockets it opens
    (so that an exchange past its deadline can be cut off)."""
    context = ssl.create_default_context()  # verifies certificates and host names

    class Conn(http.client.HTTPConnection):
        def connect(self):
            super().connect()
            sockets.append(self.sock)

    class TLSConn(http.client.HTTPSConnection):
        def connect(self):
            super().connect()
            sockets.append(self.sock)

    class Plain(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Conn, req)

    class TLS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(TLSConn, req, context=context)

    return urllib.request.build_opener(Plain(), TLS(context=context), _NoRedirect())


@dataclass
class _Answer:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


def _exchange(request: urllib.request.Request, timeout: float, sockets: list) -> _Answer:
    """Send one request and read the whole answer; raises what urllib raises."""
    try:
        response = _opener(sockets).open(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        try:
            body = e.read(_MAX_ERROR_BODY) if e.fp is not None else b""
        except (OSError, http.client.HTTPException):
            body = b""
        return _Answer(e.code, str(e.reason or ""), {k.lower(): v for k, v in (e.headers or {}).items()}, body)
    with response:
        body = response.read()
        return _Answer(response.status, str(response.reason or ""), {k.lower(): v for k, v in response.getheaders()}, body)


def send(request: urllib.request.Request, *, timeout: float, label: str) -> _Answer:
    """Run one HTTP exchange, waiting at most `timeout` seconds for all of it.

    The exchange runs in a daemon thread; past the deadline its socket is shut down, so the
    thread ends too. Network faults become one-line EndpointErrors naming `label`.
    """
    box: dict = {}
    done = threading.Event()
    sockets: list = []

    def work():
        try:
            box["answer"] = _exchange(request, timeout, sockets)
        except BaseException as e:  # handed to the caller
            box["error"] = e
        finally:
            done.set()

    thread = threading.Thread(target=work, name="atmp-kg-http", daemon=True)
    thread.start()
    if not done.wait(timeout):
        for sock in list(sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise EndpointError(f"{label}: no complete answer within {timeout:g} s (raise --timeout for a slow server)")
    if "error" in box:
        raise EndpointError(f"{label}: {_network_fault(box['error'], request, timeout)}") from None
    return box["answer"]


def _network_fault(e: BaseException, request: urllib.request.Request, timeout: float) -> str:
    reason = e.reason if isinstance(e, urllib.error.URLError) and not isinstance(e, urllib.error.HTTPError) else e
    host = urllib.parse.urlsplit(request.full_url).hostname
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the server running, and is the port right?)"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"no answer within {timeout:g} s (raise --timeout for a slow server)"
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve host {host}"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({reason.verify_message or reason.reason}); set SSL_CERT_FILE for a private CA"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error ({reason.reason or reason})"
    if isinstance(reason, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(reason, http.client.HTTPException):
        return f"not an HTTP answer ({type(reason).__name__})"
    if isinstance(reason, ConnectionResetError):
        return "the connection was reset by the server"
    if isinstance(reason, OSError):
        return f"network error ({reason.strerror or reason})"
    if isinstance(reason, str):
        return f"network error ({reason})"
    return f"request failed ({type(reason).__name__}: {_clip(str(reason))})"


# ---------------------------------------------------------------- summarising answers

def _clip(text: str, width: int = _CLIP) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _html_title(text: str) -> str | None:
    m = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    return _clip(re.sub(r"<[^>]+>", " ", m.group(1))) if m and m.group(1).strip() else None


def _looks_html(answer: _Answer, text: str) -> bool:
    ctype = answer.headers.get("content-type", "").lower()
    head = text.lstrip()[:100].lower()
    return "html" in ctype or head.startswith("<!doctype html") or head.startswith("<html")


def summarise(answer: _Answer) -> str:
    """The first meaningful line of a server's answer, clipped, for an error message."""
    text = answer.body.decode("utf-8", errors="replace")
    if _looks_html(answer, text):
        title = _html_title(text)
        body = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", text)
        body = re.sub(r"<[^>]+>", "\n", body)
        first = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
        return _clip(title or first) or "(an HTML page)"
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return _clip(first) or "(no message)"


def _http_fault(answer: _Answer, label: str, *, authenticated: bool, where: str | None = None) -> EndpointError:
    status = f"HTTP {answer.status}" + (f" {answer.reason}" if answer.reason else "")
    if 300 <= answer.status < 400:
        location = answer.headers.get("location")
        if location:
            return EndpointError(f"{label}: {status}: the server redirects to {redact(location)}; use that URL")
        return EndpointError(f"{label}: {status} without a Location")
    if answer.status in (401, 407):
        hint = ("the credentials were refused" if authenticated else
                f"it needs credentials: set {USER_ENV} and {PASSWORD_ENV}, or add a netrc entry for its host")
        return EndpointError(f"{label}: {status}: {hint}")
    suffix = f" (running {where})" if where and 400 <= answer.status < 500 else ""
    return EndpointError(f"{label}: {status}: {summarise(answer)}{suffix}")


# ---------------------------------------------------------------- queries

def run_remote(endpoint: str, text: str, *, timeout: float = 60.0, where: str = "query") -> Results:
    """Run a read-only query on a SPARQL 1.1 endpoint; the rows come back as run_local gives them."""
    from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper

    from ..views.catalog import query_form

    form = query_form(text)  # refuses an UPDATE before anything is sent
    check_url(endpoint)
    label = redact(endpoint)
    auth = credentials(endpoint)

    sparql = SPARQLWrapper(endpoint, agent=USER_AGENT)
    sparql.setMethod(POST)
    sparql.setRequestMethod(URLENCODED)
    sparql.setOnlyConneg(True)
    sparql.setQuery(text)
    sparql.queryType = form  # our reading of the form, not SPARQLWrapper's regex
    if form in ("CONSTRUCT", "DESCRIBE"):
        sparql.setReturnFormat(TURTLE)
        sparql.addCustomHttpHeader("Accept", _RDF_ACCEPT)
    else:
        sparql.setReturnFormat(JSON)
    if auth:
        sparql.setCredentials(*auth)  # BASIC: an Authorization header on this request only
    request = sparql._createRequest()  # SPARQLWrapper 2.x: the urllib Request it would send

    answer = send(request, timeout=timeout, label=label)
    if answer.status != 200:
        raise _http_fault(answer, label, authenticated=bool(auth), where=where)
    if form in ("CONSTRUCT", "DESCRIBE"):
        return _graph_results(answer, label)
    results = _json_results(answer, label, form)
    _check_truncation(answer, results, label)
    return results


def _check_truncation(answer: _Answer, results: Results, label: str) -> None:
    """Virtuoso cuts results at ResultSetMaxRows with HTTP 200 and says so only in a header."""
    raw = answer.headers.get("x-sparql-maxrows")
    if raw is None or results.boolean is not None:
        return
    try:
        limit = int(raw.strip())
    except ValueError:
        limit = None
    if limit is None or len(results.rows) >= limit:
        shown = limit if limit is not None else _clip(raw, 20)
        raise EndpointError(
            f"{label}: results truncated at {shown} rows by the server (X-SPARQL-MaxRows); "
            f"raise its result limit (Virtuoso: ResultSetMaxRows) or page the query"
        )


def _json_results(answer: _Answer, label: str, form: str) -> Results:
    text = answer.body.decode("utf-8", errors="replace")
    ctype = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    if _looks_html(answer, text):
        title = _html_title(text)
        return _raise(f"{label}: answered with an HTML page{f' ({title})' if title else ''}, not SPARQL results; "
                      "is this the query endpoint?")
    if ctype and "json" not in ctype and "javascript" not in ctype:
        return _raise(f"{label}: answered with {ctype}, not SPARQL JSON results; is this the query endpoint?")
    try:
        doc = json.loads(answer.body)
    except (ValueError, UnicodeDecodeError) as e:
        return _raise(f"{label}: answered with invalid JSON ({_clip(str(e), 80)})")
    if not isinstance(doc, dict):
        return _raise(f"{label}: answered with JSON that is not a SPARQL result")
    if "boolean" in doc:
        if form != "ASK" or not isinstance(doc["boolean"], bool):
            return _raise(f"{label}: answered a {form} query with a boolean")
        return Results(variables=[], boolean=doc["boolean"])
    head, res = doc.get("head"), doc.get("results")
    bindings = res.get("bindings") if isinstance(res, dict) else None
    variables = head.get("vars", []) if isinstance(head, dict) else None
    if not isinstance(variables, list) or not isinstance(bindings, list) or form == "ASK":
        return _raise(f"{label}: answered with JSON that is not a SPARQL {form} result")
    variables = [str(v) for v in variables]
    rows = []
    try:
        for b in bindings:
            rows.append({v: normalise_json_term(b[v]) for v in variables if v in b})
    except (TypeError, AttributeError, KeyError):
        return _raise(f"{label}: answered with malformed SPARQL JSON bindings")
    return Results(variables=variables, rows=rows)


def _graph_results(answer: _Answer, label: str) -> Results:
    import pyoxigraph as ox

    from ..views.results import term_to_json

    ctype = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = ox.RdfFormat.from_media_type(ctype) if ctype else None
    if fmt is None or fmt == ox.RdfFormat.JSON_LD:
        text = answer.body.decode("utf-8", errors="replace")
        kind = "an HTML page" if _looks_html(answer, text) else (ctype or "an untyped answer")
        return _raise(f"{label}: answered with {kind}, not RDF; is this the query endpoint?")
    try:
        triples = list(ox.parse(answer.body, fmt, base_iri=None))
    except (SyntaxError, ValueError) as e:
        return _raise(f"{label}: answered with invalid {fmt.name}: {_clip(str(e), 120)}")
    rows = [
        {"subject": term_to_json(t.subject), "predicate": term_to_json(t.predicate), "object": term_to_json(t.object)}
        for t in triples
    ]
    return Results(variables=["subject", "predicate", "object"], rows=rows)


def _raise(message: str):
    raise EndpointError(message)


# ---------------------------------------------------------------- Graph Store Protocol

def derive_query_endpoint(store_url: str) -> str | None:
    """The query endpoint that goes with a Graph Store URL, for the stores we know."""
    parts = urllib.parse.urlsplit(store_url)
    path = parts.path.rstrip("/")
    for suffix, query in (("/store", "/query"),                    # Oxigraph
                          ("/data", "/sparql"),                     # Fuseki /ds/data
                          ("/sparql-graph-crud-auth", "/sparql"),   # Virtuoso
                          ("/sparql-graph-crud", "/sparql")):
        if path.endswith(suffix):
            return urllib.parse.urlunsplit(parts._replace(path=path[: -len(suffix)] + query, query=""))
    return None


def graph_url(store_url: str, graph: str | None) -> str:
    """The Graph Store Protocol URL of the default graph (?default) or a named one (?graph=IRI)."""
    if urllib.parse.urlsplit(store_url).query:
        raise InputError(f"store {redact(store_url)}: give the store URL without a query string; "
                         "use --graph IRI for a named graph")
    if graph is None:
        return store_url + "?default"
    return store_url + "?graph=" + urllib.parse.quote(graph, safe="")


@dataclass
class PushResult:
    target: str
    sent: int
    held: int
    seconds: float
    query_endpoint: str


def put_graph(store_url: str, ntriples: bytes, *, graph: str | None, timeout: float) -> float:
    """Replace one graph with N-Triples in a single Graph Store Protocol PUT; returns seconds."""
    check_url(store_url, "store")
    target = graph_url(store_url, graph)
    label = redact(target)
    auth = credentials(store_url)
    request = urllib.request.Request(target, data=ntriples, method="PUT")
    request.add_header("Content-Type", "application/n-triples; charset=utf-8")
    request.add_header("User-Agent", USER_AGENT)
    request.add_header("Accept", "*/*")
    if auth:
        request.add_header("Authorization", _basic(*auth))
    started = time.perf_counter()
    answer = send(request, timeout=timeout, label=label)
    if answer.status not in (200, 201, 204):
        raise _http_fault(answer, label, authenticated=bool(auth))
    return time.perf_counter() - started


def count_triples(query_endpoint: str, graph: str | None, *, timeout: float) -> int:
    """How many triples the endpoint holds in the default graph or in one named graph.

    A graph IRI must have passed check_graph_iri (it is written into the query as <IRI>).
    """
    if graph is None:
        text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    else:
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    results = run_remote(query_endpoint, text, timeout=timeout, where="the triple count")
    values = results.values("n")
    try:
        return int(values[0]) if values and values[0] is not None else 0
    except ValueError:
        raise EndpointError(f"{redact(query_endpoint)}: answered the triple count with {values[0]!r}") from None


def check_graph_iri(graph: str) -> str:
    from ..views.catalog import Param, term_for

    term_for(Param("graph", "iri"), graph)  # raises InputError for anything but an absolute IRI
    return graph


@dataclass
class PushPlan:
    store_url: str
    graph: str | None
    target: str            # the Graph Store Protocol URL that is PUT
    query_endpoint: str    # where the triple count is asked


def plan_push(store_url: str, *, graph: str | None = None, query_endpoint: str | None = None) -> PushPlan:
    """Check a push's URLs and graph IRI without touching the network (InputError if unusable)."""
    check_url(store_url, "store")
    if graph is not None:
        check_graph_iri(graph)
    target = graph_url(store_url, graph)
    if query_endpoint is None:
        query_endpoint = derive_query_endpoint(store_url)
        if query_endpoint is None:
            raise InputError(f"store {redact(store_url)}: cannot tell its query endpoint; give --query-endpoint URL")
    check_url(query_endpoint)
    return PushPlan(store_url=store_url, graph=graph, target=target, query_endpoint=query_endpoint)


def push(plan: PushPlan, ntriples: bytes, sent: int, *, timeout: float = 300.0) -> PushResult:
    """PUT the graph into the store (one request), then count what the store holds there."""
    seconds = put_graph(plan.store_url, ntriples, graph=plan.graph, timeout=timeout)
    held = count_triples(plan.query_endpoint, plan.graph, timeout=timeout)
    return PushResult(target=redact(plan.target), sent=sent, held=held, seconds=seconds,
                      query_endpoint=redact(plan.query_endpoint))
