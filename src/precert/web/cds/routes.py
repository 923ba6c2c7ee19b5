"""HTTP endpoints: discovery, one POST per CDS service, and card feedback."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from precert.service import Precert
from precert.store.replay import ReplayLedger
from precert.web.cds.auth import Authenticator, AuthError
from precert.web.cds.calllog import ensure_log_handler, log_call, log_feedback
from precert.web.cds.config import CdsConfig, get_config
from precert.web.cds.cors import PREFIX, CdsCors
from precert.web.cds.discovery import SERVICES, Service, discovery
from precert.web.cds.hooks import answer
from precert.web.cds.request import HookError, load_json, parse_request
from precert.web.deps import get_service

router = APIRouter(prefix=PREFIX, tags=["CDS Hooks"])
_OUTCOMES = frozenset({"accepted", "overridden"})


def setup(app: FastAPI) -> None:
    """Read the CDS settings now (a bad setting stops start-up), add CDS-only CORS, and make
    sure the call log is written somewhere."""
    if not isinstance(getattr(app.state, "cds_config", None), CdsConfig):
        app.state.cds_config = CdsConfig.from_env()
    app.add_middleware(CdsCors)
    ensure_log_handler()


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def _authenticator(request: Request, config: CdsConfig) -> Authenticator:
    current = getattr(request.app.state, "cds_auth", None)
    if not isinstance(current, Authenticator) or current.config is not config:
        current = Authenticator(config, ReplayLedger(replay_path(get_service(request))))
        request.app.state.cds_auth = current
    return current


def replay_path(precert: Precert) -> Path:
    """The ledger of used token ids: beside the database, shared by every worker serving it."""
    return precert.home / "run" / "cds-tokens.sqlite"


def _audiences(config: CdsConfig, service: Service) -> list[str]:
    base = config.audience or ""  # CdsConfig refuses auth without an audience
    return [f"{base}/{service.id}", base]


async def _authenticate(request: Request, service: Service) -> str | None:
    """The client's issuer (None when auth is off); AuthError when not trusted."""
    config = get_config(request)
    if not config.auth:
        return None
    header = request.headers.get("authorization")

    def verify() -> dict[str, Any]:
        auth = _authenticator(request, config)
        return auth.verify(header, _audiences(config, service))

    # Verification may read key files or URLs and writes the token ledger: off the loop.
    claims = await run_in_threadpool(verify)
    return str(claims["iss"])


@router.get("", summary="CDS Hooks discovery (CRD 2.2 services)")
async def list_services() -> dict[str, Any]:
    """Every CDS service with its hook, prefetch and CRD extensions."""
    return discovery()


@router.post("/{service_id}", summary="Call a CDS service (CRD coverage information)")
async def call_service(service_id: str, request: Request) -> Response:
    """Answer one hook call; 400 for a request that cannot be answered, 401 if untrusted,
    404 for a service id that is not one of those `GET /cds-services` lists (the JSON
    `detail` names it; the call log records `(unknown)`)."""
    started = time.perf_counter()
    service = SERVICES.get(service_id)
    if service is None:
        message = f"no CDS service {service_id[:80]!r}; see GET {PREFIX}"
        log_call(
            service="(unknown)",  # the id is whatever the client put in the URL
            hook=None,
            hook_instance=None,
            status=404,
            latency_ms=(time.perf_counter() - started) * 1000,
            error="unknown CDS service id",
        )
        return _error(404, message)
    try:
        client = await _authenticate(request, service)
    except AuthError as exc:
        log_call(
            service=service_id,
            hook=None,
            hook_instance=None,
            status=401,
            latency_ms=(time.perf_counter() - started) * 1000,
            error=str(exc),
        )
        return _error(401, str(exc), {"WWW-Authenticate": "Bearer"})
    body = await request.body()
    try:
        hook_request = parse_request(body, service)
    except HookError as exc:
        log_call(
            service=service_id,
            hook=None,
            hook_instance=None,
            status=400,
            latency_ms=(time.perf_counter() - started) * 1000,
            client=client,
            error=str(exc),
        )
        return _error(400, str(exc))
    # The determination reads SQLite on a cold cache: off the event loop.
    result = await run_in_threadpool(
        answer, hook_request, get_service(request), get_config(request), dt.date.today()
    )
    log_call(
        service=service_id,
        hook=hook_request.hook,
        hook_instance=hook_request.hook_instance,
        status=200,
        latency_ms=(time.perf_counter() - started) * 1000,
        answers=result.answers,
        unread=result.unread,
        client=client,
    )
    return JSONResponse(result.body)


@router.post("/{service_id}/feedback", summary="Feedback on cards (CDS Hooks 2.0)")
async def feedback(service_id: str, request: Request) -> Response:
    """Accept card outcomes (accepted / overridden); they are logged, not stored."""
    service = SERVICES.get(service_id)
    if service is None:
        return _error(404, f"no CDS service {service_id!r}; see GET {PREFIX}")
    try:
        client = await _authenticate(request, service)
    except AuthError as exc:
        return _error(401, str(exc), {"WWW-Authenticate": "Bearer"})
    try:
        outcomes = _feedback_outcomes(await request.body())
    except HookError as exc:
        return _error(400, str(exc))
    log_feedback(service_id, outcomes, client)
    return JSONResponse({"received": len(outcomes)})


def _feedback_outcomes(body: bytes) -> list[str]:
    data = load_json(body)
    items = data.get("feedback") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise HookError("'feedback' must be a non-empty array")
    outcomes: list[str] = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise HookError(f"feedback item {number} must be an object")
        if not isinstance(item.get("card"), str) or not item["card"]:
            raise HookError(f"feedback item {number} needs 'card' (the card's uuid)")
        outcome = item.get("outcome")
        if outcome not in _OUTCOMES:
            raise HookError(f"feedback item {number}: 'outcome' must be accepted or overridden")
        if not isinstance(item.get("outcomeTimestamp"), str):
            raise HookError(f"feedback item {number} needs 'outcomeTimestamp'")
        if outcome == "accepted" and not isinstance(item.get("acceptedSuggestions", []), list):
            raise HookError(f"feedback item {number}: 'acceptedSuggestions' must be an array")
        if outcome == "overridden" and not isinstance(item.get("overrideReason", {}), dict):
            raise HookError(f"feedback item {number}: 'overrideReason' must be an object")
        outcomes.append(str(outcome))
    return outcomes
