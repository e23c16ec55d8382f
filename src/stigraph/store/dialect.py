"""What differs between SPARQL engines behind the same protocol, in one place.

Every rule here was seen on a real server (Virtuoso 07.20.3229 from Debian's
``virtuoso-opensource-7`` 7.2.5.1, and ``oxigraph serve`` 0.5) and is tested against it in
tests/test_remote_store.py; docs/scaling.md lists them for operators.

- **Dataset escapes.** The SPARQL 1.1 Protocol says ``default-graph-uri``/``named-graph-uri``
  replace any dataset the query names. Virtuoso *merges* a query's ``FROM`` with them, lets
  ``GRAPH ?g`` range over every graph of the server when only ``default-graph-uri`` is given, and
  reads ``define input:default-graph-uri`` pragmas and ``bif:``/``sql:`` functions inside the
  query. So a scoped query must not name a dataset, must not carry engine pragmas or built-in
  function IRIs, and always gets both parameters (an empty side is given as a graph that never
  exists).
- **Counts outside the dataset.** ``SELECT (COUNT(*) AS ?n) WHERE { GRAPH <g> {...} }`` for a
  graph ``g`` not in the dataset counts the dataset's own triples on Virtuoso (SPARQL says 0);
  the rows themselves stay hidden, so nothing of ``g`` is revealed, but the number is wrong.
- **ASK.** Virtuoso answers an ASK in JSON and XML as a one-row table of ``__ASK_RETVAL``
  (an ``xsd:integer`` 0 or 1), not as ``{"boolean": ...}``.
- **Truncation.** Virtuoso cuts every answer at its ``ResultSetMaxRows`` and still answers 200;
  it says so only in an ``X-SPARQL-MaxRows`` header (and the row count equals the cap). A Graph
  Store read is cut the same way with no header at all.
- **JSON literals.** Virtuoso writes ``"type": "typed-literal"`` (the 2007 Note's form);
  pyoxigraph's parser reads it as a literal with its datatype, so nothing is needed.
- **TSV.** Virtuoso writes IRIs as quoted strings in TSV: stigraph asks only for JSON or N-Triples.
- **Direct POST.** Virtuoso never answers a POST with ``Content-Type: application/sparql-query``:
  stigraph sends queries form-encoded.
- **Errors.** Virtuoso answers 500 to a query its compiler rejects (``SQ156 Internal Optimized
  compiler error``) and to bad Graph Store input (which it reports as "unsupported type
  text/plain" whatever the type sent): those are not retried.
- **Default graph.** Virtuoso has none of its own (a query without a dataset sees every graph,
  the server's system graphs included); ``INSERT DATA`` without ``GRAPH`` is refused (SP031) and
  the Graph Store's ``?default`` answers 500. stigraph writes only to named graphs.
"""

from __future__ import annotations

from typing import Literal

from stigraph.errors import ErrorContext
from stigraph.sparql.lexer import QueryRefused, decode_escapes, tokens

EngineKind = Literal["generic", "oxigraph", "virtuoso"]

# given for the empty side of a dataset: a graph no one can create through stigraph
NO_GRAPH = "urn:stigraph:no-graph"
ASK_COLUMN = "__ASK_RETVAL"
MAX_ROWS_HEADER = "x-sparql-maxrows"

# IRI schemes Virtuoso runs as built-in SQL functions rather than treating as data
_BUILTIN_SCHEMES = ("bif:", "sql:")
# words that are not SPARQL but that Virtuoso reads as instructions before or inside a query
_PRAGMAS = frozenset({"DEFINE"})


def guard_scoped(text: str) -> None:
    """Refuse a query that could read outside the dataset it is sent with."""
    for variant in {text, decode_escapes(text)}:
        for token in tokens(variant):
            if token.kind == "word" and ":" not in token.text:
                word = token.text.upper()
                if word == "FROM":
                    raise QueryRefused(
                        "a query on this service may not name its own dataset (FROM / FROM NAMED): "
                        "the graphs it reads are the ones of its scope",
                        context=ErrorContext(field="FROM", expected="a query without FROM"),
                    )
                if word in _PRAGMAS:
                    raise QueryRefused(
                        f"{token.text} is an engine pragma, not SPARQL, and is refused",
                        context=ErrorContext(field=token.text, expected="standard SPARQL 1.1"),
                    )
            elif token.text.lstrip("<").lower().startswith(_BUILTIN_SCHEMES) and token.kind in ("iri", "word"):
                # as an IRI, or as a prefixed name (Virtuoso predeclares the bif: and sql: prefixes)
                raise QueryRefused(
                    f"{token.text} names an engine built-in function, which is refused",
                    context=ErrorContext(field=token.text, expected="standard SPARQL 1.1 functions"),
                )


def dataset(default_graphs: list[str], named_graphs: list[str]) -> dict[str, list[str]]:
    """The protocol parameters for a dataset. Once one side is given, the other is given too
    (as a graph that never exists when it is empty), so that no engine falls back to "every
    graph" for the side left out."""
    if not default_graphs and not named_graphs:
        return {}
    return {
        "default-graph-uri": default_graphs or [NO_GRAPH],
        "named-graph-uri": named_graphs or [NO_GRAPH],
    }


def transient(engine: EngineKind, status: int, body: str) -> bool:
    """Whether a 5xx answer may go away if asked again."""
    if status < 500:
        return False
    if engine != "virtuoso":
        return True
    # Virtuoso's SQL errors come as 500 and stay: "Virtuoso 37000 Error SQ156: ..." from the
    # SPARQL endpoint, an HTML page with "<h3>Error 22023</h3>" from the Graph Store
    return not ((body.startswith("Virtuoso ") and " Error " in body[:80]) or "<h3>Error " in body)
