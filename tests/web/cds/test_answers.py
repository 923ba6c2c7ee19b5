"""Each status of the shared determination as CRD coverage information, on real request bodies."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from precert.service import Precert
from precert.web.cds.invariants import problems

CRD = Path(__file__).resolve().parents[2] / "fixtures" / "crd"
EXT_URL = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
SIGN = "/cds-services/precert-order-sign"
# The Inferno CRD client suite's order-sign body: one DeviceRequest coded in Blue Button's
# HCPCS system, with a Coverage in prefetch. Tests swap in codes from the Cigna list.
INFERNO_SIGN = "inferno_crd_client_suite_v220__order_sign_request_bodies__0.json"


def body(name: str = INFERNO_SIGN) -> dict[str, Any]:
    """A fresh copy of a real request body."""
    data: dict[str, Any] = json.loads((CRD / name).read_text())
    return data


def device_order(data: dict[str, Any]) -> dict[str, Any]:
    """The first draft order of an order-sign body."""
    resource: dict[str, Any] = data["context"]["draftOrders"]["entry"][0]["resource"]
    return resource


def with_code(code: str, system: str | None = None) -> dict[str, Any]:
    """The Inferno order-sign body with its DeviceRequest's code replaced."""
    data = body()
    coding = device_order(data)["codeCodeableConcept"]["coding"][0]
    coding["code"] = code
    coding.pop("display", None)
    if system is not None:
        coding["system"] = system
    return data


def the_extension(response: Any) -> dict[str, Any]:
    """The one coverage-information extension of a one-order answer, checked for validity."""
    assert response.status_code == 200, response.text
    (action,) = response.json()["systemActions"]
    exts = [e for e in action["resource"]["extension"] if e["url"] == EXT_URL]
    assert len(exts) == 1
    assert problems(exts[0]) == []
    get_fhir_model_class("Extension").model_validate(exts[0])
    get_fhir_model_class(action["resource"]["resourceType"]).model_validate(action["resource"])
    ext: dict[str, Any] = exts[0]
    return ext


def values(ext: dict[str, Any], url: str) -> list[Any]:
    """The values of one sub-extension."""
    return [
        next(v for k, v in part.items() if k.startswith("value") or k == "extension")
        for part in ext["extension"]
        if part["url"] == url
    ]


def details(ext: dict[str, Any]) -> list[tuple[str, str]]:
    """(category, text) of every detail."""
    out = []
    for parts in values(ext, "detail"):
        sub = {p["url"]: p for p in parts}
        assert sub["code"]["valueCodeableConcept"]["coding"][0]["code"] == "instructions"
        out.append((sub["category"]["valueCode"], sub["value"]["valueString"]))
    return out


def test_required_is_auth_needed_with_where_to_send_it(cds: Any) -> None:
    """E0466 ("Yes", page 9): covered / auth-needed, eviCore as contact, the page cited."""
    ext = the_extension(cds.post(SIGN, json=with_code("E0466")))
    assert values(ext, "covered") == ["covered"]
    assert values(ext, "pa-needed") == ["auth-needed"]
    (billing,) = values(ext, "billingCode")
    assert billing["code"] == "E0466"
    assert billing["system"] == "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
    (contact,) = values(ext, "contact")
    assert contact["name"].startswith("eviCore")
    assert {"system": "url", "value": "https://www.evicore.com/provider"} in contact["telecom"]
    texts = [t for _, t in details(ext)]
    assert any(t.startswith("Request prior authorization from eviCore") for t in texts)
    assert "Source: cigna-commercial-dme v1, table 1, page 9, line 169." in texts
    (reason,) = values(ext, "reason")
    assert "requires prior authorization for E0466" in reason["text"]
    assert values(ext, "date") == [dt.date.today().isoformat()]
    assert values(ext, "coverage") == [{"reference": "Coverage/cov015"}]


