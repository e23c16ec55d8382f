"""Read one ``.rq`` file: its ``#+`` YAML header, checked strictly, and its SPARQL.

A mistake in a query file is found when the service starts (and by ``stigraph queries check``
in CI), with the file and line, never when a user first calls the query.

Two header dialects are read. Ours declares ``parameters`` explicitly. A grlc header (``#+
summary``, ``#+ tags``, ``#+ pagination``, ``#+ enumerate``, ``#+ defaults``) is read as well;
its parameters then come from grlc's variable convention (``?_name`` required, ``?__name``
optional, a suffix for the type: ``_iri``, ``_integer``, ``_decimal``, ``_boolean``, ``_date``,
``_year``, or a two-letter language tag).
"""

from __future__ import annotations

import datetime
import decimal
import re
from pathlib import Path
from typing import Any

import yaml

from stigraph.catalog.model import (
    BASE_TYPES,
    COLUMN_TYPES,
    MAX_PAGE_SIZE,
    RESERVED,
    SCOPE_ORDER,
    TABLE_MATCHES,
    CuratedQuery,
    FactsSpec,
    Param,
    TableMatch,
)
from stigraph.catalog.structure import Structure, scan
from stigraph.errors import CatalogError, ErrorContext

HEADER_KEYS = frozenset(
    {"summary", "description", "tags", "scope", "page_size", "parameters", "columns", "precompute", "facts"}
)
GRLC_KEYS = frozenset({"pagination", "enumerate", "defaults", "method", "endpoint_in_url"})
GRLC_UNSUPPORTED = {
    "endpoint": "queries run on this service's own store",
    "transform": "the json output is already an array of plain objects",
}
PARAM_KEYS = frozenset({"type", "required", "default", "description", "example", "values", "language", "table"})
TABLE_KEYS = frozenset({"column", "match", "via"})
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_QUERY_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LANG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
_GRLC_VAR = re.compile(r"^(__?)([A-Za-z][A-Za-z0-9]*)(?:_([A-Za-z0-9]+))?$")
_GRLC_SUFFIX = {"iri": "iri", "integer": "integer", "decimal": "decimal", "boolean": "boolean", "date": "date"}
_GRLC_SUFFIX |= {"year": "year", "string": "string", "literal": "string", "number": "decimal"}


def read_query(path: Path, root: Path) -> CuratedQuery:
    rel = path.relative_to(root).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"not UTF-8 (byte {exc.start})", context=ErrorContext(file=rel)) from None
    header, lines = _header(text)
    if not header:
        raise CatalogError("no '#+' header: a curated query starts with '#+ summary: ...'", context=_at(rel, 1))
    doc = _yaml(header, lines, rel)
    structure = scan(text)
    name = path.stem
    if not _QUERY_NAME.match(name):
        raise CatalogError(
            f"query name {name!r}", context=_at(rel, 1, expected="lowercase letters, digits and '-' (the file name)")
        )
    return _build(name, path.parent.relative_to(root).as_posix(), rel, text, doc, lines, structure)


# -- header --------------------------------------------------------------------------------
def _header(text: str) -> tuple[str, list[int]]:
    """The YAML of the leading ``#+`` lines and, for each YAML line, its line in the file."""
    yaml_lines: list[str] = []
    numbers: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#+"):
            yaml_lines.append(stripped[2:].removeprefix(" "))
            numbers.append(number)
        elif stripped == "" or (stripped.startswith("#") and yaml_lines):
            continue
        else:
            break
    return "\n".join(yaml_lines), numbers


_CONSTRUCTOR = yaml.SafeLoader("")


class _Node:
    """A YAML value with the file line it came from."""

    def __init__(self, value: Any, line: int, key_lines: dict[str, int] | None = None) -> None:
        self.value = value
        self.line = line
        self.key_lines = key_lines or {}  # a mapping's keys and the lines they are on


