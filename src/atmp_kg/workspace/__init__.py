"""The user's workspace: added snapshots and a persistent store of the whole graph.

`open_graph(data, home)` is the one place that decides which graph a command reads:
exactly the files given (--data); else the workspace, when there is one (a pyoxigraph store
on disk, opened read-only in about 10 ms, never re-parsed); else the shipped graph.
See layout.py for the folder, update.py for the changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from .layout import locate

__all__ = ["open_graph", "graph_files", "locate"]


def _quiet(message: str) -> None:
    pass


def open_graph(data: Sequence[str | Path] | None = None, home: str | Path | None = None, *,
               note: Callable[[str], None] = _quiet):
    """A pyoxigraph Store holding the graph a command reads (ontology, data, derived layer)."""
    if data:
        from ..graph.store import load_store

        return load_store(list(data))
    from .layout import read_manifest

    folder = locate(home)
    manifest = read_manifest(folder)
    if manifest is None:
        from ..graph.store import load_store

        return load_store(None)
    from .update import ensure_current

    return ensure_current(folder, manifest, note=note)


def graph_files(data: Sequence[str | Path] | None = None, home: str | Path | None = None) -> list[Path]:
    """The data files behind open_graph's store (for reports that list them)."""
    from ..graph.store import data_paths

    if data:
        return data_paths(list(data))
    from .layout import read_manifest

    folder = locate(home)
    manifest = read_manifest(folder)
    files = data_paths(None)
    if manifest is not None:
        files += [folder / s.turtle for s in manifest.snapshots]
    return files
