"""Generate the stigraph SKOS vocabularies in ``ontology/vocab/`` from their sources.

Why this exists: the concept schemes that the graph links to (KAKEN research fields, ISO 3166-1
countries and a few regions, diplomatic-mission types, roles, programme types) must have stable
IRIs, English and Japanese labels and a recorded origin. Writing ~700 concepts by hand would
drift from the sources, so this script regenerates them. The output is deterministic: subjects,
predicates and objects are sorted and nothing depends on the clock, so running it twice gives
identical bytes and a diff shows only real changes in the sources.

Run from the repository root (the folder that holds ``pyproject.toml``)::

    .venv/bin/python ontology/vocab/build.py \\
        --kaken ../shared/data/kaken-jsps/master_xml --out ontology/vocab

Inputs:

* ``--kaken``: a folder with the NII KAKEN master XML tables. ``field_master_kakenhi.xml`` and
  ``country_name_master_kakenhi.xml`` are read. If ``review_section_master_kakenhi.xml`` (the
  FY2018+ review-section table, 審査区分) is present as well, the field scheme is built from its
  open-ended ``review_section`` table; otherwise from the open-ended ``saimoku`` table (系・分野・
  分科・細目表) of ``field_master_kakenhi.xml``. ``--field-source`` forces one or the other.
* pycountry (ISO 3166-1 names and the Debian iso-codes Japanese translations).

Outputs (Turtle, UTF-8): ``fields-kaken.ttl``, ``countries.ttl``, ``mission-types.ttl``,
``roles.ttl``, ``programme-types.ttl``. Every file is rendered and parsed back with pyoxigraph
before any is written, so a failed run leaves the old files alone. XML is parsed strictly (a
malformed file or an unexpected record stops the build, naming the file and the record).
"""

from __future__ import annotations

import argparse
import gettext
import importlib.metadata
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pycountry
import pyoxigraph

# --------------------------------------------------------------------------------------------
# Namespaces and IRIs
# --------------------------------------------------------------------------------------------

SG: Final = "https://w3id.org/stigraph/ontology#"
ID: Final = "https://w3id.org/stigraph/id/"
RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS: Final = "http://www.w3.org/2000/01/rdf-schema#"
SKOS: Final = "http://www.w3.org/2004/02/skos/core#"
DCTERMS: Final = "http://purl.org/dc/terms/"
SCHEMA: Final = "https://schema.org/"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"

PREFIXES: Final[tuple[tuple[str, str], ...]] = (
    ("dcterms", DCTERMS),
    ("rdfs", RDFS),
    ("schema", SCHEMA),
    ("sg", SG),
    ("skos", SKOS),
    ("xsd", XSD),
)

KAKEN_HOME: Final = "https://kaken.nii.ac.jp/"
ISO_CODES_HOME: Final = "https://salsa.debian.org/iso-codes-team/iso-codes"
XML_LANG: Final = "{http://www.w3.org/XML/1998/namespace}lang"


class BuildError(Exception):
    """A source does not look as expected; the message names the file and the record."""


# --------------------------------------------------------------------------------------------
# A minimal, strict Turtle writer (full IRIs for instances, prefixed names for vocabulary terms)
# --------------------------------------------------------------------------------------------

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG_TAG = re.compile(r"^[a-zA-Z]+(-[a-zA-Z0-9]+)*$")
_LOCAL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class IRI:
    value: str

    def __post_init__(self) -> None:
        if not self.value or _IRI_FORBIDDEN.search(self.value) or ":" not in self.value:
            raise BuildError(f"not an absolute IRI usable in Turtle: {self.value!r}")


@dataclass(frozen=True)
class Literal:
    lexical: str
    lang: str | None = None
    datatype: IRI | None = None

    def __post_init__(self) -> None:
        if self.lang is not None and self.datatype is not None:
            raise BuildError(f"literal with both language and datatype: {self.lexical!r}")
        if self.lang is not None and not _LANG_TAG.match(self.lang):
            raise BuildError(f"bad language tag {self.lang!r}")


Term = IRI | Literal


def sg(local: str) -> IRI:
    return IRI(SG + local)


def skos(local: str) -> IRI:
    return IRI(SKOS + local)


def rdfs(local: str) -> IRI:
    return IRI(RDFS + local)


def dcterms(local: str) -> IRI:
    return IRI(DCTERMS + local)


def schema(local: str) -> IRI:
    return IRI(SCHEMA + local)


def idi(kind: str, key: str) -> IRI:
    """An instance IRI ``https://w3id.org/stigraph/id/<kind>/<key>``."""
    return IRI(f"{ID}{kind}/{key}")


def en(text: str) -> Literal:
    return Literal(text, lang="en")


def ja(text: str) -> Literal:
    return Literal(text, lang="ja")


RDF_TYPE: Final = IRI(RDF + "type")
SKOS_CONCEPT: Final = skos("Concept")
SKOS_SCHEME: Final = skos("ConceptScheme")
SG_MEXT_CODE: Final = sg("KakenMextCode")
"""Datatype of the second skos:notation of a KAKEN field: the MEXT/JSPS code (e.g. "1001")."""

