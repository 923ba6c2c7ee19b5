"""Benchmark the staff page's all-payers table (issue 10): 50 pasted codes answered for
Cigna and Medicare, the server time each request reports in its Server-Timing header
(determining, the table and the template), against a real `precert serve`.

Usage: python bench/bench_page.py [--requests N]     (about 20 s)
Prints one Markdown section for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from servers import free_port, stop, wait_ready

BIN = Path(sys.executable).parent


def pasted_codes(home: Path, count: int) -> str:
    """``count`` distinct codes of the bundled lists (Cigna's, then Medicare's), as pasted."""
    from precert.service import Precert

    service = Precert(home)
    codes: list[str] = []
    for version in service.lists():
        for entry in service.store.entries(versions=[(version.list_id, version.version)]):
            if entry.code not in codes:
                codes.append(entry.code)
    service.close()
    # Half from each payer's list, so both columns hold real answers.
    cigna, medicare = codes[: count // 2], codes[-(count - count // 2) :]
    return ", ".join(cigna + medicare)


def server_ms(response: httpx.Response) -> float:
    """The app's own time from the Server-Timing header, in ms."""
    match = re.search(r"app;dur=([\d.]+)", response.headers.get("server-timing", ""))
    assert match is not None, response.headers
    return float(match.group(1))


# The requests timed: the whole page, the fragment the script fetches, one payer's cards.
KINDS: dict[str, dict[str, str]] = {
    "page": {},
    "fragment": {"partial": "1"},
    "one payer": {"payer": "Cigna"},
}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="precert-bench-page-"))
    env = {**os.environ, "PRECERT_HOME": str(home)}
    subprocess.run([str(BIN / "precert"), "lists"], env=env, check=True, capture_output=True)
    text = pasted_codes(home, 50)
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "precert"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", process)
        url = f"http://127.0.0.1:{port}/"
        times: dict[str, list[float]] = {}
        cpu: dict[str, float] = {}
        with httpx.Client(timeout=30) as client:
            first = client.get(url, params={"q": text})
            assert first.status_code == 200
            rows = first.text.count('<tr data-row="')
            assert rows == 50 and "Medicare" in first.text, rows
            started = time.perf_counter()
            for name, extra in KINDS.items():
                params = {"q": text, **extra}
                for _ in range(20):  # warm up
                    client.get(url, params=params)
                before = cpu_seconds(process.pid)
                times[name] = [
                    server_ms(client.get(url, params=params)) for _ in range(args.requests)
                ]
                cpu[name] = (cpu_seconds(process.pid) - before) / args.requests * 1000
            wall = time.perf_counter() - started
    finally:
        stop(process)
    load = os.getloadavg()[0]
    print("## The staff page: 50 pasted codes for every payer (issue 10)\n")
    machine = platform.node() or "this machine"
    print(f"`python bench/bench_page.py --requests {args.requests}` on {machine} "
          f"({os.cpu_count()} cores, Python {platform.python_version()}; load average "
          f"{load:.1f}); {args.requests} requests of each kind over one connection, "
          f"{wall:.1f} s in all. Server time is the app's Server-Timing (determining, building "
          "the table, rendering the template): wall time, which other processes on a busy "
          "machine stretch; the server's CPU time per request is read from /proc.\n")  # fmt: skip
    print("| request | server time, median | p95 | server CPU per request (HTTP included) |")
    print("|---|---|---|---|")
    names = {
        "page": "`/?q=<50 codes>`: the all-payers table, 50 rows × 2 payers (whole page)",
        "fragment": "the same, `partial=1` (the results fragment the script fetches)",
        "one payer": "the same codes, `payer=Cigna` (50 cards)",
    }
    for key, values in times.items():
        ordered = sorted(values)
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        print(f"| {names[key]} | {statistics.median(values):.1f} ms | {p95:.1f} ms | "
              f"{cpu[key]:.1f} ms |")  # fmt: skip
    median = statistics.median(times["page"])
    print(
        "\nTarget: the all-payers table for 50 pasted codes and two payers ≤ 20 ms server time. "
        f"Server CPU per request: {cpu['page']:.1f} ms, HTTP included "
        f"({'met' if cpu['page'] <= 20 else 'missed'}); wall-clock median {median:.1f} ms "
        f"({'met' if median <= 20 else 'missed'}) at a load average of {load:.1f} on "
        f"{os.cpu_count()} cores. Most of it is Jinja rendering 100 answers, each with its "
        "full answer in the cell (one payer's 50 cards take a third of it)."
    )


if __name__ == "__main__":
    main()
