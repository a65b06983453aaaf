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

SECTIONS = ["At a Glance", "Key Highlights", "EU and US", "Guideline-Based Recommendations", "Patient & Prescribing Data",
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


def _eu_us(model):
    [sec] = [s for s in model["sections"] if s["title"] == "EU and US"]
    [summary] = [it for it in sec["items"] if it.get("group") == "Summary"]
    rows = [it["row"] for it in sec["items"] if it.get("group") == "Approved in the EU, the US or both"]
    return summary, rows


@pytest.mark.parametrize("day", ["2020-05-31", "2026-11-25"])
def test_the_eu_us_summary_is_what_its_table_shows(shipped_store, day):
    """The section's counts are the counts of its own table's rows, and the median is the
    median of the rows' lags, worked out here in Python."""
    import statistics

    from atmp_kg.scorecard.model import build_model, local_runner

    summary, rows = _eu_us(build_model(local_runner(shipped_store), dt.date.fromisoformat(day), generated="test"))
    figures = {f["label"]: f["value"] for f in summary["figures"]}
    regions = [r["regions"] for r in rows]
    assert figures["in both the EU and the US"] == regions.count("both") > 0
    assert figures["EU only"] == regions.count("EU only") and figures["US only"] == regions.count("US only")
    assert figures["the US first"] == sum(r.get("first") == "US" for r in rows)
    assert figures["the EU first"] == sum(r.get("first") == "EU" for r in rows)
    lags = [int(r["lagDays"]) for r in rows if r.get("lagDays")]
    assert float(figures["median lag, days (EU minus US)"]) == statistics.median(lags)
    assert summary["citations"] and f"By {day}, {regions.count('both')} advanced therapies" in summary["text"]


def test_the_eu_us_table_pairs_kymriah_and_libmeldy(model_today):
    """The issue's examples: Kymriah is BLA 125646, licensed 2017-08-30; Libmeldy is Lenmeldy
    (BLA 125758, 2024-03-18), and the EU came first."""
    _, rows = _eu_us(model_today)
    by_name = {r.get("name"): r for r in rows}
    assert (by_name["Kymriah"]["bla"], by_name["Kymriah"]["usDate"][:10], by_name["Kymriah"]["first"]) == ("125646", "2017-08-30", "US")
    lib = by_name["Libmeldy"]
    assert (lib["bla"], lib["usName"].casefold(), lib["usDate"][:10], lib["first"]) == ("125758", "lenmeldy", "2024-03-18", "EU")


def test_the_eu_us_section_draws_the_lags(model_today):
    from atmp_kg.scorecard.render import to_html

    page = to_html(model_today)
    n = [s["title"] for s in model_today["sections"]].index("EU and US") + 1
    chart = page[page.index(f'id="s{n}-chart"'):]
    assert chart.index("<svg") < chart.index("</figure>") and "Libmeldy [Lenmeldy]" in chart[:chart.index("</figure>")]


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


# ---------------------------------------------------------------- the page, without a browser

KYMRIAH = "https://w3id.org/atmp-kg/id/product/EMEA-H-C-004090"


def _hostile_model(model_today):
    """The real model with graph text an attacker could have planted (through --data or an
    endpoint: scorecard never validates)."""
    import copy

    m = copy.deepcopy(model_today)
    item = next(it for s in m["sections"] for it in s["items"] if it.get("kind") == "finding")
    item["text"] = ("Harmless start\n# Injected heading\n[click me](javascript:alert(1)) <img src=x onerror=alert(2)> "
                    "**bold** `code` | pipe ![img](http://evil/x.png) <https://evil.example/auto>")
    row_item = next(it for s in m["sections"] for it in s["items"] if it.get("group") == "ATMPs authorised")
    row_item["row"]["name"] = "Evil\n## Heading in a name\n[x](http://evil)"
    urls = ["javascript:alert(document.cookie)", " JavaScript:alert(1)", "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>", "vbscript:msgbox", "https://ok.example/page?a=1&b=2"]
    for ref, url in zip(m["references"], urls):
        ref.pop("doi", None)
        ref["url"] = url
    return m


def test_only_http_and_https_urls_become_links(model_today):
    from atmp_kg.scorecard.render import render

    page = render(_hostile_model(model_today), "html")
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith(("#", "https://", "http://", "products/")) for h in hrefs), \
        [h for h in hrefs if not h.startswith(("#", "http"))]
    assert 'href="https://ok.example/page?a=1&amp;b=2"' in page
    assert "javascript:alert(document.cookie)" in page  # shown as text, not lost
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_markdown_keeps_graph_text_literal(model_today):
    """Rendered by a CommonMark parser, hostile graph text gives no heading, link, image or
    HTML of its own, and a reference link only for http(s)."""
    from markdown_it import MarkdownIt

    from atmp_kg.scorecard.render import render

    text = render(_hostile_model(model_today), "markdown")
    tokens = MarkdownIt("commonmark").enable("table").parse(text)

    def walk(ts):
        for t in ts:
            yield t
            yield from walk(t.children or [])
    flat = list(walk(tokens))
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert "Injected heading" not in " ".join(headings) and "Heading in a name" not in " ".join(headings)
    assert not [t for t in flat if t.type in ("html_inline", "html_block", "image")]
    links = [t.attrs.get("href") for t in flat if t.type == "link_open"]
    assert links and all(h.startswith(("http://", "https://")) for h in links), links
    assert "https://ok.example/page?a=1&b=2" in links
    assert not [h for h in links if "evil" in h], "a link made from an item's text"
    inline = " ".join(t.content for t in flat if t.type == "text")
    assert "[click me](javascript:alert(1))" in inline and "# Injected heading" in inline  # shown as written


