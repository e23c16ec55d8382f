"""The catalogue of curated queries: every ``queries/<topic>/<name>.rq``, read and checked once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from stigraph.catalog.model import CuratedQuery
from stigraph.catalog.reader import read_query
from stigraph.errors import CatalogError, ErrorContext

EXAMPLES = "examples"  # queries/examples/: the query page's examples, plain SPARQL, not API operations


@dataclass
class Catalog:
    root: Path
    queries: dict[str, CuratedQuery] = field(default_factory=dict)

    def __iter__(self) -> Iterator[CuratedQuery]:
        return iter(sorted(self.queries.values(), key=lambda q: (q.topic, q.name)))

    def __len__(self) -> int:
        return len(self.queries)

    def get(self, name: str) -> CuratedQuery:
        try:
            return self.queries[name]
        except KeyError:
            raise CatalogError(
                f"no curated query named {name!r}", context=ErrorContext(expected=", ".join(sorted(self.queries)))
            ) from None


def query_files(root: Path) -> list[Path]:
    """The curated query files under ``root`` (the examples folder is not part of the API)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*.rq") if p.relative_to(root).parts[0] != EXAMPLES)


def load_catalog(root: Path) -> Catalog:
    """Read and check every query file; the first problem stops start-up with its file and line."""
    catalog, problems = check_catalog(root)
    if problems:
        raise problems[0]
    return catalog


def check_catalog(root: Path) -> tuple[Catalog, list[CatalogError]]:
    """Every problem of every file (for ``stigraph queries check``), not only the first."""
    problems: list[CatalogError] = []
    catalog = Catalog(root)
    seen: dict[str, str] = {}
    for path in query_files(root):
        try:
            q = read_query(path, root)
        except CatalogError as exc:
            problems.append(exc)
            continue
        if q.name in seen:
            problems.append(
                CatalogError(
                    f"query name {q.name!r} is used twice (also {seen[q.name]}): names are API paths",
                    context=ErrorContext(file=q.file, line=1),
                )
            )
            continue
        seen[q.name] = q.file
        catalog.queries[q.name] = q
    if not problems:
        problems.extend(_parse_all(catalog))
    return catalog, problems


def _parse_all(catalog: Catalog) -> list[CatalogError]:
    """Each query must be SPARQL the engine parses (an empty store answers it)."""
    from pyoxigraph import Store

    store = Store()
    problems = []
    for q in catalog:
        try:
            store.query(q.text)
        except SyntaxError as exc:
            problems.append(CatalogError(f"SPARQL syntax error: {exc}", context=ErrorContext(file=q.file)))
    return problems
