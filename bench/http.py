"""SPARQL over HTTP: `stigraph serve` next to `oxigraph serve-read-only`, same triples, same queries.

Generates the researcher graph of bench/load.py (every person made public and the e-mail
addresses dropped, so the anonymous scope sees all of it), loads it with the stigraph pipeline
into one public graph, exports what the public scope sees as N-Quads and loads exactly that into
an Oxigraph store (`oxigraph load`), starts both servers on free ports and measures in one run:

* profile: one researcher's names, ORCID iD and positions (OPTIONALs), a different researcher
  on every request;
* aggregate: researchers by country of their current position and research field (top 100);
* coauthors: the 2-hop co-author neighbourhood of a researcher, a different one per request.

For each query and server: p50/p95 latency with one client (keep-alive), and requests/s with 1
and with 8 clients, measured with wrk (a Lua script cycling through GET URLs); without wrk, with
one Python process per client (slower; the output says which). Both servers are first checked
to return the same rows for the same requests. Writes bench/results/http-<N>.json.

    python bench/http.py --researchers 10000
    python bench/http.py --researchers 100000 --duration 20
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

# This file shares its name with the standard library's `http` package, and Python puts a
# script's folder first on sys.path: any script in bench/ (this one, load.py, soak.py) whose
# imports reach `http` (httpx, rdflib and urllib.request do) gets this file as `http`. When that
# happens, put the real package in its place (and import nothing: the rest only defines functions).
if __name__ == "http":
    import importlib

    _bench = os.path.dirname(os.path.abspath(__file__))
    _path = sys.path[:]
    sys.path[:] = [p for p in _path if os.path.abspath(p or os.curdir) != _bench]
    del sys.modules["http"]
    try:
        sys.modules["http"] = importlib.import_module("http")
    finally:
        sys.path[:] = _path
else:
    import httpx
    from pyoxigraph import QueryResultsFormat, Store, parse_query_results

    from _graph import (
        AGGREGATE,
        COAUTHORS,
        PROFILE,
        REPO,
        build_store,
        export_public,
        free_port,
        generate,
        metrics,
        oxigraph_load,
        person_iri,
        publicize,
        start_oxigraph,
        start_stigraph,
        stop,
        tree_rss,
    )
    from stigraph.store.generations import Generations

ACCEPT = "application/sparql-results+json"


@dataclass(frozen=True)
class QuerySpec:
    name: str
    text: str
    kind: str  # "small": target on requests/s with one client; "heavy": target on latency
    per_person: bool


def query_specs() -> list[QuerySpec]:
    return [
        QuerySpec("profile", PROFILE, "small", True),
        QuerySpec("aggregate", AGGREGATE, "heavy", False),
        QuerySpec("coauthors", COAUTHORS, "small", True),
    ]


SMALL_TARGET = 0.5  # stigraph requests/s with one client >= 50% of Oxigraph's
HEAVY_TARGET = 1.1  # stigraph latency <= 1.1x Oxigraph's


def texts(spec: QuerySpec, people: list[str]) -> list[str]:
    return [spec.text.replace("PERSON", p) for p in people] if spec.per_person else [spec.text]


def paths(endpoint: str, queries: list[str]) -> list[str]:
    return [f"{endpoint}?query={quote(q, safe='')}" for q in queries]


# -- load generators ----------------------------------------------------------------------
LUA = """
local paths = {PATHS}
local headers = { ["Accept"] = "ACCEPT" }
local counter = 0
local i = 0
function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end
function request()
  i = i + 1
  return wrk.format("GET", paths[((offset or 0) + i) % #paths + 1], headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"status_errors":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"timeouts":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end
"""


def wrk_version() -> str | None:
    exe = shutil.which("wrk")
    if exe is None:
        return None
    out = subprocess.run([exe, "-v"], capture_output=True, text=True)
    return (out.stdout + out.stderr).split("Copyright")[0].strip() or "wrk"


def run_wrk(base: str, urls: list[str], clients: int, duration: float, script_dir: Path) -> dict[str, Any]:
    script = script_dir / f"wrk-{os.getpid()}-{time.monotonic_ns()}.lua"
    table = "{" + ",".join(json.dumps(u) for u in urls) + "}"
    script.write_text(LUA.replace("{PATHS}", table).replace("ACCEPT", ACCEPT))
    threads = min(clients, os.cpu_count() or 1, 2)
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(clients),
        "-d",
        f"{math.ceil(duration)}s",
        "--timeout",
        "120s",
        "-s",
        str(script),
        base,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    script.unlink()
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}")
    r = json.loads(line[len("RESULT ") :])
    seconds = r["duration_us"] / 1e6
    kinds = ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts")
    errors = sum(r[k] for k in kinds)
    return {
        "requests": r["requests"],
        "seconds": round(seconds, 2),
        "rps": round(r["requests"] / seconds, 3),
        "p50_ms": round(r["p50_us"] / 1000, 3),
        "p95_ms": round(r["p95_us"] / 1000, 3),
        "p99_ms": round(r["p99_us"] / 1000, 3),
        "mean_ms": round(r["mean_us"] / 1000, 3),
        "errors": errors,
        "error_detail": {k: r[k] for k in kinds},
    }


def _py_client(args: tuple[str, list[str], float, int]) -> tuple[int, list[float], int]:
    base, urls, duration, offset = args
    latencies: list[float] = []
    errors = 0
    with httpx.Client(base_url=base, headers={"accept": ACCEPT}, timeout=120) as client:
        i = offset
        until = time.perf_counter() + duration
        while time.perf_counter() < until:
            t0 = time.perf_counter()
            r = client.get(urls[i % len(urls)])
            r.read()
            latencies.append(time.perf_counter() - t0)
            errors += r.status_code != 200
            i += 1
    return len(latencies), latencies, errors


def run_python(base: str, urls: list[str], clients: int, duration: float, _: Path) -> dict[str, Any]:
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        t0 = time.perf_counter()
        parts = pool.map(_py_client, [(base, urls, duration, k * 7919) for k in range(clients)])
        seconds = time.perf_counter() - t0
    latencies = sorted(x for _, lat, _ in parts for x in lat)
    n = len(latencies)
    return {
        "requests": n,
        "seconds": round(seconds, 2),
        "rps": round(n / duration, 3),
        "p50_ms": round(latencies[n // 2] * 1000, 3),
        "p95_ms": round(latencies[min(n - 1, int(n * 0.95))] * 1000, 3),
        "p99_ms": round(latencies[min(n - 1, int(n * 0.99))] * 1000, 3),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 3),
        "errors": sum(e for *_, e in parts),
        "error_detail": {},
    }


# -- parity and the engine alone ----------------------------------------------------------
def rows(client: httpx.Client, url: str) -> list[str]:
    r = client.get(url, headers={"accept": ACCEPT})
    r.raise_for_status()
    return sorted(json.dumps(b, sort_keys=True) for b in r.json()["results"]["bindings"])


def warm(base: str, urls: dict[str, list[str]]) -> dict[str, float]:
    """Every distinct request once (page cache, block caches, worker snapshots); the mean
    seconds of one request of each query."""
    seconds: dict[str, float] = {}
    with httpx.Client(timeout=600, headers={"accept": ACCEPT}) as client:
        for name, query_urls in urls.items():
            t0 = time.perf_counter()
            for u in query_urls:
                client.get(base + u).raise_for_status()
            seconds[name] = (time.perf_counter() - t0) / len(query_urls)
    return seconds


def settle(server: str, base: str, workers: int) -> None:
    """Before a measurement: every stigraph worker alive again (wrk's closing connections end the
    requests in flight, and stigraph kills the workers that ran them) and holding its snapshot
    open, through a few sequential requests (the idle workers are leased in turn)."""
    with httpx.Client(base_url=base, timeout=60, headers={"accept": ACCEPT}) as client:
        if server == "stigraph":
            until = time.monotonic() + 60
            while time.monotonic() < until:
                w = client.get("/healthz").json()["workers"]
                if w["alive"] >= w["configured"]:
                    break
                time.sleep(0.05)
        endpoint = "/sparql" if server == "stigraph" else "/query"
        for _ in range(2 * workers):
            client.get(endpoint, params={"query": "ASK { ?s ?p ?o }"}).raise_for_status()


def engine_alone(stores: dict[str, Path], queries: dict[str, list[str]], repeat: int) -> dict[str, Any]:
    """In-process pyoxigraph on each server's store: query + JSON serialisation (p50 ms), and on
    stigraph's snapshot also the worker's path (TSV spool, parsed back, JSON). A small query runs
    once untimed before each timed pair; a heavy one runs 3 times."""
    out: dict[str, Any] = {}
    for label, path in stores.items():
        store = Store.read_only(str(path))
        out[label] = {}
        for spec in query_specs():
            qs = queries[spec.name]
            n = 3 if spec.kind == "heavy" else max(repeat, len(qs))
            direct: list[float] = []
            relayed: list[float] = []
            for i in range(n):
                q = qs[i % len(qs)]
                if spec.kind == "small":  # once untimed, so that both timings below find warm caches
                    store.query(q, use_default_graph_as_union=True).serialize(format=QueryResultsFormat.JSON)
                t0 = time.perf_counter()
                store.query(q, use_default_graph_as_union=True).serialize(format=QueryResultsFormat.JSON)
                direct.append(time.perf_counter() - t0)
                if label == "stigraph" and spec.kind == "small":
                    t0 = time.perf_counter()
                    tsv = store.query(q, use_default_graph_as_union=True).serialize(format=QueryResultsFormat.TSV)
                    relay = parse_query_results(tsv or b"", format=QueryResultsFormat.TSV)
                    relay.serialize(format=QueryResultsFormat.JSON)
                    relayed.append(time.perf_counter() - t0)
            row = {"json_p50_ms": round(statistics.median(direct) * 1000, 3), "samples": n}
            if relayed:
                row["worker_path_p50_ms"] = round(statistics.median(relayed) * 1000, 3)
            out[label][spec.name] = row
        del store
    return out


# -- the run ------------------------------------------------------------------------------
@contextlib.contextmanager
def servers_up(stigraph_store: Path, oxigraph_dir: Path, workdir: Path, workers: int) -> Iterator[dict[str, Any]]:
    sport, oport = free_port(), free_port()
    sg = start_stigraph(
        stigraph_store,
        workdir / "stigraph.log",
        sport,
        workers=workers,
        client_concurrency=64,  # wrk's 8 connections come from one address
        client_budget_seconds=1e9,
        timeout_anonymous=300,  # heavy queries queue for a worker with 8 clients
    )
    try:
        ox = start_oxigraph(oxigraph_dir, workdir / "oxigraph.log", oport)
        try:
            yield {
                "bases": {"stigraph": f"http://127.0.0.1:{sport}", "oxigraph": f"http://127.0.0.1:{oport}"},
                "pids": {"stigraph": sg.pid, "oxigraph": ox.pid},
            }
        finally:
            stop(ox)
    finally:
        stop(sg)


def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    info: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "researchers": args.researchers,
        "cpus": os.cpu_count(),
        "stigraph_workers": args.workers,
        "duration_s": args.duration,
        "loadavg_1m_start": round(os.getloadavg()[0], 2),
    }
    t0 = time.perf_counter()
    raw, public = workdir / "generated.nt", workdir / "public.nt"
    generate(raw, args.researchers)
    info["triples"] = publicize(raw, public)
    raw.unlink()
    info["generate_s"] = round(time.perf_counter() - t0, 1)
    print(f"generated {info['triples']:,} triples in {info['generate_s']} s", flush=True)

    store = workdir / "stigraph"
    info["stigraph_load"] = build_store(store, public)
    nq = workdir / "public.nq"
    info["public_quads"] = export_public(store, nq)
    oxdir = workdir / "oxigraph"
    info["oxigraph_load_s"] = round(oxigraph_load(oxdir, nq), 1)
    print(
        f"loaded: stigraph {info['stigraph_load']}, oxigraph {info['oxigraph_load_s']} s, "
        f"{info['public_quads']:,} public quads on both",
        flush=True,
    )

    rnd = random.Random(11)
    people = [person_iri(rnd.randrange(args.researchers)) for _ in range(args.people)]
    query_texts = {q.name: texts(q, people) for q in query_specs()}
    snapshot = Generations(store).snapshot_path(Generations(store).current(), "public")
    info["engine_in_process"] = engine_alone({"stigraph": snapshot, "oxigraph": oxdir}, query_texts, args.engine_repeat)
    print("engine in-process (p50 ms):", info["engine_in_process"], flush=True)

    wrk = wrk_version()
    runner: Callable[[str, list[str], int, float, Path], dict[str, Any]] = run_wrk if wrk else run_python
    info["client"] = wrk or "python multiprocess httpx (wrk not found; client-bound above ~1k req/s per process)"
    print("load generator:", info["client"], flush=True)

    results: dict[str, dict[str, dict[str, Any]]] = {}
    with servers_up(store, oxdir, workdir, args.workers) as up:
        bases: dict[str, str] = up["bases"]
        endpoints = {"stigraph": "/sparql", "oxigraph": "/query"}
        urls = {s: {name: paths(endpoints[s], qs) for name, qs in query_texts.items()} for s in bases}
        same = parity(bases, urls, args.parity_sample)
        info["parity"] = same
        print("parity:", json.dumps(same), flush=True)
        if not all(p["same_counts"] for p in same.values()):
            raise SystemExit("the servers return different row counts; the comparison would not be fair")
        health = httpx.get(bases["stigraph"] + "/healthz", timeout=10).json()
        info["stigraph_worker_allocator"] = sorted({w["allocator"] for w in health["workers"]["detail"]})
        print("stigraph workers' allocator:", info["stigraph_worker_allocator"], flush=True)
        single = {server: warm(base, urls[server]) for server, base in bases.items()}
        info["warm_pass_mean_s"] = {k: {q: round(v, 4) for q, v in d.items()} for k, d in single.items()}
        info["rss_mib_after_warmup"] = {s: round(sum(tree_rss(pid).values()) / 1024) for s, pid in up["pids"].items()}
        for q in query_specs():
            results[q.name] = {server: {} for server in bases}
            # a heavy query runs long enough for --min-requests answers per measurement
            slowest = max(single[server][q.name] for server in bases)
            duration = max(args.duration, args.min_requests * slowest) if q.kind == "heavy" else args.duration
            for clients in (1, 8):
                for server, base in bases.items():
                    if q.kind == "small" and args.warmup > 0:
                        runner(base, urls[server][q.name], clients, args.warmup, workdir)
                    settle(server, base, args.workers)
                    r = runner(base, urls[server][q.name], clients, duration, workdir)
                    r["loadavg_1m_after"] = round(os.getloadavg()[0], 2)
                    results[q.name][server][f"c{clients}"] = r
                    print(
                        f"{q.name:10} {server:9} {clients} client(s): {r['rps']:8.1f} req/s  "
                        f"p50 {r['p50_ms']:8.2f} ms  p95 {r['p95_ms']:8.2f} ms  "
                        f"({r['requests']} requests in {r['seconds']} s, errors {r['errors']})",
                        flush=True,
                    )
        info["stigraph_kills_and_restarts"] = {
            k: v for k, v in metrics(bases["stigraph"]).items() if "killed" in k or "restarts" in k
        }
        info["rss_mib_end"] = {s: round(sum(tree_rss(pid).values()) / 1024) for s, pid in up["pids"].items()}
    info["results"] = results
    info["ratios"] = ratios(results)
    return info


def parity(bases: dict[str, str], urls: dict[str, dict[str, list[str]]], sample: int) -> dict[str, Any]:
    """Parity over the same requests, each server with its own endpoint path."""
    report: dict[str, Any] = {}
    with httpx.Client(timeout=300) as client:
        for name in urls["stigraph"]:
            counts: dict[str, list[int]] = {s: [] for s in bases}
            same_rows = True
            for k in range(min(sample, len(urls["stigraph"][name]))):
                got = {s: rows(client, base + urls[s][name][k]) for s, base in bases.items()}
                for s, r in got.items():
                    counts[s].append(len(r))
                first, *others = got.values()
                same_rows = same_rows and all(o == first for o in others)
            report[name] = {
                "requests": len(counts["stigraph"]),
                "rows_total": {s: sum(c) for s, c in counts.items()},
                "rows_min_max": {s: [min(c), max(c)] for s, c in counts.items()},
                "same_counts": len({tuple(c) for c in counts.values()}) == 1,
                "same_rows": same_rows,
            }
    return report


def ratios(results: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for q in query_specs():
        s, o = results[q.name]["stigraph"], results[q.name]["oxigraph"]
        r = {
            "rps_c1": round(s["c1"]["rps"] / o["c1"]["rps"], 3),
            "rps_c8": round(s["c8"]["rps"] / o["c8"]["rps"], 3),
            "p50": round(s["c1"]["p50_ms"] / o["c1"]["p50_ms"], 3),
            "p95": round(s["c1"]["p95_ms"] / o["c1"]["p95_ms"], 3),
        }
        if q.kind == "small":
            r["target"] = f"req/s with 1 client >= {SMALL_TARGET:.0%} of Oxigraph"
            r["met"] = r["rps_c1"] >= SMALL_TARGET
        else:
            r["target"] = f"p50 latency <= {HEAVY_TARGET}x Oxigraph"
            r["met"] = r["p50"] <= HEAVY_TARGET
        out[q.name] = r
    return out


def _rps(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.2f}"


def print_table(info: dict[str, Any]) -> None:
    print()
    print(
        f"researchers {info['researchers']:,}, {info['public_quads']:,} quads, {info['cpus']} CPUs, "
        f"stigraph workers {info['stigraph_workers']}, client: {info['client']}"
    )
    print()
    print("| query | server | p50 ms (1 client) | p95 ms (1 client) | req/s, 1 client | req/s, 8 clients |")
    print("|---|---|---:|---:|---:|---:|")
    for q in query_specs():
        for server in ("stigraph", "oxigraph"):
            r = info["results"][q.name][server]
            print(
                f"| {q.name} | {server} | {r['c1']['p50_ms']:.2f} | {r['c1']['p95_ms']:.2f} | "
                f"{_rps(r['c1']['rps'])} | {_rps(r['c8']['rps'])} |"
            )
        x = info["ratios"][q.name]
        print(
            f"| {q.name} | **stigraph / oxigraph** | {x['p50']:.2f}x | {x['p95']:.2f}x | "
            f"{x['rps_c1']:.0%} | {x['rps_c8']:.0%} |"
        )
    print()
    print("| query | in-process p50 ms, stigraph snapshot | in-process p50 ms, Oxigraph store |")
    print("|---|---:|---:|")
    engine = info["engine_in_process"]
    for q in query_specs():
        sg, ox = engine["stigraph"][q.name]["json_p50_ms"], engine["oxigraph"][q.name]["json_p50_ms"]
        print(f"| {q.name} | {sg:.2f} | {ox:.2f} |")
    print()
    for q in query_specs():
        x = info["ratios"][q.name]
        print(f"{q.name} ({q.kind}): target {x['target']}: {'met' if x['met'] else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--researchers", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load before a small query")
    parser.add_argument("--min-requests", type=int, default=10, help="answers a heavy-query measurement waits for")
    parser.add_argument("--workers", type=int, default=2, help="stigraph query worker processes")
    parser.add_argument("--people", type=int, default=500, help="distinct researchers the requests cycle through")
    parser.add_argument("--parity-sample", type=int, default=20, help="requests per query compared on both servers")
    parser.add_argument("--engine-repeat", type=int, default=20, help="in-process runs per query")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (stores, server logs)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="stigraph-http-"))
    try:
        info = bench(args, workdir)
    finally:
        if args.keep:
            print("work directory kept:", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / f"http-{args.researchers}.json").write_text(json.dumps(info, indent=2) + "\n")
    print_table(info)


if __name__ == "__main__":
    main()
