"""The derived timeline: the state of each product on any date, derived once from the primary facts.

`derive(store)` replaces the derived layer in a pyoxigraph Store's default graph and returns how
many triples it holds. The rules are in timeline/rules/, one module each, run in a fixed order;
each states its rule in plain words, and that statement goes into the graph as the rule node's
rdfs:comment (https://w3id.org/atmp-kg/id/rule/NAME). Every derived node lives under
https://w3id.org/atmp-kg/id/timeline/ and names its rule (prov:wasGeneratedBy) and the assertions
it rests on (prov:wasDerivedFrom, which lead on to their citations), so that the layer travels with
every export and push, and a remote store answers the same views without running any rule.

The rules read the store's indexes and write N-Triples, loaded natively in batches as they are written: written as
SPARQL updates, the same rules took 100 s at 100k triples on Oxigraph (FILTER NOT EXISTS is
evaluated row by row, and a "previous date" self-join pairs every point with every other).
"""

from __future__ import annotations

from ..namespaces import PREFIXES
from .context import RULE, TIMELINE

__all__ = ["RULE", "TIMELINE", "clear", "derive", "ordered_rules"]

_PROV = PREFIXES["prov"]
_ATMP = PREFIXES["atmp"]

# Every derived node names a rule under RULE; the rule nodes themselves go too.
_CLEAR = f"""
DELETE {{ ?s ?p ?o }} WHERE {{ ?s <{_PROV}wasGeneratedBy> ?rule . FILTER(STRSTARTS(STR(?rule), "{RULE}")) ?s ?p ?o }} ;
DELETE {{ ?s ?p ?o }} WHERE {{ ?s a <{_ATMP}DerivationRule> ; ?p ?o . FILTER(STRSTARTS(STR(?s), "{RULE}")) }}
"""


def ordered_rules():
    """The rule modules, in the order they run."""
    from .rules import RULES

    return list(RULES)


def clear(store) -> None:
    """Remove the derived layer (before deriving it again from changed data)."""
    store.update(_CLEAR)


def derive(store, *, mirrors: tuple = ()) -> int:
    """Replace the derived layer of `store`; returns the number of derived triples it now holds.

    `mirrors` are stores holding the same facts (an update's on-disk generation, while the rules
    read a copy in memory, where they run four times faster): each gets the same layer.

    The output is loaded in a background thread, 20,000 triples at a time, while the rules go on:
    pyoxigraph releases the GIL while it parses and inserts, so the load (a quarter of the time at
    1M triples) overlaps the rules' Python. The rules never see what is being loaded (Facts skips
    derived nodes).
    """
    import pyoxigraph as ox

    from ..background import Job
    from .context import Context
    from .facts import Facts, RDF_TYPE, RDFS
    from .writer import Writer

    targets = (store, *mirrors)
    for t in targets:
        clear(t)
    jobs: list = []

    def load(data: bytes) -> None:
        for t in targets:
            t.load(data, ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())

    def spill(data: bytes) -> None:  # loaded in the order written, one batch at a time
        jobs.append(Job(load, data, after=jobs[-1] if jobs else None))

    ctx = Context(Facts(store), Writer(spill))
    try:
        for rule in ordered_rules():
            rule.apply(ctx)
            iri = RULE + rule.NAME
            ctx.out.iri(iri, RDF_TYPE, _ATMP + "DerivationRule")
            ctx.out.text(iri, RDFS + "label", rule.TITLE, "en")
            ctx.out.text(iri, RDFS + "comment", rule.DESCRIPTION, "en")
            ctx.out.flush()
    except BaseException:  # a rule's error or Ctrl-C: no load goes on, and no partial layer stays
        for job in jobs:
            job.cancel()
        try:
            if jobs:
                jobs[-1].wait()
        finally:
            for t in targets:
                clear(t)
        raise
    if jobs:
        jobs[-1].result()
    return ctx.out.spilled
