"""What the catalogue needs to know about a query's text, read from its tokens once at start-up.

The checks that make a curated query safe to expose (which variables it projects, whether it is
ordered, where its ``VALUES ?x { UNDEF }`` placeholders are) are decided here, on the tokens of
the SPARQL lexer, so strings, IRIs and comments never confuse them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stigraph.sparql.lexer import QUERY_FORMS, Token, tokens

_OPEN = "{(["
_CLOSE = "})]"


@dataclass(frozen=True)
class Placeholder:
    """``VALUES ?var { UNDEF }``: ``start``/``end`` delimit the ``UNDEF`` that values replace."""

    variable: str
    start: int
    end: int
    line: int


@dataclass
class Structure:
    form: str  # SELECT, CONSTRUCT, DESCRIBE or ASK
    projection: set[str] = field(default_factory=set)  # variables a SELECT returns
    select_all: bool = False  # SELECT *
    variables: set[str] = field(default_factory=set)  # every variable in the text
    ordered: bool = False  # a top-level ORDER BY
    has_limit: bool = False  # a top-level LIMIT or OFFSET (paging would fight it)
    placeholders: dict[str, list[Placeholder]] = field(default_factory=dict)

    def projects(self, variable: str) -> bool:
        return variable in self.projection or (self.select_all and variable in self.variables)


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def scan(text: str, *, line_offset: int = 0) -> Structure:
    """Form, projection, ordering and placeholders of the query ``text``."""
    toks = list(tokens(text))
    words = [t.text.upper() if t.kind == "word" else "" for t in toks]
    form = next((w for w in words if w in QUERY_FORMS), "SELECT")
    st = Structure(form=form)
    depth = 0
    in_projection = False
    after_as = False
    for i, t in enumerate(toks):
        if t.kind == "var":
            name = t.text[1:]
            st.variables.add(name)
            if in_projection and (depth == 0 or after_as):
                st.projection.add(name)
            after_as = False
        elif t.kind == "punct":
            if t.text in _OPEN:
                if t.text == "{" and depth == 0:
                    in_projection = False
                depth += 1
            else:
                depth = max(0, depth - 1)
        elif t.kind == "word":
            w = words[i]
            if depth == 0:
                if w == "SELECT" and form == "SELECT" and not st.projection and not in_projection:
                    in_projection = True
                elif w in ("WHERE", "FROM"):
                    in_projection = False
                elif w == "ORDER" and i + 1 < len(words) and words[i + 1] == "BY":
                    st.ordered = True
                elif w in ("LIMIT", "OFFSET"):
                    st.has_limit = True
            after_as = w == "AS"
        elif t.kind == "other" and t.text == "*" and in_projection and depth == 0:
            st.select_all = True
    for ph in _placeholders(toks, text):
        st.placeholders.setdefault(ph.variable, []).append(
            Placeholder(ph.variable, ph.start, ph.end, ph.line + line_offset)
        )
    return st


def _placeholders(toks: list[Token], text: str) -> list[Placeholder]:
    found = []
    for i in range(len(toks) - 4):
        a, v, o, u, c = toks[i : i + 5]
        if (
            a.kind == "word"
            and a.text.upper() == "VALUES"
            and v.kind == "var"
            and o.text == "{"
            and u.kind == "word"
            and u.text.upper() == "UNDEF"
            and c.text == "}"
        ):
            found.append(Placeholder(v.text[1:], u.start, u.end, _line(text, u.start)))
    return found
