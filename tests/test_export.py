"""Exports: dumps per scope in every format, their description, the partner profile and its
closed shapes, the CLI and ``GET /export/...``.

Real stores only: the served store (bundled graph and the PI-list sample, with public, partner
and restricted people) plus the CORDIS sample for project participation, and a live service
for HTTP, each on every backend: the embedded store, a real Oxigraph server and a real Virtuoso
(tests/deployments.py). Every file is re-parsed strictly by pyoxigraph and by rdflib.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyshacl
import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from stigraph.errors import InputError, ValidationFailed
from stigraph.export.conform import ClosedValidator, load_profile_shapes
from stigraph.export.describe import Distribution, describe
from stigraph.export.dump import EXPORT_FORMATS, format_of_name, write_dump
from stigraph.export.files import atomic_output
from stigraph.export.partner import EURIO, PartnerProfile
from stigraph.export.run import choose_format
from stigraph.export.view import ScopeView, view_of_store
from stigraph.namespaces import SCHEMA, SG, Minter
from stigraph.store import open_store
from stigraph.store.base import GraphStore
from tests.conftest import REPO
from tests.deployments import (  # the fixture `server`: the served data on each backend
    BACKENDS,
    Deployment,
    Deployments,
    backend_of,
    served_on_every_backend,  # noqa: F401
)
from tests.live import ADMIN, PARTNER, auth

SCOPES = ("public", "partner", "all")
FORMATS = ("nq", "trig", "ttl", "nt", "jsonld")
DUMP_CASES = [(s, f) for s in SCOPES for f in FORMATS]
RDFLIB_FORMAT = {"nq": "nquads", "trig": "trig", "ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
PARTNER_PERSON = "https://w3id.org/stigraph/id/person/0000-0001-5109-3700"  # OHNO Yuki, visibility partner
RESTRICTED_EMAIL = "s.nakamura@example.org"  # NAKAMURA Sho's, whose visibility is restricted


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def deployment(request: pytest.FixtureRequest, deployments: Deployments) -> Deployment:
    """The served data plus the CORDIS sample (projects and participations, for EURIO), on each
    backend."""
    return deployments.get(request.param, "export")


@pytest.fixture(scope="module")
def store(deployment: Deployment) -> Iterator[GraphStore]:
    with open_store(deployment.settings) as s:
        yield s


@pytest.fixture(scope="module")
def views(store: GraphStore) -> dict[str, ScopeView]:
    minter = Minter(store.settings.base_iri)
    return {scope: view_of_store(store, minter, scope) for scope in SCOPES}


@pytest.fixture(scope="module")
def embedded_views(deployments: Deployments) -> Iterator[dict[str, ScopeView]]:
    """The views of the embedded store only, for what does not depend on where the quads come
    from (each format's writer, compression, the description, a profile's closed checks): the
    tests on ``views`` check, on every backend, that the quads are the scope's."""
    with open_store(deployments.get("embedded", "export").settings) as s:
        minter = Minter(s.settings.base_iri)
        yield {scope: view_of_store(s, minter, scope) for scope in SCOPES}


@pytest.fixture(scope="module")
def profile() -> PartnerProfile:
    return PartnerProfile.from_dirs(REPO / "shapes", REPO / "ontology")


@pytest.fixture(scope="module")
def people(store: GraphStore) -> dict[str, set[str]]:
    """Person IRIs by visibility, read from every graph of the store."""
    rows = store.query(
        "PREFIX sg: <https://w3id.org/stigraph/ontology#> "
        "SELECT DISTINCT ?p ?v WHERE { GRAPH ?g { ?p sg:visibility ?v } }"
    )
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(row["v"].value.rsplit("#", 1)[1].lower(), set()).add(row["p"].value)
    return out


def scope_quads(view: ScopeView) -> set[Quad]:
    return set(view.quads())


def dump_bytes(view: ScopeView, fmt: str, *, compress: bool = False) -> bytes:
    buf = io.BytesIO()
    write_dump(view, EXPORT_FORMATS[fmt], buf, compress=compress)
    return buf.getvalue()


def rdflib_count(data: bytes, fmt: str) -> int:
    """Triples (graphs kept apart) that rdflib reads from ``data``."""
    if EXPORT_FORMATS[fmt].datasets:
        ds = rdflib.Dataset()
        ds.parse(data=data, format=RDFLIB_FORMAT[fmt])
        return sum(len(g) for g in ds.graphs())
    g = rdflib.Graph()
    g.parse(data=data, format=RDFLIB_FORMAT[fmt])
    return len(g)


