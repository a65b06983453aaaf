"""Commands that list and run the views in queries/."""

from __future__ import annotations

import click

from ..errors import InputError
from .base import DATA_OPTION, cli, emit, graph


@cli.command("queries")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_queries(fmt: str) -> None:
    """List the views in queries/ with their parameters."""
    import json

    from ..views.catalog import catalog

    views = catalog()
    if fmt == "json":
        click.echo(json.dumps([v.as_dict() for v in views.values()], indent=2))
        return
    width = max((len(n) for n in views), default=4)
    for name, v in views.items():
        params = ", ".join(f"{p.name}:{p.type}" + (f"={p.default}" if p.default else " (required)") for p in v.params)
        click.echo(f"{name.ljust(width)}  {v.title}" + (f"  [{params}]" if params else ""))


@cli.command()
@click.argument("view", metavar="NAME|FILE.rq")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A view parameter (repeatable).")
@DATA_OPTION
@click.option("--endpoint", metavar="URL", help="Run on this SPARQL 1.1 query endpoint instead of the embedded graph.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds to wait for an endpoint.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
def query(view: str, params: tuple[str, ...], data: tuple[str, ...], endpoint: str | None,
          timeout: float, fmt: str, output: str | None) -> None:
    """Run a named view or a query file on the graph or an endpoint."""
    from ..views.catalog import bind, dataset_clause, parse_assignments, resolve
    from ..views.run import run_query

    if endpoint and data:
        raise InputError("--data and --endpoint exclude each other: the endpoint holds its own data")
    v = resolve(view)
    text = bind(v, parse_assignments(params))
    if not endpoint and dataset_clause(text):
        click.echo("note: FROM / FROM NAMED select graphs of the embedded store; nothing is fetched", err=True)
    results = run_query(text, endpoint=endpoint, timeout=timeout, where=str(v.path), store=None if endpoint else graph(data))
    rendered = {"table": results.to_table, "csv": results.to_csv, "json": results.to_json}[fmt]()
    emit(rendered, output)


