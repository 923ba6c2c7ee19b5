"""`precert serve --access-log`: one line per request, with no patient data in it.

Uvicorn's own access log writes the whole request target, and precert's targets carry what
users typed: `/?q=John+Doe+DOB+1950-01-01+E0466`, `/codes/Jane%20Roe%20MRN123`. This log
writes the route's template instead (`/codes/{code}`), never a query string, and `-` for a
path no route matched (its text is whatever the client sent).
"""

from __future__ import annotations

import logging
import sys
import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("precert.access")


def route_of(scope: Scope) -> str:
    """The template of the route that answered (``/codes/{code}``), else ``-``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if str(scope.get("path", "")).startswith("/static/"):
        return "/static/{path}"  # files shipped with precert: nothing typed by a user
    return "-"


class AccessLog:
    """ASGI middleware logging ``client method route status duration`` per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            client = scope.get("client")
            logger.info(
                '%s "%s %s" %d %.1fms',
                client[0] if client else "-",
                scope.get("precert.method", scope["method"]),  # HEAD is served as GET
                route_of(scope),
                status,
                (time.perf_counter() - started) * 1000,
            )


def install(app: FastAPI) -> None:
    """Add the access log to ``app`` (and a stderr handler when nothing would show it)."""
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO)
    app.add_middleware(AccessLog)
