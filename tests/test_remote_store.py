"""The remote-engine client against real engines, ``oxigraph serve`` (PyPI package ``oxigraph``)
and Virtuoso 7 (Debian's ``virtuoso-opensource-7``): graph replacement and removal through the
Graph Store Protocol, queries scoped by ``default-graph-uri``/``named-graph-uri`` and the ways a
query could escape them, paged SELECTs, updates, errors, retries while the engine is still
starting, and each Virtuoso quirk of docs/scaling.md, seen on the wire and handled."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import Literal, NamedNode

from stigraph.sparql.lexer import QueryRefused
from stigraph.store.remote import RemoteConfig, RemoteEndpoint, RemoteError, RemoteTruncated
from stigraph.store.remote_store import held_graphs, read_generation
from tests import engines
from tests.conftest import run_cli
from tests.engines import OXIGRAPH, Engine
from tests.live import free_port

XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
G1 = NamedNode("https://w3id.org/stigraph/graph/remote-a/public")
G2 = NamedNode("https://w3id.org/stigraph/graph/remote-b/restricted")
EX = "https://w3id.org/stigraph/id/thing/"
ENGINES = ["oxigraph", "virtuoso"]


def _start(location: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _config(port: int, **kw: object) -> RemoteConfig:
    base = f"http://127.0.0.1:{port}"
    return RemoteConfig(
        query_url=f"{base}/query",
        update_url=f"{base}/update",
        graph_store_url=f"{base}/store",
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module", params=ENGINES)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One real engine of each kind for the module (Virtuoso takes seconds to start)."""
    with engines.engine(request.param, tmp_path_factory.mktemp(request.param)) as running:
        yield running


@pytest.fixture
def engine(server: Engine) -> Iterator[RemoteEndpoint]:
    """A fresh client (its request count at 0) on an engine whose test graphs are empty."""
    with RemoteEndpoint(server.with_config(page_size=10)) as endpoint:
        for g in (G1, G2):
            endpoint.drop_graph(g)
        endpoint.requests = 0
        yield endpoint


def _nt(prefix: str, n: int) -> bytes:
    return "".join(f'<{EX}{prefix}{i}> <{EX}p> "{prefix} {i}" .\n' for i in range(n)).encode()


def test_graphs_are_replaced_and_queries_see_only_the_graphs_they_are_given(engine: RemoteEndpoint) -> None:
    engine.replace_graph(G1, _nt("a", 3))
    engine.replace_graph(G2, _nt("b", 2))
    engine.replace_graph(G1, _nt("a", 4))  # a replacement, not an addition
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert int(next(iter(engine.select(count, default_graphs=[G1])))["n"].value) == 4
    assert int(next(iter(engine.select(count, default_graphs=[G2])))["n"].value) == 2
    # a query cannot reach a graph it was not given, whatever it names
    escape = "SELECT ?o WHERE { GRAPH <" + G2.value + "> { ?s ?p ?o } }"
    assert list(engine.select(escape, named_graphs=[G1])) == []
    assert len(list(engine.select(escape, named_graphs=[G2]))) == 2
    assert len(engine.graph(G2)) == 2
    engine.drop_graph(G2)
    engine.drop_graph(G2)  # already gone: fine
    assert list(engine.select(escape, named_graphs=[G2])) == []
    assert engine.ask("ASK { ?s ?p ?o }", default_graphs=[G1])


def test_large_answers_come_a_page_at_a_time(engine: RemoteEndpoint) -> None:
    engine.replace_graph(G1, _nt("a", 25))
    replaced = engine.requests  # one request, or two where the engine asks for Digest credentials
    rows = list(engine.select_pages("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o", default_graphs=[G1]))
    assert [r["o"].value for r in rows] == sorted(f"a {i}" for i in range(25))
    assert engine.requests - replaced == 3  # pages of 10, 10 and 5
    with pytest.raises(RemoteError, match="ORDER BY"):
        list(engine.select_pages("SELECT ?o WHERE { ?s ?p ?o }"))


