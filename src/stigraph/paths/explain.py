"""Paths in words and data: every hop says why two nodes are linked and points at its evidence.

Two hops through an organisation, a project, a committee or a field between two people read as
one step ("A and B were both at Kyoto University (2015-2018)"), because that is how a person
would say it; the data keeps both hops.
"""

from __future__ import annotations

from typing import Any

from stigraph.paths.index import GraphIndex
from stigraph.paths.search import Path

_SHARED = {
    "affiliation": "were both at",
    "board": "both sat on",
    "project": "both took part in",
    "field": "both work in",
}


def _years(first: int | None, last: int | None) -> str:
    if first is None:
        return ""
    return f" ({first})" if first == last or last is None else f" ({first}-{last})"


def _node(index: GraphIndex, node: int) -> dict[str, Any]:
    return {"id": index.iri_of(node), "label": index.labels[node], "kind": index.kind_of(node)}


def _hop(index: GraphIndex, u: int, v: int, ref: int) -> dict[str, Any]:
    ev = index.evidence[ref]
    a, b = index.labels[u], index.labels[v]
    if ev.type == "coauthor":
        papers = f"{ev.papers} paper{'s' if ev.papers != 1 else ''}" if ev.papers else "papers"
        text = f"{a} and {b} co-authored {papers}{_years(ev.first_year, ev.last_year)}"
        if ev.example:
            text += f", e.g. “{ev.example}”"
    elif ev.type in ("affiliation", "board"):
        person, org = (a, b) if index.kind_of(u) == "person" else (b, a)
        text = f"{person} was at {org}{_years(ev.first_year, ev.last_year)}"
    elif ev.type == "project":
        text = f"{a} took part in {b}" if index.kind_of(v) == "project" else f"{b} took part in {a}"
    elif ev.type == "programme":
        text = f"{a} is funded by {b}" if index.kind_of(v) == "programme" else f"{b} is funded by {a}"
    elif ev.type == "field":
        text = f"{a} works in {b}" if index.kind_of(v) == "field" else f"{b} works in {a}"
    else:
        other, mission = (a, b) if index.kind_of(v) == "mission" else (b, a)
        person = index.kind_of(u if index.kind_of(v) == "mission" else v) == "person"
        text = f"{other} is on a PI list of {mission}" if person else f"{other} is in the jurisdiction of {mission}"
    return {
        "from": index.iri_of(u),
        "to": index.iri_of(v),
        "type": ev.type,
        "text": text,
        "papers": ev.papers or None,
        "first_year": ev.first_year,
        "last_year": ev.last_year,
        "example": ev.example,
        "evidence": ev.source,
    }


def explain(index: GraphIndex, path: Path) -> dict[str, Any]:
    """A path as JSON: its nodes, each hop with its evidence, and the steps in words."""
    hops = [_hop(index, u, v, r) for u, v, r in zip(path.nodes[:-1], path.nodes[1:], path.edges, strict=True)]
    steps: list[str] = []
    i = 0
    while i < len(hops):
        u, mid = path.nodes[i], path.nodes[i + 1]
        if (
            i + 1 < len(hops)
            and hops[i]["type"] == hops[i + 1]["type"]
            and hops[i]["type"] in _SHARED
            and index.kind_of(u) == "person"
            and index.kind_of(path.nodes[i + 2]) == "person"
        ):
            first, second = index.evidence[path.edges[i]], index.evidence[path.edges[i + 1]]
            overlap = ""
            if first.first_year is not None and second.first_year is not None:
                lo = max(first.first_year, second.first_year)
                hi = min(first.last_year or lo, second.last_year or lo)
                overlap = _years(lo, hi) if lo <= hi else ""
            steps.append(
                f"{index.labels[u]} and {index.labels[path.nodes[i + 2]]} "
                f"{_SHARED[hops[i]['type']]} {index.labels[mid]}{overlap}"
            )
            i += 2
            continue
        steps.append(hops[i]["text"])
        i += 1
    people = [n for n in path.nodes[1:-1] if index.kind_of(n) == "person"]
    return {
        "nodes": [_node(index, n) for n in path.nodes],
        "hops": hops,
        "steps": steps,
        "length": len(hops),
        "cost": round(path.cost, 3),
        "intermediaries": [index.iri_of(n) for n in people],
    }
