"""Answers of curated queries kept per store generation, so a repeated question costs nothing.

The key holds the generation the answer was computed on; a lookup asks with the current one, so
after a load no stale answer can be returned, and the entries of older generations are dropped
the first time a newer one is seen.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Answer:
    meta: dict[str, Any]
    body: bytes


class AnswerCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[int, Hashable], Answer] = OrderedDict()
        self._bytes = 0
        self._generation = -1
        self.hits = 0
        self.misses = 0

    def get(self, generation: int, key: Hashable) -> Answer | None:
        self._see(generation)
        answer = self._items.get((generation, key))
        if answer is None:
            self.misses += 1
            return None
        self._items.move_to_end((generation, key))
        self.hits += 1
        return answer

    def put(self, generation: int, key: Hashable, answer: Answer) -> None:
        self._see(generation)
        if generation < self._generation or len(answer.body) > self.max_bytes // 4:
            return  # computed on a snapshot already replaced, or too big to be worth keeping
        old = self._items.pop((generation, key), None)
        if old is not None:
            self._bytes -= len(old.body)
        self._items[(generation, key)] = answer
        self._bytes += len(answer.body)
        while self._bytes > self.max_bytes and self._items:
            _, dropped = self._items.popitem(last=False)
            self._bytes -= len(dropped.body)

    def _see(self, generation: int) -> None:
        if generation > self._generation:
            self._generation = generation
            for k in [k for k in self._items if k[0] < generation]:
                self._bytes -= len(self._items.pop(k).body)

    def __len__(self) -> int:
        return len(self._items)
