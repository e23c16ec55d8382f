"""The ORCID loader: only public items, names in their script, organisations by ROR, GRID or
FundRef; works (one per ORCID group, keyed by DOI) and fundings; JSON and XML read alike; bad
records and bad XML refused with field and line, leaving the store as it was; and identity across
sources: the same researcher from ORCID, OpenAlex and a mission PI list is one node, while two
people with the same romanised name stay two."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
from pyoxigraph import NamedNode

from stigraph.errors import InputError, MappingError
from stigraph.ingest.inputs import InputFile
from stigraph.ingest.orcid import MappedOrcid, map_orcid, publication_key
from stigraph.ingest.pipeline import Pipeline
from stigraph.ingest.sources import SourceSpec
from stigraph.namespaces import Minter
from stigraph.reconcile.run import reconcile

from .conftest import REPO, dump

SAMPLE = json.loads((REPO / "loaders" / "orcid" / "record.json").read_text(encoding="utf-8"))
WORK = json.loads((REPO / "loaders" / "openalex" / "W2741809807.json").read_text(encoding="utf-8"))
SG = "https://w3id.org/stigraph/ontology#"
ID = "https://w3id.org/stigraph/id/"
MINTER = Minter("https://w3id.org/stigraph/")
ORCID = "0000-0002-1825-0097"  # ORCID's own example iD (valid check character)
OTHER = "0000-0002-1694-233X"  # another valid iD (check character X)
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCTERMS = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"


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


Triples = set[tuple[str, str, str, str]]  # subject, predicate, object value, object language or datatype


def _map(obj: Any, name: str = "record.json") -> tuple[Triples, MappedOrcid]:
    mapped = MappedOrcid()
    quads = list(map_orcid(_file(obj, name), MINTER, mapped))
    return {(q.subject.value, q.predicate.value, q.object.value, _kind(q.object)) for q in quads}, mapped


def _kind(term: Any) -> str:
    return getattr(term, "language", None) or getattr(getattr(term, "datatype", None), "value", "") or ""


def test_only_public_items_are_read() -> None:
    triples, mapped = _map(_record())
    person = ID + f"person/{ORCID}"
    labels = {o for s, p, o, _ in triples if s == person and p.endswith(("#label", "#altLabel"))}
    assert "Haruka Tanaka" in labels and "田中 遥" in labels and "Secret Alias" not in labels
    assert mapped.skipped["other-names that are not public"] == 1
    assert mapped.skipped["employments that are not public"] == 1
    orgs = {o for _, p, o, _ in triples if p == SG + "organization"}
    assert ID + "org/00f54p054" in orgs and ID + "org/grid-grid.69566.3a" in orgs
    assert (ID + "org/grid-grid.69566.3a", SG + "grid", "grid.69566.3a", XSD_STRING) in triples


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
WORK_SUMMARY = "activities-summary.works.group.0.work-summary.0"
FUNDING_SUMMARY = "activities-summary.fundings.group.0.funding-summary.0"
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
    (
        f"{WORK_SUMMARY}.publication-date",
        {"year": {"value": "2012"}, "month": {"value": "10"}, "day": {"value": "32"}},
        "date",
    ),
    (f"{WORK_SUMMARY}.title", None, "title.title"),
    (f"{WORK_SUMMARY}.put-code", "W1", "put-code"),
    (f"{FUNDING_SUMMARY}.type", "loan", "type"),
    (f"{FUNDING_SUMMARY}.url", {"value": "alt-url.org"}, "url"),
    (
        f"{FUNDING_SUMMARY}.organization.disambiguated-organization.disambiguated-organization-identifier",
        "Wellcome Trust",
        "disambiguated",
    ),
    (f"{FUNDING_SUMMARY}.end-date", {"year": {"value": "20"}}, "end-date"),
]


def test_bad_case_count() -> None:
    assert len(BAD) == 15
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
    # Reconciliation does not merge them either: OpenAlex gave them two author ids, and a name
    # shared by two registry entries is not even a candidate.
    result = reconcile(store, vocab_pipeline.minter, vocab_pipeline.validator)
    pair = (ID + "person/openalex-A2", ID + "person/openalex-A3")
    assert [m.status for m in result.matches if (m.a, m.b) == pair] == []
    assert not any(set(pair) <= set(c) for c in result.clusters)
    assert not [q for q in store.quads() if q.predicate.value.endswith("sameAs") and q.subject.value in pair]


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


# --- works and fundings ---------------------------------------------------------------------------

JSPS = {
    "name": "Japan Society for the Promotion of Science",
    "address": {"city": "Tokyo", "region": None, "country": "JP"},
    "disambiguated-organization": {
        "disambiguated-organization-identifier": "http://dx.doi.org/10.13039/501100001691",
        "disambiguation-source": "FUNDREF",
    },
}
NSF = {
    "name": "National Science Foundation",
    "address": {"city": "Alexandria", "region": "VA", "country": "US"},
    "disambiguated-organization": {
        "disambiguated-organization-identifier": "https://ror.org/021nxhr62",
        "disambiguation-source": "ROR",
    },
}


def _date(year: str, month: str | None = None, day: str | None = None) -> dict[str, Any]:
    parts = {"year": year, "month": month, "day": day}
    return {k: {"value": v} for k, v in parts.items() if v}


def _ids(kind: str, value: str, relationship: str = "self") -> dict[str, Any]:
    return {
        "external-id": [
            {
                "external-id-type": kind,
                "external-id-value": value,
                "external-id-url": None,
                "external-id-relationship": relationship,
            }
        ]
    }


def _work(put_code: int, title: str, **fields: Any) -> dict[str, Any]:
    """A work summary as ORCID's JSON gives it; ``doi`` a DOI of its own, as typed into ORCID."""
    doi = fields.pop("doi", None)
    work = {
        "put-code": put_code,
        "title": {"title": {"value": title}, "subtitle": None, "translated-title": None},
        "external-ids": _ids("doi", doi) if doi else {"external-id": []},
        "url": None,
        "type": "journal-article",
        "publication-date": _date("2021", "05", "24"),
        "journal-title": {"value": "PeerJ"},
        "visibility": "public",
        "path": f"/{ORCID}/work/{put_code}",
        "display-index": "0",
    }
    return {**work, **fields}


