"""The workspace: where it is (--home, ATMP_KG_HOME), that every command reads it once it
exists (and --data still means exactly those files), what `atmp-kg workspace` shows, and that
removing a snapshot and resetting are whole operations."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import ROOT
from ema_snapshots import edited_export, tree

KYMRIAH = "EMEA/H/C/004090"
HOLDER = "Marketing authorisation developer / applicant / holder"


def cli(*args, home=None, env_home=None):
    env = dict(os.environ)
    if env_home is not None:
        env["ATMP_KG_HOME"] = str(env_home)
    prefix = ["--home", str(home)] if home is not None else []
    p = subprocess.run(["atmp-kg", *prefix, *args], capture_output=True, text=True, env=env, timeout=600)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    return edited_export(tmp_path_factory.mktemp("snap") / "ema-2025-09-01.xlsx", stamp=("15/07/2025", "01/09/2025"),
                         edits={KYMRIAH: {HOLDER: "Novartis Europharm Ltd (renamed for the test)"}})


@pytest.fixture(scope="module")
def home(tmp_path_factory, snapshot):
    home = tmp_path_factory.mktemp("ws") / "home"
    code, out, err = cli("update", str(snapshot), home=home)
    assert code == 0, err
    return home


def count(out: str) -> int:
    return int(out.strip().splitlines()[-1].strip("()").split()[0])


def test_home_comes_from_the_option_or_the_environment(tmp_path, monkeypatch):
    from atmp_kg.workspace.layout import locate

    monkeypatch.setenv("ATMP_KG_HOME", str(tmp_path / "env"))
    assert locate(None) == tmp_path / "env"
    assert locate(tmp_path / "opt") == tmp_path / "opt"
    monkeypatch.delenv("ATMP_KG_HOME")
    import platformdirs

    assert locate(None) == __import__("pathlib").Path(platformdirs.user_data_dir("atmp-kg", appauthor=False))


def test_without_a_workspace_commands_read_the_shipped_graph(tmp_path, shipped_store):
    code, out, err = cli("workspace", home=tmp_path / "none")
    assert code == 0 and "no workspace" in out and str(len(shipped_store)) in out
    assert not (tmp_path / "none").exists()


def test_with_a_workspace_every_command_reads_it(home, tmp_path, root):
    code, out, err = cli("query", "history", "--param", f"number={KYMRIAH}", "--format", "csv", home=home)
    assert code == 0 and "renamed for the test" in out
    code, out, err = cli("query", "history", "--param", f"number={KYMRIAH}", "--format", "csv", env_home=home)
    assert code == 0 and "renamed for the test" in out, "ATMP_KG_HOME chooses the workspace too"
    # --data still means exactly those files.
    code, out, err = cli("query", "history", "--param", f"number={KYMRIAH}", "--format", "csv",
                         "--data", str(root / "data"), home=home)
    assert code == 0 and "renamed for the test" not in out and "Novartis" in out
    out_file = tmp_path / "graph.nt"
    code, _, err = cli("export", "--format", "nt", "-o", str(out_file), home=home)
    assert code == 0 and "renamed for the test" in out_file.read_text()
    code, out, err = cli("validate", home=home)
    assert code == 0 and out.startswith("OK: the graph conforms") and "snapshots/" not in err
    manifest = json.loads((home / "manifest.json").read_text())
    assert f"({manifest['triples']} triples" in out
    code, out, err = cli("scorecard", "--as-of", "2025-09-01", "--format", "json", home=home)
    assert code == 0 and json.loads(out)


def test_the_workspace_command_shows_what_it_holds(home):
    code, out, err = cli("workspace", home=home)
    assert code == 0, err
    manifest = json.loads((home / "manifest.json").read_text())
    assert f"{manifest['triples']} triples" in out and manifest["updated"] in out
    assert "2025-09-01  ema" in out and "ema-2025-09-01.xlsx" in out
    # every EMA export kept in data/ema is a shipped snapshot
    shipped = sorted((ROOT / "data" / "ema").glob("ema-*.xlsx"))
    assert len(shipped) >= 7 and f"shipped EMA snapshots: {len(shipped)} (" in out
    code, out, err = cli("workspace", "--format", "json", home=home)
    info = json.loads(out)
    assert info["exists"] and [s["generated_on"] for s in info["snapshots"]] == ["2025-09-01"]


def test_a_store_generation_keeps_no_spent_write_ahead_log(home):
    # RocksDB keeps the log of what it already flushed until the store is next opened; a
    # generation is reopened once before it is committed, so the log is not kept forever
    # (it was 64 MB of an 86 MB store holding one export of every medicine).
    store = home / json.loads((home / "manifest.json").read_text())["store"]
    logs = {p.name: p.stat().st_size for p in store.glob("*.log")}
    assert sum(logs.values()) < 64 * 1024, logs
    code, out, err = cli("query", "authorised-count", home=home)
    assert code == 0 and count(out) > 0, err


def test_remove_a_snapshot_then_reset(home, tmp_path, shipped_store):
    import shutil

    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    code, out, err = cli("workspace", "--remove", "2024-01-01", home=copy)
    assert code == 2 and "no added snapshot" in err
    before = tree(copy)
    code, out, err = cli("workspace", "--remove", "2025-09-01", home=copy)
    assert code == 0, err
    assert "removed ema-2025-09-01.xlsx" in err and "added snapshots: none" in out
    manifest = json.loads((copy / "manifest.json").read_text())
    assert manifest["snapshots"] == [] and manifest["triples"] == len(shipped_store)
    assert not list((copy / "snapshots").glob("*.ttl"))
    assert tree(copy) != before
    code, out, err = cli("query", "history", "--param", f"number={KYMRIAH}", "--format", "csv", home=copy)
    assert code == 0 and "renamed for the test" not in out
    code, out, err = cli("workspace", "--reset", home=copy)
    assert code == 0 and "deleted" in err and not copy.exists()
    code, out, err = cli("workspace", "--reset", home=copy)
    assert code == 0 and "nothing to reset" in err


def test_a_changed_shipped_graph_rebuilds_the_store_once(home, tmp_path):
    import shutil

    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["shipped"] = {"quick": "stale", "content": "stale"}  # as after an upgrade of atmp-kg
    (copy / "manifest.json").write_text(json.dumps(manifest))
    code, out, err = cli("query", "history", "--param", f"number={KYMRIAH}", "--format", "csv", home=copy)
    assert code == 0 and "rebuilding its store" in err and "renamed for the test" in out
    rebuilt = json.loads((copy / "manifest.json").read_text())
    assert rebuilt["store"] != manifest["store"] and rebuilt["shipped"]["content"] != "stale"
    code, out, err = cli("query", "history", "--param", f"number={KYMRIAH}", "--format", "csv", home=copy)
    assert code == 0 and "rebuilding" not in err


def test_a_damaged_manifest_is_one_clear_error(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "manifest.json").write_text("{not json")
    code, out, err = cli("query", "atmps", home=home)
    assert code == 2 and "unreadable workspace manifest" in err and "--reset" in err and "Traceback" not in err


from conftest import FIXTURES  # noqa: E402

INVALID = sorted((FIXTURES / "shapes" / "invalid").glob("*.ttl"))
# Core and SPARQL rules, on nodes new to the graph and on nodes the shipped graph already has.
ON_SHIPPED = {"authorisation-two-dates", "authorisation-missing-citation", "concept-missing-citation",
              "conversion-without-conditional-authorisation", "citation-missing-locator"}


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_the_update_check_finds_what_full_validation_finds(path, shipped_store):
    """The update's check (the violation-severity SPARQL constraints and the core constraints
    compiled to SPARQL) reports a fixture's violations, added alone or on top of the shipped graph."""
    import pyoxigraph as ox

    from atmp_kg.graph.store import load_store
    from atmp_kg.graph.validate import validate_store
    from atmp_kg.workspace.check import check

    text = path.read_text(encoding="utf-8")
    alone = load_store([path])
    expected = {(v.focus, v.message) for v in validate_store(alone, engine="hybrid").errors}
    assert expected, "an invalid fixture has violations"
    assert {(v.focus, v.message) for v in check(alone)} == expected
    if path.stem in ON_SHIPPED:  # full validation of the shipped graph takes seconds: a sample
        combined = ox.Store()
        combined.extend(shipped_store)
        combined.load(text.encode("utf-8"), ox.RdfFormat.TURTLE)
        full = {(v.focus, v.message) for v in validate_store(combined, engine="hybrid").errors}
        assert {(v.focus, v.message) for v in check(combined)} == full and full
