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
