"""The CDS Hooks discovery document: one CRD 2.2 service per supported hook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CRD_VERSIONS = ("2.2",)
COVERAGE_PREFETCH = "Coverage?patient={{context.patientId}}&status=active"


@dataclass(frozen=True, slots=True)
class Option:
    """A configuration option a client may send in ``davinci-crd.configuration``."""

    code: str
    type: str  # "boolean" | "integer"
    name: str
    description: str
    default: bool | int

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of one ``davinci-crd.configuration-options`` entry."""
        return {
            "code": self.code,
            "type": self.type,
            "name": self.name,
            "description": self.description,
            "default": self.default,
        }


OPTIONS = (
    Option(
        "coverage-info",
        "boolean",
        "Coverage Information",
        "Whether each order needs prior authorization under the payer's published list, with "
        "where to send it and the list page it comes from (system actions and cards).",
        True,
    ),
    Option(
        "max-cards",
        "integer",
        "Maximum cards",
        "The most cards returned; orders that need authorization come first. 0 returns "
        "system actions only.",
        10,
    ),
)
OPTION_TYPES = {o.code: o.type for o in OPTIONS}


@dataclass(frozen=True, slots=True)
class Service:
    """One CDS service: its id, hook and discovery entry."""

    id: str
    hook: str
    title: str
    description: str
    prefetch: tuple[tuple[str, str], ...]
    usage: str = (
        "Orders are answered from the codes in the context; prefetch is used when present and "
        "never required."
    )

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of the service in ``GET /cds-services``."""
        return {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "prefetch": dict(self.prefetch),
            "usageRequirements": self.usage,
            "extension": {
                "davinci-crd.version": list(CRD_VERSIONS),
                "davinci-crd.configuration-options": [o.to_dict() for o in OPTIONS],
            },
        }


_DEVICES = (
    "Device?_id={{context.draftOrders.entry.resource.ofType(DeviceRequest).code.resolve().id}}"
)
# CRD 2.2 gives encounter-start and encounter-discharge no orders in the context, and its
# example discovery (Binary/CRDServices) prefetches only the patient, encounter, coverage and
# the people and places around them: nothing a code list can answer. The equipment ordered in
# the encounter (a hospital bed or oxygen for home, at discharge) is what it can answer, so
# those orders are asked for, with their Devices; clients that do not prefetch them get an
# empty answer. The Encounter itself is not asked for: precert reads nothing from it.
_OPEN_ORDERS = (
    "patient={{context.patientId}}&encounter={{context.encounterId}}&status=draft,active,on-hold"
)
_ENCOUNTER_PREFETCH = (
    ("coverage", COVERAGE_PREFETCH),
    ("deviceRequests", f"DeviceRequest?{_OPEN_ORDERS}"),
    ("serviceRequests", f"ServiceRequest?{_OPEN_ORDERS}"),
    ("devices", "Device?_id={{%deviceRequests.entry.resource.code.resolve().id}}"),
)
_ENCOUNTER_USAGE = (
    "The context of this hook names the encounter only: the encounter's orders are answered "
    "when prefetched (deviceRequests, serviceRequests); without them the answer is empty. "
    "Prefetch is never required."
)

SERVICES: dict[str, Service] = {
    s.id: s
    for s in (
        Service(
            "precert-order-sign",
            "order-sign",
            "precert: prior authorization when orders are signed",
            "For each DeviceRequest or ServiceRequest with a HCPCS or CPT code: does it need "
            "prior authorization under the payer's published list, where to send the request, "
            "and the page of the list that says so (CRD coverage-information).",
            (("coverage", COVERAGE_PREFETCH), ("devices", _DEVICES)),
        ),
        Service(
            "precert-order-select",
            "order-select",
            "precert: prior authorization when orders are selected",
            "The same answer as order-sign for the orders just selected.",
            (("coverage", COVERAGE_PREFETCH), ("devices", _DEVICES)),
        ),
        Service(
            "precert-order-dispatch",
            "order-dispatch",
            "precert: prior authorization when orders are dispatched to a supplier",
            "The answer for each dispatched DeviceRequest or ServiceRequest, read from prefetch.",
            (
                ("coverage", COVERAGE_PREFETCH),
                (
                    "deviceRequests",
                    "DeviceRequest?_id={{context.dispatchedOrders.resolve().ofType(DeviceRequest).id}}",
                ),
                (
                    "serviceRequests",
                    "ServiceRequest?_id={{context.dispatchedOrders.resolve().ofType(ServiceRequest).id}}",
                ),
            ),
        ),
        Service(
            "precert-appointment-book",
            "appointment-book",
            "precert: prior authorization when appointments are booked",
            "The answer for appointments whose service type, or the ServiceRequest they are "
            "based on, carries a HCPCS or CPT code.",
            (
                ("coverage", COVERAGE_PREFETCH),
                (
                    "serviceRequests",
                    "ServiceRequest?_id={{context.appointments.entry.resource.basedOn.resolve().ofType(ServiceRequest).id}}",
                ),
            ),
        ),
        Service(
            "precert-encounter-start",
            "encounter-start",
            "precert: prior authorization for the encounter's orders when it starts",
            "The answer for each DeviceRequest or ServiceRequest of the encounter that the "
            "client prefetches (deviceRequests, serviceRequests); none prefetched, no answer.",
            _ENCOUNTER_PREFETCH,
            _ENCOUNTER_USAGE,
        ),
        Service(
            "precert-encounter-discharge",
            "encounter-discharge",
            "precert: prior authorization for the encounter's orders at discharge",
            "The answer for each DeviceRequest or ServiceRequest of the encounter that the "
            "client prefetches, such as equipment ordered for home; none prefetched, no answer.",
            _ENCOUNTER_PREFETCH,
            _ENCOUNTER_USAGE,
        ),
    )
}


def discovery() -> dict[str, Any]:
    """The body of ``GET /cds-services``."""
    return {"services": [s.to_dict() for s in SERVICES.values()]}
