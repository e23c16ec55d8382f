"""The partner profile: the scope's people, organisations, fields and project participation in
the vocabularies partner agencies read without ours.

People become ``schema:Person`` (names, ORCID as ``sameAs`` and ``identifier``, current
affiliations, research fields as ``knowsAbout``), organisations ``schema:Organization`` (ROR and
Wikidata as ``sameAs``, country and city as a ``schema:PostalAddress``), fields
``schema:DefinedTerm``, and project participation follows EURIO (the EU's research information
ontology, which CORDIS publishes): ``eurio:Project`` ``eurio:hasInvolvedParty`` an
``eurio:OrganisationRole`` that ``eurio:isRoleOf`` the organisation, with the role's label and
the EU contribution as ``eurio:isRecipientOf``/``eurio:hasPaymentAmount``/``eurio:value``.

The mapping reads only the scope's graphs, so a partner-only person is in the partner profile
and not in the public one, and a restricted person in neither. It is built in a staging area,
checked against the closed shapes of ``shapes/partner/`` (:mod:`stigraph.export.conform`) and
written only if it conforms: a profile that would carry anything the shapes do not name (an
e-mail address, a visibility flag, a term of our own ontology) is refused, not shipped.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, parse

from stigraph.errors import ErrorContext, InputError
from stigraph.export.conform import ClosedValidator
from stigraph.export.jsonld import write_jsonld
from stigraph.export.view import ScopeView
from stigraph.namespaces import SCHEMA, SG
from stigraph.store.base import is_triples
from stigraph.store.staging import RAW_GRAPH, StagingArea
from stigraph.validation.validator import subclass_closure

EURIO = "http://data.europa.eu/s66#"
CONTEXT: dict[str, str] = {
    "@vocab": SCHEMA,
    "schema": SCHEMA,
    "eurio": EURIO,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
"""The JSON-LD context of the profile, inline so that it parses offline: schema.org terms bare
(``"name"``), EURIO terms prefixed (``"eurio:title"``)."""
MEDIA_TYPE = "application/ld+json"
PROFILE_IRI = "https://w3id.org/stigraph/shapes/partner"
SCHEMA_TYPES = (
    "Organization",
    "CollegeOrUniversity",
    "ResearchOrganization",
    "GovernmentOrganization",
    "FundingAgency",
    "Corporation",
)
"""The schema.org types an organisation may carry besides schema:Organization (the ontology
aligns our subclasses with them); the organisation shape lists the same."""

_PREFIXES = f"""PREFIX sg: <{SG}>
PREFIX schema: <{SCHEMA}>
PREFIX eurio: <{EURIO}>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

