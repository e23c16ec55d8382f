"""Staging large graphs through an engine's own bulk loader instead of Graph Store requests.

A write block on a remote engine stages each graph in a private graph and commits them all in
one update (:mod:`stigraph.store.remote_writer`). By default a staged graph is sent as Graph
Store requests of 50,000 triples, each parsed by the engine's HTTP layer. Virtuoso's bulk
loader (``ld_dir`` then ``rdf_loader_run``) reads files from a directory it is allowed to read
(``DirsAllowed`` in its ini) and is its fast path for millions of triples. With
``STIGRAPH_REMOTE_BULK_LOADER=virtuoso`` each staged graph is written as one N-Triples file into
``STIGRAPH_REMOTE_BULK_DIR`` (a directory both machines see), loaded into its staging graph
through Virtuoso's SQL client ``isql``, checked in ``DB.DBA.load_list`` for a loader error, and
removed. Everything else is unchanged: the staged graphs are validated data, and the commit that
moves them into place is the same single update, so a failed bulk load leaves the data as it was.

The statements name only a file and a graph stigraph made (checked against a strict pattern),
never data: the data goes through the file.

Oxigraph server has no loader of its own to call while it serves (``oxigraph load`` needs the
store to itself), but its Graph Store endpoint takes ``no_transaction``: the request's data then
goes through the same bulk loader as ``oxigraph load`` instead of one transaction (2.8 times
faster for a million triples here; docs/scaling.md). Without a transaction a failed request may
leave part of the data behind, which is why it is only used for staging graphs: the commit that
moves them into place is still one update. ``STIGRAPH_REMOTE_BULK_LOADER=oxigraph``.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

from pyoxigraph import NamedNode

from stigraph.errors import ErrorContext, StoreError
from stigraph.store.remote import RemoteEndpoint

_SAFE_PATH = re.compile(r"^[A-Za-z0-9/._+-]+$")
_SAFE_IRI = re.compile(r"^urn:stigraph:staging:[A-Za-z0-9:._-]+$")


def _staging_only(graph: NamedNode) -> None:
    if not _SAFE_IRI.match(graph.value):
        raise StoreError(f"the bulk loader only writes staging graphs, not <{graph.value}>", context=ErrorContext())


class OxigraphBulkLoader:
    """Loads N-Triples into one graph of an Oxigraph server with its bulk loader (one Graph Store
    request with ``no_transaction``)."""

    def __init__(self, endpoint: RemoteEndpoint) -> None:
        if endpoint.config.engine != "oxigraph":
            raise StoreError(
                f"the Oxigraph bulk loader needs an Oxigraph server, not {endpoint.config.engine!r}",
                context=ErrorContext(field="STIGRAPH_REMOTE_ENGINE", expected="oxigraph"),
            )
        self.endpoint = endpoint

    def load(self, body: bytes, graph: NamedNode) -> None:
        _staging_only(graph)
        self.endpoint.add_to_graph(graph, body, bulk=True)


class VirtuosoBulkLoader:
    """Loads N-Triples into one graph of a Virtuoso through a shared directory and ``isql``."""

    def __init__(self, directory: Path, address: str, user: str, password: str, command: str = "isql-vt") -> None:
        directory = directory.resolve()
        if not _SAFE_PATH.match(str(directory)):
            raise StoreError(
                "the bulk directory's path may only hold letters, digits and / . _ + -",
                context=ErrorContext(field="STIGRAPH_REMOTE_BULK_DIR", expected="a plain absolute path"),
            )
        if not directory.is_dir():
            raise StoreError(
                f"the bulk directory {directory} does not exist",
                context=ErrorContext(field="STIGRAPH_REMOTE_BULK_DIR", expected="a directory Virtuoso may read"),
            )
        if not address:
            raise StoreError(
                "the Virtuoso bulk loader needs the engine's isql address",
                context=ErrorContext(field="STIGRAPH_REMOTE_ISQL", expected="host:port (its [Parameters] ServerPort)"),
            )
        self.directory, self.address, self.user, self.password, self.command = (
            directory,
            address,
            user,
            password,
            command,
        )

    def load(self, body: bytes, graph: NamedNode) -> None:
        """Load the N-Triples ``body`` into ``graph``, or raise :class:`StoreError` with the
        loader's own message (the graph may then hold part of it: it is a staging graph)."""
        _staging_only(graph)
        name = f"stigraph-{uuid.uuid4().hex}.nt"
        path = self.directory / name
        path.write_bytes(body)
        try:
            self._isql(f"ld_dir('{self.directory}', '{name}', '{graph.value}'); rdf_loader_run();")
            report = self._isql(
                f"SELECT ll_error FROM DB.DBA.load_list WHERE ll_file = '{path}' AND ll_error IS NOT NULL;"
            )
            if "\n0 Rows." not in report:
                error = _first_row(report)
                raise StoreError(
                    f"Virtuoso's bulk loader refused the staged data: {error}",
                    context=ErrorContext(source=str(path), expected="N-Triples Virtuoso's loader accepts"),
                )
        finally:
            path.unlink(missing_ok=True)
            self._isql(f"DELETE FROM DB.DBA.load_list WHERE ll_file = '{path}';")

    def _isql(self, statement: str) -> str:
        try:
            done = subprocess.run(
                [self.command, self.address, self.user, self.password, f"exec={statement}"],
                capture_output=True,
                text=True,
                timeout=3600,
                check=False,
            )
        except FileNotFoundError:
            raise StoreError(
                f"the Virtuoso client {self.command!r} is not installed",
                context=ErrorContext(field="STIGRAPH_REMOTE_ISQL_COMMAND", expected="isql-vt or isql"),
            ) from None
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise StoreError(
                f"isql at {self.address} failed: {output.strip()[-400:]}",
                context=ErrorContext(field="STIGRAPH_REMOTE_ISQL", expected="a reachable isql port and its DBA login"),
            )
        return output


def _first_row(report: str) -> str:
    """The first value row of an isql answer (after the line of underscores)."""
    lines = report.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("____"):
            rest = [x for x in lines[i + 1 :] if x.strip()]
            return rest[0].strip() if rest else "(no message)"
    return report.strip()[-300:]
