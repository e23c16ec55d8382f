"""Potential collaborators for a researcher, ranked and justified.

Candidates are the people matching the filters (a field, a country or a mission's jurisdiction
where they are affiliated), other than the researcher and their co-authors. They are ranked by
closeness in the graph: a random walk from the researcher that restarts at every step, summed
over four steps, so short, strong and many independent paths all count, while hubs (a field with
thousands of people, a large university) spread their weight thin; shared fields and programmes
are reported beside it. Each suggestion carries its paths and the person best placed to
introduce them: the first person on the cheapest path, whom the researcher already knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, diags

from stigraph.paths.explain import explain
from stigraph.paths.index import EDGE_TYPES, KINDS, GraphIndex
from stigraph.paths.search import DeadlineExceeded, weighted_paths

PERSON = KINDS.index("person")
STEPS = 4
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


def suggest(
    index: GraphIndex,
    person: int,
    *,
    field: int | None = None,
    country: str | None = None,
    mission: int | None = None,
    limit: int = 10,
    max_depth: int = 4,
    deadline: float | None = None,
) -> list[Suggestion]:
    pool = candidates(index, field=field, country=country, mission=mission)
    exclude = _neighbours(index, person, "coauthor") | {person}
    pool = np.array([c for c in pool.tolist() if c not in exclude], dtype=np.int64)
    if pool.size == 0:
        return []
    scores = closeness(index, person)[pool]
    order = np.lexsort((pool, -scores))
    fields, programmes = _neighbours(index, person, "field"), _programmes(index, person)
    found: list[Suggestion] = []
    for i in order.tolist():
        c, score = int(pool[i]), float(scores[i])
        if len(found) >= limit:
            break
        if score <= 0:
            break  # not connected within four steps: nothing to justify a suggestion
        s = Suggestion(
            c,
            score,
            sorted(fields & _neighbours(index, c, "field")),
            sorted(programmes & _programmes(index, c)),
        )
        try:
            paths = weighted_paths(index, person, c, k=3, mode="diverse", max_depth=max_depth, deadline=deadline)
        except DeadlineExceeded:
            paths = []
        s.paths = [explain(index, p) for p in paths]
        people = [n for n in (paths[0].nodes[1:-1] if paths else []) if index.kinds[n] == PERSON]
        s.introducer = people[0] if people else None
        found.append(s)
    return found
