"""CDS Hooks with two payers loaded: the request's Coverage says whose list answers.

Built from real requests: the HL7 RI's order-sign, whose Coverage names its payor
Organization "Centers for Medicare and Medicaid Services" and whose Patient lives in MA, and
the Inferno CRD client suite's order-sign (a Coverage whose payor is only a reference).
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from precert.service import Precert
from precert.web.cds import CdsConfig
from precert.web.cds.config import ConfigError
from precert.web.cds.invariants import problems
from precert.web.cds.payers import parse_mapping

from .test_answers import EXT_URL, SIGN, body, device_order, the_extension, values, with_code

RI_MEDICARE = "ri/server_src_test_resources_deviceRequestFullPrefetchWithCoverage_r4.json"


def ri_order(code: str, state: str | None = "MA") -> dict[str, Any]:
    """The RI's Medicare order-sign with its DeviceRequest coded ``code`` (HCPCS)."""
    data = body(RI_MEDICARE)
    for entry in data["context"]["draftOrders"]["entry"]:
        entry["resource"]["codeCodeableConcept"]["coding"][0]["code"] = code
    for value in data["prefetch"].values():
        for entry in (value or {}).get("entry", []):
            resource = entry.get("resource", {})
            if resource.get("resourceType") == "Patient" and state is not None:
                resource["address"][0]["state"] = state
            if resource.get("resourceType") == "DeviceRequest":
                resource["codeCodeableConcept"]["coding"][0]["code"] = code
    if state is None:
        for value in data["prefetch"].values():
            for entry in (value or {}).get("entry", []):
                entry.get("resource", {}).pop("address", None)
    return data


def with_payor(code: str, payor: dict[str, Any]) -> dict[str, Any]:
    """Inferno's order-sign with ``code`` and its Coverage's payor replaced."""
    data = with_code(code)
    coverage = data["prefetch"]["coverage"]["entry"][0]["resource"]
    coverage["payor"] = [payor]
    return data


def ri_extension(response: Any) -> dict[str, Any]:
    """The one coverage-information extension of an answer to the RI's request (whose own
    DeviceRequest lacks the required ``intent``, so only the extension is validated)."""
    assert response.status_code == 200, response.text
    (action,) = response.json()["systemActions"]
    (ext,) = [e for e in action["resource"]["extension"] if e["url"] == EXT_URL]
    assert problems(ext) == []
    get_fhir_model_class("Extension").model_validate(ext)
    return ext  # type: ignore[no-any-return]


def the_card(response: Any) -> dict[str, Any]:
    (card,) = response.json()["cards"]
    return card  # type: ignore[no-any-return]


def test_a_medicare_coverage_is_answered_from_medicares_list_for_the_members_state(
    crd: Any,
) -> None:
    response = crd.post(SIGN, json=ri_order("K0856"))
    ext = ri_extension(response)
    assert values(ext, "coverage") == [
        {"reference": "Coverage/c3d24ccd-ad1b-480e-9545-bbf35a3d89ff"}
    ]
    assert values(ext, "pa-needed") == ["auth-needed"]
    reason = values(ext, "reason")[0]["text"]
    assert "Medicare" in reason and "Cigna" not in reason
    # The member lives in MA: the request goes to Jurisdiction A's DME MAC.
    assert "Noridian Healthcare Solutions (Jurisdiction A)" in str(values(ext, "contact"))
    assert the_card(response)["source"]["label"] == "Medicare"
    texas = ri_extension(crd.post(SIGN, json=ri_order("K0856", state="TX")))
    assert "Jurisdiction C" in str(values(texas, "contact"))
    # E0466 is not on Medicare's list, which settles every DMEPOS code: no prior auth there,
    # although Cigna's list requires it. Cigna's answer must not leak in.
    ventilator = ri_extension(crd.post(SIGN, json=ri_order("E0466")))
    assert values(ventilator, "pa-needed") == ["no-auth"]
    assert "eviCore" not in str(ventilator)


def test_without_the_members_state_the_medicare_answer_lists_the_contractors(crd: Any) -> None:
    ext = ri_extension(crd.post(SIGN, json=ri_order("K0856", state=None)))
    assert values(ext, "pa-needed") == ["auth-needed"]
    text = str(ext)
    assert "Jurisdiction A" in text and "Jurisdiction D" in text  # the choices, by state


def test_a_cigna_coverage_is_answered_from_cignas_list(crd: Any) -> None:
    data = with_payor("E0466", {"reference": "Organization/o1", "display": "Cigna Healthcare"})
    response = crd.post(SIGN, json=data)
    ext = the_extension(response)
    assert values(ext, "coverage") == [{"reference": "Coverage/cov015"}]
    assert values(ext, "pa-needed") == ["auth-needed"]
    assert "eviCore" in str(values(ext, "contact"))
    assert "Medicare" not in values(ext, "reason")[0]["text"]
    assert the_card(response)["source"]["label"] == "Cigna"


