"""Where a workspace lives and what its manifest says.

A workspace is one folder:

    manifest.json      the commit point: the snapshots held, the store generation in use, and
                       the fingerprint of the shipped graph the store was built from
    snapshots/*.ttl    the imported Turtle of each added snapshot
    store-NNNN/        pyoxigraph (RocksDB) store generations; only the one the manifest names
                       is read; a generation is never written once the manifest names it
    .lock              taken (flock) by whatever changes the workspace

Every change builds a new generation and the files it needs beside the old ones, then
replaces manifest.json in one rename: a failed or interrupted change leaves the old manifest,
so the workspace is exactly as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import InputError

ENV = "ATMP_KG_HOME"
APP = "atmp-kg"
MANIFEST = "manifest.json"
FORMAT = 1
PARTIAL = ".partial"  # suffix of anything an unfinished change left behind


def quiet(message: str) -> None:
    """The `note` of a workspace operation whose caller wants no notes."""


def locate(home: str | os.PathLike | None = None) -> Path:
    """The workspace folder: --home, else $ATMP_KG_HOME, else the user's data folder."""
    if home:
        return Path(home).expanduser()
    env = os.environ.get(ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


@dataclass
class Snapshot:
    """One added snapshot (the shipped ones are described by data/ema/manifest.json)."""

    file: str
    sha256: str
    generated_on: str
    layout: str
    kind: str  # "ema" or "purple-book"
    all_medicines: bool
    added: str
    turtle: str  # path relative to the workspace folder
    source: str  # the source IRI in the graph
    products: int = 0
    triples: int = 0
    origin: str = ""  # the URL or path it came from


@dataclass
class Manifest:
    store: str = ""
    updated: str = ""
    shipped: dict = field(default_factory=dict)
    triples: int = 0
    derived: int = 0
    snapshots: list[Snapshot] = field(default_factory=list)

    def to_json(self) -> str:
        body = {"format": FORMAT, **asdict(self)}
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest, or None where the folder holds no workspace."""
    path = folder / MANIFEST
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: unreadable workspace manifest ({e}); `atmp-kg workspace --reset` starts afresh") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise InputError(f"{path}: not a workspace manifest of format {FORMAT}; `atmp-kg workspace --reset` starts afresh")
    try:
        return Manifest(
            store=raw["store"], updated=raw["updated"], shipped=raw.get("shipped", {}),
            triples=raw.get("triples", 0), derived=raw.get("derived", 0),
            snapshots=[Snapshot(**s) for s in raw.get("snapshots", [])],
        )
    except (KeyError, TypeError) as e:
        raise InputError(f"{path}: damaged workspace manifest ({e}); `atmp-kg workspace --reset` starts afresh") from None


def write_manifest(folder: Path, manifest: Manifest) -> None:
    from ..atomic import write

    write(folder / MANIFEST, manifest.to_json())


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


@contextlib.contextmanager
def locked(folder: Path):
    """Hold the workspace's write lock; a second writer is told at once, not made to wait."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"{folder}: another atmp-kg command is changing this workspace; try again when it ends") from None
        yield
    finally:
        os.close(fd)


# ---------------------------------------------------------------- what the store was built from

def shipped_files() -> list[Path]:
    """The files whose content is in every workspace store (the ontology and data/)."""
    from .. import resources

    return resources.ontology_files() + resources.data_files()


def _rules_files() -> list[Path]:
    # The derived layer is a function of the timeline rules too: new rules, new layer. (Found
    # beside this package rather than by importing atmp_kg.timeline, which every start would pay.)
    return sorted((Path(__file__).parent.parent / "timeline").rglob("*.py"))


def quick_fingerprint() -> str:
    """Names, sizes and modification times of the shipped files and the timeline rules:
    cheap to compute at every start, and different whenever they may have changed."""
    # Two checksums, not hashlib: loading OpenSSL was 3 ms of every start, and a change here
    # only sends the reader to content_fingerprint, which is a sha256.
    import zlib

    from .. import __version__

    lines = [__version__]
    for p in shipped_files() + _rules_files():
        st = p.stat()
        lines.append(f"{p}\0{st.st_size}\0{st.st_mtime_ns}")
    data = "\n".join(lines).encode()
    return f"{len(data):x}-{zlib.crc32(data):08x}-{zlib.adler32(data):08x}"


def content_fingerprint() -> str:
    """The same files by content: decides whether a changed quick fingerprint matters."""
    import hashlib

    from .. import resources

    base = resources.root()
    h = hashlib.sha256()
    for p in shipped_files() + _rules_files():
        rel = p.relative_to(base) if base in p.parents else Path(p.name)
        h.update(f"{rel}\0".encode())
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def shipped_snapshots() -> dict[str, dict]:
    """sha256 -> entry of data/ema/manifest.json: the EMA files the shipped graph holds."""
    from .. import resources

    path = resources.path("data") / "ema" / "manifest.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["snapshots"]
    except (OSError, ValueError, KeyError):
        return {}
    return {e["sha256"]: e for e in entries if "sha256" in e}
