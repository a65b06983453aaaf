"""Scaling, targets and the Markdown summary, from the results dict that run.py builds."""

from __future__ import annotations

LINEAR_SLACK = 1.25  # time ratio / size ratio up to this counts as linear (n log n sorts, noise)
SCALE_FROM, SCALE_TO = "synthetic-100k", "synthetic-1M"
CURVE = ("synthetic-10k", "synthetic-100k", "synthetic-1M")
BIG = ("ema-history", "synthetic-1M")


def _t(r: dict | None):
    """(seconds, is_lower_bound) of one engine's result, or (None, False)."""
    if not r:
        return None, False
    if "median" in r:
        return r["median"], False
    if r.get("error") == "timeout" and r.get("timeout_s"):
        return r["timeout_s"], True
    return None, False


def _fmt(t, lower=False, digits=3) -> str:
    if t is None:
        return "–"
    s = f"{t:.{digits}f}" if t < 10 else f"{t:.1f}"
    return (">" + s) if lower else s


def _ratio(a, b, a_lower=False, b_lower=False):
    if a is None or b is None or b == 0:
        return None, ""
    if a_lower and b_lower:
        return None, "both timed out"
    r = a / b
    return r, (">" if a_lower else "<" if b_lower else "")


def _same_store_ratio(view_result: dict):
    """The library / raw ratio of one view timed alternately on the library's store, or None."""
    return (view_result.get("lib") or {}).get("same_store", {}).get("ratio")


def _rfmt(r, mark="") -> str:
    if r is None:
        return mark or "–"
    return f"{mark}{r:.2f}x"


# ---------------------------------------------------------------- scaling

def scaling(res: dict) -> dict:
    """The cost curve over the synthetic sizes; the target is judged from 100k to 1M."""
    steps = res["steps"]
    sizes = [w for w in CURVE if w in steps]
    if SCALE_FROM not in steps or SCALE_TO not in steps:
        return {}
    n = {w: res["workloads"][w]["triples"] for w in sizes}
    out = {"from": SCALE_FROM, "to": SCALE_TO, "size_ratio": round(n[SCALE_TO] / n[SCALE_FROM], 3),
           "sizes": {w: n[w] for w in sizes}, "linear_if_at_most": LINEAR_SLACK, "rows": []}

    def add(step, engine, get):
        t = {w: _t(get(steps[w])) for w in sizes}
        if t[SCALE_FROM][0] is None or t[SCALE_TO][0] is None:
            return
        factors = {}
        for w0, w1 in zip(sizes, sizes[1:]):
            if t[w0][0] and t[w1][0] is not None:
                factors[f"{w0}->{w1}"] = round((t[w1][0] / t[w0][0]) / (n[w1] / n[w0]), 2)
        f = factors[f"{SCALE_FROM}->{SCALE_TO}"]
        lower = t[SCALE_TO][1]
        out["rows"].append({
            "step": step, "engine": engine, "times": {w: round(t[w][0], 4) for w in sizes if t[w][0] is not None},
            "t_from": round(t[SCALE_FROM][0], 4), "t_to": round(t[SCALE_TO][0], 4), "to_is_lower_bound": lower,
            "factors": factors, "factor": f,
            "linear": (f <= LINEAR_SLACK) if not lower else (False if f > LINEAR_SLACK else None),
        })

    for engine in ("lib", "raw", "raw-store-load"):
        add("load", engine, lambda s, e=engine: s["load"].get(e))
    for view in steps[SCALE_FROM]["views"]:
        for engine in ("lib", "raw"):
            add(f"view {view}", engine, lambda s, v=view, e=engine: s["views"].get(v, {}).get(e))
    for engine in ("lib", "raw"):
        add("export json-ld", engine, lambda s, e=engine: s["export"].get(e))
    for engine in ("hybrid", "pyshacl"):
        add("validate", engine, lambda s, e=engine: s["validate"].get(e))
    for engine in ("lib", "raw"):
        add("scorecard", engine, lambda s, e=engine: s["scorecard"].get(e))
    return out


# ---------------------------------------------------------------- targets

