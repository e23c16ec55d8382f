"""The ontology and vocabularies: parse, version, en+ja labels and definitions on every term."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef

from .conftest import REPO

SG = "https://w3id.org/stigraph/ontology#"
ONTOLOGY = REPO / "ontology" / "stigraph.ttl"
VOCAB = REPO / "ontology" / "vocab"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


def _langs(g: Graph, s: URIRef, p: URIRef) -> set[str]:
    return {o.language for o in g.objects(s, p) if getattr(o, "language", None)}


def test_ontology_has_a_version_iri(ontology: Graph) -> None:
    onto = URIRef("https://w3id.org/stigraph/ontology")
    assert (onto, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(onto, OWL.versionIRI) is not None


def test_every_term_has_english_and_japanese_labels_and_definitions(ontology: Graph) -> None:
    terms = {s for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(SG)}
    assert len(terms) >= 90
    missing = [
        (str(t), p.n3())
        for t in sorted(terms)
        for p in (RDFS.label, SKOS.definition)
        if not {"en", "ja"} <= _langs(ontology, t, p)
    ]
    assert missing == []


def test_every_used_sg_term_is_defined(ontology: Graph) -> None:
    defined = {s for s in ontology.subjects(RDFS.label, None) if str(s).startswith(SG)}
    used = set()
    for path in [ONTOLOGY, *sorted((REPO / "data").rglob("*.ttl")), *sorted((REPO / "loaders").glob("*/expected.ttl"))]:
        for triple in Graph().parse(path):
            used |= {t for t in triple if isinstance(t, URIRef) and str(t).startswith(SG)}
    assert sorted(map(str, used - defined)) == []


def test_principal_investigator_is_a_role(ontology: Graph) -> None:
    roles = Graph().parse(VOCAB / "roles.ttl")
    pi = URIRef("https://w3id.org/stigraph/id/role/principal-investigator")
    assert (pi, RDF.type, URIRef(SG + "Role")) in roles
    assert {"en", "ja"} <= _langs(roles, pi, SKOS.prefLabel)
    assert (URIRef(SG + "PrincipalInvestigator"), RDF.type, OWL.Class) not in ontology


@pytest.mark.parametrize("name", ["countries", "roles", "mission-types", "programme-types", "fields-kaken"])
def test_vocabulary_concepts_have_english_and_japanese_names(name: str) -> None:
    g = Graph().parse(VOCAB / f"{name}.ttl")
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert concepts
    no_ja = [c for c in concepts if "ja" not in _langs(g, c, SKOS.prefLabel)]
    assert no_ja == []
    if name != "fields-kaken":
        no_en = [c for c in concepts if "en" not in _langs(g, c, SKOS.prefLabel)]
        assert no_en == []


def test_countries_cover_iso_3166() -> None:
    g = Graph().parse(VOCAB / "countries.ttl")
    codes = {str(o) for o in g.objects(None, SKOS.notation)}
    assert len(codes) == 249
    assert {"JP", "US", "GB", "IN", "IL", "SE"} <= codes


def test_kaken_fields_form_a_hierarchy() -> None:
    g = Graph().parse(VOCAB / "fields-kaken.ttl")
    fields = set(g.subjects(RDF.type, URIRef(SG + "Field")))
    assert len(fields) == 418
    tops = set(g.subjects(SKOS.topConceptOf, None))
    assert tops and all(g.value(f, SKOS.broader) is not None for f in fields - tops)
