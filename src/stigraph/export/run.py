"""One export as the CLI (and the benchmark) asks for it: a dump or the partner profile of a
scope, to a file written whole or not at all (or to a stream), with its description next to it.
"""

from __future__ import annotations

import gzip
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from stigraph.errors import ErrorContext, InputError
from stigraph.export.describe import PROFILE_SHAPES, Description, Distribution, describe
from stigraph.export.dump import EXPORT_FORMATS, GZIP_LEVEL, GZIP_MEDIA_TYPE, ExportFormat, format_of_name, write_dump
from stigraph.export.files import atomic_output
from stigraph.export.partner import MEDIA_TYPE as PROFILE_MEDIA_TYPE
from stigraph.export.partner import PartnerProfile
from stigraph.export.view import ScopeView

PROFILES = ("full", "partner")
DESCRIPTION_SUFFIX = ".void.ttl"


@dataclass
class ExportResult:
    """What one export wrote."""

    path: Path | None
    description_path: Path | None
    items: int  # quads of a dump, triples of a profile
    bytes: int
    seconds: float
    description: Description | None = None


def choose_format(
    name: str | None, output: Path | None, profile: str, compress: bool | None
) -> tuple[ExportFormat, bool]:
    """The format and compression asked for: ``--format``/``--gzip`` when given, else read from
    the output's name (``public.nq.gz``), else N-Quads (JSON-LD for the partner profile)."""
    if profile not in PROFILES:
        raise InputError(
            f"unknown profile {profile!r}", context=ErrorContext(field="profile", expected="full, partner")
        )
    guessed, gz = format_of_name(output.name) if output is not None else (None, False)
    if name is not None:
        fmt = EXPORT_FORMATS.get(name)
        if fmt is None:
            raise InputError(
                f"unknown export format {name!r}",
                context=ErrorContext(field="format", expected=", ".join(EXPORT_FORMATS)),
            )
    else:
        fmt = guessed or EXPORT_FORMATS["jsonld" if profile == "partner" else "nq"]
    if profile == "partner" and fmt.name != "jsonld":
        raise InputError(
            f"the partner profile is JSON-LD, not {fmt.name}",
            context=ErrorContext(field="format", expected="jsonld (or leave --format out)"),
        )
    return fmt, gz if compress is None else compress


def distribution(name: str, fmt: ExportFormat, compressed: bool, profile: str, byte_size: int | None) -> Distribution:
    if profile == "partner":
        return Distribution(
            name=name,
            media_type=PROFILE_MEDIA_TYPE,
            compressed=compressed,
            byte_size=byte_size,
            conforms_to=(PROFILE_SHAPES, "https://schema.org/", "http://data.europa.eu/s66"),
            title="Partner profile (schema.org and EURIO, JSON-LD)",
        )
    return Distribution(name=name, media_type=fmt.media_type, compressed=compressed, byte_size=byte_size)


def all_distributions(scope: str, base_url: str | None = None) -> list[Distribution]:
    """Every file the service offers for a scope (``GET /export/...``), without sizes."""
    out = []
    for fmt in EXPORT_FORMATS.values():
        for gz in (False, True):
            name = f"{scope}.{fmt.name}{'.gz' if gz else ''}"
            d = distribution(name, fmt, gz, "full", None)
            out.append(_with_url(d, base_url))
    name = f"{scope}-profile.jsonld"
    out.append(_with_url(distribution(name, EXPORT_FORMATS["jsonld"], False, "partner", None), base_url))
    return out


def _with_url(d: Distribution, base_url: str | None) -> Distribution:
    if base_url is None:
        return d
    return replace(d, download_url=f"{base_url.rstrip('/')}/export/{d.name}")


def write_export(
    view: ScopeView,
    sink: IO[bytes],
    fmt: ExportFormat,
    *,
    compress: bool,
    profile: PartnerProfile | None,
) -> tuple[int, int]:
    """The dump or the profile of ``view`` into ``sink``; (items, bytes before compression)."""
    if profile is None:
        stats = write_dump(view, fmt, sink, compress=compress)
        return stats.quads, stats.bytes
    if compress:
        with gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as zipped:  # type: ignore[arg-type]
            pstats = profile.write(view, zipped)  # type: ignore[arg-type]
        return pstats.triples, pstats.bytes
    pstats = profile.write(view, sink)
    return pstats.triples, pstats.bytes


def export_file(
    view: ScopeView,
    output: Path,
    fmt: ExportFormat,
    *,
    compress: bool,
    profile: PartnerProfile | None,
    with_description: bool = True,
) -> ExportResult:
    """Write the export to ``output`` (whole or not at all) and, unless told not to, its
    description to ``<output>.void.ttl``."""
    t0 = time.perf_counter()
    with atomic_output(output) as out:
        items, _ = write_export(view, out, fmt, compress=compress, profile=profile)
    size = output.stat().st_size
    result = ExportResult(output, None, items, size, time.perf_counter() - t0)
    if with_description:
        kind = "partner" if profile is not None else "full"
        desc = describe(view, [distribution(output.name, fmt, compress, kind, size)])
        target = output.with_name(output.name + DESCRIPTION_SUFFIX)
        with atomic_output(target) as out:
            out.write(desc.serialize())
        result.description_path = target
        result.description = desc
    return result


__all__ = ["DESCRIPTION_SUFFIX", "GZIP_MEDIA_TYPE", "PROFILES", "ExportResult", "choose_format", "export_file"]
