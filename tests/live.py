"""A real stigraph service in a child process on a free port, for HTTP tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import REPO

ADMIN = "admin-token-for-tests"  # scope all, may write
PARTNER = "partner-token-for-tests"  # scope partner, read only
AUDITOR = "auditor-token-for-tests"  # scope all, read only
TOKENS = {
    ADMIN: {"scope": "all", "write": True, "name": "admin"},
    PARTNER: {"scope": "partner", "write": False, "name": "partner"},
    AUDITOR: {"scope": "all", "write": False, "name": "auditor"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class LiveServer:
    base: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"

    @property
    def graphs(self) -> str:
        return self.base + "/rdf-graphs"

    def health(self) -> dict:
        return httpx.get(self.base + "/healthz", timeout=10).json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(store: Path, log: Path, **settings: object) -> LiveServer:
    """``stigraph serve`` on ``store`` with extra settings (STIGRAPH_<NAME>), ready to answer."""
    port = free_port()
    env = {
        **os.environ,
        "STIGRAPH_STORE": str(store),
        "STIGRAPH_TOKENS": json.dumps(TOKENS),
        "STIGRAPH_SHAPES_DIR": str(REPO / "shapes"),
        "STIGRAPH_ONTOLOGY_DIR": str(REPO / "ontology"),
        "STIGRAPH_QUERIES_DIR": str(REPO / "queries"),
        "STIGRAPH_BUNDLE": str(REPO / "data" / "bundle.yml"),
    }
    env.update({f"STIGRAPH_{k.upper()}": v if isinstance(v, str) else json.dumps(v) for k, v in settings.items()})
    out = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "stigraph", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log, env)
    until = time.monotonic() + 60
    while time.monotonic() < until:
        if process.poll() is not None:
            raise RuntimeError(f"stigraph serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(server.base + "/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"stigraph serve did not become ready:\n{log.read_text()}")
