"""Path and collaborator answers as JSON, the same for the API and the CLI: identifiers
resolved in the caller's index (an IRI the scope cannot see is "not found"), limits checked,
every path explained."""

from __future__ import annotations

import time
from typing import Any

from stigraph.errors import ErrorContext, NotFound, ParameterError
from stigraph.namespaces import Minter
from stigraph.paths.explain import explain
from stigraph.paths.index import EDGE_TYPES, KINDS, GraphIndex
from stigraph.paths.search import hop_paths, weighted_paths
from stigraph.paths.suggest import suggest

MAX_DEPTH = 8
MAX_K = 10
MAX_LIMIT = 50
MODES = ("diverse", "shortest")


def _node(index: GraphIndex, iri: str, field: str, kind: str | None = None) -> int:
    node = index.id_of(iri.strip())
    if node is None or (kind is not None and index.kind_of(node) != kind):
        raise NotFound(
            f"no {kind or 'node'} {iri!r} in the graph you can see",
            context=ErrorContext(field=field, expected=f"the IRI of a {kind or 'node'}"),
        )
    return node


def _bounded(value: int, field: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise ParameterError(f"{field} is {value}", context=ErrorContext(field=field, expected=f"{low} to {high}"))
    return value


def _types(via: list[str] | None) -> set[str] | None:
    if not via:
        return None
    types = {t.strip() for v in via for t in v.split(",") if t.strip()}
    unknown = sorted(types - set(EDGE_TYPES))
    if unknown:
        raise ParameterError(
            f"unknown edge type {unknown[0]!r}", context=ErrorContext(field="via", expected=", ".join(EDGE_TYPES))
        )
    return types


def _meta(index: GraphIndex, started: float) -> dict[str, Any]:
    return {"scope": index.scope, "generation": index.generation, "ms": round((time.monotonic() - started) * 1000, 2)}


def paths_answer(
    index: GraphIndex,
    source: str,
    target: str,
    *,
    k: int = 3,
    max_depth: int = 6,
    via: list[str] | None = None,
    mode: str = "diverse",
    exclude: list[str] | None = None,
    deadline: float | None = None,
) -> dict[str, Any]:
    started = time.monotonic()
    a, b = _node(index, source, "from"), _node(index, target, "to")
    k, max_depth = _bounded(k, "k", 1, MAX_K), _bounded(max_depth, "max_depth", 1, MAX_DEPTH)
    if mode not in MODES:
        raise ParameterError(f"mode is {mode!r}", context=ErrorContext(field="mode", expected=" or ".join(MODES)))
    types = _types(via)
    excluded = [_node(index, iri, "exclude") for iri in exclude or []]
    fewest = hop_paths(index, a, b, max_depth=max_depth, edge_types=types, exclude=excluded, deadline=deadline)
    found = weighted_paths(
        index, a, b, k=k, mode=mode, max_depth=max_depth, edge_types=types, exclude=excluded, deadline=deadline
    )
    return {
        "from": {"id": index.iri_of(a), "label": index.labels[a]},
        "to": {"id": index.iri_of(b), "label": index.labels[b]},
        "connected": fewest.hops is not None,
        "hops": fewest.hops,
        "shortest_paths": fewest.count,
        "paths": [explain(index, p) for p in found],
        "limits": {"k": k, "max_depth": max_depth, "mode": mode, "via": sorted(types) if types else None},
        "index": _meta(index, started),
    }


def collaborators_answer(
    index: GraphIndex,
    minter: Minter,
    person: str,
    *,
    field: str | None = None,
    country: str | None = None,
    mission: str | None = None,
    limit: int = 10,
    deadline: float | None = None,
) -> dict[str, Any]:
    started = time.monotonic()
    me = _node(index, person, "for", "person")
    limit = _bounded(limit, "limit", 1, MAX_LIMIT)
    field_id = _node(index, field, "field", "field") if field else None
    mission_id = _node(index, mission, "mission", "mission") if mission else None
    country_iri = None
    if country:
        country = country.strip()
        country_iri = minter.entity("country", country.upper()).value if len(country) == 2 else country
    found = suggest(index, me, field=field_id, country=country_iri, mission=mission_id, limit=limit, deadline=deadline)
    return {
        "for": {"id": index.iri_of(me), "label": index.labels[me]},
        "filters": {"field": field, "country": country_iri, "mission": mission},
        "suggestions": [
            {
                "id": index.iri_of(s.candidate),
                "label": index.labels[s.candidate],
                "score": round(s.score, 6),
                "shared_fields": [{"id": index.iri_of(f), "label": index.labels[f]} for f in s.shared_fields],
                "shared_programmes": [{"id": index.iri_of(p), "label": index.labels[p]} for p in s.shared_programmes],
                "introducer": (
                    {"id": index.iri_of(s.introducer), "label": index.labels[s.introducer]}
                    if s.introducer is not None
                    else None
                ),
                "paths": s.paths,
            }
            for s in found
        ],
        "index": _meta(index, started),
    }


MAX_QUERY = 200


def search_answer(index: GraphIndex, query: str, *, kind: str | None = None, limit: int = 20) -> dict[str, Any]:
    """Nodes found by name (see :mod:`stigraph.search.index`), in the caller's scope."""
    started = time.monotonic()
    query = query.strip()
    if not query or len(query) > MAX_QUERY:
        raise ParameterError(
            "the query is empty" if not query else f"the query has {len(query)} characters",
            context=ErrorContext(field="q", expected=f"1 to {MAX_QUERY} characters"),
        )
    if kind is not None and kind not in KINDS:
        raise ParameterError(f"kind is {kind!r}", context=ErrorContext(field="kind", expected=", ".join(KINDS)))
    limit = _bounded(limit, "limit", 1, MAX_LIMIT)
    allowed = None
    if kind is not None:
        code = KINDS.index(kind)
        allowed = {i for i in range(index.node_count) if index.kinds[i] == code}
    hits = index.names.search(query, limit=limit, allowed=allowed)
    return {
        "query": query,
        "results": [
            {
                "id": index.iri_of(h.node),
                "label": index.labels[h.node],
                "kind": index.kind_of(h.node),
                "matched": h.name,
                "match": ("exact", "prefix", "words")[h.rank],
            }
            for h in hits
        ],
        "index": _meta(index, started),
    }
