"""Answer tables (catalog.tables): a table answers exactly what the live query answers, for every
precomputed query and value; it is written at every publish and never read for another
generation or another query text; the API uses it only where it holds the answer."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyoxigraph import NamedNode, Store, Variable

from stigraph.catalog.binding import bind
from stigraph.catalog.catalog import load_catalog
from stigraph.catalog.facts import FactsShape, FactTable, comparable, facts_filters
from stigraph.catalog.model import CuratedQuery
from stigraph.catalog.tables import Table, indexed_variables, open_facts, open_table, table_dir_name, table_filters
from stigraph.results import cut_page, plain
from stigraph.sparql.lexer import check
from stigraph.store.generations import Generations
from tests.conftest import REPO, copy_with_count_query, load_second_list, run_cli
from tests.live import ADMIN, auth, start_server

CATALOG = load_catalog(REPO / "queries")
PRECOMPUTED = [q for q in CATALOG if q.precompute]
WITH_FACTS = [q for q in CATALOG if q.facts is not None]


def _table(store: Path, query: CuratedQuery) -> Table:
    gens = Generations(store)
    table = open_table(str(gens.derived_path(gens.current()) / query.scope / table_dir_name(query)))
    assert table is not None, f"no table for {query.name} in generation {gens.current()}"
    return table


def _facts(store: Path, query: CuratedQuery) -> FactTable:
    gens = Generations(store)
    facts = open_facts(str(gens.derived_path(gens.current()) / query.scope / table_dir_name(query)))
    assert facts is not None, f"no fact rows for {query.name} in generation {gens.current()}"
    return facts


def _reach(store: Path, query: CuratedQuery) -> Callable[[Any, str], list[Any]]:
    """What the worker gives a 'within' filter: the objects of the property in the scope's graph."""
    gens = Generations(store)
    snapshot = Store.read_only(str(gens.snapshot_path(gens.current(), query.scope)))
    return lambda term, via: [q.object for q in snapshot.quads_for_pattern(term, NamedNode(via), None, None)]


def _live(store: Path, query: CuratedQuery, given: dict[str, list[str]]) -> list[list[str]]:
    return [[str(t) for t in row] for row in _live_terms(store, query, given)]


def _live_terms(store: Path, query: CuratedQuery, given: dict[str, list[str]]) -> list[list[Any]]:
    gens = Generations(store)
    snapshot = Store.read_only(str(gens.snapshot_path(gens.current(), query.scope)))
    bound = bind(query, given)
    info = check(bound.text, max_bytes=1 << 24, max_depth=1000)
    result = snapshot.query(
        bound.text,
        substitutions={Variable(v): t for v, t in bound.substitutions.items()},
        use_default_graph_as_union=not info.names_dataset,
    )
    columns = [v.value for v in result.variables]  # type: ignore[union-attr]
    page = cut_page(result, columns, 0, 10**9)  # type: ignore[arg-type]
    return page.rows


def _cases(store: Path) -> list[tuple[CuratedQuery, dict[str, list[str]]]]:
    """For each precomputed query: no values, the example of every indexed parameter, up to three
    values of each indexed column that occur in the table (so that filters select rows), two of
    them at once for a list parameter, and all the examples together."""
    cases: list[tuple[CuratedQuery, dict[str, list[str]]]] = []
    for q in PRECOMPUTED:
        cases.append((q, {}))
        table = _table(store, q)
        every = table.page([], 0, 10**9)
        together: dict[str, list[str]] = {}
        for p in q.params.values():
            column_name = p.table.column if p.table else p.variable
            if column_name not in indexed_variables(q):
                continue
            values = {str(v) for v in (p.example if isinstance(p.example, list) else [p.example])}
            together[p.name] = sorted(values)
            column = every.columns.index(column_name)
            seen = sorted({row[column].value for row in every.rows if row[column] is not None})
            if p.type == "enum":  # the column holds the IRI an enum value names
                names = {iri: name for name, iri in p.values.items()}
                seen = [names[v] for v in seen if v in names]
            if p.type == "date":  # a day compared with the column's timestamps
                seen = sorted({v[:10] for v in seen})
            if p.table and p.table.match == "contains":  # pieces of names, in either case
                lines = sorted({line for v in seen for line in v.split("\n") if len(line) > 8})
                seen = [lines[0][:2], lines[1][2:8].upper(), lines[-1][-5:], "no such name piece"]
                seen += ["", "田"]
            values.update(seen[:3] if not (p.table and p.table.match == "contains") else seen)
            cases.extend((q, {p.name: [v]}) for v in sorted(values))
            if p.many and len(seen) >= 2:
                cases.append((q, {p.name: seen[:2]}))  # several values: the rows of either
        if len(together) > 1:
            cases.append((q, together))
    return cases


