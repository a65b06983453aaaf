"""Store generations: build one beside the one in use, then let the manifest switch to it.

A new generation starts as a RocksDB checkpoint of the current one (hard links: instant at any
size) when only data is added, or is built afresh from the shipped files and the snapshots'
Turtle when something is removed or the shipped graph changed. It is written only while its
name ends in .partial; the manifest names it only after it is complete and closed.
"""

from __future__ import annotations

import gc
import re
from pathlib import Path

from .layout import PARTIAL, Manifest, shipped_files

_NAME = re.compile(r"^store-(\d{4,})$")


def next_name(folder: Path) -> str:
    used = [int(m.group(1)) for p in folder.glob("store-*") if (m := _NAME.match(p.name.removesuffix(PARTIAL)))]
    return f"store-{max(used, default=0) + 1:04d}"


def checkpoint(folder: Path, current: str, name: str):
    """A writable copy of the current generation, at folder/name.partial."""
    import pyoxigraph as ox

    target = folder / (name + PARTIAL)
    source = ox.Store.read_only(str(folder / current))
    source.backup(str(target))
    del source
    return ox.Store(str(target))


def fresh(folder: Path, name: str, turtles: list[Path]):
    """A new generation holding the shipped graph and the given snapshot files."""
    import pyoxigraph as ox

    return _filled(ox.Store(str(folder / (name + PARTIAL))), turtles)


def in_memory(turtles: list[Path]):
    """What a generation holds before its derived layer, in memory: an update reads and checks
    this copy, because queries on the on-disk store ran 3 to 7 times slower (RocksDB reads)."""
    import pyoxigraph as ox

    return _filled(ox.Store(), turtles)


def _filled(store, turtles: list[Path]):
    from ..graph.files import load_into

    for f in shipped_files():
        load_into(store, f)
    for t in turtles:
        add_turtle(store, t)
    return store


def add_turtle(store, path: Path) -> None:
    """Load a snapshot's Turtle (written by atmp-kg itself) into the default graph."""
    import pyoxigraph as ox

    store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())


def close(store) -> None:
    """pyoxigraph closes a store when the last reference goes; make that happen now."""
    store.flush()
    del store
    gc.collect()


def finish(folder: Path, name: str) -> None:
    """Rename a complete, closed generation to its final name. It is opened and closed once
    more first: RocksDB deletes the write-ahead log of data already flushed to its tables only
    when it next opens the store, and that log was 64 MB of an 86 MB generation (a workspace
    of 161k triples)."""
    import pyoxigraph as ox

    partial = folder / (name + PARTIAL)
    close(ox.Store(str(partial)))
    partial.rename(folder / name)


def release(error: BaseException) -> None:
    """Close every store that the failed change still holds: the frames of the error's traceback
    keep their locals, and an open RocksDB store writes its files when it closes, so a
    generation removed while open comes back (a CURRENT and a MANIFEST) once it is collected."""
    import traceback

    traceback.clear_frames(error.__traceback__)
    gc.collect()


def discard(folder: Path, name: str) -> None:
    import shutil

    for p in (folder / (name + PARTIAL), folder / name):
        shutil.rmtree(p, ignore_errors=True)


def collect(folder: Path, manifest: Manifest, keep_previous: str | None) -> None:
    """Remove what no manifest names: older generations (the previous one stays, for a reader
    that opened it a moment ago), leftovers of interrupted changes, unused snapshot files."""
    import shutil

    keep = {manifest.store, keep_previous}
    for p in folder.glob("store-*"):
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
    used = {s.turtle for s in manifest.snapshots}
    snaps = folder / "snapshots"
    if snaps.is_dir():
        for p in snaps.iterdir():
            if f"snapshots/{p.name}" not in used:
                p.unlink(missing_ok=True)
    for p in folder.glob(f".*{PARTIAL}"):
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
