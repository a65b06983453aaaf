"""Keeping up with EMA: `update`, `diff` and `workspace`."""

from __future__ import annotations

import sys

import click

from .base import _home, cli, emit, graph, to_file

FORMATS = click.Choice(["table", "markdown", "json"])


def _note(message: str) -> None:
    click.echo(message, err=True)


@cli.command()
@click.argument("files", nargs=-1, metavar="[FILE]...")
@click.option("--from-url", "url", metavar="URL",
              help="Download the snapshot from URL (default, with no FILE: EMA's current medicines spreadsheet).")
@click.option("--all-medicines", is_flag=True, help="Import every human medicine, not only ATMPs.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds to wait for the download server, per read.")
@click.option("--generated-on", metavar="YYYY-MM-DD", help="The generation date of a file without EMA's stamp (one file only).")
@click.option("--generation-basis", metavar="TEXT", help="How --generated-on was established (recorded on the source).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help="How to print the changes.")
def update(files: tuple[str, ...], url: str | None, all_medicines: bool, timeout: float, generated_on: str | None,
           generation_basis: str | None, fmt: str) -> None:
    """Add EMA spreadsheets or Purple Book CSV files (or EMA's current download) to the workspace.

    Each file is imported, the graph with it must validate, and then it is added, all or
    nothing; the changes since the latest snapshot held before are printed.
    """
    from ..diff.render import render
    from ..workspace.fetch import DEFAULT_URL
    from ..workspace.update import update as run

    if not files and not url:
        url = DEFAULT_URL
    if generated_on and len(files) + bool(url) != 1:
        raise click.UsageError("--generated-on dates one file; give exactly one FILE (or --from-url)")
    if generation_basis and not generated_on:
        raise click.UsageError("--generation-basis says how --generated-on was established; give --generated-on too")
    report = run(list(files), url=url, all_medicines=all_medicines, home=_home(), timeout=timeout,
                 progress=sys.stderr.isatty(), note=_note, generated_on=generated_on,
                 generation_basis=generation_basis)
    for w in report.warnings:
        _note(f"warning: {w}")
    for line in report.skipped:
        _note(line)
    if not report.added:
        return
    for s in report.added:
        scope = "every medicine" if s.all_medicines else "ATMPs"
        _note(f"added {s.file} (EMA snapshot of {s.generated_on}, {s.products} products, {scope})" if s.kind == "ema"
              else f"added {s.file} ({s.kind} of {s.generated_on}, {s.products} products)")
    _note(f"workspace {report.folder}: {report.triples} triples ({report.derived} derived)")
    if report.diff_note:
        _note(f"note: {report.diff_note}")
    if report.diff is not None:
        emit(render(report.diff, fmt), None)


@cli.command()
@click.argument("before", metavar="FROM")
@click.argument("after", metavar="TO")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--all-medicines", is_flag=True, help="Every human medicine, not only ATMPs.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
def diff(before: str, after: str, fmt: str, all_medicines: bool, output: str | None) -> None:
    """What changed between two EMA snapshots, each a date (YYYY-MM-DD) or an EMA file.

    New authorisations, opinions, refusals and withdrawn applications, conversions to a
    standard authorisation, withdrawals, expiries and suspensions, holder changes, renames and
    changed flags, each with the rows it was read from.
    """
    from ..diff import diff as run
    from ..diff.render import render

    if to_file(output):
        from ..atomic import check_writable

        check_writable(output)
    result = run(before, after, store=graph(), all_medicines=all_medicines, home=_home(), progress=sys.stderr.isatty())
    emit(render(result, fmt), output)


@cli.command("workspace")
@click.option("--remove", "remove", metavar="DATE|FILE|SHA256", help="Remove one added snapshot (the store is rebuilt without it).")
@click.option("--reset", is_flag=True, help="Delete the workspace: commands then read the shipped graph.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def workspace(remove: str | None, reset: bool, fmt: str) -> None:
    """Show what the workspace holds; remove a snapshot, or reset it."""
    import json

    from ..workspace import status
    from ..workspace import update as ops

    if remove and reset:
        raise click.UsageError("--remove and --reset exclude each other")
    if reset:
        gone = ops.reset(home=_home())
        _note(f"workspace {status.folder(_home())} deleted" if gone else f"no workspace at {status.folder(_home())}; nothing to reset")
        return
    if remove:
        s = ops.remove(remove, home=_home(), note=_note)
        _note(f"removed {s.file} (snapshot of {s.generated_on})")
    info = status.describe(_home())
    click.echo(json.dumps(info, indent=2, ensure_ascii=False) if fmt == "json" else status.to_text(info))
