"""Validates a graph (ontology + data) against the SHACL shapes in shapes/.

The ontology is merged into the data graph so that class hierarchies reach pySHACL
(sh:targetClass atmp:Assertion must see that a Withdrawal is an Assertion).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from .. import resources


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
    from ..namespaces import short_iri

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

    from ..namespaces import short_iri

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


def validate_store(store, files: Sequence[Path] = (), *, engine: str = "hybrid") -> Report:
    """Validate a pyoxigraph Store that already holds ontology and data.

    engine "pyshacl" runs every shape in pySHACL on an rdflib copy of the graph. engine
    "hybrid" (the default) gives the same report faster: SHACL-SPARQL constraints run as one
    query each on Oxigraph, for all focus nodes at once, and only the core constraints go
    through pySHACL (tests/test_validate_engines.py proves the reports equal on every fixture).
    engine "native" runs the core constraints as SPARQL too (graph/native.py), without pySHACL,
    falling back to "hybrid" for shapes it cannot compile. engine "core" runs the core
    constraints only, through pySHACL (the workspace's update, when the shapes do not compile).
    """
    import pyshacl
    from rdflib.namespace import RDF, SH

    from .store import store_to_rdflib

    if engine not in ("hybrid", "pyshacl", "core", "native"):
        raise ValueError(f"unknown validation engine {engine!r}")
    if engine == "native":
        from .native import Unsupported, compile_shapes, run

        shapes = shapes_graph()
        constraints = sparql_constraints(shapes)
        for s, p, o in list(shapes.triples((None, SH.sparql, None))):
            shapes.remove((s, p, o))
        try:
            queries = compile_shapes(shapes)
        except Unsupported:
            return validate_store(store, files, engine="hybrid")
        found = run_sparql_constraints(store, constraints) + run(store, queries)
        violations = sorted(set(found), key=lambda v: (v.focus, v.message))
        return Report(conforms=not any(v.severity == "Violation" for v in violations), violations=violations,
                      files=[str(f) for f in files], triples=len(store))
    shapes = shapes_graph()
    native: list[Violation] = []
    if engine in ("hybrid", "core"):
        constraints = sparql_constraints(shapes)
        for s, p, o in list(shapes.triples((None, SH.sparql, None))):
            shapes.remove((s, p, o))
        if engine == "hybrid":
            native = run_sparql_constraints(store, constraints)
    data = store_to_rdflib(store)
    conforms, results, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        meta_shacl=False,
        advanced=False,
    )
    violations = list(native)
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
        conforms=not any(v.severity == "Violation" for v in violations),
        violations=violations,
        files=[str(f) for f in files],
        triples=len(data),
    )


@dataclass(frozen=True)
class SparqlConstraint:
    shape: str
    query: str
    message: str
    severity: str


def sparql_constraints(shapes) -> list[SparqlConstraint]:
    """The shapes' SHACL-SPARQL constraints as stand-alone queries over all focus nodes.

    Each select is wrapped so that ?this ranges over the shape's targets (sh:targetClass with
    rdfs:subClassOf*, sh:targetSubjectsOf); the result is what pre-binding $this to each
    focus node in turn gives, for constraints that use $this outside sub-selects, as ours do.
    """
    import re

    from rdflib.namespace import RDF, SH

    out = []
    for shape in sorted(set(shapes.subjects(SH.sparql, None)), key=str):
        targets = [f"{{ ?this <{RDF.type}>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{c}> }}"
                   for c in sorted(shapes.objects(shape, SH.targetClass), key=str)]
        targets += [f"{{ ?this <{p}> ?_target }}" for p in sorted(shapes.objects(shape, SH.targetSubjectsOf), key=str)]
        if not targets or set(shapes.predicates(shape)) & {SH.targetNode, SH.targetObjectsOf, SH.target}:
            raise ValueError(f"{shape}: target kind not supported by the hybrid validator")
        shape_severity = shapes.value(shape, SH.severity)
        for c in sorted(shapes.objects(shape, SH.sparql), key=lambda n: str(shapes.value(n, SH.select))):
            prologue = ""
            for decl_node in shapes.objects(c, SH.prefixes):
                for decl in shapes.objects(decl_node, SH.declare):
                    prologue += f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>\n"
            select = re.sub(r"\$this\b", "?this", str(shapes.value(c, SH.select)))
            m = re.search(r"\bWHERE\s*\{", select, re.IGNORECASE)
            if not m:
                raise ValueError(f"{shape}: a SPARQL constraint without WHERE {{")
            inject = " { SELECT DISTINCT ?this WHERE { " + " UNION ".join(targets) + " } } "
            query = prologue + select[: m.end()] + inject + select[m.end():]
            severity = shapes.value(c, SH.severity) or shape_severity
            out.append(SparqlConstraint(
                shape=str(shape),
                query=query,
                message=str(shapes.value(c, SH.message) or "does not conform"),
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            ))
    return out


def run_sparql_constraints(store, constraints: list[SparqlConstraint]) -> list[Violation]:
    import re

    from .store import term_converter

    from .native import class_tests

    convert = term_converter()
    rewrite = class_tests(store)
    found = []
    for c in constraints:
        solutions = store.query(rewrite(c.query))
        names = [v.value for v in solutions.variables]
        for sol in solutions:
            focus = sol["this"]
            if focus is None:
                continue
            bound = {n: sol[n] for n in names if sol[n] is not None}
            message = re.sub(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}",
                             lambda m: bound[m.group(1)].value if m.group(1) in bound else m.group(0), c.message)
            value = bound.get("value", focus)
            path = bound.get("path")
            found.append(Violation(
                focus=_focus(convert(focus)),
                message=message,
                path=shortened(convert(path)) if path is not None else None,
                value=shortened(convert(value)),
                severity=c.severity,
            ))
    return found


def validate(paths: Sequence[str | Path] | None = None, *, engine: str = "hybrid") -> Report:
    """Validate the shipped graph, or the given files and folders, with the ontology."""
    from .store import data_paths, load_store

    files = data_paths(paths)
    store = load_store(files)
    return validate_store(store, files, engine=engine)
