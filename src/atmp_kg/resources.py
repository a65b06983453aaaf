"""Finds the ontology, shapes, queries and data, in a checkout or after a wheel install.

A wheel carries them under atmp_kg/_resources/ (see pyproject.toml); in a source checkout
or an editable install they sit at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_KINDS = ("ontology", "shapes", "queries", "data")


def root() -> Path:
    """The folder that holds ontology/, shapes/, queries/ and data/."""
    bundled = _PACKAGE / "_resources"
    if (bundled / "ontology").is_dir():
        return bundled
    checkout = _PACKAGE.parent.parent
    if (checkout / "ontology").is_dir():
        return checkout
    raise FileNotFoundError(
        "atmp-kg cannot find its ontology/ folder; reinstall the package"
    )


def path(kind: str) -> Path:
    if kind not in _KINDS:
        raise ValueError(f"unknown resource kind {kind!r}")
    return root() / kind


def rdf_files(folder: Path) -> list[Path]:
    """RDF files below a folder, in a stable order."""
    from .graph.formats import RDF_SUFFIXES

    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in RDF_SUFFIXES
    )


def ontology_files() -> list[Path]:
    # The published JSON-LD context sits beside the ontology but holds no triples.
    return [p for p in rdf_files(path("ontology")) if not p.name.endswith(".context.jsonld")]


def shape_files() -> list[Path]:
    return rdf_files(path("shapes"))


def data_files() -> list[Path]:
    # data/ema/ and data/fda/ hold the source files and their manifests (JSON, not JSON-LD).
    data = path("data")
    return [p for p in rdf_files(data) if p.relative_to(data).parts[0] not in ("ema", "fda")]


def context_file() -> Path:
    return path("ontology") / "atmp-kg.context.jsonld"
