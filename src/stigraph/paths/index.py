"""The graph index pathfinding runs on: people, organisations, projects, programmes, fields and
missions as integer ids, typed weighted edges in compressed sparse rows, and for every edge the
evidence that explains it in words.

Built once per scope and store generation from the graphs that scope may read, so a person who
is not public is not in the public index at all; nodes that reconciliation found to be one
entity (``owl:sameAs``) are one node here. Building reads the store one property at a time
(:mod:`stigraph.paths.scan`: TSV from the store's SPARQL engine, in two threads) and joins in
memory, on integer ids; a request never builds (see :mod:`stigraph.paths.indexes`).

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
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np

from stigraph.namespaces import DCTERMS, OWL, RDFS, SCHEMA, SG, SKOS, Minter
from stigraph.paths.scan import Scan, literal, value, values
from stigraph.scopes import Scope, scope_graphs
from stigraph.search.index import NameIndex, tokens
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


class EvidenceTable(Sequence[Evidence]):
    """The evidence of every edge in columns, one row per edge. An :class:`Evidence` is made
    when a row is read: an answer reads a handful, and making 700k objects up front took a
    second of a 100k-researcher build and hundreds of megabytes."""

    def __init__(self) -> None:
        self.type: list[int] = []  # index into EDGE_TYPES
        self.papers: list[int] = []
        self.first_year: list[int | None] = []
        self.last_year: list[int | None] = []
        self.example: list[str | None] = []
        self.source: list[str | None] = []

    def add(self, type_: int) -> int:
        """A new empty row of this edge type; its number."""
        self.type.append(type_)
        self.papers.append(0)
        self.first_year.append(None)
        self.last_year.append(None)
        self.example.append(None)
        self.source.append(None)
        return len(self.type) - 1

    def extend(self, type_: int, count: int) -> None:
        """``count`` new empty rows of this edge type."""
        self.type.extend([type_] * count)
        self.papers.extend([0] * count)
        for column in (self.first_year, self.last_year, self.example, self.source):
            column.extend([None] * count)

    def __len__(self) -> int:
        return len(self.type)

    @overload
    def __getitem__(self, row: int) -> Evidence: ...

    @overload
    def __getitem__(self, row: slice) -> list[Evidence]: ...

    def __getitem__(self, row: int | slice) -> Evidence | list[Evidence]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        return Evidence(
            EDGE_TYPES[self.type[row]],
            self.papers[row],
            self.first_year[row],
            self.last_year[row],
            self.example[row],
            self.source[row],
        )


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
    evidence: Sequence[Evidence]  # an EvidenceTable when built from a store
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
        self.canonical: dict[str, str] = {}
        self.places: dict[int, set[str]] = {}
        self.names = NameIndex()
        # Edges, once every node exists (:meth:`nodes_done`): (u, v, type) with u < v packed
        # into one int -> evidence row, and the ends and type of each row in row order.
        self.lookup: dict[str, int] = {}
        self.edges: dict[int, int] = {}
        self.ends_u: list[int] = []
        self.ends_v: list[int] = []
        self.types: list[int] = []
        self.evidence = EvidenceTable()
        self._n = 0

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

    def nodes_done(self) -> None:
        """No node is added after this: every IRI and alias gets its id in one dict, so that
        the joins look a node up with one ``dict.get`` (the same answer as :meth:`known`)."""
        self.lookup = dict(self.ids)
        for alias, canon in self.canonical.items():
            found = self.ids.get(canon)
            if found is not None:
                self.lookup[alias] = found
        self._n = len(self.iris)

    def add_edges(self, u: np.ndarray, v: np.ndarray, type_: int) -> np.ndarray:
        """New rows for edges not seen yet (``u < v``, distinct pairs), in this order; their
        numbers."""
        first = len(self.evidence)
        count = len(u)
        rows = np.arange(first, first + count)
        self.edges.update(zip(((u * self._n + v) * 8 + type_).tolist(), rows.tolist(), strict=True))
        self.ends_u.extend(u.tolist())
        self.ends_v.extend(v.tolist())
        self.types.extend([type_] * count)
        self.evidence.extend(type_, count)
        return rows

    def edge(self, u: int, v: int, type_: int) -> int:
        """The evidence row of the edge, made on first sight; -1 for a node merged with itself
        by reconciliation (no edge)."""
        if u == v:
            return -1
        a, b = (u, v) if u < v else (v, u)
        key = (a * self._n + b) * 8 + type_
        row = self.edges.get(key)
        if row is None:
            row = self.edges[key] = self.evidence.add(type_)
            self.ends_u.append(a)
            self.ends_v.append(b)
            self.types.append(type_)
        return row


_COAUTHOR, _AFFILIATION, _BOARD, _PROJECT, _PROGRAMME, _FIELD, _MISSION = range(len(EDGE_TYPES))


def _costs(types: np.ndarray, papers: np.ndarray) -> np.ndarray:
    """Each edge's cost: its type's base cost, and for co-authors falling with the number of
    papers (1 paper 1.0, 3 papers 0.48, 10 papers 0.30); computed once per distinct count, with
    the same ``math.log`` as always, so the costs are bit for bit what they were."""
    base = np.array([BASE_COST[t] for t in EDGE_TYPES], dtype=np.float64)
    costs = base[types]
    co = types == _COAUTHOR
    if co.any():
        counts, inverse = np.unique(papers[co], return_inverse=True)
        by_count = np.array([BASE_COST["coauthor"] / (1.0 + math.log(max(int(c), 1))) for c in counts])
        costs[co] = by_count[inverse]
    return costs


def _span(ev: EvidenceTable, row: int, year: int | None) -> None:
    if year is None:
        return
    first, last = ev.first_year[row], ev.last_year[row]
    ev.first_year[row] = year if first is None else min(first, year)
    ev.last_year[row] = year if last is None else max(last, year)


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
_LABELS = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel")
# What a build reads after the types and the labels, in the order it reads them.
_LATER = (
    ("authorships", SG + "author", SG + "publication"),
    ("predicate", DCTERMS + "issued"),
    ("predicate", SG + "coAuthor"),
    *(
        ("predicate", p)
        for p in (
            SG + "holder",
            SG + "startDate",
            SG + "endDate",
            SG + "title",
            SG + "organization",
            SG + "participant",
            SG + "inProject",
            SG + "fundedBy",
            SG + "researchField",
            SCHEMA + "containedInPlace",
            SG + "jurisdiction",
            SG + "country",
            SG + "city",
            SG + "publishedBy",
            SG + "listedIn",
        )
    ),
)


def build_index(store: GraphStore, minter: Minter, scope: Scope, classes: dict[str, set[str]]) -> GraphIndex:
    """The index of what ``scope`` may see in the store's current generation."""
    start = time.perf_counter()
    generation = store.generation
    with Scan(store, scope_graphs(store, minter, scope)) as scan:
        return _build(scan, scope, generation, classes, start)


