"""Benchmark the REST API with wrk beside Datasette and a bare FastAPI endpoint (issues 3,
10), its memory under adversarial loads and a 60 s soak (issue 12).

The measured query names the payer (`payer=Cigna`), as issue 10 asks: with Cigna's and
Medicare's lists bundled, a query without one answers once per payer (also measured).
Prints one Markdown section for docs/benchmarks.md. Needs Debian's `wrk` (`make wrk`).
Usage: python bench/bench_web.py            (the whole benchmark, ~7 minutes)
       python bench/bench_web.py --quick    (short runs, no memory loads or soak: a check)
       python bench/bench_web.py --floor PORT HOME   (internal: the bare-FastAPI baseline)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from servers import free_port, stop, wait_ready
from web_loads import big_requests, distinct_dates, rss_mb, soak

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
QUERY = "/v1/determinations?code=E0466&payer=Cigna"
ALL_PAYERS = "/v1/determinations?code=E0466"
THREADS, CONNECTIONS = 2, 50
ROUNDS = 3  # precert, Datasette and the floor measured in turn, this many times
QUICK = "--quick" in sys.argv[1:]
# Seconds of each wrk run (after a warm-up), and of the one-connection run.
SECONDS, WARM, SINGLE = (3, 1, 3) if QUICK else (15, 3, 10)
# The same Uvicorn settings for precert and the floor: no access log, no server header,
# uvloop and httptools when installed.
UVICORN = {"access_log": False, "server_header": False, "loop": "auto", "http": "auto"}


def _seconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def wrk(url: str, threads: int, connections: int, seconds: int) -> dict[str, float]:
    """Run wrk once; requests/s, p50 and p99 in ms, and the count of non-2xx answers."""
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _seconds(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _seconds(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    if bad or errors:
        print(f"warning: {url}: {bad.group(0) if bad else ''} {errors.group(0) if errors else ''}",
              file=sys.stderr)  # fmt: skip
    return {"rps": rps, "p50": p50 * 1000, "p99": p99 * 1000}


def measure(url: str) -> dict[str, float]:
    """Warm up, then the issue's load: 2 threads, 50 connections, 15 s."""
    wrk(url, THREADS, CONNECTIONS, WARM)
    return wrk(url, THREADS, CONNECTIONS, SECONDS)


def datasette_db(home: Path, target: Path) -> int:
    """The same entries in a plain SQLite file for Datasette; returns E0466's row id."""
    from precert.service import Precert

    service = Precert(home)
    entries = service.store.entries()
    service.close()
    db = sqlite3.connect(target)
    db.execute(
        "CREATE TABLE entries (id INTEGER PRIMARY KEY, list TEXT, version TEXT, table_no INTEGER,"
        " page INTEGER, line INTEGER, code TEXT, category TEXT, description TEXT, status TEXT,"
        " status_raw TEXT, platform TEXT, notation TEXT)"
    )
    db.executemany(
        "INSERT INTO entries (list, version, table_no, page, line, code, category, description,"
        " status, status_raw, platform, notation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(e.list_id, e.version, e.table, e.page, e.line, e.code, e.category, e.description,
          e.status.value, e.status_raw, e.platform, e.notation) for e in entries],
    )  # fmt: skip
    db.execute("CREATE INDEX entries_code ON entries (code)")
    db.commit()
    row_id = int(db.execute("SELECT id FROM entries WHERE code = 'E0466'").fetchone()[0])
    db.close()
    return row_id


def serve_floor(port: int, home: str) -> None:
    """The framework's floor: one FastAPI endpoint returning a precomputed dict."""
    import uvicorn
    from fastapi import FastAPI

    from precert.service import Precert

    answers = Precert(home).determine(["E0466"], payer="Cigna")
    payload = {"determinations": [a.to_dict() for a in answers]}
    app = FastAPI()

    @app.get("/v1/determinations")
    async def floor() -> dict[str, object]:
        return payload

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", **UVICORN)  # type: ignore[arg-type]


