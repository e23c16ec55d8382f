"""ORCID records (message schema v3.0, JSON or XML): the person, their names, web pages, e-mail
addresses, employments and educations, works and fundings, honouring what the person made
public.

ORCID marks every item ``public``, ``limited`` (trusted parties only) or ``private``. Only public
items are read; the others are left out and counted, whatever else the file holds (a member
API export may include them). A person whose name is not public is left out entirely: the graph
cannot name them.

Both formats ORCID serves are read, told apart by the file's suffix (``.json``, ``.xml``) or else
by its first character: an XML record is read into the shape of the JSON one
(``stigraph.ingest.orcid_xml``), so the mapping below is written once and a record gives the same
triples in either format; errors in an XML record also name the line.

- the person is ``<base>id/person/<ORCID iD>``, the IRI a PI list and OpenAlex give the same iD,
  so the three sources describe one node; ``sg:Researcher``, public (what ORCID shows to anyone);
- names: ``rdfs:label`` "Given Family", ``foaf:givenName``/``foaf:familyName``, the credit name
  and other names as ``skos:altLabel``; tagged ``ja`` when written in Japanese script, else
  ``en`` (Latin script, as the rest of the graph tags it);
- researcher URLs become ``sg:homepage``; e-mail addresses ``sg:email`` (routed to the
  restricted graph like every contact detail);
- employments and educations become ``sg:Affiliation`` positions (role ``researcher`` or
  ``student``) with title, department and dates;
- an organisation is ``<base>id/org/<ROR id>`` when ORCID disambiguates it by ROR,
  ``<base>id/org/grid-<GRID id>`` by GRID, ``<base>id/org/fundref-<Funder ID>`` by the Crossref
  Funder Registry (with ``sg:fundref``, the identifier ROR records carry too, for
  reconciliation), else a node keyed by its name and country. It is described (name, country)
  by the first item of the load that names it: names typed into ORCID vary from record to record
  for one registry id, and the registry is the authority on them;
- works: ORCID groups the versions of one work (a preprint and its article, the copies several
  sources sent) and lists the preferred version first; the first public version of each group
  is read, the other versions are counted as left out. A work becomes an ``sg:Publication``
  (``rdfs:label``, translated title as ``skos:altLabel``, ``sg:doi`` lower case without its
  resolver, ``dcterms:issued``), the IRI ``<base>id/publication/doi-<hash of the DOI>`` when it
  has a DOI of its own (relationship ``self``; a ``version-of`` or ``part-of`` DOI names another
  work), so every record claiming that DOI names one node (OpenAlex's node of the same work is
  another IRI with the same ``sg:doi``, left to reconciliation), else a hash of the ORCID iD and
  put-code. Only ORCID's publication and conference types are
  publications; data sets, software, patents, lectures... are counted as left out. The person is
  linked by an ``sg:Authorship`` without ``sg:authorPosition``: a work in a person's own record
  says they are an author, not where in the author list (the shape asks for a position only when
  one is given). A DOI that is not one (ORCID accepts "work:doi") is counted and the work read
  without it: it identifies nothing, and refusing the record would lose its true statements;
- fundings: likewise the first public version of each group becomes an ``sg:Project`` (as CORDIS
  projects are: the funded research), keyed by ORCID iD and put-code, with ``rdfs:label``,
  ``sg:fundingType`` (grant, contract, award, salary-award), ``sg:startDate``/``sg:endDate``, the
  grant numbers as ``dcterms:identifier``, its web page, and ``sg:funder`` the funding
  organisation (``sg:fundedBy`` names a programme, which ORCID does not give). Not keyed by grant
  number: numbers are typed in many forms and only mean something with their funder, so two
  co-investigators' records give two projects rather than a wrong merge. The person takes part
  through an ``sg:Participation`` in the role ``researcher``: a funding summary does not say
  whether they led it, so ``principal-investigator`` would claim too much.

Distinctions, invited positions, memberships, peer reviews, qualifications, research resources
and services are not read yet; they are counted as left out.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from stigraph.errors import ErrorContext, InputError, MappingError
from stigraph.ingest.inputs import InputFile, json_document
from stigraph.ingest.mapped import Mapped
from stigraph.ingest.orcid_xml import read_orcid_xml
from stigraph.ingest.terms import affiliation_quads, web_iri
from stigraph.ingest.visibility import RAW_GRAPH
from stigraph.namespaces import DCTERMS, FOAF, RDF, RDFS, SG, SKOS, XSD, Minter, hashed_key

_ORCID = re.compile(r"^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$")
_ROR = re.compile(r"^(?:https://ror\.org/)?(0[a-hj-km-np-tv-z0-9]{6}[0-9]{2})$")
_GRID = re.compile(r"^grid\.[0-9]+\.[0-9a-f]+$")
_FUNDREF = re.compile(r"^(?:(?:https?://)?(?:dx\.)?doi\.org/)?(?:10\.13039/)?([0-9]+)$", re.IGNORECASE)
_DOI_RESOLVER = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
SECTIONS = {"employments": ("employment-summary", "researcher"), "educations": ("education-summary", "student")}
NOT_READ = ("distinctions", "invited-positions", "memberships", "peer-reviews", "qualifications",
            "research-resources", "services")  # fmt: skip
# ORCID's work types of its "publication" and "conference" categories: the works that are
# scholarly publications (sg:Publication is a schema:ScholarlyArticle, a foaf:Document).
PUBLICATION_TYPES = frozenset(
    {
        "book", "book-chapter", "book-review", "conference-abstract", "conference-output", "conference-paper",
        "conference-poster", "conference-presentation", "conference-proceedings", "dictionary-entry",
        "dissertation-thesis", "edited-book", "encyclopedia-entry", "journal-article", "journal-issue",
        "magazine-article", "manual", "newsletter-article", "newspaper-article", "preprint", "report", "review",
        "supervised-student-publication", "translation", "working-paper",
    }
)  # fmt: skip
FUNDING_TYPES = ("grant", "contract", "award", "salary-award")


@dataclass
class MappedOrcid(Mapped):
    people: int = 0
    works: int = 0
    fundings: int = 0
    _seen: set[str] = field(default_factory=set)

    def first(self, node: NamedNode) -> bool:
        """True the first time a node is described in this load (organisations and publications
        recur across records)."""
        if node.value in self._seen:
            return False
        self._seen.add(node.value)
        return True


def _lang(text: str) -> str:
    return "ja" if _JAPANESE.search(text) else "en"


def _value(obj: Any) -> str | None:
    """ORCID's JSON wraps most strings as {"value": "..."}; its XML (read by orcid_xml) does not."""
    if isinstance(obj, dict):
        obj = obj.get("value")
    return obj.strip() if isinstance(obj, str) and obj.strip() else None


