"""Validation results as plain dataclasses (the CLI prints them, the API serialises them)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Violation:
    focus: str
    shape: str
    component: str
    message: str
    path: str | None = None
    value: str | None = None
    severity: str = "Violation"
    file: str | None = None
    line: int | None = None
    record: str | None = None  # the input record the focus node came from (JSON sources)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def describe(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else ""
        if self.file and self.record:
            where = f"{self.file}, record {self.record}: "
        path = f" {self.path}" if self.path else ""
        value = f" (value {self.value})" if self.value is not None else ""
        return f"{where}<{self.focus}>{path}: {self.message}{value} [{self.shape}]"


@dataclass
class ValidationReport:
    checks: int
    violations: list[Violation] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not any(v.severity == "Violation" for v in self.violations)

    def as_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "checks": self.checks,
            "violations": [v.as_dict() for v in self.violations],
        }
