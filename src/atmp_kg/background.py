"""Work in a background thread while Python goes on: for pyoxigraph's native loads, which release
the GIL while they parse and insert (so they run beside Python code on another core)."""

from __future__ import annotations

from typing import Callable


class Cancelled(Exception):
    """The job was cancelled before it started its work."""


class Job:
    """fn(*args) in a daemon thread, started at once; after=another Job runs first (jobs chained so
    are done in order, one at a time, and a failure stops the ones after it). result() gives
    what fn returned."""

    def __init__(self, fn: Callable, *args, after: "Job | None" = None) -> None:
        import threading

        self._error: BaseException | None = None
        self._value = None
        self._cancelled = threading.Event()
        # waited on instead of the thread: a join that Ctrl-C interrupts leaves the thread looking
        # finished to the next join (CPython 3.11), while it still runs
        self._done = threading.Event()

        def run() -> None:
            try:
                if after is not None:
                    after.result()
                if self._cancelled.is_set():
                    raise Cancelled()
                self._value = fn(*args)
            except BaseException as e:  # handed to whoever waits, in their thread
                self._error = e
            finally:
                self._done.set()

        self._thread = threading.Thread(target=run, name="atmp-kg-background", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """The job does nothing if it has not started its work yet."""
        self._cancelled.set()

    def wait(self) -> BaseException | None:
        """Wait for the job, even through Ctrl-C (raised once it has ended, so that nothing is left
        writing into a store its caller is about to close or delete); what it raised, if anything."""
        interrupted = None
        while True:
            try:
                self._done.wait()
                break
            except KeyboardInterrupt as e:
                interrupted = e
        if interrupted is not None:
            raise interrupted
        return self._error

    def result(self):
        """Wait for the job; what fn returned, or raise what it raised."""
        error = self.wait()
        if error is not None:
            raise error
        return self._value