def test_a_class_label_is_drawn_literally_not_as_mathtext(model_today):
    import copy

    from atmp_kg.scorecard.render import chart_svg

    m = copy.deepcopy(model_today)
    rows = [it["row"] for s in m["sections"] for it in s["items"] if it.get("group") == "Authorisations and withdrawals per year"]
    for r in rows:
        if r["class"] == "TEP":
            r["class"] = r"$\undefinedcommand{x}^2$"  # mathtext would fail on it, or draw x²
    svg = chart_svg(m)
    assert r"$\undefinedcommand{x}^2$" in svg


def test_citation_runs_are_compressed_and_resolve(model_today):
    from atmp_kg.scorecard.render import compress, render, runs

    assert runs([67, 68, 69, 98, 7]) == [(7, 7), (67, 69), (98, 98)]
    page = render(model_today, "html")
    first = next(it for s in model_today["sections"] for it in s["items"] if it.get("figures"))
    nums = first["citations"]
    assert len(nums) > 5 and nums == list(range(nums[0], nums[-1] + 1))
    assert f'<a href="#ref-{nums[0]}">{nums[0]}</a>–<a href="#ref-{nums[-1]}">{nums[-1]}</a>' in page
    assert ",".join(str(n) for n in nums[:3]) not in page
    assert f"[{compress(nums)}]" in render(model_today, "markdown")


def test_identical_texts_are_shown_once(model_today):
    import copy
    from html import escape

    from atmp_kg.scorecard.render import md, render

    m = copy.deepcopy(model_today)
    sec = next(s for s in m["sections"] if s["title"] == "Clinical Best Practices")
    first = sec["items"][0]
    assert 1 not in first["citations"]
    sec["items"].insert(1, dict(first, citations=[1]))  # another source saying exactly the same
    assert render(m, "html").count(escape(first["text"], quote=False)) == 1
    lines = [line for line in render(m, "markdown").splitlines() if md(first["text"]) in line]
    assert len(lines) == 1
    assert _expand(lines[0].rsplit("[", 1)[1].rstrip("]")) == set(first["citations"]) | {1}


