"""One log line per CDS Hooks call: hook, hookInstance, codes, answers, latency; no patient data."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from precert.codes import parse_code
from precert.web.cds.hooks import OrderAnswer

NOT_A_CODE = "(not a code)"

logger = logging.getLogger("precert.cds")


def ensure_log_handler() -> None:
    """Send the call log to stderr when nothing else would show it.

    Uvicorn configures only its own loggers; without a handler on ours or on the root,
    Python drops INFO records. An application that configures logging keeps control.
    """
    if logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # a root handler added later must not print each line twice


def loggable_code(text: str) -> str:
    """The code as precert reads it (``K0856``), or ``(not a code)``: a ``coding.code`` may
    hold free text (a name, a note), and only what parses as a code is logged."""
    parsed = parse_code(text)
    return parsed.code if parsed.code is not None else NOT_A_CODE


def log_call(
    *,
    service: str,
    hook: str | None,
    hook_instance: str | None,
    status: int,
    latency_ms: float,
    answers: Sequence[OrderAnswer] = (),
    unread: int = 0,
    client: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """Log one call as a JSON line and return the record.

    Only what the service decided is logged: codes and answers, never the patient,
    encounter, user or order ids, nor any resource content from the request.
    """
    record: dict[str, Any] = {
        "event": "cds.call",
        "service": service,
        "hook": hook,
        "hookInstance": hook_instance,
        "status": status,
        "latency_ms": round(latency_ms, 3),
        "orders": len(answers),
        "unread": unread,
        "answers": [
            {
                "type": a.kind,
                "codes": [loggable_code(c) for c in a.codes],
                "statuses": list(a.statuses),
                "covered": a.covered,
                "pa_needed": a.pa_needed or None,  # none with not-covered (crd-ci-q2)
                "assertion": a.assertion_id,
            }
            for a in answers
        ],
    }
    if client is not None:
        record["client"] = client
    if error is not None:
        record["error"] = error
    if logger.isEnabledFor(logging.INFO):
        logger.info(json.dumps(record, separators=(",", ":")))
    return record


def log_feedback(service: str, outcomes: Sequence[str], client: str | None) -> None:
    """Log a feedback call: how many cards were accepted or overridden (no comments)."""
    counts = {o: outcomes.count(o) for o in sorted(set(outcomes))}
    record = {"event": "cds.feedback", "service": service, "outcomes": counts}
    if client is not None:
        record["client"] = client
    logger.info(json.dumps(record, separators=(",", ":")))
