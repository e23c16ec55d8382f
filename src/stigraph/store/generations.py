"""Copy-on-write generations of an on-disk pyoxigraph store.

pyoxigraph commits a transaction atomically, but ``bulk_load`` ingests in batches and a killed
one leaves ``bulk-*.sst`` files behind; ``clear_graph`` and ``MOVE`` are not transactional with
the insertions that follow. So every write goes to a new generation: a hard-linked checkpoint
of the current one (``Store.backup``, ~1 ms), written freely, then published by atomically
replacing the ``current`` symlink. A crash at any point leaves ``current`` on the last committed
generation; the janitor deletes the unpublished directory on the next open.

Layout::

    <root>/current -> generations/g000012   (symlink, replaced with rename(2))
    <root>/generations/g000012/             (RocksDB directory, never written after publish)
    <root>/generations/g000012.public/      (snapshot holding only the public graphs)
    <root>/generations/g000012.partner/     (snapshot holding the public and partner graphs)
    <root>/generations/g000012.answers/     (data derived from the generation: answer tables)
    <root>/writer.lock                      (flock held by the single writer process)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from stigraph.errors import ErrorContext, StoreError, StoreLockedError

if TYPE_CHECKING:
    from stigraph.config import Settings

_GEN = re.compile(r"^g(\d{6})$")
_SNAPSHOT = re.compile(r"^g(\d{6})\.(\w+)$")
SNAPSHOT_SCOPES = ("partner", "public")
"""Scopes that get a snapshot of their own, in the order they are derived (each from the last)."""


@dataclass
class JanitorReport:
    removed_generations: list[str]
    removed_bulk_files: list[str]


class Generations:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "generations"
        self.current_link = root / "current"
        self._lock_fd: int | None = None
        self._last_target: str | None = None
        self._last_number = 0

    # -- reading -----------------------------------------------------------------------
    def current(self) -> int:
        """Number of the committed generation, 0 when nothing was ever committed."""
        try:
            target = os.readlink(self.current_link)
        except FileNotFoundError:
            return 0
        if target == self._last_target:  # query workers ask on every job: skip the parsing
            return self._last_number
        m = _GEN.match(os.path.basename(target))
        if not m:
            raise StoreError(
                f"store link points at {target!r}, not a generation",
                context=ErrorContext(file=str(self.current_link)),
            )
        self._last_target, self._last_number = target, int(m.group(1))
        return self._last_number

    def path(self, number: int) -> Path:
        return self.dir / f"g{number:06d}"

    def snapshot_path(self, number: int, scope: str) -> Path:
        """Directory of the store a scope reads; ``all`` reads the generation itself."""
        return self.path(number) if scope == "all" else self.dir / f"g{number:06d}.{scope}"

    def derived_path(self, number: int) -> Path:
        """Directory of what is computed from a generation before it is published."""
        return self.dir / f"g{number:06d}.answers"

    def remove(self, number: int) -> None:
        """Delete a generation, its snapshots and what was derived from it."""
        for scope in SNAPSHOT_SCOPES:
            shutil.rmtree(self.snapshot_path(number, scope), ignore_errors=True)
        shutil.rmtree(self.derived_path(number), ignore_errors=True)
        shutil.rmtree(self.path(number), ignore_errors=True)

    def existing(self) -> list[int]:
        if not self.dir.exists():
            return []
        return sorted(int(m.group(1)) for p in self.dir.iterdir() if (m := _GEN.match(p.name)))

    # -- writing -----------------------------------------------------------------------
    def acquire_writer(self) -> None:
        """Take the single-writer lock or fail at once with who holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock_path = self.root / "writer.lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StoreLockedError(
                f"the store is being written by another process (pid {holder}); wait for it to finish",
                context=ErrorContext(file=str(self.root)),
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd

    def release_writer(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def next_number(self) -> int:
        return max([self.current(), *self.existing()], default=0) + 1

    def publish(self, number: int) -> None:
        """Make generation ``number`` current in one rename(2)."""
        tmp_link = self.root / "current.new"
        with contextlib.suppress(FileNotFoundError):
            tmp_link.unlink()
        os.symlink(Path("generations") / f"g{number:06d}", tmp_link)
        os.replace(tmp_link, self.current_link)
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def janitor(self, keep: int) -> JanitorReport:
        """Remove unpublished generations, old ones beyond ``keep``, and orphan bulk files.

        Only the writer calls this (it holds the lock), so no bulk load can be running.
        """
        current = self.current()
        removed: list[str] = []
        older = [n for n in self.existing() if n < current]
        stale = [n for n in self.existing() if n > current] + older[: max(0, len(older) - keep + 1)]
        for n in stale:
            self.remove(n)
            removed.append(self.path(n).name)
        kept = set(self.existing())
        for p in self.dir.iterdir() if self.dir.exists() else []:
            m = _SNAPSHOT.match(p.name)
            if m and int(m.group(1)) not in kept:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p.name)
        with contextlib.suppress(FileNotFoundError):
            (self.root / "current.new").unlink()
        bulk: list[str] = []
        for n in self.existing():
            for f in [
                *self.path(n).glob("bulk-*.sst"),
                *(f for sc in SNAPSHOT_SCOPES for f in self.snapshot_path(n, sc).glob("bulk-*.sst")),
            ]:
                f.unlink()
                bulk.append(f"{self.path(n).name}/{f.name}")
        return JanitorReport(removed_generations=removed, removed_bulk_files=bulk)


def open_generations(settings: Settings) -> Generations:
    """The generations of the configured backend: the store directory's own, or (remote) the
    engine's number with the state directory for what is derived."""
    if settings.backend == "remote":
        from stigraph.store.remote_store import RemoteGenerations

        return RemoteGenerations(settings)
    return Generations(settings.store_path)
