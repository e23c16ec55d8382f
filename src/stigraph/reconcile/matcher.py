"""Which nodes are the same real person or organisation, how sure we are, and why.

Three passes, each only comparing nodes that share a blocking key (never all pairs):

1. **Identifiers**: nodes sharing an identifier in one scheme (ORCID, ROR, GRID, ISNI, Wikidata,
   KAKEN/e-Rad number, FundRef, OpenAlex, e-Rad institution code; DOI for publications) are
   one, confidence 1.
2. **Organisations by name**: equal name keys (:func:`~stigraph.reconcile.names.org_key`) from
   labels or aliases, compatible countries; a name several countries use is only a candidate.
3. **People by name and affiliation**: names compared after folding romanisation and order
   (:mod:`~stigraph.reconcile.names`), raised by a shared organisation (after pass 1 and 2, so
   GRID-keyed and ROR-keyed nodes of one university count as one), lowered by affiliations in
   different countries. A name alone never reaches the acceptance threshold.

Links at or above ``ACCEPT`` are accepted, those between ``REVIEW`` and ``ACCEPT`` go to the
curator's report. Curator decisions override both. Clusters are built from accepted links in
order of confidence, refusing any link that would put two nodes a curator rejected, or two
different ORCID iDs / ROR ids, into one cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations

from stigraph.reconcile.entities import FUNCTIONAL, ORGANIZATION, PERSON, PUBLICATION, Entity
from stigraph.reconcile.names import NameForm

ACCEPT = 0.9
REVIEW = 0.6
SMALL_BLOCK = 12
"""Up to this many nodes sharing a name are all compared; beyond it only those sharing an
organisation are."""
MAX_BLOCK = 400
"""A group of nodes sharing a name key (or a name and an organisation) larger than this is not
compared at all: the name says nothing."""

ACCEPTED, UNCERTAIN, REJECTED = "accepted", "uncertain", "rejected"


@dataclass
class Match:
    a: str
    b: str
    kind: str
    confidence: float
    method: str  # identifier, name, name-affiliation, curator
    evidence: list[str] = field(default_factory=list)
    status: str = UNCERTAIN

    @property
    def pair(self) -> tuple[str, str]:
        return (self.a, self.b)


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _new(a: str, b: str, kind: str, confidence: float, method: str, evidence: list[str]) -> Match:
    x, y = pair(a, b)
    return Match(x, y, kind, round(min(confidence, 1.0), 2), method, evidence)


def _blocks(keyed: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    blocks: dict[str, list[str]] = {}
    for key, iri in keyed:
        members = blocks.setdefault(key, [])
        if not members or members[-1] != iri:
            members.append(iri)
    return blocks


# 1. identifiers ---------------------------------------------------------------------------------


def identifier_matches(entities: dict[str, Entity], kind: str) -> Iterator[Match]:
    holders: dict[tuple[str, str], list[str]] = {}
    for e in entities.values():
        if e.kind == kind:
            for scheme, values in e.ids.items():
                for v in values:
                    holders.setdefault((scheme, v), []).append(e.iri)
    for (scheme, value), iris in holders.items():
        for a, b in combinations(sorted(set(iris)), 2):
            yield _new(a, b, kind, 1.0, "identifier", [f"same {scheme} {value}"])


# 2. organisations by name -----------------------------------------------------------------------


def organization_name_matches(entities: dict[str, Entity]) -> Iterator[Match]:
    orgs = {e.iri: e for e in entities.values() if e.kind == ORGANIZATION}
    keys = {iri: e.org_keys() for iri, e in orgs.items()}
    blocks = _blocks((k, iri) for iri, ks in keys.items() for k in ks)
    for key, members in blocks.items():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        countries = {c for m in members for c in orgs[m].countries}
        for a, b in combinations(members, 2):
            ea, eb = orgs[a], orgs[b]
            if ea.countries and eb.countries and not ea.countries & eb.countries:
                continue
            alias = keys[a][key] or keys[b][key]
            name = f"same name '{key}'" + (" (an alias)" if alias else "")
            if ea.countries and eb.countries:
                yield _new(a, b, ORGANIZATION, 0.92 if alias else 0.95, "name", [name, "same country"])
            elif len(countries) > 1:
                yield _new(a, b, ORGANIZATION, 0.7, "name", [name, "the name is used in several countries"])
            else:
                yield _new(a, b, ORGANIZATION, 0.85 if alias else 0.9, "name", [name, "country unknown on one side"])


# 3. people by name and affiliation ------------------------------------------------------------


def _name_score(fa: NameForm, fb: NameForm) -> tuple[float, str] | None:
    script_a, script_b = fa.how == "script", fb.how == "script"
    if script_a != script_b or fa.family != fb.family or not fa.given or not fb.given:
        return None
    if script_a:
        if fa.given == fb.given:
            return 0.75, f"same name in Japanese script: '{fa.written}' and '{fb.written}'"
        return None
    hows = {fa.how, fb.how}
    weaker = "reading" in hows or "swapped" in hows
    described = f"'{fa.written}' and '{fb.written}'"
    if "reading" in hows:
        described += " (a dictionary reading of kanji)"
    elif "swapped" in hows:
        described += " (one read family-name-first)"
    if fa.given == fb.given and len(fa.given) > 1:
        score = 0.55 if "reading" in hows else 0.65 if weaker else 0.7
        return score, f"names agree: {described}"
    if (fa.initial or fb.initial) and fa.given[0] == fb.given[0]:
        return (0.35 if weaker else 0.45), f"family names agree and initials fit: {described}"
    return None


def _best_name(a: list[NameForm], b: list[NameForm]) -> tuple[float, str] | None:
    best: tuple[float, str] | None = None
    for fa in a:
        for fb in b:
            found = _name_score(fa, fb)
            if found and (best is None or found[0] > best[0]):
                best = found
    return best


def _conflict(a: Entity, b: Entity) -> str | None:
    for scheme in FUNCTIONAL[a.kind]:
        va, vb = a.ids.get(scheme), b.ids.get(scheme)
        if va and vb and not va & vb:
            return f"different {scheme}s: {sorted(va)[0]} and {sorted(vb)[0]}"
    return None


def _pairs_in(members: list[str], orgs: dict[str, set[str]]) -> Iterator[tuple[str, str]]:
    """Pairs worth scoring among nodes sharing a name key: all of them in a small block; in a
    block of a common name, only those who share an organisation (a common name alone is not
    evidence worth a curator's time, and comparing everyone would be quadratic)."""
    if len(members) <= SMALL_BLOCK:
        yield from combinations(members, 2)
        return
    by_org: dict[str, list[str]] = {}
    for m in members:
        for o in orgs[m]:
            by_org.setdefault(o, []).append(m)
    for group in by_org.values():
        if len(group) <= MAX_BLOCK:
            yield from combinations(group, 2)


def person_matches(entities: dict[str, Entity], same_org: dict[str, str]) -> Iterator[Match]:
    """``same_org``: organisation IRI -> its cluster's representative (after passes 1 and 2).

    Blocks are full names (folded family and given name, or the name as written in Japanese
    script) and, for names given with an initial, family name and initial."""
    people = {e.iri: e for e in entities.values() if e.kind == PERSON}
    forms = {iri: e.name_forms() for iri, e in people.items()}
    orgs = {iri: {same_org.get(o, o) for o in e.orgs} for iri, e in people.items()}
    full: list[tuple[tuple[str, ...], str]] = []
    initials: list[tuple[tuple[str, ...], str]] = []
    has_initial: set[str] = set()
    for iri, fs in forms.items():
        for f in fs:
            if not f.family or not f.given:
                continue
            if f.initial:
                has_initial.add(iri)
            else:
                full.append(((f.how == "script", f.family, f.given), iri))
            initials.append(((f.how == "script", f.family, f.given[:1]), iri))
    seen: set[tuple[str, str]] = set()
    for key_blocks, needs_initial in ((_blocks(sorted(full)), False), (_blocks(sorted(initials)), True)):
        for members in key_blocks.values():
            if len(members) < 2 or (needs_initial and not has_initial.intersection(members)):
                continue
            for a, b in _pairs_in(list(dict.fromkeys(members)), orgs):
                p = pair(a, b)
                if p in seen or (needs_initial and a not in has_initial and b not in has_initial):
                    continue
                seen.add(p)
                found = _score_people(people[a], people[b], forms[a], forms[b], orgs, entities)
                if found is not None:
                    yield found


def _score_people(
    a: Entity,
    b: Entity,
    fa: list[NameForm],
    fb: list[NameForm],
    orgs: dict[str, set[str]],
    entities: dict[str, Entity],
) -> Match | None:
    name = _best_name(fa, fb)
    if name is None:
        return None
    score, evidence = name[0], [name[1]]
    method = "name"
    shared = orgs[a.iri] & orgs[b.iri]
    if shared:
        score += 0.25
        method = "name-affiliation"
        evidence.append("both affiliated with " + ", ".join(sorted(entities[o].label() for o in shared)[:3]))
    elif orgs[a.iri] and orgs[b.iri]:
        countries_a = {c for o in a.orgs for c in entities[o].countries}
        countries_b = {c for o in b.orgs for c in entities[o].countries}
        if countries_a and countries_b and not countries_a & countries_b:
            score -= 0.15
            evidence.append("affiliations in different countries")
        else:
            score -= 0.05
            evidence.append("no shared affiliation")
    if _conflict(a, b):
        # Two ORCID iDs (or two OpenAlex ids, two researcher numbers): a registry already judged
        # them two people. Listing every namesake pair at one university for review would bury
        # the real questions; a curator who knows better can still accept the pair.
        return None
    if score < REVIEW:
        return None
    return _new(a.iri, b.iri, PERSON, min(score, 0.99), method, evidence)


# clusters ---------------------------------------------------------------------------------------


class Clusters:
    """Union-find over accepted links that refuses a union joining two nodes a curator keeps
    apart, or two different values of a functional identifier (two ORCID iDs)."""

    def __init__(self, entities: dict[str, Entity], apart: set[tuple[str, str]]) -> None:
        self.parent: dict[str, str] = {}
        self.members: dict[str, list[str]] = {}
        self.entities = entities
        self.apart: dict[str, set[str]] = {}
        self.keep_apart(apart)

    def keep_apart(self, pairs: Iterable[tuple[str, str]]) -> None:
        for a, b in pairs:
            self.apart.setdefault(a, set()).add(b)
            self.apart.setdefault(b, set()).add(a)

    def find(self, x: str) -> str:
        root = self.parent.setdefault(x, x)
        while root != self.parent[root]:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def _ids(self, root: str, scheme: str) -> set[str]:
        return {v for m in self.members.get(root, [root]) for v in self.entities[m].ids.get(scheme, ())}

    def why_not(self, a: str, b: str) -> str | None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        ma, mb = self.members.get(ra, [ra]), set(self.members.get(rb, [rb]))
        for m in ma:
            if self.apart.get(m, set()) & mb:
                return "a curator keeps two of these nodes apart"
        for scheme in FUNCTIONAL[self.entities[a].kind]:
            ia, ib = self._ids(ra, scheme), self._ids(rb, scheme)
            if ia and ib and ia != ib:
                return f"would join different {scheme}s"
        return None

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        ma, mb = self.members.pop(ra, [ra]), self.members.pop(rb, [rb])
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        self.parent[rb] = ra
        self.members[ra] = ma + mb

    def groups(self) -> list[list[str]]:
        return [sorted(m) for m in self.members.values() if len(m) > 1]


def decide(
    matches: list[Match],
    entities: dict[str, Entity],
    decisions: dict[tuple[str, str], str],
    clusters: Clusters | None = None,
) -> Clusters:
    """Set each match's status (curator decisions first) and build the clusters."""
    apart = {p for p, verdict in decisions.items() if verdict == "reject"}
    if clusters is None:
        clusters = Clusters(entities, apart)
    else:
        clusters.keep_apart(apart)
    by_pair = {m.pair: m for m in matches}
    for p, verdict in decisions.items():
        m = by_pair.get(p)
        if m is None:
            kind = entities[p[0]].kind if p[0] in entities else PERSON
            m = by_pair[p] = Match(p[0], p[1], kind, 0.0, "curator", [])
            matches.append(m)
        m.evidence.append(f"curator decision: {verdict}")
        if verdict == "accept":
            m.status, m.confidence, m.method = ACCEPTED, 1.0, "curator"
        else:
            m.status = REJECTED
    _mark_ambiguous(matches, entities)
    for m in sorted(matches, key=lambda m: -m.confidence):
        if m.status == REJECTED or (m.method != "curator" and m.confidence < ACCEPT):
            continue
        if m.status == AMBIGUOUS:
            m.status = UNCERTAIN
            continue
        if m.a not in entities or m.b not in entities:
            m.status = UNCERTAIN
            m.evidence.append("a node of this pair is no longer in the store")
            continue
        blocked = clusters.why_not(m.a, m.b)
        if blocked:
            m.status = UNCERTAIN
            m.evidence.append(f"not merged: {blocked}")
            continue
        clusters.union(m.a, m.b)
        m.status = ACCEPTED
    return clusters


AMBIGUOUS = "ambiguous"  # transient: a name match that fits two people who cannot be one


def _mark_ambiguous(matches: list[Match], entities: dict[str, Entity]) -> None:
    """A node whose name and affiliation fit two nodes that are certainly different people
    (two ORCID iDs) cannot be given to either: all its name matches go to the curator."""
    by_node: dict[str, list[Match]] = {}
    for m in matches:
        if m.status != REJECTED and m.method in ("name", "name-affiliation") and m.confidence >= ACCEPT:
            by_node.setdefault(m.a, []).append(m)
            by_node.setdefault(m.b, []).append(m)
    for node, found in by_node.items():
        if len(found) < 2:
            continue
        partners = [(m.b if m.a == node else m.a, m) for m in found]
        for (p, mp), (q, mq) in combinations(partners, 2):
            if p in entities and q in entities and _conflict(entities[p], entities[q]):
                for m, other in ((mp, q), (mq, p)):
                    m.status = AMBIGUOUS
                    note = f"ambiguous: the name also fits {entities[other].label()} ({other})"
                    if note not in m.evidence:
                        m.evidence.append(note)


def match_all(entities: dict[str, Entity], decisions: dict[tuple[str, str], str]) -> tuple[list[Match], Clusters]:
    """All three passes and the decisions; organisations are clustered before people are scored."""
    org_matches = [*identifier_matches(entities, ORGANIZATION), *organization_name_matches(entities)]
    org_matches = _best_per_pair(org_matches)
    org_decisions = {p: v for p, v in decisions.items() if _kind(entities, p) == ORGANIZATION}
    clusters = decide(org_matches, entities, org_decisions)
    same_org = {m: clusters.find(m) for group in clusters.groups() for m in group}
    person = [*identifier_matches(entities, PERSON), *person_matches(entities, same_org)]
    person = _best_per_pair(person)
    person_decisions = {p: v for p, v in decisions.items() if p not in org_decisions}
    publications = list(identifier_matches(entities, PUBLICATION))
    decide([*person, *publications], entities, person_decisions, clusters)
    return [*org_matches, *person, *publications], clusters


def _kind(entities: dict[str, Entity], p: tuple[str, str]) -> str | None:
    e = entities.get(p[0]) or entities.get(p[1])
    return e.kind if e else None


def _best_per_pair(matches: Iterable[Match]) -> list[Match]:
    """One match per pair: the most confident, with the evidence of all."""
    best: dict[tuple[str, str], Match] = {}
    for m in matches:
        kept = best.get(m.pair)
        if kept is None:
            best[m.pair] = m
            continue
        top, other = (m, kept) if m.confidence > kept.confidence else (kept, m)
        top.evidence = list(dict.fromkeys([*top.evidence, *other.evidence]))
        best[m.pair] = top
    return list(best.values())
