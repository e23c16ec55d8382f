"""``GET /export/...``: whole-scope dumps, their description and the partner profile.

| path | what |
|---|---|
| ``/export`` | the files the caller's scope may download (JSON) |
| ``/export/{scope}.{nq,trig,ttl,nt,jsonld}[.gz]`` | every triple of the scope, streamed |
| ``/export/{scope}.void.ttl``, ``/export/void.ttl`` | VoID, DCAT and PROV of the scope (the caller's) |
| ``/export/{scope}-profile.jsonld[.gz]``, ``/export/profile.jsonld`` | the partner profile (schema.org, EURIO) |

The scope is checked against the caller's token the way every route does it
(``ctx.auth.principal``: anonymous is public, a partner token partner, an admin token all); a
scope wider than the caller's is 403 in the one JSON error shape. The work runs in a query
worker (:mod:`stigraph.export.jobs`) under a deadline of its own: an export is long but bounded,
so it gets ``EXPORT_TIMEOUT`` seconds (or the caller's, if longer), not a query's 10. ETag and
Last-Modified come from the store generation, so a client that has this generation's file gets
304 without any work being done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from stigraph.api.auth import Forbidden, Principal
from stigraph.api.context import Exchange, ServiceContext, serve_protocol
from stigraph.api.http import CORS_READ, HttpError, Receive, Scope, Send
from stigraph.api.jobs import Outcome, run_job
from stigraph.errors import ErrorContext
from stigraph.export.dump import EXPORT_FORMATS, GZIP_MEDIA_TYPE
from stigraph.export.partner import MEDIA_TYPE as PROFILE_MEDIA_TYPE
from stigraph.scopes import SCOPES

PREFIX = "/export"
EXPORT_TIMEOUT = 600.0
"""Seconds an export may run (a 100k-researcher store dumps in well under a minute; see
docs/performance.md). A worker is busy for that long, so per-client limits still apply."""
_WIDTH = {"public": 0, "partner": 1, "all": 2}
_TURTLE = "text/turtle; charset=utf-8"


def parse_name(name: str, principal: Principal) -> dict[str, Any]:
    """The job a file name asks for: kind, scope, format, gzip; 404 for any other name."""
    gz = name.endswith(".gz")
    stem = name[:-3] if gz else name
    if stem in ("void.ttl", "profile.jsonld"):
        stem = f"{principal.scope}.{stem}" if stem == "void.ttl" else f"{principal.scope}-profile.jsonld"
    scope, _, rest = stem.partition(".")
    if stem.endswith("-profile.jsonld"):
        scope, rest = stem[: -len("-profile.jsonld")], "profile"
    if scope not in SCOPES or not rest:
        raise HttpError(404, "not_found", f"no export called {name!r}", context=_expected())
    if rest == "void.ttl" and not gz:
        return {"kind": "describe", "scope": scope, "format": "ttl", "gzip": False}
    if rest == "profile":
        return {"kind": "profile", "scope": scope, "format": "jsonld", "gzip": gz}
    if rest in EXPORT_FORMATS:
        return {"kind": "dump", "scope": scope, "format": rest, "gzip": gz}
    raise HttpError(404, "not_found", f"no export called {name!r}", context=_expected())


def _expected() -> ErrorContext:
    formats = "|".join(EXPORT_FORMATS)
    return ErrorContext(expected=f"{{scope}}.{{{formats}}}[.gz], {{scope}}.void.ttl or {{scope}}-profile.jsonld[.gz]")


def content_type(job: dict[str, Any]) -> str:
    if job["gzip"]:
        return GZIP_MEDIA_TYPE
    if job["kind"] == "describe":
        return _TURTLE
    if job["kind"] == "profile":
        return PROFILE_MEDIA_TYPE
    media = EXPORT_FORMATS[job["format"]].media_type
    return media + "; charset=utf-8" if media.startswith("text/") else media


def check_scope(principal: Principal, scope: str) -> None:
    """403 for a scope wider than the caller's (an anonymous caller: public only)."""
    if _WIDTH[scope] > _WIDTH.get(principal.scope, 0):
        who = "an anonymous caller" if principal.anonymous else f"token '{principal.name}'"
        raise Forbidden(
            f"the {scope} export needs a token with {scope} scope; {who} may read the {principal.scope} scope",
            context=ErrorContext(
                field="scope", expected=" or ".join(s for s in SCOPES if _WIDTH[s] <= _WIDTH[principal.scope])
            ),
        )


def etag(generation: int, name: str, scope: str) -> str:
    return f'"g{generation}-{scope}-{name}"'


