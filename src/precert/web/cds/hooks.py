"""Answer one hook call: check the request, find the orders, determine, build the response."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from precert.models import Determination
from precert.service import Precert, ScopeError
from precert.web.cds import coverage as cov
from precert.web.cds.cards import CardInput, cards
from precert.web.cds.config import CdsConfig
from precert.web.cds.discovery import CRD_VERSIONS, OPTION_TYPES, OPTIONS, SERVICES, Service
from precert.web.cds.fhir import (
    JSON,
    ORDER_TYPES,
    BillingCode,
    CoverageRef,
    ResourceIndex,
    appointment_codes,
    bundle_resources,
    index_request,
    key_of,
    order_codes,
    ref_key,
    service_date,
)
from precert.web.cds.payers import Resolution, not_answered, resolve

CONFIGURATION = "davinci-crd.configuration"
REQUESTED_VERSION = "davinci-crd.requestedVersion"
# Hooks whose context names an encounter and carries no orders: orders come from prefetch.
ENCOUNTER_HOOKS = ("encounter-start", "encounter-discharge")
# Order statuses that mean the order no longer stands: nothing to authorize.
_WITHDRAWN = frozenset({"revoked", "entered-in-error"})


class HookError(ValueError):
    """The request cannot be answered as sent (HTTP 400 with this message)."""


# A lone UTF-16 surrogate escape (``"\ud800"``) decodes to a str that cannot be encoded
# back to UTF-8; pairs (emoji from ASCII-only encoders) are fine. Checked only when present.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def load_json(body: bytes) -> Any:
    """Parse a request body as strict JSON (no NaN / Infinity, no number too large for a
    float, no lone surrogate, not nested beyond Python's recursion limit): the answer echoes
    resources back, and such values could not be written out again."""
    try:
        data = json.loads(body, parse_float=_finite, parse_constant=_no_constant)
        if _SURROGATE_ESCAPE.search(body):
            json.dumps(data, ensure_ascii=False).encode()
    except RecursionError:
        raise HookError("the request body is nested too deeply to read") from None
    except (ValueError, UnicodeError) as exc:
        raise HookError(f"the request body is not JSON: {exc}") from None
    return data


@dataclass(frozen=True, slots=True)
class HookRequest:
    """A checked hook call: what to answer and how the client configured the answer."""

    hook: str
    hook_instance: str
    context: Mapping[str, Any]
    prefetch: Mapping[str, Any]
    coverage_info: bool = True
    max_cards: int = 10


def _require(context: Mapping[str, Any], name: str, kind: type, hook: str) -> Any:
    value = context.get(name)
    if value is None:
        raise HookError(f"context.{name} is required for {hook}")
    if not isinstance(value, kind):
        raise HookError(f"context.{name} must be a JSON {_json_name(kind)} for {hook}")
    return value


def _json_name(kind: type) -> str:
    names: dict[type, str] = {str: "string", dict: "object", list: "array"}
    return names.get(kind, kind.__name__)


def _bundle(context: Mapping[str, Any], name: str, hook: str) -> list[JSON]:
    bundle = _require(context, name, dict, hook)
    if bundle.get("resourceType") != "Bundle":
        raise HookError(f"context.{name} must be a FHIR Bundle for {hook}")
    if not isinstance(bundle.get("entry", []), list):
        raise HookError(f"context.{name}.entry must be an array")
    return [resource for _, resource in bundle_resources(bundle)]


def _strings(context: Mapping[str, Any], name: str, hook: str) -> list[str]:
    value = _require(context, name, list, hook)
    if not all(isinstance(v, str) for v in value):
        raise HookError(f"context.{name} must be an array of references (strings)")
    return list(value)


def parse_request(body: bytes, service: Service) -> HookRequest:
    """Check a hook request body for ``service``; raise HookError saying what is wrong."""
    data = load_json(body)
    if not isinstance(data, dict):
        raise HookError("the request body must be a JSON object")
    hook = data.get("hook")
    if not isinstance(hook, str) or not hook:
        raise HookError("'hook' is required (a string)")
    if hook != service.hook:
        raise HookError(_wrong_hook(hook, service))
    instance = data.get("hookInstance")
    if not isinstance(instance, str) or not instance:
        raise HookError("'hookInstance' is required (a string)")
    context = data.get("context")
    if not isinstance(context, dict):
        raise HookError("'context' is required (a JSON object)")
    prefetch = data.get("prefetch") or {}
    if not isinstance(prefetch, dict):
        raise HookError("'prefetch' must be a JSON object")
    coverage_info, max_cards = _configuration(data.get("extension"))
    _require(context, "patientId", str, hook)
    _targets_context(hook, context)  # checks the hook's own context fields
    return HookRequest(hook, instance, context, prefetch, coverage_info, max_cards)


def _wrong_hook(hook: str, service: Service) -> str:
    """Why a hook cannot be posted to ``service``, and where it could go, if anywhere."""
    told = (
        f"hook {hook[:80]!r} is not the hook of service {service.id!r}, which answers "
        f"{service.hook!r}"
    )
    other = next((s for s in SERVICES.values() if s.hook == hook), None)
    if other is not None:
        return f"{told}; post it to {other.id!r} (see GET /cds-services)"
    offered = ", ".join(sorted({s.hook for s in SERVICES.values()}))
    return (
        f"{told}, and no precert service answers it: the CRD hooks offered are {offered} "
        "(see GET /cds-services)"
    )


def _configuration(extension: object) -> tuple[bool, int]:
    defaults: dict[str, Any] = {o.code: o.default for o in OPTIONS}
    if extension is None:
        return defaults["coverage-info"], defaults["max-cards"]
    if not isinstance(extension, dict):
        raise HookError("'extension' must be a JSON object")
    version = extension.get(REQUESTED_VERSION)
    if version is not None and not isinstance(version, str):
        # A JSON number 2.2 would otherwise read "2.2 is not supported ... implements CRD 2.2".
        raise HookError(f'{REQUESTED_VERSION} must be a string, e.g. "{CRD_VERSIONS[0]}"')
    if version is not None and version not in CRD_VERSIONS:
        raise HookError(
            f"{REQUESTED_VERSION} {version!r} is not supported; this service implements "
            f"CRD {', '.join(CRD_VERSIONS)}"
        )
    options = extension.get(CONFIGURATION) or {}
    if not isinstance(options, dict):
        raise HookError(f"{CONFIGURATION} must be a JSON object")
    values = dict(defaults)
    for code, value in options.items():
        kind = OPTION_TYPES.get(code)
        if kind is None:
            continue  # options of other services or later versions are ignored
        if kind == "boolean" and not isinstance(value, bool):
            raise HookError(f"{CONFIGURATION} option {code!r} must be true or false")
        if kind == "integer" and (type(value) is not int or value < 0):
            raise HookError(f"{CONFIGURATION} option {code!r} must be a whole number >= 0")
        values[code] = value
    return bool(values["coverage-info"]), int(values["max-cards"])


@dataclass(frozen=True, slots=True)
class Target:
    """One order (or appointment) the hook is about; ``resource`` None if not sent."""

    kind: str
    reference: str | None
    resource: JSON | None


def _targets_context(hook: str, context: Mapping[str, Any]) -> list[Target] | list[str]:
    """The hook's orders from the context (checked), or references still to resolve."""
    if hook in ("order-sign", "order-select"):
        drafts = _bundle(context, "draftOrders", hook)
        if hook == "order-select":
            chosen = {ref_key(s) for s in _strings(context, "selections", hook)}
            drafts = [r for r in drafts if key_of(r) in chosen]
        return [Target(str(r.get("resourceType")), key_of(r), r) for r in drafts]
    if hook == "appointment-book":
        return [Target("Appointment", key_of(r), r) for r in _bundle(context, "appointments", hook)]
    if hook == "order-dispatch":
        if context.get("dispatchedOrders") is not None:
            return _strings(context, "dispatchedOrders", hook)
        return [_require(context, "order", str, hook)]  # CDS Hooks 1.x order-dispatch
    if hook in ENCOUNTER_HOOKS:
        _require(context, "encounterId", str, hook)
        return []  # the context names the encounter only; its orders come from prefetch
    raise HookError(f"hook {hook!r} is not supported")


def _names(reference: object, kind: str, ident: str) -> bool:
    """False only when ``reference`` is a literal reference to a ``kind`` other than ``ident``."""
    key = ref_key(reference.get("reference") if isinstance(reference, dict) else None)
    if key is None or key.startswith(("#", "urn:")):
        return True  # no literal reference: nothing says the order is about someone else
    ident = ref_key(ident) or f"{kind}/{ident}"  # patientId may come as "Patient/123"
    return key == ident


def _encounter_orders(request: HookRequest) -> list[Target]:
    """The orders the client prefetched for an encounter hook, in the order sent, each once,
    leaving out withdrawn ones and any that name another patient or encounter (a prefetch
    broader than asked for must not put one person's answer on another's order)."""
    patient = str(request.context["patientId"])
    encounter = str(request.context["encounterId"])
    found: dict[str, Target] = {}
    for value in request.prefetch.values():
        for _, resource in bundle_resources(value):
            kind, key = resource.get("resourceType"), key_of(resource)
            status = resource.get("status")
            if kind not in ORDER_TYPES or key is None or key in found:
                continue
            if isinstance(status, str) and status in _WITHDRAWN:
                continue
            if _names(resource.get("subject"), "Patient", patient) and _names(
                resource.get("encounter"), "Encounter", encounter
            ):
                found[key] = Target(str(kind), key, resource)
    return list(found.values())


def targets(request: HookRequest, index: ResourceIndex) -> list[Target]:
    """Every order or appointment this call asks about, resolved from the request."""
    if request.hook in ENCOUNTER_HOOKS:
        return _encounter_orders(request)
    found = _targets_context(request.hook, request.context)
    out: list[Target] = []
    for item in found:
        if isinstance(item, Target):
            if item.kind in (*ORDER_TYPES, "Appointment"):
                out.append(item)
            continue
        key = ref_key(item)
        kind = key.split("/")[0] if key else ""
        if kind in ORDER_TYPES:
            out.append(Target(kind, key, index.get(item)))
    return out


@dataclass(frozen=True, slots=True)
class OrderAnswer:
    """What was answered for one order (for the call log: no identifiers)."""

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


@dataclass(frozen=True, slots=True)
class Call:
    """What every order of one call is answered with."""

    request: HookRequest
    precert: Precert
    config: CdsConfig
    today: dt.date
    index: ResourceIndex
    loaded: tuple[tuple[str, str], ...]  # (payer, line of business) of every loaded list

    def whom(self, order: JSON) -> Resolution:
        """Whose list answers ``order`` (its Coverage's payer, else the configured default)."""
        return resolve(
            order,
            self.index,
            self.request.context,
            self.config.payers,
            self.loaded,
            (self.config.payer, self.config.line_of_business),
        )


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
        try:
            whom = call.whom(target.resource)
        except Exception as exc:  # one unreadable Coverage must not cost the others an answer
            unreadable = CoverageRef(None, f"unreadable Coverage ({type(exc).__name__})")
            whom = Resolution(unreadable, None, None, None, unhandled="an unreadable Coverage")
        if whom.unhandled is not None:
            # CRD: this service answers only for payers it holds lists of; asserting anything
            # about another payer's Coverage (or answering with a list of ours) would mislead.
            card_items.append(
                CardInput(
                    target.reference,
                    target.kind,
                    None,
                    not_answered(whom, call.loaded),
                    payer=whom.unhandled,
                    unhandled=whom.unhandled,
                )
            )
            continue
        try:
            item = _answer_one(call, target, position, whom)
        except Exception as exc:  # one unreadable order must not cost the others their answer
            item = _build(call, target, position, cov.unreadable(type(exc).__name__), whom)
        if item is None:
            continue
        action, card_input, logged = item
        result.body["systemActions"].append(action)
        card_items.append(card_input)
        result.answers.append(logged)
        result.unread += card_input.assertion is not None and card_input.assertion.technical
    default = config.payer or (loaded[0][0] if len(loaded) == 1 else "precert")
    result.body["cards"] = cards(card_items, default, request.max_cards)
    return result


def _answer_one(call: Call, target: Target, position: int, whom: Resolution) -> Built | None:
    assert target.resource is not None
    if target.kind == "Appointment":
        codes = appointment_codes(target.resource, call.index)
    else:
        codes = order_codes(target.resource, call.index)
    if codes.codes:
        try:
            call.precert.scope(whom.payer, whom.line_of_business)
        except ScopeError as exc:  # a payer setting that matches no loaded list
            return _build(call, target, position, cov.unreadable(str(exc)), whom)
        when = service_date(target.resource)
        answers = _determine(call.precert, whom, list(codes.codes), when)
        return _build(call, target, position, cov.assess(answers), whom)
    if codes.problem is not None and target.kind in ORDER_TYPES:
        return _build(call, target, position, cov.unreadable(codes.problem), whom)
    return None  # coded only in systems this list does not use (or an uncoded appointment)


Built = tuple[JSON, CardInput, OrderAnswer]


def _build(
    call: Call, target: Target, position: int, assertion: cov.Assertion, whom: Resolution
) -> Built:
    assert target.resource is not None
    coverage = whom.coverage
    trace = cov.assertion_id(
        call.request.hook_instance,
        target.reference or str(position),
        coverage.reference or "",
        ",".join(assertion.codes),
        ",".join(s.value for s in assertion.statuses),
    )
    ext = cov.extension(assertion, coverage, call.today, trace)
    action = {
        "type": "update",
        "description": f"Coverage information (prior authorization: {assertion.pa_needed}) "
        f"added to the {target.kind}.",
        "resource": cov.with_extension(target.resource, ext),
    }
    logged = OrderAnswer(
        target.kind,
        assertion.codes,
        tuple(s.value for s in assertion.statuses),
        assertion.covered,
        assertion.pa_needed,
        trace,
    )
    payer = whom.payer or call.config.payer
    if payer is None and len(call.loaded) == 1:
        payer = call.loaded[0][0]
    return action, CardInput(target.reference, target.kind, assertion, payer=payer), logged
