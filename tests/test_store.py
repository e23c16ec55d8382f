"""The store facade: generations, atomic writes, the single-writer lock, janitor, backup."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat

from stigraph.config import Settings
from stigraph.errors import StoreError, StoreLockedError
from stigraph.store import open_store
from stigraph.store.generations import Generations

from .conftest import dump, make_settings

G = NamedNode("https://w3id.org/stigraph/graph/test/public")


def _quad(i: int) -> Quad:
    return Quad(NamedNode(f"https://example.org/s{i}"), NamedNode("https://example.org/p"), Literal(str(i)), G)


def test_commit_publishes_a_new_generation(settings: Settings) -> None:
    with open_store(settings, write=True) as store:
        assert store.generation == 0
        with store.writing() as w:
            w.extend([_quad(1), _quad(2)])
        assert store.generation == 1
        assert len(store) == 2
    with open_store(settings) as reader:
        assert reader.generation == 1
        assert len(reader) == 2


def test_failed_write_leaves_state_and_no_directory(settings: Settings) -> None:
    with open_store(settings, write=True) as store:
        with store.writing() as w:
            w.extend([_quad(1)])
        before = dump(store)
        with pytest.raises(RuntimeError), store.writing() as w:
            w.clear_graph(G)
            w.bulk_load(b"<https://example.org/x> <https://example.org/p> 1 .", RdfFormat.TURTLE)
            raise RuntimeError("fails half way")
        assert dump(store) == before
        assert store.generation == 1
        names = sorted(p.name for p in (settings.store_path / "generations").iterdir())
        # the committed generation, its snapshots and its answer tables; nothing of the failed one
        assert names == ["g000001", "g000001.answers", "g000001.partner", "g000001.public"]


def test_second_writer_fails_fast_with_pid(settings: Settings) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from stigraph.store import open_store\n"
            "from tests.conftest import make_settings\n"
            f"s = open_store(make_settings({str(settings.store_path)!r}), write=True)\n"
            "print('locked', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(StoreLockedError, match=f"pid {holder.pid}"):
            open_store(settings, write=True)
        assert time.monotonic() - started < 2
        with open_store(settings) as reader:  # readers are never blocked
            assert reader.generation == 0
    finally:
        holder.kill()
        holder.wait()


def test_janitor_removes_unpublished_generations_and_orphan_bulk_files(settings: Settings) -> None:
    with open_store(settings, write=True) as store:
        for i in range(3):
            with store.writing() as w:
                w.extend([_quad(i)])
    gens = Generations(settings.store_path)
    current = gens.current()
    orphan_dir = gens.path(current + 1)
    orphan_dir.mkdir()
    (orphan_dir / "bulk-123.sst").write_bytes(b"x" * 1024)
    stray = gens.path(current) / "bulk-456.sst"
    stray.write_bytes(b"x" * 1024)
    with open_store(settings, write=True) as store:
        report = store.janitor_report
        assert report is not None
        assert orphan_dir.name in report.removed_generations
        assert f"{gens.path(current).name}/bulk-456.sst" in report.removed_bulk_files
        assert not orphan_dir.exists() and not stray.exists()
        assert store.generation == current
    assert gens.existing() == [current - 1, current]  # keep_generations = 2


def test_backup_opens_and_restore_makes_it_current(settings: Settings, tmp_path: Path) -> None:
    with open_store(settings, write=True) as store:
        with store.writing() as w:
            w.extend([_quad(1)])
        saved = dump(store)
        store.backup(tmp_path / "backup")
        with store.writing() as w:
            w.clear_graph(G)
        assert len(store) == 0
        with pytest.raises(StoreError, match="already exists"):
            store.backup(tmp_path / "backup")
        with store.writing(base=tmp_path / "backup"):
            pass
        assert dump(store) == saved
    with open_store(make_settings(tmp_path / "unused")) as empty:  # a backup is a plain store too
        assert empty.generation == 0


def test_in_memory_store_has_the_same_contract() -> None:
    settings = Settings(store=":memory:")
    with open_store(settings, write=True) as store:
        with store.writing() as w:
            w.extend([_quad(1)])
        with pytest.raises(ValueError), store.writing() as w:
            w.extend([_quad(2)])
            raise ValueError("abort")
        assert len(store) == 1 and store.generation == 1


def test_each_generation_has_scope_snapshots_without_hidden_graphs(settings: Settings) -> None:
    """The store a scope's queries run on holds only the graphs that scope may see."""
    from pyoxigraph import DefaultGraph, Store

    from stigraph.namespaces import Minter

    m = Minter(settings.base_iri)
    graphs = {v: m.graph("src", v) for v in ("public", "partner", "restricted")}
    other = NamedNode("https://example.org/not-minted")
    s, p = NamedNode("https://example.org/s"), NamedNode("https://example.org/p")
    with open_store(settings, write=True) as store:
        with store.writing() as w:
            w.extend(Quad(s, p, Literal(v), g) for v, g in graphs.items())
            w.extend([Quad(s, p, Literal("other"), other), Quad(s, p, Literal("default"), DefaultGraph())])
            w.extend([Quad(s, p, Literal("meta"), m.meta_graph)])
        gens = Generations(settings.store_path)
        n = gens.current()
        seen = {}
        for scope in ("public", "partner", "all"):
            snap = Store.read_only(str(gens.snapshot_path(n, scope)))
            seen[scope] = sorted(q.object.value for q in snap.quads_for_pattern(None, None, None, None))
            del snap
        assert seen["public"] == ["public"]
        assert seen["partner"] == ["partner", "public"]
        assert seen["all"] == ["default", "meta", "other", "partner", "public", "restricted"]
        for _ in range(3):
            with store.writing() as w:
                w.extend([Quad(s, p, Literal("more"), graphs["public"])])
    left = sorted(p.name for p in gens.dir.iterdir())
    last = gens.current()
    # older generations went with their snapshots and their answer tables
    assert left == [f"g{k:06d}{x}" for k in (last - 1, last) for x in ("", ".answers", ".partner", ".public")]


def test_missing_snapshots_are_built_for_an_older_store(settings: Settings) -> None:
    import shutil

    with open_store(settings, write=True) as store, store.writing() as w:
        w.extend([_quad(1)])
    gens = Generations(settings.store_path)
    for scope in ("public", "partner"):
        shutil.rmtree(gens.snapshot_path(gens.current(), scope))
    with open_store(settings, write=True) as store:
        assert store.snapshots_missing()
        assert store.ensure_snapshots() is True
        assert not store.snapshots_missing()
        assert store.ensure_snapshots() is False
    assert sorted(p.name for p in gens.dir.iterdir()) == [
        "g000001",
        "g000001.answers",
        "g000001.partner",
        "g000001.public",
    ]
