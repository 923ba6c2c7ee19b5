"""HTTP hygiene for every path: `OPTIONS` and 405 list all the path's methods, and every
response says `X-Content-Type-Options: nosniff`.

Starlette answers `OPTIONS` with 405 and names only the first route whose path matched
(`/v1/determinations` has a GET and a POST route: it said `Allow: GET`). Error bodies echo
what the client sent (a 404 names the path): with `nosniff`, a browser never renders such
a JSON body as something else.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No routes of its own: the module only adds the middleware (see app.ROUTER_MODULES).
router = APIRouter()

_NOSNIFF = (b"x-content-type-options", b"nosniff")
_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_PROBED = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _probe(path: str, method: str) -> Scope:
    return {"type": "http", "path": path, "method": method, "root_path": "", "headers": []}


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route answers at ``path`` (HEAD wherever GET; OPTIONS always);
    empty when no route has this path."""
    methods: set[str] = set()
    for route in app.router.routes:
        if isinstance(route, Mount):
            if route.matches(_probe(path, "GET"))[0] is not Match.NONE:
                methods.update(("GET", "HEAD"))  # static files
            continue
        # Routes may be nested routers: ask each whether it fully answers each method.
        methods.update(m for m in _PROBED if route.matches(_probe(path, m))[0] is Match.FULL)
    if not methods:
        return []
    if "GET" in methods:
        methods.add("HEAD")  # precert.web.head answers HEAD wherever GET works
    methods.add("OPTIONS")
    return sorted(methods, key=lambda m: (_ORDER.index(m) if m in _ORDER else len(_ORDER), m))


class MethodsAndHeaders:
    """ASGI middleware: answer ``OPTIONS`` (204 with ``Allow``), complete a 405's ``Allow``,
    and add ``nosniff`` to every response."""

    def __init__(self, app: ASGIApp, fastapi: FastAPI) -> None:
        self.app = app
        self.fastapi = fastapi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and not any(
            k == b"access-control-request-method" for k, _ in scope["headers"]
        ):  # (CORS preflights are the CDS module's)
            allowed = allowed_methods(self.fastapi, scope["path"])
            if allowed:
                await send({"type": "http.response.start", "status": 204, "headers": [
                    (b"allow", ", ".join(allowed).encode()), _NOSNIFF,
                ]})  # fmt: skip
                await send({"type": "http.response.body", "body": b""})
                return

        async def with_headers(message: Message) -> None:
            # On every response of every request: kept to a loop and one new list.
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                for key, _ in headers:
                    if key == _NOSNIFF[0]:  # pages set their own
                        headers = list(headers)
                        break
                else:
                    headers = [*headers, _NOSNIFF]
                if message["status"] == 405:
                    allowed = allowed_methods(self.fastapi, scope["path"])
                    headers = [(k, v) for k, v in headers if k.lower() != b"allow"]
                    headers.append((b"allow", ", ".join(allowed).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def setup(app: FastAPI) -> None:
    """Add the middleware."""
    app.add_middleware(MethodsAndHeaders, fastapi=app)
