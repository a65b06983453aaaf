"""`atmp-kg update`: snapshots into a fresh workspace from files or a loopback HTTP server,
all or nothing (a corrupt file, a 404, a download cut halfway, a refused validation, an
interrupt each leave the workspace byte for byte as it was), and the same file twice."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time

import pytest

from conftest import read_ema_rows
from ema_snapshots import Server, edited_export, tree

AUCATZYL, LIBMELDY, HOLOCLAR, KYMRIAH, GLYBERA = (
    "EMEA/H/C/005907", "EMEA/H/C/005321", "EMEA/H/C/002450", "EMEA/H/C/004090", "EMEA/H/C/002145")
HOLDER = "Marketing authorisation developer / applicant / holder"


def cli(*args, home, timeout=300):
    env = dict(os.environ, ATMP_KG_HOME=str(home))
    p = subprocess.run(["atmp-kg", *args], capture_output=True, text=True, env=env, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="session")
def original_2025():
    return {str(r["EMA product number"]).strip(): r for r in read_ema_rows("ema-medicines-report_2025-07-15.xlsx")}


@pytest.fixture(scope="session")
def edited(tmp_path_factory, original_2025):
    """The 2025-07-15 export as if generated on 01/08/2025, with five known changes."""
    monitoring = original_2025[KYMRIAH]["Additional monitoring"]
    flipped = "No" if monitoring == "Yes" else "Yes"
    path = edited_export(
        tmp_path_factory.mktemp("edited") / "medicines-output-medicines-report_en.xlsx",
        stamp=("15/07/2025", "01/08/2025"),
        edits={
            AUCATZYL: {"Medicine status": "Authorised", "Marketing authorisation date": "17/07/2025"},
            LIBMELDY: {HOLDER: "Orchard Therapeutics (Netherlands) B.V."},
            HOLOCLAR: {"Name of medicine": "Holoclar Renamed"},
            KYMRIAH: {"Additional monitoring": flipped},
        },
        drop=(GLYBERA,),
    )
    expected = {
        ("new-authorisation", AUCATZYL, original_2025[AUCATZYL]["Medicine status"], "Authorised"),
        ("holder-change", LIBMELDY, original_2025[LIBMELDY][HOLDER], "Orchard Therapeutics (Netherlands) B.V."),
        ("rename", HOLOCLAR, original_2025[HOLOCLAR]["Name of medicine"], "Holoclar Renamed"),
        ("additional-monitoring-flag", KYMRIAH, monitoring, flipped),
        ("no-longer-listed", GLYBERA, original_2025[GLYBERA]["Medicine status"], None),
    }
    return path, expected


@pytest.fixture(scope="session")
def refused(tmp_path_factory):
    """An export whose Kymriah row has a withdrawal dated before its authorisation: the shapes refuse it."""
    return edited_export(
        tmp_path_factory.mktemp("refused") / "refused.xlsx", stamp=("15/07/2025", "02/08/2025"),
        edits={KYMRIAH: {"Medicine status": "Withdrawn",
                         "Withdrawal / expiry / revocation / lapse of marketing authorisation date": "01/01/2010"}},
    )


@pytest.fixture(scope="session")
def served(edited, refused):
    path, _ = edited
    body = path.read_bytes()
    with Server() as server:
        server.routes["/medicines-output-medicines-report_en.xlsx"] = (200, body, {})
        server.routes["/redirect"] = (302, "/medicines-output-medicines-report_en.xlsx", {})
        server.routes["/to-file"] = (302, "file:///etc/passwd", {})
        server.routes["/corrupt.xlsx"] = (200, body[: len(body) // 2], {})
        server.routes["/cut.xlsx"] = (200, body, {"cut": len(body) // 2})
        server.routes["/refused.xlsx"] = (200, refused.read_bytes(), {})
        yield server


@pytest.fixture(scope="session")
def workspace(tmp_path_factory, served):
    """A workspace that holds the edited snapshot, added from the loopback server."""
    home = tmp_path_factory.mktemp("ws") / "home"
    code, out, err = cli("update", "--from-url", served.base + "/medicines-output-medicines-report_en.xlsx", home=home)
    assert code == 0, err
    return home, out, err


def copy_of(workspace, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(workspace[0], home)
    return home


def test_update_from_url_adds_the_snapshot_and_prints_the_changes(workspace, edited):
    home, out, err = workspace
    _, expected = edited
    manifest = json.loads((home / "manifest.json").read_text())
    [snap] = manifest["snapshots"]
    assert snap["generated_on"] == "2025-08-01" and snap["kind"] == "ema" and snap["all_medicines"] is False
    assert snap["file"] == "medicines-output-medicines-report_en.xlsx"
    assert snap["origin"].startswith("http://127.0.0.1:")
    assert (home / snap["turtle"]).is_file() and (home / manifest["store"]).is_dir()
    assert "added medicines-output-medicines-report_en.xlsx (EMA snapshot of 2025-08-01" in err
    # The changes since the latest snapshot held before (the shipped 2025-07-15 one), as diff prints them.
    assert "before: EMA snapshot 2025-07-15" in out and "after:  EMA snapshot 2025-08-01" in out
    for kind, number, _, _ in expected:
        assert any(line.startswith(kind) and number in line for line in out.splitlines()), (kind, number)
    assert "5 changes (ATMPs)" in out


def test_commands_read_the_workspace(workspace, tmp_path):
    home, _, _ = workspace
    code, out, err = cli("query", "history", "--param", f"number={AUCATZYL}", "--format", "csv", home=home)
    assert code == 0, err
    assert "2025-08-01" in out, "the added snapshot's observation is in the graph the query reads"
    code, shipped, err = cli("query", "history", "--param", f"number={AUCATZYL}", "--format", "csv", home=tmp_path / "none")
    assert code == 0 and "2025-08-01" not in shipped and "2025-07-15" in shipped


def test_the_same_file_twice_changes_nothing(workspace, served, edited, tmp_path):
    home = copy_of(workspace, tmp_path)
    before = tree(home)
    code, out, err = cli("update", "--from-url", served.base + "/redirect", home=home)
    assert code == 0, err
    assert "already in the workspace" in err and "nothing changed" in err
    code, out, err = cli("update", str(edited[0]), home=home)
    assert code == 0 and "already in the workspace" in err
    assert tree(home) == before


def test_a_shipped_snapshot_is_already_held(tmp_path, root):
    home = tmp_path / "home"
    code, out, err = cli("update", str(root / "data/ema/ema-medicines-report_2024-08-22.xlsx"), home=home)
    assert code == 0 and "already in the shipped graph" in err
    assert not home.exists(), "nothing changed, so no workspace was created"


def test_a_shipped_file_without_a_stamp_is_added_with_its_recorded_date_and_basis(tmp_path, root):
    """The undated EPAR report again, with every medicine: its source node is the shipped one,
    which may hold one generation basis only (the update failed with a second, made-up one)."""
    manifest = json.loads((root / "data/ema/manifest.json").read_text())
    entry = next(e for e in manifest["snapshots"] if e["file"] == "ema-epar-report_undated.xlsx")
    home = tmp_path / "home"
    code, out, err = cli("update", str(root / "data/ema" / entry["file"]), "--all-medicines", home=home)
    assert code == 0, err
    assert f"EMA snapshot of {entry['generated_on']}" in err
    rq = tmp_path / "basis.rq"
    rq.write_text("PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>\n"
                  f'SELECT ?basis WHERE {{ ?s atmp:sha256 "{entry["sha256"]}" ; atmp:generationDateBasis ?basis }}\n')
    code, out, err = cli("query", str(rq), "--format", "json", home=home)
    assert code == 0, err
    rows = json.loads(out)["results"]["bindings"]
    assert [r["basis"]["value"] for r in rows] == [entry["generation_basis"]]


def test_a_generation_basis_needs_a_date(tmp_path, root):
    code, out, err = cli("update", str(root / "data/ema/ema-epar-report_undated.xlsx"), "--generation-basis", "x",
                         home=tmp_path / "home")
    assert code == 2 and "give --generated-on too" in err and not (tmp_path / "home").exists()


@pytest.mark.parametrize("route,code,message", [
    ("/corrupt.xlsx", 2, "corrupt or truncated xlsx"),
    ("/missing.xlsx", 3, "HTTP 404"),
    ("/cut.xlsx", 3, "download cut short"),
    ("/refused.xlsx", 1, "does not conform"),
    ("/to-file", 3, "is not allowed"),
])
def test_a_failed_update_leaves_the_workspace_as_it_was(workspace, served, tmp_path, route, code, message):
    home = copy_of(workspace, tmp_path)
    before = tree(home)
    got, out, err = cli("update", "--from-url", served.base + route, home=home)
    assert got == code, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], err
    assert "Traceback" not in err
    assert tree(home) == before


def test_a_refused_validation_names_the_problem(workspace, refused, tmp_path):
    home = copy_of(workspace, tmp_path)
    before = tree(home)
    code, out, err = cli("update", str(refused), home=home)
    assert code == 1
    assert "before any marketing authorisation" in err and "the workspace is unchanged" in err
    assert tree(home) == before


def test_a_failed_first_update_creates_no_workspace(served, tmp_path):
    home = tmp_path / "home"
    code, _, err = cli("update", "--from-url", served.base + "/cut.xlsx", home=home)
    assert code == 3 and not home.exists()


def test_an_interrupted_download_leaves_the_workspace_as_it_was(workspace, edited, tmp_path):
    home = copy_of(workspace, tmp_path)
    before = tree(home)
    stall = threading.Event()
    body = edited[0].read_bytes()
    with Server() as server:
        server.routes["/slow.xlsx"] = (200, body + b"x", {"cut": len(body) // 2, "stall": stall, "length": len(body) + 1})
        env = dict(os.environ, ATMP_KG_HOME=str(home))
        p = subprocess.Popen(["atmp-kg", "update", "--from-url", server.base + "/slow.xlsx"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not any(x.name.startswith(".download-") for x in home.iterdir()):
            assert time.monotonic() < deadline and p.poll() is None
            time.sleep(0.05)
        time.sleep(0.3)  # the first half is on its way or written
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        stall.set()
    assert p.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert tree(home) == before


def test_purple_book_files_are_recognised(tmp_path):
    from atmp_kg.errors import InputError
    from atmp_kg.workspace.sources import PURPLE_BOOK, detect

    csv = tmp_path / "purplebook.csv"
    csv.write_text("N/R/U,Applicant,BLA Number,Proper Name,Proprietary Name,Center\nN,X,125000,foo,Foo,CBER\n")
    assert detect(csv) == PURPLE_BOOK
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(InputError, match="neither an EMA medicines spreadsheet"):
        detect(other)
    try:
        import atmp_kg.importers.purple_book  # noqa: F401
    except ImportError:
        code, _, err = cli("update", str(csv), home=tmp_path / "home")
        assert code == 2 and "Purple Book import is not available" in err
        assert not (tmp_path / "home").exists()


def test_diff_by_dates_in_the_workspace_finds_exactly_the_edits(workspace, edited):
    home, _, _ = workspace
    _, expected = edited
    code, out, err = cli("diff", "2025-07-15", "2025-08-01", "--format", "json", home=home)
    assert code == 0, err
    changes = json.loads(out)["changes"]
    assert {(c["kind"], c["number"]) for c in changes} == {(k, n) for k, n, _, _ in expected}
    for c in changes:
        kind, number, before, after = next(e for e in expected if e[:2] == (c["kind"], c["number"]))
        assert before in (c["before"] or "") or before == c["before"]
        assert after is None and c["after"] is None or after in c["after"]


def test_a_failed_change_closes_its_store_before_removing_it(tmp_path):
    """The frames of an error keep the store open (RocksDB holds its lock and writes its files
    when it closes, which brought a removed generation back as a CURRENT and a MANIFEST);
    release closes it, so that discard removes it for good."""
    import pyoxigraph as ox

    from atmp_kg.workspace import generations as gen

    target = tmp_path / ("store-0002" + gen.PARTIAL)

    def fail(store):
        raise ValueError("a corrupt file")

    try:
        store = ox.Store(str(target))
        fail(store)
    except ValueError as e:
        store = None
        with pytest.raises(OSError, match="lock"):
            ox.Store(str(target))  # still open: the traceback's frames hold it
        gen.release(e)
        ox.Store(str(target))      # closed: it opens again
        gen.discard(tmp_path, "store-0002")
    assert not target.exists()
