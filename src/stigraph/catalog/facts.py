"""Fact tables: the rows under a query's counts, so that a count over several values (or for a
required value) is a numpy pass over integer columns instead of a live aggregate over the graph.

An answer table (:mod:`stigraph.catalog.tables`) holds a count per country, but "PIs in these
two fields, per country" cannot be added up from it: a person with both fields would be
counted twice. So a query may declare, in its ``facts`` header, the rows before its
``GROUP BY`` (for ``pi-counts-by-country``: country, its name, person, institution, field; one
row per current PI position abroad and field of the person). They are written at publish (beside
the answer table, or alone for a query with required parameters), each column as int32 codes
(-1: unbound) with the column's distinct terms, and a request is answered by keeping the rows
its values select, grouping them by the columns the query projects, and counting (or
concatenating) distinct codes. At a million researchers that is two to two and a half million
rows: 0.01-0.4 s, where the live aggregate took 16 s to past 120 s.

The answer is the live query's, in its order (the query's ``ORDER BY`` reproduced with
:mod:`stigraph.catalog.ordering`; when it cannot be, the live query runs), with two differences
the tests allow for: values inside a ``concat`` column come in the rows' order (SPARQL leaves
GROUP_CONCAT's order to the engine), and a row the live query repeats because a label triple is
in two graphs (pyoxigraph's union default graph keeps one copy per graph) comes once.

Layout, inside the answer table's directory::

    facts/meta.json          columns, rows, distinct terms per column, seconds
    facts/col-<var>.npy      int32 code of each row's term (-1: unbound)
    facts/terms-<var>.json   the column's distinct terms as SPARQL TSV writes them, by code
                             (not written for columns that are only counted)
"""

from __future__ import annotations

import json
import time
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pyoxigraph import Literal, QueryResultsFormat, QuerySolutions, RdfFormat, Store, parse

from stigraph.catalog.binding import parse_value
from stigraph.catalog.filters import ColumnFilter, Reach, accepted_keys
from stigraph.catalog.model import CuratedQuery
from stigraph.catalog.ordering import OrderKey, sort_permutation, split_order
from stigraph.errors import CatalogError, ErrorContext
from stigraph.paths.terms import literal, value
from stigraph.results import Page
from stigraph.sparql.lexer import check

_KEY_LIMIT = 1 << 62  # the combined group key is an int64


def facts_filters(query: CuratedQuery, given: Mapping[str, Sequence[str]]) -> list[ColumnFilter] | None:
    """Filters on the fact rows that give the answer to ``given``, or None when the facts
    cannot: the query has none, or a value of a parameter they have no column for."""
    spec = query.facts
    if spec is None:
        return None
    filters: list[ColumnFilter] = []
    for name, raw in given.items():
        if not raw:
            continue
        p = query.params[name]
        terms = tuple(parse_value(p, v) for v in raw)
        column = spec.filter.get(name)
        if column is not None:
            filters.append(ColumnFilter(column, terms))
        elif p.table is not None and p.table.match in ("equal", "within") and p.table.column in spec.variables:
            filters.append(ColumnFilter(p.table.column, terms, p.table.match, p.table.via))
        else:
            return None
    return filters


@dataclass(frozen=True)
class FactsShape:
    """What a worker needs to turn fact rows into a query's answer: its columns in order, the
    counted ones (output column -> row variable), and its ``ORDER BY`` (None: the store must
    sort, so the facts cannot answer)."""

    columns: list[str]
    count: dict[str, str]
    keys: tuple[OrderKey, ...] | None
    concat: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, query: CuratedQuery) -> FactsShape:
        assert query.facts is not None
        split = split_order(query.text)
        keys = None if split is None else split.keys
        return cls(query.output_columns(), dict(query.facts.count), keys, dict(query.facts.concat))

    def to_json(self) -> dict[str, Any]:
        keys = None if self.keys is None else [[k.variable, k.descending] for k in self.keys]
        concat = {c: list(v) for c, v in self.concat.items()}
        return {"columns": self.columns, "count": self.count, "keys": keys, "concat": concat}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FactsShape:
        keys = data.get("keys")
        order = None if keys is None else tuple(OrderKey(str(v), bool(d)) for v, d in keys)
        concat = {str(c): (str(v), str(sep)) for c, (v, sep) in data.get("concat", {}).items()}
        return cls(list(data["columns"]), dict(data["count"]), order, concat)


