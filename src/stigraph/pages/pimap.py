"""The PI Map of one mission: the researchers in its jurisdiction (working at an institution in a
place the mission covers, or on a PI list it published), by field and institution, and a map
drawn as SVG from the institutions' coordinates with no tile server (the service runs where
external requests are not allowed, and a partner's browser should not call a third party).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html import escape

from pyoxigraph import NamedNode

from stigraph.pages.describe import PREFIXES, Ask, Labelled

MAX_PIS = 5000
PIS = (
    PREFIXES
    + f"""SELECT ?s ?person ?plabel ?org ?olabel ?field ?flabel ?lat ?long ?how WHERE {{
  {{
    {{ ?s sg:jurisdiction ?top . ?place schema:containedInPlace* ?top . ?org sg:country|sg:city ?place .
       ?pos sg:organization ?org ; sg:holder ?person . ?person a sg:Researcher .
       FILTER NOT EXISTS {{ ?pos sg:endDate ?ended }}
       OPTIONAL {{ ?org rdfs:label ?olabel }}
       OPTIONAL {{ ?org schema:latitude ?lat ; schema:longitude ?long }}
       BIND("jurisdiction" AS ?how) }}
    UNION
    {{ ?person sg:listedIn/sg:publishedBy ?s .
       OPTIONAL {{ ?pos sg:holder ?person ; sg:organization ?org FILTER NOT EXISTS {{ ?pos sg:endDate ?ended }}
                  OPTIONAL {{ ?org rdfs:label ?olabel }}
                  OPTIONAL {{ ?org schema:latitude ?lat ; schema:longitude ?long }} }}
       BIND("pilist" AS ?how) }}
  }}
  OPTIONAL {{ ?person rdfs:label ?plabel }}
  OPTIONAL {{ ?person sg:researchField ?field OPTIONAL {{ ?field rdfs:label|skos:prefLabel ?flabel }} }}
}} LIMIT {MAX_PIS}"""
)
MISSION_PLACE = PREFIXES + """SELECT ?s ?lat ?long WHERE { ?s schema:latitude ?lat ; schema:longitude ?long } LIMIT 1"""


@dataclass
class PI:
    person: Labelled
    institutions: dict[str, Labelled] = field(default_factory=dict)
    fields: dict[str, Labelled] = field(default_factory=dict)
    listed: bool = False


@dataclass
class Marker:
    institution: Labelled
    lat: float
    long: float
    people: int


@dataclass
class PIMap:
    mission: Labelled
    pis: list[PI]
    markers: list[Marker]
    mission_at: tuple[float, float] | None
    truncated: bool

    def by_field(self, lang: str) -> list[tuple[str, int]]:
        return _tally((pi.fields for pi in self.pis), lang)

    def by_institution(self, lang: str) -> list[tuple[str, int]]:
        return _tally((pi.institutions for pi in self.pis), lang)


def _tally(groups: Iterable[dict[str, Labelled]], lang: str) -> list[tuple[str, int]]:
    """Researchers per name, most first; a researcher with none counts under ""."""
    counts: dict[str, int] = {}
    for group in groups:
        for name in {pick(item.labels, lang) for item in group.values()} or {""}:
            counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def pick(labels: dict[str, str], lang: str) -> str:
    """The label in ``lang``, falling back to English, then to any (ja -> en -> the rest)."""
    for key in (lang, "en", ""):
        if key in labels:
            return labels[key]
    return next(iter(labels.values()), "")


def _float(term: object) -> float | None:
    try:
        value = float(Decimal(getattr(term, "value", "")))
    except (InvalidOperation, ValueError):
        return None
    return value if math.isfinite(value) else None


async def pi_map(ask: Ask, mission: NamedNode, labels: Labelled) -> PIMap:
    rows = await ask(PIS, mission)
    pis: dict[str, PI] = {}
    places: dict[str, tuple[Labelled, float, float, set[str]]] = {}
    for row in rows:
        pid = row["person"].value
        pi = pis.setdefault(pid, PI(Labelled(row["person"])))
        pi.person.add(row.get("plabel"))
        pi.listed = pi.listed or row["how"].value == "pilist"
        org = row.get("org")
        if org is not None:
            inst = pi.institutions.setdefault(org.value, Labelled(org))
            inst.add(row.get("olabel"))
            lat, long = _float(row.get("lat")), _float(row.get("long"))
            if lat is not None and long is not None:
                entry = places.setdefault(org.value, (inst, lat, long, set()))
                entry[3].add(pid)
        if row.get("field") is not None:
            pi.fields.setdefault(row["field"].value, Labelled(row["field"])).add(row.get("flabel"))
    at = None
    for row in await ask(MISSION_PLACE, mission):
        lat, long = _float(row.get("lat")), _float(row.get("long"))
        if lat is not None and long is not None:
            at = (lat, long)
    markers = [Marker(inst, lat, long, len(people)) for inst, lat, long, people in places.values()]
    ordered = sorted(pis.values(), key=lambda p: pick(p.person.labels, "en"))
    return PIMap(labels, ordered, markers, at, truncated=len(rows) >= MAX_PIS)


def to_csv(m: PIMap, lang: str) -> bytes:
    """One row per researcher and institution, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["researcher", "name", "institution", "institution_name", "fields", "on_pi_list"])
    for pi in m.pis:
        fields = "; ".join(sorted(pick(f.labels, lang) for f in pi.fields.values()))
        for inst in pi.institutions.values() or [None]:
            writer.writerow(
                [
                    pi.person.iri,
                    pick(pi.person.labels, lang),
                    inst.iri if inst is not None else "",
                    pick(inst.labels, lang) if inst is not None else "",
                    fields,
                    "yes" if pi.listed else "no",
                ]
            )
    return out.getvalue().encode()


