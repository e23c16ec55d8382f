"""The test data sets deployed on each backend: the embedded store, a real ``oxigraph serve``
and a real Virtuoso 7.

A test module that runs on every backend asks for a data set by name (:data:`DATA_SETS`) and a
backend; the first request in a worker process builds it, later ones (from any module in that
worker) get the same deployment and the same ``stigraph serve``. On the embedded store a data
set is a copy of the session's served store with its extra loads. On an engine of its own, the
curated data set is built the same way (the bundled graph and the PI-list sample through the
pipeline, then ``stigraph load`` of the fixture); the others are the embedded data set's quads
written through the engine's writer (:data:`THROUGH_THE_PIPELINE`). Engines and servers stop
when the session ends.

A backend that cannot start fails the tests that need it, with the reason
(:class:`tests.engines.EngineUnavailable`), rather than skipping them.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import RdfFormat

from stigraph.config import Settings
from stigraph.store import open_store
from tests import engines
from tests.conftest import REPO, build_served_store, make_settings, run_cli
from tests.live import LiveServer, start_server

BACKENDS = ("embedded", "oxigraph", "virtuoso")

QUERIES_FIXTURE = REPO / "tests" / "data" / "queries" / "fixture.ttl"
PATHS_FIXTURE = REPO / "tests" / "data" / "paths" / "fixture.ttl"

# What each data set adds to the served store (the bundled graph and the PI-list sample), as
# ``stigraph load`` arguments.
DATA_SETS: dict[str, list[tuple[str, ...]]] = {
    "served": [],
    "curated": [(str(QUERIES_FIXTURE), "--source-id", "queries-fixture")],
    "export": [(str(REPO / "loaders" / "cordis" / "source.yml"),)],
    "paths": [(str(PATHS_FIXTURE), "--source-id", "paths-fixture")],
}

# The data set each engine loads through the whole pipeline, as a curator would (the bundled
# graph, the PI-list sample, then ``stigraph load`` of the fixture): tests/test_backends.py
# checks what that gives. The others are the embedded data set's quads written to the engine in
# one write block, which costs a fraction of the pipeline's validation.
THROUGH_THE_PIPELINE = "curated"

# Virtuoso's cap on result rows: below some of the answers the suite reads (whole graphs for an
# export, edge scans for the path index), so that they must come in pages, not cut.
VIRTUOSO_MAX_ROWS = 2_000


@dataclass
class Deployment:
    """One data set on one backend."""

    backend: str
    state: Path  # the store directory (embedded) or the state directory (remote)
    env: dict[str, str] = field(default_factory=dict)  # the STIGRAPH_ settings of a child process

    @property
    def extra(self) -> dict[str, Any]:
        """The same settings as :class:`Settings` keyword arguments."""
        return {k.removeprefix("STIGRAPH_").lower(): v for k, v in self.env.items()}

    @property
    def settings(self) -> Settings:
        return Settings.model_validate({**make_settings(self.state).model_dump(), **self.extra})

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, store=self.state, env=self.env)

    def serve(self, log: Path, **settings: object) -> LiveServer:
        return start_server(self.state, log, **{**self.extra, **settings})


class Deployments:
    """Every deployment of one worker process, built on first use (module docstring)."""

    def __init__(self, root: Path, served_store: Path) -> None:
        self.root, self.served_store = root, served_store
        self._stack = ExitStack()
        self._built: dict[tuple[str, str], Deployment] = {}
        self._servers: dict[tuple[str, str], LiveServer] = {}
        self._quads: dict[str, bytes] = {}  # each embedded data set's quads as built

    def get(self, backend: str, data_set: str) -> Deployment:
        key = (backend, data_set)
        if key not in self._built:
            self._built[key] = self._build(backend, data_set)
        return self._built[key]

    def server(self, backend: str, data_set: str) -> LiveServer:
        """The one read-mostly ``stigraph serve`` of this deployment (tests that write start their own)."""
        key = (backend, data_set)
        if key not in self._servers:
            deployment = self.get(backend, data_set)
            server = deployment.serve(self.root / f"{backend}-{data_set}-serve.log")
            self._stack.callback(server.stop)
            self._servers[key] = server
        return self._servers[key]

    def empty(self, backend: str, name: str, **settings: object) -> tuple[Deployment, LiveServer]:
        """A store with nothing in it on ``backend``, served (for tests that write)."""
        root = self.root / f"{backend}-{name}"
        root.mkdir(parents=True)
        deployment = Deployment(backend, root / "store", self._engine_env(backend, root))
        server = deployment.serve(root / "serve.log", **settings)
        self._stack.callback(server.stop)
        return deployment, server

    def close(self) -> None:
        self._stack.close()

    def _engine_env(self, backend: str, root: Path) -> dict[str, str]:
        if backend == "embedded":
            return {}
        running = self._stack.enter_context(engines.engine(backend, root / "engine", max_rows=VIRTUOSO_MAX_ROWS))
        return engines.remote_env(running)

    def _build(self, backend: str, data_set: str) -> Deployment:
        if data_set not in DATA_SETS:
            raise KeyError(f"no data set {data_set!r}: {sorted(DATA_SETS)}")
        root = self.root / f"{backend}-{data_set}"
        if backend == "embedded" and data_set == "served":
            return Deployment(backend, self.served_store)  # the session's own: nothing to add
        if backend == "embedded":
            deployment = Deployment(backend, root / "store")
            shutil.copytree(self.served_store, deployment.state, symlinks=True)
        else:
            deployment = Deployment(backend, root / "state", self._engine_env(backend, root))
            if data_set != THROUGH_THE_PIPELINE:
                _write_all(self._as_built(data_set), deployment)
                return deployment
            build_served_store(deployment.settings)
        for args in DATA_SETS[data_set]:
            loaded = deployment.cli("load", *args)
            assert loaded.returncode == 0, f"{backend}/{data_set}: {loaded.stderr}"
        if backend == "embedded":  # as built: the tests of a module may load more into it
            self._quads[data_set] = _dump(deployment)
        return deployment

    def _as_built(self, data_set: str) -> bytes:
        """The embedded data set's quads as they were when it was built."""
        if data_set not in self._quads:
            built = self.get("embedded", data_set)
            if data_set not in self._quads:  # the session's served store, which no test writes
                self._quads[data_set] = _dump(built)
        return self._quads[data_set]


def _dump(deployment: Deployment) -> bytes:
    buffer = io.BytesIO()
    with open_store(deployment.settings) as store:
        store.dump(buffer, RdfFormat.N_QUADS, graphs=None)
    return buffer.getvalue()


def _write_all(quads: bytes, target: Deployment) -> None:
    """``quads`` written to ``target`` in one write block: staged and committed (and its answer
    tables derived) as any write to that backend is."""
    with open_store(target.settings, write=True) as store, store.writing() as writer:
        writer.bulk_load(quads, RdfFormat.N_QUADS)


@pytest.fixture(scope="module", params=BACKENDS, name="server")
def served_on_every_backend(request: pytest.FixtureRequest, server: LiveServer, deployments: Deployments) -> LiveServer:
    """``server`` on each backend, for a module that imports this: the session's own service on
    the embedded store, and the same quads written to each engine."""
    return server if request.param == "embedded" else deployments.server(request.param, "served")


def backend_of(request: pytest.FixtureRequest, fixture: str = "server") -> str:
    """The backend a test runs on, from its backend-parametrised fixture."""
    return str(request.node.callspec.params.get(fixture, "embedded"))
