"""EMA's medicine spreadsheets (both layouts) to canonical, fully cited Turtle.

EMA publishes every centrally authorised medicine as a spreadsheet regenerated daily, in an
old layout ("EPAR report", 2018-2023) and a new one ("Medicines report", 2024-). Columns are
found by their names, wherever the header row is; the generation stamp in the preamble dates
every observation. Each row gives the product, one observation of what EMA listed that day,
and one node per dated event; every node is cited to the file (by sha256) and its row, and
every event to its row and column.

A cell that cannot be read is reported with its row and column and never enters the graph.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..namespaces import ATMP, ECO_IMPORTED, ID, PREFIXES, product_iri

DOWNLOAD_PAGE = "https://www.ema.europa.eu/en/medicines/download-medicine-data"
PUBLISHER = "European Medicines Agency"
NEW_LAYOUT = "Medicines report"
OLD_LAYOUT = "EPAR report"
HEADER_SCAN_ROWS = 60
MAX_CELL = 32_767  # Excel's own limit on a cell's text; anything longer is not EMA's data

# Canonical field -> the header names EMA has used for it (compared after normalising case
# and white space). New names go here when EMA renames a column.
COLUMNS: dict[str, tuple[str, ...]] = {
    "category": ("category",),
    "name": ("medicine name", "name of medicine"),
    "number": ("product number", "ema product number"),
    "status": ("authorisation status", "medicine status"),
    "opinion_status": ("opinion status",),
    "inn": ("international non-proprietary name (inn) / common name",),
    "substance": ("active substance",),
    "area": ("therapeutic area", "therapeutic area (mesh)"),
    "atc": ("atc code", "atc code (human)"),
    "indication": ("condition / indication", "therapeutic indication"),
    "accelerated": ("accelerated assessment",),
    "monitoring": ("additional monitoring",),
    "atmp": ("advanced therapy",),
    "biosimilar": ("biosimilar",),
    "conditional": ("conditional approval",),
    "exceptional": ("exceptional circumstances",),
    "generic": ("generic", "generic or hybrid"),
    "orphan": ("orphan medicine",),
    "prime": ("prime: priority medicine", "prime"),
    "holder": ("marketing authorisation holder/company name", "marketing authorisation developer / applicant / holder"),
    "ec_decision": ("decision date", "european commission decision date"),
    "rolling_review": ("start of rolling review date",),
    "evaluation_start": ("start of evaluation date",),
    "opinion_date": ("date of opinion", "opinion adopted date"),
    "application_withdrawal": ("withdrawal of application date",),
    "ma_date": ("marketing authorisation date",),
    "refusal_date": ("date of refusal of marketing authorisation", "refusal of marketing authorisation date"),
    "end_date": ("withdrawal / expiry / revocation / lapse of marketing authorisation date",),
    "suspension_date": ("suspension of marketing authorisation date",),
    "url": ("url", "medicine url"),
}
_HEADER_TO_FIELD = {h: f for f, names in COLUMNS.items() for h in names}
# Columns EMA publishes that the graph deliberately does not take (veterinary fields, page
# bookkeeping). A header in neither table is reported, so a renamed column is never lost silently.
IGNORED_COLUMNS = frozenset((
    "latest procedure affecting product information", "patient safety", "species", "species (veterinary)",
    "atcvet code", "atcvet code (veterinary)", "human pharmacotherapeutic group", "vet pharmacotherapeutic group",
    "pharmacotherapeutic group (human)", "pharmacotherapeutic group (veterinary)", "revision number",
    "first published", "first published date", "revision date", "last updated date",
))
# Fields the old layout never had; any other field missing from a file was renamed or dropped.
OLD_LAYOUT_LACKS = frozenset(("application_withdrawal", "atmp", "end_date", "evaluation_start", "opinion_status",
                              "prime", "rolling_review", "suspension_date"))
_NOISE_WORDS = frozenset(("of", "the", "and", "or", "a"))

FLAGS = {
    "orphan": "orphan", "conditional": "conditional", "exceptional": "exceptionalCircumstances",
    "prime": "prime", "accelerated": "acceleratedAssessment", "monitoring": "additionalMonitoring",
    "atmp": "advancedTherapy", "biosimilar": "biosimilar", "generic": "generic",
}
TEXTS = {
    "name": "medicineName", "inn": "commonName", "substance": "activeSubstance", "holder": "holderName",
    "atc": "atcCode", "indication": "indication", "opinion_status": "opinionStatus",
}
STATUSES = {
    "authorised": "StatusAuthorised", "withdrawn": "StatusWithdrawn", "expired": "StatusExpired",
    "suspended": "StatusSuspended", "lapsed": "StatusLapsed", "revoked": "StatusRevoked",
    "refused": "StatusRefused", "application withdrawn": "StatusApplicationWithdrawn", "opinion": "StatusOpinion",
}
# Date columns that are events of a fixed kind: field -> (IRI kind, class).
FIXED_EVENTS = {
    "ma_date": ("marketing-authorisation", "MarketingAuthorisation"),
    "ec_decision": ("ec-decision", "ECDecision"),
    "rolling_review": ("start-of-rolling-review", "StartOfRollingReview"),
    "evaluation_start": ("start-of-evaluation", "StartOfEvaluation"),
    "application_withdrawal": ("application-withdrawal", "ApplicationWithdrawal"),
    "refusal_date": ("refusal", "Refusal"),
    "suspension_date": ("suspension", "Suspension"),
}
# The one "withdrawal / expiry / revocation / lapse" date takes its kind from the status.
END_KINDS = {
    "withdrawn": ("withdrawal", "Withdrawal"), "expired": ("expiry", "Expiry"),
    "lapsed": ("lapse", "Lapse"), "revoked": ("revocation", "Revocation"),
}
DATE_FIELDS = tuple(FIXED_EVENTS) + ("opinion_date", "end_date")
_GRANTED = {"authorised", "withdrawn", "expired", "suspended", "lapsed", "revoked"}


@dataclass
class ImportResult:
    turtle: str
    layout: str
    generated_on: dt.date
    source_iri: str
    rows: int = 0
    products: int = 0
    triples: int = 0
    warnings: list[str] = field(default_factory=list)


class _Skip(Exception):
    """A cell that cannot be read; the message names row and column."""


def _norm_header(value) -> str:
    return " ".join(str(value).replace("\n", " ").split()).lower() if value is not None else ""


def _column_letter(j: int) -> str:
    letters = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text)) - _NOISE_WORDS


# How many fields each word of a known header names: rare words ("holder", "refusal") say more.
_WORD_FIELDS: dict[str, int] = {}
for _names in COLUMNS.values():
    for _w in set().union(*(_words(n) for n in _names)):
        _WORD_FIELDS[_w] = _WORD_FIELDS.get(_w, 0) + 1


def _resembles(header: str, known: str) -> tuple[float, float]:
    """How much a header looks like a known column name: the weighted share of the shorter
    one's words that the two have in common, then of all their words (each 0..1; a word
    naming few fields weighs more; misspellings such as 'authorization' count as the known word)."""
    import difflib

    def weight(ws):
        # fsum: exactly rounded whatever the set's order (which the hash seed changes), so a
        # header equal to a known name scores exactly 1 and always wins over a longer name.
        return math.fsum(1 / _WORD_FIELDS.get(w, 1) for w in ws)

    def known_word(w):
        for v in (w, w[:-3] + "y" if w.endswith("ies") else w[:-1] if w.endswith("s") else w):
            if v in _WORD_FIELDS:
                return v
        return next(iter(difflib.get_close_matches(w, list(_WORD_FIELDS), 1, 0.85)), w)

    a = {known_word(w) for w in _words(header)}
    b = _words(known)
    if not (a and b):
        return 0.0, 0.0
    common = weight(a & b)
    return common / min(weight(a), weight(b)), common / weight(a | b)


def header_warnings(header_row: tuple, cols: dict[str, int], new_layout: bool) -> list[str]:
    """What a header row holds that the import would otherwise drop without a word.

    A header that is neither imported nor knowingly ignored is named, with the imported
    field it looks like; a field that a full export of its layout lacks is named too (EMA
    renames columns without notice, and a renamed column must not vanish from the graph).
    """
    out = []
    used = set(cols.values())
    for j, cell in enumerate(header_row):
        h = _norm_header(cell)
        if not h or h in IGNORED_COLUMNS:
            continue
        where = f"column {_column_letter(j)} '{' '.join(str(cell).split())}'"
        if h in _HEADER_TO_FIELD:
            if j not in used:
                first = cols[_HEADER_TO_FIELD[h]]
                out.append(f"{where} repeats the field of column {_column_letter(first)}; only column {_column_letter(first)} is read")
            continue
        score, name = max((_resembles(h, n), n) for n in _HEADER_TO_FIELD)
        if score[0] >= 0.75:
            status = "which this file lacks" if _HEADER_TO_FIELD[name] not in cols else "which this file also has"
            out.append(f"{where} is not a column the importer knows and is NOT imported; it looks like '{name}' "
                       f"({status}): if EMA renamed the column, add the new name to COLUMNS in importers/ema.py")
        else:
            out.append(f"{where} is not a column the importer knows and is not imported")
    # A field missing from a full export was renamed or dropped by EMA; a hand-made extract
    # with a few columns (most of the layout absent) is not reported field by field.
    expected = [f for f in COLUMNS if new_layout or f not in OLD_LAYOUT_LACKS]
    if 2 * len(cols) > len(expected):
        for f in expected:
            if f not in cols:
                known = "' or '".join(COLUMNS[f])
                out.append(f"no column named '{known}': that field is left out of every row")
    return out


# ---------------------------------------------------------------- reading the workbook

def _open_workbook(path: Path):
    """The workbook and its sheets, after the checks of importers/xlsx.py."""
    from . import xlsx

    head = xlsx.read_head(path, 2048)
    if not head:
        raise InputError(f"{path}: empty file, not an xlsx spreadsheet")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path}: password-protected (encrypted) or old binary .xls workbook; save it as an unprotected .xlsx")
    if not head.startswith(b"PK"):
        looks_text = all(b >= 9 for b in head) and (b"," in head or b";" in head or b"\t" in head)
        hint = "it looks like CSV or other text renamed to .xlsx" if looks_text else "it is not a zip archive"
        raise InputError(f"{path}: not an xlsx spreadsheet ({hint})")
    return xlsx.open_workbook(path, xlsx.check_archive(path))


def _header_sheet(path: Path, sheets):
    """(sheet, its first rows, the header) of the first visible sheet with EMA's header, and
    warnings naming the hidden sheets, which are never read."""
    from . import xlsx

    hidden = [s for s in sheets if s.state != "visible"]
    notes = [f"sheet {s.title!r} is {'very hidden' if s.state == 'veryHidden' else 'hidden'} and was not read"
             for s in hidden]
    for sheet in sheets:
        if sheet.state != "visible":
            continue
        rows = xlsx.iter_values(sheet)
        first = [row for _, row in zip(range(HEADER_SCAN_ROWS), rows)]
        header = _find_header(first)
        if header:
            return sheet, first, rows, header, notes
    if hidden:
        names = ", ".join(repr(s.title) for s in hidden)
        raise InputError(f"{path}: no visible sheet has a recognisable header row; hidden sheets ({names}) are never imported")
    raise InputError(
        f"{path}: no recognisable header row in the first {HEADER_SCAN_ROWS} rows "
        "(expected EMA's columns such as 'Medicine name' or 'Name of medicine')"
    )


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """(row index, field -> column index, field -> header text) of the header row."""
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        fields: dict[str, int] = {}
        texts: dict[str, str] = {}
        for j, cell in enumerate(row):
            f = _HEADER_TO_FIELD.get(_norm_header(cell))
            if f and f not in fields:
                fields[f] = j
                texts[f] = " ".join(str(cell).split())
        if len(fields) >= 3 and ("name" in fields or "number" in fields):
            return i, fields, texts
    return None


_STAMP_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def _find_stamp(path: Path, preamble: list[tuple]) -> tuple[str, dt.date] | None:
    for r, row in enumerate(preamble, 1):
        cells = [c for c in row if c not in (None, "")]
        for k, cell in enumerate(cells):
            if isinstance(cell, str) and "generated" in cell.lower():
                candidates = [cell] + [str(c) for c in cells[k + 1:]]
                for text in candidates:
                    m = _STAMP_DATE.search(text)
                    if m:
                        d, mth, y = (int(g) for g in m.groups())
                        try:
                            return text.strip(), dt.date(y, mth, d)
                        except ValueError:
                            raise InputError(f"{path}: row {r}: generation stamp {text.strip()!r} is not a real date") from None
                raise InputError(f"{path}: row {r}: generation stamp found but it holds no dd/mm/yyyy date")
    return None


# ---------------------------------------------------------------- cells

# [0-9], never \d: \d also matches other scripts' digits (EMEA/H/C/００４０９０ would pass).
_DMY = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")
_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T][0-9:.]+)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value) -> dt.date | None:
    """A date cell: dd/mm/yyyy text, ISO text, a datetime, or an Excel serial number.

    Empty cells give None; anything else that is not a real date raises _Skip.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        d = value.date()
    elif isinstance(value, dt.date):
        d = value
    elif isinstance(value, bool):
        raise _Skip(f"{value!r} is not a date")
    elif isinstance(value, (int, float)):
        if not 1 <= value < 2958466:
            raise _Skip(f"{value!r} is not a plausible Excel date number")
        d = _EXCEL_EPOCH + dt.timedelta(days=int(value))
    else:
        text = str(value).strip()
        m = _DMY.match(text)
        if m:
            day, month, year = (int(g) for g in m.groups())
        else:
            m = _ISO.match(text)
            if not m:
                raise _Skip(f"{_clip(text)!r} is not a date (expected dd/mm/yyyy)")
            year, month, day = (int(g) for g in m.groups())
        try:
            d = dt.date(year, month, day)
        except ValueError:
            raise _Skip(f"{_clip(text)!r} is an impossible date") from None
    if not dt.date(1990, 1, 1) <= d <= dt.date(2100, 12, 31):
        raise _Skip(f"{d.isoformat()} is outside the plausible range 1990-2100")
    return d


