"""Hop searches on a real co-authorship graph, checked pair by pair against networkx.

M. Newman's network-science co-authorship graph (1,589 scientists, 2,742 co-authorships, 396
components, diameter 17), read from the shared data folder beside the checkout (its terms are not
an open licence, so it is not copied here; see tests/netscience_rdf.py) and converted to Turtle,
is loaded through the real pipeline into an on-disk store, the public path index is built from that store, and
``hop_paths`` must give networkx's answer for 400 pairs drawn with a fixed seed: the same number
of hops, the same number of shortest paths, and "unreachable" exactly when the two scientists are
in different components. Hand-made toy graphs only test the cases their author thought of; a
real graph of this size has long chains, many tied shortest paths and hundreds of components.

The reference is built from ``edges.csv`` (Newman's edge list), not from the Turtle file, so
that a scientist or co-authorship lost on the way from the data to the index
(conversion, loading, visibility routing, index building) shows up as a disagreement.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import networkx as nx
import pytest
from pyoxigraph import RdfFormat, Store

from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import SourceSpec
from stigraph.namespaces import Minter
from stigraph.paths.index import GraphIndex, build_index
from stigraph.paths.search import hop_paths
from stigraph.store import open_store
from stigraph.validation import Validator
from stigraph.validation.validator import subclass_closure

from .conftest import REPO, VOCAB_SOURCES, make_settings, rdf_spec
from .netscience_rdf import write_fixture

NETSCIENCE = REPO.parent / "shared" / "data" / "coauthorship-netscience"
pytestmark = pytest.mark.skipif(
    not (NETSCIENCE / "netscience.gml").is_file(), reason="the shared data folder is not beside the checkout"
)
PERSON = "https://w3id.org/stigraph/id/person/netscience-"
SEED = 74036104  # Phys. Rev. E 74, 036104: any fixed number will do, this one is easy to trace
MAX_DEPTH = 50  # far above the diameter (17): "unreachable" can only mean "another component"
EDGE_TYPES = {"coauthor"}

# How the 400 pairs are drawn. Uniform pairs are mostly in different components (the largest
# component holds under a quarter of the scientists), so they test "unreachable"; pairs within
# the largest component test hops and tied shortest paths at middle distances; pairs within the
# other components test small, often tiny, components; far pairs (all pairs at the diameter plus
# pairs 11 to 16 hops apart) test long searches, where a bidirectional search that stops one
# level too early or too late goes wrong.
UNIFORM_PAIRS = 150
LARGEST_COMPONENT_PAIRS = 100
OTHER_COMPONENT_PAIRS = 70
FAR_PAIRS = 80
FAR_MIN_HOPS = 11


@dataclass
class Netscience:
    """The loaded graph: the path index under test and the networkx reference."""

    index: GraphIndex
    graph: nx.Graph  # nodes are GML ids
    quads: int  # public triples the load committed

    def node(self, gml_id: int) -> int:
        """The index node of a scientist; every scientist must have one, co-authors or not."""
        node = self.index.id_of(f"{PERSON}{gml_id}")
        assert node is not None, f"scientist {gml_id} is not in the path index"
        return node

    def gml_id(self, node: int) -> int:
        """The GML id of an index node, which must be one of the fixture's scientists."""
        iri = self.index.iri_of(node)
        assert iri.startswith(PERSON), f"path goes through {iri}, not a netscience scientist"
        return int(iri[len(PERSON) :])


