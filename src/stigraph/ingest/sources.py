"""Source descriptions (``loaders/<source>/source.yml``) and what a load needs to know."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from stigraph.errors import ErrorContext, InputError

SourceKind = Literal["rdf", "pi-list", "ror", "wikidata-missions", "cordis", "openalex", "orcid", "kaken"]
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
RESERVED_IDS = ("reconcile", "curation", "consent")
"""Graphs of these ids belong to identity reconciliation, curators' decisions and people's
consent decisions and erasures: a load under one of them would replace them."""


class SourceSpec(BaseModel):
    """What a load of one source is: its id (the unit that is replaced), kind and metadata."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Source id; the graphs <base>graph/<id>/<visibility> are its own.")
    kind: SourceKind
    title: str = ""
    licence: str | None = None
    format: str | None = None
    input: list[Path] = Field(default_factory=list, description="Input file(s) of the source.")
    derived_from: str | None = Field(
        default=None, description="IRI of the document or dataset the data comes from (PROV)."
    )
    mission: str | None = Field(default=None, description="pi-list: IRI of the publishing mission")
    pilist: str | None = Field(default=None, description="pi-list: IRI of the list itself")
    description: str = ""
    contact_visibility: Literal["public", "partner", "restricted"] = Field(
        default="restricted",
        description="Visibility of contact details (e-mail, telephone): restricted unless the source publishes "
        "them itself, e.g. a mission's public switchboard.",
    )

    @field_validator("input", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str | Path) else value

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("lower-case letters, digits and '-', at most 63 characters")
        if value in RESERVED_IDS:
            raise ValueError(f"{value!r} is reserved (reconciliation, curation, consent); choose another id")
        return value


def load_spec(path: Path, **overrides: Any) -> SourceSpec:
    """Read a source.yml; a relative ``input`` is resolved against the file's folder."""
    ctx = ErrorContext(file=str(path))
    if not path.exists():
        raise InputError("file does not exist", context=ctx)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable YAML source description: {exc}", context=ctx) from None
    if not isinstance(raw, dict):
        raise InputError("a source description is a YAML mapping", context=ctx)
    raw.update({k: v for k, v in overrides.items() if v is not None})
    spec = make_spec(raw, ctx)
    return spec.model_copy(update={"input": [path.parent / p for p in spec.input]})


def make_spec(raw: dict[str, Any], ctx: ErrorContext | None = None) -> SourceSpec:
    try:
        return SourceSpec.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError(
            first["msg"],
            context=ErrorContext(file=ctx.file if ctx else None, field=field or None, expected="see docs/loaders.md"),
        ) from None
