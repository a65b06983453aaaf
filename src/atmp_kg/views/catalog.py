"""The catalog of views in queries/ and safe binding of their parameters.

Each view is one .rq file whose leading comment block is its header:

    # title: ATMPs authorised as of a date
    # description: One row per ATMP authorised on or before ?as_of ...
    #   (indented comment lines continue the previous field)
    # param: as_of date = today -- the date the field is seen as of
    # column: status -- the status implied by the latest action on or before as_of

Parameters are typed (date, integer, decimal, boolean, string, iri), checked before binding,
and bound by replacing the variable with a fully escaped RDF term. Only variable tokens are
replaced: strings, IRIs and comments in the query are left alone, so a value can never change
the structure of the query. The same bound text runs on the embedded engine and on any
SPARQL 1.1 endpoint.

A measure (`# returns: number`) may be written as its members, one row per counted thing, with
`# aggregate: count ?x as ?n`, `percent ?flag as ?p` or `median ?days as ?m`: the catalog wraps
the members in the aggregate, so the rule of what counts is written once and the members can be
listed (`atmp-kg query NAME --members`). A one-row summary may be written as the measures it
combines (`# combines: NAME NAME ...`): its text joins theirs, so no number is worked out twice.

`# column: NAME -- meaning` lines explain the view's columns (`atmp-kg queries NAME` shows
them); a header without them is still valid. A string parameter whose description says it
is "the EMA product number" is checked as one before the view runs (product_number_hint):
a product's name or an unknown number gets a hint naming the product meant.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import resources
from ..errors import InputError
from ..lazy_re import LazyPattern

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = ("date", "integer", "decimal", "boolean", "string", "iri")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None = None
    description: str = ""

    @property
    def required(self) -> bool:
        return self.default is None

    @property
    def product_number(self) -> bool:
        """Whether the parameter takes an EMA product number (the header convention above)."""
        return self.type == "string" and "ema product number" in self.description.lower()


@dataclass
class View:
    name: str
    path: Path
    title: str
    description: str = ""
    params: list[Param] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # column -> meaning, from the header
    returns: str | None = None     # "number" for a measure (one row, one number)
    aggregate: str | None = None   # for a measure written as its members: "count ?x as ?y", "percent ?flag as ?y", "median ?v as ?y"
    combines: tuple[str, ...] = ()  # for a summary written as the measures it joins

    @property
    def source_text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def text(self) -> str:
        """The query to run: the file, or for a measure written as its members, the file wrapped
        in the aggregate its header declares (so that it returns one row with one number); for a
        summary, the measures it combines, joined."""
        if self.combines:
            return combined_query(self)
        return aggregate_query(self.source_text, self.aggregate, where=str(self.path)) if self.aggregate else self.source_text

    @property
    def is_measure(self) -> bool:
        return self.returns == "number"

    @property
    def members_text(self) -> str | None:
        """For a measure written as its members: the members query (one row per counted member)."""
        return self.source_text if self.aggregate else None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "params": [
                {"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                for p in self.params
            ],
            "columns": [{"name": c, "description": d} for c, d in self.columns.items()],
            **({"returns": self.returns} if self.returns else {}),
        }


_PARAM_RE = LazyPattern(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)"
    r'(?:\s*=\s*(?:"(?P<quoted>[^"]*)"|(?P<default>\S+)))?\s*(?:--\s*(?P<desc>.*))?$'
)


_COLUMN_RE = LazyPattern(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:--\s*(?P<desc>.*))?$")


def parse_header(path: Path, text: str | None = None) -> View:
    """Read a view's header; a malformed header is an error naming file and line."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None
        except OSError as e:
            raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    fields: dict[str, str] = {}
    params: list[Param] = []
    columns: dict[str, str] = {}
    last: str | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            break
        body = line[1:]
        m = re.match(r"^\s?([a-z]+):\s*(.*)$", body)
        if m and m.group(1) in ("title", "description", "param", "column", "returns", "aggregate", "combines"):
            key, value = m.group(1), m.group(2).strip()
            if key == "param":
                pm = _PARAM_RE.match(value)
                if not pm or pm.group("type") not in PARAM_TYPES:
                    raise InputError(
                        f"{path}: line {lineno}: malformed parameter {value!r}; "
                        f"write 'param: NAME TYPE [= DEFAULT] [-- description]' with TYPE one of {', '.join(PARAM_TYPES)}"
                    )
                default = pm.group("quoted") if pm.group("quoted") is not None else pm.group("default")
                params.append(Param(pm.group("name"), pm.group("type"), default, (pm.group("desc") or "").strip()))
                last = None
            elif key == "column":
                cm = _COLUMN_RE.match(value)
                if not cm:
                    raise InputError(f"{path}: line {lineno}: malformed column {value!r}; write 'column: NAME -- meaning'")
                if cm.group("name") in columns:
                    raise InputError(f"{path}: line {lineno}: column {cm.group('name')} is described twice")
                columns[cm.group("name")] = (cm.group("desc") or "").strip()
                last = "column:" + cm.group("name")
            else:
                fields[key] = value
                last = key
        elif body.startswith("  ") and last and last.startswith("column:"):
            col = last[len("column:"):]
            columns[col] = (columns[col] + " " + body.strip()).strip()
        elif body.startswith("  ") and last:
            fields[last] = (fields[last] + " " + body.strip()).strip()
        else:
            last = None
    name = path.stem
    returns, aggregate = fields.get("returns"), fields.get("aggregate")
    if returns not in (None, "number"):
        raise InputError(f"{path}: 'returns: {returns}' is not supported; a measure says 'returns: number'")
    if aggregate is not None:
        if returns != "number":
            raise InputError(f"{path}: 'aggregate:' belongs to a measure; add 'returns: number'")
        aggregate_query("SELECT * WHERE {}", aggregate, where=str(path))  # checks the declaration
    combines = tuple(fields.get("combines", "").split())
    if "combines" in fields and not combines:
        raise InputError(f"{path}: 'combines:' names no measure; write 'combines: NAME NAME ...'")
    return View(name=name, path=path, title=fields.get("title", name), description=fields.get("description", ""),
                params=params, columns=columns, returns=returns, aggregate=aggregate, combines=combines)


