"""No request of any shape produces a 500: Schemathesis over the whole /openapi.json.

Driven through Hypothesis directly (``operation.as_strategy()``) over the app of the
``web_app`` fixture, in-process; bounded examples per operation keep the suite fast.
"""

from __future__ import annotations

from collections.abc import Callable

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

BOUNDED = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def _each_operation(app: FastAPI, check: Callable[[schemathesis.Case], None]) -> list[str]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    seen: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        seen.append(f"{operation.method.upper()} {operation.path}")
        # Valid inputs, then inputs that break the schema (wrong types, missing fields, ...).
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @BOUNDED
            def run(case: schemathesis.Case) -> None:
                check(case)

            try:
                run()
            except Unsatisfiable:
                # An operation without parameters has no invalid input to generate.
                assert mode is GenerationMode.NEGATIVE
    return seen


def test_no_request_gives_a_server_error(web_app: FastAPI) -> None:
    """Every operation of every module (REST API, CDS Hooks, versions): never a 5xx."""

    def check(case: schemathesis.Case) -> None:
        response = case.call()
        assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])

    seen = _each_operation(web_app, check)
    assert "GET /v1/determinations" in seen and "POST /v1/determinations" in seen


def test_rest_api_conforms_to_its_schema(web_app: FastAPI) -> None:
    """The REST API's answers match their documented statuses, content types and schemas."""

    def check(case: schemathesis.Case) -> None:
        if not case.operation.path.startswith(("/v1/", "/healthz")):
            return
        case.call_and_validate(
            checks=[status_code_conformance, content_type_conformance, response_schema_conformance]
        )

    seen = _each_operation(web_app, check)
    assert "GET /v1/codes/{code}" in seen
