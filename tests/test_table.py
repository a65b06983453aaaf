"""Tables for a terminal, CSV that a spreadsheet cannot run, and views that explain themselves."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
import warnings

import pytest

from conftest import ROOT, read_ema_rows

EX = "http://example.org/"
HOSTILE_TTL = f"""@prefix ex: <{EX}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/atmp-kg/id/product/EMEA-H-C-123456> rdfs:label "Testamab" ; ex:v "plain" .
ex:b ex:v "red \\u001B[31mALERT\\u001B[0m, title \\u001B]0;pwned\\u0007, bidi \\u202Egnp.exe, csi \\u009B2J end" .
ex:c ex:v "=HYPERLINK(\\"http://evil\\",\\"x\\")" .
ex:d ex:v "-2+3+cmd|' /C calc'!A0" .
ex:e ex:v "@SUM(A1)" .
ex:f ex:v "-42" .
ex:g ex:v "line one\\nline two\\ttabbed" .
"""
HOSTILE_RQ = f"SELECT ?s ?v WHERE {{ ?s <{EX}v> ?v }} ORDER BY ?s\n"


def _width(line: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in line)


def _cli(*args: str, columns: str | None = None, **kw) -> subprocess.CompletedProcess:
    """The installed atmp-kg as a real process, with $COLUMNS set or removed."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if columns is not None:
        env["COLUMNS"] = columns
    exe = shutil.which("atmp-kg")
    assert exe, "the atmp-kg console script is not installed"
    return subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=300, **kw)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    (d / "g.ttl").write_text(HOSTILE_TTL, encoding="utf-8")
    (d / "q.rq").write_text(HOSTILE_RQ, encoding="utf-8")
    return d


# ---------------------------------------------------------------- fitting the terminal

def test_atmps_fits_100_columns_and_shows_no_full_iri():
    out = _cli("query", "atmps", columns="100")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) > 30
    assert all(_width(line) <= 100 for line in lines), max(lines, key=_width)
    assert "http://" not in out.stdout and "https://" not in out.stdout
    assert "Kymriah" in out.stdout and "EMEA/H/C/004090" in out.stdout
    assert re.search(r"^\(\d+ rows\)$", out.stdout, re.M)


def test_product_column_shows_the_products_name_from_the_graph():
    """The product IRI cell reads as the product's name; the oracle is EMA's 2025 export."""
    ema = {r["EMA product number"].strip(): r["Name of medicine"] for r in read_ema_rows("ema-medicines-report_2025-07-15.xlsx")
           if r.get("Advanced therapy") == "Yes"}
    out = _cli("query", "atmps", "--columns", "number,product", "--param", "as_of=2025-07-15", columns="100")
    assert out.returncode == 0, out.stderr
    rows = [line.split(None, 1) for line in out.stdout.splitlines()[2:] if line.startswith("EMEA/")]
    assert len(rows) >= 25
    for number, shown in rows:
        assert shown.strip() == ema[number].strip(), number


def test_width_follows_columns_and_the_terminal():
    narrow = _cli("query", "atmps", columns="60")
    assert narrow.returncode == 0 and all(_width(x) <= 60 for x in narrow.stdout.splitlines())
    assert max(_width(x) for x in narrow.stdout.splitlines()) > 50  # it uses the room it has
    piped = _cli("query", "atmps")  # no $COLUMNS, no terminal: 100
    assert max(_width(x) for x in piped.stdout.splitlines()) == 100


