"""A SPARQL lexer that checks a request before any engine sees it.

pyoxigraph 0.5.13 overflows its stack (SIGSEGV) on ~2,200 nested groups and lets ``SERVICE``
and ``LOAD`` fetch any URL, loopback included. A full parse in Python would cost milliseconds on
the hot path; the terminals of the SPARQL grammar are enough to tell what matters here:

* how deep ``{``, ``(`` and ``[`` nest;
* whether the keywords ``SERVICE`` or ``LOAD`` occur as code (not inside a string, an IRI or a
  comment), however the target is written (prefixed name, relative IRI, variable);
* the query form and whether the text names its own dataset (``FROM``, ``USING``, ``WITH``).

SPARQL allows ``\\uXXXX`` escapes anywhere in the text (SPARQL 1.1 §19.2), so the checks run on
the text as written *and* on the text with escapes decoded: a keyword hidden by an escape is
still found.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from stigraph.errors import ErrorContext, QueryError

FORBIDDEN = frozenset({"SERVICE", "LOAD"})
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
_OPEN = {"{": "}", "(": ")", "[": "]"}
_CLOSE = frozenset(_OPEN.values())

# Terminals, in the order the grammar resolves them (longest match: long strings before short).
_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
    | (?P<word>[A-Za-z_\u00C0-\uFFFF][\w\-.\u00B7\u00C0-\uFFFF]*(?::[^\s{}()\[\];,<>"'\#]*)?
                |:[^\s{}()\[\];,<>"'\#]*)
    | (?P<bnode>_:[^\s{}()\[\];,.]+)
    | (?P<punct>[{}()\[\]])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class QueryInfo:
    """What the checks learnt about one request text."""

    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE, or UPDATE
    names_dataset: bool  # FROM / FROM NAMED (query) or USING / WITH (update)
    depth: int


class QueryRefused(QueryError):
    """The text is refused before an engine sees it (too big, too deep, or reaches outside)."""

    code = "query_refused"


@dataclass(frozen=True)
class Token:
    kind: str  # ws, comment, string, iri, var, word, bnode, punct, other
    text: str
    start: int
    end: int


def tokens(text: str, *, skip_blank: bool = True) -> Iterator[Token]:
    """The SPARQL terminals of ``text`` in order (whitespace and comments left out by default)."""
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if skip_blank and kind in ("ws", "comment"):
            continue
        yield Token(kind, m.group(), m.start(), m.end())


def decode_escapes(text: str) -> str:
    """Apply SPARQL's codepoint escapes (``\\u0053`` -> ``S``); invalid code points stay escaped."""

    def repl(m: re.Match[str]) -> str:
        cp = int(m.group(1) or m.group(2), 16)
        return chr(cp) if cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else m.group(0)

    return _ESCAPE.sub(repl, text)


def _scan(text: str, *, max_depth: int) -> tuple[list[str], int]:
    """Upper-cased bare words (keywords) of ``text`` and its deepest nesting."""
    words: list[str] = []
    depth = deepest = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "word":
            word = m.group()
            if ":" not in word:
                words.append(word.upper())
        elif kind == "punct":
            ch = m.group()
            if ch in _OPEN:
                depth += 1
                if depth > deepest:
                    deepest = depth
                    if deepest > max_depth:
                        return words, deepest
            elif ch in _CLOSE and depth:
                depth -= 1
    return words, deepest


_CACHED_TEXT = 8192  # texts up to this many characters are remembered (analysts repeat queries)


def check(text: str, *, max_bytes: int, max_depth: int, update: bool = False) -> QueryInfo:
    """Refuse what must never reach the engine; describe the rest.

    The scan is pure, so a text already accepted under the same limits is not scanned again: a
    dashboard or a script repeats the same few queries, and scanning a profile query costs about
    as much as the engine answering it. Refusals are not remembered (they raise every time).
    """
    if len(text) <= _CACHED_TEXT:
        return _check_cached(text, max_bytes, max_depth, update)
    return _check(text, max_bytes=max_bytes, max_depth=max_depth, update=update)


@functools.lru_cache(maxsize=1024)
def _check_cached(text: str, max_bytes: int, max_depth: int, update: bool) -> QueryInfo:
    return _check(text, max_bytes=max_bytes, max_depth=max_depth, update=update)


