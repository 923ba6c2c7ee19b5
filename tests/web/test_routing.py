"""RequestRoute: a request-only endpoint is called directly, every other one as FastAPI does."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from precert.web.app import telemetry
from precert.web.routing import RequestRoute

from .conftest import Api


def small_app() -> tuple[FastAPI, APIRouter]:
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

    app = FastAPI()
    app.include_router(router)
    return app, router


def get(app: FastAPI, url: str) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.get(url)

    return asyncio.run(call())


def handler_of(router: APIRouter, path: str) -> Any:
    (route,) = [r for r in router.routes if getattr(r, "path", None) == path]
    return route.get_route_handler()  # type: ignore[attr-defined]


def test_a_request_only_endpoint_is_called_directly_and_stays_documented() -> None:
    app, router = small_app()
    assert handler_of(router, "/raw").__qualname__.startswith("RequestRoute.")
    assert get(app, "/raw?q=E0466").json() == {"q": "E0466"}
    assert "/raw" in app.openapi()["paths"]


def test_other_endpoints_keep_fastapis_handler() -> None:
    app, router = small_app()
    # Declared parameters are still solved and validated; returned values still serialized.
    assert not handler_of(router, "/typed").__qualname__.startswith("RequestRoute.")
    assert get(app, "/typed?n=3").json() == {"n": 3}
    assert get(app, "/typed?n=x").status_code == 422
    assert not handler_of(router, "/dict").__qualname__.startswith("RequestRoute.")
    assert get(app, "/dict").json() == {"path": "/dict"}


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
