"""Errors as answers: HTML 404 page for people, JSON for programs, 413 for big bodies, no 500s."""

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

from precert.web.templating import render

log = logging.getLogger("precert.web")

# 5 MB of CSV for the page's upload plus room for the multipart envelope; a determination
# request of 1,000 codes is ~20 kB, a CDS Hooks request with prefetch well under 1 MB.
MAX_BODY = 6 * 1024 * 1024

# Paths that belong to programs: their errors stay JSON (FastAPI's shape, or the owning
# module's own handler, e.g. CDS Hooks' 400s), never an HTML page.
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
    if exc.status_code == 404 and not is_api(request.url.path):
        return render(
            request,
            "error.html",
            {"title": "Page not found", "status": 404, "path": request.url.path,
             "message": exc.detail if exc.detail != "Not Found" else None},
            status_code=404,
        )  # fmt: skip
    if exc.status_code == 404 and exc.detail == "Not Found" and request.url.path.startswith("/v1/"):
        # An unknown API path: say where the endpoints are listed.
        detail = f"no endpoint {request.url.path}; the API is described at /docs and /openapi.json"
        return JSONResponse({"detail": detail}, status_code=404)
    return await http_exception_handler(request, exc)


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
    # FastAPI's 422 shape (type, loc, msg, input), the echoed input kept short and safe.
    assert isinstance(exc, RequestValidationError)
    detail = [_problem(e) for e in exc.errors() if isinstance(e, dict)]
    return JSONResponse({"detail": detail}, status_code=422)


async def _body_too_large(request: Request, exc: Exception) -> Response:
    limit = exc.limit if isinstance(exc, BodyTooLarge) else MAX_BODY
    return too_large_response(request.url.path, limit)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # The last line of defence: log the kind and place, never the query or the body
    # (they may hold patient data), and answer in the caller's language.
    log.error(
        "unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )  # fmt: skip
    body: dict[str, Any] = {"detail": "internal error; the server log names the cause"}
    if is_api(request.url.path):
        return JSONResponse(body, status_code=500)
    return render(
        request, "error.html",
        {"title": "Something went wrong", "status": 500, "path": request.url.path,
         "message": "precert could not answer this request. Nothing was changed."},
        status_code=500,
    )  # fmt: skip


def install(app: FastAPI, *, max_body: int = MAX_BODY) -> None:
    """Add the body limit and the error handlers to ``app``."""
    app.add_middleware(BodyLimit, limit=max_body)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(BodyTooLarge, _body_too_large)
    app.add_exception_handler(Exception, _unexpected)