def test_a_table_gives_the_rows_of_the_live_query_for_every_precomputed_query(curated_store: Path) -> None:
    ran = filtered = 0
    matched: dict[str, int] = {}  # filters on a column the parameter does not bind
    cases = _cases(curated_store)
    for q, given in cases:
        filters = table_filters(q, given)
        assert filters is not None, (q.name, given)
        page = _table(curated_store, q).page(filters, 0, 10**9, _reach(curated_store, q))
        from_table = [[str(t) for t in row] for row in page.rows]
        live = _live(curated_store, q, given)
        assert from_table == live, (q.name, given)
        assert page.total == len(live)
        ran += 1
        filtered += bool(given) and bool(live)
        for f in filters:
            if f.match != "equal" and 0 < len(live) < _table(curated_store, q).total:  # it selected some rows
                matched[f.match] = matched.get(f.match, 0) + 1
    assert len(PRECOMPUTED) >= 15
    assert ran == len(cases) and ran >= len(PRECOMPUTED) + 10
    assert filtered >= 5  # filters that selected rows, not only empty answers
    assert set(matched) == {"within", "at-least", "at-most", "contains"} and min(matched.values()) >= 2, matched


def _fact_cases(store: Path) -> list[tuple[CuratedQuery, dict[str, list[str]]]]:
    """For each query with fact rows: no values (unless one is required); for each parameter its
    example, every value of the filtered column that occurs in the rows (one at a time), and
    pairs of them for a list parameter; then all the examples together."""
    cases: list[tuple[CuratedQuery, dict[str, list[str]]]] = []
    for q in WITH_FACTS:
        assert q.facts is not None
        if not q.has_required():
            cases.append((q, {}))
        together: dict[str, list[str]] = {}
        for p in q.params.values():
            filters = facts_filters(q, {p.name: [str(p.example[0] if p.many else p.example)]})
            assert filters is not None, (q.name, p.name)  # every parameter of these queries
            example = [str(v) for v in (p.example if isinstance(p.example, list) else [p.example])]
            together[p.name] = example
            cases.append((q, {p.name: example}))
            seen = sorted({row[0].value for row in _column_terms(store, q, filters[0].column)})
            cases.extend((q, {p.name: [v]}) for v in seen)
            if p.many:
                cases.extend((q, {p.name: [a, b]}) for a, b in itertools.pairwise(seen))
                cases.append((q, {p.name: [*seen, "https://example.org/no-such-value"]}))
        cases.append((q, together))
    return cases


def _column_terms(store: Path, q: CuratedQuery, column: str) -> list[list[Any]]:
    """The distinct IRIs of a column of the query's fact rows, from the store."""
    gens = Generations(store)
    snapshot = Store.read_only(str(gens.snapshot_path(gens.current(), q.scope)))
    assert q.facts is not None
    rows = snapshot.query(q.facts.rows, use_default_graph_as_union=True)
    at = [v.value for v in rows.variables].index(column)  # type: ignore[union-attr]
    return [[t] for t in {s[at] for s in rows if s[at] is not None}]  # type: ignore[union-attr]


