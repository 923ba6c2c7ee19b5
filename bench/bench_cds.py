"""Issue 4 and 10 figures: CDS Hooks order-sign latency over loopback, beside the REST
endpoint; and with a Coverage whose payer (mapped from its identifier) is Medicare, whose
answer depends on the member's state.

Usage: python bench/bench_cds.py [--quick]   (--quick: 200 calls, to check it works)
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from servers import free_port, stop, wait_ready

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOC = ROOT / "src" / "precert" / "data" / "cigna-commercial-dme.txt"
# The Inferno CRD client suite's request, as the repository keeps it (a fresh clone has it).
TEMPLATE = (
    ROOT
    / "tests"
    / "fixtures"
    / "crd"
    / "inferno_crd_client_suite_v220__order_sign_request_bodies__0.json"
)
QUICK = "--quick" in sys.argv[1:]
CALLS = 200 if QUICK else 2000
WARMUP = 20 if QUICK else 100
ORDERS = 10
TARGET_P99_MS = 25.0
# The Coverage variant: the payor is an identifier the deployment maps to Medicare FFS.
PAYOR = {"identifier": {"system": "http://example.org/payer-id", "value": "MEDICARE-B"}}
PAYERS = "http://example.org/payer-id|MEDICARE-B=Medicare/FFS"


def start(home: Path, log: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`precert serve` (Uvicorn, one worker) on a free loopback port; waits until it answers."""
    port = free_port()
    audience = {"PRECERT_CDS_AUDIENCE": f"http://127.0.0.1:{port}/cds-services"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN / "precert"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, "PRECERT_HOME": str(home), **audience, **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + "/cds-services", process)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}:\n{log.read_text()}") from None
    return process, base


def code_sets(n: int) -> list[list[str]]:
    """``n`` orders' worth of 10 codes: 80 % from the published list, 20 % codes it lacks."""
    rng = random.Random(4)
    listed = sorted(
        {
            line.split("\t")[2]
            for line in DOC.read_text().splitlines()
            if line.count("\t") == 6 and not line.startswith("Product")
        }
    )
    unlisted = [f"E{k:04d}" for k in range(100, 3000, 7)]
    return [
        [rng.choice(listed) if rng.random() < 0.8 else rng.choice(unlisted) for _ in range(ORDERS)]
        for _ in range(n)
    ]


def order_sign(codes: list[str], payor: dict[str, Any] | None = None) -> bytes:
    """The Inferno CRD client suite's order-sign request with 10 DeviceRequests (and, with
    ``payor``, its prefetched Coverage's payor replaced)."""
    data = json.loads(TEMPLATE.read_text())
    if payor is not None:
        data["prefetch"]["coverage"]["entry"][0]["resource"]["payor"] = [payor]
    template = data["context"]["draftOrders"]["entry"][0]["resource"]
    entries = []
    for number, code in enumerate(codes):
        order = copy.deepcopy(template)
        order["id"] = f"devreq-{number}"
        order["codeCodeableConcept"]["coding"][0] = {
            "system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
            "code": code,
        }
        entries.append({"resource": order})
    data["context"]["draftOrders"]["entry"] = entries
    data["hookInstance"] = str(uuid.uuid4())
    return json.dumps(data).encode()


