"""Reading RDF files safely: one clear error naming the file and line, no network ever.

Parsing goes through pyoxigraph, which never dereferences anything: a JSON-LD remote
@context is refused, and relative IRIs without a base are an error rather than being
resolved against a default base. Before parsing: every file must be UTF-8 (a leading byte
order mark is skipped); an RDF/XML file with a document type declaration is refused, so that
no entity is ever expanded ("billion laughs") or resolved. After parsing: RDF 1.2 (triple
terms, reifiers, annotations, text direction, a VERSION directive) is refused, since the
rest of atmp-kg (canonical Turtle, the exports, the shapes) is RDF 1.1.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from ..errors import InputError
from .formats import RDF_SUFFIXES


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


BOM = b"\xef\xbb\xbf"


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, without a leading UTF-8 byte order mark."""
    try:
        data = path.read_bytes()
        return data[len(BOM):] if data.startswith(BOM) else data
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None


def _check_utf8(path: Path, data: bytes) -> None:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(f"{path}: UTF-16 text (RDF files must be UTF-8)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        kind = "binary data" if b"\x00" in data[:4096] else "text that is not UTF-8"
        raise InputError(f"{path}: line {line}, column {column}: {kind} (RDF files must be UTF-8)") from None


def _checked_bytes(path: Path, name: str, data: bytes | None = None) -> bytes:
    """The file's bytes once they passed the checks that come before any parsing."""
    if data is None:
        data = _read_bytes(path)
    elif data.startswith(BOM):
        data = data[len(BOM):]
    _check_utf8(path, data)
    if name == "RDF_XML":
        _refuse_doctype(path, data)
        _refuse_deep_xml(path, data)
    elif name == "JSON_LD":
        _refuse_deep_json(path, data)
    elif name in ("TURTLE", "TRIG"):
        _refuse_version(path, data)
    return data


# XML names its DTD with <!DOCTYPE ...>; the parser is given nothing that holds one (matched
# in any case, as lenient parsers do), wherever it is.
_DOCTYPE = re.compile(rb"<!\s*doctype", re.IGNORECASE)


def _refuse_doctype(path: Path, data: bytes) -> None:
    m = _DOCTYPE.search(data)
    if m:
        line = data.count(b"\n", 0, m.start()) + 1
        raise InputError(
            f"{path}: line {line}: XML document type declarations (<!DOCTYPE ...>) are refused before parsing: "
            "their entities are never resolved or expanded; remove the DOCTYPE (and any &entity; references)"
        )


# XML elements nested deeper than this are refused: Oxigraph's RDF/XML parser takes time
# quadratic in the depth (measured: 5,000 levels 1 s, 50,000 over 120 s).
MAX_XML_DEPTH = 256


def _refuse_deep_xml(path: Path, data: bytes) -> None:
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    depth = [0]

    class TooDeep(Exception):
        pass

    def start(name, attrs):
        depth[0] += 1
        if depth[0] > MAX_XML_DEPTH:
            raise TooDeep(parser.CurrentLineNumber)

    def end(name):
        depth[0] -= 1

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.Parse(data, True)
    except TooDeep as e:
        raise InputError(f"{path}: line {e.args[0]}: XML elements nested more than {MAX_XML_DEPTH} deep; "
                         "refused before parsing") from None
    except xml.parsers.expat.ExpatError:
        return  # malformed XML: the RDF/XML parser says where


# JSON nested deeper than this is refused before parsing: Oxigraph's JSON-LD parser, given
# 60,000 nested node objects, was measured to take 17 GB and then crash (exit 139). Documents
# atmp-kg writes nest 4 deep.
MAX_JSON_DEPTH = 100
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_INNERMOST = re.compile(rb"\{\}|\[\]")


def _refuse_deep_json(path: Path, data: bytes) -> None:
    """Brackets outside strings, innermost pairs removed a level at a time (each pass at C speed)."""
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", data))
    for _ in range(MAX_JSON_DEPTH):
        if not brackets:
            return
        shorter = _INNERMOST.sub(b"", brackets)
        if len(shorter) == len(brackets):
            return  # unbalanced: the parser reports where
        brackets = shorter
    if brackets:
        raise InputError(f"{path}: JSON nested more than {MAX_JSON_DEPTH} levels deep; it is refused before parsing")


# RDF 1.2 syntax in Turtle, TriG, N-Triples and N-Quads: triple terms and reified triples
# (<<), annotations ({|), reifiers (~) and directional language tags (--ltr, --rtl). Only a
# file holding one of these is checked term by term, after parsing. Searched for one by one:
# bytes.find runs at memory speed, where one regex with alternatives took 0.44 s on 60 MB.
_RDF12_MARKS = (b"~", b"<<", b"{|")
_DIRECTION = re.compile(rb"--(?:ltr|rtl)")


def _may_hold_rdf12(data: bytes) -> bool:
    return any(mark in data for mark in _RDF12_MARKS) or (b"--" in data and _DIRECTION.search(data) is not None)


# The VERSION directive of Turtle/TriG 1.2, outside strings, IRIs and comments.
_TTL_SKIP = re.compile(
    rb'#[^\n\r]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    rb'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\'|<[^>\s]*>',
    re.DOTALL,
)
_VERSION = re.compile(rb"(?<![A-Za-z0-9_:.\-\\\"'])(?:@version|(?i:version))(?=\s*\")")


def _may_hold_version(data: bytes) -> bool:
    """Whether "version" (any case) is anywhere followed by white space and a double quote: a
    cheap first pass (bytes.lower and find run in C), since stripping strings and comments from
    a large file takes seconds (3.5 s for 61 MB) and almost no file holds a candidate."""
    low = data.lower()
    i = low.find(b"version")
    while i >= 0:
        j = i + 7
        while j < len(low) and low[j] in b" \t\r\n\x0b\x0c":
            j += 1
        if low[j:j + 1] == b'"':
            return True
        i = low.find(b"version", i + 1)
    return False


def _refuse_version(path: Path, data: bytes) -> None:
    if not _may_hold_version(data):
        return
    code = _TTL_SKIP.sub(lambda m: b'""' if m.group()[:1] in b"\"'" else b" ", data)
    if _VERSION.search(code):
        raise InputError(f"{path}: an RDF 1.2 VERSION directive; atmp-kg reads RDF 1.1 (remove the directive)")


def _refuse_rdf12(path: Path, quads) -> None:
    """Raises on the first RDF 1.2 term among the quads."""
    import pyoxigraph as ox

    triple, literal = ox.Triple, ox.Literal
    for q in quads:
        o = q.object
        if type(o) is triple or type(q.subject) is triple:
            raise InputError(
                f"{path}: RDF 1.2 triple terms (<<( ... )>>, << ... >>, {{| ... |}}, ~) are not supported; "
                f"atmp-kg reads RDF 1.1 (found in the triple about {_clip(str(q.subject))})"
            )
        if type(o) is literal and o.direction is not None:
            raise InputError(
                f"{path}: RDF 1.2 text direction (\"...\"@{o.language}--{o.direction}) is not supported; "
                f"atmp-kg reads RDF 1.1 (literal {_clip(repr(o.value))})"
            )


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def parse_quads(path: Path, data: bytes | None = None) -> list:
    """All quads of one file as pyoxigraph Quads; errors name the file and line."""
    import pyoxigraph as ox

    name = RDF_SUFFIXES[path.suffix.lower()]
    data = _checked_bytes(path, name, data)
    try:
        quads = list(ox.parse(data, getattr(ox.RdfFormat, name), base_iri=None))
    except SyntaxError as e:
        raise InputError(f"{path}: {_syntax_message(e)}") from None
    except (ValueError, OSError) as e:
        raise InputError(f"{path}: {e}") from None
    except MemoryError as e:
        raise InputError(_memory_message(path, e)) from None
    _refuse_rdf12(path, quads)
    return quads


def _memory_message(path: Path, e: MemoryError) -> str:
    if "buffer maximal size" in str(e):  # Oxigraph's parser holds one token in at most 16 MiB
        return f"{path}: an IRI, literal or other token longer than the parser's limit of 16 MiB ({e})"
    return f"{path}: too large to parse in the memory available"


def _syntax_message(e: SyntaxError) -> str:
    msg = str(e.msg if hasattr(e, "msg") and e.msg else e)
    if "LoadDocumentCallback" in msg:
        return "JSON-LD with a remote @context is refused (atmp-kg never fetches contexts); inline the context"
    if "ENTITY" in msg or "DOCTYPE" in msg:
        return f"XML document type declarations and entities are refused (external entities are never resolved): {msg}"
    if "No scheme found in an absolute IRI" in msg:
        msg += " (relative IRIs need an @base in the file)"
    return msg


_NATIVE_FORMATS = ("TURTLE", "N_TRIPLES")


def load_into(store, path: Path, *, beside_checks: bool = False) -> None:
    """Load one file into a pyoxigraph Store's default graph, natively (no Python objects per
    triple) where the format holds triples only; errors as parse_quads gives them.

    beside_checks, for a fresh store that any error discards: pyoxigraph parses a Turtle or
    N-Triples file from its path (without the GIL) while the checks of its bytes run (they took
    0.45 s of the 4-6 s load of a 61 MB file); a refusal of the checks is still what is reported."""
    name = RDF_SUFFIXES[path.suffix.lower()]
    if beside_checks and name in _NATIVE_FORMATS:
        data = _read_bytes(path)
        if len(data) == path.stat().st_size:  # no byte order mark, which the parser may not skip
            _load_beside_checks(store, path, data, name)
            return
    data = _checked_bytes(path, name)
    if name not in _NATIVE_FORMATS or _may_hold_rdf12(data):
        # Quads as Python objects: checked for RDF 1.2 terms on the way.
        store.extend(_in_default_graph(parse_quads(path, data)))
        return
    _load_native(store, path, data, name)


def _load_beside_checks(store, path: Path, data: bytes, name: str) -> None:
    from ..background import Job

    job = Job(_load_native, store, path, None, name)
    try:
        _checked_bytes(path, name, data)
        marks = _may_hold_rdf12(data)
    finally:  # a refusal of the checks is raised once the parse has ended, whatever it gave
        failed = job.wait()
    if marks:
        # Parsed again as Python objects to refuse RDF 1.2 terms, and to give the checked way's
        # error. The triples stay those of the native load: inserted again, every blank node
        # would be a second node.
        quads = parse_quads(path, data)
        if failed is not None:  # the native parse refused a file this parse took: insert its quads
            store.extend(_in_default_graph(quads))
        return
    if failed is not None:
        raise failed


def _in_default_graph(quads):
    import pyoxigraph as ox

    return (ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)


def _load_native(store, path: Path, data: bytes | None, name: str) -> None:
    """data, else the file itself (read by pyoxigraph, without the GIL)."""
    import pyoxigraph as ox

    source = {"path": str(path)} if data is None else {"input": data}
    try:
        store.load(format=getattr(ox.RdfFormat, name), base_iri=None, to_graph=ox.DefaultGraph(), **source)
    except SyntaxError as e:
        raise InputError(f"{path}: {_syntax_message(e)}") from None
    except MemoryError as e:
        raise InputError(_memory_message(path, e)) from None
    except (ValueError, OSError) as e:
        raise InputError(f"{path}: {e}") from None
