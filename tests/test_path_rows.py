"""The rows the path index is built from, published per graph with each generation
(stigraph.paths.rows): an index built from them is the index built from the store, array for
array; a write reads again only the graphs it touched; unreadable or missing files fall back to
the store."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat

from stigraph.config import Settings
from stigraph.namespaces import Minter
from stigraph.paths.index import GraphIndex, build_index
from stigraph.paths.rows import DIRECTORY, MANIFEST, PublishedRows
from stigraph.sparql.lexer import written_graphs
from stigraph.store import open_store
from stigraph.validation import Validator
from stigraph.validation.validator import subclass_closure

from .conftest import make_settings
from .deployments import Deployments

SG = "https://w3id.org/stigraph/ontology#"
ID = "https://w3id.org/stigraph/id/"


def assert_same_index(a: GraphIndex, b: GraphIndex) -> None:
    """Equal array for array: nodes, their kinds and labels, the CSR, costs, evidence, names."""
    assert a.iris == b.iris and a.labels == b.labels and a.ids == b.ids and a.places == b.places
    for name in ("kinds", "indptr", "indices", "edge_type", "cost", "edge"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert list(a.evidence) == list(b.evidence)
    assert a.names.names == b.names.names and a.names.row_tokens == b.names.row_tokens


def test_an_index_from_published_rows_is_the_index_from_the_store(
    deployments: Deployments, validator: Validator
) -> None:
    deployment = deployments.get("embedded", "paths")
    settings = deployment.settings
    classes = subclass_closure(validator.class_axioms)
    with open_store(settings) as store:
        rows = PublishedRows.open(store.derived_dir)
        assert rows is not None and len(rows.graphs) == len(store.graphs())  # every graph has its file
        built = 0
        for scope in ("public", "partner", "all"):
            fast = build_index(store, Minter(settings.base_iri), scope, classes)
            slow = build_index(store, Minter(settings.base_iri), scope, classes, from_rows=False)
            assert fast.edge_count > 50
            assert_same_index(fast, slow)
            built += 1
    assert built == 3


def _quads(graph: str, triples: list[tuple[str, str, str]]) -> list[Quad]:
    from pyoxigraph import Literal

    def term(x: str) -> NamedNode | Literal:
        return Literal(x[1:-1]) if x.startswith('"') else NamedNode(x)

    return [Quad(NamedNode(s), NamedNode(p), term(o), NamedNode(graph)) for s, p, o in triples]  # type: ignore[arg-type]


def _person(iri: str, label: str) -> list[tuple[str, str, str]]:
    return [
        (iri, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", SG + "Researcher"),
        (iri, "http://www.w3.org/2000/01/rdf-schema#label", f'"{label}"'),
    ]


def _files(settings: Settings) -> dict[str, int]:
    """Graph IRI -> inode of its rows file, in the committed generation."""
    with open_store(settings) as store:
        directory = store.derived_dir / DIRECTORY  # type: ignore[operator]
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    return {g: os.stat(directory / name).st_ino for g, name in manifest["graphs"].items()}


@pytest.fixture
def two_graphs(tmp_path: Path) -> tuple[Settings, str, str]:
    """A store of two public graphs: Aoki's authorship has its author half in one and its
    publication half in the other (as routing by visibility can leave it); Baba's is whole."""
    settings = make_settings(tmp_path / "store")
    minter = Minter(settings.base_iri)
    a, b = minter.graph("rows-a", "public").value, minter.graph("rows-b", "public").value
    aoki, baba, pub = ID + "person/rows-aoki", ID + "person/rows-baba", ID + "publication/rows-1"
    with open_store(settings, write=True) as store, store.writing() as w:
        w.extend(
            _quads(a, [*_person(aoki, "Akiko Aoki"), (ID + "authorship/rows-1a", SG + "author", aoki)])
            + _quads(a, [(ID + "authorship/rows-1b", SG + "author", baba)])
            + _quads(a, [(ID + "authorship/rows-1b", SG + "publication", pub)])
            + _quads(b, [*_person(baba, "Bunta Baba"), (ID + "authorship/rows-1a", SG + "publication", pub)])
            + _quads(b, [(pub, "http://www.w3.org/2000/01/rdf-schema#label", '"A paper in halves"')])
        )
    return settings, a, b


def _index(settings: Settings, validator: Validator, **kw: bool) -> GraphIndex:
    with open_store(settings) as store:
        return build_index(store, Minter(settings.base_iri), "public", subclass_closure(validator.class_axioms), **kw)


def test_authorship_halves_in_two_graphs_are_joined_as_their_union_joins_them(
    two_graphs: tuple[Settings, str, str], validator: Validator
) -> None:
    settings, _, _ = two_graphs
    fast, slow = _index(settings, validator), _index(settings, validator, from_rows=False)
    assert_same_index(fast, slow)
    aoki, baba = fast.ids[ID + "person/rows-aoki"], fast.ids[ID + "person/rows-baba"]
    around = slice(fast.indptr[aoki], fast.indptr[aoki + 1])
    row = fast.edge[around][fast.indices[around] == baba]
    assert len(row) == 1 and fast.evidence[int(row[0])].example == "A paper in halves"