def _build(scan: Scan, scope: str, generation: int, classes: dict[str, set[str]], start: float) -> GraphIndex:
    kind_of_class: dict[str, int] = {}
    for rank, (_, top) in reversed(list(enumerate(_KIND_ORDER))):
        for c in (SG + top, *classes.get(SG + top, ())):
            kind_of_class[c] = rank
    committee_classes = {SG + "Committee", *classes.get(SG + "Committee", ())}
    publication_classes = {SG + "Publication", *classes.get(SG + "Publication", ())}
    scan.prefetch(
        [
            ("predicate", OWL + "sameAs"),
            *(("class", c) for c in dict.fromkeys([*kind_of_class, *committee_classes, *publication_classes])),
            *(("predicate", p) for p in _LABELS),
            *_LATER,
        ]
    )
    b = _Builder()
    _same_as(b, scan)
    kinds: dict[str, int] = {}
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
    b.nodes_done()
    _add_names(b.names, ((b.lookup[iri], text) for iri, texts in names.items() if iri in b.lookup for text in texts))
    del names
    _coauthorship(b, scan, labels)
    del labels
    _positions(b, scan, committees)
    _projects(b, scan)
    _fields(b, scan)
    _missions(b, scan)
    return _freeze(b, scope, generation, time.perf_counter() - start)


_LETTER = re.compile(r"[A-Za-z]")


