"""Issue 10 figure: the staff page's answer to 50 pasted codes with every payer loaded.

`GET /?q=<50 codes>` with no payer named: with Cigna's and Medicare's lists bundled, the page
answers each code for both payers (the all-payers table). Server time is measured two ways,
in one process, with no network: the whole ASGI app (every middleware, the router, the
handler, Jinja2) called directly, and the handler's own `Server-Timing` header.

Usage: python bench/bench_page.py [--quick]   (--quick: fewer calls, to check it works)
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
CODES = 50
TARGET_MS = 20.0
LOAD_START = os.getloadavg()[0]


def pasted_codes(service: object) -> list[str]:
    """50 distinct codes as staff paste them: spread over both payers' lists, one a line."""
    from precert.service import Precert

    assert isinstance(service, Precert)
    by_payer: dict[str, list[str]] = {}
    for entry in service.store.entries():
        payer = entry.list_id.split("-")[0]
        codes = by_payer.setdefault(payer, [])
        if entry.code not in codes:
            codes.append(entry.code)
    picked: list[str] = []
    pools = [sorted(c) for c in by_payer.values()]
    step = 0
    while len(picked) < CODES:  # every payer's list in turn, evenly through each
        for pool in pools:
            code = pool[(step * 37) % len(pool)]
            if code not in picked and len(picked) < CODES:
                picked.append(code)
        step += 1
    return picked


class Asgi:
    """Calls into the app in process: the response status, headers and body of a GET."""

    def __init__(self, app: object) -> None:
        self.app = app

    async def get(self, path: str, query: str) -> tuple[int, dict[bytes, bytes], bytes]:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": query.encode(), "root_path": "",
            "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"text/html")],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
        }  # fmt: skip
        status = 0
        headers: dict[bytes, bytes] = {}
        body = bytearray()

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, object]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])  # type: ignore[call-overload]
                headers.update(message["headers"])  # type: ignore[arg-type]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))  # type: ignore[arg-type]

        await self.app(scope, receive, send)  # type: ignore[operator]
        return status, headers, bytes(body)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def measure(
    client: Asgi, query: str, calls: int
) -> tuple[list[float], list[float], list[float], int]:
    """(whole-app ms, Server-Timing ms, CPU ms, body bytes) over ``calls`` calls after a
    warm-up. CPU time (every thread of this process) is what the call costs whatever else
    the machine runs; wall time also holds the waits for a core."""
    for _ in range(10):
        status, _, body = await client.get("/", query)
        assert status == 200, body[:300]
    whole: list[float] = []
    handler: list[float] = []
    cpu: list[float] = []
    size = 0
    for _ in range(calls):
        started, cpu_started = time.perf_counter(), time.process_time()
        status, headers, body = await client.get("/", query)
        whole.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        timing = re.search(rb"dur=([\d.]+)", headers.get(b"server-timing", b""))
        if timing:
            handler.append(float(timing.group(1)))
        size = len(body)
    return whole, handler, cpu, size


def main(quick: bool) -> int:
    from precert.service import Precert
    from precert.web.app import create_app

    calls = 40 if quick else 400
    work = Path(tempfile.mkdtemp(prefix="precert-bench-page-"))
    try:
        service = Precert(work / "home")  # built as first use builds it: every bundled list
        payers = sorted({s.payer for s in service.scopes()})
        codes = pasted_codes(service)
        query = urlencode({"q": "\n".join(codes)})
        client = Asgi(create_app(service))
        _, _, body = asyncio.run(client.get("/", query))
        missing = [c for c in codes if c not in body.decode()]
        assert not missing, f"the page does not show {missing[:5]}"
        whole, handler, cpu, size = asyncio.run(measure(client, query, calls))
        service.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    p95 = pct(whole, 95)
    print(f"## Staff page: {CODES} pasted codes, every payer (issue 10)\n")
    print(
        f"`python bench/bench_page.py` — `GET /?q=<{CODES} codes, one a line>` with no payer "
        f"named, so each code is answered for every loaded payer ({', '.join(payers)}): the "
        "all-payers table. Server time measured in one process, no network: the whole ASGI "
        "app called directly (middleware, router, handler, Jinja2), and the handler's own "
        f"`Server-Timing`; {calls} calls after 10 warm-up calls, a {size / 1024:.0f} KB "
        "page each.\n"
    )
    print("| measure | p50 | p95 | p99 | mean |")
    print("|---|---:|---:|---:|---:|")
    for name, values in (
        ("whole app (ASGI call), wall time", whole),
        ("handler (`Server-Timing`), wall time", handler),
        ("whole app, CPU time of the call", cpu),
    ):
        if values:
            print(
                f"| {name} | {pct(values, 50):.1f} ms | {pct(values, 95):.1f} ms | "
                f"{pct(values, 99):.1f} ms | {statistics.mean(values):.1f} ms |"
            )
    met = "**met**" if p95 <= TARGET_MS else "**missed**"
    print(
        f"\nTarget: ≤ {TARGET_MS:.0f} ms server time — whole app p95 {p95:.1f} ms, {met}. "
        f"The 1-minute load average was {LOAD_START:.1f} at the start and "
        f"{os.getloadavg()[0]:.1f} at the end (2 cores: above 2, other work competed)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main("--quick" in sys.argv[1:]))
