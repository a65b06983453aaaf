"""Downloads EMA's current spreadsheet (or any snapshot URL) into a folder, whole or not at all.

Safe by construction: http(s) only, at most MAX_REDIRECTS redirects and never from https to
plain http, a timeout on every socket operation, TLS verified, no credentials sent. The body
goes to a file in the given folder, which the caller removes; a download cut short (fewer
bytes than Content-Length, or the connection lost) raises before anyone reads the file.
"""

from __future__ import annotations

import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from ..errors import EndpointError, InputError

# EMA's "Download medicine data" page links this file (the medicines report, all medicines,
# regenerated daily); it is the same file the project's snapshots in data/ema/ are copies of.
DEFAULT_URL = "https://www.ema.europa.eu/en/documents/report/medicines-output-medicines-report_en.xlsx"
MAX_REDIRECTS = 5
MAX_BYTES = 200 * 1024 * 1024  # EMA's file is a few MB; anything this large is not it
USER_AGENT = "Mozilla/5.0 (compatible; atmp-kg; +https://w3id.org/atmp-kg)"


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = urllib.parse.urlsplit(urllib.parse.urljoin(req.full_url, newurl))
        old = urllib.parse.urlsplit(req.full_url)
        if new.scheme not in ("http", "https"):
            raise EndpointError(f"{req.full_url}: redirected to a {new.scheme or 'relative'} address ({newurl}); only http(s) is followed")
        if old.scheme == "https" and new.scheme == "http":
            raise EndpointError(f"{req.full_url}: redirected from https to plain http ({newurl}); refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def check_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"--from-url {url!r}: give an http(s) address")
    return url


def _file_name(url: str, headers) -> str:
    """The name the server gives the file, else the last part of the URL; path parts dropped."""
    disposition = headers.get("Content-Disposition") or ""
    m = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', disposition, re.IGNORECASE)
    raw = urllib.parse.unquote(m.group(1)) if m else urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", raw.replace("\\", "/").rsplit("/", 1)[-1]).strip("._")
    return name or "download.xlsx"


def download(url: str, folder: Path, *, timeout: float = 60.0, progress: bool | None = None) -> Path:
    """Fetch url into folder (which must exist); returns the file's path."""
    check_url(url)
    if progress is None:
        progress = sys.stderr.isatty()
    opener = urllib.request.build_opener(_Redirects())
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        raise EndpointError(f"{url}: HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        reason = e.reason if not isinstance(e.reason, OSError) else (e.reason.strerror or e.reason)
        raise EndpointError(f"{url}: cannot download ({reason})") from None
    except (TimeoutError, OSError) as e:
        raise EndpointError(f"{url}: cannot download ({e.strerror if isinstance(e, OSError) and e.strerror else 'timed out'})") from None
    with response:
        expected = response.headers.get("Content-Length")
        expected = int(expected) if expected and expected.isdigit() else None
        if expected is not None and expected > MAX_BYTES:
            raise EndpointError(f"{url}: the server offers {expected} bytes, more than any EMA export ({MAX_BYTES})")
        target = folder / _file_name(response.geturl(), response.headers)
        got = 0
        last = 0.0
        try:
            with open(target, "wb") as fh:
                while True:
                    block = response.read(1 << 16)
                    if not block:
                        break
                    got += len(block)
                    if got > MAX_BYTES:
                        raise EndpointError(f"{url}: more than {MAX_BYTES} bytes; not an EMA export")
                    fh.write(block)
                    if progress and time.monotonic() - last > 0.1:
                        last = time.monotonic()
                        total = f" of {expected / 1e6:.1f}" if expected else ""
                        print(f"\rdownloading {target.name}: {got / 1e6:.1f}{total} MB", end="", file=sys.stderr, flush=True)
        except EndpointError:
            raise
        except (TimeoutError, OSError) as e:
            raise EndpointError(f"{url}: download cut short after {got} bytes ({getattr(e, 'strerror', None) or e or 'timed out'})") from None
        except Exception as e:  # http.client.IncompleteRead and kin
            raise EndpointError(f"{url}: download cut short after {got} bytes ({type(e).__name__})") from None
        finally:
            if progress:
                print("", file=sys.stderr)
    if expected is not None and got != expected:
        raise EndpointError(f"{url}: download cut short: {got} of {expected} bytes")
    if got == 0:
        raise EndpointError(f"{url}: the server sent an empty file")
    return target
