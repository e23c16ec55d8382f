"""The description every export carries: VoID statistics, DCAT dataset and distributions,
licences, and the PROV of the loads that made the data.

A partner who receives a dump should be able to tell, without our ontology and without asking,
how much is in it, which classes, how it links to ORCID, ROR and Wikidata, under which licence
each part is, and from which files (with their SHA-256) and loads it was made. The numbers are
counted on the scope itself, never copied from the load records, so they match the dump even
after a Graph Store write. PROV comes from the meta graph, which no scope but ``all`` may
read: only the loads that generated a graph of this scope are described, and only those of their
graphs that the scope sees are named.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple, serialize

from stigraph import __version__
from stigraph.export.view import ScopeView
from stigraph.namespaces import DCAT, DCTERMS, OWL, PREFIXES, PROV, RDF, RDFS, SCHEMA, SG, VOID, XSD

IANA = "https://www.iana.org/assignments/media-types/"
LINK_TARGETS: dict[str, tuple[str, str, str]] = {
    # name: (the target dataset's IRI, its namespace of entity IRIs, stigraph's identifier property)
    "orcid": ("https://orcid.org/", "https://orcid.org/", SG + "orcid"),
    "ror": ("https://ror.org/", "https://ror.org/", SG + "ror"),
    "wikidata": ("https://www.wikidata.org/", "http://www.wikidata.org/entity/", SG + "wikidata"),
}
"""Identifiers are stored as literal keys (``sg:orcid "0000-0002-1825-0097"``), and entity links
as ``owl:sameAs``/``schema:sameAs`` IRIs (the partner profile writes those); both count."""
SAME_AS = (OWL + "sameAs", SCHEMA + "sameAs")
PROFILE_SHAPES = "https://w3id.org/stigraph/shapes/partner"
"""What the partner profile conforms to (``dcterms:conformsTo``): the closed shapes in shapes/partner/."""


@dataclass(frozen=True)
class Distribution:
    """One file (or URL) the dataset is offered as."""

    name: str  # file name, e.g. ``public.nq.gz``
    media_type: str
    compressed: bool = False
    byte_size: int | None = None
    download_url: str | None = None
    conforms_to: tuple[str, ...] = ()
    title: str | None = None


@dataclass
class Description:
    """The counts (for tests and messages) and the triples of the description."""

    dataset: NamedNode
    triples: int
    entities: int
    classes: dict[str, int] = field(default_factory=dict)
    graphs: dict[str, int] = field(default_factory=dict)
    links: dict[tuple[str, str], int] = field(default_factory=dict)  # (target, predicate) -> links
    loads: list[str] = field(default_factory=list)
    statements: list[Triple] = field(default_factory=list)

    def serialize(self, fmt: RdfFormat = RdfFormat.TURTLE) -> bytes:
        prefixes = {"prefixes": PREFIXES} if fmt in (RdfFormat.TURTLE, RdfFormat.TRIG) else {}
        # the dataset first, then one block per subject (Turtle groups a subject's triples)
        ordered = sorted(
            self.statements,
            key=lambda t: (t.subject != self.dataset, isinstance(t.subject, BlankNode), t.subject.value),
        )
        out = serialize(ordered, format=fmt, **prefixes)
        assert out is not None
        return out


def dataset_iri(view: ScopeView) -> NamedNode:
    return view.minter.entity("dataset", view.scope)


def _int(n: int) -> Literal:
    return Literal(str(n), datatype=NamedNode(XSD + "integer"))


def _count(solutions: object, name: str = "n") -> int:
    for row in solutions:  # type: ignore[attr-defined]
        return int(row[name].value)
    return 0


def count_graphs(view: ScopeView) -> dict[str, int]:
    """Triples per graph of the scope (their sum is the number of quads in a dump)."""
    rows = view.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    found = {row["g"].value: int(row["n"].value) for row in rows}
    return {g.value: found.get(g.value, 0) for g in view.graphs}


def count_classes(view: ScopeView) -> dict[str, int]:
    """Distinct instances per class (``rdf:type`` objects that are IRIs)."""
    rows = view.select(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c ORDER BY DESC(?n) ?c"
    )
    return {row["c"].value: int(row["n"].value) for row in rows}


def count_entities(view: ScopeView) -> int:
    """Distinct IRIs that have a type: the things the dataset describes."""
    return _count(view.select("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?s)) }"))


def count_links(view: ScopeView) -> dict[tuple[str, str], int]:
    """Distinct links per (target, predicate): identifier literals and sameAs IRIs into the
    target's namespace."""
    ids = " ".join(f'(<{prop}> "{name}")' for name, (_, _, prop) in LINK_TARGETS.items())
    spaces = " ".join(f'("{ns}" "{name}")' for name, (_, ns, _) in LINK_TARGETS.items())
    same = " ".join(f"<{p}>" for p in SAME_AS)
    rows = view.select(
        f"""SELECT ?target ?p (COUNT(*) AS ?n) WHERE {{
  SELECT DISTINCT ?s ?p ?o ?target WHERE {{
    {{ VALUES (?p ?target) {{ {ids} }} ?s ?p ?o }}
    UNION
    {{ VALUES ?p {{ {same} }} VALUES (?ns ?target) {{ {spaces} }} ?s ?p ?o FILTER(STRSTARTS(STR(?o), ?ns)) }}
  }}
}} GROUP BY ?target ?p"""
    )
    return {(row["target"].value, row["p"].value): int(row["n"].value) for row in rows}


