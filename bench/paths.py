"""Pathfinding at scale: the path index and its searches next to networkx and to a SPARQL
property path, on the same generated co-authorship graph, in the same run.

    python bench/paths.py --researchers 100000 --workdir /tmp/bench-paths-100k

1. A seeded researcher graph with a power-law co-authorship network: N researchers (public,
   an English label, one KAKEN field, one affiliation with one of N/50 universities) and 1.5N
   publications of 2-4 authors as ``sg:Authorship`` nodes, so that the index derives the
   co-author edges exactly as it does from real sources (mean degree ~10, Chung-Lu weights
   with exponent 2.5 cut off at sqrt(10N)). Written as N-Quads into the public graph of
   source "bench" and bulk-loaded with the ontology and the KAKEN fields, without the
   validation pipeline (bench/load.py measures that; here it would only add minutes).
2. ``build_index`` for the public scope: time, nodes, edges, array bytes and the growth of
   resident memory; its co-author edges are checked against the generator's edge list.
3. Over the same sampled pairs of researchers: ``hop_paths`` on co-author edges only (the
   networkx-comparable answer, checked pair by pair against ``nx.shortest_path_length``) and on
   every edge type (what the API searches by default); ``weighted_paths`` k=5 "shortest" (Yen)
   and "diverse"; Yen on co-author edges next to ``nx.shortest_simple_paths`` with the index's
   costs; ``paths_answer`` (one whole API answer); ``suggest`` per second.
4. Reachability over co-authorship as a SPARQL 1.1 property path on the same store,
   ``ASK { <a> (^sg:author/sg:publication/^sg:publication/sg:author)+ <b> }``, each in a child
   process killed at the timeout (a running pyoxigraph query cannot be cancelled).

Targets (issue): hop search p50 < 1 ms and p95 < 10 ms at 100k researchers; at least 300x faster
than the SPARQL reachability check; index build under 10 s per million edges.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime
import gc
import itertools
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx
import numpy as np
from pyoxigraph import NamedNode, RdfFormat

from _graph import REPO, settings_for
from load import BASE, SG, orcid  # bench/load.py: the same person IRIs as the other benchmarks
from stigraph.config import Settings
from stigraph.namespaces import Minter
from stigraph.paths.answers import paths_answer
from stigraph.paths.index import EDGE_TYPES, GraphIndex, build_index
from stigraph.paths.rows import PublishedRows, path_rows
from stigraph.paths.search import hop_paths, weighted_paths
from stigraph.paths.suggest import suggest
from stigraph.store.embedded import EmbeddedStore
from stigraph.validation import Validator
from stigraph.validation.validator import subclass_closure

T = TypeVar("T")

GRAPH_BASE = BASE.replace("/id/", "/graph/")
DATA_GRAPH = f"<{GRAPH_BASE}bench/public>"
ONTOLOGY_GRAPH = f"{GRAPH_BASE}ontology/public"
FIELDS_GRAPH = f"{GRAPH_BASE}vocab-fields-kaken/public"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ISSUED = "<http://purl.org/dc/terms/issued>"
XSD = "http://www.w3.org/2001/XMLSchema#"
COUNTRIES = ["US", "GB", "DE", "FR", "SE", "IN", "IL", "CH", "JP", "SG", "AU", "CA"]

GAMMA = 2.5  # degree exponent of the Chung-Lu weights (co-authorship networks: 2.1-3)
PAPERS_PER_RESEARCHER = 1.5  # 2-4 authors (3.33 pairs) a paper: ~10 co-authors a person
MAX_DEPTH = 6
COAUTHOR = ("coauthor",)
TARGET_P50_MS = 1.0
TARGET_P95_MS = 10.0
TARGET_SPARQL_RATIO = 300.0
TARGET_S_PER_M_EDGES = 10.0

# The child process of the SPARQL check: it opens the store read-only with the same public graphs
# the index reads, and times the query alone (not the interpreter start or the store opening).
SPARQL_CHILD = """
import json, sys, time
from stigraph.config import Settings
from stigraph.namespaces import Minter
from stigraph.scopes import scope_graphs
from stigraph.store.embedded import EmbeddedStore
settings = Settings(store=sys.argv[1])
with EmbeddedStore(settings) as st:
    graphs = scope_graphs(st, Minter(settings.base_iri), "public")
    t0 = time.perf_counter()
    answer = bool(st.query(sys.argv[2], default_graph=graphs))
    print(json.dumps({"seconds": time.perf_counter() - t0, "answer": answer}))
