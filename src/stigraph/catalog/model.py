"""A curated query as the catalogue holds it: its header, its parameters, its checked text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stigraph.catalog.structure import Structure

BASE_TYPES = ("iri", "string", "lang-string", "integer", "decimal", "date", "year", "boolean", "enum")
RESERVED = frozenset({"page", "size", "format"})  # the API's own query parameters
SCOPE_ORDER = {"public": 0, "partner": 1, "all": 2}
COLUMN_TYPES = ("string", "integer", "decimal", "boolean", "iri", "date")
MAX_PAGE_SIZE = 1000


TABLE_MATCHES = ("equal", "at-least", "at-most", "within", "contains")


@dataclass(frozen=True)
class TableMatch:
    """How a parameter whose variable is not a column still selects rows of an answer table:
    the live query keeps exactly the rows whose ``column`` holds one of the values (``equal``),
    one lexically at least or at most the value (``at-least``, ``at-most``: the query compares
    ``STR()`` forms), or the value or a node the value reaches by the property ``via``
    (``within``: a region and the countries it contains), or a text one of whose lines contains
    the value, case-insensitively (``contains``: the column is a ``GROUP_CONCAT`` of names with
    a newline as separator; the query tests each name with ``CONTAINS(LCASE(..), LCASE(..))``)."""

    column: str
    match: str = "equal"
    via: str | None = None


@dataclass(frozen=True)
class FactsSpec:
    """The rows under a precomputed count (``facts`` in the header): ``rows`` is a SELECT of the
    rows before grouping, written at publish beside the answer table. Every output column of the
    query is either a variable of those rows (grouped by) or a key of ``count`` (the number of
    distinct bound values of a row variable in the group) or of ``concat`` (its distinct bound
    values joined by a separator: ``GROUP_CONCAT(DISTINCT ...)``, in the order the rows give them,
    which SPARQL leaves to the engine anyway). ``filter`` names the row variable a
    parameter's values keep rows by, for parameters that select rows before they are counted
    (a count over several values cannot be added up from the per-value rows of the table)."""

    rows: str
    count: dict[str, str]
    filter: dict[str, str]
    variables: tuple[str, ...]  # what ``rows`` projects
    line: int = 0
    concat: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (variable, separator)


@dataclass(frozen=True)
class Param:
    """One declared parameter. ``variable`` is the SPARQL variable it binds (``name`` unless the
    file uses grlc's ``?_name_type`` convention)."""

    name: str
    type: str  # one of BASE_TYPES
    many: bool  # list[type]: repeated in the URL, bound as VALUES
    description: str
    example: Any
    variable: str
    required: bool = False
    default: Any = None
    values: dict[str, str | None] = field(default_factory=dict)  # enum: value -> IRI (None: plain string)
    language: str | None = None  # lang-string with a fixed tag (grlc's ?_name_en)
    line: int = 0
    by_values: bool = False  # bound through a VALUES placeholder (else substitutions)
    table: TableMatch | None = None  # how an answer table answers it (precomputed queries)

    @property
    def type_name(self) -> str:
        return f"list[{self.type}]" if self.many else self.type


@dataclass
class CuratedQuery:
    name: str
    topic: str
    file: str  # path relative to the catalogue folder, for messages
    summary: str
    description: str
    tags: list[str]
    scope: str
    page_size: int | None
    params: dict[str, Param]
    columns: dict[str, str]
    text: str
    structure: Structure
    dialect: str = "stigraph"  # or "grlc" when the header came from grlc
    precompute: bool = False  # its widest answer is materialised at publish (catalog.tables)
    facts: FactsSpec | None = None  # the rows under its counts, kept too (catalog.facts)

    @property
    def form(self) -> str:
        return self.structure.form

    @property
    def paginated(self) -> bool:
        return self.page_size is not None

    def has_required(self) -> bool:
        return any(p.required for p in self.params.values())

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")

    def output_columns(self) -> list[str]:
        """Projected variables in the order they are written (SELECT * gives them sorted)."""
        if self.form != "SELECT":
            return []
        names = self.structure.projection or self.structure.variables
        return sorted(names, key=lambda v: self._first_use(v))

    def _first_use(self, variable: str) -> int:
        for marker in (f"?{variable}", f"${variable}"):
            at = self.text.find(marker)
            if at >= 0:
                return at
        return len(self.text)

    def describe(self) -> dict[str, Any]:
        """The catalogue entry a client reads (GET /api/queries)."""
        return {
            "name": self.name,
            "topic": self.topic,
            "summary": self.summary,
            "description": self.description,
            "tags": self.tags,
            "scope": self.scope,
            "form": self.form,
            "paginated": self.paginated,
            "page_size": self.page_size,
            "parameters": [
                {
                    "name": p.name,
                    "type": p.type_name,
                    "required": p.required,
                    "default": p.default,
                    "description": p.description,
                    "example": p.example,
                    **({"values": sorted(p.values)} if p.values else {}),
                }
                for p in self.params.values()
            ],
            "columns": self.output_columns(),
            "href": f"/api/queries/{self.name}",
        }