def test_not_required_is_the_only_no_auth(cds: Any) -> None:
    """A6515 ("No"): covered / no-auth, and no contact (nothing to send)."""
    ext = the_extension(cds.post(SIGN, json=with_code("A6515")))
    assert values(ext, "covered") == ["covered"]
    assert values(ext, "pa-needed") == ["no-auth"]
    assert values(ext, "contact") == []


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("E0250", "Out Of Scope for this program"),  # "Out Of Scope" on the list
        ("E0100", "is on no list"),  # a real code the list never mentions
        ("99213", "is on no list"),  # a CPT code: the list is HCPCS only
    ],
)
def test_out_of_scope_and_not_listed_are_never_no_auth(cds: Any, code: str, words: str) -> None:
    """The list does not settle these: indeterminate with a reason, never no-auth."""
    ext = the_extension(cds.post(SIGN, json=with_code(code)))
    assert values(ext, "covered") == ["indeterminate"]
    assert values(ext, "pa-needed") == ["indeterminate"]
    (reason,) = values(ext, "reason")
    assert words in reason["text"] and "coding" not in reason


def test_out_of_scope_row_naming_cigna_gives_its_phone_and_fax(cds: Any) -> None:
    """A4239 is Out Of Scope, and its row says to call Cigna: that contact is passed on."""
    ext = the_extension(cds.post(SIGN, json=with_code("A4239")))
    assert values(ext, "pa-needed") == ["indeterminate"]
    (contact,) = values(ext, "contact")
    assert contact == {
        "name": "Cigna",
        "telecom": [
            {"system": "phone", "value": "888-454-0013"},
            {"system": "fax", "value": "877-730-3858"},
        ],
    }
    assert ("cat-other", "Contact Cigna: phone 888-454-0013, option 5; fax 877-730-3858.") in (
        details(ext)
    )


def test_notes_and_warnings_become_limitations(cds: Any) -> None:
    """K0553: precertification through Cigna, and CMS terminated the code in 2022."""
    ext = the_extension(cds.post(SIGN, json=with_code("K0553")))
    assert values(ext, "pa-needed") == ["auth-needed"]
    limits = [t for c, t in details(ext) if c == "cat-limitation"]
    assert "Requires precertification through Cigna, effective 7.1.2021" in limits
    assert any("CMS terminated K0553 on 2022-12-31" in t for t in limits)
    assert values(ext, "contact")[0]["name"] == "Cigna"


def test_not_a_code_is_indeterminate_without_billing_code(cds: Any) -> None:
    """A HCPCS-system coding whose code is not a code: indeterminate, the message as reason."""
    ext = the_extension(cds.post(SIGN, json=with_code("XYZ")))
    assert values(ext, "pa-needed") == ["indeterminate"]
    assert values(ext, "billingCode") == []
    assert "not a HCPCS Level II or CPT code" in values(ext, "reason")[0]["text"]


@pytest.mark.parametrize(
    "system",
    [
        "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        "https://bluebutton.cms.gov/resources/codesystem/hcpcs",
        "HTTPS://WWW.CMS.GOV/Medicare/Coding/HCPCSReleaseCodeSets/",
        "urn:oid:2.16.840.1.113883.6.285",
    ],
)
def test_every_hcpcs_system_uri_seen_in_the_wild(cds: Any, system: str) -> None:
    """The same code answers the same whatever HCPCS URI the client uses."""
    ext = the_extension(cds.post(SIGN, json=with_code("E0466", system)))
    assert values(ext, "pa-needed") == ["auth-needed"]


def test_codes_in_other_systems_are_left_alone(cds: Any) -> None:
    """A DeviceRequest coded only in SNOMED CT is not this list's business: no update."""
    data = with_code("706172005", "http://snomed.info/sct")
    response = cds.post(SIGN, json=data)
    assert response.json() == {"cards": [], "systemActions": []}


