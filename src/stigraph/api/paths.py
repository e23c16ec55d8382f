"""``/api/paths``, ``/api/collaborators`` and the ``/paths`` page that draws paths as SVG.

The searches run in a thread on the caller's scope's index (:class:`PathIndexes`), under the
caller's deadline; errors come back in the one JSON error shape (404 for an IRI the scope cannot
see, 422 for a bad parameter, 503 with Retry-After while the index of new data is being built
or when the search runs out of time).
"""

from __future__ import annotations

import asyncio
import html
import time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse

from stigraph.api.auth import Principal
from stigraph.api.context import ServiceContext, _status_of
from stigraph.errors import ErrorContext, NotFound, ParameterError, StigraphError
from stigraph.paths.answers import MAX_DEPTH, MAX_K, MAX_LIMIT, collaborators_answer, paths_answer, search_answer
from stigraph.paths.index import EDGE_TYPES
from stigraph.paths.indexes import IndexNotReady, PathIndexes
from stigraph.paths.search import DeadlineExceeded

RETRY = [(b"retry-after", b"5")]
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "An IRI the caller's scope does not hold (the one error shape)", **_ERROR},
    422: {"description": "A parameter out of range or of the wrong kind (the one error shape)", **_ERROR},
    503: {"description": "The index of new data is being built, or the search ran out of time", **_ERROR},
}
VIA_HELP = "Edge types a path may use: " + ", ".join(EDGE_TYPES) + " (repeat or comma-separate)."
_COLOURS = {
    "person": "#1f6feb",
    "organization": "#2da44e",
    "project": "#bf8700",
    "programme": "#8250df",
    "field": "#cf222e",
    "mission": "#57606a",
}


def error_response(exc: StigraphError) -> JSONResponse:
    if isinstance(exc, NotFound):
        status, headers = 404, []
    elif isinstance(exc, IndexNotReady | DeadlineExceeded):
        status, headers = 503, RETRY
    else:
        status, headers = _status_of(exc)
    return JSONResponse(exc.as_dict(), status_code=status, headers={k.decode(): v.decode() for k, v in headers})


