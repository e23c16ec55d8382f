"""Linked-data pages and search benchmark: entity-page and search latency over HTTP, on a
generated researcher graph, next to the plain SPARQL a client would otherwise send, same server.

Builds (or reuses, with ``--workdir``) a store with the ontology, the vocabularies and bench/load.py's
generated graph (every person made public, so any sampled person has a page), starts
``stigraph serve``, and measures one request at a time (latency, not throughput):

* page HTML: ``GET /id/person/<key>`` for a browser (all the page's queries: facts, references,
  affiliations, co-authors, missions, programmes, sources);
* page Turtle: ``GET /id/person/<key>.ttl``;
* PI Map: ``GET /pimap/<mission>.csv`` of a generated mission, if there is one;
* search: ``GET /api/search?q=`` with English names in either order, family names alone, name
  prefixes, and Japanese names (the name index is built with the path index);
* peer: ``GET /sparql`` with ``DESCRIBE``-like ``SELECT ?p ?o WHERE { <person> ?p ?o }`` (what a
  client without the pages would ask for the facts alone), and a SPARQL name search
  (``FILTER(CONTAINS(LCASE(?label), ...))``, the only way without a text index).

    python bench/pages.py --researchers 100000 --workdir /tmp/stigraph-pages-bench
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from _graph import (  # noqa: E402
    _wait_ready,
    build_store,
    free_port,
    generate,
    publicize,
    stigraph_cmd,
    stigraph_env,
    stop,
)

LABEL = re.compile(
    r"^<(https://w3id\.org/stigraph/id/person/[^>]+)> "
    r'<http://www\.w3\.org/2000/01/rdf-schema#label> "([^"]+)"@(en|ja) \.$'
)
MISSION = re.compile(r"^<(https://w3id\.org/stigraph/id/mission/[^>]+)> ")


def summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "n": len(ordered),
        "p50_ms": round(pick(0.5) * 1000, 2),
        "p95_ms": round(pick(0.95) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def timed(client: httpx.Client, urls: list[str], headers: dict[str, str] | None = None) -> dict[str, Any]:
    seconds, statuses = [], {}
    for url in urls:
        t0 = time.perf_counter()
        r = client.get(url, headers=headers or {})
        seconds.append(time.perf_counter() - t0)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    return {**summary(seconds), "statuses": statuses}


def names(nt: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    people: dict[str, dict[str, str]] = {}
    missions: set[str] = set()
    with nt.open(encoding="utf-8") as f:
        for line in f:
            m = LABEL.match(line.rstrip("\n"))
            if m:
                people.setdefault(m.group(1), {})[m.group(3)] = m.group(2)
            elif line.startswith("<https://w3id.org/stigraph/id/mission/"):
                mm = MISSION.match(line)
                if mm:
                    missions.add(mm.group(1))
    return people, sorted(missions)


def search_terms(people: dict[str, dict[str, str]], rnd: random.Random, n: int) -> dict[str, list[str]]:
    sample = rnd.sample(sorted(people), n)
    en = [people[p]["en"] for p in sample if "en" in people[p]]
    ja = [people[p]["ja"] for p in sample if "ja" in people[p]]
    return {
        "full name": en,
        "reversed order": [" ".join(reversed(x.split())) for x in en],
        "family name": [x.split()[0] for x in en],
        "prefix": [x.split()[0][:3] for x in en],
        "japanese": ja,
    }


def wait_indexes(base: str, timeout: float = 1800) -> float:
    """Seconds until the path and name indexes of every scope are built for the current data
    (they are built in background threads; measuring while they build measures the build)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        health = httpx.get(f"{base}/healthz", timeout=120).json()
        current = health["store"]["generation"]
        built = health.get("path_indexes", {})
        if len(built) == 3 and all(i["generation"] == current for i in built.values()):
            return time.perf_counter() - t0
        time.sleep(1)
    raise RuntimeError("the indexes were not ready in time")


def bench(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    rnd = random.Random(args.seed)
    nt, public, store = work / "graph.nt", work / "public.nt", work / "store"
    info: dict[str, Any] = {"researchers": args.researchers}
    if not store.exists():
        info["triples"] = generate(nt, args.researchers, args.seed)
        publicize(nt, public)
        info["load"] = build_store(store, public)
    people, missions = names(public)
    sample = rnd.sample(sorted(people), args.pages)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*stigraph_cmd(), "serve", "--port", str(port)],
            env=stigraph_env(store, access_log=False, workers=2),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(server, f"{base}/healthz", log, "stigraph serve")
        info["search_index_ready_s"] = round(wait_indexes(base), 1)
        paths = [p.removeprefix("https://w3id.org/stigraph") for p in sample]
        with httpx.Client(base_url=base, timeout=60) as client:
            for p in paths[:20]:  # warm the workers' snapshots and caches
                client.get(p + ".ttl")
            results: dict[str, Any] = {
                "page html": timed(client, paths, {"Accept": "text/html"}),
                "page turtle": timed(client, [p + ".ttl" for p in paths]),
                "peer: sparql facts": timed(
                    client,
                    [
                        "/sparql?" + httpx.QueryParams({"query": f"SELECT ?p ?o WHERE {{ <{p}> ?p ?o }}"}).__str__()
                        for p in sample
                    ],
                    {"Accept": "application/sparql-results+json"},
                ),
            }
            if missions:
                keys = [m.rsplit("/", 1)[-1] for m in missions[: args.missions]]
                results["pi map csv"] = timed(client, [f"/pimap/{k}.csv" for k in keys])
            terms = search_terms(people, rnd, args.searches)
            for kind, queries in terms.items():
                results[f"search: {kind}"] = timed(
                    client, ["/api/search?" + str(httpx.QueryParams({"q": q})) for q in queries]
                )
            peer = [
                "/sparql?"
                + str(
                    httpx.QueryParams(
                        {
                            "query": "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
                            f'FILTER(CONTAINS(LCASE(STR(?l)), "{q.lower()}")) }} LIMIT 20'
                        }
                    )
                )
                for q in terms["family name"][: args.sparql_searches]
            ]
            results["peer: sparql CONTAINS search"] = timed(client, peer, {"Accept": "application/sparql-results+json"})
        info["results"] = results
    finally:
        stop(server)
    return info


def table(info: dict[str, Any]) -> str:
    lines = [
        f"researchers {info['researchers']:,}; indexes of every scope ready after {info.get('search_index_ready_s')} s",
        f"{'request':34} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}  statuses",
    ]
    for name, r in info["results"].items():
        lines.append(f"{name:34} {r['n']:>5} {r['p50_ms']:>9} {r['p95_ms']:>9} {r['max_ms']:>9}  {r['statuses']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--researchers", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=300, help="people whose page is fetched")
    parser.add_argument("--missions", type=int, default=20)
    parser.add_argument("--searches", type=int, default=200, help="people whose names are searched for")
    parser.add_argument("--sparql-searches", type=int, default=10)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the store here")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        info = bench(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="stigraph-pages-") as tmp:
            info = bench(args, Path(tmp))
    info["date"] = datetime.date.today().isoformat()
    args.output.mkdir(parents=True, exist_ok=True)
    target = args.output / f"pages-{args.researchers}.json"
    target.write_text(json.dumps(info, indent=2), encoding="utf-8")
    print(table(info))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
