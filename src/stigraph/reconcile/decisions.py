"""Curator decisions on pairs of nodes, kept as data in their own graph.

A decision lives in ``<base>graph/curation/restricted``, a graph no source load owns, so
reloading any source leaves it alone, and every reconciliation run applies it again: an accepted
pair stays merged and a rejected pair stays apart whatever the automatic matching finds. It is
restricted because it names people and who judged them. A new decision on the same pair replaces
the old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions

from stigraph.errors import ErrorContext, InputError
from stigraph.namespaces import DCTERMS, RDF, RDFS, SG, XSD, Minter, hashed_key
from stigraph.reconcile.entities import Entity, Readable
from stigraph.reconcile.matcher import pair
from stigraph.store.embedded import EmbeddedStore
from stigraph.store.staging import RAW_GRAPH, StagingArea
from stigraph.validation import Validator

CURATION_SOURCE = "curation"
VERDICTS = ("accept", "reject")


@dataclass(frozen=True)
class Decision:
    a: str
    b: str
    verdict: str
    curator: str
    created: str
    note: str | None = None


def decisions_graph(minter: Minter) -> NamedNode:
    return minter.graph(CURATION_SOURCE, "restricted")


def decision_iri(minter: Minter, a: str, b: str) -> NamedNode:
    x, y = pair(a, b)
    return minter.entity("decision", hashed_key("decision", f"{x}\x00{y}"))


def read_decisions(store: Readable, minter: Minter) -> list[Decision]:
    result = store.query(
        f"SELECT ?d ?n ?v ?who ?when ?note WHERE {{ GRAPH <{decisions_graph(minter).value}> {{ "
        f"?d a <{SG}CuratorDecision> ; <{SG}matchedNode> ?n ; <{SG}verdict> ?v ; "
        f"<{DCTERMS}creator> ?who ; <{DCTERMS}created> ?when OPTIONAL {{ ?d <{RDFS}comment> ?note }} }} }}"
    )
    assert isinstance(result, QuerySolutions)
    found: dict[str, dict[str, object]] = {}
    for row in result:
        d = found.setdefault(row["d"].value, {"nodes": set(), "row": row})
        d["nodes"].add(row["n"].value)  # type: ignore[attr-defined]
    decisions = []
    for d in found.values():
        nodes = sorted(d["nodes"])  # type: ignore[call-overload]
        row = d["row"]
        if len(nodes) == 2:
            decisions.append(
                Decision(
                    nodes[0],
                    nodes[1],
                    row["v"].value,  # type: ignore[index]
                    row["who"].value,  # type: ignore[index]
                    row["when"].value,  # type: ignore[index]
                    row["note"].value if row["note"] else None,  # type: ignore[index]
                )
            )
    return sorted(decisions, key=lambda d: (d.a, d.b))


def decision_quads(minter: Minter, decision: Decision) -> list[Quad]:
    node = decision_iri(minter, decision.a, decision.b)
    graph = decisions_graph(minter)
    quads = [
        Quad(node, NamedNode(RDF + "type"), NamedNode(SG + "CuratorDecision"), graph),
        Quad(node, NamedNode(SG + "matchedNode"), NamedNode(decision.a), graph),
        Quad(node, NamedNode(SG + "matchedNode"), NamedNode(decision.b), graph),
        Quad(node, NamedNode(SG + "verdict"), Literal(decision.verdict), graph),
        Quad(node, NamedNode(DCTERMS + "creator"), Literal(decision.curator), graph),
        Quad(
            node, NamedNode(DCTERMS + "created"), Literal(decision.created, datatype=NamedNode(XSD + "dateTime")), graph
        ),
    ]
    if decision.note:
        quads.append(Quad(node, NamedNode(RDFS + "comment"), Literal(decision.note), graph))
    return quads


def record_decision(
    store: EmbeddedStore,
    minter: Minter,
    validator: Validator,
    entities: dict[str, Entity],
    a: str,
    b: str,
    verdict: str,
    *,
    curator: str,
    note: str | None = None,
) -> Decision:
    """Check the pair (two different known nodes of one kind), validate the decision against its
    shape, and replace any earlier decision on the pair, in one commit."""
    if verdict not in VERDICTS:
        raise InputError(
            f"unknown verdict {verdict!r}", context=ErrorContext(field="verdict", expected="accept or reject")
        )
    for field, node in (("first node", a), ("second node", b)):
        if node not in entities:
            raise InputError(
                f"{node} is not a person or organisation in the store",
                context=ErrorContext(field=field, expected="the IRI of a person or organisation"),
            )
    if a == b:
        raise InputError("a node cannot be matched with itself", context=ErrorContext(field="second node"))
    if entities[a].kind != entities[b].kind:
        raise InputError(
            f"{a} is a {entities[a].kind} and {b} a {entities[b].kind}",
            context=ErrorContext(field="second node", expected=f"another {entities[a].kind}"),
        )
    if not curator.strip():
        raise InputError("a decision needs the curator's name", context=ErrorContext(field="curator"))
    x, y = pair(a, b)
    created = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    decision = Decision(x, y, verdict, curator.strip(), created, note.strip() if note and note.strip() else None)
    quads = decision_quads(minter, decision)
    staging = StagingArea()
    try:
        staging.extend(Quad(q.subject, q.predicate, q.object, RAW_GRAPH) for q in quads)
        report = validator.validate(staging)
    finally:
        staging.close()
    if not report.conforms:
        first = report.violations[0]
        raise InputError(f"the decision does not conform: {first.message}", context=ErrorContext(shape=first.shape))
    node = decision_iri(minter, x, y)
    graph = decisions_graph(minter)
    with store.writing() as w:
        w.update(f"DELETE WHERE {{ GRAPH <{graph.value}> {{ <{node.value}> ?p ?o }} }}", graphs=[graph])
        w.extend(quads)
    return decision
