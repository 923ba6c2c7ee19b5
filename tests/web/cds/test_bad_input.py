"""Bad requests get a 400 that says what is wrong; unreadable orders get an answer; never a 500."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CRD = Path(__file__).resolve().parents[2] / "fixtures" / "crd"
SIGN = "/cds-services/precert-order-sign"
REAL = json.loads(
    (CRD / "inferno_crd_client_suite_v220__order_sign_request_bodies__0.json").read_text()
)


def real() -> dict[str, Any]:
    """A fresh copy of the Inferno order-sign request."""
    data: dict[str, Any] = copy.deepcopy(REAL)
    return data


def broken(change: Any) -> dict[str, Any]:
    """The real request with ``change`` applied to it."""
    data = real()
    change(data)
    return data


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b"", "not JSON"),
    ],
)
def test_not_json(cds: Any, content: bytes, message: str) -> None:
    """A body that is not a JSON object."""
    response = cds.post(SIGN, content=content)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def _real_with(raw: str) -> bytes:
    """The real request with a quantity written as ``raw`` (JSON text)."""
    return (
        json.dumps(real())
        .replace('"draftOrders": {', f'"odd": {raw}, "draftOrders": {{', 1)
        .encode()
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_real_with("NaN"), "NaN is not a JSON value"),
        (_real_with("-Infinity"), "-Infinity is not a JSON value"),
        (_real_with("1e400"), "out of range"),
        (_real_with('"\\ud800"'), "surrogates not allowed"),
        (b'{"hook": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    ],
)
def test_json_that_could_not_be_echoed_back_is_a_400(
    cds: Any, content: bytes, message: str
) -> None:
    """Values Python's json reads but cannot write out again are refused up front, not a 500."""
    response = cds.post(SIGN, content=content)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    feedback = cds.post(SIGN + "/feedback", content=content)
    assert feedback.status_code == 400


def test_an_escaped_surrogate_pair_is_read(cds: Any) -> None:
    """Emoji from ASCII-only JSON encoders (a valid surrogate pair) are not refused."""
    data = real()
    data["context"]["draftOrders"]["entry"][0]["resource"]["note"] = [{"text": "ok \U0001f600"}]
    response = cds.post(SIGN, content=json.dumps(data, ensure_ascii=True).encode())
    assert response.status_code == 200
    assert "\U0001f600" in response.text


def _set(path: list[Any], value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set(["hook"], KeyError), "'hook' is required"),
        (_set(["hook"], "patient-view"), "not the hook of service"),
        (_set(["hookInstance"], KeyError), "'hookInstance' is required"),
        (_set(["context"], KeyError), "'context' is required"),
        (_set(["context"], "pat015"), "'context' is required"),
        (_set(["context", "patientId"], KeyError), "context.patientId is required"),
        (_set(["context", "patientId"], 15), "context.patientId must be a JSON string"),
        (_set(["context", "draftOrders"], KeyError), "context.draftOrders is required"),
        (_set(["context", "draftOrders"], []), "context.draftOrders must be a JSON object"),
        (_set(["context", "draftOrders", "resourceType"], "Patient"), "must be a FHIR Bundle"),
        (_set(["context", "draftOrders", "entry"], {}), "entry must be an array"),
        (_set(["prefetch"], [1]), "'prefetch' must be a JSON object"),
        (_set(["extension"], "2.2"), "'extension' must be a JSON object"),
        (
            _set(["extension"], {"davinci-crd.requestedVersion": "2.0"}),
            "'2.0' is not supported",
        ),
        (
            _set(["extension"], {"davinci-crd.requestedVersion": 2.2}),
            'davinci-crd.requestedVersion must be a string, e.g. "2.2"',
        ),
        (
            _set(["extension"], {"davinci-crd.configuration": {"max-cards": "five"}}),
            "'max-cards' must be a whole number",
        ),
        (
            _set(["extension"], {"davinci-crd.configuration": {"coverage-info": "yes"}}),
            "'coverage-info' must be true or false",
        ),
    ],
)
def test_missing_or_malformed_context(cds: Any, change: Any, message: str) -> None:
    """Each fault is named in the 400's message."""
    response = cds.post(SIGN, json=broken(change))
    assert response.status_code == 400
    assert message in response.json()["detail"], response.json()


def test_hook_specific_context(cds: Any) -> None:
    """order-select needs selections; order-dispatch needs dispatchedOrders (or order)."""
    data = real()
    data["hook"] = "order-select"
    response = cds.post("/cds-services/precert-order-select", json=data)
    assert response.status_code == 400 and "context.selections" in response.json()["detail"]
    data["context"]["selections"] = [1]
    response = cds.post("/cds-services/precert-order-select", json=data)
    assert "array of references" in response.json()["detail"]
    data["hook"] = "order-dispatch"
    response = cds.post("/cds-services/precert-order-dispatch", json=data)
    assert response.status_code == 400 and "context.order is required" in response.json()["detail"]