def _yaml(header: str, lines: list[int], rel: str) -> dict[str, _Node]:
    def line_of(mark: Any) -> int:
        return lines[min(mark.line, len(lines) - 1)] if lines else 1

    try:
        node = yaml.compose(header, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise CatalogError(
            f"the header is not YAML: {problem}", context=_at(rel, line_of(mark) if mark else 1)
        ) from None
    if node is None or not isinstance(node, yaml.MappingNode):
        raise CatalogError("the header must be a mapping of keys ('summary: ...')", context=_at(rel, lines[0]))

    def convert(n: yaml.Node) -> _Node:
        line = line_of(n.start_mark)
        if isinstance(n, yaml.MappingNode):
            out: dict[str, _Node] = {}
            key_lines: dict[str, int] = {}
            for k, v in n.value:
                key = str(k.value)
                if key in out:
                    raise CatalogError(f"key {key!r} is given twice", context=_at(rel, line_of(k.start_mark)))
                out[key] = convert(v)
                key_lines[key] = line_of(k.start_mark)
            return _Node(out, line, key_lines)
        if isinstance(n, yaml.SequenceNode):
            return _Node([convert(x) for x in n.value], line)
        return _Node(_CONSTRUCTOR.construct_object(n), line)

    root = convert(node)
    return root.value  # type: ignore[no-any-return]


def plain(node: _Node) -> Any:
    """The Python value of a node, without line numbers."""
    v = node.value
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, datetime.date):  # YAML reads 2024-01-01 as a date; parameters take text
        return v.isoformat()
    return v


def _at(rel: str, line: int, *, field: str | None = None, expected: str | None = None) -> ErrorContext:
    return ErrorContext(file=rel, line=line, field=field, expected=expected)


# -- building ------------------------------------------------------------------------------
def _build(
    name: str, topic: str, rel: str, text: str, doc: dict[str, _Node], lines: list[int], st: Structure
) -> CuratedQuery:
    grlc = any(k in GRLC_KEYS for k in doc) or ("parameters" not in doc and _grlc_variables(st))
    for key, node in doc.items():
        if key in GRLC_UNSUPPORTED:
            raise CatalogError(
                f"grlc's '{key}' is not supported: {GRLC_UNSUPPORTED[key]}", context=_at(rel, node.line, field=key)
            )
        allowed = HEADER_KEYS | GRLC_KEYS
        if key not in allowed:
            raise CatalogError(
                f"unknown header key {key!r}",
                context=_at(rel, node.line, field=key, expected=", ".join(sorted(allowed))),
            )
    if st.form == "ASK":
        raise CatalogError("a curated query is a SELECT, CONSTRUCT or DESCRIBE, not an ASK", context=_at(rel, 1))
    summary = _string(doc, "summary", rel, required=True)
    description = _string(doc, "description", rel) or ""
    tags = _tags(doc, rel)
    scope = _string(doc, "scope", rel) or "public"
    if scope not in SCOPE_ORDER:
        raise CatalogError(
            f"scope {scope!r}", context=_at(rel, doc["scope"].line, field="scope", expected="public, partner or all")
        )
    page_size = _page_size(doc, rel)
    if page_size is not None:
        if st.form != "SELECT":
            raise CatalogError(
                "only a SELECT can be paginated", context=_at(rel, _line(doc, "page_size", "pagination"))
            )
        if not st.ordered:
            raise CatalogError(
                "a paginated query needs a top-level ORDER BY (pages of an unordered result overlap)",
                context=_at(rel, _line(doc, "page_size", "pagination"), field="page_size"),
            )
        if st.has_limit:
            raise CatalogError(
                "a paginated query must not have its own LIMIT or OFFSET (the API pages it)",
                context=_at(rel, _line(doc, "page_size", "pagination"), field="page_size"),
            )
    params = _declared(doc["parameters"], rel) if "parameters" in doc else _from_grlc(st, doc, rel)
    params = {n: _binding(p, st, rel) for n, p in params.items()}
    for var, places in st.placeholders.items():
        if not any(p.variable == var for p in params.values()):
            raise CatalogError(
                f"VALUES ?{var} {{ UNDEF }} is a parameter placeholder, but no parameter binds ?{var}",
                context=_at(rel, places[0].line),
            )
    columns = _columns(doc, rel, st)
    precompute = _precompute(doc, rel, st)
    if precompute and any(p.required for p in params.values()):
        raise CatalogError(
            "a precomputed query cannot have required parameters (its table is the answer without values)",
            context=_at(rel, doc["precompute"].line, field="precompute"),
        )
    query = CuratedQuery(
        name=name,
        topic=topic if topic != "." else "",
        file=rel,
        summary=summary,
        description=description.strip(),
        tags=tags or ([topic] if topic not in ("", ".") else []),
        scope=scope,
        page_size=page_size,
        params=params,
        columns=columns,
        text=text,
        structure=st,
        dialect="grlc" if grlc else "stigraph",
        precompute=precompute,
    )
    _check_table_matches(query, doc, rel)
    if "facts" in doc:
        query.facts = _facts(query, doc["facts"], rel)
    return query


