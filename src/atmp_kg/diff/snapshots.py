"""Reads one EMA snapshot out of a store: what each row said, and the dated events it gave.

A snapshot is an EMA export source (atmp:generatedOn, atmp:layout); its rows are the
observations derived from its row citations, its events the regulatory actions derived from
its column citations. Everything comes back with the citation it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import ATMP, ID

PREFIXES = """PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

SNAPSHOTS_QUERY = PREFIXES + """
SELECT ?s ?date ?file ?layout ?sha WHERE {
  ?s a atmp:Source ; atmp:generatedOn ?date ; atmp:layout ?layout .
  FILTER(?layout IN ("Medicines report", "EPAR report"))
  OPTIONAL { ?s atmp:fileName ?file }
  OPTIONAL { ?s atmp:sha256 ?sha }
}"""

# Field of a Row -> the observation's property; flags are booleans, the rest text.
TEXT_FIELDS = {"name": "medicineName", "status_label": "statusLabel", "opinion": "opinionStatus", "holder": "holderName"}
FLAG_FIELDS = {"orphan": "orphan", "prime": "prime", "conditional": "conditional",
               "monitoring": "additionalMonitoring", "atmp": "advancedTherapy"}

ROWS_QUERY = PREFIXES + """
SELECT ?number ?row ?cite ?status {optional_vars} WHERE {{
  ?cite dcterms:source <{source}> ; atmp:row ?row .
  FILTER NOT EXISTS {{ ?cite atmp:column ?anyColumn }}
  ?obs prov:wasDerivedFrom ?cite ; a atmp:Observation ; atmp:product ?p .
  ?p atmp:productNumber ?number .
  OPTIONAL {{ ?obs atmp:status ?status }}
  {optionals}
}}"""

EVENTS_QUERY = PREFIXES + """
SELECT ?number ?class ?date ?cite WHERE {
  ?cite dcterms:source <%s> ; atmp:column ?column .
  ?a prov:wasDerivedFrom ?cite ; a ?class ; atmp:date ?date ; atmp:product ?p .
  ?p atmp:productNumber ?number .
}"""

@dataclass(frozen=True)
class SnapshotRef:
    source: str
    date: str
    file: str
    layout: str
    sha256: str = ""

    def label(self) -> str:
        return f"{self.date} ({self.file})" if self.file else self.date


@dataclass
class Event:
    kind: str  # the action's class, local name (MarketingAuthorisation, Refusal, ...)
    date: str
    citation: str


@dataclass
class Row:
    number: str
    row: int
    citation: str
    status: str | None = None  # local name: StatusAuthorised, ...
    name: str | None = None
    status_label: str | None = None
    opinion: str | None = None
    holder: str | None = None
    orphan: bool | None = None
    prime: bool | None = None
    conditional: bool | None = None
    monitoring: bool | None = None
    atmp: bool | None = None
    events: list[Event] = field(default_factory=list)

    def event(self, *kinds: str) -> Event | None:
        """The latest event of one of these kinds that this row gave."""
        found = [e for e in self.events if e.kind in kinds]
        return max(found, key=lambda e: e.date) if found else None


def list_snapshots(store) -> list[SnapshotRef]:
    out = []
    for s in store.query(SNAPSHOTS_QUERY):
        out.append(SnapshotRef(
            source=s["s"].value, date=s["date"].value, file=s["file"].value if s["file"] else "",
            layout=s["layout"].value, sha256=s["sha"].value if s["sha"] else "",
        ))
    return sorted(out, key=lambda r: (r.date, r.file, r.source))


def read_rows(store, source: str) -> dict[str, Row]:
    """Product number -> its row in the snapshot (the first, where EMA listed a number twice)."""
    optional_vars = " ".join(f"?{f}" for f in (*TEXT_FIELDS, *FLAG_FIELDS))
    optionals = "\n  ".join(f"OPTIONAL {{ ?obs atmp:{prop} ?{f} }}" for f, prop in (*TEXT_FIELDS.items(), *FLAG_FIELDS.items()))
    text = ROWS_QUERY.format(source=source, optional_vars=optional_vars, optionals=optionals)
    rows: dict[str, Row] = {}
    for s in store.query(text):
        number = s["number"].value
        row = Row(number=number, row=int(s["row"].value), citation=s["cite"].value,
                  status=_local(s["status"]) if s["status"] else None)
        for f in TEXT_FIELDS:
            setattr(row, f, s[f].value if s[f] else None)
        for f in FLAG_FIELDS:
            setattr(row, f, (s[f].value == "true") if s[f] else None)
        if number not in rows or row.row < rows[number].row:
            rows[number] = row
    by_cite_prefix = {r.citation + "/": r for r in rows.values()}
    for s in store.query(EVENTS_QUERY % source):
        cite = s["cite"].value
        row = by_cite_prefix.get(cite.rsplit("/", 1)[0] + "/")
        cls = s["class"].value
        if row is not None and cls.startswith(ATMP):
            row.events.append(Event(kind=cls[len(ATMP):], date=s["date"].value, citation=cite))
    return rows


def known_atmps(store) -> set[str]:
    """Product numbers the graph knows as ATMPs: classified, or flagged by EMA in any snapshot
    (the importer's rule, run on this store)."""
    from ..importers.ema import KNOWN_ATMPS_QUERY

    prefix = ID + "product/"
    return {
        s["p"].value[len(prefix):].replace("-", "/")
        for s in store.query(KNOWN_ATMPS_QUERY)
        if s["p"].value.startswith(prefix) and not s["p"].value.startswith(prefix + "unnumbered/")
    }


def _local(term) -> str:
    v = term.value
    return v[len(ATMP):] if v.startswith(ATMP) else v
