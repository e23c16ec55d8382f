"""Rows and terms for clients without RDF tooling: plain JSON, CSV, SPARQL JSON, one page at a time.

Plain JSON is what a client without RDF tooling wants: an array of objects, one key per
column, IRIs and strings as strings, numbers as numbers, booleans as booleans, unbound as null.
The page is cut while the engine's solutions are read, and the rest are only counted, so the
total is exact and no more than one page is held.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_FLOATS = {XSD + "decimal", XSD + "double", XSD + "float"}
PAGE_FORMATS = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "sparql-json": "application/sparql-results+json",
}


def plain(term: Any) -> Any:
    """A term as a JSON value."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return "_:" + term.value
    if isinstance(term, Literal):
        dt = term.datatype.value
        try:
            if dt in _INTEGERS:
                return int(term.value)
            if dt in _FLOATS:
                x = float(term.value)
                return x if math.isfinite(x) else term.value
        except ValueError:
            return term.value
        if dt == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return str(term)


def sparql_json_term(term: Any) -> dict[str, str]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    assert isinstance(term, Literal)
    if term.language:
        return {"type": "literal", "value": term.value, "xml:lang": term.language}
    if term.datatype.value != XSD + "string":
        return {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    return {"type": "literal", "value": term.value}


@dataclass
class Page:
    columns: list[str]
    rows: list[list[Any]]  # terms (or None), in column order
    total: int


_TRUE = Literal("true", datatype=NamedNode(XSD + "boolean"))
_FALSE = Literal("false", datatype=NamedNode(XSD + "boolean"))


def as_booleans(page: Page, columns: list[str]) -> Page:
    """The page with the numbers 0 and 1 of declared boolean columns made booleans: SPARQL
    gives ``xsd:boolean`` for a comparison, Virtuoso gives ``xsd:integer``."""
    at = [i for i, c in enumerate(page.columns) if c in columns]

    def fix(term: Any) -> Any:
        if isinstance(term, Literal) and term.datatype.value == XSD + "integer" and term.value in ("0", "1"):
            return _TRUE if term.value == "1" else _FALSE
        return term

    rows = [[fix(t) if i in at else t for i, t in enumerate(row)] for row in page.rows] if at else page.rows
    return Page(page.columns, rows, page.total)


def cut_page(solutions: Iterable[Any], columns: list[str], offset: int, limit: int) -> Page:
    rows: list[list[Any]] = []
    total = 0
    end = offset + limit
    for solution in solutions:
        if offset <= total < end:
            rows.append([solution[c] for c in columns])
        total += 1
    return Page(columns, rows, total)


def render(page: Page, fmt: str) -> bytes:
    if fmt == "json":
        items = [{c: plain(v) for c, v in zip(page.columns, row, strict=True)} for row in page.rows]
        return json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode()
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(page.columns)
        for row in page.rows:
            w.writerow(["" if v is None else _csv(plain(v)) for v in row])
        return buf.getvalue().encode()
    if fmt == "sparql-json":
        bindings = [
            {c: sparql_json_term(v) for c, v in zip(page.columns, row, strict=True) if v is not None}
            for row in page.rows
        ]
        body = {"head": {"vars": page.columns}, "results": {"bindings": bindings}}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    raise ValueError(f"unknown page format {fmt!r}")


def _csv(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def term_from_json(term: dict[str, str]) -> NamedNode | Literal | BlankNode:
    """The inverse of ``sparql_json_term`` (how terms cross to a worker and sit in answer tables)."""
    if term.get("type") == "uri":
        return NamedNode(term["value"])
    if term.get("type") == "bnode":
        return BlankNode(term["value"])
    if term.get("type") == "literal":
        if "xml:lang" in term:
            return Literal(term["value"], language=term["xml:lang"])
        if "datatype" in term:
            return Literal(term["value"], datatype=NamedNode(term["datatype"]))
        return Literal(term["value"])
    raise ValueError(f"not an IRI or literal term: {term!r}")
