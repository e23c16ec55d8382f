"""The remote backend: stigraph's store facade on an external SPARQL engine.

The engine holds the data; the service keeps only what it derives (answer tables, path
indexes) in its state directory. What the embedded backend does with files, this one does with
the protocols:

- **Scopes** are datasets. A scope's queries get its visible graphs as both
  ``default-graph-uri`` (their union is the default graph, as in the embedded snapshots) and
  ``named-graph-uri``, and the text is checked for ways around them (:mod:`stigraph.store.dialect`).
- **Writes are all or nothing.** A write block stages every quad it adds in private graphs on the
  engine (Graph Store POSTs of N-Triples written by pyoxigraph, in chunks), then commits with
  *one* SPARQL Update request: the block's operations in order (``DROP``, ``ADD`` from staging,
  its own updates), the new generation number, and the removal of the staging graphs. An engine
  runs one request as one transaction (Oxigraph does; Virtuoso rejects the whole request on a
  compile error). A block that fails before the commit drops its staging graphs and leaves the
  data as it was.
- **The generation** is a number in a system graph on the engine, written in the commit request,
  so it moves with the data it describes. Answer tables of a generation are written after it is
  committed, into a directory that appears whole; until then its curated queries run live.
- **Graphs** stigraph owns are listed in the same system graph (engines disagree on how to list
  graphs, and an engine may hold graphs that are not stigraph's, Virtuoso's own among them).
- **Parameters** are bound as a trailing ``VALUES`` clause of terms written by pyoxigraph, never
  pasted text.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from pyoxigraph import (
    NamedNode,
    Quad,
    RdfFormat,
    serialize,
)

from stigraph.config import Settings
from stigraph.errors import ErrorContext, StoreError
from stigraph.namespaces import Minter
from stigraph.scopes import graph_visible
from stigraph.store.base import StoreStats
from stigraph.store.bulk import OxigraphBulkLoader, VirtuosoBulkLoader
from stigraph.store.generations import Generations
from stigraph.store.remote import RemoteConfig, RemoteEndpoint
from stigraph.store.remote_view import RemoteScopeView
from stigraph.store.remote_writer import GENERATION, HOLDS, STAGING, SYSTEM, RemoteWriter


def remote_config(settings: Settings) -> RemoteConfig:
    if not settings.remote_query_url:
        raise StoreError(
            "the remote backend needs the engine's query URL",
            context=ErrorContext(field="STIGRAPH_REMOTE_QUERY_URL", expected="an http(s) URL of a SPARQL endpoint"),
        )
    return RemoteConfig(
        query_url=settings.remote_query_url,
        update_url=settings.remote_update_url or settings.remote_query_url,
        graph_store_url=settings.remote_graph_store_url or None,
        auth=settings.remote_auth,
        user=settings.remote_user,
        password=settings.remote_password.get_secret_value(),
        token=settings.remote_token.get_secret_value(),
        timeout=settings.remote_timeout,
        engine=settings.remote_engine,
        max_rows=settings.remote_max_rows,
        page_size=settings.remote_page_size,
    )


def bulk_loader(settings: Settings, endpoint: RemoteEndpoint) -> OxigraphBulkLoader | VirtuosoBulkLoader | None:
    """The engine's own loader for staged graphs, when one is configured (:mod:`.bulk`)."""
    if settings.remote_bulk_loader == "none":
        return None
    if settings.remote_bulk_loader == "oxigraph":
        return OxigraphBulkLoader(endpoint)
    if settings.remote_bulk_dir is None:
        raise StoreError(
            "the Virtuoso bulk loader needs a directory the engine reads",
            context=ErrorContext(field="STIGRAPH_REMOTE_BULK_DIR", expected="a directory in Virtuoso's DirsAllowed"),
        )
    return VirtuosoBulkLoader(
        settings.remote_bulk_dir,
        settings.remote_isql,
        settings.remote_isql_user,
        settings.remote_isql_password.get_secret_value(),
        settings.remote_isql_command,
    )


