"""Erased people stay erased: a load drops them before validation (see :mod:`.records`)."""

from __future__ import annotations

from pyoxigraph import NamedNode, Quad

from stigraph.consent import records
from stigraph.ingest.visibility import OWNER_PROPERTIES
from stigraph.namespaces import SG
from stigraph.store.staging import RAW_GRAPH, StagingArea

DEPENDENT_PROPERTIES = (*OWNER_PROPERTIES, SG + "coAuthor", SG + "matchedNode")
"""node --p--> person: the node exists because of the person and goes with them."""


def suppress_erased(staging: StagingArea, digests: set[str]) -> int:
    """Drop, before validation, every staged node whose IRI was erased and what depends on it;
    returns how many erased IRIs the source still held."""
    if not digests:
        return 0
    candidates: set[NamedNode] = set()
    for q in staging.quads(RAW_GRAPH):
        for term in (q.subject, q.object):
            if isinstance(term, NamedNode):
                candidates.add(term)
    erased = {n for n in candidates if records.digest(n.value) in digests}
    if not erased:
        return 0
    doomed = set(erased)
    for person in erased:
        for q in staging.quads_matching(obj=person, graph=RAW_GRAPH):
            if q.predicate.value in DEPENDENT_PROPERTIES and isinstance(q.subject, NamedNode):
                doomed.add(q.subject)
    drop: set[Quad] = set()
    for n in doomed:
        drop.update(staging.quads_matching(subject=n, graph=RAW_GRAPH))
        drop.update(staging.quads_matching(obj=n, graph=RAW_GRAPH))
    staging.remove(drop)
    return len(erased)
