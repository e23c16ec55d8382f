"""CSV rows with their line numbers, for every CSV loader: one reader, one set of refusals.

The header is checked first (unknown, missing and repeated columns), then every row as it is
read (quoting, field count), each refusal naming the file, the line and what was expected.
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
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for every non-blank row; values are stripped, ``ignore``d columns dropped."""
    path = str(file.path)
    reader = csv.reader(io.StringIO(file.data.decode("utf-8-sig"), newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise InputError(f"broken CSV header: {exc}", context=ErrorContext(file=path, line=1)) from None
    except StopIteration:
        raise InputError("the CSV has no header", context=ErrorContext(file=path, line=1)) from None
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
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header) and not any(v.strip() for v in values[len(header) :]):
            values = values[: len(header)]  # a row ending in a delimiter
        if len(values) != len(header):
            raise InputError(
                f"{len(values)} fields where the header has {len(header)}", context=ErrorContext(file=path, line=start)
            )
        yield start, {h: v.strip() for h, v in zip(header, values, strict=True) if h not in ignore}
