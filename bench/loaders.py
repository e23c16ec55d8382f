"""Source loaders at volume: records/s and triples/s of each loader through the whole pipeline,
next to a raw ``bulk_load`` of the very triples it produced, and its validation next to pyshacl.

* ror: ROR-like records made from the real samples of loaders/ror/ (ids, names and
  relationship targets renumbered so every record is new and relationships stay inside the
  set), written as a zipped dump the way ROR publishes it, loaded with ``kind: ror``;
* wikidata-missions: the sample rows of loaders/wikidata-missions/ repeated with new Wikidata
  items (or, with --missions-csv, a real file such as the 9,852-row one).

For each: the pipeline's stages (map + stage, validation, routing, commit), then
``pyoxigraph.Store.bulk_load`` of the graph it committed (dumped as N-Triples), and the compiled
SHACL validation against pyshacl on the first --pyshacl-records records (pyshacl is far slower;
both must agree). Writes bench/results/loaders-<ror records>.json.

    python bench/loaders.py --ror-records 80000          # about 3M triples
"""

from __future__ import annotations

import argparse
import copy
import csv
import io
import json
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat, Store

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stigraph.bundle import read_bundle  # noqa: E402
from stigraph.config import Settings  # noqa: E402
from stigraph.ingest.pipeline import Pipeline, read_files  # noqa: E402
from stigraph.ingest.sources import SourceSpec  # noqa: E402
from stigraph.namespaces import Minter  # noqa: E402
from stigraph.store import open_store  # noqa: E402
from stigraph.validation import Validator  # noqa: E402

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # ROR's Crockford base32 (no i, l, o, u)
GRAPH = "https://w3id.org/stigraph/graph/{}/public"


def ror_id(n: int) -> str:
    """A well-formed ROR id for ``n`` (the 2 check digits are not real checksums; nothing checks them)."""
    body = ""
    for _ in range(6):
        n, r = divmod(n, 32)
        body = ALPHABET[r] + body
    return f"0{body}{n % 100:02d}"


def ror_records(count: int, seed: int = 5) -> list[dict[str, Any]]:
    real = json.loads((REPO / "loaders" / "ror" / "sample.json").read_text(encoding="utf-8"))
    rnd = random.Random(seed)
    out = []
    for i in range(count):
        record = copy.deepcopy(real[i % len(real)])
        record["id"] = f"https://ror.org/{ror_id(i)}"
        for name in record["names"]:
            name["value"] = f"{name['value']} {i}"
        for rel in record["relationships"]:
            rel["id"] = f"https://ror.org/{ror_id(rnd.randrange(count))}"
        out.append(record)
    return out


def mission_rows(count: int) -> bytes:
    lines = (REPO / "loaders" / "wikidata-missions" / "sample.csv").read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([lines[0]], delimiter=";"))
    rows = [next(csv.reader([line], delimiter=";")) for line in lines[1:]]
    at = header.index("QID")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    for i in range(count):
        row = list(rows[i % len(rows)])
        row[at] = f"http://www.wikidata.org/entity/Q{900_000_000 + i}"
        writer.writerow(row)
    return out.getvalue().encode()


def fresh_pipeline(workdir: Path, name: str) -> tuple[Any, Pipeline, Validator]:
    settings = Settings(
        store=str(workdir / name),
        shapes_dir=REPO / "shapes",
        ontology_dir=REPO / "ontology",
        bundle=REPO / "data" / "bundle.yml",
    )
    validator = Validator.from_dirs(settings.shapes_dir, settings.ontology_dir)
    store = open_store(settings, write=True).__enter__()
    pipeline = Pipeline(store, validator, Minter(settings.base_iri))
    for spec in read_bundle(settings.bundle):
        pipeline.load(spec)
    return store, pipeline, validator


def measure(workdir: Path, kind: str, path: Path, records: int) -> dict[str, Any]:
    store, pipeline, _ = fresh_pipeline(workdir, f"store-{kind}")
    try:
        t0 = time.perf_counter()
        result = pipeline.load(SourceSpec(id=f"bench-{kind}", kind=kind, input=[path]))  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        triples = sum(result.quads.values())
        nq = workdir / f"{kind}.nq"
        graphs = [g for g in store.graphs() if g.value.startswith(GRAPH.format(f"bench-{kind}")[: -len("public")])]
        with nq.open("wb") as out:
            store.dump(out, RdfFormat.N_QUADS, graphs=graphs)
    finally:
        store.close()
    t0 = time.perf_counter()
    Store(str(workdir / f"raw-{kind}")).bulk_load(path=str(nq), format=RdfFormat.N_QUADS)
    raw = time.perf_counter() - t0
    return {
        "loader": kind,
        "records": records,
        "input_bytes": path.stat().st_size,
        "triples": triples,
        "pipeline_s": round(seconds, 2),
        "records_per_s": round(records / seconds),
        "triples_per_s": round(triples / seconds),
        "stages_s": result.seconds,
        "skipped": result.skipped,
        "raw_bulk_load_s": round(raw, 2),
        "raw_triples_per_s": round(triples / raw),
        "pipeline_vs_raw": round(seconds / raw, 1),
    }


