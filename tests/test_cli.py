"""The CLI through click's runner: exit codes, formats, and one clear line for bad input."""

from __future__ import annotations

import csv
import io
import json

from conftest import FIXTURES

INVALID = FIXTURES / "shapes" / "invalid"


def test_help_lists_the_commands(run_cli):
    code, out, _ = run_cli("--help")
    assert code == 0
    for command in ("validate", "queries", "query", "export", "scorecard", "import", "rebuild-data", "fmt"):
        assert command in out


def test_validate_shipped_graph_conforms(run_cli):
    code, out, _ = run_cli("validate")
    assert code == 0, out
    assert out.startswith("OK: the graph conforms")


def test_validate_names_the_failing_node_and_exits_1(run_cli):
    code, out, _ = run_cli("validate", str(INVALID / "product-missing-citation.ttl"))
    assert code == 1
    assert "https://w3id.org/atmp-kg/id/product/EMEA-H-C-999999" in out
    assert "has no source" in out


def test_validate_json_report_is_machine_readable(run_cli):
    code, out, _ = run_cli("validate", "--format", "json", str(INVALID / "withdrawal-before-authorisation.ttl"))
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False
    assert report["violation_count"] >= 1
    v = report["violations"][0]
    assert set(v) >= {"focus", "message", "path", "value", "severity"}


def test_validate_missing_file_exits_2_with_one_line(run_cli, tmp_path):
    code, out, err = run_cli("validate", str(tmp_path / "nope.ttl"))
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "nope.ttl" in err and "no such file" in err
    assert "Traceback" not in err


def test_validate_malformed_turtle_names_file_and_line(run_cli, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e \"unterminated .\n")
    code, _, err = run_cli("validate", str(bad))
    assert code == 2
    assert "bad.ttl" in err and "line 3" in err
    assert "Traceback" not in err


def test_queries_catalog_json(run_cli):
    code, out, _ = run_cli("queries", "--format", "json")
    assert code == 0
    views = {v["name"]: v for v in json.loads(out)}
    assert {"atmps", "conflicts", "history", "claims-vs-data"} <= set(views)
    assert views["atmps"]["params"] == [{"name": "as_of", "type": "date", "default": "today", "description": views["atmps"]["params"][0]["description"]}]
    assert views["history"]["params"][0]["default"] is None