def register(app: FastAPI, ctx: ServiceContext, indexes: PathIndexes) -> None:
    @app.exception_handler(StigraphError)
    async def _stigraph_error(_: Request, exc: StigraphError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        return error_response(ParameterError(str(first.get("msg")), context=ErrorContext(field=field)))

    def principal(request: Request) -> Principal:
        client = request.client.host if request.client else "unknown"
        return ctx.auth.principal(request.headers.get("authorization"), client)

    async def run(request: Request, work: Any) -> dict[str, Any]:
        who = principal(request)
        timeout = ctx.timeout_for(who, None)
        deadline = time.monotonic() + timeout

        def job() -> dict[str, Any]:
            index = indexes.get(who.scope, max(0.1, deadline - time.monotonic()))
            return work(index, deadline)  # type: ignore[no-any-return]

        return await asyncio.to_thread(job)

    @app.get(
        "/api/paths",
        tags=["paths"],
        responses=RESPONSES,
        summary="How two people (or any two nodes) are connected, explained",
    )
    async def api_paths(
        request: Request,
        source: Annotated[str, Query(alias="from", description="IRI of the first node (a person).")],
        target: Annotated[str, Query(alias="to", description="IRI of the second node.")],
        k: Annotated[int, Query(ge=1, le=MAX_K, description="How many paths.")] = 3,
        max_depth: Annotated[int, Query(ge=1, le=MAX_DEPTH, description="Most hops in a path.")] = 6,
        via: Annotated[list[str] | None, Query(description=VIA_HELP)] = None,
        mode: Annotated[str, Query(description="diverse (no shared intermediary) or shortest (k cheapest).")] = (
            "diverse"
        ),
        exclude: Annotated[list[str] | None, Query(description="IRIs no path may go through.")] = None,
    ) -> dict[str, Any]:
        return await run(
            request,
            lambda index, deadline: paths_answer(
                index,
                source,
                target,
                k=k,
                max_depth=max_depth,
                via=via,
                mode=mode,
                exclude=exclude,
                deadline=deadline,
            ),
        )

    @app.get(
        "/api/collaborators",
        tags=["paths"],
        responses=RESPONSES,
        summary="Potential collaborators, ranked, with paths and introducer",
    )
    async def api_collaborators(
        request: Request,
        person: Annotated[str, Query(alias="for", description="IRI of the researcher.")],
        field: Annotated[str | None, Query(description="IRI of a research field the candidates work in.")] = None,
        country: Annotated[
            str | None, Query(description="Country of the candidates' organisations: ISO code or IRI.")
        ] = None,
        mission: Annotated[str | None, Query(description="IRI of a mission whose jurisdiction holds them.")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    ) -> dict[str, Any]:
        return await run(
            request,
            lambda index, deadline: collaborators_answer(
                index,
                ctx.minter,
                person,
                field=field,
                country=country,
                mission=mission,
                limit=limit,
                deadline=deadline,
            ),
        )

    @app.get(
        "/api/search",
        tags=["search"],
        responses=RESPONSES,
        summary="Find people, organisations, missions, programmes and fields by name (English or Japanese)",
    )
    async def api_search(
        request: Request,
        q: Annotated[
            str, Query(description="Words of a name: romanised (any Hepburn spelling, any order) or Japanese.")
        ],
        kind: Annotated[
            str | None, Query(description="person, organization, project, programme, field or mission.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    ) -> dict[str, Any]:
        return await run(request, lambda index, deadline: search_answer(index, q, kind=kind, limit=limit))

    @app.get("/paths", tags=["paths"], summary="The paths between two nodes, drawn (HTML with SVG)")
    async def page_paths(
        request: Request,
        source: Annotated[str | None, Query(alias="from")] = None,
        target: Annotated[str | None, Query(alias="to")] = None,
        k: Annotated[int, Query(ge=1, le=MAX_K)] = 3,
        max_depth: Annotated[int, Query(ge=1, le=MAX_DEPTH)] = 6,
    ) -> HTMLResponse:
        answer: dict[str, Any] | None = None
        problem: str | None = None
        if source and target:
            try:
                answer = await run(
                    request,
                    lambda index, deadline: paths_answer(
                        index, source, target, k=k, max_depth=max_depth, deadline=deadline
                    ),
                )
            except StigraphError as exc:
                problem = str(exc)
        return HTMLResponse(render_page(source or "", target or "", k, max_depth, answer, problem))


def _svg(answer: dict[str, Any]) -> str:
    rows = answer["paths"]
    longest = max((len(p["nodes"]) for p in rows), default=1)
    gap, top, row_h = 190, 50, 120
    width, height = 80 + gap * max(longest - 1, 1) + 80, top + row_h * max(len(rows), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="paths">'
    ]
    for i, path in enumerate(rows):
        y = top + i * row_h
        xs = [80 + j * gap for j in range(len(path["nodes"]))]
        for j, hop in enumerate(path["hops"]):
            x1, x2 = xs[j], xs[j + 1]
            parts.append(f'<line class="hop" x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="#8c959f" stroke-width="2"/>')
            parts.append(
                f'<text class="hop-type" x="{(x1 + x2) / 2}" y="{y - 10}" text-anchor="middle" font-size="11" '
                f'fill="#57606a">{html.escape(hop["type"])}</text>'
            )
        for x, node in zip(xs, path["nodes"], strict=True):
            colour = _COLOURS.get(node["kind"], "#57606a")
            parts.append(
                f'<g class="node" data-id="{html.escape(node["id"])}"><title>{html.escape(node["id"])}</title>'
                f'<circle cx="{x}" cy="{y}" r="14" fill="{colour}"/>'
                f'<text x="{x}" y="{y + 32}" text-anchor="middle" font-size="12">'
                f"{html.escape(node['label'][:28])}</text>"
                "</g>"
            )
    parts.append("</svg>")
    return "".join(parts)


def render_page(
    source: str, target: str, k: int, max_depth: int, answer: dict[str, Any] | None, problem: str | None
) -> str:
    e = html.escape
    body = []
    if problem:
        body.append(f'<p class="error">{e(problem)}</p>')
    elif answer is not None:
        if not answer["connected"]:
            body.append(f'<p class="none">Not connected within {answer["limits"]["max_depth"]} hops.</p>')
        else:
            body.append(
                f'<p class="summary">{e(answer["from"]["label"])} and {e(answer["to"]["label"])}: '
                f"{answer['hops']} hop(s) apart, {answer['shortest_paths']} shortest path(s).</p>"
            )
            body.append(_svg(answer))
            for i, path in enumerate(answer["paths"], 1):
                steps = "".join(f"<li>{e(s)}</li>" for s in path["steps"])
                body.append(f'<h2>Path {i} (cost {path["cost"]})</h2><ol class="steps">{steps}</ol>')
        link = "/api/paths?" + urlencode({"from": source, "to": target, "k": k, "max_depth": max_depth})
        body.append(f'<p><a href="{e(link)}">JSON</a></p>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>stigraph: paths</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}}input{{width:36rem}}
.error{{color:#cf222e}} svg{{border:1px solid #d0d7de;background:#fff;max-width:100%;height:auto}}</style></head>
<body><h1>How are they connected?</h1>
<form method="get" action="/paths">
<p><label>From <input name="from" value="{e(source)}" placeholder="https://w3id.org/stigraph/id/person/..."></label></p>
<p><label>To <input name="to" value="{e(target)}"></label></p>
<p><label>Paths <input name="k" type="number" min="1" max="{MAX_K}" value="{k}" style="width:4rem"></label>
<label>Most hops <input name="max_depth" type="number" min="1" max="{MAX_DEPTH}" value="{max_depth}"
 style="width:4rem"></label>
<button type="submit">Find</button></p></form>
{"".join(body)}
</body></html>"""
