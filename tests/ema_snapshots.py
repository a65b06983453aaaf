"""Test helpers: EMA exports as tests need them, and a loopback HTTP server that serves them.

`edited_export` writes a copy of a real EMA export with a new generation stamp and a few
edits made with openpyxl; the edits are the oracle for what `diff` must find. `find_export`
locates the real 2026 exports (data/ema/ once shipped, else the project's shared folder).
"""

from __future__ import annotations

import hashlib
import http.server
import os
import threading
from pathlib import Path

from conftest import EMA, ROOT

NEW_LAYOUT_HEADER = "Name of medicine"


def find_export(name: str) -> Path | None:
    for folder in (EMA, ROOT.parent / "shared" / "ema", ROOT.parent.parent / "shared" / "ema", Path("/work/shared/ema")):
        if (folder / name).is_file():
            return folder / name
    return None


def edited_export(target: Path, *, source: str = "ema-medicines-report_2025-07-15.xlsx", stamp: tuple[str, str],
                  edits: dict[str, dict[str, object]] = {}, drop: tuple[str, ...] = ()) -> Path:
    """A copy of `source` whose generation stamp's date `stamp[0]` reads `stamp[1]`, with cells
    changed (product number -> {header: value}) and rows dropped (product numbers)."""
    import openpyxl

    wb = openpyxl.load_workbook(EMA / source)
    ws = wb.worksheets[0]
    header_row = None
    for row in ws.iter_rows():
        values = [c.value for c in row]
        if any(isinstance(v, str) and stamp[0] in v for v in values):
            for c in row:
                if isinstance(c.value, str) and stamp[0] in c.value:
                    c.value = c.value.replace(stamp[0], stamp[1])
        if NEW_LAYOUT_HEADER in values:
            header_row = row[0].row
            header = {" ".join(str(v).split()): i for i, v in enumerate(values) if v}
            break
    assert header_row, "no header row"
    number_col = header["EMA product number"]
    to_delete = []
    seen = set()
    for row in ws.iter_rows(min_row=header_row + 1):
        number = str(row[number_col].value or "").strip()
        if number in drop:
            to_delete.append(row[0].row)
        for col, value in edits.get(number, {}).items():
            row[header[col]].value = value
            seen.add(number)
    assert seen == set(edits), f"rows not found: {set(edits) - seen}"
    for r in reversed(to_delete):
        ws.delete_rows(r)
    assert len(to_delete) == len(drop)
    wb.save(target)
    return target


def tree(folder: Path) -> dict[str, str]:
    """Every file below folder (relative path -> sha256), to compare a workspace byte for byte."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for f in files:
            p = Path(root) / f
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
        for d in dirs:
            out[str((Path(root) / d).relative_to(folder)) + "/"] = "dir"
    return out


class Server:
    """A loopback HTTP server with routes: path -> (status, body, options)."""

    def __init__(self):
        self.routes: dict[str, tuple] = {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                status, body, opts = server.routes.get(self.path, (404, b"not found", {}))
                if status in (301, 302):
                    self.send_response(status)
                    self.send_header("Location", body)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(opts.get("length", len(body))))
                self.end_headers()
                sent = body[: opts["cut"]] if "cut" in opts else body
                self.wfile.write(sent)
                self.wfile.flush()
                if "stall" in opts:
                    opts["stall"].wait(30)
                if "cut" in opts:
                    self.close_connection = True

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def read_rows(path: Path) -> dict[str, dict]:
    """Product number -> its first row (header text -> value, plus _row), read with openpyxl
    alone: an oracle independent of the importer."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    at = next(i for i, r in enumerate(rows) if r and NEW_LAYOUT_HEADER in r)
    header = [" ".join(str(h).split()) if h else "" for h in rows[at]]
    out: dict[str, dict] = {}
    for n, r in enumerate(rows[at + 1:], start=at + 2):
        d = {h: v for h, v in zip(header, r) if h}
        number = " ".join(str(d.get("EMA product number") or "").split())
        if number.startswith("EMEA/H/C/") and number not in out and d.get("Category") != "Veterinary":
            d["_row"] = n
            out[number] = d
    return out
