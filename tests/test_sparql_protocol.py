"""The endpoint's own contract on top of the W3C protocol tests: every result format, content
negotiation, the service description, and the operations routes."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results

from tests.deployments import served_on_every_backend  # noqa: F401  (the fixture `server`)

SELECT = "PREFIX sg: <https://w3id.org/stigraph/ontology#> SELECT ?c WHERE { ?c a sg:Country } ORDER BY ?c LIMIT 20"
CONSTRUCT = (
    "PREFIX sg: <https://w3id.org/stigraph/ontology#> "
    "CONSTRUCT { ?c a sg:Country } WHERE { { SELECT ?c WHERE { ?c a sg:Country } ORDER BY ?c LIMIT 20 } }"
)

RESULT_TYPES = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
}


@pytest.fixture(scope="module")
def expected_rows(server) -> int:
    r = httpx.get(server.sparql, params={"query": SELECT})
    rows = len(r.json()["results"]["bindings"])
    assert rows == 20
    return rows


@pytest.mark.parametrize("media", RESULT_TYPES)
def test_select_in_every_results_format(server, expected_rows: int, media: str) -> None:
    r = httpx.get(server.sparql, params={"query": SELECT}, headers={"Accept": media})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    if media == "text/csv":  # CSV results are lossy: pyoxigraph does not read them back
        parsed = list(csv.DictReader(io.StringIO(r.text)))
    else:
        parsed = list(parse_query_results(io.BytesIO(r.content), format=RESULT_TYPES[media]))
    assert len(parsed) == expected_rows == int(r.headers["x-result-rows"])


@pytest.mark.parametrize("media", GRAPH_TYPES)
def test_construct_in_every_graph_format(server, expected_rows: int, media: str) -> None:
    r = httpx.post(server.sparql, data={"query": CONSTRUCT}, headers={"Accept": media})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert len(list(parse(r.content, format=GRAPH_TYPES[media]))) == expected_rows


def test_format_counts() -> None:
    assert (len(RESULT_TYPES), len(GRAPH_TYPES)) == (4, 6)


def test_ask_and_the_format_parameter(server) -> None:
    ask = httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }", "format": "xml"})
    assert ask.headers["content-type"].startswith("application/sparql-results+xml")
    assert "<boolean>true</boolean>" in ask.text
    q = httpx.get(server.sparql, params={"query": SELECT, "format": "csv"}, headers={"Accept": "application/json"})
    assert q.headers["content-type"].startswith("text/csv")


def test_q_values_decide(server) -> None:
    r = httpx.get(
        server.sparql,
        params={"query": SELECT},
        headers={"Accept": "application/sparql-results+json;q=0.5, text/csv;q=0.9"},
    )
    assert r.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (SELECT, "text/turtle"),
        (CONSTRUCT, "application/sparql-results+json"),
        ("ASK {}", "text/csv"),
        (SELECT, "image/png"),
    ],
)
def test_406_when_nothing_fits(server, query: str, accept: str) -> None:
    r = httpx.get(server.sparql, params={"query": query}, headers={"Accept": accept})
    assert r.status_code == 406
    body = r.json()["error"]
    assert body["code"] == "not_acceptable" and "offered" in body["message"]


def test_protocol_errors_have_the_one_error_shape(server) -> None:
    cases = [
        (httpx.put(server.sparql, content="ASK {}"), 405),
        (httpx.post(server.sparql, content="ASK {}", headers={"Content-Type": "text/plain"}), 415),
        (
            httpx.post(
                server.sparql,
                content="ASK {}".encode("utf-16"),
                headers={"Content-Type": "application/sparql-query; charset=utf-16"},
            ),
            415,
        ),
        (httpx.get(server.sparql, params=[("query", "ASK {}"), ("query", "ASK {}")]), 400),
        (httpx.get(server.sparql, params={"query": "SELECT * WHERE { ?s ?p }"}), 400),
        (httpx.get(server.sparql, params={"query": "ASK {}", "default-graph-uri": "not an iri"}), 400),
    ]
    assert [r.status_code for r, _ in cases] == [s for _, s in cases]
    for r, _ in cases:
        err = r.json()["error"]
        assert set(err) >= {"code", "message"}
    assert cases[0][0].headers["allow"] == "GET, POST, OPTIONS"


@pytest.mark.parametrize(
    ("accept", "fmt"), [("text/turtle", RdfFormat.TURTLE), ("application/ld+json", RdfFormat.JSON_LD)]
)
def test_service_description(server, accept: str, fmt: RdfFormat) -> None:
    r = httpx.get(server.sparql, headers={"Accept": accept})
    assert r.status_code == 200
    triples = list(parse(r.content, format=fmt))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoints = [t.object.value for t in triples if t.predicate.value == sd + "endpoint"]
    assert endpoints == [server.sparql]
    formats = {t.object.value for t in triples if t.predicate.value == sd + "resultFormat"}
    assert len(formats) == 10


def test_a_browser_gets_the_query_page(server) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for url in (server.sparql, server.base + "/"):
        r = httpx.get(url, headers=browser)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    shared = httpx.get(server.sparql, params={"query": "ASK {}"}, headers=browser)
    assert shared.headers["content-type"].startswith("text/html")


def test_healthz(server) -> None:
    h = server.health()
    assert h["status"] == "ok"
    assert h["store"]["open"] is True and h["store"]["generation"] > 0
    assert h["store"]["snapshot_age_seconds"] >= 0
    assert h["workers"]["alive"] == h["workers"]["configured"] == 2
    # the workers preload jemalloc (make test installs it; docs/performance.md says why)
    assert [w["allocator"] for w in h["workers"]["detail"]] == ["jemalloc", "jemalloc"]


def test_metrics_and_access_log_hold_no_personal_data(server) -> None:
    secret_name = "Nakamura"
    httpx.get(server.sparql, params={"query": f'SELECT * WHERE {{ ?s ?p "{secret_name}" }}'})
    text = httpx.get(server.base + "/metrics").text
    for name in (
        "stigraph_http_requests_total",
        "stigraph_http_request_duration_seconds_bucket",
        "stigraph_queries_killed_total",
        "stigraph_worker_restarts_total",
        "stigraph_workers_alive",
        "stigraph_store_bytes",
        "stigraph_store_generation",
    ):
        assert name in text, name
    assert 'route="/sparql"' in text
    log = server.log.read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert lines, "the service writes one JSON line per request"
    assert {"route", "method", "status", "ms", "client"} <= set(lines[-1])
    assert secret_name not in log and "SELECT" not in log.replace('"form":"SELECT"', "")
    assert "127.0.0.1" not in "".join(json.dumps(line) for line in lines)
