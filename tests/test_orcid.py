"""The ORCID loader: only public items, names in their script, organisations by ROR or GRID;
bad records refused; and identity across sources: the same researcher from ORCID, OpenAlex and
a mission PI list is one node, while two people with the same romanised name stay two."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import NamedNode

from stigraph.errors import InputError, MappingError
from stigraph.ingest.inputs import InputFile
from stigraph.ingest.orcid import MappedOrcid, map_orcid
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import SourceSpec
from stigraph.namespaces import Minter

from .conftest import REPO, dump

SAMPLE = json.loads((REPO / "loaders" / "orcid" / "record.json").read_text(encoding="utf-8"))
WORK = json.loads((REPO / "loaders" / "openalex" / "W2741809807.json").read_text(encoding="utf-8"))
SG = "https://w3id.org/stigraph/ontology#"
ID = "https://w3id.org/stigraph/id/"
MINTER = Minter("https://w3id.org/stigraph/")
ORCID = "0000-0002-1825-0097"  # ORCID's own example iD (valid check character)


def _record(orcid: str = ORCID, given: str = "Haruka", family: str = "Tanaka") -> dict[str, Any]:
    """The sample record made realistic: a Japanese researcher at a ROR- and a GRID-identified
    organisation, with one employment that is not public."""
    r = copy.deepcopy(SAMPLE)
    r["orcid-identifier"]["path"] = orcid
    r["person"]["name"].update({"given-names": {"value": given}, "family-name": {"value": family}})
    r["person"]["other-names"]["other-name"] = [
        {"content": "田中 遥", "visibility": "public"},
        {"content": "Secret Alias", "visibility": "limited"},
    ]
    groups = r["activities-summary"]["employments"]["affiliation-group"]
    item = groups[0]["summaries"][0]["employment-summary"]
    item["organization"] = {
        "name": "Stanford University",
        "address": {"city": "Stanford", "region": "CA", "country": "US"},
        "disambiguated-organization": {
            "disambiguated-organization-identifier": "https://ror.org/00f54p054",
            "disambiguation-source": "ROR",
        },
    }
    hidden = copy.deepcopy(groups[0])
    hidden["summaries"][0]["employment-summary"].update({"visibility": "limited", "put-code": 1})
    tohoku = copy.deepcopy(groups[0])
    tohoku["summaries"][0]["employment-summary"].update(
        {
            "put-code": 2,
            "organization": {
                "name": "Tohoku University",
                "address": {"city": "Sendai", "country": "JP"},
                "disambiguated-organization": {
                    "disambiguated-organization-identifier": "grid.69566.3a",
                    "disambiguation-source": "GRID",
                },
            },
        }
    )
    groups += [hidden, tohoku]
    return r


def _file(obj: Any, name: str = "record.json") -> InputFile:
    data = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
    return InputFile(path=Path(name), data=data, sha256=hashlib.sha256(data).hexdigest())


def _map(obj: Any) -> tuple[set[tuple[str, str, str]], MappedOrcid]:
    mapped = MappedOrcid()
    quads = list(map_orcid(_file(obj), MINTER, mapped))
    return {(q.subject.value, q.predicate.value, q.object.value) for q in quads}, mapped


def test_only_public_items_are_read() -> None:
    triples, mapped = _map(_record())
    person = ID + f"person/{ORCID}"
    labels = {o for s, p, o in triples if s == person and p.endswith(("#label", "#altLabel"))}
    assert "Haruka Tanaka" in labels and "田中 遥" in labels and "Secret Alias" not in labels
    assert mapped.skipped["other-names that are not public"] == 1
    assert mapped.skipped["employments that are not public"] == 1
    orgs = {o for s, p, o in triples if p == SG + "organization"}
    assert ID + "org/00f54p054" in orgs and ID + "org/grid-grid.69566.3a" in orgs
    assert (ID + "org/grid-grid.69566.3a", SG + "grid", "grid.69566.3a") in triples


def test_names_are_tagged_by_their_script() -> None:
    mapped = MappedOrcid()
    quads = list(map_orcid(_file(_record(given="遥", family="田中")), MINTER, mapped))
    label = next(q.object for q in quads if q.predicate.value.endswith("#label"))
    assert (label.value, label.language) == ("遥 田中", "ja")


def test_a_record_whose_name_is_not_public_is_left_out() -> None:
    r = _record()
    r["person"]["name"]["visibility"] = "limited"
    triples, mapped = _map(r)
    assert triples == set() and mapped.skipped == {"a record whose name is not public": 1}


def _with(path: str, value: Any) -> dict[str, Any]:
    r = _record()
    *parents, last = path.split(".")
    node: Any = r
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    node[int(last) if last.isdigit() else last] = value
    return r


EMPLOYMENT = "activities-summary.employments.affiliation-group.0.summaries.0.employment-summary"
BAD = [
    ("orcid-identifier.path", "0000-0002-1825", "orcid-identifier.path"),
    ("person.name.given-names", None, "person.name"),
    ("person.researcher-urls.researcher-url.0.url", {"value": "www.example.org"}, "url"),
    (f"{EMPLOYMENT}.start-date", {"year": {"value": "98"}}, "start-date"),
    (f"{EMPLOYMENT}.end-date", {"year": {"value": "2020"}, "month": {"value": "13"}}, "end-date"),
    (f"{EMPLOYMENT}.organization.address.country", "USA", "country"),
    (
        f"{EMPLOYMENT}.organization.disambiguated-organization.disambiguated-organization-identifier",
        "Stanford",
        "disambiguated",
    ),
    (f"{EMPLOYMENT}.organization.name", "", "organization.name"),
]


def test_bad_case_count() -> None:
    assert len(BAD) == 8
    assert _map(_record())[1].people == 1


@pytest.mark.parametrize(("path", "value", "field"), BAD, ids=[b[0].rsplit(".", 1)[-1] + f"={b[1]!r}" for b in BAD])
def test_a_bad_record_is_refused_with_its_field(path: str, value: Any, field: str) -> None:
    bad = _with(path, value)
    if field == "person.name":
        bad["person"]["name"]["family-name"] = None
    with pytest.raises(MappingError) as caught:
        _map(bad)
    assert field in (caught.value.context.field or "")
    assert caught.value.context.expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"orcid-identifier": ', "not valid JSON"),
        (b'{"person": {}}', "not an ORCID record"),
        (b"[]", "not an ORCID record"),
    ],
    ids=["broken JSON", "no identifier", "an array"],
)
def test_bad_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        _map(data)


def test_one_researcher_from_three_sources_is_one_node(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    """ORCID, OpenAlex and a mission PI list name the same person by the same ORCID iD: one node,
    described by all three sources. Two other people share a romanised name but no identifier:
    they stay two (nothing is merged on a name alone)."""
    orcid_file = tmp_path / "record.json"
    orcid_file.write_text(json.dumps(_record()), encoding="utf-8")
    work = copy.deepcopy(WORK)
    work["authorships"] = work["authorships"][:2]
    work["authorships"][0]["author"] = {
        "id": "https://openalex.org/A1",
        "display_name": "Haruka Tanaka",
        "orcid": f"https://orcid.org/{ORCID}",
    }
    work["authorships"][1]["author"] = {"id": "https://openalex.org/A2", "display_name": "Taro Yamada", "orcid": None}
    other = copy.deepcopy(work)
    other["id"] = "https://openalex.org/W99"
    other["doi"] = None
    other["authorships"] = other["authorships"][1:]
    other["authorships"][0]["author"] = {"id": "https://openalex.org/A3", "display_name": "Taro Yamada", "orcid": None}
    works = tmp_path / "works.json"
    works.write_text(json.dumps({"results": [work, other]}), encoding="utf-8")
    vocab_pipeline.load(SourceSpec(id="orcid", kind="orcid", input=[orcid_file]))
    vocab_pipeline.load(SourceSpec(id="openalex", kind="openalex", input=[works]))
    pi_list = REPO / "loaders" / "pi-list" / "source.yml"
    from stigraph.ingest.sources import load_spec

    vocab_pipeline.load(load_spec(pi_list))  # lists Tanaka Haruka with this ORCID iD
    assert ORCID in (REPO / "loaders" / "pi-list" / "sample.csv").read_text(encoding="utf-8")
    store = vocab_pipeline.store
    nodes = {q.subject.value for q in store.quads() if q.predicate.value == SG + "orcid" and q.object.value == ORCID}
    assert nodes == {ID + f"person/{ORCID}"}
    person = NamedNode(ID + f"person/{ORCID}")
    sources = {q.graph_name.value.split("/graph/")[1].split("/")[0] for q in store.quads() if q.subject == person}
    assert {"orcid", "openalex", "pi-list-sf-bay-area-sample"} <= sources
    yamadas = {
        q.subject.value
        for q in store.quads()
        if q.predicate.value.endswith("#label") and q.object.value == "Taro Yamada"
    }
    assert yamadas == {ID + "person/openalex-A2", ID + "person/openalex-A3"}


def test_a_bad_record_leaves_the_store_untouched(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(_record()), encoding="utf-8")
    spec = SourceSpec(id="orcid", kind="orcid", input=[path])
    vocab_pipeline.load(spec)
    before = dump(vocab_pipeline.store)
    path.write_text(json.dumps(_with(f"{EMPLOYMENT}.organization.address.country", "USA")), encoding="utf-8")
    with pytest.raises(MappingError):
        vocab_pipeline.load(spec)
    assert dump(vocab_pipeline.store) == before
