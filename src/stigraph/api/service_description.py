"""The SPARQL 1.1 Service Description a bare GET of the endpoint answers with."""

from __future__ import annotations

from functools import lru_cache

from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize

from stigraph.api.negotiation import GRAPHS, RESULTS
from stigraph.formats import GRAPH_FORMATS
from stigraph.namespaces import RDF, XSD

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
_RESULT_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "ttl": "Turtle",
    "nt": "N-Triples",
    "nq": "N-Quads",
    "trig": "TriG",
    "rdfxml": "RDF_XML",
    "jsonld": "JSON-LD",
}


class ServiceDescription:
    def __init__(self, max_rows: int, timeout_anonymous: float) -> None:
        self.max_rows = max_rows
        self.timeout = timeout_anonymous

    @lru_cache(maxsize=64)  # noqa: B019 - one description per (format, endpoint URL), a handful
    def render(self, fmt: str, endpoint: str) -> bytes:
        return serialize(self.triples(endpoint), format=GRAPH_FORMATS[fmt], prefixes={"sd": SD, "fmt": FORMATS})

    def triples(self, endpoint: str) -> list[Triple]:
        s = BlankNode("service")
        ds = BlankNode("dataset")
        dg = BlankNode("default")
        a = NamedNode(RDF + "type")
        t = [
            Triple(s, a, NamedNode(SD + "Service")),
            Triple(s, NamedNode(SD + "endpoint"), NamedNode(endpoint)),
            Triple(s, NamedNode(SD + "supportedLanguage"), NamedNode(SD + "SPARQL11Query")),
            Triple(s, NamedNode(SD + "supportedLanguage"), NamedNode(SD + "SPARQL11Update")),
            Triple(s, NamedNode(SD + "feature"), NamedNode(SD + "UnionDefaultGraph")),
            Triple(s, NamedNode(SD + "feature"), NamedNode(SD + "EmptyGraphs")),
            Triple(s, NamedNode(SD + "defaultDataset"), ds),
            Triple(ds, a, NamedNode(SD + "Dataset")),
            Triple(ds, NamedNode(SD + "defaultGraph"), dg),
            Triple(dg, a, NamedNode(SD + "Graph")),
            Triple(
                s,
                NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                Literal(
                    "stigraph SPARQL endpoint. The default graph is the union of the graphs the caller's scope may "
                    "see (anonymous: public). SERVICE and LOAD are refused. Results are cut at "
                    f"{self.max_rows} rows, signalled by the X-Result-Truncated header. Anonymous deadline "
                    f"{self.timeout:g} s.",
                    language="en",
                ),
            ),
            Triple(
                s,
                NamedNode("https://w3id.org/stigraph/ontology#maxResultRows"),
                Literal(str(self.max_rows), datatype=NamedNode(XSD + "integer")),
            ),
        ]
        for f in RESULTS + GRAPHS:
            t.append(Triple(s, NamedNode(SD + "resultFormat"), NamedNode(FORMATS + _RESULT_FORMAT_IRIS[f.name])))
        return t
