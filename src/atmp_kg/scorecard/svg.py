"""Charts as inline SVG that the same rows always turn into the same bytes.

A fixed svg.hashsalt and no date in the metadata make the output deterministic; text stays text
(svg.fonttype none) and is drawn literally (text.parse_math off), so that a label from the graph
with a dollar sign is never read as mathtext.
"""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def drawing():
    """pyplot, with the settings above in force for the figures made inside."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"svg.hashsalt": "atmp-kg", "svg.fonttype": "none", "text.parse_math": False}):
        yield plt


def svg_of(fig, plt) -> str:
    """The figure as an SVG string (from "<svg"), closed afterwards."""
    import io

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "atmp-kg (matplotlib)"})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]
