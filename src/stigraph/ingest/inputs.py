"""Safe reading of input files: every refusal names the file and, where it can, the line."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import RdfFormat

from stigraph.errors import ErrorContext, InputError

_EXTENSIONS = {
    ".ttl": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
    ".jsonld": RdfFormat.JSON_LD,
}
_FORMAT_NAMES = {
    "turtle": RdfFormat.TURTLE,
    "ttl": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "nt": RdfFormat.N_TRIPLES,
    "nquads": RdfFormat.N_QUADS,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "rdfxml": RdfFormat.RDF_XML,
    "xml": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
}
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)")


@dataclass(frozen=True)
class InputFile:
    path: Path
    data: bytes
    sha256: str

    @property
    def name(self) -> str:
        return self.path.name

    def line_of(self, offset: int) -> int:
        return self.data.count(b"\n", 0, offset) + 1


def read_input(path: Path, *, binary: bool = False) -> InputFile:
    """Read a whole input file, refusing missing, empty and (unless ``binary``: a zip whose
    members the loader decodes itself) non-UTF-8 files."""
    ctx = ErrorContext(file=str(path))
    if not path.exists():
        raise InputError("file does not exist", context=ctx)
    if not path.is_file():
        raise InputError("not a regular file", context=ctx)
    data = path.read_bytes()
    if not data.strip():
        raise InputError("file is empty", context=ctx)
    try:
        if not binary:
            _check_utf8(data)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            context=ErrorContext(file=str(path), line=line, expected="UTF-8 text"),
        ) from None
    return InputFile(path=path, data=data, sha256=hashlib.sha256(data).hexdigest())


def _check_utf8(data: bytes, chunk: int = 1 << 24) -> None:
    """Decode in chunks, so a dump of gigabytes is checked without a decoded copy of it all;
    a failure reports its offset in the whole file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), chunk):
        pending = len(decoder.getstate()[0])  # bytes of a character cut by the previous chunk
        try:
            decoder.decode(view[start : start + chunk], final=start + chunk >= len(data))
        except UnicodeDecodeError as exc:
            at = start - pending + exc.start
            raise UnicodeDecodeError("utf-8", data, at, at + 1, exc.reason) from None


def rdf_format(path: Path, name: str | None = None) -> RdfFormat:
    if name:
        try:
            return _FORMAT_NAMES[name.lower().replace("-", "").replace("_", "")]
        except KeyError:
            raise InputError(
                f"unknown RDF format {name!r}",
                context=ErrorContext(expected=", ".join(sorted(_FORMAT_NAMES))),
            ) from None
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"cannot tell the RDF format from the extension {path.suffix!r}",
            context=ErrorContext(file=str(path), expected=", ".join(sorted(_EXTENSIONS))),
        )
    return fmt


def refuse_xml_entities(file: InputFile) -> None:
    """pyoxigraph expands internal entities in RDF/XML (billion laughs); RDF never needs a DTD."""
    match = _DTD.search(file.data)
    if match:
        raise InputError(
            "RDF/XML with a DOCTYPE or ENTITY declaration is refused (entity expansion)",
            context=ErrorContext(file=str(file.path), line=file.line_of(match.start())),
        )


def json_document(file: InputFile, expected: str) -> Any:
    """The file parsed as one JSON document; broken JSON is refused with its line."""
    try:
        return json.loads(file.data)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}", context=ErrorContext(file=str(file.path), line=exc.lineno, expected=expected)
        ) from None
