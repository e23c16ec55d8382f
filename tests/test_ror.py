"""The ROR loader: single records, arrays and the zipped dump (streamed); relationship targets
outside the input; every kind of bad record refused with its position, id and field, and the
store left exactly as it was."""

from __future__ import annotations

import copy
import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from stigraph.errors import InputError, MappingError, ValidationFailed
from stigraph.ingest.inputs import InputFile
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.ror import MappedRecords, map_ror
from stigraph.ingest.sources import SourceSpec
from stigraph.namespaces import Minter

from .conftest import REPO, dump, run_cli

SAMPLE = REPO / "loaders" / "ror" / "sample.json"
RECORDS: list[dict[str, Any]] = json.loads(SAMPLE.read_text(encoding="utf-8"))
JST = next(r for r in RECORDS if r["id"].endswith("00097mb19"))
UTOKYO = next(r for r in RECORDS if r["id"].endswith("057zh3y96"))
SG = "https://w3id.org/stigraph/ontology#"
ORG = "https://w3id.org/stigraph/id/org/"
MINTER = Minter("https://w3id.org/stigraph/")


def _file(payload: Any, path: Path = Path("ror.json")) -> InputFile:
    data = json.dumps(payload, ensure_ascii=False).encode()
    return InputFile(path=path, data=data, sha256=hashlib.sha256(data).hexdigest())


def _map(file: InputFile) -> tuple[list[Any], MappedRecords]:
    mapped = MappedRecords()
    return list(map_ror(file, MINTER, mapped)), mapped


def _mutant(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    record = copy.deepcopy(JST)
    change(record)
    return record


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = record
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return change


_DELETE = object()

# (case, mutation, field named in the error)
BAD_RECORDS = [
    ("no id", _set("id", _DELETE), "id"),
    ("id not a ROR id", _set("id", "https://ror.org/123"), "id"),
    ("id without its URL", _set("id", "00097mb19"), "id"),
    ("unknown type", _set("types", ["university"]), "types"),
    ("no type", _set("types", []), "types"),
    ("types not a list", _set("types", "funder"), "types"),
    ("unknown status", _set("status", "closed"), "status"),
    ("no display name", _set("names.1.types", ["label"]), "names"),
    ("language not a code", _set("names.1.lang", "English"), "names[1].lang"),
    ("empty name", _set("names.0.value", " "), "names[0].value"),
    ("unknown name type", _set("names.0.types", ["nickname"]), "names[0].types"),
    ("names missing", _set("names", _DELETE), "names"),
    ("geonames id not a number", _set("locations.0.geonames_id", "1850147"), "locations[0].geonames_id"),
    ("country not a code", _set("locations.0.geonames_details.country_code", "Japan"), "country_code"),
    ("latitude not a number", _set("locations.0.geonames_details.lat", "35.6"), "geonames_details.lat"),
    ("unknown relationship", _set("relationships.0.type", "sibling"), "relationships[0].type"),
    ("relationship to no ROR id", _set("relationships.0.id", "https://example.org/x"), "relationships[0].id"),
    ("relationship without label", _set("relationships.0.label", None), "relationships[0].label"),
    ("link not a web address", _set("links.0.value", "www.jst.go.jp"), "links[0].value"),
    ("link not an IRI", _set("links.0.value", "https://www.jst.go.jp/a b"), "links[0].value"),
    ("unknown link type", _set("links.0.type", "blog"), "links[0].type"),
    ("established as text", _set("established", "1996"), "established"),
    (
        "wikidata id without Q",
        _set("external_ids.3", {"type": "wikidata", "all": ["11595927"], "preferred": None}),
        "external_ids[3]",
    ),
    ("date not ISO", _set("admin.last_modified.date", "31/03/2026"), "admin.last_modified.date"),
]


def test_bad_record_case_count() -> None:
    assert len(BAD_RECORDS) == 24
    # the mutations above point into this record: its display name is names[1], wikidata external_ids[3]
    assert "ror_display" in JST["names"][1]["types"]
    assert JST["external_ids"][3]["type"] == "wikidata"
    _map(_file([UTOKYO, JST]))  # unmutated, the two records map


@pytest.mark.parametrize(("case", "change", "field"), BAD_RECORDS, ids=[c[0] for c in BAD_RECORDS])
def test_bad_record_is_refused_with_record_and_field(case: str, change: Any, field: str) -> None:
    record = _mutant(change)
    good = copy.deepcopy(UTOKYO)
    with pytest.raises(MappingError) as caught:
        _map(_file([good, record]))
    ctx = caught.value.context
    assert ctx.file == "ror.json"
    assert ctx.record is not None and ctx.record.startswith("2"), ctx.record
    if case not in ("no id",):
        assert "00097mb19" in ctx.record or case.startswith("id"), ctx.record
    assert ctx.field is not None and field in ctx.field, (ctx.field, field)
    assert ctx.expected


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b'[{"id": "https://ror.org/00097mb19",\n  "names": [}', "not valid JSON"),
        (b'"a string"', "JSON object"),
        (b"[]", "no ROR records"),
        (b"[42]", "JSON object"),
    ],
    ids=["broken JSON", "a string", "empty array", "not an object"],
)
def test_bad_files_are_refused(payload: bytes, message: str) -> None:
    file = InputFile(path=Path("ror.json"), data=payload, sha256="x")
    with pytest.raises((InputError, MappingError), match=message) as caught:
        _map(file)
    if message == "not valid JSON":
        assert caught.value.context.line == 2


