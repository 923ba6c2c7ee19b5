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
