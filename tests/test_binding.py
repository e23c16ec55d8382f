"""Parameter values become RDF terms, never query text: every type both ways, and injection
attempts that either fail with a 422-kind error or return exactly the rows their literal gives."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store, Variable

from stigraph.catalog.binding import MAX_VALUE_CHARS, bind, parse_value
from stigraph.catalog.catalog import load_catalog
from stigraph.catalog.model import Param
from stigraph.errors import ParameterError

XSD = "http://www.w3.org/2001/XMLSchema#"


def _p(t: str, **kw: object) -> Param:
    return Param(name="x", type=t, many=False, description="d", example="e", variable="x", **kw)  # type: ignore[arg-type]


VALID = [
    ("iri", "https://w3id.org/stigraph/id/country/US", NamedNode("https://w3id.org/stigraph/id/country/US")),
    ("string", 'O\'Brien "the" } #', Literal('O\'Brien "the" } #')),
    ("lang-string", "東京@ja", Literal("東京", language="ja")),
    ("lang-string", "a@b@en-GB", Literal("a@b", language="en-gb")),
    ("integer", "-42", Literal("-42", datatype=NamedNode(XSD + "integer"))),
    ("integer", "007", Literal("7", datatype=NamedNode(XSD + "integer"))),
    ("decimal", "0.30", Literal("0.30", datatype=NamedNode(XSD + "decimal"))),
    ("date", "2024-02-29", Literal("2024-02-29", datatype=NamedNode(XSD + "date"))),
    ("year", "2019", Literal("2019", datatype=NamedNode(XSD + "gYear"))),
    ("boolean", "true", Literal("true", datatype=NamedNode(XSD + "boolean"))),
    ("boolean", "0", Literal("false", datatype=NamedNode(XSD + "boolean"))),
]
INVALID = [
    ("iri", "US"),
    ("iri", "https://example.org/a b"),
    ("iri", "<https://example.org/>"),
    ("iri", "https://example.org/> } ; DROP ALL #"),
    ("lang-string", "Tokyo"),
    ("lang-string", "Tokyo@"),
    ("lang-string", "Tokyo@e n"),
    ("integer", "4.2"),
    ("integer", "1; DROP ALL"),
    ("integer", ""),
    ("decimal", "1e5"),
    ("decimal", "abc"),
    ("date", "2023-02-29"),
    ("date", "20240101"),
    ("year", "19"),
    ("year", "2019-01"),
    ("boolean", "yes"),
    ("string", "x" * (MAX_VALUE_CHARS + 1)),
    ("string", "nul\x00byte"),
]


@pytest.mark.parametrize(("t", "raw", "term"), VALID)
def test_a_valid_value_becomes_the_term_of_its_type(t: str, raw: str, term: object) -> None:
    assert parse_value(_p(t), raw) == term


@pytest.mark.parametrize(("t", "raw"), INVALID)
def test_an_invalid_value_is_refused_naming_the_parameter(t: str, raw: str) -> None:
    with pytest.raises(ParameterError) as info:
        parse_value(_p(t), raw)
    assert info.value.context.field == "x"
    assert info.value.context.expected


def test_the_type_tables_were_all_run() -> None:
    assert (len(VALID), len(INVALID)) == (11, 19)
    assert {t for t, *_ in VALID} | {t for t, _ in INVALID} == {
        "iri", "string", "lang-string", "integer", "decimal", "date", "year", "boolean"
    }  # fmt: skip


def test_enum_values_map_to_iris_or_plain_strings() -> None:
    iri = _p("enum", values={"embassy": "https://w3id.org/stigraph/id/mission-type/embassy"})
    assert parse_value(iri, "embassy") == NamedNode("https://w3id.org/stigraph/id/mission-type/embassy")
    plain = _p("enum", values={"en": None, "ja": None})
    assert parse_value(plain, "ja") == Literal("ja")
    with pytest.raises(ParameterError, match="not one of its values"):
        parse_value(plain, "fr")


# -- binding against a real store ----------------------------------------------------------------
TRICKY = [
    'He said "hi"',
    "O'Brien",
    "close } brace",
    "new\nline",
    "hash # not a comment",
    '" } ; DELETE WHERE { ?s ?p ?o } #',
    '" . } UNION { ?s ?p ?o } #',
    "\\u0022 } #",
    "back\\slash",
    "東京 (Tokyo)",
    "",
]
EX = "https://example.org/"


@pytest.fixture(scope="module")
def names_store() -> Store:
    store = Store()
    for i, name in enumerate(TRICKY):
        store.add(Quad(NamedNode(f"{EX}p{i}"), NamedNode(EX + "name"), Literal(name)))
    store.add(Quad(NamedNode(EX + "other"), NamedNode(EX + "name"), Literal("someone else")))
    return store


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("catalog")
    (root / "t").mkdir()
    (root / "t" / "by-name.rq").write_text(
        "#+ summary: People by exact name\n"
        "#+ parameters:\n#+   name:\n#+     type: string\n#+     required: true\n"
        "#+     description: The name.\n#+     example: O'Brien\n"
        f"SELECT ?person ?name WHERE {{ ?person <{EX}name> ?name }} ORDER BY ?person\n",
        encoding="utf-8",
    )
    (root / "t" / "by-names.rq").write_text(
        "#+ summary: People by any of several names\n"
        "#+ parameters:\n#+   name:\n#+     type: list[string]\n"
        "#+     description: The names.\n#+     example: [O'Brien]\n"
        f"SELECT ?person WHERE {{ ?person <{EX}name> ?name VALUES ?name {{ UNDEF }} }} ORDER BY ?person\n",
        encoding="utf-8",
    )
    return load_catalog(root)


def _run(store: Store, text: str, subs: dict[str, object]) -> list[str]:
    result = store.query(text, substitutions={Variable(k): v for k, v in subs.items()})  # type: ignore[misc]
    return sorted(s["person"].value for s in result)  # type: ignore[union-attr]


@pytest.mark.parametrize("index", range(len(TRICKY)))
def test_a_tricky_single_value_returns_exactly_its_row(names_store: Store, catalog, index: int) -> None:  # type: ignore[no-untyped-def]
    b = bind(catalog.get("by-name"), {"name": [TRICKY[index]]})
    assert b.text == catalog.get("by-name").text  # substitutions: the text is untouched
    assert _run(names_store, b.text, b.substitutions) == [f"{EX}p{index}"]


@pytest.mark.parametrize("index", range(len(TRICKY)))
def test_a_tricky_value_in_a_list_returns_exactly_its_row(names_store: Store, catalog, index: int) -> None:  # type: ignore[no-untyped-def]
    b = bind(catalog.get("by-names"), {"name": [TRICKY[index], "someone else"]})
    assert _run(names_store, b.text, b.substitutions) == sorted([f"{EX}p{index}", f"{EX}other"])
    assert len(list(names_store)) == len(TRICKY) + 1  # nothing was changed


def test_an_omitted_list_means_any(names_store: Store, catalog) -> None:  # type: ignore[no-untyped-def]
    b = bind(catalog.get("by-names"), {})
    assert len(_run(names_store, b.text, b.substitutions)) == len(TRICKY) + 1


def test_the_tricky_table_was_run() -> None:
    assert len(TRICKY) == 11


def test_binding_refuses_unknown_missing_repeated_and_huge_values(catalog) -> None:  # type: ignore[no-untyped-def]
    q = catalog.get("by-name")
    for given, words in [
        ({}, "is required"),
        ({"nme": ["x"]}, "unknown parameter 'nme'"),
        ({"name": ["a", "b"]}, "takes one value"),
        ({"name": ["x" * 100_000]}, "characters long"),
    ]:
        with pytest.raises(ParameterError, match=words):
            bind(q, given)
    with pytest.raises(ParameterError, match="values were given"):
        bind(catalog.get("by-names"), {"name": [str(i) for i in range(500)]})


def test_no_query_text_is_built_by_pasting_strings() -> None:
    """The catalogue and its API route never format, concatenate or replace into query text;
    the one function that writes into it (fill_placeholders) writes only str() of parsed terms."""
    src = Path(__file__).resolve().parents[1] / "src" / "stigraph"
    files = [*sorted((src / "catalog").glob("*.py")), src / "api" / "queries.py"]
    assert len(files) >= 8
    offences: list[str] = []
    for path in files:
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(fn, ast.FunctionDef) and fn.name != "fill_placeholders":
                offences += [f"{path.name}:{n.lineno} in {fn.name}" for n in ast.walk(fn) if _pastes(n)]
    assert offences == []


def _pastes(node: ast.AST) -> bool:
    """A string operation with query text as an operand."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) and _is_text(v.value) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _is_text(node.left) or _is_text(node.right)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("format", "replace", "join", "format_map")
    ):
        return _is_text(node.func.value) or any(_is_text(a) for a in node.args)
    return False


def _is_text(n: ast.AST) -> bool:
    name = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else ""
    return name in ("text", "query_text", "sparql")


def test_the_scan_catches_pasting() -> None:
    """The scan is not vacuous: each kind of pasting is caught."""
    for code in ('f"{q.text} LIMIT 1"', 'q.text + "x"', 'text.replace("?x", v)', '"{}".format(text)', "'%s' % text"):
        assert any(_pastes(n) for n in ast.walk(ast.parse(code))), code
    assert not any(_pastes(n) for n in ast.walk(ast.parse("text.count('x') + 1")))
