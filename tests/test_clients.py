"""Real SPARQL clients against the live service: SPARQLWrapper, rdflib's SPARQLStore and
SPARQLUpdateStore, httpx and curl.

Each client reaches the endpoint the way its users would (its own Accept headers, ``format=``
parameters, GET or POST form), so a protocol detail that only one client exercises is caught
here. The expected values come from the repository's own data files, read with rdflib, not
from the service: a client that parses a response into the wrong thing fails.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import urllib.error
from pathlib import Path
from xml.dom.minidom import Document

import httpx
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, POST, XML, SPARQLWrapper

from tests.conftest import REPO
from tests.deployments import BACKENDS, Deployments, served_on_every_backend  # noqa: F401  (the fixture `server`)
from tests.live import ADMIN, LiveServer, auth

SG = Namespace("https://w3id.org/stigraph/ontology#")
SEED_GRAPH = "https://w3id.org/stigraph/graph/seed/public"
PREFIXES = "PREFIX sg: <https://w3id.org/stigraph/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
PROGRAMMES = PREFIXES + "SELECT ?p ?label WHERE { ?p a sg:Programme ; rdfs:label ?label } ORDER BY ?p ?label"
COUNT_COUNTRIES = PREFIXES + "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a sg:Country }"
CONSTRUCT = (
    PREFIXES + "CONSTRUCT { ?p a sg:Programme ; rdfs:label ?label } WHERE { ?p a sg:Programme ; rdfs:label ?label }"
)

# A graph outside stigraph's public graphs: only scope "all" sees it, only a write token writes it.
WRITTEN = "http://example.org/clients/written"
EX = Namespace("http://example.org/clients/")


def _parse(*paths: Path) -> Graph:
    g = Graph()
    for path in paths:
        g.parse(path, format="turtle")
    return g


@pytest.fixture(scope="module")
def seed() -> Graph:
    """The bundled seed graph as the repository has it (plain triples, no blank nodes)."""
    return _parse(*sorted((REPO / "data" / "seed").glob("*.ttl")))


@pytest.fixture(scope="module")
def programmes(seed: Graph) -> list[tuple[str, str]]:
    """(IRI, label) of every programme, answered by rdflib's own engine over the files."""
    rows = [(str(r[0]), str(r[1])) for r in seed.query(PROGRAMMES)]  # type: ignore[index]
    assert len(rows) == 10  # the seed README's count; a file edit that changes it must be seen
    return rows


@pytest.fixture(scope="module")
def countries() -> int:
    g = _parse(REPO / "ontology" / "vocab" / "countries.ttl")
    n = len(set(g.subjects(RDF.type, SG.Country)))
    assert n > 200
    return n


def _wrapper(server: LiveServer, query: str, fmt: str) -> SPARQLWrapper:
    s = SPARQLWrapper(server.sparql)
    s.setQuery(query)
    s.setReturnFormat(fmt)
    return s


# --- SPARQLWrapper -------------------------------------------------------------------------


def test_sparqlwrapper_json(server: LiveServer, programmes: list[tuple[str, str]]) -> None:
    result = _wrapper(server, PROGRAMMES, JSON).query()
    assert result.response.headers["content-type"].startswith("application/sparql-results+json")
    bindings = result.convert()["results"]["bindings"]  # type: ignore[index]
    assert [(b["p"]["value"], b["label"]["value"]) for b in bindings] == programmes


def test_sparqlwrapper_xml_by_post(server: LiveServer, countries: int) -> None:
    """POST form (what SPARQLWrapper sends for POST) and the XML results DOM."""
    s = _wrapper(server, COUNT_COUNTRIES, XML)
    s.setMethod(POST)
    doc = s.query().convert()
    assert isinstance(doc, Document)
    literals = doc.getElementsByTagName("literal")
    assert [lit.firstChild.data for lit in literals] == [str(countries)]  # type: ignore[union-attr]


