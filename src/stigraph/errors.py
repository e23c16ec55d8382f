"""One error hierarchy for the whole project.

Every error carries the context a user needs to fix the input (file, line, record, field,
shape, what was expected), so the CLI can print one clear line and the API can return one
JSON error shape with a stable ``code``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ErrorContext:
    """Where an error happened; every part is optional."""

    file: str | None = None
    line: int | None = None
    record: str | None = None
    field: str | None = None
    shape: str | None = None
    source: str | None = None
    expected: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file + (f":{self.line}" if self.line else ""))
        elif self.line:
            parts.append(f"line {self.line}")
        if self.record:
            parts.append(f"record {self.record}")
        if self.field:
            parts.append(f"field '{self.field}'")
        if self.shape:
            parts.append(f"shape {self.shape}")
        return ", ".join(parts)


class StigraphError(Exception):
    """Base of every error stigraph reports to a user."""

    code = "error"
    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        context: ErrorContext | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.context = context or ErrorContext()
        self.details = details or []

    def __str__(self) -> str:
        where = self.context.where()
        expected = f" (expected {self.context.expected})" if self.context.expected else ""
        return f"{where}: {self.message}{expected}" if where else f"{self.message}{expected}"

    def as_dict(self) -> dict[str, Any]:
        """The one JSON error shape used by the CLI (--format json) and the API."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        ctx = self.context.as_dict()
        if ctx:
            body["context"] = ctx
        if self.details:
            body["details"] = self.details
        return {"error": body}


class ConfigError(StigraphError):
    code = "config_error"


class InputError(StigraphError):
    """The input cannot be read or parsed (syntax, encoding, missing file, bad column)."""

    code = "input_error"
    exit_code = 2


class MappingError(InputError):
    """A record parsed, but a field does not hold what the mapping expects."""

    code = "mapping_error"


class ValidationFailed(StigraphError):
    """The staged data does not conform to the SHACL shapes; nothing was written.

    ``summary`` counts the violations per constraint (shape, component, path, message, count,
    first focus); ``details`` holds the first few of each."""

    code = "validation_failed"
    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        context: ErrorContext | None = None,
        details: list[dict[str, Any]] | None = None,
        summary: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message, context=context, details=details)
        self.summary = summary or []

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        if self.summary:
            body["error"]["summary"] = self.summary
        return body


class ShapeCompileError(StigraphError):
    """A shape uses SHACL the validator does not support (it never skips silently)."""

    code = "shape_unsupported"


class StoreError(StigraphError):
    code = "store_error"
    exit_code = 4


class StoreLockedError(StoreError):
    """Another process is writing the store."""

    code = "store_locked"


class QueryError(StigraphError):
    code = "query_error"
    exit_code = 2


@dataclass
class Problem:
    """One problem among several found in one input (collected, then raised together)."""

    message: str
    context: ErrorContext = field(default_factory=ErrorContext)

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, **self.context.as_dict()}


class CatalogError(StigraphError):
    """A curated query file is malformed (its header, its parameters or its SPARQL)."""

    code = "catalog_error"
    exit_code = 2


class ParameterError(StigraphError):
    """A value given for a curated query's parameter is not what the parameter takes."""

    code = "invalid_parameter"
    exit_code = 2


class NotFound(StigraphError):
    """A thing asked for by its identifier does not exist (or the caller's scope cannot see it,
    which must look the same: a partner-only person is "not found" to the public)."""

    code = "not_found"
    exit_code = 2
