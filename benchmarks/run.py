"""atmp-kg benchmark: the library against raw pyoxigraph and pySHACL, on workloads it builds itself.

    python benchmarks/run.py [--quick] [--out benchmarks/results]

See benchmarks/README.md for what each number means. Every measured step runs in a fresh
process (benchmarks/steps.py); this process builds the workloads, starts the steps, reads each
child's peak memory with os.wait4 and writes results.json and results.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import report  # noqa: E402
import workspace_bench  # noqa: E402

AS_OF = "2025-07-15"
HISTORY_NUMBER = "EMEA/H/C/004090"
FULL_WORKLOADS = ["shipped", "synthetic-10k", "synthetic-100k", "synthetic-1M", "ema-history"]
QUICK_WORKLOADS = ["shipped", "synthetic-10k"]
BATCH_VIEWS_UP_TO = 50_000  # triples; up to this size all views run in one process per engine


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- running one child

def run_child(argv: list[str], *, timeout: float | None = None, stdout=subprocess.DEVNULL) -> dict:
    """Run a command; its wall time, exit status and peak RSS (ru_maxrss of this child alone)."""
    t = time.perf_counter()
    p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT)
    # stderr is drained by a thread so that a chatty child cannot block on a full pipe.
    import threading

    err: list[bytes] = []
    th = threading.Thread(target=lambda: err.append(p.stderr.read()), daemon=True)
    th.start()
    timed_out = False
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if timeout is not None and time.perf_counter() - t > timeout:
            p.kill()
            pid, status, usage = os.wait4(p.pid, 0)
            timed_out = True
            break
        time.sleep(0.005)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    th.join(timeout=5)
    return {
        "wall": wall,
        "exit": p.returncode,
        "timed_out": timed_out,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "stderr": (b"".join(err).decode("utf-8", "replace")[-2000:] if p.returncode else ""),
    }


class Runner:
    def __init__(self, work: Path, args) -> None:
        self.work = work
        self.args = args
        self.specs = Path(tempfile.mkdtemp(prefix="specs-", dir=work))
        self.n = 0

    def step(self, spec: dict, timeout: float, bound: float | None = None) -> dict:
        """Run one step; on timeout the result records `bound`, a lower bound of the step's time."""
        self.n += 1
        spec = dict(spec)
        spec["out"] = str(self.specs / f"{self.n:04d}-{spec['step']}-{spec['engine']}.json")
        path = Path(spec["out"]).with_suffix(".spec.json")
        path.write_text(json.dumps(spec))
        child = run_child([sys.executable, str(HERE / "steps.py"), str(path)], timeout=timeout)
        out = Path(spec["out"])
        if child["exit"] == 0 and out.is_file():
            result = json.loads(out.read_text())
        else:
            result = {"error": "timeout" if child["timed_out"] else f"exit {child['exit']}: {child['stderr']}"}
            if child["timed_out"]:
                result["timeout_s"] = bound if bound is not None else timeout
            partial = out.with_suffix(".partial.json")
            if partial.is_file():
                result["partial"] = json.loads(partial.read_text())
        result["peak_rss_mb"] = child["peak_rss_mb"]  # ru_maxrss from os.wait4 (RUSAGE_CHILDREN of one child)
        result["process_wall"] = round(child["wall"], 3)
        return result


def _merge_reps(results: list[dict]) -> dict:
    """Several single-run processes of one step: the median time, the largest peak memory."""
    ok = [r for r in results if "error" not in r]
    if not ok:
        return results[0]
    times = [r["median"] for r in ok]
    merged = dict(ok[0])
    merged["times"] = times
    merged["median"] = statistics.median(times)
    merged["peak_rss_mb"] = max(r["peak_rss_mb"] for r in ok)
    merged["vm_hwm_mb"] = max((r.get("vm_hwm_mb") or 0) for r in ok) or None
    for k in ("load_time", "end_to_end"):
        if k in ok[0]:
            merged[k] = statistics.median(r[k] for r in ok)
    return merged


