"""A Diff as an aligned text table, a Markdown table or JSON."""

from __future__ import annotations

import json

from . import Diff

COLUMNS = ("kind", "number", "name", "before", "after", "date", "cited")


def _cells(d: Diff) -> list[tuple[str, ...]]:
    rows = []
    for c in d.changes:
        cited = " -> ".join(
            f"{label} row {cite.row}" for label, cite in (("before", c.cite_before), ("after", c.cite_after)) if cite
        )
        rows.append((c.kind, c.number, c.name, c.before or "-", c.after or "-", c.date or "", cited))
    return rows


def _heading(d: Diff) -> list[str]:
    scope = "every human medicine" if d.all_medicines else "ATMPs"
    n = len(d.changes)
    return [
        f"before: EMA snapshot {d.before.date}, {d.before.file or d.before.source}",
        f"after:  EMA snapshot {d.after.date}, {d.after.file or d.after.source}",
        f"{n} change{'s' if n != 1 else ''} ({scope})",
    ]


def to_table(d: Diff) -> str:
    lines = _heading(d)
    rows = _cells(d)
    if rows:
        widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        lines.append("")
        for r in [COLUMNS, *rows]:
            lines.append("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


def _md(value: str) -> str:
    return value.replace("|", "\\|")


def to_markdown(d: Diff) -> str:
    head = _heading(d)
    lines = [f"## Changes from {d.before.date} to {d.after.date}", "", *(f"- {h}" for h in head), ""]
    rows = _cells(d)
    if rows:
        lines.append("| " + " | ".join(COLUMNS) + " |")
        lines.append("|" + "---|" * len(COLUMNS))
        lines += ["| " + " | ".join(_md(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def to_json(d: Diff) -> str:
    return json.dumps(d.as_dict(), indent=2, ensure_ascii=False)


def render(d: Diff, fmt: str) -> str:
    return {"table": to_table, "markdown": to_markdown, "json": to_json}[fmt](d)
