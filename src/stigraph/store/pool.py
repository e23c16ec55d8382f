"""A pool of query worker processes, driven from the API's event loop.

The API never calls the engine itself: it leases a worker, sends it a job and forwards the
frames it answers with. A job that passes its deadline, a client that goes away and a worker
that dies all end the same way: the worker process is killed (SIGKILL, so its CPU is free at
once) and a fresh one is started in its place (forkserver: tens of milliseconds), while the
other workers go on answering.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes.util
import json
import multiprocessing
import os
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

from stigraph.config import Settings
from stigraph.errors import ConfigError, StigraphError
from stigraph.store import wire
from stigraph.store.worker import worker_main


def allocator_library(name: str) -> str | None:
    """The shared library to preload for ``worker_allocator``, or None for the C library's malloc.

    'jemalloc' is taken when installed and quietly left out when not (the service still works,
    only slower, and /healthz shows it); a path must exist.
    """
    if name == "system":
        return None
    if name == "jemalloc":
        return ctypes.util.find_library("jemalloc")
    if not Path(name).is_file():
        raise ConfigError(f"STIGRAPH_WORKER_ALLOCATOR: {name!r} is not 'jemalloc', 'system' or a shared library file")
    return name


class WorkerGone(StigraphError):
    """The worker died or was killed while it held a job."""

    code = "worker_gone"


class PoolBusy(StigraphError):
    """No worker became free before the request's deadline."""

    code = "busy"


@dataclass
class WorkerHandle:
    process: Any
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    pid: int
    network_isolated: bool
    allocator: str = "system"
    started: float = field(default_factory=time.time)
    jobs: int = 0
    busy: bool = False
    killed: str | None = None  # why it was killed ("deadline", "disconnect", ...)

    async def send(self, job: dict[str, Any], body: bytes | None = None) -> None:
        self.writer.write(wire.encode_json(wire.REQUEST, job))
        if body is not None:
            for i in range(0, len(body), wire.CHUNK):
                self.writer.write(wire.encode(wire.BODY, body[i : i + wire.CHUNK]))
            self.writer.write(wire.encode(wire.BODY, b""))
        await self.writer.drain()

    async def frame(self) -> tuple[int, bytes]:
        """The next frame; WorkerGone when the worker is dead or was killed."""
        try:
            kind, length = wire.HEADER.unpack(await self.reader.readexactly(wire.HEADER.size))
            payload = await self.reader.readexactly(length) if length else b""
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            raise WorkerGone(f"worker {self.pid} stopped ({self.killed or 'crashed'})") from None
        return kind, payload

    async def json_frame(self) -> tuple[int, dict[str, Any]]:
        kind, payload = await self.frame()
        return kind, json.loads(payload) if payload else {}


