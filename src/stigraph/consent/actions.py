"""``stigraph consent set`` and ``stigraph forget``: one store write each, published as one
generation, so the live service, pages, pathfinding, answer tables and the next exports change
together (they all follow the generation).

Setting a visibility re-routes every source that mentions the person with the same router a
load uses (:func:`stigraph.ingest.visibility.route`), with the person's decision overriding
what the source says; so the result is exactly what reloading every source would give, and
later loads keep honouring the decision. Forgetting removes every triple about the person,
their other IRIs (``owl:sameAs``) and the nodes that only exist because of them (positions,
authorships, co-authorship summaries, consent records, reconciliation matches), in every
graph, compacts the new generation so the removed data is gone from its files, and drops
the generations kept for rollback.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat

from stigraph.consent import records
from stigraph.consent.suppress import DEPENDENT_PROPERTIES
from stigraph.errors import ErrorContext, InputError, NotFound
from stigraph.ingest.visibility import route
from stigraph.namespaces import OWL, PROV, RDF, RDFS, SG, VISIBILITIES, VOID, XSD, Minter
from stigraph.reconcile.run import RECONCILE_SOURCE, reconcile_in
from stigraph.store.base import Writer
from stigraph.store.embedded import EmbeddedStore
from stigraph.store.staging import RAW_GRAPH, StagingArea
from stigraph.validation import Validator

NOT_REROUTED = (records.SOURCE, RECONCILE_SOURCE, "curation")


@dataclass
class ConsentResult:
    person: str
    visibility: str
    sources: list[str]
    generation: int
    withdrawn: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "visibility": self.visibility,
            "withdrawn": self.withdrawn,
            "sources_rerouted": self.sources,
            "generation": self.generation,
        }


@dataclass
class ForgetResult:
    iris: int
    triples: int
    graphs: list[str] = field(default_factory=list)
    generation: int = 0
    erasure: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "erased_iris": self.iris,
            "triples_removed": self.triples,
            "graphs": self.graphs,
            "generation": self.generation,
            "erasure_record": self.erasure,
        }


def _today() -> Literal:
    return Literal(date.today().isoformat(), datatype=NamedNode(XSD + "date"))


def _now() -> Literal:
    return Literal(datetime.now(UTC).isoformat(timespec="seconds"), datatype=NamedNode(XSD + "dateTime"))


def resolve_person(w: Writer, minter: Minter, given: str, person_classes: set[str]) -> NamedNode:
    """The person's IRI from an IRI or ``person/<key>``; a clear error when no such person."""
    text = given.strip()
    if not text.startswith(("http://", "https://")):
        kind, _, key = text.partition("/")
        if not key or kind != "person":
            raise InputError(
                f"{given!r} is neither an IRI nor person/<key>",
                context=ErrorContext(field="person", expected="an IRI or person/<key>"),
            )
        text = minter.entity("person", key).value
    person = NamedNode(text)
    types = {q.object.value for q in w.quads(subject=person) if q.predicate.value == RDF + "type"}
    if not types & person_classes:
        raise NotFound(
            f"no person {person.value} in the store",
            context=ErrorContext(field="person", expected="the IRI of a sg:Person in the store"),
        )
    return person


def _same_as(w: Writer, person: NamedNode) -> set[NamedNode]:
    """Every IRI of the person: the owl:sameAs closure, both directions."""
    found, todo = {person}, [person]
    same = NamedNode(OWL + "sameAs")
    while todo:
        node = todo.pop()
        for q in w.quads(subject=node):
            if q.predicate == same and isinstance(q.object, NamedNode) and q.object not in found:
                found.add(q.object)
                todo.append(q.object)
        for q in w.quads(obj=node):
            if q.predicate == same and isinstance(q.subject, NamedNode) and q.subject not in found:
                found.add(q.subject)
                todo.append(q.subject)
    return found


def _dependents(w: Writer, people: set[NamedNode]) -> set[NamedNode]:
    out: set[NamedNode] = set()
    for person in people:
        for q in w.quads(obj=person):
            if q.predicate.value in DEPENDENT_PROPERTIES and isinstance(q.subject, NamedNode):
                out.add(q.subject)
    return out


def _graphs_touching(w: Writer, nodes: set[NamedNode]) -> set[NamedNode]:
    out: set[NamedNode] = set()
    for n in nodes:
        for q in [*w.quads(subject=n), *w.quads(obj=n)]:
            if isinstance(q.graph_name, NamedNode):
                out.add(q.graph_name)
    return out


