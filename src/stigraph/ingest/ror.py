"""ROR (Research Organization Registry) v2 records: institutions with their names in every
language, types, places, identifiers, links and relationships.

Input is one record (a JSON object), a JSON array of records, or ROR's data dump: a zip holding
one JSON array of every record (about 120,000; 250 MB uncompressed), which is decompressed and
parsed as a stream (ijson), one record at a time, never read whole.

Mapping, record by record (docs/loaders.md has the table):
- the organisation is ``<base>id/org/<ROR id>``, so a ROR id given elsewhere (a PI list, ORCID
  employments) names the same node;
- names: a name with a language becomes ``rdfs:label`` (``skos:prefLabel`` too when it is the
  ``ror_display`` name) or ``skos:altLabel`` (aliases, acronyms) with its language tag; a name
  ROR gives without a language keeps none (``skos:prefLabel`` for the display name, else
  ``skos:altLabel``): no language is guessed;
- types: every record is an ``sg:Institution``, and education, funder, government, company and
  facility records also get the matching subclass;
- locations become ``sg:City`` nodes keyed by GeoNames id (``<base>id/city/geonames-<id>``);
- relationships: ``parent``/``child`` give ``sg:subOrganizationOf`` in the right direction,
  ``related``, ``successor`` and ``predecessor`` their own properties. A target that is not in
  the input gets a small node of its own (type, ROR id and the name ROR gives for it), so a
  single record loads on its own.

Every record is checked before it is mapped (id pattern, required fields, known values); the
first bad one stops the load with its position, its ROR id and the field.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from stigraph.errors import ErrorContext, InputError, MappingError
from stigraph.ingest.inputs import InputFile, json_document
from stigraph.ingest.mapped import Mapped
from stigraph.ingest.terms import decimal_literal, web_iri
from stigraph.ingest.visibility import RAW_GRAPH
from stigraph.namespaces import DCTERMS, RDF, RDFS, SCHEMA, SG, SKOS, XSD, Minter

ROR_ID = re.compile(r"^https://ror\.org/(0[a-hj-km-np-tv-z0-9]{6}[0-9]{2})$")
TYPES = {
    "education": "University",
    "funder": "FundingAgency",
    "government": "GovernmentBody",
    "company": "Company",
    "facility": "ResearchInstitute",
    "healthcare": None,
    "nonprofit": None,
    "archive": None,
    "other": None,
}
RELATIONSHIPS = {"parent", "child", "related", "successor", "predecessor"}
STATUSES = {"active", "inactive", "withdrawn"}
NAME_TYPES = {"ror_display", "label", "alias", "acronym"}
EXTERNAL_IDS = {"grid": "grid", "isni": "isni", "wikidata": "wikidata", "fundref": "fundref"}
LINK_TYPES = {"website", "wikipedia"}
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_WIKIDATA = re.compile(r"^Q[1-9][0-9]*$")


@dataclass
class MappedRecords(Mapped):
    """What the pipeline needs besides the quads: where each node came from, for errors."""

    count: int = 0


def read_records(file: InputFile) -> Iterator[tuple[str, int, Any]]:
    """(file label, position, record) for every record of the input, in order; the label is the
    file, or ``dump.zip:member.json`` for the dump, so an error points into the right file."""
    if file.path.suffix.lower() == ".zip":
        yield from _zip_records(file)
        return
    label = str(file.path)
    data = json_document(file, "a ROR record or an array of them")
    if isinstance(data, dict):
        yield label, 1, data
    elif isinstance(data, list):
        for i, record in enumerate(data, 1):
            yield label, i, record
    else:
        raise InputError(
            "a ROR input is a JSON object (one record) or an array of records", context=ErrorContext(file=label, line=1)
        )


def _zip_records(file: InputFile) -> Iterator[tuple[str, int, Any]]:
    import ijson

    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a readable zip file: {exc}", context=ErrorContext(file=str(file.path))) from None
    members = [n for n in archive.namelist() if n.endswith(".json") and not n.startswith("__MACOSX")]
    # A dump since v1.45 holds the records twice, in the v1 and the v2 schema: take the v2 file.
    v2 = [n for n in members if "schema_v2" in n]
    chosen = v2 or members
    if len(chosen) != 1:
        raise InputError(
            f"expected one JSON file of ROR v2 records in the zip, found {len(chosen)}: {', '.join(chosen) or 'none'}",
            context=ErrorContext(file=str(file.path)),
        )
    label = f"{file.path}:{chosen[0]}"
    i = 0
    try:
        with archive.open(chosen[0]) as stream:
            for i, record in enumerate(ijson.items(stream, "item", use_float=True), 1):
                yield label, i, record
    except ijson.JSONError as exc:
        raise InputError(
            f"broken JSON after record {i}: {exc}",
            context=ErrorContext(file=label, record=str(i + 1), expected="a JSON array of ROR records"),
        ) from None
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputError(
            f"the zip member is damaged after record {i}: {exc}", context=ErrorContext(file=label)
        ) from None
    if i == 0:
        raise InputError(f"{chosen[0]} holds no records", context=ErrorContext(file=str(file.path)))


class _Record:
    """One record's checks: every failure names the record, its id and the field."""

    def __init__(self, label: str, position: int, raw: Any) -> None:
        self.label = label
        self.raw = raw
        self.id = raw.get("id") if isinstance(raw, dict) else None
        self.where = f"{position} ({self.id})" if isinstance(self.id, str) else str(position)

    def fail(self, field: str, message: str, expected: str) -> MappingError:
        return MappingError(
            message, context=ErrorContext(file=self.label, record=self.where, field=field, expected=expected)
        )

    def list_of(self, key: str, kind: type, expected: str, *, required: bool = False) -> list[Any]:
        value = self.raw.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list) or not all(isinstance(v, kind) for v in value):
            raise self.fail(key, f"{key} is {type(value).__name__}", expected)
        return value

    def text(self, obj: dict[str, Any], key: str, field: str, expected: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, f"{field} is {value!r}", expected)
        return value.strip()


