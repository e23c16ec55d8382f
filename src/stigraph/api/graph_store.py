"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/rdf-graphs``.

Indirect identification: ``/rdf-graphs?graph=<IRI>`` or ``/rdf-graphs?default``; direct
identification: ``/rdf-graphs/<path>`` names the graph whose IRI is that request URL. GET and
HEAD read within the caller's scope (a graph the scope may not see answers 404, exactly like one
that does not exist); PUT, POST and DELETE need a write token. ``?default`` is the store's own
default graph, not the union that queries see.
"""

from __future__ import annotations

import uuid

from pyoxigraph import NamedNode

from stigraph.api.auth import require_write
from stigraph.api.context import Exchange, ServiceContext, serve_protocol
from stigraph.api.http import CORS_READ, HttpError, Receive, Scope, Send, read_body
from stigraph.api.jobs import Outcome
from stigraph.api.negotiation import GRAPHS, choose

PREFIX = "/rdf-graphs"


class GraphStoreEndpoint:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await serve_protocol(self.ctx, PREFIX, self.handle, scope, receive, send)

    def _target(self, ex: Exchange) -> tuple[str | None, bool]:
        """(graph IRI or None for the default graph, whether the request names the store itself)."""
        req = ex.request
        direct = req.path[len(PREFIX) :].strip("/")
        graphs = req.params("graph")
        default = req.has("default")
        if direct:
            if graphs or default:
                raise HttpError(400, "bad_request", "a directly identified graph takes no graph or default parameter")
            return req.url, False
        if graphs and default:
            raise HttpError(400, "bad_request", "give either ?graph=IRI or ?default, not both")
        if len(graphs) > 1:
            raise HttpError(400, "bad_request", "one graph per request")
        if graphs:
            try:
                NamedNode(graphs[0])
            except ValueError:
                raise HttpError(400, "bad_parameter", f"graph {graphs[0]!r} is not an absolute IRI") from None
            return graphs[0], False
        if default:
            return None, False
        return None, True

    async def handle(self, ex: Exchange, receive: Receive, send: Send) -> Outcome | None:
        req = ex.request
        ctx = self.ctx
        method = req.method
        ex.cors = method in ("GET", "HEAD")
        ex.principal = ctx.auth.principal(req.headers.get("authorization"), req.client)
        graph, is_store = self._target(ex)
        if method in ("GET", "HEAD"):
            if is_store:
                raise HttpError(400, "bad_request", "name a graph: ?graph=IRI, ?default, or /rdf-graphs/<path>")
            fmt = choose(GRAPHS, req.headers.get("accept"), None)
            job = {
                "op": "graph_get",
                "scope": ex.principal.scope,
                "graph": graph,
                "graph_format": fmt.name,
                "head_only": method == "HEAD",
            }
            headers = [(b"content-type", fmt.content_type.encode()), (b"vary", b"accept, authorization"), *CORS_READ]
            return await ctx.run(
                ex, receive, send, job, on_head=lambda meta: (200, headers), head_only=method == "HEAD"
            )
        if method not in ("PUT", "POST", "DELETE"):
            raise HttpError(
                405,
                "method_not_allowed",
                f"{method} is not a Graph Store operation",
                headers=[(b"allow", b"GET, HEAD, PUT, POST, DELETE")],
            )
        require_write(ex.principal)
        body = b""
        media = None
        location: list[tuple[bytes, bytes]] = []
        if method in ("PUT", "POST"):
            media, _ = req.media_type()
            if not media:
                raise HttpError(415, "unsupported_media_type", "send the graph with its Content-Type")
            body = await read_body(receive, ctx.settings.max_update_bytes)
            if is_store:
                if method != "POST":
                    raise HttpError(400, "bad_request", "PUT needs a graph: ?graph=IRI, ?default or /rdf-graphs/<path>")
                graph = f"{req.url.rstrip('/')}/{uuid.uuid4()}"
                location = [(b"location", graph.encode())]
        elif is_store:
            raise HttpError(400, "bad_request", "DELETE needs a graph: ?graph=IRI, ?default or /rdf-graphs/<path>")
        job = {
            "op": "graph_write",
            "method": method,
            "graph": graph,
            "media_type": media,
            "base_iri": graph or req.url,
        }
        ex.log.update(op=f"graph_{method.lower()}", size=len(body))

        def head(meta: dict[str, object]) -> tuple[int, list[tuple[bytes, bytes]]]:
            status = 201 if meta.get("created") and method != "DELETE" else 204
            return status, [*location, (b"x-store-generation", str(meta.get("generation", "")).encode())]

        return await ctx.run(ex, receive, send, job, body=body, on_head=head)