def _funding(put_code: int, title: str, **fields: Any) -> dict[str, Any]:
    funding = {
        "title": {"title": {"value": title}, "translated-title": None},
        "external-ids": _ids("grant_number", f"21H0{put_code}"),
        "url": {"value": f"https://kaken.nii.ac.jp/grant/KAKENHI-PROJECT-21H0{put_code}/"},
        "type": "grant",
        "start-date": _date("2021", "04"),
        "end-date": _date("2024", "03", "31"),
        "organization": JSPS,
        "visibility": "public",
        "put-code": put_code,
        "path": f"/{ORCID}/funding/{put_code}",
        "display-index": "0",
    }
    return {**funding, **fields}


def _with_activities(orcid: str = ORCID) -> dict[str, Any]:
    """The realistic record with works and fundings: an article in three versions (the first
    limited, then two public ones: the first public one is read), a preprint without DOI, a
    private work, a data set (not a publication); a JSPS grant with a Japanese translated title,
    an NSF salary award, and a limited funding."""
    r = _record(orcid)
    article = {"external-ids": _ids("doi", "10.7717/peerj.4375")}
    article["work-summary"] = [
        _work(11, "The state of OA", doi="10.7717/peerj.4375", visibility="limited"),
        _work(12, "The state of OA: a large-scale analysis", doi="https://doi.org/10.7717/PeerJ.4375"),
        _work(13, "The state of OA (bioRxiv)", doi="10.7717/peerj.4375"),
    ]
    brain = _work(14, "Brain circulation", type="preprint", **{"publication-date": _date("2021", "01")})
    preprint = {"external-ids": _ids("arxiv", "2101.00001"), "work-summary": [brain]}
    hidden = {"external-ids": {"external-id": []}, "work-summary": [_work(15, "Private notes", visibility="private")]}
    data = {"external-ids": {"external-id": []}, "work-summary": [_work(16, "Survey data", type="data-set")]}
    r["activities-summary"]["works"]["group"] = [article, preprint, hidden, data]
    grant = _funding(4567, "Brain circulation between Japan and the Bay Area")
    grant["title"]["translated-title"] = {"value": "日米間の頭脳循環", "language-code": "ja"}
    fellowship = _funding(8910, "CAREER: Neural circuits", type="salary-award", organization=NSF, url=None)
    fellowship["external-ids"] = _ids("grant_number", "1845678")
    secret = _funding(1112, "Confidential contract", type="contract", visibility="limited")
    r["activities-summary"]["fundings"]["group"] = [
        {"external-ids": grant["external-ids"], "funding-summary": [grant]},
        {"external-ids": fellowship["external-ids"], "funding-summary": [fellowship]},
        {"external-ids": secret["external-ids"], "funding-summary": [secret]},
    ]
    return r