def map_ror(file: InputFile, minter: Minter, mapped: MappedRecords) -> Iterator[Quad]:
    """The quads of every record of ``file``; ``mapped`` learns where each node came from."""
    described: set[str] = set()
    stubs: dict[str, tuple[str, str]] = {}  # ROR id -> (name, where) of targets seen so far
    for label, position, raw in read_records(file):
        record = _Record(label, position, raw)
        if not isinstance(raw, dict):
            raise record.fail("(record)", f"a record is a JSON object, not {type(raw).__name__}", "a ROR v2 record")
        yield from _map_record(record, minter, mapped, stubs)
        described.add(record.id)
        mapped.count += 1
    if mapped.count == 0:
        raise InputError("no ROR records in the input", context=ErrorContext(file=str(file.path)))
    for ror_id, (name, where) in stubs.items():
        if ror_id not in described:
            yield from _stub(minter, ror_id, name)
            mapped.records.setdefault(minter.entity("org", _key(ror_id)).value, f"{where}, relationship target")


def _key(ror_id: str) -> str:
    return ror_id.rsplit("/", 1)[-1]


def _map_record(
    record: _Record, minter: Minter, mapped: MappedRecords, stubs: dict[str, tuple[str, str]]
) -> Iterator[Quad]:
    raw = record.raw
    ror_id = raw.get("id")
    match = ROR_ID.match(ror_id) if isinstance(ror_id, str) else None
    if match is None:
        raise record.fail("id", f"id {ror_id!r}", "https://ror.org/ followed by a 9-character ROR id, e.g. 057zh3y96")
    org = minter.entity("org", match.group(1))
    mapped.records[org.value] = record.where

    def t(s: NamedNode, p: str, o: NamedNode | Literal) -> Quad:
        return Quad(s, NamedNode(p), o, RAW_GRAPH)

    yield t(org, RDF + "type", NamedNode(SG + "Institution"))
    types = record.list_of("types", str, "a list of ROR organisation types", required=True)
    if not types:
        raise record.fail("types", "no organisation type", "at least one of " + ", ".join(TYPES))
    for kind in types:
        if kind not in TYPES:
            raise record.fail("types", f"unknown organisation type {kind!r}", ", ".join(TYPES))
        if TYPES[kind]:
            yield t(org, RDF + "type", NamedNode(SG + TYPES[kind]))
    yield t(org, SG + "ror", Literal(match.group(1)))

    status = raw.get("status")
    if status not in STATUSES:
        raise record.fail("status", f"status {status!r}", "active, inactive or withdrawn")
    yield t(org, SG + "status", Literal(status))

    yield from _names(record, org, t)

    established = raw.get("established")
    if established is not None:
        if not isinstance(established, int) or not 1000 <= established <= 2999:
            raise record.fail("established", f"established {established!r}", "a year such as 1877")
        yield t(org, SG + "foundingDate", Literal(str(established), datatype=NamedNode(XSD + "gYear")))

    for i, ext in enumerate(record.list_of("external_ids", dict, "a list of {type, all, preferred}")):
        kind = ext.get("type")
        values = ext.get("all") or []
        value = ext.get("preferred") or (values[0] if values else None)
        if kind not in EXTERNAL_IDS or not isinstance(value, str):
            if kind in EXTERNAL_IDS:
                raise record.fail(f"external_ids[{i}]", f"{kind} id {value!r}", "a preferred or listed id")
            continue  # other schemes (e.g. future ones) are not part of the model
        value = value.replace(" ", "") if kind == "isni" else value.strip()
        if kind == "wikidata" and not _WIKIDATA.match(value):
            raise record.fail(f"external_ids[{i}]", f"wikidata id {value!r}", "Q followed by digits")
        yield t(org, SG + EXTERNAL_IDS[kind], Literal(value))

    for i, link in enumerate(record.list_of("links", dict, "a list of {type, value}")):
        kind = link.get("type")
        if kind not in LINK_TYPES:
            raise record.fail(f"links[{i}].type", f"link type {kind!r}", "website or wikipedia")
        url = record.text(link, "value", f"links[{i}].value", "an http(s) URL")
        iri = web_iri(url)
        if iri is None:
            raise record.fail(f"links[{i}].value", f"{url!r} is not a web address", "an http(s) URL")
        yield t(org, SG + "homepage" if kind == "website" else RDFS + "seeAlso", iri)

    countries: list[NamedNode] = []
    for i, loc in enumerate(record.list_of("locations", dict, "a list of {geonames_id, geonames_details}")):
        yield from _location(record, org, loc, i, minter, t, countries)
    if countries:
        yield t(org, SG + "country", countries[0])

    admin = raw.get("admin") or {}
    for key, prop in (("created", "created"), ("last_modified", "modified")):
        date = (admin.get(key) or {}).get("date") if isinstance(admin, dict) else None
        if date is not None:
            if not isinstance(date, str) or not _DATE.match(date):
                raise record.fail(f"admin.{key}.date", f"date {date!r}", "YYYY-MM-DD")
            yield t(org, DCTERMS + prop, Literal(date, datatype=NamedNode(XSD + "date")))

    for i, rel in enumerate(record.list_of("relationships", dict, "a list of {type, id, label}")):
        kind = rel.get("type")
        target_id = rel.get("id")
        target_match = ROR_ID.match(target_id) if isinstance(target_id, str) else None
        if kind not in RELATIONSHIPS:
            raise record.fail(f"relationships[{i}].type", f"relationship {kind!r}", ", ".join(sorted(RELATIONSHIPS)))
        if target_match is None:
            raise record.fail(f"relationships[{i}].id", f"target {target_id!r}", "a ROR id URL")
        target = minter.entity("org", target_match.group(1))
        label = rel.get("label")
        if isinstance(label, str) and label.strip():
            stubs.setdefault(target_id, (label.strip(), record.where))
        else:
            raise record.fail(f"relationships[{i}].label", f"label {label!r}", "the target's name")
        if kind == "parent":
            yield t(org, SG + "subOrganizationOf", target)
        elif kind == "child":
            yield t(target, SG + "subOrganizationOf", org)
        elif kind == "related":
            yield t(org, SG + "relatedOrganization", target)
        else:
            yield t(org, SG + kind, target)


