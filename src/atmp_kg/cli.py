"""The atmp-kg command: a thin layer over the library.

Only click is imported at start-up; every command imports what it needs when it runs, so
that `atmp-kg --help` answers at once. Errors are mapped to messages and exit codes in one
place (main): 0 ok; 1 the graph does not conform or a check found problems; 2 usage or
input error; 3 endpoint or network fault; 4 an internal error (a bug: rerun with --debug).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

import click

from .errors import AtmpKgError, InputError

DATA_OPTION = click.option(
    "--data", "data", multiple=True, metavar="PATH",
    help="Turtle, N-Triples or JSON-LD files or folders to use instead of the shipped graph (repeatable).",
)


def _emit(text: str | Iterable[str], output: str | None) -> None:
    """Write a command's output (a string, or its pieces as they are made) to -o FILE
    atomically, or to stdout, ending it with a newline."""
    pieces = [text] if isinstance(text, str) else text
    if _to_file(output):
        from .atomic import write_chunks

        write_chunks(output, pieces)
        return
    out = click.get_text_stream("stdout")
    last = ""
    for piece in pieces:
        out.write(piece)
        last = piece or last
    if not last.endswith("\n"):
        out.write("\n")
    out.flush()


def _to_file(output: str | None) -> bool:
    return bool(output) and output != "-"


class _Group(click.Group):
    """Maps library errors to one line on stderr and their exit code, for every command."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except AtmpKgError as e:
            if _debug(ctx):
                raise
            click.echo(f"error: {e}", err=True)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # The reader went away (`atmp-kg export | head`): not an error, as in main().
            # stdout now points at /dev/null, so that the flush at exit does not raise again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception as e:  # a bug: one line unless --debug
            if _debug(ctx):
                raise
            click.echo(f"internal error: {type(e).__name__}: {e} (rerun with --debug for the traceback)", err=True)
            ctx.exit(4)


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.obj and ctx.obj.get("debug")) or "--debug" in sys.argv[1:2]


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback on errors (for bug reports).")
@click.version_option(package_name="atmp-kg")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """atmp-kg: a sourced knowledge graph of EU advanced therapy medicinal products.

    Every claim in the graph carries its source. Validate the graph, run its views,
    render the scorecard, and export it.
    """
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--show-warnings", is_flag=True, help="List warnings too (they do not make the graph fail).")
def validate(paths: tuple[str, ...], fmt: str, show_warnings: bool) -> None:
    """Check the graph (ontology + data) against the SHACL shapes.

    With no PATH, checks the shipped graph. Exit 0 when it conforms, 1 when it does not,
    2 when it could not run.
    """
    from .validate import validate as run

    report = run(list(paths) or None)
    click.echo(report.to_json() if fmt == "json" else report.to_text(show_warnings=show_warnings))
    if not report.conforms:
        sys.exit(1)


@cli.command("queries")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_queries(fmt: str) -> None:
    """List the views in queries/ with their parameters."""
    import json

    from .queries import catalog

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
    from .queries import bind, dataset_clause, parse_assignments, resolve
    from .run import run_query

    if endpoint and data:
        raise InputError("--data and --endpoint exclude each other: the endpoint holds its own data")
    v = resolve(view)
    text = bind(v, parse_assignments(params))
    if not endpoint and dataset_clause(text):
        click.echo("note: FROM / FROM NAMED select graphs of the embedded store; nothing is fetched", err=True)
    results = run_query(text, data=list(data) or None, endpoint=endpoint, timeout=timeout, where=str(v.path))
    rendered = {"table": results.to_table, "csv": results.to_csv, "json": results.to_json}[fmt]()
    _emit(rendered, output)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json-ld", "turtle", "nt"]), default="json-ld", show_default=True)
