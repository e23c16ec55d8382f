"""People and organisations as the matcher sees them, read from every graph of the store: their
names, identifiers, countries, affiliations and how visible they are.

Identifiers are normalised here (ORCID in upper case, DOIs and ROR ids in lower case, ISNI
without spaces) so that equal identifiers are equal strings. A KAKEN researcher number is the
person's e-Rad researcher number, so both are one identifier scheme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyoxigraph import NamedNode, QuerySolutions

from stigraph.namespaces import FOAF, RDFS, SG, SKOS, VISIBILITIES, Minter
from stigraph.reconcile.names import NameForm, is_acronym, name_forms, org_key

PERSON, ORGANIZATION, PUBLICATION = "person", "organization", "publication"


class Readable(Protocol):
    """A store, or a write under way (what reconciliation reads)."""

    def query(self, sparql: str, *, union_default_graph: bool = False) -> Any: ...


SCHEMES: dict[str, dict[str, str]] = {
    PERSON: {
        SG + "orcid": "ORCID",
        SG + "kakenResearcherNumber": "researcher number",
        SG + "eradId": "researcher number",
        SG + "researchmapId": "researchmap",
        SG + "isni": "ISNI",
        SG + "wikidata": "Wikidata",
        SG + "openalex": "OpenAlex",
    },
    ORGANIZATION: {
        SG + "ror": "ROR",
        SG + "grid": "GRID",
        SG + "isni": "ISNI",
        SG + "wikidata": "Wikidata",
        SG + "fundref": "FundRef",
        SG + "openalex": "OpenAlex",
        SG + "eradInstitutionCode": "e-Rad institution code",
    },
    PUBLICATION: {SG + "doi": "DOI", SG + "openalex": "OpenAlex"},
}
"""Identifier property -> scheme, per kind. Two nodes sharing a value in one scheme are one."""

FUNCTIONAL = {kind: set(schemes.values()) for kind, schemes in SCHEMES.items()}
"""Schemes an entity has at most one value of: two different values mean two entities. Every
scheme is: a registry that gave two nodes two identifiers (two OpenAlex author ids, two ROR ids)
has already judged them different, and a name cannot overrule it; only a curator can."""

NAME_PROPERTIES = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel")
_LEVEL = {v: i for i, v in enumerate(VISIBILITIES)}


def normalise_id(scheme: str, value: str) -> str:
    value = value.strip()
    if scheme in ("ORCID", "Wikidata"):
        return value.upper()
    if scheme == "ISNI":
        return re.sub(r"\s+", "", value).upper()
    return value.casefold()


@dataclass
class Entity:
    iri: str
    kind: str
    visibility: str = "public"
    ids: dict[str, set[str]] = field(default_factory=dict)  # scheme -> values
    labels: list[tuple[str, str]] = field(default_factory=list)  # (text, property)
    structured: list[tuple[str, str]] = field(default_factory=list)  # (family, given)
    countries: set[str] = field(default_factory=set)
    orgs: set[str] = field(default_factory=set)  # people: organisations they were affiliated with

    def label(self) -> str:
        """A name to show a curator: the preferred label, else any label."""
        for prop in (SKOS + "prefLabel", RDFS + "label", SKOS + "altLabel"):
            for text, p in self.labels:
                if p == prop:
                    return text
        return self.iri

    def name_forms(self) -> list[NameForm]:
        forms: list[NameForm] = []
        for family, given in self.structured:
            forms.extend(name_forms(f"{family}, {given}" if given else family, family=family, given=given))
        for text, _ in self.labels:
            forms.extend(name_forms(text))
        return list(dict.fromkeys(forms))

    def org_keys(self) -> dict[str, bool]:
        """Name key -> whether it comes from an alias only (aliases and acronyms count less)."""
        keys: dict[str, bool] = {}
        for text, prop in self.labels:
            if is_acronym(text):
                continue
            key = org_key(text)
            if key:
                keys[key] = keys.get(key, True) and prop == SKOS + "altLabel"
        return keys


def _rows(store: Readable, sparql: str) -> QuerySolutions:
    result = store.query(sparql, union_default_graph=True)
    assert isinstance(result, QuerySolutions)
    return result


def _values(iris: set[str]) -> str:
    return " ".join(f"<{c}>" for c in sorted(iris))


def read_entities(store: Readable, minter: Minter, classes: dict[str, set[str]]) -> dict[str, Entity]:
    """Every person, organisation and publication in the store (publications are matched by
    their identifiers only). ``classes``: class IRI -> its subclasses."""
    kinds = {
        PERSON: {SG + "Person", *classes.get(SG + "Person", ())},
        ORGANIZATION: {SG + "Organization", *classes.get(SG + "Organization", ())},
        PUBLICATION: {SG + "Publication", *classes.get(SG + "Publication", ())},
    }
    entities: dict[str, Entity] = {}
    for kind, types in kinds.items():
        result = store.query(
            f"SELECT DISTINCT ?n ?g WHERE {{ VALUES ?c {{ {_values(types)} }} GRAPH ?g {{ ?n a ?c }} }}"
        )
        assert isinstance(result, QuerySolutions)
        for row in result:
            if not isinstance(row["n"], NamedNode):
                continue
            node = row["n"].value
            entity = entities.get(node)
            if entity is None:
                entity = entities[node] = Entity(node, kind)
            elif entity.kind != kind:
                continue  # typed both ways: left out of matching rather than guessed
            owner = minter.graph_source(row["g"].value)
            level = owner[1] if owner else "restricted"  # graphs stigraph did not mint: fail closed
            if _LEVEL[level] > _LEVEL[entity.visibility]:
                entity.visibility = level
        props = {**SCHEMES[kind], **{p: "" for p in NAME_PROPERTIES}, SG + "country": ""}
        for row in _rows(
            store,
            f"SELECT DISTINCT ?n ?p ?v WHERE {{ VALUES ?c {{ {_values(types)} }} ?n a ?c . "
            f"VALUES ?p {{ {_values(set(props))} }} ?n ?p ?v }}",
        ):
            entity = entities.get(row["n"].value)
            if entity is None or entity.kind != kind:
                continue
            prop, value = row["p"].value, row["v"].value
            if prop in NAME_PROPERTIES:
                entity.labels.append((value, prop))
            elif prop == SG + "country":
                entity.countries.add(value)
            else:
                scheme = SCHEMES[kind][prop]
                entity.ids.setdefault(scheme, set()).add(normalise_id(scheme, value))
    for row in _rows(
        store,
        f"SELECT DISTINCT ?n ?f ?g WHERE {{ ?n <{FOAF}familyName> ?f . "
        f"OPTIONAL {{ ?n <{FOAF}givenName> ?g FILTER(LANG(?g) = LANG(?f)) }} }}",
    ):
        entity = entities.get(row["n"].value)
        if entity is not None and entity.kind == PERSON:
            entity.structured.append((row["f"].value, row["g"].value if row["g"] else ""))
    for row in _rows(
        store,
        f"SELECT DISTINCT ?n ?o WHERE {{ {{ ?x <{SG}holder> ?n ; <{SG}organization> ?o }} "
        f"UNION {{ ?x <{SG}author> ?n ; <{SG}bylineOrganization> ?o }} }}",
    ):
        entity = entities.get(row["n"].value)
        if entity is not None and entity.kind == PERSON and row["o"].value in entities:
            entity.orgs.add(row["o"].value)
    return entities
