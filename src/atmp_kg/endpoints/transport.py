"""HTTP(S) exchanges with a real deadline, a size cap, challenge-only authentication, and
one-line summaries of what a server said.

- SPARQLWrapper's setTimeout is a socket timeout (int() of it, so 0.5 s means none) that bounds
  each blocking read, not the whole exchange: a server that trickles one byte a second never
  times out. Here every exchange runs in a worker thread (reading, authentication round trips
  and the caller's parsing included) and the caller waits at most `timeout` seconds for it.
- Answers are read in chunks up to a cap (ATMP_KG_MAX_ANSWER_MB, 256 MB by default): an
  endless answer ends as an error, not as an exhausted machine.
- urllib follows redirects and carries the Authorization header to whatever host the redirect
  names. Redirects are not followed here: the user is told the new URL.
- Credentials (ATMP_KG_USER / ATMP_KG_PASSWORD, else a netrc entry for the host) are sent only in
  answer to a 401 challenge, as Digest when the server offers it, else Basic (auth.py). A URL
  with user:password@ is refused and no message ever shows userinfo.
- TLS certificates and host names are verified (a private CA can be given with SSL_CERT_FILE).
- Server text that reaches a message (bodies, reason phrases, headers) is stripped of control
  characters and terminal escapes and clipped; HTML is summarised in linear time.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import ssl
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

from .. import __version__
from ..errors import EndpointError, InputError
from . import auth as _auth

USER_AGENT = f"atmp-kg/{__version__} (+https://w3id.org/atmp-kg)"
USER_ENV = "ATMP_KG_USER"
PASSWORD_ENV = "ATMP_KG_PASSWORD"
MAX_ANSWER_ENV = "ATMP_KG_MAX_ANSWER_MB"
DEFAULT_MAX_ANSWER_MB = 256
_MAX_ERROR_BODY = 64 * 1024
_CHUNK = 1 << 20
_CLIP = 200


# ---------------------------------------------------------------- text from servers

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")


def clean(text: str, width: int = _CLIP) -> str:
    """Server text made safe for one line on a terminal: terminal escapes and control and
    format characters removed, whitespace collapsed, clipped to `width` characters."""
    text = _ESCAPES.sub("", text[: width * 8])
    text = "".join(ch if ch.isprintable() else (" " if ch in "\t\n\r\x0b\x0c" else "")
                   for ch in text if unicodedata.category(ch) != "Cf")
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _tag_name(lower: str, start: int, end: int) -> str:
    i = start + 1
    if i < end and lower[i] == "/":
        i += 1
    j = i
    while j < end and j - i < 16 and lower[j].isalnum():
        j += 1
    return lower[i:j]


def html_title(text: str) -> str | None:
    """The text of an HTML page's <title>, found with plain searches (linear time)."""
    lower = text.lower()
    i = lower.find("<title")
    if i < 0:
        return None
    j = lower.find(">", i)
    k = lower.find("</title", j) if j >= 0 else -1
    if k < 0:
        return None
    title = clean(html_text(text[j + 1:k]))
    return title or None


def html_text(text: str) -> str:
    """The visible text of HTML, one line per element, without head, script, style and title
    (a linear scan: an unclosed tag ends the text; no regular expression backtracks)."""
    lower = text.lower()
    out: list[str] = []
    pos, n = 0, len(text)
    while pos < n:
        lt = text.find("<", pos)
        if lt < 0:
            out.append(text[pos:])
            break
        out.append(text[pos:lt])
        gt = text.find(">", lt + 1)
        if gt < 0:
            break
        name = _tag_name(lower, lt, gt)
        if name in ("script", "style", "head", "title") and lower[lt + 1] != "/":
            close = lower.find("</" + name, gt)
            if close < 0:
                break
            end = lower.find(">", close)
            pos = n if end < 0 else end + 1
            continue
        out.append("\n")
        pos = gt + 1
    return "".join(out)


_STATUS_LINE = re.compile(r"^(?:HTTP/\d(?:\.\d)?\s+)?\d{3}\b|^Error\s+\S+$", re.IGNORECASE)


