"""Schemathesis against the OpenAPI document: no 5xx, and every response matches its schema.

Bounded: a few generated requests per operation, on SQLite only (the routes' PostgreSQL
behaviour is covered by test_routes.py). Operations are driven with Hypothesis directly,
because schemathesis' pytest plugin does not load under this pytest.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from service_world import build_world
from tanshi.store.engine import make_engine, migrate

EXAMPLES_PER_OPERATION = 8


def test_generated_requests_get_no_5xx_and_match_the_schema(tmp_path) -> None:
    engine: Engine = make_engine(f"sqlite:///{tmp_path / 'fuzz.sqlite'}")
    migrate(engine)
    world = build_world(engine, login_attempts_per_minute=100_000)
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]

    for operation in operations:
        # A fresh token per operation: /v1/auth/tokens/revoke revokes the one it is sent with.
        exercise(operation, world.token("regulator"), checks)


def exercise(operation, headers: dict[str, str], checks: list) -> None:
    """Generated requests to one operation; every answer must pass ``checks``."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case) -> None:
        response = case.call(headers={**headers, **(case.headers or {})})
        case.validate_response(response, checks=checks)

    run()
