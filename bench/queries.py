"""Every curated query at scale: stigraph's /api/queries next to the same plain query on
`oxigraph serve-read-only`, on the same triples, in the same run.

The graph is bench/load.py's researcher graph (every person public, as in bench/http.py) with
each researcher's current position made a principal-investigator post, so the PI-map queries
have PIs to find, plus the bundled graph (seed: missions and their jurisdictions, programmes,
the advisory board; ontology and vocabularies). Each query runs with its required example
values only (optional parameters omitted: the widest, heaviest form) and, where it has
optional ones, with every example value.

Per request and server: the first answer's time, then p50/p95 over --repeat further answers.
stigraph runs twice: with its answer cache off (every answer computed: the engine plus the API)
and on (repeats are answered from the cache of the current store generation). Oxigraph gets
the query text with the values written in as VALUES (it has no parameter binding), and a
paginated query with LIMIT <page size> (what a client pages with; stigraph also counts the
exact total). Queries that need a token (scope partner/all) read graphs Oxigraph's public copy
does not have; they run on stigraph with a token of exactly their scope and are not compared.

    python bench/queries.py --researchers 100000
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from _graph import (
    REPO,
    export_public,
    free_port,
    generate,
    oxigraph_load,
    publicize,
    start_oxigraph,
    start_stigraph,
    stop,
)
from stigraph.bundle import read_bundle
from stigraph.catalog.binding import bind
from stigraph.catalog.catalog import Catalog, load_catalog
from stigraph.catalog.model import CuratedQuery
from stigraph.catalog.tables import TableInfo, materialise, table_dir_name
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import SourceSpec
from stigraph.namespaces import Minter
from stigraph.sparql.lexer import tokens
from stigraph.store import open_store
from stigraph.store.generations import Generations
from stigraph.validation import Validator

ADMIN = "bench-admin-token"
PARTNER = "bench-partner-token"
TARGET_P50_S = 1.0


def pis_everywhere(src: Path, dst: Path) -> int:
    """The generated graph with every current position (role researcher) a PI post."""
    n = 0
    with src.open(encoding="utf-8") as inp, dst.open("w", encoding="utf-8") as out:
        for line in inp:
            out.write(line.replace("/role/researcher>", "/role/principal-investigator>"))
            n += 1
    return n


def build(store: Path, nt: Path) -> float:
    from _graph import settings_for

    settings = settings_for(store).model_copy(update={"precompute_answers": False})  # timed apart
    validator = Validator.from_dirs(settings.shapes_dir, settings.ontology_dir)
    with open_store(settings, write=True) as st:
        pipeline = Pipeline(st, validator, Minter(settings.base_iri))
        for spec in read_bundle(settings.bundle):
            pipeline.load(spec)
        t0 = time.perf_counter()
        pipeline.load(SourceSpec(id="bench", kind="rdf", input=[nt]))
        return time.perf_counter() - t0


def precompute(store: Path, catalog: Catalog) -> dict[str, Any]:
    """Write the answer tables a publish writes (unless the current generation has them all):
    the load above runs with them off, so that their cost is measured on its own."""
    from _graph import settings_for

    gens = Generations(store)
    missing = [
        q.name
        for q in catalog
        if q.precompute and not (gens.derived_path(gens.current()) / q.scope / table_dir_name(q)).exists()
    ]
    if not missing:
        return {}
    done: list[TableInfo] = []

    def derive(answers: Path, open_scope: Any) -> None:
        done.extend(materialise(catalog, open_scope, answers, set(missing)))

    t0 = time.perf_counter()
    with open_store(settings_for(store), write=True) as st:
        st.derive_current([derive])
    return {"seconds": round(time.perf_counter() - t0, 1), "tables": {i.name: [i.rows, i.seconds] for i in done}}


def example_values(q: CuratedQuery, *, optional: bool) -> list[tuple[str, str]]:
    out = []
    for p in q.params.values():
        if p.required or optional:
            values = p.example if isinstance(p.example, list) else [p.example]
            out += [(p.name, "true" if v is True else "false" if v is False else str(v)) for v in values]
    return out


def plain_text(q: CuratedQuery, params: list[tuple[str, str]]) -> str:
    """The query as a client would send it to a plain SPARQL server: values written in."""
    given: dict[str, list[str]] = {}
    for k, v in params:
        given.setdefault(k, []).append(v)
    bound = bind(q, given)
    text = bound.text
    if bound.substitutions:
        block = " ".join(f"VALUES ?{var} {{ {term} }}" for var, term in bound.substitutions.items())
        brace = _outer_where_brace(text)
        text = text[: brace + 1] + " " + block + " " + text[brace + 1 :]
    if q.paginated:
        text += f"\nLIMIT {q.page_size}"
    return text


def _outer_where_brace(text: str) -> int:
    """Offset of the ``{`` opening the outermost WHERE group (after a CONSTRUCT template)."""
    toks = list(tokens(text))
    depth = 0
    first_brace = None
    for i, t in enumerate(toks):
        if t.kind == "word" and t.text.upper() == "WHERE" and depth == 0:
            return next(x.start for x in toks[i + 1 :] if x.text == "{")
        if t.kind == "punct" and t.text in "{([":
            if t.text == "{" and depth == 0 and first_brace is None:
                first_brace = t.start
            depth += 1
        elif t.kind == "punct" and t.text in "})]":
            depth -= 1
    if first_brace is None:
        raise ValueError("no group pattern")
    return first_brace


TIMED_OUT = 0  # the status recorded when the client gave up
SERVER_DIED = -1  # the status recorded when the server closed the connection (e.g. killed for memory)


def timed(client: httpx.Client, url: str, params: Any, headers: dict[str, str]) -> tuple[float, int, str, str]:
    t0 = time.perf_counter()
    try:
        r = client.get(url, params=params, headers=headers)
    except httpx.TimeoutException:
        return time.perf_counter() - t0, TIMED_OUT, "", ""
    except httpx.TransportError:
        return time.perf_counter() - t0, SERVER_DIED, "", ""
    return (
        time.perf_counter() - t0,
        r.status_code,
        r.headers.get("x-total-count", ""),
        r.headers.get("x-answered-from", ""),
    )


def measure(client: httpx.Client, url: str, params: Any, headers: dict[str, str], repeat: int) -> dict[str, Any]:
    first, status, total, answered = timed(client, url, params, headers)
    times = []
    if status == 200:
        # slow answers: fewer repeats, to keep a run at a million researchers within hours
        for _ in range(repeat if first < 2 else 2 if first < 10 else 1):
            times.append(timed(client, url, params, headers)[0])
    return {
        "status": status,
        "first_s": round(first, 4),
        "p50_s": round(statistics.median(times), 4) if times else None,
        "p95_s": round(sorted(times)[max(0, int(len(times) * 0.95) - 1)], 4) if times else None,
        "total": total,
        "answered": answered,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--researchers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=600.0, help="stigraph deadline, seconds")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--only", default="", help="comma-separated query names")
    parser.add_argument("--build-only", action="store_true", help="build (or reuse) the stores, run nothing")
    parser.add_argument(
        "--workdir", type=Path, help="keep the stores here; a second run with the same directory reuses them"
    )
    args = parser.parse_args()
    catalog = load_catalog(REPO / "queries")
    selected = [q for q in catalog if not args.only or q.name in args.only.split(",")]
    info: dict[str, Any] = {"date": datetime.date.today().isoformat(), "researchers": args.researchers}
    with contextlib.ExitStack() as stack:
        if args.workdir:
            work = args.workdir
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="stigraph-queries-")))
        store, oxdir, built = work / "stigraph", work / "oxigraph", work / "built.json"
        if built.exists():
            info.update(json.loads(built.read_text()))
            print(f"reusing the stores in {work}", flush=True)
        else:
            raw, public, nt = work / "raw.nt", work / "public.nt", work / "pis.nt"
            if nt.exists():  # generated by an earlier run that did not finish building
                with nt.open("rb") as f:
                    info["triples"] = sum(1 for _ in f)
            else:
                generate(raw, args.researchers)
                publicize(raw, public)
                info["triples"] = pis_everywhere(public, nt)
                raw.unlink()
                public.unlink()
            shutil.rmtree(store, ignore_errors=True)
            info["stigraph_load_s"] = round(build(store, nt), 1)
            nq = work / "public.nq"
            info["public_quads"] = export_public(store, nq)
            info["oxigraph_load_s"] = round(oxigraph_load(oxdir, nq), 1)
            nt.unlink()
            nq.unlink()
            built.write_text(
                json.dumps({k: info[k] for k in ("triples", "stigraph_load_s", "public_quads", "oxigraph_load_s")})
            )
        print(f"{info['triples']:,} generated triples; {info['public_quads']:,} public quads on both", flush=True)
        tables = precompute(store, catalog)
        if tables:
            info["precompute"] = tables
            print(f"answer tables written in {tables['seconds']} s: {tables['tables']}", flush=True)
        if args.build_only:
            return
        results: list[dict[str, Any]] = []
        ports = {"stigraph": free_port(), "cached": free_port(), "oxigraph": free_port()}
        common = {
            "timeout_anonymous": args.timeout,
            "timeout_token": args.timeout,
            "client_concurrency": 64,
            "client_budget_seconds": 1e9,
            "tokens": {
                ADMIN: {"scope": "all", "write": False, "name": "bench"},
                PARTNER: {"scope": "partner", "write": False, "name": "bench-partner"},
            },
            "workers": 1,
        }
        servers = [
            start_stigraph(store, work / "nocache.log", ports["stigraph"], answer_cache_mb=0, **common),
            start_stigraph(store, work / "cache.log", ports["cached"], **common),
            start_oxigraph(oxdir, work / "oxigraph.log", ports["oxigraph"]),
        ]
        try:
            with httpx.Client(timeout=args.timeout + 30) as client, httpx.Client(timeout=args.timeout) as ox_client:
                for q in selected:
                    cases = [example_values(q, optional=False)]
                    full = example_values(q, optional=True)
                    if full != cases[0]:
                        cases.append(full)
                    # each query with a token of exactly its scope (the scope its answer table is for)
                    bearer = {"public": None, "partner": PARTNER, "all": ADMIN}[q.scope]
                    token = {"Authorization": f"Bearer {bearer}"} if bearer else {}
                    accept = {"Accept": "application/n-triples" if q.returns_graph else "application/json"}
                    for params in cases:
                        row: dict[str, Any] = {"query": q.name, "params": params, "scope": q.scope}
                        for name in ("stigraph", "cached"):
                            url = f"http://127.0.0.1:{ports[name]}/api/queries/{q.name}"
                            row[name] = measure(client, url, params, {**token, **accept}, args.repeat)
                        if q.scope == "public":
                            text = plain_text(q, params)
                            url = f"http://127.0.0.1:{ports['oxigraph']}/query?" + urlencode({"query": text})
                            ox_accept = {
                                "Accept": "application/n-triples"
                                if q.returns_graph
                                else "application/sparql-results+json"
                            }
                            row["oxigraph"] = measure(ox_client, url, None, ox_accept, args.repeat)
                            if row["oxigraph"]["status"] in (TIMED_OUT, SERVER_DIED):
                                # Oxigraph has no deadline: the query would go on using a core
                                stop(servers[2])
                                servers[2] = start_oxigraph(oxdir, work / "oxigraph.log", ports["oxigraph"])
                        results.append(row)
                        print(_line(row), flush=True)
        finally:
            for s in servers:
                stop(s)
    info["results"] = results
    args.output.mkdir(parents=True, exist_ok=True)
    out = args.output / f"queries-{args.researchers}.json"
    out.write_text(json.dumps(info, indent=1))
    print_table(info)
    print(f"wrote {out}")


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x * 1000:,.0f}" if x < 10 else f"{x:,.1f} s"


def _line(row: dict[str, Any]) -> str:
    parts = [f"{row['query']:34} {len(row['params'])}p"]
    for name in ("stigraph", "cached", "oxigraph"):
        m = row.get(name)
        if m:
            parts.append(f"{name}: {m['status']} first {_fmt(m['first_s'])} p50 {_fmt(m['p50_s'])}")
    return "  ".join(parts)


def _cell(m: dict[str, Any] | None, key: str) -> str:
    """A time, or what came instead: a timeout (the client gave up) or the HTTP status."""
    if m is None:
        return "n/a"
    if m["status"] == TIMED_OUT:
        return f"timeout ({_fmt(m['first_s'])})"
    if m["status"] == SERVER_DIED:
        return f"server died ({_fmt(m['first_s'])})"
    if m["status"] != 200:
        return f"HTTP {m['status']} ({_fmt(m['first_s'])})"
    return _fmt(m[key])


def print_table(info: dict[str, Any]) -> None:
    print(
        "\n| query | values | rows | answered from | stigraph, no cache: first / p50 ms "
        "| stigraph, cache: first / p50 ms | Oxigraph plain: p50 ms | no cache / Oxigraph "
        "| p50 < 1 s: no cache / cache |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---|")
    for r in info["results"]:
        s, c, o = r["stigraph"], r["cached"], r.get("oxigraph")
        ratio = f"{s['p50_s'] / o['p50_s']:.2f}x" if o and o["p50_s"] and s["p50_s"] else "—"
        ok = ["yes" if m["p50_s"] is not None and m["p50_s"] < TARGET_P50_S else "**no**" for m in (s, c)]
        print(
            f"| `{r['query']}` | {len(r['params'])} | {s['total'] or '—'} | {s.get('answered') or '—'} | "
            f"{_cell(s, 'first_s')} / {_cell(s, 'p50_s')} | {_cell(c, 'first_s')} / {_cell(c, 'p50_s')} | "
            f"{_cell(o, 'p50_s')} | {ratio} | {ok[0]} / {ok[1]} |"
        )


if __name__ == "__main__":
    sys.exit(main())
