"""Build the FastAPI application: one service, routers from each web feature module."""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from precert import __version__
from precert.service import Precert
from precert.web import accesslog, errors
from precert.web.common import DEFAULT_PUBLIC_URL, check_public_url
from precert.web.templating import STATIC_DIR

# Each module exposes `router` (an APIRouter) and may expose `setup(app)` for handlers,
# middleware or static files. Order matters only for overlapping paths.
ROUTER_MODULES: tuple[str, ...] = (
    "precert.web.api",
    "precert.web.pages",
    "precert.web.docs",
    "precert.web.methods",  # inside the CDS module's CORS, which answers CORS preflights
    "precert.web.cds",
    "precert.web.changes",
    "precert.web.head",
)

DESCRIPTION = """Prior-authorization answers from published payer lists.

Every answer says whether an item needs prior authorization with this payer (`required`,
`not_required`, `out_of_scope`, `not_listed`, or `invalid` for input that is not a code),
where to send the request, the notes and warnings that apply, and cites the list, version,
table, page and line it comes from. The fields are the same as `precert check --json`.

Example: `GET /v1/determinations?code=E0466&code=K0856-RR` (each operation below shows its
own; the URLs are relative to this server). Errors are problem details (RFC 9457,
`application/problem+json`) with a stable machine `code`; each warning of an answer has one in
`warning_codes` (docs/api.md lists them).
"""


def telemetry(environ: Mapping[str, str]) -> dict[str, Any]:
    """FastAPI's OpenTelemetry setting: its defaults when the environment configures
    OpenTelemetry (an ``OTEL_*`` variable, or ``FASTAPI_OTEL_AUTO_CONFIGURE``), else off.

    Off, FastAPI skips asking the global providers whether anyone listens, on every request
    (about 5 % of a cached answer's time in the app); precert itself emits no telemetry.
    FastAPI releases without native telemetry take no such argument and get none.
    """
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    if any(k.startswith("OTEL_") or k == "FASTAPI_OTEL_AUTO_CONFIGURE" for k in environ):
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Put ``router``'s routes on the app's own router, where ``@app.get`` puts a route.

    Recent FastAPI releases keep an included router as a node of the app's router, matched
    twice per request (once to pick it, once to pick its route): about a third of a cached
    answer's time in the app. The routes already carry their router's prefix, tags and
    dependencies (``APIRouter.add_api_route`` gives each its own), and precert includes its
    routers with no options of their own, so the app routes the same requests to the same
    routes, in the same order. A router with start-up or shutdown handlers is included.
    """
    if router.on_startup or router.on_shutdown:
        app.include_router(router)
        return
    app.router.routes.extend(router.routes)


def create_app(
    service: Precert | None = None,
    *,
    modules: Sequence[str] | None = None,
    public_url: str | None = None,
    access_log: bool | None = None,
) -> FastAPI:
    """The app over ``service`` (default: the database under PRECERT_HOME, preloaded).

    ``public_url`` (default PRECERT_PUBLIC_URL, else http://127.0.0.1:8000) makes absolute
    links such as the Atom feed's; ``access_log`` (default PRECERT_ACCESS_LOG=1) logs one
    line per request without query strings or path values. `precert serve --workers N` passes
    both through the environment, since each worker builds its own app.
    """
    url = check_public_url(public_url or os.environ.get("PRECERT_PUBLIC_URL") or DEFAULT_PUBLIC_URL)
    if access_log is None:
        access_log = os.environ.get("PRECERT_ACCESS_LOG") == "1"
    service = service or Precert()
    service.preload()
    app = FastAPI(
        **telemetry(os.environ),
        title="precert",
        version=__version__,
        description=DESCRIPTION,
        # The docs page is served by precert.web.docs from local files, never a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    app.state.public_url = url
    if access_log:
        accesslog.install(app)
    errors.install(app)
    for name in ROUTER_MODULES if modules is None else modules:
        module = importlib.import_module(name)
        setup = getattr(module, "setup", None)
        if setup is not None:
            setup(app)
        add_routes(app, module.router)
    # Last, so that modules' own mounts under /static/... (e.g. Swagger UI) match first.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
