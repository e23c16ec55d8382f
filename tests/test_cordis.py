"""The CORDIS loader: CORDIS's hard quoting read right, projects named only by participations,
EU country codes, and every kind of bad row refused with its line and column, nothing loaded."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from stigraph.errors import InputError, MappingError
from stigraph.ingest.cordis import MappedCordis, map_cordis, project_stubs
from stigraph.ingest.csv_rows import read_rows
from stigraph.ingest.inputs import InputFile
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import SourceSpec
from stigraph.namespaces import Minter

from .conftest import REPO, dump

LOADER = REPO / "loaders" / "cordis"
PROJECTS = (LOADER / "project.csv").read_text(encoding="utf-8")
ORGS = (LOADER / "organization.csv").read_text(encoding="utf-8")
SG = "https://w3id.org/stigraph/ontology#"
ID = "https://w3id.org/stigraph/id/"
MINTER = Minter("https://w3id.org/stigraph/")


def _file(text: str, name: str) -> InputFile:
    data = text.encode()
    return InputFile(path=Path(name), data=data, sha256=hashlib.sha256(data).hexdigest())


def _map(*texts: tuple[str, str]) -> tuple[set[tuple[str, str, str]], MappedCordis]:
    mapped = MappedCordis()
    quads = []
    for name, text in texts:
        quads += list(map_cordis(_file(text, name), MINTER, mapped))
    quads += list(project_stubs(MINTER, mapped))
    return {(q.subject.value, q.predicate.value, q.object.value) for q in quads}, mapped


def test_hard_quoting_is_read_as_cordis_writes_it() -> None:
    """The objectives hold ';' and bare quotes ("play around"): 20 fields each, texts whole."""
    from stigraph.ingest.cordis import PROJECT_COLUMNS

    rows = list(
        read_rows(_file(PROJECTS, "project.csv"), known=PROJECT_COLUMNS, required=(), delimiter=";", hard_quotes=True)
    )
    assert len(rows) == 4
    toy = rows[0][1]
    assert '"play around"' in toy["objective"] and toy["objective"].endswith("trustworthiness of DL in society.")
    assert toy["grantDoi"] == "10.3030/101165535" and toy["rcn"] == "267049"


def test_projects_participations_and_stubs() -> None:
    triples, mapped = _map(("project.csv", PROJECTS), ("organization.csv", ORGS))
    assert (mapped.projects, mapped.participations) == (4, 9)
    toy = ID + "project/cordis-101165535"
    assert (toy, SG + "fundedBy", ID + "programme/horizon-europe") in triples
    assert (toy, SG + "startDate", "2025-01-01") in triples
    mars = ID + "project/cordis-101130177"  # named by participations only: a stub
    assert (mars, "http://www.w3.org/2004/02/skos/core#prefLabel", "MARS") in triples
    tsukuba = [
        s
        for s, p, o in triples
        if p == "http://www.w3.org/2004/02/skos/core#prefLabel" and o == "UNIVERSITY OF TSUKUBA"
    ]
    assert len(tsukuba) == 1 and (tsukuba[0], SG + "country", ID + "country/JP") in triples
    athens = [s for s, p, o in triples if o == "ECOLE FRANCAISE D'ATHENES"]
    assert (athens[0], SG + "country", ID + "country/GR") in triples  # CORDIS writes EL
    bristol = [s for s, p, o in triples if o == "UNIVERSITY OF BRISTOL"]
    assert (bristol[0], SG + "country", ID + "country/GB") in triples  # and UK
    roles = {o for s, p, o in triples if p == SG + "participationRole"}
    assert roles == {ID + "role/coordinator", ID + "role/associated-partner", ID + "role/third-party"}


def _org_with(column: str, value: str, row: int = 1) -> str:
    lines = ORGS.splitlines()
    header = lines[0].split(";")
    fields = lines[row].split(";")
    fields[header.index(column)] = value
    lines[row] = ";".join(fields)
    return "\n".join(lines) + "\n"


BAD_ROWS = [
    ("projectID", "10113x632", "CORDIS number"),
    ("organisationID", "", "CORDIS number"),
    ("name", "", "legal name"),
    ("role", "partner", "coordinator"),
    ("activityType", "UNI", "HES"),
    ("country", "Japan", "two-letter"),
    ("ecContribution", "lots", "amount in euro"),
    ("ecContribution", "-5", "non-negative"),
    ("organizationURL", "www.meiji.ac.jp", "http(s) URL"),
]


def test_bad_row_case_count() -> None:
    assert len(BAD_ROWS) == 9
    _map(("organization.csv", ORGS))  # unmutated, the file maps


@pytest.mark.parametrize(("column", "value", "expected"), BAD_ROWS, ids=[f"{c}={v}" for c, v, _ in BAD_ROWS])
def test_bad_organisation_row_is_refused(column: str, value: str, expected: str) -> None:
    with pytest.raises(MappingError) as caught:
        _map(("organization.csv", _org_with(column, value)))
    ctx = caught.value.context
    assert (ctx.file, ctx.line, ctx.field) == ("organization.csv", 2, column)
    assert ctx.expected and expected in ctx.expected


def test_bad_project_rows_are_refused() -> None:
    lines = PROJECTS.splitlines()
    for line, (column, value, expected) in enumerate(
        [("id", "A101", "project number"), ("startDate", "01/01/2025", "YYYY-MM-DD")], 2
    ):
        header = lines[0].split(";")
        fields = lines[line - 1].split(";")
        fields[header.index(column)] = value
        broken = "\n".join([*lines[: line - 1], ";".join(fields), *lines[line:]])
        with pytest.raises(MappingError) as caught:
            _map(("project.csv", broken))
        assert (caught.value.context.line, caught.value.context.field) == (line, column)
        assert expected in (caught.value.context.expected or "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (PROJECTS.replace('trustworthiness of DL in society.";', "trustworthiness of DL in society.;"), "never closed"),
        (PROJECTS.replace(";HORIZON;ERC-2024-STG;", ";HORIZON;ERC;2024-STG;", 1), "21 fields where the header has 20"),
        ("id;acronym;colour\n1;A;red\n", "neither a CORDIS"),
        (ORGS.replace("role;", "part;", 1), "unknown column 'part'"),
    ],
    ids=["unclosed quote", "a ';' outside quotes", "not a CORDIS file", "renamed column"],
)
def test_bad_files_are_refused(text: str, message: str) -> None:
    name = "organization.csv" if text.startswith("projectID") else "project.csv"
    with pytest.raises(InputError, match=message):
        _map((name, text))


def test_a_bad_row_leaves_the_store_untouched(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    projects, orgs = tmp_path / "project.csv", tmp_path / "organization.csv"
    projects.write_text(PROJECTS, encoding="utf-8")
    orgs.write_text(ORGS, encoding="utf-8")
    spec = SourceSpec(id="cordis", kind="cordis", input=[projects, orgs])
    assert vocab_pipeline.load(spec).status == "loaded"
    before = dump(vocab_pipeline.store)
    orgs.write_text(_org_with("role", "partner", row=9), encoding="utf-8")
    with pytest.raises(MappingError, match="role"):
        vocab_pipeline.load(spec)
    assert dump(vocab_pipeline.store) == before


SHARED = REPO.parent / "shared" / "data" / "cordis-horizon-europe"


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared data folder is not beside the checkout")
def test_the_shared_participation_files_load(vocab_pipeline: Pipeline) -> None:
    """9,156 participations of organisations in JP, US, IL, IN, SE, CH and the UK, and a
    2,997-row sample, with the four projects: every row maps and validates."""
    files = [SHARED / "project_sample_HE_2021_cleaned_invalid_fields.csv", *sorted(SHARED.glob("organization_*.csv"))]
    result = vocab_pipeline.load(SourceSpec(id="cordis", kind="cordis", input=files))
    assert result.status == "loaded"
    participations = sum(1 for q in vocab_pipeline.store.quads() if q.predicate.value == SG + "participationRole")
    rows = [r for f in files[1:] for r in csv.DictReader(f.open(encoding="utf-8"), delimiter=";")]
    assert len(rows) == 9156 + 2997
    # a participation in both files (the sample overlaps the country cut) is one node
    assert participations == len({(r["projectID"], r["organisationID"], r["order"], r["role"]) for r in rows})
    with pytest.raises(InputError):  # and a file that is not CORDIS's is refused
        vocab_pipeline.load(SourceSpec(id="x", kind="cordis", input=[REPO / "loaders" / "pi-list" / "sample.csv"]))


def test_validate_reads_cordis_files_as_cordis(tmp_path: Path) -> None:
    """`stigraph validate` stages a file through the same per-kind mapping as a load."""
    from .conftest import run_cli

    store = tmp_path / "store"
    assert run_cli("load-bundle", store=store).returncode == 0
    done = run_cli("validate", str(LOADER / "organization.csv"), "--kind", "cordis", store=store)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "conforms" in done.stdout
