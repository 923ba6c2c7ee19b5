"""API documentation at /docs: Swagger UI served from precert itself (no CDN)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


def _swagger_dir() -> Path:
    # The swagger-ui-py package (web extra) ships Swagger UI 5's built files.
    return Path(str(resources.files("swagger_ui") / "static"))


def setup(app: FastAPI) -> None:
    """Serve the Swagger UI files under /static/swagger-ui."""
    app.mount("/static/swagger-ui", StaticFiles(directory=_swagger_dir()), name="swagger-ui")


@router.get("/docs", response_class=HTMLResponse)
async def docs() -> HTMLResponse:
    """Interactive API documentation over /openapi.json."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="precert API",
        swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
