"""Queries go on during a load and see the state before it or after it, never between."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import REPO, build_served_store, make_settings
from tests.live import start_server

TRIPLES = 60_000
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/stigraph/graph/bulk/public> { ?s ?p ?o } }"
TOTAL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _n(r: httpx.Response) -> int:
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_queries_during_a_load_see_before_or_after(tmp_path: Path) -> None:
    store = tmp_path / "store"
    build_served_store(make_settings(store))
    data = tmp_path / "bulk.nt"
    with data.open("w") as f:
        for i in range(TRIPLES):
            f.write(f'<http://example.org/item/{i}> <http://example.org/value> "v{i}" .\n')
    srv = start_server(store, tmp_path / "serve.log")
    try:
        with httpx.Client(base_url=srv.base) as client:
            before_total = _n(client.get("/sparql", params={"query": TOTAL}))
            env = {**os.environ, "STIGRAPH_STORE": str(store)}
            load = subprocess.Popen(
                [sys.executable, "-m", "stigraph", "load", str(data), "--source-id", "bulk"],
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            seen: list[tuple[int, int]] = []
            during = 0
            while load.poll() is None:
                bulk = _n(client.get("/sparql", params={"query": COUNT}))
                total = _n(client.get("/sparql", params={"query": TOTAL}))
                seen.append((bulk, total))
                during += load.poll() is None
            _, err = load.communicate()
            assert load.returncode == 0, err
            final = (
                _n(client.get("/sparql", params={"query": COUNT})),
                _n(client.get("/sparql", params={"query": TOTAL})),
            )
    finally:
        srv.stop()
    assert during >= 3, "queries were answered while the load ran"
    assert final == (TRIPLES, before_total + TRIPLES)
    allowed_bulk = {0, TRIPLES}
    assert {b for b, _ in seen} <= allowed_bulk, "a query saw part of the load"
    assert {t for _, t in seen} <= {before_total, before_total + TRIPLES}