"""
REACHABLE = f"ASK {{ <A> (^<{SG}author>/<{SG}publication>/^<{SG}publication>/<{SG}author>)+ <B> }}"  # A, B: IRIs


# -- the graph ---------------------------------------------------------------------------
def person_iris(researchers: int) -> list[str]:
    """IRIs of the generated researchers, as bench/load.py mints them (ORCID iDs)."""
    return [f"{BASE}person/{orcid(i + 1)}" for i in range(researchers)]


def coauthorship(researchers: int, seed: int) -> np.ndarray:
    """Author lists of the publications as a (papers, 4) array, -1 where a paper has fewer.

    Everyone leads one paper (so nobody is isolated: a random pair is then nearly always in
    the giant component, the hard case for a search); the other leads and every co-author slot
    are drawn in proportion to Chung-Lu weights, which makes the degrees follow a power law.
    """
    rng = np.random.default_rng(seed)
    w = (1.0 - rng.random(researchers)) ** (-1.0 / (GAMMA - 1.0))
    # Structural cut-off: no one with more than ~sqrt(N x mean degree) co-authors.
    w = np.minimum(w, math.sqrt(10 * researchers) / 10 * w.mean())
    p = w / w.sum()
    papers = round(PAPERS_PER_RESEARCHER * researchers)
    lead = np.concatenate([np.arange(researchers), rng.choice(researchers, papers - researchers, p=p)])
    authors = np.full((papers, 4), -1, dtype=np.int64)
    authors[:, 0] = rng.permutation(lead)
    others = rng.choice(researchers, (papers, 3), p=p)
    size = rng.integers(2, 5, papers)  # 2, 3 or 4 authors
    for j in range(1, 4):
        col = np.where(size > j, others[:, j - 1], -1)
        dup = np.zeros(papers, bool)
        for i in range(j):
            dup |= col == authors[:, i]
        authors[:, j] = np.where(dup, -1, col)  # the same person twice on one paper: once
    return authors


def coauthor_pairs(authors: np.ndarray, researchers: int) -> np.ndarray:
    """Distinct co-author pairs (u < v) of the author lists: the reference edge list."""
    keys = []
    for i, j in itertools.combinations(range(authors.shape[1]), 2):
        u, v = authors[:, i], authors[:, j]
        ok = (u >= 0) & (v >= 0)
        lo, hi = np.minimum(u[ok], v[ok]), np.maximum(u[ok], v[ok])
        keys.append(lo * researchers + hi)
    unique = np.unique(np.concatenate(keys))
    return np.stack([unique // researchers, unique % researchers], axis=1)


def write_nquads(path: Path, researchers: int, authors: np.ndarray, seed: int) -> int:
    """The graph as N-Quads in the public graph of source "bench"; returns the quad count."""
    rng = np.random.default_rng(seed + 1)
    vocab = (REPO / "ontology" / "vocab" / "fields-kaken.ttl").read_text(encoding="utf-8")
    fields = sorted(set(re.findall(r"<(https://w3id\.org/stigraph/id/field/kaken-[0-9]+)>", vocab)))
    orgs = max(10, researchers // 50)
    field_of = rng.integers(0, len(fields), researchers).tolist()
    org_of = rng.integers(0, orgs, researchers).tolist()
    start_of = rng.integers(1995, 2024, researchers).tolist()
    year_of = rng.integers(1995, 2025, len(authors)).tolist()
    people = [f"<{iri}>" for iri in person_iris(researchers)]
    g = DATA_GRAPH
    n = 0
    with path.open("w", encoding="utf-8") as out:
        lines: list[str] = []

        def flush() -> None:
            nonlocal n
            out.write("".join(lines))
            n += len(lines)
            lines.clear()

        for i in range(orgs):
            org = f"<{BASE}org/bench-{i}>"
            lines.append(f"{org} {RDF_TYPE} <{SG}University> {g} .\n")
            lines.append(f'{org} {LABEL} "University number {i}"@en {g} .\n')
            lines.append(f"{org} <{SG}country> <{BASE}country/{COUNTRIES[i % len(COUNTRIES)]}> {g} .\n")
        for i, p in enumerate(people):
            pos = f"<{BASE}position/bench-{i}>"
            lines += [
                f"{p} {RDF_TYPE} <{SG}Researcher> {g} .\n",
                f'{p} {LABEL} "Researcher {i}"@en {g} .\n',
                f"{p} <{SG}visibility> <{SG}Public> {g} .\n",
                f"{p} <{SG}researchField> <{fields[field_of[i]]}> {g} .\n",
                f"{pos} {RDF_TYPE} <{SG}Affiliation> {g} .\n",
                f"{pos} <{SG}holder> {p} {g} .\n",
                f"{pos} <{SG}organization> <{BASE}org/bench-{org_of[i]}> {g} .\n",
                f"{pos} <{SG}role> <{BASE}role/researcher> {g} .\n",
                f'{pos} <{SG}startDate> "{start_of[i]}"^^<{XSD}gYear> {g} .\n',
            ]
            if len(lines) > 100_000:
                flush()
        for j, row in enumerate(authors.tolist()):
            pub = f"<{BASE}publication/bench-{j}>"
            lines += [
                f"{pub} {RDF_TYPE} <{SG}Publication> {g} .\n",
                f'{pub} {LABEL} "Paper number {j}"@en {g} .\n',
                f'{pub} {ISSUED} "{year_of[j]}"^^<{XSD}gYear> {g} .\n',
            ]
            position = 0
            for who in row:
                if who < 0:
                    continue
                position += 1
                a = f"<{BASE}authorship/bench-{j}-{position}>"
                lines += [
                    f"{a} {RDF_TYPE} <{SG}Authorship> {g} .\n",
                    f"{a} <{SG}author> {people[who]} {g} .\n",
                    f"{a} <{SG}publication> {pub} {g} .\n",
                    f'{a} <{SG}authorPosition> "{position}"^^<{XSD}integer> {g} .\n',
                ]
            if len(lines) > 100_000:
                flush()
        flush()
    return n


def build_store(settings: Settings, nq: Path) -> float:
    """Bulk-load the ontology, the KAKEN fields and the graph as one generation (no validation,
    no answer tables: neither is what this benchmark measures)."""
    t0 = time.perf_counter()
    with EmbeddedStore(settings, write=True) as st, st.writing() as w:
        w.bulk_load(
            (REPO / "ontology" / "stigraph.ttl").read_bytes(), RdfFormat.TURTLE, to_graph=NamedNode(ONTOLOGY_GRAPH)
        )
        w.bulk_load(
            (REPO / "ontology" / "vocab" / "fields-kaken.ttl").read_bytes(),
            RdfFormat.TURTLE,
            to_graph=NamedNode(FIELDS_GRAPH),
        )
        w.bulk_load_file(nq, RdfFormat.N_QUADS)
    return time.perf_counter() - t0


def prepare(work: Path, researchers: int, seed: int) -> dict[str, Any]:
    """Generate and load the graph into ``work``, or reuse what an earlier run left there."""
    built = work / "built.json"
    if built.exists():
        info = json.loads(built.read_text())
        if (info["researchers"], info["seed"]) != (researchers, seed):
            raise SystemExit(f"{work} holds {info['researchers']} researchers, seed {info['seed']}: use another")
        print(f"reusing the store in {work}", flush=True)
        return info
    t0 = time.perf_counter()
    authors = coauthorship(researchers, seed)
    pairs = coauthor_pairs(authors, researchers)
    np.save(work / "pairs.npy", pairs)
    nq = work / "graph.nq"
    quads = write_nquads(nq, researchers, authors, seed)
    generate_s = time.perf_counter() - t0
    degree = np.bincount(pairs.ravel(), minlength=researchers)
    print(f"generated {quads:,} quads, {len(pairs):,} co-author pairs in {generate_s:.1f} s", flush=True)
    store = work / "store"
    load_s = build_store(settings_for(store).model_copy(update={"precompute_answers": False}), nq)
    nq.unlink()
    print(f"bulk-loaded in {load_s:.1f} s", flush=True)
    info = {
        "researchers": researchers,
        "seed": seed,
        "publications": len(authors),
        "authorships": int((authors >= 0).sum()),
        "quads": quads,
        "coauthor_pairs": len(pairs),
        "degree": {
            "mean": round(float(degree.mean()), 2),
            "median": int(np.median(degree)),
            "p99": int(np.percentile(degree, 99)),
            "max": int(degree.max()),
            "isolated": int((degree == 0).sum()),
        },
        "generate_s": round(generate_s, 1),
        "store_load_s": round(load_s, 1),
    }
    built.write_text(json.dumps(info, indent=2) + "\n")
    return info


# -- measuring ---------------------------------------------------------------------------
def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _trim() -> None:
    """Collect garbage and hand freed heap back to the system (glibc), so that resident memory
    counts what is kept, not what a build allocated and dropped."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _reset_peak() -> bool:
    """Reset VmHWM (peak RSS) so that the peak of one step can be read (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def timed(items: Sequence[T], call: Callable[[T], Any]) -> tuple[list[float], list[Any]]:
    """Seconds of each call, and what each returned."""
    seconds, answers = [], []
    for item in items:
        t0 = time.perf_counter()
        answers.append(call(item))
        seconds.append(time.perf_counter() - t0)
    return seconds, answers


def summary(seconds: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "n": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 4),
        "p95_ms": round(float(np.percentile(ms, 95)), 4),
        "mean_ms": round(float(ms.mean()), 4),
        "max_ms": round(float(ms.max()), 4),
    }


def publish_rows(settings: Settings) -> float | None:
    """Publish the path rows of the store's generation, as a load publishes them with its
    generation (every graph read: the whole graph is new); None when they are there already."""
    with EmbeddedStore(settings, write=True) as st:
        if PublishedRows.open(st.derived_dir) is not None:
            return None
        t0 = time.perf_counter()
        st.derive_current([path_rows(st, settings)])
        return time.perf_counter() - t0


def measure_index(settings: Settings) -> tuple[GraphIndex, dict[str, Any]]:
    """Build the public index as the server does (from the rows published with the generation),
    with the growth of resident memory it keeps (read after the store is closed, so RocksDB's
    caches are not counted) and its peak; then once more reading the store instead of the rows,
    which must give the same index."""
    validator = Validator.from_dirs(settings.shapes_dir, settings.ontology_dir)
    classes = subclass_closure(validator.class_axioms)
    _trim()
    rss0 = _status_kib("VmRSS")
    peak = _reset_peak()
    with EmbeddedStore(settings) as st:
        t0 = time.perf_counter()
        index = build_index(st, Minter(settings.base_iri), "public", classes)
        seconds = time.perf_counter() - t0
    _trim()
    rss1 = _status_kib("VmRSS")
    peak_mb = round((_status_kib("VmHWM") - rss0) / 1024, 1) if peak else None
    with EmbeddedStore(settings) as st:
        t0 = time.perf_counter()
        slow = build_index(st, Minter(settings.base_iri), "public", classes, from_rows=False)
        store_seconds = time.perf_counter() - t0
    same = (
        all(
            np.array_equal(getattr(index, a), getattr(slow, a))
            for a in ("kinds", "indptr", "indices", "edge_type", "cost")
        )
        and index.iris == slow.iris
        and index.evidence.frame.equals(slow.evidence.frame)
    )  # type: ignore[attr-defined]
    del slow
    types = np.bincount(index.edge_type, minlength=len(EDGE_TYPES)) // 2  # CSR holds both directions
    info = {
        "seconds": round(seconds, 2),
        "from_store_seconds": round(store_seconds, 2),
        "from_store_s_per_million_edges": round(store_seconds / (index.edge_count / 1e6), 2),
        "same_index_from_store": same,
        "nodes": index.node_count,
        "edges": index.edge_count,
        "edges_by_type": {t: int(c) for t, c in zip(EDGE_TYPES, types, strict=True) if c},
        "s_per_million_edges": round(seconds / (index.edge_count / 1e6), 2),
        "array_mb": round(index.memory_bytes() / 2**20, 1),
        "rss_growth_mb": round((rss1 - rss0) / 1024, 1),
        "peak_rss_growth_mb": peak_mb,
    }
    return index, info


def index_coauthor_pairs(index: GraphIndex) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) node ids of the index's co-author edges, u < v, and the cost of each."""
    src = np.repeat(np.arange(index.node_count), np.diff(index.indptr))
    sel = (index.edge_type == EDGE_TYPES.index("coauthor")) & (src < index.indices)
    return np.stack([src[sel], index.indices[sel].astype(np.int64)], axis=1), index.cost[sel]