FACTS_KEYS = frozenset({"rows", "count", "filter", "concat"})


def _facts(q: CuratedQuery, node: _Node, rel: str) -> FactsSpec:
    """``facts: {rows, count, concat, filter}`` (see :class:`FactsSpec`), checked against the query."""

    def fail(message: str, line: int, field: str, expected: str | None = None) -> CatalogError:
        return CatalogError(message, context=_at(rel, line, field=field, expected=expected))

    if q.form != "SELECT":
        raise fail("'facts' are the rows under the counts of a SELECT", node.line, "facts")
    if not isinstance(node.value, dict) or "rows" not in node.value or "count" not in node.value:
        raise fail(
            "'facts' must be a mapping", node.line, "facts", "{rows: <SELECT>, count: {column: variable}, filter}"
        )
    for key, v in node.value.items():
        if key not in FACTS_KEYS:
            raise fail(f"unknown key {key!r} in 'facts'", v.line, key, ", ".join(sorted(FACTS_KEYS)))
    rows_node = node.value["rows"]
    rows = plain(rows_node)
    if not isinstance(rows, str):
        raise fail("'rows' of 'facts' must be the text of a SELECT", rows_node.line, "rows")
    st = scan(rows)
    if st.form != "SELECT" or st.select_all or not st.projection:
        raise fail("'rows' of 'facts' must be a SELECT of named variables", rows_node.line, "rows")
    try:
        from pyoxigraph import Store

        Store().query(rows)  # the syntax, on an empty store
    except SyntaxError as exc:
        raise fail(f"'rows' of 'facts' is not valid SPARQL: {exc}", rows_node.line, "rows") from None
    variables = tuple(sorted(st.projection))

    def mapping(key: str) -> dict[str, str]:
        sub = node.value.get(key)
        if sub is None:
            return {}
        if not isinstance(sub.value, dict):
            raise fail(f"'{key}' of 'facts' must be a mapping", sub.line, key)
        out = {str(k): str(plain(v)) for k, v in sub.value.items()}
        for v in out.values():
            if v not in variables:
                raise fail(
                    f"'{key}' of 'facts' names ?{v}, which 'rows' does not project", sub.line, key, ", ".join(variables)
                )
        return out

    count, filters = mapping("count"), mapping("filter")
    concat: dict[str, tuple[str, str]] = {}
    concat_node = node.value.get("concat")
    if concat_node is not None:
        if not isinstance(concat_node.value, dict):
            raise fail("'concat' of 'facts' must be a mapping", concat_node.line, "concat")
        for column, spec in concat_node.value.items():
            value = plain(spec)
            if not isinstance(value, dict) or set(value) != {"of", "separator"} or str(value["of"]) not in variables:
                raise fail(
                    f"'concat' of 'facts' for {column!r} must name a variable of 'rows' and a separator",
                    concat_node.line,
                    "concat",
                    "{column: {of: variable, separator: text}}",
                )
            concat[str(column)] = (str(value["of"]), str(value["separator"]))
    columns = q.output_columns()
    filter_line = node.value["filter"].line if "filter" in node.value else node.line
    for key, names in (("count", count), ("concat", concat)):
        for c in names:
            if c not in columns:
                line = node.value[key].line
                raise fail(
                    f"'{key}' of 'facts' names {c!r}, which the query does not project", line, key, ", ".join(columns)
                )
    for c in columns:
        if c not in count and c not in concat and c not in variables:
            raise fail(
                f"column {c!r} is neither counted nor a variable of the 'rows' of 'facts'", rows_node.line, "rows"
            )
    for name in filters:
        p = q.params.get(name)
        if p is None:
            raise fail(
                f"'filter' of 'facts' names {name!r}, which is not a parameter",
                filter_line,
                "filter",
                ", ".join(q.params),
            )
        if p.type != "iri":
            raise fail(f"'filter' of 'facts' keeps rows by IRIs: {name!r} is {p.type}", filter_line, "filter")
    for p in q.params.values():
        if p.required and p.name not in filters:
            raise fail(f"the required parameter {p.name!r} must select fact rows ('filter')", filter_line, "filter")
    return FactsSpec(rows=rows, count=count, filter=filters, variables=variables, line=node.line, concat=concat)


