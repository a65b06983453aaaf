"""The eu-us views on a hand-written graph in the shape of the derived timeline
(tests/fixtures/eu-us/timeline-shape.ttl), against expectations written out here, on Oxigraph and on
rdflib's SPARQL engine; and the lag chart."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import FIXTURES, ROOT

VIEWS = ("eu-us", "eu-us-summary", "eu-us-both-count", "us-first-count", "eu-first-count", "eu-us-lag-median",
         "us-approved-count", "eu-only-count", "us-only-count", "eu-us-same-day-count")
MEASURES = VIEWS[2:]
SHAPE = FIXTURES / "eu-us" / "timeline-shape.ttl"

# The fixture's invented facts: key -> (EU number, EU approval date or "undated" or None, ATMP?,
# BLA, US date or None, linked?, link deprecated?)
FACTS = {
    "a": ("900001", "2018-08-23", True, "900101", "2017-08-30", True, False),
    "b": ("900002", "2020-12-17", True, "900102", "2024-03-18", True, False),
    "c": ("900003", "2019-01-01", True, None, None, False, False),
    "d": (None, None, False, "900104", "2016-01-01", False, False),
    "e": ("900005", "2020-05-01", True, "900105", "2020-05-01", True, False),
    "f": ("900006", "undated", True, "900106", "2025-11-24", True, False),   # EU known from 2026-11-25
    "g": ("900007", "2019-03-01", False, "900107", "2019-02-01", True, False),
    "h": ("900008", "2021-01-01", True, "900108", "2020-01-01", True, True),
    "i": ("900009", None, True, "900109", "2022-06-01", True, False),
    "j": ("900010", "2022-01-10", True, "900110", "2021-01-05", True, False),
}
UNDATED_KNOWN = "2026-11-25"


def expected_rows(as_of: str) -> list[dict]:
    """The rows the eu-us view must give, worked out from FACTS alone."""
    rows = []
    for key, (number, eu_date, atmp, bla, us_date, linked, deprecated) in FACTS.items():
        eu_known = UNDATED_KNOWN if eu_date == "undated" else eu_date
        eu_ok = bool(number and atmp and eu_known and eu_known <= as_of)
        us_ok = bool(us_date and us_date <= as_of)
        paired = linked and not deprecated
        if eu_ok and us_ok and paired:
            row = {"number": f"EMEA/H/C/{number}", "bla": bla, "regions": "both", "usDate": us_date}
            if eu_date != "undated":
                lag = (dt.date.fromisoformat(eu_date) - dt.date.fromisoformat(us_date)).days
                row |= {"euDate": eu_date, "lagDays": str(lag), "first": "US" if lag > 0 else "EU" if lag < 0 else "same day"}
            rows.append(row)
            continue
        if eu_ok:
            row = {"number": f"EMEA/H/C/{number}", "regions": "EU only"}
            if eu_date != "undated":
                row["euDate"] = eu_date
            rows.append(row)
        if us_ok and not (paired and eu_ok):
            rows.append({"bla": bla, "regions": "US only", "usDate": us_date})
    return rows


@pytest.fixture(scope="module")
def shape_store():
    import pyoxigraph as ox

    from atmp_kg import resources
    from atmp_kg.graph.files import load_into

    store = ox.Store()
    for f in resources.ontology_files():
        load_into(store, f)
    load_into(store, SHAPE)   # derived nodes as written: no rules run on this store
    return store


def run(store, name, **params):
    from atmp_kg.views.catalog import bind, resolve
    from atmp_kg.views.engine import run_local

    return run_local(store, bind(resolve(name), params)).records()


KEYS = ("number", "bla", "regions", "euDate", "usDate", "lagDays", "first")


def _core(rows):
    return sorted((tuple((k, r[k]) for k in KEYS if r.get(k) is not None) for r in rows))


@pytest.mark.parametrize("as_of", ["2015-01-01", "2017-12-31", "2020-06-01", "2022-02-01", "2024-06-01", "2026-12-01"])
def test_eu_us_rows(shape_store, as_of):
    got = run(shape_store, "eu-us", as_of=as_of)
    assert _core(got) == _core(expected_rows(as_of))
    for r in got:   # nothing dated after as_of
        assert all(r.get(k) is None or r[k] <= as_of for k in ("euDate", "usDate"))


def test_names_links_and_citations(shape_store):
    rows = {r.get("number") or r["bla"]: r for r in run(shape_store, "eu-us", as_of="2026-12-01")}
    before = {r.get("number") or r["bla"]: r for r in run(shape_store, "eu-us", as_of="2019-06-30")}
    # The EU name as of the date, from the timeline's name interval.
    assert before["EMEA/H/C/900001"]["name"] == "Alphacel" and rows["EMEA/H/C/900001"]["name"] == "Alphacel Neo"
    assert rows["EMEA/H/C/900002"]["usName"] == "Betamaldy"
    cite = "https://w3id.org/atmp-kg/id/citation/x-"
    assert rows["EMEA/H/C/900001"]["cites"].split() == [cite + "a-eu", cite + "a-us", cite + "a-link1", cite + "a-link2"]
    assert rows["EMEA/H/C/900003"]["cites"].split() == [cite + "c-eu", cite + "c-absent"]    # EU only: the absence
    assert rows["900104"]["cites"].split() == [cite + "d-us", cite + "d-absent"]
    # An undated EU approval: both regions, but no lag and no "first".
    assert rows["EMEA/H/C/900006"]["regions"] == "both" and "lagDays" not in rows["EMEA/H/C/900006"]


def _summary(as_of):
    rows = expected_rows(as_of)
    both = [r for r in rows if r["regions"] == "both"]
    lags = sorted(int(r["lagDays"]) for r in both if "lagDays" in r)
    median = None
    if lags:
        n = len(lags)
        median = (lags[(n - 1) // 2] + lags[n // 2]) / 2
    return {"both": len(both), "euOnly": sum(r["regions"] == "EU only" for r in rows),
            "usOnly": sum(r["regions"] == "US only" for r in rows),
            "usFirst": sum(r.get("first") == "US" for r in both), "euFirst": sum(r.get("first") == "EU" for r in both),
            "sameDay": sum(r.get("first") == "same day" for r in both), "median": median,
            "usApproved": sum(1 for f in FACTS.values() if f[4] and f[4] <= as_of)}


@pytest.mark.parametrize("as_of", ["2015-01-01", "2017-12-31", "2020-06-01", "2022-02-01", "2024-06-01", "2026-12-01"])
def test_summary_and_measures(shape_store, as_of):
    want = _summary(as_of)
    (s,) = run(shape_store, "eu-us-summary", as_of=as_of)
    for k in ("both", "euOnly", "usOnly", "usFirst", "euFirst", "sameDay"):
        assert int(s[k]) == want[k], k
    median = s.get("medianLagDays")
    assert (float(median) if median is not None else None) == want["median"]
    one = lambda name: [list(r.values()) for r in run(shape_store, name, as_of=as_of)]  # noqa: E731
    assert one("eu-us-both-count") == [[str(want["both"])]]
    assert one("us-first-count") == [[str(want["usFirst"])]]
    assert one("eu-first-count") == [[str(want["euFirst"])]]
    assert one("us-approved-count") == [[str(want["usApproved"])]]
    got_median = run(shape_store, "eu-us-lag-median", as_of=as_of)
    assert len(got_median) == 1
    value = got_median[0].get("medianLagDays")
    assert (float(value) if value is not None else None) == want["median"]


def test_odd_and_even_medians_differ_as_they_should():
    assert _summary("2022-02-01")["median"] == 358      # three lags: 0, 358, 370
    assert _summary("2026-12-01")["median"] == 179      # four: -1187, 0, 358, 370


@pytest.mark.parametrize("name", VIEWS)
def test_rdflib_engine_gives_the_same_rows(shape_store, name):
    """Plain SPARQL 1.1: rdflib's engine answers each view as Oxigraph does."""
    import rdflib

    from atmp_kg import resources
    from atmp_kg.views.catalog import bind, resolve

    g = rdflib.Graph()
    for f in resources.ontology_files():
        g.parse(f)
    g.parse(SHAPE)
    text = bind(resolve(name), {"as_of": "2026-12-01"})
    res = g.query(text)
    theirs = sorted(tuple((str(v), str(r[v])) for v in res.vars if r[v] is not None) for r in res)
    ours = sorted(tuple((k, str(v)) for k, v in r.items()) for r in run(shape_store, name, as_of="2026-12-01"))
    assert theirs == ours