def test_billing_options_on_a_clinical_code(crd: Any) -> None:
    """The IG's mammography order has a SNOMED code and CRD billing options: all answered
    (its Coverage's made-up "Acme Health Plan" is mapped to Cigna, as a deployment would)."""
    data = body("ig/CRDServiceRequest.json")
    entry = data["context"]["draftOrders"]["entry"][0]["resource"]
    options = entry["code"]["extension"]
    options[0]["valueCodeableConcept"]["coding"][0] = {
        "system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        "code": "E0466",
    }
    data["context"]["draftOrders"]["entry"] = data["context"]["draftOrders"]["entry"][:1]
    ext = the_extension(crd.post(SIGN, json=data))
    # E0466 needs authorization, the CPT codes are on no list: the code billed decides.
    assert values(ext, "covered") == ["conditional"]
    assert values(ext, "pa-needed") == ["conditional"]
    assert values(ext, "info-needed") == ["detail-code"]
    assert [b["code"] for b in values(ext, "billingCode")] == ["E0466", "77062", "77065", "77066"]
    assert "E0466: required" in values(ext, "reason")[0]["text"]


def test_ten_device_requests_each_answered_in_order(cds: Any) -> None:
    """Ten orders in one call (the benchmark's shape): ten updates, ids kept, answers right."""
    data = body()
    template = device_order(data)
    codes = ["E0466", "A6515", "E0250", "A4239", "K0553", "E0100", "L2006", "K0856", "E0431", "XYZ"]
    entries = []
    for number, code in enumerate(codes):
        order = copy.deepcopy(template)
        order["id"] = f"order-{number}"
        order["codeCodeableConcept"]["coding"][0]["code"] = code
        entries.append({"resource": order})
    data["context"]["draftOrders"]["entry"] = entries
    response = cds.post(SIGN, json=data).json()
    actions = response["systemActions"]
    assert [a["resource"]["id"] for a in actions] == [f"order-{n}" for n in range(10)]
    expected = ["auth-needed", "no-auth", "indeterminate", "indeterminate", "auth-needed"]
    expected += ["indeterminate", "auth-needed", "auth-needed", "indeterminate", "indeterminate"]
    got = [values(a["resource"]["extension"][-1], "pa-needed")[0] for a in actions]
    assert got == expected
    ids = [values(a["resource"]["extension"][-1], "coverage-assertion-id")[0] for a in actions]
    assert len(set(ids)) == 10
    # Cards: at most max-cards (default 10), required orders first.
    assert len(response["cards"]) == 10
    assert "prior authorization required" in response["cards"][0]["summary"]


def test_no_coverage_sent_still_answers_in_a_card_and_says_so(cds: Any) -> None:
    """Without prefetch or insurance there is no Coverage for CRD's extension to reference
    (ext-coverage-information: "If no coverage instance is available, the
    coverage-information extension cannot be returned"): the answer comes as a card."""
    data = with_code("E0466")
    data.pop("prefetch")
    device_order(data).pop("insurance")
    response = cds.post(SIGN, json=data)
    assert response.status_code == 200, response.text
    assert response.json()["systemActions"] == []
    (card,) = response.json()["cards"]
    assert card["summary"].startswith("E0466: prior authorization required")
    assert "No Coverage was sent with the request" in card["detail"]
    assert card["source"]["label"] == "Cigna"


def test_date_of_service_picks_the_list_in_force(cds: Any, service: Precert) -> None:
    """The order's occurrence date is the date the answer is for."""
    data = with_code("K0553")
    device_order(data)["occurrenceDateTime"] = "2021-06-01"
    ext = the_extension(cds.post(SIGN, json=data))
    texts = [t for _, t in details(ext)]
    # Before CMS's 2022 termination, and before the note's 7.1.2021 effective date.
    assert not any("CMS terminated" in t for t in texts)
    assert any("takes effect 2021-07-01" in t for t in texts)


def test_order_select_answers_only_the_selected_orders(cds: Any) -> None:
    """order-select: orders in draftOrders but not in selections get no update."""
    data = with_code("E0466")
    data["hook"] = "order-select"
    other = copy.deepcopy(device_order(data))
    other["id"] = "not-selected"
    data["context"]["draftOrders"]["entry"].append({"resource": other})
    data["context"]["selections"] = ["DeviceRequest/devreq-015-e0250"]
    actions = cds.post("/cds-services/precert-order-select", json=data).json()["systemActions"]
    assert [a["resource"]["id"] for a in actions] == ["devreq-015-e0250"]


