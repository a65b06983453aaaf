"""Commands that list, explain and run the views in queries/."""

from __future__ import annotations

import click

from ..errors import InputError
from .base import DATA_OPTION, cli, emit, graph


@cli.command("queries")
@click.argument("name", required=False, metavar="[NAME]")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_queries(name: str | None, fmt: str) -> None:
    """List the views in queries/, or explain one: its parameters and columns."""
    import json

    from ..views.catalog import catalog

    views = catalog()
    if name is not None:
        if name not in views:
            raise InputError(f"unknown view {name!r}; available: {', '.join(views)}")
        v = views[name]
        click.echo(json.dumps(v.as_dict(), indent=2) if fmt == "json" else _explain(v))
        return
    if fmt == "json":
        click.echo(json.dumps([v.as_dict() for v in views.values()], indent=2))
        return
    width = max((len(n) for n in views), default=4)
    for vname, v in views.items():
        params = ", ".join(f"{p.name}:{p.type}" + (f"={p.default}" if p.default else " (required)") for p in v.params)
        click.echo(f"{vname.ljust(width)}  {v.title}" + (f"  [{params}]" if params else ""))
    click.echo("\n`atmp-kg queries NAME` explains a view: its parameters and what each column holds.")


def _explain(v) -> str:
    """A view's title, description, parameters and columns, wrapped to the terminal."""
    import textwrap

    from ..views.catalog import projected_variables
    from ..views.table import terminal_width

    width = min(terminal_width(), 100)
    out = [f"{v.name}: {v.title}", ""]
    if v.description:
        out += textwrap.wrap(v.description, width=width, initial_indent="  ", subsequent_indent="  ") + [""]

    def listing(title: str, entries: list[tuple[str, str]]) -> None:
        out.append(title)
        key = max((len(k) for k, _ in entries), default=0)
        for k, text in entries:
            out.extend(textwrap.wrap(text or "-", width=width, initial_indent=f"  {k.ljust(key)}  ",
                                     subsequent_indent=" " * (key + 4)) or [f"  {k}"])
        out.append("")

    if v.params:
        listing("Parameters:", [(p.name, f"{p.type}, " + (f"default {p.default}" if p.default is not None else "required")
                                 + (f"; {p.description}" if p.description else "")) for p in v.params])
    else:
        out += ["Parameters: none", ""]
    columns = projected_variables(v.text) or list(v.columns)
    described = [(c, v.columns.get(c, "(not described in the view's header)")) for c in columns]
    described += [(c, d) for c, d in v.columns.items() if c not in columns]
    if described:
        listing("Columns:", described)
    example = " ".join(f"--param {p.name}=VALUE" for p in v.params if p.required)
    if v.combines:
        out += ["Combines the measures: " + ", ".join(v.combines), ""]
    out.append(f"Run it: atmp-kg query {v.name}{' ' + example if example else ''}")
    if v.aggregate:
        out.append(f"List what it counts: atmp-kg query {v.name} --members{' ' + example if example else ''}")
    return "\n".join(out)


class _QueryCommand(click.Command):
    """`query --help` ends with the views: their names and titles (read when help is asked)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from ..views.catalog import catalog

        try:
            views = catalog()
        except Exception:  # help must never fail; `atmp-kg queries` reports a broken header
            views = {}
        if views:
            with formatter.section("Views (atmp-kg queries NAME explains one)"):
                formatter.write_dl([(name, v.title + "".join(
                    f" [{p.name}{'' if p.required else '=' + str(p.default)}]" for p in v.params)) for name, v in views.items()])
        super().format_epilog(ctx, formatter)


@cli.command(cls=_QueryCommand)
@click.argument("view", metavar="NAME|FILE.rq")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A view parameter (repeatable, once per name).")
@DATA_OPTION
@click.option("--endpoint", metavar="URL", help="Run on this SPARQL 1.1 query endpoint instead of the embedded graph.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds the query may take, on the embedded graph or an endpoint.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--columns", "columns", metavar="A,B,C", help="Only these columns, in this order (every format).")
@click.option("--wide", is_flag=True, help="Table: every column and every cell whole, whatever the terminal's width.")
@click.option("--wrap", is_flag=True, help="Table: wrap long cells onto more lines instead of cutting them with '…'.")
@click.option("--csv-raw", "csv_raw", is_flag=True,
              help="CSV: cells exactly as in the graph, also those starting with = + - @ "
                   "(by default they get a leading ' so that a spreadsheet does not run them as formulas).")
@click.option("--members", is_flag=True,
              help="For a measure written as its members: list what it counts, one row each, with citations.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
def query(view: str, params: tuple[str, ...], data: tuple[str, ...], endpoint: str | None,
          timeout: float, fmt: str, columns: str | None, wide: bool, wrap: bool, csv_raw: bool,
          members: bool, output: str | None) -> None:
    """Run a named view or a query file on the graph or an endpoint.

    The table fits the terminal ($COLUMNS, else its width, else 100): products show their
    names, other IRIs their prefixed names, long cells end in '…' (--wrap or --wide shows
    them whole). CSV and JSON hold every value exactly as the graph has it.
    """
    from ..views.catalog import bind, dataset_clause, parse_assignments, resolve
    from ..views.hints import check_product_numbers
    from ..views.run import run_query

    if endpoint and data:
        raise InputError("--data and --endpoint exclude each other: the endpoint holds its own data")
    picked = _column_list(columns)
    v = resolve(view)
    values = parse_assignments(params)
    text = bind(v, values, members=members)
    if not endpoint and dataset_clause(text):
        click.echo("note: FROM / FROM NAMED select graphs of the embedded store; nothing is fetched", err=True)
    store = None if endpoint else graph(data)

    def execute(query_text: str, where: str = "query"):
        return run_query(query_text, endpoint=endpoint, timeout=timeout, where=where, store=store)

    check_product_numbers(v, values, execute)
    results = execute(text, str(v.path))
    if picked:
        results = results.select(picked)
    if fmt == "csv":
        rendered = results.to_csv(raw=csv_raw)
    elif fmt == "json":
        rendered = results.to_json()
    else:
        from ..views import labels, table

        rendered = table.render(results, labels=labels.lookup(results, execute), wide=wide, wrap=wrap)
    emit(rendered, output)


def _column_list(columns: str | None) -> list[str]:
    if columns is None:
        return []
    names = [c.strip() for c in columns.split(",")]
    if not all(names):
        raise InputError(f"--columns {columns!r}: write the column names separated by commas, e.g. --columns number,name")
    return names
