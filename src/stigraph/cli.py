"""The ``stigraph`` command line."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pydantic
import typer
from pyoxigraph import Quad, QueryBoolean, QuerySolutions, Variable
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from stigraph.bundle import read_bundle
from stigraph.config import Settings
from stigraph.errors import ErrorContext, InputError, StigraphError
from stigraph.formats import GRAPH_FORMATS, RESULT_FORMATS
from stigraph.ingest.inputs import read_input
from stigraph.ingest.pipeline import Pipeline, read_files
from stigraph.ingest.sources import SourceKind, SourceSpec, load_spec, make_spec
from stigraph.ingest.visibility import RAW_GRAPH
from stigraph.namespaces import Minter, slug
from stigraph.scopes import SCOPES, scope_graphs
from stigraph.store import EmbeddedStore, open_store
from stigraph.store.base import is_triples
from stigraph.store.staging import StagingArea
from stigraph.validation import Validator

app = typer.Typer(
    name="stigraph",
    help="Knowledge graph of researchers, institutions, missions, fields and programmes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console()
err = Console(stderr=True, soft_wrap=True)


class _State:
    settings: Settings
    verbose: bool = False


state = _State()


@app.callback()
def _main(
    store: Annotated[str | None, typer.Option(help="Store directory or ':memory:'.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show error details.")] = False,
) -> None:
    overrides: dict[str, Any] = {"store": store} if store else {}
    state.settings = Settings(**overrides)
    state.verbose = verbose


def _minter() -> Minter:
    return Minter(state.settings.base_iri)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[str, int, int | None], None]]:
    """A progress line on stderr for a long step: its stage, count, rate, elapsed time, and the
    time left where the total is known (validation checks); gone when the step ends."""
    units = {"staging": "triples staged", "validating": "checks"}
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)
        current = {"stage": "", "since": time.monotonic()}

        def update(stage: str, done: int, total: int | None) -> None:
            now = time.monotonic()
            if stage != current["stage"]:
                current.update(stage=stage, since=now)
                progress.reset(task, total=total)
            if stage == "committing":  # one step: no rate to show
                description = f"{label}: committing {done:,} triples"
            else:
                rate = done / max(now - float(current["since"]), 1e-3)
                description = f"{label}: {done:,} {units.get(stage, stage)} ({rate:,.0f}/s)"
            progress.update(task, completed=done, description=description)

        yield update


def _pipeline(store: EmbeddedStore) -> Pipeline:
    validator = Validator.from_dirs(state.settings.shapes_dir, state.settings.ontology_dir)
    return Pipeline(store, validator, _minter())


def _spec_for(
    source: Path,
    kind: SourceKind | None,
    source_id: str | None,
    fmt: str | None,
    mission: str | None,
    pilist: str | None,
    title: str | None,
) -> SourceSpec:
    overrides = {
        "id": source_id,
        "kind": kind,
        "format": fmt,
        "mission": mission,
        "pilist": pilist,
        "title": title,
    }
    if source.suffix in (".yml", ".yaml"):
        return load_spec(source, **overrides)
    if kind is None:
        kind = "pi-list" if source.suffix.lower() == ".csv" else "rdf"
    raw = {k: v for k, v in overrides.items() if v is not None}
    raw.update({"kind": kind, "input": [source], "id": source_id or slug(source.stem) or "source"})
    return make_spec(raw)


_Reconcile = Annotated[
    bool, typer.Option("--reconcile/--no-reconcile", help="Match identities across sources after loading.")
]


@app.command()
def load(
    source: Annotated[Path, typer.Argument(help="A data file, or a source.yml describing one.")],
    kind: Annotated[
        SourceKind | None,
        typer.Option(
            help="rdf, pi-list, ror, wikidata-missions, cordis, openalex, orcid or kaken (default: by extension)."
        ),
    ] = None,
    source_id: Annotated[str | None, typer.Option("--source-id", help="Source id (its graphs are replaced).")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="RDF format when the extension does not tell.")] = None,
    mission: Annotated[str | None, typer.Option(help="pi-list: IRI of the publishing mission.")] = None,
    pilist: Annotated[str | None, typer.Option(help="pi-list: IRI of the list.")] = None,
    title: Annotated[str | None, typer.Option(help="Title of the source.")] = None,
    reconcile: _Reconcile = True,
    backend: Annotated[
        str | None,
        typer.Option(help="embedded or remote: where this load writes (default: STIGRAPH_BACKEND)."),
    ] = None,
    bulk_loader: Annotated[
        str | None,
        typer.Option(
            "--bulk-loader",
            help="remote: none (Graph Store requests), virtuoso (ld_dir/rdf_loader_run through isql) or "
            "oxigraph (the server's bulk loader; default: STIGRAPH_REMOTE_BULK_LOADER).",
        ),
    ] = None,
) -> None:
    """Load one source: parse, validate, then replace its graphs atomically."""
    spec = _spec_for(source, kind, source_id, fmt, mission, pilist, title)
    _override_backend(backend, bulk_loader)
    with open_store(state.settings, write=True) as store:
        pipeline = _pipeline(store)
        if reconcile:
            pipeline.in_commit = _reconcile_in_commit(pipeline)
        with _progress(f"loading {spec.id}") as pipeline.progress:
            result = pipeline.load(spec)
        _print_load(result.as_dict())
        if result.in_commit is not None:
            _print_reconciliation(result.in_commit)


def _override_backend(backend: str | None, bulk_loader: str | None) -> None:
    """This command's backend and bulk loader, checked as the settings check them."""
    update: dict[str, Any] = {}
    if backend is not None:
        update["backend"] = backend
    if bulk_loader is not None:
        update["remote_bulk_loader"] = bulk_loader
    if update:
        state.settings = Settings.model_validate({**state.settings.model_dump(), **update})


