"""Find people, organisations, missions, programmes and fields by name, in English or Japanese.

Oxigraph has no full-text index, and a SPARQL substring scan of every name takes seconds at 100k
researchers, so names get an inverted index of their own, built with the path index (same scope,
same generation, same background rebuild). Every name of a node (labels, alternative labels,
family and given names) is cut into tokens:

- Latin script: words folded the way reconciliation folds them
  (:func:`stigraph.reconcile.names.fold`), so Ohno, Ono, Oono and Ōno are one token, and word
  order does not matter ("KOTANI Motoko" is found by "Motoko Kotani");
- Japanese script: every character and every pair of neighbouring characters (how CJK search
  engines index text without a dictionary), plus the romanised reading of kana.

A query matches a node when every one of its tokens does (the last one also as a prefix, so
typing finds as you go); exact names rank first, then names that start with the query, then the
rest, shorter names first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise

from stigraph.reconcile.names import fold, has_japanese, romanise

_KANA = re.compile(r"^[\u3040-\u30ff\uff66-\uff9f\s・ー]+$")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """The tokens of a name or a query, in order."""
    text = unicodedata.normalize("NFKC", text).strip()
    out: list[str] = []
    for word in _WORD.findall(text.replace("-", "").replace("'", "")):
        if has_japanese(word):
            chars = [c for c in word if not c.isspace()]
            out.extend(chars)
            out.extend(a + b for a, b in pairwise(chars))
            if _KANA.match(word):
                out.extend(fold(r) for r in romanise(word) if fold(r))
        else:
            folded = fold(word)
            if folded:
                out.append(folded)
    return out


@dataclass
class Hit:
    node: int
    name: str  # the name that matched
    rank: int  # 0 exact, 1 prefix, 2 contains


@dataclass
class NameIndex:
    names: list[tuple[int, str]] = field(default_factory=list)  # (node, name)
    postings: dict[str, set[int]] = field(default_factory=dict)  # token -> name rows
    keys: list[str] = field(default_factory=list)  # every token, sorted (prefix search)
    row_tokens: list[tuple[str, ...]] = field(default_factory=list)
    """Each name's tokens, kept from indexing: ranking a common family name's thousands of
    matches must not fold and romanise every one of them again per query."""

    def add(self, node: int, name: str) -> None:
        row = len(self.names)
        self.names.append((node, name))
        cut = tuple(tokens(name))
        self.row_tokens.append(cut)
        for t in set(cut):
            self.postings.setdefault(t, set()).add(row)

    exact: dict[str, list[int]] = field(default_factory=dict)
    """Rows by their tokens sorted and joined: the names a query matches exactly, found without
    ranking every name that merely contains it (a common family name matches tens of thousands)."""

    def freeze(self) -> NameIndex:
        self.keys = sorted(self.postings)
        self.exact = {}
        for row, cut in enumerate(self.row_tokens):
            self.exact.setdefault(" ".join(sorted(cut)), []).append(row)
        return self

    def _prefixed(self, prefix: str, cap: int = 2000) -> set[int]:
        from bisect import bisect_left

        rows: set[int] = set()
        i = bisect_left(self.keys, prefix)
        while i < len(self.keys) and self.keys[i].startswith(prefix) and len(rows) < 200_000 and cap:
            rows |= self.postings[self.keys[i]]
            i += 1
            cap -= 1
        return rows

    def search(self, query: str, limit: int = 20, allowed: set[int] | None = None) -> list[Hit]:
        """Nodes whose names hold every token of the query, best first (one hit per node)."""
        wanted = tokens(query)
        if not wanted:
            return []
        rows: set[int] | None = None
        for i, t in enumerate(dict.fromkeys(wanted)):
            last = i == len(dict.fromkeys(wanted)) - 1
            found = set(self.postings.get(t, ()))
            if last and not has_japanese(t):
                found |= self._prefixed(t)
            rows = found if rows is None else rows & found
            if not rows:
                return []
        assert rows is not None
        folded_query = " ".join(sorted(wanted))
        exact: dict[int, Hit] = {}
        for row in self.exact.get(folded_query, ()):
            node, name = self.names[row]
            if (allowed is None or node in allowed) and (node not in exact or len(name) < len(exact[node].name)):
                exact[node] = Hit(node, name, 0)
        if len(exact) >= limit:  # enough exact matches: nothing that only contains the query can rank above them
            return sorted(exact.values(), key=lambda h: (len(h.name), h.name))[:limit]
        exact_rows = set(self.exact.get(folded_query, ()))
        japanese_query = has_japanese(query)
        compact_query = "".join(query.split())
        head, last = wanted[:-1], wanted[-1]
        hits: dict[int, Hit] = {}
        for row in rows:
            node, name = self.names[row]
            if allowed is not None and node not in allowed:
                continue
            if row in exact_rows:
                rank = 0
            elif japanese_query:
                rank = 1 if "".join(name.split()).startswith(compact_query) else 2
            else:  # the name's Latin words begin with the query's (the last as a prefix)
                cut = self.row_tokens[row]
                words = cut if name.isascii() else [t for t in cut if not has_japanese(t)]
                starts = len(words) >= len(wanted) and list(words[: len(head)]) == head
                rank = 1 if starts and words[len(head)].startswith(last) else 2
            kept = hits.get(node)
            if kept is None or (rank, len(name)) < (kept.rank, len(kept.name)):
                hits[node] = Hit(node, name, rank)
        return sorted(hits.values(), key=lambda h: (h.rank, len(h.name), h.name))[:limit]
