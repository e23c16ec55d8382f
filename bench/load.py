"""Load benchmark: the whole stigraph pipeline next to raw pyoxigraph bulk_load, same triples.

Generates a realistic researcher graph (people with names in two scripts, ORCID iDs with valid
checksums, affiliations over time, fields, publications with ordered authors, a share of
partner/restricted people and restricted e-mail addresses), then measures in one run:

* raw: ``pyoxigraph.Store(dir).bulk_load`` of the same triples as N-Quads (no checks at all);
* pipeline: ``stigraph`` loading the N-Triples file as a source (parse, stage, SHACL
  validation compiled to SPARQL, visibility routing, atomic commit with PROV).

    python bench/load.py --researchers 100000      # ~3M triples
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from pyoxigraph import RdfFormat, Store

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stigraph.config import Settings  # noqa: E402
from stigraph.ingest.pipeline import Pipeline  # noqa: E402
from stigraph.ingest.sources import SourceSpec  # noqa: E402
from stigraph.namespaces import Minter  # noqa: E402
from stigraph.store import open_store  # noqa: E402
from stigraph.validation import Validator  # noqa: E402

BASE = "https://w3id.org/stigraph/id/"
SG = "https://w3id.org/stigraph/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
FOAF = "http://xmlns.com/foaf/0.1/"
XSD = "http://www.w3.org/2001/XMLSchema#"
FAMILY = [
    ("Sato", "佐藤"),
    ("Suzuki", "鈴木"),
    ("Takahashi", "高橋"),
    ("Tanaka", "田中"),
    ("Ito", "伊藤"),
    ("Watanabe", "渡辺"),
    ("Yamamoto", "山本"),
    ("Nakamura", "中村"),
    ("Kobayashi", "小林"),
    ("Kato", "加藤"),
]
GIVEN = [
    ("Haruto", "陽翔"),
    ("Yui", "結衣"),
    ("Sota", "蒼太"),
    ("Aoi", "葵"),
    ("Ren", "蓮"),
    ("Mei", "芽依"),
    ("Yuto", "悠斗"),
    ("Hina", "陽菜"),
    ("Kaito", "海斗"),
    ("Rin", "凛"),
]
COUNTRIES = ["US", "GB", "DE", "FR", "SE", "IN", "IL", "CH", "JP", "SG", "AU", "CA"]
ROLES = ["principal-investigator", "researcher", "professor"]


def orcid(n: int) -> str:
    digits = f"{n:015d}"
    total = 0
    for d in digits:
        total = (total + int(d)) * 2
    check = (12 - total % 11) % 11
    s = digits + ("X" if check == 10 else str(check))
    return "-".join(s[i : i + 4] for i in range(0, 16, 4))


def generate(path: Path, researchers: int, seed: int = 7) -> int:
    """Write the graph as N-Triples; returns the triple count."""
    rnd = random.Random(seed)
    institutions = max(10, researchers // 50)
    vocab = (REPO / "ontology" / "vocab" / "fields-kaken.ttl").read_text(encoding="utf-8")
    fields = sorted(set(re.findall(r"<(https://w3id\.org/stigraph/id/field/kaken-[0-9]+)>", vocab)))
    n = 0
    with path.open("w", encoding="utf-8") as out:

        def t(s: str, p: str, o: str) -> None:
            nonlocal n
            out.write(f"{s} {p} {o} .\n")
            n += 1

        for i in range(institutions):
            org = f"<{BASE}org/bench-{i}>"
            t(org, RDF_TYPE, f"<{SG}University>")
            t(org, LABEL, f'"University number {i}"@en')
            t(org, f"<{SG}country>", f"<{BASE}country/{COUNTRIES[i % len(COUNTRIES)]}>")
        for i in range(researchers):
            person = f"<{BASE}person/{orcid(i + 1)}>"
            fam, giv = rnd.choice(FAMILY), rnd.choice(GIVEN)
            t(person, RDF_TYPE, f"<{SG}Researcher>")
            t(person, LABEL, f'"{fam[0].upper()} {giv[0]}"@en')
            t(person, LABEL, f'"{fam[1]}{giv[1]}"@ja')
            t(person, f"<{FOAF}familyName>", f'"{fam[0]}"@en')
            t(person, f"<{FOAF}givenName>", f'"{giv[0]}"@en')
            t(person, f"<{FOAF}familyName>", f'"{fam[1]}"@ja')
            t(person, f"<{FOAF}givenName>", f'"{giv[1]}"@ja')
            t(person, f"<{SG}nameOrder>", '"family-first"')
            t(person, f"<{SG}orcid>", f'"{orcid(i + 1)}"')
            r = rnd.random()
            vis = "Public" if r < 0.9 else "Partner" if r < 0.97 else "Restricted"
            t(person, f"<{SG}visibility>", f"<{SG}{vis}>")
            t(person, f"<{SG}email>", f'"person{i}@example.org"')
            for f in rnd.sample(fields, 2):
                t(person, f"<{SG}researchField>", f"<{f}>")
            start = rnd.randint(1995, 2018)
            for k in range(2):
                pos = f"<{BASE}position/bench-{i}-{k}>"
                t(pos, RDF_TYPE, f"<{SG}Affiliation>")
                t(pos, f"<{SG}holder>", person)
                t(pos, f"<{SG}organization>", f"<{BASE}org/bench-{rnd.randrange(institutions)}>")
                t(pos, f"<{SG}role>", f"<{BASE}role/{ROLES[k % len(ROLES)]}>")
                t(pos, f"<{SG}title>", '"Professor"@en')
                t(pos, f"<{SG}startDate>", f'"{start + 4 * k}"^^<{XSD}gYear>')
                if k == 0:
                    t(pos, f"<{SG}endDate>", f'"{start + 4}"^^<{XSD}gYear>')
            if i % 2 == 0:  # one paper per two people, with 3 ordered authors
                pub = f"<{BASE}publication/bench-{i}>"
                t(pub, RDF_TYPE, f"<{SG}Publication>")
                t(pub, LABEL, f'"On the topic number {i}"@en')
                for pos_n, author in enumerate([i, (i + 1) % researchers, rnd.randrange(researchers)], 1):
                    a = f"<{BASE}authorship/bench-{i}-{pos_n}>"
                    t(a, RDF_TYPE, f"<{SG}Authorship>")
                    t(a, f"<{SG}publication>", pub)
                    t(a, f"<{SG}author>", f"<{BASE}person/{orcid(author + 1)}>")
                    t(a, f"<{SG}authorPosition>", f'"{pos_n}"^^<{XSD}integer>')
    return n


def bench(researchers: int, workdir: Path) -> dict[str, object]:
    nt = workdir / "graph.nt"
    t0 = time.perf_counter()
    triples = generate(nt, researchers)
    gen_s = time.perf_counter() - t0
    nq = workdir / "graph.nq"
    graph = f" <{BASE.replace('id/', 'graph/')}bench/public> .\n"
    with nt.open("rb") as src, nq.open("wb") as dst:
        for line in src:
            dst.write(line[:-3] + graph.encode())

    raw_dir = workdir / "raw"
    t0 = time.perf_counter()
    Store(str(raw_dir)).bulk_load(path=str(nq), format=RdfFormat.N_QUADS)
    raw_s = time.perf_counter() - t0

    settings = Settings(store=str(workdir / "pipeline"))
    validator = Validator.from_dirs(settings.shapes_dir, settings.ontology_dir)
    with open_store(settings, write=True) as store:
        pipeline = Pipeline(store, validator, Minter(settings.base_iri))
        for name, path in [
            ("ontology", REPO / "ontology" / "stigraph.ttl"),
            ("vocab-countries", REPO / "ontology" / "vocab" / "countries.ttl"),
            ("vocab-roles", REPO / "ontology" / "vocab" / "roles.ttl"),
            ("vocab-fields-kaken", REPO / "ontology" / "vocab" / "fields-kaken.ttl"),
        ]:
            pipeline.load(SourceSpec(id=name, kind="rdf", input=[path]))
        t0 = time.perf_counter()
        result = pipeline.load(SourceSpec(id="bench", kind="rdf", input=[nt]))
        pipe_s = time.perf_counter() - t0
    return {
        "researchers": researchers,
        "triples": triples,
        "generate_s": round(gen_s, 2),
        "raw_bulk_load_s": round(raw_s, 2),
        "raw_triples_per_s": round(triples / raw_s),
        "pipeline_s": round(pipe_s, 2),
        "pipeline_triples_per_s": round(triples / pipe_s),
        "pipeline_vs_raw": round(raw_s / pipe_s, 3),
        "pipeline_stages_s": result.seconds,
        "validation_checks": result.checks,
        "routed": result.quads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--researchers", type=int, default=10_000)
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="stigraph-bench-"))
    try:
        row = bench(args.researchers, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / f"load-{args.researchers}.json").write_text(json.dumps(row, indent=2) + "\n")
    print("| researchers | triples | raw bulk_load | pipeline | pipeline / raw speed |")
    print("|---:|---:|---:|---:|---:|")
    print(
        f"| {row['researchers']:,} | {row['triples']:,} | {row['raw_bulk_load_s']} s "
        f"({row['raw_triples_per_s']:,}/s) | {row['pipeline_s']} s ({row['pipeline_triples_per_s']:,}/s) "
        f"| {row['pipeline_vs_raw']:.0%} |"
    )
    print("pipeline stages (s):", row["pipeline_stages_s"])


if __name__ == "__main__":
    main()
