"""The user's workspace: added snapshots and a persistent store of the whole graph.

`open_graph(data, home)` is the one place that decides which graph a command reads:
exactly the files given (--data); else the workspace, when there is one (a pyoxigraph store
on disk, opened read-only in about 10 ms, never re-parsed); else the shipped graph.
See layout.py for the folder, reading.py for opening it, update.py for the changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from .layout import locate, quiet

__all__ = ["open_graph", "graph_files", "locate"]


def open_graph(data: Sequence[str | Path] | None = None, home: str | Path | None = None, *,
               ontology: bool = True, note: Callable[[str], None] = quiet):
    """A pyoxigraph Store holding the graph a command reads (ontology, data, derived layer);
    ontology=False leaves the ontology's triples out."""
    if data:
        from ..graph.store import load_store

        return load_store(list(data), ontology=ontology)
    from .layout import read_manifest

    folder = locate(home)
    manifest = read_manifest(folder)
    if manifest is None:
        from ..graph.store import load_store

        return load_store(None, ontology=ontology)
    from .reading import ensure_current

    store = ensure_current(folder, manifest, note=note)
    return store if ontology else _without_ontology(store)


def _without_ontology(store):
    """An in-memory copy of a workspace store minus the ontology's triples (rarely wanted:
    `export --no-ontology`; the workspace store itself is never written by a reader)."""
    import pyoxigraph as ox

    from .. import resources
    from ..graph.files import parse_quads

    onto = {(q.subject, q.predicate, q.object) for f in resources.ontology_files() for q in parse_quads(f)}
    copy = ox.Store()
    copy.extend(q for q in store if (q.subject, q.predicate, q.object) not in onto)
    return copy


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
