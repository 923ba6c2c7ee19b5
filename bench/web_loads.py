"""Adversarial loads and the soak for bench_web: memory must stay bounded, errors zero.

- distinct dates: every request names another date of service, so each is a new scope with
  its own answers, templates and body (memos a naive server never forgets);
- big requests: 1,000 made-up codes per request, none repeated, each body ~1 MB;
- soak: wrk for 60 s over 50 connections on a mix of routes (answers from the body cache,
  new dates, code reports, searches, health), counting every error.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

CLIENT_THREADS = 4


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return rss / 1024, hwm / 1024


def _run(base: str, paths: list[str]) -> int:
    """GET every path (spread over a few client threads); the count of non-200 answers."""

    def worker(chunk: list[str]) -> int:
        bad = 0
        with httpx.Client(base_url=base, timeout=60) as http:
            for path in chunk:
                if http.get(path).status_code != 200:
                    bad += 1
        return bad

    chunks = [paths[i::CLIENT_THREADS] for i in range(CLIENT_THREADS)]
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        return sum(pool.map(worker, chunks))


def distinct_dates(base: str, count: int = 20_000) -> int:
    """``count`` determinations, each for another date of service; non-200 answers."""
    start = dt.date(1990, 1, 1)
    paths = [
        f"/v1/determinations?code=E0466&code=K0856-RR&date={start + dt.timedelta(days=i)}"
        for i in range(count)
    ]
    return _run(base, paths)


def big_requests(base: str, count: int = 500, size: int = 1000) -> int:
    """``count`` requests of ``size`` codes never asked before (comma-joined, as many to a
    parameter as it holds); non-200 answers."""
    letters = string.ascii_uppercase
    paths = []
    serial = 0
    for _ in range(count):
        codes = []
        for _ in range(size):
            # 26 letters x 10,000 numbers, then the same with a modifier: all distinct texts.
            letter, number = letters[serial % 26], (serial // 26) % 10_000
            suffix = "" if serial < 260_000 else "-RR"
            codes.append(f"{letter}{number:04d}{suffix}")
            serial += 1
        # As many codes to a parameter as its 200 characters hold (33, or 22 with "-RR").
        per = 200 // (len(codes[-1]) + 1)
        params = "&".join("code=" + ",".join(codes[i : i + per]) for i in range(0, len(codes), per))
        paths.append(f"/v1/determinations?{params}")
    return _run(base, paths)


SOAK_SCRIPT = """
local paths = {
  "/v1/determinations?code=E0466",
  "/v1/determinations?code=E0466&code=K0856-RR&code=L5856%20LT",
  "DATE",
  "/v1/codes/K0553",
  "/v1/search?q=hospital+bed&limit=5",
  "/healthz",
  "/v1/determinations?code=E0466",
  "/v1/determinations?code=A4239&date=2026-02-01",
}
local n = 0
request = function()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  if path == "DATE" then
    path = string.format("/v1/determinations?code=K0856-RR&date=%04d-%02d-%02d",
                         1990 + (n % 60), (n % 12) + 1, (n % 28) + 1)
  end
  return wrk.format("GET", path)
end
"""


def soak(base: str, seconds: int = 60, connections: int = 50) -> dict[str, float]:
    """wrk over the route mix; requests, requests/s, p99 (ms) and every kind of error."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(SOAK_SCRIPT)
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
             "--latency", "-s", script.name, base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        Path(script.name).unlink()
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": total,
        "rps": rps,
        "p99": float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(int(g) for g in socket.groups()) if socket else 0,
    }
