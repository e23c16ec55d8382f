"""The graph index pathfinding runs on: people, organisations, projects, programmes, fields and
missions as integer ids, typed weighted edges in compressed sparse rows, and for every edge the
evidence that explains it in words.

Built once per scope and store generation from the graphs that scope may read, so a person who
is not public is not in the public index at all; nodes that reconciliation found to be one
entity (``owl:sameAs``) are one node here. Building costs a few SPARQL scans; a request never
builds (see :mod:`stigraph.paths.service`).

Edges and their costs (lower is closer; a path's cost is the sum):

- ``coauthor`` person-person, from authorships of one publication (papers with more than
  ``MAX_AUTHORS`` authors are left out: a 3,000-author paper says nothing about who knows whom)
  and from ``sg:CoAuthorship`` summaries; cost falls with the number of papers;
- ``affiliation`` person-organisation (a position, with its years), ``board`` person-committee;
- ``project`` person or organisation-project (participation), ``programme`` project-programme;
- ``field`` person-field; ``mission`` organisation-mission whose jurisdiction holds the
  organisation's city or country, and person-mission for a PI list the mission publishes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyoxigraph import QuerySolutions

from stigraph.namespaces import DCTERMS, OWL, RDF, RDFS, SCHEMA, SG, Minter
from stigraph.scopes import Scope, scope_graphs
from stigraph.store.base import GraphStore

KINDS = ("person", "organization", "project", "programme", "field", "mission")
EDGE_TYPES = ("coauthor", "affiliation", "board", "project", "programme", "field", "mission")
BASE_COST = {
    "coauthor": 1.0,
    "affiliation": 1.0,  # per half: two colleagues are 2.0 apart
    "board": 1.0,
    "project": 1.5,
    "programme": 2.0,
    "field": 3.0,
    "mission": 2.0,
}
MAX_AUTHORS = 100


@dataclass
class Evidence:
    """Why an edge exists: what a sentence explaining it needs."""

    type: str
    papers: int = 0
    first_year: int | None = None
    last_year: int | None = None
    example: str | None = None  # a publication title, or the position's title
    source: str | None = None  # IRI of a publication, position or participation


@dataclass(eq=False)  # compared and hashed by identity: caches key on the index object
class GraphIndex:
    scope: str
    generation: int
    iris: list[str]
    kinds: np.ndarray  # int8, index into KINDS
    labels: list[str]
    indptr: np.ndarray  # int64, CSR over both directions of every edge
    indices: np.ndarray  # int32, neighbour
    edge_type: np.ndarray  # int8, index into EDGE_TYPES
    cost: np.ndarray  # float64
    edge: np.ndarray  # int32, index into evidence (both directions share one)
    evidence: list[Evidence]
    ids: dict[str, int] = field(default_factory=dict)
    places: dict[int, set[str]] = field(default_factory=dict)  # organisation -> country and city IRIs
    build_seconds: float = 0.0

    def id_of(self, iri: str) -> int | None:
        return self.ids.get(iri)

    def iri_of(self, node: int) -> str:
        return self.iris[node]

    def kind_of(self, node: int) -> str:
        return KINDS[int(self.kinds[node])]

    @property
    def node_count(self) -> int:
        return len(self.iris)

    @property
    def edge_count(self) -> int:
        return len(self.evidence)

    def type_mask(self, edge_types: Iterable[str] | None) -> np.ndarray | None:
        """Which edge-type codes a search may use (None: all)."""
        if edge_types is None:
            return None
        mask = np.zeros(len(EDGE_TYPES), dtype=bool)
        for t in edge_types:
            mask[EDGE_TYPES.index(t)] = True
        return mask

    def memory_bytes(self) -> int:
        arrays = (self.kinds, self.indptr, self.indices, self.edge_type, self.cost, self.edge)
        return sum(a.nbytes for a in arrays)


class _Builder:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.iris: list[str] = []
        self.kinds: list[int] = []
        self.labels: list[str] = []
        self.edges: dict[tuple[int, int, int], int] = {}  # (u, v, type) with u < v -> evidence row
        self.evidence: list[Evidence] = []
        self.canonical: dict[str, str] = {}
        self.places: dict[int, set[str]] = {}

    def node(self, iri: str, kind: str, label: str | None = None) -> int:
        iri = self.canonical.get(iri, iri)
        found = self.ids.get(iri)
        if found is None:
            found = self.ids[iri] = len(self.iris)
            self.iris.append(iri)
            self.kinds.append(KINDS.index(kind))
            self.labels.append(label or iri.rsplit("/", 1)[-1])
        elif label and self.labels[found] == iri.rsplit("/", 1)[-1]:
            self.labels[found] = label
        return found

    def known(self, iri: str) -> int | None:
        return self.ids.get(self.canonical.get(iri, iri))

    def edge(self, u: int, v: int, type_: str) -> Evidence:
        if u == v:
            return Evidence(type_)  # a node merged with itself by reconciliation: no edge
        a, b = (u, v) if u < v else (v, u)
        key = (a, b, EDGE_TYPES.index(type_))
        row = self.edges.get(key)
        if row is None:
            row = self.edges[key] = len(self.evidence)
            self.evidence.append(Evidence(type_))
        return self.evidence[row]


def _cost(ev: Evidence) -> float:
    base = BASE_COST[ev.type]
    if ev.type == "coauthor":
        return base / (1.0 + math.log(max(ev.papers, 1)))  # 1 paper 1.0, 3 papers 0.48, 10 papers 0.30
    return base


def _year(text: str | None) -> int | None:
    if not text or len(text) < 4 or not text[:4].isdigit():
        return None
    return int(text[:4])


def _text(row: Any, key: str) -> str | None:
    """A row's value as text, None when the variable is unbound (OPTIONAL)."""
    term = row[key]
    return term.value if term is not None else None


