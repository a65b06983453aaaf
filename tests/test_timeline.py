"""The derived timeline layer: one sourced timeline per product, and as-of semantics everywhere.

The anachronisms found on the first round's main each have a test here; the oracles are read from
the primary facts (EMA's observations, the sources' issue dates), not from the layer.
"""

from __future__ import annotations

import pytest

AS_OF_DATES = ("2009-12-31", "2013-12-31", "2016-06-30", "2018-12-31", "2021-01-01", "2024-01-01", "2026-11-25")
MACI, LUXTURNA, GLYBERA, CARVYKTI = "EMEA/H/C/002522", "EMEA/H/C/004451", "EMEA/H/C/002145", "EMEA/H/C/005095"


def run(store, name, **params):
    from atmp_kg.views.catalog import bind, resolve
    from atmp_kg.views.run import run_query

    return run_query(bind(resolve(name), params), store=store).records()


def select(store, text):
    from atmp_kg.views.engine import run_local

    return run_local(store, "PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>\n"
                            "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
                            "PREFIX dcterms: <http://purl.org/dc/terms/>\n" + text).records()


@pytest.fixture(scope="module")
def model_2018(shipped_store):
    import datetime as dt

    from atmp_kg.scorecard.model import build_model, local_runner

    return build_model(local_runner(shipped_store), dt.date(2018, 12, 31), generated="test")


def _items(model, group=None):
    return [it for s in model["sections"] for it in s["items"] if group is None or it.get("group") == group]


# ---------------------------------------------------------------- the anachronisms of the first round

def test_a_historic_scorecard_lists_no_conflict_about_later_facts(model_2018):
    """Carvykti's 2022 authorisation date was listed as a conflict in the scorecard as of 2018."""
    conflicts = _items(model_2018, "Conflicts between sources")
    assert conflicts, "the 2018 scorecard should still list the conflicts about facts of its time"
    for it in conflicts:
        assert "Carvykti" not in it["text"] and it["row"]["number"] != CARVYKTI
        if it["row"]["fact"].endswith("date"):
            assert it["row"]["value1"] <= "2018-12-31", it["text"]


def test_a_historic_products_table_shows_no_later_export(model_2018):
    """Luxturna was shown 'listed on 2022-11-17' under EMA's latest export on or before 2018-12-31."""
    rows = [it["row"] for it in _items(model_2018, "Products")]
    assert rows
    for row in rows:
        assert row.get("listedOn", "") <= "2018-12-31", row
    luxturna = [r for r in rows if r.get("number") == LUXTURNA]
    assert luxturna and "listedOn" not in luxturna[0]  # the export of 23/12/2018 does not list it


def test_holders_at_past_dates_come_from_sources_of_that_time(shipped_store):
    """As of 2013 Maci's holder was given as Vericel Denmark ApS, and as of 2018 Luxturna's as
    Novartis Europharm: later holders. The sources name Genzyme Europe BV and Spark Therapeutics
    Ireland Ltd at approval (data/curated/at-approval.ttl)."""
    maci = {r["number"]: r for r in run(shipped_store, "atmps", as_of="2013-12-31")}[MACI]
    luxturna = {r["number"]: r for r in run(shipped_store, "atmps", as_of="2018-12-31")}[LUXTURNA]
    assert maci["holder"] == "Genzyme Europe BV"
    assert luxturna["holder"] == "Spark Therapeutics Ireland Ltd"


def test_a_holder_or_name_is_never_taken_from_a_later_source(shipped_store):
    """For every ATMP and date: the holder and name shown are given by a source dated on or before
    that date (the latest such observation), or are empty."""
    observed = select(shipped_store, """
        SELECT ?number ?date ?holder ?name WHERE {
          ?o a atmp:Observation ; atmp:product ?p ; atmp:observedOn ?date .
          ?p atmp:productNumber ?number .
          FILTER NOT EXISTS { ?d atmp:deprecates ?o }
          OPTIONAL { ?o atmp:holderName ?holder } OPTIONAL { ?o atmp:medicineName ?name }
        }""")
    norm = lambda s: "".join(ch for ch in s.lower() if ch.isalnum())  # noqa: E731 - as the rule compares
    checked = 0
    for day in AS_OF_DATES:
        for row in run(shipped_store, "atmps", as_of=day):
            for column in ("holder", "name"):
                earlier = [o for o in observed if o["number"] == row.get("number") and o["date"] <= day and column in o]
                if column not in row:
                    assert not earlier, (day, row.get("number"), column)
                    continue
                latest = max(o["date"] for o in earlier)
                assert norm(row[column]) in {norm(o[column]) for o in earlier if o["date"] == latest}, (day, row, column)
                checked += 1
    assert checked > 100


