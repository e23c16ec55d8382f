"""Per-client fairness: how many requests one client may run at once, and how many query
seconds it may spend per window (as the Wikidata Query Service does), then 429 with
Retry-After."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager

from stigraph.config import Settings
from stigraph.errors import StigraphError


class TooManyRequests(StigraphError):
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ClientLimits:
    def __init__(self, settings: Settings) -> None:
        self.concurrency = settings.client_concurrency
        self.budget = settings.client_budget_seconds
        self.window = settings.client_budget_window
        self._running: dict[str, int] = defaultdict(int)
        self._spent: dict[str, deque[tuple[float, float]]] = defaultdict(deque)
        self._total: dict[str, float] = defaultdict(float)  # running sum of _spent, O(1) per request

    def _spent_in_window(self, client: str, now: float) -> float:
        spent = self._spent.get(client)
        if not spent:
            return 0.0
        while spent and spent[0][0] < now - self.window:
            self._total[client] -= spent.popleft()[1]
        if not spent:
            del self._spent[client]
            del self._total[client]
            return 0.0
        return self._total[client]

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Hold one of the client's request slots; charge the time it took to its budget."""
        now = time.monotonic()
        if self._running[client] >= self.concurrency:
            raise TooManyRequests(f"at most {self.concurrency} requests at once per client", retry_after=1)
        if self._spent_in_window(client, now) >= self.budget:
            oldest = self._spent[client][0][0]
            wait = max(1, math.ceil(oldest + self.window - now))
            raise TooManyRequests(
                f"query time budget of {self.budget:g} s per {self.window:g} s used up", retry_after=wait
            )
        self._running[client] += 1
        try:
            yield
        finally:
            self._running[client] -= 1
            if not self._running[client]:
                del self._running[client]
            end = time.monotonic()
            self._spent[client].append((end, end - now))
            self._total[client] += end - now
