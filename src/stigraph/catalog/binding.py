"""Turn the values of a request into RDF terms and bind them to a curated query.

Values are parsed into pyoxigraph terms (a malformed one is a 422 naming the parameter), then
bound in one of two ways, both decided when the catalogue was read:

- a single value of a projected variable goes in pyoxigraph's ``substitutions``;
- a list (or a single value of an unprojected variable) fills the query's own
  ``VALUES ?x { UNDEF }`` placeholder with the terms as the engine writes them
  (``str(term)``: N-Triples syntax, escaped by pyoxigraph), at the position recorded at start-up.

No request text ever becomes query text: what reaches the query is a parsed term, written back
by the RDF library, or nothing (an omitted optional parameter leaves ``UNDEF``, which matches
anything).
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyoxigraph import Literal, NamedNode

from stigraph.catalog.model import CuratedQuery, Param
from stigraph.catalog.structure import Placeholder
from stigraph.errors import ErrorContext, ParameterError

XSD = "http://www.w3.org/2001/XMLSchema#"
MAX_VALUE_CHARS = 2048  # a parameter value longer than this is refused (no IRI or name is that long)
MAX_VALUES = 200  # values of one list parameter
_LANG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_YEAR = re.compile(r"^-?[0-9]{4,}$")

Term = NamedNode | Literal

EXPECTED = {
    "iri": "an absolute IRI, e.g. https://w3id.org/stigraph/id/country/US",
    "string": "text",
    "lang-string": "text with a language tag, e.g. Tokyo@en or 東京@ja",
    "integer": "an integer, e.g. 42",
    "decimal": "a decimal number, e.g. 0.3",
    "date": "a date YYYY-MM-DD",
    "year": "a year YYYY",
    "boolean": "true or false",
}


def _fail(p: Param, message: str, expected: str | None = None) -> ParameterError:
    return ParameterError(
        f"parameter '{p.name}': {message}",
        context=ErrorContext(field=p.name, expected=expected or EXPECTED.get(p.type, p.type)),
    )


def parse_value(p: Param, raw: str) -> Term:
    """One value of parameter ``p`` as an RDF term, or ParameterError."""
    if len(raw) > MAX_VALUE_CHARS:
        raise _fail(p, f"the value is {len(raw)} characters long", f"at most {MAX_VALUE_CHARS} characters")
    if "\x00" in raw:
        raise _fail(p, "the value contains a NUL character")
    t = p.type
    if t == "iri":
        try:
            node = NamedNode(raw)
        except ValueError:
            raise _fail(p, f"{_show(raw)} is not an absolute IRI") from None
        if ":" not in raw or raw != node.value:
            raise _fail(p, f"{_show(raw)} is not an absolute IRI")
        return node
    if t == "string":
        return Literal(raw)
    if t == "lang-string":
        if p.language:
            return Literal(raw, language=p.language)
        text, sep, tag = raw.rpartition("@")
        if not sep or not _LANG.match(tag):
            raise _fail(p, f"{_show(raw)} has no language tag")
        return Literal(text, language=tag.lower())
    if t == "integer":
        if not _INTEGER.match(raw):
            raise _fail(p, f"{_show(raw)} is not an integer")
        return Literal(str(int(raw)), datatype=NamedNode(XSD + "integer"))
    if t == "decimal":
        if not _DECIMAL.match(raw):
            raise _fail(p, f"{_show(raw)} is not a decimal number")
        return Literal(str(decimal.Decimal(raw)), datatype=NamedNode(XSD + "decimal"))
    if t == "date":
        try:
            day = datetime.date.fromisoformat(raw)
        except ValueError:
            raise _fail(p, f"{_show(raw)} is not a date") from None
        if len(raw) != 10:
            raise _fail(p, f"{_show(raw)} is not a date")
        return Literal(day.isoformat(), datatype=NamedNode(XSD + "date"))
    if t == "year":
        if not _YEAR.match(raw):
            raise _fail(p, f"{_show(raw)} is not a year")
        return Literal(raw, datatype=NamedNode(XSD + "gYear"))
    if t == "boolean":
        if raw not in ("true", "false", "1", "0"):
            raise _fail(p, f"{_show(raw)} is not a boolean")
        return Literal("true" if raw in ("true", "1") else "false", datatype=NamedNode(XSD + "boolean"))
    if t == "enum":
        if raw not in p.values:
            raise _fail(p, f"{_show(raw)} is not one of its values", ", ".join(sorted(p.values)))
        iri = p.values[raw]
        return NamedNode(iri) if iri is not None else Literal(raw)
    raise _fail(p, f"unknown type {t}")  # the catalogue never lets this happen


def _show(raw: str) -> str:
    return repr(raw if len(raw) <= 60 else raw[:57] + "...")


@dataclass(frozen=True)
class Bound:
    """A curated query ready to run: its text (placeholders filled) and its substitutions."""

    text: str
    substitutions: dict[str, Term]
    key: tuple[tuple[str, tuple[str, ...]], ...]  # the parameters as terms (the cache key)
    given: tuple[tuple[str, str], ...] = ()  # the values as the client wrote them (for links)

    def query_params(self) -> list[tuple[str, str]]:
        return list(self.given)


def bind(query: CuratedQuery, given: Mapping[str, Sequence[str]]) -> Bound:
    """Check the request's values against the declaration and bind them."""
    unknown = sorted(set(given) - set(query.params))
    if unknown:
        raise ParameterError(
            f"unknown parameter '{unknown[0]}' for query '{query.name}'",
            context=ErrorContext(field=unknown[0], expected=", ".join(query.params) or "no parameters"),
        )
    substitutions: dict[str, Term] = {}
    fills: dict[str, list[Term]] = {}
    key: list[tuple[str, tuple[str, ...]]] = []
    echoed: list[tuple[str, str]] = []
    for name, p in query.params.items():
        raw = list(given.get(name, []))
        if not raw and p.default is not None:
            raw = [_text(v) for v in (p.default if isinstance(p.default, list) else [p.default])]
        if not raw:
            if p.required:
                raise ParameterError(
                    f"parameter '{name}' is required",
                    context=ErrorContext(field=name, expected=EXPECTED.get(p.type, p.type)),
                )
            continue
        if not p.many and len(raw) > 1:
            raise _fail(p, f"takes one value, {len(raw)} were given")
        if len(raw) > MAX_VALUES:
            raise _fail(p, f"{len(raw)} values were given", f"at most {MAX_VALUES}")
        terms = [parse_value(p, v) for v in raw]
        key.append((name, tuple(str(t) for t in terms)))
        if name in given:
            echoed.extend((name, v) for v in raw)
        if p.by_values:
            fills[p.variable] = _unique(terms)
        else:
            substitutions[p.variable] = terms[0]
    places = [ph for var in fills for ph in query.structure.placeholders[var]]
    text = fill_placeholders(query.text, places, fills) if places else query.text
    return Bound(text=text, substitutions=substitutions, key=tuple(key), given=tuple(echoed))


def _unique(terms: list[Term]) -> list[Term]:
    seen: dict[str, Term] = {}
    for t in terms:
        seen.setdefault(str(t), t)
    return list(seen.values())


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def fill_placeholders(text: str, places: Sequence[Placeholder], fills: Mapping[str, Sequence[Term]]) -> str:
    """The query with each placeholder's ``UNDEF`` replaced by the terms bound to its variable.

    The only place where the catalogue writes into query text. What it writes is
    ``str(term)`` of parsed pyoxigraph terms (N-Triples syntax, escaped by the library), at
    offsets the catalogue found with the SPARQL lexer when it read the file.
    """
    out: list[str] = []
    pos = 0
    for ph in sorted(places, key=lambda x: x.start):
        terms = fills[ph.variable]
        if not all(isinstance(t, NamedNode | Literal) for t in terms):
            raise TypeError("only parsed RDF terms fill a placeholder")
        out.append(text[pos : ph.start])
        out.append(" ".join(str(t) for t in terms))
        pos = ph.end
    out.append(text[pos:])
    return "".join(out)
