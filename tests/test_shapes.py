"""Shape examples in both directions, checked by the compiled validator and by pyshacl."""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, SH, BNode, Graph, URIRef
from rdflib.namespace import Namespace

from stigraph.errors import ShapeCompileError
from stigraph.ingest.visibility import RAW_GRAPH
from stigraph.store.staging import StagingArea
from stigraph.validation import Validator, compile_shapes
from stigraph.validation.validator import load_shapes_graph

from .conftest import REPO

EXAMPLES = sorted((REPO / "shapes" / "examples").glob("*.ttl"))
NAME = re.compile(r"^(?P<shape>[A-Za-z]+Shape)-(?P<kind>valid|invalid)-(?P<n>\d{2})\.ttl$")
SGSH = Namespace("https://w3id.org/stigraph/shapes#")
ONTOLOGY = Graph().parse(REPO / "ontology" / "stigraph.ttl")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes_graph(REPO / "shapes")


def _meta(path: Path) -> tuple[str, bool]:
    m = NAME.match(path.name)
    assert m, f"{path.name} does not follow <Shape>-valid|invalid-NN.ttl"
    return str(SGSH[m["shape"]]), m["kind"] == "valid"


def test_examples_cover_every_node_shape_both_ways(shapes: Graph) -> None:
    node_shapes = {str(s) for s in shapes.subjects(RDF.type, SH.NodeShape)}
    valid = {_meta(p)[0] for p in EXAMPLES if _meta(p)[1]}
    invalid = {_meta(p)[0] for p in EXAMPLES if not _meta(p)[1]}
    assert node_shapes == valid == invalid
    assert len(EXAMPLES) == EXPECTED_EXAMPLES


def _compiled_verdict(validator: Validator, path: Path) -> tuple[bool, set[str], set[str]]:
    staging = StagingArea()
    staging.bulk_load(path.read_bytes(), __import__("pyoxigraph").RdfFormat.TURTLE, to_graph=RAW_GRAPH)
    report = validator.validate(staging)
    shapes = {v.shape for v in report.violations if v.shape != str(SGSH.WellFormedLiterals)}
    return report.conforms, shapes, {v.focus for v in report.violations}


def _parent_shape(shapes: Graph, source: object) -> str:
    if isinstance(source, BNode):
        parent = shapes.value(None, SH.property, source)
        return str(parent)
    return str(source)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_compiled_validator_on_example(path: Path, validator: Validator) -> None:
    shape, valid = _meta(path)
    conforms, violated, _ = _compiled_verdict(validator, path)
    if valid:
        assert conforms, f"{path.name} should conform but violates {violated}"
    else:
        assert not conforms
        assert violated == {shape}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_pyshacl_agrees_on_example(path: Path, shapes: Graph, validator: Validator) -> None:
    shape, valid = _meta(path)
    data = Graph().parse(path)
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ONTOLOGY, inference="none", advanced=True, allow_warnings=True
    )
    sources = {_parent_shape(shapes, s) for s in report.objects(None, SH.sourceShape)}
    focus = {str(f) for f in report.objects(None, SH.focusNode)}
    assert conforms == valid, f"pyshacl says conforms={conforms} for {path.name}"
    if not valid:
        assert sources == {shape}
        _, _, compiled_focus = _compiled_verdict(validator, path)
        assert compiled_focus == focus


@pytest.mark.parametrize(
    "snippet",
    [
        "sh:targetNode <https://example.org/x> ; sh:property [ sh:path rdfs:label ; sh:minCount 1 ]",
        "sh:targetClass sg:Person ; sh:property [ sh:path rdfs:label ; sh:qualifiedMinCount 1 ]",
        "sh:targetClass sg:Person ; sh:property [ sh:path ( rdfs:label rdfs:comment ) ; sh:minCount 1 ]",
        "sh:targetClass sg:Person ; sh:property [ sh:path rdfs:label ; sh:or ( [ sh:class sg:Person ] ) ]",
    ],
)
def test_compiler_refuses_what_it_cannot_check(snippet: str) -> None:
    g = Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."
        "@prefix sg: <https://w3id.org/stigraph/ontology#> ."
        f"<https://example.org/S> a sh:NodeShape ; {snippet} .",
        format="turtle",
    )
    with pytest.raises(ShapeCompileError):
        compile_shapes(g)


def test_every_shape_file_compiles(shapes: Graph) -> None:
    checks = compile_shapes(shapes)
    assert len({c.shape for c in checks}) == len(set(shapes.subjects(RDF.type, SH.NodeShape)))
    assert all(isinstance(URIRef(c.shape), URIRef) for c in checks)


EXPECTED_EXAMPLES = 63
