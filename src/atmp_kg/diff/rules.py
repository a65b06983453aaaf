"""The rules of `atmp-kg diff`, in one place: what counts as a change between two snapshots.

EMA's export states each medicine's situation on the day it was generated (its status, its
flags, its current holder and name), so a change is a difference between the row of the
earlier snapshot (`before`, None when the medicine was not listed) and the row of the later
one (`after`). The rules, by kind:

status (after.status differs from before.status, or the medicine is newly listed):
  new-authorisation       now Authorised, before not authorised (absent, opinion, refused, ...)
  suspension-lifted       now Authorised, before Suspended
  positive-opinion        now Opinion with opinion status Positive (new, or the opinion changed)
  negative-opinion        now Opinion with opinion status Negative
  opinion                 now Opinion, opinion status neither
  refusal                 now Refused
  application-withdrawn   now Application withdrawn
  withdrawal / expiry / lapse / revocation / suspension
                          now Withdrawn / Expired / Lapsed / Revoked / Suspended
  status-change           any other change of status (also a newly listed medicine whose
                          status is none of the above)
  no-longer-listed        listed before, absent now
conversion-to-standard    Authorised in both, Conditional approval Yes before and No now
holder-change             the holder's name differs (both given)
rename                    the medicine's name differs (both given)
<flag>-flag               orphan, PRIME, conditional (unless it is a conversion), additional
                          monitoring, advanced therapy: Yes/No differs (both given)

Each change keeps both rows' citations and, where the later row dates the event (the
marketing-authorisation date of a new authorisation, the refusal date, ...), that cell's.
"""

from __future__ import annotations

from dataclasses import dataclass

from .snapshots import Row, SnapshotRef

# status reached -> (kind, the event classes whose date the later row gives for it)
ARRIVALS: dict[str, tuple[str, tuple[str, ...]]] = {
    "StatusAuthorised": ("new-authorisation", ("MarketingAuthorisation",)),
    "StatusRefused": ("refusal", ("Refusal",)),
    "StatusApplicationWithdrawn": ("application-withdrawn", ("ApplicationWithdrawal",)),
    "StatusWithdrawn": ("withdrawal", ("Withdrawal",)),
    "StatusExpired": ("expiry", ("Expiry",)),
    "StatusLapsed": ("lapse", ("Lapse",)),
    "StatusRevoked": ("revocation", ("Revocation",)),
    "StatusSuspended": ("suspension", ("Suspension",)),
}
OPINIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "positive": ("positive-opinion", ("PositiveOpinion",)),
    "negative": ("negative-opinion", ("NegativeOpinion",)),
    "": ("opinion", ("CHMPOpinion", "PositiveOpinion", "NegativeOpinion")),
}
FLAGS = (  # Row field, kind, label
    ("orphan", "orphan-flag", "orphan"),
    ("prime", "prime-flag", "PRIME"),
    ("conditional", "conditional-flag", "conditional approval"),
    ("monitoring", "additional-monitoring-flag", "additional monitoring"),
    ("atmp", "advanced-therapy-flag", "advanced therapy"),
)
KINDS = (
    "new-authorisation", "suspension-lifted", "positive-opinion", "negative-opinion", "opinion",
    "refusal", "application-withdrawn", "withdrawal", "expiry", "lapse", "revocation", "suspension",
    "status-change", "no-longer-listed", "conversion-to-standard", "holder-change", "rename",
    *(k for _, k, _ in FLAGS),
)


@dataclass(frozen=True)
class Cite:
    iri: str
    file: str
    row: int

    def text(self) -> str:
        return f"{self.file} row {self.row}"