def read_generation(endpoint: RemoteEndpoint) -> int:
    text = f"SELECT ?n WHERE {{ GRAPH {SYSTEM} {{ {SYSTEM} {GENERATION} ?n }} }}"
    rows = endpoint.select(text, named_graphs=[SYSTEM])
    return max((int(r["n"].value) for r in rows), default=0)


def held_graphs(endpoint: RemoteEndpoint) -> list[NamedNode]:
    rows = endpoint.select(f"SELECT ?g WHERE {{ GRAPH {SYSTEM} {{ {SYSTEM} {HOLDS} ?g }} }}", named_graphs=[SYSTEM])
    return sorted((r["g"] for r in rows if isinstance(r["g"], NamedNode)), key=lambda g: g.value)


def scope_view(endpoint: RemoteEndpoint, minter: Minter, scope: str) -> RemoteScopeView:
    """The engine seen by one scope: its visible graphs as the dataset."""
    return RemoteScopeView(endpoint, [g for g in held_graphs(endpoint) if graph_visible(g.value, minter, scope)])


class RemoteGenerations(Generations):
    """The engine's generation number; the state directory keeps what is derived from it."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.store_path)
        self.endpoint = RemoteEndpoint(remote_config(settings))

    def current(self) -> int:
        return read_generation(self.endpoint)

    def path(self, number: int) -> Path:
        """What exists here for a generation: its derived data, once written (else the state
        directory)."""
        derived = self.derived_path(number)
        return derived if derived.exists() else self.root


Deriver = Callable[[Path, Callable[[str], Any]], None]


class RemoteStore:
    """An external SPARQL engine behind the :class:`GraphStore` interface."""

    def __init__(self, settings: Settings, *, write: bool = False, derivers: list[Deriver] | None = None) -> None:
        self._settings = settings
        self._write = write
        self.derivers: list[Deriver] = derivers or []
        self.minter = Minter(settings.base_iri)
        self.endpoint = RemoteEndpoint(remote_config(settings))
        self.bulk = bulk_loader(settings, self.endpoint) if write else None
        self._gens = Generations(settings.store_path)  # the state directory: writer lock, derived data
        self.janitor_report = None
        if write:
            self._gens.acquire_writer()
        try:
            self._generation = self.read_generation()
        except Exception:
            self.close()
            raise

    # -- reading -------------------------------------------------------------------------
    def read_generation(self) -> int:
        return read_generation(self.endpoint)

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def derived_dir(self) -> Path | None:
        return self._gens.derived_path(self._generation) if self._generation else None

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def location(self) -> str:
        return self.endpoint.config.query_url

    def graphs(self) -> list[NamedNode]:
        return held_graphs(self.endpoint)

    def reconcile_graphs(self, named: set[str] | None = None) -> None:
        """After free-form updates: the graphs that hold data now, found by looking (slow on a
        big store, so only after such updates). Graphs outside stigraph's namespace stay outside
        unless stigraph wrote them, or the updates (``named``: the IRIs they name) did."""
        listed = set(self.graphs())
        found = {
            r["g"]
            for r in self.endpoint.select_pages(
                "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g",
            )
            if isinstance(r["g"], NamedNode)
        }
        named = named or set()
        ours = {g for g in found if self.minter.graph_source(g.value) is not None or g in listed or g.value in named}
        ours.discard(SYSTEM)
        ours = {g for g in ours if not g.value.startswith(STAGING)}
        gone, new = listed - ours, ours - listed
        ops = []
        if gone:
            ops.append(f"DELETE DATA {{ GRAPH {SYSTEM} {{ {' . '.join(f'{SYSTEM} {HOLDS} {g}' for g in gone)} }} }}")
        if new:
            ops.append(f"INSERT DATA {{ GRAPH {SYSTEM} {{ {' . '.join(f'{SYSTEM} {HOLDS} {g}' for g in new)} }} }}")
        if ops:
            self.endpoint.update(" ;\n".join(ops))

    def view(self, scope: str) -> RemoteScopeView:
        return scope_view(self.endpoint, self.minter, scope)

    def query(
        self,
        sparql: str,
        *,
        default_graph: list[NamedNode] | None = None,
        named_graphs: list[NamedNode] | None = None,
        union_default_graph: bool = False,
        substitutions: dict[Any, Any] | None = None,
    ) -> Any:
        return self.view("all").query(
            sparql,
            default_graph=default_graph,
            named_graphs=named_graphs,
            use_default_graph_as_union=union_default_graph,
            substitutions=substitutions,
        )

    def quads(self, graph: NamedNode | None = None) -> Iterator[Quad]:
        view = self.view("all")
        graphs = [graph] if graph is not None else view.graphs
        for g in graphs:
            if g in set(view.graphs):
                yield from (Quad(t.subject, t.predicate, t.object, g) for t in self.endpoint.graph(g))

    def match(self, predicate: NamedNode, graphs: list[NamedNode], obj: NamedNode | None = None) -> Iterator[Quad]:
        view = self.view("all")
        for g in graphs:
            yield from view.quads_for_pattern(None, predicate, obj, g)

    def stats(self) -> StoreStats:
        graphs = self.graphs()
        if not graphs:
            return StoreStats(generation=self._generation, quads=0)
        counts = {
            s["g"].value: int(s["n"].value)
            for s in self.endpoint.select(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
                named_graphs=graphs,
            )
        }
        classes = {
            s["c"].value: int(s["n"].value)
            for s in self.endpoint.select(
                "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c ORDER BY DESC(?n) ?c",
                named_graphs=graphs,
            )
        }
        return StoreStats(generation=self._generation, quads=sum(counts.values()), graphs=counts, classes=classes)

    def dump(self, output: IO[bytes], fmt: RdfFormat, *, graphs: list[NamedNode] | None) -> None:
        if graphs is not None and not fmt.supports_datasets:
            raise StoreError(f"{fmt.name} holds one graph; choose N-Quads, TriG or JSON-LD for several")
        chosen = self.graphs() if graphs is None else graphs
        quads = (Quad(t.subject, t.predicate, t.object, g) for g in chosen for t in self.endpoint.graph(g))
        serialize(quads, output, format=fmt)

    def backup(self, target: Path) -> None:
        raise StoreError(
            "a remote engine is backed up with its own tools (docs/scaling.md); `stigraph export` writes its data",
            context=ErrorContext(source=self.location),
        )

    # -- writing -------------------------------------------------------------------------
    @contextmanager
    def writing(self, *, base: Path | None = None) -> Iterator[RemoteWriter]:
        if base is not None:
            raise StoreError("restore from a backup is done with the engine's own tools on a remote backend")
        if not self._write:
            raise StoreError("store was opened read-only; open it for writing to change it")
        number = self.read_generation() + 1
        writer = RemoteWriter(self, f"{os.getpid()}:{number}")
        try:
            yield writer
            writer.commit(number)
        except BaseException:
            writer.abandon()
            raise
        self._generation = number
        self._derive(number)

    def _derive(self, number: int, derivers: list[Deriver] | None = None) -> None:
        """Derived data of a committed generation, written aside and moved into place whole."""
        final = self._gens.derived_path(number)
        final.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f"{final.name}.", dir=final.parent))
        views: dict[str, RemoteScopeView] = {}

        def open_scope(scope: str) -> RemoteScopeView:
            if scope not in views:
                views[scope] = self.view(scope)
            return views[scope]

        try:
            for derive in self.derivers if derivers is None else derivers:
                derive(scratch, open_scope)
            shutil.rmtree(final, ignore_errors=True)
            os.replace(scratch, final)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        for old in final.parent.glob("g*.answers"):
            if old != final:
                shutil.rmtree(old, ignore_errors=True)

    def derive_current(self, derivers: list[Deriver] | None = None) -> None:
        if self._generation:
            self._derive(self._generation, derivers)

    def ensure_snapshots(self) -> bool:
        """Scopes are datasets on a remote engine: there are no snapshots to make."""
        return False

    def snapshots_missing(self) -> bool:
        return False

    def drop_history(self) -> None:
        """A remote engine keeps no generations of its own to drop."""

    def close(self) -> None:
        self.endpoint.close()
        self._gens.release_writer()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["RemoteGenerations", "RemoteScopeView", "RemoteStore", "RemoteWriter", "scope_view"]
