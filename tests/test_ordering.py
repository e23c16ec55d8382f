"""Sorting curated answers in Python: the same order as pyoxigraph's ORDER BY, or none at all."""

from __future__ import annotations

import random

import pytest
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Store

from stigraph.catalog.ordering import OrderKey, column_keys, sort_permutation, sorted_page, split_order

XSD = "http://www.w3.org/2001/XMLSchema#"


def _typed(value: str, datatype: str) -> Literal:
    return Literal(value, datatype=NamedNode(XSD + datatype))


def _term(kind: str, rng: random.Random) -> object:
    word = rng.choice(["a", "b", "A", "ab", "a b", "é", "e", "日本", "にほん", "", "Z", "z10", "z9"])
    day = f"20{rng.randint(10, 30)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    return {
        "none": lambda: None,
        "iri": lambda: NamedNode(f"https://example.org/{word.replace(' ', '_')}{rng.randint(0, 20)}"),
        "string": lambda: Literal(word),
        "lang": lambda: Literal(word, language=rng.choice(["en", "ja", "de", "en-us"])),
        "text": lambda: Literal(word, language=rng.choice(["en", "ja", None])),  # tagged and plain
        "integer": lambda: _typed(str(rng.randint(-50, 50)), "integer"),
        "decimal": lambda: _typed(f"{rng.randint(-5000, 5000) / 100:.2f}", "decimal"),
        "double": lambda: _typed(repr(rng.uniform(-100, 100)), "double"),
        "datetime-tz": lambda: _typed(
            f"{day}T{rng.randint(10, 23)}:{rng.randint(10, 59)}:00{rng.choice(['Z', '+09:00', '-05:00'])}", "dateTime"
        ),
        "datetime": lambda: _typed(
            f"{day}T{rng.randint(10, 23)}:{rng.randint(10, 59)}:0{rng.randint(0, 9)}", "dateTime"
        ),
        "date": lambda: _typed(day, "date"),
        "boolean": lambda: _typed(rng.choice(["true", "false"]), "boolean"),
    }[kind]()


KINDS = ["iri", "string", "lang", "text", "integer", "decimal", "double", "datetime-tz", "datetime", "date", "boolean"]


def _store_order(store: Store, rows: list[list[object]], keys: list[OrderKey]) -> list[int]:
    """Row numbers in the order pyoxigraph's ORDER BY gives (the row number breaks ties)."""
    store.clear()
    quads = []
    for i, row in enumerate(rows):
        node = NamedNode(f"urn:row:{i}")
        quads.append(Quad(node, NamedNode("urn:i"), _typed(str(i), "integer"), DefaultGraph()))
        quads += [
            Quad(node, NamedNode(f"urn:c{j}"), v, DefaultGraph())  # type: ignore[arg-type]
            for j, v in enumerate(row)
            if v is not None
        ]
    store.extend(quads)
    optional = " ".join(f"OPTIONAL {{ ?r <urn:c{j}> ?c{j} }}" for j in range(len(rows[0])))
    order = " ".join(f"{'DESC' if k.descending else 'ASC'}(?{k.variable})" for k in keys)
    text = f"SELECT ?i WHERE {{ ?r <urn:i> ?i {optional} }} ORDER BY {order} ?i"
    return [int(s["i"].value) for s in store.query(text)]  # type: ignore[union-attr,index]


def test_the_order_is_the_stores_on_generated_columns() -> None:
    """Columns of one kind of literal (with IRIs and unbound values mixed in), one to three keys,
    ascending and descending, against pyoxigraph 0.5's ORDER BY."""
    rng = random.Random(20261203)
    store = Store()
    ran = 0
    for _ in range(300):
        width = rng.randint(1, 3)
        kinds = [[rng.choice(KINDS), *rng.sample(["none", "iri"], rng.randint(0, 2))] for _ in range(width)]
        rows = [[_term(rng.choice(k), rng) for k in kinds] for _ in range(rng.randint(2, 40))]
        keys = [OrderKey(f"c{j}", rng.random() < 0.5) for j in rng.sample(range(width), width)]
        mine = sort_permutation(rows, [f"c{j}" for j in range(width)], keys)
        if mine is None:  # two terms of equal value (1 and 1.0, the same instant twice)
            continue
        assert mine == _store_order(store, rows, keys), (kinds, keys, rows)
        ran += 1
    assert ran >= 250


