"""The scorecard: every seed section, every item cited, as of any date, in three formats."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

SECTIONS = ["At a Glance", "Key Highlights", "Guideline-Based Recommendations", "Patient & Prescribing Data",
            "Clinical Best Practices", "Related Resources & Content", "Original Source(s)"]


@pytest.fixture(scope="module")
def model_today(shipped_store):
    from atmp_kg.scorecard.model import build_model, local_runner

    return build_model(local_runner(shipped_store), dt.date(2026, 11, 25), generated="test")


@pytest.fixture(scope="module")
def model_2018(shipped_store):
    from atmp_kg.scorecard.model import build_model, local_runner

    return build_model(local_runner(shipped_store), dt.date(2018, 12, 31), generated="test")


def items(model):
    return [it for s in model["sections"] for it in s["items"]]


def test_sections_in_the_seed_order(model_today):
    assert [s["title"] for s in model_today["sections"]] == SECTIONS
    assert all(s["items"] for s in model_today["sections"]), "every section has sourced content today"


def test_every_item_is_cited_and_every_citation_resolves(model_today):
    ids = {r["id"] for r in model_today["references"]}
    assert len(items(model_today)) >= 20
    for it in items(model_today):
        assert it["citations"], it["text"]
        assert set(it["citations"]) <= ids
    assert ids == set(range(1, len(ids) + 1))
    for ref in model_today["references"]:
        assert ref["title"] and ref["locator"] and (ref.get("url") or ref.get("doi"))


def test_no_source_needed_anywhere(model_today):
    from atmp_kg.scorecard.render import render

    for fmt in ("markdown", "json", "html"):
        assert "source needed" not in render(model_today, fmt).lower()


def test_as_of_2018_shows_13_atmps_and_no_later_facts(model_2018, model_today):
    table = [it for s in model_2018["sections"] for it in s["items"] if it.get("group") == "ATMPs authorised"]
    names = {it["row"]["name"] for it in table}
    assert len(table) == 13 and {"Kymriah", "Luxturna"} <= names
    assert not {"Zolgensma", "Casgevy", "Aucatzyl"} & names
    text = json.dumps(model_2018)
    # Evidence counts only if a source of it was issued by the as-of date. (Facts about products
    # may cite later sources: the field as it stood then, as the graph knows it today.)
    evidence = [it for it in items(model_2018) if it.get("kind") in ("finding", "recommendation", "context", "challenge statement")]
    assert evidence and all(it["dated"] <= "2018-12-31" for it in evidence)
    later = [it["text"] for it in items(model_today) if it.get("dated", "") > "2018-12-31"]
    assert later and not set(later) & {it["text"] for it in items(model_2018)}
    assert "Ten Ham" in text  # published October 2018
    assert "2021/2282" not in text  # the HTA Regulation came later


def test_as_of_an_early_date_says_so_in_plain_words(shipped_store):
    from atmp_kg.scorecard.model import build_model, local_runner

    model = build_model(local_runner(shipped_store), dt.date(2009, 6, 30), generated="test")
    atmps = [it for it in items(model) if it.get("group") == "ATMPs authorised"]
    assert atmps == []  # ChondroCelect came in October 2009
    empty = [s for s in model["sections"] if not s["items"]]
    assert all(s["note"] for s in empty)


def test_markdown_has_sections_tables_and_references(model_today):
    from atmp_kg.scorecard.render import to_markdown

    md = to_markdown(model_today)
    for title in SECTIONS:
        assert f"## {title}" in md
    assert "| number | name | class |" in md
    assert re.search(r"^1\. .+Locator: ", md, re.M)


def test_json_form(model_today):
    from atmp_kg.scorecard.render import render

    doc = json.loads(render(model_today, "json"))
    assert set(doc) >= {"as_of", "generated", "sections", "references"}
    assert set(doc["sections"][0]) >= {"title", "items"}
    assert set(doc["sections"][0]["items"][0]) >= {"text", "citations"}
    assert set(doc["references"][0]) >= {"id", "title", "locator"}


def test_cli_scorecard_bad_inputs(run_cli, tmp_path):
    code, _, err = run_cli("scorecard", "--as-of", "2020-13-01")
    assert code == 2 and "--as-of" in err
    code, _, err = run_cli("scorecard", "-o", str(tmp_path / "missing" / "sc.md"))
    assert code == 2 and "does not exist" in err
    assert not (tmp_path / "missing").exists()


def test_cli_scorecard_writes_the_file(run_cli, tmp_path):
    out = tmp_path / "sc.json"
    code, _, _ = run_cli("scorecard", "--as-of", "2020-01-01", "--format", "json", "-o", str(out))
    assert code == 0
    assert json.loads(out.read_text())["as_of"] == "2020-01-01"


# ---------------------------------------------------------------- in a real browser

class _Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.items, self.refs, self.svg_in_chart, self.rects = [], [], set(), False, 0
        self._item = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag in ("li", "tr") and "item" in classes:
            self._item = {"links": []}
            self.items.append(self._item)
        if tag == "a" and self._item is not None and (a.get("href") or "").startswith("#ref-"):
            self._item["links"].append(a["href"][1:])
        if tag == "li" and (a.get("id") or "").startswith("ref-"):
            self.refs.add(a["id"])
        if tag == "svg" and any(t == "figure" and "chart" in c for t, c in self.stack):
            self.svg_in_chart = True
        if tag in ("path", "rect") and self.svg_in_chart:
            self.rects += 1
        if tag not in ("br", "meta", "link", "img", "input", "hr", "path", "rect", "use", "stop"):
            self.stack.append((tag, a.get("class") or ""))

    def handle_endtag(self, tag):
        if tag in ("li", "tr"):
            self._item = None
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break


def _chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        if os.environ.get("ATMP_KG_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (ATMP_KG_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("chromium not installed")
    return path


@pytest.mark.browser
def test_html_in_headless_chromium(model_today, tmp_path):
    from PIL import Image

    from atmp_kg.scorecard.render import to_html

    chromium = _chromium()
    page = tmp_path / "scorecard.html"
    page.write_text(to_html(model_today), encoding="utf-8")
    flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(flags + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    parser = _Dom()
    parser.feed(dom)
    assert len(parser.items) >= 20
    for it in parser.items:
        assert it["links"], "an item without a citation link"
        assert set(it["links"]) <= parser.refs, "a citation link that resolves to no reference"
    assert parser.svg_in_chart and parser.rects >= 10, "the chart is missing or empty"

    shot = tmp_path / "scorecard.png"
    subprocess.run(flags + ["--window-size=1280,1600", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120)
    img = Image.open(shot).convert("RGB")
    assert img.size == (1280, 1600)
    small = img.resize((320, 400))
    colours = small.getcolors(maxcolors=1 << 16) or []
    assert len(colours) > 50, "the screenshot is nearly uniform"
    background = max(colours)[0] / (320 * 400)
    assert background < 0.95, "the screenshot is nearly blank"


def test_products_without_a_number_or_a_decision_date_are_worded_as_such(model_today):
    texts = [it["text"] for it in items(model_today)]
    # Itvisma's authorisation is reported only by undated pages (EMA's July 2026 export has its number).
    itvisma = [t for t in texts if t.startswith("Itvisma (EMEA/H/C/006498, GTMP)")]
    assert itvisma and "authorised by 2026-11-25 (no source read dates the decision)" in itvisma[0], itvisma
    waskyra = [t for t in texts if t.startswith("Waskyra (EMEA/H/C/006525, GTMP)")]
    assert waskyra and ": authorised 2026-01-09," in waskyra[0], waskyra
    # Aucatzyl: the 2026 exports give EMA's date, earlier than the holder's announcement of 21 July 2025.
    aucatzyl = [t for t in texts if t.startswith("Aucatzyl (EMEA/H/C/005907, ATMP)")]
    assert aucatzyl and ": authorised 2025-07-17," in aucatzyl[0], aucatzyl
