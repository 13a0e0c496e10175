"""Property-based run of our own OpenAPI document (schemathesis): no request makes a 500.

Bounded: a few examples per operation, no deadline; marked slow. Each
operation runs twice, without a token and with an operator's (most scopes),
so the authenticated code paths are fuzzed too.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from tests.api.conftest import Env

MAX_EXAMPLES = 15
TIME_BUDGET_SECONDS = 120


def _fuzz(
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    who: str | None,
    auth: dict[str, str],
    failures: list[str],
    calls: list[int],
) -> None:
    @settings(
        max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case[Any]) -> None:
        response = case.call(headers=auth)
        calls.append(response.status_code)
        if response.status_code >= 500:
            failures.append(
                f"{who}: {case.method} {case.formatted_path} -> {response.status_code} {response.text[:200]}"
            )

    run()


@pytest.mark.slow
def test_no_server_errors(env: Env) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", env.app)
    headers = {
        None: {},
        "operator": env.auth("operator"),
        "buyer": env.auth("B-buyer"),
        "enterprise": env.auth("E-alu"),
        "verifier": env.auth("V-cert"),
    }
    started = time.monotonic()
    failures: list[str] = []
    calls: list[int] = []
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # an operation the schema cannot describe
        operation = result.ok()
        operations += 1

        for who, auth in headers.items():
            if time.monotonic() - started < TIME_BUDGET_SECONDS:
                _fuzz(operation, who, auth, failures, calls)
    assert operations >= 15
    print(f"schemathesis: {operations} operations, {len(calls)} calls, statuses {sorted(set(calls))}")
    assert len(calls) > 200 and any(c < 300 for c in calls)
    assert failures == []