def test_updates_and_constructs(engine: RemoteEndpoint) -> None:
    engine.update(f'INSERT DATA {{ GRAPH <{G1.value}> {{ <{EX}x> <{EX}p> "x" }} }}')
    triples = engine.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graphs=[G1])
    assert [t.object.value for t in triples] == ["x"]


def test_errors_name_the_endpoint_and_what_the_engine_said(engine: RemoteEndpoint, tmp_path: Path) -> None:
    with pytest.raises(RemoteError) as bad:
        engine.select("SELECT WHERE {")
    assert "HTTP 400" in str(bad.value) and engine.config.query_url.rsplit("/", 1)[-1] in str(bad.value)
    assert engine.requests == 1  # a 4xx is not retried
    nowhere = RemoteEndpoint(_config(free_port(), retries=1, backoff=0.01))
    with pytest.raises(RemoteError, match="cannot reach"):
        nowhere.select("ASK {}")
    assert nowhere.requests == 2
    no_store = RemoteEndpoint(RemoteConfig(query_url=engine.config.query_url))
    with pytest.raises(RemoteError, match="Graph Store"):
        no_store.replace_graph(G1, b"")


def test_a_request_is_retried_while_the_engine_starts(tmp_path: Path) -> None:
    port = free_port()
    holder: dict[str, subprocess.Popen[bytes]] = {}
    starter = threading.Timer(0.5, lambda: holder.setdefault("p", _start(tmp_path / "late", port)))
    starter.start()
    try:
        with RemoteEndpoint(_config(port, retries=8, backoff=0.1)) as endpoint:
            assert endpoint.ask("ASK { }") is True
            assert endpoint.requests > 1  # refused at first, answered once the engine was up
    finally:
        starter.join()
        holder["p"].terminate()
        holder["p"].wait(timeout=15)


