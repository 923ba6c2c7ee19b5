"""CORS for /cds-services only, with the allowed origins read from the app's CDS settings."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from precert.web.cds.config import CdsConfig

PREFIX = "/cds-services"


class CdsCors:
    """Applies Starlette's CORS handling to CDS Hooks paths; other paths pass through.

    The settings are looked up per request (``app.state.cds_config``, else the environment)
    so a test or an operator can change them without rebuilding the app.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cached: tuple[tuple[str, ...], CORSMiddleware] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        origins = _origins(scope)
        if not origins:
            await self.app(scope, receive, send)
            return
        if self._cached is None or self._cached[0] != origins:
            self._cached = (
                origins,
                CORSMiddleware(
                    self.app,
                    allow_origins=list(origins),
                    allow_methods=["GET", "POST", "OPTIONS"],
                    allow_headers=["Authorization", "Content-Type"],
                    max_age=600,
                ),
            )
        await self._cached[1](scope, receive, send)


def _origins(scope: Scope) -> tuple[str, ...]:
    app = scope.get("app")
    config = getattr(getattr(app, "state", None), "cds_config", None)
    if not isinstance(config, CdsConfig):
        config = CdsConfig.from_env()
        if app is not None:
            app.state.cds_config = config
    return config.cors_origins
