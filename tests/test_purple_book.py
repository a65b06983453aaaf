"""The Purple Book importer on the shipped March 2025 file and on files in FDA's other layouts
that these tests build from it. Expectations come from the file read here with Python's csv
module alone, and from the research's list of CBER cell, tissue and gene therapy licences."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from conftest import ROOT

PB = ROOT / "data" / "fda" / "purplebook_2025-03.csv"
ATMP = "PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"

# The research (research/r3.md, tasks 1 and 3) lists these BLAs of the March 2025 file as CBER's
# cell, tissue and gene therapy licences: 24 with an EU counterpart, 12 without, 9 cord blood.
CGT_BLAS = set("""
125197 125603 125518 125755 125717 125646 125610 125643 125736 125714 125773 125720 125694 125786
125772 125746 125703 125781 125758 125722 125787 125700 125813 125774
103661 125348 125400 125730 125685 125706 125734 125738 125788 125789 125812 125798
125391 125397 125407 125413 125432 125585 125594 125657 125764
""".split())


def read_oracle(path=PB):
    """(header, [(first line, row dict)]) read with the csv module alone."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    rows, previous = [], reader.line_num
    for cells in reader:
        rows.append((previous + 1, dict(zip(header, cells))))
        previous = reader.line_num
    return header, rows


def oracle_date(text: str) -> dt.date:
    """d-Mon-yy of the March 2025 edition: yy <= 25 is 20yy, the rest 19yy (read here by hand)."""
    d = dt.datetime.strptime(text.strip(), "%d-%b-%y").date()
    return d.replace(year=d.year - 100) if d > dt.date(2025, 3, 14) else d


@pytest.fixture(scope="module")
def oracle():
    return read_oracle()


@pytest.fixture(scope="module")
def shipped():
    from atmp_kg.importers.purple_book import import_file

    return import_file(PB)


def store_of(turtle: str):
    import pyoxigraph as ox

    s = ox.Store()
    s.load(turtle.encode(), ox.RdfFormat.TURTLE)
    return s


def licensures(turtle: str) -> dict[str, str]:
    """BLA number -> first licensure date in an import."""
    q = ATMP + """SELECT ?n ?d WHERE { ?l a atmp:BiologicsLicence ; atmp:blaNumber ?n .
                  ?a a atmp:USLicensure ; atmp:product ?l ; atmp:date ?d }"""
    out = {}
    for s in store_of(turtle).query(q):
        assert s["n"].value not in out, f"two licensure dates for {s['n'].value}"
        out[s["n"].value] = s["d"].value
    return out


def facts(turtle: str) -> dict[str, tuple]:
    """BLA -> (label, holder, proper name, proprietary name, center, licensure date)."""
    q = ATMP + """SELECT ?n ?label ?holder ?proper ?brand ?center ?d WHERE {
        ?l a atmp:BiologicsLicence ; atmp:blaNumber ?n ; rdfs:label ?label .
        ?o a atmp:Observation ; atmp:product ?l ; atmp:holderName ?holder ; atmp:commonName ?proper ; atmp:fdaCenter ?center .
        OPTIONAL { ?o atmp:medicineName ?brand }
        OPTIONAL { ?a a atmp:USLicensure ; atmp:product ?l ; atmp:date ?d } }"""
    return {s["n"].value: tuple(s[v].value if s[v] else None for v in ("label", "holder", "proper", "brand", "center", "d"))
            for s in store_of(turtle).query(q)}


def write_csv(path, header, rows, *, bom=True, newline="\r\n", encoding="utf-8", preamble=(), sections=None):
    """A Purple Book file in one of FDA's layouts. sections: a list of (title or None, rows)."""
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator=newline)
    for line in preamble:
        w.writerow(line)
    for title, part in (sections or [(None, rows)]):
        if title is not None:
            w.writerow([])
            w.writerow([title])
        w.writerow(header)
        for r in part:
            w.writerow([r.get(h, "") for h in header])
    data = out.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


# ---------------------------------------------------------------- the shipped file

def test_the_default_rule_selects_exactly_the_cell_and_gene_therapies(shipped, oracle):
    got = set(licensures(shipped.turtle))
    assert got == CGT_BLAS
    _, rows = oracle
    centers = {r["BLA Number"]: r["Center"] for _, r in rows}
    assert all(centers[b] == "CBER" for b in got)
    # Vaccines, blood products and allergenics stay out: none of their BLAs is imported.
    for _, r in rows:
        name = r["Proper Name"].lower()
        if any(w in name for w in ("vaccine", "immune globulin", "albumin", "allergen", "antihemophilic", "fecal microbiota")):
            assert r["BLA Number"] not in got, r["Proper Name"]