def check_edges(index: GraphIndex, node_of: np.ndarray, reference: np.ndarray) -> dict[str, Any]:
    """Whether the index has exactly the generator's co-author pairs (nothing lost or added
    between the generator, the N-Quads, the store and the index)."""
    mine, _ = index_coauthor_pairs(index)
    n = index.node_count
    u, v = node_of[reference[:, 0]], node_of[reference[:, 1]]
    ref = np.sort(np.minimum(u, v) * n + np.maximum(u, v))
    got = np.sort(mine[:, 0] * n + mine[:, 1])
    return {"index": len(got), "generator": len(ref), "identical": bool(np.array_equal(ref, got))}


def nx_graph(index: GraphIndex, people: np.ndarray) -> tuple[nx.Graph, dict[str, Any]]:
    """networkx's graph of the same co-author edges, with the index's edge costs."""
    _trim()
    rss0 = _status_kib("VmRSS")
    t0 = time.perf_counter()
    pairs, costs = index_coauthor_pairs(index)
    g = nx.Graph()
    g.add_nodes_from(people.tolist())
    g.add_weighted_edges_from(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), costs.tolist(), strict=True), "cost")
    seconds = time.perf_counter() - t0
    _trim()
    return g, {
        "build_s": round(seconds, 2),
        "rss_growth_mb": round((_status_kib("VmRSS") - rss0) / 1024, 1),
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
    }


