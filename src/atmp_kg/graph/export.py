"""Exports the graph as JSON-LD 1.1 (inline context), canonical Turtle or sorted N-Triples.

The JSON-LD is written directly from the triples, not through a compaction algorithm: each
node is one object in @graph, keys sorted, every IRI compacted with the published context
(ontology/atmp-kg.context.jsonld). Typed literals whose datatype the context does not coerce
are written as {"@value", "@type"}, so that every literal comes back exactly as it went in
(a bare JSON number would come back as an integer). The output needs no network: the
context is inline.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator

from ..namespaces import PREFIXES, RDF_TYPE, XSD

# Properties whose values the context types, so that dates read as plain strings.
_DATE_PROPERTIES = [
    "atmp:date", "atmp:observedOn", "atmp:accessed", "atmp:asOf", "atmp:generatedOn", "dcterms:issued",
]
_ANYURI_PROPERTIES = ["atmp:url", "atmp:pageUrl"]
CONTEXT_FILE = "atmp-kg.context.jsonld"


def context() -> dict:
    """The JSON-LD context: the project's prefixes and datatype coercions."""
    ctx: dict = {"@version": 1.1}
    for p, ns in PREFIXES.items():
        ctx[p] = ns
    for prop in _DATE_PROPERTIES:
        ctx[prop] = {"@type": "xsd:date"}
    for prop in _ANYURI_PROPERTIES:
        ctx[prop] = {"@type": "xsd:anyURI"}
    return ctx


def context_document() -> str:
    return json.dumps({"@context": context()}, indent=2) + "\n"


def _expand(curie: str) -> str:
    p, _, local = curie.partition(":")
    return PREFIXES[p] + local


_COERCED = {_expand(p): XSD + "date" for p in _DATE_PROPERTIES} | {
    _expand(p): XSD + "anyURI" for p in _ANYURI_PROPERTIES
}
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def _compact(iri: str, exclude: frozenset = frozenset()) -> str:
    for p, ns in _BY_LENGTH:
        if p not in exclude and iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("//"):
            return f"{p}:{iri[len(ns):]}"
    return iri


def _clash(iri: str) -> str | None:
    """The context prefix that an absolute IRI's scheme spells (`owl:Thing`), if any: written
    as it is, JSON-LD would read it as a compact IRI (OWL's Thing)."""
    scheme, sep, _ = iri.partition(":")
    return scheme if sep and scheme in PREFIXES else None


def _clashes(subject, props: dict, types: list) -> frozenset:
    import pyoxigraph as ox

    found = set()
    terms = [subject, *types, *(o for objs in props.values() for o in objs)]
    for t in terms:
        if isinstance(t, ox.NamedNode):
            found.add(_clash(t.value))
        elif isinstance(t, ox.Literal):
            found.add(_clash(t.datatype.value))
    found.update(_clash(p) for p in props)
    found.discard(None)
    return frozenset(found)


def _node_ref(term, compact=_compact) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return compact(term.value)


def _value(pred: str, term, compact=_compact, coerced=_COERCED):
    import pyoxigraph as ox

    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return {"@id": _node_ref(term, compact)}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    dt = term.datatype.value
    if dt == XSD + "string":
        # A bare string under a property the context coerces would come back typed.
        return {"@value": term.value} if pred in coerced else term.value
    if coerced.get(pred) == dt:
        return term.value
    return {"@value": term.value, "@type": compact(dt)}


def _sort_key(v):
    return json.dumps(v, sort_keys=True, ensure_ascii=False)


def iter_jsonld(source) -> Iterator[str]:
    """The JSON-LD document of a pyoxigraph Store (or any iterable of triples) in pieces, one
    node object at a time, so that a large graph is never held whole in memory, neither as
    Python objects nor as one string. The bytes are exactly those of
    json.dumps({"@context": ..., "@graph": [...]}, indent=1, ensure_ascii=False) + "\n"."""
    import functools

    import pyoxigraph as ox

    if isinstance(source, ox.Store):
        # Each node's triples are fetched from the store's subject index when its turn comes.
        subjects = (q.subject for q in source)
        triples_of = functools.partial(source.quads_for_pattern, predicate=None, object=None)
    else:
        by_subject: dict = defaultdict(list)
        for t in source:
            by_subject[t.subject].append(t)
        subjects, triples_of = by_subject, by_subject.__getitem__
    # The same IRIs recur across triples; compacting each once is most of the speed-up
    # (the benchmark's profile put 43 % of export time in prefix matching).
    compact = functools.lru_cache(maxsize=None)(_compact)
    refs: dict = {}
    for subject in subjects:
        if subject not in refs:
            refs[subject] = _node_ref(subject, compact)
    order = sorted(refs.items(), key=lambda kv: kv[1])
    del refs
    head = json.dumps({"@context": context()}, indent=1, ensure_ascii=False)
    yield head[:-2] + ',\n "@graph": ['  # drop the closing "\n}" and open the node array
    if not order:
        yield "]\n}\n"
        return
    sep = "\n  "
    for subject, ref in order:
        props: dict = defaultdict(list)
        for t in triples_of(subject):
            props[t.predicate.value].append(t.object)
        types = props.pop(RDF_TYPE, [])
        clash = _clashes(subject, props, types)
        if clash:
            # An IRI whose scheme is a context prefix: this node unsets those prefixes in a
            # context of its own and writes their namespaces' IRIs in full (and so, without
            # the context's coercions, every typed value explicitly).
            node_compact = functools.partial(_compact, exclude=clash)
            obj: dict = {"@context": {p: None for p in sorted(clash)}, "@id": _node_ref(subject, node_compact)}
            coerced: dict = {}
        else:
            node_compact, coerced = compact, _COERCED
            obj = {"@id": ref}
        if types:
            obj["@type"] = sorted(_node_ref(t, node_compact) for t in types)
        for pred in sorted(props, key=node_compact):
            objs = props[pred]
            if len(objs) == 1:
                obj[node_compact(pred)] = _value(pred, objs[0], node_compact, coerced)
            else:
                obj[node_compact(pred)] = sorted((_value(pred, o, node_compact, coerced) for o in objs), key=_sort_key)
        # A node at depth 2 of the document: its own indent=1 layout, shifted by two spaces
        # (JSON strings never hold a raw newline, so splitting on it is safe).
        yield sep + json.dumps(obj, indent=1, ensure_ascii=False).replace("\n", "\n  ")
        sep = ",\n  "
    yield "\n ]\n}\n"


def to_jsonld(source) -> str:
    """The JSON-LD document of a Store or of triples, as one string."""
    return "".join(iter_jsonld(source))


def to_ntriples(triples) -> str:
    lines = sorted({f"{t.subject} {t.predicate} {t.object} ." for t in triples})
    return "\n".join(lines) + ("\n" if lines else "")


def to_turtle(triples) -> str:
    from .canonical import serialize

    return serialize(triples)


def iter_export(store, fmt: str) -> Iterator[str]:
    """The whole store in one of FORMATS, in pieces (JSON-LD streams; the sorted formats cannot)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if fmt == "json-ld":
        return iter_jsonld(store)
    return iter([FORMATS[fmt](list(store))])


FORMATS = {"json-ld": to_jsonld, "turtle": to_turtle, "nt": to_ntriples}


def export(store, fmt: str) -> str:
    """The whole store in one of FORMATS, as one string."""
    return "".join(iter_export(store, fmt))
