"""A client for an external SPARQL engine: queries through the SPARQL 1.1 Protocol, graph
replacement through the Graph Store Protocol, for when the graph outgrows the embedded store.

This is the transport the remote backend is built on (issue: beyond one machine). It is not yet
the store facade the service runs on; what it already guarantees:

- queries go as form-encoded POST (``application/x-www-form-urlencoded``), which every engine
  accepts (Virtuoso 7 hangs on ``application/sparql-query`` bodies), with the dataset chosen by
  ``default-graph-uri`` / ``named-graph-uri`` parameters, never by editing the query;
- answers are parsed by pyoxigraph (SPARQL JSON for solutions, N-Triples for graphs), so a
  caller gets the same terms as from the embedded store;
- Basic, Digest or bearer authentication; a timeout per request; retries with exponential
  backoff on connection errors and 5xx answers (never on 4xx: a bad query stays bad);
- large SELECTs are read a page at a time (``LIMIT``/``OFFSET`` appended to a query that has an
  ``ORDER BY``), so no single answer has to fit an engine's result-size limit;
- every failure is a :class:`RemoteError` naming the endpoint, the status and the engine's words;
- what differs between engines (Virtuoso's dataset escapes, its ASK and truncation) is handled
  as :mod:`stigraph.store.dialect` describes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from pyoxigraph import (
    NamedNode,
    QueryResultsFormat,
    QuerySolution,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
)

from stigraph.errors import ErrorContext, StoreError
from stigraph.store.dialect import ASK_COLUMN, MAX_ROWS_HEADER, EngineKind, dataset, guard_scoped, transient

Auth = Literal["none", "basic", "digest", "bearer"]
RETRYABLE = (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectTimeout)


class RemoteError(StoreError):
    code = "remote_engine"

    def __init__(self, message: str, *, context: ErrorContext | None = None, status: int | None = None) -> None:
        super().__init__(message, context=context)
        self.status = status  # the engine's HTTP status, when it answered


@dataclass(frozen=True)
class Solutions:
    """A SELECT's answer, read in full (an engine's answer is one HTTP body anyway)."""

    variables: list[str]
    rows: list[QuerySolution]

    def __iter__(self) -> Iterator[QuerySolution]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class RemoteTruncated(RemoteError):
    """The engine cut the answer at its row cap (and still said 200)."""

    code = "remote_truncated"


@dataclass(frozen=True)
class RemoteConfig:
    """Where and how to reach the engine (built from the settings by the backend)."""

    query_url: str
    update_url: str | None = None
    graph_store_url: str | None = None
    auth: Auth = "none"
    user: str = ""
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 0.25  # seconds before the first retry; doubled each time
    page_size: int = 10_000
    engine: EngineKind = "generic"
    # the engine's cap on rows per answer when known (Virtuoso's ResultSetMaxRows); an answer of
    # exactly this many rows is taken as cut even without the engine's header
    max_rows: int | None = None


class RemoteEndpoint:
    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        self._client = httpx.Client(timeout=config.timeout, auth=self._auth(), follow_redirects=False)
        self.requests = 0  # sent, retries included (for tests and metrics)

    def _auth(self) -> httpx.Auth | None:
        c = self.config
        if c.auth == "basic":
            return httpx.BasicAuth(c.user, c.password)
        if c.auth == "digest":
            return httpx.DigestAuth(c.user, c.password)
        if c.auth == "bearer":
            token = c.token

            def bearer(request: httpx.Request) -> httpx.Request:
                request.headers["Authorization"] = f"Bearer {token}"
                return request

            return httpx.FunctionAuth(bearer)
        return None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RemoteEndpoint:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- transport ----------------------------------------------------------------------
    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request, retried with backoff on connection errors and 5xx answers."""
        delay = self.config.backoff
        for attempt in range(self.config.retries + 1):
            self.requests += 1
            try:
                response = self._client.request(method, url, **kwargs)
            except RETRYABLE as exc:
                if attempt == self.config.retries:
                    raise RemoteError(
                        f"cannot reach {url}: {exc}", context=ErrorContext(source=url, expected="a reachable engine")
                    ) from None
            except httpx.TimeoutException:
                raise RemoteError(
                    f"{url} did not answer within {self.config.timeout:g} s", context=ErrorContext(source=url)
                ) from None
            else:
                if attempt == self.config.retries or not transient(
                    self.config.engine, response.status_code, response.text
                ):
                    return response
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _check(response: httpx.Response, what: str) -> httpx.Response:
        if response.status_code >= 400:
            raise RemoteError(
                f"{what} failed at {response.request.url.copy_with(query=None)}: HTTP {response.status_code}: "
                f"{response.text[:500].strip()}",
                context=ErrorContext(source=str(response.request.url.copy_with(query=None))),
                status=response.status_code,
            )
        return response

    # -- queries ------------------------------------------------------------------------
    def _query(
        self, sparql: str, accept: str, default_graphs: Sequence[NamedNode], named_graphs: Sequence[NamedNode]
    ) -> httpx.Response:
        form: dict[str, str | list[str]] = {"query": sparql}
        if default_graphs or named_graphs:
            guard_scoped(sparql)
            form.update(dataset([g.value for g in default_graphs], [g.value for g in named_graphs]))
        response = self._send("POST", self.config.query_url, data=form, headers={"Accept": accept})
        return self._check(response, "query")

    def _cap(self, response: httpx.Response) -> int | None:
        """The row cap the engine says it applied, or the configured one."""
        header = response.headers.get(MAX_ROWS_HEADER)
        if header and header.strip().isdigit():
            return int(header)
        return self.config.max_rows

    def select(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[NamedNode] = (),
        named_graphs: Sequence[NamedNode] = (),
    ) -> Solutions:
        """Every solution; an answer the engine cut at its row cap raises :class:`RemoteTruncated`."""
        answer, cap = self._select(sparql, default_graphs, named_graphs)
        if cap is not None and len(answer.rows) >= cap:
            raise RemoteTruncated(
                f"the engine cut the answer at its limit of {cap} rows (it still said 200); "
                "ask for it a page at a time, or raise the engine's limit (Virtuoso: [SPARQL] ResultSetMaxRows)",
                context=ErrorContext(source=self.config.query_url, expected=f"fewer than {cap} rows"),
            )
        return answer

    def _select(
        self, sparql: str, default_graphs: Sequence[NamedNode], named_graphs: Sequence[NamedNode]
    ) -> tuple[Solutions, int | None]:
        """The solutions and the engine's row cap (None when it has none or does not say)."""
        response = self._query(sparql, "application/sparql-results+json", default_graphs, named_graphs)
        result = parse_query_results(response.content, format=QueryResultsFormat.JSON)
        if not isinstance(result, QuerySolutions):
            raise RemoteError(
                "the engine answered a boolean to a SELECT", context=ErrorContext(source=self.config.query_url)
            )
        return Solutions([v.value for v in result.variables], list(result)), self._cap(response)

    def select_raw(
        self, sparql: str, *, default_graphs: Sequence[NamedNode] = (), named_graphs: Sequence[NamedNode] = ()
    ) -> QuerySolutions:
        """pyoxigraph's own solutions object (it serializes itself, as the embedded store's
        answers do); an answer cut at the engine's cap raises :class:`RemoteTruncated`."""
        response = self._query(sparql, "application/sparql-results+json", default_graphs, named_graphs)
        cap = self._cap(response)
        if cap is not None:
            counted = parse_query_results(response.content, format=QueryResultsFormat.JSON)
            if isinstance(counted, QuerySolutions) and sum(1 for _ in counted) >= cap:
                raise RemoteTruncated(
                    f"the engine cut the answer at its limit of {cap} rows (it still said 200)",
                    context=ErrorContext(source=self.config.query_url, expected=f"fewer than {cap} rows"),
                )
        result = parse_query_results(response.content, format=QueryResultsFormat.JSON)
        if not isinstance(result, QuerySolutions):
            raise RemoteError(
                "the engine answered a boolean to a SELECT", context=ErrorContext(source=self.config.query_url)
            )
        return result

    def ask(
        self, sparql: str, *, default_graphs: Sequence[NamedNode] = (), named_graphs: Sequence[NamedNode] = ()
    ) -> bool:
        response = self._query(sparql, "application/sparql-results+json", default_graphs, named_graphs)
        result = parse_query_results(response.content, format=QueryResultsFormat.JSON)
        if isinstance(result, QuerySolutions):
            # Virtuoso: a table of __ASK_RETVAL instead of a boolean (one row of 1 when true)
            rows = list(result)
            if [v.value for v in result.variables] == [ASK_COLUMN] and len(rows) <= 1:
                return bool(rows) and rows[0][ASK_COLUMN].value not in ("0", "false")
            raise RemoteError(
                "the engine answered a table to an ASK", context=ErrorContext(source=self.config.query_url)
            )
        return bool(result)

    def construct(
        self, sparql: str, *, default_graphs: Sequence[NamedNode] = (), named_graphs: Sequence[NamedNode] = ()
    ) -> list[Any]:
        response = self._query(sparql, "application/n-triples", default_graphs, named_graphs)
        return list(parse(response.content, format=RdfFormat.N_TRIPLES))

    def select_pages(
        self, sparql: str, *, default_graphs: Sequence[NamedNode] = (), named_graphs: Sequence[NamedNode] = ()
    ) -> Iterator[dict[str, Any]]:
        """Every solution of an ordered SELECT, a page at a time: ``LIMIT``/``OFFSET`` are
        appended, so the query must end with its ``ORDER BY`` (an unordered query has no stable
        pages, and is refused)."""
        if "ORDER BY" not in sparql.upper():
            raise RemoteError(
                "a paged query needs an ORDER BY (pages of an unordered answer may overlap or skip rows)",
                context=ErrorContext(expected="a SELECT ending with ORDER BY"),
            )
        size, offset = self.config.page_size, 0
        while True:
            page, cap = self._select(f"{sparql}\nLIMIT {size} OFFSET {offset}", default_graphs, named_graphs)
            if cap is not None and cap <= size:
                # the engine's cap is not above the page: ask again for pages it cannot cut
                size = max(1, cap - 1)
                continue
            yield from ({n: s[n] for n in page.variables} for s in page.rows)
            if len(page.rows) < size:
                return
            offset += size

    # -- writes -------------------------------------------------------------------------
    def update(self, sparql: str) -> None:
        url = self.config.update_url or self.config.query_url
        self._check(self._send("POST", url, data={"update": sparql}), "update")

    def _graph_url(self, graph: NamedNode) -> tuple[str, dict[str, str]]:
        if not self.config.graph_store_url:
            raise RemoteError("no Graph Store URL configured", context=ErrorContext(expected="graph_store_url"))
        return self.config.graph_store_url, {"graph": graph.value}

    def replace_graph(self, graph: NamedNode, ntriples: bytes) -> None:
        """The graph's content becomes ``ntriples`` (Graph Store Protocol PUT)."""
        url, params = self._graph_url(graph)
        response = self._send(
            "PUT", url, params=params, content=ntriples, headers={"Content-Type": "application/n-triples"}
        )
        self._check(response, "graph replacement")

    def add_to_graph(self, graph: NamedNode, ntriples: bytes, *, bulk: bool = False) -> None:
        """``ntriples`` added to the graph (Graph Store Protocol POST). ``bulk``: through Oxigraph
        server's bulk loader, without a transaction (:mod:`stigraph.store.bulk`)."""
        url, params = self._graph_url(graph)
        if bulk:
            params["no_transaction"] = ""
        response = self._send(
            "POST", url, params=params, content=ntriples, headers={"Content-Type": "application/n-triples"}
        )
        self._check(response, "graph addition")

    def drop_graph(self, graph: NamedNode) -> None:
        url, params = self._graph_url(graph)
        response = self._send("DELETE", url, params=params)
        if response.status_code != 404:  # already absent is fine
            self._check(response, "graph removal")

    def graph(self, graph: NamedNode) -> list[Any]:
        """The graph's triples (none when the engine has no such graph)."""
        url, params = self._graph_url(graph)
        response = self._send("GET", url, params=params, headers={"Accept": "application/n-triples"})
        if response.status_code == 404:
            return []
        self._check(response, "graph read")
        triples = list(parse(response.content, format=RdfFormat.N_TRIPLES))
        if self.config.engine == "virtuoso" or self.config.max_rows is not None:
            # Virtuoso cuts a Graph Store read at its row cap without a word (no header): the
            # graph's size says whether it did, and a cut graph is read again in pages
            count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
            (row,) = self.select(count, named_graphs=[graph])
            if int(row["n"].value) > len(triples):
                pages = self.select_pages(
                    f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o", named_graphs=[graph]
                )
                triples = [Triple(r["s"], r["p"], r["o"]) for r in pages]
        return triples
