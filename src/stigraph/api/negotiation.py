"""Content negotiation: one table per result kind, Accept q-values, and a ``format`` override."""

from __future__ import annotations

from dataclasses import dataclass

from stigraph.errors import StigraphError


@dataclass(frozen=True)
class Format:
    name: str  # key in stigraph.formats, and the value of the ``format`` parameter
    media_type: str  # what the response says it is
    aliases: tuple[str, ...] = ()  # other media types a client may ask for
    short: tuple[str, ...] = ()  # other ``format`` values (the ones YASGUI and Fuseki use)

    @property
    def content_type(self) -> str:
        text = self.media_type.startswith("text/") or self.media_type.endswith(("json", "xml"))
        return f"{self.media_type}; charset=utf-8" if text else self.media_type


# The first entry of each table is the default for */*.
RESULTS = (
    Format("json", "application/sparql-results+json", ("application/json",), ("srj",)),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"), ("srx",)),
    Format("csv", "text/csv"),
    Format("tsv", "text/tab-separated-values", (), ("tab",)),
)
BOOLEAN = RESULTS[:2]  # CSV and TSV have no boolean form
GRAPHS = (
    Format("ttl", "text/turtle", ("application/x-turtle",), ("turtle",)),
    Format("nt", "application/n-triples", ("text/plain",), ("ntriples", "n-triples")),
    Format("nq", "application/n-quads", ("text/x-nquads",), ("nquads", "n-quads")),
    Format("trig", "application/trig"),
    Format("rdfxml", "application/rdf+xml", (), ("xml", "rdf")),
    Format("jsonld", "application/ld+json", (), ("json-ld", "json")),
)
HTML = "text/html"


class NotAcceptable(StigraphError):
    code = "not_acceptable"


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """(media range, q, position) for each entry of an Accept header; malformed entries are skipped."""
    if not header:
        return [("*/*", 1.0, 0)]
    entries = []
    for i, part in enumerate(header.split(",")):
        fields = part.strip().split(";")
        media = fields[0].strip().lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        entries.append((media, q, i))
    return entries or [("*/*", 1.0, 0)]


def _quality(media_type: str, accept: list[tuple[str, float, int]]) -> tuple[float, int, int]:
    """(q, specificity, -position) of the most specific Accept entry matching ``media_type``."""
    best = (0.0, -1, 0)
    kind = media_type.split("/")[0]
    for media, q, pos in accept:
        if media == media_type:
            spec = 2
        elif media == f"{kind}/*":
            spec = 1
        elif media == "*/*":
            spec = 0
        else:
            continue
        if spec > best[1]:
            best = (q, spec, -pos)
    return best if best[1] >= 0 else (0.0, -1, 0)


_CHOSEN: dict[tuple[int, str | None, str | None], Format] = {}
_CHOSEN_MAX = 1024


def choose(table: tuple[Format, ...], accept_header: str | None, format_param: str | None) -> Format:
    """The format to answer in, or NotAcceptable listing what the table offers.

    Clients send the same few Accept headers over and over: a choice made once is remembered
    (the tables are module constants, so their identity is a stable key).
    """
    key = (id(table), accept_header, format_param)
    found = _CHOSEN.get(key)
    if found is None:
        found = _choose(table, accept_header, format_param)
        if len(_CHOSEN) >= _CHOSEN_MAX:
            _CHOSEN.clear()
        _CHOSEN[key] = found
    return found


def _choose(table: tuple[Format, ...], accept_header: str | None, format_param: str | None) -> Format:
    offered = ", ".join(f.media_type for f in table)
    if format_param:
        wanted = format_param.strip().lower()
        for f in table:
            if wanted in (f.name, f.media_type, *f.short, *f.aliases):
                return f
        raise NotAcceptable(f"format {format_param!r} is not offered here; offered: {offered}")
    accept = parse_accept(accept_header)
    best: tuple[tuple[float, int, int, int, int], Format] | None = None
    for index, f in enumerate(table):
        for primary, media in enumerate((f.media_type, *f.aliases)):
            q, spec, pos = _quality(media, accept)
            if q <= 0:
                continue
            # higher q, then the more specific Accept entry, the earlier one, the format's own
            # media type over an alias, and the table's order
            key = (q, spec, pos, -min(primary, 1), -index)
            if best is None or key > best[0]:
                best = (key, f)
    if best is None:
        raise NotAcceptable(f"none of the accepted media types can be produced; offered: {offered}")
    return best[1]


def prefers_html(accept_header: str | None) -> bool:
    """A browser asking for a page: text/html named explicitly and ranked above every result type."""
    if not accept_header or HTML not in accept_header.lower():
        return False
    accept = parse_accept(accept_header)
    html = _quality(HTML, accept)
    if html[1] != 2 or html[0] <= 0:
        return False
    others = [_quality(m, accept) for f in RESULTS + GRAPHS for m in (f.media_type, *f.aliases)]
    return all(o[1] < 2 or o[0] < html[0] for o in others)
