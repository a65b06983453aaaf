"""One entry point for running bound query text, on the embedded graph or an endpoint."""

from __future__ import annotations

from typing import Sequence

from .results import Results


def run_query(text: str, *, data: Sequence[str] | None = None, endpoint: str | None = None,
              timeout: float = 60.0, where: str = "query", store=None) -> Results:
    if endpoint:
        from .endpoint import run_remote

        return run_remote(endpoint, text, timeout=timeout, where=where)
    from .engine import run_local

    if store is None:
        from .graph import load_store

        store = load_store(data)
    return run_local(store, text, where=where)
