"""One reconciliation run: read people and organisations from every graph, match them, apply the
curators' decisions, and replace the reconciliation graphs in one commit.

What is written (``<base>graph/reconcile/<visibility>``):

- ``owl:sameAs`` from every node of a cluster to the cluster's canonical node (the one keyed by
  ORCID or ROR when there is one, else the one with most identifiers), so a query can follow one
  hop to gather what every source says about an entity;
- one ``sg:IdentityMatch`` per pair the matching found (accepted, uncertain or rejected), with its
  confidence, method and evidence: the curator's review list is data like everything else.

A statement about two nodes goes to the graph of the more restricted of the two, so a match
never reveals a partner-only person to the public.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from stigraph.errors import ValidationFailed
from stigraph.ingest.terms import decimal_literal
from stigraph.namespaces import OWL, PROV, RDF, SG, VISIBILITIES, VOID, XSD, Minter, hashed_key
from stigraph.reconcile.decisions import read_decisions
from stigraph.reconcile.entities import ORGANIZATION, PERSON, PUBLICATION, Entity, Readable, read_entities
from stigraph.reconcile.matcher import ACCEPTED, REJECTED, UNCERTAIN, Match, match_all
from stigraph.store.base import Writer
from stigraph.store.embedded import EmbeddedStore
from stigraph.store.staging import RAW_GRAPH, StagingArea
from stigraph.validation import Validator
from stigraph.validation.validator import subclass_closure

RECONCILE_SOURCE = "reconcile"  # one of the source ids loads may not take (ingest.sources.RESERVED_IDS)

_ORCID_KEY = re.compile(r"/id/person/[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$")
_ROR_KEY = re.compile(r"/id/org/0[a-z0-9]{8}$")
_LEVEL = {v: i for i, v in enumerate(VISIBILITIES)}


@dataclass
class Reconciliation:
    entities: dict[str, Entity]
    matches: list[Match]
    clusters: list[list[str]]
    canonical: dict[str, str] = field(default_factory=dict)  # node -> canonical node
    seconds: float = 0.0
    laps: dict[str, float] = field(default_factory=dict)  # read, match, write
    generation: int | None = None

    def counts(self) -> dict[str, Any]:
        by_status = {s: sum(1 for m in self.matches if m.status == s) for s in (ACCEPTED, UNCERTAIN, REJECTED)}
        methods: dict[str, int] = {}
        for m in self.matches:
            if m.status == ACCEPTED:
                methods[m.method] = methods.get(m.method, 0) + 1
        kinds = {k: sum(1 for e in self.entities.values() if e.kind == k) for k in (PERSON, ORGANIZATION, PUBLICATION)}
        return {
            "people": kinds[PERSON],
            "organizations": kinds[ORGANIZATION],
            "publications": kinds[PUBLICATION],
            "pairs": by_status,
            "accepted_by_method": methods,
            "clusters": len(self.clusters),
            "merged_nodes": sum(len(c) for c in self.clusters),
            "seconds": round(self.seconds, 3),
        }

    def report(self) -> list[dict[str, Any]]:
        """The pairs a curator should look at: uncertain ones, most likely first."""
        rows = []
        for m in sorted(self.matches, key=lambda m: (-m.confidence, m.a, m.b)):
            if m.status != UNCERTAIN:
                continue
            rows.append(
                {
                    "kind": m.kind,
                    "a": m.a,
                    "a_label": self.entities[m.a].label() if m.a in self.entities else None,
                    "b": m.b,
                    "b_label": self.entities[m.b].label() if m.b in self.entities else None,
                    "confidence": m.confidence,
                    "method": m.method,
                    "evidence": m.evidence,
                }
            )
        return rows


def _canonical(members: list[str], entities: dict[str, Entity]) -> str:
    def rank(iri: str) -> tuple[int, int, str]:
        keyed = bool(_ORCID_KEY.search(iri) or _ROR_KEY.search(iri) or "/id/publication/doi-" in iri)
        ids = sum(len(v) for v in entities[iri].ids.values())
        return (0 if keyed else 1, -ids, iri)

    return min(members, key=rank)


def _stricter(*levels: str) -> str:
    return max(levels, key=lambda v: _LEVEL[v])


def reconcile(store: EmbeddedStore, minter: Minter, validator: Validator, *, write: bool = True) -> Reconciliation:
    """A run on its own commit (after a curator's decision, or on demand); ``write=False``
    matches and reports without changing anything."""
    if not write:
        return _match(store, minter, validator)
    with store.writing() as w:
        result = reconcile_in(w, minter, validator)
    result.generation = store.generation
    return result


def reconcile_in(writer: Writer, minter: Minter, validator: Validator) -> Reconciliation:
    """A run inside a write that is under way: it reads what that write will commit and adds
    its graphs to it, so a load and its reconciliation are published as one generation."""
    result = _match(writer, minter, validator)
    lap = time.perf_counter()
    quads = _quads(result, minter)
    _validate(quads, validator)
    result.laps["validate"] = round(time.perf_counter() - lap, 3)
    lap = time.perf_counter()
    _replace(writer, minter, quads)
    result.laps["write"] = round(time.perf_counter() - lap, 3)
    result.seconds = sum(result.laps.values())
    return result


def _match(reader: Readable, minter: Minter, validator: Validator) -> Reconciliation:
    start = time.perf_counter()
    classes = subclass_closure(validator.class_axioms)
    entities = read_entities(reader, minter, classes)
    decisions = {(d.a, d.b): d.verdict for d in read_decisions(reader, minter)}
    read = time.perf_counter()
    matches, clusters = match_all(entities, decisions)
    result = Reconciliation(entities, matches, clusters.groups())
    for group in result.clusters:
        canon = _canonical(group, entities)
        for m in group:
            if m != canon:
                result.canonical[m] = canon
    end = time.perf_counter()
    result.laps = {"read": round(read - start, 3), "match": round(end - read, 3)}
    result.seconds = end - start
    return result


def _quads(result: Reconciliation, minter: Minter) -> list[Quad]:
    entities = result.entities
    out: list[Quad] = []

    def vis(*nodes: str) -> str:
        return _stricter(*(entities[n].visibility if n in entities else "restricted" for n in nodes))

    for node, canon in sorted(result.canonical.items()):
        graph = minter.graph(RECONCILE_SOURCE, vis(node, canon))
        out.append(Quad(NamedNode(node), NamedNode(OWL + "sameAs"), NamedNode(canon), graph))
    for m in result.matches:
        graph = minter.graph(RECONCILE_SOURCE, vis(m.a, m.b))
        node = minter.entity("match", hashed_key("match", f"{m.a}\x00{m.b}"))

        def t(p: str, o: NamedNode | Literal, node: NamedNode = node, graph: NamedNode = graph) -> None:
            out.append(Quad(node, NamedNode(p), o, graph))

        t(RDF + "type", NamedNode(SG + "IdentityMatch"))
        t(SG + "matchedNode", NamedNode(m.a))
        t(SG + "matchedNode", NamedNode(m.b))
        t(
            SG + "confidence",
            decimal_literal(Decimal(str(m.confidence))),
        )
        t(SG + "matchMethod", Literal(m.method))
        t(SG + "matchStatus", Literal(m.status))
        for e in m.evidence or ["no evidence recorded"]:
            t(SG + "matchEvidence", Literal(e))
    return out


def _validate(quads: list[Quad], validator: Validator) -> None:
    """The run's output against its shapes before it replaces anything (a bug here must not
    reach the store)."""
    staging = StagingArea()
    try:
        staging.extend(
            Quad(q.subject, q.predicate, q.object, RAW_GRAPH) for q in quads if q.predicate.value != OWL + "sameAs"
        )
        report = validator.validate(staging)
    finally:
        staging.close()
    if not report.conforms:
        first = report.violations[0]
        raise ValidationFailed(
            f"reconciliation output does not conform: {first.message}",
            details=[v.as_dict() for v in report.violations[:10]],
        )


def _replace(writer: Writer, minter: Minter, quads: list[Quad]) -> None:
    """The reconciliation graphs and their descriptions, replaced by this run's."""
    meta = minter.meta_graph
    sizes: dict[NamedNode, int] = {}
    for q in quads:
        assert isinstance(q.graph_name, NamedNode)
        sizes[q.graph_name] = sizes.get(q.graph_name, 0) + 1
    now = Literal(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), datatype=NamedNode(XSD + "dateTime"))
    for g in writer.graphs():
        owner = minter.graph_source(g.value)
        if owner and owner[0] == RECONCILE_SOURCE:
            writer.clear_graph(g)
            writer.update(f"DELETE WHERE {{ GRAPH <{meta.value}> {{ <{g.value}> ?p ?o }} }}", graphs=[meta])
    writer.extend(quads)
    for g, n in sizes.items():
        writer.extend(
            [
                Quad(g, NamedNode(RDF + "type"), NamedNode(VOID + "Dataset"), meta),
                Quad(g, NamedNode(SG + "sourceId"), Literal(RECONCILE_SOURCE), meta),
                Quad(g, NamedNode(PROV + "generatedAtTime"), now, meta),
                Quad(g, NamedNode(VOID + "triples"), Literal(n), meta),
            ]
        )