def timed(send: Any, requests: list[Any]) -> list[float]:
    """Milliseconds per call, sequential over one keep-alive connection."""
    out = []
    for item in requests:
        start = time.perf_counter()
        response = send(item)
        out.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    return out


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def server_side(log: Path) -> list[float]:
    """The handler latencies the CDS call log recorded (ms)."""
    out = []
    for line in log.read_text().splitlines():
        if " precert.cds {" in line:
            record = json.loads(line.split(" precert.cds ", 1)[1])
            if record.get("event") == "cds.call" and record["status"] == 200:
                out.append(record["latency_ms"])
    return out


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="precert-bench-cds-"))
    try:
        home = work / "home"
        subprocess.run(
            [sys.executable, "-c", "import precert; precert.determine('E0466')"],
            env={**os.environ, "PRECERT_HOME": str(home)},
            check=True,
        )
        sets = code_sets(WARMUP + CALLS)
        bodies = [order_sign(s) for s in sets]
        medicare = [order_sign(s, PAYOR) for s in sets]
        queries = [[("code", c) for c in s] for s in sets]
        key = ec.generate_private_key(ec.SECP384R1())
        jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
        jwk.update(kid="bench", alg="ES384", use="sig")
        jwks = work / "jwks.json"
        jwks.write_text(json.dumps({"keys": [jwk]}))

        log = work / "plain.log"
        process, base = start(home, log, {"PRECERT_CDS_PAYERS": PAYERS})
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                headers = {"Content-Type": "application/json"}
                sign = "/cds-services/precert-order-sign"

                def cds(body: bytes) -> httpx.Response:
                    return client.post(sign, content=body, headers=headers)

                def rest(query: list[tuple[str, str]]) -> httpx.Response:
                    return client.get("/v1/determinations", params=query)

                timed(cds, bodies[:WARMUP])
                timed(rest, queries[:WARMUP])
                cds_ms = timed(cds, bodies[WARMUP:])
                rest_ms = timed(rest, queries[WARMUP:])
                sample = json.loads(cds(bodies[-1]).content)
                assert len(sample["systemActions"]) == ORDERS
                timed(cds, medicare[:WARMUP])
                coverage_ms = timed(cds, medicare[WARMUP:])
                answered = json.loads(cds(medicare[-1]).content)
                assert len(answered["systemActions"]) == ORDERS
                assert {c["source"]["label"] for c in answered["cards"]} == {"Medicare"}
        finally:
            stop(process)
        handler_ms = server_side(log)[WARMUP : WARMUP + CALLS]

        auth_log = work / "auth.log"
        process, base = start(
            home,
            auth_log,
            {
                "PRECERT_CDS_AUTH": "on",
                "PRECERT_CDS_JWKS": str(jwks),
                "PRECERT_CDS_ISSUERS": "https://ehr.example.org",
            },
        )
        try:
            now = int(time.time())
            aud = f"{base}/cds-services/precert-order-sign"
            tokens = [
                jwt.encode(
                    {
                        "iss": "https://ehr.example.org",
                        "aud": aud,
                        "iat": now,
                        "exp": now + 300,  # the server accepts at most 5 minutes
                        "jti": str(uuid.uuid4()),
                    },
                    key,
                    algorithm="ES384",
                    headers={"kid": "bench", "typ": "JWT"},
                )
                for _ in range(WARMUP + CALLS)
            ]
            with httpx.Client(base_url=base, timeout=30) as client:

                def cds_auth(pair: tuple[bytes, str]) -> httpx.Response:
                    body, token = pair
                    return client.post(
                        "/cds-services/precert-order-sign",
                        content=body,
                        headers={
                            "Content-Type": "application/json",
                            "Authorization": f"Bearer {token}",
                        },
                    )

                pairs = list(zip(bodies, tokens, strict=True))
                timed(cds_auth, pairs[:WARMUP])
                auth_ms = timed(cds_auth, pairs[WARMUP:])
        finally:
            stop(process)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = [
        ("CDS Hooks `POST /cds-services/precert-order-sign`, 10 DeviceRequests", cds_ms),
        (
            "the same with a Coverage whose payor identifier is mapped to Medicare FFS "
            "(`PRECERT_CDS_PAYERS`; the member's state from the Patient: the DME MAC)",
            coverage_ms,
        ),
        ("REST `GET /v1/determinations?code=…` ×10, the same codes (baseline)", rest_ms),
        ("CDS Hooks order-sign with JWT client auth on (ES384, fresh jti)", auth_ms),
        ("first row, time inside the CDS handler (the call log's `latency_ms`)", handler_ms),
    ]
    print("## CDS Hooks: order-sign latency over loopback (issues 4, 10)\n")
    print("Command: `.venv/bin/python bench/run_all.py bench_cds` (part of `make bench`).\n")
    print(
        f"The script starts `precert serve` (Uvicorn, one worker, uvloop/httptools) on a "
        f"loopback port and sends {CALLS:,} order-sign calls one after another over one "
        f"keep-alive connection (httpx), each with {ORDERS} DeviceRequests (the Inferno CRD "
        "client suite's request, codes drawn 80 % from the Cigna list and 20 % off it), after "
        f"{WARMUP} warm-up calls; then the same codes as {CALLS:,} REST calls; then the "
        "order-sign calls again with the request's Coverage naming its payor by an identifier "
        "the server maps to Medicare FFS (Medicare's list answers, routed by the Inferno "
        "patient's state); then the order-sign calls on a second server with JWT "
        "authentication on. Times are client-side wall time per call. Target: order-sign p99 "
        "≤ 25 ms, with and without the Coverage.\n"
    )
    print("| calls | p50 ms | p90 ms | p99 ms | max ms | mean ms | calls/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, values in rows:
        rate = f"{1000 / statistics.mean(values):,.0f}" if values is not handler_ms else ""
        print(
            f"| {name} | {pct(values, 50):.2f} | {pct(values, 90):.2f} | {pct(values, 99):.2f} | "
            f"{max(values):.2f} | {statistics.mean(values):.2f} | {rate} |"
        )
    p99 = pct(cds_ms, 99)
    covered = pct(coverage_ms, 99)
    print(
        f"\norder-sign p99 {p99:.2f} ms — target ≤ {TARGET_P99_MS:.0f} ms "
        f"{'**met**' if p99 <= TARGET_P99_MS else '**missed**'}; with the Medicare Coverage "
        f"p99 {covered:.2f} ms — target ≤ {TARGET_P99_MS:.0f} ms (issue 10) "
        f"{'**met**' if covered <= TARGET_P99_MS else '**missed**'} "
        f"(with JWT auth on: p99 {pct(auth_ms, 99):.2f} ms). Each order-sign response carries "
        f"{ORDERS} coverage-information updates and up to 10 cards, so it is several times the "
        "REST answer's size; the call log line is written for every call."
    )


if __name__ == "__main__":
    main()
