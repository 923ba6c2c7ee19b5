"""Every real hook request in tests/fixtures/crd (Inferno, CRD IG, HL7 RI), checked."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from precert.models import Status
from precert.service import Precert
from precert.web.cds.coverage import MAPPING
from precert.web.cds.invariants import problems

CRD = Path(__file__).resolve().parents[2] / "fixtures" / "crd"
EXT_URL = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
SERVICE_OF = {
    "order-sign": "precert-order-sign",
    "order-select": "precert-order-select",
    "order-dispatch": "precert-order-dispatch",
    "appointment-book": "precert-appointment-book",
    "encounter-start": "precert-encounter-start",
    "encounter-discharge": "precert-encounter-discharge",
}


def coverage_extensions(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The coverage-information extensions on a resource."""
    return [e for e in resource.get("extension") or [] if e.get("url") == EXT_URL]


def sub(ext: dict[str, Any], url: str) -> list[Any]:
    """The values of one sub-extension."""
    return [
        next(v for k, v in part.items() if k.startswith("value"))
        for part in ext["extension"]
        if part["url"] == url
    ]


# What the published Cigna list says about each code these requests carry, read off the
# document itself (status, and the line of cigna-commercial-dme.txt where it is found).
LIST_SAYS = {
    "E0431": Status.OUT_OF_SCOPE,  # oxygen: "Out Of Scope"
    "E0424": Status.OUT_OF_SCOPE,
    "E0250": Status.OUT_OF_SCOPE,  # hospital bed: "Out Of Scope"
    "E0110": Status.NOT_LISTED,  # forearm crutches: on no row of the list
    "G0180": Status.NOT_LISTED,  # home health certification: not a DME code
    "77061": Status.NOT_LISTED,  # CPT mammography codes (CRD's billing-options example)
    "77062": Status.NOT_LISTED,
    "77065": Status.NOT_LISTED,
    "77066": Status.NOT_LISTED,
}
# Not a CDS Hooks or CRD hook: Inferno's CRD test kit made it up for the unit tests of its own
# prefetch-token replacement and FHIRPath-on-request helpers (spec/fixtures, read by
# replace_tokens_spec.rb and fhirpath_on_cds_request_spec.rb); Inferno never sends it to a
# server, so there is nothing to answer. It stays a 400 naming the hook.
NOT_CRD = {"fancy-structure"}
T = "technical"
# file -> the updates expected: (resource, billing codes or "technical", coverage reference)
EXPECTED: dict[str, list[tuple[str, tuple[str, ...] | str, str | None]]] = {
    "ig/CRDServiceRequest.json": [
        ("ServiceRequest/1357", ("77061", "77062", "77065", "77066"), "Coverage/COV1"),
        ("ServiceRequest/2468", ("E0431",), "Coverage/COV1"),
    ],
    "ig/CRDServiceRequest2.json": [],  # coverage-info: false, and only MedicationRequests
    "ig/CRDServiceRequest3.json": [],  # a CommunicationRequest
    "ig/CRDServiceRequest4.json": [],  # an appointment with a service-type code only
    "inferno-spec/appointment_book_hook_request.json": [],
    # Encounter hooks: the context names the encounter only; the IG example sends no
    # prefetch, the Inferno client suite only the Encounter (SNOMED-coded): no orders.
    "inferno-spec/encounter_discharge_hook_request.json": [],
    "inferno-spec/encounter_start_hook_request.json": [],
    "inferno-spec/order_dispatch_hook_request.json": [],  # the order is not in the request
    "inferno-spec/order_select_hook_request.json": [],  # nutrition and medication orders
    "inferno-spec/order_sign_hook_request.json": [],
    "inferno_220_appointment-book-request_complete-prefetch.json": [],
    "inferno_220_order-dispatch-request_complete-prefetch.json": [
        ("DeviceRequest/forprefetch-rol", T, "Coverage/forprefetch"),
        ("DeviceRequest/forprefetch-pra", T, "Coverage/forprefetch"),
        ("ServiceRequest/forprefetch-rol", T, "Coverage/forprefetch"),
        ("ServiceRequest/forprefetch-pra", T, "Coverage/forprefetch"),
    ],
    "inferno_220_order-select-request_complete-prefetch.json": [
        ("DeviceRequest/forprefetch-rol", T, "Coverage/forprefetch"),
        ("DeviceRequest/forprefetch-pra", T, "Coverage/forprefetch"),
        ("ServiceRequest/forprefetch-pra", T, "Coverage/forprefetch"),
        ("ServiceRequest/forprefetch-rol", T, "Coverage/forprefetch"),
    ],
    "inferno_220_order-sign-request_complete-prefetch.json": [
        ("DeviceRequest/forprefetch-rol", T, "Coverage/forprefetch"),
        ("DeviceRequest/forprefetch-pra", T, "Coverage/forprefetch"),
        ("ServiceRequest/forprefetch-pra", T, "Coverage/forprefetch"),
        ("ServiceRequest/forprefetch-rol", T, "Coverage/forprefetch"),
    ],
    "inferno_crd_client_suite_v220__any_hook_request_body__0.json": [],
    "inferno_crd_client_suite_v220__appointment_book_request_bodies__0.json": [],
    "inferno_crd_client_suite_v220__appointment_book_request_bodies__1.json": [],
    "inferno_crd_client_suite_v220__encounter_discharge_request_bodies__0.json": [],
    "inferno_crd_client_suite_v220__encounter_start_request_bodies__0.json": [],
    "inferno_crd_client_suite_v220__order_dispatch_request_bodies__0.json": [
        ("ServiceRequest/servreq-g0180-1", ("G0180",), "Coverage/cov015")
    ],
    "inferno_crd_client_suite_v220__order_dispatch_request_bodies__1.json": [
        ("DeviceRequest/devreq015", ("E0424",), "Coverage/cov015")
    ],
    "inferno_crd_client_suite_v220__order_select_request_bodies__0.json": [],
    "inferno_crd_client_suite_v220__order_select_request_bodies__1.json": [],
    "inferno_crd_client_suite_v220__order_sign_request_bodies__0.json": [
        ("DeviceRequest/devreq-015-e0250", ("E0250",), "Coverage/cov015")
    ],
    "inferno_crd_client_suite_v220__order_sign_request_bodies__1.json": [
        ("ServiceRequest/servreq-g0180-1", ("G0180",), "Coverage/cov015")
    ],
    "ri/resources_src_test_resources_org_hl7_davinci_r4_crdhook_ordersign_"
    "requestWithHydratedPrefetchBundle.json": [
        ("DeviceRequest/24439", ("E0424",), "Coverage/1234")
    ],
    # The RI's request names the CMS system "hhttps://...": still recognised.
    "ri/server_src_test_resources_deviceRequestEmptyPrefetch_r4.json": [
        ("DeviceRequest/123", ("E0250",), "Coverage/c3d24ccd-ad1b-480e-9545-bbf35a3d89ff")
    ],
    # The order's own insurance wins over a prefetched Coverage of another member.
    "ri/server_src_test_resources_deviceRequestFullPrefetchWithCoverage_r4.json": [
        ("DeviceRequest/123", ("E0250",), "Coverage/c3d24ccd-ad1b-480e-9545-bbf35a3d89ff")
    ],
    "ri/server_src_test_resources_deviceRequestFullPrefetch_r4.json": [
        ("DeviceRequest/123", ("E0250",), "Coverage/c3d24ccd-ad1b-480e-9545-bbf35a3d89ff")
    ],
    "ri/server_src_test_resources_requests_deviceRequestNoPrefetch.json": [
        ("DeviceRequest/dr123", ("E0110",), "Coverage/c3d24ccd-ad1b-480e-9545-bbf35a3d89ff")
    ],
    "ri/server_src_test_resources_requests_deviceRequestPrefetch.json": [
        ("DeviceRequest/dr123", ("E0110",), "Coverage/c3d24ccd-ad1b-480e-9545-bbf35a3d89ff")
    ],
    "ri_crd_server__order_dispatch_request_bodies__1.json": [
        ("DeviceRequest/devreq015", ("E0424",), "Coverage/cov015")
    ],
    "ri_crd_server__order_sign_request_bodies__0.json": [
        ("DeviceRequest/devreq-015-e0250", ("E0250",), "Coverage/cov015")
    ],
}
# Requests whose Coverage names a payer by name: that payer's list answers (the others carry a
# made-up example payer mapped to Cigna, or no readable payer: the configured default, Cigna).
# The HL7 RI's Coverage names its payor Organization "Centers for Medicare and Medicaid
# Services" (sent in prefetch): Medicare's list answers those.
PAYER_OF = {
    f"ri/server_src_test_resources_{name}.json": "Medicare"
    for name in (
        "deviceRequestFullPrefetchWithCoverage_r4",
        "deviceRequestFullPrefetch_r4",
        "requests_deviceRequestPrefetch",
    )
}
# Orders the request names but does not carry: a card says so, no update can be made.
UNSENT = {"inferno-spec/order_dispatch_hook_request.json": ["ServiceRequest/example"]}


