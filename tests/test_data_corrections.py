"""The corrections of issue 13, checked on the graph's primary facts (the data files as loaded
by load_store). Each test fails on the data as it was before the fix: the deprecation, the
observation, the classification or the citation it looks for was not there (or was there)."""

from __future__ import annotations

import pytest

from conftest import parse_ema_date, read_ema_rows

P = """PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
ID = "https://w3id.org/atmp-kg/id/"


@pytest.fixture(scope="module")
def store():
    from atmp_kg.graph.store import load_store

    return load_store(None)


def ask(store, where: str) -> bool:
    return bool(store.query(P + "ASK { " + where + " }"))


def select(store, query: str) -> list[dict]:
    res = store.query(P + query)
    names = [v.value for v in res.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in res]


def deprecation_of(store, node: str) -> list[dict]:
    """Reason and the URLs of the sources cited by each deprecation of `node`."""
    return select(store, f"""
        SELECT ?d ?reason (GROUP_CONCAT(DISTINCT STR(?url); separator=" ") AS ?urls) WHERE {{
          ?d a atmp:Deprecation ; atmp:deprecates <{node}> ; atmp:reason ?reason ;
             prov:wasDerivedFrom/dcterms:source ?s .
          FILTER(LANG(?reason) = "en")
          OPTIONAL {{ ?s atmp:url ?url }}
        }} GROUP BY ?d ?reason""")


# ---------------------------------------------------------------- Maci's "refusal"

MACI_REFUSAL = ID + "action/EMEA-H-C-002522/refusal/2013-04-26"


def test_maci_refusal_row_is_kept_in_every_new_layout_export(store):
    # EMA's rows stay in the graph: the node is cited to each export that gives the date.
    files = {r["f"] for r in select(store, f"""
        SELECT ?f WHERE {{ <{MACI_REFUSAL}> a atmp:Refusal ; prov:wasDerivedFrom/dcterms:source/atmp:fileName ?f }}""")}
    expected = set()
    for name in ("ema-medicines-report_2024-08-22.xlsx", "ema-medicines-report_2025-07-15.xlsx",
                 "ema-medicines-report_2026-01-29.xlsx", "ema-medicines-report_2026-07-06.xlsx"):
        maci = next(r for r in read_ema_rows(name) if r["EMA product number"] == "EMEA/H/C/002522")
        if parse_ema_date(maci["Refusal of marketing authorisation date"]) is not None:
            expected.add(name)
    assert len(expected) == 4 and expected <= files


def test_maci_refusal_is_deprecated_citing_the_press_release_and_the_epar(store):
    deps = deprecation_of(store, MACI_REFUSAL)
    assert len(deps) == 1
    urls = deps[0]["urls"].split()
    assert "https://www.gmp-compliance.org/gmp-news/approval-of-combined-advanced-therapy-product" in urls
    assert "https://www.ema.europa.eu/en/medicines/human/EPAR/maci" in urls
    assert "27 June 2013" in deps[0]["reason"] and "press release" in deps[0]["reason"]
    # the cited sentences are the ones that show the row wrong
    assert ask(store, f"""<{deps[0]['d']}> prov:wasDerivedFrom ?c1, ?c2 .
        ?c1 atmp:quote ?q1 . FILTER(CONTAINS(?q1, "press release dated from 26 April 2013"))
        ?c2 atmp:quote ?q2 . FILTER(CONTAINS(?q2, "granted marketing authorisation in the European Union (EU) on 27 June 2013"))""")


# ---------------------------------------------------------------- Carvykti 26/05/2022

def test_carvykti_secondary_date_is_deprecated_citing_emas_orphan_page(store):
    node = ID + "action/EMEA-H-C-005095/marketing-authorisation/2022-05-26"
    assert ask(store, f"<{node}> a atmp:MarketingAuthorisation")  # the secondary source's node stays
    deps = deprecation_of(store, node)
    assert len(deps) == 1
    assert "https://www.ema.europa.eu/en/medicines/human/orphan-designations/eu-3-20-2252" in deps[0]["urls"].split()
    assert "25 May 2022" in deps[0]["reason"] and "announced" in deps[0]["reason"]
    # "announced" rests on a source read: Janssen's release of 26 May 2022
    assert ask(store, f"""<{deps[0]['d']}> prov:wasDerivedFrom ?c . ?c atmp:quote ?q ; dcterms:source ?s .
        ?s dcterms:issued "2022-05-26"^^xsd:date . FILTER(CONTAINS(?q, "announced today"))""")
    # EMA's own date is not deprecated
    assert not deprecation_of(store, ID + "action/EMEA-H-C-005095/marketing-authorisation/2022-05-25")


# ---------------------------------------------------------------- Heparesc 22/10/2015

def test_heparesc_orphan_page_date_has_its_own_node_and_is_deprecated(store):
    node = ID + "action/EMEA-H-C-003750/refusal/2015-10-22"
    assert ask(store, f"""<{node}> a atmp:Refusal ; prov:wasDerivedFrom/dcterms:source/atmp:url
        "https://www.ema.europa.eu/en/medicines/human/orphan-designations/eu-3-07-470"^^xsd:anyURI""")
    deps = deprecation_of(store, node)
    assert len(deps) == 1 and "21/12/2015" in deps[0]["reason"]
    assert "https://www.ema.europa.eu/en/medicines/human/EPAR/heparesc" in deps[0]["urls"].split()
    assert not deprecation_of(store, ID + "action/EMEA-H-C-003750/refusal/2015-12-21")


def test_every_deprecation_points_to_an_assertion_of_the_graph_and_cites_a_source(store):
    rows = select(store, """SELECT ?d ?x WHERE { ?d a atmp:Deprecation ; atmp:deprecates ?x .
        FILTER NOT EXISTS { ?x a ?t . ?x prov:wasDerivedFrom ?c } }""")
    assert rows == []
    assert select(store, "SELECT ?d WHERE { ?d a atmp:Deprecation FILTER NOT EXISTS { ?d prov:wasDerivedFrom/dcterms:source ?s } }") == []


# ---------------------------------------------------------------- Kymriah's authorisation sources

def test_kymriah_authorisation_no_longer_cites_the_summary_of_opinion(store):
    smop = "http://www.ema.europa.eu/ema/index.jsp?curl=pages/medicines/human/medicines/004090/smops/Positive/human_smop_001319.jsp&mid=WC0b01ac058001d127"
    ma = ID + "action/EMEA-H-C-004090/marketing-authorisation/2018-08-23"
    opinion = ID + "action/EMEA-H-C-004090/positive-opinion/2018-06-28"
    cites = f'prov:wasDerivedFrom/dcterms:source/atmp:url "{smop}"^^xsd:anyURI'
    assert not ask(store, f"<{ma}> {cites}")
    assert ask(store, f"<{opinion}> {cites}")  # it supports the opinion of 28 June 2018
    # the orphan page that does date the authorisation (23 August 2018) is cited instead
    assert ask(store, f"""<{ma}> prov:wasDerivedFrom ?c . ?c atmp:quote ?q . FILTER(CONTAINS(?q, "since 23 August 2018"))""")


# ---------------------------------------------------------------- orphan status at approval

def orphan_at(store, number: str, day: str) -> list[dict]:
    return select(store, f"""
        SELECT ?o ?orphan ?quote WHERE {{
          ?o a atmp:Observation ; atmp:product <{ID}product/{number.replace('/', '-')}> ;
             atmp:observedOn "{day}"^^xsd:date ; atmp:orphan ?orphan ; prov:wasDerivedFrom ?c .
          ?c atmp:quote ?quote ; dcterms:source/atmp:url ?url .
          FILTER(CONTAINS(STR(?url), "/orphan-designations/"))
        }}""")


@pytest.mark.parametrize("number,ma_column,expected", [
    ("EMEA/H/C/003690", "Marketing authorisation date", "true"),   # Skysona, EU/3/12/1003
    ("EMEA/H/C/004750", "Marketing authorisation date", "true"),   # Zolgensma
    ("EMEA/H/C/005102", "Marketing authorisation date", "true"),   # Tecartus
    ("EMEA/H/C/004090", "Marketing authorisation date", "true"),   # Kymriah (DLBCL designation)
    ("EMEA/H/C/002450", "Marketing authorisation date", "true"),   # Holoclar
    ("EMEA/H/C/004451", "Marketing authorisation date", "true"),   # Luxturna
    ("EMEA/H/C/004731", "Marketing authorisation date", "false"),  # Breyanzi: withdrawn at the MAH's request
])
def test_orphan_status_at_approval_is_observed_on_emas_authorisation_date(store, number, ma_column, expected):
    row = next(r for r in read_ema_rows("ema-medicines-report_2026-07-06.xlsx") if r["EMA product number"] == number)
    day = parse_ema_date(row[ma_column]).isoformat()
    found = orphan_at(store, number, day)
    assert found and {f["orphan"] for f in found} == {expected}, (number, day, found)
    words = "maintained" if expected == "true" else "withdrawn from the Union Register"
    assert any(words in f["quote"] for f in found)


def test_skysona_is_orphan_at_approval_though_the_exports_say_not_orphan(store):
    # The exports (after the withdrawal of the designation) say "Orphan medicine" = No.
    row = next(r for r in read_ema_rows("ema-medicines-report_2026-07-06.xlsx") if r["EMA product number"] == "EMEA/H/C/003690")
    assert row["Orphan medicine"] == "No"
    found = orphan_at(store, "EMEA/H/C/003690", "2021-07-16")
    assert found and {f["orphan"] for f in found} == {"true"}
    assert ask(store, f"""<{found[0]['o']}> prov:wasDerivedFrom/dcterms:source/atmp:url
        "https://www.ema.europa.eu/en/medicines/human/orphan-designations/eu-3-12-1003"^^xsd:anyURI""")


# ---------------------------------------------------------------- holders at approval

@pytest.mark.parametrize("number,day,holder", [
    ("EMEA/H/C/002522", "2013-06-27", "Genzyme Europe BV"),            # Maci, applicant at the opinion
    ("EMEA/H/C/002522", "2014-08-26", "Aastrom Biosciences DK ApS"),   # Maci, after the transfer
    ("EMEA/H/C/004451", "2018-11-22", "Spark Therapeutics Ireland Ltd"),
    ("EMEA/H/C/002513", "2013-09-06", "Dendreon UK Ltd"),
    ("EMEA/H/C/002450", "2015-02-17", "Chiesi Farmaceutici S.p.A."),
    ("EMEA/H/C/002450", "2020-06-15", "Holostem Terapie Avanzate"),    # Holoclar, transfer of June 2020
    ("EMEA/H/C/002736", "2017-07-10", "CO.DON AG"),
    ("EMEA/H/C/004258", "2018-03-23", "TiGenix"),
    ("EMEA/H/C/004577", "2022-12-16", "Atara"),
])
def test_holder_at_approval_is_observed_with_the_name_the_source_gives(store, number, day, holder):
    rows = select(store, f"""SELECT ?h ?q WHERE {{
        ?o a atmp:Observation ; atmp:product <{ID}product/{number.replace('/', '-')}> ;
           atmp:observedOn "{day}"^^xsd:date ; atmp:holderName ?h ; prov:wasDerivedFrom/atmp:quote ?q }}""")
    assert {r["h"] for r in rows} == {holder}
    assert any(holder.split()[0] in r["q"] for r in rows)  # the holder is named in a quoted sentence


def test_holders_at_approval_differ_from_the_first_export_where_the_research_says_so(store):
    # Maci: every export names Vericel Denmark ApS, never the applicant of 2013.
    for name in ("ema-medicines-report_2024-08-22.xlsx", "ema-medicines-report_2026-07-06.xlsx"):
        maci = next(r for r in read_ema_rows(name) if r["EMA product number"] == "EMEA/H/C/002522")
        assert maci["Marketing authorisation developer / applicant / holder"].strip() == "Vericel Denmark ApS"
    first = select(store, f"""SELECT ?h WHERE {{ ?o a atmp:Observation ; atmp:product <{ID}product/EMEA-H-C-002522> ;
        atmp:observedOn ?d ; atmp:holderName ?h }} ORDER BY ?d LIMIT 1""")
    assert first == [{"h": "Genzyme Europe BV"}]


def test_no_orphan_sponsor_is_recorded_as_a_holder(store):
    # The orphan pages name sponsors (e.g. GlaxoSmithKline Trading Services Limited for Strimvelis);
    # an observation citing only an orphan page never carries a holder.
    rows = select(store, """SELECT ?o WHERE { ?o a atmp:Observation ; atmp:holderName ?h .
        FILTER NOT EXISTS { ?o prov:wasDerivedFrom/dcterms:source/atmp:url ?u . FILTER(!CONTAINS(STR(?u), "/orphan-designations/")) }
        ?o prov:wasDerivedFrom ?c }""")
    assert rows == []


# ---------------------------------------------------------------- Aucatzyl and Zemcelpro

@pytest.mark.parametrize("number,day", [("EMEA/H/C/005907", "2025-07-17"), ("EMEA/H/C/005772", "2025-08-25")])
def test_aucatzyl_and_zemcelpro_were_authorised_conditionally(store, number, day):
    row = next(r for r in read_ema_rows("ema-medicines-report_2026-07-06.xlsx") if r["EMA product number"] == number)
    assert parse_ema_date(row["Marketing authorisation date"]).isoformat() == day
    assert row["Conditional approval"] == "Yes"
    node = f"{ID}action/{number.replace('/', '-')}/marketing-authorisation/{day}"
    assert ask(store, f"<{node}> a atmp:MarketingAuthorisation ; atmp:authorisationType atmp:ConditionalAuthorisation")
    # cited to EMA's words (with the page's footnote digit) and to the export's column
    assert ask(store, f"""<{node}> prov:wasDerivedFrom ?c . ?c atmp:quote ?q . FILTER(CONTAINS(?q, "conditional1"))""")
    assert ask(store, f"""<{node}> prov:wasDerivedFrom ?c . ?c atmp:column "Conditional approval" ; atmp:quote "Yes" ;
        dcterms:source/atmp:fileName "ema-medicines-report_2026-07-06.xlsx" """)


# ---------------------------------------------------------------- Itvisma, Waskyra, Adstiladrin

def test_no_product_is_left_unnumbered_once_ema_numbers_it(store):
    assert select(store, f"""SELECT ?p WHERE {{ ?p a atmp:MedicinalProduct .
        FILTER(STRSTARTS(STR(?p), "{ID}product/unnumbered/")) }}""") == []
    # (US licences granted after the last Purple Book are unnumbered by design: us-licence/unnumbered/)
    assert select(store, f"""SELECT ?s WHERE {{ ?s ?p ?o . FILTER(CONTAINS(STR(?s), "/unnumbered/")
        && !CONTAINS(STR(?s), "us-licence/unnumbered/")) }}""") == []


def test_itvisma_is_numbered_with_its_export_holder_and_opinion_and_no_invented_decision(store):
    p = ID + "product/EMEA-H-C-006498"
    row = next(r for r in read_ema_rows("ema-medicines-report_2026-07-06.xlsx") if r["EMA product number"] == "EMEA/H/C/006498")
    assert row["Advanced therapy"] == "No" and not row["Marketing authorisation date"]
    assert ask(store, f"?c a atmp:Classification ; atmp:product <{p}> ; atmp:productClass atmp:GeneTherapyMedicinalProduct")
    holder = row["Marketing authorisation developer / applicant / holder"]
    assert ask(store, f'?o a atmp:Observation ; atmp:product <{p}> ; atmp:observedOn "2026-07-06"^^xsd:date ; atmp:holderName "{holder}"')
    opinion = parse_ema_date(row["Opinion adopted date"]).isoformat()
    assert ask(store, f"<{ID}action/EMEA-H-C-006498/positive-opinion/{opinion}> a atmp:PositiveOpinion")
    assert not ask(store, f"?a a atmp:MarketingAuthorisation ; atmp:product <{p}>")
    # its authorisation is known only from undated reports, each dated by the day it was read
    reports = select(store, f"""SELECT ?d WHERE {{ ?o a atmp:Observation ; atmp:product <{p}> ;
        atmp:status atmp:StatusAuthorised ; atmp:observedOn ?d }} ORDER BY ?d""")
    assert [r["d"] for r in reports] == ["2026-11-25", "2026-12-01"]


def test_waskyra_and_adstiladrin_come_from_the_2026_exports_with_their_classes(store):
    for number, day in (("EMEA/H/C/006525", "2026-01-09"), ("EMEA/H/C/005856", "2026-05-28")):
        n = number.replace("/", "-")
        assert ask(store, f"""<{ID}action/{n}/marketing-authorisation/{day}> a atmp:MarketingAuthorisation ;
            prov:wasDerivedFrom/dcterms:source/atmp:fileName "ema-medicines-report_2026-07-06.xlsx" """)
        assert ask(store, f"?c a atmp:Classification ; atmp:product <{ID}product/{n}> ; atmp:productClass atmp:GeneTherapyMedicinalProduct")
    assert ask(store, f"""?c a atmp:Classification ; atmp:product <{ID}product/EMEA-H-C-005856> ;
        prov:wasDerivedFrom/atmp:quote ?q . FILTER(CONTAINS(?q, "Adstiladrin is a gene therapy medicine"))""")


# ---------------------------------------------------------------- ATMPs that EMA does not flag

UNFLAGGED = {
    "EMEA/H/C/006498": "Itvisma", "EMEA/H/C/006563": "Tacquell", "EMEA/H/C/005047": "Lumevoq",
    "EMEA/H/C/004749": "Roctavian", "EMEA/H/C/000919": "Advexin", "EMEA/H/C/002443": "OraNera",
    "EMEA/H/C/002397": "Luxceptar", "EMEA/H/C/004473": "Raligize", "EMEA/H/C/000694": "Cerepro",
    "EMEA/H/C/001103": "Cerepro", "EMEA/H/C/001041": "Contusugene Ladenovec Gendux",
    "EMEA/H/C/002657": "Hyalograft C autograft", "EMEA/H/C/004598": "Artobend",
}


def test_unflagged_atmps_are_classified_and_their_rows_imported(store):
    rows = {r["EMA product number"]: r for r in read_ema_rows("ema-medicines-report_2026-07-06.xlsx")}
    for number, name in UNFLAGGED.items():
        assert rows[number]["Name of medicine"] == name and rows[number]["Advanced therapy"] == "No", number
        p = ID + "product/" + number.replace("/", "-")
        assert ask(store, f"?c a atmp:Classification ; atmp:product <{p}> ; prov:wasDerivedFrom/atmp:quote ?q"), number
        assert ask(store, f"""?o a atmp:Observation ; atmp:product <{p}> ;
            prov:wasDerivedFrom/dcterms:source/atmp:fileName "ema-medicines-report_2026-07-06.xlsx" """), number


def test_sitoiganap_is_not_classified_on_a_secondary_line_alone(store):
    assert not ask(store, f"?c a atmp:Classification ; atmp:product <{ID}product/EMEA-H-C-003693>")


# ---------------------------------------------------------------- failed applications

FAILED = [  # (number, IRI kind, date in EMA's row, column of the row)
    ("EMEA/H/C/005293", "negative-opinion", "Opinion adopted date"),             # Elevidys
    ("EMEA/H/C/005293", "refusal", "Refusal of marketing authorisation date"),
    ("EMEA/H/C/004594", "negative-opinion", "Opinion adopted date"),             # Jelrix
    ("EMEA/H/C/004594", "application-withdrawal", "Withdrawal of application date"),
    ("EMEA/H/C/004741", "application-withdrawal", "Withdrawal of application date"),  # Amtagvi
    ("EMEA/H/C/005537", "application-withdrawal", "Withdrawal of application date"),  # Fanskya
    ("EMEA/H/C/006563", "negative-opinion", "Opinion adopted date"),             # Tacquell
    ("EMEA/H/C/005047", "application-withdrawal", "Withdrawal of application date"),  # Lumevoq
    ("EMEA/H/C/004749", "application-withdrawal", "Withdrawal of application date"),  # Roctavian (2020)
    ("EMEA/H/C/000919", "application-withdrawal", "Withdrawal of application date"),  # Advexin
    ("EMEA/H/C/002443", "application-withdrawal", "Withdrawal of application date"),  # OraNera
    ("EMEA/H/C/002397", "application-withdrawal", "Withdrawal of application date"),  # Luxceptar
    ("EMEA/H/C/004473", "application-withdrawal", "Withdrawal of application date"),  # Raligize
]


@pytest.mark.parametrize("number,kind,column", FAILED)
def test_every_failed_atmp_application_is_dated_as_emas_row_says(store, number, kind, column):
    row = next(r for r in read_ema_rows("ema-medicines-report_2026-07-06.xlsx") if r["EMA product number"] == number)
    day = parse_ema_date(row[column]).isoformat()
    node = f"{ID}action/{number.replace('/', '-')}/{kind}/{day}"
    assert ask(store, f"""<{node}> atmp:date "{day}"^^xsd:date ; prov:wasDerivedFrom ?c .
        ?c atmp:column "{column}" ; dcterms:source/atmp:fileName "ema-medicines-report_2026-07-06.xlsx" """)


@pytest.mark.parametrize("number,kind,day,words", [
    ("EMEA/H/C/005293", "negative-opinion", "2025-07-24", "12 months"),
    ("EMEA/H/C/004594", "negative-opinion", "2025-07-24", "re-examination"),
    ("EMEA/H/C/005047", "application-withdrawal", "2023-04-20", "Committee for Advanced Therapies"),
    ("EMEA/H/C/004749", "application-withdrawal", "2020-11-04", "follow-up"),
    ("EMEA/H/C/000919", "application-withdrawal", "2008-12-17", "marketing strategy"),
    ("EMEA/H/C/002443", "application-withdrawal", "2013-03-14", "benefit-risk"),
    ("EMEA/H/C/002397", "application-withdrawal", "2019-11-06", "effective"),
    ("EMEA/H/C/004473", "application-withdrawal", "2018-07-10", "additional data"),
    ("EMEA/H/C/000694", "application-withdrawal", "2007-07-13", "multicentre study"),
])
def test_failed_applications_carry_a_sourced_reason(store, number, kind, day, words):
    node = f"{ID}action/{number.replace('/', '-')}/{kind}/{day}"
    reasons = [r["r"] for r in select(store, f'SELECT ?r WHERE {{ <{node}> atmp:reason ?r }}')]
    assert len(reasons) == 1 and words in reasons[0]
    # the reason rests on at least one curated (quoted) citation besides the export rows
    assert ask(store, f"<{node}> prov:wasDerivedFrom ?c . ?c atmp:quote ?q . FILTER NOT EXISTS {{ ?c atmp:row ?r }}")


def test_fanskya_keeps_both_withdrawal_dates_each_with_its_source(store):
    base = ID + "action/EMEA-H-C-005537/application-withdrawal/"
    assert ask(store, f"""<{base}2025-08-22> prov:wasDerivedFrom/dcterms:source/atmp:fileName "ema-medicines-report_2026-07-06.xlsx" """)
    assert ask(store, f"""<{base}2025-08-11> prov:wasDerivedFrom ?c . ?c atmp:quote ?q . FILTER(CONTAINS(?q, "11 August 2025"))""")
    assert not deprecation_of(store, base + "2025-08-11") and not deprecation_of(store, base + "2025-08-22")
    # the company's "July 2025" (no day) is kept in the reason, with its source
    assert ask(store, f"""<{base}2025-08-11> atmp:reason ?r ; prov:wasDerivedFrom ?c . ?c atmp:quote ?q .
        FILTER(CONTAINS(?r, "July 2025") && CONTAINS(?q, "in July 2025"))""")


def test_withdrawn_applications_say_who_withdrew_where_the_quotes_show_the_company_did(store):
    rows = select(store, """SELECT ?node WHERE {
        ?node a atmp:ApplicationWithdrawal ; prov:wasDerivedFrom ?c . ?c atmp:quote ?q .
        FILTER(CONTAINS(?q, "notified") || CONTAINS(?q, "withdrew its application"))
        FILTER NOT EXISTS { ?node atmp:requestedBy atmp:MarketingAuthorisationHolder } }""")
    assert rows == []
    for n in ("000694/application-withdrawal/2007-07-13", "001103/application-withdrawal/2010-03-08",
              "001041/application-withdrawal/2009-06-12", "002657/application-withdrawal/2013-01-14",
              "004598/application-withdrawal/2020-11-18"):
        assert ask(store, f"<{ID}action/EMEA-H-C-{n}> atmp:requestedBy atmp:MarketingAuthorisationHolder"), n


def test_reason_categories_are_concepts_of_the_challenge_vocabulary(store):
    rows = select(store, """SELECT ?node ?cat WHERE { ?node atmp:reasonCategory ?cat .
        FILTER NOT EXISTS { ?cat a <http://www.w3.org/2004/02/skos/core#Concept> } }""")
    assert rows == []