def profile_bytes(profile: PartnerProfile, view: ScopeView) -> bytes:
    buf = io.BytesIO()
    profile.write(view, buf)
    return buf.getvalue()


# -- dumps --------------------------------------------------------------------------------------


def test_dump_cases_cover_every_scope_and_format() -> None:
    assert len(DUMP_CASES) == 15


@pytest.mark.parametrize(("scope", "fmt"), DUMP_CASES)
def test_dump_reparses_strictly_with_the_scopes_counts(
    embedded_views: dict[str, ScopeView], scope: str, fmt: str
) -> None:
    view = embedded_views[scope]
    data = dump_bytes(view, fmt)
    expected = scope_quads(view)
    parsed = list(parse(data, format=EXPORT_FORMATS[fmt].rdf))  # strict: lenient is off
    if EXPORT_FORMATS[fmt].datasets:
        assert set(parsed) == expected
        assert rdflib_count(data, fmt) == len(expected)
    else:  # one graph: the merge of the scope's graphs
        triples = {q.triple for q in expected}
        assert {q.triple for q in parsed} == triples
        assert rdflib_count(data, fmt) == len(triples)


def test_dump_is_the_scopes_graphs_and_nothing_else(views: dict[str, ScopeView], store: GraphStore) -> None:
    minter = Minter(store.settings.base_iri)
    public = {q.graph_name.value for q in parse(dump_bytes(views["public"], "nq"), format=RdfFormat.N_QUADS)}
    partner = {q.graph_name.value for q in parse(dump_bytes(views["partner"], "nq"), format=RdfFormat.N_QUADS)}
    assert public and all(minter.graph_source(g)[1] == "public" for g in public)  # type: ignore[index]
    assert {minter.graph_source(g)[1] for g in partner} == {"public", "partner"}  # type: ignore[index]
    assert minter.meta_graph.value not in public | partner
    everything = {q.graph_name.value for q in parse(dump_bytes(views["all"], "nq"), format=RdfFormat.N_QUADS)}
    assert everything == {g.value for g in store.graphs()}


def test_gzip_round_trip(embedded_views: dict[str, ScopeView]) -> None:
    plain = dump_bytes(embedded_views["public"], "nq")
    packed = dump_bytes(embedded_views["public"], "nq", compress=True)
    assert packed[:2] == b"\x1f\x8b" and len(packed) < len(plain) / 4
    assert gzip.decompress(packed) == plain


PEOPLE_CASES = [
    ("public", "restricted", False),
    ("public", "partner", False),
    ("partner", "restricted", False),
    ("partner", "partner", True),
    ("all", "restricted", True),
]


def test_people_cases_count() -> None:
    assert len(PEOPLE_CASES) == 5


@pytest.mark.parametrize(("scope", "visibility", "present"), PEOPLE_CASES)
def test_a_person_appears_only_where_their_visibility_allows(
    views: dict[str, ScopeView],
    profile: PartnerProfile,
    people: dict[str, set[str]],
    scope: str,
    visibility: str,
    present: bool,
) -> None:
    assert len(people["restricted"]) == 1 and len(people["partner"]) == 1
    who = next(iter(people[visibility]))
    outputs = {fmt: dump_bytes(views[scope], fmt) for fmt in FORMATS}
    if scope != "all":
        outputs["profile"] = profile_bytes(profile, views[scope])
    for name, data in outputs.items():
        assert (who.encode() in data) is present, (name, who)
    if visibility == "restricted" and not present:
        assert all(RESTRICTED_EMAIL.encode() not in data for data in outputs.values())


def test_the_partner_person_is_in_the_partner_profile_with_orcid(
    views: dict[str, ScopeView], profile: PartnerProfile
) -> None:
    doc = json.loads(profile_bytes(profile, views["partner"]))
    node = next(n for n in doc["@graph"] if n["@id"] == PARTNER_PERSON)
    assert node["@type"] == "Person"
    assert node["sameAs"] == {"@id": "https://orcid.org/0000-0001-5109-3700"}
    assert node["identifier"]["propertyID"] == "ORCID" and node["identifier"]["value"] == "0000-0001-5109-3700"
    assert node["affiliation"] == {"@id": "https://w3id.org/stigraph/id/org/043mz5j54"}
    assert {"@value": "OHNO Yuki", "@language": "en"} in node["name"]
    assert all(PARTNER_PERSON not in n["@id"] for n in json.loads(profile_bytes(profile, views["public"]))["@graph"])