def test_sparqlwrapper_csv(server: LiveServer, programmes: list[tuple[str, str]]) -> None:
    raw = _wrapper(server, PROGRAMMES, CSV).query().convert()
    assert isinstance(raw, bytes)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert [(r["p"], r["label"]) for r in rows] == programmes


def test_sparqlwrapper_ask(server: LiveServer) -> None:
    ask = PREFIXES + "ASK { <https://w3id.org/stigraph/id/programme/wpi> a sg:Programme }"
    assert _wrapper(server, ask, JSON).query().convert()["boolean"] is True  # type: ignore[index]


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # inside SPARQLWrapper 2.0
def test_sparqlwrapper_construct_gives_an_rdflib_graph(server: LiveServer, seed: Graph) -> None:
    """SPARQLWrapper asks for RDF/XML (``format=xml`` too) and hands back an rdflib Graph."""
    got = _wrapper(server, CONSTRUCT, XML).query().convert()
    assert isinstance(got, Graph) and len(got) == 20
    expected = seed.query(CONSTRUCT).graph
    assert expected is not None and len(expected) == 20
    assert to_isomorphic(got) == to_isomorphic(expected)


# --- rdflib SPARQLStore ----------------------------------------------------------------------


def test_rdflib_sparqlstore_query_and_triples(
    server: LiveServer, programmes: list[tuple[str, str]], countries: int
) -> None:
    """Graph.query goes through the store's SELECT; Graph.triples is a SELECT rdflib writes itself."""
    g = Graph(store=SPARQLStore(server.sparql, returnFormat="json"))
    rows = [(str(r[0]), str(r[1])) for r in g.query(PROGRAMMES)]  # type: ignore[index]
    assert rows == programmes
    (n,) = next(iter(g.query(COUNT_COUNTRIES)))  # type: ignore[misc]
    assert n == Literal(countries)
    assert sorted(str(s) for s in g.subjects(RDF.type, SG.Programme)) == sorted({p for p, _ in programmes})


def test_rdflib_sparqlstore_post_form(server: LiveServer, programmes: list[tuple[str, str]]) -> None:
    store = SPARQLStore(server.sparql, method="POST_FORM")
    rows = [(str(r[0]), str(r[1])) for r in Graph(store=store).query(PROGRAMMES)]  # type: ignore[index]
    assert rows == programmes


# --- httpx -----------------------------------------------------------------------------------


