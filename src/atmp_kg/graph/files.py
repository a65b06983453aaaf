"""Reading RDF files safely: one clear error naming the file and line, no network ever.

Parsing goes through pyoxigraph, which never dereferences anything: a JSON-LD remote
@context is refused, RDF/XML external entities are not resolved, and relative IRIs without
a base are an error rather than being resolved against a default base.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..errors import InputError

RDF_SUFFIXES = {
    ".ttl": "TURTLE",
    ".nt": "N_TRIPLES",
    ".nq": "N_QUADS",
    ".trig": "TRIG",
    ".jsonld": "JSON_LD",
    ".json": "JSON_LD",
    ".rdf": "RDF_XML",
    ".owl": "RDF_XML",
    ".xml": "RDF_XML",
}


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files and folders to a sorted list of RDF files; a missing path is an error."""
    from ..resources import rdf_files

    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = rdf_files(p)
            if not found:
                raise InputError(f"{p}: folder holds no RDF files ({', '.join(sorted(RDF_SUFFIXES))})")
            out.extend(found)
        elif p.is_file():
            if p.suffix.lower() not in RDF_SUFFIXES:
                raise InputError(
                    f"{p}: unknown RDF file type {p.suffix or '(no suffix)'!r}; "
                    f"use one of {', '.join(sorted(RDF_SUFFIXES))}"
                )
            out.append(p)
        elif p.exists():
            raise InputError(f"{p}: not a regular file")
        else:
            raise InputError(f"{p}: no such file or folder")
    return out


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None


def _check_utf8(path: Path, data: bytes) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        kind = "binary data" if b"\x00" in data[:4096] else "text that is not UTF-8"
        raise InputError(f"{path}: line {line}, column {column}: {kind} (RDF files must be UTF-8)") from None


def parse_quads(path: Path, data: bytes | None = None) -> list:
    """All quads of one file as pyoxigraph Quads; errors name the file and line."""
    import pyoxigraph as ox

    fmt = getattr(ox.RdfFormat, RDF_SUFFIXES[path.suffix.lower()])
    if data is None:
        data = _read_bytes(path)
    if fmt != ox.RdfFormat.RDF_XML:
        _check_utf8(path, data)
    try:
        return list(ox.parse(data, fmt, base_iri=None))
    except SyntaxError as e:
        raise InputError(f"{path}: {_syntax_message(e)}") from None
    except (ValueError, OSError) as e:
        raise InputError(f"{path}: {e}") from None


def _syntax_message(e: SyntaxError) -> str:
    msg = str(e.msg if hasattr(e, "msg") and e.msg else e)
    if "LoadDocumentCallback" in msg:
        return "JSON-LD with a remote @context is refused (atmp-kg never fetches contexts); inline the context"
    if "ENTITY" in msg or "DOCTYPE" in msg:
        return f"XML document type declarations and entities are refused (external entities are never resolved): {msg}"
    if "No scheme found in an absolute IRI" in msg:
        msg += " (relative IRIs need an @base in the file)"
    return msg


_TRIPLE_FORMATS = ("TURTLE", "N_TRIPLES", "RDF_XML")


def load_into(store, path: Path) -> None:
    """Load one file into a pyoxigraph Store's default graph, natively (no Python objects per
    triple) where the format holds triples only; errors as parse_quads gives them."""
    import pyoxigraph as ox

    name = RDF_SUFFIXES[path.suffix.lower()]
    if name not in _TRIPLE_FORMATS:
        quads = parse_quads(path)
        store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
        return
    data = _read_bytes(path)
    if name != "RDF_XML":
        _check_utf8(path, data)
    try:
        store.load(data, getattr(ox.RdfFormat, name), base_iri=None, to_graph=ox.DefaultGraph())
    except SyntaxError as e:
        raise InputError(f"{path}: {_syntax_message(e)}") from None
    except (ValueError, OSError) as e:
        raise InputError(f"{path}: {e}") from None
