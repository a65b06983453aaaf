"""Every shape has a fixture that must pass and fixtures that must fail, named after the defect.

Each invalid fixture declares in its header the node that must be named and words the
analyst must see.
"""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES

VALID = sorted((FIXTURES / "shapes" / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "shapes" / "invalid").glob("*.ttl"))
WARNING = sorted((FIXTURES / "shapes" / "warning").glob("*.ttl"))


def _expectations(path):
    text = path.read_text(encoding="utf-8")
    focus = re.search(r"^# expect-focus: (.+)$", text, re.M).group(1).strip()
    message = re.search(r"^# expect-message: (.+)$", text, re.M).group(1).strip()
    return focus, message


def test_fixture_sets_are_not_empty():
    assert VALID and len(INVALID) >= 30


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_conforms(path):
    from atmp_kg.graph.validate import validate

    report = validate([path])
    assert report.conforms, report.to_text()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_fails_on_the_named_node(path):
    from atmp_kg.graph.validate import validate

    focus, message = _expectations(path)
    report = validate([path])
    assert not report.conforms
    hits = [v for v in report.violations if v.focus == focus and message in v.message]
    assert hits, f"expected a violation on {focus} saying {message!r}; got:\n{report.to_text()}"


@pytest.mark.parametrize("path", WARNING, ids=lambda p: p.stem)
def test_warning_fixture_conforms_but_warns_on_the_named_node(path):
    from atmp_kg.graph.validate import validate

    focus, message = _expectations(path)
    report = validate([path])
    assert report.conforms, report.to_text()
    assert any(v.focus == focus and message in v.message for v in report.warnings), report.to_text(show_warnings=True)
    assert not report.errors


def test_every_shape_is_exercised_by_an_invalid_fixture():
    """Each node shape in shapes/ must be the source of at least one expected failure."""
    import rdflib
    from rdflib.namespace import RDF, SH

    from atmp_kg import resources
    from atmp_kg.graph.validate import validate

    shapes = rdflib.Graph()
    for f in resources.shape_files():
        shapes.parse(f)
    names = {str(s).rsplit("#", 1)[-1] for s in shapes.subjects(RDF.type, SH.NodeShape)}
    messages = set()
    for s in shapes.subjects(RDF.type, SH.NodeShape):
        for m in shapes.objects(s, SH.message):
            messages.add((str(s).rsplit("#", 1)[-1], str(m)))
        for p in shapes.objects(s, SH.property):
            for m in shapes.objects(p, SH.message):
                messages.add((str(s).rsplit("#", 1)[-1], str(m)))
        for c in shapes.objects(s, SH.sparql):
            for m in shapes.objects(c, SH.message):
                messages.add((str(s).rsplit("#", 1)[-1], str(m)))
    seen = set()
    for path in INVALID + WARNING:
        _, fragment = _expectations(path)
        for shape, msg in messages:
            if fragment in msg:
                seen.add(shape)
    assert names - seen == set(), f"shapes without a failing fixture: {sorted(names - seen)}"
