"""`atmp-kg diff` between the shipped 2025-07-15 snapshot and EMA's export of 2026-07-06,
checked against both files read independently with openpyxl, every change cited."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import EMA
from ema_snapshots import find_export, read_rows

LATER = find_export("ema-medicines-report_2026-07-06.xlsx")
needs_2026 = pytest.mark.skipif(LATER is None, reason="EMA's 2026-07-06 export is not on this machine")
HOLDER = "Marketing authorisation developer / applicant / holder"
FLAGS = {"Orphan medicine": "orphan-flag", "PRIME: priority medicine": "prime-flag",
         "Conditional approval": "conditional-flag", "Additional monitoring": "additional-monitoring-flag",
         "Advanced therapy": "advanced-therapy-flag"}
ARRIVED = {"Authorised": "new-authorisation", "Refused": "refusal", "Application withdrawn": "application-withdrawn",
           "Withdrawn": "withdrawal", "Expired": "expiry", "Suspended": "suspension", "Lapsed": "lapse", "Revoked": "revocation"}


def cli(*args, home):
    env = dict(os.environ, ATMP_KG_HOME=str(home))
    p = subprocess.run(["atmp-kg", *args], capture_output=True, text=True, env=env, timeout=600)
    return p.returncode, p.stdout, p.stderr


def norm(v):
    return " ".join(str(v).split()) if v not in (None, "") else None


def expected_changes(before: dict, after: dict, scope) -> set[tuple[str, str]]:
    """(kind, number) of every change, from the raw cells of both files."""
    out = set()
    for number in (set(before) | set(after)) & scope if scope is not None else set(before) | set(after):
        b, a = before.get(number), after.get(number)
        if a is None:
            out.add(("no-longer-listed", number))
            continue
        bs = norm(b["Medicine status"]) if b else None
        as_ = norm(a["Medicine status"])
        if as_ == "Opinion":
            op = (norm(a.get("Opinion status")) or "").lower()
            if bs != as_ or (norm(b.get("Opinion status")) or "").lower() != op:
                out.add(({"positive": "positive-opinion", "negative": "negative-opinion"}.get(op, "opinion"), number))
        elif bs != as_:
            out.add(("suspension-lifted" if (bs, as_) == ("Suspended", "Authorised") else ARRIVED.get(as_, "status-change"), number))
        if b is None:
            continue
        conversion = bs == as_ == "Authorised" and norm(b["Conditional approval"]) == "Yes" and norm(a["Conditional approval"]) == "No"
        if conversion:
            out.add(("conversion-to-standard", number))
        if norm(b[HOLDER]) and norm(a[HOLDER]) and norm(b[HOLDER]) != norm(a[HOLDER]):
            out.add(("holder-change", number))
        if norm(b["Name of medicine"]) != norm(a["Name of medicine"]):
            out.add(("rename", number))
        for col, kind in FLAGS.items():
            if norm(b.get(col)) and norm(a.get(col)) and norm(b[col]) != norm(a[col]) and not (conversion and kind == "conditional-flag"):
                out.add((kind, number))
    return out


@pytest.fixture(scope="module")
def oracle():
    return read_rows(EMA / "ema-medicines-report_2025-07-15.xlsx"), read_rows(LATER)


@pytest.fixture(scope="module")
def atmp_scope(shipped_store, oracle):
    """The ATMP set as the graph knows it (curated classifications, EMA's flag in any snapshot
    it holds) plus the products either file flags; read with a plain query, not the diff's code."""
    q = """PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>
    SELECT DISTINCT ?n WHERE { { ?c a atmp:Classification ; atmp:product ?p } UNION
      { ?o atmp:advancedTherapy true ; atmp:product ?p } ?p atmp:productNumber ?n }"""
    numbers = {s["n"].value for s in shipped_store.query(q)}
    for rows in oracle:
        numbers |= {n for n, r in rows.items() if norm(r.get("Advanced therapy")) == "Yes"}
    return numbers


@pytest.fixture(scope="module")
def atmp_diff(tmp_path_factory):
    code, out, err = cli("diff", "2025-07-15", str(LATER), "--format", "json", home=tmp_path_factory.mktemp("none") / "h")
    assert code == 0, err
    return json.loads(out)


@needs_2026
def test_the_atmp_changes_are_the_ones_both_files_show(atmp_diff, oracle, atmp_scope):
    got = {(c["kind"], c["number"]) for c in atmp_diff["changes"]}
    assert got == expected_changes(*oracle, atmp_scope)


