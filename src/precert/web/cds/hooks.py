"""Answer one checked hook call: whose list, determine each order, build the response.

Reading the request (checks, which orders) is :mod:`precert.web.cds.request`; whose list
answers (the Coverage) is :mod:`precert.web.cds.payers`; the FHIR extension and the cards are
:mod:`precert.web.cds.coverage` and :mod:`precert.web.cds.cards`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from precert.models import Determination
from precert.service import Precert, ScopeError
from precert.web.cds import coverage as cov
from precert.web.cds.cards import CardInput, cards
from precert.web.cds.config import CdsConfig
from precert.web.cds.fhir import (
    JSON,
    ORDER_TYPES,
    BillingCode,
    ResourceIndex,
    appointment_codes,
    index_request,
    order_codes,
    service_date,
)
from precert.web.cds.payers import Resolution, not_found, resolve
from precert.web.cds.request import HookRequest, Target, targets

# Why a card carries an answer that is not recorded on the order: CRD's coverage-information
# extension must reference the client's Coverage ("If no coverage instance is available, the
# coverage-information extension cannot be returned", ext-coverage-information.coverage).
NO_COVERAGE = (
    "No Coverage was sent with the request, so no coverage information is recorded on the "
    "order; this answer is from {payer}'s list, the one this service answers for by default."
)

UNREADABLE = "an unreadable Coverage"


@dataclass(frozen=True, slots=True)
class OrderAnswer:
    """What was answered for one order and Coverage (for the call log: no identifiers)."""

    kind: str
    codes: tuple[str, ...]
    statuses: tuple[str, ...]
    covered: str
    pa_needed: str
    assertion_id: str


@dataclass
class HookResult:
    """The response body and what it said, order by order."""

    body: JSON
    answers: list[OrderAnswer] = field(default_factory=list)
    unread: int = 0


@dataclass(frozen=True, slots=True)
class Call:
    """What every order of one call is answered with."""

    request: HookRequest
    precert: Precert
    config: CdsConfig
    today: dt.date
    index: ResourceIndex
    loaded: tuple[tuple[str, str], ...]  # (payer, line of business) of every loaded list

    def whom(self, order: JSON) -> tuple[Resolution, ...]:
        """Whose list answers ``order``, per Coverage it is about (see payers.resolve)."""
        try:
            return resolve(
                order,
                self.index,
                self.request.context,
                self.config.payers,
                self.loaded,
                (self.config.payer, self.config.line_of_business),
            )
        except Exception:  # one unreadable Coverage must not cost the others an answer
            return (Resolution(None, None, None, None, unhandled=UNREADABLE),)

    def label(self, whom: Resolution) -> str | None:
        """The payer a card names as its source."""
        payer = whom.payer or _unhandled(whom) or self.config.payer
        if payer is None and len(self.loaded) == 1:
            payer = self.loaded[0][0]
        return payer


def answer(request: HookRequest, precert: Precert, config: CdsConfig, today: dt.date) -> HookResult:
    """The CDS Hooks response for a checked request."""
    result = HookResult({"cards": [], "systemActions": []})
    if not request.coverage_info:
        return result
    index = index_request(request.context, request.prefetch)
    loaded = tuple(dict.fromkeys((s.payer, s.line_of_business) for s in precert.scopes()))
    call = Call(request, precert, config, today, index, loaded)
    card_items: list[CardInput] = []
    for position, target in enumerate(targets(request, index)):
        if target.resource is None:
            result.unread += 1
            card_items.append(
                CardInput(
                    target.reference,
                    target.kind,
                    None,
                    f"{target.reference} was not sent with the request (prefetch), and this "
                    "service does not query the EHR, so it has no answer for that order.",
                )
            )
            continue
        extensions: list[JSON] = []
        for whom in call.whom(target.resource):
            assertion = _assess(call, target, whom)
            if assertion is None:
                continue  # coded only in systems this list does not use
            trace = cov.assertion_id(
                request.hook_instance,
                target.reference or str(position),
                (whom.coverage.reference if whom.coverage else None) or "",
                ",".join(assertion.codes),
                ",".join(s.value for s in assertion.statuses),
            )
            no_coverage = None
            if whom.coverage is not None:
                extensions.append(cov.extension(assertion, whom.coverage, today, trace))
            else:
                no_coverage = NO_COVERAGE.format(payer=call.label(whom) or "the default payer")
            card_items.append(
                CardInput(
                    target.reference,
                    target.kind,
                    assertion,
                    no_coverage,
                    payer=call.label(whom),
                    unhandled=_unhandled(whom),
                )
            )
            result.answers.append(
                OrderAnswer(
                    target.kind,
                    assertion.codes,
                    tuple(s.value for s in assertion.statuses),
                    assertion.covered,
                    assertion.pa_needed,
                    trace,
                )
            )
            result.unread += assertion.technical
        if extensions:
            result.body["systemActions"].append(_update(target, extensions))
    default = config.payer or (loaded[0][0] if len(loaded) == 1 else "precert")
    result.body["cards"] = cards(card_items, default, request.max_cards)
    return result


def _unhandled(whom: Resolution) -> str | None:
    """The Coverage's payer precert holds no list of (None for an unreadable Coverage)."""
    return None if whom.unhandled == UNREADABLE else whom.unhandled


