"""The store's contract on each backend: the embedded store, a real ``oxigraph serve`` and a
real Virtuoso 7, each loaded through the same pipeline with the same data (the bundled graph,
the PI-list sample, the curated-query fixture; tests/deployments.py) and served by a real
``stigraph serve``: counts and generations, a refused load or a failed write leaves the data as
it was, scopes through SPARQLWrapper, a partner export, pathfinding, and blank nodes in a write
larger than one staging request.

The SPARQL endpoint, client, curated API, export and path modules run on every backend too (each
imports its backend fixture from tests/deployments.py); this module is what is specific to
storing on an engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from tests import engines
from tests.conftest import REPO
from tests.deployments import BACKENDS, Deployment, Deployments
from tests.live import ADMIN, PARTNER, LiveServer


@dataclass(kw_only=True)
class Served(Deployment):
    """The curated data set on one backend, and its ``stigraph serve``."""

    server: LiveServer


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest, deployments: Deployments) -> Served:
    """The curated data set on each backend, shared with the curated API tests of this worker
    (what a test here writes, it takes back)."""
    deployment = deployments.get(request.param, "curated")
    return Served(
        backend=deployment.backend,
        state=deployment.state,
        env=deployment.env,
        server=deployments.server(request.param, "curated"),
    )


# -- the store -------------------------------------------------------------------------------


def _stats(served: Served) -> dict[str, Any]:
    done = served.cli("stats", "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_same_loads_give_the_same_graphs_on_every_backend(served: Served) -> None:
    stats = _stats(served)
    assert stats["quads"] > 10_000
    assert len(stats["graphs"]) >= 10
    # the published generation is the engine's (remote) or the store's own, and it matches
    # what the service reports
    health = httpx.get(served.server.base + "/healthz", timeout=10).json()
    assert health["store"]["generation"] == stats["generation"] > 0


def test_a_refused_load_leaves_the_data_as_it_was(served: Served, tmp_path: Path) -> None:
    before = _stats(served)
    bad = tmp_path / "bad.csv"
    sample = (REPO / "loaders" / "pi-list" / "sample.csv").read_text(encoding="utf-8").splitlines()
    header, first = sample[0], sample[1]
    bad.write_text(f"{header}\n{first}\n{first.replace('@', ' at ')}\n", encoding="utf-8")
    refused = served.cli(
        "load", str(bad), "--source-id", "refused-list",
        "--mission", "https://w3id.org/stigraph/id/mission/Q84921893",
        "--pilist", "https://w3id.org/stigraph/id/pilist/refused",
    )  # fmt: skip
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr and "bad.csv:3, field 'local_id'" in refused.stderr, refused.stderr
    assert _stats(served) == before


def test_a_write_that_fails_half_way_leaves_nothing_behind(served: Served) -> None:
    """Data staged by a write block that then fails is not committed, and no trace of it (a
    staging graph, a new generation) stays on the engine."""
    from pyoxigraph import NamedNode, RdfFormat

    from stigraph.store.embedded import open_store

    before = _stats(served)
    settings = served.settings
    graph = NamedNode("https://w3id.org/stigraph/graph/half-way/public")
    staged = b'<https://example.org/a> <https://example.org/p> "staged" .\n'
    with (
        open_store(settings, write=True) as store,
        pytest.raises(RuntimeError, match="half way"),
        store.writing() as w,
    ):
        w.clear_graph(NamedNode("https://w3id.org/stigraph/graph/seed/public"))
        w.bulk_load(staged, RdfFormat.N_TRIPLES, to_graph=graph)
        raise RuntimeError("half way")
    assert _stats(served) == before
    if served.backend != "embedded":
        with engines.endpoint(served.env) as raw:
            left = raw.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            assert not [r["g"].value for r in left if r["g"].value.startswith("urn:stigraph:staging")]


# -- the SPARQL endpoint -----------------------------------------------------------------------

RESTRICTED_PEOPLE = """
PREFIX sg: <https://w3id.org/stigraph/ontology#>
SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a sg:Researcher }
"""


def _count(served: Served, text: str, token: str | None = None) -> int:
    client = SPARQLWrapper(served.server.sparql)
    client.setQuery(text)
    client.setReturnFormat(JSON)
    if token:
        client.addCustomHttpHeader("Authorization", f"Bearer {token}")
    answer = client.queryAndConvert()
    return int(answer["results"]["bindings"][0]["n"]["value"])  # type: ignore[index,call-overload]


def _rows(served: Served, text: str, token: str | None = None) -> int:
    headers = {"Accept": "application/sparql-results+json", **({"Authorization": f"Bearer {token}"} if token else {})}
    r = httpx.get(served.server.sparql, params={"query": text}, headers=headers, timeout=60)
    assert r.status_code == 200, r.text
    return len(r.json()["results"]["bindings"])


def test_scopes_see_what_they_may_and_nothing_more(served: Served) -> None:
    public, partner, everyone = (_count(served, RESTRICTED_PEOPLE, t) for t in (None, PARTNER, ADMIN))
    assert 0 < public < partner < everyone
    # the graphs a scope may not see stay out of reach, however the query names them
    hidden = served.cli("stats", "--format", "json")
    restricted = [g for g in json.loads(hidden.stdout)["graphs"] if g.endswith("/restricted")]
    assert restricted
    for text in (
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{restricted[0]}> {{ ?s ?p ?o }} }}",
        f"SELECT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g = <{restricted[0]}>) }}",
        f"SELECT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STR(?g) = {json.dumps(restricted[0])}) }}",
    ):
        assert _rows(served, text) == 0
        assert _rows(served, text, ADMIN) > 0
    # naming a dataset: the embedded snapshots have no hidden graph to reach; a remote engine
    # would merge it with the scope's (Virtuoso does), so the text is refused there
    r = httpx.get(
        served.server.sparql,
        params={"query": f"SELECT (COUNT(*) AS ?n) FROM <{restricted[0]}> WHERE {{ ?s ?p ?o }}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    if served.backend == "embedded":
        assert r.status_code == 200 and r.json()["results"]["bindings"][0]["n"]["value"] == "0"
    else:
        assert r.status_code == 400 and r.json()["error"]["code"] == "query_refused", r.text


def test_ask_and_construct_through_the_protocol(served: Served) -> None:
    client = SPARQLWrapper(served.server.sparql)
    client.setQuery("ASK { ?s a <https://w3id.org/stigraph/ontology#Researcher> }")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True  # type: ignore[index,call-overload]
    r = httpx.get(
        served.server.sparql,
        params={"query": "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 5"},
        headers={"Accept": "application/n-triples"},
        timeout=30,
    )
    assert r.status_code == 200 and len(r.text.splitlines()) == 5


# -- exports and paths -------------------------------------------------------------------------


def test_a_public_export_holds_every_public_quad(served: Served) -> None:
    stats = json.loads(served.cli("stats", "--format", "json").stdout)
    public = sum(n for g, n in stats["graphs"].items() if g.endswith("/public"))
    r = httpx.get(served.server.base + "/export/public.nq", timeout=120)
    assert r.status_code == 200, r.text
    lines = [line for line in r.text.splitlines() if line.strip()]
    assert len(lines) == public > 5_000
    assert all(line.rstrip().split()[-2].endswith("/public>") for line in lines)


def test_paths_between_co_authors(served: Served) -> None:
    person = "https://w3id.org/stigraph/id/person/0009-0099-0006-0112"
    coauthor = "https://w3id.org/stigraph/id/person/0009-0099-0003-0116"
    r = httpx.get(served.server.base + "/api/paths", params={"from": person, "to": coauthor, "k": 1}, timeout=120)
    assert r.status_code == 200, r.text
    (path,) = r.json()["paths"]
    assert len(path["hops"]) == 1
    assert "co-authored" in json.dumps(path)


def test_a_large_write_keeps_its_blank_nodes_together(served: Served) -> None:
    """More triples than one staging request carries, all about one blank node: still one node
    after the commit (the graph is dropped again: the data set is shared)."""
    from pyoxigraph import NamedNode, RdfFormat

    from stigraph.store.embedded import open_store
    from stigraph.store.remote_writer import CHUNK_TRIPLES

    settings = served.settings
    graph = NamedNode("https://w3id.org/stigraph/graph/blank-nodes/restricted")
    n = CHUNK_TRIPLES + 10
    data = "".join(f'_:b <https://example.org/p> "{i}" .\n' for i in range(n)).encode()
    with open_store(settings, write=True) as store, store.writing() as w:
        w.bulk_load(data, RdfFormat.N_TRIPLES, to_graph=graph)
    text = f"SELECT (COUNT(DISTINCT ?s) AS ?n) (COUNT(*) AS ?t) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"
    counted = httpx.get(
        served.server.sparql,
        params={"query": text},
        headers={"Accept": "application/sparql-results+json", "Authorization": f"Bearer {ADMIN}"},
        timeout=120,
    ).json()["results"]["bindings"][0]
    assert (counted["n"]["value"], counted["t"]["value"]) == ("1", str(n))
    with open_store(settings, write=True) as store, store.writing() as w:  # the data set is shared
        w.clear_graph(graph)