class _Served(Response):
    """A response that is a protocol handler: the one error shape, metrics and access log
    (serve_protocol) around a worker job that streams the file."""

    def __init__(self, ctx: ServiceContext, handler: Callable[..., Any]) -> None:
        super().__init__()
        self.ctx = ctx
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # type: ignore[override]
        await serve_protocol(self.ctx, PREFIX, self.handler, scope, receive, send)


async def _handle(ctx: ServiceContext, name: str, ex: Exchange, receive: Receive, send: Send) -> Outcome | None:
    req = ex.request
    ex.principal = who = ctx.auth.principal(req.headers.get("authorization"), req.client)
    job = parse_name(name, who)
    check_scope(who, job["scope"])
    ex.log.update(op=f"export_{job['kind']}", export=name)
    head_only = req.method == "HEAD"
    vary = (b"vary", b"authorization")
    cache = (b"cache-control", b"public, no-cache" if job["scope"] == "public" else b"private, no-cache")
    current = ctx.gens.current()
    if req.headers.get("if-none-match") == etag(current, name, job["scope"]):
        headers = [(b"etag", etag(current, name, job["scope"]).encode()), vary, cache, *CORS_READ]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return Outcome(status=304)
    file_name = name if not name.startswith(("void.", "profile.")) else f"{job['scope']}-{name}"

    def on_head(meta: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]]]:
        generation = int(meta.get("generation", current))
        return 200, [
            (b"content-type", content_type(job).encode()),
            (b"content-disposition", f'attachment; filename="{file_name}"'.encode()),
            (b"etag", etag(generation, name, job["scope"]).encode()),
            (b"last-modified", str(meta.get("modified", "")).encode()),
            (b"x-store-generation", str(generation).encode()),
            vary,
            cache,
            *CORS_READ,
        ]

    timeout = max(EXPORT_TIMEOUT, ctx.timeout_for(who, None))
    base_url = f"{req.scheme}://{req.host}"
    with ctx.limits.admit(who.client):
        return await run_job(
            ctx.pool,
            receive,
            send,
            {"op": "export", **job, "base_url": base_url},
            deadline=time.monotonic() + timeout,
            timeout=timeout,
            on_head=on_head,
            head_only=head_only,
        )


def register(app: FastAPI, ctx: ServiceContext) -> None:
    """Add the export routes to the service's FastAPI app."""
    files = {
        "content": {
            GZIP_MEDIA_TYPE: {},
            _TURTLE: {},
            PROFILE_MEDIA_TYPE: {},
            **{f.media_type: {} for f in EXPORT_FORMATS.values()},
        },
        "description": "The file, streamed (Content-Disposition: attachment)",
    }
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

    @app.get(
        PREFIX,
        tags=["exports"],
        summary="The export files the caller's scope may download",
    )
    async def export_index(request: Request) -> JSONResponse:
        client = request.client.host if request.client else "unknown"
        who = ctx.auth.principal(request.headers.get("authorization"), client)
        base = str(request.base_url).rstrip("/") + PREFIX
        scopes = [s for s in SCOPES if _WIDTH[s] <= _WIDTH[who.scope]]
        names = [
            n
            for s in scopes
            for n in (
                *(f"{s}.{f}{gz}" for f in EXPORT_FORMATS for gz in ("", ".gz")),
                f"{s}.void.ttl",
                f"{s}-profile.jsonld",
                f"{s}-profile.jsonld.gz",
            )
        ]
        body = {
            "scope": who.scope,
            "generation": ctx.gens.current(),
            "files": [{"name": n, "url": f"{base}/{n}"} for n in names],
        }
        return JSONResponse(body, headers={"vary": "authorization"})

    @app.api_route(
        PREFIX + "/{name}",
        methods=["GET", "HEAD"],
        tags=["exports"],
        summary="A dump, description or partner profile of a scope",
        description=(
            "`{scope}.{nq|trig|ttl|nt|jsonld}[.gz]`: every triple the scope sees; `{scope}.void.ttl` or `void.ttl` "
            "(the caller's scope): VoID, DCAT and PROV; `{scope}-profile.jsonld[.gz]` or `profile.jsonld`: the "
            "partner profile in schema.org and EURIO terms, checked against closed shapes. Anonymous callers "
            "may read the public scope; a wider scope needs a token (403 otherwise)."
        ),
        response_class=Response,
        responses={200: files, 304: {"description": "Not modified (same generation)"}, 403: error, 404: error},
    )
    async def export_file(name: str) -> Response:
        return _Served(ctx, partial(_handle, ctx, name))
