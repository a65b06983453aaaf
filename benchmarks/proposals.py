"""Proposed changes, measured by the benchmark (`proposed` columns) without touching src/ or queries/.

Status (2026-11-25): everything proposed here has been applied: the view rewrites below and
the faster run_local (queries/, src/atmp_kg/engine.py), and the streaming JSON-LD export
(src/atmp_kg/export.py, iter_jsonld). rewrite() now finds nothing to change, and run.py
measures `proposed` columns only while it does.

The view rewrites (kept so that the benchmark can show them again on an older checkout):

Oxigraph plans the pattern inside FILTER EXISTS / NOT EXISTS without knowing that ?product is
already bound by the outer row, so it starts from `?c a atmp:Classification` (every
classification) or `?o a atmp:Observation` (every observation) and only then checks
`atmp:product ?product`: one full scan per candidate row, quadratic in the number of products.
The rewrite keeps every view's meaning and makes the membership test a join:

  1. the ATMP membership test
         FILTER EXISTS { { ?c a atmp:Classification ; atmp:product ?product } UNION
                         { ?f a atmp:Observation ; atmp:product ?product ; atmp:advancedTherapy true } }
     becomes a join with the set of ATMP products, computed once:
         { SELECT DISTINCT ?product WHERE { ...the same two branches... } }
  2. FILTER NOT EXISTS { ?any a atmp:MarketingAuthorisation ; atmp:product ?product }
     (?product is always bound there) becomes MINUS { ... }, which Oxigraph runs as a hash anti-join;
  3. BIND(IF(EXISTS { ?cb ... atmp:combined true }, x, y) AS ?v) (atmps, classes), again one
     scan per row, becomes an OPTIONAL sub-select grouped by ?product and BIND(IF(BOUND(..), x, y));
  4. patient-data: the OPTIONALs on ?obs move inside the OPTIONAL that binds ?obs;
  5. atmps: the label of the BIND-computed ?statusIri is looked up among the statuses only.

PROPOSED_DIR holds the rewritten files (written by write_proposed); `diff -u queries/ PROPOSED_DIR`
is the patch.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_MEMBERSHIP = re.compile(
    r"FILTER EXISTS \{\s*"
    r"\{ \?(?P<c>\w+) a atmp:Classification ; atmp:product \?product \}\s*"
    r"UNION\s*"
    r"\{ \?(?P<f>\w+) a atmp:Observation ; atmp:product \?product ; atmp:advancedTherapy true \}\s*"
    r"\}",
)
_NO_MA = re.compile(r"FILTER NOT EXISTS \{ \?any a atmp:MarketingAuthorisation ; atmp:product \?product \}")
_COMBINED = re.compile(
    r"BIND\(IF\(EXISTS \{ \?cb a atmp:Classification ; atmp:product \?product ; atmp:combined true \}, "
    r"(?P<yes>[^,]+), (?P<no>[^)]+)\) AS \?(?P<var>\w+)\)"
)


def _combined(m: re.Match) -> str:
    indent = " " * (len(m.string[: m.start()].rsplit("\n", 1)[-1]))
    return (
        "OPTIONAL {  # combined ATMPs, once per product (an EXISTS here would scan every classification per row)\n"
        f"{indent}  SELECT ?product (COUNT(*) AS ?combinedClassifications) WHERE {{\n"
        f"{indent}    ?cb a atmp:Classification ; atmp:product ?product ; atmp:combined true\n"
        f"{indent}  }} GROUP BY ?product\n"
        f"{indent}}}\n"
        f"{indent}BIND(IF(BOUND(?combinedClassifications), {m.group('yes')}, {m.group('no')}) AS ?{m.group('var')})"
    )


# patient-data: the observation's optional columns hang off ?obs, which is itself optional, so
# Oxigraph cannot hash-join on it (a maybe-bound variable) and compares every row with every
# triple of each property. Nested inside the ?obs OPTIONAL, ?obs is certainly bound. It is also
# what the view means: with no observation, the flat form would join every observation's flags.
_OBS_BLOCK = re.compile(
    r"(?P<head>  OPTIONAL \{ \?obs a atmp:Observation ; atmp:product \?product ; atmp:observedOn \?listedOn ; atmp:orphan \?anyFlag \. )\}\n"
    r"(?P<body>(?:  OPTIONAL \{ \?obs [^\n]*\}\n|  OPTIONAL \{\n    SELECT \?obs [^\n]*\n  \}\n)+)"
)


# atmps: ?statusIri comes from BIND(IRI(...)), so Oxigraph cannot look its label up by key and
# joins every rdfs:label triple in the graph (every product has one) with every row. The status
# keys are built only from statuses that have an atmp:statusGroup, so restricting the lookup to
# those is the same join, over a dozen rows.
_STATUS_LABEL = "  ?statusIri rdfs:label ?status .\n"
_STATUS_LABEL_NEW = ("  { SELECT DISTINCT ?statusIri ?status WHERE { ?statusIri atmp:statusGroup ?anyGroup ; rdfs:label ?status } }"
                     "  # the statuses, not every label\n")


def _nest_obs(m: re.Match) -> str:
    body = "".join("  " + line + "\n" for line in m.group("body").rstrip("\n").split("\n"))
    return m.group("head").rstrip() + "\n" + body + "  }\n"


def _membership(m: re.Match) -> str:
    indent = " " * (len(m.string[: m.start()].rsplit("\n", 1)[-1]))
    c, f = m.group("c"), m.group("f")
    # Inside a sub-select the variables are local: ?f/?c no longer see an outer ?o, which is
    # what the other views already do (authorised-count reused its outer ?o; see the report).
    f = "atmpFlag" if f == "o" else f
    return (
        "{ SELECT DISTINCT ?product WHERE {  # the ATMPs: classified, or flagged by EMA\n"
        f"{indent}    {{ ?{c} a atmp:Classification ; atmp:product ?product }}\n"
        f"{indent}    UNION\n"
        f"{indent}    {{ ?{f} a atmp:Observation ; atmp:product ?product ; atmp:advancedTherapy true }}\n"
        f"{indent}}} }}"
    )


def rewrite(text: str) -> str:
    text = _MEMBERSHIP.sub(_membership, text)
    text = _NO_MA.sub("MINUS { ?any a atmp:MarketingAuthorisation ; atmp:product ?product }", text)
    text = _COMBINED.sub(_combined, text)
    text = _OBS_BLOCK.sub(_nest_obs, text)
    text = text.replace(_STATUS_LABEL, _STATUS_LABEL_NEW)
    return text


def write_proposed(out: Path) -> list[str]:
    """Write the rewritten views to out/; return the names of the views that changed."""
    out.mkdir(parents=True, exist_ok=True)
    changed = []
    for p in sorted((ROOT / "queries").glob("*.rq")):
        text = p.read_text(encoding="utf-8")
        new = rewrite(text)
        (out / p.name).write_text(new, encoding="utf-8")
        if new != text:
            changed.append(p.stem)
    return changed


def patch_catalog(queries_dir: str) -> None:
    """Make atmp_kg.queries.catalog() read the proposed views (for the proposed scorecard)."""
    from pathlib import Path

    import atmp_kg.queries as q

    def catalog():
        return {p.stem: q.parse_header(p) for p in sorted(Path(queries_dir).glob("*.rq"))}

    q.catalog = catalog