# -- description ----------------------------------------------------------------------------------


def description_graph(view: ScopeView, distributions: list[Distribution] | None = None) -> rdflib.Graph:
    data = describe(view, distributions or []).serialize()
    list(parse(data, format=RdfFormat.TURTLE))  # strict
    g = rdflib.Graph()
    g.parse(data=data, format="turtle")
    return g


@pytest.mark.parametrize("scope", SCOPES)
def test_void_counts_equal_direct_counts(views: dict[str, ScopeView], scope: str) -> None:
    view = views[scope]
    g = description_graph(view)
    ds = rdflib.URIRef(view.minter.entity("dataset", scope).value)
    quads = scope_quads(view)
    typed = {(q.subject.value, q.object.value) for q in quads if q.predicate.value == RDF_TYPE}
    per_class: dict[str, set[str]] = {}
    for s, c in typed:
        if not s.startswith("_:"):
            per_class.setdefault(c, set()).add(s)
    assert int(g.value(ds, VOID.triples)) == len(quads)
    assert int(g.value(ds, VOID.entities)) == len({s for s, _ in typed})
    partitions = {
        str(g.value(p, VOID["class"])): int(g.value(p, VOID.entities)) for p in g.objects(ds, VOID.classPartition)
    }
    assert partitions == {c: len(members) for c, members in per_class.items()}
    assert int(g.value(ds, VOID.classes)) == len(per_class)
    # per graph
    for graph in view.graphs:
        assert int(g.value(rdflib.URIRef(graph.value), VOID.triples)) == sum(1 for q in quads if q.graph_name == graph)
    # links to ORCID, ROR, Wikidata: one linkset per target and predicate
    links = {
        (str(g.value(ls, VOID.objectsTarget)), str(g.value(ls, VOID.linkPredicate))): int(g.value(ls, VOID.triples))
        for ls in g.subjects(rdflib.RDF.type, VOID.Linkset)
    }
    for target, prop in (
        ("https://orcid.org/", "orcid"),
        ("https://ror.org/", "ror"),
        ("https://www.wikidata.org/", "wikidata"),
    ):
        direct = len({(q.subject, q.object) for q in quads if q.predicate.value == SG + prop})
        assert links.get((target, SG + prop), 0) == direct
        assert direct > 0


def test_description_has_dcat_licence_and_prov_of_only_the_scopes_sources(embedded_views: dict[str, ScopeView]) -> None:
    view = embedded_views["public"]
    dist = Distribution("public.nq.gz", "application/n-quads", compressed=True, byte_size=1234)
    g = description_graph(view, [dist])
    ds = rdflib.URIRef(view.minter.entity("dataset", "public").value)
    assert (ds, rdflib.RDF.type, DCAT.Dataset) in g and (ds, rdflib.RDF.type, VOID.Dataset) in g
    d = g.value(ds, DCAT.distribution)
    assert str(g.value(d, DCAT.mediaType)) == "https://www.iana.org/assignments/media-types/application/n-quads"
    assert str(g.value(d, DCAT.compressFormat)).endswith("application/gzip")
    assert int(g.value(d, DCAT.byteSize)) == 1234
    assert g.value(ds, DCTERMS.issued) is not None and g.value(ds, DCTERMS.modified) is not None
    # licences: the bundle's CC BY 4.0 and the PI list's CC0 differ, so each subset carries its own
    assert g.value(ds, DCTERMS.rights) is not None
    seed = rdflib.URIRef("https://w3id.org/stigraph/graph/seed/public")
    assert str(g.value(seed, DCTERMS.license)) == "https://creativecommons.org/licenses/by/4.0/"
    loads = set(g.objects(ds, PROV.wasGeneratedBy))
    assert len(loads) == 9  # the bundle's 7 sources, the PI list, CORDIS
    files = set(g.objects(ds, PROV.wasDerivedFrom))
    assert files and all(g.value(f, rdflib.URIRef(SG + "sha256")) is not None for f in files)
    text = g.serialize(format="nt")
    assert "/partner>" not in text and "/restricted>" not in text  # graphs it may not see are not named
    assert "graph/meta" not in text


