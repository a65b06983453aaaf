"""Hardening: every bad input gets a short, clear error naming the culprit, a non-zero exit, no
traceback, and leaves existing output files untouched."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from conftest import EMA, FIXTURES

SENTINEL = "existing output, must survive\n"


def _enlarge(path: Path, placeholder: str, size: int) -> None:
    """openpyxl caps cells at Excel's 32,767 characters when writing; a hand-edited or foreign
    file need not, so write the oversized text into the zip directly."""
    import zipfile

    tmp = path.with_suffix(".tmp.zip")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if placeholder.encode() in data:
                data = data.replace(placeholder.encode(), b"C" * size)
            dst.writestr(item, data)
    tmp.replace(path)


def _xlsx_without(tmp: Path, header_drop: str | None = None, header: list | None = None, rows=()):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Content type:", "Medicine", "Output automatically generated from content on www.ema.europa.eu on:", "15/07/2025 - 18:00"])
    cols = header or ["Category", "Name of medicine", "EMA product number", "Medicine status", "Advanced therapy", "Marketing authorisation date"]
    if header_drop:
        cols = [c for c in cols if c != header_drop]
    ws.append(cols)
    for r in rows:
        ws.append(r)
    path = tmp / "export.xlsx"
    wb.save(path)
    return path


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# Each case: id -> function(tmp_path) returning (argv, expected exit code, words the message must contain).
def case_missing_file(t):
    return ["validate", str(t / "nope.ttl")], 2, ["nope.ttl", "no such file"]


def case_binary_turtle(t):
    (t / "bin.ttl").write_bytes(b"\x00\x01\x02garbage\xff" * 50)
    return ["validate", str(t / "bin.ttl")], 2, ["bin.ttl", "binary"]


def case_latin1_ntriples(t):
    (t / "latin.nt").write_bytes(b'<http://a> <http://b> "caf\xe9" .\n')
    return ["validate", str(t / "latin.nt")], 2, ["latin.nt", "line 1", "UTF-8"]


def case_truncated_turtle(t):
    (t / "cut.ttl").write_text('@prefix ex: <http://example.org/> .\nex:a ex:b "unterminated\n')
    return ["validate", str(t / "cut.ttl")], 2, ["cut.ttl", "line 2"]


def case_truncated_ntriples(t):
    (t / "cut.nt").write_text('<http://a> <http://b> <http://c> .\n<http://a> <http://b> ')
    return ["validate", str(t / "cut.nt")], 2, ["cut.nt", "line 2"]


def case_jsonld_remote_context(t):
    (t / "remote.jsonld").write_text('{"@context": "https://example.org/context.jsonld", "@id": "http://a", "name": "x"}')
    return ["validate", str(t / "remote.jsonld")], 2, ["remote.jsonld", "remote @context", "never fetches"]


def case_rdfxml_external_entity(t):
    (t / "xxe.rdf").write_text('<?xml version="1.0"?>\n<!DOCTYPE r [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>\n'
                               '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="http://a">&x;</rdf:Description></rdf:RDF>\n')
    return ["validate", str(t / "xxe.rdf")], 2, ["xxe.rdf", "entities", "never resolved"]


def case_relative_iris_without_base(t):
    (t / "rel.ttl").write_text("<a> <b> <c> .\n")
    return ["validate", str(t / "rel.ttl")], 2, ["rel.ttl", "line 1", "@base"]


def case_unknown_file_type(t):
    (t / "notes.txt").write_text("hello\n")
    return ["validate", str(t / "notes.txt")], 2, ["notes.txt", "unknown RDF file type"]


def case_folder_without_rdf(t):
    (t / "empty").mkdir()
    return ["validate", str(t / "empty")], 2, ["empty", "no RDF files"]


def case_unknown_view(t):
    return ["query", "atmp"], 2, ["'atmp'", "available", "atmps"]


def case_unknown_parameter(t):
    return ["query", "atmps", "--param", "date=2020-01-01"], 2, ["'date'", "as_of"]


def case_invalid_date_parameter(t):
    return ["query", "atmps", "--param", "as_of=31/12/2020"], 2, ["as_of", "not a date"]


def case_injection_through_a_parameter(t):
    return ["query", "atmps", "--param", 'as_of=2020-01-01"^^<x> } DROP ALL #'], 2, ["as_of", "not a date"]


def case_malformed_param_option(t):
    return ["query", "atmps", "--param", "as_of"], 2, ["--param", "NAME=VALUE"]


def case_missing_required_parameter(t):
    return ["query", "history"], 2, ["number", "required"]


def case_sparql_syntax_error(t):
    (t / "bad.rq").write_text("SELECT ?s WHERE {\n  ?s ?p\n}\n")
    return ["query", str(t / "bad.rq")], 2, ["bad.rq", "line 4, column 1"]


def case_update_refused(t):
    (t / "drop.rq").write_text("DELETE WHERE { ?s ?p ?o }\n")
    return ["query", str(t / "drop.rq")], 2, ["read-only"]


def case_query_output_folder_missing(t):
    return ["query", "atmps", "-o", str(t / "no" / "out.csv")], 2, ["does not exist", str(t / "no")]


def case_export_with_bad_data_keeps_output(t):
    (t / "cut.ttl").write_text("<http://a> <http://b> ")
    return ["export", "--data", str(t / "cut.ttl"), "-o", str(t / "out.jsonld")], 2, ["cut.ttl"]


def case_csv_renamed_to_xlsx(t):
    (t / "export.xlsx").write_text("Name of medicine;EMA product number\nX;EMEA/H/C/000001\n")
    return ["import", "ema", str(t / "export.xlsx"), "-o", str(t / "out.ttl")], 2, ["export.xlsx", "CSV"]


def case_empty_xlsx(t):
    (t / "export.xlsx").write_bytes(b"")
    return ["import", "ema", str(t / "export.xlsx"), "-o", str(t / "out.ttl")], 2, ["export.xlsx", "empty"]


def case_password_protected_xlsx(t):
    # Encrypted Office files are OLE compound documents, not zip archives.
    (t / "export.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    return ["import", "ema", str(t / "export.xlsx"), "-o", str(t / "out.ttl")], 2, ["export.xlsx", "password-protected"]


def case_corrupt_zip(t):
    data = (EMA / "ema-medicines-report_2025-07-15.xlsx").read_bytes()
    (t / "export.xlsx").write_bytes(data[: len(data) // 3])
    return ["import", "ema", str(t / "export.xlsx"), "-o", str(t / "out.ttl")], 2, ["export.xlsx", "corrupt"]


def case_missing_number_column(t):
    return ["import", "ema", str(_xlsx_without(t, "EMA product number")), "-o", str(t / "out.ttl")], 2, ["product-number column"]


def case_no_header(t):
    return ["import", "ema", str(_xlsx_without(t, header=["a", "b", "c"])), "-o", str(t / "out.ttl")], 2, ["no recognisable header"]


def case_undated_without_generated_on(t):
    shutil.copy(EMA / "ema-epar-report_undated.xlsx", t / "undated.xlsx")
    return ["import", "ema", str(t / "undated.xlsx"), "-o", str(t / "out.ttl")], 2, ["undated.xlsx", "--generated-on"]


def case_generated_on_not_a_date(t):
    shutil.copy(EMA / "ema-epar-report_undated.xlsx", t / "undated.xlsx")
    return ["import", "ema", str(t / "undated.xlsx"), "--generated-on", "12/06/2023", "-o", str(t / "out.ttl")], 2, ["--generated-on", "YYYY-MM-DD"]


def case_scorecard_bad_as_of(t):
    return ["scorecard", "--as-of", "2020-02-30", "-o", str(t / "out.md")], 2, ["--as-of", "2020-02-30"]


def case_scorecard_output_folder_missing(t):
    return ["scorecard", "-o", str(t / "missing" / "sc.html"), "--format", "html"], 2, ["does not exist"]


def case_endpoint_refused(t):
    return ["query", "atmps", "--endpoint", f"http://127.0.0.1:{_closed_port()}/query", "--timeout", "5", "-o", str(t / "out.csv")], 3, ["127.0.0.1"]


def case_fmt_malformed(t):
    (t / "x.ttl").write_text("<http://a> <http://b> .\n")
    return ["fmt", str(t / "x.ttl")], 2, ["x.ttl", "line 1"]


def case_rdfxml_billion_laughs(t):
    levels = "".join(f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">' for i in range(1, 10))
    (t / "lol.rdf").write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">' + levels + ']>'
                               '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
                               '<rdf:Description rdf:about="http://a"><e:p>&l9;</e:p></rdf:Description></rdf:RDF>')
    return ["validate", str(t / "lol.rdf")], 2, ["lol.rdf", "DOCTYPE"]


def case_query_with_service(t):
    (t / "fed.rq").write_text("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }\n")
    return ["query", str(t / "fed.rq"), "-o", str(t / "out.csv")], 2, ["fed.rq", "SERVICE", "line 1"]


def case_non_ascii_digits_in_a_date_parameter(t):
    return ["query", "atmps", "--param", "as_of=２０２０-01-01", "-o", str(t / "out.csv")], 2, ["as_of", "not a date"]


def case_rdf12_triple_term(t):
    (t / "star.ttl").write_text("<http://a> <http://b> <<( <http://c> <http://d> <http://e> )>> .\n")
    return ["export", "--data", str(t / "star.ttl"), "-o", str(t / "out.jsonld")], 2, ["star.ttl", "RDF 1.2"]


def case_import_from_dev_zero(t):
    return ["import", "ema", "/dev/zero", "-o", str(t / "out.ttl")], 2, ["/dev/zero", "not a regular file"]


CASES = {name[5:]: fn for name, fn in sorted(globals().items()) if name.startswith("case_")}


def test_at_least_25_distinct_bad_inputs():
    assert len(CASES) >= 25


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_reported_cleanly(name, tmp_path, run_cli):
    argv, code, words = CASES[name](tmp_path)
    outputs = [Path(a) for a in argv if a.startswith(str(tmp_path)) and Path(a).suffix in (".ttl", ".csv", ".jsonld", ".md", ".html") and Path(a).name.startswith("out")]
    for out in outputs:
        if out.parent.is_dir():
            out.write_text(SENTINEL)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    exit_code, stdout, stderr = run_cli(*argv)
    assert exit_code == code, (stdout, stderr)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 3, stderr
    assert "Traceback" not in stderr and "Traceback" not in stdout
    for w in words:
        assert w in stderr, f"{w!r} not in {stderr!r}"
    for out in outputs:
        if out.parent.is_dir():
            assert out.read_text() == SENTINEL, "an existing output file was damaged"
    assert sorted(p.name for p in tmp_path.rglob("*")) == before, "a temporary or partial file was left behind"


def test_row_level_problems_are_warnings_naming_the_row(tmp_path, run_cli):
    rows = [["Human", "A", "EMEA/H/C/000001", "Authorised", "Yes", "01/02/2020"],
            ["Human", "A again", "EMEA/H/C/000001", "Authorised", "Yes", "01/02/2020"],
            ["Human", "B", "EMEA/H/C/000002", "Authorised", "Yes", "31/02/2020"],
            ["Human", "HUGECELL", "EMEA/H/C/000003", "Authorised", "Yes", "01/02/2020"]]
    xlsx = _xlsx_without(tmp_path, rows=rows)
    _enlarge(xlsx, "HUGECELL", 100_000)
    code, _, err = run_cli("import", "ema", str(xlsx), "-o", str(tmp_path / "out.ttl"))
    assert code == 0
    assert "row 4: product number EMEA/H/C/000001 already on row 3" in err
    assert "row 5, column 'Marketing authorisation date'" in err and "impossible date" in err
    assert "row 6, column 'Name of medicine'" in err and "longer than a spreadsheet cell" in err
    assert "31/02" not in (tmp_path / "out.ttl").read_text()


def test_debug_shows_the_traceback(tmp_path):
    from click.testing import CliRunner

    from atmp_kg.cli import cli

    result = CliRunner().invoke(cli, ["--debug", "validate", str(tmp_path / "nope.ttl")])
    assert result.exception is not None  # re-raised for the traceback instead of one line


def test_parsing_never_touches_the_network(tmp_path, monkeypatch):
    """JSON-LD with remote contexts, RDF/XML with external entities and SPARQL FROM <url> must
    not open a single socket."""
    from atmp_kg.views.engine import run_local
    from atmp_kg.errors import InputError
    from atmp_kg.graph.store import load_store
    from atmp_kg.graph.files import parse_quads

    def no_socket(*a, **k):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_socket)
    monkeypatch.setattr(socket, "create_connection", no_socket)
    (tmp_path / "r.jsonld").write_text('{"@context": "http://127.0.0.1:9/ctx", "@id": "http://a", "p": "x"}')
    (tmp_path / "x.rdf").write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "http://127.0.0.1:9/e">]>'
                                    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    for f in ("r.jsonld", "x.rdf"):
        with pytest.raises(InputError):
            parse_quads(tmp_path / f)
    store = load_store([FIXTURES / "shapes" / "valid" / "complete-graph.ttl"])
    res = run_local(store, "SELECT * FROM <http://127.0.0.1:9/data> WHERE { ?s ?p ?o }")
    assert res.rows == []
