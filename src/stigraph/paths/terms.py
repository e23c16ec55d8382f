"""RDF terms as SPARQL TSV writes them (``<iri>``, ``_:b0``, ``"text"@en``,
``"1995"^^<...#gYear>``, bare ``12``), read back one at a time or a column at a time.

The path index reads the store as TSV and keeps the terms as they are written while it joins
(an IRI and a literal with the same text stay apart); only what it keeps is turned into values,
a whole column in one call.
"""

from __future__ import annotations

import re

import polars as pl

_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_SIMPLE = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) > 1:
        return chr(int(code[1:], 16))
    return _SIMPLE.get(code, code)


def unescape(text: str) -> str:
    return _ESCAPE.sub(_unescape, text) if "\\" in text else text


def literal(term: str) -> tuple[str, str | None]:
    """Lexical value and language tag of a literal term (a bare ``12`` is its own value)."""
    if term[:1] != '"':
        return term, None
    end = term.rindex('"')
    rest = term[end + 1 :]
    return unescape(term[1:end]), (rest[1:] if rest.startswith("@") else None)


def value(term: str) -> str:
    """What pyoxigraph's ``term.value`` is: an IRI without its brackets, a blank node without
    ``_:``, a literal's lexical form."""
    if term[:1] == "<":
        return term[1:-1]
    if term.startswith("_:"):
        return term[2:]
    return literal(term)[0]


def read_tsv(data: bytes, columns: list[str]) -> pl.DataFrame:
    """A SPARQL TSV document as a frame of term strings (its header replaced by ``columns``).

    TSV escapes tabs and line breaks inside literals and has no quoting, so the document is
    cut at every tab and line break by polars' reader, without quote handling."""
    schema = dict.fromkeys(columns, pl.String)
    if not data:
        return pl.DataFrame(schema=schema)
    return pl.read_csv(
        data, separator="\t", quote_char=None, has_header=True, new_columns=columns, schema=schema, comment_prefix=None
    )


def values(column: pl.Series) -> pl.Series:
    """``value`` of every term of a column."""
    frame = pl.DataFrame({"t": column})
    out = frame.select(
        pl.when(pl.col("t").str.starts_with("<"))
        .then(pl.col("t").str.slice(1, pl.col("t").str.len_chars() - 2))
        .when(pl.col("t").str.starts_with("_:"))
        .then(pl.col("t").str.slice(2))
        .when(pl.col("t").str.starts_with('"'))
        .then(pl.col("t").str.extract(r'(?s)^"(.*)"', 1))
        .otherwise(pl.col("t"))
        .alias("v")
    ).to_series()
    escaped = (column.str.starts_with('"') & out.str.contains("\\", literal=True)).arg_true()
    if len(escaped):  # rare: unescaped one by one
        out = out.scatter(escaped, pl.Series([unescape(v) for v in out.gather(escaped).to_list()], dtype=pl.String))
    return out


def languages(column: pl.Series) -> pl.Series:
    """The language tag of every literal term (null for other terms and untagged literals)."""
    return column.str.extract(r'"@([^"]*)$', 1)


def years(column: pl.Series) -> pl.Series:
    """The year a date or year term begins with (``"2019-04-01"^^xsd:date`` -> 2019): its first
    four characters when they are ASCII digits, else null (IRIs and blank nodes too)."""
    return column.str.extract(r'^"?([0-9]{4})', 1).cast(pl.Int64)
