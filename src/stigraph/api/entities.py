"""Dereferenceable IRIs (``/id/<kind>/<key>``), the PI Map of a mission (``/pimap/<key>``), the
search page and the published JSON-LD context.

An entity resolves to HTML for a browser and to Turtle, N-Triples, N-Quads, TriG, JSON-LD or
RDF/XML by ``Accept`` or by suffix (``.ttl``, ``.nt``, ``.nq``, ``.trig``, ``.jsonld``, ``.rdf``,
``.html``). What it says is what the caller's scope holds: its facts are read with bounded
queries on the same worker processes and per-scope snapshots as ``/sparql``, so a person who
is not public does not exist for an anonymous reader (404, not an empty page).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import rdflib
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from pyoxigraph import NamedNode, Quad, QueryResultsFormat, parse_query_results, serialize

from stigraph.api.auth import Principal
from stigraph.api.context import ServiceContext
from stigraph.api.jobs import collect_job
from stigraph.api.negotiation import GRAPHS, HTML, Format, choose, prefers_html
from stigraph.errors import ErrorContext, NotFound, ParameterError
from stigraph.formats import GRAPH_FORMATS
from stigraph.namespaces import DCTERMS, FOAF, PROV, RDF, RDFS, SCHEMA, SG
from stigraph.pages.describe import PREFIXES, EntityView, Rows, describe
from stigraph.pages.jsonld import build_context, compact
from stigraph.pages.pimap import PIMap, pi_map, to_csv
from stigraph.pages.render import Renderer, Source, choose_language
from stigraph.paths.answers import search_answer
from stigraph.paths.indexes import PathIndexes
from stigraph.results import sparql_json_term

SUFFIXES = {"html": "html", "ttl": "ttl", "nt": "nt", "nq": "nq", "trig": "trig", "jsonld": "jsonld", "rdf": "rdfxml"}
SUFFIX_OF = {v: k for k, v in SUFFIXES.items()}
SOURCES = (
    PREFIXES
    + """PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?s ?graph ?title ?time WHERE {
  GRAPH ?s { ?graph prov:generatedAtTime ?time OPTIONAL { ?graph dcterms:title ?title } }
}"""
)
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such entity in the caller's scope (the one error shape)", **_ERROR},
    406: {"description": "No representation matches Accept (the one error shape)", **_ERROR},
}


class EntityPages:
    def __init__(self, ctx: ServiceContext, indexes: PathIndexes) -> None:
        self.ctx = ctx
        self.indexes = indexes
        self.minter = ctx.minter
        self.renderer = Renderer(ctx.minter)
        self.context = build_context(ctx.settings.ontology_dir)
        self._sources: tuple[int, dict[str, Source]] = (-1, {})

    # -- reading through the workers --------------------------------------------------
    def principal(self, request: Request) -> Principal:
        client = request.client.host if request.client else "unknown"
        return self.ctx.auth.principal(request.headers.get("authorization"), client)

    def asker(self, scope: str, deadline: float, timeout: float) -> Any:
        async def ask(text: str, s: NamedNode) -> Rows:
            job = {
                "op": "query",
                "scope": scope,
                "text": text,
                "substitutions": {"s": sparql_json_term(s)},
                "union": True,
                "results_format": "json",
                "graph_format": "nt",
                "max_rows": self.ctx.settings.max_result_rows,
            }
            data = await collect_job(self.ctx.pool, job, deadline=deadline, timeout=timeout)
            solutions = parse_query_results(data, format=QueryResultsFormat.JSON)
            names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
            return [{n: sol[n] for n in names} for sol in solutions]  # type: ignore[union-attr]

        return ask

    async def sources(self, deadline: float, timeout: float) -> dict[str, Source]:
        """Title and load date of every graph, from the PROV records (read once per generation;
        only the graphs a caller's facts name are ever shown)."""
        generation = self.ctx.gens.current()
        if self._sources[0] == generation:
            return self._sources[1]
        rows = await self.asker("all", deadline, timeout)(SOURCES, self.minter.meta_graph)
        found = {
            r["graph"].value: Source(r["title"].value if r.get("title") is not None else "", r["time"].value)
            for r in rows
        }
        self._sources = (generation, found)
        return found

    def _deadline(self, who: Principal) -> tuple[float, float]:
        timeout = self.ctx.timeout_for(who, None)
        return time.monotonic() + timeout, timeout

    # -- /id ----------------------------------------------------------------------------
    async def entity(self, request: Request, kind: str, key: str) -> Response:
        fmt_name = None
        stem, dot, suffix = key.rpartition(".")
        if dot and suffix in SUFFIXES:
            key, fmt_name = stem, SUFFIXES[suffix]
        iri = self.minter.entity(kind, key)
        accept = request.headers.get("accept")
        if fmt_name is None:
            fmt_name = "html" if prefers_html(accept) else choose(GRAPHS, accept, None).name
        who = self.principal(request)
        deadline, timeout = self._deadline(who)
        ask = self.asker(who.scope, deadline, timeout)
        view = await describe(ask, iri, kind, sections=fmt_name == "html")
        if view is None:
            raise NotFound(f"nothing is known about {iri.value} in the {who.scope} scope", context=_field("id"))
        path = f"/id/{kind}/{key}"
        headers = {
            "Vary": "Accept, Authorization",
            "Link": ", ".join(
                [f'<{iri.value}>; rel="canonical"']
                + [f'<{path}.{s}>; rel="alternate"; type="{_media(n)}"' for s, n in SUFFIXES.items() if n != fmt_name]
            ),
            "Content-Location": f"{path}.{SUFFIX_OF[fmt_name]}",
        }
        if fmt_name == "html":
            lang = choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))
            sources = await self.sources(deadline, timeout)
            alternates = [
                {"type": _media(n), "href": f"{path}.{s}", "name": s} for s, n in SUFFIXES.items() if n != "html"
            ]
            page = self.renderer.entity(view, sources, lang, path, alternates)
            headers["Content-Language"] = lang
            return HTMLResponse(page, headers=headers)
        return Response(self._rdf(view, fmt_name), media_type=_content_type(fmt_name), headers=headers)

    def _rdf(self, view: EntityView, fmt_name: str) -> bytes:
        s = NamedNode(view.iri)
        quads = [Quad(s, f.predicate.term, f.value.term, NamedNode(f.graph)) for f in view.facts]
        quads += [Quad(f.value.term, f.predicate.term, s, NamedNode(f.graph)) for f in view.inbound]
        fmt = GRAPH_FORMATS[fmt_name]
        if fmt_name == "jsonld":
            return compact(serialize((q.triple for q in quads), format=GRAPH_FORMATS["nt"]), self.context)
        if fmt.supports_datasets:
            return serialize(quads, format=fmt)
        prefixes = {
            "sg": SG,
            "foaf": FOAF,
            "rdfs": RDFS,
            "rdf": RDF,
            "schema": SCHEMA,
            "dcterms": DCTERMS,
            "prov": PROV,
        }
        if fmt_name == "ttl":
            return serialize((q.triple for q in quads), format=fmt, prefixes=prefixes)
        return serialize((q.triple for q in quads), format=fmt)

    # -- /pimap ---------------------------------------------------------------------------
    async def pimap(self, request: Request, key: str) -> Response:
        stem, dot, suffix = key.rpartition(".")
        fmt = suffix if dot and suffix in ("csv", "jsonld", "html") else None
        if fmt is not None:
            key = stem
        mission = self.minter.entity("mission", key)
        who = self.principal(request)
        deadline, timeout = self._deadline(who)
        ask = self.asker(who.scope, deadline, timeout)
        view = await describe(ask, mission, "mission", sections=False)
        if view is None:
            raise NotFound(f"no mission {mission.value} in the {who.scope} scope", context=_field("mission"))
        m = await pi_map(ask, mission, view.labels)
        lang = choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))
        headers = {"Vary": "Accept, Accept-Language, Authorization"}
        if fmt == "csv":
            headers["Content-Disposition"] = f'attachment; filename="pimap-{key}.csv"'
            return Response(to_csv(m, lang), media_type="text/csv; charset=utf-8", headers=headers)
        if fmt == "jsonld":
            headers["Content-Disposition"] = f'attachment; filename="pimap-{key}.jsonld"'
            return Response(_pimap_jsonld(m, self.context), media_type="application/ld+json", headers=headers)
        headers["Content-Language"] = lang
        return HTMLResponse(self.renderer.pimap(m, lang, key), headers=headers)

    # -- /search ------------------------------------------------------------------------
    async def search_page(self, request: Request, q: str) -> Response:
        lang = choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))
        results: list[dict[str, Any]] = []
        error = None
        if q.strip():
            who = self.principal(request)
            deadline, _ = self._deadline(who)

            def job() -> dict[str, Any]:
                index = self.indexes.get(who.scope, max(0.1, deadline - time.monotonic()))
                return search_answer(index, q, limit=50)

            try:
                results = (await asyncio.get_running_loop().run_in_executor(None, job))["results"]
            except ParameterError as exc:
                error = str(exc)
        return HTMLResponse(self.renderer.search(q, results, lang, error), headers={"Vary": "Authorization"})


