"""Which graphs a scope may see. Queries, exports and indexes get only these graphs."""

from __future__ import annotations

from typing import Literal

from pyoxigraph import NamedNode

from stigraph.namespaces import VISIBILITIES, Minter
from stigraph.store.base import GraphStore

Scope = Literal["public", "partner", "all"]
SCOPES: tuple[Scope, ...] = ("public", "partner", "all")
_ALLOWED = {"public": {"public"}, "partner": {"public", "partner"}, "all": set(VISIBILITIES)}


def scope_graphs(store: GraphStore, minter: Minter, scope: Scope) -> list[NamedNode]:
    """Graphs visible in ``scope``. Graphs not minted by stigraph are visible only to ``all``."""
    if scope not in _ALLOWED:
        raise ValueError(f"unknown scope {scope!r}")
    graphs = []
    for g in store.graphs():
        owner = minter.graph_source(g.value)
        if scope == "all" or (owner is not None and owner[1] in _ALLOWED[scope]):
            graphs.append(g)
    return graphs
