"""`atmp-kg check`: claims against the graph's measures, through the CLI and the library."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal

import pytest

from conftest import ROOT, _parse, read_ema_rows

HEADER = ["id", "claim", "measure", "params", "as_of", "value", "source", "quote"]


def write_claims(path, rows, header=HEADER):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow(r)
    return path


def claim(id="c1", measure="authorised-count", params="", as_of="2014-03-28", value="4"):
    return [id, "A claim.", measure, params, as_of, value, "https://example.org/paper", "a quote"]


def check_json(run_cli, path, *more):
    code, out, err = run_cli("check", str(path), "--format", "json", *more)
    return code, (json.loads(out)["claims"] if out.strip() else None), err


# ---------------------------------------------------------------- malformed files: one line, exit 2

@pytest.mark.parametrize("case, expected", [
    ("missing-column", "row 1: missing column 'as_of'; the header must have id, claim, measure, params, as_of, value, source, quote"),
    ("bad-date", "row 2, column 'as_of': '31/05/2020' is not a date; write YYYY-MM-DD"),
    ("impossible-date", "row 2, column 'as_of': '2020-02-30' is not a real calendar date"),
    ("unknown-measure", "row 2, column 'measure': unknown measure 'authorized-count' (did you mean authorised-count?)"),
    ("bad-params", "row 2, column 'params': 'class' is not name=value"),
    ("unknown-param", "row 2, column 'params': measure authorised-count has no parameter 'klass'"),
    ("empty", "empty file; the first row must name the columns id, claim, measure"),
    ("not-csv", "not CSV: it is a spreadsheet workbook; save it as CSV (UTF-8)"),
    ("binary", "not CSV: binary data"),
    ("header-only", "no claims below the header row"),
])
def test_a_malformed_file_gets_one_line_naming_row_and_column(case, expected, tmp_path, run_cli):
    path = tmp_path / "claims.csv"
    if case == "missing-column":
        write_claims(path, [claim()[:4] + claim()[5:]], header=[h for h in HEADER if h != "as_of"])
    elif case == "bad-date":
        write_claims(path, [claim(as_of="31/05/2020")])
    elif case == "impossible-date":
        write_claims(path, [claim(as_of="2020-02-30")])
    elif case == "unknown-measure":
        write_claims(path, [claim(measure="authorized-count")])
    elif case == "bad-params":
        write_claims(path, [claim(params="class")])
    elif case == "unknown-param":
        write_claims(path, [claim(params="klass=GTMP")])
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "not-csv":
        path.write_bytes((ROOT / "data" / "ema" / "ema-medicines-report_2025-07-15.xlsx").read_bytes())
    elif case == "binary":
        path.write_bytes(b"id,claim\x00\x01\x02" * 50)
    elif case == "header-only":
        write_claims(path, [])
    code, out, err = run_cli("check", str(path))
    assert code == 2, (out, err)
    assert "Traceback" not in err
    problems = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(problems) == 1, err
    assert str(path) in problems[0] and expected in problems[0], problems[0]


def test_a_malformed_row_does_not_stop_the_other_claims(tmp_path, run_cli):
    path = write_claims(tmp_path / "claims.csv", [claim("good"), claim("bad", as_of="May 2020")])
    code, claims, err = check_json(run_cli, path)
    assert code == 2
    assert [c["verdict"] for c in claims] == ["agrees", "unchecked"]
    assert "is not a date" in claims[1]["reason"]


# ---------------------------------------------------------------- verdicts

def test_a_claim_that_agrees_exits_0(tmp_path, run_cli):
    """The European Parliament's summary of COM(2014) 188: four ATMPs authorised (28 March 2014):
    ChondroCelect, Glybera, MACI and Provenge, in EMA's exports."""
    code, claims, err = check_json(run_cli, write_claims(tmp_path / "c.csv", [claim()]))
    assert code == 0, err
    c = claims[0]
    assert (c["verdict"], c["stated"], c["computed"], c["as_of"], c["measure"]) == ("agrees", "4", "4", "2014-03-28", "authorised-count")
    assert set(c) >= {"id", "claim", "measure", "as_of", "stated", "computed", "verdict", "reason", "members", "cites"}


def test_a_claim_that_differs_shows_what_is_counted_with_citations(tmp_path, run_cli, shipped_store):
    """The seed page's 29 as of its own date (2 June 2026); EMA's export of 6 July 2026 lists the
    ATMPs authorised by then (an oracle read with openpyxl)."""
    day = dt.date(2026, 6, 2)
    rows = read_ema_rows("ema-medicines-report_2026-07-06.xlsx")
    expected = {r["EMA product number"].strip() for r in rows
                if r.get("Advanced therapy") == "Yes" and (_parse(r.get("Marketing authorisation date")) or dt.date.max) <= day}
    code, claims, err = check_json(run_cli, ROOT / "examples" / "claims" / "seed-scorecard.csv")
    assert code == 1, err
    c = claims[0]
    assert c["verdict"] == "differs" and c["computed"] == str(len(expected)) and c["stated"] == "29"
    assert {m["number"] for m in c["members"]} == expected
    assert all(m["cites"] for m in c["members"]) and c["cites"]
    from atmp_kg.views.run import ViewRunner

    resolved = ViewRunner.local(shipped_store).citations(c["cites"])
    assert set(resolved) == set(c["cites"])  # every citation names its source and locator


@pytest.mark.parametrize("value, reason", [
    ("about 30", "is not a number"),
    ("n/a", "is not a number"),
])
def test_a_stated_value_that_is_not_a_number_is_unchecked(value, reason, tmp_path, run_cli):
    code, claims, _ = check_json(run_cli, write_claims(tmp_path / "c.csv", [claim(value=value)]))
    assert code == 1 and claims[0]["verdict"] == "unchecked" and reason in claims[0]["reason"]


