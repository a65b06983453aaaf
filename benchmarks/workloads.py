"""Builds the benchmark workloads into a work folder (benchmarks/work/ by default, gitignored).

Workloads (each is a list of RDF files; the ontology is added by every step, as load_store does):

- shipped: the data/ folder as committed (about 12k triples).
- ema-history: every medicine of every EMA snapshot in data/ema/, imported with
  atmp_kg.importers.ema.import_file(all_medicines=True), one Turtle file per snapshot.
- synthetic-N: about N triples shaped like the shipped graph. The shipped graph is cut into one
  "unit" per product (the product, every node whose atmp:product or atmp:appliesTo is the
  product: observations, regulatory actions, classifications, challenge statements; the
  citations those nodes derive from; the sources only that product's citations use). The rest
  (evidence layer: findings, recommendations, context, challenge concepts, the US licences of the
  Purple Book import, shared sources such as the EMA exports) is the "base", included once. Units are cloned, cycling over the products,
  with fresh IRIs and fresh product numbers (EMEA/H/C/1NNNNN, IRIs minted from them), until the
  store (ontology + data) holds N triples. A handful of must-fail fixtures from
  tests/fixtures/shapes/invalid/ (IRIs renamed per fixture) add real violations, core and
  SHACL-SPARQL, so that the engines' reports can be compared.

Everything is deterministic: the same checkout builds byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/atmp-kg/id/"
ATMP = "https://w3id.org/atmp-kg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
DCT_SOURCE = "http://purl.org/dc/terms/source"
PRODUCT_NUMBER = ATMP + "productNumber"

# The must-fail fixtures mixed into every synthetic workload: one per kind of constraint.
VIOLATION_FIXTURES = [
    "authorisation-missing-citation",      # sh:minCount (the one rule)
    "authorisation-date-not-a-date",       # sh:datatype
    "authorisation-misspelled-predicate",  # sh:closed
    "source-missing-identifier",           # sh:or
    "product-iri-not-minted-from-number",  # SHACL-SPARQL
    "withdrawal-before-authorisation",     # SHACL-SPARQL with aggregates
    "concept-cycle",                       # SHACL-SPARQL with a property path
]

HISTORY_OF = "EMEA/H/C/004090"  # the history view's product; synthetic graphs use its first clone
EMA_DATES = {"ema-epar-report_undated.xlsx": "2023-06-12"}
SYNTHETIC_SIZES = {"synthetic-10k": 10_000, "synthetic-100k": 100_000, "synthetic-1M": 1_000_000}


def _fingerprint(paths: list[Path], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _fresh(folder: Path, key: str) -> bool:
    stamp = folder / ".built"
    return stamp.is_file() and stamp.read_text() == key


def _done(folder: Path, key: str, meta: dict) -> None:
    (folder / "workload.json").write_text(json.dumps(meta, indent=2) + "\n")
    (folder / ".built").write_text(key)


def _importer_sources() -> list[Path]:
    pkg = ROOT / "src" / "atmp_kg"
    return [pkg / "importers" / "ema.py", pkg / "graph" / "canonical.py", pkg / "namespaces.py"]


# ---------------------------------------------------------------- the EMA history

def build_ema_history(work: Path, log=print) -> dict:
    from atmp_kg.importers.ema import import_file

    folder = work / "ema-history"
    xlsx = sorted((ROOT / "data" / "ema").glob("*.xlsx"))
    key = _fingerprint(xlsx + _importer_sources(), "ema-history-v1")
    if not _fresh(folder, key):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.ttl"):
            old.unlink()
        triples = 0
        for x in xlsx:
            log(f"  importing {x.name} (all medicines)")
            r = import_file(x, all_medicines=True, generated_on=EMA_DATES.get(x.name))
            (folder / (x.stem + ".ttl")).write_text(r.turtle, encoding="utf-8")
            triples += r.triples
        _done(folder, key, {"name": "ema-history", "data_triples": triples,
                            "description": "import_file(all_medicines=True) of the five files in data/ema/"})
    return _describe(folder)


# ---------------------------------------------------------------- synthetic graphs

def _triples(paths: list[Path]) -> list:
    from atmp_kg.graph.files import parse_quads

    out = []
    for p in paths:
        out += [(q.subject, q.predicate, q.object) for q in parse_quads(p)]
    return out


class _Template:
    """The shipped graph cut into a base and one unit per product."""

    def __init__(self) -> None:
        from atmp_kg import resources

        data = ROOT / "data"
        # The Purple Book import too: the EU-US statements of the curated data cite its source.
        files = sorted((data / "ema-imports").glob("*.ttl")) + sorted((data / "curated").glob("*.ttl")) \
            + sorted((data / "evidence").glob("*.ttl")) + sorted((data / "fda-imports").glob("*.ttl"))
        self.files = files
        triples = list(dict.fromkeys(_triples(files)))  # de-duplicated, order kept
        by_subject: dict = defaultdict(list)
        for t in triples:
            by_subject[t[0]].append(t)
        is_product = {t[0] for t in triples if t[1].value == RDF_TYPE and t[2].value == ATMP + "MedicinalProduct"}
        nodes: dict = {p: {p} for p in is_product}
        for s, p, o in triples:
            if p.value in (ATMP + "product", ATMP + "appliesTo") and o in is_product:
                nodes[o].add(s)
        in_unit = set().union(*nodes.values())
        cites: dict = {p: set() for p in is_product}
        for prod, ns in nodes.items():
            for n in ns:
                for s, p, o in by_subject[n]:
                    if p.value == DERIVED:
                        cites[prod].add(o)
        all_unit_cites = set().union(*cites.values())
        base_nodes = {s for s in by_subject if s not in in_unit and s not in all_unit_cites}
        # A citation that a base node also derives from stays in the base as well.
        for s in list(base_nodes):
            for _, p, o in by_subject[s]:
                if p.value == DERIVED and o in all_unit_cites:
                    base_nodes.add(o)
        # Sources used by exactly one product's citations (and no base citation) travel with it.
        users: dict = defaultdict(set)
        for prod, cs in cites.items():
            for c in cs:
                for _, p, o in by_subject[c]:
                    if p.value == DCT_SOURCE:
                        users[o].add(prod)
        for c in base_nodes:
            for _, p, o in by_subject[c]:
                if p.value == DCT_SOURCE:
                    users[o].add(None)
        own_sources: dict = defaultdict(set)
        for src, who in users.items():
            if len(who) == 1 and None not in who:
                own_sources[next(iter(who))].add(src)
        moved = set().union(*own_sources.values()) if own_sources else set()
        base_nodes -= moved
        self.base = [t for s in sorted(base_nodes, key=str) for t in by_subject[s]]
        self.units = []
        for prod in sorted(is_product, key=lambda n: n.value):
            members = nodes[prod] | cites[prod] | own_sources[prod]
            number = next((o.value for _, p, o in by_subject[prod] if p.value == PRODUCT_NUMBER), None)
            ts = [t for m in sorted(members, key=str) for t in by_subject[m]]
            if number:
                self.units.append((prod, number, members, ts))
        self.ontology = _triples(resources.ontology_files())


def _clone_unit(ox, unit, i: int) -> list:
    prod, number, members, ts = unit
    new_number = f"EMEA/H/C/{100000 + i:06d}"
    old_slug, new_slug = number.replace("/", "-"), new_number.replace("/", "-")
    member_iris = {m.value for m in members if isinstance(m, ox.NamedNode)}
    mapping: dict = {}

    def iri(t):
        if not isinstance(t, ox.NamedNode) or t.value not in member_iris:
            return t
        m = mapping.get(t.value)
        if m is None:
            v = t.value
            if t == prod:
                v = ID + "product/" + new_slug
            else:
                kind, _, rest = v[len(ID):].partition("/")
                v = f"{ID}{kind}/syn{i}/{rest.replace(old_slug, new_slug)}"
            m = mapping[t.value] = ox.NamedNode(v)
        return m

    out = []
    for s, p, o in ts:
        if p.value == PRODUCT_NUMBER and s == prod:
            o = ox.Literal(new_number)
        out.append(ox.Triple(iri(s), p, iri(o)))
    return out


def _fixture_triples(ox, index: int, path: Path) -> list:
    """A must-fail fixture with every IRI under id/ renamed, so fixtures cannot interact."""
    from atmp_kg.graph.files import parse_quads

    def number(m: re.Match) -> str:
        sep = m.group(1)
        return f"EMEA{sep}H{sep}C{sep}{900000 + index * 1000 + int(m.group(2)) % 1000:06d}"

    num_re = re.compile(r"EMEA([-/])H\1C\1(\d{6})")

    def iri(t):
        if isinstance(t, ox.NamedNode) and t.value.startswith(ID):
            rest = num_re.sub(number, t.value[len(ID):])
            kind, _, tail = rest.partition("/")
            return ox.NamedNode(f"{ID}{kind}/{tail}" if kind == "product" else f"{ID}{kind}/fx{index}/{tail}")
        if isinstance(t, ox.Literal) and not t.language and t.datatype.value.endswith("#string"):
            return ox.Literal(num_re.sub(number, t.value))
        return t

    return [ox.Triple(iri(q.subject), q.predicate, iri(q.object)) for q in parse_quads(path)]


def build_synthetic(work: Path, name: str, size: int, log=print) -> dict:
    import pyoxigraph as ox

    folder = work / name
    fixtures = [ROOT / "tests" / "fixtures" / "shapes" / "invalid" / f"{f}.ttl" for f in VIOLATION_FIXTURES]
    tmpl_files = sorted((ROOT / "data").rglob("*.ttl")) + sorted((ROOT / "ontology").glob("*.ttl"))
    key = _fingerprint(tmpl_files + fixtures + [Path(__file__)], f"{name}-{size}-v2")
    if _fresh(folder, key):
        return _describe(folder)
    log(f"  generating {name}")
    tmpl = _Template()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.ttl"):
        old.unlink()
    bad = []
    for k, f in enumerate(fixtures):
        bad += _fixture_triples(ox, k, f)
    bad = list(dict.fromkeys(bad))
    base = [ox.Triple(*t) for t in tmpl.base]
    have = len(tmpl.ontology) + len(base) + len(bad)
    clones = []
    i = 0
    while have < size:
        unit = tmpl.units[i % len(tmpl.units)]
        c = _clone_unit(ox, unit, i)
        clones += c
        have += len(c)
        i += 1
    prefixes = {
        "atmp": ATMP, "id": ID, "product": ID + "product/", "dcterms": "http://purl.org/dc/terms/",
        "prov": "http://www.w3.org/ns/prov#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "xsd": "http://www.w3.org/2001/XMLSchema#", "obo": "http://purl.obolibrary.org/obo/",
        "skos": "http://www.w3.org/2004/02/skos/core#",
    }
    for fname, ts in (("base.ttl", base), ("products.ttl", clones), ("violations.ttl", bad)):
        ox.serialize(ts, str(folder / fname), ox.RdfFormat.TURTLE, prefixes=prefixes)
    first_clone = next(k for k, u in enumerate(tmpl.units) if u[1] == HISTORY_OF)
    _done(folder, key, {
        "name": name, "target_triples": size, "clones": i, "units": len(tmpl.units),
        "history_number": f"EMEA/H/C/{100000 + first_clone:06d}",
        "base_triples": len(base), "clone_triples": len(clones), "violation_triples": len(bad),
        "violation_fixtures": VIOLATION_FIXTURES,
        "description": "shipped graph cut into per-product units, cloned with fresh IRIs; base once; must-fail fixtures",
    })
    return _describe(folder)


def shipped() -> dict:
    from atmp_kg import resources

    files = resources.data_files()
    return {"name": "shipped", "files": [str(f) for f in files], "bytes": sum(f.stat().st_size for f in files),
            "description": "data/ as committed"}


def _describe(folder: Path) -> dict:
    meta = json.loads((folder / "workload.json").read_text())
    files = sorted(folder.glob("*.ttl"))
    meta["files"] = [str(f) for f in files]
    meta["bytes"] = sum(f.stat().st_size for f in files)
    return meta


def build_all(work: Path, names: list[str], log=print) -> dict[str, dict]:
    out = {}
    for n in names:
        if n == "shipped":
            out[n] = shipped()
        elif n == "ema-history":
            out[n] = build_ema_history(work, log)
        else:
            out[n] = build_synthetic(work, n, SYNTHETIC_SIZES[n], log)
    return out


def main() -> None:
    """Build in a separate process, so that run.py stays small (see run.py: peak memory)."""
    import sys

    work, names = Path(sys.argv[1]), sys.argv[2].split(",")
    out = build_all(work, names, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