def svg(m: PIMap, lang: str, width: int = 720, height: int = 420) -> str:
    """An equirectangular map of the markers' bounding box, padded, with a graticule; marker area
    grows with the number of researchers; every marker has a <title> for its tooltip."""
    points = [(mk.lat, mk.long) for mk in m.markers] + ([m.mission_at] if m.mission_at else [])
    if not points:
        return ""
    lats, longs = [p[0] for p in points], [p[1] for p in points]
    pad = 0.5 if max(lats) - min(lats) < 3 and max(longs) - min(longs) < 3 else 2.0
    south, north = max(-90.0, min(lats) - pad), min(90.0, max(lats) + pad)
    west, east = max(-180.0, min(longs) - pad), min(180.0, max(longs) + pad)
    scale = min(width / (east - west), height / (north - south))

    def xy(lat: float, long: float) -> tuple[float, float]:
        return (round((long - west) * scale, 1), round((north - lat) * scale, 1))

    w, h = round((east - west) * scale), round((north - south) * scale)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pimap" viewBox="0 0 {w} {h}" '
        f'width="{w}" height="{h}" role="img" aria-label="map">',
        f'<rect width="{w}" height="{h}" fill="#eef4fb"/>',
    ]
    step = 1 if north - south < 10 else 5 if north - south < 40 else 15
    grid = 'stroke="#c8d6e5" stroke-width="0.5"'
    legend = 'font-size="10" fill="#57606a"'
    for lat in range(math.ceil(south / step) * step, math.floor(north) + 1, step):
        y = xy(lat, west)[1]
        parts.append(f'<line class="graticule" x1="0" y1="{y}" x2="{w}" y2="{y}" {grid}/>')
        parts.append(f'<text x="2" y="{y - 2}" {legend}>{abs(lat)}°{"N" if lat >= 0 else "S"}</text>')
    for long in range(math.ceil(west / step) * step, math.floor(east) + 1, step):
        x = xy(south, long)[0]
        parts.append(f'<line class="graticule" x1="{x}" y1="0" x2="{x}" y2="{h}" {grid}/>')
        parts.append(f'<text x="{x + 2}" y="{h - 3}" {legend}>{abs(long)}°{"E" if long >= 0 else "W"}</text>')
    for mk in sorted(m.markers, key=lambda mk: -mk.people):
        x, y = xy(mk.lat, mk.long)
        r = round(4 + 3 * math.sqrt(mk.people), 1)
        name = escape(pick(mk.institution.labels, lang))
        parts.append(
            f'<circle class="marker" cx="{x}" cy="{y}" r="{r}" fill="#1f6feb" fill-opacity="0.6" stroke="#0b3d91">'
            f"<title>{name}: {mk.people}</title></circle>"
            f'<text class="marker-label" x="{x + r + 3}" y="{y + 4}" font-size="12" fill="#1f2328">{name}</text>'
        )
    if m.mission_at:
        x, y = xy(*m.mission_at)
        parts.append(
            f'<rect class="mission" x="{x - 5}" y="{y - 5}" width="10" height="10" fill="#cf222e">'
            f"<title>{escape(pick(m.mission.labels, lang))}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)
