"""The W3C SPARQL 1.1 Protocol test suite (w3c/rdf-tests, ``sparql11/protocol``), run from its
own manifest against a live ``stigraph serve``.

The manifest is data, not code: each entry's HTTP requests are sent as written (method, headers,
body in its declared character encoding), with ``/sparql/`` rewritten to the live endpoint, and
each response is checked for the status class, the result kind and the ASK answer the manifest
expects. Tests that cannot pass are listed once, in ``XFAIL``, with the reason; the same reasons
are in docs/conformance.md.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from tests.live import ADMIN, LiveServer, auth, start_server

SUITE = Path(__file__).resolve().parent / "data" / "w3c-protocol"
MANIFEST_IRI = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest"
MANIFEST_TESTS = 34  # entries in the manifest as published; a parser that drops one must fail

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

# Tests that cannot pass, by local name, with the reason (also in docs/conformance.md).
XFAIL: dict[str, str] = {}

RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
TABULAR = (RESULTS_JSON, RESULTS_XML, "text/csv", "text/tab-separated-values")
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}
SRX = "{http://www.w3.org/2005/sparql-results#}"


@dataclass(frozen=True)
class Expected:
    status_classes: frozenset[int]  # 2 for hts:StatusCode2xx, ...
    kind: str | None  # "boolean", "tabular", "RDF" or None (not checked)
    boolean: bool | None


@dataclass(frozen=True)
class Step:
    method: str
    path: str  # as in the manifest, starting with /sparql/
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    expected: Expected


@dataclass(frozen=True)
class W3CTest:
    name: str  # local name of the entry, e.g. query_post_form
    label: str  # mf:name
    graphs: tuple[tuple[str, str], ...]  # (graph IRI, data file name) to load first
    steps: tuple[Step, ...]


def _one(g: Graph, s: Node, p: URIRef) -> Node | None:
    values = list(g.objects(s, p))
    assert len(values) <= 1, f"{s} has {len(values)} values for {p}"
    return values[0] if values else None


def _items(g: Graph, s: Node, p: URIRef) -> list[Node]:
    head = _one(g, s, p)
    return list(Collection(g, head)) if head is not None else []


def _status_class(code: Node) -> int:
    local = str(code).removeprefix(str(HTS))
    assert local.startswith("StatusCode") and local.endswith("xx"), f"unknown status {code}"
    return int(local[len("StatusCode")])


def _step(g: Graph, req: Node) -> Step:
    headers = tuple((str(_one(g, h, HT.fieldName)), str(_one(g, h, HT.fieldValue))) for h in _items(g, req, HT.headers))
    body = None
    content = _one(g, req, HT.body)
    if content is not None:
        encoding = str(_one(g, content, CNT.characterEncoding) or "UTF-8")
        body = str(_one(g, content, CNT.chars)).encode(encoding)
    resp = _one(g, req, HT.resp)
    assert resp is not None, f"request {req} has no expected response"
    kind = _one(g, resp, MF.expectedFormat)
    boolean = _one(g, resp, MF.expectedBoolean)
    expected = Expected(
        status_classes=frozenset(_status_class(c) for c in g.objects(resp, MF.expectedStatus)),
        kind=str(kind) if kind is not None else None,
        boolean=boolean.toPython() if isinstance(boolean, Literal) else None,
    )
    assert expected.status_classes, f"request {req} expects no status"
    return Step(str(_one(g, req, HT.methodName)), str(_one(g, req, HT.absolutePath)), headers, body, expected)


def read_manifest(path: Path = SUITE / "manifest.ttl") -> list[W3CTest]:
    """Every entry of the manifest, in its order; anything unexpected in it fails loudly."""
    g = Graph().parse(path, format="turtle", publicID=MANIFEST_IRI)
    manifest = URIRef(MANIFEST_IRI)
    assert (manifest, RDF.type, MF.Manifest) in g
    tests = []
    for entry in _items(g, manifest, MF.entries):
        assert (entry, RDF.type, MF.ProtocolTest) in g, f"{entry} is not a protocol test"
        graphs = tuple(
            sorted(
                (str(_one(g, gd, RDFS.label)), str(_one(g, gd, UT.graph)).rsplit("/", 1)[-1])
                for gd in g.objects(entry, UT.graphData)
            )
        )
        action = _one(g, entry, MF.action)
        assert action is not None, f"{entry} has no action"
        steps = tuple(_step(g, req) for req in _items(g, action, HT.requests))
        assert steps, f"{entry} has no requests"
        name = str(entry).rsplit("#", 1)[-1]
        tests.append(W3CTest(name, str(_one(g, entry, MF.name)), graphs, steps))
    return tests


TESTS = read_manifest()
RAN: list[str] = []  # names of the manifest tests this session executed, in order


def _media(response: httpx.Response) -> str:
    """The bare media type: the endpoint adds ``; charset=utf-8`` to text types."""
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def result_kind(response: httpx.Response) -> tuple[str, bool | None]:
    """("boolean", answer), ("tabular", None) or ("RDF", None), read from the body itself, so a
    response that merely claims a media type does not pass."""
    media = _media(response)
    if media == RESULTS_JSON:
        doc = json.loads(response.content)
        if "boolean" in doc:
            assert isinstance(doc["boolean"], bool)
            return "boolean", doc["boolean"]
        assert isinstance(doc["results"]["bindings"], list) and "vars" in doc["head"]
        return "tabular", None
    if media == RESULTS_XML:
        root = ET.fromstring(response.content)
        assert root.tag == f"{SRX}sparql"
        boolean = root.find(f"{SRX}boolean")
        if boolean is not None:
            assert boolean.text in ("true", "false")
            return "boolean", boolean.text == "true"
        assert root.find(f"{SRX}results") is not None
        return "tabular", None
    if media in TABULAR:  # CSV/TSV: a header line of variables
        assert response.text.splitlines()[0]
        return "tabular", None
    if media in RDF_TYPES:
        Graph().parse(data=response.content, format=RDF_TYPES[media])
        return "RDF", None
    raise AssertionError(f"response of unknown media type {media!r}")


def endpoint_url(server: LiveServer, path: str) -> str:
    """The manifest's /sparql/... path on the live endpoint (its query string kept byte for byte)."""
    assert path.startswith("/sparql/"), path
    return server.sparql + path[len("/sparql/") :]


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own: the suite runs CLEAR ALL and DROP ALL, which the shared one must not see."""
    root = tmp_path_factory.mktemp("w3c-protocol")
    srv = start_server(root / "store", root / "serve.log")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """One client that never follows redirects, so a 3xx is seen as the manifest's 3xx."""
    with httpx.Client(timeout=30, follow_redirects=False) as c:
        yield c


