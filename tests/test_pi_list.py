"""The mission PI-list loader: golden output, visibility routing, idempotence, corrections."""

from __future__ import annotations

import shutil
from pathlib import Path

from pyoxigraph import NamedNode
from rdflib import Graph

from stigraph.ingest.pi_list import COLUMN_NAMES
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import load_spec

from .conftest import REPO, dump

LOADER = REPO / "loaders" / "pi-list"
BASE = "https://w3id.org/stigraph/"
SOURCE = "pi-list-sf-bay-area-sample"


def _graph(pipeline: Pipeline, visibility: str) -> Graph:
    g = Graph()
    for q in pipeline.store.quads(NamedNode(f"{BASE}graph/{SOURCE}/{visibility}")):
        g.add(_rdflib(q))
    return g


def _rdflib(q):
    from rdflib import Literal, URIRef

    def conv(t):
        if isinstance(t, NamedNode):
            return URIRef(t.value)
        return Literal(t.value, lang=t.language, datatype=None if t.language else URIRef(t.datatype.value))

    return conv(q.subject), conv(q.predicate), conv(q.object)


def test_sample_uses_every_documented_column() -> None:
    header = (LOADER / "sample.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert tuple(header) == COLUMN_NAMES


def test_visibility_routes_people_contacts_and_consent(vocab_pipeline: Pipeline) -> None:
    vocab_pipeline.load(load_spec(LOADER / "source.yml"))
    public, partner, restricted = (_graph(vocab_pipeline, v) for v in ("public", "partner", "restricted"))
    sg = "https://w3id.org/stigraph/ontology#"
    emails = {str(o) for _, p, o in restricted if str(p) == sg + "email"}
    assert emails == {"haruka.tanaka@example.org", "k.sato@example.org", "s.nakamura@example.org"}
    for g in (public, partner):
        assert not any(str(p) == sg + "email" for _, p, _ in g)
        assert not any(str(o) == sg + "Consent" for _, _, o in g)
    ohno = f"{BASE}id/person/0000-0001-5109-3700"  # partner visibility
    assert any(str(s) == ohno for s, _, _ in partner)
    assert not any(ohno in (str(s), str(o)) for s, _, o in public)
    nakamura_labels = [str(o) for s, p, o in restricted if str(p).endswith("#label") and "NAKAMURA" in str(o)]
    assert nakamura_labels == ["NAKAMURA Sho"]
    assert not any("NAKAMURA" in str(o) for _, _, o in public)


def test_loading_the_same_file_twice_changes_nothing(vocab_pipeline: Pipeline) -> None:
    spec = load_spec(LOADER / "source.yml")
    first = vocab_pipeline.load(spec)
    before = dump(vocab_pipeline.store)
    second = vocab_pipeline.load(spec)
    assert (first.status, second.status) == ("loaded", "unchanged")
    assert second.generation == first.generation
    assert dump(vocab_pipeline.store) == before


def test_corrected_file_replaces_old_version_and_nothing_else(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    spec = load_spec(LOADER / "source.yml")
    vocab_pipeline.load(spec)
    other = {
        g.value: list(vocab_pipeline.store.quads(g))
        for g in vocab_pipeline.store.graphs()
        if SOURCE not in g.value and not g.value.endswith("/meta")
    }
    corrected = tmp_path / "sample.csv"
    shutil.copy(LOADER / "sample.csv", corrected)
    text = corrected.read_text(encoding="utf-8").replace("Associate Professor", "Professor")
    corrected.write_text(text.replace("Staff Scientist", "Senior Scientist"), encoding="utf-8")
    result = vocab_pipeline.load(spec, [corrected])
    assert result.status == "loaded"
    titles = {str(o) for _, p, o in _graph(vocab_pipeline, "public") if str(p).endswith("#title")}
    assert "Associate Professor" not in titles and "Professor" in titles
    restricted_titles = {str(o) for _, p, o in _graph(vocab_pipeline, "restricted") if str(p).endswith("#title")}
    assert restricted_titles == {"Senior Scientist"}
    after = {
        g.value: list(vocab_pipeline.store.quads(g))
        for g in vocab_pipeline.store.graphs()
        if SOURCE not in g.value and not g.value.endswith("/meta")
    }
    assert after == other
    loads = vocab_pipeline.store.query(
        "SELECT (COUNT(?l) AS ?n) WHERE { GRAPH ?g { ?l <https://w3id.org/stigraph/ontology#sourceId> "
        f'"{SOURCE}" ; a <http://www.w3.org/ns/prov#Activity> }} }}'
    )
    assert int(next(iter(loads))["n"].value) == 2  # one PROV record per load, history kept
