"""Jinja2 templates shared by every page module, with the security headers pages carry."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from precert import __version__
from precert.models import STATUS_LABELS, Status

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# Every asset is served by precert itself, so pages can forbid everything foreign.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals["version"] = __version__
templates.env.filters["zip"] = zip
templates.env.globals["STATUSES"] = [(s.value, STATUS_LABELS[s]) for s in Status]


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    started: float | None = None,
) -> HTMLResponse:
    """Render a page template; ``started`` (perf_counter) adds a Server-Timing header."""
    response = templates.TemplateResponse(
        request, name, context or {}, status_code=status_code, headers=PAGE_HEADERS
    )
    if started is not None:
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.2f}"
    return response
