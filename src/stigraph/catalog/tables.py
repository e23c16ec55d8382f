"""Answer tables: the full answers of the heaviest curated queries, computed when a snapshot is
published, so that a question over a million researchers costs a page read, not a scan.

A query whose header says ``precompute: true`` is run once per published generation, on the
snapshot of its own scope, with no request values (optional parameters unbound: the widest
answer). Its rows are written in the query's order beside the generation, with an index for
every parameter that binds a projected variable by ``substitutions``. A request whose values
only set such parameters is then answered from the table: binding a projected variable to a
value selects exactly the rows whose column holds that value (tests check this against the
live query for every precomputed query and example), so the page and the exact total are
read from the index in time proportional to the page.

Tables are keyed by generation and by a digest of the query text: after a load the new
generation has new tables (or none, and the live query runs), and a changed query file never
reads the table of its old text. Layout, one directory per query::

    generations/g000012.answers/<scope>/<name>-<digest>/
        meta.json        columns, total, index variables, seconds it took
        rows.jsonl       one JSON array of encoded terms (or null) per row, in order
        offsets.bin      int64 start of every row in rows.jsonl, then the file's length
        by-<var>.bin     int64 row numbers grouped by the value of ?var
        by-<var>.json    value (N-Triples) -> [first position in by-<var>.bin, count]
"""

from __future__ import annotations

import functools
import hashlib
import json
import mmap
import os
import shutil
import struct
import time
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, RdfFormat, Store, Variable, parse

from stigraph.catalog.binding import bind, parse_value
from stigraph.catalog.catalog import Catalog
from stigraph.catalog.facts import FactTable, write_facts
from stigraph.catalog.filters import ColumnFilter, Reach, accepted_keys
from stigraph.catalog.model import CuratedQuery
from stigraph.catalog.ordering import SplitOrder, sort_permutation, split_order
from stigraph.errors import CatalogError, ErrorContext, StigraphError
from stigraph.results import Page
from stigraph.sparql.lexer import check