def parse_flag(value) -> bool | None:
    """A Yes/No cell in any case; empty gives None; anything else raises _Skip."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in ("yes", "y", "true"):
        return True
    if text in ("no", "n", "false"):
        return False
    raise _Skip(f"{_clip(str(value))!r} is not Yes or No")


def parse_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = html.unescape(str(value)).replace("\xa0", " ").strip()
    if not text:
        return None
    if len(text) > MAX_CELL:
        raise _Skip(f"text of {len(text)} characters is longer than a spreadsheet cell can hold")
    return text


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------- the import

class _Emitter:
    """Collects triples as pyoxigraph terms, grouped by subject and predicate as the canonical
    writer takes them (no Triple objects: a large import holds a few KB per row, not tens);
    IRIs and repeated literals are interned."""

    def __init__(self) -> None:
        from collections import defaultdict

        import pyoxigraph as ox

        self.ox = ox
        self.by_subject: dict = defaultdict(set)  # subject -> {(predicate, object)}
        self.count = 0
        self._iris: dict[str, object] = {}
        self._literals: dict[tuple, object] = {}
        self.xsd = PREFIXES["xsd"]

    def iri(self, value: str):
        n = self._iris.get(value)
        if n is None:
            n = self._iris[value] = self.ox.NamedNode(value)
        return n

    def add(self, s: str, p: str, o) -> None:
        pairs = self.by_subject[self.iri(s)]
        before = len(pairs)
        pairs.add((self.iri(p), o))
        self.count += len(pairs) - before

    def link(self, s: str, p: str, o: str) -> None:
        self.add(s, p, self.iri(o))

    def _literal(self, value: str, dtype: str | None):
        key = (value, dtype)
        lit = self._literals.get(key)
        if lit is None:
            lit = self.ox.Literal(value) if dtype is None else self.ox.Literal(value, datatype=self.iri(self.xsd + dtype))
            if len(value) <= 64:  # dates, flags, names: the values that recur
                self._literals[key] = lit
        return lit

    def text(self, s: str, p: str, value: str) -> None:
        self.add(s, p, self._literal(value, None))

    def typed(self, s: str, p: str, value: str, dtype: str) -> None:
        self.add(s, p, self._literal(value, dtype))

    def date(self, s: str, p: str, value: dt.date) -> None:
        self.typed(s, p, value.isoformat(), "date")

    def flag(self, s: str, p: str, value: bool) -> None:
        self.typed(s, p, "true" if value else "false", "boolean")


RDF_TYPE = PREFIXES["rdf"] + "type"
LABEL = PREFIXES["rdfs"] + "label"
DCT = PREFIXES["dcterms"]
DERIVED = PREFIXES["prov"] + "wasDerivedFrom"


def import_file(
    path: str | Path,
    *,
    generated_on: str | None = None,
    generation_basis: str | None = None,
    all_medicines: bool = False,
    known_atmps: set[str] | frozenset[str] = frozenset(),
    strict: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Import one EMA spreadsheet; see the module docstring."""
    import gc

    path = Path(path)
    wb, sheets = _open_workbook(path)
    # Millions of small tuples and terms, none in a cycle: the cyclic collector would walk them
    # all again and again (measured: import time per row doubled from 10,000 to 30,000 rows).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _import_rows(path, *_header_sheet(path, sheets), generated_on=generated_on,
                            generation_basis=generation_basis, all_medicines=all_medicines,
                            known_atmps=known_atmps, strict=strict, progress=progress)
    finally:
        if enabled:
            gc.enable()
        wb.close()


