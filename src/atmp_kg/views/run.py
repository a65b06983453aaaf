"""One entry point for running bound query text, on the embedded graph or an endpoint."""

from __future__ import annotations

from typing import Sequence

from .results import Results


def run_query(text: str, *, data: Sequence[str] | None = None, endpoint: str | None = None,
              timeout: float = 60.0, where: str = "query", store=None) -> Results:
    """Run bound query text on the embedded graph (the shipped one, --data, or store) or on
    an endpoint; either way, GROUP_CONCAT lists come back sorted, so the rows are the same."""
    from .catalog import list_columns

    if endpoint:
        from ..endpoints.client import run_remote

        results = run_remote(endpoint, text, timeout=timeout, where=where)
    else:
        from .engine import run_local

        if store is None:
            from ..graph.store import load_store

            store = load_store(data)
        results = run_local(store, text, where=where, timeout=timeout)
    return results.with_sorted_lists(list_columns(text))


class ViewRunner:
    """Runs views by name, with parameters, on one graph or endpoint; identical query texts run
    once (the scorecard's sections share views). Used by the scorecard and the claims checker."""

    def __init__(self, execute) -> None:
        from .catalog import catalog

        self._execute = execute      # (text, where) -> Results
        self.views = catalog()
        self._cache: dict[str, Results] = {}
        self.endpoint: str | None = None  # set for an endpoint: bad answers are then the endpoint's fault
        self.last_view = ""

    @classmethod
    def local(cls, store, timeout: float = 60.0) -> "ViewRunner":
        return cls(lambda text, where: run_query(text, store=store, timeout=timeout, where=where))

    @classmethod
    def remote(cls, endpoint: str, timeout: float) -> "ViewRunner":
        from ..endpoints.client import tag_rows

        # rows from an endpoint name the view they came from when a value a caller needs is missing
        runner = cls(lambda text, where: tag_rows(run_query(text, endpoint=endpoint, timeout=timeout, where=where),
                                                  endpoint, where))
        runner.endpoint = endpoint
        return runner

    def __call__(self, name: str, params: dict, *, members: bool = False) -> Results:
        from .catalog import bind, with_values

        self.last_view = name
        view = self.views[name]
        params = dict(params)
        values = params.pop("__values__", None)
        text = bind(view, params, members=members)
        if values is not None:
            text = with_values(text, "citation", values)
        if text not in self._cache:
            self._cache[text] = self._execute(text, str(view.path))
        return self._cache[text]

    def execute(self, text: str, where: str = "query") -> Results:
        """Run bound query text that is no view (the product-name lookup) on the same graph."""
        return self._execute(text, where)

    def citations(self, iris: list[str]) -> dict[str, dict]:
        """Citation IRI -> its row of the citations view (locator, quote, source title, ...)."""
        out: dict[str, dict] = {}
        for i in range(0, len(iris), 300):
            for r in self("citations", {"__values__": iris[i:i + 300]}).records():
                out.setdefault(r["citation"], r)
        return out
