"""Operations: Prometheus metrics, the health report and structured access logs.

Access logs never hold query text, results or personal data: a query is logged by its length
and a short digest (enough to correlate repeated runaway queries), a client by a digest of its
address or by its token's name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from stigraph.store.generations import Generations
from stigraph.store.pool import WorkerPool

METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


def _dir_bytes(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(root, f)).st_size
    return total


class _PoolCollector(Collector):
    """Reads the pool and the store when Prometheus scrapes, so the hot path counts nothing twice."""

    def __init__(self, pool: WorkerPool, gens: Generations) -> None:
        self.pool = pool
        self.gens = gens
        self._size: tuple[float, int, int] = (0.0, -1, 0)

    def store_bytes(self) -> int:
        now = time.monotonic()
        stamp, gen, size = self._size
        current = self.gens.current()
        if gen != current or now - stamp > 30:
            size = _dir_bytes(self.gens.path(current)) if current else 0
            self._size = (now, current, size)
        return size

    def collect(self) -> Iterator[Metric]:
        killed = CounterMetricFamily(
            "stigraph_queries_killed", "Requests whose worker was killed, by reason.", labels=["reason"]
        )
        for reason in ("deadline", "disconnect", "crash", "abandoned"):
            killed.add_metric([reason], self.pool.kills.get(reason, 0))
        yield killed
        yield CounterMetricFamily(
            "stigraph_worker_restarts", "Query workers started to replace one.", self.pool.restarts
        )
        yield GaugeMetricFamily("stigraph_workers_alive", "Query worker processes alive.", self.pool.alive())
        yield GaugeMetricFamily("stigraph_store_generation", "Committed store generation.", self.gens.current())
        yield GaugeMetricFamily(
            "stigraph_store_bytes", "Bytes on disk of the committed generation.", self.store_bytes()
        )


class Metrics:
    def __init__(self, pool: WorkerPool, gens: Generations) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "stigraph_http_requests", "HTTP requests answered.", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "stigraph_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_PoolCollector(pool, gens))
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[str, Any] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        # the labelled children are looked up once (the label sets are few), not on every request
        counter = self._counters.get((route, method, status))
        if counter is None:
            counter = self._counters[(route, method, status)] = self.requests.labels(route, method, str(status))
        histogram = self._histograms.get(route)
        if histogram is None:
            histogram = self._histograms[route] = self.latency.labels(route)
        counter.inc()
        histogram.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class AccessLog:
    """One JSON object per line on stderr.

    Written straight to the stream (line-buffered, so one write per request): the logging
    module's records, handlers and locks cost more than the rest of the line on the hot path.
    """

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self._stream = stream

    def write(self, **fields: Any) -> None:
        if self.enabled:
            line = {"ts": round(time.time(), 3)}
            line.update((k, v) for k, v in fields.items() if v is not None)
            stream = self._stream or sys.stderr
            stream.write(_encode(line) + "\n")


_encode = json.JSONEncoder(separators=(",", ":")).encode


def health(pool: WorkerPool, gens: Generations) -> tuple[bool, dict[str, Any]]:
    current = gens.current()
    age = None
    if current:
        try:
            age = round(time.time() - gens.path(current).stat().st_mtime, 1)
        except OSError:
            age = None
    store_ok = current == 0 or gens.path(current).exists()
    alive = pool.alive()
    ok = store_ok and alive > 0
    return ok, {
        "status": "ok" if ok else "degraded",
        "store": {"open": store_ok, "generation": current, "snapshot_age_seconds": age},
        "workers": {"configured": pool.size, "alive": alive, "restarts": pool.restarts, "detail": pool.describe()},
    }
