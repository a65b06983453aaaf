"""A product card: everything the graph holds on one product as of a date, every line cited.

Like the scorecard, a card adds no facts of its own: it is the rows of the views that concern
the product (atmps, product-timeline, history, eu-us, patient-data, conflicts, deprecations,
evidence), run by the same ViewRunner on the embedded graph or an endpoint, with their
citations numbered in order of first use and resolved through the citations view.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from ..namespaces import product_iri
from ..scorecard.model import reference
from ..views.results import Results

Runner = Callable[[str, dict], Results]

# (section title, columns shown) in the order of the card
TIMELINE = "Status, holder and name over time"
ACTIONS = "Regulatory actions and observations"
REGIONS = "EU and US"
DESIGNATIONS = "Designations and authorisation type"
CONFLICTS = "Conflicts between sources"
DEPRECATED = "Deprecated assertions"
EVIDENCE = "Challenge statements and findings"
COLUMNS = {
    TIMELINE: ["aspect", "value", "from", "until"],
    ACTIONS: ["date", "kind", "detail", "rank", "source"],
    REGIONS: ["regions", "bla", "usName", "euDate", "usDate", "lagDays", "first"],
    DESIGNATIONS: ["approvalType", "orphanAtApproval", "primeAtApproval", "orphan", "prime", "conditional",
                   "exceptional", "listedOn", "indication"],
    CONFLICTS: ["fact", "value1", "sources1", "value2", "sources2"],
    DEPRECATED: ["kind", "date", "reason"],
    EVIDENCE: ["kind", "text", "challenges"],
}


def _split(value: str | None) -> list[str]:
    return value.split() if value else []


def resolve_number(run: Runner, value: str) -> str:
    """The EMA number that value gives (the number in any spelling, or any name in any case);
    InputError naming the closest products otherwise."""
    from ..views.hints import find_product

    return find_product(value, lambda text: run.execute(text, "product names"))


def build_card(run: Runner, number: str, as_of: dt.date, *, generated: str | None = None) -> dict:
    """The card of the product with this EMA number, as a JSON-ready dict."""
    iso = as_of.isoformat()
    atmp = next((r for r in run("atmps", {"as_of": iso}).records() if r.get("number") == number), None)
    iri = (atmp or {}).get("product") or product_iri(number)
    sections: list[tuple[str, list[dict]]] = []

    def until_then(rows, key):
        return [r for r in rows if r.get(key) and r[key][:10] <= iso]

    whole = run("product-timeline", {"number": number}).records()
    later_names = [r["value"] for r in sorted(whole, key=lambda r: r["from"]) if r.get("aspect") == "medicine name"]
    timeline = until_then(whole, "from")
    for r in timeline:  # a value that later sources replace after the card's date still holds on it
        if r.get("until") and r["until"][:10] > iso:
            r.pop("until")
    sections.append((TIMELINE, timeline))
    sections.append((ACTIONS, _merged(until_then(run("history", {"number": number}).records(), "date"))))
    sections.append((REGIONS, [r for r in run("eu-us", {"as_of": iso}).records() if r.get("number") == number]))
    sections.append((DESIGNATIONS, [r for r in run("patient-data", {"as_of": iso}).records() if r.get("number") == number]))
    conflicts = [r for r in run("conflicts", {"as_of": iso}).records() if r.get("number") == number]
    for r in conflicts:
        r["cites"] = " ".join(_split(r.get("cites1")) + _split(r.get("cites2")))
    sections.append((CONFLICTS, conflicts))
    deprecated = [r for r in run("deprecations", {}).records() if r.get("number") == number]
    for r in deprecated:
        r["cites"] = " ".join(_split(r.get("deprecatedCites")) + _split(r.get("cites")))
    sections.append((DEPRECATED, deprecated))
    sections.append((EVIDENCE, [r for r in run("evidence", {"as_of": iso}).records() if iri in _split(r.get("appliesTo"))]))

    names = sorted({r["value"] for r in timeline if r.get("aspect") == "medicine name"})
    # The card is found by any of the product's names; before the first source that names it,
    # its title is the name later sources give, and says so.
    title = (atmp or {}).get("name") or (names[-1] if names else None)
    if not title:
        title = f"{later_names[-1]} (the name sources after {iso} give)" if later_names else number
    facts = _facts(atmp, iso)
    order: dict[str, int] = {}
    for c in facts["cites"] + [c for _, rows in sections for r in rows for c in _split(r.get("cites"))]:
        order.setdefault(c, len(order) + 1)
    refs = run.citations(list(order))
    missing = [c for c in order if c not in refs]
    if missing:
        raise ValueError(f"citations without a source in the graph: {missing[:3]}")
    return {
        "title": title,
        "number": number,
        "product": iri,
        "names": names,
        "as_of": iso,
        "generated": generated or dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "facts": {"text": facts["text"], "fields": facts["fields"],
                  "citations": sorted({order[c] for c in facts["cites"]})},
        "sections": [{"title": title, "columns": COLUMNS[title],
                      "rows": [{"cells": {c: r.get(c, "") for c in COLUMNS[title]},
                                "citations": sorted({order[c] for c in _split(r.get("cites"))})} for r in rows]}
                     for title, rows in sections],
        "references": [reference(n, c, refs[c]) for c, n in sorted(order.items(), key=lambda kv: kv[1])],
    }


def _merged(history: list[dict]) -> list[dict]:
    """One row per action or observation as the sources state it (date, kind, detail, rank):
    the history view gives one per source, and EMA's exports repeat each other."""
    out: dict[tuple, dict] = {}
    for r in history:
        key = tuple(r.get(k, "") for k in ("date", "kind", "detail", "rank"))
        if key not in out:
            out[key] = dict(r, sources=[r.get("source", "")], cites=r.get("cites", ""))
        else:
            out[key]["sources"].append(r.get("source", ""))
            out[key]["cites"] += " " + r.get("cites", "")
    for r in out.values():
        titles = sorted(set(r.pop("sources")))
        r["source"] = titles[0] + (f" (and {len(titles) - 1} more)" if len(titles) > 1 else "")
    return list(out.values())


def _facts(atmp: dict | None, iso: str) -> dict:
    if not atmp:
        return {"text": f"Not approved in the EU as an ATMP by {iso}, according to the graph.", "fields": {}, "cites": []}
    fields = {k: atmp[k] for k in ("name", "class", "combined", "authorised", "authorisedBasis", "status", "statusDate",
                                   "holder") if atmp.get(k)}
    when = f"authorised {atmp['authorised'][:10]}" if atmp.get("authorised") else "reported authorised by an undated source"
    text = (f"{atmp.get('name') or atmp['number']} ({atmp.get('class') or 'class unknown'}): {when}; "
            f"{atmp['status']} since {atmp['statusDate'][:10]} on {iso}"
            + (f"; holder {atmp['holder']}" if atmp.get("holder") else "; no source by then names the holder") + ".")
    return {"text": text, "fields": fields, "cites": _split(atmp.get("cites"))}