def test_a_write_reads_again_only_the_graphs_it_touched(
    two_graphs: tuple[Settings, str, str], validator: Validator
) -> None:
    settings, a, b = two_graphs
    first = _files(settings)
    assert set(first) == {a, b}
    hoshi = ID + "person/rows-hoshi"
    with open_store(settings, write=True) as store, store.writing() as w:
        w.extend(_quads(a, _person(hoshi, "Hana Hoshi")))
    second = _files(settings)
    assert second[b] == first[b] and second[a] != first[a]  # b linked from the last generation
    assert hoshi in _index(settings, validator).ids
    with open_store(settings, write=True) as store, store.writing() as w:  # free-form: any graph
        w.update(f"DELETE WHERE {{ GRAPH ?g {{ <{hoshi}> ?p ?o }} }}")
    third = _files(settings)
    assert third[a] != second[a] and third[b] != second[b]
    assert hoshi not in _index(settings, validator).ids
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    text = f'INSERT DATA {{ GRAPH <{b}> {{ <{hoshi}> a <{SG}Researcher> ; {label} "H" }} }}'
    with open_store(settings, write=True) as store, store.writing() as w:  # names its graph
        w.update(text, graphs=[NamedNode(g) for g in written_graphs(text) or ()])
    fourth = _files(settings)
    assert fourth[a] == third[a] and fourth[b] != third[b]
    assert_same_index(_index(settings, validator), _index(settings, validator, from_rows=False))
    assert hoshi in _index(settings, validator).ids


def test_unreadable_or_missing_rows_are_read_from_the_store(
    two_graphs: tuple[Settings, str, str], validator: Validator
) -> None:
    settings, a, b = two_graphs
    expected = _index(settings, validator, from_rows=False)
    with open_store(settings) as store:
        directory = store.derived_dir / DIRECTORY  # type: ignore[operator]
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    (directory / manifest["graphs"][a]).write_bytes(b"\x05\x00")  # truncated
    assert_same_index(_index(settings, validator), expected)
    del manifest["graphs"][b]  # a graph the files do not know
    (directory / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert_same_index(_index(settings, validator), expected)


def test_without_path_rows_no_files_are_written_and_the_index_is_the_same(tmp_path: Path, validator: Validator) -> None:
    settings = make_settings(tmp_path / "store").model_copy(update={"precompute_path_rows": False})
    graph = Minter(settings.base_iri).graph("x", "public").value
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    with open_store(settings, write=True) as store, store.writing() as w:
        w.bulk_load(f"<{ID}person/x> {rdf_type} <{SG}Researcher> <{graph}> .\n".encode(), RdfFormat.N_QUADS)
    with open_store(settings) as store:
        assert PublishedRows.open(store.derived_dir) is None
    index = _index(settings, validator)
    assert index.node_count == 1 and index.ids == {ID + "person/x": 0}


WRITES = [
    ("INSERT DATA { GRAPH <http://x.org/g> { <http://x.org/s> <http://x.org/p> 1 } }", {"http://x.org/g"}),
    ("PREFIX ex: <http://x.org/> INSERT DATA { GRAPH ex:g { ex:s ex:p 1 } }", {"http://x.org/g"}),
    ("WITH <http://x.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", {"http://x.org/g"}),
    ("ADD <http://x.org/a> TO <http://x.org/b>", {"http://x.org/a", "http://x.org/b"}),
    ("CLEAR GRAPH <http://x.org/g>", {"http://x.org/g"}),
    ("INSERT DATA { <http://x.org/s> <http://x.org/p> 1 }", set()),  # the default graph only
    ("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }", None),
    ("CLEAR ALL", None),
    ("DROP NAMED", None),
    ("BASE <http://x.org/> INSERT DATA { GRAPH <g> { <s> <p> 1 } }", None),
    ("INSERT { GRAPH $g { <http://x.org/s> <http://x.org/p> 1 } } WHERE { VALUES $g { <http://x.org/g> } }", None),
]


RAN: list[str] = []


@pytest.mark.parametrize(("text", "graphs"), WRITES)
def test_the_graphs_an_update_can_write(text: str, graphs: set[str] | None) -> None:
    found = written_graphs(text)
    if graphs is None:
        assert found is None
    else:
        assert found is not None and graphs <= found  # naming more is harmless, missing one is not
    RAN.append(text)


def test_every_selected_update_case_ran(request: pytest.FixtureRequest) -> None:
    """Every case pytest selected ran (all 11 in a full run), once."""
    selected = [
        item
        for item in request.session.items
        if getattr(item, "originalname", None) == test_the_graphs_an_update_can_write.__name__
        and item.module is request.module
    ]
    assert len(RAN) == len(selected) and len(set(RAN)) == len(RAN)
    if len(selected) == len(WRITES):
        assert len(RAN) == 11
