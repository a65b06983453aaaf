"""Writes output files atomically: a failed run leaves an existing file untouched."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError


def check_writable(path: str | Path) -> Path:
    """The output folder exists and can be written; raises InputError naming it otherwise."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{path}: output folder {folder} does not exist")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{path}: output folder {folder} is not writable")
    return folder


def write(path: str | Path, data: str | bytes) -> None:
    write_chunks(path, [data])


def write_chunks(path: str | Path, chunks: Iterable[str | bytes]) -> None:
    """Writes the pieces as they come (a large export is never one string in memory); the file
    appears, whole, only after the last piece. An error on the way leaves no trace."""
    path = Path(path)
    folder = check_writable(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise InputError(f"{path}: cannot write in {folder} ({e.strerror or e})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise InputError(f"{path}: cannot write ({e.strerror or e})") from None
        raise
