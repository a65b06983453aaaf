"""Work in a background thread while Python goes on: for pyoxigraph's native loads, which release
the GIL while they parse and insert (so they run beside Python code on another core)."""

from __future__ import annotations

from typing import Callable


class Job:
    """fn(*args) in a daemon thread, started at once; after=another Job runs first (jobs chained so
    are done in order, one at a time, and a failure stops the ones after it)."""

    def __init__(self, fn: Callable, *args, after: "Job | None" = None) -> None:
        import threading

        self._error: BaseException | None = None

        def run() -> None:
            try:
                if after is not None:
                    after.result()
                fn(*args)
            except BaseException as e:  # handed to whoever waits, in their thread
                self._error = e

        self._thread = threading.Thread(target=run, name="atmp-kg-background", daemon=True)
        self._thread.start()

    def wait(self) -> BaseException | None:
        """Wait for the job; what it raised, if anything."""
        self._thread.join()
        return self._error

    def result(self) -> None:
        """Wait for the job, and raise what it raised."""
        error = self.wait()
        if error is not None:
            raise error