def _update(target: Target, extensions: list[JSON]) -> JSON:
    """The system action adding the coverage-information extensions to the order."""
    assert target.resource is not None
    resource = target.resource
    for ext in extensions:
        resource = cov.with_extension(resource, ext)
    said = ", ".join(
        dict.fromkeys(
            str(part.get("valueCode"))
            for ext in extensions
            for part in ext["extension"]
            if part.get("url") == "pa-needed"
        )
    )
    return {
        "type": "update",
        "description": f"Coverage information (prior authorization: {said or 'not covered'}) "
        f"added to the {target.kind}.",
        "resource": resource,
    }


def _assess(call: Call, target: Target, whom: Resolution) -> cov.Assertion | None:
    """The assertion for one order about one Coverage (None: nothing to say)."""
    if whom.unhandled == UNREADABLE and whom.coverage is None:
        return cov.unreadable("the request's Coverage could not be read")
    if whom.unhandled is not None:
        # CRD: a Coverage this service cannot resolve is answered "not covered" with reason
        # coverage-not-found; never with another payer's list (see payers.py).
        return cov.not_found(not_found(whom, call.loaded))
    try:
        return _from_list(call, target, whom)
    except Exception as exc:  # one unreadable order must not cost the others their answer
        return cov.unreadable(type(exc).__name__)


def _from_list(call: Call, target: Target, whom: Resolution) -> cov.Assertion | None:
    assert target.resource is not None
    if target.kind == "Appointment":
        codes = appointment_codes(target.resource, call.index)
    else:
        codes = order_codes(target.resource, call.index)
    if codes.codes:
        try:
            call.precert.scope(whom.payer, whom.line_of_business)
        except ScopeError as exc:  # a payer setting that matches no loaded list
            return cov.unreadable(str(exc))
        when = service_date(target.resource)
        return cov.assess(_determine(call.precert, whom, list(codes.codes), when))
    if codes.problem is not None and target.kind in ORDER_TYPES:
        return cov.unreadable(codes.problem)
    return None  # coded only in systems this list does not use (or an uncoded appointment)


def _determine(
    precert: Precert, whom: Resolution, codes: list[BillingCode], when: dt.date | None
) -> list[Determination]:
    texts = [c.code for c in codes]
    scope = {"payer": whom.payer, "line_of_business": whom.line_of_business, "state": whom.state}
    found = precert.determine(texts, date=when, **scope)
    if len(found) == len(texts):
        return found
    # A code text holding several codes splits into several answers: keep one per coding.
    return [precert.determine_one(t, date=when, **scope) for t in texts]
