"""The engine under different memory allocators: the query mix of bench/http.py, in process,
on the same store, with glibc's malloc and with jemalloc (and mimalloc when installed).

pyoxigraph allocates heavily while it parses, plans and evaluates a query; this measures how
much the allocator the process runs with changes that, which is why the query workers preload
jemalloc (STIGRAPH_WORKER_ALLOCATOR). Each allocator runs in a fresh child process started
with LD_PRELOAD, on the same snapshot and the same requests, in the same run.

    python bench/allocator.py --researchers 10000
    python bench/allocator.py --store /tmp/stigraph-http-XXXX/stigraph   # a store kept by bench/http.py --keep
"""

from __future__ import annotations

import argparse
import ctypes.util
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _graph import AGGREGATE, COAUTHORS, PROFILE, REPO, build_store, generate, person_iri, publicize
from stigraph.store.generations import Generations

QUERIES = {"profile": (PROFILE, 2000), "coauthors": (COAUTHORS, 1000), "aggregate": (AGGREGATE, 3)}


def measure(snapshot: str, researchers: int, people: int) -> dict[str, Any]:
    """In the child: p50 and mean per query (query + SPARQL JSON serialisation), ms."""
    from pyoxigraph import QueryResultsFormat, Store

    store = Store.read_only(snapshot)
    rnd = random.Random(11)
    persons = [person_iri(rnd.randrange(researchers)) for _ in range(people)]
    out: dict[str, Any] = {}
    for name, (template, n) in QUERIES.items():
        texts = [template.replace("PERSON", p) for p in persons]
        for text in texts[: min(50, n)]:  # warm the block cache
            store.query(text, use_default_graph_as_union=True).serialize(format=QueryResultsFormat.JSON)
        times = []
        for i in range(n):
            t0 = time.perf_counter()
            store.query(texts[i % len(texts)], use_default_graph_as_union=True).serialize(
                format=QueryResultsFormat.JSON
            )
            times.append(time.perf_counter() - t0)
        out[name] = {
            "p50_ms": round(statistics.median(times) * 1000, 3),
            "mean_ms": round(statistics.fmean(times) * 1000, 3),
            "n": n,
        }
    return out


def allocators() -> dict[str, str | None]:
    found: dict[str, str | None] = {"glibc malloc": None}
    for name in ("jemalloc", "mimalloc"):
        library = ctypes.util.find_library(name)
        if library:
            found[name] = library
    return found


def run_child(snapshot: str, researchers: int, people: int, library: str | None) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    if library:
        env["LD_PRELOAD"] = library
    child = subprocess.run(
        [sys.executable, __file__, "--child", snapshot, "--researchers", str(researchers), "--people", str(people)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(child.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--researchers", type=int, default=10_000)
    parser.add_argument("--store", type=Path, help="an existing stigraph store of --researchers researchers")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2, help="rounds over the allocators (interleaved)")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.researchers, args.people)))
        return

    with tempfile.TemporaryDirectory(prefix="stigraph-alloc-") as tmp:
        store = args.store
        if store is None:
            raw, public = Path(tmp) / "generated.nt", Path(tmp) / "public.nt"
            generate(raw, args.researchers)
            publicize(raw, public)
            store = Path(tmp) / "store"
            build_store(store, public)
        gens = Generations(store)
        snapshot = str(gens.snapshot_path(gens.current(), "public"))
        found = allocators()
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in found}
        for _ in range(args.rounds):
            for name, library in found.items():
                runs[name].append(run_child(snapshot, args.researchers, args.people, library))
    best = {name: {q: min(r[q]["p50_ms"] for r in rs) for q in QUERIES} for name, rs in runs.items()}
    base = best["glibc malloc"]
    print(f"\nresearchers {args.researchers:,}; p50 ms, best of {args.rounds} interleaved rounds\n")
    print("| allocator | " + " | ".join(QUERIES) + " |")
    print("|---|" + "---:|" * len(QUERIES))
    for name, row in best.items():
        cells = [f"{row[q]:.3f} ({row[q] / base[q]:.2f}x)" for q in QUERIES]
        print(f"| {name} | " + " | ".join(cells) + " |")
    args.output.mkdir(parents=True, exist_ok=True)
    result = {
        "date": datetime.date.today().isoformat(),
        "researchers": args.researchers,
        "allocators": found,
        "runs": runs,
        "best_p50_ms": best,
    }
    path = args.output / f"allocator-{args.researchers}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
