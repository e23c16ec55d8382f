"""ORCID records (message schema v3.0, JSON): the person, their names, web pages, e-mail
addresses, employments and educations, honouring what the person made public.

ORCID marks every item ``public``, ``limited`` (trusted parties only) or ``private``. Only public
items are read; the others are left out and counted, whatever else the file holds (a member
API export may include them). A person whose name is not public is left out entirely: the graph
cannot name them.

- the person is ``<base>id/person/<ORCID iD>``, the IRI a PI list and OpenAlex give the same iD,
  so the three sources describe one node; ``sg:Researcher``, public (what ORCID shows to anyone);
- names: ``rdfs:label`` "Given Family", ``foaf:givenName``/``foaf:familyName``, the credit name
  and other names as ``skos:altLabel``; tagged ``ja`` when written in Japanese script, else
  ``en`` (Latin script, as the rest of the graph tags it);
- researcher URLs become ``sg:homepage``; e-mail addresses ``sg:email`` (routed to the
  restricted graph like every contact detail);
- employments and educations become ``sg:Affiliation`` positions (role ``researcher`` or
  ``student``) with title, department and dates; the organisation is ``<base>id/org/<ROR id>``
  when ORCID disambiguates it by ROR, ``<base>id/org/grid-<GRID id>`` by GRID, else a node keyed
  by its name and country.

Works, fundings and the other activity sections are not read yet; they are counted as left out.
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
from stigraph.ingest.terms import affiliation_quads, web_iri
from stigraph.ingest.visibility import RAW_GRAPH
from stigraph.namespaces import FOAF, RDF, RDFS, SG, SKOS, XSD, Minter, hashed_key

_ORCID = re.compile(r"^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$")
_ROR = re.compile(r"^(?:https://ror\.org/)?(0[a-hj-km-np-tv-z0-9]{6}[0-9]{2})$")
_GRID = re.compile(r"^grid\.[0-9]+\.[0-9a-f]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
SECTIONS = {"employments": ("employment-summary", "researcher"), "educations": ("education-summary", "student")}
NOT_READ = ("distinctions", "fundings", "invited-positions", "memberships", "peer-reviews", "qualifications",
            "research-resources", "services", "works")  # fmt: skip


@dataclass
class MappedOrcid(Mapped):
    people: int = 0


def _lang(text: str) -> str:
    return "ja" if _JAPANESE.search(text) else "en"


def _value(obj: Any) -> str | None:
    """ORCID wraps most strings as {"value": "..."}."""
    if isinstance(obj, dict):
        obj = obj.get("value")
    return obj.strip() if isinstance(obj, str) and obj.strip() else None


class _Record:
    def __init__(self, file: InputFile, orcid: str | None) -> None:
        self.file, self.orcid = file, orcid

    def fail(self, field: str, message: str, expected: str) -> MappingError:
        return MappingError(
            message, context=ErrorContext(file=str(self.file.path), record=self.orcid, field=field, expected=expected)
        )


def map_orcid(file: InputFile, minter: Minter, mapped: MappedOrcid) -> Iterator[Quad]:
    raw = json_document(file, "an ORCID record v3.0 in JSON")
    if not isinstance(raw, dict) or not isinstance(raw.get("orcid-identifier"), dict):
        raise InputError(
            "not an ORCID record (no orcid-identifier)",
            context=ErrorContext(file=str(file.path), expected="an ORCID record v3.0 in JSON"),
        )
    orcid = raw["orcid-identifier"].get("path")
    record = _Record(file, orcid if isinstance(orcid, str) else None)
    if not isinstance(orcid, str) or not _ORCID.match(orcid):
        raise record.fail("orcid-identifier.path", f"ORCID iD {orcid!r}", "0000-0000-0000-0000 (16 characters)")
    person_raw = raw.get("person")
    if not isinstance(person_raw, dict):
        raise record.fail("person", "no person section", "the record's person section")
    name = person_raw.get("name")
    if not isinstance(name, dict) or name.get("visibility") != "public":
        mapped.skip("a record whose name is not public")
        return
    given, family = _value(name.get("given-names")), _value(name.get("family-name"))
    if not given and not family:
        raise record.fail("person.name", "no given or family name", "a name")
    person = minter.entity("person", orcid)
    mapped.records[person.value] = orcid
    mapped.people += 1

    def t(s: NamedNode, p: str, o: NamedNode | Literal) -> Quad:
        return Quad(s, NamedNode(p), o, RAW_GRAPH)

    full = " ".join(part for part in (given, family) if part)
    yield t(person, RDF + "type", NamedNode(SG + "Researcher"))
    yield t(person, SG + "orcid", Literal(orcid))
    yield t(person, SG + "visibility", NamedNode(SG + "Public"))
    yield t(person, RDFS + "label", Literal(full, language=_lang(full)))
    if given:
        yield t(person, FOAF + "givenName", Literal(given, language=_lang(given)))
    if family:
        yield t(person, FOAF + "familyName", Literal(family, language=_lang(family)))
    credit = _value(name.get("credit-name"))
    if credit and credit != full:
        yield t(person, SKOS + "altLabel", Literal(credit, language=_lang(credit)))
    for item in _public(record, person_raw, "other-names", "other-name", mapped):
        other = _value(item.get("content"))
        if other:
            yield t(person, SKOS + "altLabel", Literal(other, language=_lang(other)))
    for i, item in enumerate(_public(record, person_raw, "researcher-urls", "researcher-url", mapped)):
        url = _value(item.get("url"))
        if url:
            iri = web_iri(url)
            if iri is None:
                raise record.fail(f"person.researcher-urls[{i}].url", f"URL {url!r}", "an http(s) URL")
            yield t(person, SG + "homepage", iri)
    for item in _public(record, person_raw, "emails", "email", mapped):
        email = _value(item.get("email"))
        if email:
            yield t(person, SG + "email", Literal(email))

    activities = raw.get("activities-summary") or {}
    for section, (summary_key, role) in SECTIONS.items():
        groups = (activities.get(section) or {}).get("affiliation-group") or []
        for g, group in enumerate(groups):
            for s, summary in enumerate(group.get("summaries") or []):
                item = summary.get(summary_key) if isinstance(summary, dict) else None
                if not isinstance(item, dict):
                    continue
                if item.get("visibility") != "public":
                    mapped.skip(f"{section} that are not public")
                    continue
                where = f"activities-summary.{section}.affiliation-group[{g}].summaries[{s}]"
                yield from _position(record, item, where, role, person, minter, mapped, t)
    for section in NOT_READ:
        data = activities.get(section) or {}
        count = sum(len(g.get("summaries") or g.get("work-summary") or g.get("funding-summary") or [1])
                    for g in data.get("affiliation-group") or data.get("group") or [])  # fmt: skip
        mapped.skip(f"ORCID {section} (not read yet)", count)


def _public(record: _Record, person: dict[str, Any], section: str, key: str, mapped: MappedOrcid) -> list[dict]:
    items = (person.get(section) or {}).get(key) or []
    if not isinstance(items, list):
        raise record.fail(f"person.{section}", f"{section} is {type(items).__name__}", "a list")
    public = [i for i in items if isinstance(i, dict) and i.get("visibility") == "public"]
    mapped.skip(f"{section} that are not public", len(items) - len(public))
    return public


def _date(record: _Record, obj: Any, where: str) -> Literal | None:
    if obj is None:
        return None
    year, month, day = (_value((obj or {}).get(k)) for k in ("year", "month", "day"))
    if not year or not re.match(r"^[0-9]{4}$", year):
        raise record.fail(where, f"year {year!r}", "a four-digit year")
    if month and not re.match(r"^(0[1-9]|1[0-2])$", month):
        raise record.fail(where, f"month {month!r}", "01 to 12")
    if day and not re.match(r"^(0[1-9]|[12][0-9]|3[01])$", day):
        raise record.fail(where, f"day {day!r}", "01 to 31")
    if month and day:
        return Literal(f"{year}-{month}-{day}", datatype=NamedNode(XSD + "date"))
    if month:
        return Literal(f"{year}-{month}", datatype=NamedNode(XSD + "gYearMonth"))
    return Literal(year, datatype=NamedNode(XSD + "gYear"))


def _position(
    record: _Record,
    item: dict[str, Any],
    where: str,
    role: str,
    person: NamedNode,
    minter: Minter,
    mapped: MappedOrcid,
    t: Any,
) -> Iterator[Quad]:
    org_raw = item.get("organization")
    if not isinstance(org_raw, dict) or not _value(org_raw.get("name")):
        raise record.fail(f"{where}.organization.name", "no organisation name", "the organisation's name")
    name = _value(org_raw.get("name"))
    assert name is not None
    country = ((org_raw.get("address") or {}).get("country")) or None
    if country is not None and (not isinstance(country, str) or not _COUNTRY.match(country)):
        raise record.fail(f"{where}.organization.address.country", f"country {country!r}", "ISO 3166-1 alpha-2")
    disambiguated = org_raw.get("disambiguated-organization") or {}
    source = disambiguated.get("disambiguation-source")
    identifier = str(disambiguated.get("disambiguated-organization-identifier") or "").strip()
    ror = _ROR.match(identifier) if source == "ROR" else None
    grid = identifier if source == "GRID" and _GRID.match(identifier) else None
    if source in ("ROR", "GRID") and not (ror or grid):
        raise record.fail(
            f"{where}.organization.disambiguated-organization", f"{source} id {identifier!r}", f"a {source} id"
        )
    key = ror.group(1) if ror else f"grid-{grid}" if grid else hashed_key("orcid-org", f"{name}\x00{country or ''}")
    org = minter.entity("org", key)
    mapped.records.setdefault(org.value, record.orcid or "")
    yield t(org, RDF + "type", NamedNode(SG + "Institution"))
    yield t(org, SKOS + "prefLabel", Literal(name))
    if ror:
        yield t(org, SG + "ror", Literal(ror.group(1)))
    if grid:
        yield t(org, SG + "grid", Literal(grid))
    if country:
        yield t(org, SG + "country", minter.entity("country", country))
    put_code = item.get("put-code")
    position = minter.entity("position", hashed_key("orcid", f"{record.orcid}/{where.split('.')[1]}/{put_code}"))
    mapped.records[position.value] = f"{record.orcid}, {where}"
    yield from affiliation_quads(position, person, org, minter.entity("role", role))
    for key_, prop in (("role-title", "title"), ("department-name", "department")):
        text = _value(item.get(key_))
        if text:
            yield t(position, SG + prop, Literal(text, language=_lang(text)))
    for key_, prop in (("start-date", "startDate"), ("end-date", "endDate")):
        date = _date(record, item.get(key_), f"{where}.{key_}")
        if date is not None:
            yield t(position, SG + prop, date)
