"""The same service on each backend: load the same generated graph through `stigraph load` into
the embedded store, a real `oxigraph serve`, and a real Virtuoso 7 (through Graph Store
requests, and through Virtuoso's or Oxigraph's bulk loader), then serve each with `stigraph serve` and run
the SPARQL service benchmark's query mix (bench/http.py: profile, aggregate, coauthors) against
`/sparql`, all in one run.

Per backend:
- **load**: the wall time of `stigraph load public.nt --kind rdf` (parse, validation, transfer,
  commit; answer tables off, so that the transfer is what differs), after the ontology and
  vocabularies were loaded the same way;
- **path index**: the build time of the public path index the service reports in /healthz
  (read from the engine in pages on a remote backend), waited for before measuring;
- **queries**: p50/p95 over --requests sequential requests with one client (--heavy-requests for
  the aggregate), a different researcher per request for profile and coauthors; every backend's
  rows for the first 20 requests are compared with the embedded store's (the run stops if they
  differ).

The engines are the test suite's throwaway instances (tests/engines.py). Writes
bench/results/backends-<N>.json.

    python bench/backends.py --researchers 30000          # about 1M triples
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from _graph import (
    AGGREGATE,
    COAUTHORS,
    PROFILE,
    REPO,
    VOCABULARIES,
    free_port,
    generate,
    person_iri,
    publicize,
    start_stigraph,
    stigraph_cmd,
    stigraph_env,
    stop,
)

sys.path.insert(0, str(REPO))
from tests import engines

ACCEPT = "application/sparql-results+json"
BACKENDS = ("embedded", "oxigraph", "oxigraph-bulk", "virtuoso", "virtuoso-bulk")


def remote_settings(
    running: engines.Engine | None, bulk_dir: Path | None, timeout: float, oxigraph_bulk: bool = False
) -> dict[str, object]:
    if running is None:
        return {}
    settings = {**engines.remote_settings(running), "remote_timeout": str(timeout)}
    if oxigraph_bulk:
        settings["remote_bulk_loader"] = "oxigraph"
    if bulk_dir is not None:
        settings.update(
            {k.removeprefix("STIGRAPH_").lower(): v for k, v in engines.bulk_env(running, bulk_dir).items()}
        )
    return settings


def cli(store: Path, settings: dict[str, object], *args: str) -> float:
    env = stigraph_env(store, precompute_answers=False, **settings)
    t0 = time.perf_counter()
    done = subprocess.run([*stigraph_cmd(), *args], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"stigraph {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - t0


def wait_for_path_index(base: str, timeout: float = 3600) -> float:
    """Seconds the public path index took to build (as /healthz reports it), once it is built."""
    until = time.monotonic() + timeout
    with httpx.Client(base_url=base, timeout=30) as client:
        while time.monotonic() < until:
            health = client.get("/healthz").json()
            public = health.get("path_indexes", {}).get("public")
            if public and public.get("generation") == health.get("generation", public.get("generation")):
                return float(public["build_seconds"])
            time.sleep(1)
    raise RuntimeError("the path index was not built in time")


def rows(client: httpx.Client, query: str) -> tuple[float, list[str]]:
    t0 = time.perf_counter()
    r = client.get("/sparql", params={"query": query})
    seconds = time.perf_counter() - t0
    r.raise_for_status()
    return seconds, sorted(json.dumps(b, sort_keys=True) for b in r.json()["results"]["bindings"])


def measure(
    base: str, people: list[str], requests: int, heavy: int
) -> tuple[dict[str, Any], dict[str, list[list[str]]]]:
    out: dict[str, Any] = {}
    answers: dict[str, list[list[str]]] = {}
    specs = {
        "profile": (PROFILE, True, requests),
        "aggregate": (AGGREGATE, False, heavy),
        "coauthors": (COAUTHORS, True, requests),
    }
    with httpx.Client(base_url=base, timeout=600, headers={"accept": ACCEPT}) as client:
        for name, (text, per_person, n) in specs.items():
            queries = [text.replace("PERSON", people[i % len(people)]) for i in range(n)] if per_person else [text] * n
            rows(client, queries[0])  # warm: the worker's snapshot or the engine's caches
            times, seen = [], []
            for q in queries:
                seconds, got = rows(client, q)
                times.append(seconds)
                if len(seen) < 20:
                    seen.append(got)
            times.sort()
            out[name] = {
                "requests": n,
                "p50_ms": round(statistics.median(times) * 1000, 2),
                "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))] * 1000, 2),
                "rows_first_20": sum(len(s) for s in seen),
            }
            answers[name] = seen
    return out, answers


def run_backend(
    name: str, public: Path, work: Path, people: list[str], args: argparse.Namespace
) -> tuple[dict[str, Any], dict[str, list[list[str]]]]:
    with ExitStack() as stack:
        running = None
        bulk_dir = None
        if name.startswith("oxigraph"):
            running = stack.enter_context(engines.oxigraph_server(work / "engine"))
        elif name.startswith("virtuoso"):
            running = stack.enter_context(
                engines.virtuoso_server(work / "engine", max_rows=1_000_000, buffers=args.virtuoso_buffers)
            )
            if name == "virtuoso-bulk":
                bulk_dir = work / "engine" / "bulk"
                bulk_dir.mkdir()
        settings = remote_settings(running, bulk_dir, args.remote_timeout, oxigraph_bulk=name == "oxigraph-bulk")
        state = work / "state"
        for source, path in VOCABULARIES:
            cli(state, settings, "load", str(path), "--kind", "rdf", "--source-id", source, "--no-reconcile")
        load_s = cli(state, settings, "load", str(public), "--kind", "rdf", "--source-id", "bench", "--no-reconcile")
        print(f"{name}: loaded in {load_s:.1f} s", flush=True)
        port = free_port()
        server = start_stigraph(state, work / "serve.log", port, timeout_anonymous=600, **settings)
        try:
            base = f"http://127.0.0.1:{port}"
            index_s = wait_for_path_index(base)
            print(f"{name}: path index built in {index_s:.1f} s", flush=True)
            queries, answers = measure(base, people, args.requests, args.heavy_requests)
        finally:
            stop(server)
        result = {"load_s": round(load_s, 1), "path_index_s": round(index_s, 1), "queries": queries}
        print(f"{name}: {json.dumps(queries)}", flush=True)
        return result, answers


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--researchers", type=int, default=30_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--heavy-requests", type=int, default=5)
    ap.add_argument("--backends", default=",".join(BACKENDS))
    ap.add_argument("--virtuoso-buffers", type=int, default=170_000, help="NumberOfBuffers (8 KB pages)")
    ap.add_argument("--remote-timeout", type=float, default=3600, help="STIGRAPH_REMOTE_TIMEOUT of the remote loads")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--output", type=Path)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="stigraph-backends-"))
    work.mkdir(parents=True, exist_ok=True)
    info: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "researchers": args.researchers,
        "cpus": os.cpu_count(),
        "loadavg_1m_start": round(os.getloadavg()[0], 2),
    }
    raw, public = work / "generated.nt", work / "public.nt"
    generate(raw, args.researchers)
    info["triples"] = publicize(raw, public)
    raw.unlink()
    print(f"generated {info['triples']:,} triples", flush=True)
    rng = random.Random(7)
    people = [person_iri(rng.randrange(args.researchers)) for _ in range(100)]
    results: dict[str, Any] = {}
    reference: dict[str, list[list[str]]] | None = None
    for name in args.backends.split(","):
        target = work / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        results[name], answers = run_backend(name, public, target, people, args)
        if reference is None:
            reference = answers
        elif answers != reference:
            differing = [q for q in answers if answers[q] != reference[q]]
            sys.exit(f"{name} answered differently from {args.backends.split(',')[0]}: {differing}")
        results[name]["same_rows"] = True
        shutil.rmtree(target / "engine", ignore_errors=True)
    info["backends"] = results
    info["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    out = args.output or REPO / "bench" / "results" / f"backends-{args.researchers}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(info, indent=1), encoding="utf-8")
    first = next(iter(results.values()))
    print()
    head = ["backend", "load s", "path index s", "profile p50 / p95 ms", "coauthors p50 / p95 ms", "aggregate p50 ms"]
    print("| " + " | ".join([*head, "aggregate vs first"]) + " |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        q = r["queries"]
        ratio = q["aggregate"]["p50_ms"] / first["queries"]["aggregate"]["p50_ms"]
        print(
            f"| {name} | {r['load_s']} | {r['path_index_s']} | {q['profile']['p50_ms']} / {q['profile']['p95_ms']} | "
            f"{q['coauthors']['p50_ms']} / {q['coauthors']['p95_ms']} | {q['aggregate']['p50_ms']} | {ratio:.2f}x |"
        )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
