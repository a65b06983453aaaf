"""A local, read-only SPARQL server over the graph, run by the Oxigraph server from PyPI.

The graph (ontology + data, or --data) is exported as N-Triples into a temporary folder,
loaded with `oxigraph load`, and served with `oxigraph serve-read-only`, which answers every
write with 403. The server binds to loopback unless told otherwise. SIGINT (Ctrl-C),
SIGTERM and SIGHUP stop it: the child is terminated, the temporary folder removed, and the
command exits 0. The `oxigraph` command comes with the optional extra atmp-kg[server].
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from .errors import AtmpKgError, EndpointError, InputError

EXTRA_HINT = "pip install 'atmp-kg[server]'"
READY_TIMEOUT = 15.0


class ServerMissing(AtmpKgError):
    """The oxigraph executable is not installed."""

    exit_code = 2


class _Stop(Exception):
    """Raised by the SIGTERM/SIGHUP handler to unwind into the cleanup."""


def find_oxigraph() -> str:
    """The `oxigraph` executable: next to this Python first (a venv), then on PATH."""
    here = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise ServerMissing(f"the Oxigraph server (the `oxigraph` command) is not installed; install it with: {EXTRA_HINT}")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class Endpoints:
    query: str
    store: str
    triples: int


def _last_line(path: Path) -> str:
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1][:200] if lines else ""


def _die_with_parent():  # runs in the child before exec (Linux): the server never outlives us
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort only
        pass


def serve(data: Sequence[str] | None = None, *, host: str = "127.0.0.1", port: int = 7878,
          announce: Callable[[Endpoints], None] = lambda e: None,
          note: Callable[[str], None] = lambda s: None) -> int:
    """Serve the graph until a signal stops it; returns the exit code (0 on a clean stop)."""
    from .export import export
    from .graph import load_store

    exe = find_oxigraph()
    if not host or any(c in host for c in "/[] "):
        raise InputError(f"--host {host!r}: give a host name or an IP address")
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port}: not a port number")

    store = load_store(list(data) if data else None)
    triples = len(store)
    folder = Path(tempfile.mkdtemp(prefix="atmp-kg-serve-"))
    proc: subprocess.Popen | None = None
    previous = {}
    try:
        nt = folder / "graph.nt"
        nt.write_text(export(store, "nt"), encoding="utf-8")
        del store
        db = folder / "db"
        loaded = subprocess.run([exe, "load", "--location", str(db), "--file", str(nt)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if loaded.returncode != 0:
            last = (loaded.stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise AtmpKgError(f"oxigraph load failed: {last[0][:200]}")
        nt.unlink()

        port = port or free_port(host)
        bind = _netloc(host, port)
        log = folder / "server.log"

        def stop(signum, frame):
            raise _Stop()

        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                previous[sig] = signal.signal(sig, stop)
        with open(log, "wb") as log_fh:
            proc = subprocess.Popen(
                [exe, "serve-read-only", "--location", str(db), "--bind", bind],
                stdin=subprocess.DEVNULL, stdout=log_fh, stderr=log_fh,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        _wait_ready(proc, host, port, log)
        base = f"http://{bind}"
        announce(Endpoints(query=f"{base}/query", store=f"{base}/store", triples=triples))
        if not is_loopback(host):
            note(f"warning: {host} is not a loopback address: anyone who can reach this machine can query the graph")
        code = proc.wait()
        if code in (-signal.SIGINT, -signal.SIGTERM, 130, 143):
            return 0  # the terminal's Ctrl-C reached the server first
        raise EndpointError(f"the Oxigraph server stopped by itself (exit {code}): {_last_line(log) or 'no message'}")
    except (KeyboardInterrupt, _Stop):
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(proc: subprocess.Popen, host: str, port: int, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        code = proc.poll()
        if code is not None:
            raise EndpointError(f"the Oxigraph server could not start on {_netloc(host, port)}: "
                                f"{_last_line(log) or f'exit {code}'}")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise EndpointError(f"the Oxigraph server did not answer on {_netloc(host, port)} within {READY_TIMEOUT:g} s")
        time.sleep(0.02)