ESCAPES = [
    ("FROM", "SELECT ?o FROM <{g2}> WHERE {{ ?s ?p ?o }}"),
    ("FROM", "SELECT ?o FROM NAMED <{g2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
    ("FROM", "SELECT ?o \\u0046ROM <{g2}> WHERE {{ ?s ?p ?o }}"),  # an escaped keyword
    ("pragma", "define input:default-graph-uri <{g2}> SELECT ?o WHERE {{ ?s ?p ?o }}"),
    ("built-in", "SELECT (<bif:concat>(?o, ?o) AS ?x) WHERE {{ ?s ?p ?o }}"),
    ("built-in", "SELECT (bif:concat(?o, ?o) AS ?x) WHERE {{ ?s ?p ?o }}"),
    ("built-in", "SELECT (<sql:anything>(?o) AS ?x) WHERE {{ ?s ?p ?o }}"),
]


def test_a_scoped_query_cannot_escape_its_graphs(engine: RemoteEndpoint, server: Engine) -> None:
    engine.replace_graph(G1, _nt("a", 2))
    engine.replace_graph(G2, _nt("secret", 3))
    refused = 0
    for _kind, template in ESCAPES:
        with pytest.raises(QueryRefused):
            engine.select(template.format(g2=G2.value), default_graphs=[G1], named_graphs=[G1])
        refused += 1
    assert refused == len(ESCAPES) == 7
    # GRAPH ?g with only the default side given: Virtuoso would range over every graph of the
    # server; the client gives the named side too, so nothing outside the dataset is seen
    any_graph = "SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert list(engine.select(any_graph, default_graphs=[G1])) == []
    assert {r["g"] for r in engine.select(any_graph, default_graphs=[G1], named_graphs=[G1])} == {G1}
    everything = "SELECT ?o WHERE { ?s ?p ?o }"
    assert sorted(r["o"].value for r in engine.select(everything, named_graphs=[G2])) == []
    assert len(engine.select(everything, default_graphs=[G1])) == 2


def test_ask_answers_a_boolean_on_every_engine(engine: RemoteEndpoint) -> None:
    engine.replace_graph(G1, _nt("a", 1))
    assert engine.ask("ASK { ?s ?p ?o }", default_graphs=[G1]) is True
    assert engine.ask("ASK { ?s ?p ?o }", default_graphs=[G2]) is False


# -- Virtuoso's quirks, each seen on the wire first, then handled by the client ---------------


ONLY_VIRTUOSO = pytest.mark.parametrize("server", ["virtuoso"], indirect=True)


def _over_the_cap(virtuoso: Engine, engine: RemoteEndpoint) -> int:
    """G1 with half as many triples again as the engine's row cap; the cap."""
    cap = virtuoso.max_rows
    assert cap == 1000
    engine.replace_graph(G1, _nt("a", cap + 500))
    return cap


@pytest.fixture
def virtuoso(server: Engine, engine: RemoteEndpoint) -> Engine:
    assert server.name == "virtuoso"
    return server


def _raw(server: Engine) -> httpx.Client:
    """A plain client with the test account's credentials, to see what the engine itself sends."""
    return httpx.Client(auth=httpx.DigestAuth(engines.VIRTUOSO_USER, engines.VIRTUOSO_PASSWORD), timeout=30)


@ONLY_VIRTUOSO
def test_virtuoso_hangs_on_a_direct_post_so_queries_go_form_encoded(virtuoso: Engine, engine: RemoteEndpoint) -> None:
    with _raw(virtuoso) as raw, pytest.raises(httpx.ReadTimeout):
        raw.post(
            virtuoso.config.query_url,
            content=b"ASK { }",
            headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
            timeout=3,
        )
    assert engine.ask("ASK { }") is True  # the client's form-encoded POST is answered


@ONLY_VIRTUOSO
def test_virtuoso_writes_iris_as_strings_in_tsv_so_the_client_reads_json(
    virtuoso: Engine, engine: RemoteEndpoint
) -> None:
    engine.replace_graph(G1, _nt("a", 1))
    with _raw(virtuoso) as raw:
        tsv = raw.post(
            virtuoso.config.query_url,
            data={"query": "SELECT ?s WHERE { ?s ?p ?o }", "default-graph-uri": G1.value},
            headers={"Accept": "text/tab-separated-values"},
        ).text.splitlines()
    assert tsv == ['"s"', f'"{EX}a0"']  # SPARQL 1.1 TSV would be ?s and <IRI>
    (row,) = engine.select("SELECT ?s WHERE { ?s ?p ?o }", default_graphs=[G1])
    assert row["s"] == NamedNode(f"{EX}a0")


@ONLY_VIRTUOSO
def test_virtuoso_marks_typed_literals_the_old_way_and_they_read_as_literals(
    virtuoso: Engine, engine: RemoteEndpoint
) -> None:
    engine.replace_graph(G1, f'<{EX}a> <{EX}p> 7, "été", "plain", "tagged"@ja .\n'.encode())
    with _raw(virtuoso) as raw:
        body = raw.post(
            virtuoso.config.query_url,
            data={"query": "SELECT ?o WHERE { ?s ?p ?o }", "default-graph-uri": G1.value},
            headers={"Accept": "application/sparql-results+json"},
        ).text
    assert '"typed-literal"' in body  # SPARQL 1.1 JSON says "literal" with a datatype
    values = {r["o"] for r in engine.select("SELECT ?o WHERE { ?s ?p ?o }", default_graphs=[G1])}
    assert values == {
        Literal("7", datatype=XSD_INTEGER),
        Literal("été"),
        Literal("plain"),
        Literal("tagged", language="ja"),
    }


@ONLY_VIRTUOSO
def test_virtuoso_has_no_default_graph_of_its_own(virtuoso: Engine, engine: RemoteEndpoint) -> None:
    engine.replace_graph(G1, _nt("a", 2))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    everything = int(next(iter(engine.select(count)))["n"].value)
    assert everything > 2  # no dataset: every graph of the server, its system graphs included
    assert int(next(iter(engine.select(count, default_graphs=[G1])))["n"].value) == 2
    # so the client never sends a query without a dataset for a scope (see the escape test), and
    # never addresses the default graph: INSERT without GRAPH is refused, the store unchanged
    with pytest.raises(RemoteError, match="SP031"):
        engine.update(f'INSERT DATA {{ <{EX}x> <{EX}p> "x" }}')
    assert int(next(iter(engine.select(count)))["n"].value) == everything
    with _raw(virtuoso) as raw:
        statuses = [
            raw.request(method, virtuoso.config.graph_store_url or "", params="default", content=body).status_code
            for method, body in (("GET", None), ("PUT", f'<{EX}x> <{EX}p> "x" .'.encode()), ("DELETE", None))
        ]
    assert statuses[:2] == [500, 500] and statuses[2] in (500, 501)  # a server error, not "no such graph"
    assert int(next(iter(engine.select(count)))["n"].value) == everything


@ONLY_VIRTUOSO
def test_virtuoso_cuts_answers_at_its_row_cap_and_the_client_notices(virtuoso: Engine, engine: RemoteEndpoint) -> None:
    cap = _over_the_cap(virtuoso, engine)
    everything = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    with _raw(virtuoso) as raw:
        cut = raw.post(
            virtuoso.config.query_url,
            data={"query": everything, "default-graph-uri": G1.value},
            headers={"Accept": "application/sparql-results+json"},
        )
    assert cut.status_code == 200 and cut.headers["X-SPARQL-MaxRows"] == str(cap)
    assert len(cut.json()["results"]["bindings"]) == cap  # 1,500 asked, 1,000 sent, and "200 OK"
    with pytest.raises(RemoteTruncated, match=f"limit of {cap} rows"):
        engine.select(everything, default_graphs=[G1])
    # a pager asking for pages larger than the cap learns it and asks again, below it
    big_pages = RemoteEndpoint(virtuoso.with_config(page_size=5000))
    rows = list(big_pages.select_pages(everything, default_graphs=[G1]))
    assert [r["o"].value for r in rows] == sorted(f"a {i}" for i in range(cap + 500))
    assert big_pages.requests == 1 + 2  # the cut page, then pages of 999 and 501


@ONLY_VIRTUOSO
def test_virtuoso_counts_a_graph_outside_the_dataset_wrongly_but_shows_none_of_it(
    virtuoso: Engine, engine: RemoteEndpoint
) -> None:
    engine.replace_graph(G1, _nt("a", 1))
    engine.replace_graph(G2, _nt("secret", 3))
    outside = f"GRAPH <{G2.value}> {{ ?s ?p ?o }}"
    rows = engine.select(f"SELECT ?o WHERE {{ {outside} }}", default_graphs=[G1], named_graphs=[G1])
    assert list(rows) == []
    (count,) = engine.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {outside} }}", default_graphs=[G1], named_graphs=[G1])
    # SPARQL says 0; Virtuoso counts the dataset's own graph (1 triple), not the hidden one (3)
    assert count["n"].value == "1"


