"""The evidence layer: the challenge taxonomy's integrity and the sourcing of every statement."""

from __future__ import annotations

import json

SKOS = "http://www.w3.org/2004/02/skos/core#"


def rows(store, query):
    return list(store.query("PREFIX skos: <" + SKOS + "> PREFIX atmp: <https://w3id.org/atmp-kg/ontology#> "
                            "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/> " + query))


def concepts(store):
    return {s["c"].value for s in rows(store, "SELECT DISTINCT ?c WHERE { { ?c skos:inScheme atmp:ChallengeScheme } UNION { ?c skos:topConceptOf atmp:ChallengeScheme } }")}


def test_scheme_has_the_four_seed_areas_and_more(shipped_store):
    tops = {s["l"].value.lower() for s in rows(shipped_store, "SELECT ?l WHERE { ?c skos:topConceptOf atmp:ChallengeScheme ; skos:prefLabel ?l }")}
    for area in ("preclinical", "cell sourcing", "clinical trials", "regulatory"):
        assert any(area in t for t in tops), area
    for domain in ("financial", "health technology assessment", "human resources"):
        assert any(domain in t for t in tops), domain
    assert len(concepts(shipped_store)) >= 25


def test_every_concept_is_labelled_defined_and_sourced(shipped_store):
    for c in concepts(shipped_store):
        q = f"ASK {{ <{c}> skos:prefLabel ?l ; skos:definition ?d ; prov:wasDerivedFrom ?cite . ?cite dcterms:source ?s ; atmp:locator ?loc . ?s dcterms:title ?t }}"
        assert shipped_store.query("PREFIX skos: <" + SKOS + "> PREFIX atmp: <https://w3id.org/atmp-kg/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/> " + q), c


def test_no_orphans_and_no_cycles(shipped_store):
    parents = {}
    for s in rows(shipped_store, "SELECT ?c ?b WHERE { ?c skos:inScheme atmp:ChallengeScheme . OPTIONAL { ?c skos:broader ?b } }"):
        parents.setdefault(s["c"].value, set())
        if s["b"] is not None:
            parents[s["c"].value].add(s["b"].value)
    tops = {s["c"].value for s in rows(shipped_store, "SELECT ?c WHERE { ?c skos:topConceptOf atmp:ChallengeScheme }")}
    for c, ps in parents.items():
        assert c in tops or len(ps) == 1, f"{c} has {len(ps)} broader concepts"
        seen, cur = {c}, c
        while parents.get(cur):
            (cur,) = parents[cur]
            assert cur not in seen, f"cycle through {c}"
            seen.add(cur)
        assert cur in tops, f"{c} does not reach a top concept"


def test_statements_point_to_concepts_of_the_scheme(shipped_store):
    known = concepts(shipped_store)
    used = {s["c"].value for s in rows(shipped_store, "SELECT DISTINCT ?c WHERE { { ?x atmp:challenge ?c } UNION { ?x atmp:addresses ?c } UNION { ?x atmp:reasonCategory ?c } }")}
    assert used and used <= known, used - known


def test_challenge_statements_cover_products_classes_and_developer_groups(shipped_store):
    targets = [s["t"].value for s in rows(shipped_store, "SELECT ?t WHERE { ?s a atmp:ChallengeStatement ; atmp:appliesTo ?t }")]
    assert any("/product/" in t for t in targets)
    assert any(t.endswith("Developers") for t in targets)
    assert any(t.endswith("MedicinalProduct") or t.endswith("TissueEngineeredProduct") for t in targets)


def test_secondary_summaries_are_typed_as_such(shipped_store):
    typed = rows(shipped_store, """SELECT ?type WHERE { ?s dcterms:title ?t ; atmp:sourceType ?type .
        FILTER(CONTAINS(LCASE(STR(?t)), "why advanced therapy medicinal products struggle")) }""")
    assert typed and all(r["type"].value.endswith("SecondarySummary") for r in typed)
    assert not rows(shipped_store, "SELECT ?d WHERE { ?s dcterms:title ?t ; atmp:doi ?d . FILTER(CONTAINS(LCASE(STR(?t)), \"why advanced therapy medicinal products struggle\")) }")


def test_claims_vs_data_lists_the_29_claim_with_its_measure(shipped_store, run_cli):
    """The secondary summary's "29 ATMPs" is a claim the graph recomputes: one row, with the
    measure, the stated figure and a date basis; `check --graph` gives it a verdict that follows
    from the recomputed figure."""
    from atmp_kg.views.engine import run_local
    from atmp_kg.views.catalog import bind, resolve

    claims = run_local(shipped_store, bind(resolve("claims-vs-data"), {})).records()
    twenty_nine = [c for c in claims if c["id"] == "vanisterdael-29-atmps-authorised"]
    assert len(twenty_nine) == 1
    c = twenty_nine[0]
    assert c["measure"] == "authorised-count" and float(c["value"]) == 29
    assert c["dateBasis"] and c["as_of"] and "29 ATMPs" in c["quote"]
    code, out, err = run_cli("check", "--graph", "--format", "json")
    checked = [v for v in json.loads(out)["claims"] if v["id"] == c["id"]]
    assert len(checked) == 1 and checked[0]["as_of"] == c["as_of"] and checked[0]["stated"] == "29"
    computed = checked[0]["computed"]
    assert int(computed) >= 28 and checked[0]["verdict"] == ("agrees" if computed == "29" else "differs")

def test_legal_context_covers_the_required_topics(shipped_store):
    texts = " ".join(s["t"].value for s in rows(shipped_store, "SELECT ?t WHERE { ?c a atmp:ContextStatement ; atmp:statement ?t }")).lower()
    for topic in ("1394/2007", "committee for advanced therapies", "hospital exemption", "prime", "2021/2282", "2023"):
        assert topic in texts, topic