@DATA_OPTION
@click.option("--no-ontology", is_flag=True, help="Export the data only, without the ontology.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
def export(fmt: str, data: tuple[str, ...], no_ontology: bool, output: str | None) -> None:
    """Export the graph as JSON-LD 1.1 (inline context), Turtle or N-Triples."""
    from .export import iter_export
    from .graph import load_store

    if _to_file(output):
        from .atomic import check_writable

        check_writable(output)  # before the load, which may be slow
    store = load_store(list(data) or None, ontology=not no_ontology)
    _emit(iter_export(store, fmt), output)  # JSON-LD streams, node by node


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--check", is_flag=True, help="Only report files that are not in canonical form (exit 1).")
def fmt(paths: tuple[str, ...], check: bool) -> None:
    """Rewrite Turtle files in canonical form (sorted, fixed prefixes)."""
    from .canonical import canonical_files

    changed = canonical_files(list(paths), write=not check)
    for p in changed:
        click.echo(f"{'not canonical' if check else 'reformatted'}: {p}")
    if check and changed:
        sys.exit(1)


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

    from .render import render
    from .scorecard import build_model, local_runner, remote_runner

    if endpoint and data:
        raise InputError("--data and --endpoint exclude each other: the endpoint holds its own data")
    day = dt.date.today()
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise InputError(f"--as-of {as_of!r}: not a date; write YYYY-MM-DD") from None
    if _to_file(output):
        from .atomic import check_writable

        check_writable(output)  # fail before the work, not after it
    if endpoint:
        run = remote_runner(endpoint, timeout)
    else:
        from .graph import load_store

        run = local_runner(load_store(list(data) or None))
    _emit(render(build_model(run, day), fmt), output)


@cli.group("import")
def import_group() -> None:
    """Import data from external sources into canonical Turtle."""


@import_group.command("ema")
@click.argument("xlsx", metavar="FILE.xlsx")
@click.option("--generated-on", metavar="YYYY-MM-DD", help="The generation date, for a file whose stamp is missing.")
@click.option("--generation-basis", metavar="TEXT", help="How --generated-on was established (recorded on the source).")
@click.option("--all-medicines", is_flag=True, help="Import every human medicine, not only ATMPs.")
@click.option("--known-atmps", "known", multiple=True, metavar="PATH",
              help="Graph files or folders whose products count as ATMPs (default: the shipped graph).")
@click.option("--strict", is_flag=True, help="Fail on any row warning instead of skipping the cell or row.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
def import_ema(xlsx: str, generated_on: str | None, generation_basis: str | None, all_medicines: bool,
               known: tuple[str, ...], strict: bool, output: str | None) -> None:
    """Import one of EMA's medicine spreadsheets (either layout) as canonical Turtle."""
    from .importers.ema import import_file, known_atmp_numbers

    numbers = set() if all_medicines else known_atmp_numbers(list(known) or None)
    result = import_file(
        xlsx, generated_on=generated_on, generation_basis=generation_basis,
        all_medicines=all_medicines, known_atmps=numbers, strict=strict,
        progress=sys.stderr.isatty(),
    )
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    _emit(result.turtle, output)
    click.echo(f"imported {result.products} products from {result.rows} rows of {xlsx} "
               f"({result.layout}, generated {result.generated_on})", err=True)


@cli.command("rebuild-data")
@click.option("--check", is_flag=True, help="Do not write; exit 1 if the committed data differ from a rebuild.")
def rebuild_data(check: bool) -> None:
    """Rebuild data/ema-imports/ from the EMA snapshots in data/ema/ (see its manifest)."""
    from .rebuild import rebuild

    changed = rebuild(write=not check)
    for p in changed:
        click.echo(f"{'differs' if check else 'rewrote'}: {p}")
    if check and changed:
        sys.exit(1)
    if not changed:
        click.echo("data/ema-imports is up to date", err=True)


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

    from .endpoint import plan_push, push as run
    from .errors import NotConforming
    from .export import export as to_format
    from .graph import data_paths, load_store
    from .validate import validate_store

    plan = plan_push(store_url, graph=graph, query_endpoint=query_endpoint)  # before the slow validation
    files = data_paths(list(data) or None)
    store = load_store(files)
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
    from .serve import serve as run

    def announce(e) -> None:
        click.echo(f"SPARQL query endpoint: {e.query}")
        click.echo(f"Graph Store (read-only): {e.store}")
        click.echo(f"serving {e.triples} triples, read-only; Ctrl-C stops the server", err=True)

    sys.exit(run(list(data) or None, host=host, port=port, announce=announce,
                 note=lambda s: click.echo(s, err=True)))


def main() -> None:
    """Console entry point."""
    try:
        cli.main(prog_name="atmp-kg")
    except BrokenPipeError:  # `atmp-kg query ... | head` is not an error
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
