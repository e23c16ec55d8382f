"""The consent lifecycle with the real CLI on real stores: ``stigraph consent set|withdraw`` and
``stigraph forget``, seen from every place data leaves the store (pages over HTTP, dumps,
pathfinding and search indexes) and across later loads.

The graph: the bundled data, the PI-list sample, tests/data/pages/fixture.ttl and one more
source (written here) in which Sato Hanako co-authors a paper, so her data lives in two sources.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import RdfFormat, parse
from pyshacl import validate

from stigraph.namespaces import Minter
from stigraph.paths.index import build_index
from stigraph.store import open_store
from stigraph.validation import Validator
from stigraph.validation.validator import subclass_closure
from tests.conftest import REPO, make_settings, run_cli
from tests.live import ADMIN, PARTNER, LiveServer, auth, start_server

FIXTURE = REPO / "tests" / "data" / "pages" / "fixture.ttl"
SATO = "https://w3id.org/stigraph/id/person/pages-sato"
ITO = "https://w3id.org/stigraph/id/person/pages-ito"
EXTRA = """@prefix sg: <https://w3id.org/stigraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/stigraph/id/person/consent-extra> a sg:Researcher ; rdfs:label "Extra Person"@en ;
    sg:visibility sg:Public .
<https://w3id.org/stigraph/id/publication/consent-extra> a sg:Publication ; rdfs:label "Fjords"@en ;
    dcterms:issued "2024"^^xsd:gYear .
<https://w3id.org/stigraph/id/authorship/consent-extra-1> a sg:Authorship ;
    sg:publication <https://w3id.org/stigraph/id/publication/consent-extra> ;
    sg:author <https://w3id.org/stigraph/id/person/consent-extra> ; sg:authorPosition 1 .
<https://w3id.org/stigraph/id/authorship/consent-extra-2> a sg:Authorship ;
    sg:publication <https://w3id.org/stigraph/id/publication/consent-extra> ;
    sg:author <https://w3id.org/stigraph/id/person/pages-sato> ; sg:authorPosition 2 .
