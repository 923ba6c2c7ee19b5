"""CDS Hooks on a real `precert serve` (Uvicorn): the answer, and the call log on stderr."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx

from precert.service import DB_NAME

from ..conftest import free_port, start_server, stop_server

CRD = Path(__file__).resolve().parents[2] / "fixtures" / "crd"
BODY = CRD / "inferno_crd_client_suite_v220__order_sign_request_bodies__0.json"


def test_real_server_answers_and_logs_each_call(built_db: Path, tmp_path: Path) -> None:
    """A hook call over loopback gets its update; the server's stderr has the call's log
    line (hook, hookInstance, codes, answers, latency) and no patient identifier."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(built_db, home / DB_NAME)
    port = free_port()
    log = tmp_path / "server.log"
    server = start_server(home, port, log=log, env={"PRECERT_CDS_AUTH": "off"})
    base = f"http://127.0.0.1:{port}"
    try:
        response = httpx.post(
            base + "/cds-services/precert-order-sign", content=BODY.read_bytes(), timeout=10
        )
        assert response.status_code == 200
        assert len(response.json()["systemActions"]) == 1
    finally:
        stop_server(server)
    lines = [line for line in log.read_text().splitlines() if "precert.cds" in line]
    assert len(lines) == 1, log.read_text()
    record = json.loads(lines[0].split("precert.cds ", 1)[1])
    sent = json.loads(BODY.read_text())
    assert record["hookInstance"] == sent["hookInstance"] and record["status"] == 200
    assert record["answers"][0]["codes"] == ["E0250"]
    assert sent["context"]["patientId"] not in log.read_text()


def test_two_workers_accept_a_token_once(built_db: Path, tmp_path: Path) -> None:
    """`--workers 2`: a replayed token is refused whichever worker receives it."""
    from .test_auth import AUDIENCE, ISSUER, Keys

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(built_db, home / DB_NAME)
    keys = Keys()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(keys.jwks()))
    env = {"PRECERT_CDS_AUTH": "on", "PRECERT_CDS_JWKS": str(jwks),
           "PRECERT_CDS_ISSUERS": ISSUER, "PRECERT_CDS_AUDIENCE": AUDIENCE}  # fmt: skip
    port = free_port()
    server = start_server(home, port, log=tmp_path / "server.log", env=env,
                          args=("--workers", "2"))  # fmt: skip
    url = f"http://127.0.0.1:{port}/cds-services/precert-order-sign"
    try:
        for _ in range(20):  # let both workers come up (each answers /healthz once ready)
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        token = keys.token()
        statuses = []
        for _ in range(30):  # a new connection each time: the kernel spreads them
            response = httpx.post(url, content=BODY.read_bytes(), timeout=10,
                                  headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            statuses.append(response.status_code)
    finally:
        stop_server(server)
    assert statuses.count(200) == 1 and statuses.count(401) == 29, statuses
