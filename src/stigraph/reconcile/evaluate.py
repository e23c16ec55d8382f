"""Precision and recall of a reconciliation against a labelled set (a CSV of node, entity).

Counted over pairs: a pair of nodes is *true* when the labels give both the same entity, and
*found* when the run put both in one cluster (accepted) or, for the review figure, also when it
listed the pair as uncertain. Pairs are counted within the labelled nodes only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from stigraph.errors import ErrorContext, InputError
from stigraph.reconcile.matcher import UNCERTAIN, pair
from stigraph.reconcile.run import Reconciliation


@dataclass(frozen=True)
class Scores:
    kind: str
    nodes: int
    true_pairs: int
    found_pairs: int
    correct_pairs: int
    review_pairs: int  # true pairs found as accepted or uncertain

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.found_pairs if self.found_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def review_recall(self) -> float:
        return self.review_pairs / self.true_pairs if self.true_pairs else 1.0


def read_gold(path: Path) -> dict[str, str]:
    gold: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            node, entity = (row.get("node") or "").strip(), (row.get("entity") or "").strip()
            if not node or not entity:
                raise InputError(
                    "a labelled row needs a node and an entity",
                    context=ErrorContext(file=str(path), line=line, expected="columns node, entity"),
                )
            gold[node] = entity
    return gold


def evaluate(result: Reconciliation, gold: dict[str, str]) -> list[Scores]:
    """Scores per kind (person, organization) over the labelled nodes the store holds."""
    cluster = {m: i for i, group in enumerate(result.clusters) for m in group}
    uncertain = {pair(m.a, m.b) for m in result.matches if m.status == UNCERTAIN}
    scores = []
    for kind in ("person", "organization"):
        nodes = sorted(n for n in gold if n in result.entities and result.entities[n].kind == kind)
        true = found = correct = review = 0
        for a, b in combinations(nodes, 2):
            same = gold[a] == gold[b]
            merged = a in cluster and cluster.get(a) == cluster.get(b)
            true += same
            found += merged
            correct += same and merged
            review += same and (merged or pair(a, b) in uncertain)
        scores.append(Scores(kind, len(nodes), true, found, correct, review))
    return scores