def _precompute(doc: dict[str, _Node], rel: str, st: Structure) -> bool:
    node = doc.get("precompute")
    if node is None:
        return False
    if not isinstance(node.value, bool):
        raise CatalogError(
            "'precompute' must be true or false", context=_at(rel, node.line, field="precompute", expected="a boolean")
        )
    if node.value and st.form != "SELECT":
        raise CatalogError(
            "only a SELECT can be precomputed (its answer is kept as a table of rows)",
            context=_at(rel, node.line, field="precompute"),
        )
    return node.value


def _line(doc: dict[str, _Node], *keys: str) -> int:
    for k in keys:
        if k in doc:
            return doc[k].line
    return 1


def _string(doc: dict[str, _Node], key: str, rel: str, *, required: bool = False) -> str | None:
    node = doc.get(key)
    if node is None:
        if required:
            raise CatalogError(f"the header has no '{key}'", context=_at(rel, 1, field=key))
        return None
    if not isinstance(node.value, str) or not node.value.strip():
        raise CatalogError(f"'{key}' must be text", context=_at(rel, node.line, field=key))
    return node.value.strip() if key != "description" else node.value


def _tags(doc: dict[str, _Node], rel: str) -> list[str]:
    node = doc.get("tags")
    if node is None:
        return []
    items = node.value if isinstance(node.value, list) else None
    if items is None or not all(isinstance(t.value, str) and t.value for t in items):
        raise CatalogError("'tags' must be a list of words", context=_at(rel, node.line, field="tags"))
    return [t.value for t in items]


def _page_size(doc: dict[str, _Node], rel: str) -> int | None:
    key = "page_size" if "page_size" in doc else "pagination" if "pagination" in doc else None
    if key is None:
        return None
    if "page_size" in doc and "pagination" in doc:
        raise CatalogError(
            "give 'page_size' or grlc's 'pagination', not both", context=_at(rel, doc["pagination"].line)
        )
    v = doc[key].value
    if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= MAX_PAGE_SIZE:
        raise CatalogError(
            f"'{key}' is {v!r}", context=_at(rel, doc[key].line, field=key, expected=f"an integer 1-{MAX_PAGE_SIZE}")
        )
    return v


def _columns(doc: dict[str, _Node], rel: str, st: Structure) -> dict[str, str]:
    node = doc.get("columns")
    if node is None:
        return {}
    if not isinstance(node.value, dict):
        raise CatalogError("'columns' maps output variables to types", context=_at(rel, node.line, field="columns"))
    out = {}
    for var, t in node.value.items():
        if t.value not in COLUMN_TYPES:
            raise CatalogError(
                f"column {var!r} has type {t.value!r}",
                context=_at(rel, t.line, field=var, expected=", ".join(COLUMN_TYPES)),
            )
        if st.form == "SELECT" and not st.projects(var):
            raise CatalogError(f"column {var!r} is not a variable the query returns", context=_at(rel, t.line))
        out[var] = t.value
    return out


def _key_line(node: _Node, key: str, default: int) -> int:
    return node.key_lines.get(key, default)


