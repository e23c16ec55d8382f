"""The SPARQL 1.1 Protocol endpoint: query and update at ``/sparql``.

Query: GET, POST form-encoded, POST ``application/sparql-query``; ``default-graph-uri`` and
``named-graph-uri``; results negotiated from Accept (q-values) or ``format``. A request is
checked (size, nesting, no ``SERVICE``/``LOAD``) before a worker sees it; the worker runs it on
the snapshot of the caller's scope, so what the scope may not see is not there to be found.

Update: ``application/sparql-update`` or a form with ``update``, only with a write token.
"""

from __future__ import annotations

from typing import Any

from pyoxigraph import NamedNode

from stigraph.api.auth import require_write
from stigraph.api.context import Exchange, ServiceContext, serve_protocol
from stigraph.api.http import CORS_READ, HttpError, Receive, Scope, Send, read_body, respond
from stigraph.api.jobs import Outcome
from stigraph.api.negotiation import BOOLEAN, GRAPHS, RESULTS, choose, prefers_html
from stigraph.api.service_description import ServiceDescription
from stigraph.sparql.lexer import QueryInfo, add_using, check

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
_PREFLIGHT = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-allow-headers", b"accept, content-type, authorization"),
    (b"access-control-max-age", b"86400"),
]
_BY_NAME = {f.name: f for f in RESULTS + GRAPHS}