def test_statements_about_a_product_fold_under_its_action(model_today):
    """Zalmoxis's withdrawal shows once in the risks list, with what other sources say about it
    folded beneath."""
    from atmp_kg.scorecard.render import render

    dom = _Dom()
    dom.feed(render(model_today, "html"))
    top = [it for it in dom.items if it["depth"] == 0 and it["text"].startswith("Zalmoxis: withdrawal")]
    assert len(top) == 1
    nested = [it for it in dom.items if it["parent"] is top[0]]
    assert len(nested) >= 2 and all("Zalmoxis" in it["text"] or "MolMed" in it["text"] for it in nested)


def test_product_rows_link_to_their_cards_only_when_cards_are_given(model_today, run_cli, tmp_path):
    from atmp_kg.scorecard.render import card_href, render

    assert card_href(KYMRIAH) == "products/EMEA-H-C-004090.html"
    assert card_href("https://w3id.org/atmp-kg/id/product/unnumbered/waskyra") == "products/unnumbered-waskyra.html"
    plain = render(model_today, "html")
    assert 'class="card"' not in plain
    linked = render(model_today, "html", cards={KYMRIAH: "<html>card</html>"})
    assert '<a class="card" href="products/EMEA-H-C-004090.html">Kymriah</a>' in linked
    assert linked.count('class="card"') == sum(  # every table row about Kymriah, and nothing else
        1 for s in model_today["sections"] for it in s["items"]
        if KYMRIAH in it.get("products", []) and it.get("group") in s.get("tables", {}))
    code, _, err = run_cli("scorecard", "--format", "html", "-o", str(tmp_path))
    assert code == 0, err
    assert (tmp_path / "scorecard.html").read_text().startswith("<!DOCTYPE html>")


# ---------------------------------------------------------------- in a real browser