# Predicates come out in this order; anything else after them, sorted by IRI.
PREDICATE_ORDER: Final[tuple[IRI, ...]] = (
    RDF_TYPE,
    skos("inScheme"),
    skos("topConceptOf"),
    skos("notation"),
    rdfs("label"),
    skos("prefLabel"),
    skos("altLabel"),
    skos("definition"),
    skos("scopeNote"),
    skos("note"),
    skos("broader"),
    skos("narrower"),
    skos("hasTopConcept"),
    schema("containedInPlace"),
    schema("containsPlace"),
    sg("wikidata"),
    dcterms("source"),
)
LANG_ORDER: Final = {"en": 0, "ja": 1}


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders embedded numbers numerically: kaken-9 < kaken-10."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(text))


def term_key(term: Term) -> tuple[object, ...]:
    if isinstance(term, IRI):
        return (0, natural_key(term.value))
    return (
        1,
        LANG_ORDER.get(term.lang or "", 9),
        term.lang or "",
        term.datatype.value if term.datatype else "",
        natural_key(term.lexical),
    )


def _escape(text: str) -> str:
    out: list[str] = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def _iri_text(iri: IRI) -> str:
    if iri == RDF_TYPE:
        return "a"
    for prefix, ns in PREFIXES:
        if iri.value.startswith(ns) and _LOCAL_NAME.match(iri.value[len(ns) :]):
            return f"{prefix}:{iri.value[len(ns) :]}"
    return f"<{iri.value}>"


def _term_text(term: Term) -> str:
    if isinstance(term, IRI):
        return _iri_text(term)
    text = f'"{_escape(term.lexical)}"'
    if term.lang is not None:
        return f"{text}@{term.lang}"
    if term.datatype is not None and term.datatype != IRI(XSD + "string"):
        return f"{text}^^{_iri_text(term.datatype)}"
    return text


@dataclass
class Resource:
    """All statements about one subject, collected before writing."""

    subject: IRI
    statements: dict[IRI, set[Term]] = field(default_factory=dict)

    def add(self, predicate: IRI, *objects: Term | None) -> Resource:
        for obj in objects:
            if obj is not None:
                self.statements.setdefault(predicate, set()).add(obj)
        return self

    def labels(self, predicate: IRI, label_en: str | None, label_ja: str | None) -> Resource:
        return self.add(
            predicate,
            en(label_en) if label_en else None,
            ja(label_ja) if label_ja else None,
        )

    def render(self) -> str:
        order = {p: i for i, p in enumerate(PREDICATE_ORDER)}
        predicates = sorted(self.statements, key=lambda p: (order.get(p, len(order)), p.value))
        lines: list[str] = []
        for predicate in predicates:
            objects = sorted(self.statements[predicate], key=term_key)
            rendered = [_term_text(o) for o in objects]
            if predicate == RDF_TYPE or sum(len(r) for r in rendered) < 70:
                body = ", ".join(rendered)
            else:
                body = (",\n" + " " * 8).join(rendered)
            lines.append(f"    {_iri_text(predicate)} {body}")
        return f"{_iri_text(self.subject)}\n" + " ;\n".join(lines) + " .\n"


def render_turtle(header: Sequence[str], resources: Iterable[Resource]) -> str:
    parts = ["".join(f"# {line}".rstrip() + "\n" for line in header)]
    parts.append("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES))
    parts.extend(r.render() for r in resources)
    return "\n".join(parts)


def count_triples(data: bytes, name: str) -> int:
    """Parse with pyoxigraph (strict) and return the number of triples."""
    try:
        return sum(1 for _ in pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.TURTLE))
    except SyntaxError as exc:  # pyoxigraph raises SyntaxError for invalid Turtle
        raise BuildError(f"{name}: generated Turtle does not parse: {exc}") from exc


# --------------------------------------------------------------------------------------------
# Concept schemes shared helpers
# --------------------------------------------------------------------------------------------


def concept_scheme(
    iri: IRI,
    label_en: str,
    label_ja: str,
    definition_en: str,
    definition_ja: str,
    top_concepts: Iterable[IRI],
) -> Resource:
    scheme = Resource(iri).add(RDF_TYPE, SKOS_SCHEME)
    scheme.labels(rdfs("label"), label_en, label_ja)
    scheme.labels(skos("prefLabel"), label_en, label_ja)
    scheme.labels(skos("definition"), definition_en, definition_ja)
    scheme.add(skos("hasTopConcept"), *top_concepts)
    return scheme


@dataclass(frozen=True)
class SmallConcept:
    """A hand-written concept: key, labels, definitions, optional alternative labels."""

    key: str
    label_en: str
    label_ja: str
    definition_en: str
    definition_ja: str
    alt_en: tuple[str, ...] = ()
    alt_ja: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmallScheme:
    file_name: str
    kind: str  # IRI path segment of the concepts, e.g. "mission-type"
    scheme_key: str  # IRI key of the scheme, e.g. "mission-types"
    label_en: str
    label_ja: str
    definition_en: str
    definition_ja: str
    extra_types: tuple[IRI, ...]
    concepts: tuple[SmallConcept, ...]


def build_small_scheme(spec: SmallScheme) -> list[Resource]:
    scheme_iri = idi("scheme", spec.scheme_key)
    concepts = sorted(spec.concepts, key=lambda c: c.key)
    keys = [c.key for c in concepts]
    if len(set(keys)) != len(keys):
        raise BuildError(f"{spec.file_name}: duplicate concept key")
    resources = [
        concept_scheme(
            scheme_iri,
            spec.label_en,
            spec.label_ja,
            spec.definition_en,
            spec.definition_ja,
            (idi(spec.kind, k) for k in keys),
        )
    ]
    for c in concepts:
        r = Resource(idi(spec.kind, c.key)).add(RDF_TYPE, SKOS_CONCEPT, *spec.extra_types)
        r.add(skos("inScheme"), scheme_iri).add(skos("topConceptOf"), scheme_iri)
        r.labels(skos("prefLabel"), c.label_en, c.label_ja)
        r.add(skos("altLabel"), *(en(a) for a in c.alt_en), *(ja(a) for a in c.alt_ja))
        r.labels(skos("definition"), c.definition_en, c.definition_ja)
        resources.append(r)
    return resources