def _pimap_jsonld(m: PIMap, context: dict[str, Any]) -> bytes:
    """The PI Map as linked data: the mission, its researchers with their institutions
    (schema:affiliation, so a reader without our ontology follows it) and fields."""
    g = rdflib.Graph()

    def label(node: rdflib.URIRef, labels: dict[str, str]) -> None:
        for lang, text in labels.items():
            g.add((node, rdflib.RDFS.label, rdflib.Literal(text, lang=lang or None)))

    mission = rdflib.URIRef(m.mission.iri or "")
    g.add((mission, rdflib.RDF.type, rdflib.URIRef(SG + "DiplomaticMission")))
    label(mission, m.mission.labels)
    for pi in m.pis:
        person = rdflib.URIRef(pi.person.iri or "")
        g.add((person, rdflib.RDF.type, rdflib.URIRef(SG + "Researcher")))
        label(person, pi.person.labels)
        for inst in pi.institutions.values():
            org = rdflib.URIRef(inst.iri or "")
            g.add((person, rdflib.URIRef(SCHEMA + "affiliation"), org))
            label(org, inst.labels)
        for f in pi.fields.values():
            node = rdflib.URIRef(f.iri or "")
            g.add((person, rdflib.URIRef(SG + "researchField"), node))
            label(node, f.labels)
    for mk in m.markers:
        org = rdflib.URIRef(mk.institution.iri or "")
        g.add((org, rdflib.URIRef(SCHEMA + "latitude"), rdflib.Literal(str(mk.lat), datatype=rdflib.XSD.decimal)))
        g.add((org, rdflib.URIRef(SCHEMA + "longitude"), rdflib.Literal(str(mk.long), datatype=rdflib.XSD.decimal)))
    return compact(g.serialize(format="nt").encode(), context)


