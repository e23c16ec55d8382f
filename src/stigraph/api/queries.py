"""``GET /api/queries/{name}``: run a curated query with typed parameters, paged, in any format.

It goes through the same machinery as /sparql (auth, the client's limits, the deadline, a
worker process, the one error shape, metrics and the access log), so a curated query is never
less safe than the endpoint. Answers of small pages are kept per store generation.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from stigraph.api.auth import Forbidden, Unauthorized
from stigraph.api.context import Exchange, ServiceContext, serve_protocol
from stigraph.api.http import CORS_READ, HttpError, Receive, Scope, Send, respond
from stigraph.api.jobs import Outcome
from stigraph.api.negotiation import GRAPHS, Format, choose
from stigraph.catalog.binding import Bound, bind
from stigraph.catalog.cache import Answer, AnswerCache
from stigraph.catalog.catalog import Catalog
from stigraph.catalog.facts import FactsShape, facts_filters
from stigraph.catalog.model import MAX_PAGE_SIZE, SCOPE_ORDER, CuratedQuery
from stigraph.catalog.tables import table_dir_name, table_filters
from stigraph.errors import ErrorContext, ParameterError
from stigraph.results import sparql_json_term
from stigraph.sparql.lexer import check

PREFIX = "/api/queries/"
PAGES = (
    Format("json", "application/json"),
    Format("csv", "text/csv"),
    Format("sparql-json", "application/sparql-results+json", (), ("srj",)),
)
CONTROL = frozenset({"page", "size", "format"})


class CuratedEndpoint:
    def __init__(self, ctx: ServiceContext, catalog: Catalog) -> None:
        self.ctx = ctx
        self.catalog = catalog
        self.cache = AnswerCache(ctx.settings.answer_cache_mb * 1024 * 1024)
        # what a worker needs to answer from fact rows, worked out once per query (it lexes the text)
        self.fact_shapes = {q.name: FactsShape.of(q).to_json() for q in catalog if q.facts is not None}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await serve_protocol(self.ctx, "/api/queries/{name}", self.handle, scope, receive, send)

    async def handle(self, ex: Exchange, receive: Receive, send: Send) -> Outcome | None:
        req = ex.request
        if req.method not in ("GET", "HEAD"):
            raise HttpError(405, "method_not_allowed", f"{req.method} on a curated query", headers=[(b"allow", b"GET")])
        name = req.path[len(PREFIX) :].strip("/")
        query = self.catalog.queries.get(name)
        if query is None:
            raise HttpError(404, "query_not_found", f"no curated query named {name!r}; GET /api/queries lists them")
        ex.principal = self.ctx.auth.principal(req.headers.get("authorization"), req.client)
        if SCOPE_ORDER[ex.principal.scope] < SCOPE_ORDER[query.scope]:
            if ex.principal.anonymous:
                raise Unauthorized(f"query {name!r} needs a token with scope {query.scope}")
            raise Forbidden(f"query {name!r} needs scope {query.scope}; this token has {ex.principal.scope}")
        given: dict[str, list[str]] = {}
        for k, v in req.query:
            if k not in CONTROL:
                given.setdefault(k, []).append(v)
        bound = bind(query, given)
        fmt_param = _single(req, "format")
        if fmt_param is not None and not fmt_param.strip():
            raise ParameterError("'format' is empty", context=ErrorContext(field="format", expected="a format name"))
        accept = req.headers.get("accept")
        fmt = choose(GRAPHS if query.returns_graph else PAGES, accept, fmt_param)
        ex.log.update(query=name)
        if query.returns_graph:
            if req.has("page") or req.has("size"):
                raise ParameterError("a graph result is not paged", context=ErrorContext(field="page"))
            return await self._graph(ex, query, bound, fmt, receive, send)
        page, size = self._paging(query, req)
        return await self._page(ex, query, bound, given, fmt, page, size, receive, send)

    # -- SELECT, one page --------------------------------------------------------------------
    def _paging(self, query: CuratedQuery, req: Any) -> tuple[int, int]:
        if not query.paginated:
            if req.has("page") or req.has("size"):
                raise ParameterError(
                    f"query {query.name!r} is not paginated: it answers all its rows at once",
                    context=ErrorContext(field="page"),
                )
            return 1, self.ctx.settings.max_result_rows
        assert query.page_size is not None
        page = _int(req, "page", 1, 1, 10**9)
        size = _int(req, "size", query.page_size, 1, MAX_PAGE_SIZE)
        return page, size

    async def _page(
        self,
        ex: Exchange,
        query: CuratedQuery,
        bound: Bound,
        given: dict[str, list[str]],
        fmt: Format,
        page: int,
        size: int,
        receive: Receive,
        send: Send,
    ) -> Outcome | None:
        assert ex.principal is not None
        req = ex.request
        key = (query.name, bound.key, ex.principal.scope, page, size, fmt.name)
        generation = self.ctx.gens.current()
        hit = self.cache.get(generation, key)
        if hit is not None:
            status, headers = self._page_head(query, bound, page, size, fmt, hit.meta)
            await respond(
                send,
                status,
                hit.body,
                fmt.content_type,
                [
                    *headers,
                    (b"x-cache", b"hit"),
                    (b"x-answered-from", str(hit.meta.get("answered", "query")).encode()),
                ],
                head_only=req.method == "HEAD",
            )
            ex.log.update(cache="hit")
            return Outcome(status=status, rows=hit.meta.get("rows"), bytes=len(hit.body))
        job = {
            **self._job("page", ex, bound),
            "offset": (page - 1) * size,
            "limit": size,
            "page_format": fmt.name,
            # engines that compute comparisons as 0/1 (Virtuoso) answer these as booleans all the same
            "booleans": [c for c, kind in query.columns.items() if kind == "boolean"],
        }
        same_scope = ex.principal.scope == query.scope
        filters = table_filters(query, given) if same_scope else None
        facts = None
        if filters is None and same_scope:  # the fact rows under its counts may give it
            filters = facts_filters(query, given)
            facts = None if filters is None else self.fact_shapes[query.name]
        if filters is not None:  # the generation's answer table holds this answer (if it was written)
            job["table"] = {
                "dir": table_dir_name(query),
                "filters": [
                    {
                        "column": f.column,
                        "match": f.match,
                        "via": f.via,
                        "terms": [sparql_json_term(t) for t in f.terms],
                    }
                    for f in filters
                ],
                "facts": facts,
            }

        def on_head(meta: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]]]:
            status, headers = self._page_head(query, bound, page, size, fmt, meta)
            answered = str(meta.get("answered", "query")).encode()
            ex.log.update(answered=meta.get("answered", "query"))
            return status, [
                (b"content-type", fmt.content_type.encode()),
                *headers,
                (b"x-cache", b"miss"),
                (b"x-answered-from", answered),
            ]

        def capture(meta: dict[str, Any], body: bytes) -> None:
            self.cache.put(int(meta.get("generation", -1)), key, Answer(meta, body))

        return await self.ctx.run(
            ex,
            receive,
            send,
            job,
            on_head=on_head,
            head_only=req.method == "HEAD",
            capture=capture if self.cache.max_bytes else None,
            capture_limit=self.cache.max_bytes // 4,  # what the cache keeps of one answer
        )

    def _job(self, op: str, ex: Exchange, bound: Bound) -> dict[str, Any]:
        """What every curated job carries: the scope, the bound text, its substitutions, and the
        union of the scope's graphs as default graph unless the query names its own (FROM)."""
        assert ex.principal is not None
        info = check(bound.text, max_bytes=1 << 24, max_depth=self.ctx.settings.max_query_depth)
        return {
            "op": op,
            "scope": ex.principal.scope,
            "text": bound.text,
            "substitutions": {v: sparql_json_term(t) for v, t in bound.substitutions.items()},
            "union": not info.names_dataset,
        }

    def _page_head(
        self, query: CuratedQuery, bound: Bound, page: int, size: int, fmt: Format, meta: dict[str, Any]
    ) -> tuple[int, list[tuple[bytes, bytes]]]:
        total = int(meta["total"])
        headers = [
            (b"vary", b"accept, authorization"),
            (b"x-total-count", str(total).encode()),
            *CORS_READ,
        ]
        if query.paginated:
            last = max(1, math.ceil(total / size))
            links = {"first": 1, "last": last}
            if page > 1:
                links["prev"] = min(page - 1, last)
            if page < last:
                links["next"] = page + 1
            rendered = ", ".join(f'<{self._url(query, bound, n, size, fmt)}>; rel="{rel}"' for rel, n in links.items())
            headers += [
                (b"link", rendered.encode()),
                (b"x-page", str(page).encode()),
                (b"x-page-size", str(size).encode()),
                (b"x-page-count", str(last).encode()),
            ]
        else:
            limit = self.ctx.settings.max_result_rows
            headers += [(b"x-result-truncated", b"true" if total > limit else b"false")]
        return 200, headers

    def _url(self, query: CuratedQuery, bound: Bound, page: int, size: int, fmt: Format) -> str:
        params = [*bound.query_params(), ("page", str(page)), ("size", str(size)), ("format", fmt.name)]
        return f"{PREFIX}{query.name}?{urlencode(params)}"

    # -- CONSTRUCT / DESCRIBE -----------------------------------------------------------------
    async def _graph(
        self, ex: Exchange, query: CuratedQuery, bound: Bound, fmt: Format, receive: Receive, send: Send
    ) -> Outcome | None:
        assert ex.principal is not None
        job = {
            **self._job("query", ex, bound),
            "results_format": "json",
            "graph_format": fmt.name,
            "max_rows": self.ctx.settings.max_result_rows,
            "base_iri": None,
        }

        def on_head(meta: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]]]:
            return 200, [
                (b"content-type", fmt.content_type.encode()),
                (b"vary", b"accept, authorization"),
                (b"x-result-rows", str(meta["rows"]).encode()),
                (b"x-result-truncated", b"true" if meta["truncated"] else b"false"),
                *CORS_READ,
            ]

        return await self.ctx.run(ex, receive, send, job, on_head=on_head, head_only=ex.request.method == "HEAD")


def _single(req: Any, name: str) -> str | None:
    values = req.params(name)
    if len(values) > 1:
        raise ParameterError(f"'{name}' is given {len(values)} times", context=ErrorContext(field=name))
    return values[0] if values else None


def _int(req: Any, name: str, default: int, low: int, high: int) -> int:
    raw = _single(req, name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ParameterError(
            f"'{name}' is {raw!r}", context=ErrorContext(field=name, expected=f"an integer {low}-{high}")
        )
    return int(raw)
