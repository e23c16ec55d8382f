"""The rows the path index is built from, written per graph when a generation is published.

Building the index is mostly reading the store back: every IRI and long literal the builder
needs is one RocksDB lookup when the store writes it out (~4.5 µs each; ~1.6M rows of one or
two terms at 100k researchers, about 10 s of the store's time). The data only changes when a
generation is published, so the writer reads it then, once per graph it wrote, and keeps the
answers beside the generation: one file per named graph holding, for every read the builder
makes, that graph's TSV answer. Graphs the write did not touch keep their file from the
previous generation (a hard link). Each scope's index is then built from the files of the
graphs it may see, without asking the store anything.

Which graphs a write touched is recorded by the writer (:class:`stigraph.store.embedded.Changes`);
a write that cannot say (a free-form SPARQL update, N-Quads without a target graph) has every
graph read again. A graph or a read missing from the files (a generation published before this
existed, an ontology with other classes) is read from the store, so the files only ever make a
build faster, never different: the same reads, the same answers.

Authorships are kept as their two halves (``?a sg:author ?person`` and ``?a sg:publication
?pub``), not joined per graph, so that an authorship whose halves sit in different graphs is
joined exactly as the union of the scope's graphs would join it.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
import struct
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, QueryResultsFormat

DIRECTORY = "path-rows"
MANIFEST = "manifest.json"
_HEADER = struct.Struct("<Q")


def graph_file(graph: str) -> str:
    return hashlib.sha256(graph.encode("utf-8")).hexdigest()[:40] + ".rows"


def write_rows(path: Path, answers: dict[str, bytes]) -> None:
    """One graph's answers: a JSON table of contents (query, offset, length), then the bytes."""
    contents, offset = [], 0
    for sparql, data in answers.items():
        contents.append([sparql, offset, len(data)])
        offset += len(data)
    head = json.dumps(contents).encode("utf-8")
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        out.write(_HEADER.pack(len(head)))
        out.write(head)
        for data in answers.values():
            out.write(data)
    os.replace(tmp, path)


class GraphRows:
    """One graph's file, mapped: an answer is copied out when it is asked for (an empty or
    truncated file raises ``ValueError`` or ``struct.error`` here)."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        (size,) = _HEADER.unpack_from(self._map)
        start = _HEADER.size + size
        contents = json.loads(self._map[_HEADER.size : start])
        self._contents = {q: (start + offset, length) for q, offset, length in contents}

    def get(self, sparql: str) -> bytes | None:
        found = self._contents.get(sparql)
        return None if found is None else self._map[found[0] : found[0] + found[1]]

    def close(self) -> None:
        self._map.close()


def tsv_answer(store: Any, sparql: str, graphs: list[NamedNode]) -> bytes:
    """The SPARQL TSV answer of ``sparql`` over ``graphs`` as the default graph (``store``: the
    store facade or a pyoxigraph ``Store``, which take the same arguments)."""
    return bytes(store.query(sparql, default_graph=graphs).serialize(format=QueryResultsFormat.TSV))


def extract(store: Any, graph: NamedNode, reads: Iterable[str]) -> dict[str, bytes]:
    """Every read's TSV answer over one graph of ``store``."""
    return {sparql: tsv_answer(store, sparql, [graph]) for sparql in reads}


class PublishedRows:
    """The files of one generation: graph IRI -> its answers, read when asked for."""

    def __init__(self, directory: Path, manifest: dict[str, Any]) -> None:
        self.directory = directory
        self.reads: set[str] = set(manifest["reads"])
        self.graphs: dict[str, str] = manifest["graphs"]

    @classmethod
    def open(cls, derived: Path | None) -> PublishedRows | None:
        if derived is None:
            return None
        directory = derived / DIRECTORY
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return cls(directory, manifest)

    def of(self, graph: str) -> GraphRows | None:
        """The graph's file; None when there is none, or it cannot be read (the builder then
        asks the store for that graph)."""
        name = self.graphs.get(graph)
        if name is None:
            return None
        try:
            return GraphRows(self.directory / name)
        except (OSError, ValueError, struct.error):
            return None


def publish_rows(
    directory: Path,
    store: Any,
    reads: list[str],
    changed: set[str] | None,
    previous: Path | None,
) -> None:
    """Write the rows of every named graph of ``store`` into ``directory``: read again for the
    graphs in ``changed`` (all when None) and those the previous generation has no file for,
    linked from ``previous`` for the others."""
    target = directory / DIRECTORY
    target.mkdir(parents=True, exist_ok=True)
    before = PublishedRows.open(previous)
    if before is not None and before.reads != set(reads):
        before = None  # other reads (another ontology): everything is read again
    graphs: dict[str, str] = {}
    for g in store.named_graphs():
        if not isinstance(g, NamedNode):
            continue
        name = graphs[g.value] = graph_file(g.value)
        kept = before.graphs.get(g.value) if before is not None and changed is not None else None
        if kept is not None and g.value not in changed:  # type: ignore[operator]
            _link(before.directory / kept, target / name)  # type: ignore[union-attr]
        else:
            write_rows(target / name, extract(store, g, reads))
    manifest = {"reads": sorted(reads), "graphs": graphs}
    (target / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system: a copy
        shutil.copyfile(source, target)


@cache
def _reads(shapes_dir: Path, ontology_dir: Path) -> list[str]:
    from stigraph.paths.index import reads  # the index builds on these rows, not the other way
    from stigraph.paths.scan import Scan
    from stigraph.validation import Validator
    from stigraph.validation.validator import subclass_closure

    validator = Validator.from_dirs(shapes_dir, ontology_dir)
    return Scan.queries(reads(subclass_closure(validator.class_axioms)), per_graph=True)


def path_rows(store: Any, settings: Any) -> Callable[[Path, Callable[[str], Any]], None]:
    """The embedded store's deriver: the path rows of the generation being published, read
    again for the graphs the write changed (``store.changes``)."""

    def derive(directory: Path, open_scope: Callable[[str], Any]) -> None:
        changes = store.changes
        publish_rows(
            directory,
            open_scope("all"),
            _reads(settings.shapes_dir, settings.ontology_dir),
            changes.graphs,
            changes.previous,
        )

    return derive
