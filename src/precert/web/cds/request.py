"""Read one hook call: check the request body, then find the orders it asks about."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from precert.web.cds.discovery import CRD_VERSIONS, OPTION_TYPES, OPTIONS, SERVICES, Service
from precert.web.cds.fhir import (
    JSON,
    ORDER_TYPES,
    ResourceIndex,
    bundle_resources,
    key_of,
    ref_key,
)

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
