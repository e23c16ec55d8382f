"""CSV rows with their line numbers, for every CSV loader: one reader, one set of refusals.

The header is checked first (unknown, missing and repeated columns), then every row as it is
read (quoting, field count), each refusal naming the file, the line and what was expected.

Two quoting rules: RFC 4180 (a quote inside a quoted field is doubled), and CORDIS's "hard
quoting", where a quoted text may hold bare quotes (``"... potentially "inclusive" ..."``): there
a quote closes the field only when a delimiter or the end of the line follows it, and a quoted
text does not span lines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator

from stigraph.errors import ErrorContext, InputError
from stigraph.ingest.inputs import InputFile


def read_rows(
    file: InputFile,
    *,
    known: Collection[str],
    required: Collection[str],
    delimiter: str = ",",
    ignore: Collection[str] = (),
    hard_quotes: bool = False,
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for every non-blank row; values are stripped, ``ignore``d columns dropped."""
    path = str(file.path)
    text = file.data.decode("utf-8-sig")
    records = _hard_quoted(text, delimiter, path) if hard_quotes else _rfc4180(text, delimiter, path)
    first = next(records, None)
    if first is None:
        raise InputError("the CSV has no header", context=ErrorContext(file=path, line=1))
    header = [h.strip() for h in first[1]]
    while header and header[-1] == "":  # a header ending in a delimiter (the Wikidata missions CSV)
        header.pop()
    unknown = [h for h in header if h not in known and h not in ignore]
    if unknown:
        raise InputError(
            f"unknown column {unknown[0]!r}",
            context=ErrorContext(file=path, line=1, field=unknown[0], expected="columns " + ", ".join(known)),
        )
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            f"missing required column {missing[0]!r}", context=ErrorContext(file=path, line=1, field=missing[0])
        )
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise InputError(f"column {repeated[0]!r} appears twice", context=ErrorContext(file=path, line=1))
    for start, values in records:
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header) and not any(v.strip() for v in values[len(header) :]):
            values = values[: len(header)]  # a row ending in a delimiter
        if len(values) != len(header):
            raise InputError(
                f"{len(values)} fields where the header has {len(header)}",
                context=ErrorContext(
                    file=path, line=start, expected="a delimiter only between fields (a text with one is quoted)"
                ),
            )
        yield start, {h: v.strip() for h, v in zip(header, values, strict=True) if h not in ignore}


def _rfc4180(text: str, delimiter: str, path: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(
                f"broken CSV quoting: {exc}", context=ErrorContext(file=path, line=start, expected="RFC 4180 quoting")
            ) from None
        yield start, values


def _hard_quoted(text: str, delimiter: str, path: str) -> Iterator[tuple[int, list[str]]]:
    """Records under the hard-quoting rule. A quoted text ends on the line it starts on (CORDIS's
    files hold no line breaks in texts): with bare quotes allowed, a lost closing quote could
    otherwise run on into the next rows and swallow them unnoticed."""
    i, n, line = 0, len(text), 1
    ends = (delimiter, "\n", "\r")
    while i < n:
        start, values = line, []
        while True:
            if i < n and text[i] == '"':
                j = i + 1
                eol = text.find("\n", j)
                eol = n if eol == -1 else eol
                while True:
                    k = text.find('"', j, eol)
                    if k == -1:  # a hard-quoted text ends on its line: else a lost quote would swallow rows
                        raise InputError(
                            "a quoted field is never closed",
                            context=ErrorContext(
                                file=path, line=start, expected="a closing quote before the next field"
                            ),
                        )
                    if text.startswith('""', k) and (k + 2 >= n or text[k + 2] not in ends):
                        j = k + 2  # a doubled quote inside the text
                    elif k + 1 >= n or text[k + 1] in ends:
                        break
                    else:
                        j = k + 1  # a bare quote inside the text
                values.append(text[i + 1 : k].replace('""', '"'))
                i = k + 1
            else:
                k = i
                while k < n and text[k] not in ends:
                    k += 1
                values.append(text[i:k])
                i = k
            if i < n and text[i] == delimiter:
                i += 1
                continue
            if text.startswith("\r\n", i):
                i += 2
            elif i < n:
                i += 1
            line += 1
            break
        yield start, values