def test_unknown_service_is_404(cds: Any) -> None:
    """A service id that discovery does not list."""
    response = cds.post("/cds-services/patient-view", json=real())
    assert response.status_code == 404
    assert "GET /cds-services" in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda o: o.pop("codeCodeableConcept"), "DeviceRequest has no code"),
        (lambda o: o.update(codeCodeableConcept="E0466"), "is not a CodeableConcept"),
        (lambda o: o.update(codeCodeableConcept={"coding": "E0466"}), "not a CodeableConcept"),
        (lambda o: o.update(codeCodeableConcept={"text": "oxygen"}), "only the text 'oxygen'"),
        (
            lambda o: o["codeCodeableConcept"]["coding"][0].update(code="E0250, E0466"),
            "code 'E0250, E0466' holds several codes",
        ),
        (
            lambda o: (
                o.pop("codeCodeableConcept"),
                o.update(codeReference={"reference": "Device/x"}),
            ),
            "is not a Device sent with the request",
        ),
    ],
)
def test_an_unreadable_order_gets_a_technical_answer_and_the_others_theirs(
    cds: Any, change: Any, problem: str
) -> None:
    """One order the service cannot read: indeterminate/technical for it, answers for the rest."""
    data = real()
    good = data["context"]["draftOrders"]["entry"][0]["resource"]
    good["codeCodeableConcept"]["coding"][0]["code"] = "E0466"
    bad = copy.deepcopy(good)
    bad["id"] = "unreadable"
    change(bad)
    data["context"]["draftOrders"]["entry"].append({"resource": bad})
    response = cds.post(SIGN, json=data)
    assert response.status_code == 200
    first, second = response.json()["systemActions"]
    assert first["resource"]["extension"][-1]["extension"][2] == {
        "url": "pa-needed",
        "valueCode": "auth-needed",
    }
    parts = {p["url"]: p for p in second["resource"]["extension"][-1]["extension"]}
    assert parts["pa-needed"]["valueCode"] == "indeterminate"
    reason = parts["reason"]["valueCodeableConcept"]
    assert reason["coding"][0]["code"] == "technical"
    assert problem in reason["text"]
    assert second["resource"]["id"] == "unreadable"


def test_a_device_reference_resolved_from_prefetch(cds: Any) -> None:
    """codeReference to a Device sent in prefetch, with a HCPCS type, is answered."""
    data = real()
    order = data["context"]["draftOrders"]["entry"][0]["resource"]
    order.pop("codeCodeableConcept")
    order["codeReference"] = {"reference": "http://ehr.example/fhir/Device/d1/_history/3"}
    data["prefetch"]["devices"] = {
        "resourceType": "Bundle",
        "entry": [
            {
                "resource": {
                    "resourceType": "Device",
                    "id": "d1",
                    "type": {
                        "coding": [
                            {
                                "system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
                                "code": "E0466",
                            }
                        ]
                    },
                }
            }
        ],
    }
    (action,) = cds.post(SIGN, json=data).json()["systemActions"]
    parts = {p["url"]: p for p in action["resource"]["extension"][-1]["extension"]}
    assert parts["pa-needed"]["valueCode"] == "auth-needed"


def test_scope_problem_is_a_technical_answer_not_a_500(cds: Any, cds_app: Any) -> None:
    """A payer setting that matches no loaded list: orders answered indeterminate, with why."""
    from precert.web.cds import CdsConfig

    cds_app.state.cds_config = CdsConfig(payer="Aetna")
    response = cds.post(SIGN, json=real())
    assert response.status_code == 200
    (action,) = response.json()["systemActions"]
    parts = {p["url"]: p for p in action["resource"]["extension"][-1]["extension"]}
    assert "no list loaded for payer 'Aetna'" in parts["reason"]["valueCodeableConcept"]["text"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
ORDERISH = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["DeviceRequest", "ServiceRequest", "Appointment", "X"])},
    optional={
        "id": JSON_VALUES,
        "codeCodeableConcept": JSON_VALUES,
        "codeReference": JSON_VALUES,
        "code": JSON_VALUES,
        "insurance": JSON_VALUES,
        "extension": JSON_VALUES,
        "occurrenceDateTime": JSON_VALUES,
        "basedOn": JSON_VALUES,
        "serviceType": JSON_VALUES,
        "status": JSON_VALUES,
        "subject": JSON_VALUES,
        "encounter": JSON_VALUES,
    },
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
@given(
    hook=st.sampled_from(
        [
            "order-sign",
            "order-select",
            "order-dispatch",
            "appointment-book",
            "encounter-start",
            "encounter-discharge",
        ]
    ),
    orders=st.lists(ORDERISH, max_size=4),
    extra=st.dictionaries(
        st.sampled_from(["selections", "dispatchedOrders", "order", "appointments"]),
        JSON_VALUES,
        max_size=2,
    ),
    prefetch=st.dictionaries(st.text(max_size=5), JSON_VALUES | ORDERISH, max_size=3),
)
def test_no_request_shape_causes_a_500(
    cds: Any, hook: str, orders: list[Any], extra: dict[str, Any], prefetch: dict[str, Any]
) -> None:
    """Random orders, references and prefetch in every hook: 200 or 400, never a crash."""
    bundle = {"resourceType": "Bundle", "entry": [{"resource": o} for o in orders]}
    context: dict[str, Any] = {
        "patientId": "p",
        "encounterId": "e",
        "draftOrders": bundle,
        "appointments": bundle,
    }
    context.update(extra)
    data = {"hook": hook, "hookInstance": "h", "context": context, "prefetch": prefetch}
    response = cds.post(f"/cds-services/precert-{hook}", json=data)
    assert response.status_code in (200, 400), response.text
