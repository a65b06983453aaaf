"""One measured step, run in a fresh process by run.py: `python benchmarks/steps.py SPEC.json`.

The spec names the step, the workload files and where to write the result. Only the step's own
work is timed (time.perf_counter around the call); imports and, for the query, scorecard and
export steps, loading the store happen before the clock starts. Peak memory is read by the parent
(os.wait4 on this process: the same ru_maxrss that RUSAGE_CHILDREN reports, for this child alone).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _raw_store(files):
    """The baseline store: pyoxigraph's bulk loader on the ontology and the data files."""
    import pyoxigraph as ox

    from atmp_kg import resources

    store = ox.Store()
    for f in list(resources.ontology_files()) + [Path(p) for p in files]:
        store.bulk_load(path=str(f), format=ox.RdfFormat.from_extension(Path(f).suffix.lstrip(".")),
                        to_graph=ox.DefaultGraph())
    return store


def _lib_store(files):
    from atmp_kg.graph.store import load_store

    return load_store(files)


STORES = {"lib": _lib_store, "raw": _raw_store}


def step_layer(spec):
    """The library's derived timeline layer of the files, written as N-Triples: the baselines
    of validate, views, scorecard and export load it as one more file, so that both sides
    hold the same graph (the views read the layer); only the load step compares the bare files."""
    lib, raw = _lib_store(spec["files"]), _raw_store(spec["files"])
    lines = sorted(f"{q.subject} {q.predicate} {q.object} .\n" for q in lib if q not in raw)
    Path(spec["layer"]).write_text("".join(lines), encoding="utf-8")
    return {"triples": len(lines)}


# A view of a millisecond timed three times gave ratios from 1.3x to 4.25x between runs on this
# shared machine (one slow run among three moved the median): fast steps repeat until they have
# used this much time (or MOST_RUNS runs).
BUDGET_S = 1.0
MOST_RUNS = 200


def _timed(fn, reps: int, slow: float, budget: float = 0.0):
    """Run fn at least reps times, and on until the runs took `budget` seconds in all; stop
    repeating once one run took longer than `slow` seconds."""
    times, value = [], None
    while True:
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
        if times[-1] > slow:
            break
        if len(times) >= reps and (sum(times) >= budget or len(times) >= MOST_RUNS):
            break
    return summary(times), value


def summary(times: list[float]) -> dict:
    """The median of a step's runs; every run's time when there are few (results.json stays
    readable when a fast view ran 200 times)."""
    out = {"median": statistics.median(times), "runs": len(times), "min": min(times), "max": max(times)}
    if len(times) <= 10:
        out["times"] = times
    return out


# ---------------------------------------------------------------- steps