# One CONSTRUCT per rule; the WHERE of each is a SELECT DISTINCT, so a fact stated in two
# graphs of the scope maps once. {PERSON}, {ORG}, {FIELD} stand for VALUES lists of our classes
# (subclasses included, from the ontology): ?p, ?o and ?f are then instances of them.
_RULES: dict[str, tuple[str, str]] = {
    "person": ("?p a schema:Person", "?p a ?c VALUES ?c { {PERSON} } FILTER(isIRI(?p))"),
    "person-name": ("?p schema:name ?v", "?p a ?c VALUES ?c { {PERSON} } ?p rdfs:label ?v FILTER(lang(?v) != '')"),
    "person-given": (
        "?p schema:givenName ?v",
        "?p a ?c VALUES ?c { {PERSON} } ?p foaf:givenName ?v FILTER(lang(?v) != '')",
    ),
    "person-family": (
        "?p schema:familyName ?v",
        "?p a ?c VALUES ?c { {PERSON} } ?p foaf:familyName ?v FILTER(lang(?v) != '')",
    ),
    "person-url": ("?p schema:url ?v", "?p a ?c VALUES ?c { {PERSON} } ?p sg:homepage ?v FILTER(isIRI(?v))"),
    "person-orcid": (
        "?p schema:sameAs ?same ; schema:identifier ?id . ?id a schema:PropertyValue ; "
        "schema:propertyID 'ORCID' ; schema:value ?v",
        "?p a ?c VALUES ?c { {PERSON} } ?p sg:orcid ?k BIND(STR(?k) AS ?v) "
        "BIND(IRI(CONCAT('https://orcid.org/', ?v)) AS ?same) BIND(IRI(CONCAT(STR(?p), '#orcid')) AS ?id)",
    ),
    "person-wikidata": (
        "?p schema:sameAs ?same ; schema:identifier ?id . ?id a schema:PropertyValue ; "
        "schema:propertyID 'Wikidata' ; schema:value ?v",
        "?p a ?c VALUES ?c { {PERSON} } ?p sg:wikidata ?k BIND(STR(?k) AS ?v) "
        "BIND(IRI(CONCAT('http://www.wikidata.org/entity/', ?v)) AS ?same) "
        "BIND(IRI(CONCAT(STR(?p), '#wikidata')) AS ?id)",
    ),
    "person-affiliation": (
        "?p schema:affiliation ?o",
        "?p a ?c VALUES ?c { {PERSON} } ?pos a sg:Affiliation ; sg:holder ?p ; sg:organization ?o . "
        "?o a ?oc VALUES ?oc { {ORG} } FILTER NOT EXISTS { ?pos sg:endDate ?end }",
    ),
    "person-field": (
        "?p schema:knowsAbout ?f",
        "?p a ?c VALUES ?c { {PERSON} } ?p sg:researchField ?f . ?f a ?fc VALUES ?fc { {FIELD} }",
    ),
    "field": (
        "?f a schema:DefinedTerm ; schema:inDefinedTermSet ?scheme",
        "{KNOWN_FIELDS} OPTIONAL { ?f skos:inScheme ?scheme FILTER(isIRI(?scheme)) }",
    ),
    "field-name": ("?f schema:name ?v", "{KNOWN_FIELDS} ?f skos:prefLabel ?v FILTER(isLiteral(?v))"),
    "field-code": ("?f schema:termCode ?v", "{KNOWN_FIELDS} ?f skos:notation ?k BIND(STR(?k) AS ?v)"),
    "org": ("?o a schema:Organization", "?o a ?c VALUES ?c { {ORG} } FILTER(isIRI(?o))"),
    "org-schema-type": (
        "?o a ?t",
        "?o a ?c VALUES (?c ?t) { {ORG_TYPES} }",
    ),
    "org-name": (
        "?o schema:name ?v",
        "?o a ?c VALUES ?c { {ORG} } { ?o rdfs:label ?v } UNION { ?o skos:prefLabel ?v } FILTER(isLiteral(?v))",
    ),
    "org-alt": (
        "?o schema:alternateName ?v",
        "?o a ?c VALUES ?c { {ORG} } ?o skos:altLabel ?v FILTER(isLiteral(?v))",
    ),
    "org-url": ("?o schema:url ?v", "?o a ?c VALUES ?c { {ORG} } ?o sg:homepage ?v FILTER(isIRI(?v))"),
    "org-ror": (
        "?o schema:sameAs ?same ; schema:identifier ?id . ?id a schema:PropertyValue ; "
        "schema:propertyID 'ROR' ; schema:value ?v",
        "?o a ?c VALUES ?c { {ORG} } ?o sg:ror ?k BIND(STR(?k) AS ?v) "
        "BIND(IRI(CONCAT('https://ror.org/', ?v)) AS ?same) BIND(IRI(CONCAT(STR(?o), '#ror')) AS ?id)",
    ),
    "org-wikidata": (
        "?o schema:sameAs ?same ; schema:identifier ?id . ?id a schema:PropertyValue ; "
        "schema:propertyID 'Wikidata' ; schema:value ?v",
        "?o a ?c VALUES ?c { {ORG} } ?o sg:wikidata ?k BIND(STR(?k) AS ?v) "
        "BIND(IRI(CONCAT('http://www.wikidata.org/entity/', ?v)) AS ?same) "
        "BIND(IRI(CONCAT(STR(?o), '#wikidata')) AS ?id)",
    ),
    "org-country": (
        "?o schema:address ?a . ?a a schema:PostalAddress ; schema:addressCountry ?v",
        "?o a ?c VALUES ?c { {ORG} } ?o sg:country ?country . ?country skos:notation ?k "
        "BIND(STR(?k) AS ?v) BIND(IRI(CONCAT(STR(?o), '#address')) AS ?a)",
    ),
    "org-city": (
        "?a schema:addressLocality ?v",
        "?o a ?c VALUES ?c { {ORG} } ?o sg:country ?country . ?country skos:notation ?k . "
        "?o sg:city ?city . ?city rdfs:label ?v FILTER(lang(?v) != '') BIND(IRI(CONCAT(STR(?o), '#address')) AS ?a)",
    ),
    "org-parent": (
        "?o schema:parentOrganization ?parent",
        "?o a ?c VALUES ?c { {ORG} } ?o sg:subOrganizationOf ?parent . ?parent a ?pc VALUES ?pc { {ORG} }",
    ),
    # EURIO: project participation
    "project": ("?j a eurio:Project", "?j a sg:Project FILTER(isIRI(?j))"),
    "project-title": ("?j eurio:title ?v", "?j a sg:Project ; rdfs:label ?v FILTER(isLiteral(?v))"),
    "project-id": ("?j eurio:identifier ?v", "?j a sg:Project ; dcterms:identifier ?k BIND(STR(?k) AS ?v)"),
    "project-abstract": ("?j eurio:abstract ?v", "?j a sg:Project ; dcterms:description ?v FILTER(isLiteral(?v))"),
    "project-start": ("?j eurio:startDate ?v", "?j a sg:Project ; sg:startDate ?v"),
    "project-end": ("?j eurio:endDate ?v", "?j a sg:Project ; sg:endDate ?v"),
    "project-acronym": (
        "?j eurio:hasAcronym ?a . ?a a eurio:TitleAcronym ; eurio:shortForm ?v",
        "?j a sg:Project ; skos:altLabel ?v FILTER(isLiteral(?v)) BIND(IRI(CONCAT(STR(?j), '#acronym')) AS ?a)",
    ),
    "role": (
        "?j eurio:hasInvolvedParty ?r . ?r a eurio:Role, ?kind ; eurio:isRoleOf ?who ; eurio:isInvolvedIn ?j",
        "?r a sg:Participation ; sg:inProject ?j ; sg:participant ?who . ?j a sg:Project . "
        "{ ?who a ?c VALUES ?c { {ORG} } BIND(eurio:OrganisationRole AS ?kind) } UNION "
        "{ ?who a ?c VALUES ?c { {PERSON} } BIND(eurio:Role AS ?kind) }",
    ),
    "role-org": (
        "?who a eurio:Organisation ; eurio:legalName ?name",
        "?r a sg:Participation ; sg:inProject ?j ; sg:participant ?who . ?j a sg:Project . "
        "?who a ?c VALUES ?c { {ORG} } OPTIONAL { { ?who rdfs:label ?name } UNION { ?who skos:prefLabel ?name } "
        "FILTER(isLiteral(?name)) }",
    ),
    "role-label": (
        "?r eurio:roleLabel ?v",
        "?r a sg:Participation ; sg:inProject ?j ; sg:participant ?who ; sg:participationRole ?role . "
        "?j a sg:Project . ?who a ?c VALUES ?c { {ORG} {PERSON} } "
        "OPTIONAL { ?role skos:prefLabel ?en FILTER(langMatches(lang(?en), 'en')) } "
        "BIND(COALESCE(STR(?en), REPLACE(STR(?role), '^.*[/#]', '')) AS ?v)",
    ),
    "role-contribution": (
        "?r eurio:isRecipientOf ?pay . ?pay a eurio:GrantPayment ; eurio:hasPaymentAmount ?amount . "
        "?amount a eurio:MonetaryAmount ; eurio:value ?v",
        "?r a sg:Participation ; sg:inProject ?j ; sg:participant ?who ; sg:contribution ?k . ?j a sg:Project . "
        "?who a ?c VALUES ?c { {ORG} {PERSON} } BIND(xsd:decimal(?k) AS ?v) "
        "BIND(IRI(CONCAT(STR(?r), '#payment')) AS ?pay) BIND(IRI(CONCAT(STR(?r), '#amount')) AS ?amount)",
    ),
}
"""Rule name -> (CONSTRUCT template, WHERE pattern). docs/exports.md has the same mapping as a table."""