@needs_2026
def test_the_hand_checked_changes_are_there(atmp_diff):
    by = {(c["kind"], c["number"]): c for c in atmp_diff["changes"]}
    # EMA's own rows, read by hand (shared/ema/README.md): who was authorised, refused, withdrawn.
    assert by[("new-authorisation", "EMEA/H/C/005856")]["date"] == "2026-05-28"  # Adstiladrin
    assert by[("new-authorisation", "EMEA/H/C/006525")]["date"] == "2026-01-09"  # Waskyra
    assert by[("new-authorisation", "EMEA/H/C/005907")]["before"].startswith("Opinion")  # Aucatzyl
    assert by[("new-authorisation", "EMEA/H/C/005772")]["before"].startswith("Opinion")  # Zemcelpro
    assert ("refusal", "EMEA/H/C/005293") in by  # Elevidys
    for number in ("EMEA/H/C/004741", "EMEA/H/C/005537", "EMEA/H/C/004594"):  # Amtagvi, Fanskya, Jelrix
        assert ("application-withdrawn", number) in by
    assert by[("new-authorisation", "EMEA/H/C/005856")]["name"] == "Adstiladrin"
    assert atmp_diff["from"]["date"] == "2025-07-15" and atmp_diff["to"]["date"] == "2026-07-06"


@needs_2026
def test_every_change_is_cited_to_its_rows(atmp_diff, oracle, shipped_store):
    before, after = oracle
    for c in atmp_diff["changes"]:
        cites = c["citations"]
        assert cites["after"] or cites["before"]
        if cites["after"]:
            assert after[c["number"]]["_row"] == cites["after"]["row"]
            assert cites["after"]["file"] == "ema-medicines-report_2026-07-06.xlsx"
        if cites["before"]:
            assert before[c["number"]]["_row"] == cites["before"]["row"]
            # The earlier row's citation is the shipped graph's own node for that row.
            ask = f"""ASK {{ <{cites['before']['iri']}> a <https://w3id.org/atmp-kg/ontology#Citation> ;
                <https://w3id.org/atmp-kg/ontology#row> {cites['before']['row']} }}"""
            assert shipped_store.query(ask)
        else:
            assert c["number"] not in before


@needs_2026
def test_every_human_medicine(tmp_path, oracle):
    code, out, err = cli("diff", "2025-07-15", str(LATER), "--all-medicines", "--format", "json", home=tmp_path / "h")
    assert code == 0, err
    got = {(c["kind"], c["number"]) for c in json.loads(out)["changes"]}
    assert got == expected_changes(*oracle, None)
    assert len({n for _, n in got}) > 100  # far beyond the ATMPs


@needs_2026
def test_text_and_markdown_forms_cite_file_and_row(tmp_path):
    code, out, err = cli("diff", "2025-07-15", str(LATER), home=tmp_path / "h")
    assert code == 0, err
    assert "before: EMA snapshot 2025-07-15, ema-medicines-report_2025-07-15.xlsx" in out
    line = next(x for x in out.splitlines() if x.startswith("refusal"))
    assert "EMEA/H/C/005293" in line and "Elevidys" in line and "after row" in line
    code, md, err = cli("diff", "2025-07-15", str(LATER), "--format", "markdown", home=tmp_path / "h")
    assert code == 0 and md.startswith("## Changes from 2025-07-15 to 2026-07-06") and "| refusal | EMEA/H/C/005293 |" in md


def test_an_unknown_date_or_file_is_one_clear_error(tmp_path):
    code, out, err = cli("diff", "2025-07-16", "2025-07-15", home=tmp_path / "h")
    assert code == 2 and err.count("\n") == 1 and "2025-07-16: no EMA snapshot generated on that date" in err
    assert "2024-08-22" in err  # it says which dates it holds
    code, out, err = cli("diff", "2025-07-15", str(tmp_path / "nope.xlsx"), home=tmp_path / "h")
    assert code == 2 and "no such file" in err and "Traceback" not in err


def test_shipped_snapshots_by_date(tmp_path, root):
    code, out, err = cli("diff", "2024-08-22", "2025-07-15", "--format", "json", home=tmp_path / "h")
    assert code == 0, err
    d = json.loads(out)
    assert d["from"]["file"] == "ema-medicines-report_2024-08-22.xlsx"
    a, b = read_rows(root / "data/ema/ema-medicines-report_2024-08-22.xlsx"), read_rows(root / "data/ema/ema-medicines-report_2025-07-15.xlsx")
    new = {c["number"] for c in d["changes"] if c["kind"] == "new-authorisation"}
    flagged = {n for rows in (a, b) for n, r in rows.items() if norm(r.get("Advanced therapy")) == "Yes"}
    raw = {n for n in flagged if norm(b.get(n, {}).get("Medicine status")) == "Authorised"
           and norm(a.get(n, {}).get("Medicine status")) != "Authorised"}
    assert raw and raw <= new
