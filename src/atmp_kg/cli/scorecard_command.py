"""The scorecard command."""

from __future__ import annotations

import click

from ..errors import InputError
from .base import DATA_OPTION, cli, emit, graph, to_file


@cli.command()
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Show the field as it stood on this date (default: today).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json"]), default="markdown", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
@DATA_OPTION
@click.option("--endpoint", metavar="URL", help="Build from this SPARQL 1.1 query endpoint instead of the embedded graph.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds to wait for an endpoint.")
def scorecard(as_of: str | None, fmt: str, output: str | None, data: tuple[str, ...], endpoint: str | None, timeout: float) -> None:
    """Render the sourced scorecard of ATMP translation in the EU."""
    import datetime as dt

    from ..scorecard.render import render
    from ..scorecard.model import build_model, local_runner, remote_runner

    if endpoint and data:
        raise InputError("--data and --endpoint exclude each other: the endpoint holds its own data")
    day = dt.date.today()
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise InputError(f"--as-of {as_of!r}: not a date; write YYYY-MM-DD") from None
    if to_file(output):
        from ..atomic import check_writable

        check_writable(output)  # fail before the work, not after it
    if endpoint:
        run = remote_runner(endpoint, timeout)
    else:
        run = local_runner(graph(data))
    emit(render(build_model(run, day), fmt), output)


