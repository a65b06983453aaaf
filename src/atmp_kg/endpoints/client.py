"""Runs queries on SPARQL 1.1 endpoints and pushes graphs to Graph Store Protocol stores.

Queries go through SPARQLWrapper, configured the way the measured pitfalls demand: always
POST (setMethod), content negotiation only (setOnlyConneg), JSON results, a descriptive
User-Agent. SPARQLWrapper builds the request; transport.py sends it (deadline, size cap,
challenge-only authentication, no redirects).

Answers are checked before anyone uses them: well-formed SPARQL JSON with string values, the
columns the query projects, no truncation by the server (Virtuoso cuts SELECT answers with a
header and CONSTRUCT/DESCRIBE answers silently), and literals of XSD datatypes written the way
the embedded engine writes them (Virtuoso's "1"^^xsd:boolean is "true"^^xsd:boolean). Before a
shipped view runs, one ASK per endpoint makes sure the endpoint holds an atmp-kg graph.

Every fault is an EndpointError (exit 3) whose message is one line naming the endpoint and the
view it was running.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import EndpointError, InputError
from ..views.results import Results, normalise_json_term
from .transport import (USER_AGENT, Answer, check_url, clean, credentials, html_title, http_fault,
                        looks_html, redact, send)

__all__ = ["run_remote", "plan_push", "push", "put_graph", "count_triples", "check_url", "redact",
           "credentials", "USER_AGENT"]

_RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
XSD = "http://www.w3.org/2001/XMLSchema#"
ONTOLOGY_IRI = "https://w3id.org/atmp-kg/ontology"
DERIVATION_RULE = "https://w3id.org/atmp-kg/ontology#DerivationRule"
_TERM_TYPES = ("uri", "literal", "typed-literal", "bnode")
_VAR_NAME = re.compile(r"[A-Za-z0-9_\u00B7\u00C0-\uFFFF]+")


# ---------------------------------------------------------------- labels

def _label(endpoint: str, where: str) -> str:
    """The endpoint as messages name it, with the view or task it was running."""
    shown = clean(redact(endpoint), 300)
    if not where or where == "query":
        return shown
    name = _shipped_view(where)
    if name:
        return f"{shown} (view {name})"
    if where.endswith(".rq"):
        return f"{shown} (query file {clean(where, 120)})"
    return f"{shown} ({clean(where, 120)})"


def _shipped_view(where: str) -> str | None:
    """The name of a shipped view when `where` is the path of one of queries/*.rq."""
    if not where.endswith(".rq"):
        return None
    from .. import resources

    try:
        p = Path(where).resolve()
        return p.stem if p.parent == resources.path("queries").resolve() and p.is_file() else None
    except (OSError, FileNotFoundError):
        return None


# ---------------------------------------------------------------- queries

def run_remote(endpoint: str, text: str, *, timeout: float = 60.0, where: str = "query",
               check_graph: bool | None = None) -> Results:
    """Run a read-only query on a SPARQL 1.1 endpoint; the rows come back as run_local gives them.

    check_graph (default: when `where` is a shipped view) first makes sure, once per endpoint
    and process, that the endpoint holds an atmp-kg graph (one ASK)."""
    from ..views.catalog import query_form

    form = query_form(text)  # refuses an UPDATE before anything is sent
    check_url(endpoint)
    label = _label(endpoint, where)
    creds = credentials(endpoint)
    if check_graph is None:
        check_graph = _shipped_view(where) is not None
    if check_graph:
        check_atmp_graph(endpoint, timeout=timeout, label=label)

    request = _query_request(endpoint, text, form)
    expected = projected_variables(text) if form == "SELECT" else None

    def parse(answer: Answer):
        if answer.status != 200:
            raise http_fault(answer, label, configured=bool(creds))
        if form in ("CONSTRUCT", "DESCRIBE"):
            return _graph_results(answer, label), answer
        results = _json_results(answer, label, form, expected)
        _check_truncation(answer, results, label)
        return results, answer

    results, answer = send(request, timeout=timeout, label=label, creds=creds, parse=parse)
    if form in ("CONSTRUCT", "DESCRIBE") and _is_virtuoso(answer):
        _check_graph_truncation(endpoint, len(results.rows), label, timeout, creds)
    return results


def _query_request(endpoint: str, text: str, form: str) -> urllib.request.Request:
    from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper

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
    # No setCredentials: credentials go only in answer to a challenge (transport.py).
    return sparql._createRequest()  # SPARQLWrapper 2.x: the urllib Request it would send


def _is_virtuoso(answer: Answer) -> bool:
    return "virtuoso" in answer.headers.get("server", "").lower()


def _check_truncation(answer: Answer, results: Results, label: str) -> None:
    """Virtuoso cuts SELECT results at ResultSetMaxRows with HTTP 200 and says so only in a header."""
    raw = answer.headers.get("x-sparql-maxrows")
    if raw is None or results.boolean is not None:
        return
    try:
        limit = int(raw.strip())
    except ValueError:
        limit = None
    if limit is None or len(results.rows) >= limit:
        shown = limit if limit is not None else clean(raw, 20)
        raise EndpointError(
            f"{label}: results truncated at {shown} rows by the server (X-SPARQL-MaxRows); "
            f"raise its result limit (Virtuoso: ResultSetMaxRows) or page the query"
        )


# Per endpoint: the row limit a Virtuoso server revealed, or the largest answer it gave whole.
_ROW_LIMITS: dict[str, int] = {}
_WHOLE_UP_TO: dict[str, int] = {}


def _check_graph_truncation(endpoint: str, n: int, label: str, timeout: float, creds) -> None:
    """Virtuoso cuts CONSTRUCT and DESCRIBE answers at ResultSetMaxRows triples (it sends
    limit + 1) with HTTP 200 and no header. Its limit shows on a SELECT it cuts, so ask one
    that would give n rows (VALUES only: independent of the data), once per endpoint and size."""
    if n == 0 or n <= _WHOLE_UP_TO.get(endpoint, 0):
        return
    limit = _ROW_LIMITS.get(endpoint)
    if limit is None:
        digits = len(str(n))
        blocks = " ".join(f"VALUES ?v{i} {{ 0 1 2 3 4 5 6 7 8 9 }}" for i in range(digits))
        probe = f"SELECT ?v0 WHERE {{ {blocks} }} LIMIT {n}"
        request = _query_request(endpoint, probe, "SELECT")

        def parse(answer: Answer):
            if answer.status != 200:
                raise http_fault(answer, label + " (checking the row limit)", configured=bool(creds))
            return answer.headers.get("x-sparql-maxrows")

        raw = send(request, timeout=timeout, label=label, creds=creds, parse=parse)
        if raw is None or not raw.strip().isdigit():
            _WHOLE_UP_TO[endpoint] = max(n, _WHOLE_UP_TO.get(endpoint, 0))
            return
        limit = _ROW_LIMITS[endpoint] = int(raw.strip())
    if n > limit:
        raise EndpointError(
            f"{label}: results truncated at {limit} triples by the server (Virtuoso's ResultSetMaxRows cuts "
            f"CONSTRUCT and DESCRIBE answers without saying so); raise ResultSetMaxRows or page the query"
        )


def _json_results(answer: Answer, label: str, form: str, expected: list[str] | None) -> Results:
    ctype = clean(answer.headers.get("content-type", "").split(";")[0].strip().lower(), 60)
    if looks_html(answer.headers, answer.body):
        title = html_title(answer.body[: 1 << 20].decode("utf-8", errors="replace"))
        raise EndpointError(f"{label}: answered with an HTML page{f' ({title})' if title else ''}, not SPARQL results; "
                            "is this the query endpoint?")
    if ctype and "json" not in ctype and "javascript" not in ctype:
        raise EndpointError(f"{label}: answered with {ctype}, not SPARQL JSON results; is this the query endpoint?")
    try:
        doc = json.loads(answer.body)
    except RecursionError:
        raise EndpointError(f"{label}: answered with JSON nested too deeply to read") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise EndpointError(f"{label}: answered with invalid JSON ({clean(str(e), 80)})") from None
    if not isinstance(doc, dict):
        raise EndpointError(f"{label}: answered with JSON that is not a SPARQL result")
    if "boolean" in doc:
        if form != "ASK" or not isinstance(doc["boolean"], bool):
            raise EndpointError(f"{label}: answered a {form} query with a boolean")
        return Results(variables=[], boolean=doc["boolean"])
    head, res = doc.get("head"), doc.get("results")
    bindings = res.get("bindings") if isinstance(res, dict) else None
    variables = head.get("vars", []) if isinstance(head, dict) else None
    if not isinstance(variables, list) or not isinstance(bindings, list) or form == "ASK":
        raise EndpointError(f"{label}: answered with JSON that is not a SPARQL {form} result")
    if not all(isinstance(v, str) and _VAR_NAME.fullmatch(v) for v in variables) or len(set(variables)) != len(variables):
        raise EndpointError(f"{label}: answered with malformed SPARQL JSON (the variable names in its head)")
    if expected is not None:
        missing = [v for v in expected if v not in variables]
        if missing:
            raise EndpointError(f"{label}: the answer has no column {', '.join('?' + clean(v, 40) for v in missing[:3])} "
                                f"(its columns: {clean(' '.join(variables), 120) or 'none'})")
    rows = []
    for number, b in enumerate(bindings, 1):
        if not isinstance(b, dict):
            raise EndpointError(f"{label}: answered with malformed SPARQL JSON (row {number} is not an object)")
        row = {}
        for v in variables:
            if v in b:
                why = _bad_term(b[v])
                if why:
                    raise EndpointError(f"{label}: answered with malformed SPARQL JSON (row {number}, ?{v}: {why})")
                row[v] = normalise_json_term(b[v])
        rows.append(row)
    return Results(variables=list(variables), rows=canonical_literals(rows))


def _bad_term(t) -> str | None:
    if not isinstance(t, dict):
        return "not an RDF term object"
    if t.get("type") not in _TERM_TYPES:
        return f"unknown term type {clean(str(t.get('type')), 30)!r}"
    if not isinstance(t.get("value"), str):
        return "a value that is not a string"
    for key in ("datatype", "xml:lang"):
        if key in t and not isinstance(t[key], str):
            return f"a {key} that is not a string"
    return None


def _graph_results(answer: Answer, label: str) -> Results:
    import pyoxigraph as ox

    from ..views.results import term_to_json

    ctype = clean(answer.headers.get("content-type", "").split(";")[0].strip().lower(), 60)
    fmt = ox.RdfFormat.from_media_type(ctype) if ctype else None
    if fmt is None or fmt == ox.RdfFormat.JSON_LD:
        kind = "an HTML page" if looks_html(answer.headers, answer.body) else (ctype or "an untyped answer")
        raise EndpointError(f"{label}: answered with {kind}, not RDF; is this the query endpoint?")
    try:
        triples = list(ox.parse(answer.body, fmt, base_iri=None))
    except (SyntaxError, ValueError) as e:
        raise EndpointError(f"{label}: answered with invalid {fmt.name}: {clean(str(e), 120)}") from None
    except MemoryError as e:  # pyoxigraph's parser: "Reached the buffer maximal size of 16777216"
        raise EndpointError(f"{label}: answered with an RDF term too long to read ({clean(str(e), 80)})") from None
    rows = [
        {"subject": term_to_json(t.subject), "predicate": term_to_json(t.predicate), "object": term_to_json(t.object)}
        for t in triples
    ]
    return Results(variables=["subject", "predicate", "object"], rows=canonical_literals(rows))


def canonical_literals(rows: list[dict]) -> list[dict]:
    """Rows whose XSD-typed literals are written as the embedded store writes them.

    The embedded engine (pyoxigraph) stores every literal in canonical form: "1"^^xsd:boolean
    becomes "true", "2.0"^^xsd:double "2", "02"^^xsd:int "2"^^xsd:integer. Another store may
    answer with the same values written otherwise (Virtuoso writes booleans as 1 and 0, doubles
    as 2.0). The terms are passed through a scratch pyoxigraph store, which rewrites them exactly
    as loading the data would have: the same value, never a guess. (A value whose datatype a
    store has already lost, such as Virtuoso's "1"^^xsd:integer for a computed true, cannot be
    recovered and is left as it is.)"""
    keys: dict[tuple[str, str], int] = {}
    for row in rows:
        for t in row.values():
            dtype = t.get("datatype")
            if dtype and dtype.startswith(XSD) and t["type"] == "literal":
                keys.setdefault((t["value"], dtype), len(keys))
    if not keys:
        return rows
    import pyoxigraph as ox

    store = ox.Store()
    subject = ox.NamedNode("urn:x-atmp-kg:canonical")
    datatypes: dict[str, ox.NamedNode] = {}
    for (value, dtype), i in keys.items():
        node = datatypes.get(dtype) or datatypes.setdefault(dtype, ox.NamedNode(dtype))
        try:
            store.add(ox.Quad(subject, ox.NamedNode(f"urn:x-atmp-kg:{i}"), ox.Literal(value, datatype=node)))
        except ValueError:
            continue  # a datatype IRI pyoxigraph refuses: left as it is
    canon: dict[int, dict] = {}
    for q in store:
        lit = q.object
        dtype = lit.datatype.value
        canon[int(q.predicate.value.rsplit(":", 1)[1])] = (
            {"type": "literal", "value": lit.value} if dtype == XSD + "string"
            else {"type": "literal", "value": lit.value, "datatype": dtype})
    out = []
    for row in rows:
        fixed = row
        for var, t in row.items():
            dtype = t.get("datatype")
            if dtype and t["type"] == "literal":
                new = canon.get(keys.get((t["value"], dtype), -1))
                if new is not None and new != t:
                    if fixed is row:
                        fixed = dict(row)
                    fixed[var] = new
        out.append(fixed)
    return out


def projected_variables(text: str) -> list[str] | None:
    """The variables a SELECT query projects, read from its text (None for SELECT * or when
    the projection cannot be read): an answer without one of them is refused."""
    from ..views.catalog import _segments

    code = "".join(chunk if is_code else (" " if chunk.startswith("#") else " _ ") for is_code, chunk in _segments(text))
    m = re.search(r"\bSELECT\b", code, re.IGNORECASE)
    if not m:
        return None
    out: list[str] = []
    depth, alias = 0, False
    for tok in re.finditer(r"[(){}*]|[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+|\b(?:WHERE|FROM|AS)\b", code[m.end():], re.IGNORECASE):
        t = tok.group()
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        elif depth == 0 and (t == "{" or t.upper() in ("WHERE", "FROM")):
            break
        elif depth == 0 and t == "*":
            return None
        elif t.upper() == "AS" and depth == 1:
            alias = True
        elif t[0] in "?$":
            if depth == 0 or alias:
                out.append(t[1:])
            alias = False
    return out or None


# ---------------------------------------------------------------- answers the scorecard uses

class _Row(dict):
    """A row of an endpoint's answer: a missing value is the endpoint's fault, named as such."""

    __slots__ = ("label",)

    def __missing__(self, key):
        raise EndpointError(f"{self.label}: a row of the answer has no value for ?{clean(str(key), 40)}, "
                            "which the view always binds; does the endpoint hold the whole atmp-kg graph?")


class _TaggedResults(Results):
    label: str = ""

    def records(self) -> list[dict[str, str]]:
        out = []
        for r in super().records():
            row = _Row(r)
            row.label = self.label
            out.append(row)
        return out


def tag_rows(results: Results, endpoint: str, where: str) -> Results:
    """Results whose records() rows name the endpoint and view when a value is missing."""
    tagged = _TaggedResults(variables=results.variables, rows=results.rows, boolean=results.boolean)
    tagged.label = _label(endpoint, where)
    return tagged


def unusable_answer(endpoint: str, view: str, error: BaseException) -> EndpointError:
    """An endpoint's answer that the scorecard could not use (a malformed value, say)."""
    shown = clean(redact(endpoint), 300) + (f" (view {view})" if view else "")
    return EndpointError(f"{shown}: the answer cannot be used ({type(error).__name__}: {clean(str(error), 120)}); "
                         "does the endpoint hold an atmp-kg graph pushed by this version?")


# ---------------------------------------------------------------- is there an atmp-kg graph?

_GRAPH_OK: set[str] = set()


def _expects_timeline() -> bool:
    """True once the shipped ontology declares the derived timeline layer's rules."""
    from .. import resources

    try:
        return any("DerivationRule" in p.read_text(encoding="utf-8") for p in resources.ontology_files())
    except OSError:
        return False


def check_atmp_graph(endpoint: str, *, timeout: float, label: str | None = None) -> None:
    """One ASK (two when it fails) that the endpoint holds an atmp-kg graph with the layers the
    shipped views read; a clear line on how to push one otherwise. Once per endpoint and process."""
    if endpoint in _GRAPH_OK:
        return
    label = label or _label(endpoint, "query")
    onto = f"ASK {{ <{ONTOLOGY_IRI}> a <http://www.w3.org/2002/07/owl#Ontology> }}"
    timeline = _expects_timeline()
    first = f"ASK {{ ?rule a <{DERIVATION_RULE}> }}" if timeline else onto
    # A fault here (refused, timed out, HTTP 500...) is the one the view would meet: it is
    # reported at once, under the view's name, rather than after a second wait.
    if _ask(endpoint, first, timeout, label):
        _GRAPH_OK.add(endpoint)
        return
    has_onto = timeline and _ask(endpoint, onto, timeout, label)
    graph = _default_graph_uri(endpoint)
    push = f"`atmp-kg push --store STORE_URL --graph {graph}`" if graph else "`atmp-kg push --store STORE_URL` (see docs/endpoints.md)"
    if has_onto:
        raise EndpointError(f"{label}: the atmp-kg graph there has no derived timeline layer (no atmp:DerivationRule "
                            f"node; it was pushed by an older atmp-kg); push it again with {push}")
    raise EndpointError(f"{label}: the endpoint holds no atmp-kg graph (no <{ONTOLOGY_IRI}> owl:Ontology in the "
                        f"graph it queries); push one with {push}"
                        + ("" if graph else ", or name the graph with ?default-graph-uri=IRI"))


def _ask(endpoint: str, text: str, timeout: float, label: str) -> bool:
    creds = credentials(endpoint)

    def parse(answer: Answer):
        if answer.status != 200:
            raise http_fault(answer, label, configured=bool(creds))
        return _json_results(answer, label, "ASK", None).boolean

    return send(_query_request(endpoint, text, "ASK"), timeout=timeout, label=label, creds=creds, parse=parse)


def _default_graph_uri(endpoint: str) -> str | None:
    values = urllib.parse.parse_qs(urllib.parse.urlsplit(endpoint).query).get("default-graph-uri")
    return clean(values[0], 200) if values else None


# ---------------------------------------------------------------- Graph Store Protocol

_VIRTUOSO_GSP = ("/sparql-graph-crud-auth", "/sparql-graph-crud")


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


def _is_virtuoso_store(store_url: str) -> bool:
    return urllib.parse.urlsplit(store_url).path.rstrip("/").endswith(_VIRTUOSO_GSP)


def graph_url(store_url: str, graph: str | None) -> str:
    """The Graph Store Protocol URL of the default graph (?default) or a named one (?graph=IRI)."""
    if urllib.parse.urlsplit(store_url).query:
        raise InputError(f"store {clean(redact(store_url), 300)}: give the store URL without a query string; "
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


_NEEDS_GRAPH = ("Virtuoso's Graph Store has no default graph to replace; give --graph IRI "
                "(then run the views with --endpoint 'http://HOST:PORT/sparql?default-graph-uri=IRI')")


def put_graph(store_url: str, ntriples: bytes, *, graph: str | None, timeout: float) -> float:
    """Replace one graph with N-Triples in a single Graph Store Protocol PUT; returns seconds."""
    check_url(store_url, "store")
    target = graph_url(store_url, graph)
    label = clean(redact(target), 300)
    creds = credentials(store_url)
    request = urllib.request.Request(target, data=ntriples, method="PUT")
    request.add_header("Content-Type", "application/n-triples; charset=utf-8")
    request.add_header("User-Agent", USER_AGENT)
    request.add_header("Accept", "*/*")
    started = time.perf_counter()
    answer = send(request, timeout=timeout, label=label, creds=creds, probe=True)
    if answer.status not in (200, 201, 204):
        if answer.status == 500 and b"not configured to have default graph" in answer.body:
            raise EndpointError(f"{label}: HTTP 500: {_NEEDS_GRAPH}")
        hint = ""
        if answer.status == 403 and urllib.parse.urlsplit(store_url).path.rstrip("/").endswith("/sparql-graph-crud"):
            hint = ("; Virtuoso's /sparql-graph-crud writes as the anonymous SPARQL user: use "
                    "/sparql-graph-crud-auth with ATMP_KG_USER and ATMP_KG_PASSWORD (a user with the SPARQL_UPDATE role)")
        raise http_fault(answer, label, configured=bool(creds), hint=hint)
    return time.perf_counter() - started


