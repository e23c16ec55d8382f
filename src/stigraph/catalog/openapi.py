"""Each curated query as its own OpenAPI 3.1 operation: typed parameters, examples, responses.

Swagger UI and ReDoc (``/docs``, ``/redoc``) then show every parameter of every query, and a
property-based client (schemathesis) can check the service against what it promises.
"""

from __future__ import annotations

from typing import Any

from stigraph.catalog.binding import MAX_VALUE_CHARS
from stigraph.catalog.catalog import Catalog
from stigraph.catalog.model import MAX_PAGE_SIZE, CuratedQuery, Param

_SCALAR = {
    "iri": {"type": "string", "format": "uri"},
    "string": {"type": "string"},
    "lang-string": {"type": "string", "pattern": "@[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "year": {"type": "string", "pattern": "^-?[0-9]{4,}$"},
    "boolean": {"type": "boolean"},
}
_COLUMN = {
    "string": {"type": ["string", "null"]},
    "integer": {"type": ["integer", "null"]},
    "decimal": {"type": ["number", "null"]},
    "boolean": {"type": ["boolean", "null"]},
    "iri": {"type": ["string", "null"]},
    "date": {"type": ["string", "null"]},
}
_ANY_COLUMN = {"type": ["string", "number", "integer", "boolean", "null"]}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "context": {"type": "object"},
                "details": {"type": "array"},
            },
        }
    },
}
_ERROR_RESPONSE = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_GRAPH_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/rdf+xml",
    "application/ld+json",
)


def _param_schema(p: Param) -> dict[str, Any]:
    if p.type == "enum":
        item: dict[str, Any] = {"type": "string", "enum": sorted(p.values)}
    elif p.type == "lang-string" and p.language:
        item = {"type": "string"}
    else:
        item = dict(_SCALAR[p.type])
    if item.get("type") == "string":  # what the binder refuses, said in the schema
        item["maxLength"] = MAX_VALUE_CHARS
        if "pattern" not in item:
            item["pattern"] = "^[^\\u0000]*$"
    if p.default is not None and not p.many:
        item["default"] = p.default
    return {"type": "array", "items": item, "maxItems": 200} if p.many else item


def _parameter(p: Param) -> dict[str, Any]:
    description = p.description
    if p.type == "lang-string" and not p.language:
        description += " Give the language after '@', e.g. Tokyo@en."
    if p.many:
        description += " Repeat the parameter for several values (any of them matches)."
    if not p.required:
        description += " Omitted: any value."
    return {
        "name": p.name,
        "in": "query",
        "required": p.required,
        "description": description,
        "schema": _param_schema(p),
        "example": p.example,
        **({"style": "form", "explode": True} if p.many else {}),
    }


def _rows_schema(q: CuratedQuery) -> dict[str, Any]:
    columns = q.output_columns()
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {c: _COLUMN.get(q.columns.get(c, ""), _ANY_COLUMN) for c in columns},
            "required": columns,
        },
    }


def operation(q: CuratedQuery) -> dict[str, Any]:
    params = [_parameter(p) for p in q.params.values()]
    if q.paginated:
        params += [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 10**9, "default": 1},
            },
            {
                "name": "size",
                "in": "query",
                "required": False,
                "description": f"Rows per page (default {q.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": q.page_size},
            },
        ]
    formats = ["ttl", "nt", "nq", "trig", "rdfxml", "jsonld"] if q.returns_graph else ["json", "csv", "sparql-json"]
    params.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "Output format (overrides Accept).",
            "schema": {"type": "string", "enum": formats},
        }
    )
    if q.returns_graph:
        content = {
            t: {"schema": {"type": ["object", "array"]} if t.endswith("json") else {"type": "string"}}
            for t in _GRAPH_TYPES
        }
    else:
        content = {
            "application/json": {"schema": _rows_schema(q)},
            "text/csv": {"schema": {"type": "string"}},
            "application/sparql-results+json": {"schema": {"type": "object"}},
        }
    headers: dict[str, Any] = {}
    if not q.returns_graph:
        headers["X-Total-Count"] = {"schema": {"type": "integer"}, "description": "Rows in all pages."}
    if q.paginated:
        headers["Link"] = {"schema": {"type": "string"}, "description": "first, prev, next and last pages (RFC 8288)."}
    description = q.description or q.summary
    if q.scope != "public":
        description += f"\n\nNeeds a bearer token with scope `{q.scope}`."
    op: dict[str, Any] = {
        "operationId": f"query_{q.name.replace('-', '_')}",
        "summary": q.summary,
        "description": description,
        "tags": q.tags or ["queries"],
        "parameters": params,
        "responses": {
            "200": {"description": "The answer (one page when paginated).", "content": content, "headers": headers},
            "401": {"description": "This query needs a token.", **_ERROR_RESPONSE},
            "403": {"description": "The token's scope is too narrow.", **_ERROR_RESPONSE},
            "406": {"description": "No acceptable format.", **_ERROR_RESPONSE},
            "422": {"description": "A parameter value is invalid.", **_ERROR_RESPONSE},
            "429": {"description": "Too many requests from this client.", **_ERROR_RESPONSE},
            "503": {"description": "Deadline exceeded or no worker free; retry.", **_ERROR_RESPONSE},
        },
    }
    if q.scope != "public":
        op["security"] = [{"bearer": []}]
    return op


def add_to(schema: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    """FastAPI's generated schema with one operation per curated query."""
    paths = schema.setdefault("paths", {})
    for q in catalog:
        paths[f"/api/queries/{q.name}"] = {"get": operation(q)}
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components.setdefault("securitySchemes", {})["bearer"] = {"type": "http", "scheme": "bearer"}
    return schema
