"""Runs SPARQL on the embedded engine (a pyoxigraph Store) and normalises the results.

Every query first passes guard.check (size, nesting, SERVICE). It is then evaluated in a
worker thread with a large stack, while the calling thread waits: pyoxigraph releases the GIL
while it evaluates, so Ctrl-C and the timeout are seen at once, and the worker is abandoned
(a daemon thread: it ends with the process, which the CLI ends right away).
"""

from __future__ import annotations

import os
import re
import threading

from ..errors import InputError
from . import guard
from .results import Results, term_to_json

DEFAULT_TIMEOUT = 60.0
# Oxigraph recurses over the query; the thread that runs it gets a stack this large (only the
# pages it touches are allocated). See guard.py for what was measured.
WORKER_STACK = 1 << 30
_stack_lock = threading.Lock()


def syntax_error_message(e: SyntaxError, where: str) -> str:
    """A pyoxigraph query syntax error as 'WHERE: line L, column C: message'."""
    msg = str(e)
    m = re.search(r"error at ([0-9]+):([0-9]+)", msg)
    if m:
        return f"{where}: SPARQL syntax error at line {m.group(1)}, column {m.group(2)}: {msg.splitlines()[0]}"
    return f"{where}: SPARQL syntax error: {msg.splitlines()[0]}"


def run_local(store, text: str, *, where: str = "query", timeout: float | None = DEFAULT_TIMEOUT) -> Results:
    """Run a read-only query on a Store; ASK gives a boolean, CONSTRUCT/DESCRIBE triples.
    A query still running after `timeout` seconds is given up (InputError)."""
    suspects = guard.check(text, where)
    return in_worker(lambda: _evaluate(store, text, where, suspects), timeout, where)


def _syntax_error(e: SyntaxError, text: str, where: str) -> InputError:
    """The one-line error for a text Oxigraph's query parser refused. The form is looked at only
    here: Store.query never runs an update, so an update always lands here, and is named as one.
    (Finding the form of every query first cost 0.03-0.25 ms, up to a tenth of a small view.)"""
    from .catalog import query_form

    query_form(text)  # raises "only read-only queries ..." for an update
    return InputError(syntax_error_message(e, where))


class _Worker:
    """A daemon thread with a large stack that runs the jobs put to it, one at a time. Workers
    are reused: starting a thread with a 1 GiB stack was measured at 0.1-0.36 ms, against
    0.03 ms for handing a job to an idle worker; a small view takes 0.3 ms."""

    def __init__(self) -> None:
        import queue

        self.jobs: "queue.SimpleQueue" = queue.SimpleQueue()
        with _stack_lock:  # the stack size is process-wide: set it only for this thread's creation
            old = threading.stack_size()
            try:
                threading.stack_size(WORKER_STACK)
            except (ValueError, RuntimeError):  # a platform without it keeps its default
                pass
            try:
                threading.Thread(target=self._loop, name="atmp-kg-query", daemon=True).start()
            finally:
                threading.stack_size(old)

    def _loop(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:  # more workers idle than are kept: this one ends
                return
            work, box, done = job
            try:
                box["value"] = work()
            except BaseException as e:  # handed to the waiting thread
                box["error"] = e
            finally:
                done.set()
            del job, work, box, done  # an idle worker holds no result


_idle: list[_Worker] = []  # workers whose last job finished
MAX_IDLE = 4  # kept for reuse; `serve` answers requests in parallel, the CLI uses one
_idle_lock = threading.Lock()


def _forget_workers() -> None:
    _idle.clear()  # a forked child has none of its parent's threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers)


def in_worker(work, timeout: float | None, where: str):
    """work() in a worker thread with a large stack; its result, or its exception re-raised.
    KeyboardInterrupt in the waiting thread and the timeout abandon the worker (it is never
    given another job, and ends with the process)."""
    with _idle_lock:
        worker = _idle.pop() if _idle else None
    if worker is None:
        worker = _Worker()
    box: dict = {}
    done = threading.Event()
    worker.jobs.put((work, box, done))
    if not done.wait(timeout):
        raise InputError(f"{where}: no result within --timeout {timeout:g} s on the embedded graph; the query was given up")
    with _idle_lock:
        keep = len(_idle) < MAX_IDLE
        if keep:
            _idle.append(worker)
    if not keep:
        worker.jobs.put(None)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _rule_out_service(text: str, where: str, suspects: list[int]) -> None:
    """The scanner flags SERVICE wherever it may be the keyword. Oxigraph's own parser rules
    the false alarms out: the query with every "service" replaced by a same-length non-keyword
    is parsed (on an empty store, so nothing is evaluated on data and nothing is fetched); if
    it fails to parse at one of the replaced places, that place was the SERVICE keyword."""
    import pyoxigraph as ox

    disarmed = guard.SERVICE_LETTERS.sub("zzzzzzz", text)
    try:
        ox.Store().query(disarmed)
    except SyntaxError as e:
        m = re.search(r"error at ([0-9]+):([0-9]+)", str(e))
        at = None
        if m:
            off = guard.offset(text, int(m.group(1)), int(m.group(2)))
            for p in suspects:  # the parser stops at the replaced word or shortly after it
                if p <= off <= p + 200:
                    at = p
        if at is None:  # a syntax error elsewhere: the places are the same in both texts
            raise _syntax_error(e, text, where) from None
        raise InputError(guard.service_message(where, text, at)) from None


def _evaluate(store, text: str, where: str, suspects: list[int]) -> Results:
    import pyoxigraph as ox

    if suspects:
        _rule_out_service(text, where, suspects)
    try:
        answer = store.query(text)
    except SyntaxError as e:
        raise _syntax_error(e, text, where) from None
    except OSError as e:
        raise InputError(f"{where}: query failed: {e}") from None
    if isinstance(answer, ox.QueryBoolean):
        return Results(variables=[], boolean=bool(answer))
    if isinstance(answer, ox.QueryTriples):  # CONSTRUCT or DESCRIBE
        rows = [
            {"subject": term_to_json(t.subject), "predicate": term_to_json(t.predicate), "object": term_to_json(t.object)}
            for t in answer
        ]
        return Results(variables=["subject", "predicate", "object"], rows=rows)
    variables = [v.value for v in answer.variables]
    rows = []
    append = rows.append
    named, literal = ox.NamedNode, ox.Literal
    string = "http://www.w3.org/2001/XMLSchema#string"
    # The hot loop of every view. A term seen before in this result reuses its converted
    # form (sources, dates and types repeat down a column: citations on the EMA history took
    # 1.23 s with a new dict per cell, 0.99 s so, against 0.82 s for the bare iteration), so
    # rows share term dicts and are read-only. New terms are converted inline in the common
    # cases and through term_to_json otherwise; a solution iterates its values in variable order.
    seen: dict = {}
    known = seen.get
    for sol in answer:
        row = {}
        for v, t in zip(variables, sol):
            if t is None:
                continue
            j = known(t)
            if j is None:
                kind = type(t)
                if kind is named:
                    j = {"type": "uri", "value": t.value}
                elif kind is literal and not t.language:
                    dtype = t.datatype.value
                    j = ({"type": "literal", "value": t.value} if dtype == string
                         else {"type": "literal", "value": t.value, "datatype": dtype})
                else:
                    j = term_to_json(t)
                seen[t] = j
            row[v] = j
        append(row)
    return Results(variables=variables, rows=rows)
