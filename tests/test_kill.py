"""A loader killed with SIGKILL in the middle of its commit leaves the last committed state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from stigraph.config import Settings
from stigraph.store import open_store
from stigraph.store.generations import Generations

from .conftest import REPO, dump, make_settings, run_cli


def _big_ntriples(path: Path, n: int) -> None:
    sg = "https://w3id.org/stigraph/ontology#"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(f'<https://w3id.org/stigraph/id/thing/{i}> <{sg}note> "note number {i} for the kill test" .\n')


def test_sigkill_during_commit_leaves_previous_state_and_no_orphans(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    settings: Settings = make_settings(store_dir)
    first = run_cli("load", str(REPO / "ontology" / "vocab" / "roles.ttl"), "--source-id", "roles", store=store_dir)
    assert first.returncode == 0, first.stderr
    with open_store(settings) as s:
        before, generation = dump(s), s.generation
    big = tmp_path / "big.nt"
    _big_ntriples(big, 1_500_000)
    gens = Generations(store_dir)
    env = {**os.environ, "STIGRAPH_STORE": str(store_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "stigraph", "load", str(big), "--source-id", "big"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    fork = gens.path(generation + 1)
    deadline = time.monotonic() + 240
    while not fork.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fork.exists(), "the load never reached its commit; cannot test a kill during commit"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert gens.current() == generation
    with open_store(settings) as s:
        assert dump(s) == before
    with open_store(settings, write=True) as s:  # the next writer's janitor clears what was left
        assert s.generation == generation
    assert not fork.exists()
    assert not list(store_dir.rglob("bulk-*.sst"))
    assert gens.existing() == [generation]
