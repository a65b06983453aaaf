"""Recomputes each claim with its measure as of the claim's date, and gives its verdict."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .claimsfile import Claim

FIRST_DAY = dt.date(2009, 1, 1)  # Regulation (EC) No 1394/2007 applied from 30 December 2008
_NUMBER = re.compile(r"^[+-]?([0-9]+(?:[.,][0-9]+)?)\s*%?$")


@dataclass
class Verdict:
    claim: Claim
    verdict: str                      # agrees | differs | unchecked
    reason: str = ""
    computed: str | None = None       # the number the graph computes, as the measure gives it
    members: list[dict] = field(default_factory=list)
    cites: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        c = self.claim
        return {"id": c.id, "claim": c.claim, "measure": c.measure, "params": c.params,
                "as_of": c.as_of.isoformat() if c.as_of else None, "stated": c.value,
                "computed": self.computed, "verdict": self.verdict, "reason": self.reason,
                "members": self.members, "cites": self.cites, "source": c.source, "quote": c.quote,
                "row": c.row}


def stated_number(text: str) -> tuple[Decimal, int] | None:
    """A stated value as a number and its precision (decimal places); None when it is not one.
    "74%", "74", "52.4", "1,5" (a decimal comma) are numbers; "about 30", "n/a" are not."""
    m = _NUMBER.match(text.strip())
    if not m:
        return None
    digits = m.group(1).replace(",", ".")
    try:
        value = Decimal(text.strip().rstrip("%").strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value, (len(digits.split(".")[1]) if "." in digits else 0)


def agrees(stated: Decimal, places: int, computed: Decimal, percent: bool) -> bool:
    """Counts agree when equal; percentages when the computed share rounds to the stated precision."""
    if not percent:
        return stated == computed
    quantum = Decimal(1).scaleb(-places)
    return computed.quantize(quantum, rounding="ROUND_HALF_UP") == stated


def check(claims: list[Claim], run, *, today: dt.date | None = None, members: bool = True) -> list[Verdict]:
    """The verdict of each claim; `run` is a views.run.ViewRunner on the graph to check against.
    With members=False, a verdict lists the measure's members (and their citations) only where
    the graph differs from the claim: the scorecard shows no others, and reading them was a
    query per claim."""
    today = today or dt.date.today()
    out = []
    for c in claims:
        out.append(_check_one(c, run, today, members))
    return out


def _check_one(c: Claim, run, today: dt.date, all_members: bool = True) -> Verdict:
    if c.problems:
        return Verdict(c, "unchecked", "; ".join(c.problems))
    view = run.views[c.measure]
    if not view.is_measure:
        return Verdict(c, "unchecked", f"{c.measure} is a view, not a measure (its header does not say 'returns: number')")
    if c.as_of < FIRST_DAY:
        return Verdict(c, "unchecked", f"as_of {c.as_of} is before 2009: the ATMP Regulation applied from 30 December 2008 "
                                       "and the graph's data begin in 2009")
    if c.as_of > today:
        return Verdict(c, "unchecked", f"as_of {c.as_of} is after today")
    stated = stated_number(c.value)
    params = dict(c.params, as_of=c.as_of.isoformat())
    from ..errors import InputError

    try:
        results = run(c.measure, params)
    except InputError as e:  # a parameter value the measure cannot take
        return Verdict(c, "unchecked", str(e))
    computed = _single_number(results)

    def listed() -> tuple[list[dict], list[str]]:
        return _members(run, c.measure, params) if view.members_text else ([], [])

    members, cites = listed() if all_members else ([], [])
    if computed is None:
        return Verdict(c, "unchecked", f"the graph records no value of {c.measure} on {c.as_of}", None, members, cites)
    if stated is None:
        return Verdict(c, "unchecked", f"the stated value {c.value!r} is not a number", _show(computed), members, cites)
    percent = (view.aggregate or "").lower().startswith("percent") or c.measure.endswith("-percent")
    ok = agrees(stated[0], stated[1], computed, percent)
    if not ok and not all_members:
        members, cites = listed()
    reason = "" if ok else (f"the graph computes {_show(computed)} on {c.as_of}, the claim states {c.value}"
                            + (f" (rounded to the stated precision: {computed.quantize(Decimal(1).scaleb(-stated[1]), rounding='ROUND_HALF_UP')})"
                               if percent else ""))
    return Verdict(c, "agrees" if ok else "differs", reason, _show(computed), members, cites)


def _single_number(results) -> Decimal | None:
    rows = results.rows
    if len(rows) != 1 or len(results.variables) != 1:
        return None
    term = rows[0].get(results.variables[0])
    if term is None:
        return None
    try:
        return Decimal(term["value"])
    except InvalidOperation:
        return None


def _members(run, measure: str, params: dict) -> tuple[list[dict], list[str]]:
    rows = run(measure, params, members=True).records()
    members, cites = [], []
    for r in rows:
        member = {k: v for k, v in r.items() if k != "cites"}
        member["cites"] = sorted(set(r.get("cites", "").split()))
        members.append(member)
        cites += member["cites"]
    return members, sorted(set(cites))


def _show(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text
