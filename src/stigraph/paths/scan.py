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

When the generation was published with its path rows (:mod:`stigraph.paths.rows`), each read
is the answers of the scope's graphs from those files, and the store is only asked for a graph
or a read the files lack (per graph, so the answer is the same either way).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import polars as pl
from pyoxigraph import NamedNode

from stigraph.paths.rows import GraphRows, PublishedRows, tsv_answer
from stigraph.paths.terms import read_tsv
from stigraph.store.base import GraphStore


class Scan:
    """Quads by predicate from the scope's graphs, read through the store's SPARQL engine.

    The queries a build needs are planned up front (:meth:`prefetch`) and run by two worker
    threads at most ``ahead`` queries ahead of the builder, which takes the answers in the order
    it uses them (all at once, the answers waiting to be used took 6.5 GB at 1M researchers).
    An empty list of graphs reads nothing (the store would take it as "the default graph").
    """

    def __init__(
        self,
        store: GraphStore,
        graphs: list[NamedNode],
        workers: int = 2,
        ahead: int = 3,
        rows: PublishedRows | None = None,
    ) -> None:
        self.store, self.graphs = store, graphs
        self.rows = rows
        self._files: dict[str, GraphRows | None] = (
            {g.value: rows.of(g.value) for g in graphs} if rows is not None else {}
        )
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
        for file in self._files.values():
            if file is not None:
                file.close()

    def __enter__(self) -> Scan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, sparql: str) -> bytes:
        if not self.graphs:
            return b""
        if self.rows is None:
            return tsv_answer(self.store, sparql, self.graphs)
        parts = []
        for g in self.graphs:
            file = self._files[g.value]
            found = file.get(sparql) if file is not None else None
            parts.append(found if found is not None else tsv_answer(self.store, sparql, [g]))
        head = parts[0][: parts[0].index(b"\n") + 1]
        return head + b"".join(part[part.index(b"\n") + 1 :] for part in parts)

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

    @classmethod
    def queries(cls, reads: Sequence[tuple[str, ...]], per_graph: bool) -> list[str]:
        """The SPARQL of ``("predicate", p)``, ``("class", c)`` and ``("authorships", author,
        publication)`` reads (per graph: an authorship's two halves, joined by the builder)."""
        out: list[str] = []
        for read in reads:
            if read[0] == "predicate":
                out.append(cls._pattern(read[1]))
            elif read[0] == "class":
                out.append(cls._typed_query(read[1]))
            elif per_graph:
                out.extend((cls._pattern(read[1]), cls._pattern(read[2])))
            else:
                out.append(cls._AUTHORSHIPS.format(author=read[1], publication=read[2]))
        return list(dict.fromkeys(out))

    def prefetch(self, reads: Sequence[tuple[str, ...]]) -> None:
        """Start reading in the background, in this order (the order the builder takes them in)."""
        for sparql in self.queries(reads, self.rows is not None):
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
        joined with ``?a publication ?pub`` in the store, so that ``?a`` is never written out
        (from published rows: the halves of every graph, joined here)."""
        if self.rows is None:
            return self._take(self._AUTHORSHIPS.format(author=author, publication=publication), ["pub", "person"])
        people = self.table(author).rename({"o": "person"})
        papers = self.table(publication).rename({"o": "pub"})
        return people.join(papers, on="s").select("pub", "person")
