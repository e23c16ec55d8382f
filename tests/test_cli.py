"""The real CLI on the bundled graph: the acceptance questions, exports, stats, validate."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from .conftest import REPO, run_cli


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("bundled") / "store"
    result = run_cli("load-bundle", store=store)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("loaded") == 7
    return store


def _csv(store: Path, query_file: str) -> list[dict[str, str]]:
    result = run_cli("query", f"@queries/examples/{query_file}", "--format", "csv", store=store)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_how_many_people_on_the_advisory_board(bundled: Path) -> None:
    rows = {r["role"]: int(r["people"]) for r in _csv(bundled, "advisory-board-size.rq")}
    assert rows == {"Member": 22, "Chair": 1, "Vice-Chair": 1}


def test_programmes_each_agency_operates(bundled: Path) -> None:
    rows = {r["agency"]: set(r["programmes"].split(" | ")) for r in _csv(bundled, "programmes-by-agency.rq")}
    jst = rows["Japan Science and Technology Agency"]
    assert {"Strategic International Collaborative Research Program"} <= jst
    assert any("ASEAN" in p for p in jst) and any("Sustainable Development" in p for p in jst)
    assert rows["European Commission"] == {"Horizon Europe"}
    assert len(rows) == 6


def test_overseas_establishments_with_st_fellows(bundled: Path) -> None:
    rows = {r["name"]: r["jurisdiction"] for r in _csv(bundled, "st-fellow-establishments.rq")}
    assert rows == {
        "Consulate-General of Japan in San Francisco": "San Francisco Bay Area",
        "Embassy of Japan in India": "India",
        "Embassy of Japan in Israel": "Israel",
        "Embassy of Japan in Sweden": "Sweden",
        "Embassy of Japan in the United Kingdom": "United Kingdom",
        "Mission of Japan to the European Union": "European Union",
    }


def test_bundle_reload_is_unchanged_and_whole_store_validates(bundled: Path) -> None:
    again = run_cli("load-bundle", store=bundled)
    assert again.returncode == 0 and again.stdout.count("unchanged") == 7
    report = run_cli("validate", "--format", "json", store=bundled)
    assert report.returncode == 0, report.stdout
    body = json.loads(report.stdout)
    assert body["conforms"] is True and body["checks"] > 20


@pytest.mark.parametrize("fmt", ["nq", "trig", "ttl", "nt", "jsonld"])
def test_export_formats_parse(bundled: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export.{fmt}"
    result = run_cli("export", "--format", fmt, "--scope", "public", "-o", str(out), store=bundled)
    assert result.returncode == 0, result.stderr
    formats = {
        "nq": RdfFormat.N_QUADS,
        "trig": RdfFormat.TRIG,
        "ttl": RdfFormat.TURTLE,
        "nt": RdfFormat.N_TRIPLES,
        "jsonld": RdfFormat.JSON_LD,
    }
    quads = list(parse(path=str(out), format=formats[fmt]))
    assert len(quads) > 8000
    graphs = {getattr(q.graph_name, "value", "") for q in quads}
    if fmt in ("nq", "trig", "jsonld"):
        assert "https://w3id.org/stigraph/graph/seed/public" in graphs
        assert all(g.endswith("/public") for g in graphs), graphs
    else:
        assert graphs == {""}


def test_stats_json_counts_graphs_and_classes(bundled: Path) -> None:
    result = run_cli("stats", "--format", "json", store=bundled)
    stats = json.loads(result.stdout)
    assert stats["graphs"]["https://w3id.org/stigraph/graph/seed/public"] > 1000
    assert stats["classes"]["https://w3id.org/stigraph/ontology#Researcher"] == 23


def test_query_errors_are_one_line(bundled: Path) -> None:
    result = run_cli("query", "SELECT * WHERE { ?s ?p }", store=bundled)
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr


def test_docs_cover_every_pi_list_column() -> None:
    from stigraph.ingest.pi_list import COLUMN_NAMES

    doc = (REPO / "docs" / "loaders.md").read_text(encoding="utf-8")
    assert [c for c in COLUMN_NAMES if f"`{c}`" not in doc] == []
