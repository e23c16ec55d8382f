"""The OpenAlex loader: works with their authors in order, by-line institutions, authors with
their affiliation histories; API responses, list responses and JSON Lines (gzipped or not);
thousands of authors in linear size; every kind of bad record refused with record and field."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from stigraph.errors import InputError, MappingError
from stigraph.ingest.inputs import InputFile
from stigraph.ingest.openalex import MappedOpenAlex, map_openalex
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import SourceSpec
from stigraph.namespaces import Minter

from .conftest import REPO, dump

LOADER = REPO / "loaders" / "openalex"
WORK = json.loads((LOADER / "W2741809807.json").read_text(encoding="utf-8"))
AUTHOR = json.loads((LOADER / "A5023888391.json").read_text(encoding="utf-8"))
INSTITUTION = json.loads((LOADER / "I27837315.json").read_text(encoding="utf-8"))
TOPIC = json.loads((LOADER / "T11636.json").read_text(encoding="utf-8"))
SG = "https://w3id.org/stigraph/ontology#"
ID = "https://w3id.org/stigraph/id/"
MINTER = Minter("https://w3id.org/stigraph/")


def _file(data: bytes, name: str = "openalex.json") -> InputFile:
    return InputFile(path=Path(name), data=data, sha256=hashlib.sha256(data).hexdigest())


def _map(file: InputFile) -> tuple[set[tuple[str, str, str]], MappedOpenAlex]:
    mapped = MappedOpenAlex()
    quads = list(map_openalex(file, MINTER, mapped))
    return {(q.subject.value, q.predicate.value, q.object.value) for q in quads}, mapped


def _json(obj: Any) -> InputFile:
    return _file(json.dumps(obj).encode())


def test_authors_keep_their_order_and_their_by_lines() -> None:
    triples, mapped = _map(_json(WORK))
    assert (mapped.works, mapped.authors) == (1, 0)
    positions = {}
    for s, p, o in triples:
        if p == SG + "authorPosition":
            author = next(o2 for s2, p2, o2 in triples if s2 == s and p2 == SG + "author")
            positions[int(o)] = author
    expected = [
        ID
        + "person/"
        + (
            a["author"]["orcid"].rsplit("/", 1)[1]
            if a["author"]["orcid"]
            else "openalex-" + a["author"]["id"].rsplit("/", 1)[1]
        )
        for a in WORK["authorships"]
    ]
    assert [positions[i] for i in range(1, len(expected) + 1)] == expected
    assert len(expected) == 9
    first = next(s for s, p, o in triples if p == SG + "authorPosition" and o == "1")
    assert (first, SG + "bylineOrganization", ID + "org/05ppvf150") in triples  # ROR id of the by-line
    assert (ID + "publication/openalex-W2741809807", SG + "doi", "10.7717/peerj.4375") in triples


def test_an_author_record_gives_the_affiliation_history() -> None:
    triples, mapped = _map(_json(AUTHOR))
    person = ID + "person/0000-0001-6187-6610"  # the IRI a PI list gives the same ORCID iD
    holders = {s for s, p, o in triples if p == SG + "holder" and o == person}
    assert len(holders) == len(AUTHOR["affiliations"]) == mapped.authors * len(AUTHOR["affiliations"])
    ourresearch = next(s for s in holders if (s, SG + "organization", ID + "org/02nr0ka47") in triples)
    assert (ourresearch, SG + "startDate", "2019") in triples and (ourresearch, SG + "endDate", "2023") in triples


def test_list_responses_and_json_lines_give_the_same_quads() -> None:
    entities = [WORK, AUTHOR, INSTITUTION, TOPIC]
    singles: set[tuple[str, str, str]] = set()
    mapped = MappedOpenAlex()
    for e in entities:
        singles |= {
            (q.subject.value, q.predicate.value, q.object.value) for q in map_openalex(_json(e), MINTER, mapped)
        }
    listed, _ = _map(_json({"meta": {"count": 4}, "results": entities}))
    lines = "\n".join(json.dumps(e) for e in entities).encode() + b"\n"
    jsonl, found = _map(_file(lines, "part_000.jsonl"))
    gzipped, _ = _map(_file(gzip.compress(lines), "part_000.gz"))
    assert singles == listed == jsonl == gzipped
    assert (found.works, found.authors, found.institutions) == (1, 1, 1)
    assert found.skipped == {"OpenAlex topics are not part of the model": 1}


def test_thousands_of_authors_cost_one_authorship_each() -> None:
    """Linear, not quadratic: no pairwise co-author links are written at load time."""
    big = copy.deepcopy(WORK)
    template = WORK["authorships"][1]
    big["authorships"] = []
    for i in range(5000):
        a = copy.deepcopy(template)
        a["author"] = {"id": f"https://openalex.org/A{9_000_000 + i}", "display_name": f"Author {i}", "orcid": None}
        big["authorships"].append(a)
    triples, _ = _map(_json(big))
    authorships = {s for s, p, o in triples if p == SG + "authorPosition"}
    assert len(authorships) == 5000
    assert not any(p == SG + "coAuthor" for _, p, _ in triples)
    per_author = (len(triples) - len(_map(_json({**big, "authorships": []}))[0])) / 5000
    assert per_author < 12  # an authorship (5), a person (4) and the by-line links


def _mutant(entity: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(entity)
    *parents, last = path.split(".")
    node: Any = out
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    node[int(last) if last.isdigit() else last] = value
    return out


BAD = [
    (WORK, "id", "W2741809807", "id"),
    (WORK, "id", "https://openalex.org/X1", "id"),
    (WORK, "authorships.0.author.id", "https://openalex.org/W1", "authorships[0].author.id"),
    (WORK, "authorships.0.author.orcid", "0000-0003-1613-5981", "authorships[0].author.orcid"),
    (WORK, "authorships.0.author.display_name", "", "authorships[0].author.display_name"),
    (WORK, "authorships.0.institutions.0.ror", "05ppvf150", "authorships[0].institutions[0].ror"),
    (WORK, "authorships.0.institutions.0.country_code", "USA", "authorships[0].institutions[0].country_code"),
    (WORK, "authorships", "none", "authorships"),
    (WORK, "doi", "10.7717/peerj.4375", "doi"),
    (WORK, "publication_date", "13/02/2018", "publication_date"),
    (AUTHOR, "affiliations.0.years", [], "affiliations[0].years"),
    (AUTHOR, "affiliations.0.institution", None, "affiliations[0].institution"),
]


def test_bad_case_count() -> None:
    assert len(BAD) == 12


@pytest.mark.parametrize(("entity", "path", "value", "field"), BAD, ids=[f"{b[1]}={b[2]!r}" for b in BAD])
def test_a_bad_record_is_refused_with_record_and_field(entity: dict, path: str, value: Any, field: str) -> None:
    if path == "publication_date":
        entity = {**entity, "publication_year": None}
    bad = _mutant(entity, path, value)
    with pytest.raises(MappingError) as caught:
        _map(_json({"results": [INSTITUTION, bad]}))
    ctx = caught.value.context
    assert ctx.record is not None and ctx.record.startswith("record 2"), ctx.record
    assert ctx.field == field
    assert ctx.expected


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b'{"id": "https://openalex.org/W1",\n "title": }', "w.json", "not valid JSON"),
        (b'{"id": "https://openalex.org/I27837315", "display_name": "x"}\n{broken\n', "p.jsonl", "not valid JSON"),
        (b"[1, 2]", "w.json", "an entity, an API list response"),
        (b'{"results": []}', "w.json", "no OpenAlex entities"),
    ],
    ids=["broken JSON", "broken JSON line", "an array", "an empty list"],
)
def test_bad_files_are_refused(data: bytes, name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        _map(_file(data, name))
    if name.endswith(".jsonl"):
        assert caught.value.context.line == 2


def test_a_bad_record_leaves_the_store_untouched(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "works.json"
    path.write_text(json.dumps({"results": [WORK, AUTHOR]}), encoding="utf-8")
    spec = SourceSpec(id="openalex", kind="openalex", input=[path])
    assert vocab_pipeline.load(spec).status == "loaded"
    before = dump(vocab_pipeline.store)
    path.write_text(
        json.dumps({"results": [WORK, _mutant(AUTHOR, "affiliations.0.years", ["2019"])]}), encoding="utf-8"
    )
    with pytest.raises(MappingError, match="years"):
        vocab_pipeline.load(spec)
    assert dump(vocab_pipeline.store) == before