def _print_load(result: dict[str, Any]) -> None:
    if result["status"] == "unchanged":
        out.print(f"[yellow]unchanged[/]  {result['source']}: same input as its last load")
        return
    counts = ", ".join(f"{n} {v}" for v, n in result["quads"].items())
    out.print(
        f"[green]loaded[/]  {result['source']}: {counts} triples "
        f"({result['checks']} checks, generation {result['generation']})"
    )
    if result.get("skipped"):
        total = sum(result["skipped"].values())
        reasons = "; ".join(f"{n} × {why}" for why, n in sorted(result["skipped"].items(), key=lambda x: -x[1]))
        out.print(f"[yellow]left out[/] {total} record(s) outside the model: {reasons}", highlight=False)


@app.command("load-bundle")
def load_bundle(
    manifest: Annotated[Path | None, typer.Argument(help="Bundle manifest (default data/bundle.yml).")] = None,
    reconcile: _Reconcile = True,
) -> None:
    """Load every source of the bundled graph, in order."""
    specs = read_bundle(manifest or state.settings.bundle)
    with open_store(state.settings, write=True) as store:
        pipeline = _pipeline(store)
        loaded = False
        for spec in specs:
            with _progress(f"loading {spec.id}") as pipeline.progress:
                result = pipeline.load(spec)
            _print_load(result.as_dict())
            loaded = loaded or result.status == "loaded"
        if reconcile and loaded:
            _print_reconciliation(_reconcile(store).counts())


