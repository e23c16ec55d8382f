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

import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from stigraph.config import Settings
from stigraph.errors import ErrorContext, QueryError, StoreError
from stigraph.namespaces import Minter
from stigraph.scopes import graph_visible
from stigraph.sparql.lexer import check, tokens
from stigraph.store.base import StoreStats
from stigraph.store.dialect import NO_GRAPH
from stigraph.store.generations import Generations
from stigraph.store.remote import RemoteConfig, RemoteEndpoint, RemoteError

SYSTEM = NamedNode("urn:stigraph:system")
GENERATION = NamedNode("urn:stigraph:generation")
HOLDS = NamedNode("urn:stigraph:holds")  # SYSTEM HOLDS <graph>: a graph stigraph wrote
STAGING = "urn:stigraph:staging:"
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
CHUNK_TRIPLES = 50_000  # triples per Graph Store POST while staging
_UNLIMITED = 1 << 40


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


def _form(sparql: str) -> str:
    return check(sparql, max_bytes=_UNLIMITED, max_depth=_UNLIMITED).form


def with_values(sparql: str, substitutions: dict[Any, Any] | None) -> str:
    """The query with its substitutions as a ``VALUES`` block opening its outermost group
    pattern: variables and terms written by pyoxigraph, never request text.

    At the head of the group, the values are joined before the group's ``BIND``, ``OPTIONAL``
    and ``FILTER`` are applied, which is what binding them beforehand (pyoxigraph's
    ``substitutions``) means there; a trailing ``VALUES`` would be joined only at the end, after
    a ``BIND (COALESCE(?x, ...))`` had already seen ``?x`` unbound."""
    if not substitutions:
        return sparql
    names = list(substitutions)
    head = " ".join(str(v) if str(v).startswith("?") else f"?{v}" for v in names)
    row = " ".join(str(substitutions[v]) for v in names)
    at = _outer_group(sparql)
    return f"{sparql[: at + 1]} VALUES ({head}) {{ ({row}) }} {sparql[at + 1 :]}"


def _outer_group(sparql: str) -> int:
    """Offset of the ``{`` that opens the query's WHERE clause."""
    depth = 0
    seen_form = seen_where = False
    for t in tokens(sparql):
        if t.kind == "word" and depth == 0:
            word = t.text.upper()
            if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                seen_form = True
            elif word == "WHERE":
                seen_where = True
        elif t.kind == "punct":
            if t.text == "{":
                if depth == 0 and seen_form and (seen_where or not _has_outer_where(sparql)):
                    return t.start
                depth += 1
            elif t.text == "}":
                depth -= 1
    raise QueryError("the query has no group pattern to bind its parameters in", context=ErrorContext())


def _has_outer_where(sparql: str) -> bool:
    depth = 0
    for t in tokens(sparql):
        if t.kind == "punct":
            depth += {"{": 1, "}": -1}.get(t.text, 0)
        elif t.kind == "word" and depth == 0 and t.text.upper() == "WHERE":
            return True
    return False


class RemoteTriples:
    """The triples of a CONSTRUCT or DESCRIBE, with the ``serialize`` of pyoxigraph's results."""

    def __init__(self, triples: list[Triple]) -> None:
        self._triples = triples

    def __iter__(self) -> Iterator[Triple]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def serialize(self, output: IO[bytes] | None = None, format: RdfFormat = RdfFormat.N_TRIPLES) -> bytes | None:
        return serialize(self._triples, output, format=format)


