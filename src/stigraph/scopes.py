"""Which graphs a scope may see. Queries, exports and indexes get only these graphs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from stigraph.namespaces import VISIBILITIES, Minter

if TYPE_CHECKING:
    from pyoxigraph import NamedNode

    from stigraph.store.base import GraphStore

Scope = Literal["public", "partner", "all"]
SCOPES: tuple[Scope, ...] = ("public", "partner", "all")
_ALLOWED = {"public": {"public"}, "partner": {"public", "partner"}, "all": set(VISIBILITIES)}


def graph_visible(graph: str, minter: Minter, scope: str) -> bool:
    """Whether ``scope`` sees the graph IRI. Graphs not minted by stigraph (and the default
    graph, and the meta graph) are visible only to ``all``: unknown data is never public."""
    if scope not in _ALLOWED:
        raise ValueError(f"unknown scope {scope!r}")
    if scope == "all":
        return True
    owner = minter.graph_source(graph)
    return owner is not None and owner[1] in _ALLOWED[scope]


def scope_graphs(store: GraphStore, minter: Minter, scope: Scope) -> list[NamedNode]:
    """Graphs visible in ``scope``."""
    return [g for g in store.graphs() if graph_visible(g.value, minter, scope)]
