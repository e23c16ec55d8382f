"""The Wikidata missions loader: jurisdictions as countries or regions, the rows it leaves out
(and says so), and every kind of bad row refused with its line and column, nothing loaded."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from stigraph.errors import InputError, MappingError
from stigraph.ingest.inputs import InputFile
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import SourceSpec
from stigraph.ingest.wikidata_missions import MappedMissions, country_codes, map_missions
from stigraph.namespaces import Minter

from .conftest import REPO, dump, run_cli

SAMPLE = REPO / "loaders" / "wikidata-missions" / "sample.csv"
SG = "https://w3id.org/stigraph/ontology#"
ID = "https://w3id.org/stigraph/id/"
MINTER = Minter("https://w3id.org/stigraph/")
LINES = SAMPLE.read_text(encoding="utf-8").splitlines()
HEADER = next(csv.reader([LINES[0]], delimiter=";"))
SF = next(i for i, line in enumerate(LINES) if "Q84921893" in line)  # Japan in San Francisco


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _rows() -> list[list[str]]:
    return [next(csv.reader([line], delimiter=";")) for line in LINES[1:]]


def _file(data: bytes) -> InputFile:
    return InputFile(path=Path("missions.csv"), data=data, sha256=hashlib.sha256(data).hexdigest())


def _map(data: bytes) -> tuple[list, MappedMissions]:
    mapped = MappedMissions()
    return list(map_missions(_file(data), MINTER, mapped)), mapped


def _with(column: str, value: str, row: int = SF) -> bytes:
    rows = _rows()
    rows[row - 1][HEADER.index(column)] = value
    return _csv(rows)


BAD_ROWS = [
    ("QID", "Q84921893", "Wikidata entity URL"),
    ("QID", "http://www.wikidata.org/entity/P31", "Wikidata entity URL"),
    ("operatorQID", "https://www.wikidata.org/wiki/Q17", "Wikidata entity URL"),
    ("typeQID", "http://www.wikidata.org/entity/Q42", "one of the types"),
    ("latitude", "north", "decimal"),
    ("latitude", "95.1", "[-90, 90]"),
    ("longitude", "-181", "[-180, 180]"),
    ("longitude", "NaN", "[-180, 180]"),
    ("website", "www.sf.us.emb-japan.go.jp", "http(s) URL"),
    ("website", "https://exa mple.org", "http(s) URL"),
    ("creation", "1927", "Wikidata date"),
    ("cityQID", "Q62", "Wikidata entity URL"),
    ("jurisdictionQIDs", "http://www.wikidata.org/entity/Q30|Q99", "Wikidata entity URL"),
    ("jurisdictions", "California|Nevada", "one name per item"),
]


def test_bad_row_case_count() -> None:
    assert len(BAD_ROWS) == 14
    quads, mapped = _map(SAMPLE.read_bytes())  # the unmutated sample maps
    assert quads and mapped.count == 11


@pytest.mark.parametrize(("column", "value", "expected"), BAD_ROWS, ids=[f"{c}={v}" for c, v, _ in BAD_ROWS])
def test_bad_row_is_refused_with_line_and_column(column: str, value: str, expected: str) -> None:
    data = _with(column, value)
    if column == "jurisdictions":  # give the row two items and one name too many
        data = _with("jurisdictionQIDs", "http://www.wikidata.org/entity/Q30")
        rows = list(csv.reader(io.StringIO(data.decode()), delimiter=";"))[1:]
        rows[SF - 1][HEADER.index("jurisdictions")] = value
        data = _csv(rows)
    with pytest.raises(MappingError) as caught:
        _map(data)
    ctx = caught.value.context
    assert (ctx.file, ctx.line) == ("missions.csv", SF + 1)
    assert ctx.field == column
    assert ctx.expected and expected in ctx.expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_csv(_rows(), [h for h in HEADER if h != "QID"]), "missing required column 'QID'"),
        (_csv(_rows(), [*HEADER[:-1], "nickname"]), "unknown column 'nickname'"),
        ("\n".join([LINES[0], LINES[1].replace(";", ';"', 1)]).encode(), "broken CSV quoting"),
        ("\n".join([LINES[0], LINES[1] + ";extra;"]).encode(), "fields where the header has"),
        ("\n".join([LINES[0], *(line for line in LINES[1:] if "Kosovo" in line)]).encode(), "no mission"),
    ],
    ids=["no QID column", "unknown column", "broken quoting", "extra fields", "nothing but left-out rows"],
)
def test_bad_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        _map(data)


def test_rows_outside_the_model_are_left_out_and_counted() -> None:
    _, mapped = _map(SAMPLE.read_bytes())
    assert mapped.skipped == {
        "operator 'Kosovo' has no country code": 1,
        "a consulate or office with neither jurisdiction nor city": 1,
    }
    assert mapped.count == len(LINES) - 1 - 2


def test_jurisdictions_are_countries_regions_or_the_consulates_city() -> None:
    quads, _ = _map(SAMPLE.read_bytes())
    triples = {(q.subject.value, q.predicate.value, q.object.value) for q in quads}

    def jurisdiction(mission: str) -> set[str]:
        return {o for s, p, o in triples if s == ID + "mission/" + mission and p == SG + "jurisdiction"}

    assert jurisdiction("Q60646291") == {ID + "country/BT", ID + "country/IN"}  # Japan in New Delhi
    munich = jurisdiction("Q49869908")
    assert munich == {ID + "region/wikidata-Q980", ID + "region/wikidata-Q985"}  # Bavaria, Baden-Württemberg
    assert (ID + "region/wikidata-Q980", SG + "wikidata", "Q980") in triples
    assert jurisdiction("Q84921893") == {ID + "city/wikidata-Q62"}  # a consulate: its city, not the US
    assert jurisdiction("Q115111299") == {ID + "country/EG"}  # an embassy: its host country
    assert (ID + "mission/Q84921893", SG + "operatingCountry", ID + "country/JP") in triples


def test_a_mission_listed_twice_is_read_once() -> None:
    rows = _rows()
    twice = _csv([*rows, rows[SF - 1]])
    quads, mapped = _map(twice)
    once, _ = _map(SAMPLE.read_bytes())
    assert mapped.count == 11 and sorted(map(str, quads)) == sorted(map(str, once))


def test_country_table_covers_the_usual_names() -> None:
    codes = country_codes()
    assert len(codes) == 222
    assert (codes["Q17"], codes["Q30"], codes["Q148"], codes["Q145"]) == ("JP", "US", "CN", "GB")
    assert "Q980" not in codes  # Bavaria is a region


def test_a_bad_row_leaves_the_store_untouched(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    good = tmp_path / "missions.csv"
    good.write_bytes(SAMPLE.read_bytes())
    spec = SourceSpec(id="missions", kind="wikidata-missions", input=[good])
    result = vocab_pipeline.load(spec)
    assert result.skipped == {
        "operator 'Kosovo' has no country code": 1,
        "a consulate or office with neither jurisdiction nor city": 1,
    }
    before = dump(vocab_pipeline.store)
    good.write_bytes(_with("latitude", "95.1"))
    with pytest.raises(MappingError, match="latitude"):
        vocab_pipeline.load(spec)
    assert dump(vocab_pipeline.store) == before


def test_the_cli_says_what_it_left_out(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run_cli("load-bundle", store=store).returncode == 0
    done = run_cli("load", str(REPO / "loaders" / "wikidata-missions" / "source.yml"), store=store)
    assert done.returncode == 0, done.stderr
    assert "left out 2 record(s) outside the model" in " ".join(done.stdout.split())


JAPAN_MISSIONS = 228  # every row of the file whose operator is Japan
SHARED = REPO.parent / "shared" / "data" / "diplomatic-missions-wikidata" / "database_of_embassies_2022-11-16.csv"


@pytest.mark.skipif(not SHARED.is_file(), reason="the shared data folder is not beside the checkout")
def test_the_whole_shared_file_loads(vocab_pipeline: Pipeline) -> None:
    """9,852 rows: every mission an operating country runs, with its places, validates."""
    spec = SourceSpec(id="missions", kind="wikidata-missions", input=[SHARED])
    result = vocab_pipeline.load(spec)
    assert result.status == "loaded"
    assert sum(result.skipped.values()) == 157
    operating = {
        q.subject.value: q.object.value
        for q in vocab_pipeline.store.quads(NamedNode("https://w3id.org/stigraph/graph/missions/public"))
        if q.predicate.value == SG + "operatingCountry"
    }
    assert len(operating) == 9852 - 1 - 157  # one mission is listed twice
    assert sum(1 for c in operating.values() if c == ID + "country/JP") == JAPAN_MISSIONS
