"""Names of people and organisations reduced to forms that compare equal when two sources wrote
the same name differently.

People: Japanese names reach us family-name-first ("KOTANI Motoko", "Kotani, Motoko"), given-name-
first ("Motoko Kotani"), in several romanisations (Hepburn with or without long-vowel marks:
Ōno, Ono, Oono, Ohno; Kunrei: Syun for Shun, Tuyosi for Tsuyoshi; Homma for Honma), in kanji and
kana (小谷 元子, こたに もとこ) and with initials (M. Kotani). Every written form becomes one or
more :class:`NameForm` (family, given) in one folded romanisation, each tagged with how sure the
split is, so that the matcher can say *why* two names agree.

Kana have one reading, so they are romanised exactly. Kanji are read with pykakasi's dictionary,
which is often wrong for given names (元子 is Motoko, not Genshi): a match that rests on a kanji
reading is weaker evidence than one on written romaji, and kanji are compared with kanji first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_KANA_ONLY = re.compile(r"^[\u3040-\u30ff\uff66-\uff9f\s・ー]+$")
_NOT_LETTER = re.compile(r"[^a-z ]+")

# Many-to-one: every romanisation of a Japanese sound maps to one spelling. Applied to all names,
# Japanese or not, so both sides of a comparison are folded alike.
_LONG_VOWELS = (
    (re.compile(r"oh(?![aeiouy])"), "o"),  # Ohno, Satoh (Passport Hepburn)
    (re.compile(r"ou"), "o"),  # Satou, Kouno (wāpuro)
    (re.compile(r"oo"), "o"),  # Oono
    (re.compile(r"uu"), "u"),  # Yuuki
    (re.compile(r"aa"), "a"),
    (re.compile(r"ii"), "i"),
)
_CONSONANTS = (
    (re.compile(r"m(?=[bpm])"), "n"),  # Homma -> Honma, Namba -> Nanba
    (re.compile(r"tsu"), "tu"),
    (re.compile(r"shi"), "si"),
    (re.compile(r"chi"), "ti"),
    (re.compile(r"sh"), "sy"),
    (re.compile(r"ch"), "ty"),
    (re.compile(r"fu"), "hu"),
    (re.compile(r"ji"), "zi"),
    (re.compile(r"j"), "zy"),
)


def has_japanese(text: str) -> bool:
    return bool(_JAPANESE.search(text))


@cache
def _kakasi() -> Any:
    import pykakasi  # imported on first use: its dictionary takes a moment to open

    return pykakasi.kakasi()


def romanise(text: str) -> list[str]:
    """Japanese text as Hepburn words, one per dictionary segment (小谷元子 -> kotani, genshi)."""
    return [seg["hepburn"] for seg in _kakasi().convert(text) if seg["hepburn"].strip()]


def fold(word: str) -> str:
    """One spelling for every romanisation of a word: lower case, no marks (ō -> o), long vowels
    and Kunrei/Hepburn consonant differences folded, no punctuation (Jun-ichi = Junichi)."""
    text = unicodedata.normalize("NFKD", word.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _NOT_LETTER.sub("", text.replace("-", "").replace("'", ""))
    for pattern, repl in _LONG_VOWELS:
        text = pattern.sub(repl, text)
    for pattern, repl in _CONSONANTS:
        text = pattern.sub(repl, text)
    return text


@dataclass(frozen=True)
class NameForm:
    """One reading of a written name: folded family and given names, and how it was read.

    ``how`` is one of ``structured`` (the source said which part is the family name),
    ``marked`` (upper-case family name, or "Family, Given"), ``western`` (given-name-first
    assumed), ``swapped`` (family-name-first assumed for an unmarked romanised name),
    ``kana`` (exact reading of kana), ``script`` (the name in Japanese script, as written),
    ``reading`` (a dictionary reading of kanji, often wrong for given names).
    """

    family: str
    given: str
    how: str
    written: str

    @property
    def initial(self) -> bool:
        return len(self.given) == 1


def _given_first_word(words: list[str]) -> str:
    return words[0] if words else ""


def name_forms(written: str, *, family: str | None = None, given: str | None = None) -> list[NameForm]:
    """Every reading of one written name. With ``family``/``given`` the split is the source's."""
    if family is not None or given is not None:
        return _structured(family or "", given or "", written)
    text = unicodedata.normalize("NFKC", written).strip()
    if not text:
        return []
    if has_japanese(text):
        return _japanese(text, written)
    return _romanised(text, written)


