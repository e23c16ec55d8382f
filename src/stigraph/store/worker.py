"""The query worker: a separate process that runs engine work for the API process.

pyoxigraph cannot be interrupted (no timeout; an abandoned thread burns CPU to the end) and some
inputs kill the whole process (stack overflow, out-of-memory abort). So every engine call the
service makes runs here, in a process the API can kill at the deadline and replace, under an
address-space limit and, where the kernel allows it, in a network namespace of its own, so that
nothing it runs can reach a network address even if a check upstream missed something.

A worker opens the per-scope snapshot of the committed generation read-only and reopens when the
generation changes, so a query sees the state before or after a load, never between. Writes
(SPARQL Update, Graph Store) open the store for writing for the length of one job: the single
writer lock is held only while a write runs, so ``stigraph load`` can run while the service
serves.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import resource
import signal
import socket
import time
from pathlib import Path
from typing import Any

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    Variable,
    parse,
    parse_query_results,
    serialize,
)

from stigraph.catalog.facts import FactsShape
from stigraph.catalog.filters import ColumnFilter
from stigraph.catalog.ordering import sorted_page
from stigraph.catalog.tables import open_facts, open_table
from stigraph.config import Settings
from stigraph.errors import StigraphError, StoreLockedError
from stigraph.formats import GRAPH_FORMATS, RESULT_FORMATS
from stigraph.namespaces import PREFIXES, Minter
from stigraph.results import Page, as_booleans, cut_page, render, term_from_json
from stigraph.store import wire
from stigraph.store.embedded import open_store
from stigraph.store.generations import open_generations

_CLONE_NEWNET = 0x40000000


class JobError(Exception):
    """An error to report to the client: HTTP status, stable code, message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class _Full(Exception):
    """Raised into the engine's serializer once the row cap is reached."""


class _LineSpool:
    """A file-like sink that keeps serialised lines up to a cap and stops the serializer there.

    TSV results and N-Triples hold exactly one row (triple) per line, so counting newlines
    counts rows in C speed, and a cut at a newline leaves a valid document.
    """

    def __init__(self, max_lines: int) -> None:
        self.max_lines = max_lines
        self.lines = 0
        self.chunks: list[bytes] = []
        self.truncated = False

    def write(self, data: bytes) -> int:
        n = data.count(b"\n")
        if self.lines + n <= self.max_lines:
            self.chunks.append(bytes(data))
            self.lines += n
            return len(data)
        pos = -1
        for _ in range(self.max_lines - self.lines):
            pos = data.index(b"\n", pos + 1)
        self.chunks.append(bytes(data[: pos + 1]))
        self.lines = self.max_lines
        self.truncated = True
        raise _Full

    def flush(self) -> None:
        pass

    def value(self) -> bytes:
        return b"".join(self.chunks)


class _Sender:
    """A file-like sink that forwards bytes to the API process in frames.

    Control frames and data share one buffer, so a small answer (head, data, end) leaves in a
    single write and wakes the API process once.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._out = bytearray()
        self._data = bytearray()
        self.sent = 0

    def write(self, data: bytes) -> int:
        self._data += data
        if len(self._data) >= wire.CHUNK:
            self._frame_data()
            self._push()
        return len(data)

    def control(self, kind: int, meta: dict[str, Any]) -> None:
        self._frame_data()
        self._out += wire.encode_json(kind, meta)

    def _frame_data(self) -> None:
        if self._data:
            self._out += wire.encode(wire.DATA, bytes(self._data))
            self.sent += len(self._data)
            self._data.clear()

    def _push(self) -> None:
        if self._out:
            self._sock.sendall(self._out)
            self._out.clear()

    def flush(self) -> None:
        """Called by the engine's serializer; frames stay buffered until a chunk is full."""

    def finish(self, **meta: Any) -> None:
        self._frame_data()
        self._out += wire.encode_json(wire.END, meta)
        self._push()


def isolate_network() -> bool:
    """Move this process into an empty network namespace (no interface but a down loopback)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.unshare(_CLONE_NEWNET) == 0
    except (OSError, AttributeError):
        return False


def allocator_in_use() -> str:
    """Which malloc this process runs with, read from its own memory map."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return "unknown"
    return next((name for name in ("jemalloc", "mimalloc", "tcmalloc") if f"lib{name}" in maps), "system")