_AGGREGATE = LazyPattern(r"^(count|percent|median)\s+\?([A-Za-z_][A-Za-z0-9_]*)\s+as\s+\?([A-Za-z_][A-Za-z0-9_]*)$", re.IGNORECASE)
_DECIMAL = f"<{XSD}decimal>"


def _split_prologue(query: str) -> tuple[str, str]:
    """(PREFIX/BASE lines, the rest), the header comments dropped."""
    prologue, body = [], []
    in_body = False
    for line in query.splitlines():
        if not in_body and (line.startswith("#") or not line.strip() or re.match(r"\s*(PREFIX|BASE)\b", line, re.I)):
            if not line.startswith("#"):
                prologue.append(line)
            continue
        in_body = True
        body.append(line)
    return "\n".join(prologue), "\n".join(body)


def aggregate_query(members: str, declaration: str, *, where: str = "measure") -> str:
    """A measure's one-number query from its members query and its declared aggregate:
    "count ?product as ?n" counts the distinct members; "percent ?flag as ?p" gives the share of the
    members whose ?flag is true among those where it is bound (unbound when it is bound for none),
    rounded to two decimals; "median ?days as ?m" the median of ?days over the members where it is
    bound (the mean of the two middle values for an even count; unbound when there is none). The
    members query becomes a sub-select; its PREFIX lines move up. Divisions are of decimals: an
    engine may divide integers as integers (Virtuoso: 1/2 = 0)."""
    m = _AGGREGATE.match(declaration.strip())
    if not m:
        raise InputError(f"{where}: malformed 'aggregate: {declaration}'; write 'aggregate: count ?VAR as ?NAME', "
                         "'aggregate: percent ?FLAG as ?NAME' or 'aggregate: median ?VAR as ?NAME'")
    kind, var, out = m.group(1).lower(), m.group(2), m.group(3)
    head, inner = _split_prologue(members)
    if kind == "count":
        return f"{head}\nSELECT (COUNT(DISTINCT ?{var}) AS ?{out}) WHERE {{\n{{\n{inner}\n}}\n}}\n"
    if kind == "percent":
        return (f"{head}\nSELECT ?{out} WHERE {{\n  {{ SELECT (COUNT(*) AS ?known) (SUM(IF(?{var}, 1, 0)) AS ?yes) WHERE {{\n"
                f"{{\n{inner}\n}}\n  FILTER(BOUND(?{var})) }} }}\n  FILTER(?known > 0)\n"
                f"  BIND(ROUND(10000 * {_DECIMAL}(?yes) / ?known) / 100 AS ?{out})\n}}\n")
    # median: each distinct value with how many members have it (k), joined with every other, gives
    # how many members lie below it and up to it of n; the middle one or two values are those whose
    # span [below, upto) holds position (n-1)/2 or n/2.
    def counted(v: str, k: str) -> str:
        return f"{{ SELECT ?{v} (COUNT(*) AS ?{k}) WHERE {{ {{ SELECT (?{var} AS ?{v}) WHERE {{\n{inner}\n}} }} FILTER(BOUND(?{v})) }} GROUP BY ?{v} }}"

    # BOUND and COALESCE because rdflib makes one group of nothing when no member has a value
    ranked = (f"{{ SELECT ?value (SUM(IF(BOUND(?other) && ?other < ?value, ?k2, 0)) AS ?below) "
              f"(SUM(IF(BOUND(?other) && ?other <= ?value, ?k2, 0)) AS ?upto) (SUM(COALESCE(?k2, 0)) AS ?n) WHERE {{\n"
              f"{counted('value', 'k')}\n{counted('other', 'k2')}\n}} GROUP BY ?value }}")
    return (f"{head}\nSELECT ?{out} WHERE {{\n  OPTIONAL {{\n"
            f"    {{ SELECT (MIN(?value) AS ?lower) WHERE {{ {ranked} FILTER(2 * ?below <= ?n - 1 && ?n - 1 < 2 * ?upto) }} }}\n"
            f"    {{ SELECT (MIN(?value) AS ?upper) WHERE {{ {ranked} FILTER(2 * ?below <= ?n && ?n < 2 * ?upto) }} }}\n"
            f"    BIND(({_DECIMAL}(?lower) + ?upper) / 2 AS ?{out})\n  }}\n}}\n")