def test_query_formats(run_cli):
    code, out, _ = run_cli("query", "atmps", "--param", "as_of=2018-12-31", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["head"]["vars"][:3] == ["number", "name", "class"]
    assert len(doc["results"]["bindings"]) == 13
    code, out, _ = run_cli("query", "atmps", "--param", "as_of=2018-12-31", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 13 and out.splitlines()[0].startswith("number,name,class")
    code, out, _ = run_cli("query", "atmps", "--param", "as_of=2018-12-31", "--format", "table")
    assert "Kymriah" in out and "(13 rows)" in out


def test_query_file_and_data_option(run_cli, tmp_path):
    q = tmp_path / "count.rq"
    q.write_text("PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>\nSELECT (COUNT(*) AS ?n) WHERE { ?p a atmp:MedicinalProduct }\n")
    code, out, _ = run_cli("query", str(q), "--data", str(FIXTURES / "shapes" / "valid" / "complete-graph.ttl"), "--format", "csv")
    assert code == 0
    assert out.splitlines()[1] == "1"


def test_query_refuses_update(run_cli, tmp_path):
    q = tmp_path / "drop.rq"
    q.write_text("DROP ALL\n")
    code, _, err = run_cli("query", str(q))
    assert code == 2 and "read-only" in err


def test_unknown_view_and_parameter_are_named(run_cli):
    code, _, err = run_cli("query", "no-such-view")
    assert code == 2 and "no-such-view" in err and "atmps" in err
    code, _, err = run_cli("query", "atmps", "--param", "asof=2020-01-01")
    assert code == 2 and "'asof'" in err and "as_of" in err


def test_bad_parameter_value_is_refused(run_cli):
    code, _, err = run_cli("query", "atmps", "--param", "as_of=2020-02-31")
    assert code == 2 and "as_of" in err and "calendar date" in err


def test_syntax_error_shows_line_and_column(run_cli, tmp_path):
    q = tmp_path / "broken.rq"
    q.write_text("SELECT ?s WHERE {\n  ?s ?p \n}\n")
    code, _, err = run_cli("query", str(q))
    assert code == 2 and "line 3" in err and "column" in err and "broken.rq" in err


def test_export_writes_atomically_and_keeps_old_file_on_failure(run_cli, tmp_path):
    target = tmp_path / "graph.nt"
    target.write_text("old content\n")
    code, _, err = run_cli("export", "--format", "nt", "--data", str(tmp_path / "missing.ttl"), "-o", str(target))
    assert code == 2 and "missing.ttl" in err
    assert target.read_text() == "old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.nt"], "no temporary file may be left behind"
    code, _, _ = run_cli("export", "--format", "nt", "-o", str(target))
    assert code == 0 and target.read_text().count("\n") > 1000


def test_output_into_missing_folder_is_named(run_cli, tmp_path):
    code, _, err = run_cli("export", "-o", str(tmp_path / "no" / "such" / "out.jsonld"))
    assert code == 2 and "does not exist" in err and str(tmp_path / "no" / "such") in err


def test_fmt_check_reports_non_canonical_file(run_cli, tmp_path):
    f = tmp_path / "x.ttl"
    f.write_text("<http://example.org/b> <http://example.org/p> 1 .\n<http://example.org/a> <http://example.org/p> 2 .\n")
    code, out, _ = run_cli("fmt", "--check", str(f))
    assert code == 1 and "x.ttl" in out
    code, _, _ = run_cli("fmt", str(f))
    assert code == 0
    code, _, _ = run_cli("fmt", "--check", str(f))
    assert code == 0
    assert f.read_text().index("example.org/a") < f.read_text().index("example.org/b")


def test_the_process_ends_with_its_output_whole_and_its_exit_status(tmp_path):
    """The program skips the interpreter's teardown (os._exit): what a command printed still reaches
    a pipe whole, and the exit status is the command's."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("ATMP_KG_HOME", "PYTHONUNBUFFERED")}  # buffered, as usual
    env["ATMP_KG_HOME"] = str(tmp_path / "no-workspace")
    cmd = [sys.executable, "-m", "atmp_kg"]
    piped = subprocess.run(cmd + ["export", "--format", "nt"], capture_output=True, env=env)
    assert piped.returncode == 0, piped.stderr
    subprocess.run(cmd + ["export", "--format", "nt", "-o", str(tmp_path / "g.nt")], check=True, env=env)
    written = (tmp_path / "g.nt").read_bytes()
    assert len(written) > 1_000_000 and piped.stdout == written  # far more than one buffer
    small = subprocess.run(cmd + ["query", "eu-us-both-count", "--format", "csv"], capture_output=True, env=env)
    assert small.returncode == 0 and small.stdout.decode().splitlines()[0] == "both"
    bad = subprocess.run(cmd + ["query", "no-such-view"], capture_output=True, env=env)
    assert bad.returncode == 2 and bad.stdout == b""
    assert bad.stderr.decode().count("\n") == 1 and "unknown view 'no-such-view'" in bad.stderr.decode()


def test_main_called_in_python_ends_with_system_exit_not_the_process(monkeypatch, capsys):
    """Only the program skips the teardown: atmp_kg.cli.main() in someone's Python session
    raises SystemExit, as click does, and the session goes on."""
    import sys

    import pytest

    from atmp_kg.cli import main

    monkeypatch.setattr(sys, "argv", ["atmp-kg", "--version"])
    with pytest.raises(SystemExit) as ended:
        main()
    assert ended.value.code == 0 and "atmp-kg, version" in capsys.readouterr().out