# -- consent set ---------------------------------------------------------------------------
def set_visibility(
    store: EmbeddedStore,
    minter: Minter,
    validator: Validator,
    person_ref: str,
    visibility: str,
    *,
    withdraw: bool = False,
) -> ConsentResult:
    if visibility not in VISIBILITIES:
        raise InputError(
            f"visibility {visibility!r}", context=ErrorContext(field="visibility", expected=", ".join(VISIBILITIES))
        )
    people_classes = _person_classes(validator)
    with store.writing() as w:
        person = resolve_person(w, minter, person_ref, people_classes)
        _write_record(w, minter, person, visibility, withdraw)
        decided = records.overrides(w, minter)
        sources = sorted(
            {
                owner[0]
                for g in _graphs_touching(w, _same_as(w, person) | _dependents(w, {person}))
                if (owner := minter.graph_source(g.value)) and owner[0] not in NOT_REROUTED
            }
        )
        for source in sources:
            reroute(w, minter, source, decided)
        reconcile_in(w, minter, validator)
    return ConsentResult(person.value, visibility, sources, store.generation, withdrawn=withdraw)


def _write_record(w: Writer, minter: Minter, person: NamedNode, visibility: str, withdraw: bool) -> None:
    g = records.graph(minter)
    rec = records.record_iri(minter, person)
    given = next(
        (q.object for q in w.quads(subject=rec, graph=g) if q.predicate.value == SG + "consentGiven"),
        _today(),
    )
    w.remove(w.quads(subject=rec, graph=g))
    t = [
        (NamedNode(RDF + "type"), NamedNode(SG + "Consent")),
        (NamedNode(SG + "consentOf"), person),
        (NamedNode(SG + "consentScope"), NamedNode(records.IRI_OF[visibility])),
        (NamedNode(SG + "consentGiven"), given),
        (NamedNode(PROV + "generatedAtTime"), _now()),
    ]
    if withdraw:
        t.append((NamedNode(SG + "consentWithdrawn"), _today()))
    w.extend(Quad(rec, p, o, g) for p, o in t)


def reroute(w: Writer, minter: Minter, source: str, decided: dict[NamedNode, str]) -> None:
    """Route one source's triples again, as a load of it would, with people's decisions."""
    graphs = {v: minter.graph(source, v) for v in VISIBILITIES}
    staging = StagingArea()
    try:
        for g in graphs.values():
            staging.extend(Quad(q.subject, q.predicate, q.object, RAW_GRAPH) for q in w.quads(graph=g))
        route(staging, graphs, decided)
        meta = minter.meta_graph
        load = next(
            (
                q.object
                for g in graphs.values()
                for q in w.quads(subject=g, graph=meta)
                if q.predicate.value == PROV + "wasGeneratedBy"
            ),
            None,
        )
        for v, staged in (("public", RAW_GRAPH), ("partner", graphs["partner"]), ("restricted", graphs["restricted"])):
            target = graphs[v]
            w.clear_graph(target)
            w.remove(q for q in w.quads(subject=target, graph=meta) if q.predicate.value == VOID + "triples")
            n = staging.count(staged)
            if not n:
                continue
            w.bulk_load(staging.serialize(staged), RdfFormat.N_TRIPLES, to_graph=target)
            described = [
                Quad(target, NamedNode(VOID + "triples"), Literal(n), meta),
                Quad(target, NamedNode(RDF + "type"), NamedNode(VOID + "Dataset"), meta),
                Quad(target, NamedNode(SG + "sourceId"), Literal(source), meta),
            ]
            if load is not None:
                described.append(Quad(target, NamedNode(PROV + "wasGeneratedBy"), load, meta))
            w.extend(described)
    finally:
        staging.close()


# -- forget --------------------------------------------------------------------------------
def forget(store: EmbeddedStore, minter: Minter, validator: Validator, person_ref: str) -> ForgetResult:
    with store.writing() as w:
        person = resolve_person(w, minter, person_ref, _person_classes(validator))
        iris = _same_as(w, person)
        doomed = iris | _dependents(w, iris)
        removed: set[Quad] = set()
        for n in doomed:
            removed.update(w.quads(subject=n))
            removed.update(w.quads(obj=n))
        graphs = sorted({q.graph_name.value for q in removed if isinstance(q.graph_name, NamedNode)})
        w.remove(removed)
        erasure = minter.entity("erasure", uuid.uuid4().hex)
        g = records.graph(minter)
        w.extend(
            [
                Quad(erasure, NamedNode(RDF + "type"), NamedNode(SG + "Erasure"), g),
                Quad(erasure, NamedNode(RDFS + "label"), Literal("erasure at the person's request", language="en"), g),
                Quad(erasure, NamedNode(PROV + "atTime"), _now(), g),
                Quad(erasure, NamedNode(SG + "triplesRemoved"), Literal(len(removed)), g),
                *(Quad(erasure, NamedNode(SG + "subjectDigest"), Literal(records.digest(i.value)), g) for i in iris),
            ]
        )
        reconcile_in(w, minter, validator)
        w.compact()  # type: ignore[attr-defined]
    store.drop_history()
    return ForgetResult(len(iris), len(removed), graphs, store.generation, erasure.value)


def _person_classes(validator: Validator) -> set[str]:
    from stigraph.validation.validator import subclass_closure

    return subclass_closure(validator.class_axioms).get(SG + "Person", set()) | {SG + "Person"}