def looks_html(headers: dict[str, str], body: bytes) -> bool:
    ctype = headers.get("content-type", "").lower()
    head = body[:512].lstrip().lower()
    return "html" in ctype or head.startswith(b"<!doctype html") or head.startswith(b"<html")


def summarise(answer: "Answer") -> str:
    """The server's own reason, one line, clipped: for an HTML page its title and the first
    line of its body that is not the title or the status again; else the first text line."""
    text = answer.body[: 4 * _MAX_ERROR_BODY].decode("utf-8", errors="replace")
    if looks_html(answer.headers, answer.body):
        title = html_title(text)
        reason = ""
        for line in html_text(text).splitlines():
            line = clean(line)
            if line and line != title and not _STATUS_LINE.match(line) and line != clean(answer.reason):
                reason = line
                break
        joined = f"{title}: {reason}" if title and reason else (title or reason)
        return clean(joined) or "(an HTML page)"
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    return clean(first) or "(no message)"


# ---------------------------------------------------------------- URLs and credentials

def redact(url: str) -> str:
    """A URL without user:password@ (for messages)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<malformed URL>"
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def check_url(url: str, what: str = "endpoint") -> str:
    """An http(s) URL with a host and no credentials in it; anything else is an InputError."""
    shown = clean(redact(url), 300)
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise InputError(f"{what} {shown!r} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InputError(f"{what} {shown}: only http:// and https:// URLs are supported")
    if not parts.hostname:
        raise InputError(f"{what} {shown}: the URL names no host")
    if "@" in parts.netloc:
        raise InputError(
            f"{what} {shown}: credentials in the URL are refused; set {USER_ENV} and {PASSWORD_ENV} "
            f"or add a netrc entry for {parts.hostname}"
        )
    if parts.fragment:
        raise InputError(f"{what} {shown}: a URL with a #fragment is not an endpoint")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise InputError(f"{what} {shown}: the URL holds spaces or control characters; percent-encode them")
    return url


def credentials(url: str) -> tuple[str, str] | None:
    """(user, password) for a URL from the environment, else from netrc; None if neither."""
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user or password:
        if not (user and password):
            raise InputError(f"set both {USER_ENV} and {PASSWORD_ENV}, or neither")
        return user, password
    host = urllib.parse.urlsplit(url).hostname or ""
    import netrc

    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except netrc.NetrcParseError as e:
        # The message may quote the file; say only where and what kind of problem.
        kind = "permissions too open (chmod 600 it)" if "access too permissive" in str(e) else f"line {e.lineno}"
        raise InputError(f"netrc file {path} cannot be used: {kind}") from None
    except OSError as e:
        raise InputError(f"netrc file {path} cannot be read ({e.strerror or e})") from None
    if not entry or not entry[0] or not entry[2]:
        return None
    return entry[0], entry[2]


def max_answer_bytes() -> int:
    raw = os.environ.get(MAX_ANSWER_ENV)
    if raw is None or raw.strip() == "":
        return DEFAULT_MAX_ANSWER_MB << 20
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if not (mb > 0) or mb > 1 << 20:
        raise InputError(f"{MAX_ANSWER_ENV}={clean(raw, 40)!r}: give the largest endpoint answer to accept, in MB (e.g. 256)")
    return int(mb * (1 << 20))


# ---------------------------------------------------------------- one HTTP exchange

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D401
        return None  # urllib then raises HTTPError for the 3xx, which is reported


def _opener(sockets: list) -> urllib.request.OpenerDirector:
    """An opener that verifies TLS, follows no redirect, and lists the sockets it opens
    (so that an exchange past its deadline can be cut off)."""
    context = ssl.create_default_context()  # verifies certificates and host names

    class Conn(http.client.HTTPConnection):
        def connect(self):
            super().connect()
            sockets.append(self.sock)

    class TLSConn(http.client.HTTPSConnection):
        def connect(self):
            super().connect()
            sockets.append(self.sock)

    class Plain(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Conn, req)

    class TLS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(TLSConn, req, context=context)

    return urllib.request.build_opener(Plain(), TLS(context=context), _NoRedirect())


@dataclass
class Answer:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    challenges: list[str] = field(default_factory=list)   # every WWW-Authenticate header
    sent_credentials: bool = False                         # the request answered a challenge
    offered: str = ""                                      # the schemes a 401 asked for


class TooLarge(Exception):
    pass


def _read(fp, limit: int, length: str | None) -> bytes:
    if length and length.strip().isdigit() and int(length) > limit:
        raise TooLarge()
    chunks, total = [], 0
    while True:
        chunk = fp.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise TooLarge()


def _exchange(request: urllib.request.Request, timeout: float, sockets: list, limit: int) -> Answer:
    """Send one request and read the answer (an error body only up to 64 KB)."""
    try:
        response = _opener(sockets).open(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        headers = e.headers
        try:
            body = e.read(_MAX_ERROR_BODY) if e.fp is not None else b""
        except (OSError, http.client.HTTPException):
            body = b""
        return Answer(e.code, str(e.reason or ""), {k.lower(): v for k, v in (headers or {}).items()}, body,
                      list(headers.get_all("WWW-Authenticate") or []) if headers is not None else [])
    with response:
        heads = {k.lower(): v for k, v in response.getheaders()}
        body = _read(response, limit, heads.get("content-length"))
        return Answer(response.status, str(response.reason or ""), heads, body)


def _copy(request: urllib.request.Request, **changes) -> urllib.request.Request:
    headers = dict(request.header_items())
    headers.update(changes.pop("headers", {}))
    return urllib.request.Request(request.full_url, data=changes.get("data", request.data), headers=headers,
                                  method=changes.get("method", request.get_method()))


def _conversation(request, *, timeout: float, sockets: list, limit: int, creds, probe: bool) -> Answer:
    """One request, answering an authentication challenge when credentials are configured.

    With `probe` (a large body) a HEAD asks first whether the server wants credentials: the
    body is then not sent twice, and a server that answers 401 and closes the connection
    before reading the body (Virtuoso does) is still heard."""
    deadline = time.monotonic() + timeout
    remaining = lambda: max(0.05, deadline - time.monotonic())  # noqa: E731
    challenge = None
    if probe:
        head = _exchange(_copy(request, data=None, method="HEAD"), remaining(), sockets, limit)
        if head.status == 401:
            offered = _auth.parse_challenges(head.challenges)
            challenge = _auth.choose(offered) if creds else None
            if challenge is None:
                head.offered = _auth.describe(offered)
                return head
            # The credentials are tried on a HEAD too: a server that refuses them may close the
            # connection before reading a large body, and the refusal would be lost.
            for _ in range(2):
                check = _exchange(_copy(request, data=None, method="HEAD", headers={"Authorization": _auth.authorization(
                    challenge, creds[0], creds[1], "HEAD", request.full_url)}), remaining(), sockets, limit)
                if check.status != 401:
                    break
                new = _auth.choose(_auth.parse_challenges(check.challenges))
                if new is None or new.params.get("stale", "").lower() != "true":
                    check.sent_credentials = True
                    check.offered = _auth.describe(_auth.parse_challenges(check.challenges)) or _auth.describe([challenge])
                    return check
                challenge = new
    answer = None
    for _ in range(3):
        req = request
        if challenge is not None:
            req = _copy(request, headers={"Authorization": _auth.authorization(
                challenge, creds[0], creds[1], request.get_method(), request.full_url)})
        answer = _exchange(req, remaining(), sockets, limit)
        answer.sent_credentials = challenge is not None
        if answer.status != 401:
            break
        offered = _auth.parse_challenges(answer.challenges)
        answer.offered = _auth.describe(offered)
        if not creds:
            break
        new = _auth.choose(offered)
        stale = new is not None and new.params.get("stale", "").lower() == "true"
        if new is None or (challenge is not None and not stale):
            break  # an unsupported scheme, or the credentials were refused
        challenge = new
    return answer


def send(request: urllib.request.Request, *, timeout: float, label: str, creds=None,
         probe: bool = False, parse: Callable[[Answer], object] | None = None):
    """Run one exchange (with its authentication round trips and the caller's `parse` of the
    answer) in a worker thread, waiting at most `timeout` seconds for all of it.

    Past the deadline the sockets are shut down, so the thread ends too. Network faults
    become one-line EndpointErrors naming `label`; `parse` may raise EndpointError itself.
    """
    limit = max_answer_bytes()
    box: dict = {}
    done = threading.Event()
    sockets: list = []

    def work():
        try:
            answer = _conversation(request, timeout=timeout, sockets=sockets, limit=limit, creds=creds, probe=probe)
            box["answer"] = parse(answer) if parse is not None else answer
        except BaseException as e:  # handed to the caller
            box["error"] = e
        finally:
            done.set()

    thread = threading.Thread(target=work, name="atmp-kg-http", daemon=True)
    thread.start()
    if not done.wait(timeout):
        for sock in list(sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise EndpointError(f"{label}: no complete answer within {timeout:g} s (raise --timeout for a slow server)")
    if "error" in box:
        e = box["error"]
        if isinstance(e, (EndpointError, InputError)):
            raise e
        if isinstance(e, TooLarge):
            raise EndpointError(f"{label}: the answer is larger than {limit / (1 << 20):g} MB, the limit on an "
                                f"endpoint's answer (set {MAX_ANSWER_ENV} to raise it, or page the query)") from None
        if isinstance(e, RecursionError):
            raise EndpointError(f"{label}: the answer is nested too deeply to read") from None
        if isinstance(e, MemoryError):
            raise EndpointError(f"{label}: the answer does not fit in memory (lower {MAX_ANSWER_ENV})") from None
        raise EndpointError(f"{label}: {_network_fault(e, request, timeout)}") from None
    return box["answer"]


def _network_fault(e: BaseException, request: urllib.request.Request, timeout: float) -> str:
    reason = e.reason if isinstance(e, urllib.error.URLError) and not isinstance(e, urllib.error.HTTPError) else e
    host = urllib.parse.urlsplit(request.full_url).hostname
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the server running, and is the port right?)"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"no answer within {timeout:g} s (raise --timeout for a slow server)"
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve host {clean(str(host), 100)}"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({clean(str(reason.verify_message or reason.reason))}); set SSL_CERT_FILE for a private CA"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error ({clean(str(reason.reason or reason))})"
    if isinstance(reason, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(reason, http.client.IncompleteRead):
        return "the server closed the connection in the middle of its answer"
    if isinstance(reason, http.client.HTTPException):
        return f"not an HTTP answer ({type(reason).__name__}: {clean(str(reason), 80)})"
    if isinstance(reason, ConnectionResetError):
        return "the connection was reset by the server"
    if isinstance(reason, BrokenPipeError):
        return "the server closed the connection while the request was being sent"
    if isinstance(reason, OSError):
        return f"network error ({clean(str(reason.strerror or reason))})"
    if isinstance(reason, str):
        return f"network error ({clean(reason)})"
    return f"request failed ({type(reason).__name__}: {clean(str(reason))})"


def http_fault(answer: Answer, label: str, *, configured: bool, hint: str = "") -> EndpointError:
    """A non-success answer as one line: the status, the server's own reason, and what to do."""
    status = f"HTTP {answer.status}" + (f" {clean(answer.reason, 60)}" if answer.reason else "")
    if 300 <= answer.status < 400:
        location = answer.headers.get("location")
        if location:
            return EndpointError(f"{label}: {status}: the server redirects to {clean(redact(location), 300)}; use that URL")
        return EndpointError(f"{label}: {status} without a Location")
    if answer.status == 401:
        scheme = f" ({answer.offered} authentication)" if answer.offered else ""
        if answer.sent_credentials:
            text = f"the credentials were refused{scheme}: check {USER_ENV} and {PASSWORD_ENV} (or the netrc entry)"
        elif configured and answer.offered:
            text = (f"it asks for {answer.offered} authentication, which atmp-kg does not support "
                    "(it answers Digest and Basic)")
        else:
            text = (f"it needs credentials{scheme}: set {USER_ENV} and {PASSWORD_ENV}, "
                    "or add a netrc entry for its host")
        return EndpointError(f"{label}: {status}: {text}")
    if answer.status == 407:
        return EndpointError(f"{label}: {status}: the HTTP proxy needs credentials (atmp-kg does not send any to proxies)")
    return EndpointError(f"{label}: {status}: {summarise(answer)}{hint}")
