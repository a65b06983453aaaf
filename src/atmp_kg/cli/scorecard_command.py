"""The scorecard command."""

from __future__ import annotations

import os

import click

from ..errors import InputError
from .base import DATA_OPTION, as_of_day, cli, emit, graph, to_file


@cli.command()
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Show the field as it stood on this date (default: today).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json"]), default="markdown", show_default=True)
@click.option("-o", "--output", metavar="FILE|FOLDER",
              help="Write to FILE (atomically) instead of stdout; into an existing FOLDER, as scorecard.html "
                   "(.md, .json) with the product cards beside it under products/.")
@DATA_OPTION
@click.option("--endpoint", metavar="URL", help="Build from this SPARQL 1.1 query endpoint instead of the embedded graph.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds each query may take, on the embedded graph or an endpoint.")
def scorecard(as_of: str | None, fmt: str, output: str | None, data: tuple[str, ...], endpoint: str | None, timeout: float) -> None:
    """Render the sourced scorecard of ATMP translation in the EU."""
    from ..scorecard.render import render
    from ..scorecard.model import build_model, local_runner, remote_runner

    if endpoint and data:
        raise InputError("--data and --endpoint exclude each other: the endpoint holds its own data")
    day = as_of_day(as_of)
    folder = output if to_file(output) and os.path.isdir(output) else None
    if folder:
        output = os.path.join(folder, "scorecard." + {"markdown": "md"}.get(fmt, fmt))
    if to_file(output):
        from ..atomic import check_writable

        check_writable(output)  # fail before the work, not after it
    if endpoint:
        run = remote_runner(endpoint, timeout)
    else:
        run = local_runner(graph(data), timeout)
    model = build_model(run, day)
    # {product IRI: card page}: the card of every product the page names, written beside it
    cards: dict[str, str] = {}
    if folder:
        from ..atomic import write
        from ..cards import cards_for
        from ..scorecard.render import card_href

        cards = cards_for(run, model, day)
        os.makedirs(os.path.join(folder, "products"), exist_ok=True)
        for iri, card in cards.items():
            write(os.path.join(folder, card_href(iri)), card)
    emit(render(model, fmt, cards=cards if folder else None), output)


