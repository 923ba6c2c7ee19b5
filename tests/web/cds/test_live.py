"""CDS Hooks on a real `precert serve` (Uvicorn): the answer, and the call log on stderr."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from precert.service import DB_NAME

CRD = Path(__file__).resolve().parents[2] / "fixtures" / "crd"
BODY = CRD / "inferno_crd_client_suite_v220__order_sign_request_bodies__0.json"


def test_real_server_answers_and_logs_each_call(built_db: Path, tmp_path: Path) -> None:
    """A hook call over loopback gets its update; the server's stderr has the call's log
    line (hook, hookInstance, codes, answers, latency) and no patient identifier."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(built_db, home / DB_NAME)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp_path / "server.log"
    precert = Path(sys.executable).with_name("precert")
    env = {**os.environ, "PRECERT_HOME": str(home), "PRECERT_CDS_AUTH": "off"}
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [str(precert), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if httpx.get(base + "/cds-services", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        response = httpx.post(
            base + "/cds-services/precert-order-sign", content=BODY.read_bytes(), timeout=10
        )
        assert response.status_code == 200
        assert len(response.json()["systemActions"]) == 1
    finally:
        server.terminate()
        server.wait(timeout=10)
    lines = [line for line in log.read_text().splitlines() if "precert.cds" in line]
    assert len(lines) == 1, log.read_text()
    record = json.loads(lines[0].split("precert.cds ", 1)[1])
    sent = json.loads(BODY.read_text())
    assert record["hookInstance"] == sent["hookInstance"] and record["status"] == 200
    assert record["answers"][0]["codes"] == ["E0250"]
    assert sent["context"]["patientId"] not in log.read_text()
