"""Closed shapes for what leaves the service: the partner profile is checked before it ships.

The load validator (:mod:`stigraph.validation`) compiles SHACL to SPARQL because pyshacl is two
orders of magnitude too slow on whole dumps; its subset has no ``sh:closed``. Here the shapes
of ``shapes/partner/`` are split in two: everything but ``sh:closed``/``sh:ignoredProperties``
goes through that same compiler, and each closed node shape becomes one more SPARQL check: a
focus node with a property its shape does not list is a violation, with the property and the
value. pyshacl stays the reference (tests/test_export.py runs both on the same profile).

Closed shapes only look at their focus nodes, so a node no shape targets would pass unseen; the
profile is also refused when any subject is not a focus node of some closed shape (an untyped
node, a type no shape knows). Together: nothing leaves that the shapes do not name.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from stigraph.errors import ErrorContext, InputError, ShapeCompileError, ValidationFailed
from stigraph.store.staging import RAW_GRAPH, StagingArea
from stigraph.validation.compiler import CompiledCheck, compile_shapes, well_formed_literal_check
from stigraph.validation.report import ValidationReport, Violation
from stigraph.validation.validator import Validator

UNTARGETED = "https://w3id.org/stigraph/shapes/partner#EveryNodeTargeted"


def load_profile_shapes(directory: Path) -> Graph:
    """Every ``*.ttl`` in ``directory`` (shapes/partner/) as one rdflib graph."""
    files = sorted(p for p in directory.glob("*.ttl") if p.is_file())
    if not files:
        raise InputError("no partner profile shapes found", context=ErrorContext(file=str(directory)))
    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many types; all mean the same here
            raise InputError(f"cannot parse shapes: {exc}", context=ErrorContext(file=str(path))) from None
    return graph


class ClosedValidator:
    """The compiled checks of closed shapes, ready to run on a staged profile."""

    def __init__(self, shapes: Graph) -> None:
        open_part = Graph()
        for s, p, o in shapes:
            if p not in (SH.closed, SH.ignoredProperties):
                open_part.add((s, p, o))
        checks = [*compile_shapes(open_part), well_formed_literal_check()]
        self.target_classes: set[str] = set()
        for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
            targets = sorted(str(c) for c in shapes.objects(shape, SH.targetClass))
            self.target_classes.update(targets)
            if shapes.value(shape, SH.closed) is not None and shapes.value(shape, SH.closed).toPython() is True:  # type: ignore[union-attr]
                checks.append(_closed_check(shapes, shape, targets))
        checks.append(self._untargeted_check())
        self._validator = Validator(checks, [])

    @classmethod
    def from_dir(cls, directory: Path) -> ClosedValidator:
        return cls(load_profile_shapes(directory))

    @property
    def checks(self) -> list[CompiledCheck]:
        return self._validator.checks

    def validate(self, staging: StagingArea) -> ValidationReport:
        return self._validator.validate(staging)

    def require(self, staging: StagingArea, what: str) -> ValidationReport:
        """Validate; :class:`ValidationFailed` (with the first violations) unless it conforms."""
        report = self.validate(staging)
        if not report.conforms:
            first = report.violations[:20]
            raise ValidationFailed(
                f"{what} does not conform to the partner shapes ({len(report.violations)} violations); nothing written",
                context=ErrorContext(shape=first[0].shape, record=first[0].focus, field=first[0].path),
                details=[v.as_dict() for v in first],
            )
        return report

    def _untargeted_check(self) -> CompiledCheck:
        values = " ".join(f"<{c}>" for c in sorted(self.target_classes))
        return CompiledCheck(
            shape=UNTARGETED,
            component="Closed",
            message="a node that no partner shape targets (untyped, or of a type the profile does not ship)",
            sparql=f"SELECT DISTINCT ?this WHERE {{ GRAPH <{RAW_GRAPH.value}> {{ ?this ?p ?o "
            f"FILTER NOT EXISTS {{ VALUES ?type {{ {values} }} ?this a ?type }} }} }}",
        )


def _closed_check(shapes: Graph, shape: object, targets: list[str]) -> CompiledCheck:
    """Focus nodes of ``shape`` with a property outside its ``sh:property`` paths."""
    allowed: set[str] = set()
    for prop in shapes.objects(shape, SH.property):  # type: ignore[arg-type]
        path = shapes.value(prop, SH.path)
        if not isinstance(path, URIRef):
            raise ShapeCompileError(
                "a closed shape's property paths must be IRIs", context=ErrorContext(shape=str(shape))
            )
        allowed.add(str(path))
    ignored = shapes.value(shape, SH.ignoredProperties)  # type: ignore[arg-type]
    if ignored is not None:
        allowed.update(str(p) for p in Collection(shapes, ignored))
    listed = ", ".join(f"<{p}>" for p in sorted(allowed))
    types = " ".join(f"<{c}>" for c in targets)
    return CompiledCheck(
        shape=str(shape),
        component="Closed",
        message="a property the closed shape does not allow",
        sparql=f"SELECT ?this ?path ?value WHERE {{ GRAPH <{RAW_GRAPH.value}> {{ VALUES ?type {{ {types} }} "
        f"?this a ?type . ?this ?path ?value FILTER(?path NOT IN ({listed})) }} }}",
    )


__all__ = ["ClosedValidator", "Violation", "load_profile_shapes"]
