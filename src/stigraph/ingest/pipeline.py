"""parse + map -> stage -> validate -> route by visibility -> commit, for one source.

Nothing reaches the store unless every step succeeded; the commit replaces all graphs of the
source (and their meta descriptions) in one store generation, so readers see either the old
source or the new one, never a mixture.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, RdfFormat, Variable

from stigraph.consent import records as consent_records
from stigraph.consent.suppress import suppress_erased
from stigraph.errors import ErrorContext, InputError, ValidationFailed
from stigraph.ingest.cordis import MappedCordis, map_cordis, project_stubs
from stigraph.ingest.inputs import InputFile, rdf_format, read_input
from stigraph.ingest.kaken import MappedKaken, map_kaken
from stigraph.ingest.mapped import Mapped
from stigraph.ingest.openalex import MappedOpenAlex, map_openalex
from stigraph.ingest.orcid import MappedOrcid, map_orcid
from stigraph.ingest.pi_list import map_pi_list
from stigraph.ingest.provenance import LoadRecord, input_digest
from stigraph.ingest.rdf_source import stage_rdf
from stigraph.ingest.ror import MappedRecords, map_ror
from stigraph.ingest.sources import SourceSpec
from stigraph.ingest.visibility import RAW_GRAPH, route
from stigraph.ingest.wikidata_missions import MappedMissions, map_missions
from stigraph.namespaces import PROV, SG, VISIBILITIES, Minter
from stigraph.store.base import Writer
from stigraph.store.embedded import EmbeddedStore
from stigraph.store.staging import StagingArea
from stigraph.validation import ValidationReport, Validator, Violation
from stigraph.validation.validator import MAX_VIOLATIONS_PER_CHECK

CONTEXT_BATCH = 500


@dataclass
class LoadResult:
    source: str
    status: str  # "loaded" or "unchanged"
    file: str
    generation: int
    quads: dict[str, int] = field(default_factory=dict)
    checks: int = 0
    load: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)  # why -> records left out (outside the model)
    in_commit: dict[str, Any] | None = None  # what the work committed with the load reported

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


@dataclass(frozen=True)
class _Kind:
    """How one source kind is mapped: a fresh ``Mapped`` of its type per load, quads per file,
    and optionally quads once all files are read (nodes the files only point at)."""

    mapped: type[Mapped]
    map: Callable[[InputFile, Minter, Any], Iterator[Quad]]
    finish: Callable[[Minter, Any], Iterator[Quad]] | None = None


_KINDS = {
    "ror": _Kind(MappedRecords, map_ror),
    "wikidata-missions": _Kind(MappedMissions, map_missions),
    "cordis": _Kind(MappedCordis, map_cordis, project_stubs),
    "openalex": _Kind(MappedOpenAlex, map_openalex),
    "orcid": _Kind(MappedOrcid, map_orcid),
    "kaken": _Kind(MappedKaken, map_kaken),
}


Progress = Callable[[str, int, int | None], None]
"""Told what a load is doing: (stage, done, total or None). Stages: "staging" (triples staged),
"validating" (checks run, of all checks), "committing"."""


def _quiet(stage: str, done: int, total: int | None) -> None:
    pass


InCommit = Callable[[Writer], dict[str, Any]]
"""Work that must be published in the same generation as a load (identity reconciliation): it
reads the data about to be committed through the writer, adds to it, and reports a summary."""


class _Counted:
    """Quads passed to the staging area, counted for the progress display every 10,000."""

    def __init__(self, quads: Iterable[Quad], progress: Progress, start: int) -> None:
        self.quads, self.progress, self.n = quads, progress, start

    def __iter__(self) -> Iterator[Quad]:
        for q in self.quads:
            self.n += 1
            if self.n % 10_000 == 0:
                self.progress("staging", self.n, None)
            yield q


def read_files(spec: SourceSpec, paths: list[Path]) -> list[InputFile]:
    """The source's input files, read whole; zip and gzip inputs of the JSON sources are bytes
    that their mapper decompresses (RDF and CSV inputs must be UTF-8 text)."""
    return [read_input(p, binary=p.suffix.lower() in (".zip", ".gz") and spec.kind != "rdf") for p in paths]


class Pipeline:
    def __init__(
        self,
        store: EmbeddedStore,
        validator: Validator,
        minter: Minter,
        progress: Progress | None = None,
        in_commit: InCommit | None = None,
    ) -> None:
        self.store = store
        self.validator = validator
        self.minter = minter
        self.progress = progress or _quiet
        self.in_commit = in_commit
        self._staged = 0

    def _stage(self, staging: StagingArea, quads: Iterable[Quad]) -> None:
        counted = _Counted(quads, self.progress, self._staged)
        staging.extend(counted)
        self._staged = counted.n
        self.progress("staging", self._staged, None)

    def load(self, spec: SourceSpec, paths: list[Path] | None = None) -> LoadResult:
        """Load one source from its input files (``spec.input`` unless ``paths`` is given)."""
        paths = paths or spec.input
        if not paths:
            raise InputError("no input file given", context=ErrorContext(source=spec.id))
        if spec.kind == "pi-list" and len(paths) != 1:
            raise InputError("a pi-list source is one CSV file", context=ErrorContext(source=spec.id))
        files = read_files(spec, paths)
        label = ", ".join(str(p) for p in paths)
        if self._unchanged(spec, files):
            return LoadResult(spec.id, "unchanged", label, self.store.generation)
        record = LoadRecord.begin(self.minter)
        clock = _Clock()
        staging = self._staging(files)
        try:
            return self._load_staged(spec, files, label, record, clock, staging)
        finally:
            staging.close()

    def _staging(self, files: list[InputFile]) -> StagingArea:
        """In memory, or on disk beside the store for inputs over ``staging_memory_mb``."""
        size = sum(len(f.data) for f in files)
        settings = self.store.settings
        if size <= settings.staging_memory_mb * 1024 * 1024:
            return StagingArea()
        parent = Path(tempfile.gettempdir()) if settings.in_memory else settings.store_path / "staging"
        parent.mkdir(parents=True, exist_ok=True)
        return StagingArea(Path(tempfile.mkdtemp(prefix="load-", dir=parent)))

    def _load_staged(
        self,
        spec: SourceSpec,
        files: list[InputFile],
        label: str,
        record: LoadRecord,
        clock: _Clock,
        staging: StagingArea,
    ) -> LoadResult:
        mapped = self.stage(spec, files, staging)
        suppressed = suppress_erased(staging, consent_records.erased(self.store, self.minter))
        if suppressed and staging.is_empty(RAW_GRAPH):
            raise InputError(
                "the file holds only people who were erased at their request",
                context=ErrorContext(source=spec.id, file=label),
            )
        if suppressed:
            mapped.skipped["people erased at their request"] = suppressed
        clock.lap("parse")
        staging.add_context(self.validation_context(spec, staging))
        clock.lap("context")
        self.progress("validating", 0, len(self.validator.checks))
        report = self.validator.validate(staging, on_check=lambda done: self.progress("validating", done, None))
        clock.lap("validate")
        if not report.conforms:
            raise _validation_error(report, files[0] if len(files) == 1 else None, mapped)
        graphs = {v: self.minter.graph(spec.id, v) for v in VISIBILITIES}
        route(staging, graphs, consent_records.overrides(self.store, self.minter), contact=spec.contact_visibility)
        clock.lap("route")
        sizes = {graphs["public"]: staging.count(RAW_GRAPH)}
        for v in ("partner", "restricted"):
            sizes[graphs[v]] = staging.count(graphs[v])
        sizes = {g: n for g, n in sizes.items() if n}
        prov = record.quads(self.minter, spec, files, sizes, report.checks)
        self.progress("committing", sum(sizes.values()), None)
        with self.store.writing() as w:
            for g in w.graphs():
                owner = self.minter.graph_source(g.value)
                if owner and owner[0] == spec.id:
                    w.clear_graph(g)
                    w.update(
                        f"DELETE WHERE {{ GRAPH <{self.minter.meta_graph.value}> {{ <{g.value}> ?p ?o }} }}",
                        graphs=[self.minter.meta_graph],
                    )
            for v, staged in (
                ("public", RAW_GRAPH),
                ("partner", graphs["partner"]),
                ("restricted", graphs["restricted"]),
            ):
                self._transfer(staging, staged, w, graphs[v])
            w.extend(prov)
            extra = self.in_commit(w) if self.in_commit is not None else None
        clock.lap("commit")
        return LoadResult(
            source=spec.id,
            status="loaded",
            file=label,
            generation=self.store.generation,
            quads={self.minter.graph_source(g.value)[1]: n for g, n in sizes.items()},  # type: ignore[index]
            checks=report.checks,
            load=record.iri.value,
            seconds=clock.laps,
            skipped=mapped.skipped,
            in_commit=extra,
        )

    @staticmethod
    def _transfer(staging: StagingArea, staged: NamedNode, w: Writer, graph: NamedNode) -> None:
        """Move one staged graph into the new generation: as bytes when staged in memory, through
        a scratch N-Triples file beside the staging directory when on disk."""
        if staging.directory is None:
            w.bulk_load(staging.serialize(staged), RdfFormat.N_TRIPLES, to_graph=graph)
            return
        scratch = staging.directory.with_name(staging.directory.name + ".nt")
        try:
            staging.dump_to(staged, scratch)
            w.bulk_load_file(scratch, RdfFormat.N_TRIPLES, to_graph=graph)
        finally:
            scratch.unlink(missing_ok=True)

    def stage(self, spec: SourceSpec, files: list[InputFile], staging: StagingArea) -> Mapped:
        """Map every file of the source into ``staging``; what mapping learnt, for errors."""
        kind = _KINDS.get(spec.kind)
        mapped = kind.mapped() if kind else Mapped()
        for file in files:
            if spec.kind == "rdf":
                stage_rdf(file, rdf_format(file.path, spec.format), staging, self.minter, spec.id)
            elif kind is not None:
                self._stage(staging, kind.map(file, self.minter, mapped))
            else:
                csv_rows = map_pi_list(file, spec, self.minter)
                self._stage(staging, csv_rows.quads)
                mapped.lines.update(csv_rows.lines)
                mapped.columns.update(csv_rows.columns)
            if staging.is_empty(RAW_GRAPH):
                raise InputError("the file holds no triples", context=ErrorContext(file=str(file.path)))
        if kind is not None and kind.finish is not None:
            self._stage(staging, kind.finish(self.minter, mapped))
        return mapped

    def _unchanged(self, spec: SourceSpec, files: list[InputFile]) -> bool:
        """The same bytes were the source's last load and its graphs are still there."""
        result = self.store.query(
            f"SELECT ?digest ?source WHERE {{ GRAPH <{self.minter.meta_graph.value}> {{ "
            f"?load <{SG}sourceId> ?source ; <{PROV}endedAtTime> ?t ; <{SG}inputDigest> ?digest "
            "} } ORDER BY DESC(?t) LIMIT 1",
            substitutions={Variable("source"): Literal(spec.id)},
        )
        assert isinstance(result, QuerySolutions)
        last = next(iter(result), None)
        if last is None or last["digest"].value != input_digest(files):
            return False
        return any((owner := self.minter.graph_source(g.value)) and owner[0] == spec.id for g in self.store.graphs())

    def validation_context(self, spec: SourceSpec, staging: StagingArea) -> list[Any]:
        """rdf:type facts of nodes the source points at but does not describe, from the store."""
        props = " ".join(f"<{p}>" for p in self.validator.class_paths)
        if not props:
            return []
        referenced = [
            row["o"]
            for row in staging.select(
                # the typed nodes removed by a hash anti-join (MINUS), not looked up once per value
                f"SELECT DISTINCT ?o WHERE {{ {{ SELECT DISTINCT ?o WHERE {{ VALUES ?p {{ {props} }} ?s ?p ?o "
                "FILTER(isIRI(?o)) } } MINUS { ?o a ?t } }"
            )
        ]
        others = [
            g
            for g in self.store.graphs()
            if (owner := self.minter.graph_source(g.value)) is None or owner[0] != spec.id
        ]
        if not referenced or not others:
            return []
        context: list[Any] = []
        rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        for i in range(0, len(referenced), CONTEXT_BATCH):
            values = " ".join(str(n) for n in referenced[i : i + CONTEXT_BATCH])
            rows = self.store.query(
                f"SELECT DISTINCT ?n ?t WHERE {{ VALUES ?n {{ {values} }} ?n a ?t }}",
                default_graph=others,
            )
            context.extend(Quad(r["n"], rdf_type, r["t"]) for r in rows)
        return context