# --------------------------------------------------------------------------------------------
# KAKEN research fields
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSource:
    """Where a KAKEN field hierarchy lives: file, table element/type, node element."""

    key: str
    file_name: str
    table_tag: str
    table_type: str
    node_tag: str
    title_en: str
    title_ja: str


REVIEW_SECTION: Final = FieldSource(
    key="review-section",
    file_name="review_section_master_kakenhi.xml",
    table_tag="review_section_table",
    table_type="review_section",
    node_tag="review_section",
    title_en="KAKENHI review sections (broad, medium-sized and basic sections), FY2018 onwards",
    title_ja="科研費審査区分表（大区分・中区分・小区分、2018年度以降）",
)
SAIMOKU: Final = FieldSource(
    key="saimoku",
    file_name="field_master_kakenhi.xml",
    table_tag="field_table",
    table_type="saimoku",
    node_tag="field",
    title_en="KAKENHI table of divisions, fields, disciplines and research fields",
    title_ja="科研費 系・分野・分科・細目表",
)
FIELD_SOURCES: Final = {s.key: s for s in (REVIEW_SECTION, SAIMOKU)}


@dataclass
class KakenField:
    nii: str
    mext: str | None
    name_ja: str
    name_en: str | None
    broader: set[str] = field(default_factory=set)
    narrower: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class FieldTable:
    source: FieldSource
    start_date: str
    fields: dict[str, KakenField]
    roots: frozenset[str]


def _child_text(node: ET.Element, tag: str, attr: str, value: str, where: str) -> str | None:
    hits = [c for c in node.findall(tag) if c.get(attr) == value]
    if len(hits) > 1:
        raise BuildError(f"{where}: {len(hits)} <{tag} {attr}={value!r}> elements")
    if not hits:
        return None
    text = (hits[0].text or "").strip()
    return text or None


def _name(node: ET.Element, lang: str, where: str) -> str | None:
    hits = [n for n in node.findall("name") if (n.get("lang") or n.get(XML_LANG)) == lang]
    if len(hits) > 1:
        raise BuildError(f"{where}: {len(hits)} names in {lang!r}")
    text = (hits[0].text or "").strip() if hits else ""
    return text or None


def select_open_table(root: ET.Element, source: FieldSource, path: Path) -> ET.Element:
    """The one table of the wanted type that has no end date (the one in force)."""
    tables = root.findall(source.table_tag)
    current = [t for t in tables if t.get("type") == source.table_type and t.get("end_date") is None]
    if len(current) != 1:
        found = sorted(f"{t.get('type')} {t.get('start_date')}..{t.get('end_date') or ''}" for t in tables)
        raise BuildError(
            f"{path}: expected exactly one open-ended <{source.table_tag} "
            f"type={source.table_type!r}>, found {len(current)}; tables: {found}"
        )
    return current[0]


def read_field_table(path: Path, source: FieldSource) -> FieldTable:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise BuildError(f"{path}: not well-formed XML: {exc}") from exc
    table = select_open_table(root, source, path)
    start = table.get("start_date") or ""
    fields: dict[str, KakenField] = {}
    roots: set[str] = set()

    def visit(node: ET.Element, parent: str | None) -> None:
        where = f"{path.name}: {source.table_type} {start} <{source.node_tag} {node.attrib}>"
        nii = _child_text(node, "code", "type", "nii", where)
        if nii is None or not nii.isascii() or not nii.isdigit():
            raise BuildError(f"{where}: missing or non-numeric nii code {nii!r}")
        mext = _child_text(node, "code", "type", "mext", where)
        name_ja = _name(node, "ja", where)
        if name_ja is None:
            raise BuildError(f"{where}: no Japanese name")
        name_en = _name(node, "en", where)
        record = KakenField(nii, mext, name_ja, name_en)
        known = fields.setdefault(nii, record)
        if (known.mext, known.name_ja, known.name_en) != (mext, name_ja, name_en):
            raise BuildError(f"{where}: nii code {nii} appears twice with different data")
        if parent is None:
            roots.add(nii)
        else:
            known.broader.add(parent)
            fields[parent].narrower.add(nii)
        for child in node.findall(source.node_tag):
            visit(child, nii)

    for top in table.findall(source.node_tag):
        visit(top, None)
    if not fields:
        raise BuildError(f"{path}: the selected table has no <{source.node_tag}> records")
    return FieldTable(source, start, fields, frozenset(roots))


def field_iri(nii: str) -> IRI:
    return idi("field", f"kaken-{nii}")