@dataclass
class ProfileStats:
    """What a profile held and what was written."""

    triples: int = 0
    nodes: int = 0
    bytes: int = 0
    checks: int = 0
    per_rule: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Classes:
    """Our classes (subclasses included) that map to people, organisations and fields, and the
    schema.org types our organisation classes are aligned with."""

    person: tuple[str, ...]
    org: tuple[str, ...]
    field: tuple[str, ...]
    org_types: tuple[tuple[str, str], ...]

    @classmethod
    def from_ontology(cls, ontology: Path) -> Classes:
        """Read ``rdfs:subClassOf`` from the ontology file (the store need not hold it)."""
        if not ontology.is_file():
            raise InputError(
                "the ontology file is missing (the partner profile maps its classes)",
                context=ErrorContext(file=str(ontology), expected="STIGRAPH_ONTOLOGY_DIR holding stigraph.ttl"),
            )
        with ontology.open("rb") as fh:
            axioms = [q for q in parse(fh, format=RdfFormat.TURTLE) if q.predicate.value.endswith("#subClassOf")]
        below = subclass_closure(axioms)

        def closure(c: str) -> tuple[str, ...]:
            return tuple(sorted({c} | below.get(c, set())))

        org = closure(SG + "Organization")
        org_types = tuple(
            sorted(
                (sub, SCHEMA + t)
                for t in SCHEMA_TYPES
                if t != "Organization"
                for sub in below.get(SCHEMA + t, set())
                if sub in org
            )
        )
        return cls(
            person=closure(SG + "Person"),
            org=org,
            field=closure(SG + "Field"),
            org_types=org_types,
        )

    def sparql(self, where: str) -> str:
        values = {
            # the fields some person of the scope works in, each once (people share fields)
            "{KNOWN_FIELDS}": "{ SELECT DISTINCT ?f WHERE { ?p a ?c VALUES ?c { {PERSON} } ?p sg:researchField ?f . "
            "?f a ?fc VALUES ?fc { {FIELD} } } }",
            "{PERSON}": " ".join(f"<{c}>" for c in self.person),
            "{ORG}": " ".join(f"<{c}>" for c in self.org),
            "{FIELD}": " ".join(f"<{c}>" for c in self.field),
            "{ORG_TYPES}": " ".join(f"(<{a}> <{b}>)" for a, b in self.org_types) or "(<urn:none> <urn:none>)",
        }
        for key, value in values.items():
            where = where.replace(key, value)
        return where


