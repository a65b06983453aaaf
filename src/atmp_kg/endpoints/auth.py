"""HTTP authentication in answer to a server's challenge: Digest (RFC 7616) and Basic (RFC 7617).

Credentials are only ever sent in answer to a 401 that asks for them (never pre-emptively), so a
password never goes to a server that did not ask, and Digest, which never sends the password
itself, is used whenever the server offers it (Virtuoso's -auth endpoints offer only Digest).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import urllib.parse
from dataclasses import dataclass, field

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass
class Challenge:
    scheme: str                      # lower-case: "digest", "basic", ...
    params: dict[str, str] = field(default_factory=dict)


def _split(header: str) -> list[str]:
    """A header split on the commas that are outside quoted strings (one linear pass)."""
    pieces, current, quoted, escaped = [], [], False, False
    for ch in header:
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            pieces.append("".join(current))
            current = []
            continue
        current.append(ch)
    pieces.append("".join(current))
    return [p.strip() for p in pieces if p.strip()]


def _param(piece: str, challenge: Challenge) -> None:
    key, sep, value = piece.partition("=")
    key, value = key.strip().lower(), value.strip()
    if not sep or not _TOKEN.fullmatch(key):
        return  # a token68 or junk: nothing we use
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = re.sub(r"\\(.)", r"\1", value[1:-1])
    challenge.params[key] = value


def parse_challenges(headers: list[str]) -> list[Challenge]:
    """Every challenge in the WWW-Authenticate headers, in order (malformed parts are skipped)."""
    out: list[Challenge] = []
    for header in headers:
        for piece in _split(header[:8192]):
            head, _, rest = piece.partition(" ")
            if _TOKEN.fullmatch(head) and "=" not in head and not rest.lstrip().startswith("="):
                out.append(Challenge(head.lower()))
                if rest.strip():
                    _param(rest.strip(), out[-1])
            elif out:
                _param(piece, out[-1])
    return out


def _hash_for(algorithm: str):
    base = algorithm.lower().removesuffix("-sess")
    if base == "md5":
        return hashlib.md5
    if base == "sha-256":
        return hashlib.sha256
    return None


def supported(challenge: Challenge) -> bool:
    if challenge.scheme == "basic":
        return True
    if challenge.scheme != "digest" or "nonce" not in challenge.params:
        return False
    if _hash_for(challenge.params.get("algorithm", "MD5")) is None:
        return False
    qops = _qops(challenge)
    return not qops or "auth" in qops


def _qops(challenge: Challenge) -> list[str]:
    return [q.strip().lower() for q in challenge.params.get("qop", "").split(",") if q.strip()]


def choose(challenges: list[Challenge]) -> Challenge | None:
    """The challenge to answer: Digest before Basic (Digest never sends the password)."""
    usable = [c for c in challenges if supported(c)]
    usable.sort(key=lambda c: 0 if c.scheme == "digest" else 1)
    return usable[0] if usable else None


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def authorization(challenge: Challenge, user: str, password: str, method: str, url: str) -> str:
    """The Authorization header value answering `challenge` for one request."""
    if challenge.scheme == "basic":
        return "Basic " + base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")
    p = challenge.params
    algorithm = p.get("algorithm", "MD5")
    h = _hash_for(algorithm)

    def H(text: str) -> str:
        return h(text.encode("utf-8")).hexdigest()

    parts = urllib.parse.urlsplit(url)
    uri = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    realm, nonce = p.get("realm", ""), p["nonce"]
    cnonce = os.urandom(16).hex()
    nc = "00000001"
    ha1 = H(f"{user}:{realm}:{password}")
    if algorithm.lower().endswith("-sess"):
        ha1 = H(f"{ha1}:{nonce}:{cnonce}")
    ha2 = H(f"{method}:{uri}")
    qop = "auth" if "auth" in _qops(challenge) else None
    if qop:
        response = H(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    else:
        response = H(f"{ha1}:{nonce}:{ha2}")
    fields = [f"username={_quote(user)}", f"realm={_quote(realm)}", f"nonce={_quote(nonce)}",
              f"uri={_quote(uri)}", f"response={_quote(response)}", f"algorithm={algorithm}"]
    if qop:
        fields += [f"qop={qop}", f"nc={nc}", f"cnonce={_quote(cnonce)}"]
    if "opaque" in p:
        fields.append(f"opaque={_quote(p['opaque'])}")
    return "Digest " + ", ".join(fields)


def describe(challenges: list[Challenge]) -> str:
    """The schemes a server asks for, for messages ("Digest", "Negotiate or Bearer")."""
    names = list(dict.fromkeys(c.scheme.capitalize() for c in challenges))
    return " or ".join(names[:3]) if names else ""
