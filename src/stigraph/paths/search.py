"""Searches over a :class:`~stigraph.paths.index.GraphIndex`.

- :func:`hop_paths`: fewest hops and how many shortest paths there are, by a bidirectional
  breadth-first search that expands whole levels with numpy (the networkx-comparable answer);
- :func:`weighted_paths`: the cheapest path by edge type and strength (bidirectional Dijkstra),
  then either the k cheapest (Yen) or k *diverse* paths, no two through the same intermediate
  person, which is what "who could introduce us" needs;
- every search honours a maximum depth, excluded nodes, edge-type filters and a deadline.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from stigraph.errors import QueryError
from stigraph.paths.index import KINDS, GraphIndex

PERSON = KINDS.index("person")


class DeadlineExceeded(QueryError):
    """The search ran out of time (the API answers 503 with the one error shape)."""


@dataclass
class HopResult:
    hops: int | None  # None: not connected within max_depth
    count: int  # number of distinct shortest paths
    path: list[int] = field(default_factory=list)


@dataclass
class Path:
    nodes: list[int]
    edges: list[int]  # evidence rows, one per hop
    cost: float


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise DeadlineExceeded("the path search ran past its deadline")


def _expand(index: GraphIndex, frontier: np.ndarray, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """All (from, to) pairs of edges leaving ``frontier``, allowed by the edge-type mask."""
    starts, ends = index.indptr[frontier], index.indptr[frontier + 1]
    counts = ends - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    positions = np.arange(total) + offsets
    sources = np.repeat(frontier, counts)
    if mask is not None:
        keep = mask[index.edge_type[positions]]
        positions, sources = positions[keep], sources[keep]
    return sources, index.indices[positions].astype(np.int64)


def hop_paths(
    index: GraphIndex,
    a: int,
    b: int,
    max_depth: int = 6,
    edge_types: Iterable[str] | None = None,
    exclude: Iterable[int] = (),
    deadline: float | None = None,
) -> HopResult:
    """Fewest hops from ``a`` to ``b``, the number of shortest paths, and one of them."""
    if a == b:
        return HopResult(0, 1, [a])
    mask = index.type_mask(edge_types)
    n = index.node_count
    dist = [np.full(n, -1, np.int32), np.full(n, -1, np.int32)]
    sigma = [np.zeros(n, np.float64), np.zeros(n, np.float64)]
    parent = [np.full(n, -1, np.int64), np.full(n, -1, np.int64)]
    blocked = np.zeros(n, bool)
    for x in exclude:
        if x not in (a, b):
            blocked[x] = True
    frontier = [np.array([a], np.int64), np.array([b], np.int64)]
    for side, root in ((0, a), (1, b)):
        dist[side][root], sigma[side][root] = 0, 1.0
    depth = [0, 0]
    while frontier[0].size and frontier[1].size and depth[0] + depth[1] < max_depth:
        _check(deadline)
        side = 0 if frontier[0].size <= frontier[1].size else 1
        sources, targets = _expand(index, frontier[side], mask)
        keep = ~blocked[targets] & ((dist[side][targets] == -1) | (dist[side][targets] == depth[side] + 1))
        sources, targets = sources[keep], targets[keep]
        new = np.unique(targets[dist[side][targets] == -1])
        dist[side][new] = depth[side] + 1
        np.add.at(sigma[side], targets, sigma[side][sources])
        parent[side][targets] = sources  # any parent on a shortest path will do
        depth[side] += 1
        frontier[side] = new
        met = new[dist[1 - side][new] >= 0]
        if met.size:
            # Every shortest path crosses the level just reached exactly once.
            hops = depth[side] + int(dist[1 - side][met].min())
            on = met[dist[1 - side][met] == hops - depth[side]]
            count = round(float((sigma[side][on] * sigma[1 - side][on]).sum()))
            return HopResult(hops, count, _join(parent, side, int(on[0])))
    return HopResult(None, 0, [])


def _join(parent: list[np.ndarray], side: int, middle: int) -> list[int]:
    half: list[list[int]] = [[], []]
    for s in (side, 1 - side):
        x = middle
        while x != -1:
            half[s].append(x)
            x = int(parent[s][x])
    return half[0][::-1] + half[1][1:]


def _neighbours(index: GraphIndex, u: int, mask: np.ndarray | None) -> Iterable[tuple[int, float, int]]:
    lo, hi = int(index.indptr[u]), int(index.indptr[u + 1])
    nbrs = index.indices[lo:hi].tolist()
    costs = index.cost[lo:hi].tolist()
    refs = index.edge[lo:hi].tolist()
    if mask is None:
        return zip(nbrs, costs, refs, strict=True)
    types = index.edge_type[lo:hi].tolist()
    return ((v, c, r) for v, c, r, t in zip(nbrs, costs, refs, types, strict=True) if mask[t])


def cheapest_path(
    index: GraphIndex,
    a: int,
    b: int,
    *,
    max_depth: int = 6,
    mask: np.ndarray | None = None,
    blocked: set[int] | frozenset[int] = frozenset(),
    blocked_edges: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
    deadline: float | None = None,
) -> Path | None:
    """Bidirectional Dijkstra. The hop limit prunes the search rather than constraining it
    exactly: the answer is the cheapest path within ``max_depth`` hops that the search meets,
    which is the cheapest of all whenever that one is within the limit."""
    if a == b:
        return Path([a], [], 0.0)
    best = [{a: 0.0}, {b: 0.0}]
    hops = [{a: 0}, {b: 0}]
    prev: list[dict[int, tuple[int, int]]] = [{}, {}]
    done: list[set[int]] = [set(), set()]
    heaps: list[list[tuple[float, int]]] = [[(0.0, a)], [(0.0, b)]]
    mu, meet = float("inf"), -1
    steps = 0
    while heaps[0] and heaps[1]:
        if heaps[0][0][0] + heaps[1][0][0] >= mu:
            break
        side = 0 if heaps[0][0][0] <= heaps[1][0][0] else 1
        d, u = heapq.heappop(heaps[side])
        if u in done[side] or d > best[side].get(u, float("inf")):
            continue
        done[side].add(u)
        steps += 1
        if steps % 512 == 0:
            _check(deadline)
        if hops[side][u] >= max_depth:
            continue
        for v, c, ref in _neighbours(index, u, mask):
            if v in blocked or (u, v) in blocked_edges or (v, u) in blocked_edges:
                continue
            nd = d + c
            if nd < best[side].get(v, float("inf")):
                best[side][v] = nd
                hops[side][v] = hops[side][u] + 1
                prev[side][v] = (u, ref)
                heapq.heappush(heaps[side], (nd, v))
            other = best[1 - side].get(v)
            mine = best[side][v]
            if other is not None and mine + other < mu and hops[side][v] + hops[1 - side][v] <= max_depth:
                mu, meet = mine + other, v
    if meet < 0:
        return None
    return _stitch(prev, meet, a, b, mu)


def _stitch(prev: list[dict[int, tuple[int, int]]], meet: int, a: int, b: int, cost: float) -> Path:
    nodes_a, edges_a = [meet], []
    x = meet
    while x != a:
        x, ref = prev[0][x]
        nodes_a.append(x)
        edges_a.append(ref)
    nodes_b, edges_b = [], []
    x = meet
    while x != b:
        x, ref = prev[1][x]
        nodes_b.append(x)
        edges_b.append(ref)
    return Path(nodes_a[::-1] + nodes_b, edges_a[::-1] + edges_b, cost)


def weighted_paths(
    index: GraphIndex,
    a: int,
    b: int,
    *,
    k: int = 1,
    mode: str = "diverse",
    max_depth: int = 6,
    edge_types: Iterable[str] | None = None,
    exclude: Iterable[int] = (),
    deadline: float | None = None,
) -> list[Path]:
    """Up to ``k`` paths, cheapest first: ``shortest`` (Yen's k cheapest loopless paths) or
    ``diverse`` (each next path avoids every intermediate person of the earlier ones)."""
    mask = index.type_mask(edge_types)
    blocked = {x for x in exclude if x not in (a, b)}
    first = _valid(cheapest_path(index, a, b, max_depth=max_depth, mask=mask, blocked=blocked, deadline=deadline))
    if first is None:
        return []
    found = [first]
    if mode == "diverse":
        while len(found) < k:
            people = {x for p in found for x in p.nodes[1:-1] if index.kinds[x] == PERSON}
            if not people:
                break  # the paths so far go through no one; a different one cannot avoid "no one"
            nxt = _valid(
                cheapest_path(index, a, b, max_depth=max_depth, mask=mask, blocked=blocked | people, deadline=deadline)
            )
            if nxt is None:
                break
            found.append(nxt)
        return found
    candidates: list[tuple[float, list[int], list[int]]] = []
    seen = {tuple(first.nodes)}
    while len(found) < k:
        last = found[-1]
        for i in range(len(last.nodes) - 1):
            _check(deadline)
            spur, root_nodes, root_edges = last.nodes[i], last.nodes[: i + 1], last.edges[:i]
            cut = {(p.nodes[i], p.nodes[i + 1]) for p in found if p.nodes[: i + 1] == root_nodes}
            spur_path = _valid(
                cheapest_path(
                    index,
                    spur,
                    b,
                    max_depth=max_depth - i,
                    mask=mask,
                    blocked=blocked | set(root_nodes[:-1]),
                    blocked_edges=cut,
                    deadline=deadline,
                )
            )
            if spur_path is None:
                continue
            nodes = root_nodes[:-1] + spur_path.nodes
            if tuple(nodes) in seen:
                continue
            seen.add(tuple(nodes))
            edges = root_edges + spur_path.edges
            cost = float(
                sum(index.cost[_position(index, u, v, r)] for u, v, r in zip(nodes[:-1], nodes[1:], edges, strict=True))
            )
            heapq.heappush(candidates, (cost, nodes, edges))
        if not candidates:
            break
        cost, nodes, edges = heapq.heappop(candidates)
        found.append(Path(nodes, edges, cost))
    return found


def _valid(path: Path | None) -> Path | None:
    """A path visits no node twice (bidirectional halves could, in theory, cross)."""
    if path is None or len(set(path.nodes)) != len(path.nodes):
        return None
    return path


def _position(index: GraphIndex, u: int, v: int, ref: int) -> int:
    lo, hi = int(index.indptr[u]), int(index.indptr[u + 1])
    hits = np.nonzero((index.indices[lo:hi] == v) & (index.edge[lo:hi] == ref))[0]
    return lo + int(hits[0])