def _span(ev: Evidence, year: int | None) -> None:
    if year is None:
        return
    ev.first_year = year if ev.first_year is None else min(ev.first_year, year)
    ev.last_year = year if ev.last_year is None else max(ev.last_year, year)


def build_index(store: GraphStore, minter: Minter, scope: Scope, classes: dict[str, set[str]]) -> GraphIndex:
    """The index of what ``scope`` may see in the store's current generation."""
    start = time.perf_counter()
    generation = store.generation
    graphs = scope_graphs(store, minter, scope)
    b = _Builder()

    def rows(sparql: str) -> QuerySolutions:
        result = store.query(sparql, default_graph=graphs) if graphs else iter(())
        return result  # type: ignore[return-value]

    def values(*tops: str) -> str:
        members = {c for top in tops for c in (SG + top, *classes.get(SG + top, ()))}
        return " ".join(f"<{c}>" for c in sorted(members))

    _same_as(b, rows)
    labels = _labels(rows, values("Person", "Organization", "Project", "Programme", "Field"))
    for kind, tops in (
        ("person", ("Person",)),
        ("mission", ("DiplomaticMission",)),
        ("organization", ("Organization",)),
        ("project", ("Project",)),
        ("programme", ("Programme",)),
        ("field", ("Field",)),
    ):
        for row in rows(f"SELECT DISTINCT ?n WHERE {{ VALUES ?c {{ {values(*tops)} }} ?n a ?c FILTER(isIRI(?n)) }}"):
            iri = row["n"].value
            if b.known(iri) is None:
                b.node(iri, kind, labels.get(iri))
    _coauthorship(b, rows)
    _positions(b, rows, values("Committee"))
    _projects(b, rows)
    _fields(b, rows)
    _missions(b, rows)
    return _freeze(b, scope, generation, time.perf_counter() - start)


def _labels(rows: Any, types: str) -> dict[str, str]:
    """One label per node: English first, then Japanese, then any."""
    rank = {"en": 0, "ja": 1}
    best: dict[str, tuple[int, str]] = {}
    for row in rows(
        f"SELECT ?n ?l WHERE {{ VALUES ?c {{ {types} }} ?n a ?c . "
        f"{{ ?n <{RDFS}label> ?l }} UNION {{ ?n <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }} }}"
    ):
        lang = getattr(row["l"], "language", None) or ""
        r = rank.get(lang, 2)
        kept = best.get(row["n"].value)
        if kept is None or r < kept[0]:
            best[row["n"].value] = (r, row["l"].value)
    return {iri: text for iri, (_, text) in best.items()}