# -- partner profile ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_profile_shapes(REPO / "shapes" / "partner")


@pytest.mark.parametrize("scope", SCOPES)
def test_profile_reparses_and_conforms_to_the_closed_shapes(
    views: dict[str, ScopeView], profile: PartnerProfile, shapes: rdflib.Graph, scope: str
) -> None:
    buf = io.BytesIO()
    stats = profile.write(views[scope], buf)
    data = buf.getvalue()
    triples = list(parse(data, format=RdfFormat.JSON_LD))
    g = rdflib.Graph()
    g.parse(data=data, format="json-ld")
    assert len(set(triples)) == len(g) == stats.triples > 500
    conforms, _, text = pyshacl.validate(g, shacl_graph=shapes)
    assert conforms, text
    assert all(
        t.predicate.value.startswith((SCHEMA, EURIO, "http://www.w3.org/1999/02/22-rdf-syntax-ns#")) for t in triples
    )
    assert json.loads(data)["@context"]["@vocab"] == SCHEMA


def test_profile_carries_the_eurio_view_of_participation(views: dict[str, ScopeView], profile: PartnerProfile) -> None:
    g = rdflib.Graph()
    g.parse(data=profile_bytes(profile, views["public"]), format="json-ld")
    E = rdflib.Namespace(EURIO)
    project = rdflib.URIRef("https://w3id.org/stigraph/id/project/cordis-101130177")
    roles = set(g.objects(project, E.hasInvolvedParty))
    assert len(roles) == 4
    labels = sorted(str(g.value(r, E.roleLabel)) for r in roles)
    assert labels == ["Associated Partner"] * 3 + ["Coordinator"]
    coordinator = next(r for r in roles if str(g.value(r, E.roleLabel)) == "Coordinator")
    assert (coordinator, rdflib.RDF.type, E.OrganisationRole) in g
    org = g.value(coordinator, E.isRoleOf)
    assert str(g.value(org, E.legalName)) == "LUNDS UNIVERSITET"
    amount = g.value(g.value(coordinator, E.isRecipientOf), E.hasPaymentAmount)
    assert float(g.value(amount, E.value)) == 368000.0
    assert (org, rdflib.RDF.type, rdflib.URIRef(SCHEMA + "Organization")) in g
    assert (
        str(g.value(g.value(org, rdflib.URIRef(SCHEMA + "address")), rdflib.URIRef(SCHEMA + "addressCountry"))) == "SE"
    )


def _person(view: ScopeView) -> NamedNode:
    return NamedNode(
        PARTNER_PERSON if view.scope != "public" else "https://w3id.org/stigraph/id/person/0000-0002-1825-0097"
    )


BROKEN = {
    # name: (quads added to the staged profile, pyshacl's verdict is the same)
    "e-mail on a person": (lambda p: [Quad(p, NamedNode(SCHEMA + "email"), Literal("x@example.org"))], True),
    "our visibility flag": (lambda p: [Quad(p, NamedNode(SG + "visibility"), NamedNode(SG + "Public"))], True),
    "sameAs outside ORCID/Wikidata": (
        lambda p: [Quad(p, NamedNode(SCHEMA + "sameAs"), NamedNode("https://example.org/x"))],
        True,
    ),
    "a name without language": (lambda p: [Quad(p, NamedNode(SCHEMA + "name"), Literal("No Language"))], True),
    "an untyped node": (
        lambda p: [Quad(NamedNode(p.value + "#stray"), NamedNode(SCHEMA + "name"), Literal("x", language="en"))],
        False,
    ),
    "a type no shape knows": (lambda p: [Quad(p, NamedNode(RDF_TYPE), NamedNode(SG + "Researcher"))], True),
}


