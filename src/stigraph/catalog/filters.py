"""Row filters of the answers prepared at publish (answer tables and fact tables): what a
request's values select, so both kinds of table read the same filters from the API's job."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from stigraph.catalog.binding import Term


@dataclass(frozen=True)
class ColumnFilter:
    """Rows whose ``column`` matches one of ``terms`` (see :class:`TableMatch` for ``match``)."""

    column: str
    terms: tuple[Term, ...]
    match: str = "equal"
    via: str | None = None


Reach = Callable[[Term, str], Sequence[Term]]
"""The objects of ``term``'s ``via`` property, in the scope's graph (for ``within``)."""


def accepted_keys(f: ColumnFilter, reach: Reach | None) -> set[str]:
    """The terms, in N-Triples, an ``equal`` or ``within`` filter accepts in its column."""
    if f.match == "equal":
        return {str(t) for t in f.terms}
    if f.match == "within":
        if reach is None or f.via is None:
            raise ValueError("a 'within' filter needs the store to expand it")
        return {str(x) for t in f.terms for x in (t, *reach(t, f.via))}
    raise ValueError(f"no keys for a {f.match!r} filter")
