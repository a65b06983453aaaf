"""The EU-US lag chart: for each advanced therapy approved in both regions, the days from its US
licensure to its EU approval, as an inline SVG (matplotlib), from the rows of the eu-us view.

Drawn through scorecard.svg, like the chart per year: the same rows give the same bytes, and a
name with a dollar sign is never read as mathtext.
"""

from __future__ import annotations

US_FIRST = "#1b6ca8"
EU_FIRST = "#e07b39"
SAME_DAY = "#7a7a7a"


def lag_rows(rows: list[dict]) -> list[tuple[str, int]]:
    """(label, lag in days) for each row with a lag, shortest lag first; the label is the EU name,
    with the US name in brackets where it differs (Libmeldy [Lenmeldy])."""
    out = []
    for r in rows:
        lag = r.get("lagDays")
        if lag in (None, ""):
            continue
        eu, us = r.get("name") or "", r.get("usName") or ""
        label = eu or us
        if eu and us and us.casefold() != eu.casefold():
            label = f"{eu} [{us}]"
        out.append((label, int(lag)))
    return sorted(out, key=lambda x: (x[1], x[0]))


def lag_chart_svg(rows: list[dict], *, title: str | None = None) -> str:
    """The chart as an SVG string (from "<svg"), or "" when no row has a lag."""
    from .svg import drawing, svg_of

    data = lag_rows(rows)
    if not data:
        return ""
    labels = [label for label, _ in data]
    lags = [lag for _, lag in data]
    colours = [US_FIRST if d > 0 else EU_FIRST if d < 0 else SAME_DAY for d in lags]
    with drawing() as plt:
        fig, ax = plt.subplots(figsize=(8.5, max(2.4, 0.28 * len(data) + 1.2)), dpi=100)
        positions = list(range(len(data)))
        ax.barh(positions, lags, color=colours, height=0.7)
        ax.axvline(0, color="#333", linewidth=0.8)
        ax.set_yticks(positions, labels=labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("days from US licensure to EU approval (EU date minus US date)", fontsize=8)
        ax.set_title(title or "EU approval minus US licensure, in days (blue: the US came first; orange: the EU came first)",
                     fontsize=9)
        for y, d in zip(positions, lags):
            ax.annotate(f"{d:+d}" if d else "0", (d, y), xytext=(3 if d >= 0 else -3, 0), textcoords="offset points",
                        ha="left" if d >= 0 else "right", va="center", fontsize=7)
        ax.spines[["top", "right"]].set_visible(False)
        ax.margins(x=0.12)
        fig.tight_layout()
        return svg_of(fig, plt)