def count_triples(query_endpoint: str, graph: str | None, *, timeout: float) -> int:
    """How many triples the endpoint holds in the default graph or in one named graph.

    A graph IRI must have passed check_graph_iri (it is written into the query as <IRI>).
    """
    if graph is None:
        text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    else:
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    results = run_remote(query_endpoint, text, timeout=timeout, where="the triple count", check_graph=False)
    values = results.values("n")
    try:
        return int(values[0]) if values and values[0] is not None else 0
    except ValueError:
        raise EndpointError(f"{clean(redact(query_endpoint), 300)}: answered the triple count with "
                            f"{clean(str(values[0]), 40)!r}") from None


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
    elif _is_virtuoso_store(store_url):
        raise InputError(f"store {clean(redact(store_url), 300)}: {_NEEDS_GRAPH}")
    target = graph_url(store_url, graph)
    if query_endpoint is None:
        query_endpoint = derive_query_endpoint(store_url)
        if query_endpoint is None:
            raise InputError(f"store {clean(redact(store_url), 300)}: cannot tell its query endpoint; give --query-endpoint URL")
    check_url(query_endpoint)
    return PushPlan(store_url=store_url, graph=graph, target=target, query_endpoint=query_endpoint)


def push(plan: PushPlan, ntriples: bytes, sent: int, *, timeout: float = 300.0) -> PushResult:
    """PUT the graph into the store (one request), then count what the store holds there."""
    seconds = put_graph(plan.store_url, ntriples, graph=plan.graph, timeout=timeout)
    held = count_triples(plan.query_endpoint, plan.graph, timeout=timeout)
    return PushResult(target=redact(plan.target), sent=sent, held=held, seconds=seconds,
                      query_endpoint=redact(plan.query_endpoint))