# ---------------------------------------------------------------- the steps of one workload

STEPS = ("load", "validate", "views", "scorecard", "export")


def bench_workload(run: Runner, name: str, wl: dict, args) -> dict:
    files = wl["files"]
    reps = args.reps
    params = {"as_of": AS_OF, "number": wl.get("history_number", HISTORY_NUMBER)}

    out: dict = {step: {} for step in STEPS}  # a step left out (--steps) stays empty
    # load: one process per repetition
    log(f"{name}: load")
    for engine in (["lib", "raw", "raw-store-load"] if "load" in args.steps else []):
        rs = []
        for _ in range(reps):
            rs.append(run.step({"step": "load", "engine": engine, "files": files}, args.timeout))
            if "error" in rs[-1]:
                break
        out["load"][engine] = _merge_reps(rs)

    # The baselines below hold the same graph as the library's store: the files plus the
    # derived timeline layer (written once by the library; steps.step_layer).
    with_layer = [*files, str(run.specs / f"{name}-layer.nt")]
    if set(args.steps) - {"load"}:
        layer = run.step({"step": "layer", "engine": "lib", "files": files, "layer": with_layer[-1]}, args.timeout)
        if "error" in layer:
            raise RuntimeError(f"{name}: deriving the timeline layer for the baselines failed: {layer['error']}")

    # validate: one process per repetition; a slow run is not repeated
    log(f"{name}: validate")
    val_engines = ["hybrid", "pyshacl"] + (["pyshacl-lib"] if name == "shipped" and not args.quick else [])
    if "validate" not in args.steps:
        val_engines = []
    for engine in val_engines:
        rs = []
        for _ in range(reps):
            rs.append(run.step({"step": "validate", "engine": engine, "files": with_layer if engine == "pyshacl" else files},
                               args.validate_timeout,
                               bound=args.validate_timeout))
            if "error" in rs[-1] or rs[-1]["end_to_end"] > args.slow_validate:
                break
        out["validate"][engine] = _merge_reps(rs)
    out["validate"]["same_violations"] = _compare_violations(out["validate"])
    for r in out["validate"].values():
        r.pop("violations_file", None)

    # views: one process per view and engine (repetitions inside, the store loaded once), so
    # that a view that runs away can be stopped; small graphs run all views in one process.
    from atmp_kg.views.catalog import catalog

    names = list(catalog()) if "views" in args.steps else []
    out["views"] = {v: {} for v in names}
    batched = (wl.get("triples") or 0) <= BATCH_VIEWS_UP_TO
    for engine in ["lib", "raw"] if names else []:
        groups = [names] if batched else [[v] for v in names]
        for group in groups:
            if engine == "raw" and len(group) == 1 and out["views"][group[0]]["lib"].get("error") == "timeout":
                out["views"][group[0]][engine] = {"error": "skipped: the library run timed out (same engine, same query text)"}
                continue
            log(f"{name}: views {engine} {group[0] if len(group) == 1 else '(all)'}")
            spec = {"step": "views", "engine": engine, "files": with_layer if engine == "raw" else files,
                    "views": group, "params": params,
                    "reps": reps, "slow": args.slow}
            r = run.step(spec, args.view_timeout * len(group) + _load_allowance(wl), bound=args.view_timeout)
            for v in group:
                if "views" in r:
                    out["views"][v][engine] = {**r["views"][v], "peak_rss_mb": r["peak_rss_mb"], "triples": r["triples"]}
                elif "partial" in r and v in r["partial"]:
                    out["views"][v][engine] = {**r["partial"][v], "peak_rss_mb": r["peak_rss_mb"]}
                else:
                    out["views"][v][engine] = {k: x for k, x in r.items() if k != "partial"}

    # scorecard: build_model + render markdown; the baseline replays the same query texts
    log(f"{name}: scorecard")
    for engine, replay in [("lib", None), ("raw", "lib")] if "scorecard" in args.steps else []:
        texts = run.specs / f"{name}-scorecard-{replay or engine}.texts.json"
        if replay and "error" in out["scorecard"].get(replay, {}):
            out["scorecard"][engine] = {"error": f"skipped: the {replay} scorecard did not finish, so there are no query texts to replay"}
            continue
        spec = {"step": "scorecard", "engine": "raw" if replay else engine, "files": with_layer if replay else files,
                "params": params,
                "reps": reps, "slow": args.slow, "texts_file": str(texts)}
        out["scorecard"][engine] = run.step(spec, args.scorecard_timeout + _load_allowance(wl), bound=args.scorecard_timeout)

    # export: JSON-LD
    log(f"{name}: export")
    for engine in ["lib", "raw", "raw-nt"] if "export" in args.steps else []:
        out["export"][engine] = run.step({"step": "export", "engine": engine,
                                          "files": with_layer if engine.startswith("raw") else files, "reps": reps,
                                          "slow": args.slow}, args.timeout)
    return out


