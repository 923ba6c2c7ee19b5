"""Errors as answers: HTML pages for people, problem details (RFC 9457) for the REST API,
413 for big bodies, 503 with Retry-After when the database cannot be read, no 500s."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from precert.store import DatabaseBusy, DatabaseDamaged, StoreError
from precert.web import openapi
from precert.web.problems import (
    ApiProblem,
    code_for_status,
    field_error,
    is_problem_path,
    problem_response,
    summary,
)
from precert.web.templating import render

log = logging.getLogger("precert.web")

# 5 MB of CSV for the page's upload plus room for the multipart envelope; a determination
# request of 1,000 codes is ~20 kB, a CDS Hooks request with prefetch well under 1 MB.
MAX_BODY = 6 * 1024 * 1024

# Paths that belong to programs: their errors are JSON, never an HTML page: problem details
# under /v1/ (precert.web.problems), else FastAPI's shape or the owning module's own (CDS
# Hooks' 400s).
API_PREFIXES = ("/v1/", "/cds-services", "/feeds/", "/openapi.json", "/docs", "/healthz")
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})


class BodyTooLarge(Exception):
    """A request body went past the limit while being read."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit


def is_api(path: str) -> bool:
    """True for paths whose clients are programs (JSON errors)."""
    return path.startswith(API_PREFIXES)


