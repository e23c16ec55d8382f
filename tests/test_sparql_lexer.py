"""The checks that run before any engine sees a request: both ways, data-driven."""

from __future__ import annotations

import pytest

from stigraph.sparql.lexer import QueryRefused, check, decode_escapes, named_iris

LIMITS = {"max_bytes": 64 * 1024, "max_depth": 50}

REFUSED = {
    "plain SERVICE": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "lower case": "select * where { service <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SILENT": "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "prefixed name": "PREFIX x: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE x:sparql { ?s ?p ?o } }",
    "BASE + relative": "BASE <http://127.0.0.1:9/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    "variable": "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:9/> } SERVICE ?e { ?s ?p ?o } }",
    "inside EXISTS": "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "inside NOT EXISTS": "ASK { FILTER NOT EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "subquery": "SELECT * WHERE { { SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
    "no space before IRI": "SELECT * WHERE {SERVICE<http://127.0.0.1:9/>{?s ?p ?o}}",
    "comment before": "SELECT * WHERE { # a comment\nSERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "codepoint escape": "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "long escape": "SELECT * WHERE { \\U00000053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "CONSTRUCT": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "DESCRIBE": "DESCRIBE ?s WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
}
REFUSED_UPDATES = {
    "LOAD": "LOAD <http://127.0.0.1:9/data.ttl>",
    "LOAD SILENT INTO": "LOAD SILENT <http://127.0.0.1:9/x> INTO GRAPH <http://ex/g>",
    "load lower case": "load <http://127.0.0.1:9/x>",
    "after another op": "INSERT DATA { <http://ex/a> <http://ex/p> 1 } ; LOAD <http://127.0.0.1:9/x>",
    "SERVICE in WHERE": "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "escaped LOAD": "\\u004cOAD <http://127.0.0.1:9/x>",
}
ACCEPTED = {
    "keyword in a string": ('SELECT * WHERE { ?s ?p "SERVICE <http://x/>" }', "SELECT"),
    "keyword in a long string": ("SELECT * WHERE { ?s ?p '''LOAD\nSERVICE''' }", "SELECT"),
    "keyword in an IRI": ("SELECT * WHERE { ?s <http://ex/SERVICE> ?o }", "SELECT"),
    "keyword in a comment": ("SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/>", "SELECT"),
    "prefixed local name": ("PREFIX service: <http://ex/> SELECT * WHERE { ?s service:load ?o }", "SELECT"),
    "variable named service": ("SELECT ?service WHERE { ?service ?load ?o }", "SELECT"),
    "word containing LOAD": ("PREFIX ex: <http://ex/> SELECT * WHERE { ?s ex:DOWNLOAD ?o }", "SELECT"),
    "ASK": ("ASK { ?s ?p ?o }", "ASK"),
    "CONSTRUCT": ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    "DESCRIBE": ("DESCRIBE <http://ex/a>", "DESCRIBE"),
    "ASK with subquery": ("ASK { { SELECT ?s WHERE { ?s ?p ?o } } }", "ASK"),
}


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_service_is_refused_however_written(text: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        check(text, **LIMITS)


@pytest.mark.parametrize("text", REFUSED_UPDATES.values(), ids=REFUSED_UPDATES.keys())
def test_load_and_service_are_refused_in_updates(text: str) -> None:
    with pytest.raises(QueryRefused, match=r"LOAD|SERVICE"):
        check(text, update=True, **LIMITS)


@pytest.mark.parametrize(("text", "form"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_harmless_mentions_pass_and_the_form_is_found(text: str, form: str) -> None:
    assert check(text, **LIMITS).form == form


def test_case_counts() -> None:
    assert (len(REFUSED), len(REFUSED_UPDATES), len(ACCEPTED)) == (15, 6, 11)


def test_nesting_is_measured_and_limited() -> None:
    ok = "SELECT * WHERE " + "{" * 50 + " ?s ?p ?o " + "}" * 50
    assert check(ok, **LIMITS).depth == 50
    deep = "SELECT * WHERE " + "{" * 51 + " ?s ?p ?o " + "}" * 51
    with pytest.raises(QueryRefused, match="deeper than 50"):
        check(deep, **LIMITS)
    mixed = "SELECT * WHERE { ?s ?p " + "[ ?q " * 25 + "( " * 30 + ")" * 30 + "]" * 25 + " }"
    with pytest.raises(QueryRefused):
        check(mixed, **LIMITS)


def test_brackets_inside_strings_do_not_count() -> None:
    text = 'SELECT * WHERE { ?s ?p "' + "{" * 500 + '" }'
    assert check(text, **LIMITS).depth == 1


def test_size_limit_counts_bytes() -> None:
    text = "SELECT * WHERE { ?s ?p " + '"' + "日" * 30 + '" }'
    with pytest.raises(QueryRefused, match="larger than 100 bytes"):
        check(text, max_bytes=100, max_depth=50)


def test_dataset_clauses_are_noticed() -> None:
    assert check("SELECT * FROM <http://ex/g> WHERE { ?s ?p ?o }", **LIMITS).names_dataset
    assert check("SELECT * FROM NAMED <http://ex/g> WHERE { GRAPH ?g { ?s ?p ?o } }", **LIMITS).names_dataset
    assert not check("SELECT * WHERE { ?s <http://ex/from> ?o }", **LIMITS).names_dataset
    assert check("WITH <http://ex/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", update=True, **LIMITS).names_dataset


def test_escape_decoding() -> None:
    assert decode_escapes("\\u0053ERVICE \\U0001F600") == "SERVICE \U0001f600"
    assert decode_escapes("\\uD800") == "\\uD800"  # a lone surrogate is not a character


def test_using_clauses_go_before_each_where() -> None:
    from stigraph.sparql.lexer import add_using

    text = (
        "PREFIX ex: <http://ex/> DELETE { ?s ex:p ?o } WHERE { ?s ex:p ?o } ; "
        "INSERT { ?s ex:q 1 } WHERE { ?s ex:p ?o FILTER EXISTS { ?s ?x ?y } } ; DELETE WHERE { ?s ex:r ?o }"
    )
    out = add_using(text, ["http://ex/g1"], ["http://ex/g2"])
    assert out.count("USING <http://ex/g1> USING NAMED <http://ex/g2> WHERE") == 2
    assert out.endswith("DELETE WHERE { ?s ex:r ?o }")


NAMED_IRIS = [
    ("INSERT DATA { GRAPH <http://example.org/g> { <urn:a> <urn:b> 1 } }", {"http://example.org/g", "urn:a", "urn:b"}),
    ("PREFIX ex: <http://example.org/> CLEAR GRAPH ex:g", {"http://example.org/", "http://example.org/g"}),
    ("PREFIX ex: <http://e/> ADD ex:a TO ex:b", {"http://e/", "http://e/a", "http://e/b"}),
    ("INSERT DATA { GRAPH <\\u0068ttp://x/g> { <urn:a> <urn:b> 'ex:nothing' } }", {"http://x/g", "urn:a", "urn:b"}),
    ("BASE <http://b/> INSERT DATA { GRAPH <relative> { <urn:a> <urn:b> 1 } }", {"http://b/", "urn:a", "urn:b"}),
    ("INSERT DATA { GRAPH undeclared:g { <urn:a> <urn:b> 1 } } # <http://in/comment>", {"urn:a", "urn:b"}),
]


@pytest.mark.parametrize(("text", "expected"), NAMED_IRIS)
def test_the_iris_an_update_names(text: str, expected: set[str]) -> None:
    """Full IRIs and declared prefixed names count; strings, comments, undeclared prefixes and
    relative IRIs do not (a remote engine lists the graphs such updates write)."""
    assert named_iris(text) == expected


def test_named_iris_case_count() -> None:
    assert len(NAMED_IRIS) == 6
