"""Writes output files atomically: a failed run leaves an existing file untouched.

A regular file (or a missing one) is written to a hidden temporary file beside it and renamed
over it at the end. A symbolic link is written through: the file it points to is replaced and
the link stays. A character device or a FIFO (/dev/null, /dev/stdout, a named pipe) cannot be
replaced, and must not be: it is written in place, as a shell redirection would. Block
devices, sockets and folders are refused. SIGTERM and SIGHUP, like Ctrl-C, remove the
temporary file before the process ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived while an output file was being written."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _target(path: Path) -> Path:
    """The file that writing to `path` changes: symbolic links followed, even a dangling one.
    A link to a device or pipe (/dev/stdout -> /proc/self/fd/1 -> pipe:[N]) is opened as it is."""
    if not path.is_symlink():
        return path
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = None
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        return path
    return Path(os.path.realpath(path))


def _kind(path: Path) -> str | None:
    """None when nothing is there, else 'file', 'stream' (character device, FIFO) or what it is."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as e:
        raise InputError(f"{path}: cannot use it as output ({e.strerror or e})") from None
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "stream"
    if stat.S_ISDIR(mode):
        return "folder"
    return "block device" if stat.S_ISBLK(mode) else "socket or other special file"


def check_writable(path: str | Path) -> Path:
    """The output can be written; raises InputError naming it otherwise. Returns the folder
    the temporary file goes to (that of the link's target for a symbolic link)."""
    path = Path(path)
    target = _target(path)
    kind = _kind(target)
    if kind == "folder":
        raise InputError(f"{path}: is a folder, not a file")
    if kind == "stream":
        if not os.access(target, os.W_OK):
            raise InputError(f"{path}: not writable")
        return target.parent
    if kind not in (None, "file"):
        raise InputError(f"{path}: is a {kind}; atmp-kg writes only to files, character devices and pipes")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{path}: output folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{path}: output folder {folder} is not writable")
    return folder


def write(path: str | Path, data: str | bytes) -> None:
    write_chunks(path, [data])


@contextlib.contextmanager
def _signals_raise():
    """Within the block, SIGTERM and SIGHUP raise Terminated (so that cleanup runs), as SIGINT
    raises KeyboardInterrupt. Signal handlers can only be set from the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated(signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _encoded(chunks: Iterable[str | bytes]):
    for chunk in chunks:
        yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk


def write_chunks(path: str | Path, chunks: Iterable[str | bytes]) -> None:
    """Writes the pieces as they come (a large export is never one string in memory); a file
    appears, whole, only after the last piece. An error on the way leaves no trace."""
    path = Path(path)
    folder = check_writable(path)
    target = _target(path)
    with _signals_raise():
        if _kind(target) == "stream":
            _write_in_place(path, target, chunks)
        else:
            _write_replacing(path, target, folder, chunks)


def _write_in_place(path: Path, target: Path, chunks) -> None:
    try:
        with open(target, "wb") as fh:
            for data in _encoded(chunks):
                fh.write(data)
    except OSError as e:
        raise InputError(f"{path}: cannot write ({e.strerror or e})") from None


def _write_replacing(path: Path, target: Path, folder: Path, chunks) -> None:
    tmp = None
    try:
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
        except OSError as e:
            raise InputError(f"{path}: cannot write in {folder} ({e.strerror or e})") from None
        with os.fdopen(fd, "wb") as fh:
            for data in _encoded(chunks):
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        kind = _kind(target)
        if kind not in (None, "file"):  # replaced by a device or pipe meanwhile: never rename over it
            raise InputError(f"{path}: became a {kind} while it was being written; nothing was written")
        os.chmod(tmp, os.stat(target).st_mode & 0o777 if kind == "file" else 0o644)
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        raise InputError(f"{path}: cannot write ({e.strerror or e})") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
