"""KAKEN researchers (NII's database of Grants-in-Aid for Scientific Research), as its JSON API
gives them: the researcher, their names in kanji, kana and Latin script, and their affiliations
with e-Rad institution codes.

- the person is ``<base>id/person/kaken-<researcher number>`` (the 8-digit KAKEN / e-Rad
  researcher number, ``id:person:erad``) with ``sg:kakenResearcherNumber``; public (KAKEN is a
  public database);
- names: each ``humanReadableValue`` of the current name becomes ``rdfs:label`` in its language
  (``ja``, ``en``; ``ja-Kana`` for the reading becomes ``skos:altLabel``), family and given names
  ``foaf:familyName``/``foaf:givenName``, earlier names ``skos:altLabel``; ``sg:nameOrder``
  family-first, as KAKEN writes names;
- current affiliations and the affiliation history become ``sg:Affiliation`` positions (role
  ``researcher``) with department, job title and dates (a current one has no end); the institution is
  ``<base>id/org/erad-<code>`` when KAKEN gives its e-Rad code, else a node keyed by its name.

Projects and products are not read yet (counted as left out).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from stigraph.errors import ErrorContext, InputError, MappingError
from stigraph.ingest.inputs import InputFile, json_document
from stigraph.ingest.mapped import Mapped
from stigraph.ingest.terms import affiliation_quads
from stigraph.ingest.visibility import RAW_GRAPH
from stigraph.namespaces import FOAF, RDF, RDFS, SG, SKOS, XSD, Minter, hashed_key

_NUMBER = re.compile(r"^[0-9]{8}$")
_CODE = re.compile(r"^[0-9]{10}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{4})?$")


@dataclass
class MappedKaken(Mapped):
    people: int = 0


def _texts(obj: Any) -> list[tuple[str, str]]:
    """(text, lang) of a KAKEN value: a list of {text, lang} or an object holding one."""
    items = obj.get("humanReadableValue") if isinstance(obj, dict) else obj
    return [
        (i["text"].strip(), i.get("lang") or "und")
        for i in items or []
        if isinstance(i, dict) and isinstance(i.get("text"), str) and i["text"].strip()
    ]


def map_kaken(file: InputFile, minter: Minter, mapped: MappedKaken) -> Iterator[Quad]:
    data = json_document(file, "a KAKEN researchers response ({researchers: [...]})")
    people = data.get("researchers") if isinstance(data, dict) else None
    if not isinstance(people, list) or not people:
        raise InputError(
            "no researchers in the input", context=ErrorContext(file=str(file.path), expected='{"researchers": [...]}')
        )
    for n, raw in enumerate(people, 1):
        yield from _researcher(file, n, raw, minter, mapped)


def _researcher(file: InputFile, n: int, raw: Any, minter: Minter, mapped: MappedKaken) -> Iterator[Quad]:
    numbers = raw.get("id:person:erad") if isinstance(raw, dict) else None
    number = numbers[0] if isinstance(numbers, list) and numbers else None
    where = f"{n} ({number})" if isinstance(number, str) else str(n)

    def fail(field: str, message: str, expected: str) -> MappingError:
        return MappingError(
            message, context=ErrorContext(file=str(file.path), record=where, field=field, expected=expected)
        )

    def t(s: NamedNode, p: str, o: NamedNode | Literal) -> Quad:
        return Quad(s, NamedNode(p), o, RAW_GRAPH)

    if not isinstance(raw, dict):
        raise fail("(record)", "a researcher is a JSON object", "an object")
    if not isinstance(number, str) or not _NUMBER.match(number):
        raise fail("id:person:erad", f"researcher number {number!r}", "8 digits, e.g. 50283734")
    person = minter.entity("person", f"kaken-{number}")
    mapped.records[person.value] = where
    mapped.people += 1
    yield t(person, RDF + "type", NamedNode(SG + "Researcher"))
    yield t(person, SG + "kakenResearcherNumber", Literal(number))
    yield t(person, SG + "visibility", NamedNode(SG + "Public"))
    yield t(person, SG + "nameOrder", Literal("family-first"))
    name = raw.get("name")
    labels = _texts(name)
    if not any(lang in ("ja", "en") for _, lang in labels):
        raise fail("name", "no name in Japanese or English", "humanReadableValue with lang ja or en")
    for key, prop in (
        (None, RDFS + "label"),
        ("name:familyName", FOAF + "familyName"),
        ("name:givenName", FOAF + "givenName"),
    ):
        values = labels if key is None else _texts(name.get(key) or [])
        for text, lang in values:
            if not _LANG.match(lang):
                raise fail(f"name.{key or 'humanReadableValue'}", f"language {lang!r}", "ja, en or ja-Kana")
            if lang == "ja-Kana" and key is None:
                yield t(person, SKOS + "altLabel", Literal(text, language=lang))
            else:
                yield t(person, prop, Literal(text, language=lang))
    current = {(text, lang) for text, lang in labels}
    for earlier in raw.get("names") or []:
        for text, lang in _texts(earlier):
            if (text, lang) not in current and _LANG.match(lang):
                current.add((text, lang))
                yield t(person, SKOS + "altLabel", Literal(text, language=lang))
    for section in ("affiliations:current", "affiliations:history"):
        for i, affiliation in enumerate(raw.get(section) or []):
            current = section == "affiliations:current"
            yield from _affiliation(affiliation, f"{section}[{i}]", current, number, person, minter, mapped, fail, t)
    for section in ("work:project", "work:product"):
        count = len(raw.get(section) or [])
        mapped.skip(f"KAKEN {section.split(':')[1]}s (not read yet)", count)


def _date(value: Any, field: str, fail: Any) -> Literal | None:
    if not isinstance(value, dict):
        return None
    year, month, day = value.get("commonEra:year"), value.get("month"), value.get("day")
    if not isinstance(year, int) or not 1000 <= year <= 2999:
        raise fail(field, f"year {year!r}", "a year such as 2006")
    if isinstance(month, int) and 1 <= month <= 12 and isinstance(day, int) and 1 <= day <= 31:
        return Literal(f"{year:04d}-{month:02d}-{day:02d}", datatype=NamedNode(XSD + "date"))
    return Literal(f"{year:04d}", datatype=NamedNode(XSD + "gYear"))


def _affiliation(
    raw: Any,
    where: str,
    current: bool,
    number: str,
    person: NamedNode,
    minter: Minter,
    mapped: MappedKaken,
    fail: Any,
    t: Any,
) -> Iterator[Quad]:
    """One position. A current affiliation's ``until`` is the date KAKEN last confirmed it, not
    an end: only the history's ``until`` becomes ``sg:endDate``."""
    institution = raw.get("affiliation:institution") if isinstance(raw, dict) else None
    names = _texts(institution)
    if not names:
        raise fail(f"{where}.affiliation:institution", "no institution name", "the institution's name")
    code = institution.get("id:institution:erad")
    if code is not None and (not isinstance(code, str) or not _CODE.match(code)):
        raise fail(f"{where}.affiliation:institution.id:institution:erad", f"code {code!r}", "10 digits")
    org = minter.entity("org", f"erad-{code}" if code else hashed_key("kaken-org", names[0][0]))
    yield t(org, RDF + "type", NamedNode(SG + "Institution"))
    for text, lang in names:
        yield t(org, RDFS + "label" if lang in ("ja", "en") else SKOS + "altLabel", Literal(text, language=lang))
    if code:
        yield t(org, SG + "eradInstitutionCode", Literal(code))
    since, until = _date(raw.get("since"), f"{where}.since", fail), _date(raw.get("until"), f"{where}.until", fail)
    position = minter.entity("position", hashed_key("kaken", f"{number}/{where}/{names[0][0]}"))
    mapped.records[position.value] = f"{number}, {where}"
    yield from affiliation_quads(position, person, org, minter.entity("role", "researcher"))
    for key, prop in (("affiliation:department", "department"), ("affiliation:jobTitle", "title")):
        for text, lang in _texts(raw.get(key)):
            yield t(position, SG + prop, Literal(text, language=lang if _LANG.match(lang) else "ja"))
    if since is not None:
        yield t(position, SG + "startDate", since)
    if not current and until is not None and (since is None or until.value >= since.value):
        yield t(position, SG + "endDate", until)
