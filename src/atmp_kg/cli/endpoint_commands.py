"""Commands that talk to SPARQL stores: push, serve."""

from __future__ import annotations

import sys

import click

from .base import DATA_OPTION, _home, cli, graph_files
from .base import graph as _graph  # push has a --graph option of its own


@cli.command()
@click.option("--store", "store_url", required=True, metavar="URL",
              help="Graph Store Protocol URL, e.g. http://localhost:7878/store (Oxigraph), http://localhost:3030/ds/data (Fuseki).")
@click.option("--graph", metavar="IRI", help="Replace this named graph instead of the default graph.")
@DATA_OPTION
@click.option("--query-endpoint", metavar="URL", help="The store's SPARQL query URL, for the triple count (derived for Oxigraph, Fuseki and Virtuoso).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=300.0, show_default=True, help="Seconds to wait for the store, per request.")
def push(store_url: str, graph: str | None, data: tuple[str, ...], query_endpoint: str | None, timeout: float) -> None:
    """Validate the graph, then replace a graph in a SPARQL store with it (one PUT).

    Credentials come from ATMP_KG_USER / ATMP_KG_PASSWORD or a netrc entry for the host.
    A graph that does not conform is not pushed (exit 1); a failed PUT leaves the old graph whole.
    """
    import shlex

    from ..endpoints.client import plan_push, push as run
    from ..errors import NotConforming
    from ..graph.export import export as to_format
    from ..graph.validate import validate_store

    plan = plan_push(store_url, graph=graph, query_endpoint=query_endpoint)  # before the slow validation
    store, files = _graph(data), graph_files(data)
    report = validate_store(store, files)
    if not report.conforms:
        raise NotConforming(
            f"the graph does not conform ({len(report.errors)} problem(s) on {len(report.by_focus())} node(s)); "
            f"nothing was pushed; run `atmp-kg validate{''.join(' ' + shlex.quote(d) for d in data)}` for the details"
        )
    body = to_format(store, "nt").encode("utf-8")
    result = run(plan, body, len(store), timeout=timeout)
    click.echo(f"pushed {result.sent} triples to {result.target} in {result.seconds:.2f} s; "
               f"the store now holds {result.held} triples in {'<' + graph + '>' if graph else 'the default graph'}")
    if result.held != result.sent:
        click.echo(f"warning: the store holds {result.held} triples there, not {result.sent} "
                   f"(counted through {result.query_endpoint}); see docs/endpoints.md", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True, help="Port (0 picks a free one).")
@DATA_OPTION
def serve(host: str, port: int, data: tuple[str, ...]) -> None:
    """Serve the graph read-only over SPARQL (needs atmp-kg[server]); Ctrl-C stops it."""
    from ..endpoints.serve import serve as run

    def announce(e) -> None:
        click.echo(f"SPARQL query endpoint: {e.query}")
        click.echo(f"Graph Store (read-only): {e.store}")
        click.echo(f"serving {e.triples} triples, read-only; Ctrl-C stops the server", err=True)

    sys.exit(run(list(data) or None, home=_home(), host=host, port=port, announce=announce,
                 note=lambda s: click.echo(s, err=True)))


