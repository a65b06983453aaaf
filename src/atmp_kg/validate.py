"""Validates a graph (ontology + data) against the SHACL shapes in shapes/.

The ontology is merged into the data graph so that class hierarchies reach pySHACL
(sh:targetClass atmp:Assertion must see that a Withdrawal is an Assertion).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from . import resources


@dataclass(frozen=True)
class Violation:
    focus: str
    message: str
    path: str | None = None
    value: str | None = None
    severity: str = "Violation"
    shape: str | None = None


@dataclass
class Report:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    triples: int = 0

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "Violation"]

    @property
    def warnings(self) -> list[Violation]:
        return [v for v in self.violations if v.severity != "Violation"]

    def by_focus(self, which: list[Violation] | None = None) -> dict[str, list[Violation]]:
        out: dict[str, list[Violation]] = {}
        items = self.errors if which is None else which
        for v in sorted(items, key=lambda v: (v.focus, v.message, v.path or "", v.value or "")):
            out.setdefault(v.focus, []).append(v)
        return out

    def to_json(self) -> str:
        return json.dumps(
            {
                "conforms": self.conforms,
                "triples": self.triples,
                "files": self.files,
                "violation_count": len(self.errors),
                "warning_count": len(self.warnings),
                "focus_node_count": len(self.by_focus()),
                "violations": [asdict(v) for v in sorted(self.violations, key=lambda v: (v.focus, v.message))],
            },
            indent=2,
            ensure_ascii=False,
        )

    def to_text(self, *, show_warnings: bool = False) -> str:
        groups = self.by_focus()
        lines: list[str] = []
        summary = f"({self.triples} triples, {len(self.files)} files)"
        if self.conforms:
            lines.append(f"OK: the graph conforms {summary}.")
        else:
            lines.append(f"FAIL: {len(self.errors)} problem(s) on {len(groups)} node(s) {summary}")
            lines += _grouped(groups)
        if self.warnings:
            lines.append("")
            lines.append(f"{len(self.warnings)} warning(s)" + ("" if show_warnings else "; rerun with --show-warnings to list them") + ".")
            if show_warnings:
                lines += _grouped(self.by_focus(self.warnings))
        return "\n".join(lines)


def shortened_iri(iri: str) -> str:
    from .namespaces import short_iri

    return short_iri(iri)


def _grouped(groups: dict[str, list[Violation]]) -> list[str]:
    lines: list[str] = []
    for focus, vs in groups.items():
        lines.append("")
        lines.append(focus)
        for v in vs:
            lines.append(f"  - {v.message}")
            detail = []
            if v.path:
                detail.append(f"path: {v.path}")
            if v.value and v.value.strip("<>") != focus and v.value != shortened_iri(focus):
                detail.append(f"value: {v.value}")
            if detail:
                lines.append("    " + "   ".join(detail))
    return lines


def shortened(term) -> str:
    """An IRI with a known prefix written as prefix:local; literals as in Turtle."""
    import rdflib

    from .namespaces import short_iri

    if isinstance(term, rdflib.URIRef):
        s = short_iri(str(term))
        return s if s != str(term) else f"<{s}>"
    if isinstance(term, rdflib.Literal):
        text = str(term)
        if len(text) > 120:
            text = text[:117] + "..."
        suffix = f"@{term.language}" if term.language else f"^^{shortened(term.datatype)}" if term.datatype else ""
        return f'"{text}"{suffix}'
    return str(term)


def _focus(term) -> str:
    """Focus nodes are shown as full IRIs, so that an analyst can search for them."""
    import rdflib

    return str(term) if isinstance(term, rdflib.URIRef) else shortened(term)


def shapes_graph():
    import rdflib

    g = rdflib.Graph()
    for f in resources.shape_files():
        g.parse(f, format="turtle")
    return g


def validate_store(store, files: Sequence[Path] = ()) -> Report:
    """Validate a pyoxigraph Store that already holds ontology and data."""
    import pyshacl
    from rdflib.namespace import RDF, SH

    from .graph import store_to_rdflib

    data = store_to_rdflib(store)
    conforms, results, _ = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        meta_shacl=False,
        advanced=False,
    )
    violations = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        msg = results.value(r, SH.resultMessage)
        path = results.value(r, SH.resultPath)
        value = results.value(r, SH.value)
        sev = results.value(r, SH.resultSeverity)
        violations.append(
            Violation(
                focus=_focus(results.value(r, SH.focusNode)),
                message=str(msg) if msg is not None else "does not conform",
                path=shortened(path) if path is not None else None,
                value=shortened(value) if value is not None else None,
                severity=str(sev).rsplit("#", 1)[-1] if sev is not None else "Violation",
                shape=None,
            )
        )
    # pySHACL reports one result per failing value; identical rows add nothing for a reader.
    violations = sorted(set(violations), key=lambda v: (v.focus, v.message))
    return Report(
        conforms=bool(conforms),
        violations=violations,
        files=[str(f) for f in files],
        triples=len(data),
    )


def validate(paths: Sequence[str | Path] | None = None) -> Report:
    """Validate the shipped graph, or the given files and folders, with the ontology."""
    from .graph import data_paths, load_store

    files = data_paths(paths)
    store = load_store(files)
    return validate_store(store, files)
