"""Read the FHIR resources of a CDS Hooks request: references, prefetch, order codes, coverage."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from precert.codes import split_queries

JSON = dict[str, Any]

HCPCS_URI = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CPT_URI = "http://www.ama-assn.org/go/cpt"
BILLING_OPTIONS = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-billing-options"
ALTERNATE_REFERENCE = "http://hl7.org/fhir/StructureDefinition/alternate-reference"

# Code system URIs seen in the wild for HCPCS Level II and CPT, compared without their
# scheme and case: CMS's release page (https and http), Blue Button's, HL7 THO's, the OIDs.
# Comparing past the "://" also accepts the "hhttps://" typo in the HL7 reference
# implementation's own test requests, which name the CMS URI and nothing else.
_SYSTEMS = {
    "www.cms.gov/medicare/coding/hcpcsreleasecodesets": "HCPCS",
    "bluebutton.cms.gov/resources/codesystem/hcpcs": "HCPCS",
    "terminology.hl7.org/codesystem/hcpcs": "HCPCS",
    "terminology.hl7.org/codesystem/hcpcs-all-codes": "HCPCS",
    "urn:oid:2.16.840.1.113883.6.285": "HCPCS",
    "urn:oid:2.16.840.1.113883.6.14": "HCPCS",
    "www.ama-assn.org/go/cpt": "CPT",
    "urn:oid:2.16.840.1.113883.6.12": "CPT",
}
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://")
# FHIR dates may be partial (YYYY, YYYY-MM): the service then starts on the first day.
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?![\d])")

# Orders this service answers for, and where each keeps its code.
ORDER_TYPES = ("DeviceRequest", "ServiceRequest")


def billing_system(system: object) -> str | None:
    """``"HCPCS"`` or ``"CPT"`` when ``system`` is one of their code system URIs, else None."""
    if not isinstance(system, str):
        return None
    text = system.strip().lower().rstrip("/")
    if not text.startswith("urn:"):
        text = _SCHEME.sub("", text)
    return _SYSTEMS.get(text)


def ref_key(reference: object) -> str | None:
    """``Type/id`` for a literal reference (relative, absolute, or with ``_history``);
    ``#id`` for a contained one; None when it is not a usable reference string."""
    if not isinstance(reference, str) or not reference.strip():
        return None
    text = reference.strip()
    if text.startswith("#") or text.startswith("urn:"):
        return text
    parts = [p for p in text.split("?")[0].split("/") if p]
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) < 2:
        return None
    return f"{parts[-2]}/{parts[-1]}"


def key_of(resource: Mapping[str, Any]) -> str | None:
    """``Type/id`` of a resource, or None when it has no id."""
    rtype, rid = resource.get("resourceType"), resource.get("id")
    if isinstance(rtype, str) and isinstance(rid, str) and rid:
        return f"{rtype}/{rid}"
    return None


def bundle_resources(value: object) -> Iterator[tuple[str | None, JSON]]:
    """``(fullUrl, resource)`` for each entry of a Bundle, or the value itself if a resource."""
    if not isinstance(value, dict):
        return
    if value.get("resourceType") == "Bundle":
        entries = value.get("entry")
        if not isinstance(entries, list):
            return
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                full_url = entry.get("fullUrl")
                yield (full_url if isinstance(full_url, str) else None), entry["resource"]
    elif isinstance(value.get("resourceType"), str):
        yield None, value