def _names(record: _Record, org: NamedNode, t: Any) -> Iterator[Quad]:
    names = record.list_of("names", dict, "a list of {value, types, lang}", required=True)
    display = 0
    for i, name in enumerate(names):
        value = record.text(name, "value", f"names[{i}].value", "a name")
        kinds = name.get("types")
        if not isinstance(kinds, list) or not kinds or any(k not in NAME_TYPES for k in kinds):
            raise record.fail(f"names[{i}].types", f"name types {kinds!r}", ", ".join(sorted(NAME_TYPES)))
        lang = name.get("lang")
        if lang is not None and (not isinstance(lang, str) or not _LANG.match(lang)):
            raise record.fail(f"names[{i}].lang", f"language {lang!r}", "an ISO 639 code such as ja, or null")
        literal = Literal(value, language=lang) if lang else Literal(value)
        if "ror_display" in kinds:
            display += 1
            yield t(org, SKOS + "prefLabel", literal)
        if lang and ("ror_display" in kinds or "label" in kinds):
            yield t(org, RDFS + "label", literal)
        elif "ror_display" not in kinds:
            yield t(org, SKOS + "altLabel", literal)
    if display != 1:
        raise record.fail("names", f"{display} ror_display names", "exactly one name of type ror_display")


def _location(
    record: _Record, org: NamedNode, loc: dict[str, Any], i: int, minter: Minter, t: Any, countries: list[NamedNode]
) -> Iterator[Quad]:
    geonames = loc.get("geonames_id")
    details = loc.get("geonames_details")
    if not isinstance(geonames, int) or geonames <= 0:
        raise record.fail(f"locations[{i}].geonames_id", f"geonames_id {geonames!r}", "a positive integer")
    if not isinstance(details, dict):
        raise record.fail(f"locations[{i}].geonames_details", "no geonames_details", "an object")
    code = details.get("country_code")
    if not isinstance(code, str) or not re.match(r"^[A-Z]{2}$", code):
        raise record.fail(f"locations[{i}].geonames_details.country_code", f"country {code!r}", "ISO 3166-1 alpha-2")
    country = minter.entity("country", code)
    countries.append(country)
    city = minter.entity("city", f"geonames-{geonames}")
    yield t(city, RDF + "type", NamedNode(SG + "City"))
    yield t(city, SG + "geonames", Literal(str(geonames)))
    yield t(city, SG + "country", country)
    name = details.get("name")
    if isinstance(name, str) and name.strip():
        yield t(city, RDFS + "label", Literal(name.strip(), language="en"))
    for key, prop in (("lat", "latitude"), ("lng", "longitude")):
        value = details.get(key)
        if value is not None:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise record.fail(f"locations[{i}].geonames_details.{key}", f"{key} {value!r}", "a number")
            yield t(city, SCHEMA + prop, decimal_literal(Decimal(repr(float(value)))))
    yield t(org, SG + "city", city)
    yield t(org, SG + "locatedIn", city)


def _stub(minter: Minter, ror_id: str, name: str) -> Iterator[Quad]:
    """A relationship target that the input does not describe: enough to be a valid node."""
    node = minter.entity("org", _key(ror_id))
    yield Quad(node, NamedNode(RDF + "type"), NamedNode(SG + "Institution"), RAW_GRAPH)
    yield Quad(node, NamedNode(SG + "ror"), Literal(_key(ror_id)), RAW_GRAPH)
    yield Quad(node, NamedNode(SKOS + "prefLabel"), Literal(name), RAW_GRAPH)