def app_cpu(home: Path) -> dict[str, float]:
    """CPU µs per cached `GET /v1/determinations?code=E0466&payer=Cigna` inside the app (every
    middleware, the router, the route; no HTTP server), best of 15 batches of 1,000: as
    served; with the routers nested by FastAPI's `include_router` instead of their routes on
    the app's router; with FastAPI's request handler and route app instead of RequestRoute's
    as well; and with FastAPI's native telemetry on too. CPU time, so other work on the
    machine weighs little."""
    import asyncio

    import precert.web.app as web_app
    from precert.service import Precert
    from precert.web.routing import RequestRoute

    async def per_request(app: Any) -> float:
        path, query = QUERY.split("?")
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
                 "query_string": query.encode(), "root_path": "", "headers": [(b"host", b"x")],
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}  # fmt: skip
        sent: list[Any] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            sent.append(message)

        await app(dict(scope), receive, send)
        assert sent[0]["status"] == 200, sent
        for _ in range(500):
            await app(dict(scope), receive, send)
        batches = []
        for _ in range(15):
            started = time.process_time()
            for _ in range(1000):
                await app(dict(scope), receive, send)
            batches.append(time.process_time() - started)
        return min(batches) * 1000  # seconds per 1,000 requests, times 1,000: µs per request

    def nested(app: Any, router: Any) -> None:
        app.include_router(router)

    service = Precert(home)
    out = {"served": asyncio.run(per_request(web_app.create_app(service)))}
    flat, lean, telemetry = web_app.add_routes, RequestRoute._direct_handler, web_app.telemetry
    try:
        web_app.add_routes = nested  # type: ignore[assignment]
        out["nested"] = asyncio.run(per_request(web_app.create_app(service)))
        RequestRoute._direct_handler = lambda self: None  # type: ignore[method-assign]
        out["fastapi_handler"] = asyncio.run(per_request(web_app.create_app(service)))
        web_app.telemetry = lambda environ: {}  # FastAPI's default: telemetry on
        out["telemetry_on"] = asyncio.run(per_request(web_app.create_app(service)))
    finally:
        web_app.add_routes = flat  # type: ignore[assignment]
        RequestRoute._direct_handler = lean  # type: ignore[method-assign]
        web_app.telemetry = telemetry
    service.close()
    return out


def page_times(base: str, count: int = 60) -> dict[str, float]:
    """Server time (Server-Timing) and client time of ``/?q=wheelchair``, in ms."""
    server: list[float] = []
    client: list[float] = []
    with httpx.Client(base_url=base) as http:
        for _ in range(5):
            http.get("/?q=wheelchair")
        for _ in range(count):
            started = time.perf_counter()
            response = http.get("/?q=wheelchair")
            client.append((time.perf_counter() - started) * 1000)
            timing = re.search(r"dur=([\d.]+)", response.headers["server-timing"])
            server.append(float(timing.group(1)))  # type: ignore[union-attr]
    server.sort()
    client.sort()
    return {
        "server_p50": statistics.median(server), "server_p95": server[int(count * 0.95) - 1],
        "client_p50": statistics.median(client),
    }  # fmt: skip


def _print_targets(targets: list[tuple[str, str, bool]]) -> None:
    print("| target | measured | met |")
    print("|---|---|---|")
    for name, value, met in targets:
        print(f"| {name} | {value} | {'yes' if met else '**no**'} |")


def r_s(load: dict[str, float]) -> str:
    """How long a load took, for the table."""
    return f"{load['seconds']:.0f} s"


