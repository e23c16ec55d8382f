"""The staging area: where one source's quads wait for validation before a commit.

In memory for the usual source; on disk (a scratch RocksDB directory, deleted afterwards) for a
dump too big to hold twice in memory next to its input: a million-researcher source (4.6 GB of
N-Triples) needed more than 24 GB staged in memory.
"""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, Quad, QuerySolutions, RdfFormat, Store

RAW_GRAPH = NamedNode("urn:stigraph:staging:raw")
"""Where loaders stage a source's triples; what stays here after routing is public."""
CONTEXT_GRAPH = NamedNode("urn:stigraph:staging:context")
"""Facts staged only so that validation can see them (types of referenced nodes, the class
hierarchy); never committed."""


TARGETS_GRAPH = NamedNode("urn:stigraph:staging:targets")
"""The focus nodes of each shape while validation runs (stigraph.validation); never committed."""


class StagingArea:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._store = Store(str(directory)) if directory is not None else Store()

    def close(self) -> None:
        """Drop the store and, on disk, its directory."""
        self._store = Store()
        if self.directory is not None:
            gc.collect()  # the RocksDB handle closes when the store object is freed
            shutil.rmtree(self.directory, ignore_errors=True)

    def extend(self, quads: Iterable[Quad]) -> None:
        self._store.extend(quads)

    def bulk_load(self, data: bytes, fmt: RdfFormat, *, to_graph: NamedNode | None = None) -> None:
        self._store.bulk_load(data, format=fmt, to_graph=to_graph)

    def add_context(self, quads: Iterable[Quad]) -> None:
        self._store.extend(Quad(q.subject, q.predicate, q.object, CONTEXT_GRAPH) for q in quads)

    def add_targets(self, quads: Iterable[Quad]) -> None:
        self._store.extend(Quad(q.subject, q.predicate, q.object, TARGETS_GRAPH) for q in quads)

    def clear_targets(self) -> None:
        self._store.remove_graph(TARGETS_GRAPH)

    def data_graphs(self) -> list[NamedNode]:
        return sorted(
            (
                g
                for g in self._store.named_graphs()
                if isinstance(g, NamedNode) and g not in (CONTEXT_GRAPH, TARGETS_GRAPH)
            ),
            key=lambda g: g.value,
        )

    def select(self, sparql: str) -> QuerySolutions:
        """Run a SELECT over the data graphs plus the context graph as one default graph (the
        validation targets are reachable as a named graph only)."""
        graphs: list[Any] = [*self.data_graphs(), CONTEXT_GRAPH]
        result = self._store.query(sparql, default_graph=graphs, named_graphs=[*graphs, TARGETS_GRAPH])
        assert isinstance(result, QuerySolutions)
        return result

    def quads(self, graph: NamedNode | None = None) -> Iterator[Quad]:
        return iter(self._store.quads_for_pattern(None, None, None, graph))

    def quads_matching(
        self,
        *,
        subject: Any = None,
        predicate: NamedNode | None = None,
        obj: Any = None,
        graph: NamedNode | None = None,
    ) -> Iterator[Quad]:
        return iter(self._store.quads_for_pattern(subject, predicate, obj, graph))

    def remove(self, quads: Iterable[Quad]) -> None:
        for q in quads:
            self._store.remove(q)

    def ask(self, sparql: str) -> bool:
        result = self._store.query(sparql)
        return bool(result)

    def count(self, graph: NamedNode) -> int:
        """Counted by the engine: iterating the quads would decode every term (a random read per
        IRI on a store staged on disk: minutes for 30M triples), COUNT decodes none."""
        result = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=graph)
        assert isinstance(result, QuerySolutions)
        return int(next(iter(result))["n"].value)

    def is_empty(self, graph: NamedNode) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None, graph)), None) is None

    def serialize(self, graph: NamedNode) -> bytes:
        """The graph's triples as N-Triples, ready for a bulk load into that graph."""
        out = self._store.dump(format=RdfFormat.N_TRIPLES, from_graph=graph)
        assert out is not None
        return out

    def dump_to(self, graph: NamedNode, path: Path) -> int:
        """Write the graph's triples as N-Triples to ``path`` (streamed); its size in bytes."""
        with path.open("wb") as out:
            self._store.dump(out, format=RdfFormat.N_TRIPLES, from_graph=graph)
        return path.stat().st_size
