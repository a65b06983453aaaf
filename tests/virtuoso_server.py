"""A real Virtuoso 7 server for tests: `virtuoso-t -f` on 127.0.0.1, free ports, its own database folder.

    with VirtuosoServer(tmp_path / "vdb") as v:
        v.query_url        # http://127.0.0.1:PORT/sparql
        v.crud_auth_url    # http://127.0.0.1:PORT/sparql-graph-crud-auth (Digest)
        v.isql("SPARQL SELECT COUNT(*) WHERE { ?s ?p ?o };")
        v.restart()        # stop cleanly (isql `shutdown;`), start again on the same database

The configuration is Debian's /etc/virtuoso-opensource-7/virtuoso.ini with every database path
pointing into the test's folder and both ServerPort lines (SQL and HTTP) bound to 127.0.0.1 on free
ports; a new database's DBA password is `dba`. start() waits until the HTTP SPARQL endpoint answers
(a new database takes a few seconds to build). stop() asks for `shutdown;` through isql-vt, then
terminates, then kills, so the ports are closed afterwards.

Without virtuoso-t (and isql-vt) the tests that need it skip with the reason, unless
ATMP_KG_REQUIRE_VIRTUOSO=1 (set by .ci/run), where they fail instead.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

TEMPLATE = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
DBA_PASSWORD = "dba"
# A user that may write graphs through /sparql-graph-crud-auth (Digest), made by create_writer().
WRITER, WRITER_PASSWORD = "atmpwriter", "writer-pw-42"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def executables() -> tuple[str, str] | None:
    server, client = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if server and client and TEMPLATE.is_file():
        return server, client
    return None


def require_virtuoso() -> tuple[str, str]:
    found = executables()
    if found:
        return found
    reason = ("Virtuoso is not installed (needs virtuoso-t, isql-vt and " f"{TEMPLATE}; apt-get install virtuoso-opensource)")
    if os.environ.get("ATMP_KG_REQUIRE_VIRTUOSO") == "1":
        pytest.fail(reason + "; ATMP_KG_REQUIRE_VIRTUOSO=1 forbids skipping")
    pytest.skip(reason)


def make_ini(template: str, folder: Path, sql_port: int, http_port: int, *, max_rows: int = 10000) -> str:
    """Debian's virtuoso.ini with the database in `folder` and both servers on 127.0.0.1."""
    out, section = [], ""
    files = {"DatabaseFile", "ErrorLogFile", "LockFile", "TransactionFile", "xa_persistent_file"}
    for line in template.splitlines():
        m = re.match(r"\s*\[([^\]]+)\]", line)
        if m:
            section = m.group(1).strip()
        key = line.split("=", 1)[0].strip() if "=" in line and not line.lstrip().startswith(";") else ""
        if section in ("Database", "TempDatabase") and key in files:
            name = Path(line.split("=", 1)[1].split(";")[0].strip()).name
            line = f"{key} = {folder / name}"
        elif key == "ServerPort" and section == "Parameters":
            line = f"ServerPort = 127.0.0.1:{sql_port}"
        elif key == "ServerPort" and section == "HTTPServer":
            line = f"ServerPort = 127.0.0.1:{http_port}"
        elif key == "ResultSetMaxRows":
            line = f"ResultSetMaxRows = {max_rows}"
        elif key == "DirsAllowed":
            line = f"DirsAllowed = ., /usr/share/virtuoso-opensource-7/vad, {folder}"
        elif key in ("ThreadsPerQuery", "AsyncQueueMaxThreads"):
            line = f"{key} = 2"  # the test machines have two cores
        out.append(line)
    return "\n".join(out) + "\n"


class VirtuosoServer:
    def __init__(self, folder: str | Path | None = None, *, max_rows: int = 10000):
        self.server_exe, self.isql_exe = require_virtuoso()
        self._own_folder = folder is None
        self.folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="virtuoso-test-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_rows = max_rows
        self.sql_port = free_port()
        self.http_port = free_port()
        self.ini = self.folder / "virtuoso.ini"
        self.proc: subprocess.Popen | None = None
        self.start_seconds: float | None = None
        self._log = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query_url(self) -> str:
        return f"{self.base}/sparql"

    @property
    def crud_auth_url(self) -> str:
        return f"{self.base}/sparql-graph-crud-auth"

    @property
    def crud_url(self) -> str:
        return f"{self.base}/sparql-graph-crud"

    def start(self, timeout: float = 120.0) -> "VirtuosoServer":
        self.ini.write_text(make_ini(TEMPLATE.read_text(encoding="utf-8"), self.folder, self.sql_port,
                                     self.http_port, max_rows=self.max_rows), encoding="utf-8")
        started = time.perf_counter()
        self._log = open(self.folder / "stdout.log", "ab")
        self.proc = subprocess.Popen([self.server_exe, "-f", "-c", str(self.ini)], cwd=self.folder,
                                     stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.proc.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.proc.returncode}: {self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Virtuoso did not answer on {self.query_url} within {timeout} s: {self.log_tail()}")
            time.sleep(0.2)
        self.start_seconds = time.perf_counter() - started
        return self

    def _answers(self) -> bool:
        request = urllib.request.Request(self.query_url + "?query=ASK%7B%7D",
                                         headers={"Accept": "application/sparql-results+json"})
        try:
            with urllib.request.urlopen(request, timeout=2) as r:
                return r.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def log_tail(self, n: int = 800) -> str:
        text = ""
        for name in ("virtuoso.log", "stdout.log"):
            p = self.folder / name
            if p.is_file():
                text += p.read_text(encoding="utf-8", errors="replace")[-n:]
        return text.strip()

    def isql(self, script: str, *, timeout: float = 60.0, check: bool = True) -> str:
        """Run SQL through isql-vt as dba; returns its output (an *** Error raises unless check=False)."""
        done = subprocess.run([self.isql_exe, f"127.0.0.1:{self.sql_port}", "dba", DBA_PASSWORD],
                              input=script.rstrip().rstrip(";") + ";\n", capture_output=True, text=True, timeout=timeout)
        out = done.stdout + done.stderr
        if check and ("*** Error" in out or done.returncode not in (0,)):
            raise RuntimeError(f"isql failed: {out.strip()[-800:]}")
        return out

    def create_writer(self, user: str = WRITER, password: str = WRITER_PASSWORD) -> tuple[str, str]:
        """A SQL user with the SPARQL_UPDATE role: it may write graphs through the -auth endpoints."""
        self.isql(f"DB.DBA.USER_CREATE('{user}', '{password}');\nGRANT SPARQL_UPDATE TO \"{user}\";\n"
                  f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{user}', 3);")
        return user, password

    def stop(self, timeout: float = 60.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                self.isql("shutdown;", timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if self._log:
            self._log.close()
            self._log = None

    def restart(self) -> "VirtuosoServer":
        """Stop cleanly and start again on the same database (new process, same ports)."""
        self.stop()
        return self.start()

    def close(self) -> None:
        self.stop()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "VirtuosoServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


@pytest.fixture(scope="module")
def virtuoso_server(tmp_path_factory):
    with VirtuosoServer(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server