LOAD_START = os.getloadavg()[0]


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed: run `make wrk` (apt-get install wrk)", file=sys.stderr)
        return 2
    from precert import __version__
    from precert.service import Precert

    work = Path(tempfile.mkdtemp(prefix="precert-bench-web-"))
    home = work / "home"
    try:
        Precert(home).store.close()  # build the database as first use does
        in_app = app_cpu(home)
        env = {**os.environ, "PRECERT_HOME": str(home)}
        results: dict[str, dict[str, float]] = {}

        # precert, the floor and Datasette run side by side (idle while not measured) and are
        # measured in turn, ROUNDS times: the machine is shared, and other work comes and
        # goes within minutes, so each round's ratio compares runs made within a minute.
        row_id = datasette_db(home, work / "entries.db")
        servers: dict[str, subprocess.Popen[bytes]] = {}
        try:
            port = free_port()
            servers["precert"] = subprocess.Popen(
                [str(BIN / "precert"), "serve", "--port", str(port)], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            base = f"http://127.0.0.1:{port}"
            port = free_port()
            servers["floor"] = subprocess.Popen(
                [sys.executable, __file__, "--floor", str(port), str(home)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            floor_url = f"http://127.0.0.1:{port}{QUERY}"
            port = free_port()
            servers["datasette"] = subprocess.Popen(
                [str(BIN / "datasette"), "serve", str(work / "entries.db"), "--host",
                 "127.0.0.1", "--port", str(port)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            ds_url = f"http://127.0.0.1:{port}/entries/entries/{row_id}.json"
            urls = {"precert": base + QUERY, "datasette": ds_url, "floor": floor_url}
            for name, url in urls.items():
                wait_ready(url, servers[name])
            check = httpx.get(base + QUERY).json()["determinations"][0]
            assert check["status"] == "required", check
            assert len(httpx.get(base + ALL_PAYERS).json()["determinations"]) == 2
            assert "E0466" in httpx.get(ds_url).text
            rounds: dict[str, list[dict[str, float]]] = {name: [] for name in urls}
            for _ in range(ROUNDS):
                for name, url in urls.items():
                    rounds[name].append(measure(url))
            for name, runs in rounds.items():
                results[name] = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
            ratios = [
                p["rps"] / d["rps"]
                for p, d in zip(rounds["precert"], rounds["datasette"], strict=True)
            ]
            results["all_payers"] = measure(base + ALL_PAYERS)
            single = wrk(base + QUERY, 1, 1, SINGLE)
            page = page_times(base)
            memory = rss_mb(servers["precert"].pid)
            floor_single = wrk(floor_url, 1, 1, SINGLE)
        finally:
            for server in servers.values():
                stop(server)

        # A fresh server for each adversarial load: its RSS before, after, and at peak.
        loads: dict[str, dict[str, float]] = {}
        for name, load in () if QUICK else (("dates", distinct_dates), ("big", big_requests),
                                           ("soak", soak)):  # fmt: skip
            port = free_port()
            server = subprocess.Popen(
                [str(BIN / "precert"), "serve", "--port", str(port)], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                base = f"http://127.0.0.1:{port}"
                wait_ready(base + QUERY, server)
                before = rss_mb(server.pid)[0]
                started = time.perf_counter()
                outcome = load(base)
                after, peak = rss_mb(server.pid)
                figures = outcome if isinstance(outcome, dict) else {"errors": outcome}
                loads[name] = {**figures, "before": before, "after": after, "peak": peak,
                               "seconds": time.perf_counter() - started}  # fmt: skip
            finally:
                stop(server)

    finally:
        shutil.rmtree(work, ignore_errors=True)

    vs_ds = statistics.median(ratios)
    vs_floor = statistics.median(
        f["rps"] / p["rps"] for f, p in zip(rounds["floor"], rounds["precert"], strict=True)
    )
    targets = [
        ("≥ 8× Datasette's requests/s (issue 10; issue 3 asked 4×)", f"{vs_ds:.1f}×",
         vs_ds >= 8),
        ("within 1.3× of the bare-FastAPI floor", f"floor/precert = {vs_floor:.2f}×",
         vs_floor <= 1.3),
        ("p99 ≤ 5 ms with one connection", f"{single['p99']:.2f} ms", single["p99"] <= 5),
        ("server RSS ≤ 150 MB", f"{memory[0]:.0f} MB (peak {memory[1]:.0f} MB)",
         memory[1] <= 150),
        ("`/?q=wheelchair` ≤ 50 ms server time",
         f"p50 {page['server_p50']:.1f} ms, p95 {page['server_p95']:.1f} ms",
         page["server_p95"] <= 50),
    ]  # fmt: skip
    print("## REST API: `GET /v1/determinations?code=E0466&payer=Cigna`, memory and soak "
          "(issues 3, 10, 12)\n")  # fmt: skip
    print(f"`python bench/bench_web.py{' --quick' if QUICK else ''}` — wrk {THREADS} threads, "
          f"{CONNECTIONS} connections, "
          f"{SECONDS} s on loopback (after a {WARM} s warm-up), one Uvicorn worker each, precert "
          f"{__version__} via `precert serve` (uvloop + httptools, no access log). precert, "
          f"Datasette and the floor run side by side and are measured in turn, {ROUNDS} rounds "
          f"(the machine is shared: each round's runs lie within a minute of each other). Their "
          f"rows give each one's median run; the ratios in the targets are the median of the "
          f"rounds' ratios (precert per round: "
          f"{', '.join(f'{r:.1f}×' for r in ratios)} Datasette's requests/s).\n")  # fmt: skip
    print("| server | requests/s | p50 | p99 |")
    print("|---|---:|---:|---:|")
    names = {
        "precert": "precert `GET /v1/determinations?code=E0466&payer=Cigna` (the documented "
        "route, through FastAPI's router and every middleware)",
        "all_payers": "precert `GET /v1/determinations?code=E0466`, no payer: one answer per "
        "loaded payer (Cigna, Medicare)",
        "floor": "bare FastAPI endpoint returning a precomputed dict (the floor)",
        "datasette": "Datasette, same entries in SQLite (JSON row endpoint)",
    }
    for key in ("precert", "all_payers", "floor", "datasette"):
        r = results[key]
        print(f"| {names[key]} | {r['rps']:,.0f} | {r['p50']:.2f} ms | {r['p99']:.2f} ms |")
    print(f"\nOne connection (wrk 1 thread, 1 connection, {SINGLE} s, the payer query): "
          f"precert p50 "
          f"{single['p50']:.2f} ms, p99 {single['p99']:.2f} ms, {single['rps']:,.0f} requests/s; "
          f"the floor p50 {floor_single['p50']:.2f} ms, p99 {floor_single['p99']:.2f} ms. "
          f"`/?q=wheelchair` (50 results, rendered by Jinja2): server time p50 "
          f"{page['server_p50']:.1f} ms, p95 {page['server_p95']:.1f} ms (`Server-Timing`), "
          f"{page['client_p50']:.1f} ms seen by the client.\n")  # fmt: skip
    if QUICK:
        print(f"Inside the app, CPU per cached answer: {in_app['served']:.0f} µs as served, "
              f"{in_app['nested']:.0f} µs with the routers nested by include_router, "
              f"{in_app['fastapi_handler']:.0f} µs with FastAPI's handler too, "
              f"{in_app['telemetry_on']:.0f} µs with its telemetry on too.\n")  # fmt: skip
        _print_targets(targets)
        print(f"\n(--quick: short runs, no memory loads or soak.) Load average "
              f"{LOAD_START:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.")  # fmt: skip
        return 0
    print(f"**Inside the app** (no HTTP server; CPU time per cached answer to the payer "
          f"query, best of 15 batches of 1,000): {in_app['served']:.0f} µs as served; "
          f"{in_app['nested']:.0f} µs with the web modules' routers nested by FastAPI's "
          f"`include_router` (matched twice per request) instead of their routes on the app's "
          f"router (`precert.web.app.add_routes`); {in_app['fastapi_handler']:.0f} µs with "
          f"FastAPI's request handler and route app as well, in place of "
          f"`precert.web.routing.RequestRoute` (which calls the route's request-only endpoint "
          f"directly); {in_app['telemetry_on']:.0f} µs with FastAPI's native OpenTelemetry on "
          f"as well (off unless OpenTelemetry is configured).\n")  # fmt: skip
    dates, big, soaked = loads["dates"], loads["big"], loads["soak"]
    print(
        "**Memory under adversarial loads** (a fresh `precert serve` for each; resident "
        "memory of the server process before, after, and its peak):\n"
    )
    print("| load | errors | RSS before | RSS after | peak |")
    print("|---|---:|---:|---:|---:|")
    for label, r in (
        ("20,000 `GET /v1/determinations`, each for another date of service "
         f"({r_s(dates)})", dates),
        ("500 `GET /v1/determinations` of 1,000 codes never asked before "
         f"(~1 MB bodies, {r_s(big)})", big),
    ):  # fmt: skip
        print(f"| {label} | {r['errors']:.0f} | {r['before']:.0f} MB | {r['after']:.0f} MB | "
              f"{r['peak']:.0f} MB |")  # fmt: skip
    errors = soaked["non_2xx"] + soaked["socket_errors"]
    print(f"\n**Soak**: wrk 2 threads, 50 connections, 60 s (10 s timeout) over a mix of "
          f"routes (repeated and new determinations, a new date every 8th request, code "
          f"reports, searches, health): {soaked['requests']:,.0f} requests, "
          f"{soaked['rps']:,.0f} requests/s, p99 {soaked['p99']:.1f} ms, "
          f"**{errors:.0f} errors** ({soaked['non_2xx']:.0f} non-2xx, "
          f"{soaked['socket_errors']:.0f} socket errors); server RSS {soaked['before']:.0f} → "
          f"{soaked['after']:.0f} MB (peak {soaked['peak']:.0f} MB).\n")  # fmt: skip
    targets += [
        ("memory bounded: 20,000 dates", f"peak {dates['peak']:.0f} MB", dates["peak"] <= 150),
        ("memory bounded: 500 × 1,000 codes", f"peak {big['peak']:.0f} MB", big["peak"] <= 250),
        ("soak: zero errors", f"{errors:.0f}", errors == 0),
    ]
    _print_targets(targets)
    print(
        f"\nThe machine's 1-minute load average was {LOAD_START:.1f} when this run started and "
        f"{os.getloadavg()[0]:.1f} when it ended (2 cores: above 2, other work was "
        "competing for them, and absolute figures and tail latencies suffer with it)."
    )
    print("\nprecert answers through FastAPI's router (the documented route, every "
          "middleware): a repeated query's serialized body comes from a bounded cache "
          "(`precert.web.common.AnswerBodies`) without SQL or a thread hop; anything else is "
          "determined in the thread pool, never on the event loop. Every 0.5 s the cache "
          "re-reads the data version, once in the thread pool for all the requests waiting "
          "(before, each request arriving meanwhile determined its answer afresh: ~5 % of "
          "them under this load). The web modules' routes sit on the app's router itself, "
          "matched once (`precert.web.app.add_routes`). The route's endpoint reads "
          "its own parameters, so its route class calls it without FastAPI's parameter solver "
          "or per-route wrappers (`precert.web.routing.RequestRoute`), and FastAPI's native "
          "telemetry is off unless OpenTelemetry is configured. "
          "wrk and the servers share the machine's 2 cores, so the ratios measured side by "
          "side in one run are the comparison that matters.")  # fmt: skip
    json.dump({**results, **loads, "rounds": rounds}, sys.stderr)
    print(file=sys.stderr)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--floor":
        serve_floor(int(sys.argv[2]), sys.argv[3])
        sys.exit(0)
    sys.exit(main())
