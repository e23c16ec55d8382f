"""Diplomatic missions from Wikidata, as the database-of-embassies CSV gives them: who runs each
mission, where it sits, which places its jurisdiction covers, its type and coordinates.

The CSV (``;``-separated, one row per mission, Wikidata items as entity URLs) names countries by
Wikidata item; the loader turns them into the project's country nodes (``<base>id/country/<ISO
code>``) through ``data/wikidata-countries.csv``, and every other item (a province, a US state,
the EU, the Nordic countries) into an ``sg:Region`` keyed by its item. Japan's missions are the
core of the mission layer; the other countries' missions are kept as well, for the partner
countries.

Two kinds of row are left out and counted in ``skipped`` (the CLI prints them): one whose
operator has no country code (a foreign ministry is mapped to its state, but the European
Parliament or a state without an ISO 3166-1 code is not: the model needs an operating country),
and a consulate or office with neither jurisdiction nor city (an embassy without a stated
jurisdiction covers its host country; a consulate covers part of one, so only its city is
claimed for it). Bad rows (a missing or malformed item, an unknown mission type, broken
coordinates, web addresses or dates) stop the load with the line and the column.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from pyoxigraph import Literal, NamedNode, Quad

from stigraph.errors import ErrorContext, InputError, MappingError
from stigraph.ingest.csv_rows import read_rows
from stigraph.ingest.inputs import InputFile
from stigraph.ingest.mapped import Mapped
from stigraph.ingest.terms import decimal_literal, web_iri
from stigraph.ingest.visibility import RAW_GRAPH
from stigraph.namespaces import RDF, RDFS, SCHEMA, SG, XSD, Minter

COLUMNS = (
    "operator", "operatorQID", "jurisdictions", "jurisdictionQIDs", "country", "countryQID", "city", "cityQID",
    "address", "latitude", "longitude", "phone", "email", "website", "facebook", "twitter", "youtube", "picture",
    "pictureAuthor", "pictureLicense", "pictureLicenseURL", "type", "typeQID", "creation", "QID",
)  # fmt: skip
REQUIRED = ("operator", "operatorQID", "country", "countryQID", "type", "typeQID", "QID")
# Not part of the model: contact details and pictures of the building (the loader reads no
# personal data from this source).
UNUSED = ("address", "phone", "email", "facebook", "twitter", "youtube", "picture", "pictureAuthor",
          "pictureLicense", "pictureLicenseURL")  # fmt: skip

# Wikidata's mission types -> (class, mission-type concept, the words of a label)
TYPES: dict[str, tuple[str, str, str]] = {
    "Q3917681": ("Embassy", "embassy", "Embassy"),
    "Q5244910": ("Embassy", "embassy", "De facto Embassy"),
    "Q18414273": ("Embassy", "embassy", "High Commission"),
    "Q19600600": ("Embassy", "embassy", "High Commission"),
    "Q4824242": ("Embassy", "embassy", "High Commission"),
    "Q620045": ("Embassy", "embassy", "Apostolic Nunciature"),
    "Q372690": ("ConsulateGeneral", "consulate-general", "Consulate-General"),
    "Q108058047": ("ConsulateGeneral", "consulate-general", "Consulate-General"),
    "Q7843791": ("DiplomaticMission", "consulate", "Consulate"),
    "Q61881945": ("DiplomaticMission", "consulate", "De facto Consulate"),
    "Q24868622": ("DiplomaticMission", "consulate", "Consular Office"),
    "Q1783003": ("DiplomaticMission", "consulate", "Consular Agency"),
    "Q73088858": ("DiplomaticMission", "consulate", "Assistant High Commission"),
    "Q23891529": ("DiplomaticMission", "honorary-consulate", "Honorary Consulate"),
    "Q2712647": ("DiplomaticMission", "delegation", "Apostolic Delegation"),
    "Q64779402": ("DiplomaticMission", "representative-office", "Liaison Office"),
    "Q7314257": ("DiplomaticMission", "representative-office", "Representative Office"),
    "Q4461020": ("DiplomaticMission", "representative-office", "Trade Office"),
    "Q431071": ("DiplomaticMission", "representative-office", "Government Office"),
    "Q94158456": ("DiplomaticMission", "representative-office", "Interests Section"),
    "Q579581": ("DiplomaticMission", "representative-office", "Representative Office"),
    "Q112307194": ("ConsulateGeneral", "consulate-general", "Consulate-General"),
    "Q113065939": ("Embassy", "embassy", "Embassy"),
    "Q10686185": ("DiplomaticMission", "consulate", "Consulate"),
    "Q2360219": ("PermanentMission", "permanent-mission", "Permanent Mission"),
    "Q73414365": ("DiplomaticMission", "representative-office", "Diplomatic Mission"),
    "Q213283": ("DiplomaticMission", "representative-office", "Diplomatic Mission"),
}
# Operators that are a state's organ rather than the state: the state they act for.
OPERATOR_STATES = {
    "Q1155502": "CN",  # Ministry of Foreign Affairs of the People's Republic of China
    "Q789889": "RU",  # Ministry of Foreign Affairs of the Russian Federation
    "Q16911151": "RW",  # Ministry of Foreign Affairs and Cooperation of the Republic of Rwanda
    "Q930729": "SE",  # Government of Sweden
    "Q1202": "DE",  # Saxony (its representation abroad)
    "Q16152647": "US",  # Government of New Mexico
    "Q176": "CA",  # Quebec (Quebec Government Offices)
}
_ENTITY = re.compile(r"^http://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")
_DATE = re.compile(r"^(-?[0-9]{4}-[0-9]{2}-[0-9]{2})T00:00:00Z$")


_Triple = Callable[[NamedNode, str, NamedNode | Literal], Quad]


@dataclass
class MappedMissions(Mapped):
    count: int = 0


@cache
def country_codes() -> dict[str, str]:
    """Wikidata item -> ISO 3166-1 alpha-2 (see the header of the table)."""
    text = resources.files("stigraph.ingest").joinpath("data/wikidata-countries.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["qid"]: row["iso"] for row in rows}


def map_missions(file: InputFile, minter: Minter, mapped: MappedMissions) -> Iterator[Quad]:
    codes = country_codes()
    seen: dict[str, int] = {}
    places: set[str] = set()

    def t(s: NamedNode, p: str, o: NamedNode | Literal) -> Quad:
        return Quad(s, NamedNode(p), o, RAW_GRAPH)

    for line, row in read_rows(file, known=COLUMNS, required=REQUIRED, delimiter=";", ignore=UNUSED):

        def fail(column: str, message: str, expected: str, line: int = line) -> MappingError:
            return MappingError(
                message, context=ErrorContext(file=str(file.path), line=line, field=column, expected=expected)
            )

        def item(column: str, value: str) -> str:
            match = _ENTITY.match(value)
            if match is None:
                raise fail(column, f"{column} {value!r}", "a Wikidata entity URL, http://www.wikidata.org/entity/Q…")
            return match.group(1)

        qid = item("QID", row["QID"])
        if qid in seen:  # the same mission twice (the 2022-11-16 file has one): the first row stands
            continue
        seen[qid] = line
        operator = item("operatorQID", row["operatorQID"])
        state = codes.get(operator) or OPERATOR_STATES.get(operator)
        if state is None:
            mapped.skip(f"operator {row['operator']!r} has no country code")
            continue
        kind = item("typeQID", row["typeQID"])
        if kind not in TYPES:
            raise fail("typeQID", f"mission type {row['type']!r} ({kind})", "one of the types in docs/loaders.md")
        cls, concept, words = TYPES[kind]
        jurisdictions = [j for j in row.get("jurisdictionQIDs", "").split("|") if j]
        if not jurisdictions and cls not in ("Embassy", "PermanentMission") and not row.get("cityQID"):
            mapped.skip("a consulate or office with neither jurisdiction nor city")
            continue
        mission = minter.entity("mission", qid)
        mapped.lines[mission.value] = line
        mapped.count += 1
        yield t(mission, RDF + "type", NamedNode(SG + cls))
        yield t(mission, SG + "wikidata", Literal(qid))
        yield t(mission, SG + "missionType", minter.entity("mission-type", concept))
        operating = minter.entity("country", state)
        yield t(mission, SG + "operatingCountry", operating)

        host_qid = item("countryQID", row["countryQID"])
        host = yield from _place(minter, codes, host_qid, row["country"], places, t)
        yield t(mission, SG + "hostCountry", host)

        items = [item("jurisdictionQIDs", j) for j in jurisdictions]
        names = row.get("jurisdictions", "").split("|")
        if items and len(names) != len(items):
            raise fail("jurisdictions", "names and items of the jurisdictions do not pair up", "one name per item")
        for j, name in zip(items, names, strict=False):
            place = yield from _place(minter, codes, j, name, places, t)
            yield t(mission, SG + "jurisdiction", place)

        where = row["country"]
        city: NamedNode | None = None
        if row.get("cityQID"):
            city_qid = item("cityQID", row["cityQID"])
            city = minter.entity("city", f"wikidata-{city_qid}")
            if city.value not in places:
                places.add(city.value)
                yield t(city, RDF + "type", NamedNode(SG + "City"))
                yield t(city, SG + "wikidata", Literal(city_qid))
                if row.get("city"):
                    yield t(city, RDFS + "label", Literal(row["city"], language="en"))
                yield t(city, SG + "country", host) if host_qid in codes else t(city, SG + "locatedIn", host)
            yield t(mission, SG + "city", city)
            where = row.get("city") or where
        if not jurisdictions:
            # Wikidata states none. An embassy covers the country it is accredited to; a
            # consulate covers part of a country, so no more than its city is claimed for it.
            fallback = host if cls in ("Embassy", "PermanentMission") else city
            assert fallback is not None  # rows with neither were left out above
            yield t(mission, SG + "jurisdiction", fallback)
        label = f"{words} of {row['operator']} in {where}"
        yield t(mission, RDFS + "label", Literal(label, language="en"))

        for column, prop, low, high in (("latitude", "latitude", -90, 90), ("longitude", "longitude", -180, 180)):
            if row.get(column):
                try:
                    value = Decimal(row[column])
                except InvalidOperation:
                    raise fail(column, f"{column} {row[column]!r}", "a decimal number") from None
                if not value.is_finite() or not low <= value <= high:
                    raise fail(column, f"{column} {row[column]!r}", f"a decimal in [{low}, {high}]")
                yield t(mission, SCHEMA + prop, decimal_literal(value))
        if row.get("website"):
            iri = web_iri(row["website"])
            if iri is None:
                raise fail("website", f"website {row['website']!r}", "an http(s) URL")
            yield t(mission, SG + "homepage", iri)
        if row.get("creation"):
            match = _DATE.match(row["creation"])
            if match is None:
                raise fail("creation", f"creation {row['creation']!r}", "a Wikidata date such as 1927-01-01T00:00:00Z")
            yield t(mission, SG + "foundingDate", Literal(match.group(1), datatype=NamedNode(XSD + "date")))
    if mapped.count == 0:
        raise InputError(
            "no mission in the CSV that an operating country runs", context=ErrorContext(file=str(file.path))
        )


def _place(
    minter: Minter, codes: dict[str, str], qid: str, name: str, places: set[str], t: _Triple
) -> Generator[Quad, None, NamedNode]:
    """The node of a country (from the table) or of a region (keyed by its item); a region is
    described once. Returns the node (``yield from`` gives it back)."""
    if qid in codes:
        return minter.entity("country", codes[qid])
    region = minter.entity("region", f"wikidata-{qid}")
    if region.value not in places:
        places.add(region.value)
        yield t(region, RDF + "type", NamedNode(SG + "Region"))
        yield t(region, SG + "wikidata", Literal(qid))
        if name:
            yield t(region, RDFS + "label", Literal(name, language="en"))
    return region
