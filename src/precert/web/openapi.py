"""/openapi.json as the server answers: every error of the REST API documented as problem
details (``application/problem+json``), the statuses every route can give listed on each.

FastAPI documents a route's errors with the route's own media type and its own 422 shape;
precert answers them all with :mod:`precert.web.problems`, so the schema is completed once
here, after FastAPI built it, rather than by hand on every route.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from precert.web.problems import MEDIA_TYPE, PROBLEM_PREFIXES
from precert.web.schemas import ERROR_TEXT, Problem

_REF = "#/components/schemas/{model}"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_FASTAPI_422 = ("HTTPValidationError", "ValidationError")


def install(app: FastAPI) -> None:
    """Complete the app's OpenAPI document with the problem-details errors."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems_documented(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def problems_documented(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with each REST route's errors as problem details: its own, plus 422 (an
    unknown query parameter, on every /v1 route), 404 (paths with a parameter) and 503 (the
    database busy or damaged)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template=_REF, by_alias=True)
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    content = {MEDIA_TYPE: {"schema": {"$ref": _REF.format(model="Problem")}}}
    for path, item in schema.get("paths", {}).items():
        if not path.startswith(PROBLEM_PREFIXES):
            continue
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            wanted = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
            if path.startswith("/v1/"):
                wanted |= {422, 503}
            if "{" in path:
                wanted.add(404)
            for status in sorted(wanted):
                described = ERROR_TEXT.get(status) or responses.get(str(status), {}).get(
                    "description", "error"
                )
                answer: dict[str, Any] = {"description": described, "content": content}
                if status == 503:
                    answer["headers"] = {
                        "Retry-After": {
                            "description": "seconds to wait before asking again",
                            "schema": {"type": "integer"},
                        }
                    }
                responses[str(status)] = answer
    # FastAPI's own 422 shape stays only where another module still answers with it.
    text = json.dumps(schema.get("paths", {}))
    for name in _FASTAPI_422:
        if f'"{_REF.format(model=name)}"' not in text and name in components:
            if name == "ValidationError" and '"#/components/schemas/HTTPValidationError"' in text:
                continue
            del components[name]
    return schema