@dataclass
class _Loads:
    """What the meta graph says about the loads behind the scope's graphs."""

    graph_load: dict[str, NamedNode] = field(default_factory=dict)
    quads: list[Quad] = field(default_factory=list)
    licences: dict[str, list[NamedNode | Literal]] = field(default_factory=dict)  # load -> licences
    started: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    graph_facts: dict[str, list[Quad]] = field(default_factory=dict)


def _read_loads(view: ScopeView) -> _Loads:
    by_subject: dict[str, list[Quad]] = {}
    for q in view.meta():
        by_subject.setdefault(q.subject.value, []).append(q)
    in_scope = {g.value for g in view.graphs}
    out = _Loads()
    generated_by = NamedNode(PROV + "wasGeneratedBy")
    for g in in_scope:
        facts = by_subject.get(g, [])
        out.graph_facts[g] = facts
        for q in facts:
            if q.predicate == generated_by and isinstance(q.object, NamedNode):
                out.graph_load[g] = q.object
    loads = sorted({load.value for load in out.graph_load.values()})
    used: set[str] = set()
    agents: set[str] = set()
    for load in loads:
        for q in by_subject.get(load, []):
            p = q.predicate.value
            if p == PROV + "generated" and q.object.value not in in_scope:
                continue  # a graph this scope may not see is not even named
            out.quads.append(q)
            if p == PROV + "used":
                used.add(q.object.value)
            elif p == PROV + "wasAssociatedWith":
                agents.add(q.object.value)
            elif p == DCTERMS + "license":
                out.licences.setdefault(load, []).append(q.object)  # type: ignore[arg-type]
            elif p == PROV + "startedAtTime":
                out.started.append(q.object.value)
            elif p == PROV + "endedAtTime":
                out.ended.append(q.object.value)
    for s in sorted(used | agents):
        out.quads.extend(by_subject.get(s, []))
    return out


