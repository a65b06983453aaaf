"""Recognises a snapshot file by its content and imports it with the matching importer.

EMA's medicines spreadsheet is an xlsx (a zip archive); the FDA Purple Book download is a
CSV whose header names `BLA Number`, `Proper Name` and `Center`. A file's name and suffix are
not trusted: EMA's download link and a user's renamed copy carry whatever name they like.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

EMA = "ema"
PURPLE_BOOK = "purple-book"
PURPLE_BOOK_COLUMNS = ("bla number", "proper name", "center")
SNIFF_BYTES = 64 * 1024


@dataclass
class Imported:
    """One snapshot file, imported and not yet added."""

    path: Path
    name: str
    kind: str
    sha256: str
    turtle: str
    source: str
    generated_on: str
    layout: str
    products: int = 0
    triples: int = 0
    warnings: list[str] = field(default_factory=list)
    origin: str = ""


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a snapshot file") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    return h.hexdigest()


def detect(path: Path) -> str:
    """EMA or PURPLE_BOOK, from the first bytes of the file; InputError for anything else."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    if head.startswith(b"PK"):
        return EMA  # an xlsx; the EMA importer checks that the header is EMA's
    if not head:
        raise InputError(f"{path}: empty file, neither an EMA spreadsheet nor a Purple Book CSV")
    text = head.decode("utf-8-sig", errors="replace").lower()
    for line in text.splitlines()[:50]:
        cells = [c.strip().strip('"') for c in line.split(",")]
        if all(col in cells for col in PURPLE_BOOK_COLUMNS):
            return PURPLE_BOOK
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path}: an old binary .xls or encrypted workbook; save it as an unprotected .xlsx")
    raise InputError(
        f"{path}: neither an EMA medicines spreadsheet (xlsx) nor a Purple Book CSV "
        f"(with columns {', '.join(c.title() for c in PURPLE_BOOK_COLUMNS)})"
    )


def import_snapshot(path: Path, *, name: str | None = None, all_medicines: bool, known_atmps: set[str],
                    progress: bool = False, origin: str = "", generated_on: str | None = None,
                    generation_basis: str | None = None) -> Imported:
    """Import one file; `name` is the file name recorded (a download's, not its temp file's)."""
    kind = detect(path)
    digest = sha256_of(path)
    if kind == EMA:
        from ..importers.ema import import_file

        r = import_file(path, all_medicines=all_medicines, known_atmps=known_atmps, progress=progress,
                        generated_on=generated_on, generation_basis=generation_basis)
        return Imported(path=path, name=name or path.name, kind=kind, sha256=digest, turtle=r.turtle,
                        source=r.source_iri, generated_on=r.generated_on.isoformat(), layout=r.layout,
                        products=r.products, triples=r.triples, warnings=list(r.warnings), origin=origin)
    try:
        from ..importers import purple_book
    except ImportError:
        raise InputError(f"{path}: a Purple Book CSV, but Purple Book import is not available in this version of atmp-kg") from None
    r = purple_book.import_file(path)
    edition = getattr(r, "generated_on", None) or getattr(r, "edition", None)
    if edition is None:
        raise InputError(f"{path}: the Purple Book importer gave no edition date")
    edition = edition.isoformat() if hasattr(edition, "isoformat") else str(edition)
    return Imported(path=path, name=name or path.name, kind=kind, sha256=digest, turtle=r.turtle,
                    source=r.source_iri, generated_on=edition, layout=getattr(r, "layout", "Purple Book"),
                    products=getattr(r, "products", 0), triples=getattr(r, "triples", 0),
                    warnings=list(getattr(r, "warnings", [])), origin=origin)
