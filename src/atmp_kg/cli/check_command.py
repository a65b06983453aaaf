"""The check command: claims against the graph's measures."""

from __future__ import annotations

import sys

import click

from .base import DATA_OPTION, cli, emit, graph, to_file


@cli.command()
@click.argument("claims_file", metavar="[CLAIMS.csv]", required=False)
@click.option("--graph", "graph_claims", is_flag=True, help="Check the findings the graph itself holds (the claims-vs-data view).")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json", "html"]), default="table", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
@DATA_OPTION
@click.option("--endpoint", metavar="URL", help="Check against this SPARQL 1.1 query endpoint instead of the embedded graph.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds to wait for an endpoint.")
def check(claims_file: str | None, graph_claims: bool, fmt: str, output: str | None, data: tuple[str, ...],
          endpoint: str | None, timeout: float) -> None:
    """Recompute stated figures with the graph's measures and give each a verdict.

    CLAIMS.csv has a header row and the columns id, claim, measure, params (name=value;...),
    as_of (YYYY-MM-DD), value, source, quote. A measure is a view whose header says
    'returns: number' (`atmp-kg queries` lists them). Exit 0 when every claim agrees, 1 when one
    differs or cannot be checked, 2 for a malformed file (one line per problem, naming row and
    column).
    """
    from ..claims.claimsfile import read_claims
    from ..claims.graph import graph_claims as from_graph
    from ..claims.report import render, summary
    from ..claims.verdicts import check as run_check
    from ..errors import InputError
    from ..views.run import ViewRunner

    if bool(claims_file) == graph_claims:
        raise InputError("give a claims file (CLAIMS.csv) or --graph, not both and not neither")
    if endpoint and data:
        raise InputError("--data and --endpoint exclude each other: the endpoint holds its own data")
    if to_file(output):
        from ..atomic import check_writable

        check_writable(output)
    if endpoint:
        run = ViewRunner.remote(endpoint, timeout)
    else:
        run = ViewRunner.local(graph(data), timeout)
    measures = {n: v for n, v in run.views.items() if v.is_measure}
    claims = from_graph(run) if graph_claims else read_claims(claims_file, measures)
    verdicts = run_check(claims, run)
    references = run.citations(sorted({c for v in verdicts for c in v.cites})) if fmt != "json" else None
    emit(render(verdicts, fmt, references), output)
    where = claims_file or "the graph's findings"
    malformed = [(c.row, p) for c in claims for p in c.problems]
    for row, problem in malformed:
        click.echo(f"error: {where}: row {row}, {problem}" if row else f"error: {where}: {problem}", err=True)
    if to_file(output):
        click.echo(summary(verdicts), err=True)
    if malformed:
        sys.exit(2)
    if any(v.verdict != "agrees" for v in verdicts):
        sys.exit(1)
