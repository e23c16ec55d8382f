"""The name index on its own: its shortcut for exact matches ranks exactly as ranking every match
would, on generated names where one family name is shared by many people."""

from __future__ import annotations

import random

from stigraph.reconcile.names import has_japanese
from stigraph.search.index import NameIndex, tokens

FAMILIES = ["Tanaka", "Sato", "Ohno", "Ono", "Suzuki", "Takahashi", "Tanabe"]
GIVEN = ["Haruka", "Kenji", "Yuki", "Sho", "Mei", "Taro", "Hanako"]


def _index(rnd: random.Random, people: int) -> NameIndex:
    index = NameIndex()
    for node in range(people):
        family, given = rnd.choice(FAMILIES), rnd.choice(GIVEN)
        index.add(node, f"{family.upper()} {given}")
        index.add(node, family)  # a family-name literal: an exact match for the family name alone
        if rnd.random() < 0.2:
            index.add(node, f"{family} Laboratory of {given} Studies")
    return index.freeze()


def _starts(name: str, name_tokens: list[str], query: str, wanted: list[str]) -> bool:
    """The name begins with the query: its words in order (the last one as a prefix), or, in
    Japanese script, its characters."""
    if has_japanese(query):
        return "".join(name.split()).startswith("".join(query.split()))
    words = [t for t in name_tokens if not has_japanese(t)]
    if len(words) < len(wanted):
        return False
    return words[: len(wanted) - 1] == wanted[:-1] and words[len(wanted) - 1].startswith(wanted[-1])


def _reference(index: NameIndex, query: str, limit: int) -> list[tuple[int, str, int]]:
    """Rank every name that holds the query's tokens (the last one as a prefix), slowly."""
    wanted = tokens(query)
    best: dict[int, tuple[int, int, str]] = {}
    for node, name in index.names:
        cut = tokens(name)
        if not all(t in cut for t in wanted[:-1]) or not any(c.startswith(wanted[-1]) for c in cut):
            continue
        rank = 0 if sorted(cut) == sorted(wanted) else 1 if _starts(name, cut, query, wanted) else 2
        if node not in best or (rank, len(name)) < best[node][:2]:
            best[node] = (rank, len(name), name)
    ordered = sorted(best.items(), key=lambda kv: (kv[1][0], kv[1][1], kv[1][2]))[:limit]
    return [(node, name, rank) for node, (rank, _, name) in ordered]


def test_exact_matches_first_agree_with_ranking_everything() -> None:
    rnd = random.Random(3)
    index = _index(rnd, 400)
    queries = ["Tanaka", "tanaka", "Ohno", "Ōno", "Tana", "Haruka Tanaka", "TANAKA Haruka", "Sato Laboratory", "Suz"]
    cases = 0
    for query in queries:
        for limit in (1, 5, 20, 200):
            got = [(h.node, h.name, h.rank) for h in index.search(query, limit=limit)]
            assert [g[1:] for g in got] == [r[1:] for r in _reference(index, query, limit)], (query, limit)
            cases += 1
    assert cases == len(queries) * 4 == 36
    assert len(index.search("Tanaka", limit=20)) == 20 and all(h.rank == 0 for h in index.search("Tanaka", limit=20))
