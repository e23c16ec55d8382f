"""Property-based run of schemathesis against the OpenAPI document of the live service: every
curated query operation, generated parameter values, no 5xx and no response outside the schema.

The operations are driven from a plain test (schemathesis' pytest fixture integration does not
run on the pytest this project uses), one Hypothesis run per operation.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from stigraph.catalog.catalog import load_catalog
from tests.conftest import REPO
from tests.live import start_server

EXAMPLES_PER_OPERATION = 25  # 80 per operation and mode also passed, three runs in a row (2026-12-02)


@pytest.fixture(scope="module")
def fuzz_api(curated_store: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    srv = start_server(
        curated_store,
        tmp_path_factory.mktemp("fuzz-log") / "serve.log",
        client_concurrency=64,
        client_budget_seconds=1e9,
    )
    yield srv
    srv.stop()


def test_no_curated_operation_fails_or_breaks_its_schema(fuzz_api) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_url(fuzz_api.base + "/openapi.json").include(path_regex="^/api/queries/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(load_catalog(REPO / "queries"))
    calls: dict[tuple[str, str], int] = {}
    statuses: dict[int, int] = {}
    for operation, mode in itertools.product(operations, GenerationMode):
        _fuzz(operation, mode, calls, statuses)
    assert len(calls) == 2 * len(operations)  # every operation, positive and negative values
    assert sum(calls.values()) >= len(operations) * 4
    assert statuses.get(200, 0) > 0 and statuses.get(422, 0) > 0, statuses  # both kinds of answer were seen


def _fuzz(operation: Any, mode: GenerationMode, calls: dict[tuple[str, str], int], statuses: dict[int, int]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,  # the same examples on every CI run: a red run is reproducible
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(timeout=60)
        assert response.status_code < 500, (case.path, case.query, response.text)
        case.validate_response(response)
        calls[(operation.path, mode.value)] = calls.get((operation.path, mode.value), 0) + 1
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    check()


def test_no_path_operation_fails_or_breaks_its_schema(fuzz_api) -> None:  # type: ignore[no-untyped-def]
    """/api/paths and /api/collaborators: generated values give 200, 404 or 422, never a 5xx
    (the index is waited for first: a fresh server answers 503 while it builds)."""
    import time

    import httpx

    person = "https://w3id.org/stigraph/id/person/0000-0002-1825-0097"
    deadline = time.monotonic() + 60
    while httpx.get(fuzz_api.base + "/api/paths", params={"from": person, "to": person}).status_code == 503:
        assert time.monotonic() < deadline, "the path index was not built within a minute"
        time.sleep(0.2)
    schema = schemathesis.openapi.from_url(fuzz_api.base + "/openapi.json").include(
        path_regex="^/api/(paths|collaborators)$"
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 2
    calls: dict[tuple[str, str], int] = {}
    statuses: dict[int, int] = {}
    for operation, mode in itertools.product(operations, GenerationMode):
        _fuzz(operation, mode, calls, statuses)
    assert len(calls) == 4 and sum(calls.values()) >= 8
    assert statuses.get(404, 0) > 0 and statuses.get(422, 0) > 0, statuses