"""


@pytest.fixture(scope="module")
def loaded_store(served_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("consent")
    target = root / "store"
    shutil.copytree(served_store, target, symlinks=True)
    extra = root / "extra.ttl"
    extra.write_text(EXTRA, encoding="utf-8")
    for path, source in ((FIXTURE, "pages-fixture"), (extra, "consent-extra")):
        loaded = run_cli("load", str(path), "--source-id", source, store=target)
        assert loaded.returncode == 0, loaded.stderr
    return target


@pytest.fixture
def store(loaded_store: Path, tmp_path: Path) -> Path:
    """A copy for each test: every test changes its store."""
    target = tmp_path / "store"
    shutil.copytree(loaded_store, target, symlinks=True)
    return target


@pytest.fixture
def site(store: Path, tmp_path: Path) -> Iterator[LiveServer]:
    srv = start_server(store, tmp_path / "serve.log")
    yield srv
    srv.stop()


def _cli(store: Path, *args: str) -> dict:
    r = run_cli(*args, "--format", "json", store=store)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _dump(store: Path, scope: str, tmp_path: Path) -> bytes:
    out = tmp_path / f"{scope}.nq"
    r = run_cli("export", "--scope", scope, "--format", "nq", "-o", str(out), "--no-description", store=store)
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    list(parse(data, format=RdfFormat.N_QUADS))  # strict
    return data


def _index_iris(store: Path, scope: str) -> set[str]:
    settings = make_settings(store)
    classes = subclass_closure(Validator.from_dirs(REPO / "shapes", REPO / "ontology").class_axioms)
    with open_store(settings) as s:
        index = build_index(s, Minter(settings.base_iri), scope, classes)  # type: ignore[arg-type]
    return {index.iri_of(i) for i in range(index.node_count)}


def _page(site: LiveServer, iri: str, token: str | None = None) -> int:
    path = iri.removeprefix("https://w3id.org/stigraph")
    return httpx.get(site.base + path + ".ttl", headers=auth(token) if token else {}, timeout=30).status_code


def _wait_generation(site: LiveServer, generation: int) -> None:
    until = time.monotonic() + 30
    while time.monotonic() < until:
        if site.health()["store"]["generation"] >= generation:
            return
        time.sleep(0.1)
    raise AssertionError(f"the service did not reach generation {generation}")


def _generation(store: Path) -> int:
    return int(_cli(store, "stats")["generation"])


def test_consent_set_moves_a_person_between_scopes_everywhere(store: Path, site: LiveServer, tmp_path: Path) -> None:
    assert _page(site, SATO) == 200 and SATO.encode() in _dump(store, "public", tmp_path)
    result = _cli(store, "consent", "set", "person/pages-sato", "--visibility", "restricted")
    assert result["visibility"] == "restricted"
    assert result["sources_rerouted"] == ["consent-extra", "pages-fixture"]  # both sources that mention her
    _wait_generation(site, result["generation"])
    assert (_page(site, SATO), _page(site, SATO, PARTNER), _page(site, SATO, ADMIN)) == (404, 404, 200)
    for scope in ("public", "partner"):
        assert SATO.encode() not in _dump(store, scope, tmp_path), scope
        assert SATO not in _index_iris(store, scope), scope
    assert SATO in _index_iris(store, "all")
    # the other source's authorship of hers went with her; its own author stayed public
    public = _dump(store, "public", tmp_path)
    assert b"authorship/consent-extra-2" not in public and b"authorship/consent-extra-1" in public
    assert b"SATO Hanako" not in httpx.get(site.base + "/pimap/pages-test.csv", timeout=30).content
    found = httpx.get(site.base + "/api/search", params={"q": "Hanako Sato"}, timeout=30).json()["results"]
    assert SATO not in [r["id"] for r in found]
    ito = httpx.get(site.base + "/id/person/pages-ito?lang=en", headers={"Accept": "text/html"}, timeout=30).text
    assert "SATO Hanako" not in ito  # no longer a public co-author

    partner = _cli(store, "consent", "set", SATO, "--visibility", "partner")
    _wait_generation(site, partner["generation"])
    assert (_page(site, SATO), _page(site, SATO, PARTNER)) == (404, 200)
    assert SATO.encode() in _dump(store, "partner", tmp_path) and SATO.encode() not in _dump(store, "public", tmp_path)

    public_again = _cli(store, "consent", "set", SATO, "--visibility", "public")
    _wait_generation(site, public_again["generation"])
    assert _page(site, SATO) == 200
    dump = _dump(store, "public", tmp_path)
    assert SATO.encode() in dump and b"hanako.sato@example.org" not in dump  # contact details stay restricted


def test_a_decision_holds_when_the_source_is_loaded_again(store: Path, tmp_path: Path) -> None:
    _cli(store, "consent", "set", SATO, "--visibility", "restricted")
    changed = tmp_path / "fixture.ttl"
    changed.write_text(FIXTURE.read_text(encoding="utf-8") + "\n# reloaded\n", encoding="utf-8")
    loaded = run_cli("load", str(changed), "--source-id", "pages-fixture", store=store)
    assert loaded.returncode == 0 and "loaded" in loaded.stdout, loaded.stderr
    assert SATO.encode() not in _dump(store, "public", tmp_path)
    assert SATO.encode() in _dump(store, "all", tmp_path)


def test_withdrawal_is_dated_and_the_record_conforms(store: Path, tmp_path: Path) -> None:
    result = _cli(store, "consent", "withdraw", SATO)
    assert result["withdrawn"] and result["visibility"] == "restricted"
    assert SATO.encode() not in _dump(store, "partner", tmp_path)
    rows = _cli(
        store,
        "query",
        "SELECT ?scope ?given ?withdrawn WHERE { GRAPH <https://w3id.org/stigraph/graph/consent/restricted> {"
        f" ?c <https://w3id.org/stigraph/ontology#consentOf> <{SATO}> ;"
        " <https://w3id.org/stigraph/ontology#consentScope> ?scope ;"
        " <https://w3id.org/stigraph/ontology#consentGiven> ?given ;"
        " <https://w3id.org/stigraph/ontology#consentWithdrawn> ?withdrawn } }",
    )["results"]["bindings"]
    assert len(rows) == 1 and rows[0]["scope"]["value"].endswith("#Restricted")
    assert rows[0]["given"]["value"] <= rows[0]["withdrawn"]["value"]
    # the record passes the Consent shape (pyshacl, the reference implementation)
    record = run_cli(
        "query",
        "CONSTRUCT { ?c ?p ?o . ?person a <https://w3id.org/stigraph/ontology#Person> } WHERE { GRAPH "
        "<https://w3id.org/stigraph/graph/consent/restricted> { ?c ?p ?o ; "
        "<https://w3id.org/stigraph/ontology#consentOf> ?person } }",
        "--format",
        "ttl",
        store=store,
    )
    assert record.returncode == 0, record.stderr
    conforms, _, text = validate(
        record.stdout, shacl_graph=str(REPO / "shapes" / "Consent.ttl"), data_graph_format="turtle"
    )
    assert conforms, text


def test_forget_erases_the_person_from_the_store_and_from_later_loads(
    store: Path, site: LiveServer, tmp_path: Path
) -> None:
    result = _cli(store, "forget", "person/pages-sato", "--yes")
    assert result["erased_iris"] == 1 and result["triples_removed"] > 20
    _wait_generation(site, result["generation"])
    count = _cli(
        store,
        "query",
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {{ <{SATO}> ?p ?o }} UNION {{ ?s ?p <{SATO}> }} }} }}",
    )
    assert count["results"]["bindings"][0]["n"]["value"] == "0"
    everything = _dump(store, "all", tmp_path)
    for gone in (
        SATO.encode(),
        b"position/pages-sato",
        b"authorship/pages-1a",
        b"authorship/consent-extra-2",
        b"Hanako",
    ):
        assert gone not in everything, gone
    assert ITO.encode() in everything  # the co-author stays
    assert (_page(site, SATO, ADMIN), _page(site, SATO)) == (404, 404)
    assert SATO not in _index_iris(store, "all")
    # nothing older than the erasure is kept on disk
    generations = sorted(p.name for p in (store / "generations").iterdir() if p.name.startswith("g"))
    assert all(name.startswith(f"g{result['generation']:06d}") for name in generations), generations
    # the erasure is recorded by digest, without the data
    digest = "sha256:" + hashlib.sha256(SATO.encode()).hexdigest()
    assert digest.encode() in everything
    # a later load of a file that still lists her does not bring her back, and says so
    changed = tmp_path / "fixture.ttl"
    changed.write_text(FIXTURE.read_text(encoding="utf-8") + "\n# reloaded\n", encoding="utf-8")
    loaded = run_cli("load", str(changed), "--source-id", "pages-fixture", store=store)
    assert loaded.returncode == 0, loaded.stderr
    assert "erased at their request" in loaded.stdout
    assert SATO.encode() not in _dump(store, "all", tmp_path) and ITO.encode() in _dump(store, "all", tmp_path)


def test_bad_requests_say_what_is_wrong_and_change_nothing(store: Path) -> None:
    before = _generation(store)
    cases = [
        (("consent", "set", "person/nobody", "--visibility", "public"), "no person"),
        (("consent", "set", "org/pages-nordic", "--visibility", "public"), "person/<key>"),
        (("consent", "set", "https://w3id.org/stigraph/id/org/pages-nordic", "--visibility", "public"), "no person"),
        (("consent", "set", SATO, "--visibility", "everyone"), "visibility"),
        (("forget", SATO), "--yes"),
        (("forget", "person/nobody", "--yes"), "no person"),
    ]
    for args, message in cases:
        r = run_cli(*args, store=store)
        assert r.returncode != 0, args
        assert message in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
    assert _generation(store) == before
    assert len(cases) == 6


def test_a_source_may_publish_contact_details(served_store: Path, tmp_path: Path) -> None:
    target = tmp_path / "store"
    shutil.copytree(served_store, target, symlinks=True)
    spec = tmp_path / "source.yml"
    spec.write_text(
        f"id: pages-public-contacts\nkind: rdf\ninput: {FIXTURE}\ncontact_visibility: public\n", encoding="utf-8"
    )
    assert run_cli("load", str(spec), store=target).returncode == 0
    assert b"hanako.sato@example.org" in _dump(target, "public", tmp_path)
    assert SATO.encode() in _dump(target, "public", tmp_path)


def test_a_restricted_field_is_in_no_public_or_partner_dump(loaded_store: Path, tmp_path: Path) -> None:
    field = b"field/pages-unannounced"
    assert field not in _dump(loaded_store, "public", tmp_path)
    assert field not in _dump(loaded_store, "partner", tmp_path)
    assert field in _dump(loaded_store, "all", tmp_path)
    profile = tmp_path / "profile.jsonld"
    r = run_cli(
        "export", "--scope", "partner", "--profile", "partner", "-o", str(profile), "--no-description",
        store=loaded_store,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    text = profile.read_text(encoding="utf-8")
    assert "pages-unannounced" not in text and "Unannounced topic" not in text
    assert "pages-sato" in text  # the person is there, without the field