def validation_vs_pyshacl(workdir: Path, kind: str, path: Path) -> dict[str, Any]:
    """Compiled validation and pyshacl on the same staged data (the source plus the context
    a load gives validation), both verdicts and times."""
    import pyshacl
    from rdflib import Graph, URIRef

    store, pipeline, validator = fresh_pipeline(workdir, f"shacl-{kind}")
    try:
        from stigraph.store.staging import StagingArea

        staging = StagingArea()
        spec = SourceSpec(id=f"shacl-{kind}", kind=kind, input=[path])  # type: ignore[arg-type]
        pipeline.stage(spec, read_files(spec, [path]), staging)
        staging.add_context(pipeline.validation_context(spec, staging))
        t0 = time.perf_counter()
        report = validator.validate(staging)
        compiled = time.perf_counter() - t0
        data = Graph()
        data.parse(data=b"".join(staging.serialize(g) for g in staging.data_graphs()).decode(), format="nt")
        own = {str(s) for s in data.subjects()}  # the source's nodes: the ones a load validates
        data.parse(data=staging.serialize(NamedNode("urn:stigraph:staging:context")).decode(), format="nt")
        triples = len(data)
    finally:
        store.close()
    shapes = Graph()
    for f in sorted((REPO / "shapes").glob("*.ttl")):
        shapes.parse(f)
    ontology = Graph().parse(REPO / "ontology" / "stigraph.ttl")
    t0 = time.perf_counter()
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True)
    slow = time.perf_counter() - t0
    # The context (types of nodes the source points at, from the store) is there for sh:class
    # checks only: a load does not validate those nodes, so their results are not compared.
    sh = "http://www.w3.org/ns/shacl#"
    focus = {str(f) for f in results.objects(None, URIRef(sh + "focusNode"))} & own
    compiled_focus = {v.focus for v in report.violations}
    conforms = not focus
    return {
        "loader": kind,
        "triples": triples,
        "compiled_s": round(compiled, 3),
        "pyshacl_s": round(slow, 2),
        "speedup": round(slow / compiled, 1),
        "same_verdict": conforms == report.conforms and focus == compiled_focus,
        "conforms": report.conforms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ror-records", type=int, default=20_000)
    parser.add_argument("--missions", type=int, default=20_000, help="generated mission rows")
    parser.add_argument("--missions-csv", type=Path, help="a real missions CSV instead of generated rows")
    parser.add_argument("--pyshacl-records", type=int, default=500)
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    shacl: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="stigraph-loaders-") as tmp:
        workdir = Path(tmp)
        dump = workdir / "v0-ror-data.zip"
        with zipfile.ZipFile(dump, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("v0-ror-data_schema_v2.json", json.dumps(ror_records(args.ror_records)))
        missions = args.missions_csv or workdir / "missions.csv"
        if not args.missions_csv:
            missions.write_bytes(mission_rows(args.missions))
        mission_count = sum(1 for _ in missions.open(encoding="utf-8")) - 1
        for kind, path, records in (("ror", dump, args.ror_records), ("wikidata-missions", missions, mission_count)):
            row = measure(workdir, kind, path, records)
            rows.append(row)
            print(json.dumps(row), flush=True)
        small = workdir / "small.json"
        small.write_text(json.dumps(ror_records(args.pyshacl_records)), encoding="utf-8")
        small_missions = workdir / "small.csv"
        small_missions.write_bytes(mission_rows(args.pyshacl_records))
        for kind, path in (("ror", small), ("wikidata-missions", small_missions)):
            row = validation_vs_pyshacl(workdir, kind, path)
            shacl.append(row)
            print(json.dumps(row), flush=True)
    print("\n| loader | records | triples | pipeline s | records/s | triples/s | raw bulk_load s | pipeline / raw |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['loader']} | {r['records']:,} | {r['triples']:,} | {r['pipeline_s']} | {r['records_per_s']:,} | "
            f"{r['triples_per_s']:,} | {r['raw_bulk_load_s']} | {r['pipeline_vs_raw']}x |"
        )
    print("\n| loader | triples validated | compiled s | pyshacl s | pyshacl / compiled | same verdict |")
    print("|---|---:|---:|---:|---:|---|")
    for r in shacl:
        print(
            f"| {r['loader']} | {r['triples']:,} | {r['compiled_s']} | {r['pyshacl_s']} | {r['speedup']}x | "
            f"{r['same_verdict']} |"
        )
    args.output.mkdir(parents=True, exist_ok=True)
    out = args.output / f"loaders-{args.ror_records}.json"
    out.write_text(json.dumps({"loads": rows, "validation": shacl}, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
