"""Real external SPARQL engines for the tests and benchmarks: ``oxigraph serve`` (PyPI package
``oxigraph``, a dev dependency) and Virtuoso 7 (Debian package ``virtuoso-opensource-7``, which
``make engines`` installs). Each runs on free loopback ports in its own directory and is stopped
when its ``with`` block ends.

An engine that cannot start raises :class:`EngineUnavailable` with what to do about it: a test
that needs a backend fails, it never skips silently.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from stigraph.store.remote import RemoteConfig, RemoteEndpoint
from tests.live import free_port

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"
# the account the tests write with (Digest authentication on /sparql-auth and the Graph Store)
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "stigraph", "stigraph-test-password"


class EngineUnavailable(RuntimeError):
    """The engine is not installed or did not come up; the message says how to fix it."""


@dataclass(frozen=True)
class Engine:
    name: str  # "oxigraph" or "virtuoso"
    base: str  # http://127.0.0.1:PORT
    config: RemoteConfig  # how stigraph reaches it, with write access
    directory: Path
    max_rows: int | None = None  # the engine's result-row cap, where it has one
    isql_port: int | None = None  # Virtuoso's SQL port (its bulk loader is driven through isql)

    def with_config(self, **changes: object) -> RemoteConfig:
        fields = {**self.config.__dict__, **changes}
        return RemoteConfig(**fields)  # type: ignore[arg-type]


def _wait_http(process: subprocess.Popen[bytes], url: str, what: str, log: Path, seconds: float = 60) -> None:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if process.poll() is not None:
            raise EngineUnavailable(f"{what} exited with status {process.returncode}: {_tail(log)}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise EngineUnavailable(f"{what} did not answer {url} within {seconds:g} s: {_tail(log)}")


def _tail(log: Path) -> str:
    try:
        return " | ".join(log.read_text(errors="replace").strip().splitlines()[-5:]) or "(empty log)"
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def oxigraph_server(directory: Path) -> Iterator[Engine]:
    """``oxigraph serve`` on a fresh store: no authentication (see docs/scaling.md)."""
    if not OXIGRAPH.exists():
        raise EngineUnavailable(f"{OXIGRAPH} is missing: `make install` installs the oxigraph server (PyPI oxigraph)")
    directory.mkdir(parents=True, exist_ok=True)
    port, log = free_port(), directory / "oxigraph.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(OXIGRAPH), "serve", "--location", str(directory / "store"), "--bind", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(process, f"{base}/query?query=ASK%7B%7D", "oxigraph serve", log)
        config = RemoteConfig(
            query_url=f"{base}/query", update_url=f"{base}/update", graph_store_url=f"{base}/store", engine="oxigraph"
        )
        yield Engine("oxigraph", base, config, directory)
    finally:
        _stop(process)


VIRTUOSO_INI = """\
; A throwaway Virtuoso for stigraph's tests: loopback only, its own files, small buffers.
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort         = 127.0.0.1:{isql_port}
DisableUnixSocket  = 1
ServerThreads      = 10
CheckpointInterval = 60
NumberOfBuffers    = {buffers}
MaxDirtyBuffers    = {dirty}
DirsAllowed        = ., {dir}
MaxQueryMem        = 1G
MaxSortedTopRows   = {sorted_rows}

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerThreads        = 10
MaxClientConnections = 10