def test_broken_profile_cases_count() -> None:
    assert len(BROKEN) == 6


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_profile_fails_closed_and_writes_nothing(
    embedded_views: dict[str, ScopeView], profile: PartnerProfile, shapes: rdflib.Graph, tmp_path: Path, case: str
) -> None:
    view = embedded_views["public"]
    extra, pyshacl_agrees = BROKEN[case]
    target = tmp_path / "profile.jsonld"
    with pytest.raises(ValidationFailed) as caught, atomic_output(target) as out:
        profile.write(view, out, tamper=iter(extra(_person(view))))
    assert not target.exists() and list(tmp_path.iterdir()) == []
    assert caught.value.details and "nothing written" in caught.value.message
    # pyshacl, the reference, on the same broken profile (the stray node check is ours alone)
    good = rdflib.Graph()
    good.parse(data=profile_bytes(profile, view), format="json-ld")
    for q in extra(_person(view)):
        good.add(tuple(_rdflib(t) for t in (q.subject, q.predicate, q.object)))  # type: ignore[arg-type]
    conforms, _, _ = pyshacl.validate(good, shacl_graph=shapes)
    assert conforms is not pyshacl_agrees


def _rdflib(term: NamedNode | Literal) -> rdflib.term.Node:
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    return rdflib.Literal(term.value, lang=term.language, datatype=None if term.language else term.datatype.value)


def test_closed_checks_are_compiled_for_every_closed_shape(shapes: rdflib.Graph) -> None:
    validator = ClosedValidator(shapes)
    closed = [c for c in validator.checks if c.component == "Closed"]
    assert len(closed) == 10 + 1  # ten closed node shapes and the every-node-targeted check


# -- CLI ------------------------------------------------------------------------------------------


def test_cli_writes_the_dump_and_its_description(deployment: Deployment, tmp_path: Path) -> None:
    out = tmp_path / "public.nq.gz"
    done = deployment.cli("export", "--scope", "public", "-o", str(out))
    assert done.returncode == 0, done.stderr
    quads = list(parse(gzip.decompress(out.read_bytes()), format=RdfFormat.N_QUADS))
    g = rdflib.Graph()
    g.parse(out.with_name("public.nq.gz.void.ttl"), format="turtle")
    ds = rdflib.URIRef("https://w3id.org/stigraph/id/dataset/public")
    assert int(g.value(ds, VOID.triples)) == len(quads)
    assert int(g.value(g.value(ds, DCAT.distribution), DCAT.byteSize)) == out.stat().st_size
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)