@app.command()
def validate(
    file: Annotated[Path | None, typer.Argument(help="File to validate; the whole store if omitted.")] = None,
    kind: Annotated[
        SourceKind | None, typer.Option(help="rdf, pi-list, ror, wikidata-missions, cordis, openalex, orcid or kaken.")
    ] = None,
    mission: Annotated[str | None, typer.Option(help="pi-list: mission IRI.")] = None,
    pilist: Annotated[str | None, typer.Option(help="pi-list: list IRI.")] = None,
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Validate a file (without loading it) or the whole store against the shapes."""
    validator = Validator.from_dirs(state.settings.shapes_dir, state.settings.ontology_dir)
    staging = StagingArea()
    if file is None:
        with open_store(state.settings) as store:
            staging.extend(Quad(q.subject, q.predicate, q.object, RAW_GRAPH) for q in store.quads())
    else:
        spec = _spec_for(file, kind, None, None, mission, pilist, None)
        with open_store(state.settings) as store:
            pipeline = Pipeline(store, validator, _minter())
            pipeline.stage(spec, read_files(spec, spec.input), staging)
            staging.add_context(pipeline.validation_context(spec, staging))
    report = validator.validate(staging)
    if output == "json":
        out.print_json(json.dumps(report.as_dict()))
    else:
        for v in report.violations:
            out.print(f"[red]✗[/] {v.describe()}", highlight=False)
        verdict = "[green]conforms[/]" if report.conforms else f"[red]{len(report.violations)} violation(s)[/]"
        out.print(f"{verdict} ({report.checks} checks)")
    if not report.conforms:
        raise typer.Exit(3)


@app.command()
def query(
    sparql: Annotated[str, typer.Argument(help="SPARQL query text, or @file.rq.")],
    output: Annotated[
        str | None,
        typer.Option("--format", help="json, csv, tsv, xml for results; ttl, nt, jsonld, rdfxml for graphs."),
    ] = None,
    scope: Annotated[str, typer.Option(help="public, partner or all.")] = "all",
) -> None:
    """Run a SPARQL query over the union of the graphs of a scope."""
    if sparql.startswith("@"):
        sparql = read_input(Path(sparql[1:])).data.decode()
    if scope not in SCOPES:
        raise InputError(f"unknown scope {scope!r}", context=_expected(", ".join(SCOPES)))
    with open_store(state.settings) as store:
        graphs = scope_graphs(store, _minter(), scope)  # type: ignore[arg-type]
        result = store.query(sparql, default_graph=graphs, named_graphs=graphs)
        sink = sys.stdout.buffer
        if is_triples(result):
            fmt = GRAPH_FORMATS.get(output or "ttl")
            if fmt is None or fmt.supports_datasets:
                raise InputError(
                    f"format {output!r} for a graph result",
                    context=_expected("ttl, nt, jsonld, rdfxml"),
                )
            result.serialize(sink, format=fmt)
        elif isinstance(result, QueryBoolean) and output is None:
            out.print("true" if result else "false")
        elif isinstance(result, QuerySolutions) and output is None:
            _print_table(result)
        else:
            rfmt = RESULT_FORMATS.get(output or "json")
            if rfmt is None:
                raise InputError(f"format {output!r} for results", context=_expected("json, csv, tsv, xml"))
            result.serialize(sink, format=rfmt)  # type: ignore[union-attr]
        sink.flush()


def _expected(what: str) -> Any:
    from stigraph.errors import ErrorContext

    return ErrorContext(expected=what)


def _print_table(result: QuerySolutions) -> None:
    names = [v.value for v in result.variables]
    table = Table(*names)
    rows = 0
    for row in result:
        table.add_row(*(_cell(row[n]) for n in names))
        rows += 1
    out.print(table)
    out.print(f"{rows} row(s)")


def _cell(term: Any) -> str:
    if term is None:
        return ""
    lang = getattr(term, "language", None)
    return f"{term.value}@{lang}" if lang else term.value


@app.command()
def export(
    output_format: Annotated[
        str | None,
        typer.Option("--format", help="nq, trig, ttl, nt or jsonld (default: from the output name, else nq)."),
    ] = None,
    scope: Annotated[str, typer.Option(help="public, partner or all.")] = "public",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default stdout).")] = None,
    compress: Annotated[
        bool | None, typer.Option("--gzip/--no-gzip", help="Compress (default: when the output name ends in .gz).")
    ] = None,
    profile: Annotated[
        str, typer.Option(help="full (every triple of the scope) or partner (schema.org and EURIO, JSON-LD).")
    ] = "full",
    describe: Annotated[
        bool, typer.Option("--describe", help="Write only the dataset description (VoID, DCAT, PROV; Turtle).")
    ] = False,
    description: Annotated[
        bool, typer.Option("--description/--no-description", help="Write <output>.void.ttl next to a file.")
    ] = True,
) -> None:
    """Dump a scope (streamed), or its partner profile (checked against closed shapes first),
    with its description next to it."""
    from stigraph.export.describe import describe as describe_scope
    from stigraph.export.partner import PartnerProfile
    from stigraph.export.run import all_distributions, choose_format, export_file, write_export
    from stigraph.export.view import view_of_store

    if scope not in SCOPES:
        raise InputError(f"unknown scope {scope!r}", context=_expected(", ".join(SCOPES)))
    fmt, gz = choose_format(output_format, output, profile, compress)
    settings = state.settings
    partner = PartnerProfile.from_dirs(settings.shapes_dir, settings.ontology_dir) if profile == "partner" else None
    with open_store(settings) as store:
        view = view_of_store(store, _minter(), scope)
        if describe:
            text = describe_scope(view, all_distributions(scope)).serialize()
            if output:
                output.write_bytes(text)
            else:
                sys.stdout.buffer.write(text)
            return
        if output is None:
            write_export(view, sys.stdout.buffer, fmt, compress=gz, profile=partner)
            sys.stdout.buffer.flush()
            return
        result = export_file(view, output, fmt, compress=gz, profile=partner, with_description=description)
    what = "triples (partner profile)" if partner else "quads"
    err.print(
        f"exported {result.items:,} {what} of scope {scope} to {output} ({result.bytes:,} bytes, "
        f"{result.seconds:.1f} s)" + (f"; description in {result.description_path}" if result.description_path else ""),
        highlight=False,
    )


@app.command()
def stats(output: Annotated[str, typer.Option("--format", help="text or json.")] = "text") -> None:
    """Triples per graph and entities per class."""
    with open_store(state.settings) as store:
        s = store.stats()
    if output == "json":
        out.print_json(json.dumps(s.as_dict()))
        return
    out.print(f"store {state.settings.store}: generation {s.generation}, {s.quads} quads")
    table = Table("graph", "triples")
    for g, n in s.graphs.items():
        table.add_row(g, str(n))
    out.print(table)
    classes = Table("class", "entities")
    for c, n in list(s.classes.items())[:25]:
        classes.add_row(c, str(n))
    out.print(classes)


@app.command()
def backup(target: Annotated[Path, typer.Argument(help="New directory for the backup.")]) -> None:
    """Online backup of the committed store (hard-linked on the same file system)."""
    with open_store(state.settings) as store:
        store.backup(target)
    out.print(f"backed up generation {store.generation} to {target}")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A directory made by 'stigraph backup'.")],
) -> None:
    """Make a backup the current state (as a new generation; the old one is kept)."""
    if not source.is_dir():
        raise InputError(
            "backup directory does not exist",
            context=_expected("a directory made by 'stigraph backup'"),
        )
    with open_store(state.settings, write=True) as store:
        with store.writing(base=source):
            pass
        out.print(f"restored {source} as generation {store.generation}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default STIGRAPH_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (default STIGRAPH_PORT, 8000).")] = None,
) -> None:
    """Serve the SPARQL endpoint, Graph Store, query page and operations routes (uvicorn)."""
    import uvicorn

    from stigraph.api import create_app

    settings = state.settings
    if host or port is not None:
        settings = settings.model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v is not None})
    service = create_app(settings)
    err.print(f"serving {settings.store} at http://{settings.host}:{settings.port}/sparql", highlight=False)
    uvicorn.run(
        service,
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=5,
    )


queries_app = typer.Typer(help="Curated queries (queries/<topic>/<name>.rq): list, show, run, check, docs.")
app.add_typer(queries_app, name="queries")


def _catalog() -> Any:
    from stigraph.catalog.catalog import load_catalog

    return load_catalog(state.settings.queries_dir)


@queries_app.command("list")
def queries_list() -> None:
    """Every curated query with its parameters."""
    table = Table("name", "topic", "summary", "parameters", "paged")
    catalog = _catalog()
    for q in catalog:
        params = ", ".join(f"{p.name}{'' if p.required else '?'}: {p.type_name}" for p in q.params.values())
        table.add_row(q.name, q.topic, q.summary, params, str(q.page_size or ""))
    out.print(table)
    out.print(f"{len(catalog)} quer{'y' if len(catalog) == 1 else 'ies'}")


@queries_app.command("show")
def queries_show(name: Annotated[str, typer.Argument(help="Query name.")]) -> None:
    """A query's description, parameters and SPARQL text."""
    q = _catalog().get(name)
    sys.stdout.write(json.dumps(q.describe(), ensure_ascii=False, indent=2) + "\n\n" + q.text)


@queries_app.command("run")
def queries_run(
    name: Annotated[str, typer.Argument(help="Query name.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="name=value; repeat for lists.")] = None,
    output: Annotated[
        str | None, typer.Option("--format", help="json, csv, sparql-json (graphs: ttl, nt, jsonld).")
    ] = None,
    page: Annotated[int, typer.Option(help="Page of a paginated query.")] = 1,
    size: Annotated[int | None, typer.Option(help="Rows per page (default: the query's page size).")] = None,
    scope: Annotated[str, typer.Option(help="public, partner or all.")] = "all",
) -> None:
    """Run a curated query on the store, with the same binding as the API."""
    from stigraph.catalog.binding import bind
    from stigraph.catalog.model import SCOPE_ORDER
    from stigraph.results import cut_page, render

    q = _catalog().get(name)
    if scope not in SCOPES:
        raise InputError(f"unknown scope {scope!r}", context=_expected(", ".join(SCOPES)))
    if SCOPE_ORDER[scope] < SCOPE_ORDER[q.scope]:
        raise InputError(f"query {name!r} needs scope {q.scope}", context=_expected(f"--scope {q.scope} or wider"))
    given: dict[str, list[str]] = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--param {item!r}", context=_expected("name=value"))
        given.setdefault(key.strip(), []).append(value)
    bound = bind(q, given)
    with open_store(state.settings) as store:
        graphs = scope_graphs(store, _minter(), scope)  # type: ignore[arg-type]
        subs = {Variable(name): term for name, term in bound.substitutions.items()}
        result = store.query(bound.text, default_graph=graphs, named_graphs=graphs, substitutions=subs)
        sink = sys.stdout.buffer
        if is_triples(result):
            fmt = GRAPH_FORMATS.get(output or "ttl")
            if fmt is None or fmt.supports_datasets:
                raise InputError(f"format {output!r} for a graph result", context=_expected("ttl, nt, jsonld, rdfxml"))
            result.serialize(sink, format=fmt)
            sink.flush()
            return
        assert isinstance(result, QuerySolutions)
        limit = (
            (size or q.page_size or state.settings.max_result_rows) if q.paginated else state.settings.max_result_rows
        )
        columns = [v.value for v in result.variables]
        cut = cut_page(result, columns, (page - 1) * limit if q.paginated else 0, limit)
        if output is None:
            table = Table(*columns)
            for row in cut.rows:
                table.add_row(*(_cell(t) for t in row))
            out.print(table)
            pages = f", page {page} of {max(1, -(-cut.total // limit))}" if q.paginated else ""
            out.print(f"{len(cut.rows)} of {cut.total} row(s){pages}")
            return
        if output not in ("json", "csv", "sparql-json"):
            raise InputError(f"format {output!r} for rows", context=_expected("json, csv, sparql-json"))
        sink.write(render(cut, output))
        sink.write(b"\n")
        sink.flush()


@queries_app.command("check")
def queries_check() -> None:
    """Check every query file (header, parameters, SPARQL); exit 2 with every problem found."""
    from stigraph.catalog.catalog import check_catalog
    from stigraph.errors import CatalogError

    catalog, problems = check_catalog(state.settings.queries_dir)
    if problems:
        raise CatalogError(
            f"{len(problems)} problem(s) in {state.settings.queries_dir}: {problems[0]}",
            details=[{"problem": str(p)} for p in problems],
        )
    out.print(f"{len(catalog)} curated queries, all well-formed")


@queries_app.command("precompute")
def queries_precompute(
    name: Annotated[list[str] | None, typer.Argument(help="Only these queries (default: every one marked).")] = None,
) -> None:
    """Write the answer tables of the queries marked 'precompute' for the current generation.

    A load publishes every generation with its tables; this is for a store written before a
    query was marked, or with STIGRAPH_PRECOMPUTE_ANSWERS=false."""
    from stigraph.catalog.tables import TableInfo, materialise

    catalog = _catalog()
    names = set(name) if name else None
    for n in sorted(names or []):
        q = catalog.get(n)
        if not q.precompute and q.facts is None:
            raise InputError(
                f"query {n!r} is not marked 'precompute' and has no 'facts'", context=_expected("a precomputed query")
            )
    done: list[TableInfo] = []
    with open_store(state.settings, write=True) as store:

        def derive(answers: Path, open_scope: Any) -> None:
            done.extend(materialise(catalog, open_scope, answers, names))

        store.derive_current([derive])
        generation = store.generation
    table = Table("query", "scope", "rows", "seconds")
    for info in done:
        table.add_row(info.name, info.scope, f"{info.rows:,}", f"{info.seconds:.2f}")
    out.print(table)
    out.print(f"{len(done)} answer table(s) written for generation {generation}")


@queries_app.command("docs")
def queries_docs(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")] = Path("docs/queries.md"),
) -> None:
    """Write the catalogue's reference page (docs/queries.md)."""
    from stigraph.catalog.docs import render_docs

    output.write_text(render_docs(_catalog()), encoding="utf-8")
    out.print(f"wrote {output}")


def _path_index(scope: str) -> Any:
    from stigraph.paths.index import build_index
    from stigraph.validation.validator import subclass_closure

    if scope not in SCOPES:
        raise InputError(
            f"unknown scope {scope!r}", context=ErrorContext(field="scope", expected="public, partner or all")
        )
    validator = Validator.from_dirs(state.settings.shapes_dir, state.settings.ontology_dir)
    with open_store(state.settings) as store:
        return build_index(store, _minter(), scope, subclass_closure(validator.class_axioms))  # type: ignore[arg-type]


@app.command()
def paths(
    source: Annotated[str, typer.Argument(help="IRI of the first person (or any node).")],
    target: Annotated[str, typer.Argument(help="IRI of the second.")],
    k: Annotated[int, typer.Option(help="How many paths (1-10).")] = 3,
    max_depth: Annotated[int, typer.Option(help="Most hops in a path (1-8).")] = 6,
    via: Annotated[list[str] | None, typer.Option(help="Edge types a path may use (repeatable).")] = None,
    mode: Annotated[str, typer.Option(help="diverse (no shared intermediary) or shortest.")] = "diverse",
    exclude: Annotated[list[str] | None, typer.Option(help="IRI no path may go through (repeatable).")] = None,
    scope: Annotated[str, typer.Option(help="public, partner or all.")] = "all",
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """How two people are connected: the fewest hops, and paths explained hop by hop."""
    from stigraph.paths.answers import paths_answer

    answer = paths_answer(
        _path_index(scope), source, target, k=k, max_depth=max_depth, via=via, mode=mode, exclude=exclude
    )
    if output == "json":
        out.print_json(json.dumps(answer, ensure_ascii=False))
        return
    if not answer["connected"]:
        out.print(f"not connected within {answer['limits']['max_depth']} hops", highlight=False)
        return
    out.print(
        f"{answer['from']['label']} → {answer['to']['label']}: {answer['hops']} hop(s), "
        f"{answer['shortest_paths']} shortest path(s)",
        highlight=False,
    )
    for i, path in enumerate(answer["paths"], 1):
        out.print(f"[bold]path {i}[/] (cost {path['cost']})", highlight=False)
        for step in path["steps"]:
            out.print(f"  - {step}", highlight=False)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words of a name, romanised (any spelling, any order) or Japanese.")],
    kind: Annotated[
        str | None, typer.Option(help="person, organization, project, programme, field or mission.")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many (1-50).")] = 20,
    scope: Annotated[str, typer.Option(help="public, partner or all.")] = "all",
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Find people, organisations, missions, programmes and fields by name."""
    from stigraph.paths.answers import search_answer

    answer = search_answer(_path_index(scope), query, kind=kind, limit=limit)
    if output == "json":
        out.print_json(json.dumps(answer, ensure_ascii=False))
        return
    table = Table("kind", "name", "matched", "IRI")
    for r in answer["results"]:
        table.add_row(r["kind"], r["label"], r["matched"], r["id"])
    out.print(table)


@app.command()
def collaborators(
    person: Annotated[str, typer.Argument(help="IRI of the researcher.")],
    field: Annotated[str | None, typer.Option(help="IRI of a research field.")] = None,
    country: Annotated[str | None, typer.Option(help="Country (ISO code or IRI) of their organisations.")] = None,
    mission: Annotated[str | None, typer.Option(help="IRI of a mission whose jurisdiction holds them.")] = None,
    limit: Annotated[int, typer.Option(help="How many (1-50).")] = 10,
    scope: Annotated[str, typer.Option(help="public, partner or all.")] = "all",
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Potential collaborators, ranked by closeness, each with paths and who could introduce."""
    from stigraph.paths.answers import collaborators_answer

    answer = collaborators_answer(
        _path_index(scope), _minter(), person, field=field, country=country, mission=mission, limit=limit
    )
    if output == "json":
        out.print_json(json.dumps(answer, ensure_ascii=False))
        return
    table = Table("score", "candidate", "introducer", "shared fields", "why")
    for s in answer["suggestions"]:
        why = s["paths"][0]["steps"] if s["paths"] else []
        table.add_row(
            f"{s['score']:.4f}",
            f"{s['label']}\n{s['id']}",
            s["introducer"]["label"] if s["introducer"] else "",
            ", ".join(f["label"] for f in s["shared_fields"]),
            "; ".join(why),
        )
    out.print(table)


consent_app = typer.Typer(help="People's decisions about their data: who may see it (set, withdraw).")
app.add_typer(consent_app, name="consent")
_Person = Annotated[str, typer.Argument(help="IRI of the person, or person/<key>.")]


def _print_consent(result: Any, output: str) -> None:
    if output == "json":
        out.print_json(json.dumps(result.as_dict()))
        return
    verb = "withdrawn" if result.withdrawn else "set"
    rerouted = ", ".join(result.sources) or "none"
    out.print(
        f"[green]consent {verb}[/]  {result.person}: {result.visibility} "
        f"(sources re-routed: {rerouted}; generation {result.generation})",
        highlight=False,
    )


@consent_app.command("set")
def consent_set(
    person: _Person,
    visibility: Annotated[str, typer.Option(help="public, partner or restricted.")],
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Record who may see a person's data, and apply it to every source now and on later loads."""
    from stigraph.consent.actions import set_visibility

    validator = Validator.from_dirs(state.settings.shapes_dir, state.settings.ontology_dir)
    with open_store(state.settings, write=True) as store:
        result = set_visibility(store, _minter(), validator, person, visibility)
    _print_consent(result, output)


@consent_app.command("withdraw")
def consent_withdraw(
    person: _Person,
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Consent withdrawn: the person's data becomes restricted (operators only), dated."""
    from stigraph.consent.actions import set_visibility

    validator = Validator.from_dirs(state.settings.shapes_dir, state.settings.ontology_dir)
    with open_store(state.settings, write=True) as store:
        result = set_visibility(store, _minter(), validator, person, "restricted", withdraw=True)
    _print_consent(result, output)


@app.command()
def forget(
    person: _Person,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: the erasure cannot be undone.")] = False,
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Erase a person: every triple about them, in every graph, and the generations kept for
    rollback; a record of the erasure (date, counts, a digest of the IRI) keeps later loads
    from bringing them back."""
    from stigraph.consent.actions import forget as erase

    if not yes:
        raise InputError(
            "erasure cannot be undone; add --yes to confirm", context=ErrorContext(field="--yes", expected="--yes")
        )
    validator = Validator.from_dirs(state.settings.shapes_dir, state.settings.ontology_dir)
    with open_store(state.settings, write=True) as store:
        result = erase(store, _minter(), validator, person)
    if output == "json":
        out.print_json(json.dumps(result.as_dict()))
        return
    out.print(
        f"[green]forgotten[/]  {result.iris} IRI(s), {result.triples} triple(s) removed from "
        f"{len(result.graphs)} graph(s); generation {result.generation}; older generations deleted",
        highlight=False,
    )


reconcile_app = typer.Typer(
    help="Identity reconciliation: one node per real person or organisation across sources.",
    invoke_without_command=True,
)
app.add_typer(reconcile_app, name="reconcile")


def _reconcile(store: EmbeddedStore, *, write: bool = True) -> Any:
    from stigraph.reconcile.run import reconcile

    validator = Validator.from_dirs(state.settings.shapes_dir, state.settings.ontology_dir)
    return reconcile(store, _minter(), validator, write=write)


def _reconcile_in_commit(pipeline: Pipeline) -> Callable[[Any], dict[str, Any]]:
    from stigraph.reconcile.run import reconcile_in

    return lambda writer: reconcile_in(writer, pipeline.minter, pipeline.validator).counts()


def _print_reconciliation(counts: dict[str, Any]) -> None:
    pairs = counts["pairs"]
    methods = ", ".join(f"{n} by {m}" for m, n in sorted(counts["accepted_by_method"].items())) or "none"
    out.print(
        f"[green]reconciled[/]  {counts['people']} people, {counts['organizations']} organisations: "
        f"{pairs['accepted']} pair(s) accepted ({methods}), {pairs['uncertain']} to review, "
        f"{pairs['rejected']} rejected by curators; {counts['clusters']} merged entities "
        f"({counts['seconds']} s)",
        highlight=False,
    )


@reconcile_app.callback()
def reconcile_run(
    ctx: typer.Context,
    report: Annotated[bool, typer.Option("--report", help="List the uncertain pairs for review.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Match and report without writing.")] = False,
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    limit: Annotated[int, typer.Option(help="At most this many pairs in the report.")] = 200,
) -> None:
    """Match people and organisations across sources and write owl:sameAs links and matches.

    Shared identifiers first, then names and affiliations; curator decisions always win.
    """
    if ctx.invoked_subcommand is not None:
        return
    with open_store(state.settings, write=not dry_run) as store:
        result = _reconcile(store, write=not dry_run)
    rows = result.report()[:limit] if report else []
    if output == "json":
        out.print_json(json.dumps({**result.counts(), "review": rows} if report else result.counts()))
        return
    _print_reconciliation(result.counts())
    if report:
        table = Table("confidence", "kind", "first", "second", "evidence", title="Pairs to review")
        for row in rows:
            table.add_row(
                f"{row['confidence']:.2f}",
                row["kind"],
                f"{row['a_label']}\n{row['a']}",
                f"{row['b_label']}\n{row['b']}",
                "; ".join(row["evidence"]),
            )
        out.print(table)
        out.print("decide with: stigraph reconcile accept|reject FIRST SECOND --curator NAME", highlight=False)


def _decide(verdict: str, first: str, second: str, curator: str, note: str | None) -> None:
    from stigraph.reconcile.decisions import record_decision
    from stigraph.reconcile.entities import read_entities
    from stigraph.validation.validator import subclass_closure

    validator = Validator.from_dirs(state.settings.shapes_dir, state.settings.ontology_dir)
    with open_store(state.settings, write=True) as store:
        entities = read_entities(store, _minter(), subclass_closure(validator.class_axioms))
        decision = record_decision(
            store, _minter(), validator, entities, first, second, verdict, curator=curator, note=note
        )
        out.print(f"[green]recorded[/]  {decision.verdict} {decision.a} {decision.b}", highlight=False)
        _print_reconciliation(_reconcile(store).counts())


_Curator = Annotated[str, typer.Option("--curator", help="Who decides (kept with the decision).")]
_Note = Annotated[str | None, typer.Option("--note", help="Why, for the next curator.")]
_Node = Annotated[str, typer.Argument(help="IRI of a person or organisation.")]


@reconcile_app.command("accept")
def reconcile_accept(first: _Node, second: _Node, curator: _Curator, note: _Note = None) -> None:
    """Record that two nodes are the same entity (kept across reloads), and reconcile."""
    _decide("accept", first, second, curator, note)


@reconcile_app.command("reject")
def reconcile_reject(first: _Node, second: _Node, curator: _Curator, note: _Note = None) -> None:
    """Record that two nodes are different entities (kept across reloads), and reconcile."""
    _decide("reject", first, second, curator, note)


@reconcile_app.command("decisions")
def reconcile_decisions(output: Annotated[str, typer.Option("--format", help="text or json.")] = "text") -> None:
    """The curators' decisions."""
    from stigraph.reconcile.decisions import read_decisions

    with open_store(state.settings) as store:
        decisions = read_decisions(store, _minter())
    if output == "json":
        out.print_json(json.dumps([d.__dict__ for d in decisions]))
        return
    table = Table("verdict", "first", "second", "curator", "when", "note")
    for d in decisions:
        table.add_row(d.verdict, d.a, d.b, d.curator, d.created, d.note or "")
    out.print(table)


def main() -> None:
    """Entry point: one clear line per error, details with --verbose, the error's exit code."""
    try:
        app()
    except StigraphError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True, markup=True)
        summary = getattr(exc, "summary", [])
        for row in summary[:20]:  # a count per broken constraint, however large the load
            count = f"{row['count']:,}{'+' if row['at_least'] else ''}"
            where = f" {row['path']}" if row["path"] else ""
            err.print(
                f"  {count} × {row['shape'].rsplit('#', 1)[-1]}{where}: {row['message']} (first: {row['first']})",
                highlight=False,
            )
        if len(summary) > 20:
            err.print(f"  … and {len(summary) - 20} more constraint(s)", highlight=False)
        if state.verbose and exc.details:
            for d in exc.details[:50]:
                err.print(f"  {d}", highlight=False)
        elif exc.details and len(exc.details) > 1:
            err.print(f"  ({len(exc.details)} problems; --verbose lists them)")
        sys.exit(exc.exit_code)
    except pydantic.ValidationError as exc:  # a setting (STIGRAPH_*, or an option that sets one)
        for e in exc.errors():
            name = "STIGRAPH_" + "_".join(str(x) for x in e["loc"]).upper()
            err.print(f"[red]error:[/] setting {name}: {e['msg']}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("[red]interrupted[/]: nothing was committed by the interrupted step")
        sys.exit(130)
    except Exception as exc:  # last resort: one line for users, the trace only on request
        err.print(f"[red]internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
        if state.verbose:
            err.print_exception()
        else:
            err.print("  (run with --verbose for the trace, and please report it)")
        sys.exit(70)
