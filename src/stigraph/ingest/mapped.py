"""What mapping a source learns besides its quads, one object per load shared by all its files:
where each node came from (a CSV line, a JSON record), which column a property came from, and
which input records were left out and why. Each source kind's mapper extends it with what it
needs to remember across records or files."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Mapped:
    lines: dict[str, int] = field(default_factory=dict)  # node IRI -> input line (CSV)
    columns: dict[str, str] = field(default_factory=dict)  # property IRI -> input column (CSV)
    records: dict[str, str] = field(default_factory=dict)  # node IRI -> input record (JSON)
    skipped: dict[str, int] = field(default_factory=dict)  # why -> records left out

    def skip(self, why: str, n: int = 1) -> None:
        """Count ``n`` input records left out for ``why`` (reported, never silent)."""
        if n:
            self.skipped[why] = self.skipped.get(why, 0) + n