def _add_names(index: NameIndex, names: Iterable[tuple[int, str]]) -> None:
    """What ``index.add(node, name)`` does for each name, with the tokens of each word worked
    out once: folding a word costs ~20 µs and the same given names, family names and words of
    organisation names come back thousands of times.

    A name's tokens are those of its whitespace-separated pieces in order: tokenising never
    joins across whitespace (words are runs of letters and digits, and NFKC composes nothing
    with a space), so ``tokens(name)`` is the concatenation of ``tokens(piece)``. A piece of
    ASCII digits and punctuation ("12", "(2019)") has no token (folding keeps letters only), and
    is not folded at all: numbered names ("Paper 1234") would otherwise fold every number once.
    """
    cache: dict[str, list[str]] = {}
    postings = index.postings
    for node, name in names:
        row = len(index.names)
        index.names.append((node, name))
        cut: list[str] = []
        for piece in name.split():
            words = cache.get(piece)
            if words is None:
                words = cache[piece] = [] if piece.isascii() and not _LETTER.search(piece) else tokens(piece)
            cut.extend(words)
        index.row_tokens.append(tuple(cut))
        for t in set(cut):
            rows = postings.get(t)
            if rows is None:
                postings[t] = {row}
            else:
                rows.add(row)


def _labels(scan: Scan, wanted: Any, names: dict[str, set[str]] | None = None) -> dict[str, str]:
    """One label per node: English first, then Japanese, then any. ``names`` collects every
    name (labels and alternative labels, all languages) for the name search."""
    rank = {"en": 0, "ja": 1}
    best: dict[str, tuple[int, str]] = {}
    for prop in _LABELS:
        alternative = prop == SKOS + "altLabel"
        subjects, objects = scan.columns(prop)
        for s, o in zip(values(subjects), objects, strict=True):
            if s not in wanted:
                continue
            text, lang = literal(o) if o[:1] == '"' else (value(o), None)
            if names is not None:
                found = names.get(s)
                if found is None:
                    names[s] = {text}
                else:
                    found.add(text)
            if alternative:
                continue
            r = rank.get(lang or "", 2)
            kept = best.get(s)
            if kept is None or r < kept[0]:
                best[s] = (r, text)
    return {iri: text for iri, (_, text) in best.items()}


def _same_as(b: _Builder, scan: Scan) -> None:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, o in scan.iri_pairs(OWL + "sameAs"):
        ra, rb = find(a), find(o)
        if ra != rb:
            parent[ra] = rb
    b.canonical = {x: find(x) for x in parent}


