"""The catalogue of curated queries: the real one is well-formed, and every kind of malformed
file is refused with its file and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stigraph.catalog.catalog import check_catalog, load_catalog
from stigraph.errors import CatalogError

REPO = Path(__file__).resolve().parents[1]

GOOD_HEAD = """#+ summary: People by country
#+ page_size: 10
#+ parameters:
#+   country:
#+     type: iri
#+     description: A country.
#+     example: https://w3id.org/stigraph/id/country/US
"""
BODY = """PREFIX sg: <https://w3id.org/stigraph/ontology#>
SELECT ?person ?country WHERE { ?person sg:country ?country . }
ORDER BY ?person
"""

TABLE_HEAD = """#+ summary: People by region
#+ precompute: true
#+ parameters:
#+   region:
#+     type: iri
#+     description: A region or a country.
#+     example: https://w3id.org/stigraph/id/region/eu
#+     table: {column: country, match: within, via: "https://schema.org/containsPlace"}
"""
TABLE_BODY = """PREFIX sg: <https://w3id.org/stigraph/ontology#>
PREFIX schema: <https://schema.org/>
SELECT ?person ?country WHERE {
  ?person sg:country ?country .
  VALUES ?region { UNDEF }
  FILTER (!BOUND(?region) || ?region = ?country || EXISTS { ?region schema:containsPlace ?country })
}
"""

FACTS_HEAD = """#+ summary: People per country
#+ precompute: true
#+ parameters:
#+   field:
#+     type: list[iri]
#+     description: Fields.
#+     example: [https://w3id.org/stigraph/id/field/topic-ai]
#+ facts:
#+   filter: {field: field}
#+   count: {people: person}
#+   rows: |
#+     PREFIX sg: <https://w3id.org/stigraph/ontology#>
#+     SELECT ?country ?person ?field WHERE { ?person sg:country ?country OPTIONAL { ?person sg:researchField ?field } }
"""
FACTS_BODY = """PREFIX sg: <https://w3id.org/stigraph/ontology#>
SELECT ?country (COUNT(DISTINCT ?person) AS ?people) WHERE {
  ?person sg:country ?country .
  VALUES ?field { UNDEF }
  FILTER (!BOUND(?field) || EXISTS { ?person sg:researchField ?field })
}
GROUP BY ?country ORDER BY ?country
"""

# (case, file text, words the message must contain, line the error must point at)
BAD: list[tuple[str, str, str, int]] = [
    ("no-header", BODY, "no '#+' header", 1),
    ("unknown-key", "#+ summary: x\n#+ sumary: y\n" + BODY, "unknown header key 'sumary'", 2),
    ("duplicate-key", "#+ summary: x\n#+ tags: [a]\n#+ tags: [b]\n" + BODY, "'tags' is given twice", 3),
    ("not-yaml", "#+ summary: x\n#+ tags: [a\n" + BODY, "not YAML", 2),
    ("no-summary", "#+ tags: [a]\n" + BODY, "no 'summary'", 1),
    (
        "param-not-in-query",
        GOOD_HEAD + "#+   field:\n#+     type: iri\n#+     description: d\n#+     example: https://x.org/f\n" + BODY,
        "declared, but the query has no ?field",
        8,
    ),
    ("paginated-unordered", GOOD_HEAD + BODY.replace("ORDER BY ?person\n", ""), "needs a top-level ORDER BY", 2),
    (
        "order-only-in-subquery",
        "#+ summary: x\n#+ page_size: 5\nSELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s } }\n",
        "needs a top-level ORDER BY",
        2,
    ),
    ("paginated-with-limit", GOOD_HEAD + BODY + "LIMIT 5\n", "must not have its own LIMIT", 2),
    ("page-size-zero", GOOD_HEAD.replace("page_size: 10", "page_size: 0") + BODY, "'page_size' is 0", 2),
    ("bad-type", GOOD_HEAD.replace("type: iri", "type: url") + BODY, "has type 'url'", 5),
    ("unknown-param-key", GOOD_HEAD + "#+     optional: true\n" + BODY, "unknown key 'optional' for parameter", 8),
    ("no-description", GOOD_HEAD.replace("#+     description: A country.\n", "") + BODY, "needs a description", 4),
    (
        "no-example",
        GOOD_HEAD.replace("#+     example: https://w3id.org/stigraph/id/country/US\n", "") + BODY,
        "needs an example",
        4,
    ),
    (
        "bad-example",
        GOOD_HEAD.replace("example: https://w3id.org/stigraph/id/country/US", "example: US") + BODY,
        "the example of 'country' is invalid",
        7,
    ),
    (
        "reserved-name",
        GOOD_HEAD.replace("#+   country:", "#+   page:") + BODY.replace("?country", "?page"),
        "is the API's own",
        4,
    ),
    ("bad-name", GOOD_HEAD.replace("#+   country:", "#+   Country:") + BODY, "parameter name 'Country'", 4),
    (
        "list-without-placeholder",
        GOOD_HEAD.replace("type: iri", "type: list[iri]")
        .replace("country/US", "country/US]")
        .replace("example: https", "example: [https")
        + BODY,
        "needs a placeholder 'VALUES ?country { UNDEF }'",
        4,
    ),
    (
        "unprojected-single",
        GOOD_HEAD + BODY.replace("SELECT ?person ?country", "SELECT ?person"),
        "not in the SELECT projection",
        4,
    ),
    (
        "placeholder-without-param",
        "#+ summary: x\nSELECT ?s WHERE { ?s ?p ?o VALUES ?o { UNDEF } }\n",
        "no parameter binds ?o",
        2,
    ),
    (
        "two-placeholders",
        GOOD_HEAD + BODY.replace("?country . }", "?country . VALUES ?country { UNDEF } VALUES ?country { UNDEF } }"),
        "2 VALUES placeholders",
        9,
    ),
    ("enum-without-values", GOOD_HEAD.replace("type: iri", "type: enum") + BODY, "needs 'values'", 4),
    ("bad-scope", "#+ summary: x\n#+ scope: private\n" + BODY, "scope 'private'", 2),
    ("ask", "#+ summary: x\nASK { ?s ?p ?o }\n", "not an ASK", 1),
    (
        "grlc-endpoint",
        "#+ summary: x\n#+ endpoint: http://dbpedia.org/sparql\n" + BODY,
        "'endpoint' is not supported",
        2,
    ),
    ("syntax-error", "#+ summary: x\nSELECT ?s WHERE { ?s ?p }\n", "SPARQL syntax error", 0),
    ("bad-file-name", "#+ summary: x\n" + BODY, "query name 'Bad_Name'", 1),
    (
        "required-with-default",
        GOOD_HEAD + "#+     required: true\n#+     default: https://x.org/\n" + BODY,
        "required and has a default",
        4,
    ),
    ("column-not-returned", "#+ summary: x\n#+ columns:\n#+   n: integer\n" + BODY, "column 'n' is not a variable", 3),
    ("precompute-not-boolean", "#+ summary: x\n#+ precompute: yes please\n" + BODY, "must be true or false", 2),
    (
        "precompute-a-graph",
        "#+ summary: x\n#+ precompute: true\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }\n",
        "only a SELECT can be precomputed",
        2,
    ),
    (
        "precompute-with-required",
        GOOD_HEAD + "#+     required: true\n#+ precompute: true\n" + BODY,
        "cannot have required parameters",
        9,
    ),
    (
        "table-not-precomputed",
        TABLE_HEAD.replace("#+ precompute: true\n", "") + TABLE_BODY,
        "but the query is not precomputed",
        3,
    ),
    (
        "table-column-not-projected",
        TABLE_HEAD.replace("column: country", "column: region") + TABLE_BODY,
        "the 'table' column of 'region' is ?region, which the query does not project",
        4,
    ),
    ("table-unknown-match", TABLE_HEAD.replace("match: within", "match: near") + TABLE_BODY, "'match' of", 8),
    (
        "table-within-without-via",
        TABLE_HEAD.replace(', via: "https://schema.org/containsPlace"', "") + TABLE_BODY,
        "'via' of 'region' goes with match 'within'",
        8,
    ),
    (
        "table-unknown-key",
        TABLE_HEAD.replace("match: within", "match: within, by: x") + TABLE_BODY,
        "unknown key 'by'",
        8,
    ),
    (
        "table-contains-not-string",
        TABLE_HEAD.replace('match: within, via: "https://schema.org/containsPlace"', "match: contains") + TABLE_BODY,
        "match 'contains' needs a string parameter",
        8,
    ),
    (
        "table-no-column",
        TABLE_HEAD.replace("column: country, ", "") + TABLE_BODY,
        "must be a mapping with a 'column'",
        8,
    ),
    (
        "facts-required-not-filtered",
        FACTS_HEAD.replace("#+ precompute: true\n", "")
        .replace("#+     type: list[iri]\n", "#+     type: list[iri]\n#+     required: true\n")
        .replace("{field: field}", "{}")
        + FACTS_BODY,
        "the required parameter 'field' must select fact rows",
        9,
    ),
    (
        "facts-concat-not-a-column",
        FACTS_HEAD.replace(
            "#+   count: {people: person}",
            '#+   count: {people: person}\n#+   concat: {names: {of: person, separator: "; "}}',
        )
        + FACTS_BODY,
        "'concat' of 'facts' names 'names', which the query does not project",
        11,
    ),
    (
        "facts-concat-without-separator",
        FACTS_HEAD.replace(
            "#+   count: {people: person}", "#+   count: {people: person}\n#+   concat: {people: {of: person}}"
        )
        + FACTS_BODY,
        "must name a variable of 'rows' and a separator",
        11,
    ),
    ("facts-not-mapping", FACTS_HEAD.split("#+ facts:")[0] + "#+ facts: [a]\n" + FACTS_BODY, "must be a mapping", 8),
    (
        "facts-unknown-key",
        FACTS_HEAD.replace("#+   filter:", "#+   group: [country]\n#+   filter:") + FACTS_BODY,
        "unknown key 'group' in 'facts'",
        9,
    ),
    (
        "facts-rows-not-select",
        FACTS_HEAD.split("#+     PREFIX")[0] + "#+     ASK { ?s ?p ?o }\n" + FACTS_BODY,
        "must be a SELECT of named variables",
        11,
    ),
    (
        "facts-rows-not-sparql",
        FACTS_HEAD.replace("OPTIONAL { ?person sg:researchField ?field }", "OPTIONAL { ?person }") + FACTS_BODY,
        "is not valid SPARQL",
        11,
    ),
    (
        "facts-count-unknown-variable",
        FACTS_HEAD.replace("{people: person}", "{people: human}") + FACTS_BODY,
        "names ?human, which 'rows' does not project",
        10,
    ),
    (
        "facts-count-not-a-column",
        FACTS_HEAD.replace("{people: person}", "{persons: person}") + FACTS_BODY,
        "'count' of 'facts' names 'persons'",
        10,
    ),
    (
        "facts-column-not-covered",
        FACTS_HEAD.replace("SELECT ?country ?person", "SELECT ?person").replace("?person sg:country ?country ", "")
        + FACTS_BODY,
        "column 'country' is neither counted nor a variable",
        11,
    ),
    (
        "facts-filter-not-a-parameter",
        FACTS_HEAD.replace("{field: field}", "{topic: field}") + FACTS_BODY,
        "'topic', which is not a parameter",
        9,
    ),
    (
        "facts-filter-not-iri",
        FACTS_HEAD.replace("list[iri]", "list[string]").replace("https://w3id.org/stigraph/id/field/topic-ai", "ai")
        + FACTS_BODY,
        "keeps rows by IRIs",
        9,
    ),
]


@pytest.mark.parametrize(("case", "text", "message", "line"), BAD, ids=[b[0] for b in BAD])
def test_a_malformed_query_file_is_refused_with_its_file_and_line(
    tmp_path: Path, case: str, text: str, message: str, line: int
) -> None:
    name = "Bad_Name" if case == "bad-file-name" else case
    (tmp_path / "topic").mkdir()
    (tmp_path / "topic" / f"{name}.rq").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    err = info.value
    assert message in err.message, err.message
    assert err.context.file == f"topic/{name}.rq"
    if line:
        assert err.context.line == line, str(err)


def test_every_kind_of_malformed_file_was_tried() -> None:
    assert len(BAD) == 51
    assert len({b[0] for b in BAD}) == len(BAD)


def test_fact_rows_are_read_from_the_header(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "people-per-country.rq").write_text(FACTS_HEAD + FACTS_BODY, encoding="utf-8")
    facts = load_catalog(tmp_path).get("people-per-country").facts
    assert facts is not None
    assert (facts.count, facts.filter, facts.variables) == (
        {"people": "person"},
        {"field": "field"},
        ("country", "field", "person"),
    )


def test_a_table_match_is_read_from_the_header(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "by-region.rq").write_text(TABLE_HEAD + TABLE_BODY, encoding="utf-8")
    p = load_catalog(tmp_path).get("by-region").params["region"]
    assert p.table is not None
    assert (p.table.column, p.table.match, p.table.via) == ("country", "within", "https://schema.org/containsPlace")


def test_duplicate_names_across_topics_are_refused(tmp_path: Path) -> None:
    for topic in ("a", "b"):
        (tmp_path / topic).mkdir()
        (tmp_path / topic / "same.rq").write_text("#+ summary: x\n" + BODY, encoding="utf-8")
    with pytest.raises(CatalogError, match="used twice"):
        load_catalog(tmp_path)


def test_check_reports_every_problem_not_only_the_first(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "one.rq").write_text("#+ summary: x\n#+ bogus: 1\n" + BODY, encoding="utf-8")
    (tmp_path / "t" / "two.rq").write_text(BODY, encoding="utf-8")
    (tmp_path / "t" / "fine.rq").write_text("#+ summary: x\n" + BODY, encoding="utf-8")
    catalog, problems = check_catalog(tmp_path)
    assert len(problems) == 2
    assert list(catalog.queries) == ["fine"]


def test_a_grlc_header_is_read_with_its_parameters_from_the_variable_names(tmp_path: Path) -> None:
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "grlc-style.rq").write_text(
        "#+ summary: Things of a type\n"
        "#+ tags:\n#+   - things\n"
        "#+ pagination: 20\n"
        "#+ enumerate:\n#+   - lang:\n#+     - en\n#+     - ja\n"
        "#+ defaults:\n#+   - year: 2020\n"
        "SELECT ?s ?_type_iri ?__name_en ?__year_integer ?__lang WHERE {\n"
        "  ?s a ?_type_iri . OPTIONAL { ?s <http://x/name> ?__name_en } BIND(?__year_integer AS ?y)"
        " BIND(?__lang AS ?l) }\nORDER BY ?s\n",
        encoding="utf-8",
    )
    q = load_catalog(tmp_path).get("grlc-style")
    assert q.dialect == "grlc"
    assert q.page_size == 20
    assert q.tags == ["things"]
    p = q.params
    assert sorted(p) == ["lang", "name", "type", "year"]
    assert (p["type"].type, p["type"].required, p["type"].variable) == ("iri", True, "_type_iri")
    assert (p["name"].type, p["name"].language, p["name"].required) == ("lang-string", "en", False)
    assert (p["year"].type, p["year"].default, p["year"].required) == ("integer", 2020, False)
    assert (p["lang"].type, sorted(p["lang"].values)) == ("enum", ["en", "ja"])


def test_the_projects_catalogue_is_well_formed() -> None:
    catalog = load_catalog(REPO / "queries")
    assert len(catalog) >= 20
    for q in catalog:
        assert q.summary and q.topic, q.name
        for p in q.params.values():
            assert p.description and p.example is not None, (q.name, p.name)


def test_stigraph_queries_check_passes_on_the_catalogue_and_fails_on_a_bad_one(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "stigraph", "queries", "check"]
    ok = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "all well-formed" in ok.stdout
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "broken.rq").write_text("#+ summary: x\n#+ page_size: 5\n" + BODY.replace("ORDER BY ?person", ""))
    bad = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=_env(STIGRAPH_QUERIES_DIR=str(tmp_path)))
    assert bad.returncode == 2
    assert "t/broken.rq:2" in bad.stderr and "ORDER BY" in bad.stderr
    assert "Traceback" not in bad.stderr


def _env(**extra: str) -> dict[str, str]:
    import os

    return {**os.environ, **extra}
