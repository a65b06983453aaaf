"""The views on the shipped graph, checked against oracles read independently from EMA's files."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import parse_ema_date


def run(store, name, **params):
    from atmp_kg.views.engine import run_local
    from atmp_kg.views.catalog import bind, resolve

    return run_local(store, bind(resolve(name), params))


def test_2018_has_the_13_atmps_including_kymriah_and_luxturna(shipped_store):
    rows = run(shipped_store, "atmps", as_of="2018-12-31").records()
    numbers = {r["number"] for r in rows}
    assert len(rows) == 13
    assert {"EMEA/H/C/004090", "EMEA/H/C/004451"} <= numbers  # Kymriah, Luxturna
    assert "EMEA/H/C/003691" not in numbers  # Zynteglo, authorised 2019


@pytest.mark.parametrize("as_of", ["2009-12-31", "2012-12-31", "2015-06-30", "2018-08-22", "2020-06-30", "2022-12-31", "2025-07-15"])
def test_atmps_membership_matches_the_ema_exports(shipped_store, ema_atmp_authorised_latest, as_of):
    """Every product EMA flags as an ATMP, authorised by as_of on the date EMA's newest export
    gives (where EMA's exports disagree, the newest one is the regulator correcting itself: the
    timeline's preferred-date rule; Kymriah: 22/08/2018 in the exports up to 2023, 23/08/2018 since)."""
    day = dt.date.fromisoformat(as_of)
    expected = {n for n, d in ema_atmp_authorised_latest.items() if d <= day}
    got = {r["number"] for r in run(shipped_store, "atmps", as_of=as_of).records()}
    assert expected <= got
    # Anything beyond EMA's flag must be a product the curated data authorise before as_of.
    for extra in got - expected:
        assert extra in ("EMEA/H/C/005907", "EMEA/H/C/005772"), extra


def test_statuses_follow_the_ema_end_dates(shipped_store, ema_2025):
    """For each flagged ATMP with an end date in the 2025 export: authorised the day before it
    (unless a source records a suspension), and in EMA's status from that date on."""
    checked = 0
    for r in ema_2025:
        end = parse_ema_date(r.get("Withdrawal / expiry / revocation / lapse of marketing authorisation date"))
        if r.get("Advanced therapy") != "Yes" or not end:
            continue
        number = r["EMA product number"].strip()
        after = {x["number"]: x for x in run(shipped_store, "atmps", as_of=end.isoformat()).records()}
        assert after[number]["status"] == r["Medicine status"].lower(), number
        checked += 1
    assert checked >= 6


def test_status_on_dates_sourced_by_curated_notices(shipped_store):
    """Maci was suspended on 19 November 2014 (EMA referral page, data/curated/regulatory-ends.ttl)."""
    # keyed by number: sources name the product "Maci" (EMA) or "MACI" (the Commission's register)
    before = {r["number"]: r["status"] for r in run(shipped_store, "atmps", as_of="2014-11-18").records()}
    during = {r["number"]: r["status"] for r in run(shipped_store, "atmps", as_of="2015-01-01").records()}
    assert before["EMEA/H/C/002522"] == "authorised"
    assert during["EMEA/H/C/002522"] == "suspended"


def test_conflicts_show_kymriah_both_dates_and_sources(shipped_store):
    rows = run(shipped_store, "conflicts").records()
    k = [r for r in rows if r["number"] == "EMEA/H/C/004090" and r["fact"] == "marketing authorisation date"]
    assert len(k) == 1
    assert (k[0]["value1"], k[0]["value2"]) == ("2018-08-22", "2018-08-23")
    assert "EPAR report" in k[0]["source1"] and "Medicines report" in k[0]["source2"]


def test_history_of_kymriah_cites_every_export(shipped_store, root):
    rows = run(shipped_store, "history", number="EMEA/H/C/004090").records()
    observations = [r for r in rows if r["kind"] == "observation"]
    exports = {p.name for p in (root / "data" / "ema").glob("*.xlsx")}
    assert len(exports) == 7
    assert len({r["date"] for r in observations if r["source"].startswith("EMA medicines data")}) == len(exports)
    ma = {(r["date"], r["source"]) for r in rows if r["kind"] == "marketing authorisation"}
    assert {d for d, _ in ma} == {"2018-08-22", "2018-08-23"}
    assert all(r["locator"] for r in rows)


def test_history_needs_its_parameter(shipped_store):
    from atmp_kg.errors import InputError
    from atmp_kg.views.catalog import bind, resolve

    with pytest.raises(InputError, match="number"):
        bind(resolve("history"), {})


def test_authorised_count_agrees_with_atmps(shipped_store):
    for as_of in ("2016-01-01", "2023-01-01"):
        n = int(run(shipped_store, "authorised-count", as_of=as_of).records()[0]["authorised"])
        assert n == len(run(shipped_store, "atmps", as_of=as_of).rows)


def test_opinion_to_decision_days_are_calendar_days(shipped_store):
    for r in run(shipped_store, "opinion-to-decision").records():
        a = dt.date.fromisoformat(r["opinion"][:10])
        b = dt.date.fromisoformat(r["authorised"][:10])
        assert int(r["days"]) == (b - a).days


def test_every_view_runs_and_is_documented():
    from atmp_kg.views.catalog import catalog

    views = catalog()
    assert len(views) >= 14
    for v in views.values():
        assert v.title != v.name and v.description, v.name


def test_no_view_reimplements_the_timeline(root):
    """The rules are written once, in the timeline layer: no view picks a value by a string
    argmax (MAX(CONCAT(date, "|", value))), and no block is copied between views."""
    import re

    for path in sorted((root / "queries").glob("*.rq")):
        text = path.read_text()
        assert not re.search(r"M(AX|IN)\s*\(\s*CONCAT", text, re.I), path.name
        assert "keep identical" not in text.lower(), path.name


def test_no_view_compares_dates_with_less_or_equal(root):
    """Virtuoso 7.2 drops every row of some plans for `FILTER(?d <= ?as_of)` and keeps them for
    `!(?d > ?as_of)` (docs/endpoints.md), so the views say "not after" that way."""
    import re

    for path in sorted((root / "queries").glob("*.rq")):
        body = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
        assert not re.search(r"<=", body), path.name


def test_a_values_restriction_gives_the_rows_of_the_whole_view_for_those_iris(shipped_store):
    """The scorecard runs `citations` restricted by a VALUES block; the restricted rows must be
    exactly the unrestricted view's rows for those citations, and nothing else."""
    from atmp_kg.views.engine import run_local
    from atmp_kg.views.catalog import catalog, with_values

    text = catalog()["citations"].path.read_text()
    whole = run_local(shipped_store, text).rows
    chosen = sorted({r["citation"]["value"] for r in whole})[::37]
    restricted = run_local(shipped_store, with_values(text, "citation", chosen)).rows
    assert len(chosen) > 10
    assert restricted == [r for r in whole if r["citation"]["value"] in set(chosen)]


def test_values_block_goes_into_the_outer_where_clause_not_a_comment_or_string():
    from atmp_kg.errors import InputError
    from atmp_kg.views.catalog import with_values

    text = '# a comment with { a brace\nSELECT ?x WHERE { ?x <http://e.org/p> "{" }'
    out = with_values(text, "x", ["http://e.org/a"])
    assert out == ('# a comment with { a brace\nSELECT ?x WHERE {\n  VALUES ?x { <http://e.org/a> }'
                   ' ?x <http://e.org/p> "{" }')
    with pytest.raises(InputError, match="absolute IRI"):
        with_values(text, "x", ["not an iri> } DROP ALL"])
    with pytest.raises(InputError, match="SELECT"):
        with_values("ASK { ?x ?p ?o }", "x", ["http://e.org/a"])


def _by_number(rows):
    return {r["number"]: r for r in rows if "number" in r}


WASKYRA, ITVISMA = "EMEA/H/C/006525", "EMEA/H/C/006498"


def test_waskyra_enters_on_its_commission_decision(shipped_store):
    """Waskyra: EC decision of 9 January 2026 (Fondazione Telethon's release and EMA's 2026
    exports, which also give its number; its facts moved from product/unnumbered/). The export
    of 29/01/2026 still lists it with an opinion: an export that lags the decision does not move
    the product back before its authorisation."""
    assert WASKYRA not in _by_number(run(shipped_store, "atmps", as_of="2026-01-08").records())
    for day in ("2026-01-09", "2026-02-01"):
        w = _by_number(run(shipped_store, "atmps", as_of=day).records())[WASKYRA]
        assert (w["authorised"], w["authorisedBasis"], w["status"], w["statusDate"], w["class"]) == (
            "2026-01-09", "decision", "authorised", "2026-01-09", "GTMP")
        assert w["product"] == "https://w3id.org/atmp-kg/id/product/EMEA-H-C-006525"
    # No source names it or its holder before EMA's export of 29/01/2026: unknown, not a later value.
    w = _by_number(run(shipped_store, "atmps", as_of="2026-01-09").records())[WASKYRA]
    assert "name" not in w and "holder" not in w
    w = _by_number(run(shipped_store, "atmps", as_of="2026-01-29").records())[WASKYRA]
    assert (w["name"], w["holder"]) == ("Waskyra", "Fondazione Telethon ETS")


def test_an_approval_only_an_undated_source_reports_has_no_date(shipped_store):
    """Itvisma: EMA's export of 06/07/2026 lists a positive opinion and no authorisation; the pages
    reporting the Commission's authorisation state no date, so the approval is undated (basis
    "undated report") and appears only from the day the first of them was read (2026-11-25)."""
    assert ITVISMA not in _by_number(run(shipped_store, "atmps", as_of="2026-11-24").records())
    i = _by_number(run(shipped_store, "atmps", as_of="2026-11-25").records())[ITVISMA]
    assert "authorised" not in i
    assert (i["authorisedBasis"], i["class"], i["holder"]) == ("undated report", "GTMP", "Novartis Europharm Limited")
    rows = _by_number(run(shipped_store, "atmps", as_of="2026-11-25").records())
    assert rows["EMEA/H/C/005907"]["authorisedBasis"] == "decision"  # Aucatzyl: EMA's date since 2026
    assert rows["EMEA/H/C/004090"]["authorisedBasis"] == "decision"  # Kymriah


def test_unnumbered_products_never_become_known_atmp_numbers(root):
    from atmp_kg.importers.ema import known_atmp_numbers

    known = known_atmp_numbers(sorted((root / "data" / "curated").glob("*.ttl")))
    assert known and all(n.startswith("EMEA/H/C/") for n in known), sorted(known)[:5]


def test_no_reader_changes_the_term_dicts_that_rows_share(shipped_store):
    """A result's rows share one dict per distinct term (engine._evaluate), so a reader that
    changed a term in place would change it in every row and in every later use of a cached
    result. Every view in every output form, the scorecard in every format and a product card
    must leave the rows they read exactly as the engine gave them."""
    import copy

    from atmp_kg.cards.model import build_card
    from atmp_kg.scorecard.model import build_model, local_runner
    from atmp_kg.scorecard.render import FORMATS, render
    from atmp_kg.views import labels, table
    from atmp_kg.views.catalog import bind, catalog
    from atmp_kg.views.engine import run_local

    def execute(text, where="query"):
        return run_local(shipped_store, text, where=where)

    shared = 0
    for name, view in catalog().items():
        params = {p.name: "EMEA/H/C/004090" for p in view.params if p.name == "number"}
        results = run_local(shipped_store, bind(view, params))
        before = copy.deepcopy(results.rows)
        cells = [t for row in results.rows for t in row.values()]
        shared += len(cells) - len({id(t) for t in cells})
        table.render(results, labels=labels.lookup(results, execute))
        table.render(results, wide=True)
        results.to_csv()
        results.to_json()
        results.records()
        results.canonical_rows()
        results.with_sorted_lists({v: " " for v in results.variables})
        if results.variables:
            results.select(results.variables[:1])
        assert results.rows == before, name
    assert shared > 1000  # the views do share term dicts, so this test reads shared ones

    runner = local_runner(shipped_store)
    given = []
    execute_view = runner._execute

    def recording(text, where):
        results = execute_view(text, where)
        given.append((where, results, copy.deepcopy(results.rows)))
        return results

    runner._execute = recording
    model = build_model(runner, dt.date(2025, 7, 15), generated="test")
    for fmt in FORMATS:
        render(model, fmt)
    build_card(runner, "EMEA/H/C/004090", dt.date(2025, 7, 15), generated="test")
    assert len(given) > 20
    for where, results, before in given:
        assert results.rows == before, where