def combined_query(view: View) -> str:
    """A summary's query: one row that joins the one-row queries of the measures it combines, each
    OPTIONAL so that a measure with no value leaves its column empty rather than the row out."""
    views = catalog()
    prologue: list[str] = []
    parts, columns = [], []
    for name in view.combines:
        measure = views.get(name)
        if measure is None or not measure.is_measure:
            raise InputError(f"{view.path}: 'combines:' names {name!r}, which is not a measure in queries/")
        missing = sorted({p.name for p in measure.params} - {p.name for p in view.params})
        if missing:
            raise InputError(f"{view.path}: measure {name} takes parameter {missing[0]}, which the summary does not declare")
        head, body = _split_prologue(measure.text)
        prologue += [line for line in head.splitlines() if line.strip() and line not in prologue]
        parts.append(f"  OPTIONAL {{\n{body}\n  }}")
        columns += list(measure.columns)
    if view.columns and list(view.columns) != columns:
        raise InputError(f"{view.path}: its columns ({', '.join(view.columns)}) are not those of the measures it "
                         f"combines ({', '.join(columns)})")
    select = " ".join(f"?{c}" for c in columns)
    return "\n".join(prologue) + f"\nSELECT {select} WHERE {{\n" + "\n".join(parts) + "\n}\n"


def catalog() -> dict[str, View]:
    """Every view in queries/, by name."""
    views = {}
    for p in sorted(resources.path("queries").glob("*.rq")):
        views[p.stem] = parse_header(p)
    return views


def resolve(name_or_file: str) -> View:
    """A view by name, or a query file by path; unknown names list the available ones.

    An argument is a file only when it ends in .rq or holds a path separator, so that a file
    in the current folder named like a view (`atmps`) never runs instead of the view."""
    p = Path(name_or_file)
    if name_or_file.endswith(".rq") or "/" in name_or_file or (os.sep in name_or_file) \
            or (os.altsep and os.altsep in name_or_file):
        if not p.is_file():
            raise InputError(f"{p}: no such query file")
        return parse_header(p)
    folder = resources.path("queries")
    if f"{name_or_file}.rq" in os.listdir(folder):  # one header read, not all: this runs at every `query`
        return parse_header(folder / f"{name_or_file}.rq")
    raise InputError(f"unknown view {name_or_file!r}; available: {', '.join(catalog())}")


# ---------------------------------------------------------------- values

def _escape_string(value: str) -> str:
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


_IRI_FORBIDDEN = LazyPattern(r'[\x00-\x20<>"{}|^`\\]')


