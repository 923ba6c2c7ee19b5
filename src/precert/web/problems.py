"""RFC 9457 problem details: the one error shape of the REST API (``application/problem+json``).

Every 4xx and 5xx under ``/v1/`` (and ``/healthz``, ``/feeds/``) is one JSON object::

    {"type": "urn:precert:problem:validation_failed", "title": "The request is malformed",
     "status": 422, "detail": "unknown query parameter 'lmit'; ...",
     "code": "validation_failed", "instance": "/v1/search",
     "errors": [{"field": "lmit", "in": "query", "code": "unknown_parameter",
                 "message": "...", "loc": ["query", "lmit"], "input": "5"}]}

``code`` is the stable machine code of the problem (:data:`PROBLEMS`, documented in
docs/api.md); ``errors`` (422 and 400) names each offending field with its own stable code
(:data:`FIELD_CODES`, or the type pydantic gives a malformed value). ``loc`` and ``input``
keep what FastAPI's 422 carried, so clients of the older shape can move at their own pace.
Handlers raise :class:`ApiProblem` (an HTTPException, so the pages' own handler still turns it
into an HTML page for people) and :func:`problem_response` renders it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:precert:problem:"

# Paths whose errors are problem details. CDS Hooks (/cds-services) keeps the format its
# specification and its module define; pages keep HTML.
PROBLEM_PREFIXES = ("/v1/", "/healthz", "/feeds/")

# code -> (status, title). The title is the same for every occurrence of a code (RFC 9457
# §3.1.3); ``detail`` says what happened this time.
PROBLEMS: dict[str, tuple[int, str]] = {
    "invalid_json": (400, "The body is not valid JSON"),
    "bad_request": (400, "The request could not be read"),
    "unknown_endpoint": (404, "No such endpoint"),
    "unknown_list": (404, "No such list"),
    "unknown_version": (404, "No such list version"),
    "not_found": (404, "Not found"),
    "method_not_allowed": (405, "Method not allowed"),
    "not_acceptable": (406, "Not acceptable"),
    "body_too_large": (413, "The request body is too large"),
    "unsupported_media_type": (415, "Unsupported media type"),
    "validation_failed": (422, "The request is malformed"),
    "internal_error": (500, "Internal error"),
    "database_busy": (503, "The database is busy"),
    "database_damaged": (503, "The database is damaged"),
    "database_unavailable": (503, "The database cannot be used"),
}

# The codes of ``errors[].code`` that precert itself gives; other values are the error types
# of pydantic (https://docs.pydantic.dev/latest/errors/validation_errors/), e.g. ``missing``,
# ``string_too_long``, ``int_parsing``, ``enum``, ``extra_forbidden``.
FIELD_CODES: dict[str, str] = {
    "unknown_parameter": "a query parameter the endpoint does not take (the message lists those "
    "it takes)",
    "missing": "a required parameter or field is absent",
    "too_long": "too many codes (at most 1,000 per request, counted after splitting)",
    "string_too_long": "a value longer than the endpoint accepts (200 characters)",
    "string_pattern_mismatch": "a value of the wrong form (e.g. `state` is two letters)",
    "date_parsing": "not a date of service (`YYYY-MM-DD` or `MM/DD/YYYY`)",
    "unknown_payer": "no loaded list for this payer (the message names the loaded ones; see "
    "`/v1/payers`)",
    "unknown_line_of_business": "no loaded list for this line of business",
    "several_codes": "`/v1/codes/{code}` answers one code; `/v1/determinations` several",
    "json_invalid": "the body is not JSON (with 400 `invalid_json`)",
    "extra_forbidden": "a body field the endpoint does not take",
}


class ApiProblem(HTTPException):
    """An HTTP error with a machine code (and the offending fields, where there are some)."""

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        errors: Sequence[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(PROBLEMS[code][0], detail, headers=dict(headers or {}) or None)
        self.code = code
        self.errors = list(errors)


def is_problem_path(path: str) -> bool:
    """True for paths whose errors are problem details."""
    return path.startswith(PROBLEM_PREFIXES)


def code_for_status(status: int) -> str:
    """The generic problem code of an HTTP status (for errors raised without one)."""
    for code, (known, _) in PROBLEMS.items():
        if known == status and code not in _SPECIFIC:
            return code
    return "bad_request" if status < 500 else "internal_error"


# Codes only raised explicitly, never picked for a bare status.
_SPECIFIC = frozenset(
    {"invalid_json", "unknown_endpoint", "unknown_list", "unknown_version", "database_busy",
     "database_damaged"}
)  # fmt: skip


def problem_body(
    code: str,
    detail: str,
    *,
    status: int | None = None,
    instance: str | None = None,
    errors: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The problem object (``status`` defaults to the code's)."""
    known_status, title = PROBLEMS.get(code, (status or 500, "Error"))
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": title,
        "status": status or known_status,
        "detail": detail,
        "code": code,
    }
    if instance is not None:
        body["instance"] = instance
    if errors:
        body["errors"] = [dict(e) for e in errors]
    return body


def problem_response(
    code: str,
    detail: str,
    *,
    status: int | None = None,
    instance: str | None = None,
    errors: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The problem as an ``application/problem+json`` response."""
    body = problem_body(code, detail, status=status, instance=instance, errors=errors)
    return JSONResponse(
        body, status_code=body["status"], headers=dict(headers or {}), media_type=MEDIA_TYPE
    )


def field_error(loc: Sequence[Any], code: str, message: str, value: Any = None) -> dict[str, Any]:
    """One entry of ``errors``: the field (``codes[2]``, ``date``), where it was sent
    (query, body, path), its code and message, and FastAPI's ``loc`` and ``input``."""
    where = str(loc[0]) if loc and loc[0] in ("query", "body", "path", "header") else None
    parts = list(loc[1:] if where else loc)
    field = ""
    for part in parts:
        if isinstance(part, int):
            field += f"[{part}]"
        else:
            field += ("." if field else "") + str(part)
    return {
        "field": field or None,
        "in": where,
        "code": code,
        "message": message,
        "loc": list(loc),
        "input": value,
    }


def summary(errors: Sequence[Mapping[str, Any]]) -> str:
    """``detail`` for a list of field errors: the one message, or each field's, joined."""
    if len(errors) == 1:
        return str(errors[0]["message"])
    parts = [f"{e['field'] or e['in'] or 'request'}: {e['message']}" for e in errors[:5]]
    more = f"; and {len(errors) - 5} more" if len(errors) > 5 else ""
    return f"{len(errors)} problems: " + "; ".join(parts) + more
