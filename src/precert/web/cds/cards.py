"""Optional CDS Hooks cards: one short, sourced card per answered order, most urgent first."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from precert.models import Status
from precert.web.cds.coverage import Assertion

JSON = dict[str, Any]
CARD_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/cdshooks-card-type"
TOPIC = {"system": CARD_TYPE_SYSTEM, "code": "coverage-info", "display": "Coverage Information"}
SUMMARY_LIMIT = 140  # CDS Hooks: summary SHOULD be under 140 characters

# Lower comes first when max-cards cuts the list: what someone must act on before the rest.
_RANK = {
    Status.REQUIRED: 0,
    Status.INVALID: 1,
    Status.OUT_OF_SCOPE: 2,
    Status.NOT_LISTED: 3,
    Status.NOT_REQUIRED: 4,
}


@dataclass(frozen=True, slots=True)
class CardInput:
    """What one card is about: an order (by reference) and its assertion, or a problem."""

    about: str | None  # "DeviceRequest/123"
    kind: str  # "DeviceRequest"
    assertion: Assertion | None
    problem: str | None = None
    payer: str | None = None  # whose list answered (the card's source label)
    unhandled: str | None = None  # the Coverage's payer, when precert holds no list of theirs


def _rank(item: CardInput) -> int:
    if item.assertion is None or item.assertion.technical:
        return 1
    if item.assertion.covered == "conditional":
        return 1
    return min((_RANK[s] for s in item.assertion.statuses), default=1)


def _summary(item: CardInput) -> tuple[str, str]:
    """(summary, indicator) for one card."""
    assertion = item.assertion
    if item.unhandled is not None:
        return (
            f"Coverage not found: precert holds no prior-authorization list of {item.unhandled}",
            "info",
        )
    if assertion is None or assertion.technical:
        return f"Prior authorization unknown: could not read this {item.kind}", "warning"
    codes = ", ".join(assertion.codes)
    statuses = set(assertion.statuses)
    if len(statuses) > 1:
        return f"{codes}: answers differ by billing code; check before ordering", "warning"
    status = next(iter(statuses))
    if status is Status.REQUIRED:
        to = assertion.contact.name if assertion.contact else "the payer"
        return f"{codes}: prior authorization required; request it from {to}", "warning"
    if status is Status.NOT_REQUIRED:
        return f"{codes}: no prior authorization needed under this list", "info"
    if status is Status.OUT_OF_SCOPE:
        return f"{codes}: outside this program; other payer rules may require authorization", "info"
    if status is Status.NOT_LISTED:
        return f"{codes}: not on this payer's list; prior authorization not settled", "info"
    return f"{codes}: not a HCPCS or CPT code; prior authorization unknown", "warning"


def _clip(text: str) -> str:
    return text if len(text) < SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 2].rstrip() + "…"


def card(item: CardInput, payer: str) -> JSON:
    """One information card (no links or suggestions: CRD's "instructions" response type)."""
    summary, indicator = _summary(item)
    lines: list[str] = []
    if item.assertion is not None:
        lines.extend(item.assertion.reasons)
        lines.extend(f"- {text}" for _, text in item.assertion.details)
    if item.problem:
        lines.append(item.problem)
    out: JSON = {
        "uuid": str(uuid.uuid4()),
        "summary": _clip(summary),
        "detail": "\n".join(lines),
        "indicator": indicator,
        "source": {"label": item.payer or payer, "topic": dict(TOPIC)},
    }
    if item.about:
        out["extension"] = {"davinci-crd.associated-resource": [{"reference": item.about}]}
    return out


def cards(items: Sequence[CardInput], payer: str, max_cards: int) -> list[JSON]:
    """Cards for ``items``, most urgent first, at most ``max_cards`` of them."""
    ordered = sorted(enumerate(items), key=lambda pair: (_rank(pair[1]), pair[0]))
    return [card(item, payer) for _, item in ordered[: max(0, max_cards)]]