def _valid_iri(raw: str) -> bool:
    """An absolute IRI (RFC 3987, as Oxigraph checks it) with nothing that could end an IRIREF."""
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", raw) or _IRI_FORBIDDEN.search(raw):
        return False
    import pyoxigraph

    try:
        pyoxigraph.NamedNode(raw)
    except ValueError:
        return False
    return True


def term_for(param: Param, raw: str, *, today: dt.date | None = None) -> str:
    """The SPARQL text of a typed RDF term for a parameter value; invalid values raise."""
    t = param.type
    where = f"parameter {param.name} ({t})"
    if t == "date":
        if raw == "today":
            value = today or dt.date.today()
        else:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
                raise InputError(f"{where}: {raw!r} is not a date; write YYYY-MM-DD")
            try:
                value = dt.date.fromisoformat(raw)
            except ValueError:
                raise InputError(f"{where}: {raw!r} is not a real calendar date") from None
        return f'"{value.isoformat()}"^^<{XSD}date>'
    if t == "integer":
        if not re.fullmatch(r"[+-]?[0-9]{1,18}", raw):
            raise InputError(f"{where}: {raw!r} is not a whole number")
        return f'"{int(raw)}"^^<{XSD}integer>'
    if t == "decimal":
        if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", raw):
            raise InputError(f"{where}: {raw!r} is not a decimal number")
        return f'"{raw}"^^<{XSD}decimal>'
    if t == "boolean":
        low = raw.lower()
        if low not in ("true", "false"):
            raise InputError(f"{where}: {raw!r} is not true or false")
        return f'"{low}"^^<{XSD}boolean>'
    if t == "string":
        return _escape_string(raw)
    if t == "iri":
        if not _valid_iri(raw):
            raise InputError(f"{where}: {raw!r} is not an absolute IRI")
        return f"<{raw}>"
    raise InputError(f"{where}: unknown type")


# ---------------------------------------------------------------- binding

# Tokens the binder must step over: comments, long and short strings, IRIs. Everything else
# is scanned for ?var / $var.
_SKIP = LazyPattern(
    r'''#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\''''
    r'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\x00-\x20]*>'''
)
_VAR = LazyPattern(r"[?$]([A-Za-z_0-9][A-Za-z_0-9\u00B7\u0300-\u036F\u203F-\u2040]*)")


def _segments(text: str):
    """Yield (is_code, chunk) pieces of a query: code, or a string/IRI/comment token."""
    pos = 0
    for m in _SKIP.finditer(text):
        # An IRI-looking token is only an IRI where an operand can start; `?a <?b` is not.
        if m.group().startswith("<") and not _iri_context(text, m.start()):
            continue
        if m.start() > pos:
            yield True, text[pos:m.start()]
        yield False, m.group()
        pos = m.end()
    if pos < len(text):
        yield True, text[pos:]


def _iri_context(text: str, start: int) -> bool:
    inner = text[start + 1:start + 2]
    return inner != "=" and inner not in (" ", "?", "$")


def variables_in(text: str) -> set[str]:
    found = set()
    for is_code, chunk in _segments(text):
        if is_code:
            found.update(m.group(1) for m in _VAR.finditer(chunk))
    return found


def bind(view: View, values: dict[str, str], *, today: dt.date | None = None, members: bool = False) -> str:
    """The view's text with every parameter replaced by its typed, escaped term."""
    known = {p.name: p for p in view.params}
    unknown = sorted(set(values) - set(known))
    if unknown:
        avail = ", ".join(known) if known else "none"
        raise InputError(f"view {view.name}: unknown parameter {unknown[0]!r}; its parameters: {avail}")
    terms = {}
    for p in view.params:
        raw = values.get(p.name, p.default)
        if raw is None:
            raise InputError(f"view {view.name}: parameter {p.name} ({p.type}) is required; give --param {p.name}=VALUE")
        terms[p.name] = term_for(p, raw, today=today)
    text = view.members_text if members else view.text
    if text is None:
        raise InputError(f"view {view.name}: it lists no members (only a measure written as its members does)")
    if not terms:
        return text
    out = []
    for is_code, chunk in _segments(text):
        if is_code:
            chunk = _VAR.sub(lambda m: terms.get(m.group(1), m.group(0)), chunk)
        out.append(chunk)
    return "".join(out)