def _parse_type(raw: Any, rel: str, line: int, name: str) -> tuple[str, bool]:
    if not isinstance(raw, str):
        raise CatalogError(f"parameter {name!r} has no type", context=_at(rel, line, field=name))
    many = False
    t = raw.strip()
    m = re.fullmatch(r"list\[\s*([a-z-]+)\s*\]", t)
    if m:
        many, t = True, m.group(1)
    if t not in BASE_TYPES:
        raise CatalogError(
            f"parameter {name!r} has type {raw!r}",
            context=_at(rel, line, field=name, expected=", ".join(BASE_TYPES) + ", or list[<type>]"),
        )
    return t, many


def _declared(node: _Node, rel: str) -> dict[str, Param]:
    if not isinstance(node.value, dict):
        raise CatalogError("'parameters' maps names to their description", context=_at(rel, node.line))
    params: dict[str, Param] = {}
    for name, spec_node in node.value.items():
        line = node.key_lines.get(name, spec_node.line)
        if not _NAME.match(name):
            raise CatalogError(
                f"parameter name {name!r}", context=_at(rel, line, expected="lowercase letters, digits, '_'")
            )
        if name in RESERVED:
            raise CatalogError(
                f"parameter name {name!r} is the API's own ({', '.join(sorted(RESERVED))})", context=_at(rel, line)
            )
        if not isinstance(spec_node.value, dict):
            raise CatalogError(f"parameter {name!r} must be a mapping (type, description, ...)", context=_at(rel, line))
        spec = spec_node.value
        for key, v in spec.items():
            if key not in PARAM_KEYS:
                raise CatalogError(
                    f"unknown key {key!r} for parameter {name!r}",
                    context=_at(rel, v.line, field=key, expected=", ".join(sorted(PARAM_KEYS))),
                )
        t, many = _parse_type(
            spec["type"].value if "type" in spec else None, rel, _key_line(spec_node, "type", line), name
        )
        description = spec.get("description")
        if description is None or not isinstance(description.value, str) or not description.value.strip():
            raise CatalogError(f"parameter {name!r} needs a description", context=_at(rel, line, field=name))
        if "example" not in spec:
            raise CatalogError(f"parameter {name!r} needs an example", context=_at(rel, line, field=name))
        required = bool(spec["required"].value) if "required" in spec else False
        if "required" in spec and not isinstance(spec["required"].value, bool):
            raise CatalogError(f"'required' of {name!r} is true or false", context=_at(rel, spec["required"].line))
        if required and "default" in spec:
            raise CatalogError(f"parameter {name!r} is required and has a default", context=_at(rel, line))
        values = _enum_values(spec.get("values"), t, rel, name, line)
        language = spec["language"].value if "language" in spec else None
        if language is not None and (t != "lang-string" or not _LANG.match(str(language))):
            raise CatalogError(
                f"'language' of {name!r}",
                context=_at(rel, spec["language"].line, expected="a language tag, on a lang-string"),
            )
        p = Param(
            name=name,
            type=t,
            many=many,
            description=description.value.strip(),
            example=plain(spec["example"]),
            variable=name,
            required=required,
            default=plain(spec["default"]) if "default" in spec else None,
            values=values,
            language=language,
            line=line,
            table=_table_match(spec.get("table"), t, rel, name),
        )
        _check_value(p, p.example, rel, spec["example"].line, "example")
        if p.default is not None:
            _check_value(p, p.default, rel, spec["default"].line, "default")
        params[name] = p
    return params