_INT = struct.Struct("<q")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def encode_term(term: Any) -> str | None:
    """A term as one short string: ``<iri``, ``_id``, ``"text``, ``@lang text``, ``^datatype text``
    (a third of SPARQL JSON's size; a table of a million rows is read a page at a time, but
    written and stored whole)."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return "<" + term.value
    if isinstance(term, BlankNode):
        return "_" + term.value
    if term.language:
        return f"@{term.language} {term.value}"
    if term.datatype.value == _XSD_STRING:
        return '"' + term.value
    return f"^{term.datatype.value} {term.value}"


def decode_term(text: str | None) -> Any:
    if text is None:
        return None
    kind, rest = text[0], text[1:]
    if kind == "<":
        return NamedNode(rest)
    if kind == "_":
        return BlankNode(rest)
    if kind == '"':
        return Literal(rest)
    tag, _, value = rest.partition(" ")
    if kind == "@":
        return Literal(value, language=tag)
    return Literal(value, datatype=NamedNode(tag))


@dataclass(frozen=True)
class TableInfo:
    name: str
    scope: str
    rows: int
    seconds: float


def table_dir_name(query: CuratedQuery) -> str:
    digest = hashlib.sha256(query.text.encode()).hexdigest()[:12]
    return f"{query.name}-{digest}"


def indexed_variables(query: CuratedQuery) -> list[str]:
    """Columns a request may filter the table on: those of parameters without a default that
    bind a projected variable, by ``substitutions`` (one value) or by ``VALUES`` (a list), where
    the live query keeps exactly the rows whose column holds one of the values; and the columns
    parameters name in their ``table`` key (:class:`TableMatch`)."""
    projected = set(query.output_columns())
    out: list[str] = []
    for p in query.params.values():
        column = p.table.column if p.table else p.variable if p.default is None and p.variable in projected else None
        if column is not None and column not in out:
            out.append(column)
    return out


def table_filters(query: CuratedQuery, given: Mapping[str, Sequence[str]]) -> list[ColumnFilter] | None:
    """The column filters that turn the table into the answer to ``given`` (already checked by
    :func:`bind`), or None when the request needs the live query: a value of a parameter the
    table has no column for."""
    if not query.precompute:
        return None
    indexed = set(indexed_variables(query))
    filters: list[ColumnFilter] = []
    for name, raw in given.items():
        p = query.params[name]
        if not raw:
            continue
        terms = tuple(parse_value(p, v) for v in raw)
        if p.table is not None and p.table.match == "contains" and any("\n" in v for v in raw):
            return None  # a text across the column's line breaks: only the live query can tell
        if p.table is not None:
            filters.append(ColumnFilter(p.table.column, terms, p.table.match, p.table.via))
        elif p.variable in indexed:
            filters.append(ColumnFilter(p.variable, terms))
        else:
            return None
    return filters


class TextColumnWriter:
    """A text column for ``contains``: every line of every value, lowercased, one per line in
    ``<base>.txt`` (UTF-8), with the row it came from in ``<base>.rows`` (int64)."""

    def __init__(self, base: Path) -> None:
        self._text = base.with_suffix(".txt").open("wb")
        self._rows = base.with_suffix(".rows").open("wb")

    def add(self, row: int, value: str) -> None:
        for line in value.split("\n"):
            self._text.write(line.lower().encode() + b"\n")
            self._rows.write(_INT.pack(row))

    def close(self) -> None:
        self._text.close()
        self._rows.close()


def write_table(store: Store, query: CuratedQuery, target: Path) -> TableInfo:
    """Compute the query's widest answer on ``store`` and write its table to ``target``."""
    t0 = time.perf_counter()
    bound = bind(query, {})
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    info = check(bound.text, max_bytes=1 << 24, max_depth=1000)
    options: dict[str, Any] = {
        "substitutions": {Variable(v): t for v, t in bound.substitutions.items()},
        "use_default_graph_as_union": not info.names_dataset,
    }
    split = split_order(bound.text)
    spill = tmp / "unsorted.jsonl"
    answer = _sorted_here(store, split, options, spill) if split is not None else None
    if answer is None:
        result = store.query(bound.text, **options)
        if not isinstance(result, QuerySolutions):
            raise CatalogError(
                f"query {query.name!r} is precomputed but is not a SELECT", context=ErrorContext(file=query.file)
            )
        answer = [v.value for v in result.variables], ((None, list(solution)) for solution in result)
    columns, solutions = answer
    text_vars = [p.table.column for p in query.params.values() if p.table and p.table.match == "contains"]
    index_vars = [v for v in indexed_variables(query) if v in columns and v not in text_vars]
    text_at = [(v, columns.index(v)) for v in text_vars if v in columns]
    texts = {v: TextColumnWriter(tmp / f"text-{v}") for v, _ in text_at}
    groups: dict[str, dict[str, list[int]]] = {v: {} for v in index_vars}
    index_at = [(v, columns.index(v)) for v in index_vars]
    n = 0
    with (tmp / "rows.jsonl").open("wb") as rows, (tmp / "offsets.bin").open("wb") as offsets:
        position = 0
        for line, cells in solutions:
            if line is None:  # cells are terms
                line = _line(cells)
                term = cells.__getitem__
            else:  # cells are encoded terms, decoded only where an index or a text column needs them
                term = functools.partial(_decode_cell, cells)
            offsets.write(_INT.pack(position))
            rows.write(line)
            position += len(line)
            for v, at in index_at:
                if cells[at] is not None:
                    groups[v].setdefault(str(term(at)), []).append(n)
            for v, at in text_at:
                if cells[at] is not None:
                    texts[v].add(n, term(at).value)
            n += 1
        offsets.write(_INT.pack(position))
    spill.unlink(missing_ok=True)
    for v, by_value in groups.items():
        directory: dict[str, list[int]] = {}
        with (tmp / f"by-{v}.bin").open("wb") as out:
            start = 0
            for key, numbers in by_value.items():
                out.write(struct.pack(f"<{len(numbers)}q", *numbers))
                directory[key] = [start, len(numbers)]
                start += len(numbers)
        (tmp / f"by-{v}.json").write_text(json.dumps(directory, ensure_ascii=False), encoding="utf-8")
    for w in texts.values():
        w.close()
    if query.facts is not None:
        write_facts(store, query, tmp / "facts")
    seconds = round(time.perf_counter() - t0, 3)
    meta = {
        "name": query.name,
        "scope": query.scope,
        "columns": columns,
        "total": n,
        "index": index_vars,
        "text": [v for v, _ in text_at],
    }
    (tmp / "meta.json").write_text(json.dumps({**meta, "seconds": seconds}), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    return TableInfo(query.name, query.scope, n, seconds)


def write_facts_only(store: Store, query: CuratedQuery, target: Path) -> TableInfo:
    """The fact rows of a query that has no table (required parameters), in the same place."""
    t0 = time.perf_counter()
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    n = write_facts(store, query, tmp / "facts")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    return TableInfo(query.name, query.scope, n, round(time.perf_counter() - t0, 3))


def _line(terms: Sequence[Any]) -> bytes:
    """One row of ``rows.jsonl``."""
    return json.dumps([encode_term(t) for t in terms], ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


_Row = tuple[bytes | None, list[Any]]
"""A row to write: (None, its terms), or (its line, the encoded terms on it)."""


def _decode_cell(cells: list[Any], at: int) -> Any:
    return decode_term(cells[at])


def _sorted_here(
    store: Store, split: SplitOrder, options: dict[str, Any], spill: Path
) -> tuple[list[str], Iterator[_Row]] | None:
    """The columns and rows of the query sorted here, not by the store (see
    :mod:`stigraph.catalog.ordering`), or None when the store has to sort them. The rows wait in
    ``spill`` (a JSON line each) while their sort keys, only, are held in memory."""
    result = store.query(split.text, **options)
    if not isinstance(result, QuerySolutions):
        return None
    columns = [v.value for v in result.variables]
    key_vars = list(dict.fromkeys(k.variable for k in split.keys))
    key_at = [columns.index(v) for v in key_vars]
    key_rows: list[tuple[Any, ...]] = []
    offsets = array("q", [0])
    with spill.open("wb") as out:
        for solution in result:
            terms = list(solution)
            line = _line(terms)
            out.write(line)
            offsets.append(offsets[-1] + len(line))
            key_rows.append(tuple(terms[at] for at in key_at))
    order = sort_permutation(key_rows, key_vars, split.keys)
    del key_rows
    if order is None:
        spill.unlink()
        return None

    def rows() -> Iterator[_Row]:
        if not order:
            return
        with spill.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            for n in order:
                line = data[offsets[n] : offsets[n + 1]]
                yield line, json.loads(line)

    return columns, rows()


def materialise(
    catalog: Catalog,
    open_scope: Callable[[str], Store],
    answers: Path,
    only: set[str] | None = None,
    *,
    skip_failing: bool = False,
) -> list[TableInfo]:
    """Write the table of every precomputed query into ``answers`` (one generation's directory).

    ``skip_failing``: a query the engine cannot answer gets no table (it then runs live, and
    fails there with the engine's words) instead of failing the write. Remote engines need it:
    their data is committed before anything is derived, and an engine may refuse a query the
    embedded one answers (docs/scaling.md). The queries skipped are listed in ``skipped.json``."""
    done = []
    skipped: dict[str, str] = {}
    for query in catalog:
        if (query.precompute or query.facts is not None) and (only is None or query.name in only):
            target = answers / query.scope / table_dir_name(query)
            try:
                if query.precompute:
                    done.append(write_table(open_scope(query.scope), query, target))
                else:  # only the rows under its counts (its answers depend on required values)
                    done.append(write_facts_only(open_scope(query.scope), query, target))
            except StigraphError as exc:
                if not skip_failing:
                    raise
                shutil.rmtree(target, ignore_errors=True)
                skipped[query.name] = str(exc)
    if skipped:
        answers.mkdir(parents=True, exist_ok=True)
        (answers / "skipped.json").write_text(json.dumps(skipped, indent=1, ensure_ascii=False), encoding="utf-8")
    return done


def answer_tables(queries_dir: Path, *, skip_failing: bool = False) -> Callable[[Path, Callable[[str], Store]], None]:
    """The store's deriver: the catalogue is read when a generation is published (a broken
    catalogue fails the write with its file and line, like ``stigraph queries check``)."""

    def derive(answers: Path, open_scope: Callable[[str], Store]) -> None:
        from stigraph.catalog.catalog import load_catalog

        catalog = load_catalog(queries_dir)
        if any(q.precompute or q.facts is not None for q in catalog):
            materialise(catalog, open_scope, answers, skip_failing=skip_failing)

    return derive


class Table:
    """A written table, opened for reading pages (kept open per worker: see :func:`open_table`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        self.columns: list[str] = meta["columns"]
        self.total: int = meta["total"]
        self._index: dict[str, dict[str, list[int]]] = {}
        self._lexical_forms: dict[str, dict[str, str]] = {}
        self._texts: dict[str, TextColumn] = {}
        self._text_columns: list[str] = meta.get("text", [])
        for v in meta["index"]:
            self._index[v] = json.loads((path / f"by-{v}.json").read_text(encoding="utf-8"))
        self._groups: dict[str, np.ndarray] = {}

    def page(self, filters: Sequence[ColumnFilter], offset: int, limit: int, reach: Reach | None = None) -> Page:
        """Rows ``offset`` to ``offset + limit`` of the rows that pass every filter, in the
        table's (the query's) order, and how many there are. ``reach`` expands ``within``."""
        if not filters:
            return self._read(list(range(offset, min(offset + limit, self.total))), self.total)
        selected = np.ones(self.total, dtype=bool)
        for f in filters:  # a mask over the rows: a filter may keep millions of them
            kept = np.zeros(self.total, dtype=bool)
            if f.match == "contains":
                for t in f.terms:
                    kept[self._text(f.column).rows_containing(t.value.lower())] = True
            else:
                for key in self._keys(f, reach):
                    kept[self._rows_for(f.column, key)] = True
            selected &= kept
        numbers = np.flatnonzero(selected)
        return self._read(numbers[offset : offset + limit].tolist(), len(numbers))

    def _keys(self, f: ColumnFilter, reach: Reach | None) -> set[str]:
        """The index keys (terms in N-Triples) a filter accepts."""
        if f.match in ("equal", "within"):
            return accepted_keys(f, reach)
        if f.column not in self._index:
            raise KeyError(f.column)
        bounds = [t.value for t in f.terms]
        at_least = f.match == "at-least"
        return {
            key
            for key, value in self._lexical(f.column).items()
            if all(value >= b if at_least else value <= b for b in bounds)
        }

    def _text(self, column: str) -> TextColumn:
        if column not in self._text_columns:
            raise KeyError(column)
        if column not in self._texts:
            self._texts[column] = TextColumn(self.path / f"text-{column}")
        return self._texts[column]

    def _lexical(self, column: str) -> dict[str, str]:
        """Index key -> the term's lexical form (what the query's ``STR()`` compares)."""
        if column not in self._lexical_forms:
            keys = list(self._index[column])
            doc = "".join(f"<urn:k> <urn:v> {k} .\n" for k in keys).encode()
            terms = [q.object.value for q in parse(doc, format=RdfFormat.N_TRIPLES)]
            self._lexical_forms[column] = dict(zip(keys, terms, strict=True))
        return self._lexical_forms[column]

    def _rows_for(self, var: str, key: str) -> np.ndarray:
        if var not in self._index:
            raise KeyError(var)
        start, count = self._index[var].get(key, [0, 0])
        if not count:
            return np.zeros(0, np.int64)
        if var not in self._groups:  # memory-mapped once: the workers share its pages
            size = (self.path / f"by-{var}.bin").stat().st_size
            self._groups[var] = np.memmap(self.path / f"by-{var}.bin", dtype="<i8", mode="r") if size else np.zeros(0)
        return np.asarray(self._groups[var][start : start + count], dtype=np.int64)

    def _read(self, numbers: list[int], total: int) -> Page:
        rows: list[list[Any]] = []
        if numbers:
            with (self.path / "offsets.bin").open("rb") as offsets, (self.path / "rows.jsonl").open("rb") as data:
                for n in numbers:
                    offsets.seek(n * 8)
                    start, end = struct.unpack("<2q", offsets.read(16))
                    data.seek(start)
                    line = json.loads(data.read(end - start))
                    rows.append([decode_term(t) for t in line])
        return Page(self.columns, rows, total)


class TextColumn:
    """Substring search over a text column (see :class:`TextColumnWriter`). The lowercased text
    is searched as UTF-8 bytes (a match of the encoded needle is a match of the text, UTF-8
    being self-synchronising), memory-mapped, so a worker holds no copy of a million names."""

    SHORT = 4  # needles up to this many bytes match too often for a find loop: numpy compares

    def __init__(self, base: Path) -> None:
        self._map: mmap.mmap | bytes = b""
        with base.with_suffix(".txt").open("rb") as f:
            if os.fstat(f.fileno()).st_size:
                self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self._bytes = np.frombuffer(self._map, dtype=np.uint8)
        self._rows = np.fromfile(base.with_suffix(".rows"), dtype="<i8")
        ends = np.flatnonzero(self._bytes == ord("\n"))
        self._starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)

    def rows_containing(self, needle: str) -> np.ndarray:
        """The rows one of whose lines contains ``needle`` (already lowercased), ascending."""
        data = needle.encode()
        if not len(self._rows):
            return np.zeros(0, np.int64)
        if not data:
            return np.unique(self._rows)
        hits = self._numpy_find(data) if len(data) <= self.SHORT else self._find_loop(data)
        lines = np.searchsorted(self._starts, hits, side="right") - 1
        return np.unique(self._rows[lines])

    def _numpy_find(self, data: bytes) -> np.ndarray:
        text, k = self._bytes, len(data)
        if len(text) < k:
            return np.zeros(0, np.int64)
        mask = text[: len(text) - k + 1] == data[0]
        for i in range(1, k):
            mask &= text[i : len(text) - k + 1 + i] == data[i]
        return np.flatnonzero(mask)

    def _find_loop(self, data: bytes) -> np.ndarray:
        """Rare needles: ``find`` in C, one call per matching line (the rest of a line that
        matched is skipped: one hit per line is enough)."""
        text = self._map
        hits: list[int] = []
        at = text.find(data)
        while at >= 0:
            hits.append(at)
            end = text.find(b"\n", at)  # every line ends with one (TextColumnWriter)
            at = text.find(data, end + 1) if end >= 0 else -1
        return np.asarray(hits, dtype=np.int64)


_OPEN: dict[str, Table] = {}


def open_table(path: str) -> Table | None:
    """The table at ``path``, or None when this generation has none (the live query runs).

    Opened tables are kept (a worker reads the same few again and again); a missing one is
    looked for again next time, since ``stigraph queries precompute`` may write it later."""
    table = _OPEN.get(path)
    if table is None:
        if not (Path(path) / "meta.json").exists():
            return None
        if len(_OPEN) >= 64:
            _OPEN.clear()
        table = _OPEN[path] = Table(Path(path))
    return table


_OPEN_FACTS: dict[str, FactTable] = {}


def open_facts(path: str) -> FactTable | None:
    """The fact rows written in the table directory ``path`` (kept open, like tables), or None."""
    facts = _OPEN_FACTS.get(path)
    if facts is None:
        if not (Path(path) / "facts" / "meta.json").exists():
            return None
        if len(_OPEN_FACTS) >= 16:
            _OPEN_FACTS.clear()
        facts = _OPEN_FACTS[path] = FactTable(Path(path) / "facts")
    return facts