def _load_allowance(wl: dict) -> float:
    return 10 + wl.get("bytes", 0) / 5e6  # seconds to start and load the store before the clock


def _compare_violations(res: dict) -> dict:
    a, b = res.get("hybrid", {}), res.get("pyshacl", {})
    if "violations_file" not in a or "violations_file" not in b:
        return {"compared": False}
    va = {tuple(x) for x in json.loads(Path(a["violations_file"]).read_text())}
    vb = {tuple(x) for x in json.loads(Path(b["violations_file"]).read_text())}
    out = {"compared": True, "equal": va == vb, "hybrid": len(va), "pyshacl": len(vb),
           "only_hybrid": sorted(va - vb)[:5], "only_pyshacl": sorted(vb - va)[:5]}
    return out


# ---------------------------------------------------------------- CLI start-up

def bench_cli(n: int) -> dict:
    exe = Path(sys.executable)
    script = exe.parent / "atmp-kg"
    if not script.is_file():
        found = shutil.which("atmp-kg")
        script = Path(found) if found else None
    pairs = {
        "help": ([str(script), "--help"], [sys.executable, "-c", "import click"]),
        "scorecard": ([str(script), "scorecard", "--as-of", AS_OF], [sys.executable, "-c", "import rdflib"]),
    }
    out = {"script": str(script)}
    for name, (cmd, base) in pairs.items():
        log(f"cli: {name}")
        res = {}
        for label, argv in [("lib", cmd), ("baseline", base)]:
            runs = [run_child(argv) for _ in range(n)]
            bad = [r for r in runs if r["exit"] != 0]
            res[label] = {
                "argv": " ".join(argv), "times": [round(r["wall"], 4) for r in runs],
                "median": statistics.median(r["wall"] for r in runs),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                **({"error": bad[0]["stderr"]} if bad else {}),
            }
        out[name] = res
    return out


# ---------------------------------------------------------------- machine and code

def machine() -> dict:
    from importlib import metadata

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    pkgs = {}
    for p in ("atmp-kg", "pyoxigraph", "rdflib", "pyshacl", "click", "openpyxl", "pyld", "jinja2", "oxrdflib", "owlrl"):
        try:
            pkgs[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            pass
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": mem, "cpu_model": cpu, "python": platform.python_version(),
        "platform": platform.platform(), "packages": pkgs,
    }


def code_fingerprint() -> dict:
    out = {}
    for part in ("src/atmp_kg", "queries", "shapes", "ontology", "data"):
        h = hashlib.sha256()
        for p in sorted((ROOT / part).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(ROOT)).encode())
                h.update(p.read_bytes())
        out[part] = h.hexdigest()[:16]
    return out


