"""`precert serve`: a real Uvicorn server on a free port, and a CLI that stays fast to start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from precert.cli import main

from .conftest import free_port, start_server, stop_server


def test_serve_answers_the_page_and_the_api(home: Path) -> None:
    port = free_port()
    process = start_server(home, port)
    try:
        base = f"http://127.0.0.1:{port}"
        answer = httpx.get(f"{base}/v1/determinations?code=E0466").json()
        assert answer["determinations"][0]["status"] == "required"
        page = httpx.get(f"{base}/?q=E0466")
        assert page.status_code == 200 and ">Required</span>" in page.text
        assert "server" not in page.headers  # no server banner
        assert httpx.get(f"{base}/static/precert.css").status_code == 200
    finally:
        stop_server(process)
    output = process.stdout.read().decode() if process.stdout else ""
    # No access log by default (speed), and never a query in the log.
    assert "E0466" not in output


def test_serve_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "precert serve --host 127.0.0.1 --port 8000" in text
    assert "--port" in text and "--host" in text


def test_serve_rejects_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port must be 0-65535" in capsys.readouterr().err


def test_cli_does_not_import_the_web_stack() -> None:
    code = (
        "import sys; from precert.cli import build_parser; build_parser(); "
        "heavy = ('fastapi', 'uvicorn', 'starlette', 'jinja2'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_access_log_writes_route_templates_never_what_was_typed(home: Path, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    process = start_server(home, port, log=log, args=("--access-log",))
    base = f"http://127.0.0.1:{port}"
    try:
        assert httpx.get(f"{base}/?q=John+Doe+DOB+1950-01-01+E0466").status_code == 200
        assert httpx.get(f"{base}/codes/Jane%20Roe%20MRN123").status_code == 200
        assert httpx.get(f"{base}/v1/codes/MRN123?date=1950-01-01").status_code == 200
        assert httpx.get(f"{base}/Jane-Roe-MRN123").status_code == 404
        assert httpx.head(f"{base}/codes/E0466").status_code == 200
    finally:
        stop_server(process)
    text = log.read_text()
    for typed in ("John", "Doe", "1950", "Jane", "Roe", "MRN123", "E0466", "q="):
        assert typed not in text, typed
    assert '"GET /codes/{code}" 200' in text and '"GET /v1/codes/{code}" 200' in text
    assert '"GET /" 200' in text and '"GET -" 404' in text
    assert '"HEAD /codes/{code}" 200' in text


def test_public_url_option(home: Path, tmp_path: Path) -> None:
    port = free_port()
    process = start_server(home, port, args=("--public-url", "https://pa.example.org/"))
    try:
        feed = httpx.get(f"http://127.0.0.1:{port}/feeds/changes.xml", headers={"Host": "evil"})
        assert feed.status_code == 200 and b"https://pa.example.org/lists" in feed.content
        assert b"evil" not in feed.content and b"127.0.0.1" not in feed.content
    finally:
        stop_server(process)
    assert main(["serve", "--public-url", "pa.example.org"]) == 2


def test_public_url_defaults_to_the_bound_address(home: Path) -> None:
    port = free_port()
    process = start_server(home, port)
    try:
        feed = httpx.get(f"http://127.0.0.1:{port}/feeds/changes.xml", headers={"Host": "evil"})
        assert f"http://127.0.0.1:{port}/lists".encode() in feed.content
    finally:
        stop_server(process)
