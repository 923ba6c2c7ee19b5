"""Build the FastAPI application: one service, routers from each web feature module."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from fastapi import FastAPI

from precert import __version__
from precert.service import Precert

# Each module exposes `router` (an APIRouter) and may expose `setup(app)` for handlers,
# middleware or static files. Order matters only for overlapping paths.
ROUTER_MODULES: tuple[str, ...] = ()


def create_app(service: Precert | None = None, *, modules: Sequence[str] | None = None) -> FastAPI:
    """The app over ``service`` (default: the database under PRECERT_HOME, preloaded)."""
    service = service or Precert()
    service.preload()
    app = FastAPI(
        title="precert",
        version=__version__,
        description="Prior-authorization answers from published payer lists.",
    )
    app.state.service = service
    for name in ROUTER_MODULES if modules is None else modules:
        module = importlib.import_module(name)
        setup = getattr(module, "setup", None)
        if setup is not None:
            setup(app)
        app.include_router(module.router)
    return app
