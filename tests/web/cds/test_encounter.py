"""encounter-start and encounter-discharge: the encounter's prefetched orders, answered as at
order-sign, on the real Inferno request bodies."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from precert.web.cds.invariants import problems

CRD = Path(__file__).resolve().parents[2] / "fixtures" / "crd"
EXT_URL = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
HOOKS = ("encounter-start", "encounter-discharge")
# Inferno's CRD client suite bodies: the encounter hooks for patient pat015's encounter
# pat015-rad-encounter, and the order-sign bodies for the same patient and encounter, with a
# DeviceRequest for E0250 (hospital bed) and a ServiceRequest for G0180, each draft.
ENCOUNTER_BODY = "inferno_crd_client_suite_v220__{}_request_bodies__0.json"
SIGN_DEVICE = "inferno_crd_client_suite_v220__order_sign_request_bodies__0.json"
SIGN_SERVICE = "inferno_crd_client_suite_v220__order_sign_request_bodies__1.json"


def load(name: str) -> dict[str, Any]:
    """A fresh copy of a real request body."""
    data: dict[str, Any] = json.loads((CRD / name).read_text())
    return data


def encounter_body(hook: str) -> dict[str, Any]:
    """The Inferno body of an encounter hook, with the orders of the same patient and
    encounter that the order-sign bodies carry added to its prefetch, as precert's discovery
    asks (``deviceRequests``, ``serviceRequests``), and the order-sign body's Coverage."""
    data = load(ENCOUNTER_BODY.format(hook.replace("-", "_")))
    device, service = load(SIGN_DEVICE), load(SIGN_SERVICE)
    assert data["context"]["patientId"] == device["context"]["patientId"] == "pat015"
    assert data["context"]["encounterId"] == device["context"]["encounterId"]
    data["prefetch"]["deviceRequests"] = device["context"]["draftOrders"]
    data["prefetch"]["serviceRequests"] = service["context"]["draftOrders"]
    data["prefetch"]["coverage"] = device["prefetch"]["coverage"]
    return data


