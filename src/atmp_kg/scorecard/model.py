"""The scorecard: the views in queries/ assembled into the seed's sections, every item cited.

The scorecard adds no facts of its own. Each section is filled from the rows of one or more
views, run on the embedded graph or on an endpoint; an item's text is a sentence made from a
row, and its citations are the citation nodes the row names. Citations are numbered in order
of first use and resolved, through the citations view, to a reference list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from ..namespaces import product_iri
from ..views.results import Results

PHASES = [
    ("ClassificationAndPathwayPhase", "Diagnosis: classification and regulatory pathway"),
    ("DevelopmentPhase", "Management: development and manufacturing"),
    ("PostAuthorisationPhase", "Monitoring & Follow-up: after authorisation"),
]
RISKS = "Risks: withdrawals, suspensions, refusals and commercial failure"
EU_US = "EU and US"
EU_US_TABLE = "Approved in the EU, the US or both"

Runner = Callable[[str, dict], Results]


@dataclass
class Item:
    text: str
    cites: list[str]
    group: str | None = None
    row: dict | None = None
    kind: str | None = None
    dated: str | None = None
    figures: list[dict] | None = None  # the numbers a headline tile shows: {"value", "label"}
    products: list[str] = field(default_factory=list)  # product IRIs the item is about


@dataclass
class Section:
    title: str
    items: list[Item] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=dict)  # group -> table columns
    empty: str = ""


def _split(value: str | None) -> list[str]:
    return value.split() if value else []


def _local(iri: str | None) -> str:
    return iri.rsplit("#", 1)[-1] if iri else ""


def _day(value: str) -> str:
    return value[:10]


class _Builder:
    def __init__(self, run: Runner, as_of: dt.date) -> None:
        self.run = run
        self.as_of = as_of
        self.iso = as_of.isoformat()

    def view(self, name: str, **params: str) -> list[dict[str, str]]:
        return self.run(name, params).records()

    # ------------------------------------------------------------------ sections

    def build(self) -> list[Section]:
        evidence = self.view("evidence", as_of=self.iso)
        atmps = self.view("atmps", as_of=self.iso)
        used: set[str] = set()

        def take(pred) -> list[dict]:
            out = [e for e in evidence if e["item"] not in used and pred(e)]
            used.update(e["item"] for e in out)
            return out

        glance = Section("At a Glance")
        for e in take(lambda e: "LegalDefinition" in e.get("aspects", "")):
            glance.items.append(self._evidence_item(e, "Condition"))
        for r in self.view("classes", as_of=self.iso):
            n = int(r["products"])
            combined = int(float(r.get("combined", "0") or 0))
            label = {"unclassified": "no class recorded", "ATMP": "ATMP, class not named by any source"}.get(r["class"], r["class"])
            text = f"{label}: {n} product{'s' if n != 1 else ''} authorised by {self.iso}"
            if combined:
                text += f", {combined} of them combined ATMP{'s' if combined != 1 else ''}"
            glance.items.append(Item(text, _split(r.get("cites")), "Key Mechanisms", kind="class count"))
        for e in take(lambda e: "TargetPopulation" in e.get("aspects", "")):
            glance.items.append(self._evidence_item(e, "Target Population"))
        for e in take(lambda e: "CareSetting" in e.get("aspects", "")):
            glance.items.append(self._evidence_item(e, "Care Setting"))
        glance.empty = "No sourced statement in the graph describes this as of " + self.iso + "."

        highlights = Section("Key Highlights")
        highlights.items += self._computed_highlights(atmps)
        for e in take(lambda e: ("MarketLandscape" in e.get("aspects", "") or "DeveloperLandscape" in e.get("aspects", ""))):
            highlights.items.append(self._evidence_item(e, "From the literature and regulators"))

        regions = self._eu_us_section()

        guide = Section("Guideline-Based Recommendations")
        for phase, title in PHASES:
            for e in take(lambda e, p=phase: p in e.get("phases", "") and (e["kind"] == "context" or e.get("official") == "true")):
                guide.items.append(self._evidence_item(e, title))
        for r in self.view("withdrawal-reasons", as_of=self.iso):
            guide.items.append(self._risk_item(r))
        for e in take(lambda e: "RiskPhase" in e.get("phases", "")):
            guide.items.append(self._evidence_item(e, RISKS))
        for e in take(lambda e: e["kind"] == "challenge statement" and "/product/" in e.get("appliesTo", "")):
            guide.items.append(self._evidence_item(e, RISKS))

        patient = Section("Patient & Prescribing Data")
        patient.items += self._patient_items()
        patient.columns["Products"] = ["number", "name", "approvalType", "orphanAtApproval", "orphan", "prime", "conditional", "exceptional", "listedOn", "indication"]

        practices = Section("Clinical Best Practices")
        for e in take(lambda e: e["kind"] == "recommendation"):
            audience = ", ".join(_local(a) for a in _split(e.get("audiences"))) or None
            practices.items.append(self._evidence_item(e, f"For {audience.lower()}" if audience else None))

        related = Section("Related Resources & Content")
        related.items += self._table_items("atmps", atmps, "ATMPs authorised", self._atmp_text)
        related.columns["ATMPs authorised"] = ["number", "name", "class", "authorised", "authorisedBasis", "status", "statusDate", "holder"]
        per_year = self.view("events-per-year", as_of=self.iso)
        related.items += self._table_items("events-per-year", per_year, "Authorisations and withdrawals per year", lambda r: (
            f"{r['year']}: {r['products']} {r['class']} {r['event']}{'s' if int(r['products']) != 1 else ''}"))
        related.columns["Authorisations and withdrawals per year"] = ["year", "class", "event", "products"]
        timing = self.view("opinion-to-decision", as_of=self.iso)
        related.items += self._table_items("opinion-to-decision", timing, "Time from CHMP opinion to authorisation", lambda r: (
            f"{_product(r)}: opinion {_day(r['opinion'])}, authorised {_day(r['authorised'])} ({r['days']} days)"))
        related.columns["Time from CHMP opinion to authorisation"] = ["number", "name", "opinion", "authorised", "days"]
        conflicts = self.view("conflicts", as_of=self.iso)
        related.items += [Item(
            f"{_product(r)}, {r['fact']}: {r['value1']} ({r['sources1']} source{'s' if r['sources1'] != '1' else ''}, first {r['source1']}) "
            f"versus {r['value2']} ({r['sources2']} source{'s' if r['sources2'] != '1' else ''}, first {r['source2']})",
            _split(r.get("cites1")) + _split(r.get("cites2")), "Conflicts between sources", row=r, kind="conflict") for r in conflicts]
        related.items += self._claim_items()
        for e in take(lambda e: True):
            related.items.append(self._evidence_item(e, "Further findings and challenge statements"))
        challenges = self.view("challenges")
        for r in challenges:
            if not r.get("broader"):
                children = [c["label"] for c in challenges if c.get("broader") == r["concept"]]
                text = f"{r['label']}: {r['definition']}"
                if children:
                    text += " Includes: " + "; ".join(sorted(children)) + "."
                related.items.append(Item(text, _split(r.get("cites")), "Development challenge taxonomy", kind="challenge area"))

        original = Section("Original Source(s)")
        for r in self.view("seed-sources"):
            kind = r.get("sourceType", "source")
            text = f"{r['sourceTitle']} ({r.get('publisher', 'unknown publisher')}"
            text += f", {r['issued']}" if r.get("issued") else ""
            text += f"; {kind})"
            original.items.append(Item(text, _split(r.get("cites"))[:1], None, kind="seed source"))
        original.empty = "No source about the seed paper is in the graph."
        return [glance, highlights, regions, guide, patient, practices, related, original]

    # ------------------------------------------------------------------ items

    def _evidence_item(self, e: dict, group: str | None) -> Item:
        text = e["text"]
        if e.get("value") and e.get("unit") and e["value"] not in text:
            text += f" ({_number(e['value'])} {e['unit']})"
        about = [iri for iri in _split(e.get("appliesTo")) if "/id/product/" in iri]
        return Item(text, _split(e.get("cites")), group, kind=e["kind"], dated=e.get("dated"), products=about)

    def _computed_highlights(self, atmps: list[dict]) -> list[Item]:
        items: list[Item] = []
        if not atmps:
            return items
        counts: dict[str, int] = {}
        for r in atmps:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        count = self.view("authorised-count", as_of=self.iso)
        total = int(count[0]["authorised"]) if count else len(atmps)
        # Cite the approval of each counted product (the first citation of its atmps row).
        per_year = self.view("events-per-year", as_of=self.iso)
        auth_cites = [c for r in atmps for c in _split(r.get("cites"))[:1]]
        items.append(Item(
            f"{total} ATMPs had received an EU marketing authorisation by {self.iso}, computed from the graph.",
            auth_cites, "Computed from the graph", kind="computed",
            figures=[{"value": total, "label": f"ATMPs authorised in the EU by {self.iso}"}]))
        ended = {k: v for k, v in counts.items() if k != "authorised"}
        if ended:
            end_cites = [c for r in per_year if r["event"] != "authorisation" for c in _split(r.get("cites"))]
            parts = ", ".join(f"{v} {k}" for k, v in sorted(ended.items()))
            items.append(Item(
                f"Of these, {counts.get('authorised', 0)} were authorised on {self.iso}; the others were {parts}.",
                end_cites, "Computed from the graph", kind="computed",
                figures=[{"value": counts.get("authorised", 0), "label": f"still authorised on {self.iso}"}]
                + [{"value": v, "label": k} for k, v in sorted(ended.items())]))
        return items

    def _eu_us_section(self) -> Section:
        """The EU beside the US: the counts of eu-us-summary, the rows of eu-us (its table and
        the lag chart's data) and the findings about the two regions."""
        section = Section(EU_US)
        rows = self.view("eu-us", as_of=self.iso)
        section.empty = f"No advanced therapy was approved in the EU or the US by {self.iso}, according to the graph."
        if not rows:
            return section
        [counts] = self.view("eu-us-summary", as_of=self.iso) or [{}]
        n = {k: int(float(counts.get(k) or 0)) for k in ("both", "euOnly", "usOnly", "usFirst", "euFirst", "sameDay")}
        median = counts.get("medianLagDays")
        text = (f"By {self.iso}, {n['both']} advanced therapies had been approved in both the EU and the US, "
                f"{n['euOnly']} in the EU only and {n['usOnly']} in the US only. Of those in both, the US came first "
                f"for {n['usFirst']}, the EU for {n['euFirst']}" + (f", and {n['sameDay']} the same day" if n["sameDay"] else "")
                + (f"; the median lag (EU date minus US date) is {_number(median)} days." if median not in (None, "")
                   else "; no pair has two dated approvals, so there is no median lag."))
        figures = [{"value": n["both"], "label": "in both the EU and the US"},
                   {"value": n["euOnly"], "label": "EU only"}, {"value": n["usOnly"], "label": "US only"},
                   {"value": n["usFirst"], "label": "the US first"}, {"value": n["euFirst"], "label": "the EU first"}]
        if median not in (None, ""):
            figures.append({"value": _number(median), "label": "median lag, days (EU minus US)"})
        section.items.append(Item(text, sorted({c for r in rows for c in _split(r.get("cites"))}), "Summary",
                                  kind="computed", figures=figures))
        section.items += self._table_items("eu-us", rows, EU_US_TABLE, self._eu_us_text)
        section.columns[EU_US_TABLE] = ["number", "name", "bla", "usName", "regions", "euDate", "usDate", "lagDays", "first"]
        return section

    def _eu_us_text(self, r: dict) -> str:
        eu = f"EU {_day(r['euDate'])}" if r.get("euDate") else ("EU, undated" if r.get("regions") != "US only" else "")
        us = f"US {_day(r['usDate'])}" if r.get("usDate") else ("US, undated" if r.get("regions") != "EU only" else "")
        names = _product(r) + (f" [US: {r['usName']}]" if r.get("usName") and r["usName"].casefold() != _product(r).casefold() else "")
        ids = ", ".join(x for x in (r.get("number"), f"BLA {r['bla']}" if r.get("bla") else None) if x)
        text = f"{names} ({ids or 'no number known yet'}): {r.get('regions', '')}"
        text += "; " + ", ".join(x for x in (eu, us) if x) if (eu or us) else ""
        if r.get("lagDays"):
            text += f"; {r['first']} first, lag {r['lagDays']} days" if r.get("first") != "same day" else "; the same day"
        return text

    def _risk_item(self, r: dict) -> Item:
        text = f"{_product(r)}: {r['action']} on {_day(r['date'])}"
        if r.get("requestedBy"):
            text += f", requested by the {r['requestedBy']}"
        text += f". {r['reason']}" if r.get("reason") else ". No source in the graph gives a reason."
        if r.get("categories"):
            text += f" (challenge: {r['categories']})"
        return Item(text, _split(r.get("cites")), RISKS, row=r, kind="regulatory action")

    def _patient_items(self) -> list[Item]:
        rows = self.view("patient-data", as_of=self.iso)
        items: list[Item] = []
        if not rows:
            return items
        n = len(rows)
        for flag, words, question in (
                ("orphan", "listed as orphan medicines", "which ATMPs were orphan medicines"),
                ("prime", "listed as PRIME priority medicines", "which ATMPs had PRIME support"),
                ("conditional", "listed with a conditional authorisation", "which authorisations were conditional"),
                ("exceptional", "listed as authorised under exceptional circumstances",
                 "which ATMPs were authorised under exceptional circumstances")):
            known = [r for r in rows if r.get(flag) in ("true", "false")]
            hits = [r for r in known if r[flag] == "true"]
            cites = [c for r in hits for c in _split(r.get("cites"))[:1]]
            if not known:
                # a value no source of that time records is unknown, never 0
                items.append(Item(f"No EMA export on or before {self.iso} records {question}: unknown, not zero "
                                  "(no export of that time has the column).",
                                  [c for r in rows for c in _split(r.get("cites"))[:1]], "Summary", kind="computed"))
                continue
            unlisted = n - len(known)
            items.append(Item(f"{len(hits)} of {len(known)} ATMPs {words} in EMA's latest export on or before {self.iso}"
                              + (f" ({unlisted} not in that export or without the column)." if unlisted else "."),
                              cites, "Summary", kind="computed"))
        at_approval = [r for r in rows if r.get("orphanAtApproval") in ("true", "false")]
        if at_approval:
            hits = [r for r in at_approval if r["orphanAtApproval"] == "true"]
            items.append(Item(f"{len(hits)} of the {len(at_approval)} ATMPs whose orphan status at approval a source records "
                              f"by {self.iso} were orphan medicines when they were approved"
                              + (f"; no source records it for {n - len(at_approval)}." if n > len(at_approval) else "."),
                              [c for r in hits for c in _split(r.get("cites"))[-1:]], "Summary", kind="computed"))
        typed = [r for r in rows if r.get("approvalType")]
        for label in ("conditional", "exceptional circumstances", "standard"):
            hits = [r for r in typed if label in r["approvalType"].split(" / ")]
            if hits:
                cites = [c for r in hits for c in _split(r.get("cites"))[1:2]]
                items.append(Item(f"{len(hits)} of {n} ATMPs were first authorised as {label}, according to curated sources.",
                                  cites, "Summary", kind="computed"))
        for r in rows:
            text = f"{_product(r)} ({_number_of(r)}): " + ", ".join(
                f"{k} {r[k]}" for k in ("orphanAtApproval", "orphan", "prime", "conditional", "exceptional") if r.get(k)) + (
                f"; approval: {r['approvalType']}" if r.get("approvalType") else "") + (
                f"; indication: {_clip(r['indication'], 160)}" if r.get("indication") else "")
            items.append(Item(text, _split(r.get("cites")), "Products", row=r, kind="row"))
        return items

    def _table_items(self, view: str, rows: list[dict], group: str, text) -> list[Item]:
        return [Item(text(r), _split(r.get("cites")), group, row=r, kind="row") for r in rows]

    def _atmp_text(self, r: dict) -> str:
        basis = r.get("authorisedBasis")
        if not r.get("authorised"):
            # the status dates from the day the undated report was read: say so, not "since"
            when = (f"reported {r['status']} by a source that states no date, read on {_day(r['statusDate'])} "
                    "(no source read dates the decision)")
        else:
            when = (f"reported authorised {_day(r['authorised'])}" if basis == "reported"
                    else f"authorised {_day(r['authorised'])}") + f", {r['status']} since {_day(r['statusDate'])}"
        return (f"{_product(r)} ({_number_of(r)}, {r.get('class') or 'class unknown'}): {when}"
                + (f", holder {r['holder']}" if r.get("holder") else ""))

    def _claim_items(self) -> list[Item]:
        """The figures the graph's findings state, recomputed by the claims checker (the same
        machinery as `atmp-kg check`), for the claims dated on or before the scorecard's date."""
        from ..claims.graph import graph_claims
        from ..claims.verdicts import check

        items = []
        claims = [c for c in graph_claims(self.run) if c.as_of and c.as_of <= self.as_of]
        for v in check(claims, self.run, today=self.as_of, members=False):
            c = v.claim
            if v.verdict == "unchecked":
                outcome = f"the graph cannot recompute it: {v.reason}."
            else:
                outcome = (f"the graph computes {v.computed} for that date, which "
                           f"{'agrees with' if v.verdict == 'agrees' else 'differs from'} the claim.")
            text = f"Claim: {c.claim} Stated value {c.value} as of {c.as_of} ({c.measure}); {outcome}"
            row = {"claim": c.claim, "measure": c.measure, "asOf": c.as_of.isoformat(), "stated": c.value,
                   "computed": v.computed or "", "verdict": v.verdict}
            items.append(Item(text, sorted(set(c.cites) | set(v.cites if v.verdict == "differs" else [])),
                              "Claims versus data", row=row, kind="claim"))
        return items


def _product(r: dict) -> str:
    """A row's product: its name, else its EMA number."""
    return r.get("name") or r.get("number") or "unnamed product"


def _number_of(r: dict) -> str:
    """A row's EMA product number, or words saying EMA has not numbered it yet."""
    return r.get("number") or "EMA number not known yet"


def _number(value: str) -> str:
    try:
        f = float(value)
    except ValueError:
        return value
    return str(int(f)) if f.is_integer() else str(f)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------------- model

def build_model(run: Runner, as_of: dt.date, *, generated: str | None = None) -> dict:
    """The scorecard as a JSON-ready dict (see the module docstring)."""
    try:
        sections = _Builder(run, as_of).build()
        _link_products(sections)
        order: dict[str, int] = {}
        for s in sections:
            for it in s.items:
                for c in sorted(set(it.cites)):
                    order.setdefault(c, len(order) + 1)
        refs = run.citations(list(order))
        missing = [c for c in order if c not in refs]
        if missing:
            raise ValueError(f"citations without a source in the graph: {missing[:3]}")
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as e:
        # From an endpoint, rows the views' rules guarantee may be missing or malformed: that
        # is the endpoint's answer (exit 3, naming the view), not a bug of ours.
        if getattr(run, "endpoint", None) is None:
            raise
        from ..endpoints.client import unusable_answer

        raise unusable_answer(run.endpoint, run.last_view, e) from None
    out_sections = []
    for s in sections:
        items = []
        for it in s.items:
            d = {"text": it.text, "citations": sorted({order[c] for c in it.cites})}
            if it.group:
                d["group"] = it.group
            if it.kind:
                d["kind"] = it.kind
            if it.dated:
                d["dated"] = it.dated
            if it.figures:
                d["figures"] = it.figures
            if it.products:
                d["products"] = it.products
            if it.row:
                d["row"] = {k: v for k, v in it.row.items() if k not in ("cites", "cites1", "cites2", "product", "node", "finding")}
            items.append(d)
        sec = {"title": s.title, "items": items}
        if s.columns:
            sec["tables"] = s.columns
        if not items:
            sec["note"] = s.empty or f"No sourced content in the graph for this section as of {as_of.isoformat()}."
        out_sections.append(sec)
    references = [reference(n, iri, refs[iri]) for iri, n in sorted(order.items(), key=lambda kv: kv[1])]
    return {
        "title": "ATMP translation in the EU: a sourced scorecard",
        "as_of": as_of.isoformat(),
        "generated": generated or dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "sections": out_sections,
        "references": references,
    }


def reference(n: int, iri: str, r: dict) -> dict:
    """Reference n of a page: the citation's row of the citations view, without empty fields."""
    ref = {"id": n, "citation": iri, "title": r["title"], "publisher": r.get("publisher"),
           "date": r.get("issued"), "locator": r["locator"], "source": r["source"],
           "source_type": r.get("sourceType")}
    for key in ("doi", "url", "sha256", "quote", "accessed"):
        if r.get(key):
            ref[key] = r[key]
    return {k: v for k, v in ref.items() if v is not None}


def _link_products(sections: list[Section]) -> None:
    """Give every item drawn from a row about one product that product's IRI (from the row,
    else by number or name through the rows that carry an IRI), so that a page can link it."""
    by_key: dict[str, str] = {}
    for s in sections:
        for it in s.items:
            if it.row and it.row.get("product"):
                for key in ("number", "name"):
                    if it.row.get(key):
                        by_key.setdefault(f"{key}={it.row[key]}", it.row["product"])
    for s in sections:
        for it in s.items:
            if not it.row or it.products:
                continue
            number = it.row.get("number")
            iri = (it.row.get("product") or by_key.get(f"number={number}") or by_key.get(f"name={it.row.get('name')}")
                   or (product_iri(number) if number else None))  # a product never authorised: its minted IRI
            if iri:
                it.products = [iri]


def local_runner(store, timeout: float = 60.0) -> Runner:
    from ..views.run import ViewRunner

    return ViewRunner.local(store, timeout)


def remote_runner(endpoint: str, timeout: float) -> Runner:
    from ..views.run import ViewRunner

    return ViewRunner.remote(endpoint, timeout)