def _same_as(b: _Builder, rows: Any) -> None:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for row in rows(f"SELECT ?a ?b WHERE {{ ?a <{OWL}sameAs> ?b FILTER(isIRI(?a) && isIRI(?b)) }}"):
        ra, rb = find(row["a"].value), find(row["b"].value)
        if ra != rb:
            parent[ra] = rb
    b.canonical = {x: find(x) for x in parent}


def _coauthorship(b: _Builder, rows: Any) -> None:
    authors: dict[str, list[int]] = {}
    for row in rows(f"SELECT ?pub ?p WHERE {{ ?a <{SG}author> ?p ; <{SG}publication> ?pub }}"):
        p = b.known(row["p"].value)
        if p is not None:
            authors.setdefault(row["pub"].value, []).append(p)
    titles: dict[str, tuple[str | None, int | None]] = {}
    for row in rows(
        f"SELECT ?pub ?t ?d WHERE {{ ?pub a <{SG}Publication> OPTIONAL {{ ?pub <{RDFS}label> ?t }} "
        f"OPTIONAL {{ ?pub <{DCTERMS}issued> ?d }} }}"
    ):
        titles[row["pub"].value] = (_text(row, "t"), _year(_text(row, "d")))
    for pub, people in authors.items():
        people = sorted(set(people))
        if len(people) < 2 or len(people) > MAX_AUTHORS:
            continue
        title, year = titles.get(pub, (None, None))
        for i, u in enumerate(people):
            for v in people[i + 1 :]:
                ev = b.edge(u, v, "coauthor")
                ev.papers += 1
                _span(ev, year)
                if ev.example is None or (year is not None and year == ev.last_year):
                    ev.example, ev.source = title, pub
    for row in rows(
        f"SELECT ?c ?p ?q ?n ?f ?l WHERE {{ ?c <{RDF}type> <{SG}CoAuthorship> ; <{SG}coAuthor> ?p , ?q "
        f"FILTER(STR(?p) < STR(?q)) OPTIONAL {{ ?c <{SG}paperCount> ?n }} "
        f"OPTIONAL {{ ?c <{SG}firstYear> ?f }} OPTIONAL {{ ?c <{SG}lastYear> ?l }} }}"
    ):
        p, q = b.known(row["p"].value), b.known(row["q"].value)
        if p is None or q is None:
            continue
        ev = b.edge(p, q, "coauthor")
        ev.papers = max(ev.papers, int(row["n"].value) if row["n"] else 1)
        _span(ev, _year(_text(row, "f")))
        _span(ev, _year(_text(row, "l")))
        ev.source = ev.source or row["c"].value


def _positions(b: _Builder, rows: Any, committees: str) -> None:
    committee = {r["c"].value for r in rows(f"SELECT ?c WHERE {{ VALUES ?t {{ {committees} }} ?c a ?t }}")}
    for row in rows(
        f"SELECT ?pos ?p ?o ?s ?e ?title WHERE {{ ?pos <{SG}holder> ?p ; <{SG}organization> ?o "
        f"OPTIONAL {{ ?pos <{SG}startDate> ?s }} OPTIONAL {{ ?pos <{SG}endDate> ?e }} "
        f"OPTIONAL {{ ?pos <{SG}title> ?title }} }}"
    ):
        p, o = b.known(row["p"].value), b.known(row["o"].value)
        if p is None or o is None:
            continue
        ev = b.edge(p, o, "board" if row["o"].value in committee else "affiliation")
        _span(ev, _year(_text(row, "s")))
        _span(ev, _year(_text(row, "e")))
        if row["e"] is None and row["s"] is not None:
            ev.example = ev.example or "current"
        if row["title"] is not None and (ev.example is None or ev.example == "current"):
            ev.example = row["title"].value if row["e"] is not None else f"{row['title'].value}, current"
        ev.source = ev.source or row["pos"].value


