"""The one settings object. Read when asked for, never at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MEMORY = ":memory:"


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
    bundle: Path = Field(default=Path("data/bundle.yml"), description="Manifest of the bundled graph.")
    keep_generations: int = Field(
        default=2, ge=1, description="Committed store generations kept on disk (current included)."
    )

    @property
    def in_memory(self) -> bool:
        return self.store == MEMORY

    @property
    def store_path(self) -> Path:
        return Path(self.store)