def _of(triples: Triples, predicate: str, subject: str | None = None) -> set[str]:
    return {o for s, p, o, _ in triples if p == predicate and subject in (None, s)}


LEFT_OUT = [
    ("works that are not public", 2),  # the limited version of the article, the private work
    ("works: other versions in a group whose first public version is read", 1),
    ("works of type data-set (not publications)", 1),
    ("fundings that are not public", 1),
    ("employments that are not public", 1),
    ("other-names that are not public", 1),
]


def test_left_out_case_count() -> None:
    assert len(LEFT_OUT) == 6


@pytest.mark.parametrize(("why", "count"), LEFT_OUT, ids=[w for w, _ in LEFT_OUT])
def test_non_public_items_and_other_versions_are_left_out_and_counted(why: str, count: int) -> None:
    _, mapped = _map(_with_activities())
    assert mapped.skipped[why] == count


def test_works_become_publications_with_an_authorship() -> None:
    triples, mapped = _map(_with_activities())
    person = ID + f"person/{ORCID}"
    article = ID + "publication/" + publication_key("10.7717/peerj.4375")
    pubs = {s for s, p, o, _ in triples if p.endswith("#type") and o == SG + "Publication"}
    assert len(pubs) == 2 and article in pubs and mapped.works == 2
    assert _of(triples, RDFS_LABEL, article) == {"The state of OA: a large-scale analysis"}  # the first public one
    assert _of(triples, SG + "doi") == {"10.7717/peerj.4375"}  # lower case, without its resolver
    (preprint,) = pubs - {article}
    assert (preprint, DCTERMS + "issued", "2021-01", XSD + "gYearMonth") in triples
    authorships = {s for s, p, o, _ in triples if p == SG + "author" and o == person}
    assert {o for s, p, o, _ in triples if p == SG + "publication" and s in authorships} == pubs
    assert not _of(triples, SG + "authorPosition")  # ORCID does not say where in the author list


def test_fundings_become_projects_with_funder_and_participation() -> None:
    triples, mapped = _map(_with_activities())
    person = ID + f"person/{ORCID}"
    projects = {s for s, p, o, _ in triples if p.endswith("#type") and o == SG + "Project"}
    assert len(projects) == 2 and mapped.fundings == 2
    (grant,) = {s for s in projects if _of(triples, SG + "fundingType", s) == {"grant"}}
    (award,) = projects - {grant}
    assert _of(triples, SG + "fundingType", award) == {"salary-award"}
    assert _of(triples, SG + "funder", grant) == {ID + "org/fundref-501100001691"}
    assert _of(triples, SG + "funder", award) == {ID + "org/021nxhr62"}
    assert (ID + "org/fundref-501100001691", SG + "fundref", "501100001691", XSD_STRING) in triples
    assert _of(triples, DCTERMS + "identifier", grant) == {"21H04567"}
    assert (grant, SKOS + "altLabel", "日米間の頭脳循環", "ja") in triples
    assert (grant, SG + "startDate", "2021-04", XSD + "gYearMonth") in triples
    assert (grant, SG + "endDate", "2024-03-31", XSD + "date") in triples
    participations = {s for s, p, o, _ in triples if p == SG + "participant" and o == person}
    assert {o for s, p, o, _ in triples if p == SG + "inProject" and s in participations} == projects
    assert _of(triples, SG + "participationRole") == {ID + "role/researcher"}


# --- XML ------------------------------------------------------------------------------------------