def test_first_licensure_is_the_earliest_original_approval(shipped, oracle):
    _, rows = oracle
    expected = {}
    for _, r in rows:
        if r["BLA Number"] in CGT_BLAS and r["Submission Type"] == "Original" and r["Approval Date"].strip():
            d = oracle_date(r["Approval Date"])
            expected[r["BLA Number"]] = min(d, expected.get(r["BLA Number"], d))
    assert {b: d.isoformat() for b, d in expected.items()} == licensures(shipped.turtle)


def test_issue_examples_kymriah_lenmeldy_kebilidi(shipped):
    got = facts(shipped.turtle)
    assert got["125646"][0] == "Kymriah" and got["125646"][5] == "2017-08-30"
    assert got["125758"][0] == "Lenmeldy" and got["125758"][5] == "2024-03-18"
    assert got["125722"][0] == "KEBILIDI" and got["125722"][5] == "2024-11-13"
    assert got["125694"][2] == "onasemnogene abeparvovec-xioi"


def test_names_and_holders_match_the_rows(shipped, oracle):
    _, rows = oracle
    first_row = {}
    for line, r in rows:
        if r["BLA Number"] in CGT_BLAS and r["Submission Type"] == "Original":
            first_row.setdefault(r["BLA Number"], r)
    got = facts(shipped.turtle)
    for bla, r in first_row.items():
        label, holder, proper, brand, center, _ = got[bla]
        assert holder == " ".join(r["Applicant"].split())
        assert proper == " ".join(r["Proper Name"].split())
        assert center == "CBER"
        if r["Proprietary Name"].strip() in ("", "N/A"):
            assert brand is None and label == f"{proper} ({holder})"   # cord blood licences without a brand
        else:
            assert brand == label == " ".join(r["Proprietary Name"].split())


def test_every_licensure_is_cited_to_each_line_that_states_it(shipped, oracle):
    _, rows = oracle
    lines = {}
    for line, r in rows:
        if r["BLA Number"] == "125646" and r["Submission Type"] == "Original":
            lines.setdefault(r["Approval Date"], []).append(line)
    assert lines == {"30-Aug-17": [938, 4095, 6199]}   # as the research reports them
    q = ATMP + """PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?line ?col WHERE { <https://w3id.org/atmp-kg/id/action/BLA-125646/us-licensure/2017-08-30>
            prov:wasDerivedFrom ?c . ?c atmp:line ?line ; atmp:column ?col }"""
    got = sorted((int(s["line"].value), s["col"].value) for s in store_of(shipped.turtle).query(q))
    assert got == [(938, "Approval Date"), (4095, "Approval Date"), (6199, "Approval Date")]


def test_the_source_node_names_the_file_and_edition(shipped):
    import hashlib

    assert shipped.edition == dt.date(2025, 3, 14) and shipped.headers == 1 and shipped.rows == 6279
    digest = hashlib.sha256(PB.read_bytes()).hexdigest()
    t = shipped.turtle
    assert f'atmp:sha256 "{digest}"' in t and 'atmp:fileName "purplebook_2025-03.csv"' in t
    assert 'dcterms:publisher "U.S. Food and Drug Administration"' in t
    assert '"https://purplebooksearch.fda.gov/downloads"^^xsd:anyURI' in t
    assert 'dcterms:issued "2025-03-14"^^xsd:date' in t and "atmp:DatabaseExport" in t


def test_all_biologics_takes_every_licence_and_reads_old_years(oracle):
    from atmp_kg.importers.purple_book import import_file

    _, rows = oracle
    r = import_file(PB, all_biologics=True)
    assert r.licences == len({row["BLA Number"] for _, row in rows})
    got = licensures(r.turtle)
    # 11-Jan-44 and 11-Jul-30 are licences of the 1940s and 1930s, never of the future.
    forties = {row["BLA Number"] for _, row in rows if row["Approval Date"] == "11-Jan-44" and row["Submission Type"] == "Original"}
    assert forties and all(got[b.zfill(6)] <= "1944-01-11" for b in forties)
    # BLAs with no dated Original row and no date of first licensure: named, no date invented.
    no_date = {b for b in {row["BLA Number"] for _, row in rows}
               if not any(row["BLA Number"] == b and (row["Submission Type"] == "Original" and row["Approval Date"].strip()
                                                      or row["Date of First Licensure"].strip()) for _, row in rows)}
    assert no_date and {b.zfill(6) for b in no_date}.isdisjoint(got)
    assert sum("no 'Original' row" in w for w in r.warnings) == len(no_date)
    assert import_file(PB, all_biologics=True, strict=True).licences == r.licences   # a gap is not a bad row
    assert all(d <= "2025-03-14" for d in got.values())
    assert any(d.startswith("1930-07-11") for d in got.values())


