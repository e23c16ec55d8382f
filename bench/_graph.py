"""What bench/http.py and bench/soak.py share: graphs from bench/load.py's generator, stores
built with the stigraph pipeline, servers on free ports, and memory read from /proc.

The generator itself lives in bench/load.py and is imported, not copied; the helpers here only
rewrite its output (everything public, or a second source with other people) line by line.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import httpx
from pyoxigraph import RdfFormat

from load import BASE, SG, generate, orcid  # bench/load.py: the researcher-graph generator
from stigraph.config import Settings
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import SourceSpec
from stigraph.namespaces import Minter
from stigraph.scopes import scope_graphs
from stigraph.store import open_store
from stigraph.validation import Validator

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VOCABULARIES = [
    ("ontology", REPO / "ontology" / "stigraph.ttl"),
    ("vocab-countries", REPO / "ontology" / "vocab" / "countries.ttl"),
    ("vocab-roles", REPO / "ontology" / "vocab" / "roles.ttl"),
    ("vocab-fields-kaken", REPO / "ontology" / "vocab" / "fields-kaken.ttl"),
]
_VISIBILITY = re.compile(rf"<{re.escape(SG)}visibility> <{re.escape(SG)}(Partner|Restricted)>")
_EMAIL = f"<{SG}email>"
_ORCID = re.compile(r"\b(\d{4})-(\d{4})-(\d{4})-(\d{3})[\dX]\b")

__all__ = ["BASE", "SG", "generate", "orcid"]  # re-exported from bench/load.py

# The query mix of bench/http.py (PERSON stands for a researcher IRI); bench/soak.py reuses the cheap ones.
PREFIXES = """PREFIX sg: <https://w3id.org/stigraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""
PROFILE = (
    PREFIXES
    + """SELECT ?name ?orcid ?family ?given ?org ?orgName ?start ?end WHERE {
  <PERSON> rdfs:label ?name . FILTER(lang(?name) = "en")
  OPTIONAL { <PERSON> sg:orcid ?orcid }
  OPTIONAL { <PERSON> foaf:familyName ?family FILTER(lang(?family) = "en") }
  OPTIONAL { <PERSON> foaf:givenName ?given FILTER(lang(?given) = "en") }
  OPTIONAL {
    ?pos sg:holder <PERSON> ; sg:organization ?org ; sg:startDate ?start .
    OPTIONAL { ?pos sg:endDate ?end }
    OPTIONAL { ?org rdfs:label ?orgName }
  }
}"""
)
AGGREGATE = (
    PREFIXES
    + """SELECT ?country ?field (COUNT(DISTINCT ?r) AS ?researchers) WHERE {
  ?pos sg:holder ?r ; sg:organization ?org .
  MINUS { ?pos sg:endDate ?end }
  ?org sg:country ?country .
  ?r sg:researchField ?field .
}
GROUP BY ?country ?field
ORDER BY DESC(?researchers) ?country ?field
LIMIT 100"""
)
COAUTHORS = (
    PREFIXES
    + """SELECT DISTINCT ?coauthor ?name WHERE {
  ?a1 sg:author <PERSON> ; sg:publication ?pub1 .
  ?a2 sg:publication ?pub1 ; sg:author ?mid .
  ?a3 sg:author ?mid ; sg:publication ?pub2 .
  ?a4 sg:publication ?pub2 ; sg:author ?coauthor .
  FILTER(?coauthor != <PERSON>)
  OPTIONAL { ?coauthor rdfs:label ?name FILTER(lang(?name) = "en") }
}"""
)


def person_iri(i: int) -> str:
    """IRI of the i-th generated researcher (0-based), as bench/load.py mints it."""
    return f"{BASE}person/{orcid(i + 1)}"


def publicize(src: Path, dst: Path) -> int:
    """Copy the generated graph with every person public and without e-mail addresses (which
    stigraph always routes to the restricted graph), so anonymous queries see all of it."""
    n = 0
    with src.open(encoding="utf-8") as inp, dst.open("w", encoding="utf-8") as out:
        for line in inp:
            if _EMAIL in line:
                continue
            out.write(_VISIBILITY.sub(f"<{SG}visibility> <{SG}Public>", line))
            n += 1
    return n


def other_source(src: Path, dst: Path, *, offset: int, tag: str) -> int:
    """Copy the generated graph as a different source: people shifted to ORCID numbers past
    ``offset`` (valid check characters kept), positions, papers and organisations renamed."""

    def shift(m: re.Match[str]) -> str:
        return orcid(int("".join(m.groups())) + offset)

    n = 0
    with src.open(encoding="utf-8") as inp, dst.open("w", encoding="utf-8") as out:
        for line in inp:
            out.write(_ORCID.sub(shift, line.replace("/bench-", f"/{tag}-")))
            n += 1
    return n