def test_order_dispatch_resolves_dispatched_orders_from_prefetch(cds: Any) -> None:
    """CRD 2.2's dispatchedOrders, resolved from a prefetch Bundle; unsent ones get a card."""
    data = body("inferno_crd_client_suite_v220__order_dispatch_request_bodies__1.json")
    order = data["prefetch"].pop("order")
    order["codeCodeableConcept"]["coding"][0]["code"] = "E0466"
    data["prefetch"]["deviceRequests"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"fullUrl": "http://ehr.example/fhir/DeviceRequest/devreq015", "resource": order}
        ],
    }
    context = data["context"]
    context.pop("order")
    context["dispatchedOrders"] = ["DeviceRequest/devreq015", "DeviceRequest/elsewhere"]
    response = cds.post("/cds-services/precert-order-dispatch", json=data).json()
    (action,) = response["systemActions"]
    assert values(action["resource"]["extension"][-1], "pa-needed") == ["auth-needed"]
    unsent = [c for c in response["cards"] if "not sent with the request" in c["detail"]]
    assert len(unsent) == 1 and unsent[0]["indicator"] == "warning"


def test_appointment_book_answers_from_the_service_request_it_is_based_on(cds: Any) -> None:
    """An appointment based on a ServiceRequest with a HCPCS code gets the extension."""
    data = body("inferno_crd_client_suite_v220__appointment_book_request_bodies__0.json")
    appointment = data["context"]["appointments"]["entry"][0]["resource"]
    appointment["basedOn"] = [{"reference": "ServiceRequest/sr-1"}]
    data["prefetch"]["serviceRequests"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "resource": {
                    "resourceType": "ServiceRequest",
                    "id": "sr-1",
                    "status": "draft",
                    "intent": "order",
                    "subject": {"reference": "Patient/pat015"},
                    "code": {
                        "coding": [
                            {
                                "system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
                                "code": "L2006",
                            }
                        ]
                    },
                }
            }
        ],
    }
    response = cds.post("/cds-services/precert-appointment-book", json=data)
    ext = the_extension(response)
    assert response.json()["systemActions"][0]["resource"]["resourceType"] == "Appointment"
    assert values(ext, "pa-needed") == ["auth-needed"]


def test_configuration_options(cds: Any) -> None:
    """coverage-info false: nothing; max-cards 0: actions only; unknown options ignored."""
    data = with_code("E0466")
    data["extension"] = {"davinci-crd.configuration": {"coverage-info": False}}
    assert cds.post(SIGN, json=data).json() == {"cards": [], "systemActions": []}
    data["extension"] = {"davinci-crd.configuration": {"max-cards": 0, "alt-drug": True}}
    answer = cds.post(SIGN, json=data).json()
    assert answer["cards"] == [] and len(answer["systemActions"]) == 1
    data["extension"] = {"davinci-crd.requestedVersion": "2.2", "davinci-crd.configuration": {}}
    assert len(cds.post(SIGN, json=data).json()["cards"]) == 1


def test_the_primary_coverage_is_cited(cds: Any) -> None:
    """Without insurance on the order, of two prefetched Coverages the primary one (``order``
    1) is cited and its payer answers, whichever comes first (CRD: the primary answers)."""
    data = with_code("E0466")
    device_order(data).pop("insurance")
    first = copy.deepcopy(data["prefetch"]["coverage"]["entry"][0])
    first["resource"]["id"] = "other-plan"
    first["resource"]["order"] = 2
    first["resource"]["payor"] = [{"display": "Acme Health Plan"}]
    mine = copy.deepcopy(data["prefetch"]["coverage"]["entry"][0])
    mine["resource"]["id"] = "cigna-plan"
    mine["resource"]["order"] = 1
    mine["resource"]["payor"] = [{"reference": "Organization/o1", "display": "Cigna Healthcare"}]
    data["prefetch"]["coverage"]["entry"] = [first, mine]
    ext = the_extension(cds.post(SIGN, json=data))
    assert values(ext, "coverage") == [{"reference": "Coverage/cigna-plan"}]
    assert values(ext, "pa-needed") == ["auth-needed"]