def describe(
    view: ScopeView,
    distributions: list[Distribution],
    *,
    title: str | None = None,
    now: datetime | None = None,
) -> Description:
    """Count the scope and write its VoID, DCAT and PROV description."""
    ds = dataset_iri(view)
    graphs = count_graphs(view)
    classes = count_classes(view)
    links = count_links(view)
    entities = count_entities(view)
    loads = _read_loads(view)
    triples = sum(graphs.values())
    desc = Description(
        dataset=ds,
        triples=triples,
        entities=entities,
        classes=classes,
        graphs=graphs,
        links=links,
        loads=sorted({load.value for load in loads.graph_load.values()}),
    )
    out = desc.statements

    def t(s: NamedNode | BlankNode, p: str, o: NamedNode | BlankNode | Literal) -> None:
        out.append(Triple(s, NamedNode(p), o))

    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    date_time = NamedNode(XSD + "dateTime")
    t(ds, RDF + "type", NamedNode(VOID + "Dataset"))
    t(ds, RDF + "type", NamedNode(DCAT + "Dataset"))
    t(ds, DCTERMS + "title", Literal(title or f"stigraph: {view.scope} scope", language="en"))
    t(
        ds,
        DCTERMS + "description",
        Literal(
            "Researchers, institutions, diplomatic missions, research fields and programmes of "
            f"science-and-technology diplomacy; what the {view.scope} scope may see.",
            language="en",
        ),
    )
    t(ds, DCTERMS + "identifier", Literal(f"stigraph-{view.scope}-g{view.generation}"))
    t(ds, DCAT + "version", Literal(str(view.generation)))
    t(ds, DCTERMS + "issued", Literal(min(loads.started, default=stamp), datatype=date_time))
    t(ds, DCTERMS + "modified", Literal(max(loads.ended, default=stamp), datatype=date_time))
    t(ds, VOID + "triples", _int(triples))
    t(ds, VOID + "entities", _int(entities))
    t(ds, VOID + "classes", _int(len(classes)))
    t(ds, VOID + "feature", NamedNode("http://www.w3.org/ns/formats/N-Quads"))
    t(ds, VOID + "uriSpace", Literal(view.minter.base + "id/"))
    for c, n in classes.items():
        part = BlankNode(_key("class", c))
        t(ds, VOID + "classPartition", part)
        t(part, VOID + "class", NamedNode(c))
        t(part, VOID + "entities", _int(n))
    # Licences: one for the whole dataset when every load agrees, else each subset carries its own.
    all_licences = {lic.value: lic for lics in loads.licences.values() for lic in lics}
    if len(all_licences) == 1:
        t(ds, DCTERMS + "license", next(iter(all_licences.values())))
    elif all_licences:
        t(
            ds,
            DCTERMS + "rights",
            Literal("Parts are under different licences: see dcterms:license of each void:subset.", language="en"),
        )
    for g, n in graphs.items():
        gn = NamedNode(g)
        t(ds, VOID + "subset", gn)
        t(gn, RDF + "type", NamedNode(VOID + "Dataset"))
        t(gn, VOID + "triples", _int(n))
        for q in loads.graph_facts.get(g, []):
            if q.predicate.value not in (VOID + "triples", RDF + "type"):
                out.append(q.triple)
        load = loads.graph_load.get(g)
        for lic in loads.licences.get(load.value, []) if load else []:
            t(gn, DCTERMS + "license", lic)
    for (target, predicate), n in sorted(links.items()):
        target_ds, _, _ = LINK_TARGETS[target]
        linkset = BlankNode(_key("links", target, predicate))
        t(ds, VOID + "subset", linkset)
        t(linkset, RDF + "type", NamedNode(VOID + "Linkset"))
        t(linkset, VOID + "subjectsTarget", ds)
        t(linkset, VOID + "objectsTarget", NamedNode(target_ds))
        t(linkset, VOID + "linkPredicate", NamedNode(predicate))
        t(linkset, VOID + "triples", _int(n))
        t(NamedNode(target_ds), RDF + "type", NamedNode(VOID + "Dataset"))
        t(NamedNode(target_ds), RDFS + "label", Literal({"orcid": "ORCID", "ror": "ROR"}.get(target, "Wikidata")))
    # PROV: the loads, the files they read (name, SHA-256, size), the software.
    for load in desc.loads:
        t(ds, PROV + "wasGeneratedBy", NamedNode(load))
    derived = sorted({q.object.value for q in loads.quads if q.predicate.value == PROV + "used"})
    for entity in derived:
        t(ds, PROV + "wasDerivedFrom", NamedNode(entity))
    out.extend(q.triple for q in loads.quads)
    software = view.minter.entity("software", f"stigraph-{__version__}")
    t(ds, PROV + "wasAttributedTo", software)
    t(software, RDF + "type", NamedNode(PROV + "SoftwareAgent"))
    t(software, RDFS + "label", Literal(f"stigraph {__version__}", language="en"))
    for d in distributions:
        dist = NamedNode(f"{ds.value}/distribution/{d.name}")
        t(ds, DCAT + "distribution", dist)
        t(dist, RDF + "type", NamedNode(DCAT + "Distribution"))
        t(dist, DCTERMS + "title", Literal(d.title or d.name, language="en"))
        t(dist, DCAT + "mediaType", NamedNode(IANA + d.media_type))
        if d.compressed:
            t(dist, DCAT + "compressFormat", NamedNode(IANA + "application/gzip"))
        if d.byte_size is not None:
            t(dist, DCAT + "byteSize", Literal(str(d.byte_size), datatype=NamedNode(XSD + "nonNegativeInteger")))
        if d.download_url:
            t(dist, DCAT + "downloadURL", NamedNode(d.download_url))
        for c in d.conforms_to:
            t(dist, DCTERMS + "conformsTo", NamedNode(c))
        for lic in all_licences.values() if len(all_licences) == 1 else []:
            t(dist, DCTERMS + "license", lic)
        t(dist, DCTERMS + "issued", Literal(stamp, datatype=date_time))
    return desc


def _key(*parts: str) -> str:
    """A blank node label that is stable for the same parts (reproducible descriptions)."""
    return "b" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]
