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
