"""Fuzz-style: mangled copies of a real EMA export (cells emptied, rows shuffled, columns
renamed, values garbled) give a clean error or valid, cited output, never a crash."""

from __future__ import annotations

import random

import pytest

from conftest import EMA

SEEDS = range(12)


@pytest.fixture(scope="module")
def source_rows():
    import openpyxl

    wb = openpyxl.load_workbook(EMA / "ema-medicines-report_2025-07-15.xlsx", read_only=True)
    rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    header_at = next(i for i, r in enumerate(rows) if r and "Name of medicine" in r)
    atmp_col = rows[header_at].index("Advanced therapy")
    body = rows[header_at + 1:]
    # Every ATMP row and a sample of the others keep each workbook small.
    keep = [r for r in body if r[atmp_col] == "Yes"] + random.Random(0).sample(body, 60)
    return rows[:header_at + 1], keep


def mangle(preamble, body, seed):
    rnd = random.Random(seed)
    header = list(preamble[-1])
    rows = [list(r) for r in body]
    rnd.shuffle(rows)
    for r in rows:
        for j in range(len(r)):
            x = rnd.random()
            if x < 0.08:
                r[j] = None
            elif x < 0.10:
                r[j] = rnd.choice(["31/02/2020", "yes?", "N/A", "0", "-1", 99999999, "EMEA/H/C/12", "\u2028", "#REF!", 1.5])
    if seed % 3 == 1:
        j = rnd.randrange(len(header))
        header[j] = f"{header[j]} (renamed)"
    if seed % 4 == 2:
        rows = rows[: rnd.randrange(0, 5)]
    return preamble[:-1] + [header] + rows


@pytest.mark.parametrize("seed", SEEDS)
def test_mangled_export_gives_clean_error_or_valid_output(source_rows, seed, tmp_path):
    import openpyxl
    import pyoxigraph as ox

    from atmp_kg.errors import InputError
    from atmp_kg.importers.ema import import_file

    preamble, body = source_rows
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in mangle(preamble, body, seed):
        ws.append(r)
    path = tmp_path / f"mangled-{seed}.xlsx"
    wb.save(path)
    try:
        result = import_file(path, known_atmps={"EMEA/H/C/004090"})
    except InputError as e:
        assert str(e).startswith(str(path)) and "\n" not in str(e)
        return
    store = ox.Store()
    store.load(result.turtle.encode(), ox.RdfFormat.TURTLE)
    uncited = list(store.query("""
        PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?n WHERE { ?n a ?t . FILTER(?t != atmp:Source && ?t != atmp:Citation)
                          FILTER NOT EXISTS { ?n prov:wasDerivedFrom ?c } }"""))
    assert uncited == []
    bad_dates = list(store.query("""
        PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>
        SELECT ?d WHERE { ?a atmp:date ?d . FILTER(DATATYPE(?d) != <http://www.w3.org/2001/XMLSchema#date>) }"""))
    assert bad_dates == []
    assert "2020-02-31" not in result.turtle  # the impossible date never becomes a date


def test_a_mangled_export_validates(source_rows, tmp_path):
    """One mangled import goes through the full shapes, with the ontology."""
    import openpyxl

    from atmp_kg.importers.ema import import_file
    from atmp_kg.graph.validate import validate

    preamble, body = source_rows
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in mangle(preamble, body, 3):
        ws.append(r)
    wb.save(tmp_path / "m.xlsx")
    result = import_file(tmp_path / "m.xlsx", known_atmps=set())
    (tmp_path / "m.ttl").write_text(result.turtle)
    report = validate([tmp_path / "m.ttl"])
    # Rows whose name cell was emptied give products without a name, which the shapes reject
    # and the importer warned about; nothing else may fail.
    for v in report.errors:
        assert "needs a name" in v.message, v
    assert any("has no name" in w for w in result.warnings) or report.conforms