@dataclass(frozen=True)
class Change:
    kind: str
    number: str
    name: str
    before: str | None
    after: str | None
    date: str | None = None  # the event's date, where the later row gives one
    cite_before: Cite | None = None
    cite_after: Cite | None = None
    cite_event: str | None = None  # the citation of the cell that dates the event

    def as_dict(self) -> dict:
        def c(x: Cite | None):
            return {"iri": x.iri, "file": x.file, "row": x.row} if x else None

        return {
            "kind": self.kind, "number": self.number, "name": self.name,
            "before": self.before, "after": self.after, "date": self.date,
            "citations": {"before": c(self.cite_before), "after": c(self.cite_after), "event": self.cite_event},
        }


def _status_text(row: Row | None) -> str | None:
    if row is None:
        return None
    label = row.status_label or (row.status or "").removeprefix("Status") or "unknown status"
    if row.status == "StatusOpinion" and row.opinion:
        return f"{label} ({row.opinion.lower()})"
    return label


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def _status_kind(before: Row | None, after: Row) -> tuple[str, tuple[str, ...]] | None:
    """The kind of status change from before to after, or None when there is none."""
    b = before.status if before else None
    a = after.status
    if a == "StatusOpinion":
        b_op = (before.opinion or "").lower() if before else None
        a_op = (after.opinion or "").lower()
        if b == a and b_op == a_op:
            return None
        return OPINIONS.get(a_op, OPINIONS[""])
    if b == a:
        return None
    if a == "StatusAuthorised" and b == "StatusSuspended":
        return ("suspension-lifted", ("SuspensionLifted",))
    if a in ARRIVALS:
        return ARRIVALS[a]
    return ("status-change", ())


def changes_of(number: str, before: Row | None, after: Row | None, ref_before: SnapshotRef, ref_after: SnapshotRef) -> list[Change]:
    """Every change of one medicine between two snapshots, in KINDS order."""
    if before is None and after is None:
        return []
    name = (after.name if after and after.name else None) or (before.name if before else None) or ""
    cb = Cite(before.citation, ref_before.file, before.row) if before else None
    ca = Cite(after.citation, ref_after.file, after.row) if after else None

    def change(kind: str, b: str | None, a: str | None, event=None) -> Change:
        return Change(kind=kind, number=number, name=name, before=b, after=a,
                      date=event.date if event else None, cite_before=cb, cite_after=ca,
                      cite_event=event.citation if event else None)

    if after is None:
        return [change("no-longer-listed", _status_text(before), None)]
    out: list[Change] = []
    status = _status_kind(before, after)
    if status:
        kind, event_kinds = status
        out.append(change(kind, _status_text(before), _status_text(after), after.event(*event_kinds) if event_kinds else None))
    if before is None:
        return out
    conversion = (before.status == after.status == "StatusAuthorised" and before.conditional is True and after.conditional is False)
    if conversion:
        out.append(change("conversion-to-standard", "conditional", "standard"))
    if before.holder and after.holder and " ".join(before.holder.split()) != " ".join(after.holder.split()):
        out.append(change("holder-change", before.holder, after.holder))
    if before.name and after.name and before.name.strip() != after.name.strip():
        out.append(change("rename", before.name, after.name))
    for field, kind, _label in FLAGS:
        if field == "conditional" and conversion:
            continue
        b, a = getattr(before, field), getattr(after, field)
        if b is not None and a is not None and b != a:
            out.append(change(kind, _yes_no(b), _yes_no(a)))
    return out


def compare(rows_before: dict[str, Row], rows_after: dict[str, Row], scope: set[str] | None,
            ref_before: SnapshotRef, ref_after: SnapshotRef) -> list[Change]:
    """All changes between two snapshots' rows, for the product numbers in scope (None: all)."""
    numbers = set(rows_before) | set(rows_after)
    if scope is not None:
        numbers &= scope
    order = {k: i for i, k in enumerate(KINDS)}
    out: list[Change] = []
    for number in numbers:
        out += changes_of(number, rows_before.get(number), rows_after.get(number), ref_before, ref_after)
    return sorted(out, key=lambda c: (order[c.kind], c.number))