class Worker:
    def __init__(self, sock: socket.socket, settings: Settings) -> None:
        self.sock = sock
        self.settings = settings
        self.gens = open_generations(settings)
        self.remote = settings.backend == "remote"
        self.minter = Minter(settings.base_iri)
        self.generation = -1
        self.stores: dict[str, Store] = {}

    # -- snapshots ----------------------------------------------------------------------
    def snapshot(self, scope: str) -> Store:
        current = self.gens.current()
        if current != self.generation:
            self.stores.clear()
            gc.collect()
            self.generation = current
        store = self.stores.get(scope)
        if store is None and self.remote:
            from stigraph.store.remote_store import RemoteGenerations, scope_view

            assert isinstance(self.gens, RemoteGenerations)
            store = self.stores[scope] = scope_view(self.gens.endpoint, self.minter, scope)  # type: ignore[assignment]
        if store is None:
            if current == 0:
                store = Store()
            else:
                path = self.gens.snapshot_path(current, scope)
                if not path.exists():
                    raise JobError(503, "snapshot_missing", f"no {scope} snapshot of generation {current} yet")
                store = Store.read_only(str(path))
            self.stores[scope] = store
        return store

    # -- the loop -----------------------------------------------------------------------
    def run(self) -> None:
        while True:
            try:
                kind, payload = wire.recv_frame(self.sock)
            except (EOFError, OSError):
                return
            if kind != wire.REQUEST:
                continue
            job = json.loads(payload)
            try:
                getattr(self, "job_" + job["op"])(job)
            except JobError as exc:
                self._fail(exc.status, exc.code, exc.message)
            except StoreLockedError as exc:
                self._fail(503, exc.code, exc.message)
            except StigraphError as exc:
                self._fail(400, exc.code, str(exc))
            except SyntaxError as exc:
                self._fail(400, "query_syntax", f"SPARQL syntax error: {exc}")
            except (ValueError, TypeError, RuntimeError) as exc:  # evaluation errors, e.g. DROP of a missing graph
                self._fail(400, "query_error", str(exc))
            except OSError as exc:
                self._fail(500, "engine_error", f"the engine failed: {exc}")
            except Exception as exc:  # the worker survives anything short of a crash
                self._fail(500, "internal_error", f"{type(exc).__name__}: {exc}")

    def _fail(self, status: int, code: str, message: str) -> None:
        self.sock.sendall(wire.encode_json(wire.FAIL, {"status": status, "code": code, "message": message}))

    def _done(self, **meta: Any) -> None:
        out = _Sender(self.sock)
        out.control(wire.HEAD, meta)
        out.finish()

    # -- jobs ---------------------------------------------------------------------------
    def job_ping(self, job: dict[str, Any]) -> None:
        out = _Sender(self.sock)
        out.control(wire.HEAD, {"kind": "pong", "pid": os.getpid()})
        out.finish()

    def job_query(self, job: dict[str, Any]) -> None:
        store = self.snapshot(job["scope"])
        kwargs: dict[str, Any] = {}
        if job.get("default_graph") is not None:
            kwargs["default_graph"] = [NamedNode(g) for g in job["default_graph"]] or [DefaultGraph()]
        if job.get("named_graphs") is not None:
            kwargs["named_graphs"] = [NamedNode(g) for g in job["named_graphs"]]
        if job.get("union"):
            kwargs["use_default_graph_as_union"] = True
        if job.get("substitutions"):
            kwargs["substitutions"] = _substitutions(job["substitutions"])
        result = store.query(job["text"], base_iri=job.get("base_iri"), **kwargs)
        max_rows = int(job["max_rows"])
        out = _Sender(self.sock)
        head = out.control
        if isinstance(result, QueryBoolean):
            fmt = RESULT_FORMATS[job["results_format"]]
            head(wire.HEAD, {"kind": "boolean", "format": job["results_format"], "truncated": False})
            out.write(result.serialize(format=fmt) or b"")
        elif isinstance(result, QuerySolutions):
            spool = _LineSpool(max_rows + 1)  # the header line and max_rows rows
            with contextlib.suppress(_Full):
                result.serialize(spool, format=QueryResultsFormat.TSV)
            rows = spool.lines - 1
            head(
                wire.HEAD,
                {"kind": "solutions", "format": job["results_format"], "truncated": spool.truncated, "rows": rows},
            )
            if job["results_format"] == "tsv":
                out.write(spool.value())
            else:
                relayed = parse_query_results(spool.value(), format=QueryResultsFormat.TSV)
                relayed.serialize(out, format=RESULT_FORMATS[job["results_format"]])
        else:
            spool = _LineSpool(max_rows)
            with contextlib.suppress(_Full):
                result.serialize(spool, format=RdfFormat.N_TRIPLES)
            head(
                wire.HEAD,
                {"kind": "graph", "format": job["graph_format"], "truncated": spool.truncated, "rows": spool.lines},
            )
            fmt = GRAPH_FORMATS[job["graph_format"]]
            if fmt == RdfFormat.N_TRIPLES:
                out.write(spool.value())
            else:
                triples = parse(spool.value(), format=RdfFormat.N_TRIPLES)
                serialize(triples, out, format=fmt, **_prefixes(fmt))
        out.finish(bytes=out.sent)

    def job_page(self, job: dict[str, Any]) -> None:
        """One page of a curated SELECT, in the client's format, with the exact total."""
        store = self.snapshot(job["scope"])
        page = self._table_page(job)
        answered = "query" if page is None else "facts" if (job.get("table") or {}).get("facts") else "table"
        if page is None:
            kwargs: dict[str, Any] = {"use_default_graph_as_union": bool(job.get("union", True))}
            if job.get("substitutions"):
                kwargs["substitutions"] = _substitutions(job["substitutions"])
            offset, limit = int(job["offset"]), int(job["limit"])
            page = sorted_page(lambda text: store.query(text, **kwargs), job["text"], offset, limit)
            if page is None:
                result = store.query(job["text"], **kwargs)
                if not isinstance(result, QuerySolutions):
                    raise JobError(400, "query_error", "a paged query must be a SELECT")
                page = cut_page(result, [v.value for v in result.variables], offset, limit)
        if job.get("booleans"):
            page = as_booleans(page, job["booleans"])
        out = _Sender(self.sock)
        meta = {
            "kind": "page",
            "format": job["page_format"],
            "total": page.total,
            "rows": len(page.rows),
            "answered": answered,
        }
        out.control(wire.HEAD, {**meta, "generation": self.generation, "truncated": False})
        out.write(render(page, job["page_format"]))
        out.finish(bytes=out.sent)

    def _table_page(self, job: dict[str, Any]) -> Page | None:
        """The page read from the generation's answer table, when the API found the request
        answerable from one and the table exists (else None: the query runs)."""
        spec = job.get("table")
        if not spec:
            return None
        store = self.snapshot(job["scope"])  # first: it moves to the current generation
        path = self.gens.derived_path(self.generation) / job["scope"] / spec["dir"]
        facts = open_facts(str(path)) if spec.get("facts") else None
        table = None if spec.get("facts") else open_table(str(path))
        if table is None and facts is None:
            return None
        filters = [
            ColumnFilter(f["column"], tuple(term_from_json(t) for t in f["terms"]), f["match"], f["via"])
            for f in spec["filters"]
        ]

        def reach(term: Any, via: str) -> list[Any]:
            return [q.object for q in store.quads_for_pattern(term, NamedNode(via), None, None)]

        if facts is not None:
            return facts.answer(
                FactsShape.from_json(spec["facts"]), filters, int(job["offset"]), int(job["limit"]), reach
            )
        assert table is not None
        return table.page(filters, int(job["offset"]), int(job["limit"]), reach)

    def job_graph_get(self, job: dict[str, Any]) -> None:
        store = self.snapshot(job["scope"])
        graph = _graph(job.get("graph"))
        if isinstance(graph, NamedNode) and not store.contains_named_graph(graph):
            raise JobError(404, "graph_not_found", f"no graph <{graph.value}> here")
        fmt = GRAPH_FORMATS[job["graph_format"]]
        out = _Sender(self.sock)
        out.control(wire.HEAD, {"kind": "graph", "format": job["graph_format"], "truncated": False})
        if not job.get("head_only"):
            store.dump(out, format=fmt, from_graph=graph, **_prefixes(fmt))
        out.finish(bytes=out.sent)

    def job_export(self, job: dict[str, Any]) -> None:
        """A dump, description or partner profile of the job's scope (stigraph.export.jobs)."""
        from stigraph.export.jobs import run_export_job  # loaded on the first export, not at fork

        run_export_job(self, job, _Sender(self.sock))

    def job_update(self, job: dict[str, Any]) -> None:
        with self._writer(job) as store, store.writing() as w:
            w.update(job["text"], base_iri=job.get("base_iri"), graphs=_written(job["text"]))
        self._done(kind="done", generation=store.generation)

    def job_graph_write(self, job: dict[str, Any]) -> None:
        body = self._read_body()
        graph = _graph(job.get("graph"))
        method = job["method"]
        fmt = None
        if method in ("PUT", "POST"):
            fmt = RdfFormat.from_media_type(job["media_type"])
            if fmt is None:
                raise JobError(415, "unsupported_media_type", f"cannot read {job['media_type']}")
        with self._writer(job) as store:
            existed = isinstance(graph, DefaultGraph) or graph in store.graphs()
            if method == "DELETE" and not existed:
                raise JobError(404, "graph_not_found", f"no graph <{graph.value}> here")  # type: ignore[union-attr]
            with store.writing() as w:
                if method in ("PUT", "DELETE"):
                    w.clear_graph(graph)
                if method in ("PUT", "POST") and body:
                    assert fmt is not None
                    try:
                        w.bulk_load(body, fmt, to_graph=graph, base_iri=job.get("base_iri"))
                    except SyntaxError as exc:
                        raise JobError(400, "input_error", f"the {fmt.name} body does not parse: {exc}") from None
        self._done(kind="done", created=not existed, generation=store.generation)

    def _read_body(self) -> bytes:
        parts: list[bytes] = []
        while True:
            kind, payload = wire.recv_frame(self.sock)
            if kind != wire.BODY or not payload:
                return b"".join(parts)
            parts.append(payload)

    @contextlib.contextmanager
    def _writer(self, job: dict[str, Any]) -> Any:
        """The store opened for writing, waiting for a running load to finish (up to the deadline)."""
        until = time.monotonic() + float(job.get("lock_wait", 5.0))
        while True:
            try:
                store = open_store(self.settings, write=True)
                break
            except StoreLockedError:
                if time.monotonic() > until:
                    raise
                time.sleep(0.05)
        try:
            yield store
        finally:
            store.close()