def _is_xml(file: InputFile) -> bool:
    suffix = file.path.suffix.lower()
    if suffix in (".xml", ".json"):
        return suffix == ".xml"
    return file.data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def read_record(file: InputFile) -> tuple[dict[str, Any], dict[int, int]]:
    """The record in the shape of ORCID's JSON, from a JSON or an XML file, and the line of each
    object of an XML record (by ``id()``; JSON has none to give)."""
    expected = "an ORCID record v3.0 in JSON or XML"
    if _is_xml(file):
        raw, lines = read_orcid_xml(file)
    else:
        raw, lines = json_document(file, expected), {}
    if not isinstance(raw, dict) or not isinstance(raw.get("orcid-identifier"), dict):
        raise InputError(
            "not an ORCID record (no orcid-identifier)", context=ErrorContext(file=str(file.path), expected=expected)
        )
    return raw, lines


class _Record:
    def __init__(self, file: InputFile, orcid: str | None, lines: dict[int, int]) -> None:
        self.file, self.orcid, self.lines = file, orcid, lines

    def web_page(self, item: dict[str, Any], field: str) -> NamedNode | None:
        """The item's ``url`` as an IRI (None when it has none); anything else is refused."""
        url = _value(item.get("url"))
        if not url:
            return None
        iri = web_iri(url)
        if iri is None:
            raise self.fail(field, f"URL {url!r}", "an http(s) URL", at=item)
        return iri

    def fail(self, field: str, message: str, expected: str, at: Any = None) -> MappingError:
        """``at``: the object at fault, whose line an XML record tells."""
        context = ErrorContext(
            file=str(self.file.path), line=self.lines.get(id(at)), record=self.orcid, field=field, expected=expected
        )
        return MappingError(message, context=context)