@ONLY_VIRTUOSO
def test_virtuoso_answers_bad_input_with_500_and_it_is_not_retried(virtuoso: Engine, engine: RemoteEndpoint) -> None:
    with pytest.raises(RemoteError) as bad:
        engine.replace_graph(G1, b'<https://example.org/a> <https://example.org/p> "unterminated .\n')
    assert bad.value.status == 500 and "unsupported type text/plain" in str(bad.value)
    assert engine.requests == 1  # an error of the engine's own, not a passing one: asked once
    assert engine.graph(G1) == []


@ONLY_VIRTUOSO
def test_virtuoso_cuts_graph_store_reads_silently_and_the_client_reads_in_pages(
    virtuoso: Engine, engine: RemoteEndpoint
) -> None:
    cap = _over_the_cap(virtuoso, engine)
    with _raw(virtuoso) as raw:
        cut = raw.get(
            virtuoso.config.graph_store_url or "",
            params={"graph": G1.value},
            headers={"Accept": "application/n-triples"},
        )
    assert cut.status_code == 200 and "x-sparql-maxrows" not in cut.headers  # 200, no header...
    assert len(cut.text.splitlines()) <= cap + 1  # ... and a third of the graph missing
    triples = engine.graph(G1)
    assert sorted(t.object.value for t in triples) == sorted(f"a {i}" for i in range(cap + 500))