def settings_for(store: Path) -> Settings:
    return Settings(
        store=str(store),
        shapes_dir=REPO / "shapes",
        ontology_dir=REPO / "ontology",
        queries_dir=REPO / "queries",
        bundle=REPO / "data" / "bundle.yml",
    )


def build_store(store: Path, nt: Path, source_id: str = "bench") -> dict[str, float]:
    """Load the ontology, the vocabularies and ``nt`` (as source ``source_id``) with the pipeline."""
    settings = settings_for(store)
    validator = Validator.from_dirs(settings.shapes_dir, settings.ontology_dir)
    with open_store(settings, write=True) as st:
        pipeline = Pipeline(st, validator, Minter(settings.base_iri))
        for name, path in VOCABULARIES:
            pipeline.load(SourceSpec(id=name, kind="rdf", input=[path]))
        t0 = time.perf_counter()
        result = pipeline.load(SourceSpec(id=source_id, kind="rdf", input=[nt]))
        seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 2), **{f"routed_{k}": v for k, v in result.quads.items()}}


def export_public(store: Path, out: Path) -> int:
    """Write what the public scope sees as N-Quads (what `stigraph export --scope public` does)."""
    settings = settings_for(store)
    with open_store(settings) as st, out.open("wb") as sink:
        graphs = scope_graphs(st, Minter(settings.base_iri), "public")
        st.dump(sink, RdfFormat.N_QUADS, graphs=graphs)
    with out.open("rb") as f:
        return sum(1 for _ in f)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stigraph_env(store: Path, **settings: object) -> dict[str, str]:
    """Environment of a `stigraph` subprocess on ``store`` with extra STIGRAPH_<NAME> settings."""
    env = {
        **os.environ,
        "STIGRAPH_STORE": str(store),
        "STIGRAPH_SHAPES_DIR": str(REPO / "shapes"),
        "STIGRAPH_ONTOLOGY_DIR": str(REPO / "ontology"),
        "STIGRAPH_QUERIES_DIR": str(REPO / "queries"),
        "STIGRAPH_BUNDLE": str(REPO / "data" / "bundle.yml"),
    }
    env.update({f"STIGRAPH_{k.upper()}": v if isinstance(v, str) else json.dumps(v) for k, v in settings.items()})
    return env


def stigraph_cmd() -> list[str]:
    return [sys.executable, "-m", "stigraph"]


def oxigraph_cmd() -> list[str]:
    local = Path(sys.executable).parent / "oxigraph"
    return [str(local)] if local.exists() else ["oxigraph"]


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path, what: str, timeout: float = 120) -> None:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"{what} did not become ready:\n{log.read_text(errors='replace')[-4000:]}")


def start_stigraph(store: Path, log: Path, port: int, **settings: object) -> subprocess.Popen[bytes]:
    """`stigraph serve --port PORT` on ``store``, ready to answer (/healthz 200)."""
    out: IO[bytes] = log.open("wb")
    process = subprocess.Popen(
        [*stigraph_cmd(), "serve", "--port", str(port)],
        cwd=REPO,
        env=stigraph_env(store, **settings),
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    _wait_ready(process, f"http://127.0.0.1:{port}/healthz", log, "stigraph serve")
    return process


def start_oxigraph(location: Path, log: Path, port: int) -> subprocess.Popen[bytes]:
    """`oxigraph serve-read-only` with the union of the graphs as default graph, ready to answer."""
    out: IO[bytes] = log.open("wb")
    process = subprocess.Popen(
        [
            *oxigraph_cmd(),
            "serve-read-only",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    _wait_ready(process, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", log, "oxigraph serve-read-only")
    return process


def oxigraph_load(location: Path, nq: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [*oxigraph_cmd(), "load", "--location", str(location), "--file", str(nq)], check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - t0


def stop(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- memory -------------------------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss(root: int) -> dict[int, int]:
    """RSS (KiB) of ``root`` and all its descendants (workers, forkserver), by pid."""
    tree = _children()
    out: dict[int, int] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        out[pid] = _rss_kib(pid)
        todo.extend(tree.get(pid, []))
    return out


def metrics(base: str) -> Mapping[str, float]:
    """The un-labelled samples and the labelled ones as 'name{labels}' from /metrics."""
    text = httpx.get(base + "/metrics", timeout=10).text
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                samples[name] = float(value)
            except ValueError:
                continue
    return samples
