"""The one settings object. Read when asked for, never at import time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MEMORY = ":memory:"


class Grant(BaseModel):
    """What one bearer token allows: the scope it reads and whether it may write."""

    model_config = {"extra": "forbid"}

    scope: Literal["public", "partner", "all"] = "partner"
    write: bool = False
    name: str = Field(default="", description="Who holds the token (for logs and metrics, never the token).")


class Settings(BaseSettings):
    """stigraph settings; every field can be set with an environment variable ``STIGRAPH_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="STIGRAPH_", extra="forbid")

    store: str = Field(
        default="var/store",
        description="Directory of the embedded store, or ':memory:' for a throw-away store.",
    )
    base_iri: str = Field(
        default="https://w3id.org/stigraph/",
        description="Base of every IRI stigraph mints (instances under <base>id/, graphs under <base>graph/).",
    )
    shapes_dir: Path = Field(default=Path("shapes"), description="SHACL shapes directory.")
    ontology_dir: Path = Field(default=Path("ontology"), description="Ontology (stigraph.ttl) and vocab/ directory.")
    queries_dir: Path = Field(default=Path("queries"), description="Curated queries (examples/ feeds the query page).")
    bundle: Path = Field(default=Path("data/bundle.yml"), description="Manifest of the bundled graph.")
    backend: Literal["embedded", "remote"] = Field(
        default="embedded",
        description="Where the data lives: the embedded store (default) or an external SPARQL engine "
        "(STIGRAPH_REMOTE_*; docs/scaling.md). The store directory then keeps only derived data.",
    )
    remote_query_url: str = Field(default="", description="The engine's SPARQL query endpoint (remote backend).")
    remote_update_url: str = Field(default="", description="Its SPARQL Update endpoint (default: the query URL).")
    remote_graph_store_url: str = Field(default="", description="Its Graph Store Protocol endpoint.")
    remote_engine: Literal["generic", "oxigraph", "virtuoso"] = Field(
        default="generic", description="Which engine it is, for its known quirks (docs/scaling.md)."
    )
    remote_auth: Literal["none", "basic", "digest", "bearer"] = Field(
        default="none", description="How stigraph authenticates to the engine."
    )
    remote_user: str = Field(default="", description="User for basic or digest authentication.")
    remote_password: SecretStr = Field(default=SecretStr(""), description="Password for basic or digest.")
    remote_token: SecretStr = Field(default=SecretStr(""), description="Bearer token.")
    remote_timeout: float = Field(default=120.0, gt=0, description="Seconds one request to the engine may take.")
    remote_max_rows: int | None = Field(
        default=None, ge=1, description="The engine's cap on result rows, if it has one (Virtuoso ResultSetMaxRows)."
    )
    remote_page_size: int = Field(default=10_000, ge=1, description="Rows per page when a large answer is paged.")
    remote_bulk_loader: Literal["none", "virtuoso", "oxigraph"] = Field(
        default="none",
        description="How staged graphs reach the engine: Graph Store requests (none), files loaded by "
        "Virtuoso's ld_dir/rdf_loader_run through isql (virtuoso), or Oxigraph server's bulk loader "
        "(oxigraph: Graph Store requests without a transaction; docs/scaling.md).",
    )
    remote_bulk_dir: Path | None = Field(
        default=None, description="A directory stigraph writes and the engine reads (in Virtuoso's DirsAllowed)."
    )
    remote_isql: str = Field(default="", description="Virtuoso's isql address, host:port (the bulk loader).")
    remote_isql_user: str = Field(default="dba", description="The isql user of the bulk loader.")
    remote_isql_password: SecretStr = Field(default=SecretStr(""), description="Its password.")
    remote_isql_command: str = Field(default="isql-vt", description="Virtuoso's SQL client (Debian: isql-vt).")
    keep_generations: int = Field(
        default=2, ge=1, description="Committed store generations kept on disk (current included)."
    )

    # -- serving ----------------------------------------------------------------------
    host: str = Field(default="127.0.0.1", description="Address `stigraph serve` binds.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port `stigraph serve` binds (0: any free port).")
    tokens: dict[str, Grant] = Field(
        default_factory=dict,
        description='Bearer tokens, as JSON: {"<token>": {"scope": "partner"|"all", "write": bool, '
        '"name": "..."}}. A token may also be given as "sha256:<hex digest>" so the secret is not stored.',
    )
    workers: int = Field(default=2, ge=1, le=64, description="Query worker processes.")
    timeout_anonymous: float = Field(default=10.0, gt=0, description="Deadline (s) of an anonymous request.")
    timeout_token: float = Field(default=60.0, gt=0, description="Deadline (s) of a request with a token.")
    max_query_bytes: int = Field(default=64 * 1024, ge=64, description="Largest query or update text accepted.")
    max_query_depth: int = Field(
        default=200, ge=4, description="Deepest nesting of {, ( and [ accepted (the engine crashes near 2,200)."
    )
    max_result_rows: int = Field(
        default=100_000, ge=1, description="Rows (or triples) in one result; beyond it the result is cut and says so."
    )
    max_update_bytes: int = Field(default=64 * 1024 * 1024, ge=1024, description="Largest Graph Store upload.")
    client_concurrency: int = Field(default=4, ge=1, description="Requests one client may have running at once.")
    client_budget_seconds: float = Field(
        default=120.0, gt=0, description="Query seconds one client may use per budget window, then 429."
    )
    client_budget_window: float = Field(default=60.0, gt=0, description="Length (s) of the budget window.")
    worker_memory_mb: int = Field(
        default=4096, ge=0, description="Address-space limit of a query worker (MiB, 0 = none); beyond it, it dies."
    )
    worker_allocator: str = Field(
        default="jemalloc",
        description="Memory allocator preloaded into query workers: 'jemalloc' (when the library is installed; "
        "the engine runs 15-40% faster with it than with the C library's malloc), 'system', or a library path.",
    )
    access_log: bool = Field(default=True, description="Write one JSON line per request to stderr.")
    staging_memory_mb: int = Field(
        default=512,
        ge=0,
        description="Sources with more input than this are staged and validated on disk, not in memory.",
    )
    precompute_answers: bool = Field(
        default=True,
        description="Materialise the answers of curated queries marked 'precompute' when a generation is published.",
    )
    precompute_path_rows: bool = Field(
        default=True,
        description="Write the rows the path index is built from, per graph, when a generation is published "
        "(embedded store on disk); without them each index build reads the store back.",
    )
    answer_cache_mb: int = Field(
        default=64, ge=0, description="Memory for answers of curated queries, per store generation (0: no cache)."
    )

    def to_json_with_secrets(self) -> str:
        """The settings for a child process, secrets included (``model_dump_json`` masks them)."""
        data = self.model_dump(mode="json")
        for name in ("remote_password", "remote_token", "remote_isql_password"):
            data[name] = getattr(self, name).get_secret_value()
        return json.dumps(data)

    @property
    def in_memory(self) -> bool:
        return self.store == MEMORY

    @property
    def store_path(self) -> Path:
        return Path(self.store)
