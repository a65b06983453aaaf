"""Renders a scorecard model (scorecard.build_model) as Markdown, HTML or JSON."""

from __future__ import annotations

import json
from collections import OrderedDict

FORMATS = ("markdown", "html", "json")


def render(model: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(model, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return to_markdown(model)
    if fmt == "html":
        return to_html(model)
    raise ValueError(f"unknown scorecard format {fmt!r}")


def compress(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> '1–3, 7'."""
    out: list[str] = []
    nums = sorted(set(numbers))
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}–{nums[j]}")
        i = j + 1
    return ", ".join(out)


def grouped(items: list[dict]) -> "OrderedDict[str | None, list[dict]]":
    groups: OrderedDict = OrderedDict()
    for it in items:
        groups.setdefault(it.get("group"), []).append(it)
    return groups


def _cell(value) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    if len(text) > 90:
        text = text[:89] + "…"
    return text.replace("|", "\\|")


# ---------------------------------------------------------------------- Markdown

def to_markdown(model: dict) -> str:
    lines = [f"# {model['title']}", ""]
    lines.append(f"As of **{model['as_of']}**, generated {model['generated']}. "
                 "Every line cites its sources; numbers in brackets refer to the reference list.")
    lines.append("")
    for sec in model["sections"]:
        lines.append(f"## {sec['title']}")
        lines.append("")
        if not sec["items"]:
            lines.append(f"_{sec['note']}_")
            lines.append("")
            continue
        tables = sec.get("tables", {})
        for group, items in grouped(sec["items"]).items():
            if group:
                lines.append(f"### {group}")
                lines.append("")
            if group in tables:
                cols = tables[group]
                lines.append("| " + " | ".join(cols + ["sources"]) + " |")
                lines.append("|" + "---|" * (len(cols) + 1))
                for it in items:
                    row = it.get("row", {})
                    lines.append("| " + " | ".join(_cell(row.get(c)) for c in cols) + f" | [{compress(it['citations'])}] |")
            else:
                for it in items:
                    lines.append(f"- {it['text']} [{compress(it['citations'])}]")
            lines.append("")
    lines.append("## References")
    lines.append("")
    for ref in model["references"]:
        lines.append(f"{ref['id']}. {_reference_text(ref, markdown=True)}")
    lines.append("")
    return "\n".join(lines)


def _reference_text(ref: dict, *, markdown: bool) -> str:
    parts = [ref["title"].rstrip(".") + "."]
    meta = ", ".join(p for p in (ref.get("publisher"), ref.get("date")) if p)
    if meta:
        parts.append(meta + ".")
    if ref.get("doi"):
        parts.append(f"https://doi.org/{ref['doi']}")
    elif ref.get("url"):
        parts.append(ref["url"])
    if ref.get("sha256"):
        parts.append(f"sha256 {ref['sha256'][:12]}…")
    parts.append(f"Locator: {ref['locator']}.")
    if ref.get("quote"):
        parts.append(f"“{ref['quote']}”")
    return " ".join(parts)


# ---------------------------------------------------------------------- HTML

def chart_svg(model: dict) -> str:
    """Authorisations (up) and ends of authorisation (down) per year and class, as inline SVG."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [it["row"] for s in model["sections"] for it in s["items"]
            if it.get("group") == "Authorisations and withdrawals per year" and it.get("row")]
    if not rows:
        return ""
    years = list(range(min(int(r["year"]) for r in rows), max(int(r["year"]) for r in rows) + 1))
    classes = sorted({r["class"] for r in rows})
    matplotlib.rcParams["svg.hashsalt"] = "atmp-kg"
    matplotlib.rcParams["svg.fonttype"] = "none"
    fig, ax = plt.subplots(figsize=(8.5, 3.6), dpi=100)
    palette = ["#1b6ca8", "#e07b39", "#3a9e5f", "#8e5fb2", "#b8b8b8", "#c44e52"]
    up = [0] * len(years)
    down = [0] * len(years)
    for k, cls in enumerate(classes):
        colour = palette[k % len(palette)]
        ups = [sum(int(r["products"]) for r in rows if r["class"] == cls and r["event"] == "authorisation" and int(r["year"]) == y) for y in years]
        downs = [-sum(int(r["products"]) for r in rows if r["class"] == cls and r["event"] != "authorisation" and int(r["year"]) == y) for y in years]
        ax.bar(years, ups, bottom=up, color=colour, label=cls, edgecolor="white", linewidth=0.5)
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
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "atmp-kg (matplotlib)"})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def to_html(model: dict) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("atmp_kg.scorecard", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["compress"] = compress
    template = env.get_template("scorecard.html.j2")
    return template.render(
        model=model,
        grouped=grouped,
        chart=chart_svg(model),
        cell=lambda v: " ".join(str(v).split()) if v is not None else "",
    )