def test_prime_support_is_unknown_not_zero_before_any_export_records_it(shipped_store, model_2018):
    """The 2018 export has no PRIME column: the 2018 scorecard said '0 of 13 ATMPs listed as PRIME
    priority medicines', with no citation."""
    rows = run(shipped_store, "patient-data", as_of="2018-12-31")
    assert rows and not any("prime" in r or "primeAtApproval" in r for r in rows)
    texts = [it["text"] for it in _items(model_2018, "Summary")]
    assert not any("PRIME" in t and t.startswith("0 of") for t in texts), texts
    unknown = [t for t in texts if "PRIME support" in t]
    assert unknown and "unknown, not zero" in unknown[0]
    # once an export records it, it is known
    assert any("prime" in r for r in run(shipped_store, "patient-data", as_of="2024-08-22"))


def test_evidence_is_dated_by_its_earliest_dated_source(shipped_store):
    """An item whose sources include an undated one was dated by the day it was read, even when
    another of its sources is dated 2007 (MIN over a group with unbound values)."""
    issued = select(shipped_store, """
        SELECT ?item ?issued WHERE {
          VALUES ?kind { atmp:Finding atmp:Recommendation atmp:ContextStatement atmp:ChallengeStatement }
          ?item a ?kind ; prov:wasDerivedFrom ?c . ?c dcterms:source ?s . ?s dcterms:issued ?issued .
        }""")
    earliest: dict[str, str] = {}
    for r in issued:
        v = r["issued"]
        end = v if len(v) == 10 else (v + "-12-31" if len(v) == 4 else v + "-28")  # month ends: compare the month only
        earliest[r["item"]] = min(earliest.get(r["item"], end), end)
    rows = run(shipped_store, "evidence")
    assert len(rows) > 100
    mixed = 0
    for row in rows:
        if row["item"] in earliest:
            assert row["dated"][:7] == earliest[row["item"]][:7], row
            assert row["dateBasis"] == "issue date of a source"
            mixed += 1
    assert mixed > 80


def test_one_expiry_of_glybera_is_one_event_cited_alike_everywhere(shipped_store):
    """Two sources date Glybera's expiry 25 and 28 October 2017: one event (EMA's date, the
    best-ranked source), counted once per year and cited by the same citation in every view."""
    per_year = [r for r in run(shipped_store, "events-per-year") if r["event"] == "expiry"]
    assert sum(int(r["products"]) for r in per_year if r["year"] == "2017") == 1
    glybera = {r["number"]: r for r in run(shipped_store, "atmps", as_of="2018-01-01")}[GLYBERA]
    assert (glybera["status"], glybera["statusDate"]) == ("expired", "2017-10-28")
    expiry_cites = {c for r in per_year if r["year"] == "2017" for c in r["cites"].split()}
    assert glybera["cites"].split()[-1] in expiry_cites
    conflict = [r for r in run(shipped_store, "conflicts") if r["number"] == GLYBERA]
    assert [(r["value1"], r["value2"]) for r in conflict] == [("2017-10-25", "2017-10-28")]


@pytest.mark.parametrize("day", AS_OF_DATES)
def test_nothing_dated_after_as_of_appears(shipped_store, day):
    for r in run(shipped_store, "atmps", as_of=day):
        assert r["statusDate"] <= day and r.get("authorised", "") <= day, r
    for r in run(shipped_store, "withdrawal-reasons", as_of=day):
        assert r["date"] <= day
    for r in run(shipped_store, "conflicts", as_of=day):
        assert r["fact"] == "legal class" or r["value1"] <= day
    for r in run(shipped_store, "patient-data", as_of=day):
        assert r.get("listedOn", "") <= day
    for r in run(shipped_store, "opinion-to-decision", as_of=day):
        assert r["authorised"] <= day
    for r in run(shipped_store, "evidence", as_of=day):
        assert r["dated"] <= day
    for r in run(shipped_store, "events-per-year", as_of=day):
        assert r["year"] <= day[:4]


# ---------------------------------------------------------------- the layer itself