@ONLY_VIRTUOSO
def test_an_answer_over_the_cap_is_read_in_pages_when_the_query_allows(
    virtuoso: Engine, engine: RemoteEndpoint
) -> None:
    """What the path index does on a remote engine: whole edge scans, larger than the cap."""
    from stigraph.store.remote import RemoteTruncated
    from stigraph.store.remote_view import RemoteScopeView

    cap = _over_the_cap(virtuoso, engine)
    view = RemoteScopeView(engine, [G1])
    answer = view.query("SELECT ?s ?o WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    assert sorted(r["o"].value for r in answer) == sorted(f"a {i}" for i in range(cap + 500))
    # an answer the query itself limits or groups cannot be paged from outside: it says so
    with pytest.raises(RemoteTruncated):
        view.query("SELECT ?s ?o WHERE { ?s ?p ?o } LIMIT 1200", use_default_graph_as_union=True)


BINDING_CASES = [
    ('PREFIX a: <x:> SELECT ?s WHERE { ?s ?q "{" . { ?a ?b ?c } } ORDER BY ?s', "SELECT ?s WHERE { VALUES"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } WHERE { VALUES"),
    ("DESCRIBE ?s { ?s ?p ?o }", "DESCRIBE ?s { VALUES"),
    ("SELECT ?s { ?s ?p ?o }", "SELECT ?s { VALUES"),
]


def test_parameters_open_the_where_group_as_values_of_parsed_terms() -> None:
    """Bound at the head of the WHERE group (not the CONSTRUCT template, not a string that holds
    a brace), written by pyoxigraph: quotes in a value stay inside its literal."""
    from pyoxigraph import Variable

    from stigraph.store.remote_view import with_values

    value = Literal('a "quoted" } value')
    for text, expected in BINDING_CASES:
        bound = with_values(text, {Variable("s"): value})
        assert expected in bound, bound
        assert f"VALUES (?s) {{ ({value}) }}" in bound
        assert bound.count("VALUES") == 1
    assert len(BINDING_CASES) == 4


def _staging_graphs(client: RemoteEndpoint) -> list[object]:
    """The staging graphs on the engine (every graph is seen: no dataset is given)."""
    text = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER (STRSTARTS(STR(?g), 'urn:stigraph:staging:')) }"
    return list(client.select(text))


def _triples_in(client: RemoteEndpoint, held: list[NamedNode]) -> int:
    rows = client.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {held[0]} {{ ?s ?p ?o }} }}", named_graphs=held)
    return int(rows.rows[0]["n"].value)


BULK_TRIPLES = 60_010  # more than one Graph Store chunk, and a blank node shared by two triples


