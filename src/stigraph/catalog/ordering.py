"""Sorting a curated query's answer in Python instead of in the store, when that gives the same order.

pyoxigraph's ``ORDER BY`` turns the compared terms back into strings at every comparison: one
store lookup per IRI or long literal, ``n log n`` times. Sorting the 504k entities of the
100k-researcher graph by graph and IRI took 167 s in the store; the same query without its
``ORDER BY`` took 4.8 s, and sorting its rows in Python about a second. So a curated query whose
top-level ``ORDER BY`` is a list of projected variables (each optionally ``ASC(...)`` or
``DESC(...)``) runs without it, and its rows are sorted here.

The order must be exactly the store's, because a page read from an answer table and a page of
the live query must agree. It is reproduced only where it is known (checked against pyoxigraph on
generated columns in the tests), and the store sorts everything else:

* unbound first, then IRIs by their string, then literals (a blank node: the store sorts);
* the literals of one column must all be of one kind: numbers (by value), strings and
  language-tagged strings (by text, then tagged before plain, then by tag), ``xsd:dateTime`` (by
  instant; all with a time zone or all without), ``xsd:date`` (without a time zone), or
  booleans. Two different terms that compare equal (``1`` and ``1.0``) also leave it to the store,
  since how the store breaks that tie is not known.

Rows that tie on every key may come in another order than the store's: pyoxigraph 0.5 sorts
with an unstable sort, so such ties have no defined order either way (a paged query orders
every row).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pyoxigraph import Literal, NamedNode, QuerySolutions

from stigraph.catalog.structure import scan
from stigraph.results import Page
from stigraph.sparql.lexer import tokens

XSD = "http://www.w3.org/2001/XMLSchema#"
_DECIMALS = {
    XSD + t
    for t in (
        *("integer", "decimal", "long", "int", "short", "byte", "nonNegativeInteger", "positiveInteger"),
        *("nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"),
    )
}
_FLOATS = {XSD + "double", XSD + "float"}
_STRINGS = {XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
_ENDS = {"LIMIT", "OFFSET", "VALUES"}
ROWS_MAX = 1_000_000
"""Beyond this many rows a live answer is sorted by the store: the rows of a page request are held
as Python terms while they are sorted, in a worker whose address space is limited."""


@dataclass(frozen=True)
class OrderKey:
    variable: str
    descending: bool = False


@dataclass(frozen=True)
class SplitOrder:
    """A query without its top-level ``ORDER BY``, and the keys that clause sorted by."""

    text: str
    keys: tuple[OrderKey, ...]


def split_order(text: str) -> SplitOrder | None:
    """The query without its ``ORDER BY`` and the keys, or None when the clause is not a list of
    projected variables, or the query cuts its answer itself (``LIMIT``/``OFFSET``)."""
    toks = list(tokens(text))
    depth = 0
    start = -1
    for i, t in enumerate(toks):
        if t.kind == "punct":
            depth += 1 if t.text in "{([" else -1
        elif (
            depth == 0
            and t.kind == "word"
            and t.text.upper() == "ORDER"
            and i + 1 < len(toks)
            and toks[i + 1].text.upper() == "BY"
        ):
            start = i
            break
    if start < 0:
        return None
    keys: list[OrderKey] = []
    i = start + 2
    end = toks[i - 1].end
    while i < len(toks):
        t = toks[i]
        if t.kind == "var":
            keys.append(OrderKey(t.text[1:]))
            i += 1
        elif t.kind == "word" and t.text.upper() in ("ASC", "DESC"):
            group = toks[i + 1 : i + 4]
            if len(group) < 3 or group[0].text != "(" or group[1].kind != "var" or group[2].text != ")":
                return None
            keys.append(OrderKey(group[1].text[1:], t.text.upper() == "DESC"))
            i += 4
        elif t.kind == "word" and t.text.upper() in _ENDS:
            break
        else:
            return None  # an expression: the store knows how to sort by it
        end = toks[i - 1].end
    rest = text[: toks[start].start] + text[end:]
    structure = scan(text)
    if not keys or structure.has_limit or not all(structure.projects(k.variable) for k in keys):
        return None
    return SplitOrder(rest, tuple(keys))


class _Unknown(Exception):
    """A value whose place in the store's order is not known here."""


def _literal_key(term: Literal) -> tuple[str, Any]:
    """The kind of a literal and its sort key within that kind."""
    dt = term.datatype.value
    value = term.value
    if term.language is not None:
        return "string", (value, 0, term.language)
    if dt in _STRINGS:
        return "string", (value, 1, "")
    try:
        if dt in _DECIMALS:
            return "number", Decimal(value.strip())
        if dt in _FLOATS:
            number = float(value)
            if math.isnan(number):
                raise _Unknown
            return "number", number
        if dt == XSD + "dateTime":
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return ("datetime-tz" if moment.tzinfo else "datetime"), moment
        if dt == XSD + "date" and len(value) == 10:
            return "date", datetime.date.fromisoformat(value)
        if dt == XSD + "boolean" and value in ("true", "false", "1", "0"):
            return "boolean", value in ("true", "1")
    except (ValueError, InvalidOperation) as exc:
        raise _Unknown from exc
    raise _Unknown


def column_keys(values: Sequence[Any]) -> list[tuple[Any, ...]] | None:
    """Sort keys of one column's terms in the store's order, or None when it is not known."""
    keys: list[tuple[Any, ...]] = []
    kind: str | None = None
    seen: dict[Any, Any] = {}  # key -> term, for the kinds where two terms can share a key
    try:
        for v in values:
            if v is None:
                keys.append((0,))
            elif isinstance(v, NamedNode):
                keys.append((1, v.value))
            elif isinstance(v, Literal):
                k, key = _literal_key(v)
                if kind is None:
                    kind = k
                elif k != kind:
                    raise _Unknown
                if k != "string" and seen.setdefault(key, v) != v:
                    raise _Unknown
                keys.append((2, key))
            else:
                raise _Unknown  # blank nodes, triples
    except _Unknown:
        return None
    return keys


def sort_permutation(
    rows: Sequence[Sequence[Any]], columns: Sequence[str], keys: Sequence[OrderKey]
) -> list[int] | None:
    """Row numbers in the order ``ORDER BY keys`` gives, or None: the store must sort."""
    order = list(range(len(rows)))
    by_column: dict[str, list[tuple[Any, ...]]] = {}
    for key in keys:
        if key.variable not in by_column:
            at = columns.index(key.variable)
            found = column_keys([row[at] for row in rows])
            if found is None:
                return None
            by_column[key.variable] = found
    for key in reversed(keys):  # stable sorts, the last key first
        order.sort(key=by_column[key.variable].__getitem__, reverse=key.descending)
    return order


def sorted_page(run: Callable[[str], Any], text: str, offset: int, limit: int) -> Page | None:
    """A page of the SELECT ``text`` sorted here (``run`` evaluates a query text), or None when
    the store has to sort it (see the module's docstring, and :data:`ROWS_MAX`)."""
    split = split_order(text)
    if split is None:
        return None
    result = run(split.text)
    if not isinstance(result, QuerySolutions):
        return None
    columns = [v.value for v in result.variables]
    rows: list[tuple[Any, ...]] = []
    for solution in result:
        rows.append(tuple(solution))
        if len(rows) > ROWS_MAX:
            return None
    order = sort_permutation(rows, columns, split.keys)
    if order is None:
        return None
    return Page(columns, [list(rows[i]) for i in order[offset : offset + limit]], len(rows))
