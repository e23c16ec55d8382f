"""The endpoint's query-string decoder (C, through yarl) gives exactly what the standard
library's ``parse_qsl(keep_blank_values=True)`` gives, on hand-picked and generated inputs."""

from __future__ import annotations

import random
from urllib.parse import parse_qsl, quote

from stigraph.api.http import parse_query_string

EDGE_CASES = [
    "",
    "query=ASK%20%7B%7D",
    "query=SELECT+*+WHERE+%7B%3Fs+%3Fp+%3Fo%7D&format=json",
    "a=b%2Bc+d",  # an encoded plus stays a plus, a bare one is a space
    "e=&f",  # blank values kept
    "g=%ZZ&h=%4",  # malformed escapes are left as they are
    "i=%E3%81%82%E3%81%84",  # UTF-8 (Japanese)
    "j=%FF%FE",  # invalid UTF-8 becomes U+FFFD
    "k=a=b=c",  # only the first = splits
    "&&l=1&&",  # empty pairs are skipped
    "m=%00",  # NUL decodes (the lexer refuses it later)
    "default-graph-uri=https%3A%2F%2Fw3id.org%2Fstigraph%2Fgraph%2Fa&named-graph-uri=urn%3Ax%23y",
    "n=caf\xc3\xa9",  # raw UTF-8 bytes, as the server hands them over (latin-1 decoded)
    "o=%2526",  # one level of decoding only
    "p=1;q=2",  # ';' is not a separator
]
ALPHABET = list("ab=&;+%%%2BFfE38182ZZ#?/ \xc3\xa9")
GENERATED = 3000


def _cases() -> list[str]:
    rnd = random.Random(20261202)
    cases = list(EDGE_CASES)
    cases += ["".join(rnd.choice(ALPHABET) for _ in range(rnd.randrange(16))) for _ in range(GENERATED)]
    cases += ["query=" + quote(f'SELECT * WHERE {{ ?s ?p "{rnd.random()}"@ja }} # 日本', safe="") for _ in range(50)]
    return cases


def test_decoder_matches_the_standard_library() -> None:
    cases = _cases()
    assert len(cases) == len(EDGE_CASES) + GENERATED + 50
    checked = 0
    for raw in cases:
        expected = parse_qsl(raw, keep_blank_values=True)
        assert parse_query_string(raw.encode("latin-1")) == expected, raw
        checked += 1
    assert checked == len(cases)
