"""Opening a workspace's store for reading: what every command does first, so it imports
only what reading needs (generations.py and update.py, which change a workspace, are imported
only to rebuild)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import InputError
from .layout import Manifest, content_fingerprint, locked, quick_fingerprint, quiet, read_manifest, write_manifest


def ensure_current(folder: Path, manifest: Manifest, *, note: Callable[[str], None] = quiet):
    """The workspace's store, opened read-only; rebuilt first (once) if the shipped graph or
    the timeline rules changed since it was built (an upgrade of atmp-kg, an edited data/)."""
    if manifest.shipped.get("quick") != quick_fingerprint():
        if manifest.shipped.get("content") != content_fingerprint():
            try:
                with locked(folder):
                    current = read_manifest(folder) or manifest
                    if current.shipped.get("content") != content_fingerprint():
                        note(f"note: the shipped graph changed since the workspace {folder} was built; rebuilding its store")
                        from .update import _rebuild

                        manifest = _rebuild(folder, current, current.snapshots, note=note)
                    else:
                        manifest = current
            except InputError:
                note(f"warning: the workspace {folder} is being changed by another command; reading its current store")
        else:
            manifest.shipped["quick"] = quick_fingerprint()  # same content, new file times
            try:
                with locked(folder):
                    write_manifest(folder, manifest)
            except InputError:
                pass
    import pyoxigraph as ox

    return ox.Store.read_only(str(folder / manifest.store))