def build_fields(table: FieldTable) -> list[Resource]:
    scheme_iri = idi("scheme", "kaken-fields")
    src = table.source
    described = (
        f"{src.title_en} ({src.file_name}, {src.table_tag} type={src.table_type}, in force since {table.start_date})"
    )
    described_ja = (
        f"{src.title_ja}（{src.file_name} の {src.table_tag} type={src.table_type}、{table.start_date} から適用）"
    )
    scheme = concept_scheme(
        scheme_iri,
        "KAKEN research fields",
        "KAKEN 研究分野",
        "Research fields of the Grants-in-Aid for Scientific Research (KAKENHI) as published "
        "in the NII KAKEN database: " + described + ".",
        "NII の KAKEN データベースで公開されている科学研究費助成事業（科研費）の研究分野：" + described_ja + "。",
        (field_iri(n) for n in table.roots),
    )
    scheme.add(dcterms("source"), IRI(KAKEN_HOME))
    scheme.add(
        skos("note"),
        en(
            "Derived from the NII KAKEN master tables (facts: codes and names of research "
            "fields). No licence is stated in the repository that carries the tables. Concept "
            "IRIs use the NII code (kaken-<nii code>); the first skos:notation is the NII "
            "code, a second one typed sg:KakenMextCode is the MEXT/JSPS code where it exists."
        ),
        ja(
            "NII KAKEN のマスタ表（研究分野のコードと名称という事実）から生成。マスタ表を配布する"
            "リポジトリにはライセンスの記載がない。概念の IRI は NII コード（kaken-<NIIコード>）を"
            "用いる。skos:notation の1つ目は NII コード、sg:KakenMextCode 型の2つ目は文部科学省・"
            "日本学術振興会のコード（ある場合）。"
        ),
    )
    resources = [scheme]
    for nii in sorted(table.fields, key=int):
        f = table.fields[nii]
        r = Resource(field_iri(nii)).add(RDF_TYPE, SKOS_CONCEPT, sg("Field"))
        r.add(skos("inScheme"), scheme_iri)
        if nii in table.roots:
            r.add(skos("topConceptOf"), scheme_iri)
        r.add(skos("notation"), Literal(nii))
        if f.mext is not None:
            r.add(skos("notation"), Literal(f.mext, datatype=SG_MEXT_CODE))
        label_en = f.name_en if f.name_en and f.name_en != f.name_ja else None
        r.labels(skos("prefLabel"), label_en, f.name_ja)
        r.add(skos("broader"), *(field_iri(b) for b in f.broader))
        r.add(skos("narrower"), *(field_iri(n) for n in f.narrower))
        resources.append(r)
    return resources


# --------------------------------------------------------------------------------------------
# Countries and regions
# --------------------------------------------------------------------------------------------

# Japanese names where the iso-codes translation of the ISO short name is wrong or outdated.
# Value: (label, keep the iso-codes translation as skos:altLabel?). Reported by the build.
JA_OVERRIDES: Final[dict[str, tuple[str, bool, str]]] = {
    # iso-codes has a typo ("タニザニア") for "Tanzania, United Republic of".
    "TZ": ("タンザニア連合共和国", False, "typo in iso-codes translation"),
    # Japan changed the official Japanese name from グルジア to ジョージア in 2015.
    "GE": ("ジョージア", True, "outdated name in iso-codes translation"),
    # iso-codes renders "Taiwan, Province of China" as 中国領・台湾; Japanese government and KAKEN
    # usage (and iso-codes' own translation of the common name "Taiwan") is 台湾.
    "TW": ("台湾", False, "iso-codes wording not used in Japanese official usage"),
}
# Japanese strings never emitted as labels (the typo and wording replaced above).
JA_REJECTED: Final = frozenset({"タニザニア連合共和国", "中国領・台湾"})
# Filled by hand when neither iso-codes nor KAKEN has a Japanese name (none needed so far).
JA_MANUAL: Final[dict[str, str]] = {}


