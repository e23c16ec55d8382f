"""Compact JSON-LD with an inline context, written node by node.

pyoxigraph writes expanded JSON-LD (full IRIs everywhere, no ``@context``), which is correct
but not what consumers of schema.org read (``{"@type": "Person", "name": ...}``). The partner
profile is small in shape (its closed shapes fix every property), so it is written here: one
node object per subject, in the store's subject order, streamed. A node whose IRI is
``<parent>#part`` (an identifier, an address, a payment) is written inside the node that refers
to it, as schema.org consumers expect; its ``@id`` is kept, so the RDF is the same either way.
The context is inline so that the file parses offline and the same in every JSON-LD processor.
"""

from __future__ import annotations

import json
from itertools import groupby
from typing import IO, Any

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from stigraph.store.staging import RAW_GRAPH, StagingArea

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
MAX_NESTING = 4


class _Compactor:
    def __init__(self, context: dict[str, str]) -> None:
        self.vocab = context.get("@vocab")
        self.prefixes = sorted(
            ((name, ns) for name, ns in context.items() if not name.startswith("@")),
            key=lambda kv: -len(kv[1]),
        )

    def term(self, iri: str) -> str:
        """A property or type IRI as a vocabulary term, a compact IRI, or itself."""
        if self.vocab and iri.startswith(self.vocab):
            local = iri[len(self.vocab) :]
            if local and ":" not in local and "/" not in local and "#" not in local:
                return local
        for name, ns in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{name}:{iri[len(ns) :]}"
        return iri


def _base(iri: str) -> str:
    return iri.partition("#")[0]


def _dependent(node: NamedNode | BlankNode, owner: NamedNode | BlankNode) -> bool:
    """``node`` is a part of ``owner`` (same document IRI, a fragment of its own)."""
    return (
        isinstance(node, NamedNode)
        and isinstance(owner, NamedNode)
        and "#" in node.value
        and node != owner
        and _base(node.value) == _base(owner.value)
    )


class _Writer:
    def __init__(self, staging: StagingArea, context: dict[str, str]) -> None:
        self.staging = staging
        self.c = _Compactor(context)

    def node(self, subject: NamedNode | BlankNode, quads: list[Quad], depth: int = 0) -> dict[str, Any]:
        obj: dict[str, Any] = {"@id": subject.value if isinstance(subject, NamedNode) else f"_:{subject.value}"}
        types = [self.c.term(q.object.value) for q in quads if q.predicate.value == RDF_TYPE]
        if types:
            obj["@type"] = types[0] if len(types) == 1 else types
        rest = sorted((q for q in quads if q.predicate.value != RDF_TYPE), key=lambda q: q.predicate.value)
        for pred, group in groupby(rest, key=lambda q: q.predicate):
            values = [self.value(q.object, subject, depth) for q in group]
            obj[self.c.term(pred.value)] = values[0] if len(values) == 1 else values
        return obj

    def value(self, term: Any, owner: NamedNode | BlankNode, depth: int) -> Any:
        if isinstance(term, Literal):
            dt = term.datatype.value
            if term.language:
                return {"@value": term.value, "@language": term.language}
            if dt == XSD_STRING:
                return term.value
            return {"@value": term.value, "@type": self.c.term(dt)}
        if isinstance(term, BlankNode):
            return {"@id": f"_:{term.value}"}
        if _dependent(term, owner) and depth < MAX_NESTING:
            inner = list(self.staging.quads_matching(subject=term, graph=RAW_GRAPH))
            if inner:
                return self.node(term, inner, depth + 1)
        return {"@id": term.value}

    def nested_elsewhere(self, subject: NamedNode | BlankNode) -> bool:
        """Whether ``subject`` is written inside the node that refers to it."""
        if not isinstance(subject, NamedNode) or "#" not in subject.value:
            return False
        return any(_dependent(subject, q.subject) for q in self.staging.quads_matching(obj=subject, graph=RAW_GRAPH))


class _Counting:
    def __init__(self, sink: IO[bytes]) -> None:
        self.sink = sink
        self.bytes = 0

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.sink.write(data)
        self.bytes += len(data)


def write_jsonld(staging: StagingArea, sink: IO[bytes], context: dict[str, str]) -> tuple[int, int]:
    """Write the staged profile (its raw graph) as one JSON-LD document
    ``{"@context": ..., "@graph": [...]}``; returns (top-level nodes, bytes written).

    Subjects are found through their ``rdf:type`` (every node of a conforming profile has one:
    :mod:`stigraph.export.conform` refuses the others), one at a time; a node with two types is
    written at its first, so nothing but the node being written is held.
    """
    writer = _Writer(staging, context)
    out = _Counting(sink)
    out.write('{"@context": ' + json.dumps(context, ensure_ascii=False) + ',\n "@graph": [')
    nodes = 0
    rdf_type = NamedNode(RDF_TYPE)
    for typed in staging.quads_matching(predicate=rdf_type, graph=RAW_GRAPH):
        subject = typed.subject
        quads = list(staging.quads_matching(subject=subject, graph=RAW_GRAPH))
        first = min(q.object.value for q in quads if q.predicate == rdf_type)
        if typed.object.value != first or writer.nested_elsewhere(subject):
            continue
        text = json.dumps(writer.node(subject, quads), ensure_ascii=False, separators=(",", ":"))
        out.write(("\n  " if nodes == 0 else ",\n  ") + text)
        nodes += 1
    out.write("\n]}\n")
    return nodes, out.bytes