def map_orcid(file: InputFile, minter: Minter, mapped: MappedOrcid) -> Iterator[Quad]:
    raw, lines = read_record(file)
    orcid = raw["orcid-identifier"].get("path")
    record = _Record(file, orcid if isinstance(orcid, str) else None, lines)
    if not isinstance(orcid, str) or not _ORCID.match(orcid):
        raise record.fail(
            "orcid-identifier.path",
            f"ORCID iD {orcid!r}",
            "0000-0000-0000-0000 (16 characters)",
            at=raw["orcid-identifier"],
        )
    person_raw = raw.get("person")
    if not isinstance(person_raw, dict):
        raise record.fail("person", "no person section", "the record's person section")
    name = person_raw.get("name")
    if not isinstance(name, dict) or name.get("visibility") != "public":
        mapped.skip("a record whose name is not public")
        return
    given, family = _value(name.get("given-names")), _value(name.get("family-name"))
    if not given and not family:
        raise record.fail("person.name", "no given or family name", "a name", at=name)
    person = minter.entity("person", orcid)
    mapped.records[person.value] = orcid
    mapped.people += 1

    full = " ".join(part for part in (given, family) if part)
    yield _t(person, RDF + "type", NamedNode(SG + "Researcher"))
    yield _t(person, SG + "orcid", Literal(orcid))
    yield _t(person, SG + "visibility", NamedNode(SG + "Public"))
    yield _t(person, RDFS + "label", Literal(full, language=_lang(full)))
    if given:
        yield _t(person, FOAF + "givenName", Literal(given, language=_lang(given)))
    if family:
        yield _t(person, FOAF + "familyName", Literal(family, language=_lang(family)))
    credit = _value(name.get("credit-name"))
    if credit and credit != full:
        yield _t(person, SKOS + "altLabel", Literal(credit, language=_lang(credit)))
    for item in _public(record, person_raw, "other-names", "other-name", mapped):
        other = _value(item.get("content"))
        if other:
            yield _t(person, SKOS + "altLabel", Literal(other, language=_lang(other)))
    for i, item in enumerate(_public(record, person_raw, "researcher-urls", "researcher-url", mapped)):
        iri = record.web_page(item, f"person.researcher-urls[{i}].url")
        if iri is not None:
            yield _t(person, SG + "homepage", iri)
    for item in _public(record, person_raw, "emails", "email", mapped):
        email = _value(item.get("email"))
        if email:
            yield _t(person, SG + "email", Literal(email))

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
                yield from _position(record, item, where, role, person, minter, mapped)
    for where, item in _preferred(record, activities, "works", "work-summary", mapped):
        yield from _work(record, item, where, person, minter, mapped)
    for where, item in _preferred(record, activities, "fundings", "funding-summary", mapped):
        yield from _funding(record, item, where, person, minter, mapped)
    for section in NOT_READ:
        data = activities.get(section) or {}
        groups = data.get("affiliation-group") or data.get("group") or []
        mapped.skip(f"ORCID {section} (not read yet)", sum(_count(g) for g in groups))


def _t(s: NamedNode, p: str, o: NamedNode | Literal) -> Quad:
    return Quad(s, NamedNode(p), o, RAW_GRAPH)


def _count(group: Any) -> int:
    """How many items a group of a section that is not read holds (for the left-out count)."""
    if not isinstance(group, dict):
        return 1
    n = 0
    for key, items in group.items():
        if isinstance(items, list) and (key == "summaries" or key.endswith("-summary")):
            n += len(items)
        elif isinstance(items, list) and key == "peer-review-group":
            n += sum(_count(g) for g in items)
    return n or 1