def test_reimport_is_byte_identical_and_canonical(shipped, tmp_path):
    from atmp_kg.graph.canonical import canonical_text
    from atmp_kg.importers.purple_book import import_file

    again = import_file(PB)
    assert again.turtle == shipped.turtle
    out = tmp_path / "pb.ttl"
    out.write_text(shipped.turtle, encoding="utf-8")
    assert canonical_text(out) == shipped.turtle


def test_committed_import_is_what_rebuild_makes():
    from atmp_kg.importers.rebuild import build

    outputs = build()
    path = ROOT / "data" / "fda-imports" / "purplebook_2025-03.ttl"
    assert outputs[path] == path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- FDA's other layouts, built here

def _same_facts(a: str, b: str):
    assert facts(a) == facts(b)
    assert len(facts(a)) == len(CGT_BLAS)


def test_fda_layout_with_preamble_changes_section_and_extract(tmp_path, oracle, shipped):
    """FDA's download: title and N/R/U legend lines, the changed products, a blank line, the
    'Purple Book Database Extract' title, the header again and the whole database."""
    from atmp_kg.importers.purple_book import import_file

    header, rows = oracle
    plain = [r for _, r in rows]
    changed = [r for r in plain if r["N/R/U"].strip()]
    f = write_csv(tmp_path / "fda.csv", header, plain, bom=False,
                  preamble=[["Purple Book: Database of Licensed Biological Products"], ["Data for March 2025"],
                            ["N = New, R = Revised, U = Updated"]],
                  sections=[(None, changed), ("Purple Book Database Extract", plain)])
    r = import_file(f, edition="2025-03-14")
    assert r.headers == 2 and not r.warnings
    _same_facts(r.turtle, shipped.turtle)
    # Each cited line of the built file is a line of that licence (the preamble shifts them all).
    lines = f.read_text(encoding="utf-8").split("\n")
    q = ATMP + """PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?n ?line WHERE { ?l atmp:blaNumber ?n ; prov:wasDerivedFrom ?c . ?c atmp:line ?line }"""
    cited = [(s["n"].value, int(s["line"].value)) for s in store_of(r.turtle).query(q)]
    assert len(cited) > len(CGT_BLAS)
    for bla, line in cited:
        assert f",{bla}," in lines[line - 1], (bla, line)


def test_newer_columns_renamed_added_and_reordered(tmp_path, oracle, shipped):
    from atmp_kg.importers.purple_book import import_file

    header, rows = oracle
    new_header = ["License Type" if h == "BLA Type" else h for h in header]
    new_header[12:12] = ["Inter. Approval Date", "Inter. Supplement Number"]
    new_header.append("Patent List Provided")
    new_header = new_header[5:] + new_header[:5]   # a different column order as well
    plain = []
    for _, r in rows:
        r = dict(r)
        r["License Type"] = r.pop("BLA Type")
        r["Inter. Approval Date"], r["Inter. Supplement Number"], r["Patent List Provided"] = "", "", "N"
        plain.append(r)
    r = import_file(write_csv(tmp_path / "new.csv", new_header, plain))
    assert r.edition == dt.date(2025, 3, 14) and not r.warnings
    _same_facts(r.turtle, shipped.turtle)


@pytest.mark.parametrize("bom,newline", [(True, "\n"), (False, "\r\n"), (False, "\n")])
def test_bom_and_line_endings_do_not_matter(tmp_path, oracle, shipped, bom, newline):
    from atmp_kg.importers.purple_book import import_file

    header, rows = oracle
    r = import_file(write_csv(tmp_path / "x.csv", header, [r for _, r in rows], bom=bom, newline=newline))
    _same_facts(r.turtle, shipped.turtle)
    assert licensures(r.turtle)["125646"] == "2017-08-30"


