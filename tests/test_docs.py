"""The documentation covers every setting."""

from __future__ import annotations

from stigraph.config import Settings
from tests.conftest import REPO


def test_every_setting_is_documented() -> None:
    text = (REPO / "docs" / "configuration.md").read_text()
    names = [f"STIGRAPH_{name.upper()}" for name in Settings.model_fields]
    missing = [n for n in names if f"`{n}`" not in text]
    assert len(names) >= 20
    assert missing == []


def test_the_curated_query_reference_is_up_to_date() -> None:
    from stigraph.catalog.catalog import load_catalog
    from stigraph.catalog.docs import render_docs

    catalog = load_catalog(REPO / "queries")
    page = (REPO / "docs" / "queries.md").read_text(encoding="utf-8")
    assert page == render_docs(catalog), "docs/queries.md is stale: run `stigraph queries docs`"
    assert all(f"### `{q.name}`" in page for q in catalog)
    assert len(catalog) >= 20