def _public(record: _Record, person: dict[str, Any], section: str, key: str, mapped: MappedOrcid) -> list[dict]:
    items = (person.get(section) or {}).get(key) or []
    if not isinstance(items, list):
        raise record.fail(f"person.{section}", f"{section} is {type(items).__name__}", "a list")
    public = [i for i in items if isinstance(i, dict) and i.get("visibility") == "public"]
    mapped.skip(f"{section} that are not public", len(items) - len(public))
    return public


def _preferred(
    record: _Record, activities: dict[str, Any], section: str, key: str, mapped: MappedOrcid
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field path, summary) of the first public summary of each group of ``section``.

    A group is ORCID's de-duplication: the versions of one work (or funding) that share an
    identifier, the preferred one first (ORCID sorts a group by display index, the preferred
    version's being highest). Reading one per group keeps a work that three sources sent to the
    record from becoming three publications; the other versions are counted as left out."""
    groups = (activities.get(section) or {}).get("group") or []
    if not isinstance(groups, list):
        raise record.fail(f"activities-summary.{section}.group", f"group is {type(groups).__name__}", "a list")
    for g, group in enumerate(groups):
        summaries = group.get(key) if isinstance(group, dict) else None
        taken = False
        for s, item in enumerate(summaries or []):
            if not isinstance(item, dict):
                continue
            if item.get("visibility") != "public":
                mapped.skip(f"{section} that are not public")
            elif taken:
                mapped.skip(f"{section}: other versions in a group whose first public version is read")
            else:
                taken = True
                yield f"activities-summary.{section}.group[{g}].{key}[{s}]", item


def _date(record: _Record, obj: Any, where: str) -> Literal | None:
    if obj is None:
        return None
    year, month, day = (_value(obj.get(k)) if isinstance(obj, dict) else None for k in ("year", "month", "day"))
    if not year or not re.match(r"^[0-9]{4}$", year):
        raise record.fail(where, f"year {year!r}", "a four-digit year", at=obj)
    if month and not re.match(r"^(0[1-9]|1[0-2])$", month):
        raise record.fail(where, f"month {month!r}", "01 to 12", at=obj)
    if day and not re.match(r"^(0[1-9]|[12][0-9]|3[01])$", day):
        raise record.fail(where, f"day {day!r}", "01 to 31", at=obj)
    if month and day:
        return Literal(f"{year}-{month}-{day}", datatype=NamedNode(XSD + "date"))
    if month:
        return Literal(f"{year}-{month}", datatype=NamedNode(XSD + "gYearMonth"))
    return Literal(year, datatype=NamedNode(XSD + "gYear"))


def _put_code(record: _Record, item: dict[str, Any], where: str) -> int:
    """ORCID's id of an item within the record: the stable part of the keys minted from it."""
    code = item.get("put-code")
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool):
        raise record.fail(f"{where}.put-code", f"put-code {code!r}", "ORCID's number of the item", at=item)
    return code


def _titles(record: _Record, item: dict[str, Any], where: str, what: str) -> list[tuple[str, Literal]]:
    """(property, literal) of the title, ``rdfs:label`` tagged by script as names are (ORCID gives
    a title no language), and of the translated title, ``skos:altLabel`` in the language ORCID
    gives it; checked before the caller writes anything."""
    titles = item.get("title")
    title = _value(titles.get("title")) if isinstance(titles, dict) else None
    if not isinstance(titles, dict) or not title:
        raise record.fail(f"{where}.title.title", "no title", f"the {what}'s title", at=item)
    out = [(RDFS + "label", Literal(title, language=_lang(title)))]
    translated = titles.get("translated-title")
    text = _value(translated)
    code = translated.get("language-code") if isinstance(translated, dict) else None
    tag = code.replace("_", "-").lower() if isinstance(code, str) else ""
    if text and text != title and _LANGUAGE.match(tag):
        out.append((SKOS + "altLabel", Literal(text, language=tag)))
    return out


