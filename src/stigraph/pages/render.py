"""HTML for people to read: entity pages, the PI Map of a mission and search results, in
Japanese or English.

Labels fall back ja -> en -> any, so a page in Japanese is complete even where a source gave
only English names. Links to entities stay on this service (``/id/...``) whatever base the IRIs
were minted under, so a deployment under test or behind a proxy is browsable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from pyoxigraph import Literal, NamedNode

from stigraph.namespaces import DCTERMS, FOAF, OWL, RDF, RDFS, SCHEMA, SKOS, Minter
from stigraph.pages.describe import Affiliation, EntityView, Fact, Labelled
from stigraph.pages.pimap import PIMap, pick, svg

LANGUAGES = (("en", "English"), ("ja", "日本語"))
TEXT: dict[str, dict[str, str]] = {
    "en": {
        "search": "Search",
        "search_placeholder": "Name in English or Japanese",
        "affiliations": "Affiliations",
        "members": "People",
        "missions": "Missions whose jurisdiction covers this",
        "programmes": "Programmes and projects",
        "project": "Project",
        "coauthors": "Co-authors",
        "facts": "Facts",
        "inbound": "Referred to by",
        "formats": "This page as data",
        "organisation": "Institution",
        "role": "Role",
        "period": "Period",
        "source": "Source",
        "person": "Person",
        "papers": "Papers",
        "example": "Example",
        "property": "Property",
        "value": "Value",
        "node": "Entity",
        "truncated": "Only part of the data is shown: this entity has more facts than a page holds.",
        "pimap": "PI Map",
        "paths": "How is this person connected to others?",
        "mission_page": "Mission page",
        "download": "Download",
        "pi_count": "{n} researchers",
        "map_caption": "Institutions (circles, sized by researchers) and the mission (square).",
        "no_coordinates": "No institution in this list has coordinates, so there is no map.",
        "by_field": "By field",
        "by_institution": "By institution",
        "field": "Field",
        "count": "Researchers",
        "unknown": "(not recorded)",
        "researchers": "Researchers",
        "on_pi_list": "on a PI list the mission published",
        "results": "{n} results for “{q}”",
        "now": "present",
        "loaded": "loaded",
    },
    "ja": {
        "search": "検索",
        "search_placeholder": "氏名・機関名（日本語・英語）",
        "affiliations": "所属",
        "members": "人物",
        "missions": "管轄する在外公館",
        "programmes": "プログラム・プロジェクト",
        "project": "プロジェクト",
        "coauthors": "共著者",
        "facts": "データ",
        "inbound": "参照元",
        "formats": "このページのデータ",
        "organisation": "機関",
        "role": "役職",
        "period": "期間",
        "source": "出典",
        "person": "人物",
        "papers": "論文数",
        "example": "例",
        "property": "項目",
        "value": "値",
        "node": "エンティティ",
        "truncated": "データの一部のみを表示しています。",
        "pimap": "PIマップ",
        "paths": "この研究者とのつながりを調べる",
        "mission_page": "在外公館のページ",
        "download": "ダウンロード",
        "pi_count": "研究者 {n} 名",
        "map_caption": "機関（円の大きさは研究者数）と在外公館（四角）。",
        "no_coordinates": "座標のある機関がないため、地図はありません。",
        "by_field": "分野別",
        "by_institution": "機関別",
        "field": "分野",
        "count": "研究者数",
        "unknown": "（記録なし）",
        "researchers": "研究者",
        "on_pi_list": "在外公館が公表したPIリストに掲載",
        "results": "「{q}」の検索結果 {n} 件",
        "now": "現在",
        "loaded": "取込",
    },
}
KIND_LABELS = {
    "en": {
        "person": "Researcher",
        "org": "Institution",
        "organization": "Institution",
        "mission": "Diplomatic mission",
        "programme": "Programme",
        "field": "Research field",
        "project": "Project",
    },
    "ja": {
        "person": "研究者",
        "org": "機関",
        "organization": "機関",
        "mission": "在外公館",
        "programme": "プログラム",
        "field": "研究分野",
        "project": "プロジェクト",
    },
}


STANDARD = {
    RDF + "type": {"en": "type", "ja": "種別"},
    RDFS + "label": {"en": "name", "ja": "名称"},
    SKOS + "prefLabel": {"en": "preferred name", "ja": "優先名称"},
    SKOS + "altLabel": {"en": "other name", "ja": "別名"},
    SKOS + "notation": {"en": "code", "ja": "コード"},
    SKOS + "broader": {"en": "broader", "ja": "上位"},
    SKOS + "narrower": {"en": "narrower", "ja": "下位"},
    SKOS + "inScheme": {"en": "in scheme", "ja": "体系"},
    SKOS + "topConceptOf": {"en": "top concept of", "ja": "最上位概念"},
    FOAF + "familyName": {"en": "family name", "ja": "姓"},
    FOAF + "givenName": {"en": "given name", "ja": "名"},
    SCHEMA + "alternateName": {"en": "also written", "ja": "別表記"},
    SCHEMA + "honorificPrefix": {"en": "title", "ja": "敬称"},
    SCHEMA + "latitude": {"en": "latitude", "ja": "緯度"},
    SCHEMA + "longitude": {"en": "longitude", "ja": "経度"},
    DCTERMS + "source": {"en": "source document", "ja": "出典文書"},
    DCTERMS + "issued": {"en": "issued", "ja": "発行"},
    DCTERMS + "creator": {"en": "creator", "ja": "作成者"},
    OWL + "sameAs": {"en": "same as", "ja": "同一"},
}
"""Names of the standard properties our ontology reuses without labelling them itself."""


@dataclass(frozen=True)
class Source:
    """Where the facts of one graph came from."""

    title: str
    loaded: str  # date of the load


def choose_language(param: str | None, accept_language: str | None) -> str:
    if param in ("en", "ja"):
        return param
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("ja"):
            return "ja"
        if tag.startswith("en"):
            return "en"
    return "en"


class Renderer:
    def __init__(self, minter: Minter) -> None:
        self.minter = minter
        self.env = Environment(loader=PackageLoader("stigraph.pages", "templates"), autoescape=select_autoescape())

    # -- helpers ----------------------------------------------------------------------
    def href(self, iri: str | None) -> str | None:
        """A link for an IRI: entities of this graph stay on this service."""
        if iri is None:
            return None
        prefix = self.minter.base + "id/"
        if iri.startswith(prefix):
            return "/id/" + iri[len(prefix) :]
        return iri if iri.startswith(("http://", "https://")) else None

    def _name(self, item: Labelled, lang: str) -> str:
        if item.labels:
            return pick(item.labels, lang)
        term = item.term
        if isinstance(term, NamedNode) and term.value in STANDARD:
            return STANDARD[term.value][lang]
        if isinstance(term, NamedNode):
            return term.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if isinstance(term, Literal):
            return term.value
        return "" if term is None else str(term.value)

    def _source(self, graph: str, sources: dict[str, Source], lang: str) -> str:
        owner = self.minter.graph_source(graph)
        src = sources.get(graph)
        if src is None:
            return owner[0] if owner else graph
        return f"{src.title or (owner[0] if owner else graph)} ({TEXT[lang]['loaded']} {src.loaded[:10]})"

    def _period(self, start: str | None, end: str | None, lang: str) -> str:
        if start is None and end is None:
            return ""
        return f"{(start or '')[:10]}–{(end or TEXT[lang]['now'])[:10]}"

    def _common(self, lang: str, title: str, path: str, params: dict[str, str]) -> dict[str, Any]:
        switch = {code: f"{path}?{urlencode({**params, 'lang': code})}" for code, _ in LANGUAGES}
        return {"lang": lang, "t": TEXT[lang], "title": title, "languages": LANGUAGES, "switch": switch}

    def _affiliation(self, a: Affiliation, sources: dict[str, Source], lang: str) -> dict[str, Any]:
        role = self._name(a.title, lang) if a.title.labels else self._name(a.role, lang) if a.role.labels else ""
        return {
            "name": self._name(a.other, lang) if a.other else "",
            "href": self.href(a.other.iri) if a.other else None,
            "role": role,
            "period": self._period(a.start, a.end, lang),
            "source": self._source(a.graph, sources, lang),
        }

    def _fact(self, f: Fact, sources: dict[str, Source], lang: str) -> dict[str, Any]:
        value = f.value
        shown = self._name(value, lang)
        if isinstance(value.term, Literal) and value.term.language:
            shown = f"{value.term.value} @{value.term.language}"
        return {
            "predicate": self._name(f.predicate, lang),
            "predicate_iri": f.predicate.iri,
            "value": shown,
            "href": self.href(value.iri),
            "source": self._source(f.graph, sources, lang),
        }

    # -- pages ------------------------------------------------------------------------
    def entity(
        self, view: EntityView, sources: dict[str, Source], lang: str, path: str, alternates: list[dict[str, str]]
    ) -> str:
        title = self._name(view.labels, lang) if view.labels.labels else view.iri.rsplit("/", 1)[-1]
        others = sorted({v for k, v in view.labels.labels.items() if v != title})
        ctx = self._common(lang, title, path, {})
        ctx.update(
            view=view,
            kind=view.kind,
            kind_label=KIND_LABELS[lang].get(view.kind, view.kind),
            types=[n for n in (self._name(t, lang) for t in view.types) if n != KIND_LABELS[lang].get(view.kind)],
            other_names=others,
            alternates=alternates,
            q=None,
            affiliations=[self._affiliation(a, sources, lang) for a in view.affiliations],
            members=[self._affiliation(a, sources, lang) for a in view.members],
            missions=[
                {
                    "name": self._name(m, lang),
                    "href": self.href(m.iri),
                    "pimap": "/pimap/" + (m.iri or "").rsplit("/", 1)[-1],
                }
                for m in view.missions
            ],
            programmes=[{"name": self._name(p, lang), "href": self.href(p.iri)} for p in view.programmes],
            projects=[{"name": self._name(p, lang), "href": self.href(p.iri)} for p in view.projects],
            coauthors=[
                {
                    "name": self._name(c.person, lang),
                    "href": self.href(c.person.iri),
                    "papers": c.papers,
                    "period": self._period(c.first, c.last, lang) if c.first or c.last else "",
                    "example": c.example,
                }
                for c in view.coauthors
            ],
            facts=[self._fact(f, sources, lang) for f in view.facts],
            inbound=[self._fact(f, sources, lang) for f in view.inbound],
            pimap_href="/pimap/" + view.iri.rsplit("/", 1)[-1],
        )
        return self.env.get_template("entity.html").render(ctx)

    def pimap(self, m: PIMap, lang: str, key: str) -> str:
        title = self._name(m.mission, lang)
        ctx = self._common(lang, title, f"/pimap/{key}", {})
        ctx.update(
            alternates=[
                {"type": "text/csv", "href": f"/pimap/{key}.csv", "name": "CSV"},
                {"type": "application/ld+json", "href": f"/pimap/{key}.jsonld", "name": "JSON-LD"},
            ],
            q=None,
            mission_href=self.href(m.mission.iri),
            csv_href=f"/pimap/{key}.csv?lang={lang}",
            jsonld_href=f"/pimap/{key}.jsonld",
            truncated=m.truncated,
            map=svg(m, lang),
            by_field=m.by_field(lang),
            by_institution=m.by_institution(lang),
            pis=[
                {
                    "name": self._name(p.person, lang),
                    "href": self.href(p.person.iri),
                    "listed": p.listed,
                    "institutions": sorted(self._name(i, lang) for i in p.institutions.values()),
                    "fields": sorted(self._name(f, lang) for f in p.fields.values()),
                }
                for p in m.pis
            ],
        )
        return self.env.get_template("pimap.html").render(ctx)

    def search(self, q: str, results: list[dict[str, Any]], lang: str, error: str | None) -> str:
        ctx = self._common(lang, TEXT[lang]["search"], "/search", {"q": q})
        ctx.update(
            alternates=[],
            q=q,
            error=error,
            results=[
                {"label": r["label"], "href": self.href(r["id"]), "kind": KIND_LABELS[lang].get(r["kind"], r["kind"])}
                for r in results
            ],
        )
        return self.env.get_template("search.html").render(ctx)
