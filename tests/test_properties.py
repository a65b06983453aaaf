"""Property-based tests (hypothesis): parameter binding, cell parsing, JSON-LD round trips."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

# Text that RDF can hold: no surrogates, no NUL (which stores refuse in literals).
rdf_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60)


def _view(tmp_path: Path, param: str, body: str):
    from atmp_kg.views.catalog import parse_header

    q = tmp_path / "probe.rq"
    q.write_text(f"# title: probe\n# description: probe\n# param: v {param}\n{body}\n", encoding="utf-8")
    return parse_header(q)


@pytest.fixture(scope="module")
def probe_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("probe")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=rdf_text)
def test_a_string_parameter_never_changes_the_query(probe_dir, value):
    """Bound into a filter, any string matches exactly the literal equal to it: quotes,
    backslashes, braces, '#' and newlines cannot escape the term."""
    import pyoxigraph as ox

    from atmp_kg.views.catalog import bind

    view = _view(probe_dir, "string", 'SELECT ?s WHERE { ?s <http://e/p> ?o . FILTER(STR(?o) = ?v) } # ?v in a comment')
    store = ox.Store()
    p = ox.NamedNode("http://e/p")
    store.add(ox.Quad(ox.NamedNode("http://e/hit"), p, ox.Literal(value)))
    store.add(ox.Quad(ox.NamedNode("http://e/miss"), p, ox.Literal(value + "x")))
    text = bind(view, {"v": value})
    assert text.rstrip().endswith("# ?v in a comment"), "the comment must not be touched"
    rows = [s["s"].value for s in store.query(text)]
    assert rows == ["http://e/hit"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.text(max_size=40), st.just("today"), st.just("Today")))
def test_a_date_parameter_is_a_date_or_refused(probe_dir, value):
    from atmp_kg.errors import InputError
    from atmp_kg.views.catalog import bind

    view = _view(probe_dir, "date", "SELECT (?v AS ?d) WHERE {}")
    try:
        text = bind(view, {"v": value})
    except InputError:
        return
    # only real dates get through, and the one keyword a date parameter takes
    d = dt.date.today() if value == "today" else dt.date.fromisoformat(value)
    assert f'"{d.isoformat()}"^^<http://www.w3.org/2001/XMLSchema#date>' in text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.text(max_size=40), st.from_regex(r"https?://[a-z]{1,8}\.org/[A-Za-z0-9_/#?=-]{0,20}", fullmatch=True)))
def test_an_iri_parameter_matches_exactly_or_is_refused(probe_dir, value):
    import pyoxigraph as ox

    from atmp_kg.errors import InputError
    from atmp_kg.views.catalog import bind

    view = _view(probe_dir, "iri", "SELECT ?o WHERE { ?v <http://e/p> ?o }")
    try:
        text = bind(view, {"v": value})
    except InputError:
        return
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(value), ox.NamedNode("http://e/p"), ox.Literal("found")))
    assert [s["o"].value for s in store.query(text)] == ["found"]


@given(value=st.one_of(st.none(), st.integers(-10, 3_000_000), st.floats(allow_nan=True), st.text(max_size=30),
                       st.datetimes(min_value=dt.datetime(1800, 1, 1), max_value=dt.datetime(2200, 1, 1)),
                       st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 1, 1)), st.booleans()))
def test_date_cells_parse_or_are_refused_never_crash(value):
    from atmp_kg.importers.ema import _Skip, parse_date

    try:
        d = parse_date(value)
    except _Skip:
        return
    assert d is None or dt.date(1990, 1, 1) <= d <= dt.date(2100, 12, 31)


@given(day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_dmy_text_and_excel_serials_give_the_same_date(day):
    from atmp_kg.importers.ema import parse_date

    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date((day - dt.date(1899, 12, 30)).days) == day
    assert parse_date(f" {day.day}/{day.month}/{day.year} ") == day


@given(word=st.sampled_from(["yes", "no", "true", "false", "y", "n"]), data=st.data())
def test_flags_in_any_case_and_spacing(word, data):
    from atmp_kg.importers.ema import parse_flag

    cased = "".join(data.draw(st.sampled_from([c.lower(), c.upper()])) for c in word)
    padded = data.draw(st.sampled_from(["", " ", "\t"])) + cased + data.draw(st.sampled_from(["", " "]))
    assert parse_flag(padded) is (word in ("yes", "true", "y"))


@given(value=st.text(max_size=20))
def test_other_flag_values_are_refused(value):
    from atmp_kg.importers.ema import _Skip, parse_flag

    assume(value.strip().lower() not in ("yes", "no", "true", "false", "y", "n", ""))
    with pytest.raises(_Skip):
        parse_flag(value)


NAMES = ["https://w3id.org/atmp-kg/id/product/EMEA-H-C-000001", "https://w3id.org/atmp-kg/ontology#value",
         "https://w3id.org/atmp-kg/id/citation/x/row-3", "http://example.org/a b".replace(" ", "%20"),
         "http://purl.org/dc/terms/title", "https://w3id.org/atmp-kg/ontology#asOf", "http://example.org/"]
literals = st.one_of(
    rdf_text.map(lambda t: ("string", t)),
    st.tuples(rdf_text, st.sampled_from(["en", "fr-BE", "de"])).map(lambda t: ("lang", t)),
    st.dates(min_value=dt.date(1990, 1, 1)).map(lambda d: ("date", d.isoformat())),
    st.integers(-10**12, 10**12).map(lambda i: ("integer", str(i))),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**6, max_value=10**6).map(lambda d: ("decimal", str(d))),
    st.booleans().map(lambda b: ("boolean", "true" if b else "false")),
)


@settings(max_examples=60, deadline=None)
@given(triples=st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES), st.one_of(st.sampled_from(NAMES), literals)), min_size=1, max_size=12))
def test_jsonld_export_round_trips(triples):
    import pyoxigraph as ox
    from pyld import jsonld

    from atmp_kg.graph.export import to_jsonld

    def no_network(url, options=None):
        raise AssertionError(f"fetch of {url}")

    jsonld.set_document_loader(no_network)
    xsd = "http://www.w3.org/2001/XMLSchema#"
    graph = []
    for s, p, o in triples:
        if isinstance(o, tuple):
            kind, v = o
            if kind == "string":
                obj = ox.Literal(v)
            elif kind == "lang":
                obj = ox.Literal(v[0], language=v[1])
            else:
                obj = ox.Literal(v, datatype=ox.NamedNode(xsd + kind))
        else:
            obj = ox.NamedNode(o)
        graph.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), obj))
    expected = {f"{t.subject} {t.predicate} {t.object}".lower() for t in graph}
    doc = json.loads(to_jsonld(graph))
    back = {f"{q.subject} {q.predicate} {q.object}".lower()
            for q in ox.parse(jsonld.to_rdf(doc, {"format": "application/n-quads"}).encode(), ox.RdfFormat.N_QUADS)}
    assert back == expected