def test_every_derived_node_names_its_rule_and_what_it_rests_on(shipped_store):
    rules = {r["rule"]: r for r in select(shipped_store, """
        SELECT ?rule ?label ?comment WHERE { ?rule a atmp:DerivationRule ; <http://www.w3.org/2000/01/rdf-schema#label> ?label ;
            <http://www.w3.org/2000/01/rdf-schema#comment> ?comment }""")}
    assert len(rules) >= 8 and all(len(r["comment"]) > 80 for r in rules.values())
    nodes = select(shipped_store, """
        SELECT ?node (SAMPLE(?rule) AS ?by) (COUNT(?basis) AS ?bases) WHERE {
          ?node prov:wasGeneratedBy ?rule . OPTIONAL { ?node prov:wasDerivedFrom ?basis }
        } GROUP BY ?node""")
    assert len(nodes) > 500
    for n in nodes:
        assert n["node"].startswith("https://w3id.org/atmp-kg/id/timeline/"), n
        assert n["by"] in rules and int(n["bases"]) >= 1, n


def test_deriving_again_gives_the_same_layer():
    from atmp_kg.graph.export import export
    from atmp_kg.graph.store import load_store
    from atmp_kg.timeline import derive

    store = load_store(None)
    first = export(store, "nt")
    assert derive(store) > 1000
    assert export(store, "nt") == first


def test_a_mirror_gets_the_same_layer_and_loses_its_old_one(tmp_path):
    """update derives on a copy in memory and writes the layer to the on-disk generation too."""
    import pyoxigraph as ox

    from atmp_kg.graph.export import export
    from atmp_kg.graph.store import load_store
    from atmp_kg.timeline import derive

    work, reference = load_store(None, derive=False), load_store(None)
    disk = ox.Store(str(tmp_path / "store"))
    disk.extend(reference)  # facts and an old layer ...
    stale = ox.Quad(_iri("https://w3id.org/atmp-kg/id/timeline/stale"),
                    _iri("http://www.w3.org/ns/prov#wasGeneratedBy"),
                    _iri("https://w3id.org/atmp-kg/id/rule/status"), ox.DefaultGraph())
    disk.add(stale)  # ... with a node that the rules no longer derive
    assert derive(work, mirrors=(disk,)) > 1000
    assert stale not in disk
    assert export(disk, "nt") == export(work, "nt") == export(reference, "nt")


def test_the_rules_read_the_same_facts_whatever_part_of_the_layer_is_loaded_yet(shipped_store):
    """derive() loads each rule's output while the next rules run: what the rules read (the scans
    and lookups of Facts) must not see derived triples, loaded or not."""
    from atmp_kg.graph.store import load_store
    from atmp_kg.timeline.facts import ATMP, PROV, Facts

    primary = load_store(None, derive=False)
    with_layer, without = Facts(shipped_store), Facts(primary)  # shipped_store holds the whole layer
    assert len(shipped_store) > len(primary) + 1000
    assert with_layer.product == without.product
    assert with_layer.cites == without.cites and with_layer.source_of == without.source_of
    assert with_layer.single(ATMP + "date") == without.single(ATMP + "date")
    assert with_layer.kinds(ATMP + "Interval") == {} == without.kinds(ATMP + "Interval")
    event = next(iter(with_layer.kinds(ATMP + "RegulatoryAction")))
    derived = "https://w3id.org/atmp-kg/id/timeline/product/EMEA-H-C-004090/approval/EuropeanUnion"
    assert any(True for _ in shipped_store.quads_for_pattern(_iri(derived), None, None))
    assert with_layer.value_of(derived, PROV + "wasGeneratedBy") is None
    assert with_layer.value_of(event, ATMP + "product") == without.value_of(event, ATMP + "product") is not None


def test_the_fact_scans_keep_the_least_value_and_leave_out_deprecated_and_derived_nodes():
    """Facts reads each property in one loop over the index (no list of pairs in between): a
    subject with two objects keeps the least, deprecated and derived subjects are left out, and
    a node's citations come sorted."""
    import pyoxigraph as ox

    from atmp_kg.timeline.facts import ATMP, PROV, TIMELINE, Facts

    ex = "https://example.org/"
    store = ox.Store()
    store.load(f"""
        <{ex}a> <{ATMP}date> "2020-05-01" , "2019-01-31" .
        <{ex}b> <{ATMP}date> "2018-03-03" .
        <{ex}old> <{ATMP}date> "2001-01-01" ; <{ATMP}authorisationType> <{ex}t> .
        <{ex}fix> <{ATMP}deprecates> <{ex}old> .
        <{TIMELINE}x> <{ATMP}date> "1999-09-09" ; <{PROV}wasDerivedFrom> <{ex}c0> .
        <{ex}a> <{PROV}wasDerivedFrom> <{ex}c9> , <{ex}c1> , <{ex}c5> .
        <{ex}a> <{ATMP}authorisationType> <{ex}t2> , <{ex}t1> .
    """.encode(), ox.RdfFormat.TURTLE)
    f = Facts(store)
    assert f.single(ATMP + "date") == {ex + "a": "2019-01-31", ex + "b": "2018-03-03"}
    assert f.multi(ATMP + "authorisationType") == {ex + "a": [ex + "t1", ex + "t2"]}
    assert f.cites == {ex + "a": [ex + "c1", ex + "c5", ex + "c9"]}
    assert f.citations([ex + "a"]) == [ex + "c1", ex + "c5", ex + "c9"]
    f.citations([ex + "a"]).append("changed")  # a copy: the index itself stays as it was
    assert f.cites[ex + "a"] == [ex + "c1", ex + "c5", ex + "c9"]