def _check(text: str, *, max_bytes: int, max_depth: int, update: bool) -> QueryInfo:
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise QueryRefused(
            f"the {'update' if update else 'query'} is larger than {max_bytes} bytes",
            context=ErrorContext(expected=f"at most {max_bytes} bytes"),
        )
    variants = [text]
    decoded = decode_escapes(text)
    if decoded != text:
        variants.append(decoded)
    words: list[str] = []
    depth = 0
    for variant in variants:
        w, d = _scan(variant, max_depth=max_depth)
        words = words or w
        depth = max(depth, d)
        if d > max_depth:
            raise QueryRefused(
                f"the text nests {{ ( [ deeper than {max_depth} levels",
                context=ErrorContext(expected=f"nesting depth at most {max_depth}"),
            )
        bad = FORBIDDEN.intersection(w)
        if bad:
            keyword = sorted(bad)[0]
            raise QueryRefused(
                f"{keyword} is not allowed here: this endpoint does not fetch remote data",
                context=ErrorContext(field=keyword),
            )
    return QueryInfo(form=_form(words, update), names_dataset=_names_dataset(words, update), depth=depth)


def _form(words: list[str], update: bool) -> str:
    if update:
        return "UPDATE"
    for w in words:
        if w in QUERY_FORMS:
            return w
    return "UPDATE" if any(w in UPDATE_KEYWORDS for w in words) else "SELECT"


def _names_dataset(words: list[str], update: bool) -> bool:
    if update:
        return "USING" in words or "WITH" in words
    return "FROM" in words


def add_using(text: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """The update with ``USING``/``USING NAMED`` clauses for the protocol's ``using-graph-uri``
    and ``using-named-graph-uri`` parameters, placed before the ``WHERE`` of every
    ``DELETE``/``INSERT ... WHERE`` operation (SPARQL 1.1 Protocol §2.2.3).

    The clauses are made from IRIs checked by the caller and written in N-Triples form; the
    text of the update itself is not touched. ``DELETE WHERE`` takes no ``USING`` and is left
    as it is.
    """
    from pyoxigraph import NamedNode

    clause = " ".join(
        [f"USING {NamedNode(g)}" for g in default_graphs] + [f"USING NAMED {NamedNode(g)}" for g in named_graphs]
    )
    cuts: list[int] = []
    depth = 0
    previous = ""
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "punct":
            depth += 1 if m.group() in _OPEN else -1 if m.group() in _CLOSE else 0
        elif kind == "word" and ":" not in m.group():
            word = m.group().upper()
            if word == "WHERE" and depth == 0 and previous != "DELETE":
                cuts.append(m.start())
            previous = word
        elif kind not in ("ws", "comment"):
            previous = ""
    for pos in reversed(cuts):
        text = f"{text[:pos]}{clause} {text[pos:]}"
    return text


def named_iris(text: str) -> set[str]:
    """Every absolute IRI the text names: written in full, or as a prefixed name of a ``PREFIX``
    it declares. A remote engine's free-form update may write graphs outside stigraph's
    namespace; the graphs it names that then hold data are the ones it wrote (an engine's own
    graphs, which it does not name, stay out of stigraph's list)."""
    found: set[str] = set()
    prefixes: dict[str, str] = {}
    seq = list(tokens(decode_escapes(text)))
    for i, t in enumerate(seq):
        if t.kind == "iri":
            found.add(t.text[1:-1])
        elif t.kind == "word" and t.text.upper() == "PREFIX" and i + 2 < len(seq) and seq[i + 2].kind == "iri":
            prefixes[seq[i + 1].text.rstrip(":")] = seq[i + 2].text[1:-1]
    for t in seq:
        if t.kind == "word" and ":" in t.text and t.text.upper() != "PREFIX":
            prefix, _, local = t.text.partition(":")
            if prefix in prefixes:
                found.add(prefixes[prefix] + local)
    return {iri for iri in found if ":" in iri}  # relative IRIs say nothing without their base


_EVERY_GRAPH = {"ALL", "NAMED"}


def written_graphs(text: str) -> set[str] | None:
    """The named graphs a SPARQL update can write, or None when the text does not say.

    What an update writes is the default graph or a graph it names: in a template
    (``GRAPH <g>``, ``WITH <g>``) or an operation (``CLEAR GRAPH <g>``, ``ADD <a> TO <b>``). So the
    IRIs it names bound what it writes, unless a graph is a variable (``GRAPH ?g``), the update
    clears or drops ``ALL`` or ``NAMED`` graphs (``USING NAMED`` counts too: a harmless over-
    estimate), or an IRI is relative (its base decides the graph). Naming more than it writes
    is harmless: the caller only does per-graph work again."""
    seq = list(tokens(decode_escapes(text)))
    for i, t in enumerate(seq):
        if t.kind == "iri" and ":" not in t.text:
            return None
        if t.kind == "word" and t.text.upper() in _EVERY_GRAPH:
            return None
        if t.kind == "word" and t.text.upper() == "GRAPH" and i + 1 < len(seq) and seq[i + 1].kind == "var":
            return None
    return named_iris(text)
