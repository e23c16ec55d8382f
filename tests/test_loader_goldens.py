"""Every loader folder's sample loads, validates and gives exactly its golden expected.ttl
(graph isomorphism over all the source's graphs), on a store holding the vocabularies and seed."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, RdfFormat, parse
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic

from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import load_spec
from stigraph.ingest.terms import decimal_literal

from .conftest import REPO

LOADERS = sorted(p.parent for p in (REPO / "loaders").glob("*/source.yml"))
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
REGEN = os.environ.get("STIGRAPH_REGEN_GOLDEN") == "1"  # rewrite expected.ttl from the load (then review it)
PREFIXES = {
    "sg": "https://w3id.org/stigraph/ontology#",
    "inst": "https://w3id.org/stigraph/id/org/",
    "mission": "https://w3id.org/stigraph/id/mission/",
    "city": "https://w3id.org/stigraph/id/city/",
    "region": "https://w3id.org/stigraph/id/region/",
    "country": "https://w3id.org/stigraph/id/country/",
    "mtype": "https://w3id.org/stigraph/id/mission-type/",
    "project": "https://w3id.org/stigraph/id/project/",
    "part": "https://w3id.org/stigraph/id/participation/",
    "role": "https://w3id.org/stigraph/id/role/",
    "prog": "https://w3id.org/stigraph/id/programme/",
    "person": "https://w3id.org/stigraph/id/person/",
    "pub": "https://w3id.org/stigraph/id/publication/",
    "authorship": "https://w3id.org/stigraph/id/authorship/",
    "pos": "https://w3id.org/stigraph/id/position/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}


def _term(t):
    if isinstance(t, NamedNode):
        return URIRef(t.value)
    if t.language:
        return Literal(t.value, lang=t.language)
    return Literal(t.value, datatype=URIRef(t.datatype.value))


def _normalised(graph: Graph) -> Graph:
    """Equal terms written differently made equal: "x" and "x"^^xsd:string are one literal in
    RDF 1.1, and the store keeps a decimal as a value ("368000"), which Turtle writes 368000.0."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language is None and o.datatype is None:
            o = Literal(str(o), datatype=URIRef(XSD_STRING))
        elif isinstance(o, Literal) and o.datatype == URIRef(XSD_DECIMAL):
            o = Literal(decimal_literal(Decimal(str(o))).value, datatype=URIRef(XSD_DECIMAL))
        out.add((s, p, o))
    return out


def test_every_loader_has_a_sample_and_a_golden() -> None:
    assert [p.name for p in LOADERS] == ["cordis", "kaken", "openalex", "orcid", "pi-list", "ror", "wikidata-missions"]
    for folder in LOADERS:
        assert (folder / "expected.ttl").is_file(), folder


@pytest.mark.parametrize("folder", LOADERS, ids=lambda p: p.name)
def test_sample_gives_the_golden_graph(folder: Path, vocab_pipeline: Pipeline) -> None:
    spec = load_spec(folder / "source.yml")
    result = vocab_pipeline.load(spec)
    assert result.status == "loaded"
    loaded = Graph()
    for visibility in ("public", "partner", "restricted"):
        graph = NamedNode(f"https://w3id.org/stigraph/graph/{spec.id}/{visibility}")
        for q in vocab_pipeline.store.quads(graph):
            loaded.add((_term(q.subject), _term(q.predicate), _term(q.object)))
    if REGEN:
        _write_golden(loaded, folder)
        pytest.fail(f"{folder.name}/expected.ttl rewritten: review it, then run without STIGRAPH_REGEN_GOLDEN")
    loaded = _normalised(loaded)
    expected = _normalised(Graph().parse(folder / "expected.ttl"))
    if not isomorphic(loaded, expected):
        _, only_loaded, only_expected = graph_diff(loaded, expected)
        pytest.fail(
            f"{folder.name}: {len(only_loaded)} triples only in the load, {len(only_expected)} only in expected.ttl:\n"
            + "\n".join(sorted(f"+ {t}" for t in only_loaded)[:10] + sorted(f"- {t}" for t in only_expected)[:10])
        )
    assert len(loaded) == len(expected) > 40  # a golden of a handful of triples would test little


def _write_golden(loaded: Graph, folder: Path) -> None:
    out = Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns)
    for s, p, o in loaded:  # plain strings without ^^xsd:string, for a readable file
        if isinstance(o, Literal) and o.datatype == URIRef(XSD_STRING):
            o = Literal(str(o))
        out.add((s, p, o))
    header = f"# Golden output of loaders/{folder.name} (tests/test_loader_goldens.py compares it as a graph).\n"
    (folder / "expected.ttl").write_text(header + out.serialize(format="turtle"), encoding="utf-8")


@pytest.mark.parametrize("folder", LOADERS, ids=lambda p: p.name)
def test_golden_parses_with_pyoxigraph_too(folder: Path) -> None:
    assert sum(1 for _ in parse(path=str(folder / "expected.ttl"), format=RdfFormat.TURTLE)) > 40