NAMESPACES = ("record", "common", "person", "personal-details", "other-name", "researcher-url", "email", "address",
              "keyword", "external-identifier", "activities", "employment", "education", "distinction",
              "invited-position", "membership", "qualification", "service", "work", "funding", "peer-review",
              "research-resource", "history", "preferences")  # fmt: skip
# The namespace of the schema's main elements; an item's summary is in its own (work:work-summary),
# and so are some of its fields (work:title, funding:type); everything else is in common:.
PREFIXES = {
    "person": "person", "name": "person", "biography": "person", "given-names": "personal-details",
    "family-name": "personal-details", "credit-name": "personal-details", "other-names": "other-name",
    "other-name": "other-name", "researcher-urls": "researcher-url", "researcher-url": "researcher-url",
    "emails": "email", "email": "email", "addresses": "address", "keywords": "keyword", "keyword": "keyword",
    "external-identifiers": "external-identifier", "external-identifier": "external-identifier",
    "activities-summary": "activities", "group": "activities", "affiliation-group": "activities",
    "peer-review-group": "activities", "preferences": "preferences", "history": "history",
}  # fmt: skip
SECTIONS = {"distinctions", "educations", "employments", "fundings", "invited-positions", "memberships",
            "peer-reviews", "qualifications", "research-resources", "services", "works"}  # fmt: skip
OWN_FIELDS = {"work": {"title", "type", "journal-title"}, "funding": {"title", "type"}}


def _to_xml(record: dict[str, Any]) -> bytes:
    """ORCID's XML for a record given in ORCID's JSON: an element per key, visibility, put-code,
    path and display-index as attributes, {"value": ...} as the element's text, the summaries of
    an affiliation group as its children; one element a line, so an error's line can be checked."""
    xmlns = " ".join(f'xmlns:{p}="http://www.orcid.org/ns/{p}"' for p in NAMESPACES)
    body = _elements(record, "")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<record:record {xmlns}>\n{body}</record:record>\n'.encode()


def _elements(obj: dict[str, Any], item: str) -> str:
    """The children of an object; ``item``: the namespace of the summary they are in, if any."""
    out = []
    for key, value in obj.items():
        if key == "summaries":  # JSON's wrapper of an affiliation group's summaries
            out += [_elements(summary, item) for summary in value]
        elif not _is_attribute(key, obj):
            out += [_element(key, v, item) for v in (value if isinstance(value, list) else [value])]
    return "".join(out)


def _is_attribute(key: str, obj: dict[str, Any]) -> bool:
    if key in ("visibility", "put-code", "display-index"):
        return True
    if key == "path":  # an attribute of items, an element of an identifier (uri, path, host)
        return "uri" not in obj and "host" not in obj
    return key in ("language-code", "transient") and "value" in obj


def _element(key: str, value: Any, item: str) -> str:
    if value is None:
        return ""
    if key.endswith("-summary"):
        prefix = item = key.removesuffix("-summary")
    elif key in OWN_FIELDS.get(item, ()):
        prefix, item = item, ""
    else:
        prefix = PREFIXES.get(key) or ("activities" if key in SECTIONS else "common")
    name = f"{prefix}:{key}"
    if not isinstance(value, dict):
        return f"<{name}>{escape(_text(value))}</{name}>\n"
    attributes = "".join(f" {k}={quoteattr(_text(v))}" for k, v in value.items() if _is_attribute(k, value))
    if {k for k in value if not _is_attribute(k, value)} == {"value"}:
        return f"<{name}{attributes}>{escape(_text(value['value']))}</{name}>\n"
    return f"<{name}{attributes}>\n{_elements(value, item)}</{name}>\n"


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _name_not_public() -> dict[str, Any]:
    r = _record()
    r["person"]["name"]["visibility"] = "limited"
    return r


SAME = {
    "the sample": lambda: copy.deepcopy(SAMPLE),
    "a realistic record": _record,
    "names in Japanese": lambda: _record(given="遥", family="田中"),
    "works and fundings": _with_activities,
    "a name that is not public": _name_not_public,
}


def test_same_record_case_count() -> None:
    assert len(SAME) == 5


