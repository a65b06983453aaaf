"""The validation an update must pass: the whole graph with the new snapshots conforms."""

from __future__ import annotations


def check(store, sources: list[str]) -> list:
    """The violations (not warnings) of the graph in `store`; empty when it conforms."""
    from ..graph.validate import validate_store

    report = validate_store(store)
    return report.errors