def step_load(spec):
    engine = spec["engine"]
    if engine == "raw-store-load":
        import pyoxigraph as ox

        from atmp_kg import resources

        def fn():
            store = ox.Store()
            for f in list(resources.ontology_files()) + [Path(p) for p in spec["files"]]:
                store.load(path=str(f), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
            return store
    else:
        if engine == "lib":
            import atmp_kg.graph.store  # noqa: F401  (import outside the clock)
        elif engine == "raw":
            import pyoxigraph  # noqa: F401
        fn = lambda: STORES[engine](spec["files"])  # noqa: E731
    # Each repetition is a fresh process (run.py); one load per process keeps peak memory honest.
    timing, store = _timed(fn, 1, 0)
    return {**timing, "triples": len(store)}


def _violations_key(items):
    return sorted({(f, m) for f, m in items})


def step_validate(spec):
    engine = spec["engine"]
    if engine in ("hybrid", "pyshacl-lib"):
        from atmp_kg.graph.store import data_paths, load_store
        from atmp_kg.graph.validate import validate_store

        files = data_paths(spec["files"])
        t = time.perf_counter()
        store = load_store(files)
        load_time = time.perf_counter() - t
        t = time.perf_counter()
        report = validate_store(store, files, engine="hybrid" if engine == "hybrid" else "pyshacl")
        validate_time = time.perf_counter() - t
        found = [(v.focus, v.message) for v in report.violations]
        severities = {"Violation": len(report.errors), "other": len(report.warnings)}
        triples = report.triples
    else:  # the baseline: pyshacl.validate on an rdflib memory Graph parsed from the same files
        import pyshacl
        import rdflib
        from rdflib.namespace import RDF, SH

        from atmp_kg import resources

        t = time.perf_counter()
        data = rdflib.Graph()
        for f in list(resources.ontology_files()) + [Path(p) for p in spec["files"]]:
            data.parse(f, format="nt" if Path(f).suffix == ".nt" else "turtle")
        shapes = rdflib.Graph()
        for f in resources.shape_files():
            shapes.parse(f, format="turtle")
        load_time = time.perf_counter() - t
        t = time.perf_counter()
        _, results, _ = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", abort_on_first=False, allow_warnings=True,
            meta_shacl=False, advanced=False,
        )
        validate_time = time.perf_counter() - t
        found = []
        severities = {"Violation": 0, "other": 0}
        seen = set()
        for r in results.subjects(RDF.type, SH.ValidationResult):
            focus = results.value(r, SH.focusNode)
            msg = results.value(r, SH.resultMessage)
            sev = results.value(r, SH.resultSeverity)
            key = (str(focus) if isinstance(focus, rdflib.URIRef) else focus.n3(), str(msg) if msg is not None else "does not conform")
            found.append(key)
            if (key, sev) not in seen:
                seen.add((key, sev))
                severities["Violation" if sev == SH.Violation else "other"] += 1
        triples = len(data)
    key = _violations_key(found)
    out = Path(spec["out"]).with_suffix(".violations.json")
    out.write_text(json.dumps(key, indent=0, ensure_ascii=False))
    return {"median": validate_time, "times": [validate_time], "load_time": load_time,
            "end_to_end": load_time + validate_time, "violations": len(key), "by_severity": severities,
            "violations_file": str(out), "triples": triples}


def _bound_views(spec):
    from atmp_kg.views.catalog import bind, catalog

    views = catalog()
    out = {}
    for name in spec["views"]:
        view = views[name]
        params = {p.name: spec["params"][p.name] for p in view.params if p.name in spec["params"]}
        out[name] = bind(view, params)
    return out


def step_views(spec):
    engine = spec["engine"]
    texts = _bound_views(spec)
    store = STORES["raw" if engine == "raw" else "lib"](spec["files"])
    results = {}
    for name, text in texts.items():
        if engine == "raw":
            def fn(text=text):
                answer = store.query(text)
                n = 0
                for _ in answer:
                    n += 1
                return n
        else:
            from atmp_kg.views.engine import run_local

            def fn(text=text, run_local=run_local):
                return len(run_local(store, text).rows)
        timing, rows = _timed(fn, spec["reps"], spec["slow"], BUDGET_S)
        results[name] = {**timing, "rows": rows}
        if engine != "raw":  # outside the clock: a digest of the rows, to compare runs across commits
            results[name]["digest"] = _digest(run_local(store, text), text)
            results[name]["same_store"] = alternating(store, text, reps=spec["reps"], slow=spec["slow"])
        _checkpoint(spec, results)
    return {"views": results, "triples": len(store)}


def alternating(store, text: str, *, reps: int, slow: float = float("inf"), budget: float = BUDGET_S,
                most_runs: int = MOST_RUNS) -> dict:
    """The library (run_local) and the raw query (Store.query, every row iterated) on one
    store in one process, alternately, each going first every other round, after one untimed
    run of each (a freshly opened on-disk store reads its blocks then), so that a burst of load
    on a shared machine and the caches favour neither. At least `reps` rounds, and on until
    each side used `budget` seconds, at most `most_runs`; a round slower than `slow` seconds is
    the last. Without the differences between two processes and two stores: the same text on
    stores built alike in two processes was measured up to three times apart (README.md)."""
    from atmp_kg.views.engine import run_local

    def lib():
        return len(run_local(store, text).rows)

    def raw():
        return sum(1 for _ in store.query(text))

    sides = {"lib": lib, "raw": raw}
    times: dict[str, list[float]] = {"lib": [], "raw": []}
    rows = {name: fn() for name, fn in sides.items()}
    rounds = 0
    while rounds < reps or (min(sum(t) for t in times.values()) < budget and rounds < most_runs):
        for name in (("lib", "raw") if rounds % 2 == 0 else ("raw", "lib")):
            t = time.perf_counter()
            rows[name] = sides[name]()
            times[name].append(time.perf_counter() - t)
        rounds += 1
        if max(t[-1] for t in times.values()) > slow:
            break
    out = {name: {**summary(times[name]), "rows": rows[name]} for name in sides}
    out["ratio"] = out["lib"]["median"] / out["raw"]["median"] if out["raw"]["median"] else None
    return out