@pytest.mark.parametrize("case", SAME)
def test_json_and_xml_give_the_same_graph(case: str) -> None:
    record = SAME[case]()
    from_json, json_mapped = _map(record, "record.json")
    from_xml, xml_mapped = _map(_to_xml(record), "record.xml")
    assert from_xml == from_json
    assert xml_mapped.skipped == json_mapped.skipped and xml_mapped.records == json_mapped.records
    assert from_json or case == "a name that is not public"


FORMATS = [("record.xml", True), ("record", True), ("record.json", False), ("record", False), ("r.txt", True)]


def test_format_case_count() -> None:
    assert len(FORMATS) == 5


@pytest.mark.parametrize(("name", "xml"), FORMATS, ids=[f"{n}-{'xml' if x else 'json'}" for n, x in FORMATS])
def test_the_format_is_told_by_suffix_or_first_character(name: str, xml: bool) -> None:
    data = b"\xef\xbb\xbf" + _to_xml(_record()) if xml else b"\n  " + json.dumps(_record()).encode()
    assert _map(data, name)[0] == _map(_record())[0]


def test_the_xml_sample_is_read() -> None:
    """ORCID's own XML sample (every namespace of the schema): its public person items are read,
    its activities are all private and counted."""
    triples, mapped = _map((REPO / "loaders" / "orcid" / "record.xml").read_bytes(), "record.xml")
    person = ID + "person/8888-8888-8888-8880"
    assert {s for s, *_ in triples} == {person}
    assert _of(triples, RDFS_LABEL) == {"give-names family-name"}
    assert _of(triples, SKOS + "altLabel") == {"credit-name", "other-name-1"}
    assert _of(triples, SG + "homepage") == {"http://url.com/"} and _of(triples, SG + "email") == {"user1@email.com"}
    assert all(
        mapped.skipped[f"{s} that are not public"] == 1 for s in ("employments", "educations", "works", "fundings")
    )


