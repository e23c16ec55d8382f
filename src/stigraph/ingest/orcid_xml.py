"""ORCID records in XML (message schema v3.0), read into the shape ORCID's JSON gives the same
record, so the ORCID mapper exists once and the two formats cannot drift apart.

ORCID writes both formats from one model: an element becomes a key named by its local name (the
namespace prefix, ``person:``, ``common:``, ``work:``..., is dropped), an attribute
(``visibility``, ``put-code``, ``path``, ``language-code``) a key beside the element's children,
and an element with attributes and text ``{"value": text, ...attributes}``. Three things the
JSON spells differently are restored: repeated items are lists even when there is one of them
(``other-name``, ``email``, ``external-id``, ``work-summary``...), the summaries of an
``affiliation-group`` are wrapped as ``"summaries": [{"employment-summary": {...}}]``, and a
put-code is a number. Plain text stays a string where the JSON wraps it as ``{"value": ...}``
(``given-names``, ``url``, ``year``): the mapper reads both.

The parser is the standard library's expat, used directly rather than through ElementTree
because it tells the line of every element: a mapping error in an XML record names the line of
the item at fault besides its field path. ORCID records never carry a DTD, so a DOCTYPE or
entity declaration is refused before anything is expanded (no entity-expansion attacks, and no
new dependency such as defusedxml is needed for that).
"""

from __future__ import annotations

import xml.parsers.expat as expat
from dataclasses import dataclass, field
from typing import Any

from stigraph.errors import ErrorContext, InputError
from stigraph.ingest.inputs import InputFile

RECORD_NS = "http://www.orcid.org/ns/record"
EXPECTED = "an ORCID record v3.0 in XML (<record:record> in namespace http://www.orcid.org/ns/record)"
# (parent, child) local names whose child is a JSON array however many there are.
_LISTS = {
    ("other-names", "other-name"),
    ("researcher-urls", "researcher-url"),
    ("emails", "email"),
    ("addresses", "address"),
    ("keywords", "keyword"),
    ("external-identifiers", "external-identifier"),
    ("external-ids", "external-id"),
    ("group", "work-summary"),
    ("group", "funding-summary"),
    ("group", "peer-review-group"),
    ("group", "research-resource-summary"),
    ("peer-review-group", "peer-review-summary"),
    ("contributors", "contributor"),
}
_ALWAYS_LISTS = {"group", "affiliation-group"}  # the groups of every activities section


@dataclass
class _Element:
    ns: str
    local: str
    attrs: dict[str, str]
    line: int
    children: list[_Element] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def read_orcid_xml(file: InputFile) -> tuple[Any, dict[int, int]]:
    """The record as ORCID's JSON has it, and the line of each of its objects (by ``id()``).

    Broken XML, a DTD and a root that is not an ORCID record are refused with the file and line.
    """
    root = _parse(file)
    if (root.ns, root.local) != (RECORD_NS, "record"):
        name = f"{{{root.ns}}}{root.local}" if root.ns else root.local
        raise InputError(
            f"not an ORCID record: the root element is {name}",
            context=ErrorContext(file=str(file.path), line=root.line, expected=EXPECTED),
        )
    lines: dict[int, int] = {}
    return _convert(root, lines), lines


def _parse(file: InputFile) -> _Element:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    stack: list[_Element] = []
    roots: list[_Element] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        ns, _, local = name.rpartition(" ")
        # Namespaced attributes (xsi:schemaLocation) are about the document, not the record.
        element = _Element(ns, local, {k: v for k, v in attrs.items() if " " not in k}, parser.CurrentLineNumber)
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)

    def end(name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text.append(data)

    def refuse(*args: Any) -> None:
        raise _Refused(parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(file.data, True)
    except expat.ExpatError as exc:
        raise InputError(
            f"not well-formed XML: {expat.ErrorString(exc.code)} (column {exc.offset + 1})",
            context=ErrorContext(file=str(file.path), line=exc.lineno, expected=EXPECTED),
        ) from None
    except _Refused as exc:
        raise InputError(
            "an ORCID record has no DOCTYPE or ENTITY declaration; they are refused (entity expansion)",
            context=ErrorContext(file=str(file.path), line=exc.line, expected=EXPECTED),
        ) from None
    return roots[0]


def _attribute(name: str, value: str) -> Any:
    return int(value) if name == "put-code" and value.isdigit() else value


def _convert(element: _Element, lines: dict[int, int]) -> Any:
    """The JSON value of an element (see the module docstring); objects' lines go to ``lines``."""
    if not element.children and not element.attrs:
        return "".join(element.text).strip() or None
    out: dict[str, Any] = {k: _attribute(k, v) for k, v in element.attrs.items()}
    if not element.children:
        text = "".join(element.text).strip()
        if text:
            out["value"] = text
    for child in element.children:
        value = _convert(child, lines)
        if element.local == "affiliation-group" and child.local.endswith("-summary"):
            out.setdefault("summaries", []).append({child.local: value})
        elif child.local in _ALWAYS_LISTS or (element.local, child.local) in _LISTS:
            out.setdefault(child.local, []).append(value)
        elif child.local in out:  # repeated where ORCID has one: keep them all, the mapper refuses a list
            before = out[child.local]
            out[child.local] = [*before, value] if isinstance(before, list) else [before, value]
        else:
            out[child.local] = value
    lines[id(out)] = element.line
    return out
