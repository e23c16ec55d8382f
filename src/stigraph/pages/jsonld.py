"""The published JSON-LD ``@context``: plain keys for every property, labels as language maps.

Generated from the ontology rather than written by hand, so a property added to the ontology is
readable in JSON-LD the day it is added: object properties become ``{"@id", "@type": "@id"}``
(their values print as plain IRIs), datatype properties carry their ``rdfs:range``, and the
labels and names people read become ``{"en": ..., "ja": ...}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import rdflib

from stigraph.namespaces import DCTERMS, FOAF, OWL, RDF, RDFS, SCHEMA, SG, SKOS, XSD

LANGUAGE_MAPS = {
    "label": RDFS + "label",
    "prefLabel": SKOS + "prefLabel",
    "altLabel": SKOS + "altLabel",
    "definition": SKOS + "definition",
    "familyName": FOAF + "familyName",
    "givenName": FOAF + "givenName",
    "alternateName": SCHEMA + "alternateName",
    "title": SG + "title",
    "description": DCTERMS + "description",
}
LINKS = {
    "source": DCTERMS + "source",
    "sameAs": OWL + "sameAs",
    "broader": SKOS + "broader",
    "inScheme": SKOS + "inScheme",
    "containedInPlace": SCHEMA + "containedInPlace",
    "license": DCTERMS + "license",
    "affiliation": SCHEMA + "affiliation",
}
PLAIN = {
    "latitude": (SCHEMA + "latitude", XSD + "decimal"),
    "longitude": (SCHEMA + "longitude", XSD + "decimal"),
    "notation": (SKOS + "notation", None),
    "honorificPrefix": (SCHEMA + "honorificPrefix", None),
}


def build_context(ontology_dir: Path) -> dict[str, Any]:
    """The ``@context`` object (without the ``@context`` wrapper)."""
    onto = rdflib.Graph()
    onto.parse(ontology_dir / "stigraph.ttl", format="turtle")
    ctx: dict[str, Any] = {"@vocab": SG, "id": "@id", "type": "@type"}
    for key, iri in LANGUAGE_MAPS.items():
        ctx[key] = {"@id": iri, "@container": "@language"}
    for key, iri in LINKS.items():
        ctx[key] = {"@id": iri, "@type": "@id"}
    for key, (iri, datatype) in PLAIN.items():
        ctx[key] = {"@id": iri, "@type": datatype} if datatype else {"@id": iri}
    rdf_type = rdflib.URIRef(RDF + "type")
    for prop in sorted(set(onto.subjects(rdf_type, rdflib.URIRef(OWL + "ObjectProperty")))):
        local = str(prop).removeprefix(SG)
        if str(prop).startswith(SG) and local not in ctx:
            ctx[local] = {"@id": str(prop), "@type": "@id"}
    for prop in sorted(set(onto.subjects(rdf_type, rdflib.URIRef(OWL + "DatatypeProperty")))):
        local = str(prop).removeprefix(SG)
        if not str(prop).startswith(SG) or local in ctx:
            continue
        ranges = [str(r) for r in onto.objects(prop, rdflib.URIRef(RDFS + "range")) if str(r).startswith(XSD)]
        typed = ranges[0] if len(ranges) == 1 and ranges[0] not in (XSD + "string",) else None
        ctx[local] = {"@id": str(prop), "@type": typed} if typed else {"@id": str(prop)}
    return ctx


def compact(ntriples: bytes, context: dict[str, Any]) -> bytes:
    """N-Triples to compact JSON-LD with the context inlined, so the document reads on its own
    (a client need not fetch ``/context.jsonld``, which holds the same object)."""
    graph = rdflib.Graph()
    graph.parse(data=ntriples, format="nt")
    text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    return text.encode() if isinstance(text, str) else text
