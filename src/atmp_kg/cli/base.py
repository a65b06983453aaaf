"""The atmp-kg command: a thin layer over the library.

Only click is imported at start-up; every command imports what it needs when it runs, so
that `atmp-kg --help` answers at once. Errors are mapped to messages and exit codes in one
place (main): 0 ok; 1 the graph does not conform or a check found problems; 2 usage or
input error; 3 endpoint or network fault; 4 an internal error (a bug: rerun with --debug).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable

import click

from ..errors import AtmpKgError, InputError
from ..lazy_re import LazyPattern

DATA_OPTION = click.option(
    "--data", "data", multiple=True, metavar="PATH",
    help="Turtle, N-Triples or JSON-LD files or folders to use instead of the shipped graph (repeatable).",
)


def emit(text: str | Iterable[str], output: str | None) -> None:
    """Write a command's output (a string, or its pieces as they are made) to -o FILE
    atomically, or to stdout, ending it with a newline."""
    pieces = [text] if isinstance(text, str) else text
    if to_file(output):
        from ..atomic import write_chunks

        write_chunks(output, pieces)
        return
    # sys.stdout as it is now (click's runner swaps it in tests); click.echo would strip
    # ANSI codes from exported data, and click.get_text_stream is deprecated since click 8.5.
    out = sys.stdout
    last = ""
    for piece in pieces:
        out.write(piece)
        last = piece or last
    if not last.endswith("\n"):
        out.write("\n")
    out.flush()


def as_of_day(as_of: str | None):
    """--as-of as a date (today when not given); InputError unless it is YYYY-MM-DD."""
    import datetime as dt

    if not as_of:
        return dt.date.today()
    try:  # fromisoformat alone also takes 20200101 and week dates (2020-W01-1)
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", as_of):
            raise ValueError(as_of)
        return dt.date.fromisoformat(as_of)
    except ValueError:
        raise InputError(f"--as-of {as_of!r}: not a date; write YYYY-MM-DD") from None


def to_file(output: str | None) -> bool:
    return bool(output) and output != "-"


MAX_ERROR = 600  # characters of one error line; a longer message is clipped in the middle
# C0/C1 controls and DEL, and the Unicode controls that reorder or hide text on a terminal.
_CONTROLS = LazyPattern("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def one_line(text: str, limit: int = MAX_ERROR) -> str:
    """A message made safe for one line of a terminal: white space controls become spaces,
    other control characters are shown escaped (\\x1b), and the line is clipped to `limit`
    characters by cutting out its middle."""
    text = _CONTROLS.sub(lambda m: " " if m.group() in "\t\n\r\x0b\x0c" else f"\\x{ord(m.group()):02x}"
                         if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", str(text))
    if len(text) <= limit:
        return text
    # The head says where, the tail what to do: a message is cut in the middle.
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


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
            click.echo(one_line(f"error: {e}"), err=True)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM/SIGHUP while an output was written
            signum = getattr(e, "signum", 2)
            click.echo("interrupted" if signum == 2 else f"stopped by signal {signum}", err=True)
            ctx.exit(128 + signum)
        except BrokenPipeError:
            # The reader went away (`atmp-kg export | head`): not an error, as in main().
            # stdout now points at /dev/null, so that the flush at exit does not raise again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception as e:  # a bug: one line unless --debug
            if _debug(ctx):
                raise
            click.echo(one_line(f"internal error: {type(e).__name__}: {e}", MAX_ERROR - 40)
                       + " (rerun with --debug for the traceback)", err=True)
            ctx.exit(4)


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.obj and ctx.obj.get("debug")) or "--debug" in sys.argv[1:2]


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback on errors (for bug reports).")
@click.option("--home", metavar="DIR", envvar="ATMP_KG_HOME",
              help="The workspace folder (default: $ATMP_KG_HOME, else your data folder).")
@click.version_option(package_name="atmp-kg")
@click.pass_context
def cli(ctx: click.Context, debug: bool, home: str | None) -> None:
    """atmp-kg: a sourced knowledge graph of EU advanced therapy medicinal products.

    Every claim in the graph carries its source. Validate the graph, run its views,
    render the scorecard, and export it.
    """
    ctx.obj = {"debug": debug, "home": home}


def graph(data=(), *, ontology: bool = True):
    """The store a command reads: exactly --data, else the workspace, else the shipped graph."""
    from ..workspace import open_graph

    return open_graph(list(data) or None, _home(), ontology=ontology, note=lambda s: click.echo(s, err=True))


def graph_files(data=()):
    """The data files behind graph(data), for reports that list them."""
    from ..workspace import graph_files as files

    return files(list(data) or None, _home())


def _home() -> str | None:
    ctx = click.get_current_context(silent=True)
    return ctx.find_root().obj.get("home") if ctx and ctx.find_root().obj else None


def main() -> None:
    """Run the CLI on sys.argv; ends with SystemExit, as click does (for callers in Python)."""
    try:
        cli.main(prog_name="atmp-kg")
    except BrokenPipeError:  # `atmp-kg query ... | head` is not an error
        sys.stderr.close()
        sys.exit(0)


def program() -> None:
    """The `atmp-kg` program (and `python -m atmp_kg`): main(), then the process ends at once."""
    try:
        main()
        code = 0
    except SystemExit as e:  # how click ends every command
        code = e.code
    _exit(code)


def _exit(code) -> None:
    """End the process with the command's exit status, without the interpreter's teardown
    (only the program does this: main() in someone's Python session must not end it).

    Tearing down took about 20 ms of a 95 ms `atmp-kg query` (closing the store, the
    query worker, a few hundred modules). Nothing of atmp-kg waits for it: every file is
    written and closed before a command returns (atomic.py), every clean-up is in a
    `finally` that has run by now, and no atexit handler is registered. What the
    interpreter would still do, flushing stdout and stderr, is done here."""
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): the message, and 1
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader went away; the stream was closed
            pass
        except OSError:
            code = code or 120  # as Python reports an output it could not flush
    os._exit(code)