def _field(name: str) -> ErrorContext:
    return ErrorContext(field=name)


def _format(name: str) -> Format:
    return next(f for f in GRAPHS if f.name == name)


def _media(name: str) -> str:
    return HTML if name == "html" else _format(name).media_type


def _content_type(name: str) -> str:
    return _format(name).content_type


def register(app: FastAPI, ctx: ServiceContext, indexes: PathIndexes) -> None:
    pages = EntityPages(ctx, indexes)
    context_doc = json.dumps({"@context": pages.context}, indent=1, ensure_ascii=False).encode()

    @app.get("/context.jsonld", tags=["linked data"], summary="The JSON-LD context entity descriptions use")
    async def context_jsonld() -> Response:
        return Response(context_doc, media_type="application/ld+json")

    @app.get(
        "/id/{kind}/{key}",
        tags=["linked data"],
        summary="An entity: HTML for browsers, RDF by Accept or suffix (.ttl .nt .nq .trig .jsonld .rdf .html)",
        responses=RESPONSES,
    )
    async def entity(request: Request, kind: str, key: str) -> Response:
        return await pages.entity(request, kind, key)

    @app.get(
        "/pimap/{key}",
        tags=["linked data"],
        summary="The PI Map of a mission: HTML with an SVG map, or .csv / .jsonld downloads",
        responses=RESPONSES,
    )
    async def pimap(request: Request, key: str) -> Response:
        return await pages.pimap(request, key)

    @app.get("/search", tags=["search"], summary="Search by name (HTML page; /api/search for JSON)")
    async def search_page(request: Request, q: str = "") -> Response:
        return await pages.search_page(request, q)
