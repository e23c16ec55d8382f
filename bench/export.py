"""Export benchmark: stigraph's streamed exports next to raw pyoxigraph ``Store.dump``, same store.

Builds (or reuses, with ``--workdir``) a store holding the ontology, the vocabularies and a
generated researcher graph (bench/load.py's generator: names in two scripts, ORCID iDs,
affiliations, fields, publications, a share of partner/restricted people). Each measurement
runs in a child process of its own, so its peak memory (``VmHWM``) is its own; times start once
the store is open:

* raw: ``pyoxigraph.Store.read_only(<generation>).dump(file, format)`` of the whole store (the
  engine's own dump, nothing in Python), for the dataset formats;
* old: what ``stigraph export`` did for Turtle/N-Triples before: a ``CONSTRUCT`` over the
  scope's graphs, serialised (its result is held in memory);
* stigraph: ``stigraph.export`` (scope ``all``, the whole store, and ``public``), every format,
  gzip, the description (VoID/DCAT/PROV) and the partner profile.

    python bench/export.py --researchers 100000 --workdir /tmp/stigraph-export-bench
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

CASES: list[tuple[str, str, str, bool]] = [
    # (method, format, scope, gzip)
    ("raw", "nq", "all", False),
    ("stigraph", "nq", "all", False),
    ("raw", "trig", "all", False),
    ("stigraph", "trig", "all", False),
    ("raw", "jsonld", "all", False),
    ("stigraph", "jsonld", "all", False),
    ("old", "ttl", "all", False),
    ("stigraph", "ttl", "all", False),
    ("old", "nt", "all", False),
    ("stigraph", "nt", "all", False),
    ("stigraph", "nq", "all", True),
    ("stigraph", "nq", "public", False),
    ("stigraph", "nq", "public", True),
    ("stigraph", "describe", "public", False),
    ("stigraph", "profile", "public", False),
    ("idle", "-", "all", False),
]


def child(method: str, fmt: str, scope: str, gz: bool, store: Path, out: Path) -> dict[str, Any]:
    """One measurement, in this (child) process."""
    from pyoxigraph import QueryTriples, Store

    from _graph import settings_for
    from stigraph.export.describe import describe
    from stigraph.export.dump import EXPORT_FORMATS, write_dump
    from stigraph.export.partner import PartnerProfile
    from stigraph.export.run import all_distributions
    from stigraph.export.view import view_of_store
    from stigraph.namespaces import Minter
    from stigraph.store import open_store
    from stigraph.store.generations import Generations

    settings = settings_for(store)
    items = 0
    if method == "raw":
        gens = Generations(store)
        raw = Store.read_only(str(gens.path(gens.current())))
        t0 = time.perf_counter()
        with out.open("wb") as sink:
            raw.dump(sink, format=EXPORT_FORMATS[fmt].rdf)
        seconds = time.perf_counter() - t0
        items = len(raw)
    else:
        with open_store(settings) as st, out.open("wb") as sink:
            view = view_of_store(st, Minter(settings.base_iri), scope)
            t0 = time.perf_counter()
            if method == "idle":
                items = len(st)
            elif method == "old":
                triples = st.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graph=view.graphs)
                assert isinstance(triples, QueryTriples)
                triples.serialize(sink, format=EXPORT_FORMATS[fmt].rdf)
            elif fmt == "describe":
                data = describe(view, all_distributions(scope)).serialize()
                sink.write(data)
                items = len(data)
            elif fmt == "profile":
                profile = PartnerProfile.from_dirs(settings.shapes_dir, settings.ontology_dir)
                items = profile.write(view, sink).triples
            else:
                items = write_dump(view, EXPORT_FORMATS[fmt], sink, compress=gz).quads
            seconds = time.perf_counter() - t0
    return {
        "seconds": round(seconds, 2),
        "items": items,
        "bytes": out.stat().st_size if out.exists() else 0,
        "peak_rss_mb": round(peak_rss_kib() / 1024, 1),
    }


def peak_rss_kib() -> int:
    """This process's resident-set high-water mark (VmHWM: reset at exec, unlike ru_maxrss,
    which a child started by a big parent inherits)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def build(store: Path, researchers: int, work: Path) -> dict[str, Any]:
    from _graph import build_store
    from load import generate

    raw = work / "raw.nt"
    triples = generate(raw, researchers)
    built = build_store(store, raw)
    raw.unlink()
    return {"triples": triples, "load_s": built["seconds"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--researchers", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--workdir", type=Path, help="keep the store here; a second run reuses it")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        method, fmt, scope, gz, store, out = args.child
        print(json.dumps(child(method, fmt, scope, gz == "1", Path(store), Path(out))))
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="stigraph-export-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    store, built = work / "store", work / "built.json"
    if built.exists():
        info = json.loads(built.read_text())
        print(f"reusing the store in {work}", flush=True)
    else:
        info = build(store, args.researchers, work)
        built.write_text(json.dumps(info))
    info.update(date=datetime.date.today().isoformat(), researchers=args.researchers, cpus=os.cpu_count())
    rows: list[dict[str, Any]] = []
    for method, fmt, scope, gz in CASES:
        out = work / f"out-{method}-{scope}.{fmt}{'.gz' if gz else ''}"
        cmd = [sys.executable, __file__, "--child", method, fmt, scope, "1" if gz else "0", str(store), str(out)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{method} {fmt} {scope}: failed\n{done.stderr[-2000:]}", flush=True)
            continue
        row = {"method": method, "format": fmt + (".gz" if gz else ""), "scope": scope, **json.loads(done.stdout)}
        if fmt not in ("describe", "profile", "-") and row["seconds"]:
            quads = row["items"] or rows_quads(rows, scope)
            row["triples_per_s"] = round(quads / row["seconds"])
        rows.append(row)
        out.unlink(missing_ok=True)
        print(json.dumps(row), flush=True)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / f"export-{args.researchers}.json").write_text(json.dumps({**info, "rows": rows}, indent=2) + "\n")
    print(f"\n{info['triples']:,} generated triples; store loaded in {info['load_s']} s\n")
    print("| method | format | scope | seconds | triples/s | output MB | peak RSS MB |")
    print("|---|---|---|---:|---:|---:|---:|")
    for r in rows:
        rate = f"{r['triples_per_s']:,}" if "triples_per_s" in r else "-"
        print(
            f"| {r['method']} | {r['format']} | {r['scope']} | {r['seconds']} | {rate} | "
            f"{r['bytes'] / 1e6:.1f} | {r['peak_rss_mb']} |"
        )


def rows_quads(rows: list[dict[str, Any]], scope: str) -> int:
    """The quad count measured for a scope by an earlier row (the old path does not count)."""
    return next((r["items"] for r in rows if r["scope"] == scope and r["method"] == "stigraph" and r["items"]), 0)


if __name__ == "__main__":
    main()