def _import_rows(path: Path, sheet, first: list[tuple], rest, header, notes: list[str], *, generated_on,
                 generation_basis, all_medicines, known_atmps, strict, progress) -> ImportResult:
    """The import proper, over the sheet's rows as they stream (the first ones already read)."""
    import itertools

    from ..graph.canonical import serialize_grouped
    from . import xlsx

    h_index, cols, col_text = header
    if "number" not in cols:
        raise InputError(f"{path}: row {h_index + 1}: no product-number column ('Product number' or 'EMA product number')")
    if "name" not in cols:
        raise InputError(f"{path}: row {h_index + 1}: no medicine-name column ('Medicine name' or 'Name of medicine')")
    layout = NEW_LAYOUT if any(col_text[f].lower() in ("name of medicine", "ema product number") for f in ("name", "number")) else OLD_LAYOUT

    stamp = _find_stamp(path, first[:h_index])
    given = None
    if generated_on is not None:
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", generated_on):
                raise ValueError(generated_on)
            given = dt.date.fromisoformat(generated_on)
        except ValueError:
            raise InputError(f"--generated-on {generated_on!r}: not a date; write YYYY-MM-DD") from None
    if stamp and given and stamp[1] != given:
        raise InputError(
            f"{path}: the file's generation stamp says {stamp[1].isoformat()} but --generated-on says {given.isoformat()}; "
            "drop --generated-on for a stamped file"
        )
    if stamp is None and given is None:
        raise InputError(
            f"{path}: no generation stamp ('Output generated ...') above the header; "
            "give the date the file was generated with --generated-on YYYY-MM-DD"
        )
    generated = stamp[1] if stamp else given
    if not stamp and not generation_basis:
        generation_basis = "No generation stamp in the file; the date was given with --generated-on."

    digest = xlsx.sha256(path)
    slug = f"ema-{_slug(layout)}-{generated.isoformat()}-{digest[:8]}"
    source = f"{ID}source/{slug}"
    cite_base = f"{ID}citation/{slug}/row-"
    e = _Emitter()
    a = ATMP

    e.link(source, RDF_TYPE, a + "Source")
    e.text(source, DCT + "title", f"EMA medicines data ({layout}), generated {generated.strftime('%d/%m/%Y')}")
    e.text(source, DCT + "publisher", PUBLISHER)
    e.date(source, DCT + "issued", generated)
    e.date(source, a + "generatedOn", generated)
    e.typed(source, a + "url", DOWNLOAD_PAGE, "anyURI")
    e.text(source, a + "sha256", digest)
    e.text(source, a + "fileName", path.name)
    e.text(source, a + "layout", layout)
    e.link(source, a + "sourceType", a + "DatabaseExport")
    if stamp:
        e.text(source, a + "generationStamp", stamp[0])
    else:
        e.text(source, a + "generationDateBasis", generation_basis)

    warnings: list[str] = []
    seen: dict[str, int] = {}
    products = 0
    declared = sheet.worksheet.max_row  # for the progress line only
    total = 0

    def warn(msg: str) -> None:
        if strict:
            raise InputError(f"{path}: {msg} (--strict)")
        warnings.append(f"{path.name}: {msg}")

    for note in notes:
        warn(note)
    for msg in header_warnings(first[h_index], cols, layout == NEW_LAYOUT):
        warn(f"header row {h_index + 1}, {msg}")
    for offset, row in enumerate(itertools.chain(first[h_index + 1:], rest)):
        rownum = h_index + 2 + offset
        total = offset + 1
        if progress and declared and declared > 1000 and offset % 250 == 0:
            print(f"\r{path.name}: row {rownum} of {declared}", end="", file=sys.stderr, flush=True)

        def cell(f: str):
            j = cols.get(f)
            return row[j] if j is not None and j < len(row) else None

        if all(c in (None, "") for c in row):
            continue
        category = parse_text_safe(cell("category"))
        raw_number = cell("number")
        number = " ".join(str(raw_number).split()) if raw_number is not None else ""
        if (category or "").lower() == "veterinary" or number.upper().startswith("EMEA/V/"):
            continue
        if not number:
            warn(f"row {rownum}: no product number; row skipped")
            continue
        if not re.fullmatch(r"EMEA/H/C/[0-9]{6}", number):
            warn(f"row {rownum}, column '{col_text['number']}': {_clip(number)!r} is not an EMA product number (EMEA/H/C/NNNNNN); row skipped")
            continue

        try:
            atmp_flag = parse_flag(cell("atmp"))
        except _Skip as err:
            warn(f"row {rownum}, column '{col_text['atmp']}': {err}")
            atmp_flag = None
        if not all_medicines and not atmp_flag and number not in known_atmps:
            continue

        product = product_iri(number)
        row_cite = f"{cite_base}{rownum}"
        if number in seen:
            warn(f"row {rownum}: product number {number} already on row {seen[number]}; both rows kept as separate observations")
            observation = f"{ID}observation/{slug}/{number.replace('/', '-')}-row-{rownum}"
        else:
            seen[number] = rownum
            observation = f"{ID}observation/{slug}/{number.replace('/', '-')}"
        products += 1

        e.link(row_cite, RDF_TYPE, a + "Citation")
        e.link(row_cite, DCT + "source", source)
        e.text(row_cite, a + "locator", f"row {rownum}")
        e.typed(row_cite, a + "row", str(rownum), "integer")
        e.link(row_cite, a + "evidence", ECO_IMPORTED)

        values: dict[str, object] = {}
        for f in cols:
            if f in ("number", "category"):
                continue
            try:
                if f in FLAGS:
                    values[f] = atmp_flag if f == "atmp" else parse_flag(cell(f))
                elif f in DATE_FIELDS:
                    values[f] = parse_date(cell(f))
                elif f == "url":
                    u = parse_text(cell(f))
                    if u and not re.match(r"^https?://\S+$", u):
                        raise _Skip(f"{_clip(u)!r} is not a web address")
                    values[f] = u
                else:
                    values[f] = parse_text(cell(f))
            except _Skip as err:
                warn(f"row {rownum}, column '{col_text[f]}': {err}; value left out")
                values[f] = None

        name = values.get("name")
        e.link(product, RDF_TYPE, a + "MedicinalProduct")
        e.text(product, a + "productNumber", number)
        if name:
            e.text(product, LABEL, name)
        else:
            warn(f"row {rownum}: product {number} has no name")
        e.link(product, DERIVED, row_cite)

        e.link(observation, RDF_TYPE, a + "Observation")
        e.link(observation, a + "product", product)
        e.date(observation, a + "observedOn", generated)
        e.link(observation, DERIVED, row_cite)
        status_text = values.get("status")
        status_key = (status_text or "").lower()
        if status_text:
            e.text(observation, a + "statusLabel", status_text)
            e.link(observation, a + "status", a + STATUSES.get(status_key, "StatusOther"))
        for f, prop in TEXTS.items():
            if values.get(f):
                e.text(observation, a + prop, values[f])
        for f, prop in FLAGS.items():
            if values.get(f) is not None:
                e.flag(observation, a + prop, values[f])
        if values.get("area"):
            for area in values["area"].split(";"):
                if area.strip():
                    e.text(observation, a + "therapeuticArea", area.strip())
        if values.get("url"):
            e.typed(observation, a + "pageUrl", values["url"], "anyURI")

        def event(f: str, kind: str, cls: str) -> None:
            d = values.get(f)
            if not d:
                return
            node = f"{ID}action/{number.replace('/', '-')}/{kind}/{d.isoformat()}"
            cite = f"{row_cite}/{_slug(col_text[f])}"
            e.link(cite, RDF_TYPE, a + "Citation")
            e.link(cite, DCT + "source", source)
            e.text(cite, a + "locator", f"row {rownum}, column '{col_text[f]}'")
            e.typed(cite, a + "row", str(rownum), "integer")
            e.text(cite, a + "column", col_text[f])
            e.link(cite, a + "evidence", ECO_IMPORTED)
            e.link(node, RDF_TYPE, a + cls)
            e.link(node, a + "product", product)
            e.date(node, a + "date", d)
            e.link(node, DERIVED, cite)

        for f, (kind, cls) in FIXED_EVENTS.items():
            event(f, kind, cls)
        event("end_date", *END_KINDS.get(status_key, ("authorisation-end", "AuthorisationEnd")))
        opinion = (values.get("opinion_status") or "").lower()
        if opinion == "positive" or (not opinion and (values.get("ma_date") or status_key in _GRANTED)):
            event("opinion_date", "positive-opinion", "PositiveOpinion")
        elif opinion == "negative" or (not opinion and status_key == "refused"):
            event("opinion_date", "negative-opinion", "NegativeOpinion")
        else:
            event("opinion_date", "opinion", "CHMPOpinion")

    if progress and declared and declared > 1000:
        print("", file=sys.stderr)
    header_text = (
        f"Imported by atmp-kg from {path.name} (sha256 {digest}).\n"
        "Generated file: do not edit by hand; rebuild with `atmp-kg rebuild-data`."
    )
    turtle = serialize_grouped(e.by_subject, header=header_text)
    return ImportResult(
        turtle=turtle, layout=layout, generated_on=generated, source_iri=source,
        rows=total, products=products, triples=e.count, warnings=warnings,
    )


def parse_text_safe(value) -> str | None:
    try:
        return parse_text(value)
    except _Skip:
        return None


KNOWN_ATMPS_QUERY = """
PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>
SELECT DISTINCT ?p WHERE {
  { ?c a atmp:Classification ; atmp:product ?p }
  UNION
  { ?o a atmp:Observation ; atmp:advancedTherapy true ; atmp:product ?p }
}
"""


def known_atmp_numbers(paths=None) -> set[str]:
    """Product numbers that a graph knows as ATMPs (classified, or flagged by EMA)."""
    from ..graph.store import load_store

    # Numbers come from the product IRIs, which are minted from them: a curated file may
    # classify a product without restating its number.
    store = load_store(paths, ontology=False)
    prefix = ID + "product/"
    return {
        sol["p"].value[len(prefix):].replace("-", "/")
        for sol in store.query(KNOWN_ATMPS_QUERY)
        if sol["p"].value.startswith(prefix) and not sol["p"].value.startswith(prefix + "unnumbered/")
    }