class BodyLimit:
    """ASGI middleware: refuse bodies over ``limit`` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # GETs (the hot path) pass straight through: their bodies are never read.
        if scope["type"] != "http" or scope["method"] in _BODYLESS:
            await self.app(scope, receive, send)
            return
        for key, value in scope["headers"]:
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    await too_large_response(scope["path"], self.limit)(scope, receive, send)
                    return
        seen = 0
        limit = self.limit
        exceeded = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise BodyTooLarge(limit)
            return message

        replaced = False

        async def watched_send(message: Message) -> None:
            nonlocal replaced
            # Frameworks may turn the read error into their own 400 ("error parsing the
            # body"); whatever the app answers once the limit was crossed becomes a 413.
            if exceeded:
                if not replaced and message["type"] == "http.response.start":
                    replaced = True
                    await too_large_response(scope["path"], limit)(scope, receive, send)
                return
            await send(message)

        try:
            await self.app(scope, counted, watched_send)
        except BodyTooLarge:
            if not replaced:
                replaced = True
                await too_large_response(scope["path"], limit)(scope, receive, send)


def too_large_response(path: str, limit: int) -> Response:
    """413 in the caller's language: JSON for programs, a short page for people."""
    if is_problem_path(path):
        detail = f"request body larger than {limit:,} bytes; send fewer codes per request"
        return problem_response("body_too_large", detail, instance=path)
    if is_api(path):
        detail = f"request body larger than {limit:,} bytes; send fewer codes per request"
        return JSONResponse({"detail": detail}, status_code=413)
    message = (
        f"The request is larger than {limit // (1024 * 1024)} MB. Upload at most 5 MB of CSV "
        "here; screen larger files with the batch screener."
    )
    return Response(
        f"<!doctype html><title>Too large · precert</title><h1>Too large</h1><p>{message}</p>"
        '<p><a href="/upload">Back to the upload page</a></p>',
        status_code=413,
        media_type="text/html",
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    path = request.url.path
    if exc.status_code == 404 and not is_api(path):
        return render(
            request,
            "error.html",
            {"title": "Page not found", "status": 404, "path": path,
             "message": exc.detail if exc.detail != "Not Found" else None},
            status_code=404,
        )  # fmt: skip
    if is_problem_path(path):
        return _problem_of(exc, request.method, path)
    return await http_exception_handler(request, exc)


def _problem_of(exc: StarletteHTTPException, method: str, path: str) -> Response:
    """An HTTP error under /v1/ as problem details (its code, else the status's)."""
    headers = dict(exc.headers or {})
    if isinstance(exc, ApiProblem):
        return problem_response(
            exc.code, str(exc.detail), instance=path, errors=exc.errors, headers=headers
        )
    code = code_for_status(exc.status_code)
    detail = str(exc.detail)
    if exc.status_code == 404 and exc.detail == "Not Found":
        # An unknown API path: say where the endpoints are listed.
        code = "unknown_endpoint"
        detail = f"no endpoint {path}; the API is described at /docs and /openapi.json"
    elif exc.status_code == 405:
        detail = f"{method} is not allowed on {path}; the Allow header names the methods that are"
    return problem_response(code, detail, status=exc.status_code, instance=path, headers=headers)


_ECHO_DEPTH = 3  # levels of an echoed input kept; deeper ones are elided
_ECHO_ITEMS = 20  # items of an echoed array or object kept
_ECHO_TEXT = 200  # characters of an echoed string kept


def _echo(value: Any, depth: int = 0) -> Any:
    """A short, JSON-safe copy of an input a 422 echoes back.

    Bounded in depth and size, whatever the client sent (a body nested 500 levels must not
    exhaust the recursion limit here), with what JSON cannot carry spelled out: NaN and
    infinities as text, lone surrogates as escapes (Python's JSON reader accepts both).
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return value[:_ECHO_TEXT].encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict | list | tuple):
        if depth >= _ECHO_DEPTH:
            return "…"
        if isinstance(value, dict):
            items = list(value.items())[:_ECHO_ITEMS]
            return {str(_echo(str(k), depth)): _echo(v, depth + 1) for k, v in items}
        return [_echo(item, depth + 1) for item in list(value)[:_ECHO_ITEMS]]
    return _echo(str(value), depth)


def _problem(error: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": str(error.get("type", "invalid")),
        "loc": [_echo(part) for part in error.get("loc", ())],
        "msg": str(error.get("msg", "")).encode("utf-8", "backslashreplace").decode("utf-8"),
        "input": _echo(error.get("input")),
    }
    ctx = error.get("ctx")
    if isinstance(ctx, dict):
        out["ctx"] = {str(k): _echo(v if isinstance(v, int | float | str) else str(v))
                      for k, v in ctx.items()}  # fmt: skip
    return out


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [e for e in exc.errors() if isinstance(e, dict)]
    path = request.url.path
    if not is_problem_path(path):
        # FastAPI's 422 shape (type, loc, msg, input), the echoed input kept short and safe.
        return JSONResponse({"detail": [_problem(e) for e in errors]}, status_code=422)
    fields = []
    for error in errors:
        shown = _problem(error)
        fields.append(field_error(shown["loc"], shown["type"], shown["msg"], shown["input"]))
    if any(f["code"] == "json_invalid" for f in fields):
        # Not JSON at all is a syntax error of the request (400), not a bad value (422).
        detail = "the body is not valid JSON: " + summary(fields)
        return problem_response("invalid_json", detail, instance=path, errors=fields)
    return problem_response("validation_failed", summary(fields), instance=path, errors=fields)


async def _body_too_large(request: Request, exc: Exception) -> Response:
    limit = exc.limit if isinstance(exc, BodyTooLarge) else MAX_BODY
    return too_large_response(request.url.path, limit)


# Seconds a client should wait before asking again: a lock is usually an import's commit;
# a damaged or unusable file needs someone to act, so ask less often.
RETRY_BUSY = 5
RETRY_DAMAGED = 60


async def _store_error(request: Request, exc: Exception) -> Response:
    # The database could not be read mid-request (locked past the busy timeout, damaged, ...):
    # a 503 the client may retry, never the generic 500. The message names the server's file
    # paths: it goes to the log, the client gets what it means and what to do.
    assert isinstance(exc, StoreError)
    log.warning("database error on %s %s: %s", request.method, request.url.path, exc)
    if isinstance(exc, DatabaseBusy):
        code, retry = "database_busy", RETRY_BUSY
        detail = (
            "the database is locked by another process (an import may be running); "
            f"try again in {retry} s"
        )
    elif isinstance(exc, DatabaseDamaged):
        code, retry = "database_damaged", RETRY_DAMAGED
        detail = (
            "the database file is damaged; the operator must run `precert rebuild` "
            "(the server log names the file)"
        )
    else:
        code, retry = "database_unavailable", RETRY_DAMAGED
        detail = "the database cannot be read; the server log names the cause"
    headers = {"Retry-After": str(retry)}
    path = request.url.path
    if is_problem_path(path):
        return problem_response(code, detail, instance=path, headers=headers)
    if is_api(path):
        return JSONResponse({"detail": detail}, status_code=503, headers=headers)
    message = "precert cannot read its database right now. Nothing was changed. Try again shortly."
    page = render(
        request, "error.html",
        {"title": "Temporarily unavailable", "status": 503, "path": path, "message": message},
        status_code=503,
    )  # fmt: skip
    page.headers.update(headers)
    return page


async def _unexpected(request: Request, exc: Exception) -> Response:
    # The last line of defence: log the kind and place, never the query or the body
    # (they may hold patient data), and answer in the caller's language.
    log.error(
        "unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )  # fmt: skip
    detail = "internal error; the server log names the cause"
    path = request.url.path
    if is_problem_path(path):
        return problem_response("internal_error", detail, instance=path)
    if is_api(path):
        return JSONResponse({"detail": detail}, status_code=500)
    return render(
        request, "error.html",
        {"title": "Something went wrong", "status": 500, "path": path,
         "message": "precert could not answer this request. Nothing was changed."},
        status_code=500,
    )  # fmt: skip


def install(app: FastAPI, *, max_body: int = MAX_BODY) -> None:
    """Add the body limit and the error handlers to ``app``, and document the errors in its
    OpenAPI schema."""
    app.add_middleware(BodyLimit, limit=max_body)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(BodyTooLarge, _body_too_large)
    app.add_exception_handler(StoreError, _store_error)
    openapi.install(app)
    app.add_exception_handler(Exception, _unexpected)
