"""Counts over several values, answered from fact rows, next to the live aggregate on the same
snapshot, in the same run.

`bench/queries.py` asks each curated query with its example values; for the counts with fact
rows those values (fields and countries of the bundled graph) select few or no rows of the
generated researchers. This script asks with the values that select the most rows: the 1, 2
and 5 most frequent values of each filtered column of the fact rows (so a count over 5 fields
covers most of the PIs abroad), and the examples. For each request it times, in process on the
public snapshot of a store `bench/queries.py` built (its work directory):

- **facts**: what a worker does for the request: the table opened once (as a worker keeps it),
  then the filters applied and the rows grouped and counted (p50 over --repeat);
- **live**: the query with the values bound, evaluated by pyoxigraph and sorted as the worker
  sorts it (once; skipped past --live-timeout seconds of the previous request's live time).

Both answers are compared row for row; the run stops when they differ.

    python bench/facts.py --store /tmp/bq1m/stigraph [--repeat 5] [--no-live]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, Store, Variable

from stigraph.catalog.binding import bind
from stigraph.catalog.catalog import load_catalog
from stigraph.catalog.facts import FactsShape, comparable, facts_filters
from stigraph.catalog.model import CuratedQuery
from stigraph.catalog.ordering import sorted_page
from stigraph.catalog.tables import open_facts, table_dir_name
from stigraph.sparql.lexer import check
from stigraph.store.generations import Generations

REPO = Path(__file__).resolve().parents[1]


def live(snapshot: Store, q: CuratedQuery, given: dict[str, list[str]]) -> list[list[str]]:
    bound = bind(q, given)
    info = check(bound.text, max_bytes=1 << 24, max_depth=1000)
    options: dict[str, Any] = {
        "substitutions": {Variable(v): t for v, t in bound.substitutions.items()},
        "use_default_graph_as_union": not info.names_dataset,
    }
    page = sorted_page(lambda text: snapshot.query(text, **options), bound.text, 0, 10**9)
    assert page is not None
    return [[str(t) for t in row] for row in page.rows]


def once(rows: list[list[str]]) -> list[list[str]]:
    """Without the repeats of the row before (a label in two graphs repeats a live row)."""
    return [r for i, r in enumerate(rows) if i == 0 or r != rows[i - 1]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-live", action="store_true")
    ap.add_argument("--live-timeout", type=float, default=300)
    ap.add_argument("--only", help="comma-separated query names")
    ap.add_argument("--output", type=Path)
    args = ap.parse_args()
    catalog = load_catalog(REPO / "queries")
    gens = Generations(args.store)
    generation = gens.current()
    results: list[dict[str, Any]] = []
    for q in catalog:
        if q.facts is None or (args.only and q.name not in args.only.split(",")):
            continue
        snapshot = Store.read_only(str(gens.snapshot_path(generation, q.scope)))
        shape = FactsShape.of(q)
        t0 = time.perf_counter()
        facts = open_facts(str(gens.derived_path(generation) / q.scope / table_dir_name(q)))
        assert facts is not None, "no fact rows: run bench/queries.py (or stigraph queries precompute) first"
        opened = time.perf_counter() - t0
        print(f"{q.name}: {facts.rows:,} fact rows, opened and answered once in {opened * 1000:.0f} ms")

        def reach(term: Any, via: str, snapshot: Store = snapshot) -> list[Any]:
            return [x.object for x in snapshot.quads_for_pattern(term, NamedNode(via), None, None)]

        requests: list[dict[str, list[str]]] = []
        for name, column in q.facts.filter.items():
            top = [t[1:-1] for t in facts.most_frequent(column, 5)]  # IRIs: <...>
            if q.params[name].many:
                requests += [{name: top[:1]}, {name: top[:2]}, {name: top[:5]}]
            else:  # one value at a time: the three most frequent
                requests += [{name: [v]} for v in top[:3]]
        examples = {p.name: [str(v) for v in (p.example if p.many else [p.example])] for p in q.params.values()}
        requests.append(examples)
        last_live = 0.0
        for given in requests:
            filters = facts_filters(q, given)
            assert filters is not None
            times = []
            page = None
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                page = facts.answer(shape, filters, 0, 10**9, reach)
                times.append(time.perf_counter() - t0)
            assert page is not None
            row: dict[str, Any] = {
                "query": q.name,
                "values": {k: len(v) for k, v in given.items()},
                "rows": page.total,
                "facts_p50_ms": round(statistics.median(times) * 1000, 1),
                "facts_max_ms": round(max(times) * 1000, 1),
            }
            if not args.no_live and last_live <= args.live_timeout:
                t0 = time.perf_counter()
                expected = live(snapshot, q, given)
                last_live = time.perf_counter() - t0
                row["live_s"] = round(last_live, 2)
                got = [[str(t) for t in r] for r in page.rows]
                if comparable(q, got) != comparable(q, once(expected)):
                    sys.exit(f"facts and live differ for {q.name} {given}")
                row["same_rows"] = True
            results.append(row)
            print(json.dumps(row))
    print()
    print("| query | values | rows | facts p50 / max ms | live s | same rows |")
    print("|---|---|---:|---:|---:|---|")
    for r in results:
        values = ", ".join(f"{n} {k}" for k, n in r["values"].items())
        live_s = f"{r['live_s']:,}" if "live_s" in r else "not run"
        print(
            f"| `{r['query']}` | {values} | {r['rows']} | {r['facts_p50_ms']} / {r['facts_max_ms']} | {live_s} | "
            f"{'yes' if r.get('same_rows') else 'n/a'} |"
        )
    if args.output:
        args.output.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