class RemoteScopeView:
    """What a query worker, a deriver or an export reads of one scope: the part of pyoxigraph's
    ``Store`` they use, answered by the engine over the scope's graphs."""

    def __init__(self, endpoint: RemoteEndpoint, graphs: Sequence[NamedNode]) -> None:
        self.endpoint = endpoint
        self.graphs = list(graphs)

    def _dataset(
        self,
        default_graph: Sequence[NamedNode | DefaultGraph] | None,
        named_graphs: Sequence[NamedNode] | None,
        union: bool,
    ) -> tuple[list[NamedNode], list[NamedNode]]:
        allowed = set(self.graphs)
        if union:
            default = list(self.graphs)
        elif default_graph is not None:
            default = [g for g in default_graph if isinstance(g, NamedNode) and g in allowed]
        else:
            default = []  # the scope's default graph: empty, as in the embedded snapshots
        named = [g for g in named_graphs if g in allowed] if named_graphs is not None else list(self.graphs)
        return default or [NamedNode(NO_GRAPH)], named or [NamedNode(NO_GRAPH)]

    def query(
        self,
        sparql: str,
        *,
        use_default_graph_as_union: bool = False,
        default_graph: Sequence[NamedNode | DefaultGraph] | None = None,
        named_graphs: Sequence[NamedNode] | None = None,
        substitutions: dict[Any, Any] | None = None,
        base_iri: str | None = None,
    ) -> Any:
        text = with_values(sparql, substitutions)
        if base_iri:
            text = f"BASE {NamedNode(base_iri)}\n{text}"
        default, named = self._dataset(default_graph, named_graphs, use_default_graph_as_union)
        form = _form(sparql)
        try:
            if form in ("CONSTRUCT", "DESCRIBE"):
                return RemoteTriples(self.endpoint.construct(text, default_graphs=default, named_graphs=named))
            if form == "ASK":
                return _boolean(self.endpoint.ask(text, default_graphs=default, named_graphs=named))
            return self.endpoint.select_raw(text, default_graphs=default, named_graphs=named)
        except RemoteError as exc:
            if exc.status == 400:
                raise QueryError(str(exc), context=exc.context) from None
            raise

    def quads_for_pattern(self, subject: Any, predicate: Any, obj: Any, graph: Any = None) -> list[Quad]:
        graphs = [graph] if isinstance(graph, NamedNode) else self.graphs
        graphs = [g for g in graphs if g in set(self.graphs)]
        if not graphs:
            return []
        if subject is None and predicate is None and obj is None:  # whole graphs: the Graph Store
            return [Quad(t.subject, t.predicate, t.object, g) for g in graphs for t in self.endpoint.graph(g)]
        terms = {"s": subject, "p": predicate, "o": obj}
        pattern = " ".join(str(t) if t is not None else f"?{k}" for k, t in terms.items())
        wanted = [k for k, t in terms.items() if t is None]
        head = " ".join(f"?{k}" for k in wanted) or "*"
        text = f"SELECT ?g {head} WHERE {{ GRAPH ?g {{ {pattern} }} }}"
        rows = self.endpoint.select_pages(text + f" ORDER BY ?g {head if wanted else ''}", named_graphs=graphs)
        out = []
        for r in rows:
            t = {k: terms[k] if terms[k] is not None else r[k] for k in terms}
            out.append(Quad(t["s"], t["p"], t["o"], r["g"]))
        return out

    def named_graphs(self) -> list[NamedNode]:
        return list(self.graphs)

    def contains_named_graph(self, graph: Any) -> bool:
        return graph in set(self.graphs)

    def dump(self, output: IO[bytes], *, format: RdfFormat, from_graph: Any = None, **kwargs: Any) -> None:
        if from_graph is None or isinstance(from_graph, DefaultGraph):
            graphs = self.graphs if from_graph is None else []
        else:
            graphs = [from_graph] if from_graph in set(self.graphs) else []
        if from_graph is not None:
            triples = [t for g in graphs for t in self.endpoint.graph(g)]
            serialize(triples, output, format=format, **kwargs)
            return
        quads = [Quad(t.subject, t.predicate, t.object, g) for g in graphs for t in self.endpoint.graph(g)]
        serialize(quads, output, format=format, **kwargs)

    def __len__(self) -> int:
        if not self.graphs:
            return 0
        rows = self.endpoint.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=self.graphs)
        return int(next(iter(rows))["n"].value)


def _boolean(value: bool) -> QueryBoolean:
    """pyoxigraph's own boolean answer (the worker tells answers apart by their type)."""
    answer = parse_query_results(
        b'{"head":{},"boolean":' + (b"true" if value else b"false") + b"}", format=QueryResultsFormat.JSON
    )
    assert isinstance(answer, QueryBoolean)
    return answer


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
        self.loaded_bytes = 0

    # -- staging -------------------------------------------------------------------------
    def _stage(self, target: NamedNode, triples: Iterable[Triple]) -> None:
        staging = NamedNode(f"{STAGING}{self._tag}:{len(self._staging)}")
        self._staging.append(staging)
        sent = False
        for chunk in _chunks(triples, CHUNK_TRIPLES):
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

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        self._ops.append(f"BASE {NamedNode(base_iri)}\n{sparql}" if base_iri else sparql)
        self._free_updates = True

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
        ops.extend(f"DROP SILENT GRAPH {s}" for s in self._staging)
        self._endpoint.update(" ;\n".join(ops))
        if self._free_updates:
            self._store.reconcile_graphs()

    def abandon(self) -> None:
        for s in self._staging:
            with contextlib.suppress(RemoteError):
                self._endpoint.drop_graph(s)


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


def _as_quads(items: Iterable[Any]) -> Iterator[Quad]:
    for t in items:
        yield t if isinstance(t, Quad) else Quad(t.subject, t.predicate, t.object, DefaultGraph())


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


Deriver = Callable[[Path, Callable[[str], Any]], None]


class RemoteStore:
    """An external SPARQL engine behind the :class:`GraphStore` interface."""

    def __init__(self, settings: Settings, *, write: bool = False, derivers: list[Deriver] | None = None) -> None:
        self._settings = settings
        self._write = write
        self.derivers: list[Deriver] = derivers or []
        self.minter = Minter(settings.base_iri)
        self.endpoint = RemoteEndpoint(remote_config(settings))
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
    def settings(self) -> Settings:
        return self._settings

    @property
    def location(self) -> str:
        return self.endpoint.config.query_url

    def graphs(self) -> list[NamedNode]:
        return held_graphs(self.endpoint)

    def reconcile_graphs(self) -> None:
        """After free-form updates: the graphs that hold data now, found by looking (slow on a
        big store, so only after such updates). Graphs outside stigraph's namespace that it did
        not write stay outside."""
        listed = set(self.graphs())
        found = {
            r["g"]
            for r in self.endpoint.select_pages(
                "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g",
            )
            if isinstance(r["g"], NamedNode)
        }
        ours = {g for g in found if self.minter.graph_source(g.value) is not None or g in listed}
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


__all__ = ["RemoteScopeView", "RemoteStore", "RemoteWriter"]
