"""What one scope may read, whoever holds the store.

The CLI holds the whole store and picks the scope's graphs; a query worker holds the scope's
snapshot, in which only those graphs exist. Exports read through this one view either way, so
a dump, its description and the partner profile are computed the same way in both places and
can never reach a graph outside the scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pyoxigraph import DefaultGraph, NamedNode, Quad, QuerySolutions

from stigraph.namespaces import Minter
from stigraph.scopes import graph_visible


@dataclass
class ScopeView:
    """The graphs of one scope, their quads, SPARQL over their union, and the load records.

    ``meta`` yields the quads of the meta graph (the PROV record of every load): they describe
    the data without being part of any scope's data, so :mod:`stigraph.export.describe` reads
    them and keeps only what concerns the graphs of this scope.
    """

    scope: str
    generation: int
    minter: Minter
    graphs: list[NamedNode]
    _quads: Callable[[NamedNode], Iterator[Quad]]
    _query: Callable[[str, list[NamedNode]], Any]
    _meta: Callable[[], Iterator[Quad]]

    def quads(self) -> Iterator[Quad]:
        """Every quad of the scope, graph after graph (an index scan: nothing is held)."""
        for g in self.graphs:
            yield from self._quads(g)

    def graph_quads(self, graph: NamedNode) -> Iterator[Quad]:
        return self._quads(graph)

    def query(self, sparql: str) -> Any:
        """SPARQL over the scope: its graphs as named graphs and their union as the default graph
        (where a triple stated in two graphs is seen twice: count with DISTINCT or per graph)."""
        return self._query(sparql, self.graphs)

    def select(self, sparql: str) -> QuerySolutions:
        result = self.query(sparql)
        assert isinstance(result, QuerySolutions), "a SELECT was expected"
        return result

    def meta(self) -> Iterator[Quad]:
        return self._meta()


def view_of_store(store: Any, minter: Minter, scope: str) -> ScopeView:
    """A view on a :class:`stigraph.store.GraphStore` (the CLI): the scope's graphs of it."""
    graphs = [g for g in store.graphs() if graph_visible(g.value, minter, scope)]
    meta = minter.meta_graph

    def meta_quads() -> Iterator[Quad]:
        return store.quads(meta) if meta in store.graphs() else iter(())

    return ScopeView(
        scope=scope,
        generation=store.generation,
        minter=minter,
        graphs=graphs,
        _quads=store.quads,
        _query=lambda sparql, gs: store.query(sparql, default_graph=gs, named_graphs=gs),
        _meta=meta_quads,
    )


def view_of_snapshot(snapshot: Any, full: Any, minter: Minter, scope: str, generation: int) -> ScopeView:
    """A view on a worker's per-scope snapshot (a read-only pyoxigraph store) and, for the load
    records only, the generation itself (``full``)."""
    graphs = sorted(
        (g for g in snapshot.named_graphs() if isinstance(g, NamedNode) and graph_visible(g.value, minter, scope)),
        key=lambda g: g.value,
    )
    meta = minter.meta_graph

    def quads(graph: NamedNode) -> Iterator[Quad]:
        return iter(snapshot.quads_for_pattern(None, None, None, graph))

    def meta_quads() -> Iterator[Quad]:
        return iter(full.quads_for_pattern(None, None, None, meta))

    return ScopeView(
        scope=scope,
        generation=generation,
        minter=minter,
        graphs=graphs,
        _quads=quads,
        _query=lambda sparql, gs: snapshot.query(
            sparql, default_graph=list(gs) or [DefaultGraph()], named_graphs=list(gs)
        ),
        _meta=meta_quads,
    )
