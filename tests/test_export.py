"""Exports: JSON-LD 1.1 with an inline context that expands, offline, to the same graph."""

from __future__ import annotations

import json

import pytest


def _no_network(url, options=None):
    raise AssertionError(f"JSON-LD processing tried to fetch {url}")


def _triples_from(data: bytes, fmt) -> set[str]:
    import pyoxigraph as ox

    return {f"{q.subject} {q.predicate} {q.object}" for q in ox.parse(data, fmt)}


@pytest.fixture(scope="module")
def exports(shipped_store):
    from atmp_kg.graph.export import export

    return {fmt: export(shipped_store, fmt) for fmt in ("json-ld", "nt", "turtle")}


def test_jsonld_expands_offline_to_the_ntriples_graph(exports):
    import pyoxigraph as ox
    from pyld import jsonld

    jsonld.set_document_loader(_no_network)
    doc = json.loads(exports["json-ld"])
    assert isinstance(doc["@context"], dict), "the context must be inline"
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    from_jsonld = _triples_from(nquads.encode(), ox.RdfFormat.N_QUADS)
    from_nt = _triples_from(exports["nt"].encode(), ox.RdfFormat.N_TRIPLES)
    assert from_jsonld == from_nt
    assert len(from_nt) > 10_000


def test_turtle_export_is_the_same_graph(exports):
    import pyoxigraph as ox

    assert _triples_from(exports["turtle"].encode(), ox.RdfFormat.TURTLE) == _triples_from(exports["nt"].encode(), ox.RdfFormat.N_TRIPLES)


def test_exports_are_deterministic(shipped_store, exports):
    from atmp_kg.graph.export import export

    assert export(shipped_store, "json-ld") == exports["json-ld"]
    assert export(shipped_store, "nt") == exports["nt"]


@pytest.mark.parametrize("fmt", ["nt", "json-ld"])
def test_exports_do_not_depend_on_the_hash_seed(tmp_path, fmt):
    """Two processes with different string hashing (set and dict order of strings) export the
    shipped graph, timeline layer included, byte for byte alike."""
    import os
    import subprocess
    import sys

    outs = []
    for seed in ("1", "9"):
        out = tmp_path / f"seed-{seed}.{fmt}"
        subprocess.run([sys.executable, "-m", "atmp_kg", "--home", str(tmp_path / f"home-{seed}"),
                        "export", "--format", fmt, "-o", str(out)],
                       check=True, env={**os.environ, "PYTHONHASHSEED": seed})
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and len(outs[0]) > 1_000_000


def test_published_context_file_matches_the_inline_context():
    from atmp_kg.graph.export import context_document
    from atmp_kg.resources import context_file

    published = context_file()
    assert published.read_text(encoding="utf-8") == context_document()


def test_dates_and_decimals_survive_the_round_trip():
    """Typed values come back with their datatype, not as bare JSON numbers."""
    import pyoxigraph as ox
    from pyld import jsonld

    from atmp_kg.graph.export import to_jsonld

    jsonld.set_document_loader(_no_network)
    src = (
        b'<http://example.org/f> <https://w3id.org/atmp-kg/ontology#value> "29.0"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n'
        b'<http://example.org/f> <https://w3id.org/atmp-kg/ontology#asOf> "2025-07-15"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
        b'<http://example.org/f> <https://w3id.org/atmp-kg/ontology#statement> "Deux"@fr-BE .\n'
        b'<http://example.org/f> <https://w3id.org/atmp-kg/ontology#row> "7"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    )
    triples = list(ox.parse(src, ox.RdfFormat.N_TRIPLES))
    doc = json.loads(to_jsonld(triples))
    back = _triples_from(jsonld.to_rdf(doc, {"format": "application/n-quads"}).encode(), ox.RdfFormat.N_QUADS)
    expected = {f"{t.subject} {t.predicate} {t.object}" for t in triples}
    # Language tags are compared lower-cased (JSON-LD processors and RDF stores lower-case them).
    assert {t.lower() for t in back} == {t.lower() for t in expected}
    assert '"29.0"^^<http://www.w3.org/2001/XMLSchema#decimal>' in " ".join(back)


def test_removing_citations_of_any_assertion_fails_validation_naming_it(shipped_store, tmp_path):
    """Done-when of the foundation issue: drop the prov:wasDerivedFrom of one assertion of each
    kind from an exported graph, and validate must exit 1 and name that node."""
    import pyoxigraph as ox
    from click.testing import CliRunner

    from atmp_kg.cli import cli
    from atmp_kg.graph.export import export
    from atmp_kg.namespaces import ATMP, PROV_DERIVED, RDF_TYPE

    exported = export(shipped_store, "nt")
    triples = list(ox.parse(exported.encode(), ox.RdfFormat.N_TRIPLES))
    kinds = ["MedicinalProduct", "Classification", "MarketingAuthorisation", "Withdrawal", "Observation",
             "Finding", "Recommendation", "ContextStatement", "ChallengeStatement"]
    victims = []
    for kind in kinds:
        nodes = sorted({t.subject.value for t in triples if t.predicate.value == RDF_TYPE and t.object.value == ATMP + kind})
        assert nodes, kind
        victims.append(nodes[len(nodes) // 2])
    # One graph missing the citations of one node of every kind (one validation run), then one
    # graph missing a single node's citations.
    for removed in (victims, victims[2:3]):
        kept = [t for t in triples if not (t.subject.value in removed and t.predicate.value == PROV_DERIVED)]
        assert len(kept) < len(triples)
        path = tmp_path / "graph.nt"
        path.write_text("".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in kept))
        result = CliRunner().invoke(cli, ["validate", str(path)])
        assert result.exit_code == 1
        for victim in removed:
            assert f"\n{victim}\n  - This claim has no source" in result.stdout, victim


def test_streamed_jsonld_has_exactly_the_layout_of_one_json_dumps(exports):
    """The export is written node by node; its bytes must still be those of json.dumps of the
    whole document with indent=1 (the layout the canonical-form promise rests on)."""
    text = exports["json-ld"]
    assert text == json.dumps(json.loads(text), indent=1, ensure_ascii=False) + "\n"
    assert len(json.loads(text)["@graph"]) > 1000


def test_jsonld_of_an_empty_graph_is_valid_and_empty():
    from atmp_kg.graph.export import to_jsonld

    doc = json.loads(to_jsonld([]))
    assert doc["@graph"] == [] and "atmp" in doc["@context"]


def test_cli_export_to_file_and_stdout_agree(run_cli, exports, tmp_path):
    out = tmp_path / "graph.jsonld"
    code, stdout, stderr = run_cli("export", "-o", str(out))
    assert (code, stdout, stderr) == (0, "", "")
    assert out.read_text(encoding="utf-8") == exports["json-ld"]
    code, stdout, _ = run_cli("export")
    assert code == 0 and stdout == exports["json-ld"]


def test_a_failure_while_streaming_leaves_the_old_file_and_no_temp_file(tmp_path):
    from atmp_kg.atomic import write_chunks

    target = tmp_path / "graph.jsonld"
    target.write_text("old\n")

    def pieces():
        yield "{\n"
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError):
        write_chunks(target, pieces())
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.jsonld"]


def test_a_closed_pipe_stops_the_export_quietly(root):
    """`atmp-kg export | head` must not print a traceback or an internal error."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "atmp_kg", "export"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=root)
    first = proc.stdout.read(10)
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert first == b'{\n "@conte' and stderr == ""
