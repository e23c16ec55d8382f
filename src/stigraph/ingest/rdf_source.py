"""Plain RDF sources (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD).

Parsing is pyoxigraph's, never lenient. Graph names in quad formats are dropped: a source's
graphs are the ones stigraph mints for it. Blank nodes are skolemised (RDF 1.1 §3.5) so that
every committed triple can be addressed, replaced and exported without ambiguity.
"""

from __future__ import annotations

from pyoxigraph import BlankNode, Quad, RdfFormat

from stigraph.errors import ErrorContext, InputError
from stigraph.ingest.inputs import InputFile, refuse_xml_entities
from stigraph.ingest.visibility import RAW_GRAPH
from stigraph.namespaces import Minter
from stigraph.store.staging import StagingArea


def stage_rdf(file: InputFile, fmt: RdfFormat, staging: StagingArea, minter: Minter, source: str) -> None:
    if fmt == RdfFormat.RDF_XML:
        refuse_xml_entities(file)
    try:
        if fmt.supports_datasets:
            scratch = StagingArea()
            scratch.bulk_load(file.data, fmt)
            staging.extend(Quad(q.subject, q.predicate, q.object, RAW_GRAPH) for q in scratch.quads())
        else:
            staging.bulk_load(file.data, fmt, to_graph=RAW_GRAPH)
    except SyntaxError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        raise InputError(
            f"{fmt.name} syntax error: {message}",
            context=ErrorContext(file=str(file.path), line=exc.lineno, expected=f"valid {fmt.name}"),
        ) from None
    except (ValueError, OSError) as exc:
        raise InputError(f"cannot read {fmt.name}: {exc}", context=ErrorContext(file=str(file.path))) from None
    _skolemise(staging, minter, source, file.sha256)


def _skolemise(staging: StagingArea, minter: Minter, source: str, salt: str) -> None:
    if not staging.ask(f"ASK {{ GRAPH <{RAW_GRAPH.value}> {{ ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }} }}"):
        return
    with_blanks = [
        q
        for q in staging.quads_matching(graph=RAW_GRAPH)
        if isinstance(q.subject, BlankNode) or isinstance(q.object, BlankNode)
    ]

    def sk(term: object) -> object:
        if isinstance(term, BlankNode):
            return minter.genid(source, f"{salt}:{term.value}")
        return term

    staging.remove(with_blanks)
    staging.extend(Quad(sk(q.subject), q.predicate, sk(q.object), RAW_GRAPH) for q in with_blanks)  # type: ignore[arg-type]
