"""What a query worker, a deriver or an export reads of one scope on a remote engine: the part
of pyoxigraph's ``Store`` they use, answered by the engine over the scope's graphs (the
remote backend is described in :mod:`stigraph.store.remote_store`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import IO, Any

from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse_query_results,
    serialize,
)

from stigraph.errors import ErrorContext, QueryError
from stigraph.sparql.lexer import check, tokens
from stigraph.store.base import RemoteTriples
from stigraph.store.dialect import NO_GRAPH
from stigraph.store.remote import RemoteEndpoint, RemoteError, RemoteTruncated

_UNLIMITED = 1 << 40


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
    """Offset of the ``{`` that opens the query's WHERE clause: the top-level one right after
    ``WHERE``, else (``SELECT * { ... }``, ``DESCRIBE ?x { ... }``) the first top-level one."""
    depth = 0
    first: int | None = None
    previous = ""
    for t in tokens(sparql):
        if t.kind == "punct" and t.text == "{":
            if depth == 0:
                if previous == "WHERE":
                    return t.start
                first = t.start if first is None else first
            depth += 1
        elif t.kind == "punct" and t.text == "}":
            depth -= 1
        previous = t.text.upper()
    if first is None:
        raise QueryError("the query has no group pattern to bind its parameters in", context=ErrorContext())
    return first


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
            try:
                return self.endpoint.select_raw(text, default_graphs=default, named_graphs=named)
            except RemoteTruncated:
                paged = _pageable(text)
                if paged is None:
                    raise
                return self._in_pages(paged, default, named)
        except RemoteError as exc:
            if exc.status == 400:
                raise QueryError(str(exc), context=exc.context) from None
            raise

    def _in_pages(self, text: str, default: list[NamedNode], named: list[NamedNode]) -> QuerySolutions:
        """An answer larger than the engine's cap, read a page at a time and handed over as one
        (the path index reads each edge type whole: at a million researchers, more rows than a
        default Virtuoso sends in one answer)."""
        variables: list[str] = []
        bindings: list[dict[str, Any]] = []
        for row in self.endpoint.select_pages(text, default_graphs=default, named_graphs=named):
            variables = variables or list(row)
            bindings.append({k: _json_term(v) for k, v in row.items() if v is not None})
        document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        answer = parse_query_results(json.dumps(document).encode(), format=QueryResultsFormat.JSON)
        assert isinstance(answer, QuerySolutions)
        return answer

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


_MODIFIERS = frozenset({"ORDER", "LIMIT", "OFFSET", "GROUP", "HAVING", "VALUES"})


def _pageable(text: str) -> str | None:
    """The SELECT with an ``ORDER BY`` of its projected variables, when it has no solution
    modifier of its own after its WHERE clause (else None: it cannot be paged from outside)."""
    depth = 0
    closed = False
    projected: list[str] = []
    in_select = False
    for t in tokens(text):
        if t.kind == "punct":
            depth += {"{": 1, "}": -1}.get(t.text, 0)
            closed = closed or (t.text == "}" and depth == 0)
        elif depth == 0 and t.kind == "word":
            word = t.text.upper()
            if closed and word in _MODIFIERS:
                return None
            in_select = word == "SELECT" or (in_select and word != "WHERE")
        elif depth == 0 and t.kind == "var" and in_select:
            projected.append(t.text)
        elif depth == 0 and t.kind == "other" and t.text == "*" and in_select:
            return None
    if not projected:
        return None
    return f"{text}\nORDER BY {' '.join(projected)}"


def _json_term(term: Any) -> dict[str, str]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "bnode", "value": term.value}


def _boolean(value: bool) -> QueryBoolean:
    """pyoxigraph's own boolean answer (the worker tells answers apart by their type)."""
    answer = parse_query_results(
        b'{"head":{},"boolean":' + (b"true" if value else b"false") + b"}", format=QueryResultsFormat.JSON
    )
    assert isinstance(answer, QueryBoolean)
    return answer
