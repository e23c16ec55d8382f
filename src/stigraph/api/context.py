"""What every protocol route shares: settings, the worker pool, auth, limits, metrics, logs."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from stigraph.api.auth import Authenticator, Forbidden, Principal, Unauthorized
from stigraph.api.http import CORS_READ, HttpError, Receive, Request, Scope, Send, respond_error
from stigraph.api.jobs import HeadHandler, Outcome, ResponseAborted, run_job
from stigraph.api.limits import ClientLimits, TooManyRequests
from stigraph.api.negotiation import NotAcceptable
from stigraph.api.ops import AccessLog, Metrics
from stigraph.config import Settings
from stigraph.errors import ParameterError, StigraphError
from stigraph.namespaces import Minter
from stigraph.store.generations import Generations, open_generations
from stigraph.store.pool import WorkerPool


@dataclass
class ServiceContext:
    settings: Settings
    pool: WorkerPool
    gens: Generations = field(init=False)
    auth: Authenticator = field(init=False)
    limits: ClientLimits = field(init=False)
    metrics: Metrics = field(init=False)
    log: AccessLog = field(init=False)
    minter: Minter = field(init=False)

    def __post_init__(self) -> None:
        self.gens = open_generations(self.settings)
        self.auth = Authenticator(self.settings)
        self.limits = ClientLimits(self.settings)
        self.metrics = Metrics(self.pool, self.gens)
        self.log = AccessLog(self.settings.access_log)
        self.minter = Minter(self.settings.base_iri)

    async def run(
        self,
        ex: Exchange,
        receive: Receive,
        send: Send,
        job: dict[str, Any],
        *,
        on_head: HeadHandler,
        timeout_param: str | None = None,
        body: bytes | None = None,
        head_only: bool = False,
        capture: Callable[[dict[str, Any], bytes], None] | None = None,
        capture_limit: int = 0,
    ) -> Outcome:
        """Run a job for the caller: its deadline, its client's limits, a write's lock wait."""
        assert ex.principal is not None
        timeout = self.timeout_for(ex.principal, timeout_param)
        job.setdefault("lock_wait", max(0.0, timeout - 1))  # only writes wait for the lock
        with self.limits.admit(ex.principal.client):
            return await run_job(
                self.pool,
                receive,
                send,
                job,
                deadline=time.monotonic() + timeout,
                timeout=timeout,
                on_head=on_head,
                body=body,
                head_only=head_only,
                capture=capture,
                capture_limit=capture_limit,
            )

    def timeout_for(self, principal: Principal, requested: str | None) -> float:
        limit = self.settings.timeout_anonymous if principal.anonymous else self.settings.timeout_token
        if requested:
            try:
                wanted = float(requested)
            except ValueError:
                raise HttpError(400, "bad_parameter", f"timeout {requested!r} is not a number of seconds") from None
            if wanted > 0:
                return min(wanted, limit)
        return limit


@dataclass
class Exchange:
    """One request as a handler sees it, and what the access log will say about it."""

    request: Request
    principal: Principal | None = None
    outcome: Outcome = field(default_factory=Outcome)
    started: float = field(default_factory=time.monotonic)
    log: dict[str, Any] = field(default_factory=dict)
    cors: bool = True


Handler = Callable[[Exchange, Receive, Send], Awaitable[Outcome | None]]

_STATUS = {
    Unauthorized: 401,
    Forbidden: 403,
    NotAcceptable: 406,
    TooManyRequests: 429,
    ParameterError: 422,
}


async def serve_protocol(
    ctx: ServiceContext, route: str, handler: Handler, scope: Scope, receive: Receive, send: Send
) -> None:
    """Run a protocol handler with the one error shape, metrics and the access log around it."""
    ex = Exchange(Request.from_scope(scope))
    sent = {"started": False}

    async def tracking_send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent["started"] = True
            ex.outcome.status = message["status"]
        await send(message)

    try:
        outcome = await handler(ex, receive, tracking_send)  # type: ignore[arg-type]
        if outcome is not None:
            ex.outcome = outcome
    except ResponseAborted:
        ex.outcome.status = ex.outcome.status or 500
        _finish(ctx, route, ex, aborted=True)
        raise
    except (StigraphError, ConnectionAbortedError) as exc:
        if isinstance(exc, ConnectionAbortedError):
            ex.outcome.status = 499
        elif not sent["started"]:
            status, headers = _status_of(exc)
            if ex.cors:
                headers = headers + CORS_READ
            if status == 401:
                headers.append((b"www-authenticate", b'Bearer realm="stigraph"'))
            ex.outcome.status = status
            ex.log["error"] = exc.code
            await respond_error(send, exc, status, headers)
    _finish(ctx, route, ex)


def _status_of(exc: StigraphError) -> tuple[int, list[tuple[bytes, bytes]]]:
    if isinstance(exc, HttpError):
        return exc.status, list(exc.headers)
    if isinstance(exc, TooManyRequests):
        return 429, [(b"retry-after", str(exc.retry_after).encode())]
    for cls, status in _STATUS.items():
        if isinstance(exc, cls):
            return status, []
    return 400, []


def _finish(ctx: ServiceContext, route: str, ex: Exchange, *, aborted: bool = False) -> None:
    seconds = time.monotonic() - ex.started
    status = ex.outcome.status or 500
    ctx.metrics.observe(route, ex.request.method, status, seconds)
    p = ex.principal
    ctx.log.write(
        route=route,
        method=ex.request.method,
        status=status,
        ms=round(seconds * 1000, 2),
        bytes=ex.outcome.bytes or None,
        rows=ex.outcome.rows,
        truncated=ex.outcome.truncated or None,
        killed=ex.outcome.killed,
        aborted=aborted or None,
        scope=p.scope if p else None,
        client=p.name if p and not p.anonymous else _client_digest(ex.request.client),
        **ex.log,
    )


@functools.lru_cache(maxsize=4096)
def _client_digest(address: str) -> str:
    return "anon:" + hashlib.sha256(address.encode()).hexdigest()[:10]
