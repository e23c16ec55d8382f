"""Every bad input gets one clear error naming its place, and leaves the store exactly as it was."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from stigraph.errors import InputError, MappingError, StigraphError, ValidationFailed
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import SourceSpec, load_spec

from .conftest import REPO, dump, run_cli

SAMPLE = (REPO / "loaders" / "pi-list" / "sample.csv").read_text(encoding="utf-8")
HEADER = SAMPLE.splitlines()[0]
ROW = SAMPLE.splitlines()[1]
GOOD_TTL = """@prefix sg: <https://w3id.org/stigraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/stigraph/id/person/x1> a sg:Researcher ; rdfs:label "X One"@en ; sg:visibility sg:Public .
<https://w3id.org/stigraph/id/org/x2> a sg:Institution ; rdfs:label "X Institute"@en .
"""


@dataclass
class Case:
    name: str
    filename: str
    content: bytes | None  # None: the file does not exist
    error: type[StigraphError]
    message: str
    line: int | None = None
    field: str | None = None
    record: str | None = None

    @property
    def kind(self) -> str:
        return "pi-list" if self.filename.endswith(".csv") else "rdf"


def csv_with(row: str) -> bytes:
    return f"{HEADER}\n{ROW}\n{row}\n".encode()


CASES = [
    Case(
        "malformed turtle",
        "bad.ttl",
        GOOD_TTL.encode() + b'<https://x.org/a> <https://x.org/b> "open .\n',
        InputError,
        "syntax error",
        line=6,
    ),
    Case(
        "csv broken quoting",
        "broken.csv",
        csv_with('sf-0009,Ito,Aki,,,Professor,"Stanford" University,,,Stanford,US,,,,,public,,'),
        InputError,
        "broken CSV quoting",
        line=3,
    ),
    Case(
        "csv unknown column",
        "unknown.csv",
        (HEADER + ",nickname\n" + ROW + ",Haru\n").encode(),
        InputError,
        "unknown column 'nickname'",
        line=1,
        field="nickname",
    ),
    Case(
        "bad orcid checksum",
        "orcid.csv",
        csv_with(ROW.replace("sf-0001", "sf-0009").replace("0000-0002-1825-0097", "0000-0002-1825-0098")),
        ValidationFailed,
        "check character",
        line=3,
        field="orcid",
    ),
    Case(
        "impossible date",
        "date.csv",
        csv_with(
            ROW.replace("sf-0001", "sf-0009").replace("0000-0002-1825-0097", "").replace("2025-09-12", "2023-02-30")
        ),
        ValidationFailed,
        "",
        line=3,
        field="consent_date",
    ),
    Case(
        "reversed dates",
        "reversed.ttl",
        (
            GOOD_TTL
            + """
<https://w3id.org/stigraph/id/position/x3> a sg:Affiliation ;
  sg:holder <https://w3id.org/stigraph/id/person/x1> ; sg:organization <https://w3id.org/stigraph/id/org/x2> ;
  sg:role <https://w3id.org/stigraph/id/role/principal-investigator> ;
  sg:startDate "2020"^^xsd:gYear ; sg:endDate "2018"^^xsd:gYear .
"""
        ).encode(),
        ValidationFailed,
        "ends before it starts",
        record="https://w3id.org/stigraph/id/position/x3",
        field="https://w3id.org/stigraph/ontology#endDate",
    ),
    Case(
        "ill-typed integer",
        "illtyped.ttl",
        (
            GOOD_TTL
            + """
<https://w3id.org/stigraph/id/person/x1> sg:note "abc"^^xsd:integer .
"""
        ).encode(),
        ValidationFailed,
        "ill-formed",
        record="https://w3id.org/stigraph/id/person/x1",
    ),
    Case(
        "non-utf8",
        "latin1.ttl",
        GOOD_TTL.encode() + '<https://x.org/a> <https://x.org/b> "café" .\n'.encode("latin-1"),
        InputError,
        "not valid UTF-8",
        line=6,
    ),
    Case("empty file", "empty.ttl", b"", InputError, "file is empty"),
    Case("comments only", "comments.ttl", b"# nothing but a comment\n", InputError, "no triples"),
    Case(
        "rdfxml entity expansion",
        "bomb.rdf",
        b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex.org/">
<rdf:Description rdf:about="http://ex.org/s"><ex:p>&b;</ex:p></rdf:Description></rdf:RDF>
""",
        InputError,
        "entity expansion",
        line=2,
    ),
    Case("missing file", "missing.ttl", None, InputError, "does not exist"),
    Case(
        "csv bad visibility",
        "vis.csv",
        csv_with(
            ROW.replace("sf-0001", "sf-0009").replace("0000-0002-1825-0097", "").replace(",public,", ",everyone,")
        ),
        MappingError,
        "visibility",
        line=3,
        field="visibility",
    ),
]


def _spec(case: Case, path: Path) -> SourceSpec:
    if case.kind == "pi-list":
        return load_spec(REPO / "loaders" / "pi-list" / "source.yml", input=[str(path)])
    return SourceSpec(id="bad-input", kind="rdf", input=[path])


def _write(case: Case, tmp_path: Path) -> Path:
    path = tmp_path / case.filename
    if case.content is not None:
        path.write_bytes(case.content)
    return path


def test_case_count() -> None:
    assert len(CASES) == 13


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_is_refused_and_store_unchanged(case: Case, vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    vocab_pipeline.load(load_spec(REPO / "loaders" / "pi-list" / "source.yml"))
    before, generation = dump(vocab_pipeline.store), vocab_pipeline.store.generation
    path = _write(case, tmp_path)
    with pytest.raises(case.error) as info:
        vocab_pipeline.load(_spec(case, path))
    err = info.value
    assert case.message in str(err)
    assert err.context.file == str(path)
    if case.line is not None:
        assert err.context.line == case.line
    if case.field is not None:
        assert err.context.field == case.field
    if case.record is not None:
        assert err.context.record == case.record
    assert vocab_pipeline.store.generation == generation
    assert dump(vocab_pipeline.store) == before


@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "rdf"][:4], ids=lambda c: c.name)
def test_cli_prints_one_line_and_exits_non_zero(case: Case, tmp_path: Path) -> None:
    path = _write(case, tmp_path)
    result = run_cli("load", str(path), "--source-id", "bad-input", store=tmp_path / "store")
    assert result.returncode == case.error.exit_code != 0
    assert "Traceback" not in result.stderr
    first = result.stderr.strip().splitlines()[0]
    assert first.startswith("error:") and str(path) in first
