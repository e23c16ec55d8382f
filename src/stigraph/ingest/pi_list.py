"""Mission PI lists as CSV: the columns a mission publishes, mapped to the ontology.

The columns are defined once, here (``COLUMNS``); docs/loaders.md and the sample under
loaders/pi-list/ follow them. Each minted node remembers its CSV line so that a SHACL
violation is reported at the line and column that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Quad

from stigraph.errors import ErrorContext, InputError, MappingError
from stigraph.ingest.csv_rows import read_rows
from stigraph.ingest.inputs import InputFile
from stigraph.ingest.sources import SourceSpec
from stigraph.ingest.terms import affiliation_quads
from stigraph.ingest.visibility import RAW_GRAPH
from stigraph.namespaces import FOAF, RDF, RDFS, SG, SKOS, XSD, Minter, hashed_key, slug


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str
    property: str | None = None  # the property whose violations point back at this column


COLUMNS: tuple[Column, ...] = (
    Column("local_id", True, "Stable id of the person within this list (never reused)."),
    Column("family_name_en", False, "Family name in Latin script (e.g. Yamada).", FOAF + "familyName"),
    Column("given_name_en", False, "Given name in Latin script (e.g. Taro).", FOAF + "givenName"),
    Column("family_name_ja", False, "Family name in Japanese script (e.g. 山田).", FOAF + "familyName"),
    Column("given_name_ja", False, "Given name in Japanese script (e.g. 太郎).", FOAF + "givenName"),
    Column("title", False, "Position title in English (e.g. Associate Professor).", SG + "title"),
    Column("institution", True, "Institution name in English.", SG + "organization"),
    Column("institution_ror", False, "ROR id of the institution (e.g. 00f54p054).", SG + "ror"),
    Column("department", False, "Department or lab.", SG + "department"),
    Column("city", False, "City of the institution.", SG + "city"),
    Column("country", True, "ISO 3166-1 alpha-2 code of the institution's country.", SG + "country"),
    Column("fields", False, "Research fields, separated by ';'.", SG + "researchField"),
    Column("website", False, "Personal or lab web page (http/https).", SG + "homepage"),
    Column("orcid", False, "ORCID iD, 0000-0000-0000-0000 form.", SG + "orcid"),
    Column("email", False, "Contact e-mail; always kept in the restricted graph.", SG + "email"),
    Column(
        "visibility",
        True,
        "public, partner or restricted: what the person agreed to.",
        SG + "visibility",
    ),
    Column(
        "consent_date",
        False,
        "Date (YYYY-MM-DD) the person agreed to be listed.",
        SG + "consentGiven",
    ),
    Column("pi_since", False, "Year (YYYY) or date the person became a PI there.", SG + "startDate"),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
_VISIBILITY = {"public": SG + "Public", "partner": SG + "Partner", "restricted": SG + "Restricted"}
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_YEAR = re.compile(r"^[0-9]{4}$")
_XSD_STRING = NamedNode(XSD + "string")


@dataclass
class MappedCsv:
    quads: list[Quad]
    lines: dict[str, int]  # node IRI -> CSV line it came from
    columns: dict[str, str]  # property IRI -> column name


def _rows(file: InputFile) -> Iterator[tuple[int, dict[str, str]]]:
    return read_rows(file, known=COLUMN_NAMES, required=[c.name for c in COLUMNS if c.required])


def map_pi_list(file: InputFile, spec: SourceSpec, minter: Minter) -> MappedCsv:
    if not spec.pilist or not spec.mission:
        raise InputError(
            "a pi-list source needs 'mission' and 'pilist' IRIs",
            context=ErrorContext(field="mission/pilist", expected="IRIs in source.yml or --mission/--pilist"),
        )
    quads: list[Quad] = []
    lines: dict[str, int] = {}
    seen: dict[str, int] = {}
    pilist = NamedNode(spec.pilist)

    def t(s: NamedNode, p: str, o: NamedNode | Literal) -> None:
        quads.append(Quad(s, NamedNode(p), o, RAW_GRAPH))

    t(pilist, RDF + "type", NamedNode(SG + "PIList"))
    t(pilist, SG + "publishedBy", NamedNode(spec.mission))
    if spec.title:
        t(pilist, RDFS + "label", Literal(spec.title, language="en"))
    count = 0
    for line, row in _rows(file):
        count += 1
        fail = _failer(file, line)
        local_id = row.get("local_id", "")
        if not local_id:
            raise fail("local_id", "empty local_id", "a stable id")
        if local_id in seen:
            raise fail(
                "local_id",
                f"local_id {local_id!r} already used on line {seen[local_id]}",
                "unique ids",
            )
        seen[local_id] = line
        orcid = row.get("orcid", "")
        person = minter.entity("person", orcid if orcid else hashed_key(spec.id, local_id))
        lines[person.value] = line
        t(person, RDF + "type", NamedNode(SG + "Researcher"))
        visibility = row.get("visibility", "").lower()
        if visibility not in _VISIBILITY:
            raise fail(
                "visibility",
                f"visibility {row.get('visibility')!r}",
                "public, partner or restricted",
            )
        t(person, SG + "visibility", NamedNode(_VISIBILITY[visibility]))
        fam_en, giv_en = row.get("family_name_en", ""), row.get("given_name_en", "")
        fam_ja, giv_ja = row.get("family_name_ja", ""), row.get("given_name_ja", "")
        if not (fam_en or fam_ja):
            raise fail("family_name_en", "no name", "a family name in English or Japanese")
        if fam_en:
            t(person, RDFS + "label", Literal(f"{fam_en.upper()} {giv_en}".strip(), language="en"))
            t(person, FOAF + "familyName", Literal(fam_en, language="en"))
            if giv_en:
                t(person, FOAF + "givenName", Literal(giv_en, language="en"))
        if fam_ja:
            t(person, RDFS + "label", Literal(f"{fam_ja}{giv_ja}", language="ja"))
            t(person, FOAF + "familyName", Literal(fam_ja, language="ja"))
            if giv_ja:
                t(person, FOAF + "givenName", Literal(giv_ja, language="ja"))
        t(person, SG + "nameOrder", Literal("family-first"))
        t(person, SG + "listedIn", pilist)
        if orcid:
            t(person, SG + "orcid", Literal(orcid))
        if row.get("email"):
            t(person, SG + "email", Literal(row["email"]))
        if row.get("website"):
            t(person, SG + "homepage", _iri(row["website"], fail))
        country_code = row.get("country", "").upper()
        if not _COUNTRY.match(country_code):
            raise fail(
                "country",
                f"country {row.get('country')!r}",
                "an ISO 3166-1 alpha-2 code such as US",
            )
        country = minter.entity("country", country_code)
        institution_name = row.get("institution", "")
        if not institution_name:
            raise fail("institution", "empty institution", "the institution's name")
        ror = row.get("institution_ror", "")
        org = minter.entity("org", ror if ror else hashed_key(spec.id, institution_name.casefold()))
        lines.setdefault(org.value, line)
        t(org, RDF + "type", NamedNode(SG + "Institution"))
        t(org, RDFS + "label", Literal(institution_name, language="en"))
        t(org, SG + "country", country)
        if ror:
            t(org, SG + "ror", Literal(ror))
        if row.get("city"):
            city = minter.entity("city", f"{country_code.lower()}-{slug(row['city'])}")
            t(city, RDF + "type", NamedNode(SG + "City"))
            t(city, RDFS + "label", Literal(row["city"], language="en"))
            t(city, SG + "country", country)
            t(org, SG + "city", city)
            t(org, SG + "locatedIn", city)
        position = minter.entity("position", hashed_key(spec.id, f"{local_id}/pi"))
        lines[position.value] = line
        quads.extend(affiliation_quads(position, person, org, minter.entity("role", "principal-investigator")))
        if row.get("title"):
            t(position, SG + "title", Literal(row["title"], language="en"))
        if row.get("department"):
            t(position, SG + "department", Literal(row["department"], language="en"))
        if row.get("pi_since"):
            since = row["pi_since"]
            dt = "gYear" if _YEAR.match(since) else "date"
            t(position, SG + "startDate", Literal(since, datatype=NamedNode(XSD + dt)))
        for name in filter(None, (f.strip() for f in row.get("fields", "").split(";"))):
            field = minter.entity("field", f"topic-{slug(name)}")
            t(field, RDF + "type", NamedNode(SG + "Field"))
            t(field, RDF + "type", NamedNode(SKOS + "Concept"))
            t(field, SKOS + "prefLabel", Literal(name, language="en"))
            t(field, SKOS + "inScheme", minter.entity("scheme", "pi-list-topics"))
            t(person, SG + "researchField", field)
        if row.get("consent_date"):
            consent = minter.entity("consent", hashed_key(spec.id, f"{local_id}/consent"))
            lines[consent.value] = line
            t(consent, RDF + "type", NamedNode(SG + "Consent"))
            t(consent, SG + "consentOf", person)
            t(
                consent,
                SG + "consentGiven",
                Literal(row["consent_date"], datatype=NamedNode(XSD + "date")),
            )
            t(consent, SG + "consentScope", NamedNode(_VISIBILITY[visibility]))
            t(person, SG + "hasConsent", consent)
    if count == 0:
        raise InputError("the CSV has a header but no rows", context=ErrorContext(file=str(file.path)))
    columns = {c.property: c.name for c in COLUMNS if c.property}
    return MappedCsv(quads=quads, lines=lines, columns=columns)


def _failer(file: InputFile, line: int):
    def fail(field: str, message: str, expected: str) -> MappingError:
        return MappingError(
            message,
            context=ErrorContext(file=str(file.path), line=line, field=field, expected=expected),
        )

    return fail


def _iri(value: str, fail) -> NamedNode:  # noqa: ANN001
    if not value.startswith(("http://", "https://")):
        raise fail("website", f"website {value!r}", "an http(s) URL")
    try:
        return NamedNode(value)
    except ValueError:
        raise fail("website", f"website {value!r} is not a valid IRI", "an http(s) URL") from None
