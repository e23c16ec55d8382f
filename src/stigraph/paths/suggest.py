"""Potential collaborators for a researcher, ranked and justified.

Candidates are the people matching the filters (a field, a country or a mission's jurisdiction
where they are affiliated), other than the researcher and their co-authors. They are ranked by
closeness in the graph: a random walk from the researcher that restarts at every step, summed
over four steps, so short, strong and many independent paths all count, while hubs (a field with
thousands of people, a large university) spread their weight thin; shared fields and programmes
are reported beside it. Each suggestion carries its cheapest path (one single-source search for
all of them; the first three also get diverse alternatives) and the person best placed to
introduce them: the first person on the cheapest path, whom the researcher already knows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, diags
from scipy.sparse.csgraph import dijkstra

from stigraph.paths.explain import explain
from stigraph.paths.index import EDGE_TYPES, KINDS, GraphIndex
from stigraph.paths.search import DeadlineExceeded, Path, weighted_paths

PERSON = KINDS.index("person")
STEPS = 4
ALTERNATIVES_BUDGET = 0.15  # seconds per suggestion for its diverse alternative paths
RESTART = 0.5


@dataclass
class Suggestion:
    candidate: int
    score: float
    shared_fields: list[int] = field(default_factory=list)
    shared_programmes: list[int] = field(default_factory=list)
    paths: list[dict[str, Any]] = field(default_factory=list)
    introducer: int | None = None


@cache
def _walk_matrix(index: GraphIndex) -> csr_matrix:
    """The transposed row-stochastic transition matrix, edge weight 1/cost, in CSR (a walk step
    is one product with it); cached per index object, since transposing costs a second at 100k."""
    n = index.node_count
    counts = np.diff(index.indptr)
    rows = np.repeat(np.arange(n), counts)
    weights = 1.0 / index.cost
    a = csr_matrix((weights, (rows, index.indices)), shape=(n, n))
    totals = np.asarray(a.sum(axis=1)).ravel()
    totals[totals == 0] = 1.0
    return (diags(1.0 / totals) @ a).T.tocsr()


def closeness(index: GraphIndex, person: int) -> np.ndarray:
    p = _walk_matrix(index)
    x = np.zeros(index.node_count)
    x[person] = 1.0
    total = np.zeros(index.node_count)
    for step in range(1, STEPS + 1):
        x = p @ x
        total += (RESTART**step) * x
    return total


def _neighbours(index: GraphIndex, node: int, type_: str) -> set[int]:
    lo, hi = int(index.indptr[node]), int(index.indptr[node + 1])
    code = EDGE_TYPES.index(type_)
    return {int(v) for v, t in zip(index.indices[lo:hi], index.edge_type[lo:hi], strict=True) if t == code}


def _programmes(index: GraphIndex, person: int) -> set[int]:
    return {g for proj in _neighbours(index, person, "project") for g in _neighbours(index, proj, "programme")}


def candidates(
    index: GraphIndex, *, field: int | None = None, country: str | None = None, mission: int | None = None
) -> np.ndarray:
    """People matching every filter given (all people when none is)."""
    keep = index.kinds == PERSON
    if field is not None:
        mask = np.zeros(index.node_count, bool)
        mask[list(_neighbours(index, field, "field"))] = True
        keep &= mask
    if country is not None or mission is not None:
        orgs = [
            o
            for o, places in index.places.items()
            if (country is None or country in places)
            and (mission is None or mission in _neighbours(index, o, "mission"))
        ]
        mask = np.zeros(index.node_count, bool)
        for o in orgs:
            for t in ("affiliation", "board"):
                mask[list(_neighbours(index, o, t))] = True
        keep &= mask
    return np.nonzero(keep)[0]


@cache
def _cost_matrix(index: GraphIndex) -> csr_matrix:
    """Node-to-node costs, the cheapest edge where two nodes have several (cached per index)."""
    n = index.node_count
    rows = np.repeat(np.arange(n), np.diff(index.indptr))
    order = np.lexsort((index.cost, index.indices, rows))
    r, c, w = rows[order], index.indices[order], index.cost[order]
    first = np.ones(len(r), bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    return csr_matrix((w[first], (r[first], c[first])), shape=(n, n))


def _path_to(index: GraphIndex, pred: np.ndarray, dist: np.ndarray, source: int, target: int) -> Path | None:
    """The cheapest path from one single-source search's predecessors, with its evidence."""
    if not np.isfinite(dist[target]):
        return None
    nodes = [target]
    while nodes[-1] != source:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    edges = []
    for u, v in pairwise(nodes):
        lo, hi = int(index.indptr[u]), int(index.indptr[u + 1])
        hits = np.nonzero(index.indices[lo:hi] == v)[0]
        best = hits[np.argmin(index.cost[lo:hi][hits])]
        edges.append(int(index.edge[lo + best]))
    return Path(nodes, edges, float(dist[target]))


def suggest(
    index: GraphIndex,
    person: int,
    *,
    field: int | None = None,
    country: str | None = None,
    mission: int | None = None,
    limit: int = 10,
    alternatives: int = 2,
    max_depth: int = 4,
    deadline: float | None = None,
) -> list[Suggestion]:
    """The ranked candidates, each with its cheapest path (one single-source search serves them
    all) and, for the first three, up to ``alternatives`` diverse paths besides."""
    pool = candidates(index, field=field, country=country, mission=mission)
    exclude = _neighbours(index, person, "coauthor") | {person}
    pool = np.array([c for c in pool.tolist() if c not in exclude], dtype=np.int64)
    if pool.size == 0:
        return []
    scores = closeness(index, person)[pool]
    order = np.lexsort((pool, -scores))
    fields, programmes = _neighbours(index, person, "field"), _programmes(index, person)
    dist, pred = dijkstra(_cost_matrix(index), indices=person, return_predecessors=True)
    found: list[Suggestion] = []
    for i in order.tolist():
        c, score = int(pool[i]), float(scores[i])
        if len(found) >= limit or score <= 0:
            break  # a score of 0: not connected within four steps, nothing to justify it
        s = Suggestion(
            c,
            score,
            sorted(fields & _neighbours(index, c, "field")),
            sorted(programmes & _programmes(index, c)),
        )
        cheapest = _path_to(index, pred, dist, person, c)
        paths = [cheapest] if cheapest is not None else []
        if len(found) < 3 and alternatives and paths:
            budget = time.monotonic() + ALTERNATIVES_BUDGET  # alternatives are a bonus, never the wait
            try:
                more = weighted_paths(
                    index,
                    person,
                    c,
                    k=alternatives + 1,
                    mode="diverse",
                    max_depth=max_depth,
                    deadline=budget if deadline is None else min(deadline, budget),
                )
                paths += [p for p in more if p.nodes != cheapest.nodes][:alternatives]  # type: ignore[union-attr]
            except DeadlineExceeded:
                pass
        s.paths = [explain(index, p) for p in paths]
        people = [n for n in (paths[0].nodes[1:-1] if paths else []) if index.kinds[n] == PERSON]
        s.introducer = people[0] if people else None
        found.append(s)
    return found