def _bulk_load(
    client: RemoteEndpoint, loader: str, source: str, state: Path, env: dict[str, str], data: Path
) -> tuple[list[NamedNode], tuple[str, ...]]:
    """``stigraph load --bulk-loader LOADER`` of BULK_TRIPLES triples, checked on the engine: one
    held graph with them all and one blank node, no staging graph left. Its graphs and the
    load's arguments (without the loader)."""
    n = BULK_TRIPLES
    data.write_bytes(_nt(source, n - 2) + b"_:b <urn:x:p> <urn:x:o> .\n<urn:x:s> <urn:x:q> _:b .\n")
    args = ("load", str(data), "--kind", "rdf", "--source-id", source, "--no-reconcile", "--backend", "remote")
    loaded = run_cli(*args, "--bulk-loader", loader, store=state, env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert _staging_graphs(client) == []  # dropped once the commit landed
    held = [g for g in held_graphs(client) if source in g.value]
    assert len(held) == 1
    assert _triples_in(client, held) >= n  # the source's triples (and its provenance)
    shared = client.select(
        f"SELECT ?b WHERE {{ GRAPH {held[0]} {{ ?b <urn:x:p> <urn:x:o> . <urn:x:s> <urn:x:q> ?b }} }}",
        named_graphs=held,
    )
    assert len(shared) == 1  # one blank node, as in the file
    return held, args


@ONLY_VIRTUOSO
def test_stigraph_load_stages_through_virtuosos_bulk_loader_and_commits_as_one_update(
    virtuoso: Engine, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    bulk = virtuoso.directory / "bulk"  # inside the directory the engine's ini allows it to read
    bulk.mkdir(exist_ok=True)
    env = {**engines.remote_env(virtuoso), **engines.bulk_env(virtuoso, bulk)}
    env.pop("STIGRAPH_BACKEND")  # chosen by the option below
    with RemoteEndpoint(virtuoso.config) as client:
        held, args = _bulk_load(client, "virtuoso", "bulk-test", state, env, tmp_path / "people.nt")
        generation = read_generation(client)
    assert list(bulk.iterdir()) == []  # the files are removed once loaded
    listed = engines.isql(virtuoso.isql_port or 0, "SELECT COUNT(*) FROM DB.DBA.load_list;")
    assert "\n0\n" in listed.replace(" ", "")
    # a loader that cannot be reached fails the load and leaves the engine as it was
    broken = {**env, "STIGRAPH_REMOTE_ISQL_PASSWORD": "wrong"}
    (tmp_path / "people.nt").write_bytes(_nt("other", 10))
    failed = run_cli(*args, "--bulk-loader", "virtuoso", store=state, env=broken)
    assert failed.returncode != 0
    assert "isql at 127.0.0.1:" in failed.stderr and "Traceback" not in failed.stderr
    with RemoteEndpoint(virtuoso.config) as client:
        assert read_generation(client) == generation
        assert _triples_in(client, held) >= BULK_TRIPLES
        assert _staging_graphs(client) == []
    # a bad setting is named
    bad = run_cli(*args, "--bulk-loader", "oracle", store=state, env=env)
    assert bad.returncode == 2 and "STIGRAPH_REMOTE_BULK_LOADER" in bad.stderr


ONLY_OXIGRAPH = pytest.mark.parametrize("server", ["oxigraph"], indirect=True)


@ONLY_OXIGRAPH
def test_stigraph_load_stages_through_oxigraphs_bulk_loader_and_commits_as_one_update(
    server: Engine, engine: RemoteEndpoint, tmp_path: Path
) -> None:
    """``--bulk-loader oxigraph``: each staged graph is one Graph Store request that the server's
    bulk loader takes (``no_transaction``); the commit is the same single update, and the staging
    graphs are gone after it. A staging request that fails leaves the engine as it was."""
    assert server.name == "oxigraph"
    state = tmp_path / "state"
    env = engines.remote_env(server)
    env.pop("STIGRAPH_BACKEND")  # chosen by the option below
    data = tmp_path / "people.nt"
    held, args = _bulk_load(engine, "oxigraph", "oxbulk-test", state, env, data)
    generation = read_generation(engine)
    # a staging request the engine refuses (sent to its query service, which takes no data)
    # fails the load, without a trace, and leaves the generation and the data as they were
    broken = {**env, "STIGRAPH_REMOTE_GRAPH_STORE_URL": env["STIGRAPH_REMOTE_QUERY_URL"]}
    data.write_bytes(_nt("other", 10))
    failed = run_cli(*args, "--bulk-loader", "oxigraph", store=state, env=broken)
    assert failed.returncode != 0 and "Traceback" not in failed.stderr, failed.stderr
    assert read_generation(engine) == generation
    assert _triples_in(engine, held) >= BULK_TRIPLES
    assert _staging_graphs(engine) == []
    # the Oxigraph loader on another engine is refused by name
    other = {**env, "STIGRAPH_REMOTE_ENGINE": "virtuoso"}
    refused = run_cli(*args, "--bulk-loader", "oxigraph", store=state, env=other)
    assert refused.returncode != 0 and "STIGRAPH_REMOTE_ENGINE" in refused.stderr, refused.stderr