def test_a_doi_claimed_by_two_records_is_one_publication(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    """Two researchers list the same article, typed differently (a resolver URL in upper case,
    a doi: prefix), one record in JSON, the other in XML: one publication, two authorships."""
    first = _with_activities()
    second = _with_activities(OTHER)
    second["activities-summary"]["works"]["group"] = [
        {"external-ids": {}, "work-summary": [_work(99, "The state of OA (2018)", doi="doi:10.7717/PEERJ.4375")]}
    ]
    second["activities-summary"]["fundings"]["group"] = []
    (tmp_path / "first.json").write_text(json.dumps(first), encoding="utf-8")
    (tmp_path / "second.xml").write_bytes(_to_xml(second))
    result = vocab_pipeline.load(
        SourceSpec(id="orcid", kind="orcid", input=[tmp_path / "first.json", tmp_path / "second.xml"])
    )
    assert result.status == "loaded"
    store = vocab_pipeline.store
    nodes = {q.subject.value for q in store.quads() if q.predicate.value == SG + "doi"}
    assert nodes == {ID + "publication/" + publication_key("10.7717/peerj.4375")}
    pub = nodes.pop()
    quads = [(q.subject.value, q.predicate.value, q.object.value) for q in store.quads()]
    authorships = {s for s, p, o in quads if p == SG + "publication" and o == pub}
    assert {o for s, p, o in quads if p == SG + "author" and s in authorships} == {
        ID + f"person/{ORCID}",
        ID + f"person/{OTHER}",
    }
    assert [o for s, p, o in quads if s == pub and p == RDFS_LABEL] == ["The state of OA: a large-scale analysis"]


def test_json_and_xml_load_the_same_graphs(vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    """End to end (validated against the shapes, routed by visibility): the XML form of a record
    replaces its JSON form and the source's graphs stay exactly the same."""
    record = _with_activities()
    graphs = []
    for name, data in (("record.json", json.dumps(record).encode()), ("record.xml", _to_xml(record))):
        (tmp_path / name).write_bytes(data)
        vocab_pipeline.load(SourceSpec(id="orcid", kind="orcid", input=[tmp_path / name]))
        graphs.append(
            {
                (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
                for q in vocab_pipeline.store.quads()
                if "/graph/orcid/" in q.graph_name.value
            }
        )
    assert graphs[0] == graphs[1] and len(graphs[0]) > 100


def _line_of(data: bytes, line: int | None) -> str:
    assert line is not None
    return data.decode().splitlines()[line - 1]


def _bad_xml(orcid: str = ORCID, **paths: Any) -> bytes:
    r = _with_activities(orcid)
    for path, value in paths.items():
        *parents, last = path.split("__")
        node: Any = r
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        node[last] = value
    return _to_xml(r)


READ_WORK = "activities-summary__works__group__0__work-summary__1"  # the version read (first public)
READ_FUNDING = "activities-summary__fundings__group__0__funding-summary__0"
BAD_XML = [
    # (case, file, error class, what the message says, field, element on the error's line)
    ("broken", _to_xml(_record()).replace(b"</person:name>", b"</person:nam>"), InputError, "not well-formed", None,
     "</person:nam>"),
    ("truncated", _to_xml(_record())[:2000], InputError, "not well-formed", None, None),
    ("wrong root", b'<?xml version="1.0"?>\n<work:work xmlns:work="http://www.orcid.org/ns/work"/>', InputError,
     "root element is {http://www.orcid.org/ns/work}work", None, "work:work"),
    ("entity declaration", b'<!DOCTYPE r [<!ENTITY a "aaaaaaaa">]>\n<record:record/>', InputError, "DOCTYPE", None,
     "DOCTYPE"),
    ("no identifier", b'<record:record xmlns:record="http://www.orcid.org/ns/record"/>', InputError,
     "not an ORCID record", None, None),
    ("bad ORCID iD", _bad_xml("0000-0002-1825"), MappingError, "ORCID iD", "orcid-identifier.path",
     "common:orcid-identifier"),
    ("bad publication date", _bad_xml(**{f"{READ_WORK}__publication-date": _date("2021", "13")}), MappingError,
     "month", "work-summary[1].publication-date", "common:publication-date"),
    ("work without title", _bad_xml(**{f"{READ_WORK}__title": None}), MappingError, "no title", "title.title",
     "work:work-summary"),
    ("bad funding type", _bad_xml(**{f"{READ_FUNDING}__type": "loan"}), MappingError, "loan",
     "funding-summary[0].type", "funding:funding-summary"),
    ("bad FundRef id", _bad_xml(**{f"{READ_FUNDING}__organization": {**JSPS, "disambiguated-organization": {
        "disambiguated-organization-identifier": "JSPS", "disambiguation-source": "FUNDREF"}}}), MappingError,
     "FUNDREF id 'JSPS'", "organization.disambiguated-organization", "common:organization"),
    ("bad end date", _bad_xml(**{f"{READ_FUNDING}__end-date": {"year": "24"}}), MappingError, "year", "end-date",
     "common:end-date"),
]  # fmt: skip


def test_bad_xml_case_count() -> None:
    assert len(BAD_XML) == 11


@pytest.mark.parametrize(("case", "data", "error", "message", "field", "element"), BAD_XML, ids=[b[0] for b in BAD_XML])
def test_bad_xml_is_refused_with_field_and_line(
    case: str, data: bytes, error: type[Exception], message: str, field: str | None, element: str | None
) -> None:
    with pytest.raises(InputError) as caught:
        _map(data, "record.xml")
    assert type(caught.value) is error and message in caught.value.message
    context = caught.value.context
    assert context.file == "record.xml" and context.expected
    if field is not None:  # a mapping error names the record and the field as JSON paths them
        assert context.record == (ORCID if case != "bad ORCID iD" else "0000-0002-1825") and field in context.field
    if element is not None:
        assert element in _line_of(data, context.line)


@pytest.mark.parametrize("case", ["broken", "bad publication date", "bad FundRef id"])
def test_bad_xml_leaves_the_store_untouched(case: str, vocab_pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "record.xml"
    path.write_bytes(_to_xml(_with_activities()))
    spec = SourceSpec(id="orcid", kind="orcid", input=[path])
    vocab_pipeline.load(spec)
    before = dump(vocab_pipeline.store)
    path.write_bytes(next(b[1] for b in BAD_XML if b[0] == case))
    with pytest.raises(InputError):
        vocab_pipeline.load(spec)
    assert dump(vocab_pipeline.store) == before
