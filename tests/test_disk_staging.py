"""Sources over ``staging_memory_mb`` are staged and validated on disk: the same graphs as a load
staged in memory, nothing left behind, and a refused load leaves the store as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from stigraph.bundle import read_bundle
from stigraph.errors import ValidationFailed
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import SourceSpec, load_spec
from stigraph.namespaces import Minter
from stigraph.store import open_store
from stigraph.validation import Validator

from .conftest import REPO, dump, make_settings

SAMPLE = REPO / "loaders" / "pi-list" / "source.yml"
FIXTURE = REPO / "tests" / "data" / "queries" / "fixture.ttl"


def _load(store: Path, memory_mb: int, *specs: SourceSpec) -> tuple[set[str], int]:
    """The store's quads after the loads (and how many name skolemised blank nodes, whose IRIs
    differ from one parse to the next)."""
    settings = make_settings(store).model_copy(update={"staging_memory_mb": memory_mb, "precompute_answers": False})
    with open_store(settings, write=True) as s:
        pipeline = Pipeline(s, Validator.from_dirs(REPO / "shapes", REPO / "ontology"), Minter(settings.base_iri))
        if s.generation == 0:
            for spec in read_bundle(settings.bundle):  # the vocabularies the sources refer to
                pipeline.load(spec)
        for spec in specs:
            pipeline.load(spec)
        lines = dump(s).decode().splitlines()
    # load records differ between two runs by their IRIs and times only
    got = {line for line in lines if "/load/" not in line and "AtTime" not in line and "/genid/" not in line}
    blanks = sum("/genid/" in line for line in lines)
    assert not list((store / "staging").glob("*")), "the on-disk staging area was left behind"
    return got, blanks


def test_a_source_staged_on_disk_loads_the_same_graphs_as_in_memory(tmp_path: Path) -> None:
    specs = [load_spec(SAMPLE), SourceSpec(id="fixture", kind="rdf", input=[FIXTURE])]
    in_memory = _load(tmp_path / "memory", 512, *specs)
    on_disk = _load(tmp_path / "disk", 0, *specs)
    assert len(in_memory[0]) > 5000 and in_memory[1] > 0
    assert on_disk == in_memory


def test_a_refused_source_staged_on_disk_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store = tmp_path / "store"
    before = _load(store, 0, load_spec(SAMPLE))
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix sg: <https://w3id.org/stigraph/ontology#> .\n"
        "<https://w3id.org/stigraph/id/person/x> a sg:Researcher ; sg:orcid 'not-an-orcid' .\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed):
        _load(store, 0, SourceSpec(id="bad", kind="rdf", input=[bad]))
    assert not list((store / "staging").glob("*"))
    assert _load(store, 0) == before
