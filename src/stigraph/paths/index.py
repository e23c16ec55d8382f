"""The graph index pathfinding runs on: people, organisations, projects, programmes, fields and
missions as integer ids, typed weighted edges in compressed sparse rows, and for every edge the
evidence that explains it in words.

Built once per scope and store generation from the graphs that scope may read, so a person who
is not public is not in the public index at all; nodes that reconciliation found to be one
entity (``owl:sameAs``) are one node here. Building scans the store's predicate index once per
property and joins in memory; a request never builds (see :mod:`stigraph.paths.indexes`).

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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyoxigraph import NamedNode

from stigraph.namespaces import DCTERMS, OWL, RDF, RDFS, SCHEMA, SG, SKOS, Minter
from stigraph.scopes import Scope, scope_graphs
from stigraph.search.index import NameIndex
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
    names: NameIndex = field(default_factory=NameIndex)  # every name of every node, for search
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
        self.names = NameIndex()

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


def _span(ev: Evidence, year: int | None) -> None:
    if year is None:
        return
    ev.first_year = year if ev.first_year is None else min(ev.first_year, year)
    ev.last_year = year if ev.last_year is None else max(ev.last_year, year)


class _Scan:
    """Quads by predicate from the scope's graphs, as (subject, object) value strings."""

    def __init__(self, store: GraphStore, graphs: list[NamedNode]) -> None:
        self.store, self.graphs = store, graphs

    def pairs(self, predicate: str) -> Iterator[tuple[str, str]]:
        for q in self.store.match(NamedNode(predicate), self.graphs):
            yield q.subject.value, q.object.value

    def terms(self, predicate: str) -> Iterator[tuple[str, Any]]:
        for q in self.store.match(NamedNode(predicate), self.graphs):
            yield q.subject.value, q.object

    def dict(self, predicate: str) -> dict[str, str]:
        return dict(self.pairs(predicate))

    def typed(self, cls: str) -> Iterator[str]:
        """Subjects of ``rdf:type cls`` (one class at a time: scanning every type statement
        would also read the hundreds of thousands of authorships and positions)."""
        for q in self.store.match(NamedNode(RDF + "type"), self.graphs, obj=NamedNode(cls)):
            yield q.subject.value


# Which kind a node typed with several classes is: the most specific first (a mission is also an
# organisation; a committee is an organisation too, but one its members sit on).
_KIND_ORDER = (
    ("mission", "DiplomaticMission"),
    ("person", "Person"),
    ("organization", "Organization"),
    ("project", "Project"),
    ("programme", "Programme"),
    ("field", "Field"),
)


def build_index(store: GraphStore, minter: Minter, scope: Scope, classes: dict[str, set[str]]) -> GraphIndex:
    """The index of what ``scope`` may see in the store's current generation."""
    start = time.perf_counter()
    generation = store.generation
    scan = _Scan(store, scope_graphs(store, minter, scope))
    b = _Builder()
    _same_as(b, scan)
    kind_of_class: dict[str, int] = {}
    for rank, (_, top) in reversed(list(enumerate(_KIND_ORDER))):
        for c in (SG + top, *classes.get(SG + top, ())):
            kind_of_class[c] = rank
    kinds: dict[str, int] = {}
    committee_classes = {SG + "Committee", *classes.get(SG + "Committee", ())}
    publication_classes = {SG + "Publication", *classes.get(SG + "Publication", ())}
    for cls, rank in kind_of_class.items():
        for s in scan.typed(cls):
            if s not in kinds or rank < kinds[s]:
                kinds[s] = rank
    committees = {s for c in committee_classes for s in scan.typed(c)}
    publications = {s for c in publication_classes for s in scan.typed(c)}
    names: dict[str, set[str]] = {}
    labels = _labels(scan, kinds.keys() | publications, names)
    for iri, rank in kinds.items():
        if b.known(iri) is None:
            b.node(iri, _KIND_ORDER[rank][0], labels.get(iri))
    for iri, texts in names.items():
        node = b.known(iri)
        if node is not None:
            for text in texts:
                b.names.add(node, text)
    _coauthorship(b, scan, labels)
    _positions(b, scan, committees)
    _projects(b, scan)
    _fields(b, scan)
    _missions(b, scan)
    return _freeze(b, scope, generation, time.perf_counter() - start)


def _labels(scan: _Scan, wanted: Any, names: dict[str, set[str]] | None = None) -> dict[str, str]:
    """One label per node: English first, then Japanese, then any. ``names`` collects every
    name (labels and alternative labels, all languages) for the name search."""
    rank = {"en": 0, "ja": 1}
    best: dict[str, tuple[int, str]] = {}
    for prop in (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel"):
        for s, o in scan.terms(prop):
            if s not in wanted:
                continue
            if names is not None:
                names.setdefault(s, set()).add(o.value)
            if prop == SKOS + "altLabel":
                continue
            r = rank.get(getattr(o, "language", None) or "", 2)
            kept = best.get(s)
            if kept is None or r < kept[0]:
                best[s] = (r, o.value)
    return {iri: text for iri, (_, text) in best.items()}


def _same_as(b: _Builder, scan: _Scan) -> None:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, o in scan.terms(OWL + "sameAs"):
        if isinstance(o, NamedNode):
            ra, rb = find(a), find(o.value)
            if ra != rb:
                parent[ra] = rb
    b.canonical = {x: find(x) for x in parent}


def _coauthorship(b: _Builder, scan: _Scan, labels: dict[str, str]) -> None:
    author = scan.dict(SG + "author")
    authors: dict[str, list[int]] = {}
    for authorship, pub in scan.pairs(SG + "publication"):
        person = author.get(authorship)
        p = b.known(person) if person is not None else None
        if p is not None:
            authors.setdefault(pub, []).append(p)
    del author
    issued = {s: _year(o) for s, o in scan.pairs(DCTERMS + "issued") if s in authors}
    for pub, people in authors.items():
        people = sorted(set(people))
        if len(people) < 2 or len(people) > MAX_AUTHORS:
            continue
        title, year = labels.get(pub), issued.get(pub)
        for i, u in enumerate(people):
            for v in people[i + 1 :]:
                ev = b.edge(u, v, "coauthor")
                ev.papers += 1
                _span(ev, year)
                if ev.example is None or (year is not None and year == ev.last_year):
                    ev.example, ev.source = title, pub
    summaries: dict[str, list[str]] = {}
    for c, p in scan.pairs(SG + "coAuthor"):
        summaries.setdefault(c, []).append(p)
    if not summaries:
        return
    count, first, last = scan.dict(SG + "paperCount"), scan.dict(SG + "firstYear"), scan.dict(SG + "lastYear")
    for c, people in summaries.items():
        known = sorted({k for k in (b.known(p) for p in people) if k is not None})
        if len(known) != 2:
            continue
        ev = b.edge(known[0], known[1], "coauthor")
        ev.papers = max(ev.papers, int(count[c]) if c in count else 1)
        _span(ev, _year(first.get(c)))
        _span(ev, _year(last.get(c)))
        ev.source = ev.source or c


def _positions(b: _Builder, scan: _Scan, committees: set[str]) -> None:
    holder = scan.dict(SG + "holder")
    starts, ends = scan.dict(SG + "startDate"), scan.dict(SG + "endDate")
    titles = {s: o.value for s, o in scan.terms(SG + "title")}
    for pos, org in scan.pairs(SG + "organization"):
        person = holder.get(pos)
        p = b.known(person) if person is not None else None
        o = b.known(org)
        if p is None or o is None:
            continue
        ev = b.edge(p, o, "board" if org in committees else "affiliation")
        start, end, title = starts.get(pos), ends.get(pos), titles.get(pos)
        _span(ev, _year(start))
        _span(ev, _year(end))
        if end is None and start is not None:
            ev.example = ev.example or "current"
        if title is not None and (ev.example is None or ev.example == "current"):
            ev.example = title if end is not None else f"{title}, current"
        ev.source = ev.source or pos


def _projects(b: _Builder, scan: _Scan) -> None:
    participant = scan.dict(SG + "participant")
    for x, proj in scan.pairs(SG + "inProject"):
        who = participant.get(x)
        w, p = (b.known(who) if who is not None else None), b.known(proj)
        if w is not None and p is not None:
            b.edge(w, p, "project").source = x
    for proj, prog in scan.pairs(SG + "fundedBy"):
        p, g = b.known(proj), b.known(prog)
        if p is not None and g is not None:
            b.edge(p, g, "programme")


def _fields(b: _Builder, scan: _Scan) -> None:
    person = KINDS.index("person")
    for s, f in scan.pairs(SG + "researchField"):
        p, n = b.known(s), b.known(f)
        if p is not None and n is not None and b.kinds[p] == person:
            b.edge(p, n, "field")


def _missions(b: _Builder, scan: _Scan) -> None:
    """Organisations in a mission's jurisdiction (their city or country, or a place inside one
    of its places), and people on a PI list the mission published."""
    inside: dict[str, set[str]] = {}
    for place, container in scan.pairs(SCHEMA + "containedInPlace"):
        inside.setdefault(container, set()).add(place)
    jurisdiction: dict[str, list[int]] = {}
    for mission, top in scan.pairs(SG + "jurisdiction"):
        m = b.known(mission)
        if m is None:
            continue
        todo, seen = [top], {top}
        while todo:
            place = todo.pop()
            jurisdiction.setdefault(place, []).append(m)
            for inner in inside.get(place, ()):
                if inner not in seen:
                    seen.add(inner)
                    todo.append(inner)
    organization = KINDS.index("organization")
    for prop in (SG + "country", SG + "city"):
        for s, place in scan.pairs(prop):
            o = b.known(s)
            if o is None or b.kinds[o] != organization:
                continue
            b.places.setdefault(o, set()).add(place)
            for m in jurisdiction.get(place, ()):
                b.edge(o, m, "mission")
    publisher = scan.dict(SG + "publishedBy")
    person = KINDS.index("person")
    for s, lst in scan.pairs(SG + "listedIn"):
        mission = publisher.get(lst)
        p, m = b.known(s), (b.known(mission) if mission is not None else None)
        if p is not None and m is not None and b.kinds[p] == person:
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
        names=b.names.freeze(),
    )
    for alias, canon in b.canonical.items():
        if canon in index.ids:
            index.ids.setdefault(alias, index.ids[canon])
    index.build_seconds = seconds
    return index
