"""Shared fixtures: real on-disk stores in temporary directories, the real shapes and ontology."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from stigraph.config import Settings
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import SourceSpec
from stigraph.namespaces import Minter
from stigraph.store import EmbeddedStore, open_store
from stigraph.validation import Validator

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
VOCAB_SOURCES = [
    ("ontology", REPO / "ontology" / "stigraph.ttl"),
    ("vocab-countries", REPO / "ontology" / "vocab" / "countries.ttl"),
    ("vocab-roles", REPO / "ontology" / "vocab" / "roles.ttl"),
    ("vocab-mission-types", REPO / "ontology" / "vocab" / "mission-types.ttl"),
    ("vocab-programme-types", REPO / "ontology" / "vocab" / "programme-types.ttl"),
]


def make_settings(store: Path | str) -> Settings:
    return Settings(
        store=str(store),
        shapes_dir=REPO / "shapes",
        ontology_dir=REPO / "ontology",
        bundle=REPO / "data" / "bundle.yml",
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "store")


@pytest.fixture(scope="session")
def validator() -> Validator:
    return Validator.from_dirs(REPO / "shapes", REPO / "ontology")


@pytest.fixture
def store(settings: Settings) -> Iterator[EmbeddedStore]:
    with open_store(settings, write=True) as s:
        yield s


@pytest.fixture
def pipeline(store: EmbeddedStore, validator: Validator, settings: Settings) -> Pipeline:
    return Pipeline(store, validator, Minter(settings.base_iri))


def rdf_spec(source_id: str, path: Path) -> SourceSpec:
    return SourceSpec(id=source_id, kind="rdf", input=[path])


@pytest.fixture
def vocab_pipeline(pipeline: Pipeline) -> Pipeline:
    """A pipeline whose store holds the ontology, the small vocabularies and the seed graph."""
    for source_id, path in VOCAB_SOURCES:
        pipeline.load(rdf_spec(source_id, path))
    seed = sorted((REPO / "data" / "seed").glob("*.ttl"))
    pipeline.load(SourceSpec(id="seed", kind="rdf", input=seed))
    return pipeline


def dump(store: EmbeddedStore) -> bytes:
    """The whole store as sorted N-Quads: equal bytes mean equal content."""
    import io

    from pyoxigraph import RdfFormat

    buf = io.BytesIO()
    store.dump(buf, RdfFormat.N_QUADS, graphs=None)
    return b"\n".join(sorted(buf.getvalue().splitlines()))


def run_cli(
    *args: str, store: Path | str, check: bool = False, cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real ``stigraph`` command in a child process (``env``: extra STIGRAPH_ settings)."""
    env = {**os.environ, "STIGRAPH_STORE": str(store), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "stigraph", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


def copy_with_count_query(curated_store: Path, tmp_path: Path, header: str = "") -> tuple[Path, Path]:
    """A copy of the curated store (free to be loaded into) and a catalogue of one query that
    counts researchers, so that a load visibly changes its answer. ``header``: extra ``#+`` lines."""
    import shutil

    store = tmp_path / "store"
    shutil.copytree(curated_store, store, symlinks=True)
    catalog = tmp_path / "queries"
    (catalog / "t").mkdir(parents=True)
    (catalog / "t" / "researcher-count.rq").write_text(
        "#+ summary: How many researchers\n" + header + "PREFIX sg: <https://w3id.org/stigraph/ontology#>\n"
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a sg:Researcher }\n",
        encoding="utf-8",
    )
    return store, catalog


def load_second_list(store: Path, tmp_path: Path, env: dict[str, str] | None = None) -> None:
    """Load the PI-list sample again as another mission list whose people are new (their rows
    lose the ORCID iDs that would make them the same people): a load that changes answers."""
    more = tmp_path / "more.csv"
    sample = (REPO / "loaders" / "pi-list" / "sample.csv").read_text(encoding="utf-8")
    more.write_text(sample.replace("sf-00", "zz-00"), encoding="utf-8")
    loaded = run_cli(
        "load", str(more), "--source-id", "second-list",
        "--mission", "https://w3id.org/stigraph/id/mission/Q84921893",
        "--pilist", "https://w3id.org/stigraph/id/pilist/second",
        store=store, env=env,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr


def build_served_store(settings: Settings) -> None:
    """The bundled graph plus the PI-list sample (public, partner and restricted people)."""
    from stigraph.bundle import read_bundle
    from stigraph.ingest.sources import load_spec

    with open_store(settings, write=True) as s:
        p = Pipeline(s, Validator.from_dirs(REPO / "shapes", REPO / "ontology"), Minter(settings.base_iri))
        for spec in read_bundle(settings.bundle):
            p.load(spec)
        p.load(load_spec(REPO / "loaders" / "pi-list" / "source.yml"))


@pytest.fixture(scope="session")
def served_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("served")
    settings = make_settings(root / "store")
    build_served_store(settings)
    return root / "store"


@pytest.fixture(scope="session")
def server(served_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """One live read-mostly service for the session (tests that write start their own)."""
    from tests.live import start_server

    srv = start_server(served_store, tmp_path_factory.mktemp("serve-log") / "serve.log")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def curated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled graph, the PI-list sample and the curated-query fixture."""
    root = tmp_path_factory.mktemp("curated")
    build_served_store(make_settings(root / "store"))
    fixture = REPO / "tests" / "data" / "queries" / "fixture.ttl"
    loaded = run_cli("load", str(fixture), "--source-id", "queries-fixture", store=root / "store")
    assert loaded.returncode == 0, loaded.stderr
    return root / "store"


@pytest.fixture(scope="session")
def deployments(served_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """The test data sets on every backend, built on first use (tests/deployments.py)."""
    from tests.deployments import Deployments

    built = Deployments(tmp_path_factory.mktemp("deployments"), served_store)
    yield built
    built.close()
