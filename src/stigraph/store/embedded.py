"""The embedded pyoxigraph backend.

On disk, readers open the committed generation read-only and every write goes through
:meth:`EmbeddedStore.writing`, which forks a new generation and publishes it only when the
whole block succeeded (see :mod:`stigraph.store.generations`). In memory (tests, throw-away
runs) the same contract holds by swapping whole in-memory stores.
"""

from __future__ import annotations

import gc
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Any

from pyoxigraph import DefaultGraph, NamedNode, Quad, QuerySolutions, RdfFormat, Store, serialize

from stigraph.config import Settings
from stigraph.errors import ErrorContext, QueryError, StoreError
from stigraph.namespaces import Minter
from stigraph.scopes import graph_visible
from stigraph.store.base import StoreStats
from stigraph.store.generations import SNAPSHOT_SCOPES, Generations, JanitorReport

OPTIMIZE_AFTER_BYTES = 8 * 1024 * 1024
"""A write that bulk-loads this much is compacted before it is published: on a 10k-researcher
graph (~330k triples) compaction took 1.0 s and made a heavy aggregate 1.75x faster (1.02 s to
0.58 s, in process); small writes skip it."""


@dataclass
class Changes:
    """What the write being published changed, for derivers that keep data per graph: the named
    graphs it wrote (None: it cannot say, so every graph counts as written) and the derived
    directory of the generation it started from (None: none, or a restore)."""

    graphs: set[str] | None = None
    previous: Path | None = None


