"""Changes to a workspace, each all or nothing: add snapshots, remove one, rebuild, reset.

Every change works on a new store generation and new files beside the current ones and
commits by replacing manifest.json (one rename). Until then nothing the workspace holds is
touched, so a corrupt file, a refused validation, a failed download or an interrupt leave
it exactly as it was; the except clause only removes what the change itself created.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import InputError, NotConforming
from . import generations as gen
from .layout import (PARTIAL, Manifest, Snapshot, content_fingerprint, locate, locked, now,
                     quick_fingerprint, quiet, read_manifest, shipped_snapshots, write_manifest)
from .sources import EMA, Imported, import_snapshot, sha256_of


@dataclass
class UpdateReport:
    folder: Path
    added: list[Snapshot] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line each: why a file changed nothing
    warnings: list[str] = field(default_factory=list)
    diff: object | None = None  # a diff.Diff against the latest snapshot held before, if any
    diff_note: str = ""
    triples: int = 0
    derived: int = 0


def _fingerprints() -> dict:
    return {"quick": quick_fingerprint(), "content": content_fingerprint()}


def _commit(folder: Path, old: Manifest | None, new: Manifest, files: dict[str, str]) -> None:
    """Write the new snapshot files, then the manifest (the commit), then tidy up."""
    from ..atomic import write

    (folder / "snapshots").mkdir(exist_ok=True)
    for rel, text in files.items():
        write(folder / rel, text)
    write_manifest(folder, new)
    gen.collect(folder, new, keep_previous=old.store if old else None)


def _rebuild(folder: Path, manifest: Manifest, snapshots: list[Snapshot], *, note=quiet) -> Manifest:
    """A fresh generation from the shipped files and the given snapshots (caller holds the lock)."""
    from ..timeline import derive

    name = gen.next_name(folder)
    store = None
    try:
        store = gen.fresh(folder, name, [folder / s.turtle for s in snapshots])
        derived = derive(store)
        triples = len(store)
        gen.close(store)
        del store
        gen.finish(folder, name)
        new = Manifest(store=name, updated=now(), shipped=_fingerprints(), triples=triples, derived=derived,
                       snapshots=list(snapshots))
        _commit(folder, manifest, new, {})
        return new
    except BaseException as e:
        store = None
        gen.release(e)
        gen.discard(folder, name)
        raise


def _slug(item: Imported) -> str:
    stem = Path(item.name).stem.replace(" ", "_")
    return f"snapshots/{item.kind}-{item.generated_on}-{item.sha256[:12]}-{stem}.ttl"


def update(paths: list[str | Path], *, url: str | None = None, all_medicines: bool = False, home=None,
           timeout: float = 60.0, progress: bool = False, note: Callable[[str], None] = quiet,
           generated_on: str | None = None, generation_basis: str | None = None) -> UpdateReport:
    """Import the files (and the download, if url), validate the graph with them, add them.

    A file the shipped graph holds (same sha256) is imported with the generation date and basis
    that data/ema/manifest.json records for it, as `rebuild-data` imports it: its source node is
    the shipped one, which may hold one basis only. A different `generated_on` makes another
    source node, which gets `generation_basis`."""
    from ..background import Job
    from ..diff.snapshots import known_atmps, list_snapshots
    from ..timeline import derive
    from .fetch import check_url, download

    folder = locate(home)
    if url:
        check_url(url)
    existed = folder.exists()
    report = UpdateReport(folder=folder)
    with locked(folder):
        old = read_manifest(folder)
        name = None
        tmp = None
        store = work = filling = writing = diffing = None
        try:
            files = [Path(p) for p in paths]
            labels = {p: str(p) for p in files}
            if url:
                tmp = Path(tempfile.mkdtemp(prefix=".download-", suffix=PARTIAL, dir=folder))
                note(f"downloading {url}")
                got = download(url, tmp, timeout=timeout, progress=progress)
                files.append(got)
                labels[got] = url
            held = {s.sha256: s for s in old.snapshots} if old else {}
            shipped = shipped_snapshots()
            todo: list[tuple[Path, str]] = []
            seen: set[str] = set()
            for p in files:
                digest = sha256_of(p)
                h = held.get(digest)
                if digest in seen:
                    report.skipped.append(f"{labels[p]}: given twice; imported once")
                elif h and (h.all_medicines or not all_medicines):
                    report.skipped.append(f"{labels[p]}: already in the workspace (added {h.added} as {h.file}, sha256 {digest[:12]}…); nothing changed")
                elif digest in shipped and not all_medicines:
                    report.skipped.append(f"{labels[p]}: already in the shipped graph ({shipped[digest]['file']}); nothing changed")
                else:
                    todo.append((p, digest))
                seen.add(digest)
            if not todo:
                return report

            current_ok = old is not None and old.shipped.get("content") == content_fingerprint()
            held_files = [folder / s.turtle for s in old.snapshots] if old else []
            # The rules, the checks and the diff read a copy in memory (the on-disk generation
            # only receives the same triples). It is filled in the background while the files
            # are imported: pyoxigraph loads without the GIL, and the import is Python.
            filling = Job(gen.in_memory, held_files)
            name = gen.next_name(folder)
            if current_ok:
                store = gen.checkpoint(folder, old.store, name)
            else:
                store = gen.fresh(folder, name, held_files)
            known = known_atmps(store)
            imported: list[Imported] = []
            for p, digest in todo:
                date, basis = generated_on, generation_basis
                entry = shipped.get(digest, {})
                if entry.get("generated_on") and generated_on in (None, entry["generated_on"]):
                    date, basis = entry["generated_on"], entry.get("generation_basis") or basis
                item = import_snapshot(p, name=p.name, all_medicines=all_medicines, known_atmps=known,
                                       progress=progress, origin=labels[p], generated_on=date,
                                       generation_basis=basis)
                report.warnings += item.warnings
                imported.append(item)
            work = filling.result()
            filling = None  # else the finished job keeps the copy alive
            before = list_snapshots(work)
            data = [item.turtle.encode("utf-8") for item in imported]
            for d in data:
                work.load(d, _turtle(), to_graph=_default_graph())
            report.derived = derive(work, mirrors=(store,))
            # The generation gets the new files while they are checked and compared (the one
            # writer to it from here on; 1.9 s for a snapshot of 150k triples).
            writing = Job(_load_all, store, data)
            # The diff (mostly Python) is made while the check's queries run (without the GIL);
            # a refused check is reported first, and only then an error of the diff.
            diffing = Job(_changes, work, before, imported, old, all_medicines)
            _validate(work, imported, note=note)
            report.diff, report.diff_note = diffing.result()
            diffing = None
            report.triples = len(work)
            del work
            writing.result()
            writing = None  # a finished job still holds the store it wrote to
            gen.close(store)
            del store
            gen.finish(folder, name)

            stamp = now()
            added = [Snapshot(file=i.name, sha256=i.sha256, generated_on=i.generated_on, layout=i.layout, kind=i.kind,
                              all_medicines=all_medicines, added=stamp, turtle=_slug(i), source=i.source,
                              products=i.products, triples=i.triples, origin=i.origin) for i in imported]
            replaced = {s.sha256 for s in added}
            kept = [s for s in (old.snapshots if old else []) if s.sha256 not in replaced]
            new = Manifest(store=name, updated=stamp, shipped=_fingerprints(), triples=report.triples,
                           derived=report.derived, snapshots=kept + added)
            _commit(folder, old, new, {s.turtle: i.turtle for s, i in zip(added, imported)})
            report.added = added
            return report
        except BaseException as e:
            for job in (writing, diffing):
                if job is not None:
                    job.wait()  # nothing may still write into the generation discarded below, or read the copy
            store = work = filling = writing = diffing = None
            gen.release(e)
            if name:
                gen.discard(folder, name)
            _forget_new_files(folder, old)
            raise
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            if not existed and read_manifest_quietly(folder) is None:
                shutil.rmtree(folder, ignore_errors=True)


def _changes(work, before: list, imported: list[Imported], old: Manifest | None, all_medicines: bool):
    """(the diff, a note on it) between the newest EMA snapshot imported and the latest held
    snapshot generated before it; (None, "") when no EMA snapshot was imported."""
    from ..diff import Side, between
    from ..diff.snapshots import list_snapshots, read_rows

    newest = max((i for i in imported if i.kind == EMA), key=lambda i: i.generated_on, default=None)
    if newest is None:
        return None, ""
    earlier = [r for r in before if r.date < newest.generated_on and r.source != newest.source]
    if not earlier:
        return None, f"no EMA snapshot generated before {newest.generated_on} to compare with"
    prev = earlier[-1]
    scopes = {s.source: s.all_medicines for s in old.snapshots} if old else {}
    complete = all_medicines and scopes.get(prev.source, False)
    new_ref = next(r for r in list_snapshots(work) if r.source == newest.source)
    diff = between(Side(prev, read_rows(work, prev.source), complete),
                   Side(new_ref, read_rows(work, newest.source), complete), work, all_medicines=complete)
    note = f"the earlier snapshot {prev.date} holds ATMPs only, so the changes listed are the ATMPs'" \
        if all_medicines and not complete else ""
    return diff, note


def read_manifest_quietly(folder: Path) -> Manifest | None:
    try:
        return read_manifest(folder)
    except InputError:
        return None


def _forget_new_files(folder: Path, old: Manifest | None) -> None:
    """Remove snapshot files that the old manifest does not name (a commit cut short)."""
    used = {s.turtle for s in old.snapshots} if old else set()
    snaps = folder / "snapshots"
    if snaps.is_dir():
        for p in snaps.glob("*.ttl"):
            if f"snapshots/{p.name}" not in used:
                p.unlink(missing_ok=True)
        for p in snaps.glob(".*.tmp"):
            p.unlink(missing_ok=True)
        if not old:
            shutil.rmtree(snaps, ignore_errors=True)


def _load_all(store, data: list[bytes]) -> None:
    for d in data:
        store.load(d, _turtle(), to_graph=_default_graph())


def _turtle():
    import pyoxigraph as ox

    return ox.RdfFormat.TURTLE


def _default_graph():
    import pyoxigraph as ox

    return ox.DefaultGraph()


def _validate(store, imported: list[Imported], *, note=quiet) -> None:
    """The graph with the new snapshots must conform; else nothing is added."""
    from .check import check

    problems = check(store)
    if problems:
        names = ", ".join(i.name for i in imported)
        first = problems[0]
        count = f" ({len(problems)} problems, the first:)" if len(problems) > 1 else ""
        # The outcome comes first: a long shape message is clipped at the end of the line.
        raise NotConforming(f"{names}: not added, the workspace is unchanged; the graph with this snapshot "
                            f"does not conform{count}: {first.focus}: {first.message.rstrip('.')}")


def remove(key: str, *, home=None, note: Callable[[str], None] = quiet) -> Snapshot:
    """Remove one added snapshot (named by its date, file name or sha256 prefix)."""
    folder = locate(home)
    with locked(folder):
        old = read_manifest(folder)
        if old is None:
            raise InputError(f"{folder}: no workspace here; nothing to remove")
        match = [s for s in old.snapshots if key in (s.generated_on, s.file) or (len(key) >= 8 and s.sha256.startswith(key))]
        if not match:
            held = ", ".join(f"{s.generated_on} ({s.file})" for s in old.snapshots) or "none"
            raise InputError(f"--remove {key}: no added snapshot with that date, file name or sha256 (added: {held})")
        if len(match) > 1:
            raise InputError(f"--remove {key}: {len(match)} snapshots match ({', '.join(s.file for s in match)}); give the file name or sha256")
        gone = match[0]
        _rebuild(folder, old, [s for s in old.snapshots if s is not gone], note=note)
        return gone


def reset(*, home=None) -> bool:
    """Delete the workspace; False when there was none. The manifest goes first, so an
    interrupted reset leaves no workspace rather than half of one."""
    folder = locate(home)
    if not (folder / "manifest.json").exists():
        return False
    with locked(folder):
        (folder / "manifest.json").unlink()
        for p in folder.iterdir():
            if p.name != ".lock":
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    (folder / ".lock").unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        pass
    return True