def _table_match(node: _Node | None, t: str, rel: str, name: str) -> TableMatch | None:
    """``table: {column, match, via}``: checked here for its form; the column is checked against
    the projection once the query is built (:func:`_check_table_matches`)."""
    if node is None:
        return None
    if not isinstance(node.value, dict) or "column" not in node.value:
        raise CatalogError(
            f"'table' of {name!r} must be a mapping with a 'column'",
            context=_at(rel, node.line, field="table", expected="{column: <projected variable>, match, via}"),
        )
    for key, v in node.value.items():
        if key not in TABLE_KEYS:
            raise CatalogError(
                f"unknown key {key!r} in 'table' of {name!r}",
                context=_at(rel, v.line, field=key, expected=", ".join(sorted(TABLE_KEYS))),
            )
    spec = {k: plain(v) for k, v in node.value.items()}
    match = spec.get("match", "equal")
    if match not in TABLE_MATCHES:
        raise CatalogError(
            f"'match' of {name!r} is {match!r}",
            context=_at(rel, node.line, field="match", expected=", ".join(TABLE_MATCHES)),
        )
    via = spec.get("via")
    if (match == "within") != (via is not None):
        raise CatalogError(
            f"'via' of {name!r} goes with match 'within', and only with it", context=_at(rel, node.line, field="via")
        )
    if via is not None:
        from pyoxigraph import NamedNode

        try:
            NamedNode(str(via))
        except ValueError:
            raise CatalogError(f"'via' of {name!r} is not an IRI", context=_at(rel, node.line, field="via")) from None
        if t != "iri":
            raise CatalogError(f"match 'within' needs an iri parameter, {name!r} is {t}", context=_at(rel, node.line))
    if match == "contains" and t != "string":
        raise CatalogError(f"match 'contains' needs a string parameter, {name!r} is {t}", context=_at(rel, node.line))
    return TableMatch(column=str(spec["column"]), match=match, via=None if via is None else str(via))


def _check_table_matches(q: CuratedQuery, doc: dict[str, _Node], rel: str) -> None:
    for p in q.params.values():
        if p.table is None:
            continue
        if not q.precompute:
            raise CatalogError(
                f"parameter {p.name!r} says how a table answers it, but the query is not precomputed",
                context=_at(rel, p.line, field="table"),
            )
        if p.table.column not in q.output_columns():
            raise CatalogError(
                f"the 'table' column of {p.name!r} is ?{p.table.column}, which the query does not project",
                context=_at(rel, p.line, field="table", expected=", ".join(q.output_columns())),
            )
        if p.default is not None:
            raise CatalogError(
                f"parameter {p.name!r} has a default: a table holds the answer without values",
                context=_at(rel, p.line, field="table"),
            )


def _enum_values(node: _Node | None, t: str, rel: str, name: str, line: int) -> dict[str, str | None]:
    if t != "enum":
        if node is not None:
            raise CatalogError(f"'values' is for enum parameters, {name!r} is {t}", context=_at(rel, node.line))
        return {}
    if node is None:
        raise CatalogError(f"enum parameter {name!r} needs 'values'", context=_at(rel, line, field=name))
    v = plain(node)
    if isinstance(v, list) and v and all(isinstance(x, str | int) for x in v):
        return {str(x): None for x in v}
    if isinstance(v, dict) and v and all(isinstance(x, str) for x in v.values()):
        from pyoxigraph import NamedNode

        for key, iri in v.items():
            try:
                NamedNode(iri)
            except ValueError:
                raise CatalogError(
                    f"value {key!r} of {name!r} maps to {iri!r}, not an IRI", context=_at(rel, node.line)
                ) from None
        return {str(k): x for k, x in v.items()}
    raise CatalogError(
        f"'values' of {name!r}", context=_at(rel, node.line, expected="a list of words, or a mapping word -> IRI")
    )


def _check_value(p: Param, value: Any, rel: str, line: int, what: str) -> None:
    """An example or default must be a value the parameter accepts."""
    from stigraph.catalog.binding import parse_value

    items = value if isinstance(value, list) else [value]
    if p.many is False and isinstance(value, list):
        raise CatalogError(f"the {what} of {p.name!r} is a list, the parameter takes one value", context=_at(rel, line))
    if not items:
        raise CatalogError(f"the {what} of {p.name!r} is empty", context=_at(rel, line))
    for item in items:
        raw = _as_text(item)
        try:
            parse_value(p, raw)
        except Exception as exc:  # the binder's message says what was expected
            raise CatalogError(
                f"the {what} of {p.name!r} is invalid: {exc}", context=_at(rel, line, field=p.name)
            ) from None


def _as_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime.date | decimal.Decimal | int | float):
        return str(v)
    return str(v)