def _substitutions(given: dict[str, dict[str, str]]) -> dict[Variable, Any]:
    return {Variable(name): term_from_json(term) for name, term in given.items()}


def _graph(iri: str | None) -> NamedNode | DefaultGraph:
    return DefaultGraph() if iri is None else NamedNode(iri)


def _prefixes(fmt: RdfFormat) -> dict[str, Any]:
    return {"prefixes": PREFIXES} if fmt in (RdfFormat.TURTLE, RdfFormat.TRIG) else {}


def worker_main(sock: socket.socket, settings_json: str) -> None:
    """Entry point of a worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the service stops its workers itself
    settings = Settings.model_validate_json(settings_json)
    if settings.worker_memory_mb:
        limit = settings.worker_memory_mb * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # the embedded engine needs no network (and must not reach any: SERVICE, LOAD); a remote
    # backend's worker talks to its engine
    isolated = isolate_network() if settings.backend == "embedded" else False
    hello = {"kind": "ready", "pid": os.getpid(), "network_isolated": isolated, "allocator": allocator_in_use()}
    sock.sendall(wire.encode_json(wire.HEAD, hello))
    Worker(sock, settings).run()


def _written(text: str) -> list[NamedNode] | None:
    """The named graphs a free-form update can write (None: any), so that what is kept per graph
    is worked out again for those only."""
    from stigraph.sparql.lexer import written_graphs

    found = written_graphs(text)
    try:
        return None if found is None else [NamedNode(iri) for iri in sorted(found)]
    except ValueError:  # not an IRI the store takes: the update itself will say so
        return None