def _external_ids(item: dict[str, Any], kind: str) -> list[tuple[int, str]]:
    """(index, value) of the item's own identifiers of ``kind`` (relationship ``self``: a
    ``version-of`` or ``part-of`` identifier names another work or grant)."""
    ids = (item.get("external-ids") or {}).get("external-id") or []
    return [
        (i, value)
        for i, ext in enumerate(ids if isinstance(ids, list) else [])
        if isinstance(ext, dict)
        and str(ext.get("external-id-type") or "").lower() == kind
        and (ext.get("external-id-relationship") or "self") == "self"
        and (value := _value(ext.get("external-id-value")))
    ]


def _organization(
    record: _Record, org_raw: Any, where: str, minter: Minter, mapped: MappedOrcid
) -> Generator[Quad, None, NamedNode]:
    """The organisation an item names (``where`` is its field path); returns its node."""
    name = _value(org_raw.get("name")) if isinstance(org_raw, dict) else None
    if not isinstance(org_raw, dict) or not name:
        raise record.fail(f"{where}.name", "no organisation name", "the organisation's name", at=org_raw)
    address = org_raw.get("address")
    country = (address.get("country") if isinstance(address, dict) else None) or None
    if country is not None and (not isinstance(country, str) or not _COUNTRY.match(country)):
        raise record.fail(f"{where}.address.country", f"country {country!r}", "ISO 3166-1 alpha-2", at=org_raw)
    disambiguated = org_raw.get("disambiguated-organization") or {}
    source = disambiguated.get("disambiguation-source")
    identifier = str(disambiguated.get("disambiguated-organization-identifier") or "").strip()
    ror = _ROR.match(identifier) if source == "ROR" else None
    grid = identifier if source == "GRID" and _GRID.match(identifier) else None
    fundref = _FUNDREF.match(identifier) if source == "FUNDREF" else None
    if source in ("ROR", "GRID", "FUNDREF") and not (ror or grid or fundref):
        expected = "a Crossref Funder ID (digits, or its DOI 10.13039/…)" if source == "FUNDREF" else f"a {source} id"
        raise record.fail(f"{where}.disambiguated-organization", f"{source} id {identifier!r}", expected, at=org_raw)
    if ror:
        key = ror.group(1)
    elif grid:
        key = f"grid-{grid}"
    elif fundref:
        key = f"fundref-{fundref.group(1)}"
    else:
        key = hashed_key("orcid-org", f"{name}\x00{country or ''}")
    org = minter.entity("org", key)
    if mapped.first(org):
        mapped.records.setdefault(org.value, record.orcid or "")
        yield _t(org, RDF + "type", NamedNode(SG + "Institution"))
        yield _t(org, SKOS + "prefLabel", Literal(name))
        if ror:
            yield _t(org, SG + "ror", Literal(ror.group(1)))
        if grid:
            yield _t(org, SG + "grid", Literal(grid))
        if fundref:
            yield _t(org, SG + "fundref", Literal(fundref.group(1)))
        if country:
            yield _t(org, SG + "country", minter.entity("country", country))
    return org


def _position(
    record: _Record,
    item: dict[str, Any],
    where: str,
    role: str,
    person: NamedNode,
    minter: Minter,
    mapped: MappedOrcid,
) -> Iterator[Quad]:
    org = yield from _organization(record, item.get("organization"), f"{where}.organization", minter, mapped)
    put_code = _put_code(record, item, where)
    position = minter.entity("position", hashed_key("orcid", f"{record.orcid}/{where.split('.')[1]}/{put_code}"))
    mapped.records[position.value] = f"{record.orcid}, {where}"
    yield from affiliation_quads(position, person, org, minter.entity("role", role))
    for key_, prop in (("role-title", "title"), ("department-name", "department")):
        text = _value(item.get(key_))
        if text:
            yield _t(position, SG + prop, Literal(text, language=_lang(text)))
    for key_, prop in (("start-date", "startDate"), ("end-date", "endDate")):
        date = _date(record, item.get(key_), f"{where}.{key_}")
        if date is not None:
            yield _t(position, SG + prop, date)