def test_cli_partner_profile_and_describe(deployment: Deployment, tmp_path: Path) -> None:
    out = tmp_path / "partner-profile.jsonld"
    done = deployment.cli("export", "--scope", "partner", "--profile", "partner", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert PARTNER_PERSON in out.read_text()
    described = deployment.cli("export", "--describe", "--scope", "partner")
    assert described.returncode == 0, described.stderr
    g = rdflib.Graph()
    g.parse(data=described.stdout, format="turtle")
    assert len(set(g.objects(None, DCAT.distribution))) == 11  # 5 formats x (plain, gzip) + the profile


CLI_ERRORS = [
    (["--format", "xml"], "unknown export format 'xml'"),
    (["--scope", "everyone"], "unknown scope 'everyone'"),
    (["--profile", "partner", "--format", "ttl"], "the partner profile is JSON-LD"),
    (["--profile", "mine"], "unknown profile 'mine'"),
]


def test_cli_error_cases_count() -> None:
    assert len(CLI_ERRORS) == 4


@pytest.mark.parametrize(("args", "message"), CLI_ERRORS)
def test_cli_refuses_bad_options(deployments: Deployments, args: list[str], message: str) -> None:
    done = deployments.get("embedded", "export").cli("export", *args)  # refused before any store is read
    assert done.returncode == InputError.exit_code
    assert message in done.stderr


def test_format_from_the_output_name() -> None:
    assert format_of_name("public.trig.gz") == (EXPORT_FORMATS["trig"], True)
    assert choose_format(None, Path("x.ttl"), "full", None) == (EXPORT_FORMATS["ttl"], False)
    assert choose_format(None, Path("x.jsonld.gz"), "partner", None) == (EXPORT_FORMATS["jsonld"], True)
    assert choose_format("nt", Path("x.nq.gz"), "full", False) == (EXPORT_FORMATS["nt"], False)


# -- HTTP -----------------------------------------------------------------------------------------

ACCESS = [
    # (token, scope asked for, status)
    (None, "public", 200),
    (None, "partner", 403),
    (None, "all", 403),
    (PARTNER, "public", 200),
    (PARTNER, "partner", 200),
    (PARTNER, "all", 403),
    (ADMIN, "all", 200),
]


def test_access_cases_count() -> None:
    assert len(ACCESS) == 7


@pytest.mark.parametrize(("token", "scope", "status"), ACCESS)
def test_http_scope_is_the_callers(server, token: str | None, scope: str, status: int) -> None:
    for name in (f"{scope}.nq", f"{scope}.void.ttl", f"{scope}-profile.jsonld"):
        r = httpx.get(f"{server.base}/export/{name}", headers=auth(token) if token else {}, timeout=60)
        assert r.status_code == status, (name, r.text)
        if status == 403:
            body = r.json()
            assert body["error"]["code"] == "forbidden" and set(body) == {"error"}


CONTENT_TYPES = {
    "public.nq": "application/n-quads",
    "public.trig": "application/trig",
    "public.ttl": "text/turtle; charset=utf-8",
    "public.nt": "application/n-triples",
    "public.jsonld": "application/ld+json",
    "public.nq.gz": "application/gzip",
    "public.void.ttl": "text/turtle; charset=utf-8",
    "public-profile.jsonld": "application/ld+json",
    "public-profile.jsonld.gz": "application/gzip",
}


def test_content_type_cases_count() -> None:
    assert len(CONTENT_TYPES) == 9


@pytest.mark.parametrize("name", sorted(CONTENT_TYPES))
def test_http_files_have_type_disposition_and_generation(server, name: str) -> None:
    r = httpx.get(f"{server.base}/export/{name}", timeout=60)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == CONTENT_TYPES[name]
    assert r.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert r.headers["etag"].startswith('"g') and r.headers["last-modified"].endswith("GMT")
    data = gzip.decompress(r.content) if name.endswith(".gz") else r.content
    fmt = {"jsonld": RdfFormat.JSON_LD, "ttl": RdfFormat.TURTLE}.get(name.removesuffix(".gz").rsplit(".", 1)[1])
    assert list(parse(data, format=fmt or EXPORT_FORMATS[name.removesuffix(".gz").rsplit(".", 1)[1]].rdf))


def test_http_dump_is_the_same_as_the_cli_dump(
    server, deployments: Deployments, request: pytest.FixtureRequest
) -> None:
    r = httpx.get(f"{server.base}/export/partner.nq.gz", headers=auth(PARTNER), timeout=60)
    served = set(parse(gzip.decompress(r.content), format=RdfFormat.N_QUADS))
    with open_store(deployments.get(backend_of(request), "served").settings) as s:
        local = set(view_of_store(s, Minter(s.settings.base_iri), "partner").quads())
    assert served == local and PARTNER_PERSON.encode() in gzip.decompress(r.content)


def test_http_conditional_get_and_head(server) -> None:
    first = httpx.get(f"{server.base}/export/public.ttl", timeout=60)
    again = httpx.get(f"{server.base}/export/public.ttl", headers={"if-none-match": first.headers["etag"]}, timeout=60)
    assert again.status_code == 304 and again.content == b""
    head = httpx.head(f"{server.base}/export/public.ttl", timeout=60)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == first.headers["etag"]


def test_http_unknown_file_is_404_in_the_error_shape(server) -> None:
    for name in ("public.xml", "everyone.nq", "void.ttl.gz", "x"):
        r = httpx.get(f"{server.base}/export/{name}", timeout=30)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", name


def test_http_index_lists_what_the_caller_may_download(server) -> None:
    anonymous = httpx.get(f"{server.base}/export", timeout=30).json()
    partner = httpx.get(f"{server.base}/export", headers=auth(PARTNER), timeout=30).json()
    assert anonymous["scope"] == "public" and partner["scope"] == "partner"
    assert len(anonymous["files"]) == 13 and len(partner["files"]) == 26
    assert all(f["name"].startswith("public") for f in anonymous["files"])
    assert httpx.get(anonymous["files"][0]["url"], timeout=60).status_code == 200


def test_http_description_defaults_to_the_callers_scope(server) -> None:
    r = httpx.get(f"{server.base}/export/void.ttl", headers=auth(PARTNER), timeout=60)
    g = rdflib.Graph()
    g.parse(data=r.text, format="turtle")
    assert (rdflib.URIRef("https://w3id.org/stigraph/id/dataset/partner"), rdflib.RDF.type, DCAT.Dataset) in g
    urls = {str(u) for u in g.objects(None, DCAT.downloadURL)}
    assert f"{server.base}/export/partner.nq.gz" in urls
