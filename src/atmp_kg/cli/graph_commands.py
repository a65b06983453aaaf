"""Commands on the graph itself: validate, fmt, export."""

from __future__ import annotations

import sys

import click

from .base import DATA_OPTION, cli, emit, graph, graph_files, to_file


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--show-warnings", is_flag=True, help="List warnings too (they do not make the graph fail).")
def validate(paths: tuple[str, ...], fmt: str, show_warnings: bool) -> None:
    """Check the graph (ontology + data) against the SHACL shapes.

    With no PATH, checks the shipped graph. Exit 0 when it conforms, 1 when it does not,
    2 when it could not run.
    """
    from ..graph.validate import validate_store

    report = validate_store(graph(paths), graph_files(paths))
    click.echo(report.to_json() if fmt == "json" else report.to_text(show_warnings=show_warnings))
    if not report.conforms:
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--check", is_flag=True, help="Only report files that are not in canonical form (exit 1).")
def fmt(paths: tuple[str, ...], check: bool) -> None:
    """Rewrite Turtle files in canonical form (sorted, fixed prefixes)."""
    from ..graph.canonical import canonical_files

    changed = canonical_files(list(paths), write=not check)
    for p in changed:
        click.echo(f"{'not canonical' if check else 'reformatted'}: {p}")
    if check and changed:
        sys.exit(1)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json-ld", "turtle", "nt"]), default="json-ld", show_default=True)
@DATA_OPTION
@click.option("--no-ontology", is_flag=True, help="Export the data only, without the ontology.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
def export(fmt: str, data: tuple[str, ...], no_ontology: bool, output: str | None) -> None:
    """Export the graph as JSON-LD 1.1 (inline context), Turtle or N-Triples."""
    from ..graph.export import iter_export
    if to_file(output):
        from ..atomic import check_writable

        check_writable(output)  # before the load, which may be slow
    store = graph(data, ontology=not no_ontology)
    emit(iter_export(store, fmt), output)  # JSON-LD streams, node by node


