"""The remote-engine client against a real ``oxigraph serve`` (PyPI package ``oxigraph``): graph
replacement and removal through the Graph Store Protocol, queries scoped by
``default-graph-uri``/``named-graph-uri``, paged SELECTs, updates, errors, and retries while the
engine is still starting."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import NamedNode

from stigraph.store.remote import RemoteConfig, RemoteEndpoint, RemoteError
from tests.live import free_port

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
G1 = NamedNode("https://w3id.org/stigraph/graph/remote-a/public")
G2 = NamedNode("https://w3id.org/stigraph/graph/remote-b/restricted")
EX = "https://w3id.org/stigraph/id/thing/"


def _start(location: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(port: int) -> None:
    until = time.monotonic() + 30
    while time.monotonic() < until:
        try:
            httpx.get(f"http://127.0.0.1:{port}/query", params={"query": "ASK {}"}, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("oxigraph serve did not start")


def _config(port: int, **kw: object) -> RemoteConfig:
    base = f"http://127.0.0.1:{port}"
    return RemoteConfig(
        query_url=f"{base}/query",
        update_url=f"{base}/update",
        graph_store_url=f"{base}/store",
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[RemoteEndpoint]:
    assert OXIGRAPH.exists(), "the oxigraph server binary comes with the dev dependencies (make install)"
    port = free_port()
    process = _start(tmp_path / "oxigraph", port)
    try:
        _wait(port)
        with RemoteEndpoint(_config(port, page_size=10)) as endpoint:
            yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=15)


def _nt(prefix: str, n: int) -> bytes:
    return "".join(f'<{EX}{prefix}{i}> <{EX}p> "{prefix} {i}" .\n' for i in range(n)).encode()


def test_graphs_are_replaced_and_queries_see_only_the_graphs_they_are_given(engine: RemoteEndpoint) -> None:
    engine.replace_graph(G1, _nt("a", 3))
    engine.replace_graph(G2, _nt("b", 2))
    engine.replace_graph(G1, _nt("a", 4))  # a replacement, not an addition
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert int(next(iter(engine.select(count, default_graphs=[G1])))["n"].value) == 4
    assert int(next(iter(engine.select(count, default_graphs=[G2])))["n"].value) == 2
    # a query cannot reach a graph it was not given, whatever it names
    escape = "SELECT ?o WHERE { GRAPH <" + G2.value + "> { ?s ?p ?o } }"
    assert list(engine.select(escape, named_graphs=[G1])) == []
    assert len(list(engine.select(escape, named_graphs=[G2]))) == 2
    assert len(engine.graph(G2)) == 2
    engine.drop_graph(G2)
    engine.drop_graph(G2)  # already gone: fine
    assert list(engine.select(escape, named_graphs=[G2])) == []
    assert engine.ask("ASK { ?s ?p ?o }", default_graphs=[G1])


def test_large_answers_come_a_page_at_a_time(engine: RemoteEndpoint) -> None:
    engine.replace_graph(G1, _nt("a", 25))
    rows = list(engine.select_pages("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o", default_graphs=[G1]))
    assert [r["o"].value for r in rows] == sorted(f"a {i}" for i in range(25))
    assert engine.requests == 1 + 3  # the replacement, then pages of 10, 10 and 5
    with pytest.raises(RemoteError, match="ORDER BY"):
        list(engine.select_pages("SELECT ?o WHERE { ?s ?p ?o }"))


def test_updates_and_constructs(engine: RemoteEndpoint) -> None:
    engine.update(f'INSERT DATA {{ GRAPH <{G1.value}> {{ <{EX}x> <{EX}p> "x" }} }}')
    triples = engine.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graphs=[G1])
    assert [t.object.value for t in triples] == ["x"]


def test_errors_name_the_endpoint_and_what_the_engine_said(engine: RemoteEndpoint, tmp_path: Path) -> None:
    with pytest.raises(RemoteError) as bad:
        engine.select("SELECT WHERE {")
    assert "HTTP 400" in str(bad.value) and "/query" in str(bad.value)
    assert engine.requests == 1  # a 4xx is not retried
    nowhere = RemoteEndpoint(_config(free_port(), retries=1, backoff=0.01))
    with pytest.raises(RemoteError, match="cannot reach"):
        nowhere.select("ASK {}")
    assert nowhere.requests == 2
    no_store = RemoteEndpoint(RemoteConfig(query_url=engine.config.query_url))
    with pytest.raises(RemoteError, match="Graph Store"):
        no_store.replace_graph(G1, b"")


def test_a_request_is_retried_while_the_engine_starts(tmp_path: Path) -> None:
    port = free_port()
    holder: dict[str, subprocess.Popen[bytes]] = {}
    starter = threading.Timer(0.5, lambda: holder.setdefault("p", _start(tmp_path / "late", port)))
    starter.start()
    try:
        with RemoteEndpoint(_config(port, retries=8, backoff=0.1)) as endpoint:
            assert endpoint.ask("ASK { }") is True
            assert endpoint.requests > 1  # refused at first, answered once the engine was up
    finally:
        starter.join()
        holder["p"].terminate()
        holder["p"].wait(timeout=15)
