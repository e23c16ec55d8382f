"""One write block on a remote engine: staged in private graphs, committed in one update
request with the new generation (see :mod:`stigraph.store.remote_store`)."""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from stigraph.errors import ErrorContext, StoreError
from stigraph.sparql.lexer import named_iris
from stigraph.store.remote import RemoteError
from stigraph.store.remote_view import RemoteScopeView

if TYPE_CHECKING:
    from stigraph.store.remote_store import RemoteStore

SYSTEM = NamedNode("urn:stigraph:system")
GENERATION = NamedNode("urn:stigraph:generation")
HOLDS = NamedNode("urn:stigraph:holds")  # SYSTEM HOLDS <graph>: a graph stigraph wrote
STAGING = "urn:stigraph:staging:"
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
log = logging.getLogger(__name__)
CHUNK_TRIPLES = 50_000  # triples per Graph Store POST while staging


class RemoteWriter:
    """One write block on the engine: staged, then committed in one request (module docstring)."""

    def __init__(self, store: RemoteStore, tag: str) -> None:
        self._store = store
        self._endpoint = store.endpoint
        self._tag = tag
        self._ops: list[str] = []
        self._staging: list[NamedNode] = []
        self._added: set[NamedNode] = set()
        self._dropped: set[NamedNode] = set()
        self._free_updates = False
        self._named: set[str] = set()  # the IRIs free-form updates name (graphs they may write)
        self.loaded_bytes = 0

    # -- staging -------------------------------------------------------------------------
    def _stage(self, target: NamedNode, triples: list[Triple]) -> None:
        staging = NamedNode(f"{STAGING}{self._tag}:{len(self._staging)}")
        self._staging.append(staging)
        sent = False
        if self._store.bulk is not None and triples:  # one file, read by the engine's own loader
            body = serialize(triples, format=RdfFormat.N_TRIPLES)
            assert body is not None
            self._store.bulk.load(body, staging)
            sent = True
        else:
            # a blank node is one node only within one request: triples with blank nodes go together
            together = any(isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode) for t in triples)
            for chunk in _chunks(triples, len(triples) if together else CHUNK_TRIPLES):
                body = serialize(chunk, format=RdfFormat.N_TRIPLES)
                assert body is not None
                self._endpoint.add_to_graph(staging, body)
                sent = True
        if sent:
            self._ops.append(f"ADD SILENT {staging} TO {target}")
            self._added.add(target)
            self._dropped.discard(target)

    def _stage_quads(self, quads: Iterable[Quad], to_graph: NamedNode | DefaultGraph | None) -> None:
        by_graph: dict[NamedNode, list[Triple]] = {}
        for q in quads:
            g = to_graph if to_graph is not None else q.graph_name
            if not isinstance(g, NamedNode):
                raise StoreError(
                    "a remote engine is written by named graph only (Virtuoso has no default graph of its own)",
                    context=ErrorContext(expected="quads in a named graph"),
                )
            by_graph.setdefault(g, []).append(Triple(q.subject, q.predicate, q.object))
        for g, triples in by_graph.items():
            self._stage(g, triples)

    # -- the Writer interface -----------------------------------------------------------
    def clear_graph(self, graph: NamedNode | DefaultGraph) -> None:
        if not isinstance(graph, NamedNode):
            raise StoreError("a remote engine has no default graph stigraph writes to", context=ErrorContext())
        self._ops.append(f"DROP SILENT GRAPH {graph}")
        self._dropped.add(graph)
        self._added.discard(graph)

    def bulk_load(
        self,
        data: bytes,
        fmt: RdfFormat,
        *,
        to_graph: NamedNode | DefaultGraph | None = None,
        base_iri: str | None = None,
    ) -> None:
        if data:
            self._stage_quads(_as_quads(parse(data, format=fmt, base_iri=base_iri)), to_graph)
            self.loaded_bytes += len(data)

    def bulk_load_file(self, path: Path, fmt: RdfFormat, *, to_graph: NamedNode | DefaultGraph | None = None) -> None:
        if path.stat().st_size:
            with path.open("rb") as f:
                self._stage_quads(_as_quads(parse(f, format=fmt)), to_graph)
            self.loaded_bytes += path.stat().st_size

    def extend(self, quads: Iterable[Quad]) -> None:
        self._stage_quads(quads, None)

    def update(self, sparql: str, *, base_iri: str | None = None, graphs: Iterable[NamedNode] | None = None) -> None:
        """``graphs`` (what the update writes, when the caller knows) is not needed here: the
        engine keeps no data per graph for stigraph."""
        self._ops.append(f"BASE {NamedNode(base_iri)}\n{sparql}" if base_iri else sparql)
        self._free_updates = True
        self._named |= named_iris(sparql)

    def remove(self, quads: Iterable[Quad]) -> None:
        for chunk in _chunks(quads, 2_000):
            body = " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in chunk)
            self._ops.append(f"DELETE DATA {{ {body} }}")
        self._free_updates = True

    def compact(self) -> None:
        """Nothing to ask: the engine compacts its own files."""

    def graphs(self) -> list[NamedNode]:
        return self._store.graphs()

    def quads(
        self, *, subject: NamedNode | None = None, obj: NamedNode | None = None, graph: NamedNode | None = None
    ) -> list[Quad]:
        """The committed quads of a pattern (what this block staged is not among them)."""
        return self._store.view("all").quads_for_pattern(subject, None, obj, graph)

    def query(self, sparql: str, *, union_default_graph: bool = False) -> Any:
        """Reads the committed data with what this block staged in place of what it replaced
        (its own updates, not yet run, are not seen)."""
        kept = [g for g in self._store.graphs() if g not in self._dropped]
        view = RemoteScopeView(self._endpoint, kept + self._staging)
        return view.query(sparql, use_default_graph_as_union=union_default_graph)

    # -- commit -----------------------------------------------------------------------
    def commit(self, generation: int) -> None:
        holds_before = set(self._store.graphs())
        holds = (holds_before - self._dropped) | self._added
        ops = list(self._ops)
        ops.append(f"DELETE WHERE {{ GRAPH {SYSTEM} {{ {SYSTEM} {GENERATION} ?n }} }}")
        number = Literal(str(generation), datatype=XSD_INTEGER)
        ops.append(f"INSERT DATA {{ GRAPH {SYSTEM} {{ {SYSTEM} {GENERATION} {number} }} }}")
        gone = holds_before - holds
        if gone:
            ops.append(f"DELETE DATA {{ GRAPH {SYSTEM} {{ {' . '.join(f'{SYSTEM} {HOLDS} {g}' for g in gone)} }} }}")
        new = holds - holds_before
        if new:
            ops.append(f"INSERT DATA {{ GRAPH {SYSTEM} {{ {' . '.join(f'{SYSTEM} {HOLDS} {g}' for g in new)} }} }}")
        self._endpoint.update(" ;\n".join(ops))
        # The staging graphs go once the commit has landed, in their own request: no scope sees
        # them (they are not held), and dropping a million triples is Oxigraph's slowest update
        # (83 s, more than the copy), which inside the commit pushed it past the timeout.
        self._drop_staging()
        if self._free_updates:
            self._store.reconcile_graphs(self._named)

    def _drop_staging(self) -> None:
        if not self._staging:
            return
        try:
            self._endpoint.update(" ;\n".join(f"DROP SILENT GRAPH {s}" for s in self._staging))
        except RemoteError as exc:  # committed already: the leftovers are unseen, and said so
            log.warning("the commit landed; dropping its staging graphs failed (%s): %s", exc, self._staging)

    def abandon(self) -> None:
        for s in self._staging:
            with contextlib.suppress(RemoteError):
                self._endpoint.drop_graph(s)


def _as_quads(items: Iterable[Any]) -> Iterator[Quad]:
    for t in items:
        yield t if isinstance(t, Quad) else Quad(t.subject, t.predicate, t.object, DefaultGraph())


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk
