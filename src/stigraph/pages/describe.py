"""What a page about one entity shows, gathered with a few bounded SPARQL queries.

Every query binds the entity as ``?s`` (never pasted into the text) and runs in the caller's
scope, on the union of the graphs that scope may read: a page can only show what the same
caller could have asked ``/sparql`` for. Each query carries a LIMIT, so a hub (a country with
100k researchers) makes a long page, never an unbounded one. Facts keep the graph they came
from, which names their source and its load date.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Literal, NamedNode

from stigraph.namespaces import RDF

Term = Any
Rows = list[dict[str, Term]]
Ask = Callable[[str, NamedNode], Awaitable[Rows]]
"""Runs a SELECT with ``?s`` bound to the entity, in the caller's scope."""

PREFIXES = """PREFIX sg: <https://w3id.org/stigraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""
MAX_FACTS = 2000
MAX_INBOUND = 1000
MAX_ROWS = 500

FACTS = (
    PREFIXES
    + f"""SELECT ?s ?g ?p ?o ?plabel ?olabel WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  OPTIONAL {{ ?p rdfs:label ?plabel }}
  OPTIONAL {{ ?o rdfs:label|skos:prefLabel ?olabel }}
}} LIMIT {MAX_FACTS}"""
)
INBOUND = (
    PREFIXES
    + f"""SELECT ?s ?g ?x ?p ?plabel ?xlabel WHERE {{
  {{ SELECT ?s ?g ?x ?p WHERE {{ GRAPH ?g {{ ?x ?p ?s }} }} LIMIT {MAX_INBOUND} }}
  OPTIONAL {{ ?p rdfs:label ?plabel }}
  OPTIONAL {{ ?x rdfs:label|skos:prefLabel ?xlabel }}
}}"""
)


def _positions(anchor: str) -> str:
    """Positions found by ``anchor``, which binds ``?g``, ``?pos``, the other end as ``?org``
    (the organisation on a person's page, the person on an organisation's) and its names as
    ``?orglabel``, nested where ``?org`` is bound: an OPTIONAL over a variable that may be
    unbound would join every labelled node in the store. With the role, title and period."""
    return (
        PREFIXES
        + f"""SELECT ?s ?g ?pos ?org ?orglabel ?rolelabel ?title ?start ?end WHERE {{
  {anchor}
  OPTIONAL {{ ?pos sg:role/(rdfs:label|skos:prefLabel) ?rolelabel }}
  OPTIONAL {{ ?pos sg:title ?title }}
  OPTIONAL {{ ?pos sg:startDate ?start }}
  OPTIONAL {{ ?pos sg:endDate ?end }}
}} LIMIT {MAX_ROWS}"""
    )


AFFILIATIONS = _positions(
    "GRAPH ?g { ?pos sg:holder ?s } OPTIONAL { ?pos sg:organization ?org OPTIONAL { ?org rdfs:label ?orglabel } }"
)
MEMBERS = _positions(
    "GRAPH ?g { ?pos sg:organization ?s } ?pos sg:holder ?org . OPTIONAL { ?org rdfs:label ?orglabel }"
)

COAUTHORS = (
    PREFIXES
    + """SELECT ?s ?other ?papers ?first ?last ?example ?label WHERE {
  { SELECT ?s ?other (COUNT(DISTINCT ?pub) AS ?papers) (MIN(STR(?issued)) AS ?first) (MAX(STR(?issued)) AS ?last)
           (SAMPLE(?title) AS ?example) WHERE {
      ?a sg:author ?s ; sg:publication ?pub .
      ?b sg:publication ?pub ; sg:author ?other .
      FILTER(?other != ?s)
      OPTIONAL { ?pub dcterms:issued ?issued }
      OPTIONAL { ?pub rdfs:label|dcterms:title ?title }
    } GROUP BY ?s ?other ORDER BY DESC(?papers) LIMIT 50 }
  OPTIONAL { ?other rdfs:label ?label }
}"""
)
COAUTHOR_SUMMARIES = (
    PREFIXES
    + """SELECT ?s ?other ?papers ?first ?last ?label WHERE {
  { SELECT ?s ?other ?papers ?first ?last WHERE {
      ?c sg:coAuthor ?s , ?other .
      FILTER(?other != ?s)
      OPTIONAL { ?c sg:paperCount ?papers }
      OPTIONAL { ?c sg:firstYear ?first }
      OPTIONAL { ?c sg:lastYear ?last }
    } LIMIT 50 }
  OPTIONAL { ?other rdfs:label ?label }
}"""
)
MISSIONS = (
    PREFIXES
    + """SELECT ?s ?m ?label WHERE {
  { SELECT DISTINCT ?s ?m WHERE {
      { ?s sg:listedIn/sg:publishedBy ?m }
      UNION
      { ?pos sg:holder ?s ; sg:organization ?org . ?org sg:country|sg:city ?place .
        ?place schema:containedInPlace* ?top . ?m sg:jurisdiction ?top }
      UNION
      { ?s sg:country|sg:city ?place . ?place schema:containedInPlace* ?top . ?m sg:jurisdiction ?top }
    } LIMIT 50 }
  OPTIONAL { ?m rdfs:label|skos:prefLabel ?label }
}"""
)
PROGRAMMES = (
    PREFIXES
    + f"""SELECT DISTINCT ?s ?project ?projectlabel ?programme ?programmelabel WHERE {{
  {{ ?x sg:participant ?s ; sg:inProject ?project .
     OPTIONAL {{ ?project rdfs:label ?projectlabel }}
     OPTIONAL {{ ?project sg:fundedBy ?programme
                OPTIONAL {{ ?programme rdfs:label|skos:prefLabel ?programmelabel }} }} }}
  UNION
  {{ ?s sg:participatesIn ?programme OPTIONAL {{ ?programme rdfs:label|skos:prefLabel ?programmelabel }} }}
}} LIMIT {MAX_ROWS}"""
)
"""Each section's query returns the names of the nodes it lists (one row per name), nested
where the node is bound, so a page costs one query per section, not one per listed node."""


@dataclass
class Labelled:
    """A node or a value and its names per language ("" for a literal without one)."""

    term: Term
    labels: dict[str, str] = field(default_factory=dict)

    def add(self, label: Term | None) -> None:
        if isinstance(label, Literal):
            self.labels.setdefault(label.language or "", label.value)

    @property
    def iri(self) -> str | None:
        return self.term.value if isinstance(self.term, NamedNode) else None


@dataclass
class Fact:
    predicate: Labelled
    value: Labelled
    graph: str


@dataclass
class Affiliation:
    node: str
    graph: str
    other: Labelled | None = None  # the organisation (on a person's page) or the person (an organisation's)
    role: Labelled = field(default_factory=lambda: Labelled(None))
    title: Labelled = field(default_factory=lambda: Labelled(None))
    start: str | None = None
    end: str | None = None


@dataclass
class CoAuthor:
    person: Labelled
    papers: int
    first: str | None
    last: str | None
    example: str | None = None


@dataclass
class EntityView:
    iri: str
    kind: str
    labels: Labelled
    types: list[Labelled] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    inbound: list[Fact] = field(default_factory=list)  # value = the node that points here
    affiliations: list[Affiliation] = field(default_factory=list)
    members: list[Affiliation] = field(default_factory=list)
    coauthors: list[CoAuthor] = field(default_factory=list)
    missions: list[Labelled] = field(default_factory=list)
    projects: list[Labelled] = field(default_factory=list)
    programmes: list[Labelled] = field(default_factory=list)
    truncated: bool = False

    @property
    def graphs(self) -> set[str]:
        out = {f.graph for f in self.facts} | {f.graph for f in self.inbound}
        return out | {a.graph for a in self.affiliations} | {a.graph for a in self.members}


def _facts(rows: Rows, subject_key: str, label_key: str) -> list[Fact]:
    """Rows with one label language each, folded into one fact per (graph, predicate, value)."""
    facts: dict[tuple[str, str, Any], Fact] = {}
    for row in rows:
        key = (row["g"].value, row["p"].value, row[subject_key])
        fact = facts.get(key)
        if fact is None:
            fact = facts[key] = Fact(Labelled(row["p"]), Labelled(row[subject_key]), row["g"].value)
        fact.predicate.add(row.get("plabel"))
        fact.value.add(row.get(label_key))
    return list(facts.values())


def _affiliations(rows: Rows) -> list[Affiliation]:
    out: dict[str, Affiliation] = {}
    for row in rows:
        pos = row["pos"].value
        a = out.get(pos)
        if a is None:
            a = out[pos] = Affiliation(pos, row["g"].value)
            a.other = Labelled(row["org"]) if row.get("org") is not None else None
            a.start = row["start"].value if row.get("start") is not None else None
            a.end = row["end"].value if row.get("end") is not None else None
        if a.other is not None:
            a.other.add(row.get("orglabel"))
        a.role.add(row.get("rolelabel"))
        a.title.add(row.get("title"))
    return sorted(out.values(), key=lambda a: (a.end is None and a.start is None, a.start or "", a.end or ""))


def _collect(rows: Rows, key: str, label_key: str) -> list[Labelled]:
    """The distinct nodes of a column, in order, each with its names from the rows."""
    found: dict[str, Labelled] = {}
    for row in rows:
        node = row.get(key)
        if node is not None:
            found.setdefault(node.value, Labelled(node)).add(row.get(label_key))
    return list(found.values())


def _int(term: Term | None) -> int:
    try:
        return int(term.value) if term is not None else 0
    except ValueError:
        return 0


async def describe(ask: Ask, iri: NamedNode, kind: str, *, sections: bool = True) -> EntityView | None:
    """The entity's view, or None when the caller's scope holds nothing about it; without
    ``sections`` only its own triples (what an RDF answer holds), not the page's tables."""
    facts = _facts(await ask(FACTS, iri), "o", "olabel")
    inbound = _facts(await ask(INBOUND, iri), "x", "xlabel")
    if not facts and not inbound:
        return None
    labels = Labelled(iri)
    types: dict[str, Labelled] = {}
    for f in facts:
        if f.predicate.iri and f.predicate.iri.endswith(("#label", "#prefLabel")):
            labels.add(f.value.term)
        if f.predicate.iri == RDF + "type" and f.value.iri:
            types.setdefault(f.value.iri, f.value)
    view = EntityView(
        iri.value,
        kind,
        labels,
        list(types.values()),
        facts,
        inbound,
        truncated=len(facts) >= MAX_FACTS or len(inbound) >= MAX_INBOUND,
    )
    if not sections:
        return view
    if kind == "person":
        view.affiliations = _affiliations(await ask(AFFILIATIONS, iri))
        view.coauthors = await _coauthors(ask, iri)
    if kind in ("org", "committee"):
        view.members = _affiliations(await ask(MEMBERS, iri))
    if kind in ("person", "org"):
        view.missions = _collect(await ask(MISSIONS, iri), "m", "label")
        rows = await ask(PROGRAMMES, iri)
        view.projects = _collect(rows, "project", "projectlabel")
        view.programmes = _collect(rows, "programme", "programmelabel")
    return view


async def _coauthors(ask: Ask, iri: NamedNode) -> list[CoAuthor]:
    found: dict[str, CoAuthor] = {}
    for row in await ask(COAUTHORS, iri):
        other = row["other"].value
        if other not in found:
            found[other] = CoAuthor(
                Labelled(row["other"]),
                _int(row.get("papers")),
                row["first"].value[:4] if row.get("first") is not None else None,
                row["last"].value[:4] if row.get("last") is not None else None,
                row["example"].value if row.get("example") is not None else None,
            )
        found[other].person.add(row.get("label"))
    summarised: set[str] = set()
    for row in await ask(COAUTHOR_SUMMARIES, iri):
        other = row["other"].value
        if other not in found:
            summarised.add(other)
            found[other] = CoAuthor(
                Labelled(row["other"]),
                _int(row.get("papers")) or 1,
                row["first"].value if row.get("first") is not None else None,
                row["last"].value if row.get("last") is not None else None,
            )
        if other in summarised:
            found[other].person.add(row.get("label"))
    return sorted(found.values(), key=lambda c: -c.papers)[:50]
