"""The interface every backend implements (embedded pyoxigraph now, a remote engine later)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from pyoxigraph import DefaultGraph, NamedNode, Quad, QueryTriples, RdfFormat, Triple, serialize


@dataclass
class StoreStats:
    """Counts a curator looks at after a load."""

    generation: int
    quads: int
    graphs: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "quads": self.quads,
            "graphs": self.graphs,
            "classes": self.classes,
        }


class Writer(Protocol):
    """Operations allowed inside one write transaction; all or nothing is committed."""

    def clear_graph(self, graph: NamedNode | DefaultGraph) -> None: ...

    def bulk_load(
        self,
        data: bytes,
        fmt: RdfFormat,
        *,
        to_graph: NamedNode | DefaultGraph | None = None,
        base_iri: str | None = None,
    ) -> None: ...

    def bulk_load_file(
        self, path: Path, fmt: RdfFormat, *, to_graph: NamedNode | DefaultGraph | None = None
    ) -> None: ...

    def extend(self, quads: Iterable[Quad]) -> None: ...

    def update(
        self, sparql: str, *, base_iri: str | None = None, graphs: Iterable[NamedNode] | None = None
    ) -> None: ...

    def graphs(self) -> list[NamedNode]: ...

    def query(self, sparql: str, *, union_default_graph: bool = False) -> Any: ...


class GraphStore(Protocol):
    """What the rest of stigraph may ask of a store."""

    @property
    def generation(self) -> int: ...

    @property
    def derived_dir(self) -> Path | None:
        """Where what was derived from the open generation is kept (None: nowhere)."""
        ...

    def query(
        self,
        sparql: str,
        *,
        default_graph: list[NamedNode] | None = None,
        named_graphs: list[NamedNode] | None = None,
        union_default_graph: bool = False,
        substitutions: dict[Any, Any] | None = None,
    ) -> Any: ...

    def quads(self, graph: NamedNode | None = None) -> Iterator[Quad]: ...

    def match(self, predicate: NamedNode, graphs: list[NamedNode], obj: NamedNode | None = None) -> Iterator[Quad]: ...

    def graphs(self) -> list[NamedNode]: ...

    def writing(self) -> AbstractContextManager[Writer]: ...

    def stats(self) -> StoreStats: ...

    def dump(self, output: IO[bytes], fmt: RdfFormat, *, graphs: list[NamedNode] | None) -> None: ...

    def backup(self, target: Path) -> None: ...

    def close(self) -> None: ...


class RemoteTriples:
    """The triples of a CONSTRUCT or DESCRIBE, with the ``serialize`` of pyoxigraph's results."""

    def __init__(self, triples: list[Triple]) -> None:
        self._triples = triples

    def __iter__(self) -> Iterator[Triple]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def serialize(self, output: IO[bytes] | None = None, format: RdfFormat = RdfFormat.N_TRIPLES) -> bytes | None:
        return serialize(self._triples, output, format=format)


def is_triples(result: Any) -> bool:
    """Whether a query answer is a graph (CONSTRUCT or DESCRIBE) from either backend: pyoxigraph's
    ``QueryTriples`` or a remote engine's :class:`RemoteTriples`."""
    return isinstance(result, QueryTriples | RemoteTriples)