def _iri(value):
    import pyoxigraph as ox

    return ox.NamedNode(value)


def test_the_layer_travels_with_the_export(shipped_store):
    from atmp_kg.graph.export import export

    nt = export(shipped_store, "nt")
    assert "<https://w3id.org/atmp-kg/id/timeline/product/EMEA-H-C-004090/approval/EuropeanUnion>" in nt
    assert "<https://w3id.org/atmp-kg/id/rule/status>" in nt


def test_a_deprecated_row_stays_but_the_timeline_ignores_it(shipped_store):
    """EMA's 'refusal' of Maci on 26/04/2013 (the day EMA recommended approval)."""
    for view in ("withdrawal-reasons", "failed-applications"):
        assert not [r for r in run(shipped_store, view) if r.get("number") == MACI and r["date"] == "2013-04-26"], view
    history = [r for r in run(shipped_store, "history", number=MACI) if r["date"] == "2013-04-26"]
    assert history and {r["rank"] for r in history} == {"deprecated"}
    deprecations = [r for r in run(shipped_store, "deprecations") if r.get("number") == MACI]
    assert len(deprecations) == 1
    d = deprecations[0]
    assert "EPAR report" in d["deprecatedSources"] and d["sources"] and d["reason"]


KYMRIAH_LINK = "https://w3id.org/atmp-kg/id/region-link/EMEA-H-C-004090/us-licence/BLA-125646"


def test_region_pairs_carry_the_lag_of_their_two_approvals(shipped_store):
    """Every pair's lag is its EU date minus its US date, and it is known when both approvals are."""
    import datetime as dt

    rows = select(shipped_store, """
        SELECT ?pair ?ed ?ud ?ek ?uk ?known ?lag ?first WHERE {
          ?pair a atmp:RegionPair ; atmp:euApproval ?ea ; atmp:usApproval ?ua ; atmp:knownBy ?known .
          ?ea atmp:knownBy ?ek . ?ua atmp:knownBy ?uk .
          OPTIONAL { ?ea atmp:date ?ed } OPTIONAL { ?ua atmp:date ?ud }
          OPTIONAL { ?pair atmp:lagDays ?lag } OPTIONAL { ?pair atmp:firstRegion ?first } }""")
    assert len(rows) >= 20
    for r in rows:
        assert r["known"] == max(r["ek"], r["uk"])
        if r.get("ed") and r.get("ud"):
            lag = (dt.date.fromisoformat(r["ed"]) - dt.date.fromisoformat(r["ud"])).days
            assert int(r["lag"]) == lag and r["first"] == ("US" if lag > 0 else "EU" if lag < 0 else "same day")
        else:
            assert "lag" not in r and "first" not in r
    # The example, from the primary dates (Commission decision 23/08/2018, Purple Book 08/30/2017).
    (k,) = [r for r in rows if r["pair"].startswith("https://w3id.org/atmp-kg/id/timeline/region-link/EMEA-H-C-004090/")]
    assert (k["lag"], k["first"]) == ("358", "US")


def test_a_deprecated_region_link_pairs_nothing(tmp_path):
    from atmp_kg import resources
    from atmp_kg.graph.store import load_store

    extra = tmp_path / "deprecate-link.ttl"
    extra.write_text(f"""@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
<https://w3id.org/atmp-kg/id/deprecation/test-link> a atmp:Deprecation ; atmp:deprecates <{KYMRIAH_LINK}> ;
    atmp:reason "A test."@en ; prov:wasDerivedFrom <https://w3id.org/atmp-kg/id/citation/euus-pharmamanufacturing-kymriah-eu-2018> .
""", encoding="utf-8")
    store = load_store(resources.data_files() + [extra])
    rows = {(r.get("number"), r.get("bla")): r["regions"] for r in run(store, "eu-us", as_of="2026-12-01")}
    assert rows[("EMEA/H/C/004090", None)] == "EU only" and rows[(None, "125646")] == "US only"
    assert ("EMEA/H/C/004090", "125646") not in rows