class WorkerPool:
    def __init__(self, settings: Settings, *, size: int | None = None) -> None:
        self.settings = settings
        self.size = size or settings.workers
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["stigraph.store.worker"])
        self._settings_json = settings.to_json_with_secrets()
        self._allocator = allocator_library(settings.worker_allocator)  # a bad setting fails here, at start
        # Last in, first out: the worker that answered last answers next, so with light traffic
        # one process stays hot (its caches and the engine's) instead of each request waking
        # a different one.
        self._idle: asyncio.LifoQueue[WorkerHandle] = asyncio.LifoQueue()
        self.workers: dict[int, WorkerHandle] = {}
        self.restarts = 0
        self.kills: dict[str, int] = {}
        self._closing = False
        self._spawning: set[asyncio.Task[None]] = set()

    # -- life cycle -----------------------------------------------------------------------
    async def start(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self._start_forkserver)
        await asyncio.gather(*(self._spawn() for _ in range(self.size)))

    def _start_forkserver(self) -> None:
        """Start the process workers fork from, with the configured allocator preloaded.

        The engine allocates heavily while it plans and evaluates; under jemalloc it answers
        15-40% faster than under glibc's malloc (docs/performance.md), as fast as the Rust
        server. The library has to be there when the process starts, so it goes into the
        forkserver's environment (and only there: the API process is not affected). A
        forkserver already running in this process keeps what it has; each worker reports
        the allocator it really runs with.
        """
        library = self._allocator
        saved = os.environ.get("LD_PRELOAD")
        if library:
            os.environ["LD_PRELOAD"] = f"{library} {saved}" if saved else library
        try:
            forkserver.ensure_running()
        finally:
            if saved is None:
                os.environ.pop("LD_PRELOAD", None)
            else:
                os.environ["LD_PRELOAD"] = saved

    async def close(self) -> None:
        self._closing = True
        for t in list(self._spawning):
            t.cancel()
        for w in list(self.workers.values()):
            self._terminate(w, "shutdown")

    async def _spawn(self) -> None:
        parent, child = socket.socketpair()
        loop = asyncio.get_running_loop()
        process = self._ctx.Process(target=worker_main, args=(child, self._settings_json), daemon=True)
        await loop.run_in_executor(None, process.start)
        child.close()
        reader, writer = await asyncio.open_unix_connection(sock=parent)
        _, payload = wire.HEADER.unpack(await reader.readexactly(wire.HEADER.size))
        hello = json.loads(await reader.readexactly(payload))
        handle = WorkerHandle(
            process, reader, writer, hello["pid"], hello["network_isolated"], hello.get("allocator", "system")
        )
        if self._closing:
            self._terminate(handle, "shutdown")
            return
        self.workers[handle.pid] = handle
        self._idle.put_nowait(handle)

    def _respawn(self) -> None:
        if self._closing:
            return
        self.restarts += 1
        task = asyncio.get_running_loop().create_task(self._spawn())
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)

    def _terminate(self, w: WorkerHandle, reason: str) -> None:
        w.killed = w.killed or reason
        self.workers.pop(w.pid, None)
        with contextlib.suppress(OSError, ValueError, AttributeError):
            w.process.kill()
        with contextlib.suppress(OSError, RuntimeError):
            w.writer.close()

    def kill(self, w: WorkerHandle, reason: str) -> None:
        """Stop a worker now (SIGKILL) and start its replacement."""
        if w.killed:
            return
        self.kills[reason] = self.kills.get(reason, 0) + 1
        self._terminate(w, reason)
        self._respawn()

    # -- leasing --------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def lease(self, deadline: float) -> AsyncIterator[WorkerHandle]:
        """An idle worker until the block ends; waits at most until ``deadline`` (monotonic)."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PoolBusy("every query worker stayed busy until the request's deadline")
            try:  # an idle worker at hand costs no task (wait_for would create one)
                w = (
                    self._idle.get_nowait()
                    if not self._idle.empty()
                    else await asyncio.wait_for(self._idle.get(), remaining)
                )
            except TimeoutError:
                raise PoolBusy("every query worker stayed busy until the request's deadline") from None
            # a worker that died while idle has closed its end of the socket (reading the
            # process status instead would cost a system call on every request)
            if not w.killed and not w.reader.at_eof():
                break
            if not w.killed:
                self.kill(w, "crash")
        w.busy = True
        try:
            yield w
        except WorkerGone:
            self.kill(w, "crash")  # no-op when it was killed on purpose (deadline, disconnect)
            raise
        except BaseException:
            self.kill(w, "abandoned")  # its job is in an unknown state: start afresh
            raise
        else:
            if not w.killed:
                self._idle.put_nowait(w)
        finally:
            w.busy = False
            w.jobs += 1

    def alive(self) -> int:
        return sum(1 for w in self.workers.values() if w.process.is_alive())

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "pid": w.pid,
                "jobs": w.jobs,
                "busy": w.busy,
                "alive": w.process.is_alive(),
                "network_isolated": w.network_isolated,
                "allocator": w.allocator,
            }
            for w in self.workers.values()
        ]
