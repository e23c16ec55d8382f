"""CORDIS (the EU's research projects) as its open-data CSV files give them: Horizon Europe
projects and the organisations that take part in them, with their role and EC contribution.

A source is one or more of CORDIS's ``project.csv`` and ``organization.csv`` (``;``-separated,
fully quoted long texts); each file is told apart by its header. Mapping:

- a project is ``<base>id/project/cordis-<id>``: ``sg:Project`` with its title, acronym, dates,
  objective, CORDIS id, and ``sg:fundedBy`` the programme (Horizon Europe for ``HORIZON``);
- an organisation is ``<base>id/org/pic-<organisationID>`` (the participant identification code
  the EU gives every participant): ``sg:Institution``, and by ``activityType`` also
  ``sg:University`` (HES), ``sg:ResearchInstitute`` (REC), ``sg:Company`` (PRC) or
  ``sg:GovernmentBody`` (PUB); its legal name as CORDIS writes it (``skos:prefLabel``, no
  language: CORDIS gives none), short name, country, web site;
- each organisation row is one ``sg:Participation`` in its project, with the role
  (coordinator, participant, associated partner, third party) and the EC contribution in euro.

A project that only the organisation file names (the files are often cut by country) gets a
small node: its type, CORDIS id and acronym. Bad rows stop the load with line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pyoxigraph import Literal, NamedNode, Quad

from stigraph.errors import ErrorContext, InputError, MappingError
from stigraph.ingest.csv_rows import read_rows
from stigraph.ingest.inputs import InputFile
from stigraph.ingest.mapped import Mapped
from stigraph.ingest.terms import decimal_literal, web_iri
from stigraph.ingest.visibility import RAW_GRAPH
from stigraph.namespaces import DCTERMS, RDF, RDFS, SG, SKOS, XSD, Minter, hashed_key

PROJECT_COLUMNS = (
    "id", "acronym", "status", "title", "startDate", "endDate", "totalCost", "ecMaxContribution", "legalBasis",
    "topics", "ecSignatureDate", "frameworkProgramme", "masterCall", "subCall", "fundingScheme", "nature",
    "objective", "contentUpdateDate", "rcn", "grantDoi",
)  # fmt: skip
ORGANIZATION_COLUMNS = (
    "projectID", "projectAcronym", "organisationID", "vatNumber", "name", "shortName", "SME", "activityType",
    "street", "postCode", "city", "country", "nutsCode", "geolocation", "organizationURL", "contactForm",
    "contentUpdateDate", "rcn", "order", "role", "ecContribution", "netEcContribution", "totalCost",
    "endOfParticipation", "active",
)  # fmt: skip
# Contact and address details of organisations are not part of the model.
ORGANIZATION_UNUSED = ("vatNumber", "street", "postCode", "contactForm", "nutsCode", "geolocation")
ROLES = {
    "coordinator": "coordinator",
    "participant": "participant",
    "associatedPartner": "associated-partner",
    "thirdParty": "third-party",
}
ACTIVITIES = {"HES": "University", "REC": "ResearchInstitute", "PRC": "Company", "PUB": "GovernmentBody", "OTH": None}
PROGRAMMES = {"HORIZON": "horizon-europe"}
# CORDIS writes Greece and the United Kingdom with the EU's codes, not ISO 3166-1's.
COUNTRY_FIXES = {"EL": "GR", "UK": "GB"}
_ID = re.compile(r"^[1-9][0-9]*$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass
class MappedCordis(Mapped):
    """What a source's files have said so far: a project file may come before or after the
    organisation file that names its projects."""

    described: set[str] = field(default_factory=set)  # project ids a project file describes
    named: dict[str, str] = field(default_factory=dict)  # project id -> acronym, from organisation rows
    projects: int = 0
    participations: int = 0


def map_cordis(file: InputFile, minter: Minter, mapped: MappedCordis) -> Iterator[Quad]:
    """The quads of one CORDIS file (project or organisation file, told by its header)."""
    header = file.data[:4096].decode("utf-8-sig", errors="replace").split("\n", 1)[0]
    columns = [c.strip().strip('"') for c in header.split(";")]
    if "organisationID" in columns:
        yield from _organisations(file, minter, mapped)
    elif "objective" in columns and "frameworkProgramme" in columns:
        yield from _projects(file, minter, mapped)
    else:
        raise InputError(
            "neither a CORDIS project.csv nor an organization.csv header",
            context=ErrorContext(file=str(file.path), line=1, expected="CORDIS's ';'-separated columns"),
        )


def project_stubs(minter: Minter, mapped: MappedCordis) -> Iterator[Quad]:
    """Projects that organisation rows name but no project file of the source describes."""
    for project_id, acronym in mapped.named.items():
        if project_id in mapped.described:
            continue
        node = minter.entity("project", f"cordis-{project_id}")
        yield Quad(node, NamedNode(RDF + "type"), NamedNode(SG + "Project"), RAW_GRAPH)
        yield Quad(node, NamedNode(DCTERMS + "identifier"), Literal(project_id), RAW_GRAPH)
        if acronym:
            yield Quad(node, NamedNode(SKOS + "prefLabel"), Literal(acronym), RAW_GRAPH)


def _fail(file: InputFile, line: int, column: str, message: str, expected: str) -> MappingError:
    return MappingError(message, context=ErrorContext(file=str(file.path), line=line, field=column, expected=expected))


def _t(s: NamedNode, p: str, o: NamedNode | Literal) -> Quad:
    return Quad(s, NamedNode(p), o, RAW_GRAPH)


def _date(file: InputFile, line: int, column: str, value: str) -> Literal:
    if not _DATE.match(value):
        raise _fail(file, line, column, f"{column} {value!r}", "a date YYYY-MM-DD")
    return Literal(value, datatype=NamedNode(XSD + "date"))


def _amount(file: InputFile, line: int, column: str, value: str) -> Literal:
    if "," in value and "." not in value:  # a spreadsheet's decimal comma (2494117,5)
        value = value.replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise _fail(file, line, column, f"{column} {value!r}", "an amount in euro, e.g. 135887.5") from None
    if not amount.is_finite() or amount < 0:
        raise _fail(file, line, column, f"{column} {value!r}", "a non-negative amount in euro")
    return decimal_literal(amount)


def _projects(file: InputFile, minter: Minter, mapped: MappedCordis) -> Iterator[Quad]:
    for line, row in read_rows(file, known=PROJECT_COLUMNS, required=("id", "title"), delimiter=";", hard_quotes=True):
        if not _ID.match(row["id"]):
            raise _fail(file, line, "id", f"id {row['id']!r}", "a CORDIS project number")
        if not row["title"]:
            raise _fail(file, line, "title", "empty title", "the project's title")
        project = minter.entity("project", f"cordis-{row['id']}")
        mapped.described.add(row["id"])
        mapped.lines[project.value] = line
        mapped.projects += 1
        yield _t(project, RDF + "type", NamedNode(SG + "Project"))
        yield _t(project, DCTERMS + "identifier", Literal(row["id"]))
        yield _t(project, RDFS + "label", Literal(row["title"], language="en"))
        if row.get("acronym"):
            yield _t(project, SKOS + "altLabel", Literal(row["acronym"]))
        for column, prop in (("startDate", "startDate"), ("endDate", "endDate")):
            if row.get(column):
                yield _t(project, SG + prop, _date(file, line, column, row[column]))
        if row.get("objective"):
            yield _t(project, DCTERMS + "description", Literal(row["objective"], language="en"))
        programme = PROGRAMMES.get(row.get("frameworkProgramme", ""))
        if programme:
            yield _t(project, SG + "fundedBy", minter.entity("programme", programme))


def _organisations(file: InputFile, minter: Minter, mapped: MappedCordis) -> Iterator[Quad]:
    seen: set[str] = set()
    rows = read_rows(
        file,
        known=ORGANIZATION_COLUMNS,
        required=("projectID", "organisationID", "name", "country", "role"),
        delimiter=";",
        ignore=ORGANIZATION_UNUSED,
        hard_quotes=True,
    )
    for line, row in rows:
        for column in ("projectID", "organisationID"):
            if not _ID.match(row[column]):
                raise _fail(file, line, column, f"{column} {row[column]!r}", "a CORDIS number")
        if not row["name"]:
            raise _fail(file, line, "name", "empty name", "the organisation's legal name")
        role = ROLES.get(row["role"])
        if role is None:
            raise _fail(file, line, "role", f"role {row['role']!r}", ", ".join(ROLES))
        activity = row.get("activityType", "")
        if activity and activity not in ACTIVITIES:
            raise _fail(file, line, "activityType", f"activity type {activity!r}", ", ".join(ACTIVITIES))
        code = COUNTRY_FIXES.get(row["country"], row["country"])
        if not _COUNTRY.match(code):
            raise _fail(file, line, "country", f"country {row['country']!r}", "a two-letter country code")

        org = minter.entity("org", f"pic-{row['organisationID']}")
        if org.value not in seen:  # an organisation takes part in many projects: described once
            seen.add(org.value)
            mapped.lines.setdefault(org.value, line)
            yield _t(org, RDF + "type", NamedNode(SG + "Institution"))
            if ACTIVITIES.get(activity):
                yield _t(org, RDF + "type", NamedNode(SG + ACTIVITIES[activity]))
            yield _t(org, SKOS + "prefLabel", Literal(row["name"]))
            if row.get("shortName"):
                yield _t(org, SKOS + "altLabel", Literal(row["shortName"]))
            yield _t(org, SG + "country", minter.entity("country", code))
            url = row.get("organizationURL", "")
            if url:
                iri = web_iri(url)
                if iri is None:
                    raise _fail(file, line, "organizationURL", f"web site {url!r}", "an http(s) URL")
                yield _t(org, SG + "homepage", iri)

        project = minter.entity("project", f"cordis-{row['projectID']}")
        mapped.named.setdefault(row["projectID"], row.get("projectAcronym", ""))
        key = hashed_key("cordis", f"{row['projectID']}/{row['organisationID']}/{row.get('order', '')}/{row['role']}")
        participation = minter.entity("participation", key)
        mapped.lines[participation.value] = line
        mapped.participations += 1
        yield _t(participation, RDF + "type", NamedNode(SG + "Participation"))
        yield _t(participation, SG + "inProject", project)
        yield _t(participation, SG + "participant", org)
        yield _t(participation, SG + "participationRole", minter.entity("role", role))
        if row.get("ecContribution"):
            yield _t(participation, SG + "contribution", _amount(file, line, "ecContribution", row["ecContribution"]))
