"""`atmp-kg product`: one product's card, through the CLI and the library."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest


def card_json(run_cli, *args):
    code, out, err = run_cli("product", *args, "--format", "json")
    assert code == 0, err
    card = json.loads(out)
    card.pop("generated")
    return card


def section(card, title):
    [sec] = [s for s in card["sections"] if s["title"] == title]
    return [r["cells"] for r in sec["rows"]]


def test_a_name_in_any_case_and_the_number_give_the_same_card(run_cli):
    by_number = card_json(run_cli, "EMEA/H/C/004090", "--as-of", "2025-07-15")
    for name in ("Kymriah", "KYMRIAH", "004090"):
        assert card_json(run_cli, name, "--as-of", "2025-07-15") == by_number, name
    assert by_number["title"] == "Kymriah" and by_number["number"] == "EMEA/H/C/004090"


@pytest.mark.parametrize("value,closest", [("Kymria", "EMEA/H/C/004090 (Kymriah)"), ("EMEA/H/C/004091", "EMEA/H/C/004090"),
                                           ("zzzz-no-such-medicine", None)])
def test_an_unknown_product_is_one_line_naming_the_closest(run_cli, value, closest):
    code, out, err = run_cli("product", value)
    assert code == 2 and out == ""
    [line] = err.strip().splitlines()
    assert line.startswith("error: no product in the graph is named or numbered") and repr(value) in line
    assert (closest in line) if closest else "closest" not in line


def test_kymriahs_card_holds_its_us_licence_and_its_conflicts(run_cli):
    """BLA 125646, licensed 2017-08-30 (the issue's example); the sources date the CHMP opinion
    27 and 28 June 2018, and both dates stay."""
    card = card_json(run_cli, "Kymriah", "--as-of", "2025-07-15")
    [us] = section(card, "EU and US")
    assert (us["bla"], us["usDate"][:10], us["euDate"][:10], us["first"]) == ("125646", "2017-08-30", "2018-08-23", "US")
    opinion = [c for c in section(card, "Conflicts between sources") if c["fact"] == "positive CHMP opinion date"]
    assert [(c["value1"][:10], c["value2"][:10]) for c in opinion] == [("2018-06-27", "2018-06-28")]
    assert all(r["date"] <= "2025-07-15" for r in section(card, "Regulatory actions and observations"))


def test_before_the_first_source_that_names_a_holder_the_card_names_none(run_cli):
    """Kymriah was approved on 2018-08-23; the first EMA export that lists it is of 2018-12-23."""
    card = card_json(run_cli, "Kymriah", "--as-of", "2018-10-01")
    assert "holder" not in card["facts"]["fields"] and "no source by then names the holder" in card["facts"]["text"]
    assert not [c for c in section(card, "Status, holder and name over time") if c["aspect"] == "holder name"]
    later = card_json(run_cli, "Kymriah", "--as-of", "2019-01-01")
    assert later["facts"]["fields"]["holder"] == "Novartis Europharm Limited"


def test_macis_deprecated_refusal_is_on_its_card_with_the_reason(run_cli):
    card = card_json(run_cli, "MACI", "--as-of", "2013-12-31")
    refusals = [c for c in section(card, "Regulatory actions and observations") if c["date"] == "2013-04-26"]
    assert refusals and all(c["rank"] == "deprecated" for c in refusals)
    [dep] = section(card, "Deprecated assertions")
    assert dep["date"][:10] == "2013-04-26" and "press release" in dep["reason"]
    assert card["title"].startswith("MACI (the name sources after 2013-12-31 give)")


def test_every_citation_of_a_card_is_in_its_reference_list(run_cli):
    card = card_json(run_cli, "Glybera")
    used = set(card["facts"]["citations"]) | {n for s in card["sections"] for r in s["rows"] for n in r["citations"]}
    assert used and used == {r["id"] for r in card["references"]}
    assert all(r["citations"] for s in card["sections"] for r in s["rows"]), "a row without a source"


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_format_shows_the_card(run_cli, fmt, tmp_path):
    target = tmp_path / f"card.{fmt}"
    code, out, err = run_cli("product", "Libmeldy", "--format", fmt, "-o", str(target))
    assert code == 0 and out == "", err
    text = target.read_text()
    assert "Libmeldy" in text and "EMEA/H/C/005321" in text and "125758" in text
    if fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "<script" not in text


def test_the_text_card_fits_the_terminal(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run_cli("product", "Kymriah")
    long = [line for line in out.splitlines() if len(line) > 100 and not re.search(r"https?://\S{60,}", line)]
    assert code == 0 and not long, long


def test_the_library_builds_the_same_card(run_cli, shipped_store):
    from atmp_kg.cards.model import build_card, resolve_number
    from atmp_kg.scorecard.model import local_runner

    run = local_runner(shipped_store)
    card = build_card(run, resolve_number(run, "strimvelis"), dt.date(2025, 7, 15), generated="x")
    card.pop("generated")
    assert card == card_json(run_cli, "Strimvelis", "--as-of", "2025-07-15")


def test_the_scorecard_folder_holds_a_card_for_each_product_it_links(run_cli, tmp_path):
    code, out, err = run_cli("scorecard", "--as-of", "2019-12-31", "--format", "html", "-o", str(tmp_path))
    assert code == 0, err
    page = (tmp_path / "scorecard.html").read_text()
    links = set(re.findall(r'href="(products/[^"]+\.html)"', page))
    assert "products/EMEA-H-C-004090.html" in links
    for href in links:
        card = (tmp_path / href).read_text()
        assert 'href="../scorecard.html"' in card and "as of 2019-12-31" in card
    assert {f"products/{p.name}" for p in (tmp_path / "products").iterdir()} >= links
