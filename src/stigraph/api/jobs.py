"""Run one job on a query worker and stream its answer to the client.

The deadline, the client going away and a crash all end in the worker being killed; what the
client then gets depends on whether the response had started: before it, a 503 with
Retry-After; after it, the connection is aborted, so a client never takes a cut-off body for a
whole one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stigraph.api.http import HttpError, Receive, Send
from stigraph.store import wire
from stigraph.store.pool import PoolBusy, WorkerGone, WorkerHandle, WorkerPool

# A client that goes away while its query runs lets it finish within this many seconds before
# the worker is killed: a cheap query is done by then and its worker, caches warm, stays in
# the pool (a browser that cancels, a load generator closing its connections); a runaway one
# is killed a moment later.
DISCONNECT_GRACE = 0.25
# A job starts listening for its client going away after this many seconds.
WATCH_AFTER = 0.02


class ResponseAborted(Exception):
    """The worker stopped after the response began: the connection must be dropped."""


@dataclass
class Outcome:
    status: int = 0
    rows: int | None = None
    truncated: bool = False
    killed: str | None = None
    bytes: int = 0


HeadHandler = Callable[[dict[str, Any]], tuple[int, list[tuple[bytes, bytes]]]]


async def run_job(
    pool: WorkerPool,
    receive: Receive,
    send: Send,
    job: dict[str, Any],
    *,
    deadline: float,
    timeout: float,
    on_head: HeadHandler,
    body: bytes | None = None,
    head_only: bool = False,
    capture: Callable[[dict[str, Any], bytes], None] | None = None,
    capture_limit: int = 0,
) -> Outcome:
    """Lease a worker, run ``job`` and relay its answer; ``capture`` gets the complete answer
    (head and body) once it has been sent, for a cache, when it is at most ``capture_limit``
    bytes or fitted in the first frames."""
    outcome = Outcome()
    worker: WorkerHandle | None = None
    done = False
    gone = False
    loop = asyncio.get_running_loop()
    grace: asyncio.TimerHandle | None = None

    async def watch_disconnect() -> None:
        nonlocal gone, grace
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                gone = True
                if worker is not None and not done:
                    grace = loop.call_later(DISCONNECT_GRACE, pool.kill, worker, "disconnect")
                return

    # Most answers are done within a millisecond: the watcher (a task of its own) starts only
    # once a job has run for a moment, so a quick one costs no task and no extra loop turn.
    watcher: asyncio.Future[None] | None = None

    def start_watching() -> None:
        nonlocal watcher
        watcher = asyncio.ensure_future(watch_disconnect())

    watch_timer = loop.call_later(WATCH_AFTER, start_watching)
    started = False
    failure: dict[str, Any] | None = None
    try:
        async with pool.lease(deadline) as worker:
            if gone:  # the client left while the request waited for a worker
                outcome.status = 499
                return outcome
            timer = loop.call_later(max(0.0, deadline - time.monotonic()), pool.kill, worker, "deadline")
            try:
                await worker.send(job, body)
                kind, meta = await worker.json_frame()
                if kind == wire.FAIL:
                    failure = meta
                else:
                    status, headers = on_head(meta)
                    outcome.status, outcome.rows, outcome.truncated = status, meta.get("rows"), meta.get("truncated")
                    # A result that fits in the first frames goes out in one write with its length
                    # (most answers); a bigger one is streamed as it comes.
                    first: list[bytes] = []
                    size = 0
                    kind = wire.DATA
                    while size < wire.CHUNK:
                        kind, payload = await worker.frame()
                        if kind == wire.END:
                            break
                        if kind == wire.DATA and not head_only:
                            first.append(payload)
                            size += len(payload)
                    outcome.bytes = size
                    if kind == wire.END:
                        done = True
                        length = [] if status == 204 else [(b"content-length", str(size).encode())]
                        await send({"type": "http.response.start", "status": status, "headers": headers + length})
                        started = True
                        data = b"".join(first)
                        await send({"type": "http.response.body", "body": data})
                        if capture is not None and not gone:
                            capture(meta, data)
                        return outcome
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    started = True
                    await send({"type": "http.response.body", "body": b"".join(first), "more_body": True})
                    # a streamed answer is kept for the cache too, up to capture_limit bytes (a
                    # page of 50 rows of names can pass 64 KB, and those pages are the slow ones)
                    kept: list[bytes] | None = first if capture is not None and not head_only else None
                    while True:
                        kind, payload = await worker.frame()
                        if kind == wire.END:
                            break
                        if kind == wire.DATA and not head_only:
                            outcome.bytes += len(payload)
                            if kept is not None and outcome.bytes <= capture_limit:
                                kept.append(payload)
                            else:
                                kept = None
                            await send({"type": "http.response.body", "body": payload, "more_body": True})
                    done = True
                    await send({"type": "http.response.body", "body": b""})
                    if capture is not None and kept is not None and not gone:
                        capture(meta, b"".join(kept))
            finally:
                timer.cancel()
                if grace is not None:  # the job ended within the grace: the worker stays
                    grace.cancel()
    except WorkerGone:
        reason = worker.killed if worker is not None else None
        outcome.killed = reason or "crash"
        if reason == "disconnect":
            outcome.status = 499
            return outcome
        if started:
            raise ResponseAborted(f"worker stopped mid-response ({outcome.killed})") from None
        if reason == "deadline":
            raise HttpError(
                503,
                "deadline_exceeded",
                f"the request ran past its deadline of {timeout:g} s and was stopped; "
                "simplify it, or use a token for a longer deadline",
                headers=[(b"retry-after", b"5")],
            ) from None
        raise HttpError(
            503,
            "engine_crashed",
            "the request stopped the engine process it ran in; the service goes on, the request cannot be answered",
            headers=[(b"retry-after", b"1")],
        ) from None
    except PoolBusy as exc:
        raise HttpError(503, "busy", exc.message, headers=[(b"retry-after", b"1")]) from None
    finally:
        done = True
        if gone:  # the answer, if any, went nowhere
            outcome.status = 499
        watch_timer.cancel()
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
    if failure is not None:
        headers = [(b"retry-after", b"1")] if failure["status"] == 503 else []
        raise HttpError(failure["status"], failure["code"], failure["message"], headers=headers)
    return outcome


async def collect_job(pool: WorkerPool, job: dict[str, Any], *, deadline: float, timeout: float) -> bytes:
    """Run ``job`` on a worker for the service itself (a page, a description) and return its
    whole answer: the same containment as a client's query (deadline kill, crash isolation),
    for answers small enough to hold, which the queries that ask carry a LIMIT to ensure."""
    try:
        async with pool.lease(deadline) as worker:
            timer = asyncio.get_running_loop().call_later(
                max(0.0, deadline - time.monotonic()), pool.kill, worker, "deadline"
            )
            try:
                await worker.send(job)
                kind, meta = await worker.json_frame()
                if kind == wire.FAIL:
                    headers = [(b"retry-after", b"1")] if meta["status"] == 503 else []
                    raise HttpError(meta["status"], meta["code"], meta["message"], headers=headers)
                chunks: list[bytes] = []
                while True:
                    kind, payload = await worker.frame()
                    if kind == wire.END:
                        return b"".join(chunks)
                    if kind == wire.DATA:
                        chunks.append(payload)
            finally:
                timer.cancel()
    except WorkerGone:
        raise HttpError(
            503,
            "deadline_exceeded",
            f"the page could not be prepared within {timeout:g} s; retry shortly",
            headers=[(b"retry-after", b"5")],
        ) from None
    except PoolBusy as exc:
        raise HttpError(503, "busy", exc.message, headers=[(b"retry-after", b"1")]) from None