@pytest.mark.parametrize("name", VIEWS)
def test_view_headers(name):
    from atmp_kg.views.catalog import resolve

    view = resolve(name)
    assert [(p.name, p.type) for p in view.params] == [("as_of", "date")]
    columns = re.findall(r"^# column: (\w+) -- \S", view.source_text, re.M)
    # what the query run projects: for a measure its one number, for the summary its measures' numbers
    select = re.search(r"^SELECT (.+)$", view.text, re.M).group(1)
    projected = re.findall(r"\?(\w+)\)?(?:\s|$)", re.sub(r"\(.*?AS \?(\w+)\)", r"?\1 ", select))
    assert columns and columns == projected, (columns, projected)
    assert view.is_measure == (name in MEASURES)


# ---------------------------------------------------------------- the chart

def test_lag_chart_is_deterministic_and_literal(shape_store):
    from atmp_kg.scorecard.charts_eu_us import lag_chart_svg, lag_rows

    rows = run(shape_store, "eu-us", as_of="2026-12-01")
    assert lag_rows(rows) == [("Betacel [Betamaldy]", -1187), ("Epsilocel", 0), ("Alphacel Neo [Alphacel US]", 358),
                              ("Kappacel", 370)]
    svg = lag_chart_svg(rows)
    assert svg.startswith("<svg") and svg == lag_chart_svg(rows)
    assert "Betacel [Betamaldy]" in svg and "-1187" in svg and "<dc:date>" not in svg
    dollars = [{"name": "Cel $x$ 5", "usName": "Cel $x$ 5", "lagDays": "10"}]
    assert ">Cel $x$ 5</text>" in lag_chart_svg(dollars)   # one text element as written: not mathtext
    assert lag_chart_svg([{"name": "Phicel", "lagDays": None}]) == ""