# -- grlc ----------------------------------------------------------------------------------
def _grlc_variables(st: Structure) -> list[str]:
    return sorted(v for v in st.variables if _GRLC_VAR.match(v))


def _from_grlc(st: Structure, doc: dict[str, _Node], rel: str) -> dict[str, Param]:
    enum_node = doc.get("enumerate")
    enums: dict[str, list[str]] = {}
    if enum_node is not None:
        items = plain(enum_node)
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, dict):
                for var, vals in item.items():
                    enums[str(var)] = [str(x) for x in (vals if isinstance(vals, list) else [vals])]
            else:
                raise CatalogError(
                    f"grlc's 'enumerate' of {item!r} without values: list the values",
                    context=_at(rel, enum_node.line, field="enumerate"),
                )
    defaults: dict[str, Any] = {}
    if "defaults" in doc:
        raw = plain(doc["defaults"])
        for item in raw if isinstance(raw, list) else [raw]:
            if not isinstance(item, dict):
                raise CatalogError(
                    "grlc's 'defaults' is a list of 'name: value'", context=_at(rel, doc["defaults"].line)
                )
            defaults.update({str(k): v for k, v in item.items()})
    params: dict[str, Param] = {}
    for var in _grlc_variables(st):
        m = _GRLC_VAR.match(var)
        assert m
        underscores, name, suffix = m.groups()
        language = None
        if suffix is None:
            t = "string"
        elif suffix.lower() in _GRLC_SUFFIX:
            t = _GRLC_SUFFIX[suffix.lower()]
        elif _LANG.match(suffix):
            t, language = "lang-string", suffix.lower()
        else:
            raise CatalogError(
                f"?{var}: grlc type suffix {suffix!r} is not one this catalogue knows", context=_at(rel, 1)
            )
        pname = name.lower()
        if pname in params:
            raise CatalogError(f"two variables give parameter {pname!r}", context=_at(rel, 1))
        values: dict[str, str | None] = {}
        if pname in enums or name in enums:
            values = {v: None for v in enums.get(pname, enums.get(name, []))}
            if t == "iri":
                values = {v: v for v in values}
            t = "enum"
        default = defaults.get(name, defaults.get(pname))
        example = default if default is not None else (next(iter(values)) if values else _grlc_example(t, language))
        params[pname] = Param(
            name=pname,
            type=t,
            many=False,
            description=f"grlc parameter ?{var}",
            example=example,
            variable=var,
            required=underscores == "_" and default is None,
            default=default,
            values=values,
            language=language,
        )
    return params


def _grlc_example(t: str, language: str | None) -> str:
    return {
        "iri": "https://example.org/",
        "integer": "1",
        "decimal": "1.5",
        "boolean": "true",
        "date": "2024-01-01",
        "year": "2024",
    }.get(t, "text")


# -- binding ---------------------------------------------------------------------------------
def _binding(p: Param, st: Structure, rel: str) -> Param:
    """How the parameter reaches the engine: substitutions for a projected single value, else
    the query's ``VALUES ?x { UNDEF }`` placeholder (lists always)."""
    from dataclasses import replace

    places = st.placeholders.get(p.variable, [])
    if p.variable not in st.variables:
        raise CatalogError(
            f"parameter {p.name!r} is declared, but the query has no ?{p.variable}",
            context=_at(rel, p.line, field=p.name),
        )
    if len(places) > 1:
        raise CatalogError(
            f"?{p.variable} has {len(places)} VALUES placeholders; give it one", context=_at(rel, places[1].line)
        )
    if places:
        return replace(p, by_values=True)
    if p.many:
        raise CatalogError(
            f"list parameter {p.name!r} needs a placeholder 'VALUES ?{p.variable} {{ UNDEF }}' where it applies",
            context=_at(rel, p.line, field=p.name),
        )
    if st.form == "SELECT" and not st.projects(p.variable):
        raise CatalogError(
            f"?{p.variable} is not in the SELECT projection, and pyoxigraph binds only projected variables: "
            f"project it, or put 'VALUES ?{p.variable} {{ UNDEF }}' where it applies",
            context=_at(rel, p.line, field=p.name),
        )
    return p
