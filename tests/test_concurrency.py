"""A large import while a real server and another CLI process read; imports killed with -9.

Readers answer from the old version or the new one, never an error or a mixture; a killed
import leaves the old state, a sound file and no database moved aside.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from precert.service import BUNDLED_LIST, DB_NAME

from .web.conftest import free_port, start_server, stop_server

PRECERT = str(Path(sys.executable).with_name("precert"))
LIST = "cigna-commercial-dme"
OLD = ("required", [f"{LIST}@v1"])
NEW = ("not_required", [f"{LIST}@v2"])


def large_list(path: Path, rows: int) -> Path:
    """A CSV export of the Cigna list (title rows, header, data) with ``rows`` data rows: the
    published table-1 rows over and over, E0466 turned from "Yes" to "No"."""
    data: list[list[str]] = []
    header: list[str] = []
    for line in BUNDLED_LIST.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) == 7:
            if cells[0] == "Product":
                header = cells
            else:
                data.append(cells)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Cigna Commercial"])
        writer.writerow(["Prior Authorization Procedure Code List: Durable Medical Equipment"])
        writer.writerow(header)
        for number in range(rows):
            row = list(data[number % len(data)])
            if row[2] == "E0466":
                row[4] = "No"
            writer.writerow(row)
    return path


def precert(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PRECERT, *args],
        env={**os.environ, "PRECERT_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def answer(body: dict[str, Any]) -> tuple[str, list[str]]:
    (only,) = body["determinations"]
    return only["status"], only["versions"]


def integrity(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [str(r[0]) for r in db.execute("PRAGMA integrity_check")]


def test_a_large_import_while_a_server_and_another_cli_process_read(
    home: Path, tmp_path: Path
) -> None:
    source = large_list(tmp_path / "cigna-2027.csv", 60_000)  # seconds of writing, even idle
    port = free_port()
    log = tmp_path / "serve.log"
    server = start_server(home, port, log=log)
    url = f"http://127.0.0.1:{port}/v1/determinations?code=E0466&payer=Cigna"
    http: list[tuple[int, Any]] = []
    checks: list[tuple[float, float, subprocess.CompletedProcess[str]]] = []
    writing = ended = float("inf")
    initial = size(home / DB_NAME)
    try:
        with httpx.Client(timeout=30) as client:
            assert answer(client.get(url).json()) == OLD
            importer = precert(home, "import", str(source), "--list", LIST)
            # Bounded: ~15 s on an idle 2-core machine; the margin is for a machine shared with
            # other work (a hard limit, not a performance figure).
            deadline = time.monotonic() + 120

            def check_loop() -> None:
                while importer.poll() is None and time.monotonic() < deadline:
                    started = time.monotonic()
                    done = subprocess.run(
                        [PRECERT, "check", "--json", "--payer", "Cigna", "E0466"],
                        env={**os.environ, "PRECERT_HOME": str(home)},
                        capture_output=True,
                        text=True,
                        timeout=60,
                    )
                    checks.append((started, time.monotonic(), done))
                    time.sleep(0.5)  # leave the import some of the machine

            checker = threading.Thread(target=check_loop)
            checker.start()
            while importer.poll() is None and time.monotonic() < deadline:
                grown = log_size(home) + size(home / DB_NAME) - initial
                if writing == float("inf") and grown > 1024 * 1024:
                    writing = time.monotonic()  # the import has begun writing its rows
                response = client.get(url)
                http.append(
                    (response.status_code, response.json() if response.status_code < 500 else None)
                )
                time.sleep(0.05)
            ended = time.monotonic()
            checker.join()
            out, err = importer.communicate(timeout=max(1.0, deadline - time.monotonic()))
            assert importer.returncode == 0, err
            assert "as cigna-commercial-dme v2: 60000 rows" in out
            # The server's cached answer bodies follow another process's import within 0.5 s
            # (web.common.AnswerBodies): poll briefly for the new version.
            settle = time.monotonic() + 5
            after = client.get(url)
            while answer(after.json()) != NEW and time.monotonic() < settle:
                time.sleep(0.1)
                after = client.get(url)
            assert after.status_code == 200 and answer(after.json()) == NEW
    finally:
        stop_server(server)
    statuses = [status for status, _ in http]
    assert len(http) >= 10 and statuses == [200] * len(http), sorted(set(statuses))
    seen = [answer(body) for _, body in http]
    assert all(one in (OLD, NEW) for one in seen), seen
    assert OLD in seen
    assert checks, "the other CLI process never ran during the import"
    for _, _, done in checks:
        assert done.returncode == 0 and done.stderr == "", done.stderr  # no notice, no move
        assert answer(json.loads(done.stdout)) in (OLD, NEW), done.stdout
    # Readers do not wait for the writer: a check started while the import was writing its rows
    # answered before the import finished.
    assert writing < ended, "the import was never seen writing"
    assert any(writing <= start and end <= ended for start, end, _ in checks), (writing, ended)
    assert "Traceback" not in log.read_text()
    assert sorted(p.name for p in home.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        DB_NAME
    ]
    assert integrity(home / DB_NAME) == ["ok"]
    final = subprocess.run(
        [PRECERT, "check", "--json", "--payer", "Cigna", "E0466"],
        env={**os.environ, "PRECERT_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert answer(json.loads(final.stdout)) == NEW


def state(home: Path) -> list[str]:
    with sqlite3.connect(home / DB_NAME) as db:
        return list(db.iterdump())


def log_size(home: Path) -> int:
    """Bytes in the database's write-ahead log (or rollback journal): the import is writing."""
    return sum(size(home / f"{DB_NAME}{suffix}") for suffix in ("-wal", "-journal"))


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # a rollback journal is deleted at commit
        return 0


def test_an_import_killed_at_any_moment_leaves_the_old_state(home: Path, tmp_path: Path) -> None:
    source = large_list(tmp_path / "cigna-2027.csv", 60_000)  # several seconds even when idle
    before = state(home)
    # Moments: starting up, reading the file, and writing (its log is growing).
    moments: list[tuple[str, float | int]] = [
        ("after", 0.2),
        ("after", 1.0),
        ("writing", 512 * 1024),
        ("writing", 4 * 1024 * 1024),
    ]
    for kind, when in moments:
        importer = precert(home, "import", str(source), "--list", LIST)
        deadline = time.monotonic() + 60
        if kind == "after":
            time.sleep(when)
        else:
            while log_size(home) < when and importer.poll() is None:
                assert time.monotonic() < deadline, "the import never started writing"
                time.sleep(0.05)
        assert importer.poll() is None, f"the import ended before the kill ({kind} {when})"
        os.kill(importer.pid, signal.SIGKILL)
        importer.wait(timeout=30)
        assert integrity(home / DB_NAME) == ["ok"], (kind, when)
        check = subprocess.run(
            [PRECERT, "check", "--json", "--payer", "Cigna", "E0466"],
            env={**os.environ, "PRECERT_HOME": str(home)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert check.returncode == 0, check.stderr
        assert answer(json.loads(check.stdout)) == OLD, (kind, when)
        assert "moved" not in check.stderr
        assert sorted(p.name for p in home.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
            DB_NAME
        ]
    assert state(home) == before