@pytest.mark.parametrize(
    "values",
    [
        [Literal("a"), _typed("1", "integer")],  # a string and a number
        [_typed("1", "integer"), _typed("1.0", "decimal")],  # equal values, different terms
        [_typed("NaN", "double")],
        [_typed("2024-01-01T00:00:00Z", "dateTime"), _typed("2024-01-01T00:00:00", "dateTime")],
        [_typed("2024-01-01Z", "date")],
        [BlankNode("b1")],
        [_typed("x", "integer")],
        [Literal("a", datatype=NamedNode("https://example.org/datatype"))],
    ],
)
def test_a_column_whose_order_is_not_known_here_is_left_to_the_store(values: list[object]) -> None:
    assert column_keys(values) is None
    assert sort_permutation([[v] for v in values], ["x"], [OrderKey("x")]) is None


@pytest.mark.parametrize(
    ("text", "rest", "keys"),
    [
        (
            "SELECT ?a ?b WHERE { ?a <p> ?b } ORDER BY ?a DESC(?b)",
            "SELECT ?a ?b WHERE { ?a <p> ?b } ",
            [("a", False), ("b", True)],
        ),
        ("SELECT ?a WHERE { ?a <p> ?b } order by asc( ?a )\n", "SELECT ?a WHERE { ?a <p> ?b } \n", [("a", False)]),
        (
            "SELECT ?a WHERE { { SELECT ?a WHERE { ?a <p> 1 } ORDER BY ?a LIMIT 2 } } ORDER BY DESC(?a) "
            "VALUES ?a { <x> }",
            "SELECT ?a WHERE { { SELECT ?a WHERE { ?a <p> 1 } ORDER BY ?a LIMIT 2 } }  VALUES ?a { <x> }",
            [("a", True)],
        ),
        (
            "SELECT (COUNT(*) AS ?n) WHERE { ?a <p> ?b } ORDER BY ?n # done",
            "SELECT (COUNT(*) AS ?n) WHERE { ?a <p> ?b }  # done",
            [("n", False)],
        ),
    ],
)
def test_a_simple_order_by_is_taken_off_the_query(text: str, rest: str, keys: list[tuple[str, bool]]) -> None:
    split = split_order(text)
    assert split is not None
    assert split.text == rest
    assert [(k.variable, k.descending) for k in split.keys] == keys


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?a WHERE { ?a <p> ?b }",  # no order
        "SELECT ?a WHERE { ?a <p> ?b } ORDER BY ?b",  # not projected
        "SELECT ?a WHERE { ?a <p> ?b } ORDER BY STR(?a)",  # an expression
        "SELECT ?a WHERE { ?a <p> ?b } ORDER BY DESC(LCASE(?a))",
        "SELECT ?a WHERE { ?a <p> ?b } ORDER BY ?a LIMIT 10",  # the order decides which rows
        "SELECT ?a WHERE { ?a <p> ?b } ORDER BY ?a OFFSET 1",
        "SELECT ?a WHERE { ?a <p> 'ORDER BY ?a' }",  # in a string
    ],
)
def test_any_other_order_is_left_to_the_store(text: str) -> None:
    assert split_order(text) is None


def test_a_page_sorted_here_is_the_page_the_store_sorts() -> None:
    store = Store()
    rng = random.Random(7)
    people = [NamedNode(f"https://example.org/p{i}") for i in range(500)]
    store.extend(
        Quad(
            p, NamedNode("urn:name"), Literal(rng.choice(["Sato", "Abe", "Ito", "佐藤"]), language="en"), DefaultGraph()
        )
        for p in people
    )
    text = "SELECT ?p ?name WHERE { ?p <urn:name> ?name } ORDER BY DESC(?name) ?p"
    ran = 0
    for offset in (0, 100, 490, 500):
        page = sorted_page(store.query, text, offset, 100)
        assert page is not None and page.total == 500
        expected = [[s["p"], s["name"]] for s in store.query(text)][offset : offset + 100]  # type: ignore[union-attr,index]
        assert page.rows == expected
        ran += 1
    assert ran == 4
    assert sorted_page(store.query, "SELECT ?p WHERE { ?p <urn:name> ?n } ORDER BY STR(?p)", 0, 10) is None


def test_a_live_answer_beyond_the_row_limit_is_left_to_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    from stigraph.catalog import ordering

    store = Store()
    store.extend(Quad(NamedNode(f"urn:p{i}"), NamedNode("urn:n"), Literal(str(i)), DefaultGraph()) for i in range(50))
    text = "SELECT ?p ?n WHERE { ?p <urn:n> ?n } ORDER BY ?n"
    page = sorted_page(store.query, text, 0, 5)
    assert page is not None and page.total == 50
    monkeypatch.setattr(ordering, "ROWS_MAX", 49)
    assert sorted_page(store.query, text, 0, 5) is None