def test_fact_rows_give_the_rows_of_the_live_query_for_every_value(curated_store: Path) -> None:
    cases = _fact_cases(curated_store)
    ran = selective = several = 0
    for q, given in cases:
        filters = facts_filters(q, given)
        assert filters is not None, (q.name, given)
        page = _facts(curated_store, q).answer(FactsShape.of(q), filters, 0, 10**9, _reach(curated_store, q))
        assert page is not None, (q.name, given)
        live = comparable(q, _live(curated_store, q, given))
        assert comparable(q, [[str(t) for t in row] for row in page.rows]) == live, (q.name, given)
        assert page.total == len(live)
        ran += 1
        every = None if q.has_required() else _live(curated_store, q, {})
        selective += len(live) > 0 and live != every
        several += any(len(v) > 1 for v in given.values()) and bool(live)
    assert len(WITH_FACTS) == 3
    assert ran == len(cases) >= 20
    assert selective >= 8 and several >= 4, (selective, several)
    # a page of the answer, and the total of all of it
    q = CATALOG.get("pi-counts-by-country")
    shape = FactsShape.of(q)
    whole = _facts(curated_store, q).answer(shape, [], 0, 10**9, None)
    second = _facts(curated_store, q).answer(shape, [], 1, 2, None)
    assert whole is not None and second is not None and whole.total == second.total >= 3
    assert second.rows == whole.rows[1:3]


def test_only_values_the_fact_rows_have_a_column_for_are_answered_from_them() -> None:
    by_country = CATALOG.get("pi-counts-by-country")
    ai = "https://w3id.org/stigraph/id/field/topic-ai"
    eu = "https://w3id.org/stigraph/id/region/eu"
    both = facts_filters(by_country, {"field": [ai, ai], "region": [eu]})
    assert [(f.column, f.match) for f in both or []] == [("field", "equal"), ("country", "within")]
    assert facts_filters(CATALOG.get("pi-counts-by-field"), {"country": [eu]}) is not None
    assert facts_filters(CATALOG.get("board-members"), {"role": ["chair"]}) is None  # no fact rows


def test_pages_of_a_table_add_up_to_its_total(curated_store: Path) -> None:
    q = CATALOG.get("find-researchers")
    table = _table(curated_store, q)
    assert table.total > 10
    pages = [table.page([], offset, 7) for offset in range(0, table.total + 7, 7)]
    rows = [str(r) for p in pages for r in p.rows]
    assert len(rows) == table.total == len(set(rows))
    assert pages[-1].rows == [] and all(p.total == table.total for p in pages)
    assert [str(r) for r in table.page([], 0, table.total).rows] == rows


def test_only_requests_the_table_holds_are_answered_from_it() -> None:
    q = CATALOG.get("board-members")
    assert table_filters(q, {}) == []
    assert [f.column for f in table_filters(q, {"role": ["chair"]}) or []] == ["role"]
    counts = CATALOG.get("pi-counts-by-field")
    assert table_filters(counts, {}) == []
    # the countries of a count are not a column: the table cannot be filtered, the query runs
    assert table_filters(counts, {"country": ["https://w3id.org/stigraph/id/country/US"]}) is None
    # a region is not a column, but it selects the rows of its countries
    by_country = CATALOG.get("pi-counts-by-country")
    region = table_filters(by_country, {"region": ["https://w3id.org/stigraph/id/region/eu"]})
    assert [(f.column, f.match, f.via) for f in region or []] == [
        ("country", "within", "https://schema.org/containsPlace")
    ]
    assert table_filters(by_country, {"field": ["https://w3id.org/stigraph/id/field/topic-ai"]}) is None
    years = table_filters(CATALOG.get("international-publications"), {"from_year": ["2021"], "to_year": ["2023"]})
    assert [(f.column, f.match) for f in years or []] == [("year", "at-least"), ("year", "at-most")]
    search = CATALOG.get("find-researchers")
    assert [(f.column, f.match) for f in table_filters(search, {"name": ["kimura"]}) or []] == [("names", "contains")]
    # a text across the line breaks that separate the names in the column: the live query decides
    assert table_filters(search, {"name": ["kimura\nsaki"]}) is None
    live_only = CATALOG.get("coauthors")
    assert not live_only.precompute
    assert table_filters(live_only, {"person": ["https://example.org/p"]}) is None


