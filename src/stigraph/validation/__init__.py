"""SHACL validation, compiled to SPARQL so that full dumps validate in seconds, not hours."""

from stigraph.validation.compiler import CompiledCheck, compile_shapes
from stigraph.validation.report import ValidationReport, Violation
from stigraph.validation.validator import Validator

__all__ = ["CompiledCheck", "ValidationReport", "Validator", "Violation", "compile_shapes"]
