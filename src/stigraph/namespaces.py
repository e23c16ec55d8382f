"""IRIs of the vocabularies stigraph reuses and of the ones it mints.

The ontology namespace is fixed (it is the published vocabulary); instance and graph IRIs hang
off the configurable base so a deployment can mint under its own domain.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from pyoxigraph import NamedNode

SG = "https://w3id.org/stigraph/ontology#"
SGSH = "https://w3id.org/stigraph/shapes#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES: dict[str, str] = {
    "sg": SG,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "foaf": FOAF,
    "schema": SCHEMA,
    "org": ORG,
    "prov": PROV,
    "dcterms": DCTERMS,
    "dcat": DCAT,
    "void": VOID,
}

VISIBILITIES = ("public", "partner", "restricted")
"""From least to most restrictive; a triple goes to the most restrictive of its terms."""


def sg(local: str) -> NamedNode:
    return NamedNode(SG + local)


def iri(ns: str, local: str) -> NamedNode:
    return NamedNode(ns + local)


def slug(text: str) -> str:
    """An ASCII slug for keys that come from names (programmes, topics)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def hashed_key(source: str, local_id: str) -> str:
    """Key for an entity that has no stable identifier: stable across reloads of one source."""
    return hashlib.sha256(f"{source}\x00{local_id}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Minter:
    """Mints instance and graph IRIs under one base."""

    base: str

    def entity(self, kind: str, key: str) -> NamedNode:
        return NamedNode(f"{self.base}id/{kind}/{key}")

    def graph(self, source: str, visibility: str) -> NamedNode:
        if visibility not in VISIBILITIES:
            raise ValueError(f"unknown visibility {visibility!r}")
        return NamedNode(f"{self.base}graph/{source}/{visibility}")

    @property
    def meta_graph(self) -> NamedNode:
        return NamedNode(f"{self.base}graph/meta")

    def genid(self, source: str, label: str) -> NamedNode:
        """Skolem IRI for a blank node (RDF 1.1 §3.5), stable for the same source and label."""
        return NamedNode(f"{self.base}.well-known/genid/{hashed_key(source, label)}")

    def graph_source(self, graph: str) -> tuple[str, str] | None:
        """(source, visibility) of a graph IRI minted here, else None."""
        prefix = f"{self.base}graph/"
        if not graph.startswith(prefix):
            return None
        rest = graph[len(prefix) :]
        source, _, vis = rest.rpartition("/")
        if not source or vis not in VISIBILITIES:
            return None
        return source, vis