def comparable(query: CuratedQuery, rows: Sequence[Sequence[str]]) -> list[list[Any]]:
    """Rows of terms in N-Triples with each ``concat`` column as (set of values, the rest after
    the text): how a fact answer is compared with the live query's, since SPARQL leaves the
    order inside GROUP_CONCAT to the engine (tests and bench/facts.py)."""
    assert query.facts is not None
    at = {query.output_columns().index(c): sep for c, (_, sep) in query.facts.concat.items()}
    out: list[list[Any]] = []
    for row in rows:
        cells: list[Any] = list(row)
        for i, sep in at.items():
            text, _, rest = cells[i].rpartition('"')
            cells[i] = (frozenset(text[1:].split(sep)), rest)
        out.append(cells)
    return out


def write_facts(store: Store, query: CuratedQuery, target: Path) -> int:
    """Run the query's ``facts`` rows on ``store`` and write them to ``target`` (a new folder)."""
    spec = query.facts
    assert spec is not None
    t0 = time.perf_counter()
    target.mkdir(parents=True)
    info = check(spec.rows, max_bytes=1 << 24, max_depth=1000)
    result = store.query(spec.rows, use_default_graph_as_union=not info.names_dataset)
    if not isinstance(result, QuerySolutions):
        raise CatalogError(
            f"the 'facts' rows of {query.name!r} are not a SELECT", context=ErrorContext(file=query.file)
        )
    tsv = target / "rows.tsv"
    with tsv.open("wb") as out:  # written by the store in Rust: no term object per cell
        result.serialize(out, format=QueryResultsFormat.TSV)
    with tsv.open(encoding="utf-8", newline="\n") as lines:  # TSV escapes line breaks in literals
        names = [h[1:] for h in lines.readline().rstrip("\n").split("\t")]
        codes = [array("i") for _ in names]
        terms: list[dict[str, int]] = [{} for _ in names]
        n = 0
        for line in lines:
            for k, cell in enumerate(line.rstrip("\n").split("\t")):
                if cell:
                    d = terms[k]
                    codes[k].append(d.setdefault(cell, len(d)))
                else:
                    codes[k].append(-1)
            n += 1
    tsv.unlink()
    counted_only = set(spec.count.values()) - set(query.output_columns()) - set(spec.filter.values())
    counted_only -= {variable for variable, _ in spec.concat.values()}
    counted_only -= {p.table.column for p in query.params.values() if p.table is not None}
    for name, column, dictionary in zip(names, codes, terms, strict=True):
        np.save(target / f"col-{name}.npy", np.frombuffer(column, dtype=np.int32) if n else np.zeros(0, np.int32))
        if name not in counted_only:
            (target / f"terms-{name}.json").write_text(json.dumps(list(dictionary), ensure_ascii=False), "utf-8")
    meta = {
        "columns": names,
        "rows": n,
        "sizes": {name: len(d) for name, d in zip(names, terms, strict=True)},
        "seconds": round(time.perf_counter() - t0, 3),
    }
    (target / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return n


class FactTable:
    """Written fact rows, opened for answering (kept open per worker with their answer table).
    The columns are memory-mapped: the workers share the pages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        self.rows: int = meta["rows"]
        self.sizes: dict[str, int] = meta["sizes"]
        self._columns = {c: np.load(path / f"col-{c}.npy", mmap_mode="r") for c in meta["columns"]}
        self._terms: dict[str, list[str]] = {}
        self._codes: dict[str, dict[str, int]] = {}
        self._decoded: dict[str, dict[int, Any]] = {}

    def answer(
        self,
        shape: FactsShape,
        filters: Sequence[ColumnFilter],
        offset: int,
        limit: int,
        reach: Reach | None,
    ) -> Page | None:
        """The page of the answer for the filters' values, or None when it cannot be given
        here in the query's order (the live query runs)."""
        if shape.keys is None:
            return None
        columns, count = shape.columns, shape.count
        group = [c for c in columns if c not in count and c not in shape.concat]
        key_space = 1
        for c in group:
            key_space *= self.sizes[c] + 1
        if key_space >= _KEY_LIMIT:
            return None
        selected = self._select(filters, reach)
        key = np.zeros(len(selected), dtype=np.int64)
        for c in group:
            key = key * (self.sizes[c] + 1) + (self._columns[c][selected].astype(np.int64) + 1)
        keys, inverse = np.unique(key, return_inverse=True)
        values: dict[str, list[Any]] = {}
        rest = keys.copy()
        for c in reversed(group):  # the group's terms back out of its key
            width = self.sizes[c] + 1
            values[c] = [self._term(c, int(code) - 1) for code in rest % width]
            rest //= width
        for out, source in count.items():
            values[out] = [Literal(int(n)) for n in self._distinct(source, selected, inverse, len(keys))]
        for out, (source, separator) in shape.concat.items():
            values[out] = self._concat(source, separator, selected, inverse, len(keys))
        rows = [[values[c][i] for c in columns] for i in range(len(keys))]
        order = sort_permutation(rows, columns, shape.keys)
        if order is None:
            return None
        return Page(columns, [rows[i] for i in order[offset : offset + limit]], len(rows))

    def most_frequent(self, column: str, k: int) -> list[str]:
        """The ``k`` terms (as SPARQL TSV writes them) in the most rows of ``column``."""
        codes = np.asarray(self._columns[column])
        counts = np.bincount(codes[codes >= 0], minlength=self.sizes[column])
        top = np.argsort(-counts, kind="stable")[:k]
        return [self._term_list(column)[int(c)] for c in top if counts[c]]

    def _select(self, filters: Sequence[ColumnFilter], reach: Reach | None) -> np.ndarray:
        """Numbers of the rows every filter keeps."""
        mask: np.ndarray | None = None
        for f in filters:
            codes = self._code_index(f.column)
            wanted = np.array([codes[k] for k in accepted_keys(f, reach) if k in codes], dtype=np.int32)
            kept = np.isin(self._columns[f.column], wanted)
            mask = kept if mask is None else mask & kept
        return np.arange(self.rows) if mask is None else np.flatnonzero(mask)

    def _distinct(self, column: str, selected: np.ndarray, group_of: np.ndarray, groups: int) -> np.ndarray:
        """How many distinct bound values ``column`` has in each group (COUNT(DISTINCT))."""
        codes = self._columns[column][selected].astype(np.int64)
        bound = codes >= 0
        width = max(self.sizes[column], 1)
        pairs = group_of[bound].astype(np.int64) * width + codes[bound]
        pairs.sort()  # distinct by sorting: numpy's hashing np.unique took 16 s for 5M values here
        first = np.ones(len(pairs), dtype=bool)
        first[1:] = pairs[1:] != pairs[:-1]
        return np.bincount(pairs[first] // width, minlength=groups)

    def _concat(
        self, column: str, separator: str, selected: np.ndarray, group_of: np.ndarray, groups: int
    ) -> list[Literal]:
        """``GROUP_CONCAT(DISTINCT ?column; separator)`` of each group: the distinct bound values
        in the order the rows first give them, tagged with their language when they all share
        one (as pyoxigraph does), an empty string for a group without any."""
        codes = np.asarray(self._columns[column])[selected].astype(np.int64)
        bound = codes >= 0
        width = max(self.sizes[column], 1)
        pairs = group_of[bound].astype(np.int64) * width + codes[bound]
        order = np.argsort(pairs, kind="stable")  # equal pairs keep their row order
        ranked = pairs[order]
        first = np.ones(len(ranked), dtype=bool)
        first[1:] = ranked[1:] != ranked[:-1]
        kept = np.sort(order[first])  # the first row of every distinct pair, in row order
        texts: list[list[str]] = [[] for _ in range(groups)]
        languages: list[set[str | None]] = [set() for _ in range(groups)]
        terms = self._term_list(column)
        for pair in pairs[kept].tolist():
            g, code = divmod(pair, width)
            text, language = literal(terms[code]) if terms[code][:1] == '"' else (value(terms[code]), None)
            texts[g].append(text)
            languages[g].add(language)
        out = []
        for g in range(groups):
            joined = separator.join(texts[g])
            tags = languages[g]
            tag = next(iter(tags)) if len(tags) == 1 else None
            out.append(Literal(joined, language=tag) if tag else Literal(joined))
        return out

    def _term_list(self, column: str) -> list[str]:
        if column not in self._terms:
            self._terms[column] = json.loads((self.path / f"terms-{column}.json").read_text(encoding="utf-8"))
        return self._terms[column]

    def _code_index(self, column: str) -> dict[str, int]:
        """A term in N-Triples -> its code (the TSV of an IRI or a string is its N-Triples;
        filters are on IRIs only: the catalogue checks it)."""
        if column not in self._codes:
            self._codes[column] = {t: i for i, t in enumerate(self._term_list(column))}
        return self._codes[column]

    def _term(self, column: str, code: int) -> Any:
        if code < 0:
            return None
        decoded = self._decoded.setdefault(column, {})
        if code not in decoded:
            written = self._term_list(column)[code]  # a TSV term is a Turtle term (numbers bare)
            doc = f"<urn:k> <urn:v> {written} .\n".encode()
            decoded[code] = next(iter(parse(doc, format=RdfFormat.TURTLE))).object
        return decoded[code]
