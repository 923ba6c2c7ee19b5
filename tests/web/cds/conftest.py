"""CDS Hooks fixtures: the app with only the CDS module and an in-process client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from precert.service import Precert
from precert.web.app import create_app
from precert.web.cds import CdsConfig


class Client:
    """Synchronous calls into the app through httpx's ASGI transport (app errors raise)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.runner = asyncio.Runner()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://precert.test"
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request."""
        return self.runner.run(self.http.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """GET ``url``."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST to ``url``."""
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        """Close the client and its loop."""
        self.runner.run(self.http.aclose())
        self.runner.close()


@pytest.fixture
def cds_app(service: Precert) -> FastAPI:
    """The app with only the CDS Hooks module, auth off (the default configuration)."""
    app = create_app(service, modules=["precert.web.cds"])
    app.state.cds_config = CdsConfig()
    return app


@pytest.fixture
def cds(cds_app: FastAPI) -> Iterator[Client]:
    """An in-process client of the CDS Hooks app."""
    client = Client(cds_app)
    yield client
    client.close()