def test_httpx_graph_store_returns_the_seed_graph(server: LiveServer, seed: Graph) -> None:
    """The public seed graph, fetched whole, is exactly what the seed files say."""
    r = httpx.get(server.graphs, params={"graph": SEED_GRAPH}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    got = Graph().parse(data=r.content, format="nt")
    assert len(got) == len(seed) == 1645
    assert set(got) == set(seed)


def test_httpx_tsv_count(server: LiveServer, seed: Graph) -> None:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{SEED_GRAPH}> {{ ?s ?p ?o }} }}"
    r = httpx.get(server.sparql, params={"query": query}, headers={"Accept": "text/tab-separated-values"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/tab-separated-values")
    header, value = r.text.strip().splitlines()
    assert header == "?n"
    assert value == str(len(seed))  # an xsd:integer is written bare in TSV


# --- curl ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def curl() -> str:
    """curl is part of the test environment here and on CI: missing it is a failure, not a skip."""
    path = shutil.which("curl")
    assert path, "curl is not installed; tests/test_clients.py needs it on PATH (apt-get install curl)"
    return path


def run_curl(curl: str, *args: str) -> str:
    done = subprocess.run(
        [curl, "--silent", "--show-error", "--fail-with-body", "--max-time", "60", *args],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, f"curl {args} exited {done.returncode}: {done.stderr}{done.stdout}"
    return done.stdout


def test_curl_csv(server: LiveServer, curl: str, programmes: list[tuple[str, str]]) -> None:
    """The form the documentation shows: --data-urlencode query=... with Accept: text/csv."""
    out = run_curl(curl, server.sparql, "--data-urlencode", f"query={PROGRAMMES}", "-H", "Accept: text/csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["p"], r["label"]) for r in rows] == programmes


def test_curl_get_json(server: LiveServer, curl: str, countries: int) -> None:
    out = run_curl(curl, "--get", server.sparql, "--data-urlencode", f"query={COUNT_COUNTRIES}")
    assert json.loads(out)["results"]["bindings"][0]["n"]["value"] == str(countries)


# --- writes: a server of our own --------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def writable(request: pytest.FixtureRequest, deployments: Deployments) -> LiveServer:
    """An empty store of its own on each backend, so the shared servers stay read-only."""
    return deployments.empty(request.param, "clients-writable")[1]


def _admin_rows(srv: LiveServer, query: str) -> list[dict]:
    r = httpx.get(srv.sparql, params={"query": query}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    return r.json()["results"]["bindings"]


def test_rdflib_sparqlupdatestore_insert_data_and_read_back(writable: LiveServer) -> None:
    """An INSERT DATA with the ADMIN token (the connector's headers option), then read back
    through the same store, through a store without the token (scope public: nothing) and
    through httpx."""
    store = SPARQLUpdateStore(query_endpoint=writable.sparql, update_endpoint=writable.sparql, headers=auth(ADMIN))
    store.update(f"INSERT DATA {{ GRAPH <{WRITTEN}> {{ <{EX.a}> <{EX.name}> 'Ada' . <{EX.a}> <{EX.age}> 36 }} }}")
    g = Graph(store=store, identifier=URIRef(WRITTEN))
    g.add((EX.b, EX.name, Literal("Grace")))  # rdflib writes this INSERT DATA itself
    query = f"SELECT ?s ?o WHERE {{ GRAPH <{WRITTEN}> {{ ?s <{EX.name}> ?o }} }} ORDER BY ?o"
    assert [(str(s), str(o)) for s, o in store.query(query)] == [(str(EX.a), "Ada"), (str(EX.b), "Grace")]  # type: ignore[misc]
    age = _admin_rows(writable, f"SELECT ?age WHERE {{ GRAPH <{WRITTEN}> {{ <{EX.a}> <{EX.age}> ?age }} }}")
    assert age == [{"age": {"type": "literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "36"}}]
    anonymous = SPARQLStore(writable.sparql)
    assert list(anonymous.query(f"SELECT * WHERE {{ GRAPH <{WRITTEN}> {{ ?s ?p ?o }} }}")) == []


def test_rdflib_sparqlupdatestore_without_a_token_is_refused(writable: LiveServer) -> None:
    store = SPARQLUpdateStore(query_endpoint=writable.sparql, update_endpoint=writable.sparql)
    with pytest.raises(urllib.error.HTTPError) as refused:
        store.update(f"INSERT DATA {{ GRAPH <{WRITTEN}> {{ <{EX.c}> <{EX.name}> 'Mallory' }} }}")
    assert refused.value.code == 401
    assert _admin_rows(writable, f"SELECT * WHERE {{ GRAPH <{WRITTEN}> {{ <{EX.c}> ?p ?o }} }}") == []


def test_curl_update_with_a_bearer_token(writable: LiveServer, curl: str) -> None:
    graph = "http://example.org/clients/curl"
    update = f"INSERT DATA {{ GRAPH <{graph}> {{ <{EX.x}> <{EX.n}> 1, 2, 3 }} }}"
    out = run_curl(
        curl, writable.sparql, "-H", f"Authorization: Bearer {ADMIN}", "--data-urlencode", f"update={update}"
    )
    assert out == ""  # 204 No Content
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    out = run_curl(
        curl,
        writable.sparql,
        "-H",
        f"Authorization: Bearer {ADMIN}",
        "-H",
        "Accept: text/csv",
        "--data-urlencode",
        f"query={count}",
    )
    assert out.splitlines() == ["n", "3"]
