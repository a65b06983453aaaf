"""FDA's Purple Book data file (CSV) to canonical, fully cited Turtle.

The Purple Book (https://purplebooksearch.fda.gov/downloads) lists every licensed biological
product, one row per strength, presentation or supplement of a Biologics License Application
(BLA). FDA's monthly file puts title lines and a legend of the N/R/U flag above the header, lists
the products it changed first and then the whole database below a title of its own (with the
header repeated), and newer editions rename and add columns. So:

- the header is found by its column names, wherever it is, and every repeated header re-reads
  the column layout; title and legend lines (a row with fewer than four filled cells and no BLA
  number) are skipped wherever they are;
- rows are grouped by BLA, so a product listed in several sections is one licence; every line
  that states a fact is cited (1-based physical line numbers, the line on which a record starts);
- two-digit years are read from the edition's date: a licensure date can never be after the
  edition, so `11-Jan-44` in a 2025 edition is 1944 (see `resolve_year`); without --edition the
  edition is found from the file (see `infer_edition_year`) and is its latest approval date.

Per BLA it emits the licence (atmp:BiologicsLicence), its first licensure (atmp:USLicensure: the
earliest Approval Date of a row whose Submission Type is "Original", else the earliest Date of
First Licensure) and one observation of what this edition lists (holder, proper and proprietary
names, center). By default only CBER's cell and gene therapy licences are taken (the rule is
`is_cell_or_gene_therapy`); --all-biologics takes every row.

A row that cannot be read is reported with its line and column and never enters the graph.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..namespaces import ATMP, ECO_IMPORTED, ID, PREFIXES, licence_iri

DOWNLOAD_PAGE = "https://purplebooksearch.fda.gov/downloads"
PUBLISHER = "U.S. Food and Drug Administration"
HEADER_SCAN_RECORDS = 100
MIN_RUN = 5  # years in the unbroken run of licence years that dates an edition (see infer_edition_year)
MAX_CELL = 32_767

# Canonical field -> the header names FDA has used for it (compared after normalising case and
# white space). New names go here when FDA renames a column.
COLUMNS: dict[str, tuple[str, ...]] = {
    "nru": ("n/r/u",),
    "applicant": ("applicant",),
    "bla": ("bla number",),
    "proprietary": ("proprietary name",),
    "proper": ("proper name",),
    "bla_type": ("bla type", "license type"),
    "approval_date": ("approval date",),
    "submission_type": ("submission type",),
    "center": ("center",),
    "first_licensure": ("date of first licensure",),
    # Read only to recognise a header row; their values are not imported.
    "strength": ("strength",),
    "dosage_form": ("dosage form",),
    "route": ("route of administration",),
    "presentation": ("product presentation",),
    "marketing_status": ("marketing status",),
    "licensure": ("licensure",),
    "ref_proper": ("ref. product proper name",),
    "ref_proprietary": ("ref. product proprietary name",),
    "supplement_number": ("supplement number",),
    "license_number": ("license number",),
    "product_number": ("product number",),
    "inter_approval_date": ("inter. approval date",),
    "inter_supplement_number": ("inter. supplement number",),
    "patent_list": ("patent list provided",),
    "exclusivity": ("exclusivity expiration date",),
}
_HEADER_TO_FIELD = {h: f for f, names in COLUMNS.items() for h in names}
REQUIRED = ("bla", "applicant", "proper", "approval_date", "submission_type", "center")
CENTERS = ("CBER", "CDER")
NO_NAME = {"", "n/a", "na", "none", "-"}


@dataclass
class ImportResult:
    turtle: str
    edition: dt.date
    edition_basis: str
    source_iri: str
    rows: int = 0          # data rows read (title, legend, header and blank lines not counted)
    headers: int = 0       # header rows found (more than one: the file repeats its sections)
    licences: int = 0
    triples: int = 0
    warnings: list[str] = field(default_factory=list)


class _Skip(Exception):
    """A cell that cannot be read; the message names the column and the value."""


def _norm_header(value: str) -> str:
    return " ".join(value.replace("\ufeff", "").split()).lower()


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


# ---------------------------------------------------------------- which licences count

# USAN's naming schemes for cell and gene therapies: a word of the proper name ends in -cel
# (cells: -leucel, -temcel, tisagenlecleucel, remestemcel-L, sipuleucel-T), -gene (the gene
# component: betibeglogene, onasemnogene) or -vec (the vector: -parvovec, laherparepvec).
_STEM_WORD = re.compile(r"[a-z]+(?:cel|gene|vec)\b")
# Cell and tissue products named descriptively rather than with a USAN stem.
_CELL_TISSUE_TERMS = (
    "chondrocyte", "keratinocyte", "fibroblast", "cord blood", "progenitor cell", "hpc",
    "thymus tissue", "tissue engineered", "autologous", "allogeneic",
)
_CELL_TISSUE = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in _CELL_TISSUE_TERMS) + r")")


def is_cell_or_gene_therapy(center: str, proper_name: str) -> bool:
    """The one rule for "CBER's cell and gene therapy licences" (the Purple Book has no column
    for it): the Center is CBER and the proper name either carries a USAN stem of the cell and
    gene therapy naming schemes (a word ending in -cel, -gene or -vec, ignoring the four-letter
    suffix FDA adds, as in 'onasemnogene abeparvovec-xioi') or names cells or tissue
    (chondrocytes, keratinocytes, fibroblasts, cord blood or HPC, progenitor cells, thymus tissue,
    tissue engineered, autologous, allogeneic).

    On the March 2025 edition this selects the 45 licences that the research lists as cell,
    tissue and gene therapies, and no vaccine, blood product, allergenic or fecal microbiota
    product. Its limits: a therapy named without a stem or such a word (a new naming scheme, a
    plasmid or RNA product without -gene) is missed, and a future non-cellular product whose
    proper name says "autologous" or "allogeneic" would be taken; a licence moved to CDER is
    missed. --all-biologics sidesteps the rule.
    """
    if center != "CBER":
        return False
    name = proper_name.lower()
    return bool(_STEM_WORD.search(name) or _CELL_TISSUE.search(name))


# ---------------------------------------------------------------- dates

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_DMY_NAMED = re.compile(r"^(\d{1,2})[- ]([A-Za-z]{3})[A-Za-z]*\.?[- ,]*(\d{2}|\d{4})$")
_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class RawDate:
    """A date as written: day, month and a year of two or four digits."""

    text: str
    day: int
    month: int
    year: int
    two_digit: bool


def parse_raw_date(value: str) -> RawDate | None:
    """A Purple Book date: d-Mon-yy as FDA writes it, or d-Mon-yyyy, mm/dd/yyyy, yyyy-mm-dd.

    Empty gives None; anything else that is not a date raises _Skip. The century of a two-digit
    year is decided later, from the edition (resolve_year).
    """
    text = _text(value)
    if not text:
        return None
    m = _DMY_NAMED.match(text)
    if m:
        day, mon, year = int(m.group(1)), m.group(2).lower(), m.group(3)
        if mon not in _MONTHS:
            raise _Skip(f"{_clip(text)!r} is not a date (unknown month {m.group(2)!r})")
        raw = RawDate(text, day, _MONTHS[mon], int(year), len(year) == 2)
    elif (m := _MDY.match(text)):
        raw = RawDate(text, int(m.group(2)), int(m.group(1)), int(m.group(3)), len(m.group(3)) == 2)
    elif (m := _ISO.match(text)):
        raw = RawDate(text, int(m.group(3)), int(m.group(2)), int(m.group(1)), False)
    else:
        raise _Skip(f"{_clip(text)!r} is not a date (expected d-Mon-yy, as in 30-Aug-17)")
    # A date that exists in no century (31-Feb) is refused here; 29-Feb is checked once the
    # century is known.
    try:
        dt.date(2000 if raw.two_digit else raw.year, raw.month, raw.day)
    except ValueError:
        raise _Skip(f"{_clip(text)!r} is an impossible date") from None
    return raw


def resolve_year(raw: RawDate, edition: dt.date) -> dt.date:
    """The date a two-digit year stands for: the latest century that does not put the date
    after the edition (a licensure cannot postdate the file that lists it). With a 2025-03-14
    edition, 14-Mar-25 is 2025-03-14, 15-Mar-25 would be 1925-03-15, and 11-Jan-44 is 1944."""
    if not raw.two_digit:
        return dt.date(raw.year, raw.month, raw.day)
    for century in (edition.year // 100 * 100, edition.year // 100 * 100 - 100):
        try:
            d = dt.date(century + raw.year, raw.month, raw.day)
        except ValueError:
            continue  # 29 February in a year that is not a leap year
        if d <= edition:
            return d
    raise _Skip(f"{raw.text!r} is not a real date in any century up to the edition")


def infer_edition_year(two_digit_years: set[int]) -> int | None:
    """The edition's year, from the two-digit years of the file's licensure dates.

    A Purple Book lists licences of every recent year, so the years present form one long
    unbroken run that ends in the edition's year, while the licences of the 1930s-1980s are
    scattered (the March 2025 file: an unbroken run 89, 90, ..., 99, 00, ..., 25 of 37 years).
    The run's last year is read in this century (editions are 2000-2099). None when the longest
    run is shorter than MIN_RUN years or not the only one of its length: then --edition is needed.
    """
    present = set(two_digit_years)
    if not present or len(present) == 100:
        return None
    runs = []
    for y in present:
        if (y + 1) % 100 in present:
            continue  # not the end of a run
        length = 1
        while (y - length) % 100 in present:
            length += 1
        runs.append((length, y))
    runs.sort(reverse=True)
    if runs[0][0] < MIN_RUN or (len(runs) > 1 and runs[1][0] == runs[0][0]):
        return None
    return 2000 + runs[0][1]


# ---------------------------------------------------------------- reading the file

def _read_text(path: Path) -> tuple[str, str | None]:
    """The file's text, and a warning when it is not UTF-8."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a Purple Book CSV file") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    if not data.strip():
        raise InputError(f"{path}: empty file, not a Purple Book CSV")
    if data.startswith(b"PK"):
        raise InputError(f"{path}: not a Purple Book CSV (it is a zip archive, such as an xlsx workbook; save it as CSV)")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path}: not a Purple Book CSV (it is an old binary .xls workbook; save it as CSV)")
    if b"\x00" in data[:65536]:
        raise InputError(f"{path}: not a Purple Book CSV (it holds binary data)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        # FDA's files are UTF-8; a copy re-saved by a spreadsheet program on Windows is not.
        return data.decode("cp1252", errors="replace"), f"{path.name}: not UTF-8 text; read as Windows-1252"


def _records(path: Path, text: str):
    """(first physical line, cells) of each CSV record, blank lines included."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise InputError(f"{path}: line {previous + 1}: not readable as CSV ({e})") from None
        yield previous + 1, cells
        previous = reader.line_num


def _header_fields(cells: list[str]) -> tuple[dict[str, int], dict[str, str]] | None:
    """field -> column index and field -> header text, when the row is a Purple Book header."""
    fields: dict[str, int] = {}
    texts: dict[str, str] = {}
    for j, cell in enumerate(cells):
        f = _HEADER_TO_FIELD.get(_norm_header(cell))
        if f and f not in fields:
            fields[f] = j
            texts[f] = " ".join(cell.replace("\ufeff", "").split())
    if len(fields) >= 5 and "bla" in fields and "proper" in fields:
        return fields, texts
    return None


@dataclass
class _Row:
    line: int
    bla: str
    applicant: str
    proprietary: str | None
    proper: str
    center: str
    original: bool
    approval: RawDate | None
    first_licensure: RawDate | None
    columns: dict[str, str]  # field -> header text, for citations


# ---------------------------------------------------------------- emitting triples

class _Emitter:
    def __init__(self) -> None:
        import pyoxigraph as ox

        self.ox = ox
        self.triples: set = set()
        self._iris: dict[str, object] = {}

    def iri(self, value: str):
        n = self._iris.get(value)
        if n is None:
            n = self._iris[value] = self.ox.NamedNode(value)
        return n

    def link(self, s: str, p: str, o: str) -> None:
        self.triples.add(self.ox.Triple(self.iri(s), self.iri(p), self.iri(o)))

    def text(self, s: str, p: str, value: str) -> None:
        self.triples.add(self.ox.Triple(self.iri(s), self.iri(p), self.ox.Literal(value)))

    def typed(self, s: str, p: str, value: str, dtype: str) -> None:
        self.triples.add(self.ox.Triple(self.iri(s), self.iri(p), self.ox.Literal(value, datatype=self.iri(PREFIXES["xsd"] + dtype))))


RDF_TYPE = PREFIXES["rdf"] + "type"
LABEL = PREFIXES["rdfs"] + "label"
DCT = PREFIXES["dcterms"]
DERIVED = PREFIXES["prov"] + "wasDerivedFrom"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------- the import

def import_file(
    path: str | Path,
    *,
    edition: str | None = None,
    edition_basis: str | None = None,
    all_biologics: bool = False,
    strict: bool = False,
) -> ImportResult:
    """Import one Purple Book CSV; see the module docstring."""
    from ..graph.canonical import serialize

    path = Path(path)
    text, encoding_warning = _read_text(path)
    warnings: list[str] = []

    def warn(msg: str) -> None:
        if strict:
            raise InputError(f"{path}: {msg} (--strict)")
        warnings.append(f"{path.name}: {msg}")

    if encoding_warning:
        warnings.append(encoding_warning)  # not a bad row: reported, never fatal

    given = None
    if edition is not None:
        try:
            given = dt.date.fromisoformat(edition)
        except ValueError:
            raise InputError(f"--edition {edition!r}: not a date; write YYYY-MM-DD") from None

    cols: dict[str, int] | None = None
    col_text: dict[str, str] = {}
    width = 0
    headers = 0
    data_rows = 0
    rows: list[_Row] = []
    for n, (line, cells) in enumerate(_records(path, text)):
        found = _header_fields(cells)
        if found:
            fields, texts = found
            missing = [f for f in REQUIRED if f not in fields]
            if missing:
                names = ", ".join(repr(COLUMNS[f][0].title()) for f in missing)
                raise InputError(f"{path}: line {line}: the header has no {names} column")
            cols, col_text, width = fields, texts, len(cells)
            headers += 1
            continue
        filled = [c for c in cells if c.strip()]
        if not filled:
            continue
        if cols is None:
            if n >= HEADER_SCAN_RECORDS:
                break
            continue  # FDA's title and legend lines above the header
        bla_cell = cells[cols["bla"]].strip() if cols["bla"] < len(cells) else ""
        if len(filled) < 4 and not re.fullmatch(r"\d{1,6}", bla_cell):
            continue  # a section title or legend line inside the file
        data_rows += 1
        row = _parse_row(line, cells, cols, col_text, width, warn)
        if row is not None:
            rows.append(row)
    if cols is None:
        raise InputError(
            f"{path}: not a Purple Book CSV: no header row with FDA's columns "
            f"('BLA Number', 'Proper Name', 'Approval Date', 'Center' ...) in the first {HEADER_SCAN_RECORDS} lines"
        )

    # The edition, then every date with its century.
    two_digit = {r.year for row in rows for r in (row.approval, row.first_licensure) if r and r.two_digit}
    four_digit = [dt.date(r.year, r.month, r.day) for row in rows for r in (row.approval, row.first_licensure)
                  if r and not r.two_digit]
    if given is not None:
        the_edition = given
        basis = edition_basis or "The edition date was given with --edition; two-digit years are read so that no licensure date falls after it."
    else:
        year = infer_edition_year(two_digit) if two_digit else None
        if two_digit and year is None:
            raise InputError(
                f"{path}: cannot tell the edition's year from the two-digit years of its dates "
                "(no single unbroken run of recent years); give it with --edition YYYY-MM-DD"
            )
        limit = dt.date(year, 12, 31) if year else dt.date.max
        candidates = [resolve_year(r, limit) for row in rows for r in (row.approval, row.first_licensure) if r and r.two_digit]
        candidates += four_digit
        if not candidates:
            raise InputError(f"{path}: no approval dates to date the edition by; give it with --edition YYYY-MM-DD")
        the_edition = max(candidates)
        basis = (f"The file states no date; the edition is dated by the latest approval date in it "
                 f"({the_edition.isoformat()}), and two-digit years are read so that no licensure date falls after it.")

    resolved: list[tuple[_Row, dt.date | None, dt.date | None]] = []
    for row in rows:
        dates = []
        bad = False
        for f, raw in (("approval_date", row.approval), ("first_licensure", row.first_licensure)):
            if raw is None:
                dates.append(None)
                continue
            try:
                d = resolve_year(raw, the_edition)
            except _Skip as err:
                warn(f"line {row.line}, column '{row.columns[f]}': {err}; row skipped")
                bad = True
                break
            if d > the_edition:
                warn(f"line {row.line}, column '{row.columns[f]}': {raw.text!r} is after the edition "
                     f"({the_edition.isoformat()}); row skipped")
                bad = True
                break
            dates.append(d)
        if not bad:
            resolved.append((row, dates[0], dates[1]))

    # Group by BLA; the selection rule is applied to the licence, not the row.
    by_bla: dict[str, list[tuple[_Row, dt.date | None, dt.date | None]]] = {}
    for item in resolved:
        by_bla.setdefault(item[0].bla, []).append(item)
    if not all_biologics:
        by_bla = {b: items for b, items in by_bla.items()
                  if any(is_cell_or_gene_therapy(r.center, r.proper) for r, _, _ in items)}

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    slug = f"fda-purple-book-{the_edition.isoformat()}-{digest[:8]}"
    source = f"{ID}source/{slug}"
    cite_base = f"{ID}citation/{slug}/line-"
    e = _Emitter()
    a = ATMP
    e.link(source, RDF_TYPE, a + "Source")
    e.text(source, DCT + "title", f"FDA Purple Book: Database of Licensed Biological Products, data file, edition of {the_edition.isoformat()}")
    e.text(source, DCT + "publisher", PUBLISHER)
    e.typed(source, DCT + "issued", the_edition.isoformat(), "date")
    e.typed(source, a + "url", DOWNLOAD_PAGE, "anyURI")
    e.text(source, a + "sha256", digest)
    e.text(source, a + "fileName", path.name)
    e.link(source, a + "sourceType", a + "DatabaseExport")
    e.text(source, a + "generationDateBasis", basis)

    def line_cite(row: _Row, column: str | None = None) -> str:
        cite = f"{cite_base}{row.line}" + (f"/{_slug(column)}" if column else "")
        e.link(cite, RDF_TYPE, a + "Citation")
        e.link(cite, DCT + "source", source)
        e.text(cite, a + "locator", f"line {row.line}" + (f", column '{column}'" if column else ""))
        e.typed(cite, a + "line", str(row.line), "integer")
        if column:
            e.text(cite, a + "column", column)
        e.link(cite, a + "evidence", ECO_IMPORTED)
        return cite

    for bla in sorted(by_bla):
        items = sorted(by_bla[bla], key=lambda item: item[0].line)
        originals = [(r, d) for r, d, _ in items if r.original and d is not None]
        if originals:
            first = min(d for _, d in originals)
            basis_rows = [r for r, d in originals if d == first]
            date_field = "approval_date"
        else:
            stated = [(r, d) for r, _, d in items if d is not None]
            if stated:
                first = min(d for _, d in stated)
                basis_rows = [r for r, d in stated if d == first]
                date_field = "first_licensure"
            else:
                first, basis_rows, date_field = None, [items[0][0]], None
                # A gap in FDA's data, not a bad row: reported, never fatal.
                warnings.append(f"{path.name}: BLA {bla}: no 'Original' row with an approval date and no date of "
                                "first licensure; its licensure date is left out")
        key = basis_rows[0]
        licence = licence_iri(bla)
        cites = [line_cite(r) for r in basis_rows]
        label = key.proprietary or f"{key.proper} ({key.applicant})"
        e.link(licence, RDF_TYPE, a + "BiologicsLicence")
        e.text(licence, a + "blaNumber", bla)
        e.text(licence, LABEL, label)
        observation = f"{ID}observation/{slug}/BLA-{bla}"
        e.link(observation, RDF_TYPE, a + "Observation")
        e.link(observation, a + "product", licence)
        e.typed(observation, a + "observedOn", the_edition.isoformat(), "date")
        e.text(observation, a + "holderName", key.applicant)
        e.text(observation, a + "commonName", key.proper)
        if key.proprietary:
            e.text(observation, a + "medicineName", key.proprietary)
        e.text(observation, a + "fdaCenter", key.center)
        for c in cites:
            e.link(licence, DERIVED, c)
            e.link(observation, DERIVED, c)
        if first is not None:
            action = f"{ID}action/BLA-{bla}/us-licensure/{first.isoformat()}"
            e.link(action, RDF_TYPE, a + "USLicensure")
            e.link(action, a + "product", licence)
            e.typed(action, a + "date", first.isoformat(), "date")
            for r in basis_rows:
                e.link(action, DERIVED, line_cite(r, r.columns[date_field]))

    header_text = (
        f"Imported by atmp-kg from {path.name} (sha256 {digest}), FDA Purple Book edition {the_edition.isoformat()}.\n"
        "Generated file: do not edit by hand; rebuild with `atmp-kg rebuild-data`."
    )
    return ImportResult(
        turtle=serialize(e.triples, header=header_text), edition=the_edition, edition_basis=basis,
        source_iri=source, rows=data_rows, headers=headers, licences=len(by_bla),
        triples=len(e.triples), warnings=warnings,
    )


def _parse_row(line: int, cells: list[str], cols: dict[str, int], col_text: dict[str, str],
               width: int, warn) -> _Row | None:
    """One data row, or None (with a warning naming line and column) when it cannot be read."""
    if len(cells) < width or any(c.strip() for c in cells[width:]):
        warn(f"line {line}: {len(cells)} fields where the header has {width}; row skipped")
        return None

    def cell(f: str) -> str:
        j = cols.get(f)
        return cells[j] if j is not None else ""

    def need(f: str) -> str:
        value = _text(cell(f))
        if not value:
            raise _Skip(f"column '{col_text[f]}': empty")
        if len(value) > MAX_CELL:
            raise _Skip(f"column '{col_text[f]}': text of {len(value)} characters is not a Purple Book value")
        return value

    try:
        bla = need("bla")
        if not re.fullmatch(r"\d{1,6}", bla):
            raise _Skip(f"column '{col_text['bla']}': {_clip(bla)!r} is not a BLA number (up to six digits)")
        center = need("center").upper()
        if center not in CENTERS:
            raise _Skip(f"column '{col_text['center']}': {_clip(center)!r} is not CBER or CDER")
        applicant = need("applicant")
        proper = need("proper")
        proprietary = _text(cell("proprietary")) if "proprietary" in cols else ""
        if len(proprietary) > MAX_CELL:
            raise _Skip(f"column '{col_text['proprietary']}': text of {len(proprietary)} characters is not a Purple Book value")
        dates = {}
        for f in ("approval_date", "first_licensure"):
            if f in cols:
                try:
                    dates[f] = parse_raw_date(cell(f))
                except _Skip as err:
                    raise _Skip(f"column '{col_text[f]}': {err}") from None
            else:
                dates[f] = None
    except _Skip as err:
        warn(f"line {line}, {err}; row skipped")
        return None
    return _Row(
        line=line, bla=bla.zfill(6), applicant=applicant,
        proprietary=None if proprietary.lower() in NO_NAME else proprietary,
        proper=proper, center=center,
        original=_text(cell("submission_type")).lower() == "original",
        approval=dates["approval_date"], first_licensure=dates["first_licensure"],
        columns=col_text,
    )
