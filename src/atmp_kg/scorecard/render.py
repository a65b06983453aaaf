"""Renders a scorecard model (scorecard.build_model) as Markdown, HTML or JSON.

Graph text is data anyone can write, so each form shows it as text: HTML through Jinja's
autoescaping, with links only for http and https URLs; Markdown with HTML and Markdown syntax
escaped and every item on one line; chart labels drawn literally (no mathtext).

The HTML page opens on the headline counts and the chart, folds its sections (<details>),
keeps tables compact (long cells fold, columns sort with a small inline script), and links
each product row to its card at products/<slug>.html when cards are given (see card_href).
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Mapping

from ..sanitize import one_line

FORMATS = ("markdown", "html", "json")
HEADLINE_GROUP = "Computed from the graph"
CHART_GROUP = "Authorisations and withdrawals per year"
RISKS_GROUP = "Risks: withdrawals, suspensions, refusals and commercial failure"
OPEN_GROUP_MAX = 6  # a group of more items starts folded
CELL_FOLD = 80  # a table cell longer than this folds, its full text one click away


def render(model: dict, fmt: str, cards: Mapping[str, str] | None = None) -> str:
    """The scorecard in one format. cards maps a product IRI to its card page: the HTML form
    links each product row whose IRI has a card to card_href(IRI), relative to the page (the
    caller writes the cards there); without cards there are no such links."""
    if fmt == "json":
        return json.dumps(model, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return to_markdown(model)
    if fmt == "html":
        return to_html(model, cards=cards)
    raise ValueError(f"unknown scorecard format {fmt!r}")


def card_href(product_iri: str) -> str:
    """Where a product's card sits beside the page: products/<slug>.html, the slug being the
    product IRI's path after /id/product/ (EMEA-H-C-004090, unnumbered-waskyra)."""
    local = product_iri.rsplit("/id/product/", 1)[-1]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", local).strip("-.") or "product"
    return f"products/{slug}.html"


_SAFE_URL = re.compile(r"https?://[^\s<>\"'`\x00-\x1f\x7f]+", re.IGNORECASE)


def safe_url(url: str | None) -> str | None:
    """The URL when it may become a link (http or https, nothing a browser would strip or
    reinterpret), else None: javascript:, data: and the rest are shown as text."""
    if url and _SAFE_URL.fullmatch(url):
        return url
    return None