def _digest(results, text) -> str:
    """The rows in canonical form (GROUP_CONCAT lists sorted, as run_query does), hashed."""
    import hashlib

    from atmp_kg.views import catalog as queries

    results = results.with_sorted_lists(queries.list_columns(text))
    return hashlib.sha256(repr(results.canonical_rows()).encode()).hexdigest()[:16]


def _checkpoint(spec, partial):
    """Views run one after another; a timed-out process still leaves the finished ones."""
    Path(spec["out"]).with_suffix(".partial.json").write_text(json.dumps(partial))


def step_scorecard(spec):
    import datetime as dt

    engine = spec["engine"]
    as_of = dt.date.fromisoformat(spec["params"]["as_of"])
    texts_file = Path(spec["texts_file"])
    if engine == "lib":
        # The library's own path (scorecard.local_runner -> run.run_query -> engine.run_local),
        # with run_query wrapped to record the bound query texts for the baseline.
        import atmp_kg.views.run
        from atmp_kg.scorecard import model as scorecard
        from atmp_kg.scorecard.render import render

        store = STORES["lib"](spec["files"])
        recorded: list[str] = []
        run_query = atmp_kg.views.run.run_query

        def recording(text, **kw):
            recorded.append(text)
            return run_query(text, **kw)

        atmp_kg.views.run.run_query = recording

        def fn():
            recorded.clear()
            model = scorecard.build_model(scorecard.local_runner(store), as_of, generated="2025-07-15T00:00:00+00:00")
            return render(model, "markdown")

        timing, text = _timed(fn, spec["reps"], spec["slow"])
        texts_file.write_text(json.dumps(recorded))
        return {**timing, "queries": len(recorded), "markdown_bytes": len(text.encode()), "triples": len(store)}
    # baseline: the same query texts, in raw pyoxigraph, iterating every row
    texts = json.loads(texts_file.read_text())
    store = STORES["raw"](spec["files"])

    def fn():
        n = 0
        for q in texts:
            for _ in store.query(q):
                n += 1
        return n

    timing, rows = _timed(fn, spec["reps"], spec["slow"])
    return {**timing, "queries": len(texts), "rows": rows, "triples": len(store)}


def step_export(spec):
    """JSON-LD to a file, as `atmp-kg export -o FILE` writes it, against Store.dump to a file."""
    import pyoxigraph as ox

    engine = spec["engine"]
    store = STORES["raw" if engine.startswith("raw") else "lib"](spec["files"])
    target = Path(spec["out"]).with_suffix(".export")
    if engine == "lib":
        from atmp_kg.atomic import write_chunks
        from atmp_kg.graph.export import iter_export

        fn = lambda: write_chunks(target, iter_export(store, "json-ld"))  # noqa: E731
    elif engine == "raw":
        fn = lambda: store.dump(target, format=ox.RdfFormat.JSON_LD, from_graph=ox.DefaultGraph())  # noqa: E731
    else:  # raw N-Triples, for reference
        fn = lambda: store.dump(target, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())  # noqa: E731
    timing, _ = _timed(fn, spec["reps"], spec["slow"])
    size = target.stat().st_size
    target.unlink()
    return {**timing, "bytes": size, "triples": len(store)}


def _vm_hwm():
    """This process's own peak resident size (VmHWM, reset at exec), to cross-check ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


STEPS = {"load": step_load, "layer": step_layer, "validate": step_validate, "views": step_views,
         "scorecard": step_scorecard, "export": step_export}


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    result = STEPS[spec["step"]](spec)
    result["vm_hwm_mb"] = _vm_hwm()
    Path(spec["out"]).write_text(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
