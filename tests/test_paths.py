"""Pathfinding and collaborator suggestions on a graph whose answers are known by hand
(tests/data/paths/fixture.ttl, loaded on the bundled graph): explained hops, diverse and k
cheapest paths, limits and filters, scopes (a partner-only person is in no public answer), the
index following a new load, the HTTP API with its error shape, the CLI, and the SVG page in
headless Chromium. All of it on each backend: the embedded store, a real Oxigraph server and a
real Virtuoso (tests/deployments.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import polars as pl
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from stigraph.errors import NotFound, ParameterError
from stigraph.namespaces import Minter
from stigraph.paths.answers import collaborators_answer, paths_answer
from stigraph.paths.index import GraphIndex, build_index
from stigraph.paths.search import weighted_paths
from stigraph.store import open_store
from stigraph.validation import Validator
from stigraph.validation.validator import subclass_closure

from .conftest import REPO
from .deployments import BACKENDS, Deployment, Deployments
from .live import PARTNER, LiveServer
from .test_query_page import browser  # noqa: F401  (the module's headless Chromium)

P = "https://w3id.org/stigraph/id/person/paths-"
UNIV = "https://w3id.org/stigraph/id/org/paths-univ"
FIELD = "https://w3id.org/stigraph/id/field/kaken-621"
FIXTURE = REPO / "tests" / "data" / "paths" / "fixture.ttl"


@pytest.fixture(scope="module", params=BACKENDS)
def deployment(request: pytest.FixtureRequest, deployments: Deployments) -> Deployment:
    """The bundled graph and PI-list sample, plus the fixture (loaded with the real CLI), on
    each backend."""
    return deployments.get(request.param, "paths")


@pytest.fixture(scope="module")
def indexes(deployment: Deployment, validator: Validator) -> dict[str, GraphIndex]:
    settings = deployment.settings
    classes = subclass_closure(validator.class_axioms)
    with open_store(settings) as store:
        return {s: build_index(store, Minter(settings.base_iri), s, classes) for s in ("public", "all")}


@pytest.fixture(scope="module")
def service(deployment: Deployment, deployments: Deployments) -> LiveServer:
    return deployments.server(deployment.backend, "paths")


def _labels(index: GraphIndex, answer: dict) -> list[list[str]]:
    return [[n["label"] for n in p["nodes"]] for p in answer["paths"]]


def test_a_partner_only_person_is_in_no_public_index(indexes: dict[str, GraphIndex]) -> None:
    assert indexes["public"].id_of(P + "endo") is None
    assert indexes["all"].id_of(P + "endo") is not None
    assert indexes["public"].node_count < indexes["all"].node_count


def test_paths_are_explained_hop_by_hop(indexes: dict[str, GraphIndex]) -> None:
    answer = paths_answer(indexes["public"], P + "aoki", P + "doi", k=2)
    assert (answer["connected"], answer["hops"], answer["shortest_paths"]) == (True, 3, 1)  # through the field
    assert _labels(indexes["public"], answer) == [
        ["Akiko Aoki", "Bunta Baba", "Paths Test University", "Chie Chiba", "Daisuke Doi"],
        ["Akiko Aoki", "Humanities and Social Sciences", "Goro Goto", "Daisuke Doi"],
    ]
    first = answer["paths"][0]
    assert first["steps"] == [
        "Akiko Aoki and Bunta Baba co-authored 3 papers (2019-2023), e.g. “Sensing heat in single cells”",
        "Bunta Baba and Chie Chiba were both at Paths Test University (2016-2018)",
        "Chie Chiba and Daisuke Doi co-authored 1 paper (2022), e.g. “Robots that fold proteins”",
    ]
    hop = first["hops"][0]
    assert (hop["type"], hop["papers"], hop["first_year"], hop["last_year"]) == ("coauthor", 3, 2019, 2023)
    assert hop["evidence"] == "https://w3id.org/stigraph/id/publication/paths-3"
    assert first["intermediaries"] == [P + "baba", P + "chiba"]
    # diverse: the second path shares no intermediate person with the first
    assert not set(answer["paths"][1]["intermediaries"]) & set(first["intermediaries"])


def test_k_cheapest_paths_are_valid_distinct_and_in_order(indexes: dict[str, GraphIndex]) -> None:
    index = indexes["all"]
    a, d = index.id_of(P + "aoki"), index.id_of(P + "doi")
    assert a is not None and d is not None
    found = weighted_paths(index, a, d, k=5, mode="shortest", max_depth=6)
    names = [[index.labels[n] for n in p.nodes] for p in found]
    assert names[:3] == [
        ["Akiko Aoki", "Emi Endo", "Daisuke Doi"],
        ["Akiko Aoki", "Bunta Baba", "Paths Test University", "Chie Chiba", "Daisuke Doi"],
        ["Akiko Aoki", "Humanities and Social Sciences", "Goro Goto", "Daisuke Doi"],
    ]
    costs = [p.cost for p in found]
    assert costs == sorted(costs) and len({tuple(p.nodes) for p in found}) == len(found) >= 3
    for p in found:
        assert p.nodes[0] == a and p.nodes[-1] == d and len(set(p.nodes)) == len(p.nodes) <= 7
        for u, v, ref in zip(p.nodes[:-1], p.nodes[1:], p.edges, strict=True):
            lo, hi = index.indptr[u], index.indptr[u + 1]
            assert v in index.indices[lo:hi].tolist()
            assert ref in index.edge[lo:hi].tolist()


LIMITS = [
    ({"via": ["coauthor"]}, None),  # the public co-author graph does not join them
    ({"via": ["coauthor,affiliation"]}, 4),
    ({"exclude": [P + "baba"]}, 3),
    ({"max_depth": 2}, None),
    ({"max_depth": 3}, 3),
]


def test_filters_and_limits(indexes: dict[str, GraphIndex]) -> None:
    ran = 0
    for options, hops in LIMITS:
        answer = paths_answer(indexes["public"], P + "aoki", P + "doi", **options)  # type: ignore[arg-type]
        assert answer["hops"] == hops, options
        assert answer["connected"] is (hops is not None)
        for path in answer["paths"]:
            assert P + "baba" not in [n["id"] for n in path["nodes"]] or "exclude" not in options
            assert len(path["hops"]) <= answer["limits"]["max_depth"]
        ran += 1
    assert ran == len(LIMITS) == 5


BAD = [
    ({"source": P + "endo"}, NotFound, "from"),  # partner-only: not found for the public
    ({"target": P + "nobody"}, NotFound, "to"),
    ({"k": 0}, ParameterError, "k"),
    ({"max_depth": 9}, ParameterError, "max_depth"),
    ({"via": ["coauthor", "telepathy"]}, ParameterError, "via"),
    ({"mode": "random"}, ParameterError, "mode"),
]


def test_bad_requests_name_the_field(indexes: dict[str, GraphIndex]) -> None:
    ran = 0
    for options, error, field in BAD:
        args = {"source": P + "aoki", "target": P + "doi", **options}
        with pytest.raises(error) as caught:
            paths_answer(indexes["public"], args.pop("source"), args.pop("target"), **args)  # type: ignore[arg-type]
        assert caught.value.context.field == field
        ran += 1
    assert ran == len(BAD) == 6


def test_collaborators_are_ranked_with_paths_and_an_introducer(indexes: dict[str, GraphIndex]) -> None:
    minter = Minter("https://w3id.org/stigraph/")
    answer = collaborators_answer(indexes["public"], minter, P + "aoki", country="US")
    got = [(s["label"], s["introducer"]["label"] if s["introducer"] else None) for s in answer["suggestions"]]
    # Both are best reached through Baba, Aoki's co-author (Baba-Chiba-Doi-Goto[-Hoshi] costs less
    # than the shared field, which is the hub every walk passes through)
    assert got == [("Goro Goto", "Bunta Baba"), ("Hana Hoshi", "Bunta Baba")]
    goto = answer["suggestions"][0]
    assert [f["id"] for f in goto["shared_fields"]] == [FIELD] and goto["paths"]
    assert answer["suggestions"][0]["score"] > answer["suggestions"][1]["score"] > 0
    everyone = collaborators_answer(indexes["public"], minter, P + "aoki", limit=50)["suggestions"]
    ids = [s["id"] for s in everyone]
    assert P + "baba" not in ids  # already a co-author
    assert P + "endo" not in ids and P + "aoki" not in ids
    assert P + "chiba" in ids
    scores = [s["score"] for s in everyone]
    assert scores == sorted(scores, reverse=True)
    in_field = collaborators_answer(indexes["public"], minter, P + "aoki", field=FIELD)["suggestions"]
    assert [s["label"] for s in in_field] == ["Goro Goto"]
    with pytest.raises(NotFound):
        collaborators_answer(indexes["public"], minter, UNIV)  # not a person


# over HTTP ----------------------------------------------------------------------------------------


def _get(service: LiveServer, path: str, params: dict | list, token: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    deadline = time.monotonic() + 60
    while True:  # the index of a fresh server is built in the background: 503 until it is ready
        r = httpx.get(service.base + path, params=params, headers=headers, timeout=60)
        if r.status_code != 503 or time.monotonic() > deadline:
            return r
        time.sleep(0.2)


def test_api_answers_with_the_one_error_shape(service: LiveServer) -> None:
    r = _get(service, "/api/paths", {"from": P + "aoki", "to": P + "doi", "k": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["hops"], body["index"]["scope"]) == (3, "public")
    assert body["paths"][0]["steps"][1] == "Bunta Baba and Chie Chiba were both at Paths Test University (2016-2018)"
    hidden = _get(service, "/api/paths", {"from": P + "aoki", "to": P + "endo"})
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    seen = _get(service, "/api/paths", {"from": P + "aoki", "to": P + "endo"}, token=PARTNER)
    assert seen.status_code == 200 and seen.json()["hops"] == 1
    for params, field in (({"from": P + "aoki", "to": P + "doi", "k": 0}, "k"), ({"to": P + "doi"}, "from")):
        bad = _get(service, "/api/paths", params)
        assert bad.status_code == 422 and bad.json()["error"]["context"]["field"] == field
    bad = _get(service, "/api/paths", [("from", P + "aoki"), ("to", P + "doi"), ("via", "telepathy")])
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_parameter"
    c = _get(service, "/api/collaborators", {"for": P + "aoki", "country": "US"})
    assert c.status_code == 200 and [s["label"] for s in c.json()["suggestions"]] == ["Goro Goto", "Hana Hoshi"]
    schema = httpx.get(service.base + "/openapi.json", timeout=30).json()
    assert {"/api/paths", "/api/collaborators", "/paths"} <= set(schema["paths"])


def test_the_index_follows_a_load(service: LiveServer, deployment: Deployment, tmp_path: Path) -> None:
    """After a load that makes Aoki and Doi co-authors, the service answers 1 hop without a
    restart (the index of the new generation is built in the background)."""
    before = _get(service, "/api/paths", {"from": P + "aoki", "to": P + "doi"}).json()
    assert before["hops"] == 3
    extra = tmp_path / "more.ttl"
    extra.write_text(
        FIXTURE.read_text(encoding="utf-8").split("\npub:paths-1 ", 1)[0].split("\nperson:paths-aoki", 1)[0]
        + '\npub:paths-8 a sg:Publication ; rdfs:label "A new joint paper"@en ; dcterms:issued "2024"^^xsd:gYear .\n'
        "au:paths-8a a sg:Authorship ; sg:publication pub:paths-8 ; sg:author person:paths-aoki ;"
        " sg:authorPosition 1 .\n"
        "au:paths-8b a sg:Authorship ; sg:publication pub:paths-8 ; sg:author person:paths-doi ;"
        " sg:authorPosition 2 .\n",
        encoding="utf-8",
    )
    loaded = deployment.cli("load", str(extra), "--source-id", "paths-more")
    assert loaded.returncode == 0, loaded.stderr
    deadline = time.monotonic() + 60
    while True:
        after = _get(service, "/api/paths", {"from": P + "aoki", "to": P + "doi"}).json()
        if after["hops"] == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert after["hops"] == 1 and after["index"]["generation"] > before["index"]["generation"]
    assert "A new joint paper" in after["paths"][0]["steps"][0]


def test_the_page_draws_the_paths(service: LiveServer, browser: WebDriver) -> None:  # noqa: F811
    _get(service, "/api/paths", {"from": P + "aoki", "to": P + "chiba"})  # wait for the index
    browser.get(f"{service.base}/paths?from={P}aoki&to={P}chiba&k=2")
    svg = browser.find_element(By.CSS_SELECTOR, "svg")
    nodes = svg.find_elements(By.CSS_SELECTOR, "g.node")
    labels = [n.find_element(By.TAG_NAME, "text").text for n in nodes]
    assert "Akiko Aoki" in labels and "Chie Chiba" in labels and "Bunta Baba" in labels
    assert len(svg.find_elements(By.CSS_SELECTOR, "line.hop")) == len(nodes) - len(
        browser.find_elements(By.CSS_SELECTOR, "h2")
    )
    steps = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.steps li")]
    assert "Bunta Baba and Chie Chiba were both at Paths Test University (2016-2018)" in steps
    assert svg.size["width"] > 200 and svg.size["height"] > 50
    assert not browser.find_elements(By.CSS_SELECTOR, "script[src^='http']")  # nothing from a CDN
    browser.get(f"{service.base}/paths?from={P}aoki&to={P}nobody")
    assert "no node" in browser.find_element(By.CSS_SELECTOR, ".error").text


def test_cli_paths_and_collaborators(deployment: Deployment) -> None:
    r = deployment.cli("paths", P + "aoki", P + "chiba", "--scope", "public", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["hops"] == 2
    text = deployment.cli("paths", P + "aoki", P + "chiba", "--scope", "public")
    assert "co-authored 3 papers" in text.stdout
    c = deployment.cli("collaborators", P + "aoki", "--country", "US", "--scope", "public")
    assert c.returncode == 0 and "Goro Goto" in c.stdout
    bad = deployment.cli("paths", P + "nobody", P + "chiba")
    assert bad.returncode == 2 and "no node" in bad.stderr and "Traceback" not in bad.stderr


def test_a_search_past_its_deadline_stops_with_a_clear_error(indexes: dict[str, GraphIndex]) -> None:
    from stigraph.paths.search import DeadlineExceeded

    with pytest.raises(DeadlineExceeded, match="deadline"):
        paths_answer(indexes["public"], P + "aoki", P + "doi", deadline=time.monotonic() - 1)


# search -------------------------------------------------------------------------------------------

SEARCHES = [
    ("Akiko Aoki", P + "aoki"),
    ("AOKI Akiko", P + "aoki"),  # family name first, in capitals
    ("aoki", P + "aoki"),
    ("青木", P + "aoki"),  # kanji
    ("明子", P + "aoki"),
    ("paths test univ", "https://w3id.org/stigraph/id/org/paths-univ"),  # the last word as a prefix
    ("パス試験", "https://w3id.org/stigraph/id/org/paths-univ"),
    ("Haruka Tanaka", "https://w3id.org/stigraph/id/person/0000-0002-1825-0097"),  # the PI-list sample
    ("田中 遥", "https://w3id.org/stigraph/id/person/0000-0002-1825-0097"),
]


def test_search_finds_names_in_every_form(indexes: dict[str, GraphIndex]) -> None:
    from stigraph.paths.answers import search_answer

    ran = 0
    for query, expected in SEARCHES:
        results = search_answer(indexes["public"], query)["results"]
        assert results and results[0]["id"] == expected, (query, results[:3])
        ran += 1
    assert ran == len(SEARCHES) == 9
    # Hepburn variants: the partner-only PI "Yuki Ohno" is found as Ono, Oono and Ōno by a partner...
    for variant in ("Yuki Ohno", "yuki ono", "OONO Yuki", "Yūki Ōno", "大野"):
        hits = search_answer(indexes["all"], variant, kind="person")["results"]
        assert "https://w3id.org/stigraph/id/person/0000-0001-5109-3700" in [h["id"] for h in hits], variant
        # ...and by nobody in the public scope
        public = search_answer(indexes["public"], variant, kind="person")["results"]
        assert "https://w3id.org/stigraph/id/person/0000-0001-5109-3700" not in [h["id"] for h in public]
    assert all(
        r["kind"] == "organization" for r in search_answer(indexes["all"], "univ", kind="organization")["results"]
    )
    for bad, field in (("", "q"), ("x" * 201, "q")):
        with pytest.raises(ParameterError) as caught:
            search_answer(indexes["public"], bad)
        assert caught.value.context.field == field
    with pytest.raises(ParameterError):
        search_answer(indexes["public"], "aoki", kind="planet")


def test_search_over_http(service: LiveServer) -> None:
    r = _get(service, "/api/search", {"q": "aoki akiko"})
    assert r.status_code == 200 and r.json()["results"][0]["id"] == P + "aoki"
    assert r.json()["results"][0]["match"] == "exact"
    hidden = _get(service, "/api/search", {"q": "Emi Endo"})
    assert hidden.status_code == 200 and hidden.json()["results"] == []  # partner only
    seen = _get(service, "/api/search", {"q": "Emi Endo"}, token=PARTNER)
    assert [x["id"] for x in seen.json()["results"]] == [P + "endo"]
    bad = _get(service, "/api/search", {"q": ""})
    assert bad.status_code == 422 and bad.json()["error"]["context"]["field"] == "q"


def test_the_name_index_keeps_each_names_tokens_as_search_cuts_them(indexes: dict[str, GraphIndex]) -> None:
    from stigraph.search.index import tokens

    names = indexes["all"].names
    assert len(names.row_tokens) == len(names.names) > 50
    mismatched = [
        name for (_, name), cut in zip(names.names, names.row_tokens, strict=True) if cut != tuple(tokens(name))
    ]
    assert mismatched == []


def test_the_index_reads_terms_as_pyoxigraph_gives_them() -> None:
    """The builder reads the store as SPARQL TSV and cuts it itself: every kind of term must
    come back as ``term.value`` (and language, and year) would give it."""
    from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

    from stigraph.paths import terms
    from stigraph.paths.scan import Scan

    xsd = "http://www.w3.org/2001/XMLSchema#"
    objects = [
        Literal('tab\there "quoted" back\\slash\nline\rreturn é 日本 \x01 \u2028'),
        Literal("Akiko Aoki", language="en-GB"),
        Literal("青木 明子", language="ja"),
        Literal("12", datatype=NamedNode(xsd + "integer")),
        Literal("1.50", datatype=NamedNode(xsd + "decimal")),
        Literal("true", datatype=NamedNode(xsd + "boolean")),
        Literal("2019", datatype=NamedNode(xsd + "gYear")),
        Literal("2019-04-01", datatype=NamedNode(xsd + "date")),
        Literal("n.d."),
        Literal("199"),
        Literal(""),
        BlankNode("b1"),
        NamedNode("http://example.org/日本"),
    ]
    store, graph, p = Store(), NamedNode("http://example.org/g"), NamedNode("http://example.org/p")
    for i, o in enumerate(objects):
        store.add(Quad(NamedNode(f"http://example.org/s{i}"), p, o, graph))

    class Raw:  # what build_index asks of a store, here a bare pyoxigraph one
        def query(self, sparql: str, default_graph: list[NamedNode]) -> object:
            return store.query(sparql, default_graph=default_graph)

    def _year(text: str) -> int | None:  # the rule the years follow
        return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None

    expected = {q.subject.value: q.object for q in store.quads_for_pattern(None, p, None, graph)}  # as stored
    assert len(expected) == len(objects)
    with Scan(Raw(), [graph]) as scan:  # type: ignore[arg-type]
        table = scan.table(p.value)
    subjects = terms.values(table["s"]).to_list()
    assert sorted(subjects) == sorted(expected)
    got = dict(zip(subjects, zip(terms.values(table["o"]), terms.languages(table["o"]), strict=True), strict=True))
    assert got == {s: (o.value, getattr(o, "language", None)) for s, o in expected.items()}
    assert dict(zip(subjects, terms.years(table["o"]), strict=True)) == {s: _year(o.value) for s, o in expected.items()}
    assert [terms.value(t) for t in table["o"]] == terms.values(table["o"]).to_list()  # one at a time, the same
    with Scan(Raw(), []) as scan:  # no graph: nothing, not the default graph
        assert scan.table(p.value).is_empty()
    assert terms.years(pl.Series(["<http://example.org/2019>", "2019", "_:2019"])).to_list() == [None, 2019, None]