def _structured(family: str, given: str, written: str) -> list[NameForm]:
    if has_japanese(family + given):
        forms = [NameForm(family.replace(" ", ""), given.replace(" ", ""), "script", written)]
        how = "kana" if _KANA_ONLY.match(family + given) else "reading"
        f, g = fold("".join(romanise(family))), fold("".join(romanise(given)))
        if f:
            forms.append(NameForm(f, g, how, written))
        return forms
    f = fold(family)
    g = fold(_given_first_word(given.replace(".", ". ").split()))
    return [NameForm(f, g, "structured", written)] if f else []


def _japanese(text: str, written: str) -> list[NameForm]:
    parts = text.replace("\u3000", " ").split()
    kana = bool(_KANA_ONLY.match(text))
    if len(parts) >= 2:  # 小谷 元子: family first, as Japanese is written
        family, given = parts[0], "".join(parts[1:])
        forms = [NameForm(family, given, "script", written)]
        f, g = fold("".join(romanise(family))), fold("".join(romanise(given)))
        forms.append(NameForm(f, g, "kana" if kana else "reading", written))
        return forms
    segments = [s for s in _kakasi().convert(text) if s["orig"].strip()]
    if len(segments) < 2:
        return [NameForm(text, "", "script", written)]
    # No space: the dictionary's first word is taken as the family name (小谷|元子).
    family, given = segments[0]["orig"], "".join(s["orig"] for s in segments[1:])
    return [
        NameForm(family, given, "script", written),
        NameForm(
            fold(segments[0]["hepburn"]),
            fold("".join(s["hepburn"] for s in segments[1:])),
            "kana" if kana else "reading",
            written,
        ),
    ]


def _romanised(text: str, written: str) -> list[NameForm]:
    if "," in text:  # "Kotani, Motoko"
        family, _, given = text.partition(",")
        f = fold(family)
        return [NameForm(f, fold(_given_first_word(given.replace(".", ". ").split())), "marked", written)] if f else []
    words = text.replace(".", ". ").split()
    if len(words) == 1:
        return [NameForm(fold(words[0]), "", "marked", written)]
    upper = [w for w in words if len(w) > 1 and w.isupper() and w.isalpha()]
    if upper and len(upper) < len(words):  # "KOTANI Motoko", "Motoko KOTANI"
        family = " ".join(upper)
        rest = [w for w in words if w not in upper]
        return [NameForm(fold(family), fold(_given_first_word(rest)), "marked", written)]
    # Unmarked: given-name-first as most sources write it, and the other order as a weaker reading.
    forms = [NameForm(fold(words[-1]), fold(words[0]), "western", written)]
    if fold(words[0]) and not words[0].endswith("."):
        forms.append(NameForm(fold(words[0]), fold(" ".join(words[1:])), "swapped", written))
    return forms


# Organisations --------------------------------------------------------------------------------

_ORG_NOISE = re.compile(r"\b(the|of|and|for|at|in|de|del|der|des|du|la|le|fur|und)\b")
_ORG_WORDS = (
    (re.compile(r"\buniv\b\.?"), "university"),
    (re.compile(r"\binst\b\.?"), "institute"),
    (re.compile(r"\bnatl\b\.?"), "national"),
    (re.compile(r"\bdept\b\.?"), "department"),
)


def org_key(name: str) -> str:
    """One key for the ways a registry, a grant database and a CV write an organisation's name:
    case, accents, punctuation, "&"/"and", "Univ." and the small words do not count. Names in
    Japanese script are compared as written (normalised width), never through a reading."""
    text = unicodedata.normalize("NFKC", name).strip()
    if has_japanese(text):
        return re.sub(r"\s+", "", text)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("&", " and ")
    for pattern, repl in _ORG_WORDS:
        text = pattern.sub(repl, text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = _ORG_NOISE.sub(" ", text)
    return " ".join(text.split())


def is_acronym(name: str) -> bool:
    """Short, capitalised, one word (UCSF, RIKEN, MIT): too ambiguous to match on alone."""
    stripped = name.strip()
    if has_japanese(stripped):  # 東京大学 is short and exact
        return False
    return len(stripped) <= 6 or (" " not in stripped and stripped.upper() == stripped)
