"""Route staged triples into the graph of their visibility.

A triple goes to the most restrictive graph of its subject, its object and its property. A
node's visibility is what the data says (``sg:visibility``); nodes that belong to a person
(positions, authorships) take the person's; consent records and contact properties are
restricted. Only the non-public triples are moved, so a mostly public source routes in time
proportional to what it hides, not to its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pyoxigraph import NamedNode, Quad

from stigraph.namespaces import FOAF, RDF, SCHEMA, SG, VISIBILITIES
from stigraph.store.staging import RAW_GRAPH, StagingArea

RESTRICTED_PROPERTIES = frozenset(
    {
        SG + "email",
        SCHEMA + "email",
        SCHEMA + "telephone",
        FOAF + "mbox",
        FOAF + "phone",
    }
)
OWNER_PROPERTIES = (SG + "holder", SG + "author", SG + "consentOf")
"""node --owner--> person: the node is as visible as the person."""
RESTRICTED_CLASSES = (SG + "Consent",)

_LEVEL = {v: i for i, v in enumerate(VISIBILITIES)}
_BY_IRI = {SG + "Public": "public", SG + "Partner": "partner", SG + "Restricted": "restricted"}


def _stricter(a: str, b: str) -> str:
    return a if _LEVEL[a] >= _LEVEL[b] else b


def node_visibility(staging: StagingArea, overrides: Mapping[NamedNode, str] | None = None) -> dict[NamedNode, str]:
    """Visibility of every node that is not public; absent nodes are public.

    ``overrides`` are people's own decisions (``stigraph consent``): they replace what a source
    says about the person, in every source, before the nodes the person owns inherit it.
    """
    levels: dict[NamedNode, str] = {}
    for row in staging.select(f"SELECT ?n ?v WHERE {{ GRAPH <{RAW_GRAPH.value}> {{ ?n <{SG}visibility> ?v }} }}"):
        level = _BY_IRI.get(row["v"].value, "restricted")  # unknown values: fail closed
        node = row["n"]
        if level != "public":
            levels[node] = _stricter(levels.get(node, "public"), level)
    for node, level in (overrides or {}).items():
        if level == "public":
            levels.pop(node, None)
        else:
            levels[node] = level
    for cls in RESTRICTED_CLASSES:
        for row in staging.select(f"SELECT ?n WHERE {{ GRAPH <{RAW_GRAPH.value}> {{ ?n <{RDF}type> <{cls}> }} }}"):
            levels[row["n"]] = "restricted"
    owners = " ".join(f"<{p}>" for p in OWNER_PROPERTIES)
    for row in staging.select(
        f"SELECT ?n ?owner WHERE {{ VALUES ?p {{ {owners} }} GRAPH <{RAW_GRAPH.value}> {{ ?n ?p ?owner }} }}"
    ):
        owner_level = levels.get(row["owner"])
        if owner_level:
            levels[row["n"]] = _stricter(levels.get(row["n"], "public"), owner_level)
    return levels


def route(
    staging: StagingArea,
    graphs: dict[str, NamedNode],
    overrides: Mapping[NamedNode, str] | None = None,
    *,
    contact: str = "restricted",
) -> dict[str, int]:
    """Move non-public triples out of the raw graph into ``graphs[visibility]``.

    What stays in the raw graph is public. Returns the number of triples moved per visibility.
    """
    levels = node_visibility(staging, overrides)
    moves: dict[Quad, str] = {}

    def mark(quads: Iterable[Quad], level: str) -> None:
        for q in quads:
            moves[q] = _stricter(moves.get(q, "public"), level)

    for node, level in levels.items():
        mark(staging.quads_matching(subject=node, graph=RAW_GRAPH), level)
        mark(staging.quads_matching(obj=node, graph=RAW_GRAPH), level)
    if contact != "public":  # contact details: restricted unless the source publishes them itself
        for prop in RESTRICTED_PROPERTIES:
            mark(staging.quads_matching(predicate=NamedNode(prop), graph=RAW_GRAPH), contact)
    counts = {v: 0 for v in VISIBILITIES}
    staging.remove(moves)
    staging.extend(Quad(q.subject, q.predicate, q.object, graphs[level]) for q, level in moves.items())
    for level in moves.values():
        counts[level] += 1
    return counts
