"""What the rules share while they run: the facts, the writer, and what earlier rules derived."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import ID
from .facts import RULE, TIMELINE, Facts
from .writer import Writer

__all__ = ["RULE", "TIMELINE", "ApprovalFacts", "Context", "Event", "derived_iri"]


def derived_iri(node: str, *parts: str) -> str:
    """The IRI of a derived node about `node` (a product, a source, a finding ...)."""
    key = node[len(ID):] if node.startswith(ID) else node.replace("://", "/")
    return TIMELINE + "/".join((key, *parts))


@dataclass
class Event:
    iri: str
    product: str
    kind: str
    date: str
    key_citation: str
    actions: list[str]
    dates_disagree: bool = False


@dataclass
class ApprovalFacts:
    iri: str
    date: str | None  # None: known only from an undated report
    known_by: str


@dataclass
class Context:
    facts: Facts
    out: Writer
    members: set[str] = field(default_factory=set)         # the ATMPs
    events: dict[str, list[Event]] = field(default_factory=dict)  # product -> its events
    approvals: dict[tuple[str, str], ApprovalFacts] = field(default_factory=dict)  # (product, jurisdiction)
