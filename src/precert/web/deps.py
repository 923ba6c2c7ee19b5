"""FastAPI dependencies shared by the web modules."""

from __future__ import annotations

from fastapi import Request

from precert.service import Precert


def get_service(request: Request) -> Precert:
    """The app's service (one per process, preloaded at start)."""
    service: Precert = request.app.state.service
    return service
