"""Shared fixtures: the repository's paths, a CLI runner, and EMA oracles read independently."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EMA = ROOT / "data" / "ema"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture()
def run_cli():
    """Run the CLI through click's runner; returns (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from atmp_kg.cli import cli

    def run(*args: str, input: str | None = None):
        runner = CliRunner()
        result = runner.invoke(cli, list(args), input=input, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """A real Virtuoso on 127.0.0.1 (tests/virtuoso_server.py) with a writer user, one per test
    module; skipped without Virtuoso unless ATMP_KG_REQUIRE_VIRTUOSO=1."""
    from virtuoso_server import VirtuosoServer, require_virtuoso

    require_virtuoso()
    with VirtuosoServer(tmp_path_factory.mktemp("virtuoso")) as server:
        server.writer = server.create_writer()
        yield server


@pytest.fixture(scope="session")
def shipped_store():
    from atmp_kg.graph.store import load_store

    return load_store(None)


def _parse(value):
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    m = re.fullmatch(r"\s*(\d{2})/(\d{2})/(\d{4})\s*", str(value))
    return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else None


def read_ema_rows(name: str) -> list[dict]:
    """Rows of one EMA snapshot as dicts keyed by header text, read with openpyxl alone
    (an oracle independent of the importer)."""
    import openpyxl

    wb = openpyxl.load_workbook(EMA / name, read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    header_at = next(i for i, r in enumerate(rows) if r and ("Medicine name" in r or "Name of medicine" in r))
    header = [" ".join(str(h).split()) if h else "" for h in rows[header_at]]
    out = []
    for n, r in enumerate(rows[header_at + 1:], start=header_at + 2):
        d = {h: v for h, v in zip(header, r)}
        d["_row"] = n
        out.append(d)
    return out


@pytest.fixture(scope="session")
def ema_2025() -> list[dict]:
    return read_ema_rows("ema-medicines-report_2025-07-15.xlsx")


@pytest.fixture(scope="session")
def ema_atmp_first_authorised(ema_2025) -> dict[str, dt.date]:
    """Earliest marketing-authorisation date that any of the five snapshots gives for each
    product flagged 'Advanced therapy' = Yes in the 2025 snapshot."""
    numbers = {r["EMA product number"].strip() for r in ema_2025 if r.get("Advanced therapy") == "Yes"}
    first: dict[str, dt.date] = {}
    for f in sorted(EMA.glob("*.xlsx")):
        for r in read_ema_rows(f.name):
            num = str(r.get("EMA product number") or r.get("Product number") or "").strip()
            d = _parse(r.get("Marketing authorisation date"))
            if num in numbers and d:
                first[num] = min(d, first.get(num, d))
    return first


@pytest.fixture(scope="session")
def ema_atmp_authorised_latest(ema_2025) -> dict[str, dt.date]:
    """The marketing-authorisation date that the newest snapshot giving one gives, for each
    product flagged 'Advanced therapy' = Yes in the 2025 snapshot."""
    numbers = {r["EMA product number"].strip() for r in ema_2025 if r.get("Advanced therapy") == "Yes"}
    latest: dict[str, tuple[str, dt.date]] = {}
    for f in sorted(EMA.glob("*.xlsx")):
        stamp = snapshot_date(f.name)
        for r in read_ema_rows(f.name):
            num = str(r.get("EMA product number") or r.get("Product number") or "").strip()
            d = _parse(r.get("Marketing authorisation date"))
            if num in numbers and d and (num not in latest or stamp > latest[num][0]):
                latest[num] = (stamp, d)
    return {n: d for n, (_, d) in latest.items()}


def snapshot_date(name: str) -> str:
    """The generation date in a snapshot's file name (the undated copy: 2023-06-12, its manifest date)."""
    m = re.search(r"(\d{4}-\d{2}-\d{2})", name)
    return m.group(1) if m else "2023-06-12"


parse_ema_date = _parse


@pytest.fixture(autouse=True, scope="session")
def _no_user_workspace(tmp_path_factory):
    """No test reads or writes the real user's workspace: ATMP_KG_HOME points at an empty
    folder unless a test sets its own (subprocesses inherit it)."""
    import os

    old = os.environ.get("ATMP_KG_HOME")
    os.environ["ATMP_KG_HOME"] = str(tmp_path_factory.mktemp("no-workspace") / "home")
    yield
    if old is None:
        os.environ.pop("ATMP_KG_HOME", None)
    else:
        os.environ["ATMP_KG_HOME"] = old