def nx_hops(g: nx.Graph, pair: tuple[int, int]) -> int | None:
    try:
        return int(nx.shortest_path_length(g, pair[0], pair[1]))  # bidirectional BFS
    except nx.NetworkXNoPath:
        return None


def nx_k_paths(g: nx.Graph, pair: tuple[int, int], k: int = 5) -> list[list[int]]:
    try:
        return list(itertools.islice(nx.shortest_simple_paths(g, pair[0], pair[1], weight="cost"), k))
    except nx.NetworkXNoPath:
        return []


def sparql_reachability(
    store: Path, iris: Sequence[tuple[str, str]], timeout: float, give_up_after: int = 3
) -> list[dict[str, Any]]:
    """The property-path ASK per pair, each in a child process killed after ``timeout`` s of
    query (plus 10 s for the child to start); after ``give_up_after`` timeouts in a row the
    remaining pairs are not run (they would only confirm the lower bound)."""
    out: list[dict[str, Any]] = []
    streak = 0
    for a, b in iris:
        if streak >= give_up_after:
            out.append({"skipped": True})
            continue
        query = REACHABLE.replace("<A>", f"<{a}>").replace("<B>", f"<{b}>")
        try:
            done = subprocess.run(
                [sys.executable, "-c", SPARQL_CHILD, str(store), query],
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=timeout + 10,
                check=True,
            )
            row = json.loads(done.stdout)
            if row["seconds"] > timeout:
                row = {"timeout": True, "seconds": row["seconds"]}
        except subprocess.TimeoutExpired:
            row = {"timeout": True}
        streak = streak + 1 if row.get("timeout") else 0
        out.append(row)
        print(f"  SPARQL ASK {len(out)}/{len(iris)}: {row}", flush=True)
    return out


