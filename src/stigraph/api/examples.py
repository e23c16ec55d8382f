"""The example queries the query page offers (queries/examples/*.rq)."""

from __future__ import annotations

from pathlib import Path


def load_examples(folder: Path) -> list[dict[str, str]]:
    """Name, title (the first comment line) and text of every example, sorted by name."""
    examples = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        title = first.lstrip("#+ ").strip() if first.startswith("#") else path.stem
        title = title.removeprefix("summary:").strip()
        examples.append({"name": path.stem, "title": title or path.stem, "query": text})
    return examples