def hook_requests() -> list[tuple[str, dict[str, Any]]]:
    """Every file under the folder that is a CDS Hooks request (hook + hookInstance + context)."""
    found = []
    for path in sorted(CRD.rglob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and {"hook", "hookInstance", "context"} <= data.keys():
            found.append((str(path.relative_to(CRD)), data))
    return found


REQUESTS = hook_requests()


def test_the_folder_holds_the_expected_requests() -> None:
    """34 hook requests: 33 for the six CRD hooks, all offered here, and Inferno's made-up one."""
    assert CRD.is_dir(), f"the conformance fixtures are missing: {CRD}"
    names = [name for name, _ in REQUESTS]
    assert len(names) == 34
    not_crd = sorted(n for n, d in REQUESTS if d["hook"] in NOT_CRD)
    assert not_crd == ["inferno-spec/fancy_structure_hook_request.json"]
    assert sorted(EXPECTED) == sorted(n for n in names if n not in not_crd)
    assert {d["hook"] for n, d in REQUESTS if n in EXPECTED} == set(SERVICE_OF)
    every_json = list(CRD.rglob("*.json"))
    assert len(every_json) == 54  # the other 20: responses, examples, discovery, a bare context


def _validates(resource: dict[str, Any]) -> bool:
    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except ValidationError:
        return False
    return True


def _orders_in(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every resource in the request by Type/id (context first, then prefetch)."""
    out: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("resourceType"), str) and isinstance(node.get("id"), str):
                out.setdefault(f"{node['resourceType']}/{node['id']}", node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data.get("context"))
    walk(data.get("prefetch"))
    return out


@pytest.mark.parametrize(("name", "data"), REQUESTS, ids=[n for n, _ in REQUESTS])
def test_post_every_real_request(
    name: str, data: dict[str, Any], crd: Any, two_payers: Precert
) -> None:
    """Each real request for a CRD hook: 200 with one valid update per answered order, from
    the list of its Coverage's payer; the one that is not for a CRD hook: 400 naming it."""
    original = copy.deepcopy(data)
    service_id = SERVICE_OF.get(data["hook"], "precert-order-sign")
    payer = PAYER_OF.get(name, "Cigna")
    response = crd.post(f"/cds-services/{service_id}", content=(CRD / name).read_bytes())
    if data["hook"] in NOT_CRD:
        assert response.status_code == 400
        assert data["hook"] in response.json()["detail"]
        return
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["cards"], list) and isinstance(body["systemActions"], list)
    expected = EXPECTED[name]
    actions = body["systemActions"]
    assert len(actions) == len(expected)
    sent = _orders_in(original)
    by_key = {f"{a['resource']['resourceType']}/{a['resource']['id']}": a for a in actions}
    assert sorted(by_key) == sorted(key for key, _, _ in expected)
    for key, codes, coverage in expected:
        action = by_key[key]
        assert action["type"] == "update" and action["description"]
        resource = action["resource"]
        before = sent[key]
        # The order comes back unchanged but for one added coverage-information extension.
        assert {k: v for k, v in resource.items() if k != "extension"} == {
            k: v for k, v in before.items() if k != "extension"
        }
        assert resource["extension"][: len(before.get("extension", []))] == before.get(
            "extension", []
        )
        (ext,) = coverage_extensions(resource)
        assert ext is resource["extension"][-1]
        assert problems(ext) == [], problems(ext)
        get_fhir_model_class("Extension").model_validate(ext)
        if _validates(before):  # some real requests carry invalid FHIR; ours adds none
            assert _validates(resource)
        assert sub(ext, "coverage") == [{"reference": coverage}]
        if codes == T:
            assert sub(ext, "covered") == ["indeterminate"]
            assert sub(ext, "pa-needed") == ["indeterminate"]
            (reason,) = sub(ext, "reason")
            assert reason["coding"][0]["code"] == "technical" and reason["text"]
            assert sub(ext, "billingCode") == []
            continue
        assert tuple(c["code"] for c in sub(ext, "billingCode")) == codes
        # The answer is the shared determination's for the Coverage's payer, not a second
        # opinion, and never another payer's.
        answers = two_payers.determine(list(codes), payer=payer)
        statuses = {a.status for a in answers}
        if payer == "Cigna":
            assert statuses == {LIST_SAYS[c] for c in codes}
            assert MAPPING[next(iter(statuses))][1] != "no-auth"  # the list exempts none
        (status,) = statuses
        covered, pa_needed = MAPPING[status]
        assert sub(ext, "covered") == [covered]
        assert sub(ext, "pa-needed") == [pa_needed]
        assert payer in sub(ext, "reason")[0]["text"]
        assert len(sub(ext, "date")) == 1 and len(sub(ext, "coverage-assertion-id")) == 1
    unsent = UNSENT.get(name, [])
    about = [
        ref["reference"]
        for card in body["cards"]
        for ref in card.get("extension", {}).get("davinci-crd.associated-resource", [])
    ]
    assert sorted(about) == sorted([k for k, _, _ in expected] + unsent)
    for card in body["cards"]:
        assert len(card["summary"]) < 140
        assert card["indicator"] in {"info", "warning", "critical"}
        assert card["source"]["label"] == payer
        assert card["source"]["topic"]["code"] == "coverage-info"
        assert card["uuid"]


def test_the_made_up_hook_is_refused_by_every_service(cds: Any) -> None:
    """Inferno's fancy-structure body, posted to each of the six services: a 400 that names
    the hook and says no service here answers it."""
    content = (CRD / "inferno-spec" / "fancy_structure_hook_request.json").read_bytes()
    services = [s["id"] for s in cds.get("/cds-services").json()["services"]]
    assert sorted(services) == sorted(SERVICE_OF.values())
    for service_id in services:
        response = cds.post(f"/cds-services/{service_id}", content=content)
        assert response.status_code == 400
        detail = response.json()["detail"]
        assert "'fancy-structure'" in detail and "no precert service answers it" in detail


@pytest.mark.parametrize(
    ("name", "data"),
    [(n, d) for n, d in REQUESTS if d["hook"] in SERVICE_OF],
    ids=[n for n, d in REQUESTS if d["hook"] in SERVICE_OF],
)
def test_a_real_request_posted_to_another_hooks_service_is_a_clear_400(
    name: str, data: dict[str, Any], cds: Any
) -> None:
    """A CRD hook sent to the service of another hook: 400 naming the hook and its service."""
    wrong = "precert-encounter-start" if data["hook"] == "order-sign" else "precert-order-sign"
    response = cds.post(f"/cds-services/{wrong}", content=(CRD / name).read_bytes())
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert repr(data["hook"]) in detail and repr(SERVICE_OF[data["hook"]]) in detail


def test_requests_are_not_changed_in_place(cds: Any) -> None:
    """Posting a request twice gives the same updates (no state leaks between calls)."""
    name = "ig/CRDServiceRequest.json"
    first = cds.post("/cds-services/precert-order-sign", content=(CRD / name).read_bytes())
    second = cds.post("/cds-services/precert-order-sign", content=(CRD / name).read_bytes())
    assert first.json()["systemActions"] == second.json()["systemActions"]


def test_ig_example_with_prior_coverage_information_is_replaced(cds: Any) -> None:
    """An order already carrying a coverage-information for the same Coverage (the IG's
    response example) gets the new assertion instead of a second, conflicting one."""
    response_example = json.loads((CRD / "ig" / "CRDServiceResponse.json").read_text())
    annotated = response_example["systemActions"][0]["resource"]
    request = json.loads((CRD / "ig" / "CRDServiceRequest.json").read_text())
    annotated = {
        **annotated,
        "code": request["context"]["draftOrders"]["entry"][1]["resource"]["code"],
    }
    old = coverage_extensions(annotated)[0]
    coverage_ref = sub(old, "coverage")[0]["reference"]
    request["context"]["draftOrders"]["entry"] = [{"resource": annotated}]
    request["prefetch"] = {
        "coverage": {"resourceType": "Coverage", "id": coverage_ref.rsplit("/", 1)[1]}
    }
    body = cds.post("/cds-services/precert-order-sign", json=request).json()
    (action,) = body["systemActions"]
    exts = coverage_extensions(action["resource"])
    assert len(exts) == 1 and exts[0] != old
    assert sub(exts[0], "billingCode")[0]["code"] == "E0431"
