"""Writes through the live service: SPARQL Update and the Graph Store need a write token;
without one, 401/403 and nothing written; no cookies; CORS only on reads; a bad write leaves
the store exactly as it was."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import build_served_store, make_settings
from tests.live import ADMIN, AUDITOR, PARTNER, auth, start_server

G = "http://example.org/graph/written"
INSERT = f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/a> <http://example.org/p> 1 }} }}"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("writable")
    build_served_store(make_settings(root / "store"))
    srv = start_server(root / "store", root / "serve.log")
    yield srv
    srv.stop()


def _count(srv) -> int:
    r = httpx.get(srv.sparql, params={"query": COUNT_ALL}, headers=auth(ADMIN))
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def _generation(srv) -> int:
    return srv.health()["store"]["generation"]


REFUSED = [
    ("no token, form", {}, "form", 401),
    ("no token, direct", {}, "direct", 401),
    ("bad token", auth("wrong"), "form", 401),
    ("read-only partner token", auth(PARTNER), "form", 403),
    ("read-only admin-scope token", auth(AUDITOR), "direct", 403),
    ("cookie instead of token", {"Cookie": f"token={ADMIN}"}, "form", 401),
    ("token in a form field", {}, "form-token", 401),
]


@pytest.mark.parametrize(("name", "headers", "how", "status"), REFUSED, ids=[r[0] for r in REFUSED])
def test_updates_without_write_scope_write_nothing(writable, name, headers, how, status) -> None:
    before, gen = _count(writable), _generation(writable)
    if how == "direct":
        r = httpx.post(
            writable.sparql, content=INSERT, headers={**headers, "Content-Type": "application/sparql-update"}
        )
    elif how == "form-token":
        r = httpx.post(writable.sparql, data={"update": INSERT, "access_token": ADMIN}, headers=headers)
    else:
        r = httpx.post(writable.sparql, data={"update": INSERT}, headers=headers)
    assert r.status_code == status
    assert r.json()["error"]["code"] in ("unauthorized", "forbidden")
    assert "access-control-allow-origin" not in r.headers
    assert (_count(writable), _generation(writable)) == (before, gen)


def test_refusal_case_count() -> None:
    assert len(REFUSED) == 7


def test_update_with_a_write_token_commits_and_has_no_cors(writable) -> None:
    before = _count(writable)
    r = httpx.post(writable.sparql, data={"update": INSERT}, headers=auth(ADMIN))
    assert r.status_code == 204
    assert "access-control-allow-origin" not in r.headers
    assert "set-cookie" not in r.headers
    assert _count(writable) == before + 1
    # a graph outside stigraph's public graphs is not visible anonymously
    anon = httpx.get(writable.sparql, params={"query": f"ASK {{ GRAPH <{G}> {{ ?s ?p ?o }} }}"})
    assert anon.json()["boolean"] is False


def test_bad_updates_change_nothing(writable) -> None:
    before, gen = _count(writable), _generation(writable)
    bad = [
        "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/p> } }",
        f"{INSERT} ; DROP GRAPH <http://example.org/does-not-exist>",  # second op fails: all or nothing
        'INSERT DATA { <http://example.org/a> <http://example.org/p> "unterminated }',
    ]
    statuses = [httpx.post(writable.sparql, data={"update": u}, headers=auth(ADMIN)).status_code for u in bad]
    assert statuses == [400, 400, 400]
    assert (_count(writable), _generation(writable)) == (before, gen)


def test_cors_only_on_reads_and_never_with_credentials(writable) -> None:
    read = httpx.get(writable.sparql, params={"query": "ASK {}"}, headers={"Origin": "https://elsewhere.example"})
    assert read.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in read.headers
    pre = httpx.options(
        writable.sparql,
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert pre.status_code == 204
    assert "access-control-allow-credentials" not in pre.headers
    put = httpx.put(
        writable.graphs, params={"graph": G}, content=b"", headers={**auth(PARTNER), "Content-Type": "text/turtle"}
    )
    assert put.status_code == 403
    assert "access-control-allow-origin" not in put.headers


def test_graph_store_write_cycle(writable) -> None:
    g = "http://example.org/graph/gsp"
    turtle = b"<http://example.org/s> <http://example.org/p> 'one' , 'two' ."
    nt = {"Accept": "application/n-triples"}
    for headers, status in (({}, 401), (auth(PARTNER), 403)):
        r = httpx.put(
            writable.graphs, params={"graph": g}, content=turtle, headers={**headers, "Content-Type": "text/turtle"}
        )
        assert r.status_code == status
    assert httpx.get(writable.graphs, params={"graph": g}, headers=auth(ADMIN)).status_code == 404
    put = httpx.put(
        writable.graphs, params={"graph": g}, content=turtle, headers={**auth(ADMIN), "Content-Type": "text/turtle"}
    )
    assert put.status_code == 201
    got = httpx.get(writable.graphs, params={"graph": g}, headers={**auth(ADMIN), **nt})
    assert len(got.text.strip().splitlines()) == 2
    again = httpx.put(
        writable.graphs,
        params={"graph": g},
        content=b"<http://example.org/s> <http://example.org/p> 'one' .",
        headers={**auth(ADMIN), "Content-Type": "text/turtle"},
    )
    assert again.status_code == 204
    post = httpx.post(
        writable.graphs,
        params={"graph": g},
        content=b'<http://example.org/s> <http://example.org/p> "three" .\n',
        headers={**auth(ADMIN), "Content-Type": "application/n-triples"},
    )
    assert post.status_code == 204
    got = httpx.get(writable.graphs, params={"graph": g}, headers={**auth(ADMIN), **nt})
    assert sorted(got.text.strip().splitlines()) == [
        '<http://example.org/s> <http://example.org/p> "one" .',
        '<http://example.org/s> <http://example.org/p> "three" .',
    ]
    head = httpx.head(writable.graphs, params={"graph": g}, headers=auth(ADMIN))
    assert head.status_code == 200 and head.content == b""
    gen = _generation(writable)
    bad = httpx.put(
        writable.graphs,
        params={"graph": g},
        content=b"<http://example.org/s> <broken",
        headers={**auth(ADMIN), "Content-Type": "text/turtle"},
    )
    assert bad.status_code == 400
    assert _generation(writable) == gen
    assert len(httpx.get(writable.graphs, params={"graph": g}, headers={**auth(ADMIN), **nt}).text.splitlines()) == 2
    assert httpx.delete(writable.graphs, params={"graph": g}).status_code == 401
    assert httpx.delete(writable.graphs, params={"graph": g}, headers=auth(ADMIN)).status_code == 204
    assert httpx.get(writable.graphs, params={"graph": g}, headers=auth(ADMIN)).status_code == 404
    assert httpx.delete(writable.graphs, params={"graph": g}, headers=auth(ADMIN)).status_code == 404


def test_graph_store_direct_identification_and_new_graphs(writable) -> None:
    direct = writable.graphs + "/team/notes"
    body = b"<http://example.org/n> <http://example.org/p> 1 ."
    r = httpx.put(direct, content=body, headers={**auth(ADMIN), "Content-Type": "text/turtle"})
    assert r.status_code == 201
    ask = f"ASK {{ GRAPH <{direct}> {{ <http://example.org/n> ?p ?o }} }}"
    assert httpx.get(writable.sparql, params={"query": ask}, headers=auth(ADMIN)).json()["boolean"] is True
    created = httpx.post(writable.graphs, content=body, headers={**auth(ADMIN), "Content-Type": "text/turtle"})
    assert created.status_code == 201
    location = created.headers["location"]
    assert location.startswith(writable.graphs + "/")
    assert httpx.get(location, headers=auth(ADMIN)).status_code == 200


def test_store_opened_by_the_service_leaves_loads_possible(writable, tmp_path: Path) -> None:
    """The service holds the writer lock only during a write, so `stigraph load` still works."""
    from tests.conftest import run_cli

    data = tmp_path / "extra.ttl"
    data.write_text("<http://example.org/x> <http://example.org/p> 'loaded while serving' .\n")
    store = writable.env["STIGRAPH_STORE"]
    result = run_cli("load", str(data), "--source-id", "extra", store=store)
    assert result.returncode == 0, result.stderr
    ask = "ASK { GRAPH <https://w3id.org/stigraph/graph/extra/public> { ?s ?p 'loaded while serving' } }"
    assert httpx.get(writable.sparql, params={"query": ask}).json()["boolean"] is True