def construct_queries(classes: Classes) -> dict[str, str]:
    """The SPARQL of every rule, ready to run over a scope."""
    out = {}
    for name, (template, where) in _RULES.items():
        pattern = classes.sparql(where)
        variables = sorted({tok.rstrip(".;,") for tok in template.split() if tok.startswith("?")})
        out[name] = (
            _PREFIXES + f"CONSTRUCT {{ {template} }} WHERE {{ SELECT DISTINCT {' '.join(variables)} "
            f"WHERE {{ {pattern} }} }}"
        )
    return out


def stage_profile(view: ScopeView, classes: Classes, staging: StagingArea) -> ProfileStats:
    """Run every rule over the scope and put the resulting triples in ``staging``'s raw graph."""
    stats = ProfileStats()
    for name, sparql in construct_queries(classes).items():
        result = view.query(sparql)
        assert is_triples(result), "a CONSTRUCT answers triples"
        n = 0

        def quads(triples: Iterable[Triple]) -> Iterator[Quad]:
            nonlocal n
            for t in triples:
                n += 1
                yield Quad(t.subject, t.predicate, t.object, RAW_GRAPH)

        staging.extend(quads(result))
        stats.per_rule[name] = n
    stats.triples = staging.count(RAW_GRAPH)
    return stats


class PartnerProfile:
    """Builds, checks and writes the partner profile of one scope."""

    def __init__(self, classes: Classes, validator: ClosedValidator, *, staging_dir: Path | None = None) -> None:
        self.classes = classes
        self.validator = validator
        self.staging_dir = staging_dir
        """A directory for an on-disk staging area (big stores); None: in memory."""

    @classmethod
    def from_dirs(cls, shapes_dir: Path, ontology_dir: Path, *, staging_dir: Path | None = None) -> PartnerProfile:
        """Classes from ``ontology_dir/stigraph.ttl``, closed shapes from ``shapes_dir/partner/``."""
        return cls(
            Classes.from_ontology(ontology_dir / "stigraph.ttl"),
            ClosedValidator.from_dir(shapes_dir / "partner"),
            staging_dir=staging_dir,
        )

    def write(
        self,
        view: ScopeView,
        sink: IO[bytes],
        *,
        tamper: Iterator[Quad] | None = None,
    ) -> ProfileStats:
        """Stage the profile, require it to conform, then write it as JSON-LD to ``sink``.

        Nothing reaches ``sink`` unless the whole profile conforms (:class:`ValidationFailed`
        otherwise). ``tamper`` adds quads to the staged profile before the check: the tests use
        it to prove that a profile carrying something the shapes do not allow is refused.
        """
        scratch = Path(tempfile.mkdtemp(prefix="profile-", dir=self.staging_dir)) if self.staging_dir else None
        staging = StagingArea(scratch)
        try:
            stats = stage_profile(view, self.classes, staging)
            if tamper is not None:
                staging.extend(Quad(q.subject, q.predicate, q.object, RAW_GRAPH) for q in tamper)
                stats.triples = staging.count(RAW_GRAPH)
            report = self.validator.require(staging, f"the partner profile of the {view.scope} scope")
            stats.checks = report.checks
            stats.nodes, stats.bytes = write_jsonld(staging, sink, CONTEXT)
            return stats
        finally:
            staging.close()
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)


def profile_iri(scope: str) -> NamedNode:
    return NamedNode(f"{PROFILE_IRI}#{scope}")