def test_one_record_loads_alone_with_its_relationship_targets() -> None:
    quads, mapped = _map(_file(UTOKYO))
    assert mapped.count == 1
    triples = {(q.subject.value, q.predicate.value, q.object.value) for q in quads}
    utokyo = ORG + "057zh3y96"
    children = [r for r in UTOKYO["relationships"] if r["type"] == "child"]
    related = [r for r in UTOKYO["relationships"] if r["type"] == "related"]
    assert children and related
    for rel in children:
        target = ORG + rel["id"].rsplit("/", 1)[1]
        assert (target, SG + "subOrganizationOf", utokyo) in triples  # a child points at its parent
        assert (target, "http://www.w3.org/2004/02/skos/core#prefLabel", rel["label"]) in triples
        assert (target, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", SG + "Institution") in triples
    for rel in related:
        assert (utokyo, SG + "relatedOrganization", ORG + rel["id"].rsplit("/", 1)[1]) in triples
    assert mapped.records[utokyo] == "1 (https://ror.org/057zh3y96)"


def test_a_target_described_in_the_input_gets_no_stub() -> None:
    quads, _ = _map(_file(RECORDS))
    kavli_labels = [
        q.object
        for q in quads
        if q.subject == NamedNode(ORG + "02chw6z69") and q.predicate.value.endswith("#prefLabel")
    ]
    # Kavli IPMU is described by its own record: its one display name, no stub label besides
    assert kavli_labels == [Literal("Kavli Institute for the Physics and Mathematics of the Universe", language="en")]


def _zip(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "v1.67-2026-03-31-ror-data.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _read(path: Path) -> InputFile:
    data = path.read_bytes()
    return InputFile(path=path, data=data, sha256=hashlib.sha256(data).hexdigest())


def test_the_zipped_dump_is_streamed_and_gives_the_same_quads(tmp_path: Path) -> None:
    v2 = json.dumps(RECORDS).encode()
    v1 = b'[{"id": "https://ror.org/00097mb19", "name": "v1 schema, must be ignored"}]'
    path = _zip(tmp_path, {"v1.67-2026-03-31-ror-data.json": v1, "v1.67-2026-03-31-ror-data_schema_v2.json": v2})
    zipped, mapped = _map(_read(path))
    plain, _ = _map(_file(RECORDS))
    assert mapped.count == len(RECORDS) == 9
    assert set(zipped) == set(plain)
    assert next(iter(mapped.records.values())) == "1 (https://ror.org/00097mb19)"


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"a.json": b"[]", "b.json": b"[]"}, "expected one JSON file"),
        ({"readme.txt": b"no records"}, "found 0"),
        ({"x_schema_v2.json": json.dumps(RECORDS).encode()[:-200]}, "broken JSON after record"),
        ({"x_schema_v2.json": b"[]"}, "holds no records"),
    ],
    ids=["two JSON files", "no JSON file", "truncated JSON", "no records"],
)
def test_bad_dumps_are_refused(tmp_path: Path, members: dict[str, bytes], message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        _map(_read(_zip(tmp_path, members)))
    if message == "broken JSON after record":  # the error points into the member
        assert caught.value.context.file.endswith(".zip:x_schema_v2.json")
        assert caught.value.context.record == "9"


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dump.zip"
    path.write_bytes(b"PK\x03\x04 but not really")
    with pytest.raises(InputError, match="not a readable zip"):
        _map(_read(path))


def _spec(path: Path) -> SourceSpec:
    return SourceSpec(id="ror", kind="ror", input=[path])


def test_a_bad_record_in_a_load_leaves_the_store_untouched(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(RECORDS[:3]), encoding="utf-8")
    vocab_pipeline.load(_spec(good))
    before = dump(vocab_pipeline.store)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([*RECORDS, _mutant(_set("status", "closed"))]), encoding="utf-8")
    with pytest.raises(MappingError, match="status"):
        vocab_pipeline.load(_spec(bad))
    assert dump(vocab_pipeline.store) == before


