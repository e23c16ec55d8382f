"""Dereferenceable IRIs, entity pages, the mission PI Map page and the search page, against a live
service on the bundled graph, the PI-list sample and tests/data/pages/fixture.ttl.

Every entity kind is fetched in every RDF syntax (by Accept and by suffix) and parsed strictly
with pyoxigraph and rdflib; pages are read in headless Chromium, in Japanese and English.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
from pyoxigraph import NamedNode, RdfFormat, parse
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.conftest import REPO, run_cli
from tests.live import ADMIN, PARTNER, LiveServer, auth, start_server
from tests.test_query_page import browser  # noqa: F401  (the headless Chromium fixture)

FIXTURE = REPO / "tests" / "data" / "pages" / "fixture.ttl"
BASE = "https://w3id.org/stigraph/id/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
SCREENSHOTS = os.environ.get("STIGRAPH_DOCS_SCREENSHOTS")  # set to write the docs' screenshots

# one entity of each kind a person looks up, and a name it must carry
ENTITIES = {
    "person": ("person/pages-sato", "SATO Hanako"),
    "institution": ("org/pages-nordic", "Nordic Test University"),
    "mission": ("mission/pages-test", "Pages Test Consulate"),
    "programme": ("programme/st-fellows", None),
    "field": ("field/kaken-621", "Humanities and Social Sciences"),
}
# (suffix, Accept, pyoxigraph format, rdflib format, media type answered)
FORMATS = [
    ("ttl", "text/turtle", RdfFormat.TURTLE, "turtle", "text/turtle"),
    ("nt", "application/n-triples", RdfFormat.N_TRIPLES, "nt", "application/n-triples"),
    ("nq", "application/n-quads", RdfFormat.N_QUADS, "nquads", "application/n-quads"),
    ("trig", "application/trig", RdfFormat.TRIG, "trig", "application/trig"),
    ("jsonld", "application/ld+json", RdfFormat.JSON_LD, "json-ld", "application/ld+json"),
    ("rdf", "application/rdf+xml", RdfFormat.RDF_XML, "xml", "application/rdf+xml"),
]


@pytest.fixture(scope="module")
def pages_store(served_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("pages") / "store"
    shutil.copytree(served_store, store, symlinks=True)
    loaded = run_cli("load", str(FIXTURE), "--source-id", "pages-fixture", "--title", "Pages fixture", store=store)
    assert loaded.returncode == 0, loaded.stderr
    return store


@pytest.fixture(scope="module")
def site(pages_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    srv = start_server(pages_store, tmp_path_factory.mktemp("pages-log") / "serve.log")
    yield srv
    srv.stop()


def _get(site: LiveServer, path: str, accept: str | None = None, token: str | None = None) -> httpx.Response:
    headers = {**(auth(token) if token else {}), **({"Accept": accept} if accept else {})}
    return httpx.get(site.base + path, headers=headers, timeout=30)


def _strict_parse(body: bytes, fmt: RdfFormat, rdflib_format: str) -> tuple[list, rdflib.Graph]:
    quads = list(parse(body, format=fmt))  # pyoxigraph is strict: bad IRIs or syntax raise
    graph = rdflib.Dataset() if rdflib_format in ("nquads", "trig") else rdflib.Graph()
    graph.parse(data=body, format=rdflib_format)
    return quads, graph


def test_every_kind_resolves_in_every_syntax_by_accept_and_by_suffix(site: LiveServer) -> None:
    cases = 0
    for kind, (path, name) in ENTITIES.items():
        iri = NamedNode(BASE + path)
        for suffix, accept, fmt, rdflib_format, media in FORMATS:
            for how, response in (
                ("accept", _get(site, f"/id/{path}", accept=accept)),
                ("suffix", _get(site, f"/id/{path}.{suffix}")),
            ):
                assert response.status_code == 200, (kind, suffix, how, response.text)
                assert response.headers["content-type"].split(";")[0] == media, (kind, suffix, how)
                assert "accept" in response.headers["vary"].lower()
                assert f'<{iri.value}>; rel="canonical"' in response.headers["link"]
                quads, graph = _strict_parse(response.content, fmt, rdflib_format)
                assert any(q.subject == iri for q in quads), (kind, suffix, how)
                assert len(graph) > 0 if not isinstance(graph, rdflib.Dataset) else len(list(graph.quads())) > 0
                if name:
                    labels = {
                        q.object.value
                        for q in quads
                        if q.subject == iri and q.predicate.value in (RDFS_LABEL, SKOS_PREF)
                    }
                    assert name in labels, (kind, suffix, how, labels)
                cases += 1
    assert cases == len(ENTITIES) * len(FORMATS) * 2 == 60


def test_a_browser_gets_html_and_the_links_name_every_syntax(site: LiveServer) -> None:
    r = _get(site, "/id/person/pages-sato", accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-location"] == "/id/person/pages-sato.html"
    links = r.headers["link"]
    for suffix, _, _, _, media in FORMATS:
        assert f'</id/person/pages-sato.{suffix}>; rel="alternate"; type="{media}"' in links
    assert _get(site, "/id/person/pages-sato", accept="*/*").headers["content-type"].startswith("text/turtle")


def test_json_ld_reads_as_plain_json_with_the_published_context(site: LiveServer) -> None:
    doc = _get(site, "/id/person/pages-sato.jsonld").json()
    context = _get(site, "/context.jsonld").json()["@context"]
    assert doc["@context"] == context
    me = next(node for node in _nodes(doc) if node.get("id") == BASE + "person/pages-sato")
    assert me["label"] == {"en": "SATO Hanako", "ja": "佐藤 花子"}
    assert me["researchField"] == BASE + "field/kaken-621"
    assert me["type"] == "Researcher"
    assert context["holder"] == {"@id": "https://w3id.org/stigraph/ontology#holder", "@type": "@id"}


def _nodes(doc: dict) -> list[dict]:
    return doc.get("@graph", [doc])


def test_unknown_and_hidden_entities_are_404_with_the_error_shape(site: LiveServer) -> None:
    cases = [
        ("/id/person/nobody", None),
        ("/id/person/nobody.ttl", None),
        ("/id/person/pages-mori", None),  # restricted
        ("/id/person/pages-kato", None),  # partner only
        ("/id/person/pages-mori.jsonld", PARTNER),
        ("/id/field/pages-unannounced", None),
        ("/pimap/nowhere", None),
    ]
    for path, token in cases:
        r = _get(site, path, token=token)
        assert r.status_code == 404, path
        body = r.json()
        assert body["error"]["code"] == "not_found" and body["error"]["message"], path
    assert _get(site, "/id/person/pages-kato.ttl", token=PARTNER).status_code == 200
    assert _get(site, "/id/person/pages-mori.ttl", token=ADMIN).status_code == 200
    assert len(cases) == 7


def test_contact_details_and_hidden_people_stay_out_of_public_pages(site: LiveServer) -> None:
    public = [_get(site, f"/id/{p}.nt").text for p in ("person/pages-sato", "org/pages-baltic", "field/kaken-622")] + [
        _get(site, "/id/person/pages-sato", accept="text/html").text,
        _get(site, "/pimap/pages-test").text,
    ]
    public.append(_get(site, "/pimap/pages-test.csv").text)
    public.append(_get(site, "/id/person/pages-sato.jsonld").text)
    for body in public:
        assert "pages-unannounced" not in body and "Unannounced topic" not in body  # a restricted field
        assert "hanako.sato@example.org" not in body
        assert "pages-mori" not in body and "MORI Jun" not in body
        assert "pages-kato" not in body and "KATO Yui" not in body
    partner = _get(site, "/id/org/pages-baltic.nt", token=PARTNER).text
    assert "pages-kato" in partner and "pages-mori" not in partner
    assert "hanako.sato@example.org" in _get(site, "/id/person/pages-sato.nt", token=ADMIN).text


def test_the_person_page_shows_affiliations_coauthors_missions_and_sources(site: LiveServer) -> None:
    html = _get(site, "/id/person/pages-sato?lang=en", accept="text/html").text
    assert "Nordic Test University" in html and "2019-04-01–present" in html
    assert "ITO Ken" in html and "Sea ice and the Baltic" in html  # co-author, example paper
    assert "Pages Test Consulate" in html  # the mission whose jurisdiction covers her institution
    assert "Science and Technology Fellow initiative" in html
    assert "Pages fixture (loaded " in html  # the source and date of the facts
    ito = _get(site, "/id/person/pages-ito?lang=en", accept="text/html").text
    assert "2015-01-01–2019-12-31" in ito and "Baltic Test Institute" in ito  # affiliations over time
    baltic = _get(site, "/id/org/pages-baltic?lang=en", accept="text/html").text
    members = baltic.split('id="members"', 1)[1].split("</table>", 1)[0]
    assert "ITO Ken" in members and "2015-01-01–2019-12-31" in members
    assert "Pages Test Consulate" in baltic  # the mission covering the institution


def test_pi_map_downloads(site: LiveServer) -> None:
    rows = list(csv.DictReader(io.StringIO(_get(site, "/pimap/pages-test.csv").text)))
    assert sorted(r["name"] for r in rows) == ["ITO Ken", "SATO Hanako"]
    assert {r["institution_name"] for r in rows} == {"Nordic Test University"}
    partner_rows = list(csv.DictReader(io.StringIO(_get(site, "/pimap/pages-test.csv", token=PARTNER).text)))
    assert sorted(r["name"] for r in partner_rows) == ["ITO Ken", "KATO Yui", "SATO Hanako"]
    ja = list(csv.DictReader(io.StringIO(_get(site, "/pimap/pages-test.csv?lang=ja").text)))
    assert "佐藤 花子" in {r["name"] for r in ja} and "人文社会系" in {r["fields"] for r in ja}
    r = _get(site, "/pimap/pages-test.jsonld")
    assert r.headers["content-type"].startswith("application/ld+json")
    graph = rdflib.Graph().parse(data=r.content, format="json-ld")
    people = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef("https://w3id.org/stigraph/ontology#Researcher")))
    assert people == {rdflib.URIRef(BASE + "person/pages-sato"), rdflib.URIRef(BASE + "person/pages-ito")}
    sato = json.loads(r.content)
    assert any(n.get("affiliation") == BASE + "org/pages-nordic" for n in _nodes(sato))


def test_pages_in_a_browser_switch_language_and_draw_the_pi_map(
    site: LiveServer,
    browser: WebDriver,  # noqa: F811
    tmp_path: Path,
) -> None:
    browser.get(f"{site.base}/id/person/pages-sato?lang=ja")
    assert browser.find_element(By.ID, "name").text == "佐藤 花子"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    assert browser.find_element(By.ID, "affiliations").text == "所属"
    rows = browser.find_elements(By.CSS_SELECTOR, "table tr td a")
    assert "北欧試験大学" in [a.text for a in rows]  # the institution's Japanese name
    assert "Embassy of Japan in Sweden" in browser.page_source  # no Japanese name: falls back to English
    _shot(browser, tmp_path, "page-person-ja.png")
    browser.find_element(By.ID, "lang-en").click()
    assert browser.find_element(By.ID, "name").text == "SATO Hanako"
    assert browser.find_element(By.ID, "affiliations").text == "Affiliations"
    # from the person's page to the PI Map of the mission that covers her
    browser.find_element(By.LINK_TEXT, "PI Map").click()
    assert browser.find_element(By.ID, "name").text == "Pages Test Consulate"
    svg = browser.find_element(By.CSS_SELECTOR, "svg.pimap")
    markers = svg.find_elements(By.CSS_SELECTOR, "circle.marker")
    assert len(markers) == 1  # Nordic Test University; the Baltic one has no public researcher now
    assert markers[0].find_element(By.TAG_NAME, "title").get_attribute("textContent") == "Nordic Test University: 2"
    assert len(svg.find_elements(By.CSS_SELECTOR, "rect.mission")) == 1
    assert svg.size["width"] > 100
    assert not browser.find_elements(By.CSS_SELECTOR, "img, script[src], link[rel=stylesheet]")  # no tiles, no CDN
    fields = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#by-field td")]
    assert fields[:2] == ["Humanities and Social Sciences", "2"]
    _shot(browser, tmp_path, "pimap.png")
    browser.find_element(By.ID, "lang-ja").click()
    assert browser.find_element(By.ID, "count").text == "研究者 2 名"
    # the search box on every page
    box = browser.find_element(By.CSS_SELECTOR, "header input[type=search]")
    box.send_keys("佐藤")
    box.submit()
    found = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#results a")]
    assert "SATO Hanako" in found or "佐藤 花子" in found
    browser.get(f"{site.base}/search?q=Hanako+Sato&lang=en")
    link = browser.find_element(By.CSS_SELECTOR, "#results a")
    link.click()
    assert browser.find_element(By.ID, "name").text == "SATO Hanako"
    # and from the SPARQL query page
    browser.get(f"{site.base}/sparql")
    box = browser.find_element(By.CSS_SELECTOR, "#name-search input[name=q]")
    box.send_keys("Ken Ito")
    box.submit()
    assert "ITO Ken" in [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#results a")]


def _shot(driver: WebDriver, tmp_path: Path, name: str) -> None:
    driver.set_window_size(1100, 1400)
    target = (REPO / "docs" / "images" / name) if SCREENSHOTS else tmp_path / name
    driver.save_screenshot(str(target))
    assert target.stat().st_size > 10_000


def _api(site: LiveServer, path: str, params: dict, token: str | None = None) -> httpx.Response:
    """An /api call, waiting while the path index of the current data is being built (503)."""
    for _ in range(120):
        r = httpx.get(site.base + path, params=params, headers=auth(token) if token else {}, timeout=60)
        if r.status_code != 503:
            return r
        time.sleep(0.5)
    raise AssertionError(f"{path} stayed unavailable: {r.text}")


def test_a_hidden_person_or_field_is_on_no_public_path_or_suggestion(site: LiveServer) -> None:
    ito, sato = BASE + "person/pages-ito", BASE + "person/pages-sato"
    hidden = ("pages-mori", "pages-kato", "pages-unannounced", "MORI Jun", "KATO Yui", "Unannounced topic")
    answers = [
        _api(site, "/api/collaborators", {"for": ito, "limit": 50}),
        _api(site, "/api/collaborators", {"for": sato, "limit": 50}),
        _api(site, "/api/paths", {"from": ito, "to": sato, "k": 5}),
        _api(site, "/api/search", {"q": "Mori"}),
        _api(site, "/api/search", {"q": "Unannounced"}),
    ]
    for r in answers:
        assert r.status_code == 200, r.text
        assert not any(h in r.text for h in hidden), r.text
    assert answers[2].json()["connected"] is True  # the public part of the graph still connects them
    refused = [
        _api(site, "/api/paths", {"from": ito, "to": BASE + "person/pages-mori"}),
        _api(site, "/api/paths", {"from": ito, "to": BASE + "person/pages-kato"}),
        _api(site, "/api/collaborators", {"for": ito, "field": BASE + "field/pages-unannounced"}),
    ]
    assert [r.status_code for r in refused] == [404, 404, 404]
    assert _api(site, "/api/paths", {"from": ito, "to": BASE + "person/pages-kato"}, PARTNER).status_code == 200
    assert "pages-kato" in _api(site, "/api/collaborators", {"for": ito, "limit": 50}, PARTNER).text