def prepare(server: LiveServer, client: httpx.Client, test: W3CTest) -> None:
    """An empty store holding exactly the graphs the entry names, so each test stands alone."""
    r = client.post(
        server.sparql, content=b"DROP ALL", headers={**auth(ADMIN), "Content-Type": "application/sparql-update"}
    )
    assert r.status_code == 204, r.text
    for iri, filename in test.graphs:
        r = client.put(
            server.graphs,
            params={"graph": iri},
            content=(SUITE / filename).read_bytes(),
            headers={**auth(ADMIN), "Content-Type": "application/n-triples"},
        )
        assert r.status_code in (201, 204), r.text


def run_step(server: LiveServer, client: httpx.Client, step: Step) -> httpx.Response:
    """One manifest request. It carries the ADMIN token: the suite's data lives in graphs only
    scope "all" sees, its updates need write, and a bad request must be refused for its protocol
    error, not for a missing token (so 401/403 never count as the expected 4xx)."""
    headers = dict(step.headers)
    headers.update(auth(ADMIN))
    return client.request(step.method, endpoint_url(server, step.path), headers=headers, content=step.body)


def check(step: Step, response: httpx.Response) -> None:
    """What the manifest's ``ht:resp`` expects; the message shows the request and the answer."""
    exp = step.expected
    where = f"{step.method} {step.path[:90]} -> {response.status_code} {response.text[:300]}"
    assert response.status_code // 100 in exp.status_classes, where
    assert response.status_code not in (401, 403), f"refused for auth, not for the protocol: {where}"
    if exp.kind is not None:
        kind, answer = result_kind(response)
        assert kind == exp.kind, where
        if exp.boolean is not None:
            assert answer is exp.boolean, where


def _case(test: W3CTest) -> object:
    """A pytest parameter named after the manifest entry, xfail(strict) if ``XFAIL`` lists it."""
    marks = [pytest.mark.xfail(reason=XFAIL[test.name], strict=True)] if test.name in XFAIL else []
    return pytest.param(test, id=test.name, marks=marks)


@pytest.mark.parametrize("test", [_case(t) for t in TESTS])
def test_w3c_protocol(w3c_server: LiveServer, client: httpx.Client, test: W3CTest) -> None:
    """One manifest entry: its requests in order (an update, then the ASK that reads it back)."""
    RAN.append(test.name)
    prepare(w3c_server, client, test)
    for step in test.steps:
        check(step, run_step(w3c_server, client, step))


def test_manifest_is_read_whole() -> None:
    """All 34 entries parsed (none dropped by the reader), and every expected failure documented."""
    names = [t.name for t in TESTS]
    assert len(names) == len(set(names)) == MANIFEST_TESTS
    assert sum(len(t.steps) for t in TESTS) == 39  # five update tests read back with an ASK
    assert set(XFAIL) <= set(names), "XFAIL names a test the manifest does not have"
    documented = (Path(__file__).resolve().parents[1] / "docs" / "conformance.md").read_text(encoding="utf-8")
    rows = [line for line in documented.splitlines() if line.startswith("| `")]
    for name in XFAIL:
        cells = next(([c.strip() for c in r.strip().strip("|").split("|")] for r in rows if f"`{name}`" in r), [])
        assert cells[:1] == [f"`{name}`"] and len(cells) > 1 and cells[1], f"docs/conformance.md: no reason for {name}"


def test_every_selected_manifest_test_ran(request: pytest.FixtureRequest) -> None:
    """The runner executed every manifest test pytest selected (all 34 in a full run), once."""
    selected = [
        item.callspec.id
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_w3c_protocol" and item.module is request.module
    ]
    assert sorted(RAN) == sorted(selected)
    if len(selected) == len(TESTS):
        assert len(RAN) == MANIFEST_TESTS
