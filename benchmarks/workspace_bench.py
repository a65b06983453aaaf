"""The workspace steps of the benchmark (issue 16), run by run.py after the other steps.

Workload "workspace": a workspace (ATMP_KG_HOME in the work folder) holding EMA snapshots
imported with --all-medicines through `atmp-kg update`, built once and cached by the hash of
the code and the files. Full: every EMA snapshot the graph accepts except the latest, which
the update step adds; quick: the two newest shipped snapshots, one added by the update step.

Steps (every number against a baseline measured in the same run):
- startup: `atmp-kg query NAME` on the workspace, whole process, against
  `python -c "import pyoxigraph"`; the view's own time (measured in process) is reported beside.
- views: every view on the opened workspace store (`views.engine.run_local`) against the
  same bound text in raw pyoxigraph (`Store.query`, every row iterated) on the same store.
- update: `atmp-kg update FILE --all-medicines` of one new snapshot into (a copy of) the
  workspace, whole process, against `atmp-kg import ema FILE --all-medicines -o x.ttl`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from steps import BUDGET_S, MOST_RUNS  # noqa: E402  (the same time budget as the other view steps)
UNDATED = {"ema-epar-report_undated.xlsx": "2023-06-12"}
TARGETS = {"startup_s": 0.050, "views_ratio": 1.5, "update_ratio": 2.0}


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] workspace: {msg}", file=sys.stderr, flush=True)


def _script() -> str:
    exe = Path(sys.executable).parent / "atmp-kg"
    return str(exe) if exe.is_file() else shutil.which("atmp-kg") or "atmp-kg"


def _env(**extra) -> dict:
    # An installed package carries its bytecode; a session with PYTHONDONTWRITEBYTECODE would
    # compile every module at every start and time the compiler, not the command.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | extra


def _cli(args: list[str], home: Path, check: bool = True) -> float:
    env = _env(ATMP_KG_HOME=str(home))
    t = time.perf_counter()
    p = subprocess.run([_script(), *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if check and p.returncode != 0:
        raise RuntimeError(f"atmp-kg {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()[-500:]}")
    return wall


def snapshots(quick: bool) -> list[Path]:
    """The EMA files, oldest first (data/ema/ from its manifest; dates from the file names)."""
    files = sorted((ROOT / "data" / "ema").glob("*.xlsx"), key=lambda p: UNDATED.get(p.name, p.stem.rsplit("_", 1)[-1]))
    return files[-2:] if quick else files


def _args_for(f: Path) -> list[str]:
    return ["--generated-on", UNDATED[f.name]] if f.name in UNDATED else []


def build(work: Path, files: list[Path], code: str) -> Path:
    key = hashlib.sha256((code + "".join(hashlib.sha256(f.read_bytes()).hexdigest() for f in files)).encode()).hexdigest()[:16]
    home = work / f"workspace-{key}"
    if (home / "manifest.json").is_file():
        return home
    shutil.rmtree(home, ignore_errors=True)
    for f in files:
        _log(f"building: update {f.name} --all-medicines")
        _cli(["update", str(f), "--all-medicines", *_args_for(f)], home)
    return home


VIEWS_CHILD = r"""
import json, sys
import pyoxigraph as ox
sys.path.insert(0, sys.argv[2])  # benchmarks/, for steps.alternating
from steps import alternating
from atmp_kg.views.catalog import bind, catalog
spec = json.loads(sys.argv[1])
store = ox.Store.read_only(spec["store"])
out = {}
for name, view in catalog().items():
    params = {p.name: spec["params"][p.name] for p in view.params if p.name in spec["params"]}
    out[name] = alternating(store, bind(view, params), reps=spec["reps"], budget=spec["budget_s"],
                            most_runs=spec["most_runs"])
