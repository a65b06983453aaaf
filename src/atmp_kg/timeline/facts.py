"""The primary facts that the timeline rules read, taken from the store's indexes.

One index scan per property (pyoxigraph's quads_for_pattern), then plain dictionaries: the rules
need a handful of properties of a few node kinds, and a scan is an order of magnitude cheaper per
triple than a SPARQL join (measured in benchmarks/README.md). Deprecated assertions are left out
here, once, so that no rule ever sees them. So are derived nodes: derive() loads the rules' output
while they run, and what a rule reads must not depend on how far that load has got.
"""

from __future__ import annotations

from collections import defaultdict

from ..namespaces import ID, PREFIXES

ATMP = PREFIXES["atmp"]
RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS = PREFIXES["rdfs"]
PROV = PREFIXES["prov"]
DCT = PREFIXES["dcterms"]
SKOS = PREFIXES["skos"]
XSD = PREFIXES["xsd"]
PRODUCT_BASE = ID + "product/"
# where derived nodes live: every triple the rules write has a subject under one of these
TIMELINE = ID + "timeline/"
RULE = ID + "rule/"
_DERIVED = (TIMELINE, RULE)


def end_of_period(value: str, datatype: str) -> str | None:
    """An issue date as the last day it can mean: 2019 -> 2019-12-31, 2024-02 -> 2024-02-29."""
    import calendar

    if datatype == XSD + "date":
        return value[:10]
    if datatype == XSD + "gYear" and value[:4].isdigit():
        return f"{value[:4]}-12-31"
    if datatype == XSD + "gYearMonth" and value[:4].isdigit() and value[5:7].isdigit():
        year, month = int(value[:4]), int(value[5:7])
        if 1 <= month <= 12:
            return f"{value[:7]}-{calendar.monthrange(year, month)[1]:02d}"
    return None