def targets(res: dict) -> list[dict]:
    steps = res["steps"]
    out = []
    big = [w for w in BIG if w in steps] or list(steps)

    # 1. every view within 2x of raw pyoxigraph, at the full EMA history and 1M triples
    worst, unknown, absolute = None, [], []
    for w in big:
        for view, r in steps[w]["views"].items():
            (a, al), (b, bl) = _t(r.get("lib")), _t(r.get("raw"))
            ratio, mark = _ratio(a, b, al, bl)
            if ratio is None:
                unknown.append(f"{w}/{view}")
            elif worst is None or ratio > worst[0]:
                worst = (ratio, f"{w}/{view}")
            if a is not None and (al or a > 10):
                absolute.append(f"{w}/{view} {_fmt(a, al)} s")
            if r.get("lib", {}).get("error") == "timeout":
                absolute.append(f"{w}/{view} >{r['lib'].get('timeout_s', '?')} s")
    out.append({
        "target": "every view within 2x of the same SPARQL in raw pyoxigraph (EMA history, 1M)",
        "met": (worst is None or worst[0] <= 2) and not unknown,
        "worst_ratio": round(worst[0], 2) if worst else None, "worst": worst[1] if worst else None,
        "not_measured": unknown, "slow_views": sorted(set(absolute)),
    })

    # 1b. (issue 12) every view within 1.5x of the same text in raw pyoxigraph, judged on one
    # store in one process, the two run alternately (steps.alternating)
    same = {f"{w}/{view}": _same_store_ratio(r) for w in big for view, r in steps[w]["views"].items()}
    measured = {k: v for k, v in same.items() if v is not None}
    worst = max(measured, key=measured.get) if measured else None
    out.append({
        "target": "every view within 1.5x of the same text in raw pyoxigraph on the same store, run alternately (EMA history, 1M)",
        "met": worst is not None and measured[worst] <= 1.5 and len(measured) == len(same),
        "worst_ratio": round(measured[worst], 2) if worst else None, "worst": worst,
        "not_measured": sorted(set(same) - set(measured)),
        "over": sorted(f"{k} {v:.2f}x" for k, v in measured.items() if v > 1.5),
    })

    # 2. load within 1.5x of pyoxigraph's bulk load
    rows = {}
    for w in steps:
        (a, _), (b, _) = _t(steps[w]["load"].get("lib")), _t(steps[w]["load"].get("raw"))
        if a and b:
            rows[w] = round(a / b, 2)
    out.append({"target": "load within 1.5x of pyoxigraph's bulk load", "ratios": rows,
                "met": all(v <= 1.5 for k, v in rows.items() if k in big) if any(k in big for k in rows) else None,
                "met_everywhere": all(v <= 1.5 for v in rows.values())})

    # 3. peak memory within 2x of pyoxigraph's
    mem = {}
    for w in steps:
        s = steps[w]
        pairs = {"load": (s["load"].get("lib"), s["load"].get("raw")),
                 "export": (s["export"].get("lib"), s["export"].get("raw")),
                 "scorecard": (s["scorecard"].get("lib"), s["scorecard"].get("raw"))}
        vl = [v["lib"]["peak_rss_mb"] for v in s["views"].values() if "median" in v.get("lib", {})]
        vr = [v["raw"]["peak_rss_mb"] for v in s["views"].values() if "median" in v.get("raw", {})]
        for step, (a, b) in pairs.items():
            if a and b and "median" in a and "median" in b:
                mem[f"{w}/{step}"] = round(a["peak_rss_mb"] / b["peak_rss_mb"], 2)
        if vl and vr:
            mem[f"{w}/views (max)"] = round(max(vl) / max(vr), 2)
    big_mem = {k: v for k, v in mem.items() if k.split("/")[0] in big}
    out.append({"target": "peak memory within 2x of pyoxigraph's", "ratios": mem,
                "met": all(v <= 2 for v in big_mem.values()) if big_mem else None,
                "worst": max(mem.items(), key=lambda kv: kv[1]) if mem else None})

    # 4. validation at least 2x faster than pyshacl on rdflib memory, same violations
    val = {}
    for w in steps:
        v = steps[w]["validate"]
        h, p = v.get("hybrid", {}), v.get("pyshacl", {})
        if "median" in h and "median" in p:
            val[w] = {"speedup": round(p["median"] / h["median"], 2),
                      "speedup_end_to_end": round(p["end_to_end"] / h["end_to_end"], 2),
                      "same_violations": v.get("same_violations", {}).get("equal"),
                      "violations": h.get("violations")}
        else:
            val[w] = {"error": h.get("error") or p.get("error")}
    ok = [x for x in val.values() if "speedup" in x]
    out.append({"target": "validation at least 2x faster than pyshacl on rdflib memory, same violations",
                "by_workload": val,
                "met": bool(ok) and all(x["speedup"] >= 2 and x["same_violations"] for k, x in val.items() if k in big and "speedup" in x)
                and all(k in val and "speedup" in val[k] for k in big),
                "met_everywhere": all(x.get("speedup", 0) >= 2 and x.get("same_violations") for x in val.values())})

    # 5./6. CLI start-up
    cli = res.get("cli", {})
    for key, limit, label in (("help", 1.5, "`atmp-kg --help` within 1.5x of `python -c \"import click\"`"),
                              ("scorecard", 2.0, "`atmp-kg scorecard` (shipped graph) within 2x of `python -c \"import rdflib\"`")):
        c = cli.get(key)
        if c and "median" in c["lib"] and "median" in c["baseline"]:
            r = c["lib"]["median"] / c["baseline"]["median"]
            out.append({"target": label, "ratio": round(r, 2), "lib_s": round(c["lib"]["median"], 3),
                        "baseline_s": round(c["baseline"]["median"], 3), "met": r <= limit})

    # 7. scaling
    sc = res.get("scaling", {})
    if sc:
        bad = [f"{r['step']} ({r['engine']}) {'>' if r['to_is_lower_bound'] else ''}{r['factor']}"
               for r in sc["rows"] if r["engine"] in ("lib",) and r["linear"] is False
               and (r["step"].startswith(("load", "view", "export")))]
        out.append({"target": f"no worse than linear from 100k to 1M for load, every view, export (factor <= {LINEAR_SLACK})",
                    "met": not bad, "superlinear": bad})
    return out