def test_width_of_a_real_terminal(tmp_path):
    """Without $COLUMNS, the table fits the terminal it is printed on (a pty 72 columns wide)."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 72, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([shutil.which("atmp-kg"), "query", "atmps"], stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the pty
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    lines = b"".join(chunks).decode("utf-8").replace("\r\n", "\n").splitlines()
    assert proc.returncode == 0 and len(lines) > 30
    assert max(_width(x) for x in lines) <= 72
    assert max(_width(x) for x in lines) > 60


def test_wide_shows_every_column_and_every_cell_whole(run_cli):
    _, js, _ = run_cli("query", "withdrawal-reasons", "--format", "json")
    reasons = [b["reason"]["value"] for b in json.loads(js)["results"]["bindings"] if "reason" in b]
    longest = max(reasons, key=len)
    assert len(longest) > 200
    _, table, _ = run_cli("query", "withdrawal-reasons", "--wide")
    assert " ".join(longest.split()) in table
    assert table.splitlines()[0].split() == json.loads(js)["head"]["vars"]
    assert "hidden" not in table


def test_cut_cells_end_in_a_marker_and_wrap_keeps_them_whole(run_cli):
    _, js, _ = run_cli("query", "withdrawal-reasons", "--format", "json", "--columns", "reason")
    reasons = [" ".join(b["reason"]["value"].split()) for b in json.loads(js)["results"]["bindings"] if "reason" in b]
    os.environ["COLUMNS"] = "60"
    try:
        _, cut, _ = run_cli("query", "withdrawal-reasons", "--columns", "reason")
        _, wrapped, _ = run_cli("query", "withdrawal-reasons", "--columns", "reason", "--wrap")
    finally:
        del os.environ["COLUMNS"]
    body = [x for x in cut.splitlines()[2:-1] if x]
    assert all(len(x) <= 60 for x in body) and any(x.endswith("…") for x in body)
    assert all(len(x) <= 60 for x in wrapped.splitlines())
    text = " ".join(x.strip() for x in wrapped.splitlines()[2:-1])
    for reason in reasons:
        assert reason in text


def test_columns_picks_and_orders_in_every_format(run_cli):
    code, out, _ = run_cli("query", "atmps", "--columns", "name,number", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "name,number"
    code, out, _ = run_cli("query", "atmps", "--columns", "status,name", "--format", "json")
    doc = json.loads(out)
    assert doc["head"]["vars"] == ["status", "name"]
    assert all(set(b) <= {"status", "name"} for b in doc["results"]["bindings"])
    code, out, _ = run_cli("query", "atmps", "--columns", "holder,name")
    assert code == 0 and out.splitlines()[0].split() == ["holder", "name"]


def test_unknown_column_is_one_line_listing_the_columns(run_cli):
    code, _, err = run_cli("query", "atmps", "--columns", "name,nmae")
    assert code == 2 and err.count("\n") == 1
    assert "'nmae'" in err and "number, name, class" in err


@pytest.mark.server
def test_labels_come_from_the_engine_the_rows_came_from(run_cli, hostile, oxigraph_server_for_labels):
    code, out, err = run_cli("query", str(hostile / "q.rq"), "--data", str(hostile / "g.ttl"))
    assert code == 0, err
    assert "Testamab" in out and "EMEA-H-C-123456" not in out
    code, out, err = run_cli("query", str(hostile / "q.rq"), "--endpoint", oxigraph_server_for_labels.query_url)
    assert code == 0, err
    assert "Testamab" in out and "EMEA-H-C-123456" not in out
    # The shipped graph has no such product: its IRI stays, as a prefixed name.
    q = hostile / "one.rq"
    q.write_text("SELECT ?p WHERE { VALUES ?p { <https://w3id.org/atmp-kg/id/product/EMEA-H-C-123456> } }\n")
    code, out, _ = run_cli("query", str(q))
    assert code == 0 and "product:EMEA-H-C-123456" in out


@pytest.fixture(scope="module")
def oxigraph_server_for_labels(tmp_path_factory, hostile):
    from oxigraph_server import OxigraphServer

    with OxigraphServer(tmp_path_factory.mktemp("labels") / "db") as server:
        req = urllib.request.Request(server.store_url + "?default", data=HOSTILE_TTL.encode(), method="PUT",
                                     headers={"Content-Type": "text/turtle"})
        with urllib.request.urlopen(req, timeout=10) as answer:
            assert answer.status in (200, 201, 204)
        yield server


# ---------------------------------------------------------------- hostile cells

def test_table_strips_terminal_escapes_and_controls(run_cli, hostile):
    code, out, err = run_cli("query", str(hostile / "q.rq"), "--data", str(hostile / "g.ttl"), "--wide")
    assert code == 0, err
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)
    assert "ALERT" in out and "[31m" not in out and "pwned" not in out
    assert "line one line two tabbed" in out  # newlines and tabs fold into the row


def test_csv_neutralises_formulas_unless_raw_and_json_stays_exact(run_cli, hostile):
    args = ("query", str(hostile / "q.rq"), "--data", str(hostile / "g.ttl"))
    _, safe, _ = run_cli(*args, "--format", "csv")
    _, raw, _ = run_cli(*args, "--format", "csv", "--csv-raw")
    _, js, _ = run_cli(*args, "--format", "json")
    exact = {b["s"]["value"]: b["v"]["value"] for b in json.loads(js)["results"]["bindings"]}
    assert exact[EX + "c"].startswith("=HYPERLINK") and "\x1b[31m" in exact[EX + "b"]
    safe_rows = {r["s"]: r["v"] for r in csv.DictReader(io.StringIO(safe))}
    raw_rows = {r["s"]: r["v"] for r in csv.DictReader(io.StringIO(raw))}
    assert raw_rows == exact
    for key in ("c", "d", "e"):
        assert safe_rows[EX + key] == "'" + exact[EX + key]
    assert safe_rows[EX + "f"] == "-42"  # a plain number is no formula
    assert safe_rows["https://w3id.org/atmp-kg/id/product/EMEA-H-C-123456"] == "plain"


def test_emit_uses_no_deprecated_click_api(run_cli):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, _, _ = run_cli("query", "classes", "--format", "csv")
    assert code == 0
    assert not [w for w in caught if issubclass(w.category, DeprecationWarning)], [str(w.message) for w in caught]
    src = (ROOT / "src" / "atmp_kg").rglob("*.py")
    assert not [p for p in src if "get_text_stream(" in p.read_text()]


# ---------------------------------------------------------------- discoverable views

def _titles_from_files() -> dict[str, str]:
    out = {}
    for p in sorted((ROOT / "queries").glob("*.rq")):
        m = re.search(r"^# title: (.+)$", p.read_text(), re.M)
        out[p.stem] = m.group(1).strip()
    return out


def test_query_help_lists_every_view(run_cli):
    code, out, _ = run_cli("query", "--help")
    assert code == 0
    flat = " ".join(out.split())
    for name, title in _titles_from_files().items():
        assert name in out
        assert " ".join(title.split()[:4]) in flat, title


def test_queries_name_explains_a_view(run_cli):
    code, out, _ = run_cli("queries", "challenges")
    assert code == 0
    assert out.startswith("challenges: The ATMP development challenge taxonomy")
    text = (ROOT / "queries" / "challenges.rq").read_text()
    for col, meaning in re.findall(r"^# column: (\w+) -- (.+)$", text, re.M):
        assert re.search(rf"^  {col}\s+{re.escape(meaning.split()[0])}", out, re.M), col
    code, out, _ = run_cli("queries", "history")
    assert code == 0 and "number" in out and "string, required" in out and "EMA product number" in out
    code, out, _ = run_cli("queries", "atmps", "--format", "json")
    doc = json.loads(out)
    assert doc["name"] == "atmps" and doc["params"][0]["name"] == "as_of" and "columns" in doc
    code, _, err = run_cli("queries", "atmsp")
    assert code == 2 and "'atmsp'" in err and "atmps" in err


def test_documented_columns_are_the_views_columns(shipped_store):
    """Every `# column:` line names a column the view returns, and the projection the catalog
    reads is what the engine returns."""
    from atmp_kg.views.catalog import bind, catalog, projected_variables
    from atmp_kg.views.engine import run_local

    documented = 0
    for name, view in catalog().items():
        values = {p.name: "EMEA/H/C/004090" for p in view.params if p.required}
        got = run_local(shipped_store, bind(view, values)).variables
        assert projected_variables(view.text) == got, name
        assert set(view.columns) <= set(got), (name, set(view.columns) - set(got))
        documented += len(view.columns)
    assert documented >= 20


def test_column_lines_in_a_header(tmp_path):
    from atmp_kg.errors import InputError
    from atmp_kg.views.catalog import parse_header

    p = tmp_path / "v.rq"
    p.write_text("# title: T\n# column: a -- the first\n#   and more\n# param: x string -- an x\n"
                 "# column: b\nSELECT ?a ?b WHERE {}\n")
    v = parse_header(p)
    assert v.columns == {"a": "the first and more", "b": ""}
    assert [x.name for x in v.params] == ["x"]
    p.write_text("# title: T\n# param: x string\nSELECT ?x WHERE {}\n")
    assert parse_header(p).columns == {}  # old headers stay valid
    p.write_text("# title: T\n# column: not a name -- x\nSELECT ?x WHERE {}\n")
    with pytest.raises(InputError, match="line 2: malformed column"):
        parse_header(p)


# ---------------------------------------------------------------- hints for wrong values

def test_a_name_where_a_number_is_expected_names_the_product(run_cli):
    code, out, err = run_cli("query", "history", "--param", "number=Kymriah")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "EMA product number" in err and "EMEA/H/C/NNNNNN" in err and "EMEA/H/C/004090" in err
    code, _, err = run_cli("query", "history", "--param", "number=kymriah")
    assert code == 2 and "EMEA/H/C/004090" in err


def test_an_unknown_number_names_the_closest(run_cli):
    code, _, err = run_cli("query", "history", "--param", "number=EMEA/H/C/004091")
    assert code == 2 and err.count("\n") == 1
    assert "no product with number EMEA/H/C/004091" in err and "closest: EMEA/H/C/004090 (Kymriah)" in err
    code, _, err = run_cli("query", "history", "--param", "number=Kymria")
    assert code == 2 and "no product is named 'Kymria'" in err and "EMEA/H/C/004090" in err


def test_a_known_number_runs_as_before(run_cli):
    code, out, _ = run_cli("query", "history", "--param", "number=EMEA/H/C/004090")
    m = re.search(r"^\((\d+) rows\)$", out, re.M)
    assert code == 0 and m and int(m.group(1)) >= 10 and "Kymriah" in out


def test_the_hint_is_generic_for_any_view_that_takes_a_product_number(run_cli, tmp_path):
    q = tmp_path / "mine.rq"
    q.write_text("# title: Mine\n# param: which string -- the EMA product number of the product\n"
                 "PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>\n"
                 "SELECT ?p WHERE { ?p atmp:productNumber ?which }\n")
    code, _, err = run_cli("query", str(q), "--param", "which=Luxturna")
    assert code == 2 and "parameter which" in err and "EMEA/H/C/004451" in err
    code, out, _ = run_cli("query", str(q), "--param", "which=EMEA/H/C/004451")
    assert code == 0 and "Luxturna" in out


def test_a_repeated_param_is_an_error_naming_it(run_cli):
    code, _, err = run_cli("query", "atmps", "--param", "as_of=2018-01-01", "--param", "as_of=2019-01-01")
    assert code == 2 and err.count("\n") == 1 and "as_of" in err and "twice" in err


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