# ---------------------------------------------------------------- the median aggregate

@pytest.mark.parametrize("values", [None, [], [7], [4, 4, 1], [1, 1, 1, 5], [1, 2, 2, 9], [3, 1, 2, 2, 9, 9], [-5, 0, 0, 0, 12, 40, 40]])
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_median_aggregate_counts_repeated_values(values, engine):
    """`aggregate: median` over members with repeated values, against Python's statistics.median."""
    import statistics

    import pyoxigraph as ox
    import rdflib

    from atmp_kg.views.catalog import aggregate_query

    # None: no members at all; []: one member without a value
    if values is None:
        members = "SELECT ?member ?days WHERE { ?member <urn:x:nothing> ?days }"
    else:
        rows = " ".join(f"({i} {v})" for i, v in enumerate(values)) if values else "(1 UNDEF)"
        members = f"SELECT ?member ?days WHERE {{ VALUES (?member ?days) {{ {rows} }} }}"
    text = aggregate_query(members, "median ?days as ?m")
    if engine == "oxigraph":
        got = [s["m"] for s in ox.Store().query(text)]
        value = got[0].value if got and got[0] is not None else None
    else:
        got = rdflib.Graph().query(text).bindings   # (iterating drops a row with no value)
        value = str(got[0][rdflib.Variable("m")]) if got and got[0].get(rdflib.Variable("m")) is not None else None
    assert len(got) == 1
    assert (float(value) if value is not None else None) == (statistics.median(values) if values else None)