def _coauthorship(b: _Builder, scan: Scan, labels: dict[str, str]) -> None:
    """Co-author edges from authorships, then from ``sg:CoAuthorship`` summaries.

    The pairs of every publication's authors and each pair's evidence are worked out with
    numpy on integer ids; the rules are those of taking the publications one by one in order
    of first appearance: a pair counts its papers and spans their years, and its example is the
    latest paper (the last one in that order with the latest year; a paper without a title
    gives way to the next one that has one).
    """
    known = b.lookup.get
    numbers: dict[str, int] = {}  # publication -> number, in order of first appearance
    pub_rows: list[int] = []
    people: list[int] = []
    for pub, person in zip(*scan.authorships(SG + "author", SG + "publication"), strict=True):
        p = known(person)
        if p is not None:
            pub_rows.append(numbers.setdefault(pub, len(numbers)))
            people.append(p)
    years_list = [-1] * len(numbers)  # -1: no year
    for s, year in scan.years(DCTERMS + "issued").items():
        number = numbers.get(s)
        if number is not None:
            years_list[number] = -1 if year is None else year
    pubs = list(numbers)
    del numbers
    n = len(b.iris)
    # One row per (publication, author), authors in id order within a publication.
    both = np.unique(np.array(pub_rows, dtype=np.int64) * n + np.array(people, dtype=np.int64))
    del pub_rows, people
    pub, person = both // n, both % n
    size = np.bincount(pub, minlength=len(pubs))
    size = np.where((size >= 2) & (size <= MAX_AUTHORS), size, 0)  # papers left out: no rows
    keep = size[pub] > 0
    pub, person = pub[keep], person[keep]
    first_row = np.cumsum(size) - size
    within = np.arange(len(pub)) - first_row[pub]
    left = size[pub] - within - 1  # authors after this one on the same paper
    us, vs, ps = [], [], []
    for gap in range(1, int(left.max()) + 1 if len(left) else 1):
        rows = np.flatnonzero(left >= gap)
        us.append(person[rows])
        vs.append(person[rows + gap])
        ps.append(pub[rows])
    if not us:
        return _summaries(b, scan)
    u, v, on = np.concatenate(us), np.concatenate(vs), np.concatenate(ps)
    del us, vs, ps, both, pub, person
    # Each pair's papers in the order they were read.
    key = u * n + v
    order = np.lexsort((on, key))
    key, on = key[order], on[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    group = np.repeat(np.arange(len(starts)), ends - starts)
    years = np.array(years_list, dtype=np.int64)[on]
    titled = np.array([labels.get(p) is not None for p in pubs], dtype=bool)[on]
    big = np.iinfo(np.int64).max
    latest = np.maximum.reduceat(years, starts)
    earliest = np.minimum.reduceat(np.where(years >= 0, years, big), starts)
    position = np.arange(len(key))
    # the last paper with the latest year (the first paper when none has a year) ...
    last_latest = np.maximum.reduceat(np.where((years == latest[group]) & (years >= 0), position, -1), starts)
    begin = np.where(last_latest >= 0, last_latest, starts)
    # ... or the first after it with a title (the last paper when none has one)
    titled_after = np.minimum.reduceat(np.where(titled & (position >= begin[group]), position, big), starts)
    example = on[np.where(titled_after < big, titled_after, ends - 1)]
    # Rows in order of first appearance: by first paper, then by pair (as read one by one).
    first_seen = np.lexsort((key[starts], on[starts]))
    pair = key[starts][first_seen]
    rows = b.add_edges(pair // n, pair % n, _COAUTHOR)
    ev = b.evidence
    r0, r1 = int(rows[0]), int(rows[-1]) + 1
    ev.papers[r0:r1] = (ends - starts)[first_seen].tolist()
    ev.first_year[r0:r1] = [None if y == big else y for y in earliest[first_seen].tolist()]
    ev.last_year[r0:r1] = [None if y < 0 else y for y in latest[first_seen].tolist()]
    chosen = example[first_seen].tolist()
    ev.example[r0:r1] = [labels.get(pubs[i]) for i in chosen]
    ev.source[r0:r1] = [pubs[i] for i in chosen]
    _summaries(b, scan)


def _summaries(b: _Builder, scan: Scan) -> None:
    """Co-author edges from ``sg:CoAuthorship`` summaries (or their papers, years and source
    added to the edge the authorships made)."""
    known = b.lookup.get
    ev = b.evidence
    papers, source = ev.papers, ev.source
    summaries: dict[str, list[str]] = {}
    for c, p in scan.pairs(SG + "coAuthor"):
        summaries.setdefault(c, []).append(p)
    if not summaries:
        return
    count, firsts, lasts = scan.dict(SG + "paperCount"), scan.years(SG + "firstYear"), scan.years(SG + "lastYear")
    for c, people in summaries.items():
        ends = sorted({k for k in (known(p) for p in people) if k is not None})
        if len(ends) != 2:
            continue
        row = b.edge(ends[0], ends[1], _COAUTHOR)
        papers[row] = max(papers[row], int(count[c]) if c in count else 1)
        _span(ev, row, firsts.get(c))
        _span(ev, row, lasts.get(c))
        source[row] = source[row] or c


_NONE = object()  # no such value (a value can be there and have no year)


def _positions(b: _Builder, scan: Scan, committees: set[str]) -> None:
    known = b.lookup.get
    holder = scan.dict(SG + "holder")
    starts, ends = scan.years(SG + "startDate"), scan.years(SG + "endDate")  # None: a date without a year
    titles = scan.dict(SG + "title")
    ev = b.evidence
    for pos, org in scan.pairs(SG + "organization"):
        person = holder.get(pos)
        p = known(person) if person is not None else None
        o = known(org)
        if p is None or o is None:
            continue
        row = b.edge(p, o, _BOARD if org in committees else _AFFILIATION)
        if row < 0:
            continue
        start, end, title = starts.get(pos, _NONE), ends.get(pos, _NONE), titles.get(pos)
        _span(ev, row, start if start is not _NONE else None)  # type: ignore[arg-type]
        _span(ev, row, end if end is not _NONE else None)  # type: ignore[arg-type]
        if end is _NONE and start is not _NONE:
            ev.example[row] = ev.example[row] or "current"
        if title is not None and (ev.example[row] is None or ev.example[row] == "current"):
            ev.example[row] = title if end is not _NONE else f"{title}, current"
        ev.source[row] = ev.source[row] or pos


def _projects(b: _Builder, scan: Scan) -> None:
    known = b.lookup.get
    participant = scan.dict(SG + "participant")
    for x, proj in scan.pairs(SG + "inProject"):
        who = participant.get(x)
        w, p = (known(who) if who is not None else None), known(proj)
        if w is not None and p is not None and (row := b.edge(w, p, _PROJECT)) >= 0:
            b.evidence.source[row] = x
    for proj, prog in scan.pairs(SG + "fundedBy"):
        p, g = known(proj), known(prog)
        if p is not None and g is not None:
            b.edge(p, g, _PROGRAMME)


def _fields(b: _Builder, scan: Scan) -> None:
    """Person-field edges, made in bulk: they are the only edges of their type, so the pairs
    only need to be told apart from each other."""
    known, kinds = b.lookup.get, b.kinds
    person = KINDS.index("person")
    us: list[int] = []
    vs: list[int] = []
    for s, f in scan.pairs(SG + "researchField"):
        p, n = known(s), known(f)
        if p is not None and n is not None and kinds[p] == person and p != n:
            us.append(p)
            vs.append(n)
    if not us:
        return
    u, v = np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    _, first = np.unique(lo * len(b.iris) + hi, return_index=True)
    first.sort()  # rows in order of first appearance, as one by one
    b.add_edges(lo[first], hi[first], _FIELD)


def _missions(b: _Builder, scan: Scan) -> None:
    """Organisations in a mission's jurisdiction (their city or country, or a place inside one
    of its places), and people on a PI list the mission published."""
    known = b.lookup.get
    inside: dict[str, set[str]] = {}
    for place, container in scan.pairs(SCHEMA + "containedInPlace"):
        inside.setdefault(container, set()).add(place)
    jurisdiction: dict[str, list[int]] = {}
    for mission, top in scan.pairs(SG + "jurisdiction"):
        m = known(mission)
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
            o = known(s)
            if o is None or b.kinds[o] != organization:
                continue
            b.places.setdefault(o, set()).add(place)
            for m in jurisdiction.get(place, ()):
                b.edge(o, m, _MISSION)
    publisher = scan.dict(SG + "publishedBy")
    person = KINDS.index("person")
    for s, lst in scan.pairs(SG + "listedIn"):
        mission = publisher.get(lst)
        p, m = known(s), (known(mission) if mission is not None else None)
        if p is not None and m is not None and b.kinds[p] == person and (row := b.edge(p, m, _MISSION)) >= 0:
            b.evidence.example[row] = "PI list"


def _freeze(b: _Builder, scope: str, generation: int, seconds: float) -> GraphIndex:
    """The CSR arrays over both directions of every edge, sorted by (source, neighbour)."""
    n = len(b.iris)
    u = np.array(b.ends_u, dtype=np.int64)
    v = np.array(b.ends_v, dtype=np.int64)
    kinds = np.array(b.types, dtype=np.int8)
    rows = np.arange(len(u), dtype=np.int32)
    costs = _costs(kinds, np.array(b.evidence.papers, dtype=np.int64))
    src = np.concatenate([u, v])
    dst = np.concatenate([v, u])
    types = np.concatenate([kinds, kinds])
    refs = np.concatenate([rows, rows])
    order = np.lexsort((dst, src))
    src, dst, types, refs = src[order], dst[order], types[order], refs[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    b.names.freeze()
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
        names=b.names,
    )
    for alias, canon in b.canonical.items():
        if canon in index.ids:
            index.ids.setdefault(alias, index.ids[canon])
    index.build_seconds = seconds
    return index