def test_a_payer_identifier_is_mapped_by_configuration(crd: Any, two_payers: Precert) -> None:
    crd.app.state.cds_config = CdsConfig.from_env(
        {"PRECERT_CDS_PAYERS": "http://example.org/payer-id|62308=Cigna/Commercial"}
    )
    payor = {"identifier": {"system": "http://example.org/payer-id", "value": "62308"}}
    ext = the_extension(crd.post(SIGN, json=with_payor("E0466", payor)))
    assert values(ext, "pa-needed") == ["auth-needed"]
    assert "Cigna" in values(ext, "reason")[0]["text"]


def coverage_extensions(response: Any) -> list[dict[str, Any]]:
    """Every coverage-information extension of a one-order answer, each checked."""
    assert response.status_code == 200, response.text
    (action,) = response.json()["systemActions"]
    get_fhir_model_class(action["resource"]["resourceType"]).model_validate(action["resource"])
    exts = [e for e in action["resource"]["extension"] if e["url"] == EXT_URL]
    for ext in exts:
        assert problems(ext) == []
    return exts


def test_an_unknown_payer_gets_crds_coverage_not_found_never_another_payers_answer(
    crd: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """CRD 2.2 (cards.html, Coverage Information response type): a Coverage the service cannot
    resolve is no error; it gets coverage information "not covered" with a reason saying why
    (coverage-not-found), and no pa-needed (crd-ci-q2)."""
    data = with_payor("E0466", {"display": "Aetna"})
    with caplog.at_level(logging.INFO, logger="precert.cds"):
        response = crd.post(SIGN, json=data)
    (logged,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "precert.cds"]
    (said,) = logged["answers"]
    assert (said["covered"], said["pa_needed"], said["statuses"]) == ("not-covered", None, [])
    (ext,) = coverage_extensions(response)
    assert values(ext, "coverage") == [{"reference": "Coverage/cov015"}]
    assert values(ext, "covered") == ["not-covered"]
    assert values(ext, "pa-needed") == [] and values(ext, "billingCode") == []
    (reason,) = values(ext, "reason")
    assert reason["coding"] == [
        {
            "system": "http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp",
            "code": "coverage-not-found",
            "display": "Coverage not found",
        }
    ]
    assert "Aetna" in reason["text"] and "Cigna Commercial, Medicare FFS" in reason["text"]
    # Cigna's list requires PA for E0466 via eviCore: none of that may leak into Aetna's answer.
    assert "eviCore" not in str(ext) and values(ext, "contact") == []
    card = the_card(response)
    assert (
        card["summary"] == "Coverage not found: precert holds no prior-authorization list of Aetna"
    )
    assert card["indicator"] == "info" and card["source"]["label"] == "Aetna"
    assert "eviCore" not in card["detail"]
    assert card["extension"]["davinci-crd.associated-resource"] == [
        {"reference": f"DeviceRequest/{device_order(data)['id']}"}
    ]


def test_a_payor_naming_two_loaded_payers_is_not_guessed(crd: Any, two_payers: Precert) -> None:
    """ "Cigna Medicare Advantage" names Cigna and Medicare: neither list is that plan's, so
    the Coverage is not resolved — unless the deployment maps the name."""
    data = with_payor("E0466", {"display": "Cigna Medicare Advantage"})
    (ext,) = coverage_extensions(crd.post(SIGN, json=data))
    assert values(ext, "covered") == ["not-covered"] and "eviCore" not in str(ext)
    crd.app.state.cds_config = CdsConfig.from_env(
        {"PRECERT_CDS_PAYERS": "Cigna Medicare Advantage=Medicare/FFS"}
    )
    (ext,) = coverage_extensions(crd.post(SIGN, json=data))
    assert values(ext, "pa-needed") == ["no-auth"]  # Medicare's list, as configured


def without_coverage(code: str) -> dict[str, Any]:
    """Inferno's order-sign with ``code`` and no Coverage at all."""
    data = with_code(code)
    device_order(data).pop("insurance", None)
    data["prefetch"].pop("coverage")
    return data


def test_no_coverage_is_answered_by_the_configured_default_payer_in_a_card(crd: Any) -> None:
    """No Coverage: CRD's extension cannot be returned (it must reference the client's
    Coverage), so the configured default payer's answer comes as a card only."""
    response = crd.post(SIGN, json=without_coverage("E0466"))
    assert response.status_code == 200
    assert response.json()["systemActions"] == []
    card = the_card(response)
    assert card["source"]["label"] == "Cigna"  # the configured default
    assert card["summary"].startswith(
        "E0466: prior authorization required; request it from eviCore"
    )
    assert "No Coverage was sent with the request" in card["detail"]
    # Configured for Medicare instead, Medicare's list answers (E0466 is not on it: no PA).
    crd.app.state.cds_config = CdsConfig(payer="Medicare", line_of_business="FFS")
    card = the_card(crd.post(SIGN, json=without_coverage("E0466")))
    assert card["source"]["label"] == "Medicare"
    assert "no prior authorization needed" in card["summary"]


def test_no_coverage_and_no_default_with_two_payers_says_so(crd: Any) -> None:
    crd.app.state.cds_config = CdsConfig(payer=None, line_of_business=None)  # no default
    response = crd.post(SIGN, json=without_coverage("E0466"))
    assert response.json()["systemActions"] == []
    card = the_card(response)
    assert card["indicator"] == "warning" and "could not read" in card["summary"]
    assert "Cigna" in card["detail"] and "Medicare" in card["detail"]


def several(code: str, *coverages: tuple[str, str, int | None]) -> dict[str, Any]:
    """Inferno's order-sign with ``code``, its order naming no Coverage, and these
    (id, payor display, Coverage.order) Coverages prefetched."""
    data = with_code(code)
    device_order(data).pop("insurance", None)
    template = data["prefetch"]["coverage"]["entry"][0]
    entries = []
    for ident, payor, order in coverages:
        entry = copy.deepcopy(template)
        entry["resource"].update(id=ident, payor=[{"display": payor}])
        if order is not None:
            entry["resource"]["order"] = order
        entries.append(entry)
    data["prefetch"]["coverage"]["entry"] = entries
    return data


def test_of_several_coverages_the_primary_answers(crd: Any) -> None:
    """dev-28: the Coverage most likely primary (Coverage.order 1) is the one asked about;
    coverage information for a likely-secondary payer is not wanted (dev-30)."""
    data = several("E0466", ("cigna-plan", "Cigna", 2), ("medicare-b", "Medicare Part B", 1))
    response = crd.post(SIGN, json=data)
    (ext,) = coverage_extensions(response)
    assert values(ext, "coverage") == [{"reference": "Coverage/medicare-b"}]
    assert values(ext, "pa-needed") == ["no-auth"]  # Medicare's list, not Cigna's auth-needed
    assert the_card(response)["source"]["label"] == "Medicare"


def test_unranked_coverages_of_different_payers_each_get_their_own_answer(crd: Any) -> None:
    """Nothing says which is primary: each Coverage is answered from its own payer's list,
    each extension about its own Coverage with its own assertion id (CRD: "different guidance
    for different coverages the service supports"); an unknown payer's gets coverage-not-found."""
    data = several(
        "K0856",
        ("cigna-plan", "Cigna", None),
        ("medicare-b", "Medicare", None),
        ("a", "Aetna", None),
    )
    response = crd.post(SIGN, json=data)
    exts = coverage_extensions(response)
    by_coverage = {values(e, "coverage")[0]["reference"]: e for e in exts}
    assert list(by_coverage) == ["Coverage/cigna-plan", "Coverage/medicare-b", "Coverage/a"]
    cigna, medicare, aetna = by_coverage.values()
    assert values(cigna, "pa-needed") == ["auth-needed"] and "eviCore" in str(cigna)
    assert values(medicare, "pa-needed") == ["auth-needed"] and "eviCore" not in str(medicare)
    assert "Jurisdiction A" in str(values(medicare, "contact"))  # the Inferno patient: NY
    assert values(aetna, "covered") == ["not-covered"] and "eviCore" not in str(aetna)
    ids = {values(e, "coverage-assertion-id")[0] for e in exts}
    assert len(ids) == 3
    labels = sorted(c["source"]["label"] for c in response.json()["cards"])
    assert labels == ["Aetna", "Cigna", "Medicare"]


def test_unranked_coverages_of_one_payer_get_one_answer(crd: Any) -> None:
    data = several("K0856", ("cigna-1", "Cigna", None), ("cigna-2", "Cigna Healthcare", None))
    (ext,) = coverage_extensions(crd.post(SIGN, json=data))
    assert values(ext, "coverage") == [{"reference": "Coverage/cigna-1"}]


def test_the_orders_own_coverage_decides_among_several(crd: Any) -> None:
    data = with_code("K0856")
    coverages = data["prefetch"]["coverage"]["entry"]
    medicare = copy.deepcopy(coverages[0])
    medicare["resource"]["id"] = "medicare-b"
    medicare["resource"]["payor"] = [{"display": "Medicare Part B"}]
    cigna = copy.deepcopy(coverages[0])
    cigna["resource"]["id"] = "cigna-plan"
    cigna["resource"]["payor"] = [{"display": "Cigna"}]
    data["prefetch"]["coverage"]["entry"] = [cigna, medicare]
    device_order(data)["insurance"] = [{"reference": "Coverage/medicare-b"}]
    ext = the_extension(crd.post(SIGN, json=data))
    assert values(ext, "coverage") == [{"reference": "Coverage/medicare-b"}]
    assert "Medicare" in values(ext, "reason")[0]["text"]
    # The Inferno patient lives in NY: Jurisdiction A.
    assert "Jurisdiction A" in str(values(ext, "contact"))


@pytest.mark.parametrize("text", ["Cigna", "=Cigna", "62308=", "a=b; =Medicare/FFS"])
def test_a_bad_payer_mapping_is_a_configuration_error(text: str) -> None:
    with pytest.raises(ConfigError, match="PRECERT_CDS_PAYERS entry"):
        CdsConfig.from_env({"PRECERT_CDS_PAYERS": text})
    assert parse_mapping(" CMS = Medicare/FFS ;; cigna=Cigna") == (
        ("cms", "Medicare", "FFS"),
        ("cigna", "Cigna", None),
    )