EXAMPLES_PER_CONSTRAINT = 10


def _validation_error(report: ValidationReport, file: InputFile | None, mapped: Mapped) -> ValidationFailed:
    """One error for a load that does not conform: the first problem in its message, a count per
    constraint (a dump that breaks one rule a hundred thousand times says so in one line), and
    the first few problems of each constraint, located in the input, as details."""
    located = sorted(
        (_locate(v, file, mapped) for v in report.violations if v.severity == "Violation"), key=_input_order
    )
    first = located[0]
    ctx = ErrorContext(
        file=str(file.path) if file else None,
        line=first.line,
        field=mapped.columns.get(first.path or "") or first.path,
        shape=first.shape,
        record=first.record or first.focus,
    )
    groups: dict[tuple[str, str, str | None, str], list[Violation]] = {}
    for v in located:
        groups.setdefault((v.shape, v.component, v.path, v.message), []).append(v)
    summary = [
        {
            "shape": shape,
            "component": component,
            "path": path,
            "message": message,
            "count": len(vs),
            "at_least": len(vs) >= MAX_VIOLATIONS_PER_CHECK,
            "first": vs[0].record or vs[0].focus,
        }
        for (shape, component, path, message), vs in sorted(groups.items(), key=lambda g: -len(g[1]))
    ]
    return ValidationFailed(
        f"{len(located)} SHACL violation(s) of {len(groups)} constraint(s); first: {first.message}"
        + (f" (value {first.value})" if first.value else ""),
        context=ctx,
        details=[v.as_dict() for vs in groups.values() for v in vs[:EXAMPLES_PER_CONSTRAINT]],
        summary=summary,
    )


def _input_order(v: Violation) -> tuple[int, str]:
    """Where a violation's node came from in the input (CSV line, JSON record number), so that
    "first" means first in the file; nodes without a place come last, by IRI."""
    if v.line:
        return v.line, v.focus
    position = (v.record or "").split(" ", 1)[0]
    return (int(position) if position.isdigit() else 1 << 62), v.focus


def _locate(v: Violation, file: InputFile | None, mapped: Mapped) -> Violation:
    record = mapped.records.get(v.focus)
    if file is None:  # several files: line numbers would be ambiguous, record ids are not
        return replace(v, record=record)
    return replace(v, file=str(file.path), line=mapped.lines.get(v.focus), record=record)