class _Dom(HTMLParser):
    """Items (class "item"), their citation numbers and links, nested items, references,
    folding sections, and the chart, from the page's DOM."""

    VOID = {"br", "meta", "link", "img", "input", "hr", "path", "rect", "use", "stop", "col", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack, self.items, self.refs, self.svg_in_chart, self.rects = [], [], set(), False, 0
        self.sections, self.open_items = [], []
        self._sup = None
        self._summary = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "item" in classes:
            parent = self.open_items[-1][0] if self.open_items else None
            item = {"links": [], "cites": [], "sup_text": "", "text": "", "depth": len(self.open_items), "parent": parent}
            self.items.append(item)
            self.open_items.append((item, len(self.stack)))
        if tag == "sup" and "cite" in classes and self.open_items:
            self._sup = self.open_items[-1][0]
            self._sup["cites"] = [int(n) for n in (a.get("data-cites") or "").split()]
        if tag == "a" and self._sup is not None and (a.get("href") or "").startswith("#ref-"):
            self._sup["links"].append(a["href"][1:])
        if tag == "li" and (a.get("id") or "").startswith("ref-"):
            self.refs.add(a["id"])
        if tag == "details" and "section" in classes:
            self.sections.append({"id": a.get("id"), "open": "open" in a, "title": ""})
        if tag == "summary" and self.stack and self.stack[-1][0] == "details" and "section" in self.stack[-1][1]:
            self._summary = self.sections[-1]
        if tag == "svg" and any(t == "figure" and "chart" in c for t, c in self.stack):
            self.svg_in_chart = True
        if tag in ("path", "rect") and self.svg_in_chart:
            self.rects += 1
        if tag not in self.VOID:
            self.stack.append((tag, a.get("class") or ""))

    def handle_data(self, data):
        if self._sup is not None:
            self._sup["sup_text"] += data
        elif self.open_items and self.open_items[-1][0]["depth"] == len(self.open_items) - 1:
            self.open_items[-1][0]["text"] += data
        if self._summary is not None and not self._summary["title"]:
            self._summary["title"] = data.strip()

    def handle_endtag(self, tag):
        if tag == "sup":
            self._sup = None
        if tag == "summary":
            self._summary = None
        while self.stack:
            t, _ = self.stack.pop()
            if self.open_items and len(self.stack) == self.open_items[-1][1]:
                item = self.open_items.pop()[0]
                item["text"] = " ".join(item["text"].split())
            if t == tag:
                break


def _expand(text: str) -> set[int]:
    out: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if part:
            a, _, b = part.partition("–")
            out.update(range(int(a), int(b or a) + 1))
    return out


def _chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        if os.environ.get("ATMP_KG_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (ATMP_KG_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("chromium not installed")
    return path


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if not path:
        if os.environ.get("ATMP_KG_REQUIRE_BROWSER"):
            pytest.fail(f"{name} is required (ATMP_KG_REQUIRE_BROWSER is set): apt-get install {package}")
        pytest.skip(f"{name} not installed (Debian's {package})")
    return path


@pytest.fixture(scope="module")
def browser_page(model_today, tmp_path_factory):
    from atmp_kg.scorecard.render import to_html

    d = tmp_path_factory.mktemp("browser")
    page = d / "scorecard.html"
    page.write_text(to_html(model_today), encoding="utf-8")
    flags = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
             f"--user-data-dir={d / 'profile'}"]
    return page, flags


@pytest.mark.browser
def test_html_dom_in_chromium(browser_page, model_today):
    """Every item's citations resolve, runs are compressed without losing a number, every
    reference is cited, and every section folds."""
    page, flags = browser_page
    dom_text = subprocess.run(flags + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    dom = _Dom()
    dom.feed(dom_text)
    assert len(dom.items) >= 100
    cited: set[int] = set()
    for it in dom.items:
        assert it["cites"], f"an item without citations: {it['text'][:80]}"
        assert _expand(it["sup_text"]) == set(it["cites"]), (it["sup_text"], it["cites"])
        assert it["links"] and {f"ref-{n}" for n in it["cites"]} <= dom.refs and set(it["links"]) <= dom.refs
        cited |= set(it["cites"])
    assert {f"ref-{n}" for n in cited} == dom.refs == {f"ref-{r['id']}" for r in model_today["references"]}
    assert [s["title"] for s in dom.sections] == [s["title"] for s in model_today["sections"]] + ["References"]
    assert not dom.sections[-1]["open"], "the reference list starts folded"
    assert dom.svg_in_chart and dom.rects >= 10, "the chart is missing or empty"
    assert "67,68" not in dom_text
    # Self-contained: nothing for the browser to fetch.
    assert not re.search(r"<(?:link|img|iframe|object|embed)\b|<script[^>]+src=|url\((?!#)", page.read_text())


_PROBE = """<script>
(function () {
  var out = {};
  var group = document.querySelector("details.group:not([open])");
  out.groupWasClosed = !group.open;
  group.querySelector("summary").click();
  out.groupOpensOnClick = group.open;
  var table = document.querySelector("table.sortable");
  var col = Array.prototype.findIndex.call(table.tHead.rows[0].cells, function (c) { return c.textContent.trim() === "name"; });
  function names() { return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[col].textContent.trim(); }); }
  table.tHead.rows[0].cells[col].querySelector("button").click();
  out.ascending = names();
  table.tHead.rows[0].cells[col].querySelector("button").click();
  out.descending = names();
  out.referencesOpen = document.getElementById("references").open;
  location.hash = "#ref-300";
  setTimeout(function () {
    out.referencesOpenAfterLink = document.getElementById("references").open;
    window.dispatchEvent(new Event("beforeprint"));
    out.closedWhilePrinting = document.querySelectorAll("details:not([open])").length;
    window.dispatchEvent(new Event("afterprint"));
    out.closedAfterPrinting = document.querySelectorAll("details:not([open])").length;
    var pre = document.createElement("pre");
    pre.id = "probe";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }, 200);
})();
</script>"""


@pytest.mark.browser
def test_html_folds_sorts_and_opens_for_links_and_print_in_chromium(browser_page, tmp_path):
    """The page's own script, driven in Chromium by a probe appended to a copy of the page."""
    page, flags = browser_page
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    dom = subprocess.run(flags + ["--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    m = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert m, "the probe did not run"
    import html

    out = json.loads(html.unescape(m.group(1)))
    assert out["groupWasClosed"] and out["groupOpensOnClick"]
    assert len(out["ascending"]) >= 13
    assert out["ascending"] == sorted(out["ascending"], key=str.casefold), out["ascending"]
    assert out["descending"] == out["ascending"][::-1]
    assert not out["referencesOpen"] and out["referencesOpenAfterLink"]
    assert out["closedWhilePrinting"] == 0 and out["closedAfterPrinting"] > 0


@pytest.mark.browser
def test_html_prints_what_is_folded(browser_page, model_today, tmp_path):
    """Chromium's PDF of the page holds the folded text: the reference list, and a full
    indication that the screen shows cut."""
    page, flags = browser_page
    pdftotext = _tool("pdftotext", "poppler-utils")
    pdf = tmp_path / "scorecard.pdf"
    subprocess.run(flags + ["--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, timeout=180)
    text = " ".join(subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, timeout=120).stdout.split())
    indication = max((it["row"].get("indication", "") for s in model_today["sections"] for it in s["items"]
                      if it.get("group") == "Products"), key=len)
    assert len(indication) > 200
    words = " ".join(indication.split()[-8:])  # the end of it, which the screen folds away
    assert words in text.replace("- ", "-") or words in text
    last_ref = model_today["references"][-1]
    assert " ".join(last_ref["title"].split()[:5]) in text


@pytest.mark.browser
def test_first_screen_shows_the_headline_numbers_and_the_chart(browser_page, model_today, tmp_path):
    """A 1280x900 screenshot: tesseract must read every headline number in large type (its
    word box at least 24 px tall, so no axis tick passes for it), and the chart's bar colours
    must cover a good part of the screen."""
    from PIL import Image

    page, flags = browser_page
    tesseract = _tool("tesseract", "tesseract-ocr")
    shot = tmp_path / "first.png"
    subprocess.run(flags + ["--window-size=1280,900", f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    img = Image.open(shot).convert("RGB")
    assert img.size == (1280, 900)
    tsv = subprocess.run([tesseract, str(shot), "-", "--psm", "11", "tsv"], capture_output=True, text=True, timeout=180).stdout
    big = set()
    words = []
    for line in tsv.splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) == 12 and cols[11].strip():
            words.append(cols[11].strip())
            if int(cols[9]) >= 24:
                big.add(cols[11].strip())
    figures = [f for s in model_today["sections"] for it in s["items"] for f in it.get("figures", [])
               if it.get("group") == "Computed from the graph"]  # the headline's (the EU-US counts are further down)
    assert len(figures) >= 3
    for f in figures:
        assert str(f["value"]) in big, (f, sorted(big))
    ocr = " ".join(words)
    assert "ATMPs authorised in the EU" in ocr and "withdrawn" in ocr
    palette = {(0xe0, 0x7b, 0x39), (0x3a, 0x9e, 0x5f), (0x8e, 0x5f, 0xb2)}  # chart bars (the blue is also the links')
    bars = sum(n for n, c in img.getcolors(1 << 20) if any(sum(abs(a - b) for a, b in zip(c, p)) < 12 for p in palette))
    assert bars > 15000, f"only {bars} pixels of bar colour in the first screen"


def test_products_without_a_number_or_a_decision_date_are_worded_as_such(model_today):
    texts = [it["text"] for it in items(model_today)]
    # Itvisma's authorisation is reported only by undated pages (EMA's July 2026 export has its number).
    itvisma = [t for t in texts if t.startswith("Itvisma (EMEA/H/C/006498, GTMP)")]
    assert itvisma and ("reported authorised by a source that states no date, read on 2026-11-25 "
                        "(no source read dates the decision)") in itvisma[0], itvisma
    waskyra = [t for t in texts if t.startswith("Waskyra (EMEA/H/C/006525, GTMP)")]
    assert waskyra and ": authorised 2026-01-09," in waskyra[0], waskyra
    # Aucatzyl: the 2026 exports give EMA's date, earlier than the holder's announcement of 21 July 2025.
    aucatzyl = [t for t in texts if t.startswith("Aucatzyl (EMEA/H/C/005907, ATMP)")]
    assert aucatzyl and ": authorised 2025-07-17," in aucatzyl[0], aucatzyl
