"""The KAKEN researchers loader: names in three scripts, current and past affiliations, e-Rad
institution codes; bad records refused with record and field; the shared real records load."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from stigraph.errors import InputError, MappingError
from stigraph.ingest.inputs import InputFile
from stigraph.ingest.kaken import MappedKaken, map_kaken
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import SourceSpec
from stigraph.namespaces import Minter

from .conftest import REPO, dump

SAMPLE = json.loads((REPO / "loaders" / "kaken" / "sample.json").read_text(encoding="utf-8"))
SG = "https://w3id.org/stigraph/ontology#"
ID = "https://w3id.org/stigraph/id/"
MINTER = Minter("https://w3id.org/stigraph/")


def _map(obj: Any) -> tuple[set[tuple[str, str, str, str | None]], MappedKaken]:
    data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    mapped = MappedKaken()
    file = InputFile(path=Path("kaken.json"), data=data, sha256=hashlib.sha256(data).hexdigest())
    quads = list(map_kaken(file, MINTER, mapped))
    return {
        (q.subject.value, q.predicate.value, q.object.value, getattr(q.object, "language", None)) for q in quads
    }, mapped


def test_names_in_three_scripts_and_earlier_names() -> None:
    triples, mapped = _map(SAMPLE)
    hanako = ID + "person/kaken-90000001"
    assert (hanako, "http://www.w3.org/2000/01/rdf-schema#label", "架空 花子", "ja") in triples
    assert (hanako, "http://www.w3.org/2000/01/rdf-schema#label", "Kakuu Hanako", "en") in triples
    assert (
        hanako,
        "http://www.w3.org/2004/02/skos/core#altLabel",
        "カクウ ハナコ",
        "ja-kana",
    ) in triples  # the engine lower-cases tags
    assert (hanako, "http://www.w3.org/2004/02/skos/core#altLabel", "見本 花子", "ja") in triples  # an earlier name
    assert mapped.people == 2 and mapped.skipped == {
        "KAKEN products (not read yet)": 2,
        "KAKEN projects (not read yet)": 1,
    }


def test_a_current_affiliation_has_no_end_and_a_past_one_has() -> None:
    triples, _ = _map(SAMPLE)
    positions = {s for s, p, o, _ in triples if p == SG + "holder" and o == ID + "person/kaken-90000001"}
    osaka = next(s for s in positions if (s, SG + "organization", ID + "org/erad-2114401000", None) in triples)
    assert not any(s == osaka and p == SG + "endDate" for s, p, _, _ in triples)
    tohoku = (positions - {osaka}).pop()
    assert (tohoku, SG + "endDate", "2023-03-31", None) in triples


def _with(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(SAMPLE)
    node: Any = data["researchers"]
    *parents, last = path.split(".")
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    node[int(last) if last.isdigit() else last] = value
    return data


BAD = [
    ("1.id:person:erad", ["9000002"], "id:person:erad"),
    ("1.id:person:erad", [], "id:person:erad"),
    ("1.name.humanReadableValue", [{"text": "Shiken", "lang": "de"}], "name"),
    ("1.name.name:familyName", [{"text": "Shiken", "lang": "English"}], "name.name:familyName"),
    ("1.affiliations:current.0.affiliation:institution.id:institution:erad", "62011", "id:institution:erad"),
    ("1.affiliations:current.0.affiliation:institution", {"humanReadableValue": []}, "affiliation:institution"),
    ("1.affiliations:current.0.since", {"commonEra:year": "2020"}, "since"),
]


def test_bad_case_count() -> None:
    assert len(BAD) == 7


@pytest.mark.parametrize(("path", "value", "field"), BAD, ids=[f"{b[0].rsplit('.', 1)[-1]}={b[1]!r}" for b in BAD])
def test_a_bad_record_is_refused_with_record_and_field(path: str, value: Any, field: str) -> None:
    with pytest.raises(MappingError) as caught:
        _map(_with(path, value))
    ctx = caught.value.context
    assert ctx.record is not None and ctx.record.startswith("2"), ctx.record
    assert field in (ctx.field or ""), ctx.field
    assert ctx.expected


@pytest.mark.parametrize(
    ("data", "message"),
    [(b'{"researchers": [', "not valid JSON"), (b'{"researchers": []}', "no researchers"), (b"[]", "no researchers")],
    ids=["broken JSON", "empty", "an array"],
)
def test_bad_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        _map(data)


def test_a_bad_record_leaves_the_store_untouched(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "kaken.json"
    path.write_text(json.dumps(SAMPLE), encoding="utf-8")
    spec = SourceSpec(id="kaken", kind="kaken", input=[path])
    vocab_pipeline.load(spec)
    before = dump(vocab_pipeline.store)
    path.write_text(json.dumps(_with("1.id:person:erad", ["x"])), encoding="utf-8")
    with pytest.raises(MappingError):
        vocab_pipeline.load(spec)
    assert dump(vocab_pipeline.store) == before


SHARED = REPO.parent / "shared" / "data" / "kaken-jsps" / "kaken_researchers_method1.json"


@pytest.mark.skipif(not SHARED.is_file(), reason="the shared data folder is not beside the checkout")
def test_the_real_records_load(vocab_pipeline: Pipeline) -> None:
    """Seven real KAKEN researchers (read only from the shared folder: the file has no licence)."""
    result = vocab_pipeline.load(SourceSpec(id="kaken", kind="kaken", input=[SHARED]))
    assert result.status == "loaded"
    people = {
        q.subject.value for q in vocab_pipeline.store.quads() if q.predicate.value == SG + "kakenResearcherNumber"
    }
    assert len(people) == 7