def test_repeated_headers_and_titles_inside_the_file(tmp_path, oracle, shipped):
    from atmp_kg.importers.purple_book import import_file

    header, rows = oracle
    plain = [r for _, r in rows]
    third = len(plain) // 3
    f = write_csv(tmp_path / "rep.csv", header, plain,
                  sections=[(None, plain[:third]), ("Purple Book Database Extract", plain[third:2 * third]),
                            ("Purple Book Database Extract (continued)", plain[2 * third:])])
    r = import_file(f)
    assert r.headers == 3 and not r.warnings
    _same_facts(r.turtle, shipped.turtle)


def _cgt_row(oracle, bla="125646", **changes):
    _, rows = oracle
    r = dict(next(row for _, row in rows if row["BLA Number"] == bla and row["Submission Type"] == "Original"))
    r.update(changes)
    return r


def test_two_digit_years_around_the_pivot(tmp_path, oracle):
    from atmp_kg.importers.purple_book import import_file

    header, _ = oracle
    rows = [_cgt_row(oracle, "125646", **{"Approval Date": "14-Mar-25"}),
            _cgt_row(oracle, "125758", **{"Approval Date": "15-Mar-25"}),
            _cgt_row(oracle, "125722", **{"Approval Date": "31-Dec-99"}),
            _cgt_row(oracle, "125694", **{"Approval Date": "1-Jan-00"}),
            _cgt_row(oracle, "125610", **{"Approval Date": "11-Jan-44"}),
            _cgt_row(oracle, "125643", **{"Approval Date": "29-Feb-24"}),
            _cgt_row(oracle, "125703", **{"Approval Date": "30-Aug-2017"})]
    got = licensures(import_file(write_csv(tmp_path / "p.csv", header, rows), edition="2025-03-14").turtle)
    assert got == {"125646": "2025-03-14", "125758": "1925-03-15", "125722": "1999-12-31", "125694": "2000-01-01",
                   "125610": "1944-01-11", "125643": "2024-02-29", "125703": "2017-08-30"}
    # A later edition reads the same 15-Mar-25 as 2025.
    later = licensures(import_file(write_csv(tmp_path / "q.csv", header, rows), edition="2025-04-01").turtle)
    assert later["125758"] == "2025-03-15" and later["125610"] == "1944-01-11"


def test_edition_is_inferred_from_the_run_of_recent_years(tmp_path, oracle):
    from atmp_kg.importers.purple_book import import_file, infer_edition_year

    assert infer_edition_year(set(range(89, 100)) | set(range(0, 26)) | {30, 36, 42, 44, 50}) == 2025
    assert infer_edition_year({17, 44}) is None   # too little to tell: --edition is needed
    header, _ = oracle
    rows = [_cgt_row(oracle, "125646", **{"Approval Date": f"1-Jun-{y:02d}"}) for y in (44, 30)]
    code_err = None
    try:
        import_file(write_csv(tmp_path / "tiny.csv", header, rows))
    except Exception as e:  # noqa: BLE001 - the message is what is checked
        code_err = str(e)
    assert code_err and "--edition" in code_err


def test_bad_rows_are_named_and_left_out(tmp_path, oracle):
    from atmp_kg.importers.purple_book import import_file

    header, _ = oracle
    rows = [_cgt_row(oracle, "125646"),                                  # line 3: good
            _cgt_row(oracle, "125758", **{"Approval Date": "31-Feb-24"}),  # line 4
            _cgt_row(oracle, "125722", **{"BLA Number": "12x722"}),        # line 5
            _cgt_row(oracle, "125694", **{"Center": "CDRH"}),              # line 6
            _cgt_row(oracle, "125610", **{"Date of First Licensure": "2017/13/45"}),  # line 7
            _cgt_row(oracle, "125643", **{"Proper Name": ""})]             # line 8
    f = write_csv(tmp_path / "bad.csv", header, rows, preamble=[["Purple Book"]])
    with f.open("a", encoding="utf-8", newline="") as fh:
        fh.write("U,Short Row Inc.,125999,Shortcel\r\n")                 # line 9: too few fields
    r = import_file(f, edition="2025-03-14")
    assert set(licensures(r.turtle)) == {"125646"}
    expected = [("line 4", "Approval Date", "31-Feb-24"), ("line 5", "BLA Number", "12x722"),
                ("line 6", "Center", "CDRH"), ("line 7", "Date of First Licensure", "2017/13/45"),
                ("line 8", "Proper Name", "empty"), ("line 9", "fields", "")]
    assert len(r.warnings) == len(expected)
    for w, (line, column, value) in zip(r.warnings, expected):
        assert w.startswith("bad.csv: " + line + ",") or w.startswith("bad.csv: " + line + ":"), w
        assert column in w and value in w and "skipped" in w and "\n" not in w