def networkx_runs(
    index: GraphIndex,
    node_of: np.ndarray,
    pairs: list[tuple[int, int]],
    nx_pairs: list[tuple[int, int]],
    hops: list[Any],
    yen: list[Any],
    runs: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any], list[int | None]]:
    """networkx on the same pairs (timings added to ``runs``) and its agreement with stigraph;
    a function of its own so that the graph (gigabytes at 1M) is freed before the SPARQL step."""
    g, info = nx_graph(index, node_of)
    s, nx_h = timed(pairs, lambda p: nx_hops(g, p))
    runs["nx_shortest_path_length"] = summary(s)
    s, nx_k = timed(nx_pairs, lambda p: nx_k_paths(g, p))
    runs["nx_shortest_simple_paths_5"] = summary(s)
    print(f"networkx: {runs['nx_shortest_path_length']} / {runs['nx_shortest_simple_paths_5']}", flush=True)
    agreement = _agreement(g, hops, nx_h, yen, nx_k)
    print(f"agreement: {agreement}", flush=True)
    return info, agreement, nx_h


# -- the run -----------------------------------------------------------------------------
def bench(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    info: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "cpus": os.cpu_count(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "commit": _commit(),
        "max_depth": MAX_DEPTH,
    }
    info["graph"] = prepare(work, args.researchers, args.seed)
    reference = np.load(work / "pairs.npy")
    settings = settings_for(work / "store")
    published = publish_rows(settings)
    if published is not None:  # a new store (or one from before the rows): part of its load
        info["graph"]["rows_publish_s"] = round(published, 1)
        (work / "built.json").write_text(json.dumps(info["graph"], indent=2) + "\n")
        print(f"path rows published in {published:.1f} s", flush=True)

    index, info["index"] = measure_index(settings)
    print(f"index: {info['index']}", flush=True)
    iris = person_iris(args.researchers)
    node_of = np.array([index.ids[iri] for iri in iris], dtype=np.int64)
    info["index"]["coauthor_edges_vs_generator"] = check_edges(index, node_of, reference)
    print(f"co-author edges vs the generator's: {info['index']['coauthor_edges_vs_generator']}", flush=True)
    del reference
    if args.index_only:
        info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        return info

    rng = np.random.default_rng(args.seed + 2)
    drawn = rng.integers(0, args.researchers, (args.pairs * 2, 2))
    drawn = drawn[drawn[:, 0] != drawn[:, 1]][: args.pairs]
    pairs = [(int(node_of[a]), int(node_of[b])) for a, b in drawn.tolist()]
    pair_iris = [(iris[a], iris[b]) for a, b in drawn.tolist()]
    k_pairs, nx_pairs = pairs[: args.k_pairs], pairs[: args.nx_k_pairs]

    for a, b in pairs[:20]:  # warm-up: first calls pay for imports and allocator growth
        hop_paths(index, a, b, max_depth=MAX_DEPTH)
    runs: dict[str, Any] = {}
    s, hops_co = timed(pairs, lambda p: hop_paths(index, p[0], p[1], max_depth=MAX_DEPTH, edge_types=COAUTHOR))
    runs["hop_coauthor"] = summary(s)
    s, hops_all = timed(pairs, lambda p: hop_paths(index, p[0], p[1], max_depth=MAX_DEPTH))
    runs["hop_all_types"] = summary(s)
    runs["hop_coauthor"]["distances"] = _histogram(h.hops for h in hops_co)
    runs["hop_all_types"]["distances"] = _histogram(h.hops for h in hops_all)
    print(f"hop_paths: {runs['hop_coauthor']} / {runs['hop_all_types']}", flush=True)

    s, _ = timed(k_pairs, lambda p: weighted_paths(index, p[0], p[1], k=5, mode="shortest", max_depth=MAX_DEPTH))
    runs["k5_shortest_all_types"] = summary(s)
    s, _ = timed(k_pairs, lambda p: weighted_paths(index, p[0], p[1], k=5, mode="diverse", max_depth=MAX_DEPTH))
    runs["k5_diverse_all_types"] = summary(s)
    print(f"k=5: {runs['k5_shortest_all_types']} / {runs['k5_diverse_all_types']}", flush=True)
    s, yen_co = timed(
        nx_pairs,
        lambda p: weighted_paths(index, p[0], p[1], k=5, mode="shortest", max_depth=MAX_DEPTH, edge_types=COAUTHOR),
    )
    runs["k5_shortest_coauthor"] = summary(s)
    s, _ = timed(
        pair_iris[: args.k_pairs], lambda p: paths_answer(index, p[0], p[1], k=3, max_depth=MAX_DEPTH, mode="diverse")
    )
    runs["paths_answer_k3_diverse"] = summary(s)

    people = rng.choice(node_of, args.suggest_people + 1, replace=False).tolist()
    t0 = time.perf_counter()
    suggest(index, people[0], limit=10)  # builds and caches the walk matrix of this index
    first = time.perf_counter() - t0
    s, found = timed(people[1:], lambda p: suggest(index, p, limit=10))
    runs["suggest"] = {
        **summary(s),
        "first_call_s": round(first, 2),
        "per_second": float(f"{len(s) / sum(s):.3g}"),
        "mean_suggestions": round(float(np.mean([len(f) for f in found])), 1),
    }
    print(f"suggest: {runs['suggest']}", flush=True)

    info["networkx"], info["agreement"], nx_h = networkx_runs(index, node_of, pairs, nx_pairs, hops_co, yen_co, runs)
    reachable = [h is not None for h in nx_h]

    sparql = sparql_reachability(settings.store_path, pair_iris[: args.sparql_pairs], args.sparql_timeout)
    for row, ok in zip(sparql, reachable, strict=False):
        if "answer" in row:
            row["agrees_with_networkx"] = row["answer"] == ok
    ran = [r for r in sparql if not r.get("skipped")]
    secs = sorted(math.inf if r.get("timeout") else r["seconds"] for r in ran)
    # The lower median: a timeout (infinite) is the p50 only when at least half the pairs timed out.
    p50 = float(np.percentile(secs, 50, method="lower"))
    hop_p50_s = runs["hop_coauthor"]["p50_ms"] / 1000
    runs["sparql_reachability"] = {
        "pairs": len(sparql),
        "ran": len(ran),
        "timeouts": sum(1 for r in ran if r.get("timeout")),
        "timeout_s": args.sparql_timeout,
        "p50_s": None if math.isinf(p50) else round(p50, 3),
        "p50_at_least_s": args.sparql_timeout if math.isinf(p50) else None,
        "answers_agree_with_networkx": all(r.get("agrees_with_networkx", True) for r in ran),
        "ratio_to_hop_coauthor_p50": round((args.sparql_timeout if math.isinf(p50) else p50) / hop_p50_s),
        "ratio_is_lower_bound": math.isinf(p50),
        "rows": sparql,
    }
    info["runs"] = runs
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    info["targets"] = _targets(info)
    return info


def _commit() -> str | None:
    """The checkout's commit (with "+changes" when src/ differs from it): the package under
    test changes often, and a figure is only comparable with the code that made it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "src"], cwd=REPO).returncode
    except OSError:
        return None
    return (head.stdout.strip() + ("+changes" if dirty else "")) or None


def _histogram(hops: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for h in hops:
        key = "none" if h is None else str(h)
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))


def _agreement(
    g: nx.Graph, hops: list[Any], nx_hops_: list[int | None], yen: list[Any], nx_k: list[list[list[int]]]
) -> dict[str, Any]:
    """Hop counts must agree on every pair (networkx's distance beyond MAX_DEPTH is "none");
    Yen's costs are compared where all five of networkx's paths are within MAX_DEPTH hops."""
    hop_bad = [
        i
        for i, (h, d) in enumerate(zip(hops, nx_hops_, strict=True))
        if h.hops != (d if d is not None and d <= MAX_DEPTH else None)
    ]
    comparable = same = 0
    cost_bad: list[dict[str, Any]] = []
    for i, (mine, theirs) in enumerate(zip(yen, nx_k, strict=True)):
        if any(len(p) - 1 > MAX_DEPTH for p in theirs):
            continue
        comparable += 1
        a = [round(p.cost, 9) for p in mine]
        b = [round(nx.path_weight(g, p, "cost"), 9) for p in theirs]
        if a == b:
            same += 1
        else:
            cost_bad.append({"pair": i, "stigraph": a, "networkx": b})
    return {
        "hop_pairs": len(hops),
        "hop_mismatches": len(hop_bad),
        "hop_mismatch_pairs": hop_bad[:20],
        "k5_pairs_comparable": comparable,
        "k5_same_costs": same,
        "k5_cost_mismatches": cost_bad[:10],
    }


def _targets(info: dict[str, Any]) -> dict[str, bool]:
    runs = info["runs"]
    hop = runs["hop_all_types"]
    return {
        "hop_p50_under_1ms": max(hop["p50_ms"], runs["hop_coauthor"]["p50_ms"]) < TARGET_P50_MS,
        "hop_p95_under_10ms": max(hop["p95_ms"], runs["hop_coauthor"]["p95_ms"]) < TARGET_P95_MS,
        "sparql_ratio_at_least_300x": runs["sparql_reachability"]["ratio_to_hop_coauthor_p50"] >= TARGET_SPARQL_RATIO,
        "build_under_10s_per_million_edges": info["index"]["s_per_million_edges"] < TARGET_S_PER_M_EDGES,
    }


def table(info: dict[str, Any]) -> str:
    r, ix, nxi = info["runs"], info["index"], info["networkx"]

    def pp(x: dict[str, Any]) -> str:
        return f"{x['p50_ms']:,.3f} / {x['p95_ms']:,.3f}"

    sq = r["sparql_reachability"]
    sq_p50 = f"> {sq['timeout_s']:g} s" if sq["ratio_is_lower_bound"] else f"{sq['p50_s']:,.3f} s"
    ratio = f"{'> ' if sq['ratio_is_lower_bound'] else ''}{sq['ratio_to_hop_coauthor_p50']:,}x"
    rows = [
        "| measure | pairs | stigraph p50 / p95 ms | networkx p50 / p95 ms |",
        "|---|---:|---:|---:|",
        f"| hops, co-author edges | {r['hop_coauthor']['n']:,} | {pp(r['hop_coauthor'])} "
        f"| {pp(r['nx_shortest_path_length'])} |",
        f"| hops, every edge type | {r['hop_all_types']['n']:,} | {pp(r['hop_all_types'])} | — |",
        f"| 5 cheapest (Yen), every edge type | {r['k5_shortest_all_types']['n']:,} "
        f"| {pp(r['k5_shortest_all_types'])} | — |",
        f"| 5 diverse, every edge type | {r['k5_diverse_all_types']['n']:,} | {pp(r['k5_diverse_all_types'])} | — |",
        f"| 5 cheapest (Yen), co-author edges | {r['k5_shortest_coauthor']['n']:,} "
        f"| {pp(r['k5_shortest_coauthor'])} | {pp(r['nx_shortest_simple_paths_5'])} |",
        f"| `paths_answer` k=3 diverse | {r['paths_answer_k3_diverse']['n']:,} "
        f"| {pp(r['paths_answer_k3_diverse'])} | — |",
        "",
        f"- index: {ix['nodes']:,} nodes, {ix['edges']:,} edges {ix['edges_by_type']}, built in {ix['seconds']} s "
        f"({ix['s_per_million_edges']} s per million edges) from the published rows "
        f"({info['graph'].get('rows_publish_s')} s to publish them), {ix['from_store_seconds']} s reading the store "
        f"(same index: {ix['same_index_from_store']}); arrays {ix['array_mb']} MB, resident memory "
        f"+{ix['rss_growth_mb']} MB (peak +{ix['peak_rss_growth_mb']} MB); co-author edges identical to the "
        f"generator's: {ix['coauthor_edges_vs_generator']['identical']}",
        f"- networkx graph: {nxi['edges']:,} edges, built in {nxi['build_s']} s, +{nxi['rss_growth_mb']} MB",
        f"- suggestions: {r['suggest']['per_second']}/s (p50 {r['suggest']['p50_ms']:,.1f} ms over "
        f"{r['suggest']['n']} people; first call {r['suggest']['first_call_s']} s)",
        f"- SPARQL property-path reachability: p50 {sq_p50} over {sq['ran']} pairs ({sq['timeouts']} timeouts), "
        f"{ratio} the co-author hop search",
        f"- agreement with networkx: {info['agreement']['hop_mismatches']} hop mismatches in "
        f"{info['agreement']['hop_pairs']:,} pairs; 5 cheapest with the same costs in "
        f"{info['agreement']['k5_same_costs']} of {info['agreement']['k5_pairs_comparable']} comparable pairs",
        f"- targets: {info['targets']}",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--researchers", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=1000, help="pairs for the hop searches and networkx")
    parser.add_argument("--k-pairs", type=int, default=200, help="pairs for the k=5 searches and paths_answer")
    parser.add_argument("--nx-k-pairs", type=int, default=50, help="pairs for Yen next to nx.shortest_simple_paths")
    parser.add_argument("--suggest-people", type=int, default=100)
    parser.add_argument("--sparql-pairs", type=int, default=20)
    parser.add_argument("--sparql-timeout", type=float, default=60.0, help="seconds per SPARQL ASK")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workdir", type=Path, help="keep the store here; a second run with the same directory reuses it"
    )
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results")
    parser.add_argument(
        "--index-only",
        action="store_true",
        help="build and check the index only (results in paths-N-index.json): the build is what changes most",
    )
    args = parser.parse_args()
    if min(args.pairs, args.k_pairs, args.nx_k_pairs, args.suggest_people, args.sparql_pairs) < 1:
        parser.error("every measurement needs at least one pair (or person): the comparison is the point")
    with contextlib.ExitStack() as stack:
        if args.workdir:
            work = args.workdir
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="stigraph-paths-")))
        info = bench(args, work)
    args.output.mkdir(parents=True, exist_ok=True)
    name = f"paths-{args.researchers}{'-index' if args.index_only else ''}.json"
    (args.output / name).write_text(json.dumps(info, indent=2) + "\n")
    if not args.index_only:
        print(table(info))


if __name__ == "__main__":
    main()
