"""Content negotiation tables: q-values, wildcards, the format parameter, 406."""

from __future__ import annotations

import pytest

from stigraph.api.negotiation import BOOLEAN, GRAPHS, RESULTS, NotAcceptable, choose, prefers_html

CASES = [
    (RESULTS, None, None, "json"),
    (RESULTS, "*/*", None, "json"),
    (RESULTS, "application/sparql-results+xml", None, "xml"),
    (RESULTS, "text/csv;q=0.5, text/tab-separated-values", None, "tsv"),
    (RESULTS, "text/csv;q=0.9, application/sparql-results+json;q=0.8", None, "csv"),
    (RESULTS, "text/*", None, "csv"),
    (RESULTS, "application/json", None, "json"),
    (RESULTS, "text/html, */*;q=0.1", None, "json"),
    (RESULTS, "text/turtle", "tsv", "tsv"),
    (RESULTS, None, "application/sparql-results+xml", "xml"),
    (GRAPHS, None, None, "ttl"),
    (GRAPHS, "application/n-triples", None, "nt"),
    (GRAPHS, "application/rdf+xml;q=0.9, application/ld+json", None, "jsonld"),
    (GRAPHS, "application/trig", None, "trig"),
    (GRAPHS, "text/plain", None, "nt"),
    (GRAPHS, None, "jsonld", "jsonld"),
    (BOOLEAN, "text/csv, application/sparql-results+xml;q=0.2", None, "xml"),
]


@pytest.mark.parametrize(("table", "accept", "param", "expected"), CASES)
def test_choose(table, accept, param, expected) -> None:
    assert choose(table, accept, param).name == expected


def test_case_count() -> None:
    assert len(CASES) == 17


def test_a_remembered_choice_is_the_same_choice() -> None:
    """Choices are remembered per (table, Accept, format); the same header on another table,
    or asked again, gives what a fresh negotiation gives, and a refusal is never remembered."""
    from stigraph.api.negotiation import _choose

    for _ in range(2):
        for table, accept, param, expected in CASES:
            assert choose(table, accept, param) is _choose(table, accept, param)
            assert choose(table, accept, param).name == expected
    assert choose(RESULTS, "application/json", None).name == "json"
    assert choose(GRAPHS, "application/json", "jsonld").name == "jsonld"
    for _ in range(2):
        with pytest.raises(NotAcceptable):
            choose(BOOLEAN, "text/csv", None)


@pytest.mark.parametrize(
    ("table", "accept", "param"),
    [
        (RESULTS, "image/png", None),
        (RESULTS, "text/csv;q=0", None),
        (GRAPHS, "application/sparql-results+json", None),
        (RESULTS, None, "pdf"),
        (BOOLEAN, "text/csv", None),
    ],
)
def test_not_acceptable(table, accept, param) -> None:
    with pytest.raises(NotAcceptable, match="offered"):
        choose(table, accept, param)


def test_browser_accept_means_page() -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert prefers_html(browser)
    assert not prefers_html("*/*")
    assert not prefers_html(None)
    assert not prefers_html("application/sparql-results+json, text/html")
