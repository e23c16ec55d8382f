"""Reading the rows the path index is built from, fast.

What costs time when an index is built is not finding the quads (counting the 450k
``sg:author`` quads of 100k researchers takes 0.3 s) but turning the store's term ids back into
strings, one RocksDB lookup per IRI or long literal, and building a Python object for every
term. So the builder:

- asks for each pattern as a one-pattern SPARQL ``SELECT`` whose solutions pyoxigraph writes as
  tab-separated values in Rust, read into a polars frame of term strings: no ``Quad`` or term
  objects, and no predicate or graph name decoded per row (iterating ``quads_for_pattern`` and reading
  ``.value`` took 7-8 s for those 450k quads, the TSV 4-4.6 s);
- joins authorships to their publications inside the store (a hash join of two subqueries), so
  the 450k authorship IRIs, which are only join keys, are never decoded;
- runs the queries in two threads ahead of the Python code that consumes them: pyoxigraph
  releases the GIL while it evaluates and writes, so on two cores the store's work overlaps the
  joins in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import polars as pl
from pyoxigraph import NamedNode, QueryResultsFormat

from stigraph.paths.terms import read_tsv
from stigraph.store.base import GraphStore


class Scan:
    """Quads by predicate from the scope's graphs, read through the store's SPARQL engine.

    The queries a build needs are planned up front (:meth:`prefetch`) and run by two worker
    threads at most ``ahead`` queries ahead of the builder, which takes the answers in the order
    it uses them (all at once, the answers waiting to be used took 6.5 GB at 1M researchers).
    An empty list of graphs reads nothing (the store would take it as "the default graph").
    """

    def __init__(self, store: GraphStore, graphs: list[NamedNode], workers: int = 2, ahead: int = 3) -> None:
        self.store, self.graphs = store, graphs
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="path-index-scan")
        self._ahead = ahead
        self._plan: list[str] = []  # planned and not started yet, in order
        self._pending: dict[str, Future[bytes]] = {}
        self._typed: dict[str, pl.DataFrame] = {}

    def close(self) -> None:
        self._plan.clear()
        for future in self._pending.values():
            future.cancel()
        self._pool.shutdown(wait=True)

    def __enter__(self) -> Scan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, sparql: str) -> bytes:
        if not self.graphs:
            return b""
        solutions = self.store.query(sparql, default_graph=self.graphs)
        return bytes(solutions.serialize(format=QueryResultsFormat.TSV))

    def _submit(self, sparql: str) -> None:
        if sparql not in self._pending:
            self._pending[sparql] = self._pool.submit(self._run, sparql)

    def _fill(self) -> None:
        while self._plan and len(self._pending) < self._ahead:
            self._submit(self._plan.pop(0))

    def _take(self, sparql: str, columns: list[str]) -> pl.DataFrame:
        if sparql in self._plan:  # taken before its turn
            self._plan.remove(sparql)
        self._submit(sparql)
        data = self._pending.pop(sparql).result()
        self._fill()
        return read_tsv(data, columns)

    @staticmethod
    def _pattern(predicate: str) -> str:
        return f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }}"

    @staticmethod
    def _typed_query(cls: str) -> str:
        return f"SELECT ?s WHERE {{ ?s a <{cls}> }}"

    _AUTHORSHIPS = (
        "SELECT ?pub ?person WHERE {{ {{ SELECT ?a ?person WHERE {{ ?a <{author}> ?person }} }} "
        "{{ SELECT ?a ?pub WHERE {{ ?a <{publication}> ?pub }} }} }}"
    )

    def prefetch(self, reads: Sequence[tuple[str, str] | tuple[str, str, str]]) -> None:
        """Start reading in the background, in this order (the order the builder takes them
        in): ``("predicate", p)``, ``("class", c)`` or ``("authorships", author, publication)``."""
        for read in reads:
            if read[0] == "predicate":
                sparql = self._pattern(read[1])
            elif read[0] == "class":
                sparql = self._typed_query(read[1])
            else:
                sparql = self._AUTHORSHIPS.format(author=read[1], publication=read[2])
            if sparql not in self._plan and sparql not in self._pending:
                self._plan.append(sparql)
        self._fill()

    def table(self, predicate: str) -> pl.DataFrame:
        """Subject ``s`` and object ``o`` of every ``predicate`` quad, as TSV terms."""
        return self._take(self._pattern(predicate), ["s", "o"])

    def typed(self, cls: str) -> pl.DataFrame:
        """Subjects ``s`` of ``rdf:type cls`` (one class at a time: scanning every type statement
        would also read the hundreds of thousands of authorships and positions)."""
        found = self._typed.get(cls)
        if found is None:  # a class can be asked for twice (a committee is an organisation too)
            found = self._typed[cls] = self._take(self._typed_query(cls), ["s"])
        return found

    def authorships(self, author: str, publication: str) -> pl.DataFrame:
        """Publication ``pub`` and ``person`` of every authorship node: ``?a author ?person``
        joined with ``?a publication ?pub`` in the store, so that ``?a`` is never written out."""
        return self._take(self._AUTHORSHIPS.format(author=author, publication=publication), ["pub", "person"])
