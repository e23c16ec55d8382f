"""Terms the loaders write from source values: typed literals in the canonical form of their
datatype (so the same value from two sources is the same RDF term), web addresses checked the
one way every loader checks them, and the core of an affiliation, which every source of people
writes alike."""

from __future__ import annotations

from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from stigraph.ingest.visibility import RAW_GRAPH
from stigraph.namespaces import RDF, SG, XSD

_DECIMAL = NamedNode(XSD + "decimal")


def decimal_literal(value: Decimal) -> Literal:
    """``xsd:decimal`` in its canonical form: no exponent, at least one digit after the point
    (368000 -> "368000.0", 1E+2 -> "100.0"), no trailing zeros beyond it."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0")
        if text.endswith("."):
            text += "0"
    else:
        text += ".0"
    if text.startswith("-") and Decimal(text) == 0:
        text = text[1:]
    return Literal(text, datatype=_DECIMAL)


def web_iri(url: str) -> NamedNode | None:
    """An http(s) address as an IRI, or None when it is not one (no scheme, a space, ...):
    partners' RDF parsers reject what pyoxigraph's lenient mode would let through."""
    if not url.startswith(("http://", "https://")):
        return None
    try:
        return NamedNode(url)
    except ValueError:
        return None


def affiliation_quads(position: NamedNode, holder: NamedNode, organization: NamedNode, role: NamedNode) -> list[Quad]:
    """An ``sg:Affiliation``: who holds it, where, in which role (dates and titles are the
    caller's, as each source gives them differently)."""
    return [
        Quad(position, NamedNode(RDF + "type"), NamedNode(SG + "Affiliation"), RAW_GRAPH),
        Quad(position, NamedNode(SG + "holder"), holder, RAW_GRAPH),
        Quad(position, NamedNode(SG + "organization"), organization, RAW_GRAPH),
        Quad(position, NamedNode(SG + "role"), role, RAW_GRAPH),
    ]