def _live_json(store: Path, name: str, given: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The live answer as the API's plain JSON gives it."""
    q = CATALOG.get(name)
    return [dict(zip(q.output_columns(), map(plain, row), strict=True)) for row in _live_terms(store, q, given)]


def _once(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without the repeats of the row before them."""
    return [r for i, r in enumerate(rows) if i == 0 or r != rows[i - 1]]


def _get(base: str, name: str, **kw: object) -> httpx.Response:
    r = httpx.get(f"{base}/api/queries/{name}", timeout=60, **kw)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    return r


def test_the_api_answers_from_the_table_where_it_can_and_the_same_rows_either_way(
    curated_store: Path, tmp_path: Path
) -> None:
    srv = start_server(curated_store, tmp_path / "serve.log", answer_cache_mb=0)
    try:
        plain = _get(srv.base, "find-researchers", params={"size": 5, "page": 2})
        assert plain.headers["x-answered-from"] == "table"
        assert plain.headers["x-cache"] == "miss"
        # a caller of a wider scope sees more data than the public table holds: live
        admin = _get(srv.base, "find-researchers", params={"size": 5}, headers=auth(ADMIN))
        assert admin.headers["x-answered-from"] == "query"
        # a name is found in the table's text column, through the worker
        named = _get(srv.base, "find-researchers", params={"name": "KIMURA"})
        assert named.headers["x-answered-from"] == "table"
        assert named.json() and all("kimura" in r["names"].lower() for r in named.json())
        # a region selects the rows of its countries (the worker looks them up in its snapshot)
        eu = "https://w3id.org/stigraph/id/region/eu"
        region = _get(srv.base, "pi-counts-by-country", params={"region": eu})
        assert region.headers["x-answered-from"] == "table"
        countries = {r["country"] for r in _get(srv.base, "pi-counts-by-country").json()}
        assert region.json() and {r["country"] for r in region.json()} < countries
        # a value the table has no column for: from the rows under its counts, as live
        ai = "https://w3id.org/stigraph/id/field/topic-ai"
        field = _get(srv.base, "pi-counts-by-country", params={"field": ai})
        assert field.headers["x-answered-from"] == "facts"
        assert field.json() == _live_json(curated_store, "pi-counts-by-country", {"field": [ai]})
        # a caller of a wider scope: live
        wider = _get(srv.base, "pi-counts-by-country", params={"field": ai}, headers=auth(ADMIN))
        assert wider.headers["x-answered-from"] == "query"
        chair = _get(srv.base, "board-members", params={"role": "chair"})
        every = _get(srv.base, "board-members")
        assert chair.headers["x-answered-from"] == every.headers["x-answered-from"] == "table"
        assert chair.json() == [r for r in every.json() if r["role"] == chair.json()[0]["role"]]
        assert int(chair.headers["x-total-count"]) == len(chair.json()) < len(every.json())
    finally:
        srv.stop()


def test_tables_are_written_at_every_publish_and_never_read_across_generations(
    curated_store: Path, tmp_path: Path
) -> None:
    store, catalog = copy_with_count_query(curated_store, tmp_path, header="#+ precompute: true\n")
    env = {"STIGRAPH_QUERIES_DIR": str(catalog)}
    # the copied store predates this query: no table yet, so the live query answers
    srv = start_server(store, tmp_path / "serve.log", queries_dir=str(catalog), answer_cache_mb=0)
    try:
        first = _get(srv.base, "researcher-count")
        assert first.headers["x-answered-from"] == "query"
        written = run_cli("queries", "precompute", store=store, env=env)
        assert written.returncode == 0, written.stderr
        assert "1 answer table(s)" in written.stdout
        from_table = _get(srv.base, "researcher-count")
        assert from_table.headers["x-answered-from"] == "table"
        assert from_table.json() == first.json()
        load_second_list(store, tmp_path, env=env)
        after = _get(srv.base, "researcher-count")
        assert after.headers["x-answered-from"] == "table"  # written when the load published
        assert after.json()[0]["n"] > first.json()[0]["n"]
    finally:
        srv.stop()
    # an edited query has another digest: it never reads the table of its old text
    edited = load_catalog(catalog).get("researcher-count")
    gens = Generations(store)
    answers = gens.derived_path(gens.current()) / "public"
    assert [p.name for p in answers.iterdir()] == [table_dir_name(edited)]
    edited.text = edited.text.replace("COUNT(DISTINCT ?p)", "COUNT(?p)")
    assert not (answers / table_dir_name(edited)).exists()


def test_fact_answers_follow_every_load(curated_store: Path, tmp_path: Path) -> None:
    store, _ = copy_with_count_query(curated_store, tmp_path)
    q = CATALOG.get("pi-counts-by-country")
    fields = sorted({row[0].value for row in _column_terms(store, q, "field")})
    assert len(fields) >= 3
    srv = start_server(store, tmp_path / "serve.log", answer_cache_mb=0)
    try:
        before = _get(srv.base, q.name, params={"field": fields})
        assert before.headers["x-answered-from"] == "facts"
        # new PIs abroad, with fields and (unlike load_second_list) names of their own
        sample = (REPO / "loaders" / "pi-list" / "sample.csv").read_text(encoding="utf-8")
        (tmp_path / "more.csv").write_text(
            sample.replace("sf-00", "zz-00").replace(",Haruka,", ",Hana,").replace(",Kenji,", ",Kenta,"), "utf-8"
        )
        mission, pilist = "https://w3id.org/stigraph/id/mission/Q84921893", "https://w3id.org/stigraph/id/pilist/2"
        args = ("--source-id", "second-list", "--mission", mission, "--pilist", pilist)
        loaded = run_cli("load", str(tmp_path / "more.csv"), *args, store=store)
        assert loaded.returncode == 0, loaded.stderr
        after = _get(srv.base, q.name, params={"field": fields})
        assert after.headers["x-answered-from"] == "facts"  # the rows written when the load published
        assert after.json() != before.json()
        assert after.json() == _live_json(store, q.name, {"field": fields})
        assert sum(r["pis"] for r in after.json()) > sum(r["pis"] for r in before.json())
        # names concatenated from the fact rows: several per group now, the same as live (as sets)
        gaps = CATALOG.get("fields-without-programme")
        us = {"place": ["https://w3id.org/stigraph/id/country/US"]}
        answer = _get(srv.base, gaps.name, params=us)
        assert answer.headers["x-answered-from"] == "facts"
        # The same label in two graphs (the second list brings the fields' labels again) makes
        # the live query repeat a row: pyoxigraph's union default graph keeps one copy of a
        # triple per graph. The fact rows are grouped, so they give each row once.
        live = _once(_live_json(store, gaps.name, us))
        assert [{**r, "names": set(r["names"].split("; "))} for r in answer.json()] == [
            {**r, "names": set(r["names"].split("; "))} for r in live
        ]
        assert max(len(r["names"].split("; ")) for r in live) >= 2
    finally:
        srv.stop()


def test_precompute_refuses_a_query_not_marked(curated_store: Path) -> None:
    r = run_cli("queries", "precompute", "coauthors", store=curated_store)
    assert r.returncode != 0
    assert "not marked 'precompute'" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("name", [q.name for q in PRECOMPUTED])
def test_every_precomputed_query_has_its_table_in_the_served_store(curated_store: Path, name: str) -> None:
    q = CATALOG.get(name)
    assert _table(curated_store, q).columns == q.output_columns()


def test_the_compact_term_encoding_round_trips_every_kind_of_term() -> None:
    from pyoxigraph import BlankNode, Literal, NamedNode

    from stigraph.catalog.tables import decode_term, encode_term

    terms = [
        NamedNode("https://w3id.org/stigraph/id/person/0000-0001-5109-3700"),
        BlankNode("b0"),
        Literal('plain text with spaces, "quotes" and\nnewlines'),
        Literal(""),
        Literal("東京", language="ja"),
        Literal("Tokyo is big", language="en-GB"),
        Literal("42", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        Literal("2024-01-01", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date")),
        Literal("^ looks like a type", datatype=NamedNode("https://example.org/dt")),
        None,
    ]
    for term in terms:
        assert decode_term(encode_term(term)) == term, term
    assert len(terms) == 10
