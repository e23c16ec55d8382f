"""The query page in a real browser: Debian's Chromium, driven by Selenium, against the live service.

The page is JavaScript talking to /sparql; only a browser shows that what a person sees (rows,
truncation, errors, links) is what the endpoint answered. Nothing is mocked: every request goes
to ``stigraph serve`` on the bundled graph. Without Chromium these tests fail (they never skip),
so a machine that cannot check the page does not pass silently; ``make browser`` installs it.

Set ``UPDATE_SCREENSHOT=1`` to rewrite docs/images/query-page.png from this run.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.conftest import REPO
from tests.live import AUDITOR, LiveServer, start_server

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package locations
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = REPO / "docs" / "images" / "query-page.png"
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
)
WAIT = 30  # seconds; a query on the bundled graph answers in well under one

# The four embassies among the S&T Fellow establishments (data/seed/organisations.ttl); the other
# two establishments are a permanent mission and a consulate-general.
EMBASSIES = """PREFIX sg: <https://w3id.org/stigraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX mission: <https://w3id.org/stigraph/id/mission/>
SELECT ?mission ?label WHERE {
?mission a sg:Embassy ; rdfs:label ?label .
}
ORDER BY ?label"""
MISSION = "https://w3id.org/stigraph/id/mission/"
EMBASSY_ROWS = [
    [f"<{MISSION}Q60646291>", '"Embassy of Japan in India"@en'],
    [f"<{MISSION}Q54645606>", '"Embassy of Japan in Israel"@en'],
    [f"<{MISSION}Q10539627>", '"Embassy of Japan in Sweden"@en'],
    [f"<{MISSION}Q5369754>", '"Embassy of Japan in the United Kingdom"@en'],
]
# Who may see which researchers: anonymous callers see only sg:Public ones (the PI-list sample
# adds a partner and a restricted person).
VISIBILITY = """PREFIX sg: <https://w3id.org/stigraph/ontology#>
SELECT ?visibility (COUNT(DISTINCT ?p) AS ?people) WHERE {
?p a sg:Researcher ; sg:visibility ?visibility .
}
GROUP BY ?visibility ORDER BY ?visibility"""
SG = "https://w3id.org/stigraph/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
INTEGER = "^^xsd:integer"


# ---- the browser -------------------------------------------------------------------------------


def _missing_browser() -> list[str]:
    return [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]


def test_chromium_is_installed() -> None:
    """Stated on its own so a machine without the browser shows one plain failure, not only errors."""
    assert not _missing_browser(), (
        f"{', '.join(_missing_browser())} not found: the query page tests need Debian's chromium and "
        "chromium-driver (run `make browser`, or `apt-get install -y chromium chromium-driver`)"
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium with a fresh profile for the module (starting one takes a second or two)."""
    missing = _missing_browser()
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: run `make browser` (apt-get install -y chromium chromium-driver)",
            pytrace=False,
        )
    with tempfile.TemporaryDirectory(prefix="stigraph-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            driver.set_page_load_timeout(WAIT)
            yield driver
        finally:
            driver.quit()


@pytest.fixture(scope="module")
def capped(served_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A service that stops after two rows, so the page has a truncated answer to show."""
    srv = start_server(served_store, tmp_path_factory.mktemp("capped") / "serve.log", max_result_rows="2")
    yield srv
    srv.stop()


# ---- driving the page --------------------------------------------------------------------------


def by_id(driver: WebDriver, element_id: str) -> WebElement:
    return driver.find_element(By.ID, element_id)


def open_page(driver: WebDriver, server: LiveServer, path: str = "/sparql") -> None:
    driver.get(server.base + path)
    WebDriverWait(driver, WAIT).until(lambda d: by_id(d, "query").is_displayed())


def type_query(driver: WebDriver, text: str) -> None:
    editor = by_id(driver, "query")
    editor.clear()
    editor.send_keys(text)
    assert editor.get_property("value") == text


def wait_done(driver: WebDriver) -> str:
    """The status line once the query in flight has answered (or failed)."""

    def done(d: WebDriver) -> str | bool:
        status = by_id(d, "status").text
        return status if by_id(d, "run").is_enabled() and status not in ("", "Running…") else False

    try:
        return WebDriverWait(driver, WAIT).until(done)
    except TimeoutException:
        pytest.fail(f"the page did not finish the query; status: {by_id(driver, 'status').text!r}")


def run(driver: WebDriver) -> str:
    by_id(driver, "run").click()
    return wait_done(driver)


def term(cell: WebElement) -> str:
    """A result cell as N-Triples-like text: <iri>, "literal"@lang, "literal"^^xsd:type, _:b."""
    iri = cell.find_elements(By.CSS_SELECTOR, ".iri")
    if iri:
        return f"<{iri[0].get_attribute('href') or iri[0].get_attribute('title') or iri[0].text}>"
    bnode = cell.find_elements(By.CSS_SELECTOR, ".bnode")
    if bnode:
        return bnode[0].text
    literal = cell.find_elements(By.CSS_SELECTOR, ".literal")
    if not literal:
        return ""
    tags = cell.find_elements(By.CSS_SELECTOR, ".lang, .datatype")
    return f'"{literal[0].text}"' + (tags[0].text if tags else "")


def header(driver: WebDriver) -> list[str]:
    return [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#results thead th")]


def rows(driver: WebDriver) -> list[list[str]]:
    trs = driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    return [[term(td) for td in tr.find_elements(By.TAG_NAME, "td")] for tr in trs]


def downloads(driver: WebDriver) -> dict[str, str]:
    return {
        a.get_attribute("data-format"): a.get_attribute("href")
        for a in driver.find_elements(By.CSS_SELECTOR, "#downloads a[data-format]")
    }


def link_params(href: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(href)
    return parts.path, parse_qs(parts.query, keep_blank_values=True)


# ---- the tests ---------------------------------------------------------------------------------


def test_select_shows_the_exact_rows(browser: WebDriver, server: LiveServer) -> None:
    open_page(browser, server)
    type_query(browser, EMBASSIES)
    status = run(browser)

    assert status.startswith("4 rows in ")
    assert by_id(browser, "status").get_attribute("data-rows") == "4"
    assert not by_id(browser, "truncated").is_displayed()
    assert not by_id(browser, "error").is_displayed()
    assert header(browser) == ["?mission", "?label"]
    assert rows(browser) == EMBASSY_ROWS
    # IRIs are links to themselves, shown with the query's own prefixes; the language tag is shown
    first = browser.find_element(By.CSS_SELECTOR, "#results tbody tr td a.iri")
    assert (first.text, first.get_attribute("href")) == ("mission:Q60646291", f"{MISSION}Q60646291")
    assert browser.find_element(By.CSS_SELECTOR, "#results tbody tr .lang").text == "@en"


def test_download_links_carry_the_query_and_each_format(browser: WebDriver, server: LiveServer) -> None:
    open_page(browser, server)
    type_query(browser, EMBASSIES)
    run(browser)

    links = downloads(browser)
    assert list(links) == ["json", "xml", "csv", "tsv"]
    for fmt, href in links.items():
        path, params = link_params(href)
        assert href.startswith(server.base)
        assert (path, params) == ("/sparql", {"query": [EMBASSIES], "format": [fmt]})
    # and the link answers what the table shows
    r = httpx.get(links["csv"], timeout=WAIT)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.text)))
    assert table[0] == ["mission", "label"]
    assert [row[0] for row in table[1:]] == [iri.strip("<>") for iri, _ in EMBASSY_ROWS]


def test_an_example_is_chosen_and_run(browser: WebDriver, server: LiveServer) -> None:
    examples = httpx.get(server.base + "/api/examples", timeout=WAIT).json()
    chosen = next(e for e in examples if e["name"] == "st-fellow-establishments")
    open_page(browser, server)
    WebDriverWait(browser, WAIT).until(lambda d: len(Select(by_id(d, "examples")).options) > len(examples))
    select = Select(by_id(browser, "examples"))
    assert [o.text for o in select.options[1:]] == [e["title"] for e in examples]

    select.select_by_value(chosen["name"])
    assert by_id(browser, "query").get_property("value") == chosen["query"]
    assert run(browser).startswith("6 rows in ")
    assert header(browser) == ["?mission", "?name", "?jurisdiction"]
    assert rows(browser) == [
        [f"<{MISSION}Q84921893>", '"Consulate-General of Japan in San Francisco"@en', '"San Francisco Bay Area"@en'],
        [f"<{MISSION}Q60646291>", '"Embassy of Japan in India"@en', '"India"@en'],
        [f"<{MISSION}Q54645606>", '"Embassy of Japan in Israel"@en', '"Israel"@en'],
        [f"<{MISSION}Q10539627>", '"Embassy of Japan in Sweden"@en', '"Sweden"@en'],
        [f"<{MISSION}Q5369754>", '"Embassy of Japan in the United Kingdom"@en', '"United Kingdom"@en'],
        [f"<{MISSION}japan-eu>", '"Mission of Japan to the European Union"@en', '"European Union"@en'],
    ]
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(SCREENSHOT))


def test_the_share_link_opens_the_page_and_runs_the_query(browser: WebDriver, server: LiveServer) -> None:
    open_page(browser, server, "/")
    type_query(browser, EMBASSIES)
    share = by_id(browser, "share")
    path, params = link_params(share.get_attribute("href"))
    assert (path, params) == ("/sparql", {"query": [EMBASSIES]})

    share.click()  # a plain navigation: the browser asks for text/html and gets the page
    WebDriverWait(browser, WAIT).until(lambda d: urlsplit(d.current_url).query)
    assert wait_done(browser).startswith("4 rows in ")
    assert by_id(browser, "query").get_property("value") == EMBASSIES
    assert rows(browser) == EMBASSY_ROWS


def test_a_syntax_error_is_shown_readably(browser: WebDriver, server: LiveServer) -> None:
    bad = "SELEC ?x WHERE { ?x ?p ?o }"
    expected = httpx.post(server.sparql, data={"query": bad}, timeout=WAIT)
    assert expected.status_code == 400
    error = expected.json()["error"]

    open_page(browser, server)
    type_query(browser, bad)
    assert run(browser) == "The query failed."
    box = by_id(browser, "error")
    assert box.is_displayed() and box.get_attribute("role") == "alert"
    assert box.find_element(By.CSS_SELECTOR, ".error-code").text == error["code"] == "query_syntax"
    assert box.find_element(By.CSS_SELECTOR, ".error-message").text == error["message"]
    assert "(HTTP 400)" in box.text
    assert rows(browser) == []
    assert not by_id(browser, "downloads").is_displayed()


def test_truncation_is_signalled(browser: WebDriver, capped: LiveServer) -> None:
    open_page(browser, capped)
    type_query(browser, EMBASSIES)
    assert run(browser).startswith("2 rows in ")
    assert rows(browser) == EMBASSY_ROWS[:2]
    notice = by_id(browser, "truncated")
    assert notice.is_displayed()
    assert notice.text.startswith("Truncated: the service returns at most 2 rows per query")


def test_the_token_is_sent_as_a_bearer_header_and_kept_out_of_cookies(browser: WebDriver, server: LiveServer) -> None:
    public = [[f"<{SG}Public>", f'"26"{INTEGER}']]
    open_page(browser, server)
    type_query(browser, VISIBILITY)
    run(browser)
    assert rows(browser) == public

    browser.find_element(By.CSS_SELECTOR, "#auth summary").click()
    by_id(browser, "token").send_keys(AUDITOR)
    try:
        run(browser)
        assert rows(browser) == [
            [f"<{SG}Partner>", f'"1"{INTEGER}'],
            *public,
            [f"<{SG}Restricted>", f'"1"{INTEGER}'],
        ]
        assert browser.execute_script("return document.cookie") == ""
        assert browser.execute_script("return sessionStorage.getItem('stigraph.token')") == AUDITOR
        links = [*downloads(browser).values(), by_id(browser, "share").get_attribute("href")]
        assert links and all(AUDITOR not in href for href in links)

        by_id(browser, "token-clear").click()
        assert browser.execute_script("return sessionStorage.getItem('stigraph.token')") is None
        run(browser)
        assert rows(browser) == public
    finally:
        browser.execute_script("sessionStorage.removeItem('stigraph.token')")  # the next test starts without


def test_construct_and_ask_offer_their_own_formats(browser: WebDriver, server: LiveServer) -> None:
    open_page(browser, server)
    type_query(browser, f"DESCRIBE <{MISSION}japan-eu>")
    assert run(browser).startswith("10 triples in ")
    assert header(browser) == ["subject", "predicate", "object"]
    triples = rows(browser)
    assert len(triples) == 10
    subject = f"<{MISSION}japan-eu>"
    assert [subject, f"<{RDF}type>", f"<{SG}PermanentMission>"] in triples
    assert [subject, f"<{RDFS}label>", '"Mission of Japan to the European Union"@en'] in triples
    assert list(downloads(browser)) == ["ttl", "nt", "nq", "trig", "rdfxml", "jsonld"]

    type_query(browser, f"PREFIX sg: <{SG}> ASK {{ ?m a sg:ConsulateGeneral }}")
    assert run(browser).startswith("ASK answered true in ")
    assert browser.find_element(By.CSS_SELECTOR, "#results .boolean").text == "true"
    assert list(downloads(browser)) == ["json", "xml"]  # CSV and TSV have no boolean form


def test_keyboard_tab_indents_and_ctrl_enter_runs(browser: WebDriver, server: LiveServer) -> None:
    open_page(browser, server)
    editor = by_id(browser, "query")
    editor.clear()
    editor.send_keys("SELECT * WHERE {", Keys.ENTER, Keys.TAB, "?s ?p ?o", Keys.ENTER, "} LIMIT 1")
    assert editor.get_property("value") == "SELECT * WHERE {\n  ?s ?p ?o\n} LIMIT 1"

    editor.send_keys(Keys.CONTROL, Keys.ENTER)
    assert wait_done(browser).startswith("1 row in ")

    editor.click()
    editor.send_keys(Keys.ESCAPE, Keys.TAB)  # Esc, then Tab leaves the editor
    assert browser.switch_to.active_element.get_attribute("id") != "query"