def test_dates_the_graph_cannot_speak_for_are_unchecked(tmp_path, run_cli):
    code, claims, _ = check_json(run_cli, write_claims(tmp_path / "c.csv", [
        claim("early", as_of="2005-01-01"), claim("future", as_of="2999-01-01"),
        claim("prime-2018", measure="prime-percent", as_of="2018-12-31", value="50")]))
    assert code == 1
    reasons = {c["id"]: c["reason"] for c in claims}
    assert "before 2009" in reasons["early"]
    assert "after today" in reasons["future"]
    # no export of 2018 has a PRIME column: unknown, not zero
    assert reasons["prime-2018"] == "the graph records no value of prime-percent on 2018-12-31"


def test_percentages_agree_when_they_round_to_the_stated_precision():
    from atmp_kg.claims.verdicts import agrees, stated_number

    assert stated_number("74%") == (Decimal("74"), 0)
    assert stated_number("52.4") == (Decimal("52.4"), 1)
    assert agrees(Decimal("74"), 0, Decimal("74.19"), percent=True)
    assert not agrees(Decimal("74"), 0, Decimal("74.5"), percent=True)   # rounds half up to 75
    assert agrees(Decimal("52.4"), 1, Decimal("52.38"), percent=True)
    assert not agrees(Decimal("52"), 0, Decimal("51.52"), percent=False)  # counts must be equal
    assert stated_number("about 30") is None


def test_a_class_parameter_restricts_the_count(tmp_path, run_cli):
    """Iglesias-López et al.: 8 gene therapies among 15 EU ATMPs as of 31 May 2020."""
    code, claims, _ = check_json(run_cli, write_claims(tmp_path / "c.csv", [
        claim("all", as_of="2020-05-31", value="15"), claim("gtmp", params="class=GTMP", as_of="2020-05-31", value="8")]))
    assert code == 0 and [c["verdict"] for c in claims] == ["agrees", "agrees"]


def test_the_graphs_findings_are_checked_by_the_same_machinery(run_cli, shipped_store):
    """claims-vs-data lists the findings as claims; `check --graph` and the scorecard give them
    the same verdicts."""
    from atmp_kg.scorecard.model import build_model, local_runner

    code, out, err = run_cli("check", "--graph", "--format", "json")
    verdicts = {(c["claim"], c["as_of"]): (c["verdict"], c["computed"]) for c in json.loads(out)["claims"]}
    assert len(verdicts) >= 15
    model = build_model(local_runner(shipped_store), dt.date.today(), generated="test")
    items = [it for s in model["sections"] for it in s["items"] if it.get("group") == "Claims versus data"]
    assert items
    for it in items:
        row = it["row"]
        assert verdicts[(row["claim"], row["asOf"])] == (row["verdict"], row["computed"] or None)


def test_without_members_only_a_differing_claim_reads_its_members(shipped_store):
    """check(members=False), as the scorecard calls it, gives every claim the verdict and number
    of a full check; a claim the graph contradicts keeps its members and citations (the scorecard
    cites them), an agreeing one lists none, and its members query is never run."""
    from atmp_kg.claims.graph import graph_claims
    from atmp_kg.claims.verdicts import check
    from atmp_kg.views.run import ViewRunner

    run = ViewRunner.local(shipped_store)
    claims = graph_claims(run)
    full = check(claims, run)
    members_read: list[str] = []

    class Counting(ViewRunner):
        def __call__(self, name, params, *, members=False):
            if members:
                members_read.append(name)
            return super().__call__(name, params, members=members)

    lean = check(claims, Counting.local(shipped_store), members=False)
    assert [(v.verdict, v.computed, v.reason) for v in lean] == [(v.verdict, v.computed, v.reason) for v in full]
    differing = [i for i, v in enumerate(full) if v.verdict == "differs"]
    agreeing = [i for i, v in enumerate(full) if v.verdict == "agrees"]
    assert differing and agreeing  # the graph's findings hold both kinds
    for i in differing:
        assert (lean[i].members, lean[i].cites) == (full[i].members, full[i].cites) and lean[i].cites
    for i in agreeing:
        assert lean[i].members == [] and lean[i].cites == []
    assert len(members_read) == len([i for i in differing if run.views[claims[i].measure].members_text])


def test_every_format_renders_the_verdicts(tmp_path, run_cli):
    path = ROOT / "examples" / "claims" / "published-counts.csv"
    for fmt in ("table", "markdown", "html"):
        code, out, err = run_cli("check", str(path), "--format", fmt)
        assert code in (1, 2) and "iglesiaslopez-2020-eu-15-atmps" in out, (fmt, err)
    code, out, _ = run_cli("check", str(path), "--format", "html")
    assert out.startswith("<!DOCTYPE html>") and "javascript:" not in out
    target = tmp_path / "report.md"
    code, out, err = run_cli("check", str(path), "--format", "markdown", "-o", str(target))
    assert target.read_text().startswith("# Claims checked against the graph") and "claims:" in err


def test_a_measure_is_marked_and_returns_one_number(shipped_store):
    from atmp_kg.views.catalog import bind, catalog
    from atmp_kg.views.engine import run_local

    measures = [v for v in catalog().values() if v.is_measure]
    assert {"authorised-count", "still-authorised-count", "ended-count", "orphan-at-approval-percent",
            "prime-percent"} <= {v.name for v in measures}
    for v in measures:
        results = run_local(shipped_store, bind(v, {}))
        assert len(results.variables) == 1 and len(results.rows) == 1, v.name