# ---------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="shipped graph and synthetic-10k, one repetition (under a minute)")
    ap.add_argument("--out", default=str(HERE / "results"), help="folder for results.json and results.md")
    ap.add_argument("--work", default=str(HERE / "work"), help="folder for the generated workloads (gitignored)")
    ap.add_argument("--workloads", help="comma-separated subset of: " + ", ".join(FULL_WORKLOADS))
    ap.add_argument("--reps", type=int, help="repetitions per step (default 3, quick 1)")
    ap.add_argument("--view-timeout", type=float, default=150.0, help="seconds one view may run (default 150)")
    ap.add_argument("--scorecard-timeout", type=float, default=300.0)
    ap.add_argument("--validate-timeout", type=float, default=1800.0)
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds for any other step")
    ap.add_argument("--no-workspace", action="store_true", help="skip the workspace steps (issue 16)")
    ap.add_argument("--steps", default=",".join(STEPS), help="comma-separated subset of: " + ", ".join(STEPS))
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI start-up step")
    args = ap.parse_args()
    args.steps = [s for s in args.steps.split(",") if s]
    if unknown := sorted(set(args.steps) - set(STEPS)):
        ap.error(f"--steps: unknown step {unknown[0]!r}; the steps: {', '.join(STEPS)}")
    if args.reps is None:
        args.reps = 1 if args.quick else 3
    args.slow = 20.0           # a single run slower than this is not repeated
    args.slow_validate = 60.0
    names = args.workloads.split(",") if args.workloads else (QUICK_WORKLOADS if args.quick else FULL_WORKLOADS)
    cli_n = 3 if args.quick else 10

    started = time.time()
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    log(f"building workloads in {work}: {', '.join(names)}")
    # Built in a child process: a child's ru_maxrss starts from its parent's resident size at
    # fork (Linux keeps the high-water mark across exec), so this process must stay small.
    built = subprocess.run([sys.executable, str(HERE / "workloads.py"), str(work), ",".join(names)],
                           cwd=ROOT, stdout=subprocess.PIPE, check=True)
    wls = json.loads(built.stdout)

    run = Runner(work, args)
    results = {"workloads": {}, "steps": {}}
    for name in names:
        wl = wls[name]
        r = run.step({"step": "load", "engine": "raw", "files": wl["files"]}, args.timeout)
        wl["triples"] = r.get("triples")
        results["workloads"][name] = {k: v for k, v in wl.items() if k != "files"} | {"files": [str(Path(f).relative_to(ROOT)) if Path(f).is_relative_to(ROOT) else f for f in wl["files"]]}
        results["steps"][name] = bench_workload(run, name, wl, args)
        partial = Path(args.out) / "results.partial.json"
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    results["cli"] = {} if args.no_cli else bench_cli(cli_n)
    if not args.no_workspace:
        results["workspace"] = workspace_bench.bench(work, quick=args.quick, reps=args.reps, code=json.dumps(code_fingerprint()),
                                                     as_of=AS_OF, number=HISTORY_NUMBER)
    results["meta"] = {
        "date": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "mode": "quick" if args.quick else "full", "reps": args.reps, "cli_runs": cli_n,
        "as_of": AS_OF, "history_number": HISTORY_NUMBER,
        "timeouts": {"view": args.view_timeout, "scorecard": args.scorecard_timeout,
                     "validate": args.validate_timeout, "other": args.timeout},
        "not_repeated_after_s": {"run": args.slow, "validate": args.slow_validate},
        "duration_s": round(time.time() - started, 1),
        "machine": machine(), "code": code_fingerprint(),
        "orchestrator_peak_rss_mb": round(__import__("resource").getrusage(__import__("resource").RUSAGE_SELF).ru_maxrss / 1024, 1),
        "command": " ".join(["python", "benchmarks/run.py"] + sys.argv[1:]),
    }
    results["scaling"] = report.scaling(results)
    results["targets"] = report.targets(results)
    outdir = Path(args.out)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    (outdir / "results.md").write_text(report.markdown(results) + workspace_bench.markdown(results.get("workspace")))
    shutil.rmtree(run.specs, ignore_errors=True)
    (outdir / "results.partial.json").unlink(missing_ok=True)
    log(f"done in {time.time() - started:.0f} s: {outdir / 'results.json'}, {outdir / 'results.md'}")


if __name__ == "__main__":
    main()