@dataclass
class ResourceIndex:
    """Every resource the client sent (prefetch and context), found by reference."""

    by_key: dict[str, JSON] = field(default_factory=dict)

    def add(self, value: object) -> None:
        """Index a resource or each resource of a Bundle (first one wins on duplicates)."""
        for full_url, resource in bundle_resources(value):
            for key in (key_of(resource), ref_key(full_url)):
                if key is not None:
                    self.by_key.setdefault(key, resource)

    def get(self, reference: object, container: Mapping[str, Any] | None = None) -> JSON | None:
        """The resource a reference points to: contained in ``container``, or sent by the client."""
        key = ref_key(reference)
        if key is None:
            return None
        if key.startswith("#"):
            contained = container.get("contained") if container else None
            for item in contained if isinstance(contained, list) else ():
                if isinstance(item, dict) and item.get("id") == key[1:]:
                    return item
            return None
        return self.by_key.get(key)

    def of_type(self, resource_type: str) -> list[JSON]:
        """Every distinct indexed resource of one type, in the order first seen."""
        seen: dict[int, JSON] = {}
        for resource in self.by_key.values():
            if resource.get("resourceType") == resource_type:
                seen.setdefault(id(resource), resource)
        return list(seen.values())


def index_request(context: Mapping[str, Any], prefetch: object) -> ResourceIndex:
    """Index the prefetch first (the client's search results), then resources in the context."""
    index = ResourceIndex()
    if isinstance(prefetch, dict):
        for value in prefetch.values():
            index.add(value)
    for value in context.values():
        if isinstance(value, list):
            for item in value:
                index.add(item)
        else:
            index.add(value)
    return index


@dataclass(frozen=True, slots=True)
class BillingCode:
    """One HCPCS or CPT code found on an order, as the client sent it."""

    system: str  # "HCPCS" or "CPT"
    code: str
    uri: str  # the client's system URI


@dataclass(frozen=True, slots=True)
class OrderCodes:
    """What an order says it is: billing codes, whether it has other codes, or why unreadable."""

    codes: tuple[BillingCode, ...] = ()
    other_codes: bool = False
    problem: str | None = None


def _codings(concept: object) -> list[JSON] | None:
    """The codings of a CodeableConcept; None when the value is not a CodeableConcept."""
    if not isinstance(concept, dict):
        return None
    codings = concept.get("coding", [])
    if not isinstance(codings, list):
        return None
    return [c for c in codings if isinstance(c, dict)]


def _billing_options(concept: object) -> list[JSON]:
    """Codings of CRD's ext-billing-options extensions on a CodeableConcept."""
    out: list[JSON] = []
    extensions = concept.get("extension") if isinstance(concept, dict) else None
    for ext in extensions if isinstance(extensions, list) else ():
        if isinstance(ext, dict) and ext.get("url") == BILLING_OPTIONS:
            out.extend(_codings(ext.get("valueCodeableConcept")) or [])
    return out


def _split(codings: list[JSON]) -> tuple[list[BillingCode], bool]:
    found: list[BillingCode] = []
    other = False
    for coding in codings:
        system = billing_system(coding.get("system"))
        code = coding.get("code")
        if system is not None and isinstance(code, str) and code.strip():
            item = BillingCode(system, code.strip(), str(coding.get("system")))
            if item not in found:
                found.append(item)
        elif isinstance(code, str) and code.strip():
            other = True
    return found, other


def _concept_codes(concept: object, where: str) -> OrderCodes:
    codings = _codings(concept)
    if codings is None:
        return OrderCodes(problem=f"{where} is not a CodeableConcept")
    found, other = _split(codings)
    if not found:
        # CRD lets a request carry its possible billing codes beside a clinical code.
        found, _ = _split(_billing_options(concept))
    several = [c.code for c in found if len(split_queries(c.code)) > 1]
    if several:
        # "E0250 E0466" in one coding: answering only the first would hide the other's answer.
        return OrderCodes(problem=f"{where} code {several[0]!r} holds several codes, not one")
    if not found and not other:
        text = concept.get("text") if isinstance(concept, dict) else None
        said = f" (only the text {text!r})" if isinstance(text, str) and text else ""
        return OrderCodes(problem=f"{where} carries no coded item{said}")
    return OrderCodes(tuple(found), other)


