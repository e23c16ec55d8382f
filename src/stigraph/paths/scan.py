"""Reading the rows the path index is built from, fast.

What costs time when an index is built is not finding the quads (counting the 450k
``sg:author`` quads of 100k researchers takes 0.3 s) but turning the store's term ids back into
strings, one RocksDB lookup per IRI or long literal, and building a Python object for every
term. So the builder:

- asks for each pattern as a one-pattern SPARQL ``SELECT`` whose solutions pyoxigraph writes as
  tab-separated values in Rust, and splits the bytes in Python: no ``Quad`` or term objects,
  and no predicate or graph name decoded per row (iterating ``quads_for_pattern`` and reading
  ``.value`` took 7-8 s for those 450k quads, the TSV 4-4.6 s);
- joins authorships to their publications inside the store (a hash join of two subqueries), so
  the 450k authorship IRIs, which are only join keys, are never decoded;
- runs the queries in two threads ahead of the Python code that consumes them: pyoxigraph
  releases the GIL while it evaluates and writes, so on two cores the store's work overlaps the
  joins in Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from pyoxigraph import NamedNode, QueryResultsFormat

from stigraph.store.base import GraphStore

_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_SIMPLE = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) > 1:
        return chr(int(code[1:], 16))
    return _SIMPLE.get(code, code)


def literal(term: str) -> tuple[str, str | None]:
    """Lexical value and language tag of a literal as SPARQL TSV writes it (``"text"@en``,
    ``"1995"^^<...#gYear>``, or bare ``12``, ``1.5``, ``true``)."""
    if term[:1] != '"':
        return term, None
    end = term.rindex('"')
    body = term[1:end]
    if "\\" in body:
        body = _ESCAPE.sub(_unescape, body)
    rest = term[end + 1 :]
    return body, (rest[1:] if rest.startswith("@") else None)


def value(term: str) -> str:
    """What pyoxigraph's ``term.value`` is for a TSV term: an IRI without its brackets, a blank
    node without ``_:``, a literal's lexical form."""
    if term[:1] == "<":
        return term[1:-1]
    if term.startswith("_:"):
        return term[2:]
    return literal(term)[0]


def _columns(data: bytes) -> list[list[str]]:
    """The columns of a TSV document (the header line dropped), each a list of terms.

    TSV escapes tabs and line breaks inside literals, so the whole document can be cut at every
    tab and line break in one call and dealt into columns, instead of splitting line by line.
    """
    if not data:
        return []
    text = data.decode("utf-8")
    width = text[: text.index("\n")].count("\t") + 1
    text = text.replace("\t", "\n")  # the decoded copy goes before the cells are made
    cells = text.split("\n")
    del text
    del cells[:width]  # the header
    if cells and cells[-1] == "":
        cells.pop()  # after the last line break
    return [cells[k::width] for k in range(width)]


def year(term: str) -> int | None:
    """The year a date or year literal begins with (``"2019-04-01"^^xsd:date`` -> 2019), read
    from the TSV term without unescaping it: what ``int(value(term)[:4])`` is when those are
    four digits, else None (an IRI, a blank node, a shorter or non-numeric value)."""
    digits = term[1:5] if term[:1] == '"' else term[:4]
    if term[:1] in "<_" or len(digits) != 4 or not digits.isdigit():
        return None
    return int(digits)


def values(terms: list[str]) -> list[str]:
    """``value`` of every term, IRIs (nearly all of them) without a function call."""
    return [t[1:-1] if t[:1] == "<" else value(t) for t in terms]


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
        self._typed: dict[str, list[str]] = {}

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

    def _take(self, sparql: str, width: int) -> list[list[str]]:
        if sparql in self._plan:  # taken before its turn
            self._plan.remove(sparql)
        self._submit(sparql)
        data = self._pending.pop(sparql).result()
        self._fill()
        return _columns(data) or [[] for _ in range(width)]

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

    def columns(self, predicate: str) -> tuple[list[str], list[str]]:
        """Subjects and objects of every ``predicate`` quad, as TSV terms."""
        subjects, objects = self._take(self._pattern(predicate), 2)
        return subjects, objects

    def pairs(self, predicate: str) -> Iterator[tuple[str, str]]:
        """(subject, object) values of every ``predicate`` quad."""
        subjects, objects = self.columns(predicate)
        return zip(values(subjects), values(objects), strict=True)

    def iri_pairs(self, predicate: str) -> Iterator[tuple[str, str]]:
        """(subject, object) of the ``predicate`` quads whose object is an IRI."""
        for s, o in zip(*self.columns(predicate), strict=True):
            if o[:1] == "<":
                yield value(s), o[1:-1]

    def literals(self, predicate: str) -> Iterator[tuple[str, str, str | None]]:
        """(subject, lexical value, language) of every ``predicate`` quad (an IRI object gives
        its IRI and no language, as ``term.value`` would)."""
        subjects, objects = self.columns(predicate)
        for s, o in zip(values(subjects), objects, strict=True):
            if o[:1] == '"':
                text, lang = literal(o)
                yield s, text, lang
            else:
                yield s, value(o), None

    def dict(self, predicate: str) -> dict[str, str]:
        return dict(self.pairs(predicate))

    def years(self, predicate: str) -> dict[str, int | None]:
        """Subject -> the year its ``predicate`` value begins with (None: it has a value that
        is not a year); the last value read wins, as in :meth:`dict`."""
        subjects, objects = self.columns(predicate)
        return dict(zip(values(subjects), map(year, objects), strict=True))

    def typed(self, cls: str) -> list[str]:
        """Subjects of ``rdf:type cls`` (one class at a time: scanning every type statement
        would also read the hundreds of thousands of authorships and positions)."""
        found = self._typed.get(cls)
        if found is None:  # a class can be asked for twice (a committee is an organisation too)
            found = self._typed[cls] = values(self._take(self._typed_query(cls), 1)[0])
        return found

    def authorships(self, author: str, publication: str) -> tuple[list[str], list[str]]:
        """Publications and persons of every authorship node: ``?a author ?person`` joined
        with ``?a publication ?pub`` in the store, so that ``?a`` is never written out."""
        pubs, people = self._take(self._AUTHORSHIPS.format(author=author, publication=publication), 2)
        return values(pubs), values(people)