def test_a_shape_violation_names_the_record(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    record = _mutant(_set("external_ids.1.preferred", "grid.X"))  # GRID ids are lower-case hex
    bad.write_text(json.dumps([UTOKYO, record]), encoding="utf-8")
    before = dump(vocab_pipeline.store)
    with pytest.raises(ValidationFailed) as caught:
        vocab_pipeline.load(_spec(bad))
    assert caught.value.context.record == "2 (https://ror.org/00097mb19)"
    assert "GRID" in caught.value.message
    assert caught.value.details[0]["record"] == "2 (https://ror.org/00097mb19)"
    assert "bad.json, record 2 (https://ror.org/00097mb19), field" in str(caught.value)
    assert dump(vocab_pipeline.store) == before


def test_the_zipped_dump_loads_through_the_cli(tmp_path: Path) -> None:
    path = _zip(tmp_path, {"x_schema_v2.json": json.dumps(RECORDS).encode()})
    store = tmp_path / "store"
    assert run_cli("load-bundle", store=store).returncode == 0
    loaded = run_cli("load", str(path), "--kind", "ror", "--source-id", "ror", store=store)
    assert loaded.returncode == 0, loaded.stderr
    golden = sum(1 for _ in parse(path=str(REPO / "loaders" / "ror" / "expected.ttl"), format=RdfFormat.TURTLE))
    assert f"ror: {golden} public triples" in loaded.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([_mutant(_set("id", "https://ror.org/123"))]), encoding="utf-8")
    refused = run_cli("load", str(bad), "--kind", "ror", "--source-id", "ror", store=store)
    assert refused.returncode != 0
    assert "record 1 (https://ror.org/123)" in refused.stderr and "field 'id'" in refused.stderr
    assert "Traceback" not in refused.stderr


SHARED_ROR = REPO.parent / "shared" / "data" / "ror" / "v2"


@pytest.mark.skipif(not SHARED_ROR.is_dir(), reason="the shared data folder is not beside the checkout")
def test_every_real_record_of_the_shared_samples_loads(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    """353 real records (53 named institutions, 300 random Japanese ones): all map and validate."""
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SHARED_ROR.glob("*/*.json"))]
    assert len(records) == 353
    path = tmp_path / "all.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    result = vocab_pipeline.load(_spec(path))
    assert result.status == "loaded"
    orgs = {
        q.subject.value
        for q in vocab_pipeline.store.quads(NamedNode("https://w3id.org/stigraph/graph/ror/public"))
        if q.predicate.value == SG + "status"
    }
    assert len(orgs) == 353


def test_a_large_failing_load_counts_each_broken_constraint(tmp_path: Path) -> None:
    """30 records break one rule and 12 another: one line per rule with its count and first
    record, the first 10 problems of each as details, nothing loaded."""
    records = []
    for i in range(42):
        record = copy.deepcopy(RECORDS[i % len(RECORDS)])
        record["id"] = f"https://ror.org/0{i:06d}{i % 100:02d}".replace("i", "j")
        record["relationships"] = []
        ext = (
            {"type": "grid", "all": ["grid.X"], "preferred": "grid.X"}
            if i < 30
            else {"type": "fundref", "all": ["x1"], "preferred": "x1"}
        )
        record["external_ids"] = [ext]
        records.append(record)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    store = tmp_path / "store"
    assert run_cli("load-bundle", store=store).returncode == 0
    refused = run_cli("load", str(path), "--kind", "ror", "--source-id", "ror", store=store)
    assert refused.returncode == 3
    err = " ".join(refused.stderr.split())
    assert "42 SHACL violation(s) of 2 constraint(s)" in err
    assert "30 × InstitutionShape https://w3id.org/stigraph/ontology#grid: a GRID id looks like" in err
    assert "12 × InstitutionShape https://w3id.org/stigraph/ontology#fundref" in err
    assert "(first: 1 (https://ror.org/00000000" in err
    assert "(20 problems; --verbose lists them)" in err  # 10 of each constraint
    assert "Traceback" not in refused.stderr
    stats = run_cli(
        "query",
        "ASK { GRAPH ?g { ?s <https://w3id.org/stigraph/ontology#ror> ?r } FILTER(CONTAINS(STR(?g), '/ror/')) }",
        store=store,
    )
    assert "false" in stats.stdout.lower()


def test_a_load_reports_its_progress(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    """Stages in order, triples staged, every check counted up to the total, then the commit."""
    events: list[tuple[str, int, int | None]] = []
    vocab_pipeline.progress = lambda stage, done, total: events.append((stage, done, total))
    path = tmp_path / "ror.json"
    path.write_text(json.dumps(RECORDS), encoding="utf-8")
    vocab_pipeline.load(_spec(path))
    stages = [e[0] for e in events]
    assert stages == sorted(stages, key=["staging", "validating", "committing"].index)
    staged = [done for stage, done, _ in events if stage == "staging"]
    golden = sum(1 for _ in parse(path=str(REPO / "loaders" / "ror" / "expected.ttl"), format=RdfFormat.TURTLE))
    assert staged[-1] >= golden  # quads as mapped: a city two records share is counted twice
    checks = len(vocab_pipeline.validator.checks)
    validating = [(done, total) for stage, done, total in events if stage == "validating"]
    assert validating[0] == (0, checks)
    assert sorted(done for done, _ in validating[1:]) == list(range(1, checks + 1))
    assert events[-1] == ("committing", golden, None)
