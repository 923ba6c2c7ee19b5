"""RequestRoute: a request-only endpoint is called directly, every other one as FastAPI does."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response

import precert.web.app as web_app
from precert.service import Precert
from precert.web.app import add_routes, create_app, telemetry
from precert.web.routing import RequestRoute

from .conftest import Api


def small_app(flat: bool = False) -> tuple[FastAPI, APIRouter]:
    router = APIRouter(route_class=RequestRoute)

    @router.get("/raw")
    async def raw(request: Request) -> Response:
        return JSONResponse({"q": request.query_params.get("q")})

    @router.get("/typed")
    async def typed(n: int) -> dict[str, int]:
        return {"n": n}

    @router.get("/dict")
    async def returns_a_dict(request: Request) -> dict[str, str]:
        return {"path": request.url.path}

    @router.get("/refused")
    async def refused(request: Request) -> Response:
        raise HTTPException(418, "no coffee here")

    app = FastAPI()
    if flat:
        add_routes(app, router)
    else:
        app.include_router(router)
    return app, router


def get(app: FastAPI, url: str, method: str = "GET") -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.request(method, url)

    return asyncio.run(call())


def handler_of(router: APIRouter, path: str) -> Any:
    (route,) = [r for r in router.routes if getattr(r, "path", None) == path]
    return route.get_route_handler()  # type: ignore[attr-defined]


def test_a_request_only_endpoint_is_called_directly_and_stays_documented() -> None:
    app, router = small_app()
    assert handler_of(router, "/raw").__qualname__.startswith("RequestRoute.")
    assert get(app, "/raw?q=E0466").json() == {"q": "E0466"}
    assert "/raw" in app.openapi()["paths"]


@pytest.mark.parametrize("flat", [False, True])
def test_other_endpoints_keep_fastapis_handler(flat: bool) -> None:
    app, router = small_app(flat)
    # Declared parameters are still solved and validated; returned values still serialized.
    assert not handler_of(router, "/typed").__qualname__.startswith("RequestRoute.")
    assert get(app, "/typed?n=3").json() == {"n": 3}
    assert get(app, "/typed?n=x").status_code == 422
    assert not handler_of(router, "/dict").__qualname__.startswith("RequestRoute.")
    assert get(app, "/dict").json() == {"path": "/dict"}


@pytest.mark.parametrize("flat", [False, True])
def test_a_request_only_route_has_a_lean_app_and_the_apps_error_handlers(flat: bool) -> None:
    app, router = small_app(flat)
    (raw,) = [r for r in router.routes if getattr(r, "path", None) == "/raw"]
    assert raw.app.__qualname__.startswith("direct_app.")  # type: ignore[attr-defined]
    assert get(app, "/raw?q=E0466").json() == {"q": "E0466"}
    refused = get(app, "/refused")  # raised by the endpoint, answered by the app's handler
    assert (refused.status_code, refused.json()) == (418, {"detail": "no coffee here"})
    assert get(app, "/raw", method="POST").status_code == 405


def test_the_web_modules_routes_sit_on_the_apps_router(service: Precert) -> None:
    """Each request is matched once against the app's own routes (no nested router), and
    the app routes and documents exactly what including the routers would."""
    app = create_app(service)
    routes = app.router.routes
    assert all(type(r).__name__ != "_IncludedRouter" for r in routes)
    (route,) = [r for r in routes if getattr(r, "path", None) == "/v1/determinations"
                and "GET" in getattr(r, "methods", ())]  # fmt: skip
    assert isinstance(route, RequestRoute)

    def nested(app: FastAPI, router: APIRouter) -> None:
        app.include_router(router)

    flat_schema = app.openapi()
    original = web_app.add_routes
    web_app.add_routes = nested  # type: ignore[assignment]
    try:
        included = create_app(service)
    finally:
        web_app.add_routes = original  # type: ignore[assignment]
    assert included.openapi() == flat_schema
    for path in ("/v1/determinations?code=E0466&payer=Cigna", "/codes/E0466", "/v1/nothing",
                 "/cds-services", "/static/precert.css", "/lists"):  # fmt: skip
        for method in ("GET", "HEAD", "OPTIONS", "DELETE"):
            ours, theirs = get(app, path, method), get(included, path, method)
            assert (ours.status_code, ours.headers.get("allow")) == (
                theirs.status_code, theirs.headers.get("allow")), (method, path)  # fmt: skip


def test_the_determinations_route_answers_through_it(api: Api) -> None:
    """The documented route, called directly, still answers and still refuses bad input
    with FastAPI's 422 shape (raised by the endpoint, mapped by the app's handlers)."""
    first = api.get("/v1/determinations?code=E0466&payer=Cigna")
    assert first.status_code == 200
    (answer,) = first.json()["determinations"]
    assert (answer["payer"], answer["status"]) == ("Cigna", "required")
    again = api.get("/v1/determinations?code=E0466&payer=Cigna")  # from the body cache
    assert again.content == first.content
    assert api.get("/v1/determinations?code=E0466&payer=Aetna").status_code == 422
    assert api.get("/v1/determinations?code=E0466&bogus=1").status_code == 422


def test_fastapi_telemetry_is_off_unless_opentelemetry_is_configured() -> None:
    off = telemetry({})
    if off:  # a FastAPI release with native telemetry
        assert off == {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    assert telemetry({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"}) == {}
    assert telemetry({"FASTAPI_OTEL_AUTO_CONFIGURE": "true"}) == {}
