"""Discovery, feedback, CORS and the call log of the CDS Hooks service."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from precert.web.cds import CdsConfig

CRD = Path(__file__).resolve().parents[2] / "fixtures" / "crd"
SIGN_BODY = CRD / "inferno_crd_client_suite_v220__order_sign_request_bodies__0.json"
CRDVER = re.compile(r"^[1-9]\d*\.[1-9]\d*$")  # CRD's crdver-1 invariant


def test_discovery_lists_one_crd_service_per_hook(cds: Any) -> None:
    """Each service has hook, id, description, the CRD version and configuration options."""
    response = cds.get("/cds-services")
    assert response.status_code == 200
    services = response.json()["services"]
    assert {s["hook"] for s in services} == {
        "order-sign",
        "order-select",
        "order-dispatch",
        "appointment-book",
        "encounter-start",
        "encounter-discharge",
    }
    for service in services:
        assert isinstance(service["id"], str) and isinstance(service["description"], str)
        versions = service["extension"]["davinci-crd.version"]
        assert versions == ["2.2"] and all(CRDVER.match(v) for v in versions)
        options = {o["code"]: o for o in service["extension"]["davinci-crd.configuration-options"]}
        assert options["coverage-info"] == {
            "code": "coverage-info",
            "type": "boolean",
            "name": "Coverage Information",
            "description": options["coverage-info"]["description"],
            "default": True,
        }
        assert options["max-cards"]["type"] == "integer" and options["max-cards"]["default"] == 10
        assert "coverage" in service["prefetch"]


def test_discovery_matches_the_ig_example_shape(cds: Any) -> None:
    """The keys of our services are those the IG's own discovery example uses."""
    example = json.loads((CRD / "ig" / "CRDServices.json").read_text())["services"][0]
    ours = cds.get("/cds-services").json()["services"][0]
    assert set(example) - set(ours) == set()
    assert set(example["extension"]) == set(ours["extension"])
    ig_option_keys = set(example["extension"]["davinci-crd.configuration-options"][0])
    assert ig_option_keys == set(ours["extension"]["davinci-crd.configuration-options"][0])


def test_feedback_accepts_card_outcomes(cds: Any, caplog: pytest.LogCaptureFixture) -> None:
    """CDS Hooks 2.0 feedback: 200, logged as counts (override comments are not logged)."""
    card = cds.post("/cds-services/precert-order-sign", content=SIGN_BODY.read_bytes())
    uuid = card.json()["cards"][0]["uuid"]
    feedback = {
        "feedback": [
            {"card": uuid, "outcome": "accepted", "outcomeTimestamp": "2026-01-12T10:00:00Z"},
            {
                "card": uuid,
                "outcome": "overridden",
                "outcomeTimestamp": "2026-01-12T10:01:00Z",
                "overrideReason": {"userComment": "William Oster already has one"},
            },
        ]
    }
    with caplog.at_level(logging.INFO, logger="precert.cds"):
        response = cds.post("/cds-services/precert-order-sign/feedback", json=feedback)
    assert response.status_code == 200 and response.json() == {"received": 2}
    line = json.loads(caplog.records[-1].getMessage())
    assert line["outcomes"] == {"accepted": 1, "overridden": 1}
    assert "Oster" not in caplog.text


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "'feedback' must be a non-empty array"),
        ({"feedback": [{"outcome": "accepted", "outcomeTimestamp": "t"}]}, "needs 'card'"),
        ({"feedback": [{"card": "c", "outcome": "ignored", "outcomeTimestamp": "t"}]}, "outcome"),
        ({"feedback": [{"card": "c", "outcome": "accepted"}]}, "outcomeTimestamp"),
    ],
)
def test_bad_feedback(cds: Any, payload: Any, message: str) -> None:
    """Malformed feedback is a 400 that names the problem; unknown services a 404."""
    response = cds.post("/cds-services/precert-order-sign/feedback", json=payload)
    assert response.status_code == 400 and message in response.json()["detail"]
    assert cds.post("/cds-services/nope/feedback", json=payload).status_code == 404


def test_cors_is_off_until_configured(cds: Any, cds_app: Any) -> None:
    """No CORS headers by default; with PRECERT_CORS_ORIGINS the listed origin is allowed,
    preflight included, and only on /cds-services."""
    origin = "https://sandbox.cds-hooks.org"
    response = cds.get("/cds-services", headers={"Origin": origin})
    assert "access-control-allow-origin" not in response.headers
    cds_app.state.cds_config = CdsConfig(cors_origins=(origin,))
    response = cds.get("/cds-services", headers={"Origin": origin})
    assert response.headers["access-control-allow-origin"] == origin
    preflight = cds.request(
        "OPTIONS",
        "/cds-services/precert-order-sign",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    other = cds.get("/cds-services", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    elsewhere = cds.get("/openapi.json", headers={"Origin": origin})
    assert "access-control-allow-origin" not in elsewhere.headers


def test_every_call_is_logged_without_patient_identifiers(
    cds: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Hook, hookInstance, codes, answers and latency, and nothing that names the patient."""
    data = json.loads(SIGN_BODY.read_text())
    with caplog.at_level(logging.INFO, logger="precert.cds"):
        cds.post("/cds-services/precert-order-sign", json=data)
        cds.post("/cds-services/precert-order-sign", content=b"{bad")
    ok, bad = (json.loads(r.getMessage()) for r in caplog.records if r.name == "precert.cds")
    assert ok["hook"] == "order-sign" and ok["hookInstance"] == data["hookInstance"]
    assert ok["status"] == 200 and ok["latency_ms"] > 0 and ok["orders"] == 1
    (answer,) = ok["answers"]
    assert answer["codes"] == ["E0250"] and answer["statuses"] == ["out_of_scope"]
    assert answer["pa_needed"] == "indeterminate" and answer["assertion"]
    assert bad["status"] == 400 and "not JSON" in bad["error"]
    patient = data["prefetch"]["patient"]
    identifiers = [
        data["context"]["patientId"],
        data["context"]["userId"],
        data["context"]["encounterId"],
        "devreq-015-e0250",  # the order id embeds the patient number
        patient["identifier"][0]["value"],
        patient["name"][0]["family"],
        patient["birthDate"],
        "10A3D58WH456",  # the member's subscriber id
        "202 Burlington Road",
    ]
    for value in identifiers:
        assert value not in caplog.text, value


def test_the_call_log_keeps_only_what_parses_as_a_code(
    cds: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Free text typed into coding.code (a name, a record number) never reaches the log."""
    data = json.loads(SIGN_BODY.read_text())
    coding = data["context"]["draftOrders"]["entry"][0]["resource"]["codeCodeableConcept"]
    coding["coding"][0]["code"] = "Jane Roe MRN123"
    with caplog.at_level(logging.INFO, logger="precert.cds"):
        assert cds.post("/cds-services/precert-order-sign", json=data).status_code == 200
        assert cds.post("/cds-services/Jane-Roe-MRN123", json=data).status_code == 404
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "precert.cds"]
    assert records[0]["answers"][0]["codes"] == ["(not a code)"]
    assert records[1]["service"] == "(unknown)" and records[1]["status"] == 404
    assert "Jane" not in caplog.text and "MRN123" not in caplog.text
    coding["coding"][0]["code"] = " e0250-rr "
    with caplog.at_level(logging.INFO, logger="precert.cds"):
        cds.post("/cds-services/precert-order-sign", json=data)
    assert json.loads(caplog.records[-1].getMessage())["answers"][0]["codes"] == ["E0250"]
