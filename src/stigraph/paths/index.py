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

import gc
import math
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np
import polars as pl

from stigraph.namespaces import DCTERMS, OWL, RDFS, SCHEMA, SG, SKOS, Minter
from stigraph.paths import terms
from stigraph.paths.rows import PublishedRows
from stigraph.paths.scan import Scan
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
    """The evidence of every edge in columns (a polars frame: ``type``, ``papers``,
    ``first_year``, ``last_year``, ``example``, ``source``), one row per edge. An
    :class:`Evidence` is made when a row is read: an answer reads a handful, and 700k objects
    made up front took a second of a 100k-researcher build and hundreds of megabytes."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def __len__(self) -> int:
        return self.frame.height

    @overload
    def __getitem__(self, row: int) -> Evidence: ...

    @overload
    def __getitem__(self, row: slice) -> list[Evidence]: ...

    def __getitem__(self, row: int | slice) -> Evidence | list[Evidence]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        if not -len(self) <= row < len(self):
            raise IndexError(row)
        type_, papers, first, last, example, source = self.frame.row(row)
        return Evidence(EDGE_TYPES[type_], papers, first, last, example, source)


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


_COAUTHOR, _AFFILIATION, _BOARD, _PROJECT, _PROGRAMME, _FIELD, _MISSION = range(len(EDGE_TYPES))


def _costs(types: np.ndarray, papers: np.ndarray) -> np.ndarray:
    """Each edge's cost: its type's base cost, and for co-authors falling with the number of
    papers (1 paper 1.0, 3 papers 0.48, 10 papers 0.30); computed once per distinct count."""
    base = np.array([BASE_COST[t] for t in EDGE_TYPES], dtype=np.float64)
    costs = base[types]
    co = types == _COAUTHOR
    if co.any():
        counts, inverse = np.unique(papers[co], return_inverse=True)
        by_count = np.array([BASE_COST["coauthor"] / (1.0 + math.log(max(int(c), 1))) for c in counts])
        costs[co] = by_count[inverse]
    return costs


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
_KIND_OF_RANK = np.array([KINDS.index(kind) for kind, _ in _KIND_ORDER], dtype=np.int8)
_PERSON, _ORGANIZATION = (KINDS.index(k) for k in ("person", "organization"))
_LABELS = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel")
_ALT = _LABELS.index(SKOS + "altLabel")
# What a build reads after the types and the labels, in the order it reads them.
_LATER = (
    ("authorships", SG + "author", SG + "publication"),
    ("predicate", DCTERMS + "issued"),
    ("predicate", SG + "coAuthor"),
    ("predicate", SG + "paperCount"),
    ("predicate", SG + "firstYear"),
    ("predicate", SG + "lastYear"),
    *(
        ("predicate", p)
        for p in (
            SG + "holder",
            SG + "organization",
            SG + "startDate",
            SG + "endDate",
            SG + "title",
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
_EDGES = {
    "u": pl.Int64,
    "v": pl.Int64,
    "type": pl.Int8,
    "papers": pl.Int64,
    "first_year": pl.Int64,
    "last_year": pl.Int64,
    "example": pl.String,
    "source": pl.String,
}
"""One row per edge (``u < v``) and its evidence: what every kind of edge is made into."""


def build_index(
    store: GraphStore, minter: Minter, scope: Scope, classes: dict[str, set[str]], *, from_rows: bool = True
) -> GraphIndex:
    """The index of what ``scope`` may see in the store's current generation, from the rows
    published with it when there are (:mod:`stigraph.paths.rows`), else from the store (also
    when ``from_rows`` is false: the same index, read the slow way)."""
    start = time.perf_counter()
    generation = store.generation
    rows = PublishedRows.open(store.derived_dir) if from_rows else None
    collecting = gc.isenabled()
    gc.disable()  # the build makes millions of objects and no cycles: collections only cost time
    try:
        with Scan(store, scope_graphs(store, minter, scope), rows=rows) as scan:
            return _build(scan, scope, generation, classes, start)
    finally:
        if collecting:
            gc.enable()


def _classes_of_kinds(classes: dict[str, set[str]]) -> tuple[dict[str, int], set[str]]:
    """Class -> rank of the kind its instances are, and the committee classes."""
    kind_of_class: dict[str, int] = {}
    for rank, (_, top) in reversed(list(enumerate(_KIND_ORDER))):
        for c in (SG + top, *sorted(classes.get(SG + top, ()))):
            kind_of_class[c] = rank
    return kind_of_class, {SG + "Committee", *classes.get(SG + "Committee", ())}


def reads(classes: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """What a build reads, in the order it reads it (``classes``: each class's subclasses)."""
    kind_of_class, committee_classes = _classes_of_kinds(classes)
    return [
        ("predicate", OWL + "sameAs"),
        *(("class", c) for c in dict.fromkeys([*kind_of_class, *sorted(committee_classes)])),
        *(("predicate", p) for p in _LABELS),
        *_LATER,
    ]


@dataclass
class _Nodes:
    """Every node, numbered in the order of its term, and how a term finds its node."""

    terms: pl.DataFrame  # term (the node's own: a canonical term), rank (index into _KIND_ORDER)
    lookup: pl.DataFrame  # key (a node's term or an alias of it), id
    kinds: np.ndarray  # int8 per node, index into KINDS

    def ids(self, frame: pl.DataFrame, column: str, name: str, kind: int | None = None) -> pl.DataFrame:
        """``frame`` with ``column``'s node as ``name`` (rows whose term is no node, or no node of
        ``kind``, dropped)."""
        found = frame.join(self.lookup.rename({"id": name}), left_on=column, right_on="key", how="inner")
        if kind is not None:
            found = found.filter(pl.col(name).is_in(pl.Series(np.flatnonzero(self.kinds == kind)).implode()))
        return found


def _build(scan: Scan, scope: str, generation: int, classes: dict[str, set[str]], start: float) -> GraphIndex:
    kind_of_class, committee_classes = _classes_of_kinds(classes)
    scan.prefetch(reads(classes))
    canonical = _same_as(scan)
    nodes = _nodes(scan, kind_of_class, canonical)
    committees = pl.concat([scan.typed(c) for c in sorted(committee_classes)])["s"]
    labels = _labels(scan)
    names = _names(nodes, labels)
    iris = terms.values(nodes.terms["term"])
    best = (
        nodes.ids(labels.filter(pl.col("pred") != _ALT), "s", "id")
        .sort("id", "rank", "pred", "text")
        .unique("id", keep="first")
    )
    node_labels = (
        pl.DataFrame({"iri": iris})
        .with_row_index("id")
        .join(best.select(pl.col("id").cast(pl.UInt32), "text"), on="id", how="left")
        .select(pl.coalesce("text", pl.col("iri").str.split("/").list.last()))
        .to_series()
    )
    places: dict[int, set[str]] = {}
    edges = pl.concat(
        [
            _coauthorship(scan, nodes, labels),
            _positions(scan, nodes, committees),
            *_projects(scan, nodes),
            _fields(scan, nodes),
            *_missions(scan, nodes, places),
        ],
        how="diagonal_relaxed",
    ).select(**{c: pl.col(c).cast(t) for c, t in _EDGES.items()})
    index = _freeze(scope, generation, iris.to_list(), nodes.kinds, node_labels.to_list(), edges)
    index.places = places
    _add_names(index.names, zip(names["id"].to_list(), names["text"].to_list(), strict=True))
    index.names.freeze()
    alias_values = terms.values(pl.Series(list(canonical), dtype=pl.String)).to_list()
    canon_values = terms.values(pl.Series(list(canonical.values()), dtype=pl.String)).to_list()
    for alias, canon in zip(alias_values, canon_values, strict=True):
        if canon in index.ids:
            index.ids.setdefault(alias, index.ids[canon])
    index.build_seconds = time.perf_counter() - start
    return index


def _same_as(scan: Scan) -> dict[str, str]:
    """Alias term -> the term of the node it is one entity with (``owl:sameAs`` to an IRI, taken
    in term order so that the same links always give the same node)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    links = scan.table(OWL + "sameAs").filter(pl.col("o").str.starts_with("<")).sort("s", "o")
    for a, o in links.iter_rows():
        ra, rb = find(a), find(o)
        if ra != rb:
            parent[ra] = rb
    return {x: find(x) for x in parent}


def _nodes(scan: Scan, kind_of_class: dict[str, int], canonical: dict[str, str]) -> _Nodes:
    """The typed terms, one node per entity, of the most specific kind any of its terms has."""
    typed = pl.concat(
        [scan.typed(c).with_columns(pl.lit(rank, pl.Int8).alias("rank")) for c, rank in kind_of_class.items()]
    )
    aliases = pl.DataFrame(
        {"key": list(canonical), "canon": list(canonical.values())}, schema={"key": pl.String, "canon": pl.String}
    )
    typed = (
        typed.join(aliases, left_on="s", right_on="key", how="left")
        .select(pl.coalesce("canon", "s").alias("term"), "rank")
        .group_by("term")
        .agg(pl.col("rank").min())
        .sort("term")
    )
    ids = typed.select(pl.col("term").alias("key")).with_row_index("id").select("key", pl.col("id").cast(pl.Int64))
    lookup = pl.concat([ids, aliases.join(ids, left_on="canon", right_on="key", how="inner").select("key", "id")])
    return _Nodes(typed, lookup, _KIND_OF_RANK[typed["rank"].to_numpy()])


def _labels(scan: Scan) -> pl.DataFrame:
    """Every label of every subject: ``s`` (term), ``text``, ``rank`` of its language (English,
    Japanese, any other) and ``pred`` (index into ``_LABELS``)."""
    frame = pl.concat([scan.table(p).with_columns(pl.lit(i, pl.Int8).alias("pred")) for i, p in enumerate(_LABELS)])
    lang = terms.languages(frame["o"])
    return frame.select(
        "s",
        "pred",
        text=terms.values(frame["o"]),
        rank=pl.when(lang == "en").then(0).when(lang == "ja").then(1).otherwise(2).cast(pl.Int8),
    )


def _names(nodes: _Nodes, labels: pl.DataFrame) -> pl.DataFrame:
    """Every name of every node (labels and alternative labels, all languages), for the name
    search: ``id``, ``text``, once each, in node order."""
    return nodes.ids(labels, "s", "id").select("id", "text").unique().sort("id", "text")


def _pairs(frame: pl.DataFrame) -> pl.DataFrame:
    """Node pairs ``a``, ``b`` as edges ``u < v`` (a node merged with itself: no edge)."""
    return frame.filter(pl.col("a") != pl.col("b")).with_columns(
        u=pl.min_horizontal("a", "b"), v=pl.max_horizontal("a", "b")
    )


def _coauthorship(scan: Scan, nodes: _Nodes, labels: pl.DataFrame) -> pl.DataFrame:
    """Co-author edges from authorships, then from ``sg:CoAuthorship`` summaries.

    A pair counts its papers and spans their years; its example is its best paper: one with a
    title first, then the latest, then the first by IRI (so the example is the same whatever
    order the store gives the rows in)."""
    authors = nodes.ids(scan.authorships(SG + "author", SG + "publication"), "person", "id").select("pub", "id")
    authors = authors.unique()
    size = authors.group_by("pub").len()
    authors = authors.join(
        size.filter((pl.col("len") >= 2) & (pl.col("len") <= MAX_AUTHORS)).select("pub"), on="pub", how="semi"
    )
    issued = scan.table(DCTERMS + "issued")
    years = issued.select(pub="s", year=terms.years(issued["o"])).group_by("pub").agg(pl.col("year").max())
    titles = (labels.filter(pl.col("pred") != _ALT).sort("s", "rank", "pred", "text").unique("s", keep="first")).select(
        pub="s", title="text"
    )
    pubs = (
        authors.select("pub")
        .unique()
        .join(years, on="pub", how="left")
        .join(titles, on="pub", how="left")
        .sort(pl.col("title").is_null(), pl.col("year"), "pub", descending=[False, True, False], nulls_last=True)
        .with_row_index("order")
    )
    pubs = pubs.with_columns(source=terms.values(pubs["pub"]))
    authors = authors.join(pubs.select("pub", "order", "year"), on="pub").select("order", "id", "year")
    pairs = authors.join(authors.select("order", "id"), on="order", suffix="_b").filter(pl.col("id") < pl.col("id_b"))
    edges = (
        pairs.group_by("id", "id_b")
        .agg(
            papers=pl.len(),
            first_year=pl.col("year").min(),
            last_year=pl.col("year").max(),
            order=pl.col("order").min(),
        )
        .join(pubs.select("order", "title", "source"), on="order")
        .select(
            u="id",
            v="id_b",
            papers="papers",
            first_year="first_year",
            last_year="last_year",
            example="title",
            source="source",
        )
    )
    summaries = _summaries(scan, nodes)
    if not summaries.is_empty():  # merged: the papers and years of both, the authorships' example
        edges = (
            pl.concat([edges, summaries], how="diagonal_relaxed")
            .group_by("u", "v", maintain_order=True)
            .agg(
                pl.col("papers").max(),
                pl.col("first_year").min(),
                pl.col("last_year").max(),
                pl.col("example").drop_nulls().first(),
                pl.col("source").drop_nulls().first(),
            )
        )
    return edges.with_columns(type=pl.lit(_COAUTHOR, pl.Int8))


def _summaries(scan: Scan, nodes: _Nodes) -> pl.DataFrame:
    """Co-author edges from ``sg:CoAuthorship`` summaries of two known people: their paper count
    (1 when missing), their first and last years, and the summary as the source."""
    members = nodes.ids(scan.table(SG + "coAuthor"), "o", "id").select("s", "id").unique()
    if members.is_empty():
        return pl.DataFrame(schema={c: _EDGES[c] for c in ("u", "v", "papers", "first_year", "last_year", "source")})
    count = scan.table(SG + "paperCount")
    count = (
        count.select("s", n=terms.values(count["o"]).cast(pl.Int64, strict=False)).group_by("s").agg(pl.col("n").max())
    )
    firsts, lasts = scan.table(SG + "firstYear"), scan.table(SG + "lastYear")
    spans = pl.concat([firsts.select("s", y=terms.years(firsts["o"])), lasts.select("s", y=terms.years(lasts["o"]))])
    spans = spans.group_by("s").agg(lo=pl.col("y").min(), hi=pl.col("y").max())
    summaries = (
        members.group_by("s")
        .agg(u=pl.col("id").min(), v=pl.col("id").max(), people=pl.col("id").n_unique())
        .filter(pl.col("people") == 2)
        .join(count, on="s", how="left")
        .join(spans, on="s", how="left")
        .sort("s")
    )
    return summaries.select(
        "u",
        "v",
        papers=pl.col("n").fill_null(1),
        first_year="lo",
        last_year="hi",
        source=terms.values(summaries["s"]),
    )


def _positions(scan: Scan, nodes: _Nodes, committees: pl.Series) -> pl.DataFrame:
    """Affiliation (or board, for a committee) edges from positions: their years span every
    start and end date; the example is the first titled position's title (", current" without an
    end date), else "current" when one started and has not ended; the source the first position."""
    held = scan.table(SG + "holder").rename({"s": "pos", "o": "person"})
    at = scan.table(SG + "organization").rename({"s": "pos", "o": "org"})
    positions = nodes.ids(nodes.ids(held.join(at, on="pos"), "person", "a"), "org", "b")
    if positions.is_empty():
        return pl.DataFrame(schema=_EDGES)

    def dated(predicate: str, name: str) -> pl.DataFrame:
        frame = scan.table(predicate)
        return (
            frame.select(pos="s", year=terms.years(frame["o"]))
            .group_by("pos")
            .agg(**{f"{name}_year": pl.col("year").min() if name == "start" else pl.col("year").max()})
            .with_columns(pl.lit(True).alias(f"has_{name}"))
        )

    titles = scan.table(SG + "title")
    titles = titles.select(pos="s", title=terms.values(titles["o"])).group_by("pos").agg(pl.col("title").min())
    positions = (
        _pairs(positions)
        .join(dated(SG + "startDate", "start"), on="pos", how="left")
        .join(dated(SG + "endDate", "end"), on="pos", how="left")
        .join(titles, on="pos", how="left")
        .with_columns(
            pl.col("has_start").fill_null(False),
            pl.col("has_end").fill_null(False),
            type=pl.when(pl.col("org").is_in(committees.implode())).then(_BOARD).otherwise(_AFFILIATION).cast(pl.Int8),
        )
        .with_columns(
            titled=pl.when(pl.col("has_end")).then(pl.col("title")).otherwise(pl.col("title") + ", current"),
            current=pl.col("has_start") & ~pl.col("has_end"),
        )
        .sort("pos")
    )
    edges = positions.group_by("u", "v", "type", maintain_order=True).agg(
        first_year=pl.min_horizontal("start_year", "end_year").min(),
        last_year=pl.max_horizontal("start_year", "end_year").max(),
        example=pl.coalesce(
            pl.col("titled").drop_nulls().first(), pl.when(pl.col("current").any()).then(pl.lit("current"))
        ),
        source=pl.col("pos").first(),
    )
    return edges.with_columns(source=terms.values(edges["source"]))


def _projects(scan: Scan, nodes: _Nodes) -> list[pl.DataFrame]:
    """Person or organisation-project edges from participations (the first as the source), and
    project-programme edges from funding."""
    part = scan.table(SG + "participant").rename({"s": "x", "o": "who"})
    into = scan.table(SG + "inProject").rename({"s": "x", "o": "project"})
    joined = _pairs(nodes.ids(nodes.ids(part.join(into, on="x"), "who", "a"), "project", "b"))
    participations = joined.sort("x").group_by("u", "v", maintain_order=True).agg(source=pl.col("x").first())
    participations = participations.with_columns(
        source=terms.values(participations["source"]), type=pl.lit(_PROJECT, pl.Int8)
    )
    funded = _pairs(nodes.ids(nodes.ids(scan.table(SG + "fundedBy"), "s", "a"), "o", "b"))
    return [participations, funded.select("u", "v").unique().with_columns(type=pl.lit(_PROGRAMME, pl.Int8))]


def _fields(scan: Scan, nodes: _Nodes) -> pl.DataFrame:
    """Person-field edges."""
    frame = _pairs(nodes.ids(nodes.ids(scan.table(SG + "researchField"), "s", "a", _PERSON), "o", "b"))
    return frame.select("u", "v").unique().with_columns(type=pl.lit(_FIELD, pl.Int8))


def _missions(scan: Scan, nodes: _Nodes, places: dict[int, set[str]]) -> list[pl.DataFrame]:
    """Organisations in a mission's jurisdiction (their city or country, or a place inside one
    of its places), and people on a PI list the mission published. ``places`` gets every
    organisation's cities and countries."""
    inside: dict[str, set[str]] = {}
    for place, container in scan.table(SCHEMA + "containedInPlace").iter_rows():
        inside.setdefault(container, set()).add(place)
    covered: list[tuple[str, int]] = []  # (place, mission)
    for top, m in nodes.ids(scan.table(SG + "jurisdiction"), "s", "m").select("o", "m").unique().iter_rows():
        todo, seen = [top], {top}
        while todo:
            place = todo.pop()
            covered.append((place, m))
            for inner in inside.get(place, ()):
                if inner not in seen:
                    seen.add(inner)
                    todo.append(inner)
    located = nodes.ids(pl.concat([scan.table(SG + "country"), scan.table(SG + "city")]), "s", "a", _ORGANIZATION)
    located = located.with_columns(place=terms.values(located["o"]))
    for org, found in located.group_by("a").agg(pl.col("place").unique()).iter_rows():
        places[org] = set(found)
    jurisdiction = pl.DataFrame(covered, schema={"o": pl.String, "b": pl.Int64}, orient="row")
    offices = _pairs(located.join(jurisdiction, on="o")).select("u", "v").unique()
    listed = scan.table(SG + "listedIn").rename({"s": "person", "o": "list"})
    published = scan.table(SG + "publishedBy").rename({"s": "list", "o": "mission"})
    lists = nodes.ids(nodes.ids(listed.join(published, on="list"), "person", "a", _PERSON), "mission", "b")
    on_lists = _pairs(lists).select("u", "v").unique().with_columns(example=pl.lit("PI list"))
    return [
        offices.with_columns(type=pl.lit(_MISSION, pl.Int8)),
        on_lists.with_columns(type=pl.lit(_MISSION, pl.Int8)),
    ]


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


