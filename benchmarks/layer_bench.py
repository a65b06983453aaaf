"""The timeline layer's cost (issue 12): loading plus deriving, against pyoxigraph's bulk load.

    python benchmarks/layer_bench.py [--workloads shipped,synthetic-1M] [--reps 3] [--out DIR]

For each workload (built by workloads.py into benchmarks/work/) and each repetition, three fresh
processes each load the workload once:

- raw: pyoxigraph's bulk loader on the ontology and the files (the baseline);
- lib-load: atmp_kg.graph.store.load_store(files, derive=False);
- lib: load_store(files), which also derives the timeline layer (what every command does).

The target is lib / raw <= 1.5 (median of the repetitions, the same run); the paired ratio (the
median of each repetition's lib / raw) is shown beside it. The derive share is lib - lib-load.
Results go to DIR/results.json and DIR/results.md (default benchmarks/results/layer).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET = 1.5


def _child(engine: str, files: list[str]) -> None:
    import pyoxigraph as ox

    from atmp_kg import resources
    from atmp_kg.graph.store import load_store

    t = time.perf_counter()
    if engine == "raw":
        store = ox.Store()
        for f in list(resources.ontology_files()) + [Path(p) for p in files]:
            store.bulk_load(path=str(f), format=ox.RdfFormat.from_extension(Path(f).suffix.lstrip(".")),
                            to_graph=ox.DefaultGraph())
    else:
        store = load_store(files, derive=engine == "lib")
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "triples": len(store)}))


def _once(engine: str, files: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", engine, *files], cwd=ROOT, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", default="shipped,synthetic-1M")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--work", default=str(HERE / "work"))
    ap.add_argument("--out", default=str(HERE / "results" / "layer"))
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child[0], args.child[1:])
        return
    names = args.workloads.split(",")
    built = subprocess.run([sys.executable, str(HERE / "workloads.py"), args.work, ",".join(names)], cwd=ROOT,
                           stdout=subprocess.PIPE, check=True)
    workloads = json.loads(built.stdout)
    results = {}
    for name in names:
        runs: dict[str, list[dict]] = {"raw": [], "lib-load": [], "lib": []}
        for _ in range(args.reps):  # interleaved, so that a change in the machine's load hits all three
            for engine in runs:
                runs[engine].append(_once(engine, workloads[name]["files"]))
        med = {e: statistics.median(r["seconds"] for r in rs) for e, rs in runs.items()}
        results[name] = {
            "triples": {e: rs[0]["triples"] for e, rs in runs.items()},
            "seconds": {e: [round(r["seconds"], 3) for r in rs] for e, rs in runs.items()},
            "median_s": {e: round(v, 3) for e, v in med.items()},
            "ratio_lib_to_raw": round(med["lib"] / med["raw"], 2),
            "ratio_load_only_to_raw": round(med["lib-load"] / med["raw"], 2),
            # each repetition's lib / raw, the median: the two ran a few seconds apart, so this
            # moves less when the machine's speed drifts between repetitions
            "ratio_paired": round(statistics.median(l["seconds"] / r["seconds"] for l, r in zip(runs["lib"], runs["raw"])), 2),
            "derive_s": round(med["lib"] - med["lib-load"], 3),
            "met": med["lib"] / med["raw"] <= TARGET,
        }
        print(f"{name}: {json.dumps(results[name])}", file=sys.stderr)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "reps": args.reps,
            "command": " ".join(["python", "benchmarks/layer_bench.py"] + sys.argv[1:])}
    (out / "results.json").write_text(json.dumps({"meta": meta, "workloads": results}, indent=1) + "\n")
    lines = [f"# Timeline layer: load + derive against pyoxigraph's bulk load ({meta['date']}, {args.reps} repetitions)", "",
             "| workload | triples (raw / with layer) | bulk load s | load_store without layer s | load_store s | derive s "
             f"| ratio (target <= {TARGET}) | paired ratio | met? |", "|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        m = r["median_s"]
        lines.append(f"| {name} | {r['triples']['raw']:,} / {r['triples']['lib']:,} | {m['raw']} | {m['lib-load']} | {m['lib']} "
                     f"| {r['derive_s']} | {r['ratio_lib_to_raw']} | {r['ratio_paired']} | {'yes' if r['met'] else 'no'} |")
    (out / "results.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
