"""OpenAlex works, authors and institutions: the publications with their authors in order (the
evidence behind co-authorship), the affiliations they wrote on each paper, and authors'
affiliation histories.

Input: one entity as the API returns it, an API list response (``{"results": [...]}``), or
a JSON Lines file of entities (the snapshot's form, gzipped or not), read a line at a time.
The kind of each entity comes from its id (``W…`` work, ``A…`` author, ``I…`` institution);
the other kinds OpenAlex has (concepts, topics, funders, sources, publishers) are left out and
counted.

- a work is ``<base>id/publication/openalex-<W id>``: ``sg:Publication`` with its title, DOI,
  date; each authorship, in the order OpenAlex lists them, an ``sg:Authorship`` with
  ``sg:authorPosition`` 1, 2, … and the institutions of its by-line (``sg:bylineOrganization``).
  A work with thousands of authors costs one authorship each: no pairwise co-author links are
  written (pathfinding derives them from the authorships);
- a person is ``<base>id/person/<ORCID iD>`` when OpenAlex knows it (the IRI a PI list gives the
  same iD), else ``<base>id/person/openalex-<A id>``; a researcher, with the display name
  (``rdfs:label``@en: names in Latin script are tagged ``en`` throughout the graph) and the
  alternatives OpenAlex lists, public (bibliographic facts already published);
- an institution is ``<base>id/org/<ROR id>`` when OpenAlex gives one, else
  ``<base>id/org/openalex-<I id>``;
- an author record's affiliations become ``sg:Affiliation`` positions (role ``researcher``)
  from the first to the last year OpenAlex saw the author there.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from stigraph.errors import ErrorContext, InputError, MappingError
from stigraph.ingest.inputs import InputFile, json_document
from stigraph.ingest.mapped import Mapped
from stigraph.ingest.ror import TYPES as ROR_TYPES
from stigraph.ingest.terms import affiliation_quads
from stigraph.ingest.visibility import RAW_GRAPH
from stigraph.namespaces import DCTERMS, RDF, RDFS, SG, SKOS, XSD, Minter, hashed_key

_OPENALEX = re.compile(r"^https://openalex\.org/([WAICFPST][1-9][0-9]*)$")
_ORCID = re.compile(r"^https://orcid\.org/([0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X])$")
_ROR = re.compile(r"^https://ror\.org/(0[a-hj-km-np-tv-z0-9]{6}[0-9]{2})$")
_DOI = re.compile(r"^https://doi\.org/(10\..+)$", re.IGNORECASE)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_LANG = re.compile(r"^[a-z]{2,3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
INSTITUTION_TYPES = ROR_TYPES  # OpenAlex types institutions with ROR's words
OTHER_KINDS = {"C": "concept", "F": "funder", "P": "publisher", "S": "source", "T": "topic"}


@dataclass
class MappedOpenAlex(Mapped):
    works: int = 0
    authors: int = 0
    institutions: int = 0
    _seen: set[str] = field(default_factory=set)

    def first(self, node: NamedNode) -> bool:
        """True the first time a node is described in this load (people and institutions recur)."""
        if node.value in self._seen:
            return False
        self._seen.add(node.value)
        return True


def read_entities(file: InputFile) -> Iterator[tuple[str, Any]]:
    """(where, entity): ``where`` names the record for errors (``record 3`` or ``line 17``)."""
    name = file.path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz", ".gz")):
        data = gzip.decompress(file.data) if name.endswith(".gz") else file.data
        for n, line in enumerate(io.BytesIO(data), 1):
            if not line.strip():
                continue
            try:
                yield f"line {n}", json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"not valid JSON: {exc.msg}", context=ErrorContext(file=str(file.path), line=n)
                ) from None
        return
    data = json_document(file, "an OpenAlex entity, list response or JSON Lines")
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        for n, entity in enumerate(data["results"], 1):
            yield f"record {n}", entity
    elif isinstance(data, dict):
        yield "record 1", data
    else:
        raise InputError(
            "an OpenAlex input is an entity, an API list response or JSON Lines",
            context=ErrorContext(file=str(file.path), line=1),
        )


class _Entity:
    def __init__(self, file: InputFile, where: str, raw: dict[str, Any]) -> None:
        self.file, self.where, self.raw = file, where, raw
        self.id = raw.get("id")

    def fail(self, field: str, message: str, expected: str) -> MappingError:
        record = f"{self.where} ({self.id})" if isinstance(self.id, str) else self.where
        return MappingError(
            message, context=ErrorContext(file=str(self.file.path), record=record, field=field, expected=expected)
        )


def map_openalex(file: InputFile, minter: Minter, mapped: MappedOpenAlex) -> Iterator[Quad]:
    count = 0
    for where, raw in read_entities(file):
        if not isinstance(raw, dict):
            raise MappingError(
                f"an entity is a JSON object, not {type(raw).__name__}",
                context=ErrorContext(file=str(file.path), record=where),
            )
        entity = _Entity(file, where, raw)
        match = _OPENALEX.match(entity.id) if isinstance(entity.id, str) else None
        if match is None:
            raise entity.fail("id", f"id {entity.id!r}", "an OpenAlex URL such as https://openalex.org/W2741809807")
        key = match.group(1)
        count += 1
        if key[0] == "W":
            yield from _work(entity, key, minter, mapped)
        elif key[0] == "A":
            yield from _author(entity, key, minter, mapped)
        elif key[0] == "I":
            node = yield from _institution(entity, raw, "id", minter, mapped)
            mapped.records.setdefault(node.value, f"{where} ({entity.id})")
            mapped.institutions += 1
        else:
            mapped.skip(f"OpenAlex {OTHER_KINDS[key[0]]}s are not part of the model")
    if count == 0:
        raise InputError("no OpenAlex entities in the input", context=ErrorContext(file=str(file.path)))


def _t(s: NamedNode, p: str, o: NamedNode | Literal) -> Quad:
    return Quad(s, NamedNode(p), o, RAW_GRAPH)


def _name(entity: _Entity, obj: dict[str, Any], field: str) -> str:
    value = obj.get("display_name")
    if not isinstance(value, str) or not value.strip():
        raise entity.fail(field, f"{field} is {value!r}", "a name")
    return value.strip()


def _key(entity: _Entity, value: Any, kind: str, field: str, expected: str) -> str:
    """The OpenAlex id (W…, A…, I…) of a reference that must be of ``kind``."""
    match = _OPENALEX.match(value) if isinstance(value, str) else None
    if match is None or match.group(1)[0] != kind:
        raise entity.fail(field, f"{field} is {value!r}", expected)
    return match.group(1)


def _optional(entity: _Entity, value: Any, pattern: re.Pattern[str], field: str, expected: str) -> str | None:
    """The id inside an optional identifier URL (ORCID, ROR), None when there is none."""
    if value is None:
        return None
    found = pattern.match(value) if isinstance(value, str) else None
    if found is None:
        raise entity.fail(field, f"{field} is {value!r}", expected)
    return found.group(1)


def _person(
    entity: _Entity, author: dict[str, Any], field: str, minter: Minter, mapped: MappedOpenAlex
) -> Iterator[Quad]:
    """The person of an author object (of a work's authorship, or an author record); returns it."""
    key = _key(entity, author.get("id"), "A", f"{field}.id", "an OpenAlex author URL")
    orcid = _optional(entity, author.get("orcid"), _ORCID, f"{field}.orcid", "https://orcid.org/0000-0000-0000-0000")
    person = minter.entity("person", orcid or f"openalex-{key}")
    if mapped.first(person):
        mapped.records.setdefault(person.value, f"{entity.where} ({entity.id})")
        yield _t(person, RDF + "type", NamedNode(SG + "Researcher"))
        yield _t(person, RDFS + "label", Literal(_name(entity, author, f"{field}.display_name"), language="en"))
        yield _t(person, SG + "openalex", Literal(key))
        yield _t(person, SG + "visibility", NamedNode(SG + "Public"))
        if orcid:
            yield _t(person, SG + "orcid", Literal(orcid))
    return person


def _institution(
    entity: _Entity, inst: dict[str, Any], field: str, minter: Minter, mapped: MappedOpenAlex
) -> Iterator[Quad]:
    """The organisation of an institution object; returns it."""
    key = _key(entity, inst.get("id"), "I", field, "an OpenAlex institution URL")
    ror = _optional(entity, inst.get("ror"), _ROR, f"{field}.ror", "https://ror.org/ and a 9-character id")
    org = minter.entity("org", ror or f"openalex-{key}")
    if mapped.first(org):
        yield _t(org, RDF + "type", NamedNode(SG + "Institution"))
        kind = INSTITUTION_TYPES.get(inst.get("type") or "")
        if kind:
            yield _t(org, RDF + "type", NamedNode(SG + kind))
        yield _t(org, SKOS + "prefLabel", Literal(_name(entity, inst, f"{field}.display_name")))
        yield _t(org, SG + "openalex", Literal(key))
        if ror:
            yield _t(org, SG + "ror", Literal(ror))
        code = inst.get("country_code")
        if code is not None:
            if not isinstance(code, str) or not _COUNTRY.match(code):
                raise entity.fail(f"{field}.country_code", f"country {code!r}", "a two-letter country code")
            yield _t(org, SG + "country", minter.entity("country", code))
    return org


def _work(entity: _Entity, key: str, minter: Minter, mapped: MappedOpenAlex) -> Iterator[Quad]:
    raw = entity.raw
    pub = minter.entity("publication", f"openalex-{key}")
    mapped.records[pub.value] = f"{entity.where} ({entity.id})"
    mapped.works += 1
    yield _t(pub, RDF + "type", NamedNode(SG + "Publication"))
    yield _t(pub, SG + "openalex", Literal(key))
    title = raw.get("title") or raw.get("display_name")
    if isinstance(title, str) and title.strip():
        lang = raw.get("language")
        tag = lang if isinstance(lang, str) and _LANG.match(lang) else "en"
        yield _t(pub, RDFS + "label", Literal(title.strip(), language=tag))
    doi = raw.get("doi")
    if doi is not None:
        found = _DOI.match(doi) if isinstance(doi, str) else None
        if found is None:
            raise entity.fail("doi", f"DOI {doi!r}", "https://doi.org/10.…")
        yield _t(pub, SG + "doi", Literal(found.group(1).lower()))
    date = raw.get("publication_date")
    year = raw.get("publication_year")
    if isinstance(date, str) and _DATE.match(date):
        yield _t(pub, DCTERMS + "issued", Literal(date, datatype=NamedNode(XSD + "date")))
    elif isinstance(year, int) and 1000 <= year <= 2999:
        yield _t(pub, DCTERMS + "issued", Literal(str(year), datatype=NamedNode(XSD + "gYear")))
    elif date is not None or year is not None:
        raise entity.fail("publication_date", f"date {date!r}, year {year!r}", "YYYY-MM-DD or a year")
    authorships = raw.get("authorships")
    if not isinstance(authorships, list):
        raise entity.fail("authorships", f"authorships is {type(authorships).__name__}", "a list")
    for position, authorship in enumerate(authorships, 1):
        field = f"authorships[{position - 1}]"
        if not isinstance(authorship, dict) or not isinstance(authorship.get("author"), dict):
            raise entity.fail(field, "an authorship without an author", "{author: {id, display_name}, ...}")
        person = yield from _person(entity, authorship["author"], f"{field}.author", minter, mapped)
        node = minter.entity("authorship", hashed_key("openalex", f"{key}/{position}"))
        mapped.records[node.value] = f"{entity.where} ({entity.id}), {field}"
        yield _t(node, RDF + "type", NamedNode(SG + "Authorship"))
        yield _t(node, SG + "author", person)
        yield _t(node, SG + "publication", pub)
        yield _t(node, SG + "authorPosition", Literal(str(position), datatype=NamedNode(XSD + "integer")))
        for i, inst in enumerate(authorship.get("institutions") or []):
            if not isinstance(inst, dict):
                raise entity.fail(f"{field}.institutions[{i}]", "not an object", "{id, display_name, ror, ...}")
            org = yield from _institution(entity, inst, f"{field}.institutions[{i}]", minter, mapped)
            yield _t(node, SG + "bylineOrganization", org)


def _author(entity: _Entity, key: str, minter: Minter, mapped: MappedOpenAlex) -> Iterator[Quad]:
    raw = entity.raw
    person = yield from _person(entity, raw, "author", minter, mapped)
    mapped.records[person.value] = f"{entity.where} ({entity.id})"
    mapped.authors += 1
    names = {n.strip() for n in raw.get("display_name_alternatives") or [] if isinstance(n, str) and n.strip()}
    for alternative in sorted(names - {_name(entity, raw, "display_name")}):
        yield _t(person, SKOS + "altLabel", Literal(alternative, language="en"))
    for i, affiliation in enumerate(raw.get("affiliations") or []):
        field = f"affiliations[{i}]"
        inst = affiliation.get("institution") if isinstance(affiliation, dict) else None
        years = affiliation.get("years") if isinstance(affiliation, dict) else None
        if not isinstance(inst, dict):
            raise entity.fail(f"{field}.institution", "no institution", "{id, display_name, ...}")
        if not isinstance(years, list) or not years or not all(isinstance(y, int) and 1000 <= y <= 2999 for y in years):
            raise entity.fail(f"{field}.years", f"years {years!r}", "a list of years")
        org = yield from _institution(entity, inst, f"{field}.institution", minter, mapped)
        position = minter.entity("position", hashed_key("openalex", f"{key}/{inst['id']}"))
        mapped.records[position.value] = f"{entity.where} ({entity.id}), {field}"
        yield from affiliation_quads(position, person, org, minter.entity("role", "researcher"))
        yield _t(position, SG + "startDate", Literal(str(min(years)), datatype=NamedNode(XSD + "gYear")))
        yield _t(position, SG + "endDate", Literal(str(max(years)), datatype=NamedNode(XSD + "gYear")))
