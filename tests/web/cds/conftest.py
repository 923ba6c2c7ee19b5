"""CDS Hooks fixtures: the app with only the CDS module and an in-process client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import precert
from precert.service import Precert
from precert.web.app import create_app
from precert.web.cds import CdsConfig
from precert.web.cds.payers import parse_mapping


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


MEDICARE_TABLE = Path(precert.__file__).parent / "data" / "medicare" / "cgs-jc-pa-table-2025.tsv"
# The example payers of the IG's and Inferno's requests ("Payer XYZ", "Acme Health Plan") are
# made up; a deployment maps its clients' payer names and identifiers the same way.
EXAMPLE_PAYERS = "Payer XYZ=Cigna/Commercial; Acme Health Plan=Cigna/Commercial"


def load_medicare(service: Precert) -> Precert:
    """Medicare FFS's DMEPOS list (the DME MAC's published table) beside Cigna's, unless the
    bundled lists already hold it."""
    if ("Medicare", "FFS") not in {(s.payer, s.line_of_business) for s in service.scopes()}:
        service.import_list(MEDICARE_TABLE, profile="medicare-dmepos-cgs-table")
    return service


@pytest.fixture
def two_payers(service: Precert) -> Precert:
    """The service with Cigna's and Medicare's lists."""
    return load_medicare(service)


@pytest.fixture
def crd_app(two_payers: Precert) -> FastAPI:
    """The CDS app over both payers, configured as a deployment would be: the fictional
    example payers of the conformance requests map to Cigna, which also answers requests that
    carry no Coverage."""
    app = create_app(two_payers, modules=["precert.web.cds"])
    app.state.cds_config = CdsConfig(
        payer="Cigna", line_of_business="Commercial", payers=parse_mapping(EXAMPLE_PAYERS)
    )
    return app


@pytest.fixture
def crd(crd_app: FastAPI) -> Iterator[Client]:
    """An in-process client of :func:`crd_app`."""
    client = Client(crd_app)
    yield client
    client.close()
