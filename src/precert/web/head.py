"""HEAD requests answered as GET without the body (FastAPI routes accept only GET)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No routes of its own: the module only adds the middleware (see app.ROUTER_MODULES).
router = APIRouter()


class HeadAsGet:
    """ASGI middleware: serve ``HEAD`` as the ``GET`` of the same URL, headers only.

    HTTP requires HEAD wherever GET works; monitors, proxies and feed readers use it
    (``HEAD /healthz``), and FastAPI answers it with 405.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # The access log (inside) names the method the client sent.
        scope = {**scope, "method": "GET", "precert.method": "HEAD"}
        await self.app(scope, receive, headers_only)


def setup(app: FastAPI) -> None:
    """Add the middleware (outermost, so every GET path, fast or routed, answers HEAD)."""
    app.add_middleware(HeadAsGet)