def test_strict_makes_a_bad_row_fatal(tmp_path, oracle, run_cli):
    header, _ = oracle
    f = write_csv(tmp_path / "bad.csv", header, [_cgt_row(oracle, **{"Approval Date": "32-Aug-17"})])
    out = tmp_path / "out.ttl"
    code, _, err = run_cli("import", "purple-book", str(f), "--edition", "2025-03-14", "--strict", "-o", str(out))
    assert code == 2 and "line 2" in err and "Approval Date" in err and "--strict" in err
    assert not out.exists()


def test_cli_writes_the_file_and_reports(tmp_path, run_cli):
    out = tmp_path / "pb.ttl"
    code, stdout, err = run_cli("import", "purple-book", str(PB), "-o", str(out))
    assert code == 0 and "imported 45 licences" in err and "edition 2025-03-14" in err
    # The same triples as the committed import, but for the edition's basis (the manifest's words there).
    committed = (ROOT / "data" / "fda-imports" / "purplebook_2025-03.ttl").read_text(encoding="utf-8")
    strip = lambda t: [ln for ln in t.splitlines() if "generationDateBasis" not in ln]  # noqa: E731
    assert strip(out.read_text(encoding="utf-8")) == strip(committed)


def test_windows_1252_copy_is_read_with_a_warning(tmp_path, oracle):
    from atmp_kg.importers.purple_book import import_file

    header, _ = oracle
    rows = [_cgt_row(oracle, **{"Applicant": "Novartis Pharmaceuticals Corporation \u00ae"})]
    r = import_file(write_csv(tmp_path / "w.csv", header, rows, bom=False, encoding="cp1252"), edition="2025-03-14")
    assert any("Windows-1252" in w for w in r.warnings)
    assert facts(r.turtle)["125646"][1] == "Novartis Pharmaceuticals Corporation \u00ae"


# ---------------------------------------------------------------- files that are not Purple Book CSVs

def _err(run_cli, path, *extra):
    code, _, err = run_cli("import", "purple-book", str(path), *extra)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_not_a_purple_book_csv(tmp_path, run_cli):
    ema_like = tmp_path / "ema.csv"
    ema_like.write_text("Name of medicine,EMA product number,Medicine status\nX,EMEA/H/C/000001,Authorised\n")
    assert "not a Purple Book CSV" in _err(run_cli, ema_like)
    xlsx = tmp_path / "pb.csv"
    xlsx.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert "zip archive" in _err(run_cli, xlsx)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"BLA Number\x00\x01\x02")
    assert "binary" in _err(run_cli, binary)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "empty file" in _err(run_cli, empty)
    assert "folder" in _err(run_cli, tmp_path)
    assert "no such file" in _err(run_cli, tmp_path / "missing.csv")


def test_header_without_a_required_column(tmp_path, oracle, run_cli):
    header, _ = oracle
    f = write_csv(tmp_path / "nocenter.csv", [h for h in header if h != "Center"], [_cgt_row(oracle)])
    err = _err(run_cli, f)
    assert "line 1" in err and "'Center'" in err


def test_bad_edition_option(run_cli):
    assert "--edition" in _err(run_cli, PB, "--edition", "March 2025")


def test_a_section_with_its_own_column_layout(tmp_path, oracle, shipped):
    """A later section whose header names and orders the columns differently is read by its own header."""
    from atmp_kg.importers.purple_book import import_file

    header, rows = oracle
    plain = [r for _, r in rows]
    half = len(plain) // 2
    new_header = list(reversed(["License Type" if h == "BLA Type" else h for h in header])) + ["Patent List Provided"]
    second = [dict(r, **{"License Type": r["BLA Type"], "Patent List Provided": "Y"}) for r in plain[half:]]
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    w.writerows([[r[h] for h in header] for r in plain[:half]])
    w.writerow([])
    w.writerow(["Purple Book Database Extract"])
    w.writerow(new_header)
    w.writerows([[r.get(h, "") for h in new_header] for r in second])
    f = tmp_path / "two-layouts.csv"
    f.write_text(out.getvalue(), encoding="utf-8", newline="")
    r = import_file(f)
    assert r.headers == 2 and not r.warnings
    _same_facts(r.turtle, shipped.turtle)
