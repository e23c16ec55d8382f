"""The vocabulary build on small synthetic KAKEN-shaped fixtures (tests/data/vocab-sources)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, SKOS, Graph, URIRef

from .conftest import DATA, REPO

FIELD = "https://w3id.org/stigraph/id/field/kaken-"


def _build(source: Path, out: Path) -> dict[str, str]:
    subprocess.run(
        [sys.executable, str(REPO / "ontology" / "vocab" / "build.py"), "--kaken", str(source), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("*.ttl"))}


@pytest.mark.parametrize(
    ("folder", "codes"),
    [
        ("vocab-sources", {"9", "10", "11", "12", "13", "20"}),
        ("vocab-sources/review-section", {"101", "102", "103", "104"}),
    ],
)
def test_build_is_deterministic_and_maps_fields(tmp_path: Path, folder: str, codes: set[str]) -> None:
    first = _build(DATA / folder, tmp_path / "a")
    assert first == _build(DATA / folder, tmp_path / "b")
    assert set(first) == {"countries.ttl", "fields-kaken.ttl", "mission-types.ttl", "programme-types.ttl", "roles.ttl"}
    fields = Graph().parse(tmp_path / "a" / "fields-kaken.ttl")
    concepts = {str(c).removeprefix(FIELD) for c in fields.subjects(RDF.type, SKOS.Concept)}
    assert concepts == codes
    if "101" in codes:
        broader = {str(b).removeprefix(FIELD) for b in fields.objects(URIRef(FIELD + "103"), SKOS.broader)}
        assert broader == {"102", "104"}


def test_malformed_source_fails_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "field_master_kakenhi.xml").write_text("<field_table_list><field_table", encoding="utf-8")
    (bad / "country_name_master_kakenhi.xml").write_text("<country_name_table_list/>", encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, str(REPO / "ontology" / "vocab" / "build.py"), "--kaken", str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "field_master_kakenhi.xml" in result.stderr
    assert not out.exists() or not list(out.glob("*.ttl"))