def publication_key(doi: str) -> str:
    """The key of a publication identified by a DOI (lower case, without resolver): the same for
    every record and every loader that knows the DOI. Hashed, because a DOI may hold characters an
    IRI may not, and its '/' would make path segments."""
    return f"doi-{hashed_key('doi', doi)}"


def _doi(item: dict[str, Any], mapped: MappedOrcid) -> str | None:
    for _, value in _external_ids(item, "doi"):
        doi = _DOI_RESOLVER.sub("", value).strip().lower()
        if _DOI.match(doi):
            return doi
        mapped.skip("work DOIs that are not DOIs (the work is read without them)")
    return None


def _work(
    record: _Record, item: dict[str, Any], where: str, person: NamedNode, minter: Minter, mapped: MappedOrcid
) -> Iterator[Quad]:
    kind = _value(item.get("type"))
    if kind not in PUBLICATION_TYPES:
        mapped.skip(f"works of type {kind or 'none'} (not publications)")
        return
    put_code = _put_code(record, item, where)
    doi = _doi(item, mapped)
    titles = _titles(record, item, where, "work")
    issued = _date(record, item.get("publication-date"), f"{where}.publication-date")
    key = publication_key(doi) if doi else hashed_key("orcid", f"{record.orcid}/works/{put_code}")
    pub = minter.entity("publication", key)
    mapped.works += 1
    if mapped.first(pub):  # a DOI claimed by several records of the load is described once
        mapped.records.setdefault(pub.value, f"{record.orcid}, {where}")
        yield _t(pub, RDF + "type", NamedNode(SG + "Publication"))
        yield from (_t(pub, p, o) for p, o in titles)
        if doi:
            yield _t(pub, SG + "doi", Literal(doi))
        if issued is not None:
            yield _t(pub, DCTERMS + "issued", issued)
    authorship = minter.entity("authorship", hashed_key("orcid", f"{record.orcid}/{key}"))
    mapped.records[authorship.value] = f"{record.orcid}, {where}"
    yield _t(authorship, RDF + "type", NamedNode(SG + "Authorship"))
    yield _t(authorship, SG + "author", person)
    yield _t(authorship, SG + "publication", pub)


def _funding(
    record: _Record, item: dict[str, Any], where: str, person: NamedNode, minter: Minter, mapped: MappedOrcid
) -> Iterator[Quad]:
    kind = _value(item.get("type"))
    if kind not in FUNDING_TYPES:
        raise record.fail(f"{where}.type", f"funding type {kind!r}", ", ".join(FUNDING_TYPES), at=item)
    key = hashed_key("orcid", f"{record.orcid}/fundings/{_put_code(record, item, where)}")
    project = minter.entity("project", key)
    mapped.records[project.value] = f"{record.orcid}, {where}"
    mapped.fundings += 1
    yield _t(project, RDF + "type", NamedNode(SG + "Project"))
    yield from (_t(project, p, o) for p, o in _titles(record, item, where, "funding"))
    yield _t(project, SG + "fundingType", Literal(kind))
    for key_, prop in (("start-date", "startDate"), ("end-date", "endDate")):
        date = _date(record, item.get(key_), f"{where}.{key_}")
        if date is not None:
            yield _t(project, SG + prop, date)
    for _, number in _external_ids(item, "grant_number"):
        yield _t(project, DCTERMS + "identifier", Literal(number))
    iri = record.web_page(item, f"{where}.url")
    if iri is not None:
        yield _t(project, SG + "homepage", iri)
    funder = yield from _organization(record, item.get("organization"), f"{where}.organization", minter, mapped)
    yield _t(project, SG + "funder", funder)
    participation = minter.entity("participation", key)
    mapped.records[participation.value] = f"{record.orcid}, {where}"
    yield _t(participation, RDF + "type", NamedNode(SG + "Participation"))
    yield _t(participation, SG + "inProject", project)
    yield _t(participation, SG + "participant", person)
    yield _t(participation, SG + "participationRole", minter.entity("role", "researcher"))
