"""Importing external data: `import ema`, `import purple-book`, `rebuild-data`."""

from __future__ import annotations

import sys

import click

from .base import cli, emit


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
    from ..importers.ema import import_file, known_atmp_numbers

    numbers = set() if all_medicines else known_atmp_numbers(list(known) or None)
    result = import_file(
        xlsx, generated_on=generated_on, generation_basis=generation_basis,
        all_medicines=all_medicines, known_atmps=numbers, strict=strict,
        progress=sys.stderr.isatty(),
    )
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    emit(result.turtle, output)
    click.echo(f"imported {result.products} products from {result.rows} rows of {xlsx} "
               f"({result.layout}, generated {result.generated_on})", err=True)


@import_group.command("purple-book")
@click.argument("csv_file", metavar="FILE.csv")
@click.option("--edition", metavar="YYYY-MM-DD",
              help="The edition's date (default: the latest approval date in the file); two-digit years are read from it.")
@click.option("--all-biologics", is_flag=True, help="Import every licence, not only CBER's cell and gene therapies.")
@click.option("--strict", is_flag=True, help="Fail on any row warning instead of skipping the row.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
def import_purple_book(csv_file: str, edition: str | None, all_biologics: bool, strict: bool, output: str | None) -> None:
    """Import one of FDA's Purple Book data files (CSV) as canonical Turtle."""
    from ..importers.purple_book import import_file

    result = import_file(csv_file, edition=edition, all_biologics=all_biologics, strict=strict)
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    emit(result.turtle, output)
    click.echo(f"imported {result.licences} licences from {result.rows} rows of {csv_file} "
               f"(edition {result.edition})", err=True)


@cli.command("rebuild-data")
@click.option("--check", is_flag=True, help="Do not write; exit 1 if the committed data differ from a rebuild.")
def rebuild_data(check: bool) -> None:
    """Rebuild data/ema-imports/ and data/fda-imports/ from the snapshots in data/ema/ and data/fda/ (see their manifests)."""
    from ..importers.rebuild import rebuild

    changed = rebuild(write=not check)
    for p in changed:
        click.echo(f"{'differs' if check else 'rewrote'}: {p}")
    if check and changed:
        sys.exit(1)
    if not changed:
        click.echo("data/ema-imports and data/fda-imports are up to date", err=True)


