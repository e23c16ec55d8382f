"""``create_app(settings)``: the whole HTTP service, built on request (no module-level app).

The protocol routes (/sparql, /rdf-graphs) are plain ASGI handlers dispatched before FastAPI,
because they carry the load; everything else is FastAPI with its OpenAPI documentation.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from stigraph.api.context import ServiceContext
from stigraph.api.entities import register as register_entities
from stigraph.api.examples import load_examples
from stigraph.api.exports import register as register_exports
from stigraph.api.graph_store import PREFIX as GRAPH_STORE
from stigraph.api.graph_store import GraphStoreEndpoint
from stigraph.api.http import Receive, Scope, Send
from stigraph.api.ops import METRICS_CONTENT_TYPE, health
from stigraph.api.paths import register as register_paths
from stigraph.api.queries import PREFIX as CURATED
from stigraph.api.queries import CuratedEndpoint
from stigraph.api.service_description import ServiceDescription
from stigraph.api.sparql import SparqlEndpoint
from stigraph.catalog.catalog import load_catalog
from stigraph.catalog.openapi import add_to
from stigraph.config import Settings
from stigraph.errors import ConfigError, StoreLockedError
from stigraph.paths.indexes import PathIndexes
from stigraph.store.embedded import open_store
from stigraph.store.pool import WorkerPool


def _ensure_snapshots(settings: Settings) -> None:
    """A store written before per-scope snapshots existed gets them now (if no load is running)."""
    with contextlib.suppress(StoreLockedError), open_store(settings, write=True) as store:
        store.ensure_snapshots()


class Service:
    """The ASGI application: protocol routes first, FastAPI for the rest."""

    def __init__(self, settings: Settings) -> None:
        if settings.in_memory:
            raise ConfigError("the service needs an on-disk store (STIGRAPH_STORE), not ':memory:'")
        self.settings = settings
        self.pool = WorkerPool(settings)
        self.ctx = ServiceContext(settings, self.pool)
        page = resources.files("stigraph.api").joinpath("static/query.html").read_bytes()
        self.sparql = SparqlEndpoint(
            self.ctx, ServiceDescription(settings.max_result_rows, settings.timeout_anonymous), page
        )
        self.graph_store = GraphStoreEndpoint(self.ctx)
        self.catalog = load_catalog(settings.queries_dir)
        self.curated = CuratedEndpoint(self.ctx, self.catalog)
        self.path_indexes = PathIndexes(settings)
        self.fastapi = self._fastapi(page)

    async def _watch_generations(self) -> None:
        """Path indexes follow the store: a new generation starts their rebuild in the
        background, before any request needs it."""
        while True:
            with contextlib.suppress(Exception):  # a failed build is retried and reported to requests
                self.path_indexes.refresh()
            await asyncio.sleep(1.0)

    def _fastapi(self, page: bytes) -> FastAPI:
        @contextlib.asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            await asyncio.get_running_loop().run_in_executor(None, _ensure_snapshots, self.settings)
            await self.pool.start()
            watcher = asyncio.create_task(self._watch_generations())
            try:
                yield
            finally:
                watcher.cancel()
                await self.pool.close()

        app = FastAPI(
            title="stigraph",
            summary="Knowledge graph for science-and-technology diplomacy",
            description=(
                "SPARQL 1.1 endpoint at /sparql (query page on a browser GET), Graph Store at /rdf-graphs, "
                "curated queries at /api/queries/{name} (one operation each below), paths between people at "
                "/api/paths and collaborator suggestions at /api/collaborators."
            ),
            lifespan=lifespan,
        )
        examples = load_examples(self.settings.queries_dir / "examples")

        @app.get("/", include_in_schema=False)
        async def index() -> Response:
            return Response(page, media_type="text/html; charset=utf-8")

        @app.get("/api/examples", summary="Example queries shown on the query page")
        async def list_examples() -> list[dict[str, str]]:
            return examples

        catalogue = [q.describe() for q in self.catalog]

        @app.get("/api/queries", summary="The curated queries: names, parameters, formats", tags=["catalogue"])
        async def list_queries() -> list[dict[str, Any]]:
            return catalogue

        def openapi() -> dict[str, Any]:
            if app.openapi_schema is None:
                from fastapi.openapi.utils import get_openapi

                schema = get_openapi(
                    title=app.title,
                    version=app.version,
                    summary=app.summary,
                    description=app.description,
                    routes=app.routes,
                )
                app.openapi_schema = add_to(schema, self.catalog)
            return app.openapi_schema

        app.openapi = openapi  # type: ignore[method-assign]

        @app.get("/healthz", summary="Store open, snapshot age, workers alive")
        async def healthz() -> JSONResponse:
            ok, body = health(self.pool, self.ctx.gens)
            body["path_indexes"] = self.path_indexes.status()  # per scope: generation, size, build time
            return JSONResponse(body, status_code=200 if ok else 503)

        @app.get("/metrics", summary="Prometheus metrics")
        async def metrics() -> Response:
            return Response(self.ctx.metrics.render(), media_type=METRICS_CONTENT_TYPE)

        register_paths(app, self.ctx, self.path_indexes)
        register_entities(app, self.ctx, self.path_indexes)
        register_exports(app, self.ctx)

        static = resources.files("stigraph.api").joinpath("static")
        app.mount("/static", StaticFiles(directory=str(static)), name="static")
        return app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path == "/sparql" or path == "/sparql/":
                return await self.sparql(scope, receive, send)
            if path == GRAPH_STORE or path.startswith(GRAPH_STORE + "/"):
                return await self.graph_store(scope, receive, send)
            if path.startswith(CURATED) and len(path) > len(CURATED):
                return await self.curated(scope, receive, send)
        await self.fastapi(scope, receive, send)  # type: ignore[arg-type]


def create_app(settings: Settings) -> Any:
    return Service(settings)