[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryExecutionTime      = 120
MaxQueryCostEstimationTime = 1000
"""


def isql(port: int, statement: str, *, user: str = "dba", password: str = "dba") -> str:
    """One SQL statement through Virtuoso's own client; an error raises with the engine's words."""
    done = subprocess.run(
        [ISQL, f"127.0.0.1:{port}", user, password, f"exec={statement}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
        raise EngineUnavailable(f"isql-vt {statement!r} failed: {(done.stdout + done.stderr).strip()[-500:]}")
    return done.stdout


@contextmanager
def virtuoso_server(directory: Path, *, max_rows: int = 1000, buffers: int = 10_000) -> Iterator[Engine]:
    """Virtuoso 7 from Debian's package, with a user that may write (Digest authentication);
    anonymous ``/sparql`` stays read-only."""
    binary = shutil.which(VIRTUOSO)
    if binary is None or shutil.which(ISQL) is None:
        raise EngineUnavailable(
            "Virtuoso is not installed: `make engines` installs Debian's virtuoso-opensource-7 (virtuoso-t, isql-vt)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    isql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            dir=directory,
            isql_port=isql_port,
            http_port=http_port,
            max_rows=max_rows,
            # sorted pages reach OFFSET + LIMIT; beyond this Virtuoso refuses them (SR353)
            sorted_rows=max(10_000, max_rows),
            buffers=buffers,
            dirty=buffers * 3 // 4,
        )
    )
    log = directory / "virtuoso.log"
    # +foreground keeps the server our child (stopped with SIGINT, as Debian's init script does);
    # the log says when it is online, and /sparql is polled until it answers
    with (directory / "virtuoso.out").open("wb") as out:
        process = subprocess.Popen(
            [binary, "+configfile", str(ini), "+foreground"], cwd=directory, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        _wait_http(process, f"{base}/sparql?query=ASK%7B%7D", "virtuoso-t", log, seconds=120)
        isql(isql_port, f"DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{VIRTUOSO_PASSWORD}')")
        isql(isql_port, f'GRANT SPARQL_UPDATE TO "{VIRTUOSO_USER}"')
        config = RemoteConfig(
            query_url=f"{base}/sparql-auth",
            update_url=f"{base}/sparql-auth",
            graph_store_url=f"{base}/sparql-graph-crud-auth",
            auth="digest",
            user=VIRTUOSO_USER,
            password=VIRTUOSO_PASSWORD,
            engine="virtuoso",
        )
        yield Engine("virtuoso", base, config, directory, max_rows=max_rows, isql_port=isql_port)
    finally:
        _stop(process, signal.SIGINT, timeout=60)


@contextmanager
def engine(name: str, directory: Path, *, max_rows: int = 1000) -> Iterator[Engine]:
    """``oxigraph`` or ``virtuoso``; ``max_rows`` is Virtuoso's result cap (Oxigraph has none)."""
    if name == "virtuoso":
        with virtuoso_server(directory, max_rows=max_rows) as running:
            yield running
    else:
        with oxigraph_server(directory) as running:
            yield running


def remote_env(running: Engine) -> dict[str, str]:
    """The STIGRAPH_ settings that put stigraph on ``running`` (for a child process)."""
    c = running.config
    env = {
        "STIGRAPH_BACKEND": "remote",
        "STIGRAPH_REMOTE_ENGINE": c.engine,
        "STIGRAPH_REMOTE_QUERY_URL": c.query_url,
        "STIGRAPH_REMOTE_UPDATE_URL": c.update_url or "",
        "STIGRAPH_REMOTE_GRAPH_STORE_URL": c.graph_store_url or "",
        "STIGRAPH_REMOTE_AUTH": c.auth,
        "STIGRAPH_REMOTE_USER": c.user,
        "STIGRAPH_REMOTE_PASSWORD": c.password,
    }
    if running.max_rows:
        env["STIGRAPH_REMOTE_MAX_ROWS"] = str(running.max_rows)
    return env


def bulk_env(running: Engine, directory: Path) -> dict[str, str]:
    """The STIGRAPH_ settings of Virtuoso's bulk loader, with ``directory`` (which the engine's
    ini allows it to read) as the shared directory."""
    assert running.isql_port is not None
    return {
        "STIGRAPH_REMOTE_BULK_LOADER": "virtuoso",
        "STIGRAPH_REMOTE_BULK_DIR": str(directory),
        "STIGRAPH_REMOTE_ISQL": f"127.0.0.1:{running.isql_port}",
        "STIGRAPH_REMOTE_ISQL_USER": "dba",
        "STIGRAPH_REMOTE_ISQL_PASSWORD": "dba",
        "STIGRAPH_REMOTE_ISQL_COMMAND": ISQL,
    }


def remote_settings(running: Engine) -> dict[str, object]:
    """The same, as keyword arguments of :class:`stigraph.config.Settings`."""
    return {k.removeprefix("STIGRAPH_").lower(): v for k, v in remote_env(running).items()}


def endpoint(env: dict[str, str]) -> RemoteEndpoint:
    """A client of the engine that ``env`` (from :func:`remote_env`) points at."""
    return RemoteEndpoint(
        RemoteConfig(
            query_url=env["STIGRAPH_REMOTE_QUERY_URL"],
            update_url=env["STIGRAPH_REMOTE_UPDATE_URL"],
            graph_store_url=env["STIGRAPH_REMOTE_GRAPH_STORE_URL"],
            auth=env["STIGRAPH_REMOTE_AUTH"],  # type: ignore[arg-type]
            user=env["STIGRAPH_REMOTE_USER"],
            password=env["STIGRAPH_REMOTE_PASSWORD"],
        )
    )
