"""Renders a product card (cards.model.build_card) as text, Markdown, JSON or HTML.

Graph text is shown literally in every format: escaped for Markdown and HTML (the scorecard's
rules, scorecard.render), made one safe line for a terminal. Citations are the card's numbers,
resolved in its reference list.
"""

from __future__ import annotations

import json
import textwrap

from ..sanitize import one_line
from ..scorecard.render import compress, md, reference_link


def render(card: dict, fmt: str, *, width: int = 100, scorecard_href: str | None = None) -> str:
    if fmt == "json":
        return json.dumps(card, ensure_ascii=False, indent=2)
    if fmt == "markdown":
        return to_markdown(card)
    if fmt == "html":
        return to_html(card, scorecard_href=scorecard_href)
    if fmt == "text":
        return to_text(card, width=width)
    raise ValueError(f"unknown card format {fmt!r}")


def _cites(numbers: list[int]) -> str:
    return f"[{compress(numbers)}]" if numbers else ""


def _line(cells: dict, columns: list[str]) -> str:
    return " | ".join(one_line(cells.get(c) or "") for c in columns)


def to_text(card: dict, *, width: int = 100) -> str:
    wrap = textwrap.TextWrapper(width=max(40, width), subsequent_indent="    ", break_long_words=False,
                                break_on_hyphens=False)
    out = [one_line(f"{card['title']} ({card['number']}), as of {card['as_of']}")]
    if len(card["names"]) > 1:
        out.append(one_line("names: " + ", ".join(card["names"])))
    out += wrap.wrap(one_line(f"{card['facts']['text']} {_cites(card['facts']['citations'])}".strip()))
    for sec in card["sections"]:
        out += [""] + wrap.wrap(sec["title"] + (f" ({' | '.join(sec['columns'])})" if sec["rows"] else ""))
        if not sec["rows"]:
            out.append("  (nothing in the graph)")
        for row in sec["rows"]:
            wrap.initial_indent = "  "
            out += wrap.wrap(f"{_line(row['cells'], sec['columns'])} {_cites(row['citations'])}".strip())
            wrap.initial_indent = ""
    out += ["", "References"]
    for ref in card["references"]:
        out += wrap.wrap(one_line(f"{ref['id']}. {_reference_text(ref)}"))
    return "\n".join(out)


def _reference_text(ref: dict) -> str:
    meta = ", ".join(p for p in (ref.get("publisher"), ref.get("date")) if p)
    where = ref.get("url") or ref.get("doi") or ""
    return " ".join(p for p in (ref["title"].rstrip(".") + ".", meta + "." if meta else "", where,
                                f"Locator: {ref['locator']}.") if p)


def to_markdown(card: dict) -> str:
    lines = [f"# {md(card['title'])} ({md(card['number'])})", "",
             f"As of **{md(card['as_of'])}**, generated {md(card['generated'])}. Numbers in brackets refer to the "
             "reference list.", ""]
    if len(card["names"]) > 1:
        lines += [f"Names: {md(', '.join(card['names']))}", ""]
    lines += [f"{md(card['facts']['text'])} {_cites(card['facts']['citations'])}".strip(), ""]
    for sec in card["sections"]:
        lines += [f"## {md(sec['title'])}", ""]
        if not sec["rows"]:
            lines += ["_Nothing in the graph._", ""]
            continue
        cols = sec["columns"]
        lines.append("| " + " | ".join([md(c) for c in cols] + ["sources"]) + " |")
        lines.append("|" + "---|" * (len(cols) + 1))
        for row in sec["rows"]:
            lines.append("| " + " | ".join(md(row["cells"].get(c) or "") for c in cols) + f" | {_cites(row['citations'])} |")
        lines.append("")
    lines += ["## References", ""]
    for ref in card["references"]:
        link = reference_link(ref)
        lines.append(f"{ref['id']}. {md(_reference_text(dict(ref, url=None, doi=None)))}" + (f" <{link}>" if link else ""))
    lines.append("")
    return "\n".join(lines)


def to_html(card: dict, *, scorecard_href: str | None = None) -> str:
    from ..pages import environment

    refs = [dict(ref, link=reference_link(ref)) for ref in card["references"]]
    return environment("atmp_kg.cards").get_template("card.html.j2").render(
        card=card, references=refs, scorecard_href=scorecard_href)
