"""The bundled graph: the sources ``make run`` loads, listed in data/bundle.yml."""

from __future__ import annotations

from pathlib import Path

import yaml

from stigraph.errors import ErrorContext, InputError
from stigraph.ingest.sources import SourceSpec, make_spec


def read_bundle(path: Path) -> list[SourceSpec]:
    ctx = ErrorContext(file=str(path))
    if not path.exists():
        raise InputError("bundle manifest does not exist", context=ctx)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable bundle manifest: {exc}", context=ctx) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("sources"), list):
        raise InputError("a bundle manifest has a 'sources' list", context=ctx)
    specs = []
    for entry in raw["sources"]:
        spec = make_spec(entry, ctx)
        specs.append(spec.model_copy(update={"input": [path.parent / p for p in spec.input]}))
    ids = [s.id for s in specs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InputError(f"source id {dupes[0]!r} listed twice", context=ctx)
    return specs
