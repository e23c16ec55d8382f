"""The worker side of ``GET /export/...``: one job streams a dump, a description or a partner
profile of the job's scope from the worker's snapshot of that scope.

The API process never runs the engine (docs/architecture.md), and an export is the longest
read there is, so it runs in a query worker like any query: killed at its deadline or when the
client leaves, under the worker's memory limit, reading the per-scope snapshot in which the
graphs a scope may not see do not exist. The head of the answer (the generation the snapshot
belongs to, when it was published) is sent with the first bytes, never before: a partner profile
that does not conform fails before anything is sent, so the client gets an error, not a file.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from stigraph.errors import ValidationFailed
from stigraph.export.describe import describe
from stigraph.export.dump import EXPORT_FORMATS
from stigraph.export.partner import PartnerProfile
from stigraph.export.run import all_distributions, write_export
from stigraph.export.view import view_of_snapshot
from stigraph.namespaces import Minter
from stigraph.store import wire

KINDS = ("dump", "describe", "profile")


class _HeadFirst:
    """A sink that sends the answer's head just before its first bytes."""

    def __init__(self, out: Any, meta: dict[str, Any]) -> None:
        self._out = out
        self._meta = meta
        self.started = False

    def start(self) -> None:
        if not self.started:
            self._out.control(wire.HEAD, self._meta)
            self.started = True

    def write(self, data: bytes) -> int:
        self.start()
        return self._out.write(data)  # type: ignore[no-any-return]

    def flush(self) -> None:
        pass


def published(worker: Any, generation: int) -> str:
    """When a generation was published (its directory's time), as an HTTP date."""
    try:
        stamp = os.stat(worker.gens.path(generation)).st_mtime if generation else 0.0
    except OSError:
        stamp = 0.0
    return format_datetime(datetime.fromtimestamp(stamp, UTC), usegmt=True)


def run_export_job(worker: Any, job: dict[str, Any], out: Any) -> None:
    """Run one export job on ``worker`` (a :class:`stigraph.store.worker.Worker`), answering
    through ``out`` (its frame sender)."""
    from stigraph.store.worker import JobError  # the worker imports this module, not the reverse

    kind, scope = job["kind"], job["scope"]
    if kind not in KINDS:
        raise JobError(400, "bad_request", f"unknown export kind {kind!r}")
    snapshot = worker.snapshot(scope)
    full = worker.snapshot("all") if kind == "describe" and scope != "all" else snapshot
    settings = worker.settings
    view = view_of_snapshot(snapshot, full, Minter(settings.base_iri), scope, worker.generation)
    meta = {
        "kind": "export",
        "generation": worker.generation,
        "modified": published(worker, worker.generation),
        "truncated": False,
    }
    sink = _HeadFirst(out, meta)
    if kind == "describe":
        sink.write(describe(view, all_distributions(scope, job.get("base_url"))).serialize())
    elif kind == "profile":
        profile = PartnerProfile.from_dirs(settings.shapes_dir, settings.ontology_dir)
        try:
            write_export(view, sink, EXPORT_FORMATS["jsonld"], compress=bool(job.get("gzip")), profile=profile)
        except ValidationFailed as exc:
            # nothing was sent: the client gets this error instead of a profile
            raise JobError(500, exc.code, str(exc)) from None
    else:
        write_export(view, sink, EXPORT_FORMATS[job["format"]], compress=bool(job.get("gzip")), profile=None)
    sink.start()  # an empty export still has a head
    out.finish(bytes=out.sent)
