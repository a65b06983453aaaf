"""The HTTP front of `atmp-kg serve`: it checks every query, then hands it to Oxigraph.

The Oxigraph server has no switch to turn federation off (its SERVICE sends requests to any
URL, read-only or not), and a deeply nested query overflows its stack. So clients talk to this
front only; the Oxigraph server listens on a private loopback address behind it. The front
- answers SPARQL queries (GET ?query=, POST application/sparql-query or a form) after the
  checks of views/guard.py: at most MAX_QUERY_CHARS characters, at most MAX_NESTING nested
  brackets, no SERVICE (400, one line of text saying why); the query is then sent on as the
  body of a fresh POST, so Oxigraph parses exactly the text that was checked;
- refuses every write (403) and every other method;
- passes GET and HEAD of everything else (the Graph Store, the web page) through.
"""

from __future__ import annotations

import http.client
import socket
import socketserver
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from ..errors import InputError
from ..views import guard

MAX_BODY = 4 * guard.MAX_QUERY_CHARS + 65_536  # bytes of a request body (UTF-8, form-encoded)
CLIENT_TIMEOUT = 30.0  # seconds a client may take to send its request
_PASSED_HEADERS = ("content-type", "content-disposition", "content-length", "content-encoding", "vary", "allow")


class Front(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sock: socket.socket, backend: tuple[str, int], backend_timeout: float) -> None:
        # The socket is bound already (before the slow start-up, so that a clash is reported
        # at once); it starts listening here.
        super().__init__(sock.getsockname()[:2], _Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.server_address = sock.getsockname()[:2]
        self.backend = backend
        self.backend_timeout = backend_timeout
        self.backend_down = False
        self.server_activate()


class _Handler(BaseHTTPRequestHandler):
    server: Front
    server_version = "atmp-kg-serve"
    timeout = CLIENT_TIMEOUT

    def log_message(self, format, *args):  # noqa: A002 - quiet: the terminal shows the command's own lines
        pass

    # ------------------------------------------------------------ routing

    def do_GET(self):
        self._route(head=False)

    def do_HEAD(self):
        self._route(head=True)

    def do_POST(self):
        path = urlsplit(self.path).path
        if path == "/query":
            self._query(post=True)
        else:
            self._refuse(403, "this endpoint is read-only")

    def _other(self):
        self._refuse(403, "this endpoint is read-only")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _other

    def _route(self, head: bool):
        path = urlsplit(self.path).path
        if path == "/query":
            self._query(post=False)
        elif path == "/update":
            self._refuse(403, "this endpoint is read-only")
        else:
            self._forward("HEAD" if head else "GET", self.path, None, None)

    # ------------------------------------------------------------ queries

    def _query(self, post: bool):
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        queries = params.pop("query", [])
        if post:
            length = self.headers.get("Content-Length")
            if length is None or not length.isascii() or not length.isdigit():
                return self._refuse(411, "a POST needs a Content-Length")
            if int(length) > MAX_BODY:
                return self._refuse(413, f"the request body is larger than {MAX_BODY:,} bytes")
            body = self.rfile.read(int(length))
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/sparql-query":
                queries.append(body.decode("utf-8", errors="replace"))
            elif ctype == "application/x-www-form-urlencoded":
                form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
                queries += form.pop("query", [])
                for k, v in form.items():
                    params.setdefault(k, []).extend(v)
            else:
                return self._refuse(415, "send the query as application/sparql-query or as a form")
        if len(queries) != 1:
            return self._refuse(400, "give exactly one query")
        text = queries[0]
        try:
            suspects = guard.check(text, "query")
        except InputError as e:
            return self._refuse(400, str(e))
        if suspects:
            return self._refuse(400, guard.service_message("query", text, suspects[0]).replace(
                "atmp-kg never sends", "this endpoint never sends"))
        target = "/query" + (("?" + urlencode(params, doseq=True)) if params else "")
        self._forward("POST", target, text.encode("utf-8"), "application/sparql-query")

    # ------------------------------------------------------------ plumbing

    def _forward(self, method: str, target: str, body: bytes | None, ctype: str | None):
        headers = {"Accept": self.headers.get("Accept", "*/*")}
        if ctype:
            headers["Content-Type"] = ctype
        conn = http.client.HTTPConnection(*self.server.backend, timeout=self.server.backend_timeout)
        try:
            try:
                conn.request(method, target, body=body, headers=headers)
                answer = conn.getresponse()
            except (OSError, http.client.HTTPException):
                self.server.backend_down = True
                return self._refuse(502, "the Oxigraph server behind this endpoint did not answer (it may have crashed)")
            self.send_response(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() in _PASSED_HEADERS:
                    self.send_header(name, value)
            self.end_headers()
            if method != "HEAD":
                while True:
                    chunk = answer.read(65_536)
                    if not chunk:
                        break
                    self.wfile.write(chunk)
        except (OSError, http.client.HTTPException):
            pass  # the client went away, or the server broke off mid-answer: nothing more to say
        finally:
            conn.close()

    def _refuse(self, code: int, message: str):
        data = (message + "\n").encode("utf-8")
        try:
            self.send_response(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except OSError:
            pass