def fixture_people(path: Path) -> dict[int, str]:
    """GML id -> label of every scientist in the Turtle fixture, read from the file itself (not
    from the store) so that the reference also knows the 128 scientists without co-authors."""
    g = Store()
    g.load(path=str(path), format=RdfFormat.TURTLE)
    rows = g.query(
        "SELECT ?p ?l WHERE { ?p a <https://w3id.org/stigraph/ontology#Researcher> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    )
    return {int(r["p"].value[len(PERSON) :]): r["l"].value for r in rows}


def reference_graph(turtle: Path) -> nx.Graph:
    """networkx's graph: every scientist of the fixture, and the edges of Newman's ``edges.csv``."""
    people = fixture_people(turtle)
    graph = nx.Graph()
    graph.add_nodes_from(sorted(people))
    with (NETSCIENCE / "edges.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            a, b = int(row["source_id"]), int(row["target_id"])
            assert (people.get(a), people.get(b)) == (row["source_label"], row["target_label"]), row
            graph.add_edge(a, b)
    return graph


@pytest.fixture(scope="module")
def netscience(tmp_path_factory: pytest.TempPathFactory, validator: Validator) -> Iterator[Netscience]:
    """One real on-disk store for the module, loaded like ``vocab_pipeline`` (ontology, small
    vocabularies, seed graph) plus the fixture as source ``netscience``; the index is built once.

    Module-scoped rather than ``vocab_pipeline`` itself (function-scoped) so that the loads and
    the index build are paid once for all tests here.
    """
    root = tmp_path_factory.mktemp("netscience")
    turtle = root / "netscience.ttl"
    assert write_fixture(NETSCIENCE, turtle) == (1589, 2742)
    settings = make_settings(root / "store")
    with open_store(settings, write=True) as store:
        pipeline = Pipeline(store, validator, Minter(settings.base_iri))
        for source_id, path in VOCAB_SOURCES:
            pipeline.load(rdf_spec(source_id, path))
        pipeline.load(SourceSpec(id="seed", kind="rdf", input=sorted((REPO / "data" / "seed").glob("*.ttl"))))
        result = pipeline.load(rdf_spec("netscience", turtle))
        assert result.status == "loaded"
        classes = subclass_closure(validator.class_axioms)
        index = build_index(store, pipeline.minter, scope="public", classes=classes)
        yield Netscience(index, reference_graph(turtle), sum(result.quads.values()))


def sample_pairs(graph: nx.Graph) -> list[tuple[int, int]]:
    """400 distinct unordered pairs of scientists (GML ids, in random order), drawn with a fixed
    seed from sorted lists so that every run and every machine compares the same pairs."""
    rng = random.Random(SEED)
    people = sorted(graph)
    component = {n: sorted(c) for c in nx.connected_components(graph) for n in c}
    largest = max(nx.connected_components(graph), key=len)
    lengths = dict(nx.all_pairs_shortest_path_length(graph.subgraph(largest)))
    far = sorted((a, b, d) for a in lengths for b, d in lengths[a].items() if a < b and d >= FAR_MIN_HOPS)
    diameter = max(d for _, _, d in far)
    chosen: list[tuple[int, int]] = []
    seen: set[frozenset[int]] = set()

    def take(a: int, b: int) -> None:
        if a != b and frozenset((a, b)) not in seen:
            seen.add(frozenset((a, b)))
            chosen.append((a, b) if rng.random() < 0.5 else (b, a))

    for a, b, _ in (p for p in far if p[2] == diameter):
        take(a, b)
    others = [(a, b) for a, b, d in far if d < diameter]
    while len(chosen) < FAR_PAIRS:
        take(*rng.choice(others))
    while len(chosen) < FAR_PAIRS + UNIFORM_PAIRS:
        take(rng.choice(people), rng.choice(people))
    in_largest = sorted(largest)
    while len(chosen) < FAR_PAIRS + UNIFORM_PAIRS + LARGEST_COMPONENT_PAIRS:
        take(rng.choice(in_largest), rng.choice(in_largest))
    in_others = [n for n in people if 1 < len(component[n]) < len(largest)]
    while len(chosen) < FAR_PAIRS + UNIFORM_PAIRS + LARGEST_COMPONENT_PAIRS + OTHER_COMPONENT_PAIRS:
        a = rng.choice(in_others)
        take(a, rng.choice(component[a]))
    return chosen


def expected(graph: nx.Graph, a: int, b: int) -> tuple[int | None, list[list[int]]]:
    """networkx's hops and all shortest paths (at most 52 per pair in this graph, so listing
    them is cheap and leaves nothing to a hand-written counter)."""
    try:
        return nx.shortest_path_length(graph, a, b), [list(p) for p in nx.all_shortest_paths(graph, a, b)]
    except nx.NetworkXNoPath:
        return None, []


def test_fixture_is_the_whole_graph(netscience: Netscience) -> None:
    """The reference must be Newman's complete graph, or agreement with it would prove less."""
    g = netscience.graph
    assert (g.number_of_nodes(), g.number_of_edges()) == (1589, 2742)
    assert nx.number_connected_components(g) == 396
    assert nx.number_of_isolates(g) == 128
    # 1,589 people and 2,742 co-authorships, three triples each, all public.
    assert netscience.quads == 3 * 1589 + 3 * 2742


def test_every_scientist_is_one_index_node(netscience: Netscience) -> None:
    """Pairs can only be compared if each scientist, with or without co-authors, is a node."""
    nodes = {netscience.node(n) for n in netscience.graph}
    assert len(nodes) == netscience.graph.number_of_nodes()
    assert all(netscience.gml_id(netscience.node(n)) == n for n in netscience.graph)


def test_hops_and_path_counts_agree_with_networkx(netscience: Netscience) -> None:
    """For every sampled pair: same hops, same number of shortest paths, and unreachable for
    both or for neither. All disagreements are collected so that one run shows them all."""
    g = netscience.graph
    pairs = sample_pairs(g)
    compared = unreachable = far = tied = 0
    wrong: list[str] = []
    for a, b in pairs:
        hops, paths = expected(g, a, b)
        r = hop_paths(
            netscience.index, netscience.node(a), netscience.node(b), max_depth=MAX_DEPTH, edge_types=EDGE_TYPES
        )
        compared += 1
        unreachable += hops is None
        far += hops is not None and hops >= FAR_MIN_HOPS
        tied += len(paths) > 1
        if (r.hops, r.count) != (hops, len(paths)):
            wrong.append(f"{a}-{b}: networkx {hops} hops x {len(paths)}, index {r.hops} hops x {r.count}")
        elif hops is None and r.path:
            wrong.append(f"{a}-{b}: unreachable, yet the index returns the path {r.path}")
    assert wrong == [], f"{len(wrong)} of {compared} pairs disagree:\n" + "\n".join(wrong[:20])
    assert compared == 400
    # The sample must exercise every case, or agreement would be cheap.
    assert unreachable >= 100, unreachable
    assert far >= FAR_PAIRS, far
    assert compared - unreachable >= 200, compared - unreachable
    assert tied >= 50, tied


def test_returned_paths_are_shortest_paths_in_networkx(netscience: Netscience) -> None:
    """The one path returned must be a real path of the right length: it starts and ends at
    the pair, each step is a co-authorship in Newman's data, and it is one of networkx's
    shortest paths (which also rules out visiting a scientist twice)."""
    g = netscience.graph
    checked = 0
    for a, b in sample_pairs(g):
        hops, paths = expected(g, a, b)
        if hops is None:
            continue
        r = hop_paths(
            netscience.index, netscience.node(a), netscience.node(b), max_depth=MAX_DEPTH, edge_types=EDGE_TYPES
        )
        path = [netscience.gml_id(n) for n in r.path]
        assert len(path) == hops + 1 and path[0] == a and path[-1] == b, (a, b, path)
        assert all(g.has_edge(u, v) for u, v in pairwise(path)), (a, b, path)
        assert path in paths, (a, b, path)
        checked += 1
    assert checked >= 200, checked


def test_max_depth_is_a_hard_limit(netscience: Netscience) -> None:
    """A pair ``d`` hops apart is found with ``max_depth=d`` and unreachable with ``d - 1``:
    the limit must neither cut off a path it allows nor let a longer one through."""
    g = netscience.graph
    checked = 0
    for a, b in sample_pairs(g)[:FAR_PAIRS]:
        hops, paths = expected(g, a, b)
        assert hops is not None and hops >= FAR_MIN_HOPS
        x, y = netscience.node(a), netscience.node(b)
        at = hop_paths(netscience.index, x, y, max_depth=hops, edge_types=EDGE_TYPES)
        below = hop_paths(netscience.index, x, y, max_depth=hops - 1, edge_types=EDGE_TYPES)
        assert (at.hops, at.count) == (hops, len(paths)), (a, b)
        assert (below.hops, below.count, below.path) == (None, 0, []), (a, b)
        checked += 1
    assert checked == FAR_PAIRS