def parse_assignments(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """NAME=VALUE strings from the command line to a dict; malformed ones are errors."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--param {pair!r}: write NAME=VALUE")
        if name.strip() in out:
            raise InputError(f"--param {name.strip()} is given twice; give each parameter once")
        out[name.strip()] = value
    return out


_FORM = LazyPattern(
    r"^\s*(?:(?:BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)\s*)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
    re.IGNORECASE,
)


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; anything else (an UPDATE) is refused."""
    code = "".join(chunk if is_code else (" " if chunk.startswith("#") else chunk) for is_code, chunk in _segments(text))
    m = _FORM.match(code)
    if not m:
        raise InputError(
            "only read-only queries (SELECT, ASK, CONSTRUCT, DESCRIBE) can be run; "
            "this looks like an update or is not a SPARQL query"
        )
    return m.group(1).upper()


def with_values(text: str, var: str, iris: list[str]) -> str:
    """The SELECT query with a VALUES block restricting ?var to the given IRIs, placed first in
    its WHERE clause, so that the engine starts from those IRIs (a trailing VALUES clause is
    joined only after the whole query has run: quadratic when a caller runs it in batches).

    ?var must be bound by the query's WHERE clause. Every IRI is checked, so nothing but IRIs
    can enter the query text.
    """
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
        raise InputError(f"not a variable name: {var!r}")
    if query_form(text) != "SELECT":
        raise InputError("a VALUES restriction needs a SELECT query")
    terms = []
    for iri in iris:
        if not _valid_iri(iri):
            raise InputError(f"not an absolute IRI: {iri!r}")
        terms.append(f"<{iri}>")
    # The first brace outside comments, strings and IRIs opens the outer WHERE clause.
    pos = 0
    for is_code, chunk in _segments(text):
        if is_code and "{" in chunk:
            at = pos + chunk.index("{") + 1
            return text[:at] + f"\n  VALUES ?{var} {{ {' '.join(terms)} }}" + text[at:]
        pos += len(chunk)
    raise InputError("a VALUES restriction needs a query with a WHERE clause")


_DATASET = LazyPattern(r"(?<![?$\w])FROM\s+(?:NAMED\s+)?<", re.IGNORECASE)  # not the variable ?from


def dataset_clause(text: str) -> bool:
    """True when the query names graphs with FROM or FROM NAMED (outside strings and comments)."""
    return any(is_code and _DATASET.search(chunk + "<") for is_code, chunk in _segments(text))


_GROUP_CONCAT = LazyPattern(
    r"GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?(?:;\s*separator\s*=\s*(\"[^\"]*\"|'[^']*'))?\s*\)\s*AS\s*[?$](\w+)",
    re.IGNORECASE,
)


def list_columns(text: str) -> dict[str, str]:
    """{variable: separator} for every `GROUP_CONCAT(...) AS ?variable` in a query.

    SPARQL 1.1 leaves the order of the items GROUP_CONCAT joins open, and engines differ
    (even Oxigraph in memory and on disk); the runner sorts these columns' items so that every
    engine gives the same rows.
    """
    return {m.group(2): (m.group(1)[1:-1] if m.group(1) else " ") for m in _GROUP_CONCAT.finditer(text)}


_PROJECTION_TOKEN = LazyPattern(r"\(|\)|\{|[?$][A-Za-z_0-9]+|\b(?:SELECT|AS|WHERE|FROM)\b|\*", re.IGNORECASE)


def projected_variables(text: str) -> list[str] | None:
    """The columns of a SELECT query, read from its outer projection (None for SELECT *
    or a query of another form): `SELECT ?a (COUNT(?b) AS ?n)` gives [a, n]."""
    code = "".join(chunk if is_code else " " for is_code, chunk in _segments(text))
    tokens = iter(_PROJECTION_TOKEN.finditer(code))
    for m in tokens:
        if m.group().upper() == "SELECT":
            break
        if m.group() == "{":
            return None
    else:
        return None
    out: list[str] = []
    depth, after_as = 0, False
    for m in tokens:
        tok = m.group()
        up = tok.upper()
        if depth == 0 and (tok == "{" or up in ("WHERE", "FROM")):
            break
        if tok == "*" and depth == 0:
            return None
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
        elif up == "AS":
            after_as = True
        elif tok[0] in "?$" and (depth == 0 or after_as):
            out.append(tok[1:])
            after_as = False
    return out
