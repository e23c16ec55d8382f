"""The PROV record of one load, written to the meta graph in the same commit as the data."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Quad

from stigraph import __version__
from stigraph.ingest.inputs import InputFile
from stigraph.ingest.sources import SourceSpec
from stigraph.namespaces import DCTERMS, PROV, RDF, RDFS, SG, VOID, XSD, Minter


def _now() -> Literal:
    return Literal(datetime.now(UTC).isoformat(timespec="seconds"), datatype=NamedNode(XSD + "dateTime"))


@dataclass
class LoadRecord:
    iri: NamedNode
    started: Literal

    @classmethod
    def begin(cls, minter: Minter) -> LoadRecord:
        return cls(iri=minter.entity("load", uuid.uuid4().hex), started=_now())

    def quads(
        self,
        minter: Minter,
        spec: SourceSpec,
        files: list[InputFile],
        graph_sizes: dict[NamedNode, int],
        checks: int,
    ) -> list[Quad]:
        meta = minter.meta_graph
        out: list[Quad] = []

        def t(s: NamedNode, p: str, o: NamedNode | Literal) -> None:
            out.append(Quad(s, NamedNode(p), o, meta))

        load = self.iri
        names = ", ".join(f.name for f in files)
        software = minter.entity("software", f"stigraph-{__version__}")
        ended = _now()
        t(load, RDF + "type", NamedNode(PROV + "Activity"))
        t(load, RDF + "type", NamedNode(SG + "Load"))
        t(load, RDFS + "label", Literal(f"load of {spec.id} from {names}", language="en"))
        t(load, SG + "sourceId", Literal(spec.id))
        t(load, PROV + "startedAtTime", self.started)
        t(load, PROV + "endedAtTime", ended)
        entities = [minter.entity("file", f.sha256) for f in files]
        t(load, PROV + "wasAssociatedWith", software)
        t(load, SG + "validationConforms", Literal(True))
        t(load, SG + "validationChecks", Literal(checks))
        if spec.licence:
            t(load, DCTERMS + "license", _iri_or_text(spec.licence))
        t(load, SG + "inputDigest", Literal(input_digest(files)))
        for file, entity in zip(files, entities, strict=True):
            t(load, PROV + "used", entity)
            t(entity, RDF + "type", NamedNode(PROV + "Entity"))
            t(entity, DCTERMS + "title", Literal(file.name))
            t(entity, SG + "sha256", Literal(file.sha256))
            t(entity, SG + "byteSize", Literal(len(file.data)))
        t(software, RDF + "type", NamedNode(PROV + "SoftwareAgent"))
        t(software, RDFS + "label", Literal(f"stigraph {__version__}", language="en"))
        for graph, size in sorted(graph_sizes.items(), key=lambda kv: kv[0].value):
            t(load, PROV + "generated", graph)
            t(graph, RDF + "type", NamedNode(VOID + "Dataset"))
            t(graph, SG + "sourceId", Literal(spec.id))
            t(graph, PROV + "wasGeneratedBy", load)
            t(graph, PROV + "generatedAtTime", ended)
            for entity in entities:
                t(graph, PROV + "wasDerivedFrom", entity)
            if spec.derived_from:
                t(graph, PROV + "wasDerivedFrom", NamedNode(spec.derived_from))
            if spec.title:
                t(graph, DCTERMS + "title", Literal(spec.title, language="en"))
            t(graph, VOID + "triples", Literal(size))
        return out


def input_digest(files: list[InputFile]) -> str:
    """One digest for all input files of a load, independent of their order."""
    return hashlib.sha256("\n".join(sorted(f.sha256 for f in files)).encode()).hexdigest()


def _iri_or_text(value: str) -> NamedNode | Literal:
    if value.startswith(("http://", "https://")):
        return NamedNode(value)
    return Literal(value)