def order_codes(resource: Mapping[str, Any], index: ResourceIndex) -> OrderCodes:
    """The billing codes of a DeviceRequest or ServiceRequest (never raises)."""
    rtype = resource.get("resourceType")
    if rtype == "ServiceRequest":
        if "code" not in resource:
            return OrderCodes(problem="ServiceRequest.code is missing")
        return _concept_codes(resource["code"], "ServiceRequest.code")
    if rtype == "DeviceRequest":
        if "codeCodeableConcept" in resource:
            return _concept_codes(
                resource["codeCodeableConcept"], "DeviceRequest.codeCodeableConcept"
            )
        if "codeReference" in resource:
            ref = resource["codeReference"]
            target = ref.get("reference") if isinstance(ref, dict) else None
            device = index.get(target, resource)
            if device is None or device.get("resourceType") != "Device":
                return OrderCodes(
                    problem=f"DeviceRequest.codeReference {target!r} is not a Device sent "
                    "with the request (prefetch or contained)"
                )
            return _device_codes(device)
        return OrderCodes(problem="DeviceRequest has no code")
    return OrderCodes()


def _device_codes(device: Mapping[str, Any]) -> OrderCodes:
    # Device.type is one CodeableConcept in R4 and a list in R5; accept both.
    kinds = device.get("type")
    concepts = kinds if isinstance(kinds, list) else [kinds] if kinds is not None else []
    found: list[BillingCode] = []
    other = False
    for concept in concepts:
        codes = _concept_codes(concept, "Device.type")
        found.extend(c for c in codes.codes if c not in found)
        other = other or codes.other_codes
    if not found and not other:
        return OrderCodes(problem="the referenced Device has no coded type")
    return OrderCodes(tuple(found), other)


def appointment_codes(appointment: Mapping[str, Any], index: ResourceIndex) -> OrderCodes:
    """Billing codes of an Appointment: its service types, else the orders it is based on."""
    found: list[BillingCode] = []
    kinds = appointment.get("serviceType")
    for concept in kinds if isinstance(kinds, list) else ():
        found.extend(c for c in _concept_codes(concept, "serviceType").codes if c not in found)
    if found:
        return OrderCodes(tuple(found))
    based_on = appointment.get("basedOn")
    for ref in based_on if isinstance(based_on, list) else ():
        if not isinstance(ref, dict):
            continue
        targets = [ref.get("reference")]
        for ext in ref.get("extension") or []:
            if isinstance(ext, dict) and ext.get("url") == ALTERNATE_REFERENCE:
                value = ext.get("valueReference")
                targets.append(value.get("reference") if isinstance(value, dict) else None)
        for target in targets:
            order = index.get(target, appointment)
            if order is not None and order.get("resourceType") in ORDER_TYPES:
                found.extend(c for c in order_codes(order, index).codes if c not in found)
    return OrderCodes(tuple(found))


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    match = _DATE.match(value.strip())
    if match is None:
        return None
    try:
        return dt.date(*(int(g) if g else 1 for g in match.groups()))
    except ValueError:
        return None


def service_date(resource: Mapping[str, Any]) -> dt.date | None:
    """When the service is to happen, if the order or appointment says (else None)."""
    candidates: list[object] = [resource.get("occurrenceDateTime"), resource.get("start")]
    period = resource.get("occurrencePeriod")
    if isinstance(period, dict):
        candidates.append(period.get("start"))
    timing = resource.get("occurrenceTiming")
    if isinstance(timing, dict) and isinstance(timing.get("event"), list) and timing["event"]:
        candidates.append(timing["event"][0])
    for value in candidates:
        found = _date(value)
        if found is not None:
            return found
    return None


@dataclass(frozen=True, slots=True)
class CoverageRef:
    """The client's Coverage an assertion is about (a reference, or a description if none)."""

    reference: str | None
    display: str | None = None

    def to_fhir(self) -> JSON:
        """A FHIR Reference to the Coverage."""
        out: JSON = {}
        if self.reference is not None:
            out["reference"] = self.reference
        else:
            out["type"] = "Coverage"
        if self.display:
            out["display"] = self.display
        return out
