"""Soak: `stigraph serve` with a short deadline under 8 clients that mix cheap and runaway
queries, with a `stigraph load` of another source in the middle.

Generates the researcher graph of bench/load.py into a store, starts the service with
STIGRAPH_TIMEOUT_ANONYMOUS=--deadline, and runs 8 client processes for --seconds. Each client is
a separate anonymous client (its own loopback source address, so the per-client limits apply to
each as they would to eight people) that sends cheap queries (a profile lookup, a 2-hop
co-author neighbourhood) back to back and a runaway query every --runaway-every seconds (a
cartesian COUNT, a `(p|^p)*` path closure, an ORDER BY over a cartesian product that grows in
memory until it is stopped). Half way through, `stigraph load` of a second source runs as a
subprocess. It reports:

* responses by status: 200, and 429 and 503 (the intended answers to runaway queries and to a
  full pool) are allowed; anything else, a failed request or a failed load is an error and the
  script exits 1;
* cheap-query p50/p95 (answered ones), over the run and while the load ran;
* the service's RSS, the serve process and all its descendants (query workers, forkserver), read
  from /proc every --sample-every seconds: start vs end shows whether memory stays flat;
* worker restarts and kills by reason from /metrics.

Writes bench/results/soak.json.

    python bench/soak.py --seconds 180
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from _graph import (
    COAUTHORS,
    PREFIXES,
    PROFILE,
    REPO,
    build_store,
    free_port,
    generate,
    metrics,
    other_source,
    person_iri,
    start_stigraph,
    stigraph_cmd,
    stigraph_env,
    stop,
    tree_rss,
)

RUNAWAY = {
    "cartesian-count": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "path-closure": PREFIXES
    + "SELECT (COUNT(*) AS ?n) WHERE { ?x (sg:author|^sg:author|sg:publication|^sg:publication)* ?y }",
    "sorted-cartesian": "SELECT ?a ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?a",  # grows in memory
}
CHEAP = {"profile": PROFILE, "coauthors": COAUTHORS}
ALLOWED = {200, 429, 503}
ACCEPT = "application/sparql-results+json"

Record = tuple[float, str, str, int | str, float, str]
"""(seconds since start, query kind "cheap"/"runaway", query name, status or error, seconds,
the error code of a non-200 answer)."""


def client(args: tuple[str, str, int, float, float, float, int, int]) -> list[Record]:
    base, address, seed, t_start, seconds, runaway_every, researchers, timeout = args
    rnd = random.Random(seed)
    records: list[Record] = []
    transport = httpx.HTTPTransport(local_address=address) if address else httpx.HTTPTransport()
    runaway_names = list(RUNAWAY)
    next_runaway = t_start + rnd.uniform(0.2, 1.0) * runaway_every
    k = seed
    with httpx.Client(base_url=base, transport=transport, headers={"accept": ACCEPT}, timeout=timeout) as c:
        while (now := time.time()) < t_start + seconds:
            if now >= next_runaway:
                kind, name = "runaway", runaway_names[k % len(runaway_names)]
                query = RUNAWAY[name]
                k += 1
                next_runaway = now + rnd.uniform(0.5, 1.5) * runaway_every
            else:
                kind, name = "cheap", rnd.choice(list(CHEAP))
                query = CHEAP[name].replace("PERSON", person_iri(rnd.randrange(researchers)))
            t0 = time.perf_counter()
            code = ""
            try:
                r = c.get("/sparql", params={"query": query})
                status: int | str = r.status_code
                if status != 200:
                    try:
                        code = str(r.json()["error"]["code"])
                    except (ValueError, KeyError, TypeError):
                        code = "?"
            except httpx.HTTPError as exc:
                status = f"error:{type(exc).__name__}"
            records.append((round(now - t_start, 3), kind, name, status, time.perf_counter() - t0, code))
            if status == 429:  # a polite client waits as told
                time.sleep(min(float(r.headers.get("retry-after", "1")), 5))
    return records


class Sampler(threading.Thread):
    """RSS of the service's process tree and its /metrics counters, every few seconds."""

    def __init__(self, base: str, pid: int, t_start: float, every: float) -> None:
        super().__init__(daemon=True)
        self.base, self.pid, self.t_start, self.every = base, pid, t_start, every
        self.samples: list[dict[str, Any]] = []
        self.stopped = threading.Event()

    def sample(self) -> dict[str, Any]:
        rss = tree_rss(self.pid)
        row: dict[str, Any] = {
            "t": round(time.time() - self.t_start, 1),
            "rss_mib": round(sum(rss.values()) / 1024, 1),
            "processes": len(rss),
            "serve_rss_mib": round(rss.get(self.pid, 0) / 1024, 1),
        }
        try:
            m = metrics(self.base)
            row["restarts"] = int(m.get("stigraph_worker_restarts_total", m.get("stigraph_worker_restarts", 0)))
            row["generation"] = int(m.get("stigraph_store_generation", 0))
            row["workers_alive"] = int(m.get("stigraph_workers_alive", 0))
        except httpx.HTTPError as exc:
            row["metrics_error"] = type(exc).__name__
        return row

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.samples.append(self.sample())


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(len(s) * q))] * 1000, 2)