def _projects(b: _Builder, rows: Any) -> None:
    for row in rows(f"SELECT ?x ?who ?proj WHERE {{ ?x <{SG}participant> ?who ; <{SG}inProject> ?proj }}"):
        who, proj = b.known(row["who"].value), b.known(row["proj"].value)
        if who is not None and proj is not None:
            b.edge(who, proj, "project").source = row["x"].value
    for row in rows(f"SELECT ?proj ?prog WHERE {{ ?proj <{SG}fundedBy> ?prog }}"):
        proj, prog = b.known(row["proj"].value), b.known(row["prog"].value)
        if proj is not None and prog is not None:
            b.edge(proj, prog, "programme")


def _fields(b: _Builder, rows: Any) -> None:
    for row in rows(f"SELECT ?p ?f WHERE {{ ?p <{SG}researchField> ?f }}"):
        p, f = b.known(row["p"].value), b.known(row["f"].value)
        if p is not None and f is not None and b.kinds[p] == KINDS.index("person"):
            b.edge(p, f, "field")


def _missions(b: _Builder, rows: Any) -> None:
    """Organisations in a mission's jurisdiction (their city or country, or a place inside one
    of its places), and people on a PI list the mission published."""
    jurisdiction: dict[str, list[int]] = {}
    for row in rows(
        f"SELECT DISTINCT ?m ?place WHERE {{ ?m <{SG}jurisdiction> ?j . ?place <{SCHEMA}containedInPlace>* ?j }}"
    ):
        m = b.known(row["m"].value)
        if m is not None:
            jurisdiction.setdefault(row["place"].value, []).append(m)
    for row in rows(
        f"SELECT DISTINCT ?o ?place WHERE {{ {{ ?o <{SG}country> ?place }} UNION {{ ?o <{SG}city> ?place }} }}"
    ):
        o = b.known(row["o"].value)
        if o is None or b.kinds[o] != KINDS.index("organization"):
            continue
        b.places.setdefault(o, set()).add(row["place"].value)
        for m in jurisdiction.get(row["place"].value, ()):
            b.edge(o, m, "mission")
    for row in rows(f"SELECT DISTINCT ?p ?m WHERE {{ ?p <{SG}listedIn> ?list . ?list <{SG}publishedBy> ?m }}"):
        p, m = b.known(row["p"].value), b.known(row["m"].value)
        if p is not None and m is not None and b.kinds[p] == KINDS.index("person"):
            b.edge(p, m, "mission").example = "PI list"


def _freeze(b: _Builder, scope: str, generation: int, seconds: float) -> GraphIndex:
    n = len(b.iris)
    m = len(b.edges)
    keys = np.fromiter((k for key in b.edges for k in key), dtype=np.int64, count=3 * m).reshape(m, 3)
    rows = np.fromiter(b.edges.values(), dtype=np.int32, count=m)
    costs = np.fromiter((_cost(ev) for ev in b.evidence), dtype=np.float64, count=len(b.evidence))
    src = np.concatenate([keys[:, 0], keys[:, 1]])
    dst = np.concatenate([keys[:, 1], keys[:, 0]])
    types = np.concatenate([keys[:, 2], keys[:, 2]]).astype(np.int8)
    refs = np.concatenate([rows, rows])
    order = np.lexsort((dst, src))
    src, dst, types, refs = src[order], dst[order], types[order], refs[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    index = GraphIndex(
        scope=scope,
        generation=generation,
        iris=b.iris,
        kinds=np.array(b.kinds, dtype=np.int8),
        labels=b.labels,
        indptr=indptr,
        indices=dst.astype(np.int32),
        edge_type=types,
        cost=costs[refs] if len(refs) else np.zeros(0),
        edge=refs,
        evidence=b.evidence,
        ids=b.ids,
        places=b.places,
    )
    for alias, canon in b.canonical.items():
        if canon in index.ids:
            index.ids.setdefault(alias, index.ids[canon])
    index.build_seconds = seconds
    return index