print(json.dumps(out))
"""


def bench(work: Path, *, quick: bool, reps: int, code: str, as_of: str, number: str) -> dict:
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "atmp_kg")], env=_env(), check=True,
                   stdout=subprocess.DEVNULL)
    files = snapshots(quick)
    base, new = files[:-1], files[-1]
    home = build(work, base, code)
    manifest = json.loads((home / "manifest.json").read_text())
    out: dict = {"home": str(home), "snapshots": [f.name for f in base], "update_file": new.name,
                 "triples": manifest["triples"], "mode": "quick" if quick else "full"}

    _log(f"views on {manifest['triples']} triples")
    spec = {"store": str(home / manifest["store"]), "reps": max(reps, 3), "budget_s": BUDGET_S, "most_runs": MOST_RUNS,
            "params": {"as_of": as_of, "number": number}}
    p = subprocess.run([sys.executable, "-c", VIEWS_CHILD, json.dumps(spec), str(HERE)], cwd=ROOT, capture_output=True, text=True, check=True)
    views = json.loads(p.stdout)
    out["views"] = views
    ratios = {v: r["ratio"] for v, r in views.items() if r["ratio"] is not None}
    worst = max(ratios, key=ratios.get)
    out["views_worst"] = {"view": worst, "ratio": round(ratios[worst], 3)}

    # The fastest view that needs no parameter: its start-up is mostly the command's own.
    from atmp_kg.views.catalog import catalog

    free = {name for name, v in catalog().items() if not any(p.required for p in v.params)}
    cheapest = min((v for v in views if v in free), key=lambda v: views[v]["lib"]["median"])
    _log(f"startup: atmp-kg query {cheapest}")
    n = 5 if quick else 15
    cmd = [sys.executable, "-c", "import pyoxigraph"]
    subprocess.run(cmd, cwd=ROOT, check=True, env=_env())  # warm the page cache for both
    _cli(["query", cheapest, "--format", "csv"], home)
    base_times, lib_times = [], []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, env=_env())
        base_times.append(time.perf_counter() - t)
        lib_times.append(_cli(["query", cheapest, "--format", "csv"], home))
    lib, baseline = statistics.median(lib_times), statistics.median(base_times)
    out["startup"] = {"view": cheapest, "lib_median": lib, "baseline_median": baseline, "lib_times": lib_times,
                      "baseline_times": base_times, "view_time": views[cheapest]["lib"]["median"],
                      "overhead": lib - baseline, "overhead_less_view": lib - baseline - views[cheapest]["lib"]["median"]}

    _log(f"update {new.name} --all-medicines vs import ema")
    upd, imp = [], []
    for _ in range(max(1, reps)):
        copy = work / "workspace-update-copy"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(home, copy)
        upd.append(_cli(["update", str(new), "--all-medicines", *_args_for(new)], copy))
        shutil.rmtree(copy, ignore_errors=True)
        target = work / "workspace-import.ttl"
        imp.append(_cli(["import", "ema", str(new), "--all-medicines", *_args_for(new), "-o", str(target)], work / "no-workspace"))
        target.unlink(missing_ok=True)
    out["update"] = {"lib_median": statistics.median(upd), "baseline_median": statistics.median(imp),
                     "lib_times": upd, "baseline_times": imp,
                     "ratio": statistics.median(upd) / statistics.median(imp)}
    out["targets"] = [
        {"target": "a query command starts within 50 ms of `python -c \"import pyoxigraph\"`",
         "met": out["startup"]["overhead_less_view"] <= TARGETS["startup_s"],
         "numbers": f"{lib * 1000:.0f} ms vs {baseline * 1000:.0f} ms; the view itself {views[cheapest]['lib']['median'] * 1000:.0f} ms; "
                    f"overhead {out['startup']['overhead_less_view'] * 1000:.0f} ms"},
        {"target": "each view within 1.5x of the same query on an open pyoxigraph store",
         "met": ratios[worst] <= TARGETS["views_ratio"], "numbers": f"worst {worst} {ratios[worst]:.2f}x"},
        {"target": "update of one new snapshot within 2x of a plain `import ema` of it",
         "met": out["update"]["ratio"] <= TARGETS["update_ratio"],
         "numbers": f"{out['update']['lib_median']:.1f} s vs {out['update']['baseline_median']:.1f} s = {out['update']['ratio']:.2f}x"},
    ]
    return out


def markdown(ws: dict | None) -> str:
    if not ws:
        return ""
    lines = ["", "## Workspace (issue 16)", "",
             f"A workspace of {ws['triples']} triples ({', '.join(ws['snapshots'])}, every medicine); "
             f"the update step adds {ws['update_file']}.", "",
             "| target | met? | numbers |", "|---|---|---|"]
    lines += [f"| {t['target']} | {'yes' if t['met'] else 'no'} | {t['numbers']} |" for t in ws["targets"]]
    lines += ["", "| view | library s | raw s | ratio | rows |", "|---|---|---|---|---|"]
    for v, r in sorted(ws["views"].items()):
        lines.append(f"| {v} | {r['lib']['median']:.4f} | {r['raw']['median']:.4f} | {r['ratio']:.2f} | {r['lib']['rows']} |")
    return "\n".join(lines) + "\n"
