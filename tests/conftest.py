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


def run_cli(*args: str, store: Path | str, check: bool = False, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """The real ``stigraph`` command in a child process."""
    env = {**os.environ, "STIGRAPH_STORE": str(store)}
    return subprocess.run(
        [sys.executable, "-m", "stigraph", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )
