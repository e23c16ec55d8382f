"""Whole-scope dumps, streamed: what leaves is serialised as it is read, nothing is held.

Dataset formats (N-Quads, TriG, JSON-LD) keep each triple's graph. Turtle and N-Triples hold one
graph, so they get the merge of the scope's graphs: the triples of each graph are streamed
through pyoxigraph's ``serialize`` one after the other instead of being collected by a
``CONSTRUCT`` first (which held the whole result in memory). A triple stated in two graphs is
then written twice; it is the same triple to any parser (a graph is a set), and removing the
duplicate would need memory proportional to the data.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from pyoxigraph import Quad, RdfFormat, Triple, serialize

from stigraph.errors import ErrorContext, InputError
from stigraph.export.view import ScopeView
from stigraph.namespaces import PREFIXES


@dataclass(frozen=True)
class ExportFormat:
    """A serialisation an export is offered in."""

    name: str  # the CLI's --format and the URL's extension
    rdf: RdfFormat

    @property
    def media_type(self) -> str:
        return self.rdf.media_type

    @property
    def datasets(self) -> bool:
        return self.rdf.supports_datasets


EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("nq", RdfFormat.N_QUADS),
        ExportFormat("trig", RdfFormat.TRIG),
        ExportFormat("ttl", RdfFormat.TURTLE),
        ExportFormat("nt", RdfFormat.N_TRIPLES),
        ExportFormat("jsonld", RdfFormat.JSON_LD),
    )
}
GZIP_MEDIA_TYPE = "application/gzip"
GZIP_LEVEL = 6
"""zlib's default: level 9 took about twice as long for a few percent less (docs/performance.md)."""


def export_format(name: str) -> ExportFormat:
    """The format called ``name``, or an :class:`InputError` that lists the others."""
    fmt = EXPORT_FORMATS.get(name)
    if fmt is None:
        raise InputError(
            f"unknown export format {name!r}",
            context=ErrorContext(field="format", expected=", ".join(EXPORT_FORMATS)),
        )
    return fmt


def format_of_name(file_name: str) -> tuple[ExportFormat | None, bool]:
    """(format, gzip) read from a file name such as ``public.nq.gz``; format None if unknown."""
    gz = file_name.endswith(".gz")
    stem = file_name[:-3] if gz else file_name
    return EXPORT_FORMATS.get(stem.rpartition(".")[2]), gz


@dataclass
class DumpStats:
    """What was written: quads read from the store and bytes handed to the sink."""

    quads: int = 0
    bytes: int = 0


class _Counting:
    """A binary sink that counts the bytes going through to another sink."""

    def __init__(self, sink: IO[bytes]) -> None:
        self._sink = sink
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self._sink.write(data)
        self.bytes += len(data)
        return len(data)

    def flush(self) -> None:
        self._sink.flush()


def write_dump(view: ScopeView, fmt: ExportFormat, sink: IO[bytes], *, compress: bool = False) -> DumpStats:
    """Serialise every quad of ``view`` to ``sink`` in ``fmt`` (gzip-compressed if asked).

    Memory stays flat whatever the store's size: the quads come from index scans and pyoxigraph
    writes each as it arrives (Turtle and TriG group consecutive triples of one subject, which
    the store's SPOG order delivers together).
    """
    stats = DumpStats()
    counted = _Counting(sink)

    def quads() -> Iterator[Quad]:
        for q in view.quads():
            stats.quads += 1
            yield q

    def triples() -> Iterator[Triple]:
        for q in quads():
            yield q.triple

    target: IO[bytes] = counted
    zipped: gzip.GzipFile | None = None
    if compress:
        zipped = gzip.GzipFile(fileobj=counted, mode="wb", compresslevel=GZIP_LEVEL, mtime=0)  # type: ignore[arg-type]
        target = zipped  # type: ignore[assignment]
    prefixes = {"prefixes": PREFIXES} if fmt.rdf in (RdfFormat.TURTLE, RdfFormat.TRIG) else {}
    items: Iterator[Quad] | Iterator[Triple] = quads() if fmt.datasets else triples()
    serialize(items, target, format=fmt.rdf, **prefixes)
    if zipped is not None:
        zipped.close()  # writes the gzip trailer; the sink stays open
    counted.flush()
    stats.bytes = counted.bytes
    return stats
