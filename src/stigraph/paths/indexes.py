"""One path index per scope, kept in memory and rebuilt in the background when the store's
generation changes, so no request ever builds one.

A request waits for the index of the *current* generation (up to its deadline) rather than
answering from an older one: after a person withdraws consent, the generation that removes them
is the only one a path may be found in.
"""

from __future__ import annotations

import gc
import threading
import time

from stigraph.config import Settings
from stigraph.errors import QueryError
from stigraph.namespaces import Minter
from stigraph.paths.index import GraphIndex, build_index
from stigraph.scopes import SCOPES
from stigraph.store.embedded import open_store
from stigraph.store.generations import open_generations
from stigraph.validation import Validator
from stigraph.validation.validator import subclass_closure


class IndexNotReady(QueryError):
    """The index of the current generation is still being built (answered 503, Retry-After)."""


class PathIndexes:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.minter = Minter(settings.base_iri)
        self.gens = open_generations(settings)
        validator = Validator.from_dirs(settings.shapes_dir, settings.ontology_dir)
        self.classes = subclass_closure(validator.class_axioms)
        self._indexes: dict[str, GraphIndex] = {}
        self._building: set[str] = set()
        self._errors: dict[str, str] = {}
        self._cond = threading.Condition()

    def refresh(self) -> None:
        """Start the build of the first scope (public first: most requests are anonymous) whose
        index is missing or older than the store, unless a build is running.

        One build at a time: at a million researchers one build takes 6.4 GB more at its peak
        (docs/performance.md), and three at once would need about three times that on a machine
        that also runs the query workers. The next scope starts on the next refresh, a second
        later."""
        current = self.gens.current()
        if current == 0:
            return
        with self._cond:
            if self._building:
                return
            stale = [s for s in SCOPES if (index := self._indexes.get(s)) is None or index.generation != current]
            if not stale:
                return
            scope = stale[0]
            self._building.add(scope)
        threading.Thread(target=self._build, args=(scope,), name=f"path-index-{scope}", daemon=True).start()

    def _build(self, scope: str) -> None:
        try:
            with open_store(self.settings) as store:
                index = build_index(store, self.minter, scope, self.classes)  # type: ignore[arg-type]
            # An index is millions of long-lived objects: left to the cyclic collector, each full
            # collection walks all of them and stalls the requests running then (searches had
            # 0.5 s tails at 100k researchers). Frozen, they are skipped; reference counting
            # frees an index that is replaced, and the one full collection here (after unfreezing)
            # any cycle in it.
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            with self._cond:
                self._indexes[scope] = index
                self._errors.pop(scope, None)
        except Exception as exc:  # reported to the waiting requests, and retried on the next refresh
            with self._cond:
                self._errors[scope] = str(exc)
        finally:
            with self._cond:
                self._building.discard(scope)
                self._cond.notify_all()

    def get(self, scope: str, timeout: float) -> GraphIndex:
        """The index of the current generation for ``scope``, waiting up to ``timeout`` s."""
        end = time.monotonic() + timeout
        while True:
            current = self.gens.current()
            with self._cond:
                index = self._indexes.get(scope)
                if index is not None and index.generation == current:
                    return index
            self.refresh()
            with self._cond:
                left = end - time.monotonic()
                if left <= 0:
                    error = self._errors.get(scope)
                    raise IndexNotReady(
                        f"the path index could not be built: {error}"
                        if error
                        else "the path index for the current data is being built; retry shortly"
                    )
                self._cond.wait(min(left, 0.5))

    def status(self) -> dict[str, dict[str, object]]:
        with self._cond:
            return {
                scope: {
                    "generation": idx.generation,
                    "nodes": idx.node_count,
                    "edges": idx.edge_count,
                    "build_seconds": round(idx.build_seconds, 3),
                }
                for scope, idx in self._indexes.items()
            }
