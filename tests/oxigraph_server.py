"""A real Oxigraph server for tests: `oxigraph serve` on 127.0.0.1, a free port, a temp --location.

    with OxigraphServer(tmp_path / "db") as server:
        server.query_url, server.store_url   # http://127.0.0.1:PORT/query, /store

start() waits until the server accepts connections (it starts in well under a second);
stop() terminates it (then kills it) and waits, so the port is closed afterwards. The
`oxigraph_server` fixture gives one server per test module; `fresh_oxigraph_server` one per test.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def oxigraph_executable() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    if here.is_file():
        return str(here)
    return shutil.which("oxigraph")


class OxigraphServer:
    def __init__(self, location: str | Path | None = None, *, host: str = "127.0.0.1",
                 port: int | None = None, read_only: bool = False, extra_args: tuple[str, ...] = ()):
        self.exe = oxigraph_executable()
        if self.exe is None:
            pytest.skip("the `oxigraph` server is not installed (pip install 'atmp-kg[server]')")
        self._own_location = location is None
        self.location = Path(location) if location is not None else Path(tempfile.mkdtemp(prefix="oxigraph-test-"))
        self.host = host
        self.port = port or free_port(host)
        self.read_only = read_only
        self.extra_args = extra_args
        self.proc: subprocess.Popen | None = None
        self.start_seconds: float | None = None

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    @property
    def store_url(self) -> str:
        return f"{self.base}/store"

    def start(self, timeout: float = 10.0) -> "OxigraphServer":
        mode = "serve-read-only" if self.read_only else "serve"
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [self.exe, mode, "--location", str(self.location), "--bind", f"{self.host}:{self.port}", *self.extra_args],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode("utf-8", "replace") if self.proc.stderr else ""
                raise RuntimeError(f"oxigraph exited with {self.proc.returncode}: {err.strip()[-500:]}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"oxigraph did not answer on {self.base} within {timeout} s")
                time.sleep(0.01)
        self.start_seconds = time.perf_counter() - started
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stderr:
            proc.stderr.close()

    def close(self) -> None:
        self.stop()
        if self._own_location:
            shutil.rmtree(self.location, ignore_errors=True)

    def __enter__(self) -> "OxigraphServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db")
    with server:
        yield server


@pytest.fixture()
def fresh_oxigraph_server(tmp_path):
    with OxigraphServer(tmp_path / "db") as server:
        yield server