def without_trace(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource with the coverage-assertion-id (a trace id per call) left out."""
    out = copy.deepcopy(resource)
    for ext in out.get("extension", []):
        if ext["url"] == EXT_URL:
            ext["extension"] = [e for e in ext["extension"] if e["url"] != "coverage-assertion-id"]
    return out


@pytest.mark.parametrize("hook", HOOKS)
def test_prefetched_orders_get_the_order_sign_answer(cds: Any, hook: str) -> None:
    """Each DeviceRequest / ServiceRequest prefetched for the encounter comes back as the same
    update, and the same card, as when the order is signed; valid FHIR, CRD invariants kept."""
    data = encounter_body(hook)
    response = cds.post(f"/cds-services/precert-{hook}", json=data)
    assert response.status_code == 200, response.text
    body = response.json()
    actions = {a["resource"]["id"]: a for a in body["systemActions"]}
    assert sorted(actions) == ["devreq-015-e0250", "servreq-g0180-1"]
    cards = {c["summary"] for c in body["cards"]}
    for name in (SIGN_DEVICE, SIGN_SERVICE):
        signed = cds.post("/cds-services/precert-order-sign", json=load(name)).json()
        (sign_action,) = signed["systemActions"]
        action = actions[sign_action["resource"]["id"]]
        assert action["type"] == "update"
        assert without_trace(action["resource"]) == without_trace(sign_action["resource"])
        (ext,) = [e for e in action["resource"]["extension"] if e["url"] == EXT_URL]
        assert problems(ext) == []
        get_fhir_model_class("Extension").model_validate(ext)
        get_fhir_model_class(action["resource"]["resourceType"]).model_validate(action["resource"])
        assert {c["summary"] for c in signed["cards"]} <= cards
    assert len(body["cards"]) == 2


@pytest.mark.parametrize("hook", HOOKS)
def test_orders_of_another_patient_or_encounter_or_withdrawn_are_left_alone(
    cds: Any, hook: str
) -> None:
    """A prefetch broader than asked for: only this patient's open orders of this encounter
    (or orders naming no encounter) are answered."""
    data = encounter_body(hook)
    entries = data["prefetch"]["deviceRequests"]["entry"]
    template = entries[0]["resource"]
    variants = {
        "other-patient": {"subject": {"reference": "Patient/someone-else"}},
        "other-encounter": {"encounter": {"reference": "Encounter/another-visit"}},
        "revoked": {"status": "revoked"},
        "entered-in-error": {"status": "entered-in-error"},
        "this-encounter": {
            "encounter": {"reference": "https://ehr.example/fhir/Encounter/pat015-rad-encounter"}
        },
        "absolute-patient": {"subject": {"reference": "https://ehr.example/fhir/Patient/pat015"}},
    }
    for rid, change in variants.items():
        entries.append({"resource": {**copy.deepcopy(template), "id": rid, **change}})
    response = cds.post(f"/cds-services/precert-{hook}", json=data)
    assert response.status_code == 200, response.text
    answered = sorted(a["resource"]["id"] for a in response.json()["systemActions"])
    assert answered == [
        "absolute-patient",
        "devreq-015-e0250",
        "servreq-g0180-1",
        "this-encounter",
    ]


@pytest.mark.parametrize("hook", HOOKS)
def test_an_order_sent_twice_is_answered_once(cds: Any, hook: str) -> None:
    """The same order under two prefetch keys gets one update."""
    data = encounter_body(hook)
    data["prefetch"]["more"] = copy.deepcopy(data["prefetch"]["deviceRequests"])
    response = cds.post(f"/cds-services/precert-{hook}", json=data)
    assert len(response.json()["systemActions"]) == 2


@pytest.mark.parametrize("hook", HOOKS)
def test_orders_only_in_the_context_are_not_the_encounter_hooks_business(
    cds: Any, hook: str
) -> None:
    """These hooks have no order context: a draftOrders Bundle slipped into the context is not
    read (only prefetch, which the client filled from precert's templates, is)."""
    data = load(ENCOUNTER_BODY.format(hook.replace("-", "_")))
    data["context"]["draftOrders"] = load(SIGN_DEVICE)["context"]["draftOrders"]
    response = cds.post(f"/cds-services/precert-{hook}", json=data)
    assert response.status_code == 200
    assert response.json() == {"cards": [], "systemActions": []}


@pytest.mark.parametrize("hook", HOOKS)
def test_coverage_info_off_returns_nothing(cds: Any, hook: str) -> None:
    """The ``coverage-info`` configuration option holds for these hooks too."""
    data = encounter_body(hook)
    data["extension"] = {"davinci-crd.configuration": {"coverage-info": False}}
    response = cds.post(f"/cds-services/precert-{hook}", json=data)
    assert response.json() == {"cards": [], "systemActions": []}


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("value", [None, 42, ["pat015-rad-encounter"]])
def test_encounter_id_is_required(cds: Any, hook: str, value: Any) -> None:
    """CDS Hooks makes ``encounterId`` required for both hooks: missing or not a string, 400."""
    data = load(ENCOUNTER_BODY.format(hook.replace("-", "_")))
    if value is None:
        del data["context"]["encounterId"]
    else:
        data["context"]["encounterId"] = value
    response = cds.post(f"/cds-services/precert-{hook}", json=data)
    assert response.status_code == 400
    assert "context.encounterId" in response.json()["detail"]


def test_discovery_offers_both_encounter_hooks_as_the_ig_does(cds: Any) -> None:
    """Both hooks are in the CRD IG's own discovery example; ours ask for the Coverage as it
    does, plus the encounter's open orders (with their Devices), by context tokens only."""
    ig = {s["hook"]: s for s in load("ig/CRDServices.json")["services"]}
    ours = {s["hook"]: s for s in cds.get("/cds-services").json()["services"]}
    for hook in HOOKS:
        assert hook in ig
        prefetch = ours[hook]["prefetch"]
        assert ours[hook]["id"] == f"precert-{hook}"
        assert prefetch["coverage"] == ig[hook]["prefetch"]["coverage"]
        assert set(prefetch) == {"coverage", "deviceRequests", "serviceRequests", "devices"}
        for key in ("deviceRequests", "serviceRequests"):
            query = prefetch[key]
            assert query.startswith(key[0].upper() + key[1:-1] + "?")
            assert "encounter={{context.encounterId}}" in query
            assert "patient={{context.patientId}}" in query
        assert "%deviceRequests" in prefetch["devices"]
        assert "prefetched" in ours[hook]["usageRequirements"]
        assert ours[hook]["extension"] == ours["order-sign"]["extension"]