class Facts:
    def __init__(self, store) -> None:
        import pyoxigraph as ox

        self._store = store
        self._ox = ox
        self.deprecated = set(self.values(ATMP + "deprecates").values_flat())
        self.subclasses = self._subclass_closure()
        self.product = self.single(ATMP + "product")
        # node -> its citations (sorted), citation -> its source; deprecated nodes keep theirs. One
        # scan each: at 1M triples, 0.5-0.7 s less than looking up the nodes the rules ask about one by one
        self.cites = self.values(PROV + "wasDerivedFrom")
        for vs in self.cites.values():
            vs.sort()
        self.source_of = self._least(DCT + "source", ())
        # what the ontology says the rules should know
        self.implies_status = self.single(ATMP + "impliesStatus")
        self.status_group = self.single(ATMP + "statusGroup")
        self.occurs_once = set(self.single(ATMP + "occursOnce"))
        self.jurisdiction = self.single(ATMP + "jurisdiction")
        self.rank_of_type = {k: int(v) for k, v in self.single(ATMP + "sourceRank").items()}
        self.alt_label = self.single(SKOS + "altLabel")
        # sources
        self.source_type = self.single(ATMP + "sourceType")
        self.issued = {}
        for s, o in self._pairs(DCT + "issued"):
            end = end_of_period(o.value, o.datatype.value) if isinstance(o, ox.Literal) else None
            if end:
                self.issued[s] = end
        self.generated_on = self.single(ATMP + "generatedOn")

    # ------------------------------------------------------------------ scanning

    def _pairs(self, predicate: str) -> list:
        """(subject IRI, object term) of every primary triple of `predicate`."""
        quads = self._store.quads_for_pattern(None, self._ox.NamedNode(predicate), None)
        return [(s, q.object) for q in quads if not (s := q.subject.value).startswith(_DERIVED)]

    def value_of(self, node: str, predicate: str) -> str | None:
        """One property of one node, looked up in the store (for properties few nodes need)."""
        ox = self._ox
        if node.startswith(_DERIVED):
            return None
        for q in self._store.quads_for_pattern(ox.NamedNode(node), ox.NamedNode(predicate), None):
            return q.object.value
        return None

    # The scans below are single loops over the index, with no list of pairs in between: at 1M
    # triples they read 340k triples, and every step per triple shows (iterating alone is half).

    def single(self, predicate: str) -> dict[str, str]:
        """subject -> the lexical value or IRI of its (first by order) object; deprecated subjects
        left out. Each property is scanned once; rules that read the same property share it."""
        cache = self.__dict__.setdefault("_single", {})
        if predicate not in cache:
            cache[predicate] = self._least(predicate, getattr(self, "deprecated", ()))
        return cache[predicate]

    def _least(self, predicate: str, skip) -> dict[str, str]:
        """subject -> the least value of its objects, for the subjects not in skip."""
        out: dict[str, str] = {}
        for q in self._store.quads_for_pattern(None, self._ox.NamedNode(predicate), None):
            s = q.subject.value
            if s in out:  # a second object (rare): keep the least
                out[s] = min(out[s], q.object.value)
            elif not s.startswith(_DERIVED):
                out[s] = q.object.value
        for s in out.keys() & skip:
            del out[s]
        return out

    def multi(self, predicate: str) -> dict[str, list[str]]:
        out = self.values(predicate)
        for s in self.deprecated.intersection(out):
            del out[s]
        for v in out.values():
            v.sort()
        return out

    class _Values(dict):
        def values_flat(self):
            return [v for vs in self.values() for v in vs]

    def values(self, predicate: str) -> "_Values":
        """subject -> the values of its objects, in index order (deprecated subjects kept)."""
        out = Facts._Values()
        add = out.setdefault
        for q in self._store.quads_for_pattern(None, self._ox.NamedNode(predicate), None):
            s = q.subject.value
            if not s.startswith(_DERIVED):
                add(s, []).append(q.object.value)
        return out

    def _subclass_closure(self) -> dict[str, set[str]]:
        """class -> every class it is a subclass of, itself included."""
        direct: dict[str, set[str]] = defaultdict(set)
        for s, o in self._pairs(RDFS + "subClassOf"):
            direct[s].add(o.value)
        closure: dict[str, set[str]] = {}

        def up(c: str, seen: frozenset = frozenset()) -> set[str]:
            if c in closure:
                return closure[c]
            result = {c}
            for parent in direct.get(c, ()):
                if parent not in seen:
                    result |= up(parent, seen | {c})
            closure[c] = result
            return result

        for c in list(direct):
            up(c)
        return closure

    # ------------------------------------------------------------------ helpers for the rules

    def kinds(self, base: str) -> dict[str, str]:
        """node -> its most specific asserted class among base and base's subclasses (one scan of
        rdf:type per such class; deprecated nodes left out)."""
        cache = self.__dict__.setdefault("_kinds", {})
        if base not in cache:
            import pyoxigraph as ox

            below = sorted((c for c, ups in self.subclasses.items() if base in ups), key=lambda c: (len(self.subclasses[c]), c))
            if base not in below:
                below.insert(0, base)
            found: dict[str, str] = {}
            for cls in below:  # least specific first, so a more specific class overwrites
                for q in self._store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(cls)):
                    node = q.subject.value
                    if node not in self.deprecated and not node.startswith(_DERIVED):
                        found[node] = cls
            cache[base] = found
        return cache[base]

    def of_class(self, cls: str) -> list[str]:
        """Every (non-deprecated) node whose asserted class is cls or one of its subclasses."""
        return sorted(self.kinds(cls))

    def is_a(self, node: str, cls: str) -> bool:
        return node in self.kinds(cls)

    def rank(self, source: str) -> int:
        return self.rank_of_type.get(self.source_type.get(source, ""), 0)

    def sources(self, node: str) -> list[str]:
        source_of = self.source_of.get
        return sorted({s for c in self.cites.get(node, ()) if (s := source_of(c)) is not None})

    def citations(self, nodes) -> list[str]:
        if len(nodes) == 1:  # the cites of one node are sorted and distinct already
            return list(self.cites.get(nodes[0], ()))
        return sorted({c for n in nodes for c in self.cites.get(n, ())})