class SparqlEndpoint:
    def __init__(self, ctx: ServiceContext, description: ServiceDescription, page: bytes) -> None:
        self.ctx = ctx
        self.description = description
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await serve_protocol(self.ctx, "/sparql", self.handle, scope, receive, send)

    async def handle(self, ex: Exchange, receive: Receive, send: Send) -> Outcome | None:
        req = ex.request
        if req.method == "OPTIONS":
            await respond(send, 204, b"", "text/plain", _PREFLIGHT)
            return None
        if req.method not in ("GET", "POST"):
            raise HttpError(
                405,
                "method_not_allowed",
                f"{req.method} is not a SPARQL protocol operation",
                headers=[(b"allow", b"GET, POST, OPTIONS")],
            )
        text, is_update = await self._operation(ex, receive)
        ex.cors = not is_update
        ex.principal = self.ctx.auth.principal(req.headers.get("authorization"), req.client)
        if text is None:
            return await self._no_operation(ex, send)
        if is_update:
            return await self._update(ex, text, receive, send)
        return await self._query(ex, text, receive, send)

    async def _operation(self, ex: Exchange, receive: Receive) -> tuple[str | None, bool]:
        """The query or update text of the request, from wherever the protocol puts it."""
        req = ex.request
        settings = self.ctx.settings
        if req.method == "POST":
            media, params = req.media_type()
            charset = params.get("charset", "utf-8")
            limit = max(settings.max_query_bytes, 1024) * 4
            req.body = await read_body(receive, limit)
            if media == FORM:
                req.form = _parse_form(req.body)
            elif media in (QUERY_TYPE, UPDATE_TYPE):
                if charset not in ("utf-8", "utf8"):
                    raise HttpError(415, "unsupported_charset", f"{media} must be UTF-8, not {charset}")
                if req.has("query") or req.has("update"):
                    raise HttpError(400, "bad_request", "the operation is in the body; the URL may not carry another")
                text = _utf8(req.body)
                return text, media == UPDATE_TYPE
            else:
                raise HttpError(
                    415,
                    "unsupported_media_type",
                    f"POST {media or 'without a Content-Type'} is not a SPARQL operation",
                    context=None,
                )
        queries, updates = req.params("query"), req.params("update")
        if len(queries) + len(updates) > 1:
            raise HttpError(400, "bad_request", "one request carries exactly one query or one update")
        if updates:
            if req.method != "POST" or not req.form:
                raise HttpError(400, "bad_request", "an update is sent with POST (form or application/sparql-update)")
            return updates[0], True
        if queries and req.method == "POST" and not any(k == "query" for k, _ in req.form):
            raise HttpError(400, "bad_request", "a POSTed form carries the query in its body")
        return (queries[0], False) if queries else (None, False)

    async def _no_operation(self, ex: Exchange, send: Send) -> Outcome | None:
        req = ex.request
        accept = req.headers.get("accept")
        if req.method == "GET" and not req.has("format") and prefers_html(accept):
            await respond(send, 200, self.page, "text/html; charset=utf-8", [(b"vary", b"accept")])
            return None
        if req.method == "POST":
            raise HttpError(400, "bad_request", "the request carries no query and no update")
        fmt = choose(GRAPHS, accept, _first(req.params("format")))
        body = self.description.render(fmt.name, req.url)
        await respond(send, 200, body, fmt.content_type, [(b"vary", b"accept"), *CORS_READ])
        return None

    async def _query(self, ex: Exchange, text: str, receive: Receive, send: Send) -> Outcome:
        settings = self.ctx.settings
        req = ex.request
        assert ex.principal is not None
        info = check(text, max_bytes=settings.max_query_bytes, max_depth=settings.max_query_depth)
        accept, fmt_param = req.headers.get("accept"), _first(req.params("format"))
        if not fmt_param and prefers_html(accept) and req.method == "GET":
            await respond(send, 200, self.page, "text/html; charset=utf-8", [(b"vary", b"accept")])
            return Outcome(status=200)
        if info.form in ("SELECT", "ASK"):
            results = choose(BOOLEAN if info.form == "ASK" else RESULTS, accept, fmt_param)
            graph = GRAPHS[0]
        else:
            graph = choose(GRAPHS, accept, fmt_param)
            results = RESULTS[0]
        job = {
            "op": "query",
            "scope": ex.principal.scope,
            "text": text,
            "results_format": results.name,
            "graph_format": graph.name,
            "max_rows": settings.max_result_rows,
            "base_iri": req.url,
            **_dataset(req.params("default-graph-uri"), req.params("named-graph-uri"), info),
        }
        ex.log.update(form=info.form, qlen=len(text))
        return await self.ctx.run(
            ex, receive, send, job, on_head=self._result_head, timeout_param=_first(req.params("timeout"))
        )

    def _result_head(self, meta: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]]]:
        fmt = _BY_NAME[meta["format"]]
        headers = [(b"content-type", fmt.content_type.encode()), (b"vary", b"accept, authorization"), *CORS_READ]
        if meta["kind"] != "boolean":
            headers += [
                (b"x-result-rows", str(meta["rows"]).encode()),
                (b"x-result-limit", str(self.ctx.settings.max_result_rows).encode()),
                (b"x-result-truncated", b"true" if meta["truncated"] else b"false"),
            ]
        return 200, headers

    async def _update(self, ex: Exchange, text: str, receive: Receive, send: Send) -> Outcome:
        req = ex.request
        assert ex.principal is not None
        require_write(ex.principal)
        settings = self.ctx.settings
        info = check(text, max_bytes=settings.max_query_bytes, max_depth=settings.max_query_depth, update=True)
        using, using_named = req.params("using-graph-uri"), req.params("using-named-graph-uri")
        if using or using_named:
            if info.names_dataset:
                raise HttpError(400, "bad_request", "using-graph-uri/using-named-graph-uri and USING/WITH together")
            _dataset(using, using_named, info)  # checks the IRIs
            text = add_using(text, using, using_named)
        ex.log.update(form="UPDATE", qlen=len(text))
        job = {"op": "update", "text": text, "base_iri": req.url}
        return await self.ctx.run(
            ex,
            receive,
            send,
            job,
            on_head=lambda meta: (204, [(b"x-store-generation", str(meta.get("generation", "")).encode())]),
            timeout_param=_first(req.params("timeout")),
        )


def _dataset(default: list[str], named: list[str], info: QueryInfo) -> dict[str, Any]:
    """The dataset handed to the engine: the protocol's graphs, else the query's, else the union."""
    for iri in default + named:
        try:
            NamedNode(iri)
        except ValueError:
            raise HttpError(400, "bad_parameter", f"{iri!r} is not an absolute IRI") from None
    if default or named:
        return {"default_graph": default, "named_graphs": named}
    return {"union": not info.names_dataset}


def _parse_form(body: bytes) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise HttpError(400, "bad_request", "the form body is not UTF-8 URL-encoded text") from None


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(400, "bad_request", f"the body is not UTF-8 (byte {exc.start})") from None


def _first(values: list[str]) -> str | None:
    return values[0] if values else None
