"""Rebuilds data/ema-imports/ from the EMA snapshots listed in data/ema/manifest.json, and
data/fda-imports/ from the Purple Book files listed in data/fda/manifest.json.

Order matters: the new-layout files come first, because their "Advanced therapy" flag,
with the curated classifications, defines which products count as ATMPs in old-layout
files. The curated folders are read, never written.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import resources
from ..errors import InputError

CURATED = ("curated", "evidence")
OUTPUT = "ema-imports"
FDA_OUTPUT = "fda-imports"


def _manifest(data: Path, folder: str = "ema") -> list[dict]:
    path = data / folder / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))["snapshots"]
    except (OSError, ValueError, KeyError) as e:
        raise InputError(f"{path}: cannot read the snapshot manifest ({e})") from None


def build(data: Path | None = None) -> dict[Path, str]:
    """The import outputs, by path, computed from the snapshots (nothing is written)."""
    from .ema import NEW_LAYOUT, import_file, known_atmp_numbers

    data = data or resources.path("data")
    curated = [data / c for c in CURATED if (data / c).is_dir() and any((data / c).glob("*.ttl"))]
    known = known_atmp_numbers(curated) if curated else set()
    outputs: dict[Path, str] = {}
    for entry in _manifest(data):
        xlsx = data / "ema" / entry["file"]
        digest = hashlib.sha256(xlsx.read_bytes()).hexdigest() if xlsx.is_file() else None
        if digest != entry.get("sha256"):
            raise InputError(f"{xlsx}: missing, or not the file the manifest names (sha256 differs)")
        result = import_file(
            xlsx,
            generated_on=entry.get("generated_on"),
            generation_basis=entry.get("generation_basis"),
            known_atmps=known,
            strict=False,
        )
        outputs[data / OUTPUT / (xlsx.stem + ".ttl")] = result.turtle
        if result.layout == NEW_LAYOUT:
            # Flagged products of a new-layout file are ATMPs for the older files too.
            known |= _flagged(result.turtle)
    outputs.update(_fda_outputs(data))
    return outputs


def _fda_outputs(data: Path) -> dict[Path, str]:
    from .purple_book import import_file

    if not (data / "fda" / "manifest.json").is_file():
        return {}
    outputs = {}
    for entry in _manifest(data, "fda"):
        csv = data / "fda" / entry["file"]
        digest = hashlib.sha256(csv.read_bytes()).hexdigest() if csv.is_file() else None
        if digest != entry.get("sha256"):
            raise InputError(f"{csv}: missing, or not the file the manifest names (sha256 differs)")
        result = import_file(csv, edition=entry.get("edition"), edition_basis=entry.get("edition_basis"))
        outputs[data / FDA_OUTPUT / (csv.stem + ".ttl")] = result.turtle
    return outputs


def _flagged(turtle: str) -> set[str]:
    import pyoxigraph as ox

    from .ema import KNOWN_ATMPS_QUERY
    from ..namespaces import ID

    store = ox.Store()
    store.load(turtle.encode("utf-8"), ox.RdfFormat.TURTLE)
    prefix = ID + "product/"
    return {s["p"].value[len(prefix):].replace("-", "/") for s in store.query(KNOWN_ATMPS_QUERY)}


def rebuild(*, write: bool, data: Path | None = None) -> list[Path]:
    """Paths whose committed content differs from a rebuild; rewritten when write is set."""
    from ..atomic import write as atomic_write

    data = data or resources.path("data")
    outputs = build(data)
    changed = []
    for path, text in outputs.items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            changed.append(path)
            if write:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, text)
    generated = [data / d for d in (OUTPUT, FDA_OUTPUT) if (data / d).is_dir()]
    stale = sorted({p for d in generated for p in d.glob("*.ttl")} - set(outputs))
    for path in stale:
        changed.append(path)
        if write:
            path.unlink()
    return changed
