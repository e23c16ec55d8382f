"""Scopes on the live endpoint: a caller sees the graphs of its scope and nothing else, however
the request names the data (FROM, FROM NAMED, GRAPH ?g, default-graph-uri, named-graph-uri,
DESCRIBE, ASK, the Graph Store)."""

from __future__ import annotations

import httpx
import pytest

from tests.deployments import backend_of, served_on_every_backend  # noqa: F401  (the fixture `server`)
from tests.live import ADMIN, PARTNER, auth

G = "https://w3id.org/stigraph/graph/pi-list-sf-bay-area-sample/"
RESTRICTED_GRAPH, PARTNER_GRAPH, PUBLIC_GRAPH = G + "restricted", G + "partner", G + "public"
META = "https://w3id.org/stigraph/graph/meta"
NAKAMURA = "https://w3id.org/stigraph/id/person/902591475308de99"  # restricted person
OHNO = "https://w3id.org/stigraph/id/person/0000-0001-5109-3700"  # partner person
SG = "https://w3id.org/stigraph/ontology#"


def _rows(server, query: str, headers: dict | None = None, **params: str) -> list[dict]:
    r = httpx.get(server.sparql, params={"query": query, **params}, headers=headers or {})
    assert r.status_code == 200, r.text
    return r.json()["results"]["bindings"]


def _ask(server, query: str, headers: dict | None = None) -> bool:
    r = httpx.get(server.sparql, params={"query": query}, headers=headers or {})
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


PROBES = {
    "FROM restricted graph": f"SELECT * FROM <{RESTRICTED_GRAPH}> WHERE {{ ?s ?p ?o }}",
    "FROM NAMED + GRAPH": f"SELECT * FROM NAMED <{RESTRICTED_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "GRAPH by name": f"SELECT * WHERE {{ GRAPH <{RESTRICTED_GRAPH}> {{ ?s ?p ?o }} }}",
    "meta graph": f"SELECT * WHERE {{ GRAPH <{META}> {{ ?s ?p ?o }} }}",
    "restricted person anywhere": (
        f"SELECT * WHERE {{ {{ <{NAKAMURA}> ?p ?o }} UNION {{ GRAPH ?g {{ <{NAKAMURA}> ?p ?o }} }} }}"
    ),
    "e-mail anywhere": f"SELECT * WHERE {{ {{ ?s <{SG}email> ?o }} UNION {{ GRAPH ?g {{ ?s <{SG}email> ?o }} }} }}",
    "partner person": f"SELECT * WHERE {{ GRAPH ?g {{ <{OHNO}> ?p ?o }} }}",
    "name as text": 'SELECT * WHERE { GRAPH ?g { ?s ?p ?o FILTER(CONTAINS(STR(?o), "Nakamura")) } }',
}


# Probes that name their own dataset: on a remote engine such a query is refused for every
# caller (an engine would merge the named graphs with the scope's; docs/scaling.md).
NAMES_DATASET = {"FROM restricted graph", "FROM NAMED + GRAPH"}


def _probe(server, backend: str, name: str, headers: dict | None = None) -> list[dict] | None:
    """The probe's rows, or None where the service refuses the query as it should."""
    if backend != "embedded" and name in NAMES_DATASET:
        r = httpx.get(server.sparql, params={"query": PROBES[name]}, headers=headers or {})
        assert r.status_code == 400 and r.json()["error"]["code"] == "query_refused", r.text
        return None
    return _rows(server, PROBES[name], headers)


@pytest.mark.parametrize("name", PROBES)
def test_anonymous_probes_find_nothing(server, name: str, request: pytest.FixtureRequest) -> None:
    assert _probe(server, backend_of(request), name) in ([], None)


def test_probe_count() -> None:
    assert len(PROBES) == 8


def test_the_same_probes_find_the_data_with_an_admin_token(server, request: pytest.FixtureRequest) -> None:
    backend = backend_of(request)
    found = {name: _probe(server, backend, name, auth(ADMIN)) for name in PROBES}
    assert all(rows is None or len(rows) > 0 for rows in found.values()), found
    assert sum(rows is not None for rows in found.values()) == (8 if backend == "embedded" else 6)


def test_protocol_dataset_naming_restricted_graphs_is_empty(server) -> None:
    q = "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    assert _rows(server, q, **{"default-graph-uri": RESTRICTED_GRAPH}) == []
    assert _rows(server, q, **{"named-graph-uri": RESTRICTED_GRAPH}) == []
    assert len(_rows(server, q, auth(ADMIN), **{"default-graph-uri": RESTRICTED_GRAPH})) == 47


def test_graph_list_per_scope(server) -> None:
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    anon = {r["g"]["value"] for r in _rows(server, q)}
    partner = {r["g"]["value"] for r in _rows(server, q, auth(PARTNER))}
    admin = {r["g"]["value"] for r in _rows(server, q, auth(ADMIN))}
    assert all(g.endswith("/public") for g in anon) and PUBLIC_GRAPH in anon
    assert partner == anon | {PARTNER_GRAPH}
    assert admin >= partner | {RESTRICTED_GRAPH, META}


def test_describe_and_ask_probes(server) -> None:
    r = httpx.get(
        server.sparql, params={"query": f"DESCRIBE <{NAKAMURA}>"}, headers={"Accept": "application/n-triples"}
    )
    assert r.status_code == 200 and r.text.strip() == ""
    admin = httpx.get(
        server.sparql,
        params={"query": f"DESCRIBE <{NAKAMURA}>"},
        headers={**auth(ADMIN), "Accept": "application/n-triples"},
    )
    assert NAKAMURA in admin.text
    assert not _ask(server, f"ASK {{ <{NAKAMURA}> ?p ?o }}")
    assert not _ask(server, f"ASK {{ GRAPH ?g {{ ?s <{SG}email> ?o }} }}")
    assert not _ask(server, f"ASK {{ <{OHNO}> ?p ?o }}")
    assert _ask(server, f"ASK {{ <{OHNO}> ?p ?o }}", auth(PARTNER))
    assert not _ask(server, f"ASK {{ ?s <{SG}email> ?o }}", auth(PARTNER))
    assert _ask(server, f"ASK {{ ?s <{SG}email> ?o }}", auth(ADMIN))


def test_graph_store_reads_are_scoped(server) -> None:
    assert httpx.get(server.graphs, params={"graph": RESTRICTED_GRAPH}).status_code == 404
    assert httpx.get(server.graphs, params={"graph": PARTNER_GRAPH}).status_code == 404
    assert httpx.get(server.graphs, params={"graph": PARTNER_GRAPH}, headers=auth(PARTNER)).status_code == 200
    r = httpx.get(
        server.graphs, params={"graph": RESTRICTED_GRAPH}, headers={**auth(ADMIN), "Accept": "application/n-triples"}
    )
    assert r.status_code == 200
    assert len(r.text.strip().splitlines()) == 47
    public = httpx.get(server.graphs, params={"graph": PUBLIC_GRAPH}, headers={"Accept": "application/n-triples"})
    assert len(public.text.strip().splitlines()) == 136
    assert "@example.org" not in public.text


def test_a_bad_token_is_refused_not_downgraded(server) -> None:
    r = httpx.get(server.sparql, params={"query": "ASK {}"}, headers=auth("not-a-token"))
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["error"]["code"] == "unauthorized"