class _StoreWriter:
    """The operations of one write block, applied to a private fork; it notes which named
    graphs they write (:class:`Changes`)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.loaded_bytes = 0
        self.wants_compaction = False
        self.written: set[str] | None = set()  # named graphs (None: any)

    def _wrote(self, graph: object) -> None:
        if self.written is not None and isinstance(graph, NamedNode):
            self.written.add(graph.value)

    def _noting(self, quads: Iterable[Quad]) -> Iterator[Quad]:
        for q in quads:
            self._wrote(q.graph_name)
            yield q

    def _loading(self, fmt: RdfFormat, to_graph: NamedNode | DefaultGraph | None) -> None:
        if to_graph is not None:
            self._wrote(to_graph)
        elif fmt.supports_datasets:  # quads name their own graphs: which, only a parse would tell
            self.written = None

    def release(self) -> None:
        """Drop the handle: a caller that keeps the writer must not keep the RocksDB fork open
        (its background work would delete files of the generation readers are opening)."""
        self._store = None  # type: ignore[assignment]

    def clear_graph(self, graph: NamedNode | DefaultGraph) -> None:
        self._wrote(graph)
        if isinstance(graph, DefaultGraph):
            self._store.clear_graph(graph)
        elif self._store.contains_named_graph(graph):
            self._store.remove_graph(graph)

    def bulk_load(
        self,
        data: bytes,
        fmt: RdfFormat,
        *,
        to_graph: NamedNode | DefaultGraph | None = None,
        base_iri: str | None = None,
    ) -> None:
        if data:
            self._loading(fmt, to_graph)
            self._store.bulk_load(data, format=fmt, to_graph=to_graph, base_iri=base_iri)
            self.loaded_bytes += len(data)

    def bulk_load_file(self, path: Path, fmt: RdfFormat, *, to_graph: NamedNode | DefaultGraph | None = None) -> None:
        """Bulk-load a file without reading it into memory first (the big sources)."""
        size = path.stat().st_size
        if size:
            self._loading(fmt, to_graph)
            self._store.bulk_load(path=str(path), format=fmt, to_graph=to_graph)
            self.loaded_bytes += size

    def extend(self, quads: Iterable[Quad]) -> None:
        self._store.extend(self._noting(quads))

    def update(self, sparql: str, *, base_iri: str | None = None, graphs: Iterable[NamedNode] | None = None) -> None:
        """``graphs``: the named graphs the update can write, when the caller knows them (a
        free-form update may write any: all count as written)."""
        if graphs is None:
            self.written = None
        else:
            for g in graphs:
                self._wrote(g)
        self._store.update(sparql, base_iri=base_iri)

    def graphs(self) -> list[NamedNode]:
        return [g for g in self._store.named_graphs() if isinstance(g, NamedNode)]

    def quads(
        self, *, subject: NamedNode | None = None, obj: NamedNode | None = None, graph: NamedNode | None = None
    ) -> list[Quad]:
        """The quads of a pattern in the data this write will commit."""
        return list(self._store.quads_for_pattern(subject, None, obj, graph))

    def remove(self, quads: Iterable[Quad]) -> None:
        for q in self._noting(quads):
            self._store.remove(q)

    def compact(self) -> None:
        """Ask for a full compaction before publishing, so that removed data is gone from the
        files of the new generation, not only hidden by tombstones (erasure needs that)."""
        self.wants_compaction = True

    def query(self, sparql: str, *, union_default_graph: bool = False) -> Any:
        """Read the data this write will commit (work that must land in the same generation,
        such as identity reconciliation after a load, reads it here)."""
        try:
            return self._store.query(sparql, use_default_graph_as_union=union_default_graph)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None


Deriver = Callable[[Path, Callable[[str], Store]], None]
"""Computes data from a generation before it is published: called with the directory to write
into and a function opening the store a scope reads (see :mod:`stigraph.catalog.tables`)."""


class EmbeddedStore:
    """pyoxigraph on disk (or in memory) behind the :class:`GraphStore` interface."""

    def __init__(self, settings: Settings, *, write: bool = False, derivers: list[Deriver] | None = None) -> None:
        self._settings = settings
        self._write = write
        self.derivers: list[Deriver] = derivers or []
        self.changes = Changes()  # of the write being published, while the derivers run
        self._gens: Generations | None = None
        self.janitor_report: JanitorReport | None = None
        if settings.in_memory:
            self._store = Store()
            self._generation = 0
            return
        self._gens = Generations(settings.store_path)
        if write:
            self._gens.acquire_writer()
            try:
                # a load that died left its on-disk staging area (the lock says none is running)
                shutil.rmtree(settings.store_path / "staging", ignore_errors=True)
                self.janitor_report = self._gens.janitor(settings.keep_generations)
            except Exception:
                self._gens.release_writer()
                raise
        self._open_current()

    def _open_current(self) -> None:
        assert self._gens is not None
        self._generation = self._gens.current()
        if self._generation == 0:
            self._store = Store()  # nothing committed yet: an empty dataset
            return
        path = self._gens.path(self._generation)
        try:
            self._store = Store.read_only(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open store generation: {exc}", context=ErrorContext(file=str(path))) from None

    # -- reading -------------------------------------------------------------------------
    @property
    def derived_dir(self) -> Path | None:
        """Where the data derived from the open generation is (None in memory, or before the
        first commit); it may not exist (derivers turned off)."""
        if self._gens is None or self._generation == 0:
            return None
        return self._gens.derived_path(self._generation)

    @property
    def generation(self) -> int:
        """Increases with every commit; consumers rebuild derived indexes when it changes."""
        return self._generation

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def location(self) -> str:
        return self._settings.store

    def query(
        self,
        sparql: str,
        *,
        default_graph: list[NamedNode] | None = None,
        named_graphs: list[NamedNode] | None = None,
        union_default_graph: bool = False,
        substitutions: dict[Any, Any] | None = None,
    ) -> Any:
        kwargs: dict[str, Any] = {}
        if default_graph is not None:
            kwargs["default_graph"] = default_graph or [DefaultGraph()]
        if named_graphs is not None:
            kwargs["named_graphs"] = named_graphs
        if union_default_graph:
            kwargs["use_default_graph_as_union"] = True
        if substitutions:
            kwargs["substitutions"] = substitutions
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except (OSError, ValueError, TypeError, RuntimeError) as exc:
            raise QueryError(f"query failed: {exc}") from None

    def quads(self, graph: NamedNode | None = None) -> Iterator[Quad]:
        return iter(self._store.quads_for_pattern(None, None, None, graph))

    def match(self, predicate: NamedNode, graphs: list[NamedNode], obj: NamedNode | None = None) -> Iterator[Quad]:
        """Every quad with ``predicate`` in ``graphs``: an index scan without query planning, for
        builders of in-memory indexes that join in Python (a SPARQL join over millions of rows
        costs them five times more)."""
        for g in graphs:
            yield from self._store.quads_for_pattern(None, predicate, obj, g)

    def graphs(self) -> list[NamedNode]:
        return sorted(
            (g for g in self._store.named_graphs() if isinstance(g, NamedNode)),
            key=lambda g: g.value,
        )

    def __len__(self) -> int:
        return len(self._store)

    def stats(self) -> StoreStats:
        graphs = {
            s["g"].value: int(s["n"].value)
            for s in self._query_solutions(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
            )
        }
        classes = {
            s["c"].value: int(s["n"].value)
            for s in self._query_solutions(
                "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c ORDER BY DESC(?n) ?c"
            )
        }
        return StoreStats(generation=self._generation, quads=len(self._store), graphs=graphs, classes=classes)

    def _query_solutions(self, sparql: str) -> QuerySolutions:
        result = self._store.query(sparql)
        assert isinstance(result, QuerySolutions)
        return result

    def dump(self, output: IO[bytes], fmt: RdfFormat, *, graphs: list[NamedNode] | None) -> None:
        """Stream the given graphs (all when None) with their graph names, in one document."""
        if graphs is None:
            self._store.dump(output, format=fmt)
            return
        if not fmt.supports_datasets:
            raise StoreError(f"{fmt.name} holds one graph; choose N-Quads, TriG or JSON-LD for several")
        quads = chain.from_iterable(self._store.quads_for_pattern(None, None, None, g) for g in graphs)
        serialize(quads, output, format=fmt)

    def backup(self, target: Path) -> None:
        if self._settings.in_memory:
            raise StoreError("an in-memory store has no backup; use export instead")
        if target.exists():
            raise StoreError("backup target already exists", context=ErrorContext(file=str(target)))
        if self._generation == 0:
            raise StoreError("nothing committed yet: there is nothing to back up")
        self._store.backup(str(target))

    # -- writing -------------------------------------------------------------------------
    @contextmanager
    def writing(self, *, base: Path | None = None) -> Iterator[_StoreWriter]:
        """One all-or-nothing write: changes become visible only if the block completes.

        ``base`` starts the new generation from a backup directory instead of the current
        state (restore).
        """
        if self._settings.in_memory:
            fork = Store()
            if base is not None:
                raise StoreError("restore needs an on-disk store")
            fork.extend(self._store.quads_for_pattern(None, None, None, None))
            yield _StoreWriter(fork)
            self._store = fork
            self._generation += 1
            return
        if not self._write:
            raise StoreError("store was opened read-only; open it for writing to change it")
        assert self._gens is not None
        number = self._gens.next_number()
        path = self._gens.path(number)
        path.parent.mkdir(parents=True, exist_ok=True)
        fork: Store | None = None
        writer: _StoreWriter | None = None
        try:
            if base is not None:
                Store.read_only(str(base)).backup(str(path))
            elif self._generation:
                self._store.backup(str(path))
            fork = Store(str(path))
            writer = _StoreWriter(fork)
            yield writer
            fork.flush()
            if writer.loaded_bytes >= OPTIMIZE_AFTER_BYTES or writer.wants_compaction:
                fork.optimize()
            self._build_snapshots(fork, number)
            previous = self._gens.derived_path(self._generation) if self._generation and base is None else None
            self.changes = Changes(writer.written, previous if previous is not None and previous.exists() else None)
            self._derive(fork, number)
        except BaseException:
            if writer is not None:
                writer.release()
            fork = None
            gc.collect()
            self._gens.remove(number)
            raise
        writer.release()
        fork = None
        gc.collect()  # closes the RocksDB handle before the generation is published
        self._gens.publish(number)
        self._open_current()
        self.janitor_report = self._gens.janitor(self._settings.keep_generations)

    def drop_history(self) -> None:
        """Delete every generation but the current one (and their snapshots and answers): after
        an erasure, the data must not survive in a generation kept for rollback."""
        if self._gens is not None:
            self.janitor_report = self._gens.janitor(1)

    def _build_snapshots(self, source: Store, number: int) -> None:
        """Write the per-scope snapshots of generation ``number`` before it is published.

        Each snapshot is a hard-linked checkpoint with the graphs its scope may not see removed,
        so what a scope may not read does not exist in the store its queries run on. Removing
        costs time per hidden quad (~22 µs), and hidden data is the small part of a source.
        """
        assert self._gens is not None
        minter = Minter(self._settings.base_iri)
        for scope in SNAPSHOT_SCOPES:  # partner first, then public derived from it
            target = self._gens.snapshot_path(number, scope)
            shutil.rmtree(target, ignore_errors=True)
            source.backup(str(target))
            snap = Store(str(target))
            snap.clear_graph(DefaultGraph())
            for g in list(snap.named_graphs()):
                if not isinstance(g, NamedNode) or not graph_visible(g.value, minter, scope):
                    snap.remove_graph(g)
            snap.flush()
            source = snap
        source = None  # type: ignore[assignment]
        snap = None  # type: ignore[assignment]
        gc.collect()

    def _derive(self, fork: Store, number: int, derivers: list[Deriver] | None = None) -> None:
        """Run the derivers on the generation about to be published, each scope's own store."""
        assert self._gens is not None
        gens = self._gens
        opened: dict[str, Store] = {"all": fork}

        def open_scope(scope: str) -> Store:
            if scope not in opened:
                opened[scope] = Store.read_only(str(gens.snapshot_path(number, scope)))
            return opened[scope]

        try:
            for derive in self.derivers if derivers is None else derivers:
                derive(gens.derived_path(number), open_scope)
        finally:
            opened.clear()
            gc.collect()

    def derive_current(self, derivers: list[Deriver] | None = None) -> None:
        """Run the derivers again on the committed generation (a store written before they
        existed, or with them turned off). Their output is a function of the generation, so
        writing it after publish changes no answer; it only makes answers faster."""
        if self._gens is None or self._generation == 0:
            return
        if not self._write:
            raise StoreError("deriving data needs the store opened for writing (it holds the writer lock)")
        self.changes = Changes()
        self._derive(self._store, self._generation, derivers)

    def snapshots_missing(self) -> bool:
        """True when the committed generation predates per-scope snapshots."""
        if self._gens is None or self._generation == 0:
            return False
        return any(not self._gens.snapshot_path(self._generation, sc).exists() for sc in SNAPSHOT_SCOPES)

    def ensure_snapshots(self) -> bool:
        """Build the snapshots a store written by an older stigraph lacks; True if it built any."""
        if not self.snapshots_missing():
            return False
        if not self._write:
            raise StoreError("building snapshots needs the store opened for writing")
        assert self._gens is not None
        # The committed generation is never written after publish: checkpoint it first and
        # derive the snapshots from the checkpoint.
        number = self._generation
        tmp = self._gens.dir / f"g{number:06d}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        self._store.backup(str(tmp))
        source: Store | None = None
        try:
            source = Store(str(tmp))
            self._build_snapshots(source, number)
        finally:
            source = None
            gc.collect()
            shutil.rmtree(tmp, ignore_errors=True)
        return True

    def close(self) -> None:
        self._store = Store()
        gc.collect()
        if self._gens is not None:
            self._gens.release_writer()

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(settings: Settings, *, write: bool = False) -> Any:
    """Open the configured backend: the embedded store, or the remote engine (``backend``).

    A writer also gets the derivers the settings ask for, so that every way of writing (a load,
    an update, the Graph Store Protocol, a restore) publishes its generation with them."""
    derivers: list[Deriver] = []
    if write and settings.precompute_answers and not settings.in_memory:
        from stigraph.catalog.tables import answer_tables  # the catalogue builds on the store, not back

        derivers.append(answer_tables(settings.queries_dir, skip_failing=settings.backend == "remote"))
    if settings.backend == "remote":
        from stigraph.store.remote_store import RemoteStore

        return RemoteStore(settings, write=write, derivers=derivers)  # type: ignore[arg-type]
    store = EmbeddedStore(settings, write=write, derivers=derivers)
    if write and settings.precompute_path_rows and not settings.in_memory:
        from stigraph.paths.rows import path_rows  # the path index builds on the store, not back

        store.derivers.append(path_rows(store, settings))
    return store
