"""Where consent decisions and erasures live, and how a load reads them.

Both are kept in the restricted graph of the reserved source ``consent``
(``<base>graph/consent/restricted``), which no load can replace and no scope but ``all`` sees:

- a decision is an ``sg:Consent`` record (``sg:consentOf``, ``sg:consentScope``,
  ``sg:consentGiven``, ``sg:consentWithdrawn``) minted per person, so a new decision replaces
  the old one;
- an erasure is an ``sg:Erasure`` that keeps the date, how much was removed and the SHA-256 of
  each erased IRI, never the data: a later load drops any node with that digest (a source file
  that still lists the person must not bring them back), and an IRI cannot be read back from it.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from pyoxigraph import NamedNode

from stigraph.namespaces import SG, Minter

SOURCE = "consent"
LEVEL_OF = {SG + "Public": "public", SG + "Partner": "partner", SG + "Restricted": "restricted"}
IRI_OF = {v: k for k, v in LEVEL_OF.items()}


class Reader(Protocol):
    def query(self, sparql: str, **kwargs: Any) -> Any: ...


def graph(minter: Minter) -> NamedNode:
    return minter.graph(SOURCE, "restricted")


def digest(iri: str) -> str:
    return "sha256:" + hashlib.sha256(iri.encode()).hexdigest()


def record_iri(minter: Minter, person: NamedNode) -> NamedNode:
    """One decision record per person: its key is the digest, so the IRI names no one."""
    return minter.entity("consent", "decision-" + digest(person.value)[7:23])


def overrides(store: Reader, minter: Minter) -> dict[NamedNode, str]:
    """Each person's own visibility decision."""
    rows = store.query(
        f"SELECT ?person ?scope WHERE {{ GRAPH <{graph(minter).value}> {{ "
        f"?c a <{SG}Consent> ; <{SG}consentOf> ?person ; <{SG}consentScope> ?scope }} }}"
    )
    return {r["person"]: LEVEL_OF.get(r["scope"].value, "restricted") for r in rows}


def erased(store: Reader, minter: Minter) -> set[str]:
    """Digests of every IRI erased so far."""
    rows = store.query(
        f"SELECT ?d WHERE {{ GRAPH <{graph(minter).value}> {{ ?e a <{SG}Erasure> ; <{SG}subjectDigest> ?d }} }}"
    )
    return {r["d"].value for r in rows}