def runs(numbers: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    out: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def compress(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> '1–3, 7'."""
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs(numbers))


def grouped(items: list[dict]) -> "OrderedDict[str | None, list[dict]]":
    groups: OrderedDict = OrderedDict()
    for it in items:
        groups.setdefault(it.get("group"), []).append(it)
    return groups


# ---------------------------------------------------------------------- Markdown

# Every character that can start Markdown or HTML syntax (emphasis, code, links, images,
# autolinks and raw HTML, entities, tables, strikethrough, maths, headings), escaped with a backslash,
# which CommonMark allows before any ASCII punctuation; and what would open a block (a list,
# a thematic break) at the start of an item.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~$#]|&(?=#?[A-Za-z0-9]+;))")
_MD_BLOCK_START = re.compile(r"^(?:([-+=])|([0-9]+)([.)]))")


def md(text) -> str:
    """Graph text as literal Markdown on one line: no heading, list, link, HTML or emphasis
    can come out of it."""
    t = _MD_INLINE.sub(r"\\\1", one_line(str(text)) if text is not None else "")
    return _MD_BLOCK_START.sub(lambda m: "\\" + m.group(1) if m.group(1) else f"{m.group(2)}\\{m.group(3)}", t)


def _md_cell(value) -> str:
    text = one_line(str(value)) if value is not None else ""
    if len(text) > 90:
        text = text[:89] + "…"
    return md(text)


def to_markdown(model: dict) -> str:
    lines = [f"# {md(model['title'])}", ""]
    lines.append(f"As of **{md(model['as_of'])}**, generated {md(model['generated'])}. "
                 "Every line cites its sources; numbers in brackets refer to the reference list.")
    lines.append("")
    for sec in model["sections"]:
        lines.append(f"## {md(sec['title'])}")
        lines.append("")
        if not sec["items"]:
            lines.append(f"_{md(sec['note'])}_")
            lines.append("")
            continue
        tables = sec.get("tables", {})
        for group, items in grouped(sec["items"]).items():
            if group:
                lines.append(f"### {md(group)}")
                lines.append("")
            if group in tables:
                cols = tables[group]
                lines.append("| " + " | ".join([md(c) for c in cols] + ["sources"]) + " |")
                lines.append("|" + "---|" * (len(cols) + 1))
                for it in items:
                    row = it.get("row", {})
                    lines.append("| " + " | ".join(_md_cell(row.get(c)) for c in cols) + f" | [{compress(it['citations'])}] |")
            else:
                for it in merge_identical(items):
                    lines.append(f"- {md(it['text'])} [{compress(it['citations'])}]")
            lines.append("")
    lines.append("## References")
    lines.append("")
    for ref in model["references"]:
        lines.append(f"{ref['id']}. {_reference_markdown(ref)}")
    lines.append("")
    return "\n".join(lines)


def _reference_markdown(ref: dict) -> str:
    parts = [md(ref["title"].rstrip(".") + ".")]
    meta = ", ".join(p for p in (ref.get("publisher"), ref.get("date")) if p)
    if meta:
        parts.append(md(meta + "."))
    link = reference_link(ref)
    if link:
        parts.append(f"<{link}>")
    elif ref.get("url") or ref.get("doi"):
        parts.append(md(ref.get("url") or ref.get("doi")))  # shown, never linked
    if ref.get("sha256"):
        parts.append(f"sha256 {md(ref['sha256'][:12])}…")
    parts.append(f"Locator: {md(ref['locator'])}.")
    if ref.get("quote"):
        parts.append(f"“{md(ref['quote'])}”")
    return " ".join(parts)


def reference_link(ref: dict) -> str | None:
    """A reference's link: its DOI at doi.org, else its URL, when that is http or https."""
    if ref.get("doi"):
        return safe_url("https://doi.org/" + ref["doi"].strip())
    return safe_url(ref.get("url"))


def merge_identical(items: list[dict]) -> list[dict]:
    """Items with the same text shown once, with the citations of all of them."""
    out: "OrderedDict[str, dict]" = OrderedDict()
    for it in items:
        key = " ".join(it["text"].split())
        if key in out:
            first = out[key]
            out[key] = dict(first, citations=sorted(set(first["citations"]) | set(it["citations"])),
                            products=sorted(set(first.get("products", [])) | set(it.get("products", []))))
        else:
            out[key] = it
    return list(out.values())


# ---------------------------------------------------------------------- the chart

def chart_svg(model: dict) -> str:
    """Authorisations (up) and ends of authorisation (down) per year and class, as inline SVG."""
    from .svg import drawing

    rows = [it["row"] for s in model["sections"] for it in s["items"]
            if it.get("group") == CHART_GROUP and it.get("row")]
    if not rows:
        return ""
    # Class labels are graph text: drawn literally, never parsed as mathtext ($...$).
    with drawing() as plt:
        return _draw_chart(plt, rows)


def _chart_label(text: str) -> str:
    """A legend label drawn as written (matplotlib hides labels that start with '_')."""
    text = one_line(text)
    return "\u200b" + text if text.startswith("_") else text


def _draw_chart(plt, rows: list[dict]) -> str:
    from .svg import svg_of

    years = list(range(min(int(r["year"]) for r in rows), max(int(r["year"]) for r in rows) + 1))
    classes = sorted({r["class"] for r in rows})
    fig, ax = plt.subplots(figsize=(8.5, 3.6), dpi=100)
    palette = ["#1b6ca8", "#e07b39", "#3a9e5f", "#8e5fb2", "#b8b8b8", "#c44e52"]
    up = [0] * len(years)
    down = [0] * len(years)
    for k, cls in enumerate(classes):
        colour = palette[k % len(palette)]
        ups = [sum(int(r["products"]) for r in rows if r["class"] == cls and r["event"] == "authorisation" and int(r["year"]) == y) for y in years]
        downs = [-sum(int(r["products"]) for r in rows if r["class"] == cls and r["event"] != "authorisation" and int(r["year"]) == y) for y in years]
        ax.bar(years, ups, bottom=up, color=colour, label=_chart_label(cls), edgecolor="white", linewidth=0.5)
        ax.bar(years, downs, bottom=down, color=colour, alpha=0.55, hatch="//", edgecolor="white", linewidth=0.5)
        up = [a + b for a, b in zip(up, ups)]
        down = [a + b for a, b in zip(down, downs)]
    ax.axhline(0, color="#333", linewidth=0.8)
    ax.set_ylabel("ATMPs")
    ax.set_title("Authorisations (solid, up) and withdrawals, expiries, suspensions (hatched, down) per year", fontsize=9)
    ax.set_xticks(years)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.legend(title="class", fontsize=8, title_fontsize=8, frameon=False, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    return svg_of(fig, plt)


# ---------------------------------------------------------------------- HTML

def to_html(model: dict, cards: Mapping[str, str] | None = None) -> str:
    from ..pages import environment

    template = environment("atmp_kg.scorecard").get_template("scorecard.html.j2")
    return template.render(model=model, page=_page(model, cards or {}), chart=chart_svg(model))


def _page(model: dict, cards: Mapping[str, str]) -> dict:
    """What the HTML template shows, worked out here rather than in Jinja: the headline, and
    per section its groups as tables or lists (risks: one entry per product)."""
    headline: list[dict] = []
    sections = []
    for n, sec in enumerate(model["sections"], 1):
        tables = sec.get("tables", {})
        groups = []
        for k, (group, items) in enumerate(grouped(sec["items"]).items(), 1):
            g = {"title": group, "id": f"s{n}g{k}", "count": len(items), "open": len(items) <= OPEN_GROUP_MAX}
            if group == HEADLINE_GROUP and any(it.get("figures") for it in items):
                headline += items  # shown once, at the top of the page
                g.update(kind="headline")
            elif group in tables:
                g.update(kind="table", columns=tables[group], rows=[_table_row(it, tables[group], cards) for it in items])
            elif group == RISKS_GROUP:
                g.update(kind="list", entries=_by_product(merge_identical(items)))
            else:
                g.update(kind="list", entries=merge_identical(items))
            groups.append(g)
        sections.append({"id": f"s{n}", "title": sec["title"], "count": len(sec["items"]), "note": sec.get("note"),
                         "groups": groups, "chart": _lag_chart(sec)})
    refs = [dict(ref, link=reference_link(ref)) for ref in model["references"]]
    return {"headline": headline, "sections": sections, "references": refs}


def _lag_chart(sec: dict) -> str:
    """The EU-US section's chart of lags, drawn from its table's rows; "" for other sections."""
    from .model import EU_US_TABLE

    rows = [it["row"] for it in sec["items"] if it.get("group") == EU_US_TABLE and it.get("row")]
    if not rows:
        return ""
    from .charts_eu_us import lag_chart_svg

    return lag_chart_svg(rows)


def _table_row(it: dict, columns: list[str], cards: Mapping[str, str]) -> dict:
    row = it.get("row", {})
    product = next((p for p in it.get("products", []) if p in cards), None)
    cells = []
    for c in columns:
        text = one_line(str(row[c])) if row.get(c) is not None else ""
        short = text if len(text) <= CELL_FOLD else text[:CELL_FOLD - 1].rstrip() + "…"
        cells.append({"text": text, "short": short, "href": card_href(product) if product and c == "name" else None})
    return {"cells": cells, "citations": it["citations"]}


def _by_product(items: list[dict]) -> list[dict]:
    """Regulatory actions, each product's together; folded under its last action, the other
    statements about that product (sources that say the same again in their own words); a
    reason that repeats the one given for the product's previous action is shown once."""
    def product(it: dict) -> str | None:
        return (it.get("products") or [None])[0]

    actions: "OrderedDict[str, list[dict]]" = OrderedDict()
    for it in items:
        if it.get("kind") == "regulatory action" and product(it):
            actions.setdefault(product(it), []).append(it)
    also: dict[str, list[dict]] = {}
    for it in items:
        if it.get("kind") != "regulatory action" and product(it) in actions:
            also.setdefault(product(it), []).append(it)
    out, done = [], set()
    for it in items:
        p = product(it)
        if p not in actions:
            out.append(it)
            continue
        if p in done:
            continue
        done.add(p)
        previous = None
        for k, action in enumerate(actions[p]):
            reason = (action.get("row") or {}).get("reason")
            shown = dict(action)
            if reason and reason == previous:
                shown["text"] = action["text"].replace(reason, "The same reason as for the action above.")
            previous = reason or previous
            if k == len(actions[p]) - 1 and p in also:
                shown["also"] = also[p]
            out.append(shown)
    return out
