"""`atmp-kg diff`: what changed in the EU's ATMP landscape between two EMA snapshots.

A snapshot is named by its generation date (one the graph holds: shipped or in the
workspace) or by an EMA spreadsheet, imported on the fly. The rules are in rules.py; the rows
and events are read from the store(s) by snapshots.py; render.py writes the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .rules import Change, compare
from .snapshots import Row, SnapshotRef, known_atmps, list_snapshots, read_rows

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Side:
    ref: SnapshotRef
    rows: dict[str, Row]
    all_medicines: bool


@dataclass
class Diff:
    before: SnapshotRef
    after: SnapshotRef
    all_medicines: bool
    changes: list[Change] = field(default_factory=list)

    def as_dict(self) -> dict:
        def ref(r: SnapshotRef) -> dict:
            return {"date": r.date, "file": r.file, "source": r.source, "sha256": r.sha256}

        return {"from": ref(self.before), "to": ref(self.after),
                "scope": "all medicines" if self.all_medicines else "ATMPs",
                "changes": [c.as_dict() for c in self.changes]}


def snapshot_scopes(home=None) -> dict[str, bool]:
    """Source IRI -> whether the snapshot holds every medicine (workspace snapshots only; the
    shipped imports hold the ATMPs)."""
    from ..workspace.layout import locate, read_manifest

    manifest = read_manifest(locate(home))
    return {s.source: s.all_medicines for s in manifest.snapshots} if manifest else {}


def _from_file(path: Path, store, all_medicines: bool, progress: bool) -> Side:
    import pyoxigraph as ox

    from ..workspace.sources import EMA, detect, import_snapshot

    if not path.is_file():
        raise InputError(f"{path}: no such file, and not a snapshot date (YYYY-MM-DD)")
    if detect(path) != EMA:
        raise InputError(f"{path}: diff compares EMA snapshots; this is not an EMA spreadsheet")
    imported = import_snapshot(path, all_medicines=all_medicines, known_atmps=known_atmps(store), progress=progress)
    temp = ox.Store()
    temp.load(imported.turtle.encode("utf-8"), ox.RdfFormat.TURTLE)
    ref = next(r for r in list_snapshots(temp) if r.source == imported.source)
    return Side(ref=ref, rows=read_rows(temp, ref.source), all_medicines=all_medicines)


def resolve(spec: str, store, *, all_medicines: bool, scopes: dict[str, bool], progress: bool = False) -> Side:
    """A snapshot date or an EMA file, as the rows of that snapshot."""
    if not _DATE.match(spec):
        return _from_file(Path(spec), store, all_medicines, progress)
    held = list_snapshots(store)
    found = [r for r in held if r.date == spec]
    if not found:
        dates = ", ".join(sorted({r.date for r in held}))
        raise InputError(f"{spec}: no EMA snapshot generated on that date in the graph (it holds {dates}); "
                         "name a file instead, or add it with `atmp-kg update FILE`")
    if len(found) > 1:
        # Two files of one day: the one holding every medicine, else refuse to guess.
        complete = [r for r in found if scopes.get(r.source)]
        if len(complete) != 1:
            raise InputError(f"{spec}: {len(found)} snapshots were generated that day "
                             f"({', '.join(r.file for r in found)}); name the file instead")
        found = complete
    ref = found[0]
    complete = scopes.get(ref.source, False)
    if all_medicines and not complete:
        shipped = _shipped_file(ref)
        if shipped is None:
            raise InputError(f"{spec}: this snapshot holds the ATMPs only; for --all-medicines name its file, "
                             "or add it with `atmp-kg update FILE --all-medicines`")
        return _from_file(shipped, store, True, progress)
    return Side(ref=ref, rows=read_rows(store, ref.source), all_medicines=complete)


def _shipped_file(ref: SnapshotRef) -> Path | None:
    """The shipped spreadsheet behind a shipped snapshot, for an on-the-fly full import."""
    from .. import resources
    from ..workspace.layout import shipped_snapshots

    entry = shipped_snapshots().get(ref.sha256)
    if entry is None:
        return None
    path = resources.path("data") / "ema" / entry["file"]
    return path if path.is_file() else None


def diff(before: str, after: str, *, store, all_medicines: bool = False, home=None, progress: bool = False) -> Diff:
    """The changes from snapshot `before` to snapshot `after` (dates or files)."""
    scopes = snapshot_scopes(home)
    a = resolve(before, store, all_medicines=all_medicines, scopes=scopes, progress=progress)
    b = resolve(after, store, all_medicines=all_medicines, scopes=scopes, progress=progress)
    return between(a, b, store, all_medicines=all_medicines)


def between(a: Side, b: Side, store, *, all_medicines: bool) -> Diff:
    if all_medicines:
        scope = None
    else:
        # The ATMP set as the graph knows it, plus whatever either snapshot flags.
        scope = known_atmps(store) | {n for side in (a, b) for n, r in side.rows.items() if r.atmp}
    return Diff(before=a.ref, after=b.ref, all_medicines=all_medicines,
                changes=compare(a.rows, b.rows, scope, a.ref, b.ref))
