"""Renders claim verdicts as a terminal table, Markdown, JSON or a self-contained HTML page."""

from __future__ import annotations

import json

from ..sanitize import one_line

FORMATS = ("table", "markdown", "json", "html")


def render(verdicts, fmt: str, references: dict[str, dict] | None = None, *, width: int = 100) -> str:
    if fmt == "json":
        return json.dumps({"claims": [v.as_dict() for v in verdicts]}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "table":
        return _table(verdicts, width, references or {})
    numbers = _numbering(verdicts)
    if fmt == "markdown":
        return _markdown(verdicts, numbers, references or {})
    if fmt == "html":
        return _html(verdicts, numbers, references or {})
    raise ValueError(f"unknown format {fmt!r}")


def summary(verdicts) -> str:
    counts = {k: sum(1 for v in verdicts if v.verdict == k) for k in ("agrees", "differs", "unchecked")}
    return f"{len(verdicts)} claims: {counts['agrees']} agree, {counts['differs']} differ, {counts['unchecked']} unchecked"


def _member_line(m: dict) -> str:
    name = m.get("name") or m.get("number") or m.get("product", "")
    bits = [b for b in (m.get("number") if m.get("name") else None, m.get("legalClass"), m.get("date"),
                        m.get("status"), *(f"{k} {m[k]}" for k in m if k.endswith("AtApproval"))) if b]
    return one_line(name + (f" ({', '.join(bits)})" if bits else ""))


def _table(verdicts, width: int, refs: dict[str, dict]) -> str:
    import textwrap

    lines = []
    for v in verdicts:
        c = v.claim
        head = f"{c.id}: {v.verdict.upper()}  {c.measure} as of {c.as_of or '?'}: stated {c.value or '-'}, computed {v.computed or '-'}"
        lines.append(one_line(head))
        for text in filter(None, (c.claim, v.reason)):
            lines += textwrap.wrap(one_line(text), width=width, initial_indent="    ", subsequent_indent="    ")
        if v.verdict == "differs" and v.members:
            lines.append(f"    counted ({len(v.members)}):")
            for m in v.members:
                where = "; ".join(_where(refs.get(x), x) for x in m.get("cites", []))
                lines += textwrap.wrap(_member_line(m) + (f" — {where}" if where else ""),
                                       width=width, initial_indent="      ", subsequent_indent="        ")
        lines.append("")
    lines.append(summary(verdicts))
    return "\n".join(lines)


def _where(ref: dict | None, iri: str) -> str:
    """A citation on one line: its source's title and the locator."""
    return one_line(f"{ref['title']}, {ref['locator']}") if ref else iri


def _numbering(verdicts) -> dict[str, int]:
    order: dict[str, int] = {}
    for v in verdicts:
        for c in v.cites:
            order.setdefault(c, len(order) + 1)
    return order


def _ref_text(iri: str, ref: dict | None) -> str:
    if not ref:
        return iri
    parts = [ref.get("title", "").rstrip(".") + "."]
    if ref.get("issued"):
        parts.append(f"{ref['issued']}.")
    if ref.get("doi"):
        parts.append(f"https://doi.org/{ref['doi']}")
    elif ref.get("url"):
        parts.append(ref["url"])
    parts.append(f"Locator: {ref.get('locator', '')}.")
    if ref.get("quote"):
        parts.append(f"“{ref['quote']}”")
    return one_line(" ".join(parts))


def _md(text: str) -> str:
    from ..scorecard.render import md

    return md(text)


def _markdown(verdicts, numbers, refs) -> str:
    from ..scorecard.render import compress

    lines = ["# Claims checked against the graph", "", summary(verdicts) + ".", "",
             "| id | verdict | measure | as of | stated | computed | reason |", "|---|---|---|---|---|---|---|"]
    for v in verdicts:
        c = v.claim
        lines.append("| " + " | ".join(_md(x) for x in (c.id, v.verdict, c.measure, str(c.as_of or ""), c.value,
                                                      v.computed or "", v.reason)).replace("\n", " ") + " |")
    for v in verdicts:
        if v.verdict != "differs" or not v.members:
            continue
        lines += ["", f"## {_md(v.claim.id)}: what the graph counts", "", f"> {_md(v.claim.claim)}", ""]
        for m in v.members:
            lines.append(f"- {_md(_member_line(m))} [{compress([numbers[c] for c in m.get('cites', [])])}]")
    if numbers:
        lines += ["", "## References", ""]
        for iri, n in sorted(numbers.items(), key=lambda kv: kv[1]):
            lines.append(f"{n}. {_md(_ref_text(iri, refs.get(iri)))}")
    return "\n".join(lines) + "\n"


def _html(verdicts, numbers, refs) -> str:
    import html

    from ..scorecard.render import compress, safe_url

    e = lambda s: html.escape(one_line(str(s)))  # noqa: E731
    rows = []
    for v in verdicts:
        c = v.claim
        members = ""
        if v.members:
            items = "".join(
                f"<li>{e(_member_line(m))} <sup>{e(compress([numbers[x] for x in m.get('cites', [])]))}</sup></li>"
                for m in v.members)
            members = f"<details{' open' if v.verdict == 'differs' else ''}><summary>{len(v.members)} counted</summary><ul>{items}</ul></details>"
        rows.append(f"<tr class='{e(v.verdict)}'><td>{e(c.id)}</td><td>{e(v.verdict)}</td><td>{e(c.claim)}"
                    f"{'<br><em>' + e(v.reason) + '</em>' if v.reason else ''}{members}</td><td>{e(c.measure)}</td>"
                    f"<td>{e(c.as_of or '')}</td><td>{e(c.value)}</td><td>{e(v.computed or '')}</td></tr>")
    refs_html = "".join(
        f"<li id='ref-{n}' value='{n}'>" + (
            f"<a href='{html.escape(u)}'>{e(refs.get(iri, {}).get('title', iri))}</a>" if (u := safe_url(_link(refs.get(iri))))
            else e(refs.get(iri, {}).get("title", iri))) + f". {e(_ref_text(iri, refs.get(iri)))}</li>"
        for iri, n in sorted(numbers.items(), key=lambda kv: kv[1]))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Claims checked against the graph</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1d2430}}
table{{border-collapse:collapse;width:100%;font-size:.9rem}}td,th{{border-bottom:1px solid #d9dee6;padding:.3rem;text-align:left;vertical-align:top}}
tr.differs td:nth-child(2){{color:#b00020;font-weight:600}}tr.agrees td:nth-child(2){{color:#1b7a3a}}tr.unchecked td:nth-child(2){{color:#8a6d00}}
ol{{font-size:.85rem}}</style></head><body>
<h1>Claims checked against the graph</h1><p>{e(summary(verdicts))}.</p>
<table><thead><tr><th>id</th><th>verdict</th><th>claim</th><th>measure</th><th>as of</th><th>stated</th><th>computed</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<h2>References</h2><ol>{refs_html}</ol></body></html>
"""


def _link(ref: dict | None) -> str | None:
    if not ref:
        return None
    return f"https://doi.org/{ref['doi']}" if ref.get("doi") else ref.get("url")