def _codes(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Member states of the European Union (EU27, since 2020-02-01) and of ASEAN.
EU27: Final = _codes("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK")
ASEAN: Final = _codes("BN ID KH LA MM MY PH SG TH VN")


def read_kaken_countries(path: Path) -> tuple[dict[str, str], list[str]]:
    """KAKEN Japanese country names by alpha-2, and the records that have no ISO alpha-2."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise BuildError(f"{path}: not well-formed XML: {exc}") from exc
    tables = [t for t in root.findall("country_name_table") if t.get("end_date") is None]
    if len(tables) != 1:
        raise BuildError(f"{path}: expected one open-ended <country_name_table>, {len(tables)}")
    names: dict[str, str] = {}
    unmapped: list[str] = []
    for record in tables[0].findall("country_name"):
        where = f"{path.name}: <country_name> {ET.tostring(record, encoding='unicode')[:120]!r}"
        alpha3 = _child_text(record, "code", "type", "jsps", where)
        name_ja = _name(record, "ja", where)
        if alpha3 is None or name_ja is None:
            raise BuildError(f"{where}: no jsps code or no Japanese name")
        country = pycountry.countries.get(alpha_3=alpha3)
        if country is None:
            unmapped.append(f"{alpha3} {name_ja}")
            continue
        if country.alpha_2 in names:
            raise BuildError(f"{where}: second record for {country.alpha_2}")
        names[country.alpha_2] = name_ja
    return names, sorted(unmapped)


@dataclass
class CountryReport:
    from_iso_codes: int = 0
    from_kaken: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    overridden: list[str] = field(default_factory=list)
    kaken_unmapped: list[str] = field(default_factory=list)


def build_countries(kaken_names: dict[str, str], report: CountryReport) -> list[Resource]:
    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ja"])

    def translate(msgid: str | None) -> str | None:
        if not msgid:
            return None
        text = translation.gettext(msgid)
        return text if text != msgid and text not in JA_REJECTED else None

    scheme_iri = idi("scheme", "countries")
    countries = sorted(pycountry.countries, key=lambda c: str(c.alpha_2))
    resources: list[Resource] = []
    for c in countries:
        code = str(c.alpha_2)
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise BuildError(f"pycountry: bad alpha-2 {code!r}")
        name_en = str(c.name)
        iso_ja = translate(name_en)
        if code in JA_OVERRIDES:
            name_ja, keep_iso, reason = JA_OVERRIDES[code]
            raw = translation.gettext(name_en)
            report.overridden.append(f"{code} {raw} -> {name_ja} ({reason})")
            alt_iso = iso_ja if keep_iso else None
        elif iso_ja is not None:
            name_ja, alt_iso = iso_ja, None
            report.from_iso_codes += 1
        elif code in kaken_names:
            name_ja, alt_iso = kaken_names[code], None
            report.from_kaken.append(f"{code} {name_ja}")
        elif code in JA_MANUAL:
            name_ja, alt_iso = JA_MANUAL[code], None
            report.manual.append(f"{code} {name_ja}")
        else:
            raise BuildError(f"no Japanese name for {code} {name_en}")
        alt_en = {str(v) for v in (getattr(c, "common_name", None), getattr(c, "official_name", None)) if v} - {name_en}
        alt_ja = {
            t
            for t in (
                alt_iso,
                kaken_names.get(code),
                translate(getattr(c, "common_name", None)),
                translate(getattr(c, "official_name", None)),
            )
            if t and t not in JA_REJECTED
        } - {name_ja}
        r = Resource(idi("country", code)).add(RDF_TYPE, SKOS_CONCEPT, sg("Country"))
        r.add(skos("inScheme"), scheme_iri).add(skos("topConceptOf"), scheme_iri)
        r.add(skos("notation"), Literal(code))
        r.labels(rdfs("label"), name_en, name_ja)
        r.labels(skos("prefLabel"), name_en, name_ja)
        r.add(skos("altLabel"), *(en(a) for a in alt_en), *(ja(a) for a in alt_ja))
        resources.append(r)
    scheme = concept_scheme(
        scheme_iri,
        "Countries (ISO 3166-1)",
        "国・地域（ISO 3166-1）",
        "Countries and territories with an ISO 3166-1 alpha-2 code; the code is the "
        "skos:notation and the last segment of the IRI.",
        "ISO 3166-1 の2文字コードを持つ国・地域。コードは skos:notation であり、IRI の末尾でもある。",
        (r.subject for r in resources),
    )
    scheme.add(dcterms("source"), IRI("https://www.iso.org/iso-3166-country-codes.html"))
    scheme.add(dcterms("source"), IRI(ISO_CODES_HOME))
    scheme.add(
        skos("note"),
        en(
            "English names are the ISO 3166-1 short names as shipped by pycountry (data from "
            "Debian iso-codes). Japanese names come from the iso-codes Japanese translation, "
            "else from the NII KAKEN country master table; a few corrections are made by hand "
            "and listed in ontology/vocab/README.md. KAKEN names that differ are altLabels."
        ),
        ja(
            "英語名は pycountry（Debian iso-codes のデータ）が収録する ISO 3166-1 の略称。"
            "日本語名は iso-codes の日本語訳、それがない場合は NII KAKEN の国名マスタから取り、"
            "少数の手作業による修正は ontology/vocab/README.md に記載する。"
            "KAKEN の異なる表記は別名とする。"
        ),
    )
    return [scheme, *resources]


@dataclass(frozen=True)
class RegionSpec:
    key: str
    label_en: str
    label_ja: str
    alt: tuple[Literal, ...] = ()
    contains: tuple[str, ...] = ()
    contained_in: tuple[str, ...] = ()
    wikidata: str | None = None


REGIONS: Final = (
    RegionSpec(
        "asean",
        "Association of Southeast Asian Nations",
        "東南アジア諸国連合",
        alt=(en("ASEAN"), ja("ASEAN")),
        contains=ASEAN,
        wikidata="Q7768",
    ),
    RegionSpec(
        "eu",
        "European Union",
        "欧州連合",
        alt=(en("EU"), ja("EU")),
        contains=EU27,
        wikidata="Q458",
    ),
    RegionSpec("global", "Worldwide", "全世界", alt=(en("Global"), ja("グローバル"))),
    RegionSpec(
        "sf-bay-area",
        "San Francisco Bay Area",
        "サンフランシスコ・ベイエリア",
        alt=(en("Bay Area"), ja("ベイエリア")),
        contained_in=("US",),
    ),
)


def build_regions(country_codes: set[str]) -> list[Resource]:
    resources: list[Resource] = []
    for spec in sorted(REGIONS, key=lambda s: s.key):
        for code in (*spec.contains, *spec.contained_in):
            if code not in country_codes:
                raise BuildError(f"region {spec.key}: unknown country {code}")
        r = Resource(idi("region", spec.key)).add(RDF_TYPE, sg("Region"))
        r.labels(rdfs("label"), spec.label_en, spec.label_ja)
        r.labels(skos("prefLabel"), spec.label_en, spec.label_ja)
        r.add(skos("altLabel"), *spec.alt)
        r.add(schema("containsPlace"), *(idi("country", c) for c in spec.contains))
        r.add(schema("containedInPlace"), *(idi("country", c) for c in spec.contained_in))
        if spec.wikidata:
            r.add(sg("wikidata"), Literal(spec.wikidata))
        resources.append(r)
    return resources


# --------------------------------------------------------------------------------------------
# Hand-written schemes: mission types, roles, programme types (IRIs fixed by the model spec)
# --------------------------------------------------------------------------------------------

MISSION_TYPES: Final = SmallScheme(
    file_name="mission-types.ttl",
    kind="mission-type",
    scheme_key="mission-types",
    label_en="Diplomatic mission types",
    label_ja="在外公館・外交使節の種別",
    definition_en="Kinds of diplomatic and consular posts and of other representations abroad.",
    definition_ja="外交・領事機関およびその他の在外代表機関の種別。",
    extra_types=(),
    concepts=(
        SmallConcept(
            "embassy",
            "Embassy",
            "大使館",
            "A diplomatic mission of one state to another state, normally in its capital and headed by an ambassador.",
            "ある国が他の国に置く外交使節団の公館。通常は首都に置かれ、特命全権大使が長を務める。",
        ),
        SmallConcept(
            "consulate-general",
            "Consulate-General",
            "総領事館",
            "A consular post headed by a consul-general, usually in a major city other than "
            "the capital, that protects nationals and promotes exchange in its district.",
            "総領事を長とする領事機関。通常は首都以外の主要都市に置かれ、管轄区域で自国民の保護や交流の促進にあたる。",
        ),
        SmallConcept(
            "consulate",
            "Consulate",
            "領事館",
            "A consular post headed by a consul, of lower rank than a consulate-general.",
            "領事を長とする領事機関で、総領事館より下位のもの。",
        ),
        SmallConcept(
            "permanent-mission",
            "Permanent Mission",
            "政府代表部",
            "A permanent mission of a state to an international organisation (e.g. the United "
            "Nations in New York or Geneva) or to a regional body such as the European Union.",
            "国が国際機関（ニューヨークやジュネーブの国際連合など）や欧州連合などの地域機関に対して常設する代表部。",
            alt_en=("Mission to an international organisation",),
            alt_ja=("代表部",),
        ),
        SmallConcept(
            "delegation",
            "Delegation",
            "代表団",
            "A representation sent by an international or supranational organisation (e.g. a "
            "Delegation of the European Union) to a state or to another organisation, or a "
            "state's delegation to an international body.",
            "国際機関や超国家機関が国または他の国際機関に置く代表機関（欧州連合代表部など）、または"
            "国が国際会議・国際機関に派遣する代表団。",
            alt_ja=("派遣代表部",),
        ),
        SmallConcept(
            "honorary-consulate",
            "Honorary Consulate",
            "名誉領事館",
            "A consular post headed by an honorary consul, usually a local resident who is not a career diplomat.",
            "職業外交官ではない現地の有識者などが名誉領事として長を務める領事機関。",
        ),
        SmallConcept(
            "representative-office",
            "Representative Office",
            "代表事務所",
            "An office that represents a state or territory where there are no formal "
            "diplomatic relations, or that performs quasi-diplomatic tasks (e.g. economic and "
            "cultural offices).",
            "正式な外交関係がない国・地域を代表し、または準外交的な業務を行う事務所（経済・文化代表事務所など）。",
            alt_ja=("代表処", "連絡事務所"),
        ),
    ),
)

ROLES: Final = SmallScheme(
    file_name="roles.ttl",
    kind="role",
    scheme_key="roles",
    label_en="Roles",
    label_ja="役割",
    definition_en="Roles that people and organisations hold in positions, appointments and project participations.",
    definition_ja="人や組織が職位・任命・プロジェクトへの参加において担う役割。",
    extra_types=(sg("Role"),),
    concepts=(
        SmallConcept(
            "principal-investigator",
            "Principal Investigator",
            "主任研究者",
            "A researcher who leads a research group or project and is responsible for its "
            "scientific direction and funding.",
            "研究グループや研究プロジェクトを率い、その研究の方向性と研究資金に責任を持つ研究者。",
            alt_en=("PI",),
            alt_ja=("研究代表者", "PI"),
        ),
        SmallConcept(
            "researcher",
            "Researcher",
            "研究者",
            "A person who carries out research at a university, research institute or company.",
            "大学・研究機関・企業などで研究に従事する者。",
        ),
        SmallConcept(
            "student",
            "Student",
            "学生",
            "A person studying at an institution towards a degree or qualification (an education in ORCID).",
            "学位や資格の取得を目指して機関で学ぶ者（ORCID の education）。",
        ),
        SmallConcept(
            "professor",
            "Professor",
            "教授",
            "A senior academic post at a university, including full professors.",
            "大学における上位の教員職。",
        ),
        SmallConcept(
            "president",
            "President",
            "学長・理事長",
            "The head of a university, research institute, funding agency or other organisation.",
            "大学・研究機関・資金配分機関などの組織の長。",
            alt_ja=("学長", "総長", "理事長"),
        ),
        SmallConcept(
            "director",
            "Director",
            "所長・センター長",
            "The head of an institute, centre, division or office within a larger organisation.",
            "研究所・センター・部局など、組織内の単位の長。",
            alt_ja=("所長", "センター長", "部長"),
        ),
        SmallConcept(
            "executive-director",
            "Executive Director",
            "理事",
            "A member of the executive board of an organisation such as a funding agency or "
            "national research institute, responsible for a portfolio of its business.",
            "資金配分機関や国立研究開発法人などの役員会の一員として、担当業務に責任を持つ役員。",
        ),
        SmallConcept(
            "executive-vice-president",
            "Executive Vice President",
            "理事・副学長",
            "A senior executive ranking directly below the president, usually in charge of a "
            "portfolio such as research or international affairs.",
            "学長・理事長に次ぐ上級役員で、通常は研究や国際などの分野を担当する。",
            alt_ja=("副学長",),
        ),
        SmallConcept(
            "advisor",
            "Advisor",
            "顧問",
            "A person appointed to give expert advice to an organisation or to its head.",
            "組織またはその長に専門的な助言を行うために任命された者。",
            alt_en=("Adviser",),
            alt_ja=("アドバイザー",),
        ),
        SmallConcept(
            "chair",
            "Chair",
            "座長",
            "The person who presides over an advisory board, committee or council.",
            "諮問委員会・委員会・会議を主宰する者。",
            alt_en=("Chairperson",),
            alt_ja=("議長", "委員長"),
        ),
        SmallConcept(
            "vice-chair",
            "Vice-Chair",
            "副座長",
            "The deputy of the chair of an advisory board, committee or council.",
            "諮問委員会・委員会・会議において座長を補佐し、その職務を代理する者。",
            alt_ja=("副議長", "副委員長"),
        ),
        SmallConcept(
            "member",
            "Member",
            "委員",
            "A member of an advisory board, committee or council.",
            "諮問委員会・委員会・会議の構成員。",
        ),
        SmallConcept(
            "st-fellow",
            "Science and Technology Fellow",
            "科学技術フェロー",
            "A researcher or expert posted to a diplomatic mission or ministry to support "
            "science and technology diplomacy.",
            "科学技術外交を支援するため、在外公館や省庁に配置される研究者・専門家。",
            alt_en=("S&T Fellow",),
        ),
        SmallConcept(
            "st-advisor",
            "Science and Technology Advisor to the Minister for Foreign Affairs",
            "外務大臣科学技術顧問",
            "A scientist appointed to advise the foreign minister on the use of science and "
            "technology in foreign policy.",
            "外交政策における科学技術の活用について外務大臣に助言するために任命される科学者。",
            alt_en=("S&T Advisor to the Foreign Minister",),
            alt_ja=("科学技術顧問",),
        ),
        SmallConcept(
            "st-co-advisor",
            "Science and Technology Co-Advisor to the Minister for Foreign Affairs",
            "外務大臣次席科学技術顧問",
            "A scientist appointed to assist the science and technology advisor to the foreign "
            "minister and to advise the minister alongside them.",
            "外務大臣科学技術顧問を補佐し、ともに外務大臣に助言するために任命される科学者。",
            alt_en=("S&T Co-Advisor to the Foreign Minister",),
            alt_ja=("次席科学技術顧問",),
        ),
        SmallConcept(
            "coordinator",
            "Coordinator",
            "コーディネーター",
            "The participant that leads the consortium of a collaborative project (e.g. in "
            "Horizon Europe) and is the main contact of the funder.",
            "共同研究プロジェクト（ホライズン・ヨーロッパなど）でコンソーシアムを取りまとめ、資金"
            "配分機関との主たる窓口となる参加機関。",
            alt_ja=("代表機関",),
        ),
        SmallConcept(
            "participant",
            "Participant",
            "参加機関",
            "An organisation that is a beneficiary of a collaborative project: it signs the "
            "grant agreement and carries out part of the work.",
            "共同研究プロジェクトの受益者として助成契約に署名し、研究の一部を実施する機関。",
            alt_en=("Beneficiary",),
        ),
        SmallConcept(
            "associated-partner",
            "Associated Partner",
            "準参加機関",
            "An organisation that takes part in a collaborative project without signing the "
            "grant agreement and, usually, without receiving funding from it.",
            "助成契約に署名せず、通常はその資金も受けずに共同研究プロジェクトに参加する機関。",
        ),
        SmallConcept(
            "third-party",
            "Third Party",
            "第三者機関",
            "An entity linked to a participant (e.g. an affiliated entity) that contributes to "
            "a project under the participant's responsibility.",
            "参加機関と関係を持ち（関連機関など）、その参加機関の責任の下でプロジェクトに貢献する主体。",
            alt_en=("Linked third party",),
        ),
        SmallConcept(
            "senior-strategist",
            "Senior Strategist",
            "シニアストラテジスト",
            "A senior staff member of a funding agency or policy institute who develops "
            "strategy, for example for research programmes or international collaboration.",
            "資金配分機関や政策研究機関において、研究プログラムや国際連携などの戦略立案を担う上級職員。",
        ),
    ),
)

PROGRAMME_TYPES: Final = SmallScheme(
    file_name="programme-types.ttl",
    kind="programme-type",
    scheme_key="programme-types",
    label_en="Programme types",
    label_ja="プログラムの種別",
    definition_en="Kinds of research, exchange and cooperation programmes.",
    definition_ja="研究・交流・協力プログラムの種別。",
    extra_types=(),
    concepts=(
        SmallConcept(
            "funding",
            "Funding programme",
            "研究助成プログラム",
            "A programme that awards research grants, usually competitively (e.g. KAKENHI).",
            "研究費を、通常は競争的に配分するプログラム（科研費など）。",
            alt_ja=("研究資金配分プログラム",),
        ),
        SmallConcept(
            "exchange",
            "Exchange programme",
            "交流プログラム",
            "A programme that supports the mobility and exchange of researchers or students "
            "(e.g. fellowships and bilateral exchanges).",
            "研究者や学生の派遣・受入れなど人的交流を支援するプログラム（フェローシップ、二国間交流事業など）。",
        ),
        SmallConcept(
            "centre-initiative",
            "Research centre initiative",
            "研究拠点形成プログラム",
            "A programme that establishes and funds research centres over a long period (e.g. "
            "the World Premier International Research Center Initiative, WPI).",
            "長期にわたって研究拠点を形成・支援するプログラム（世界トップレベル研究拠点プログラム（WPI）など）。",
        ),
        SmallConcept(
            "framework-programme",
            "Framework programme",
            "枠組みプログラム",
            "A multi-annual umbrella programme under which many funding schemes are run (e.g. "
            "the EU's Horizon Europe).",
            "多数の助成スキームを包含する複数年の枠組みプログラム（EU のホライズン・ヨーロッパなど）。",
            alt_ja=("フレームワーク・プログラム",),
        ),
        SmallConcept(
            "initiative",
            "Initiative",
            "イニシアティブ",
            "A policy or cooperation initiative that is not mainly a funding instrument (e.g. "
            "an intergovernmental science and technology cooperation framework or network).",
            "主として資金配分を目的としない政策的・協力的な取組（政府間の科学技術協力の枠組みやネットワークなど）。",
        ),
    ),
)


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

GENERATED: Final = (
    "Generated by ontology/vocab/build.py; do not edit by hand.",
    "Regenerate: .venv/bin/python ontology/vocab/build.py "
    "--kaken ../shared/data/kaken-jsps/master_xml --out ontology/vocab",
)


def choose_field_source(kaken: Path, wanted: str) -> FieldSource:
    if wanted != "auto":
        return FIELD_SOURCES[wanted]
    return REVIEW_SECTION if (kaken / REVIEW_SECTION.file_name).exists() else SAIMOKU


@dataclass(frozen=True)
class Output:
    """One generated file, rendered and checked before anything is written."""

    name: str
    data: bytes
    triples: int
    summary: str


def render_output(name: str, header: Sequence[str], resources: list[Resource], summary: str) -> Output:
    data = render_turtle([*GENERATED, *header], resources).encode("utf-8")
    return Output(name, data, count_triples(data, name), summary)


def build(kaken: Path, out: Path, field_source: str, log: Callable[[str], None]) -> None:
    """Read every source, render and parse-check every file, then write them all."""
    outputs: list[Output] = []

    source = choose_field_source(kaken, field_source)
    table = read_field_table(kaken / source.file_name, source)
    header = (
        f"Source: {source.file_name}, <{source.table_tag} type={source.table_type} "
        f"start_date={table.start_date}> (NII KAKEN master tables; facts, no licence stated).",
    )
    summary = f"{len(table.fields)} concepts, per level {_level_counts(table)}"
    outputs.append(render_output("fields-kaken.ttl", header, build_fields(table), summary))

    report = CountryReport()
    kaken_names, report.kaken_unmapped = read_kaken_countries(kaken / "country_name_master_kakenhi.xml")
    countries = build_countries(kaken_names, report)
    codes = {r.subject.value.rsplit("/", 1)[1] for r in countries[1:]}
    version = importlib.metadata.version("pycountry")
    header = (
        f"Sources: pycountry {version} (ISO 3166-1, Debian iso-codes, LGPL-2.1), "
        "iso-codes Japanese translation, NII KAKEN country_name_master_kakenhi.xml.",
    )
    summary = f"{len(codes)} countries, {len(REGIONS)} regions"
    outputs.append(render_output("countries.ttl", header, countries + build_regions(codes), summary))

    for spec in (MISSION_TYPES, ROLES, PROGRAMME_TYPES):
        header = ("Source: the stigraph model spec (docs and hand-written labels).",)
        summary = f"{len(spec.concepts)} concepts"
        outputs.append(render_output(spec.file_name, header, build_small_scheme(spec), summary))

    out.mkdir(parents=True, exist_ok=True)
    for output in outputs:
        target = out / output.name
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(output.data)
        tmp.replace(target)

    log(f"field source: {source.key} ({source.file_name}, start_date={table.start_date})")
    for output in outputs:
        log(f"{output.name:22} {output.triples:6} triples  {output.summary}")
    log(
        f"countries: {report.from_iso_codes} Japanese names from iso-codes, "
        f"{len(report.from_kaken)} from KAKEN {report.from_kaken}, "
        f"{len(report.manual)} by hand {report.manual}"
    )
    for line in report.overridden:
        log(f"countries: override {line}")
    log(f"countries: KAKEN records without an ISO alpha-2: {report.kaken_unmapped}")


def _level_counts(table: FieldTable) -> dict[int, int]:
    depth: dict[str, int] = {}

    def walk(code: str, level: int) -> None:
        depth[code] = min(depth.get(code, level), level)
        for child in table.fields[code].narrower:
            walk(child, level + 1)

    for root in table.roots:
        walk(root, 1)
    counts: dict[int, int] = {}
    for level in depth.values():
        counts[level] = counts.get(level, 0) + 1
    return dict(sorted(counts.items()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kaken", type=Path, required=True, help="folder with the KAKEN master XML tables")
    parser.add_argument("--out", type=Path, required=True, help="output folder (ontology/vocab)")
    parser.add_argument(
        "--field-source",
        choices=("auto", *FIELD_SOURCES),
        default="auto",
        help="KAKEN field table: review-section (FY2018+, needs "
        "review_section_master_kakenhi.xml), saimoku, or auto (review-section when present)",
    )
    args = parser.parse_args(argv)
    try:
        build(args.kaken, args.out, args.field_source, lambda m: print(m, file=sys.stderr))
    except (BuildError, OSError) as exc:
        print(f"build.py: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