def summarise(records: list[Record], load: dict[str, Any]) -> dict[str, Any]:
    by_status = Counter(str(r[3]) for r in records)
    by_query = Counter(f"{r[1]}/{r[2]}/{r[3]}" + (f" {r[5]}" if r[5] else "") for r in records)
    cheap_ok = [r[4] for r in records if r[1] == "cheap" and r[3] == 200]
    during = [
        r[4] for r in records if r[1] == "cheap" and r[3] == 200 and load["start_t"] <= r[0] <= load.get("end_t", 0)
    ]
    cheap_all = [r for r in records if r[1] == "cheap"]
    return {
        "requests": len(records),
        "by_status": dict(sorted(by_status.items())),
        "by_query_and_status": dict(sorted(by_query.items())),
        "errors": sum(n for s, n in by_status.items() if not (s.isdigit() and int(s) in ALLOWED)),
        "cheap": {
            "answered": len(cheap_ok),
            "answered_share": round(len(cheap_ok) / len(cheap_all), 4) if cheap_all else None,
            "p50_ms": percentile(cheap_ok, 0.5),
            "p95_ms": percentile(cheap_ok, 0.95),
            "p99_ms": percentile(cheap_ok, 0.99),
            "mean_ms": round(statistics.fmean(cheap_ok) * 1000, 2) if cheap_ok else None,
            "during_load": {
                "answered": len(during),
                "p50_ms": percentile(during, 0.5),
                "p95_ms": percentile(during, 0.95),
            },
        },
    }


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    info: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "researchers": args.researchers,
        "seconds": args.seconds,
        "clients": args.clients,
        "deadline_s": args.deadline,
        "workers": args.workers,
        "runaway_every_s": args.runaway_every,
        "separate_client_addresses": not args.same_address,
    }
    nt = workdir / "graph.nt"
    info["triples"] = generate(nt, args.researchers)
    store = workdir / "store"
    info["store_load"] = build_store(store, nt)
    extra_raw, extra = workdir / "extra-raw.nt", workdir / "extra.nt"
    generate(extra_raw, args.extra_researchers, seed=8)
    info["extra_triples"] = other_source(extra_raw, extra, offset=args.researchers, tag="soak")
    print(f"store: {info['triples']:,} triples; second source: {info['extra_triples']:,} triples", flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_stigraph(store, workdir / "serve.log", port, timeout_anonymous=args.deadline, workers=args.workers)
    load: dict[str, Any] = {}
    try:
        m0 = metrics(base)
        t_start = time.time() + 0.5
        sampler = Sampler(base, server.pid, t_start, args.sample_every)
        first = sampler.sample()
        first["t"] = 0.0
        sampler.samples.append(first)
        sampler.start()

        def do_load() -> None:
            time.sleep(max(0.0, t_start + args.seconds / 2 - time.time()))
            load["start_t"] = round(time.time() - t_start, 1)
            t0 = time.perf_counter()
            proc = subprocess.run(
                [*stigraph_cmd(), "load", str(extra), "--source-id", "soak-extra"],
                cwd=REPO,
                env=stigraph_env(store),
                capture_output=True,
                text=True,
            )
            load.update(
                seconds=round(time.perf_counter() - t0, 1),
                end_t=round(time.time() - t_start, 1),
                returncode=proc.returncode,
                output=(proc.stdout + proc.stderr).strip()[-2000:],
            )

        loader = threading.Thread(target=do_load, daemon=True)
        loader.start()
        jobs = [
            (
                base,
                "" if args.same_address else f"127.0.0.{10 + k}",
                k,
                t_start,
                args.seconds,
                args.runaway_every,
                args.researchers,
                args.deadline * 4 + 30,
            )
            for k in range(args.clients)
        ]
        with multiprocessing.get_context("fork").Pool(args.clients) as pool:
            parts = pool.map(client, jobs)
        loader.join()
        sampler.stopped.set()
        sampler.join()
        time.sleep(1)  # let the replacements of the last killed workers start
        sampler.samples.append(sampler.sample())
        m1 = metrics(base)
        health = httpx.get(base + "/healthz", timeout=10)
        info["health_end"] = {"status": health.status_code, "body": health.json()}
    finally:
        stop(server)
        info["server_returncode"] = server.returncode
    records = [r for part in parts for r in part]
    info["load"] = load
    info.update(summarise(records, load))
    samples = sampler.samples
    settled = next((s for s in samples if s["t"] >= args.settle), samples[0])
    busy = samples[1:]  # samples[0] is the idle service before the first query
    quarter = max(1, len(busy) // 4)
    info["rss"] = {
        "idle_start_mib": samples[0]["rss_mib"],
        "first_quarter_median_mib": statistics.median(s["rss_mib"] for s in busy[:quarter]),
        "last_quarter_median_mib": statistics.median(s["rss_mib"] for s in busy[-quarter:]),
        # the lowest sample: no runaway query holding memory at that moment, i.e. the floor
        "first_quarter_min_mib": min(s["rss_mib"] for s in busy[:quarter]),
        "last_quarter_min_mib": min(s["rss_mib"] for s in busy[-quarter:]),
        "start_mib": settled["rss_mib"],
        "start_t": settled["t"],
        "end_mib": samples[-1]["rss_mib"],
        "max_mib": max(s["rss_mib"] for s in samples),
        "floor_last_vs_first_quarter": round(
            min(s["rss_mib"] for s in busy[-quarter:]) / min(s["rss_mib"] for s in busy[:quarter]), 3
        ),
        "samples": samples,
    }
    info["metrics"] = {
        "worker_restarts": m1.get("stigraph_worker_restarts_total", 0) - m0.get("stigraph_worker_restarts_total", 0),
        "killed": {
            k.split('"')[1]: v - m0.get(k, 0) for k, v in m1.items() if k.startswith("stigraph_queries_killed_total")
        },
        "generation": [m0.get("stigraph_store_generation"), m1.get("stigraph_store_generation")],
    }
    return info


def report(info: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if info["errors"]:
        problems.append(f"{info['errors']} responses outside 200/429/503 or failed requests")
    if info["load"].get("returncode") != 0:
        problems.append(f"the load failed: {info['load'].get('output')}")
    gen = info["metrics"]["generation"]
    if gen[0] is None or gen[1] is None or gen[1] <= gen[0]:
        problems.append(f"the store generation did not move during the load: {gen}")
    if info["health_end"]["status"] != 200:
        problems.append(f"/healthz answered {info['health_end']['status']} at the end")
    c, rss = info["cheap"], info["rss"]
    print()
    print(
        f"{info['seconds']} s, {info['clients']} clients, deadline {info['deadline_s']} s, "
        f"{info['workers']} workers, {info['researchers']:,} researchers ({info['triples']:,} triples)"
    )
    print("| status | responses |")
    print("|---|---:|")
    for status, n in info["by_status"].items():
        print(f"| {status} | {n:,} |")
    print()
    print("by query:", json.dumps(info["by_query_and_status"]))
    print(
        f"cheap queries answered: {c['answered']:,} ({c['answered_share']:.1%}); p50 {c['p50_ms']} ms, "
        f"p95 {c['p95_ms']} ms, p99 {c['p99_ms']} ms; during the load: p50 {c['during_load']['p50_ms']} ms, "
        f"p95 {c['during_load']['p95_ms']} ms"
    )
    print(
        f"load of the second source: {info['load'].get('seconds')} s (t={info['load'].get('start_t')}-"
        f"{info['load'].get('end_t')} s), exit {info['load'].get('returncode')}; generation {gen[0]} -> {gen[1]}"
    )
    print(
        f"RSS (serve + workers): idle {rss['idle_start_mib']} MiB; at t={rss['start_t']} s {rss['start_mib']} MiB; "
        f"end {rss['end_mib']} MiB; max {rss['max_mib']} MiB (a runaway growing until it is killed); "
        f"floor last / first quarter {rss['floor_last_vs_first_quarter']:.2f}x; median of the first / "
        f"last quarter of the samples {rss['first_quarter_median_mib']} / {rss['last_quarter_median_mib']} MiB, "
        f"lowest {rss['first_quarter_min_mib']} / {rss['last_quarter_min_mib']} MiB"
    )
    print(f"worker restarts: {info['metrics']['worker_restarts']:.0f}; kills by reason: {info['metrics']['killed']}")
    for p in problems:
        print("ERROR:", p)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--researchers", type=int, default=10_000)
    parser.add_argument("--extra-researchers", type=int, default=5_000, help="size of the source loaded mid-run")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--deadline", type=float, default=2.0, help="STIGRAPH_TIMEOUT_ANONYMOUS")
    parser.add_argument("--workers", type=int, default=2, help="STIGRAPH_WORKERS")
    parser.add_argument("--runaway-every", type=float, default=15.0, help="mean seconds between a client's runaways")
    parser.add_argument("--sample-every", type=float, default=5.0, help="seconds between RSS samples")
    parser.add_argument("--settle", type=float, default=10.0, help="RSS 'start' is the first sample after this")
    parser.add_argument("--same-address", action="store_true", help="all clients from 127.0.0.1 (one client's limits)")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (store, server log)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="stigraph-soak-"))
    try:
        info = run(args, workdir)
    finally:
        if args.keep:
            print("work directory kept:", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "soak.json").write_text(json.dumps(info, indent=2) + "\n")
    problems = report(info)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
