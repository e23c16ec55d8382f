import httpx


def test_server_answers_a_count(server):
    r = httpx.get(server.sparql, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 1000