def _freeze(
    scope: str, generation: int, iris: list[str], kinds: np.ndarray, labels: list[str], edges: pl.DataFrame
) -> GraphIndex:
    """The CSR arrays over both directions of every edge, sorted by (source, neighbour); the
    evidence rows in edge order (type, then ends)."""
    edges = edges.with_columns(pl.col("papers").fill_null(0)).sort("type", "u", "v")
    n = len(iris)
    u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
    types = edges["type"].to_numpy().astype(np.int8)
    rows = np.arange(len(u), dtype=np.int32)
    costs = _costs(types, edges["papers"].to_numpy())
    src = np.concatenate([u, v])
    dst = np.concatenate([v, u])
    both = np.concatenate([types, types])
    refs = np.concatenate([rows, rows])
    order = np.argsort(src * max(n, 1) + dst, kind="stable")
    src, dst, both, refs = src[order], dst[order], both[order], refs[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return GraphIndex(
        scope=scope,
        generation=generation,
        iris=iris,
        kinds=kinds.astype(np.int8),
        labels=labels,
        indptr=indptr,
        indices=dst.astype(np.int32),
        edge_type=both,
        cost=costs[refs] if len(refs) else np.zeros(0),
        edge=refs,
        evidence=EvidenceTable(edges.select("type", "papers", "first_year", "last_year", "example", "source")),
        ids=dict(zip(iris, range(n), strict=True)),
    )