# ---------------------------------------------------------------- Markdown

def markdown(res: dict) -> str:
    m = res["meta"]
    mc = m["machine"]
    L = [
        "# atmp-kg benchmark results",
        "",
        f"- date: {m['date']}; mode: {m['mode']} ({m['reps']} repetitions; runs slower than {m['not_repeated_after_s']['run']} s are not repeated); "
        f"took {m['duration_s']:.0f} s; command: `{m['command']}`",
        f"- machine: {mc['nproc']} CPUs ({mc['cpu_model']}), {mc['memory_gb']} GB; Python {mc['python']}; "
        + ", ".join(f"{k} {v}" for k, v in mc["packages"].items()),
        f"- code: " + ", ".join(f"{k} {v}" for k, v in m["code"].items()),
        f"- views run with as_of={m['as_of']} (history: number={m['history_number']}, or its clone in the synthetic graphs); "
        f"timeouts: view {m['timeouts']['view']:.0f} s, scorecard {m['timeouts']['scorecard']:.0f} s",
        "",
        "Times are seconds of the step alone (median); memory is the peak RSS of the process that ran it. "
        "Ratio = library / baseline (for validation: pyshacl / hybrid, so higher is better).",
        "",
        "## Workloads",
        "",
        "| workload | triples (with ontology) | files | MB |",
        "|---|---:|---:|---:|",
    ]
    for w, d in res["workloads"].items():
        L.append(f"| {w} | {d.get('triples') or '–'} | {len(d['files'])} | {d['bytes'] / 1e6:.1f} |")
    L += ["", "## Steps", "",
          "| workload | step | library s | baseline s | ratio | library MB | baseline MB | mem ratio |",
          "|---|---|---:|---:|---:|---:|---:|---:|"]
    for w, s in res["steps"].items():
        rows = [
            ("load (load_store vs bulk_load)", s["load"].get("lib"), s["load"].get("raw"), False),
            ("validate (hybrid vs pyshacl)", s["validate"].get("hybrid"), s["validate"].get("pyshacl"), True),
            ("scorecard (build+render vs same queries raw)", s["scorecard"].get("lib"), s["scorecard"].get("raw"), False),
            ("export JSON-LD (export vs Store.dump)", s["export"].get("lib"), s["export"].get("raw"), False),
        ]
        for label, a, b, inverse in rows:
            (ta, la), (tb, lb) = _t(a), _t(b)
            if inverse:
                r, mark = _ratio(tb, ta, lb, la)
            else:
                r, mark = _ratio(ta, tb, la, lb)
            ma = (a or {}).get("peak_rss_mb")
            mb = (b or {}).get("peak_rss_mb")
            mr = f"{ma / mb:.2f}x" if ma and mb and "median" in (a or {}) and "median" in (b or {}) else "–"
            err = ""
            if a and "error" in a and not la:
                err = " (" + a["error"].split(":")[0] + ")"
            L.append(f"| {w} | {label}{err} | {_fmt(ta, la)} | {_fmt(tb, lb)} | {_rfmt(r, mark)} | {ma or '–'} | {mb or '–'} | {mr} |")
        v = s["validate"]
        same = v.get("same_violations", {})
        if same.get("compared"):
            L.append(f"| {w} | validate: same (focus, message) set | {same['hybrid']} | {same['pyshacl']} | "
                     f"{'equal' if same['equal'] else 'DIFFERENT'} | | | |")
        h, p = v.get("hybrid", {}), v.get("pyshacl", {})
        if "end_to_end" in h and "end_to_end" in p:
            L.append(f"| {w} | validate end to end (load/parse + validate) | {_fmt(h['end_to_end'])} | {_fmt(p['end_to_end'])} | "
                     f"{p['end_to_end'] / h['end_to_end']:.2f}x faster | | | |")
    views = [w for w in ("shipped", "synthetic-100k", "synthetic-1M", "ema-history") if w in res["steps"]]
    if views:
        L += ["", "## Views (library run_local vs raw pyoxigraph query + iterate)", "",
              "Lib s, raw s and ratio: each engine in its own process on its own store; same store: "
              "the two run alternately on the library's store in its process (lib / raw medians).", "",
              "| view | " + " | ".join(f"{w} lib s | raw s | ratio | same store" for w in views) + " |",
              "|---|" + "---:|---:|---:|---:|" * len(views)]
        names = list(res["steps"][views[0]]["views"])
        for view in names:
            cells = []
            for w in views:
                r = res["steps"][w]["views"].get(view, {})
                (a, al), (b, bl) = _t(r.get("lib")), _t(r.get("raw"))
                ratio, mark = _ratio(a, b, al, bl)
                cells.append(f"{_fmt(a, al)} | {_fmt(b, bl)} | {_rfmt(ratio, mark)} | {_rfmt(_same_store_ratio(r))}")
            L.append(f"| {view} | " + " | ".join(cells) + " |")
    sc = res.get("scaling")
    if sc:
        sizes = list(sc["sizes"])
        pairs = [f"{a}->{b}" for a, b in zip(sizes, sizes[1:])]
        L += ["", "## Scaling curve (synthetic graphs; factor = time ratio / size ratio, 1.00 is linear; "
              f"the target, from {sc['from']} to {sc['to']}, counts up to {sc['linear_if_at_most']} as linear, `!` above)", "",
              "triples: " + ", ".join(f"{w} {t}" for w, t in sc["sizes"].items()), "",
              "| step | engine | " + " | ".join(f"{w} s" for w in sizes) + " | " + " | ".join(f"factor {p.replace('synthetic-', '')}" for p in pairs) + " |",
              "|---|---|" + "---:|" * (len(sizes) + len(pairs))]
        for r in sc["rows"]:
            times = [_fmt(r["times"].get(w), r["to_is_lower_bound"] and w == sc["to"]) for w in sizes]
            facs = []
            for p in pairs:
                f = r["factors"].get(p)
                mark = " !" if (p == f"{sc['from']}->{sc['to']}" and r["linear"] is False) else ""
                facs.append("–" if f is None else f"{f:.2f}{mark}")
            L.append(f"| {r['step']} | {r['engine']} | " + " | ".join(times) + " | " + " | ".join(facs) + " |")
    cli = res.get("cli")
    if cli:
        L += ["", f"## CLI start-up (median of {res['meta']['cli_runs']} runs, wall time of the whole process)", "",
              "| command | s | baseline | s | ratio | MB |", "|---|---:|---|---:|---:|---:|"]
        for key in ("help", "scorecard"):
            c = cli.get(key)
            if c:
                a, b = c["lib"], c["baseline"]
                L.append(f"| `{a['argv'].replace(cli['script'], 'atmp-kg')}` | {a['median']:.3f} | `python {b['argv'].split(' ', 1)[1]}` | "
                         f"{b['median']:.3f} | {a['median'] / b['median']:.2f}x | {a['peak_rss_mb']} |")
    L += ["", "## Targets (issues 8 and 12)", "", "| target | met | numbers |", "|---|---|---|"]
    for t in res.get("targets", []):
        met = {True: "yes", False: "**no**", None: "not measured"}[t.get("met")]
        nums = {k: v for k, v in t.items() if k not in ("target", "met")}
        L.append(f"| {t['target']} | {met} | {_short(nums)} |")
    return "\n".join(L) + "\n"


def _short(d: dict) -> str:
    parts = []
    for k, v in d.items():
        if isinstance(v, dict):
            inner = ", ".join(f"{a}: {_short(b) if isinstance(b, dict) else b}" for a, b in v.items())
            parts.append(f"{k}: {inner}")
        elif isinstance(v, list):
            if v:
                parts.append(f"{k}: {'; '.join(str(x) for x in v)}")
        elif v is not None:
            parts.append(f"{k}: {v}")
    return "; ".join(parts).replace("|", "/")
