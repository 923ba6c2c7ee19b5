"""Web fixtures: the app over a fresh database, an in-process httpx client, a live server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi import FastAPI

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

from precert.service import DB_NAME, Precert
from precert.web.app import create_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


class Api:
    """A synchronous face over ``httpx.AsyncClient`` with ``ASGITransport`` (in-process).

    App exceptions are raised, not turned into 500s, so a test fails on any crash.
    """

    def __init__(self, app: FastAPI) -> None:
        self.runner = asyncio.Runner()
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://precert.test"
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request through the app."""
        return self.runner.run(self.client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """GET ``url``."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST to ``url``."""
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        """Close the client and its event loop."""
        self.runner.run(self.client.aclose())
        self.runner.close()


@pytest.fixture
def web_app(service: Precert) -> FastAPI:
    """The whole app (every registered module) over a fresh database."""
    return create_app(service)


@pytest.fixture
def api(web_app: FastAPI) -> Iterator[Api]:
    """An in-process client of the app."""
    client = Api(web_app)
    yield client
    client.close()


def shot(page: Page, name: str, *, docs: str | None = None, full_page: bool = True) -> None:
    """Save a screenshot as a test artifact; with PRECERT_SCREENSHOTS=DIR (e.g.
    docs/screenshots), also as DIR/``docs``.png: the README's screenshots are made this way."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
    target = os.environ.get("PRECERT_SCREENSHOTS")
    if docs and target:
        page.screenshot(path=str(Path(target) / f"{docs}.png"), full_page=full_page)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(
    home: Path,
    port: int,
    log: Path | None = None,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    """`precert serve` on ``port`` over ``home`` (output to ``log`` if given, more options
    in ``args``); returns once /healthz answers."""
    precert = Path(sys.executable).with_name("precert")
    with log.open("wb") if log is not None else contextlib.nullcontext() as sink:
        process = subprocess.Popen(
            [str(precert), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env={**os.environ, "PRECERT_HOME": str(home), **(env or {})},
            stdout=sink if sink is not None else subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if log is not None:
                output = log.read_text()
            else:
                output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"precert serve exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("precert serve did not answer /healthz within 60 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by :func:`start_server`."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def live_server(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `precert serve` (Uvicorn) on a free port over its own copy of the database."""
    home = tmp_path_factory.mktemp("live-home")
    shutil.copy(built_db, home / DB_NAME)
    port = free_port()
    process = start_server(home, port)
    yield f"http://127.0.0.1:{port}"
    stop_server(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium (installed by `make browser`), one per test module; Playwright
    cannot download one here. Imported lazily: only the browser tests need Playwright."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "run `make browser` (apt-get install chromium) first"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
