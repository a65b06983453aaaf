"""The product command: one product's card."""

from __future__ import annotations

import click

from ..errors import InputError
from .base import DATA_OPTION, as_of_day, cli, emit, graph, to_file


@cli.command()
@click.argument("product", metavar="NAME|NUMBER")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Show the product as it stood on this date (default: today).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "html"]), default="text", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
@DATA_OPTION
@click.option("--endpoint", metavar="URL", help="Read from this SPARQL 1.1 query endpoint instead of the embedded graph.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds each query may take.")
def product(product: str, as_of: str | None, fmt: str, output: str | None, data: tuple[str, ...],
            endpoint: str | None, timeout: float) -> None:
    """Everything the graph holds on one product, as a card: its status, holder and name over
    time, every regulatory action, the EU-US link, designations, conflicts and deprecations,
    challenge statements, each with its sources.

    NAME|NUMBER is the EMA product number (EMEA/H/C/004090, or just 004090) or any of the
    product's names, in any case (Kymriah, kymriah)."""
    from ..cards.model import build_card, resolve_number
    from ..cards.render import render
    from ..scorecard.model import local_runner, remote_runner
    from ..views.table import terminal_width

    if endpoint and data:
        raise InputError("--data and --endpoint exclude each other: the endpoint holds its own data")
    day = as_of_day(as_of)
    if to_file(output):
        from ..atomic import check_writable

        check_writable(output)
    run = remote_runner(endpoint, timeout) if endpoint else local_runner(graph(data), timeout)
    card = build_card(run, resolve_number(run, product), day)
    emit(render(card, fmt, width=terminal_width()), output)
