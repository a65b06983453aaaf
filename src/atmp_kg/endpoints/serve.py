"""A local, read-only SPARQL server over the graph, run by the Oxigraph server from PyPI.

The graph (ontology + data, or --data) is exported as N-Triples into a temporary folder,
loaded with `oxigraph load`, and served with `oxigraph serve-read-only` on a private loopback
address. Clients reach it only through the front (endpoints/front.py), which binds the
address asked for (loopback unless told otherwise), refuses SERVICE, oversized and deeply
nested queries and every write, and passes the rest on. The Oxigraph server runs with large
thread stacks (RUST_MIN_STACK) and a per-query timeout. SIGINT (Ctrl-C), SIGTERM and SIGHUP
stop it: the child is terminated, the temporary folder removed, and the command exits 0; a
server that crashes is reported as such (exit 3). The `oxigraph` command comes with the
optional extra atmp-kg[server].
"""

from __future__ import annotations

import errno
import ipaddress
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ..errors import AtmpKgError, EndpointError, InputError

EXTRA_HINT = "pip install 'atmp-kg[server]'"
READY_TIMEOUT = 15.0
QUERY_TIMEOUT = 60  # seconds Oxigraph gives one query (--timeout-s)
SERVER_STACK = 1 << 30  # bytes of stack for the server's threads (only the pages used are allocated)


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


def bound_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (a free port for 0), not yet listening; bound before any work,
    so that a clash is one clear line. SO_REUSEADDR: the port can be taken again at once after
    a previous run, even while its closed connections linger in TIME_WAIT."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, port))
    except OSError as e:
        s.close()
        if port and e.errno == errno.EADDRINUSE:
            raise InputError(f"port {port} on {host} is in use; choose another --port (0 picks a free one)") from None
        where = _netloc(host, port) if port else f"--host {host}"
        raise InputError(f"{where}: cannot bind it ({e.strerror or e})") from None
    return s


def bindable_port(host: str, port: int) -> int:
    """The port bound_socket would give (the socket is released)."""
    with bound_socket(host, port) as s:
        return s.getsockname()[1]


def _private_address() -> str:
    """A random loopback address for the Oxigraph server behind the front (Linux routes all of
    127.0.0.0/8 to loopback), so that a web page cannot guess where to reach it directly."""
    if sys.platform.startswith("linux"):
        return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(1, 254)}"
    return "127.0.0.1"


@dataclass
class Endpoints:
    query: str
    store: str
    triples: int


def _error_line(text: str, fallback: bool = True) -> str:
    """The message of an oxigraph failure: its 'Error: ...' line, not the stack backtrace
    (else its first line, when `fallback`)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        if ln.lower().startswith(("error", "panicked", "fatal", "thread '")):
            return ln[:200]
    return lines[0][:200] if lines and fallback else ""


def _log_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _die_with_parent():  # runs in the child before exec (Linux): the server never outlives us
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort only
        pass


def serve(data: Sequence[str] | None = None, *, home=None, host: str = "127.0.0.1", port: int = 7878,
          announce: Callable[[Endpoints], None] = lambda e: None,
          note: Callable[[str], None] = lambda s: None) -> int:
    """Serve the graph until a signal stops it; returns the exit code (0 on a clean stop)."""
    from ..graph.export import export
    from ..workspace import open_graph

    exe = find_oxigraph()
    if not host or any(c in host for c in "/[] "):
        raise InputError(f"--host {host!r}: give a host name or an IP address")
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port}: not a port number")

    listener = bound_socket(host, port)  # before the work; kept, so nothing can take the port meanwhile
    port = listener.getsockname()[1]
    folder: Path | None = None
    proc: subprocess.Popen | None = None
    front = None
    previous = {}

    def stop(signum, frame):
        raise _Stop()

    try:
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                previous[sig] = signal.signal(sig, stop)
        store = open_graph(list(data) if data else None, home)  # --data, else the workspace, else shipped
        triples = len(store)
        folder = Path(tempfile.mkdtemp(prefix="atmp-kg-serve-"))
        nt = folder / "graph.nt"
        nt.write_text(export(store, "nt"), encoding="utf-8")
        del store
        db = folder / "db"
        loaded = subprocess.run([exe, "load", "--location", str(db), "--file", str(nt)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if loaded.returncode != 0:
            raise AtmpKgError(f"oxigraph load failed: {_error_line(loaded.stderr or '') or f'exit {loaded.returncode}'}")
        nt.unlink()

        private = _private_address()
        private_port = bindable_port(private, 0)
        log = folder / "server.log"
        env = dict(os.environ, RUST_MIN_STACK=str(SERVER_STACK))
        with open(log, "wb") as log_fh:
            proc = subprocess.Popen(
                [exe, "serve-read-only", "--location", str(db), "--bind", _netloc(private, private_port),
                 "--timeout-s", str(QUERY_TIMEOUT)],
                stdin=subprocess.DEVNULL, stdout=log_fh, stderr=log_fh, env=env,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        _wait_ready(proc, private, private_port, log)

        from .front import Front

        front = Front(listener, (private, private_port), QUERY_TIMEOUT + 10.0)
        threading.Thread(target=front.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        # A wildcard address is not one a client can use: show loopback instead.
        shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
        base = f"http://{_netloc(shown, port)}"
        announce(Endpoints(query=f"{base}/query", store=f"{base}/store", triples=triples))
        if not is_loopback(host):
            note(f"warning: {host} is not a loopback address: anyone who can reach this machine can query the graph")
        code = proc.wait()
        if code in (-signal.SIGINT, -signal.SIGTERM, 130, 143):
            return 0  # the terminal's Ctrl-C (or a stop sent to the whole group) reached the server first
        raise EndpointError(_stopped_message(code, _error_line(_log_text(log), fallback=False)))
    except (KeyboardInterrupt, _Stop):
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if front is not None:
            front.shutdown()
            front.server_close()
        else:
            listener.close()
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _stopped_message(code: int, said: str) -> str:
    """What a server that stopped on its own did, as its exit status tells it."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        how = {"SIGSEGV": "crashed", "SIGABRT": "crashed", "SIGBUS": "crashed", "SIGILL": "crashed",
               "SIGKILL": "was killed", "SIGTERM": "was terminated"}.get(name, "was stopped")
        return f"the Oxigraph server {how} ({name}){': ' + said if said else ''}; the endpoint is down"
    return f"the Oxigraph server stopped by itself (exit {code}){': ' + said if said else ''}; the endpoint is down"


def _wait_ready(proc: subprocess.Popen, host: str, port: int, log: Path) -> None:
    """Wait until our child says it listens and accepts a connection.

    A connection alone is not proof: another server may hold the port (then our child fails).
    Oxigraph logs "Listening for requests at ..." once bound; if a version does not, a
    connection to a child still alive after 2 s is taken as ready.
    """
    started = time.monotonic()
    while True:
        code = proc.poll()
        if code is not None:
            raise EndpointError(f"the Oxigraph server could not start on {_netloc(host, port)}: "
                                f"{_error_line(_log_text(log)) or f'exit {code}'}")
        said = "Listening" in _log_text(log)
        if said or time.monotonic() - started > 2.0:
            try:
                with socket.create_connection((host, port), timeout=0.2):
                    if proc.poll() is None:
                        return
            except OSError:
                pass
        if time.monotonic() - started > READY_TIMEOUT:
            raise EndpointError(f"the Oxigraph server did not answer on {_netloc(host, port)} within {READY_TIMEOUT:g} s")
        time.sleep(0.02)
