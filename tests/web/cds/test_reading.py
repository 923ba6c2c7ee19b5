"""FHIR reading (systems, references, dates) and the CRD invariant check, on real examples."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from precert.web.cds.fhir import (
    ResourceIndex,
    billing_system,
    ref_key,
    service_date,
)
from precert.web.cds.invariants import problems
from precert.web.cds.payers import Resolution, resolve

CRD = Path(__file__).resolve().parents[2] / "fixtures" / "crd"
EXT_URL = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"


def ig_extensions() -> list[tuple[str, dict[str, Any]]]:
    """Every coverage-information extension in the IG's and Inferno's example responses."""
    found = []
    for path in sorted(CRD.rglob("*.json")):
        data = json.loads(path.read_text())
        actions = data.get("systemActions", [data]) if isinstance(data, dict) else []
        for action in actions:
            for ext in (action.get("resource") or {}).get("extension", []):
                if ext.get("url") == EXT_URL:
                    found.append((path.name, ext))
    return found


EXAMPLES = ig_extensions()


def test_the_published_examples_pass_the_check() -> None:
    """The CRD IG's examples and Inferno's "covered" one satisfy CRD 2.2 as this check reads
    it. Inferno's two older examples show what changed by 2.2, and the check says so: one has
    a doc-purpose without a reason (crd-ci-q8), the other a 2.0 ContactPoint contact and a
    detail without category."""
    verdicts = {name: problems(ext) for name, ext in EXAMPLES}
    assert len(verdicts) == 5, sorted(verdicts)
    assert verdicts.pop("coverage_info_system_action_conditional.json") == [
        "crd-ci-q8: doc-purpose without a reason"
    ]
    assert verdicts.pop("crd_authorization_hook_response.json") == [
        "contact must carry valueContactDetail",
        "detail lacks its category",
    ]
    assert verdicts == {
        "CRDServiceResponse.json": [],
        "CRDServiceResponse3.json": [],
        "coverage_info_system_action_covered.json": [],
    }


def _with(ext: dict[str, Any], *parts: dict[str, Any], drop: str | None = None) -> dict[str, Any]:
    out = copy.deepcopy(ext)
    out["extension"] = [p for p in out["extension"] if p["url"] != drop] + list(parts)
    return out


BASE = next(ext for name, ext in EXAMPLES if name == "coverage_info_system_action_covered.json")


@pytest.mark.parametrize(
    ("broken", "invariant"),
    [
        (_with(BASE, {"url": "covered", "valueCode": "not-covered"}, drop="covered"), "q2"),
        (_with(BASE, {"url": "pa-needed", "valueCode": "conditional"}, drop="pa-needed"), "q3"),
        (_with(BASE, {"url": "info-needed", "valueCode": "performer"}), "q3"),
        (
            _with(
                BASE,
                {"url": "doc-needed", "valueCode": "clinical"},
                {"url": "doc-purpose", "valueCode": "withpa"},
            ),
            "q4",
        ),
        (_with(BASE, {"url": "satisfied-pa-id", "valueString": "x"}), "q5"),
        (_with(BASE, {"url": "pa-needed", "valueCode": "indeterminate"}, drop="pa-needed"), "q9"),
        (_with(BASE, {"url": "questionnaire", "valueCanonical": "http://q"}), "q1"),
        (
            _with(BASE, {"url": "reason", "valueCodeableConcept": {"coding": [{"code": "mine"}]}}),
            "q7",
        ),
        (_with(BASE, drop="coverage-assertion-id"), "coverage-assertion-id occurs 0"),
        (
            _with(BASE, {"url": "covered", "valueCode": "yes"}, drop="covered"),
            "not in its value set",
        ),
        (_with(BASE, {"url": "date", "valueDate": "2026-01-01"}), "date occurs 2"),
    ],
)
def test_each_broken_invariant_is_caught(broken: dict[str, Any], invariant: str) -> None:
    """The check would catch an extension that breaks CRD (so passing it means something)."""
    assert any(invariant in p for p in problems(broken)), problems(broken)


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        ("https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "HCPCS"),
        ("http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "HCPCS"),
        ("hhttps://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "HCPCS"),
        ("https://bluebutton.cms.gov/resources/codesystem/hcpcs", "HCPCS"),
        ("http://www.ama-assn.org/go/cpt", "CPT"),
        ("urn:oid:2.16.840.1.113883.6.12", "CPT"),
        ("http://snomed.info/sct", None),
        ("https://www.cms.gov/Medicare/Coding/ICD10", None),
        (None, None),
        (42, None),
    ],
)
def test_billing_systems(system: Any, expected: str | None) -> None:
    """HCPCS and CPT URIs in their spellings seen in real requests; nothing else."""
    assert billing_system(system) == expected


@pytest.mark.parametrize(
    ("reference", "key"),
    [
        ("Coverage/cov015", "Coverage/cov015"),
        ("https://inferno.healthit.gov/reference-server/r4/Coverage/cov015", "Coverage/cov015"),
        ("http://ehr.example/fhir/Device/d1/_history/3", "Device/d1"),
        ("#dev1", "#dev1"),
        ("Coverage?patient=1", None),
        ("", None),
        (None, None),
        ({"reference": "Coverage/1"}, None),
    ],
)
def test_references(reference: Any, key: str | None) -> None:
    """Relative, absolute, versioned and contained references find the same resource."""
    assert ref_key(reference) == key


@given(
    st.from_regex(r"[A-Z][A-Za-z]{1,20}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9\-.]{1,64}", fullmatch=True),
)
def test_reference_round_trip(rtype: str, rid: str) -> None:
    """Any base URL in front of Type/id gives back Type/id."""
    assert ref_key(f"{rtype}/{rid}") == f"{rtype}/{rid}"
    assert ref_key(f"https://ehr.example.org/fhir/r4/{rtype}/{rid}") == f"{rtype}/{rid}"


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ({"occurrenceDateTime": "2026-03-01T10:00:00Z"}, dt.date(2026, 3, 1)),
        ({"occurrencePeriod": {"start": "2025-12-31"}}, dt.date(2025, 12, 31)),
        ({"occurrenceTiming": {"event": ["2024-02-29"]}}, dt.date(2024, 2, 29)),
        ({"start": "2026-01-02T09:00:00-05:00"}, dt.date(2026, 1, 2)),
        ({"occurrenceTiming": {"repeat": {"boundsDuration": {"value": 8}}}}, None),
        ({"occurrenceDateTime": "2023-02-30"}, None),
        ({"occurrenceDateTime": 20260301}, None),
        ({"occurrenceDateTime": "2026-06"}, dt.date(2026, 6, 1)),  # partial FHIR dates
        ({"occurrencePeriod": {"start": "2027"}}, dt.date(2027, 1, 1)),
        ({"occurrenceDateTime": "20260301"}, None),
        ({"occurrenceDateTime": "2026-13"}, None),
        ({"authoredOn": "2023-01-01"}, None),  # when ordered is not when served
    ],
)
def test_service_dates(resource: dict[str, Any], expected: dt.date | None) -> None:
    """The date of service from whichever occurrence element the order uses."""
    assert service_date(resource) == expected


def test_coverage_choice() -> None:
    """The order's insurance, else the prefetched active Coverage first in ``order`` (1 is
    primary), else the first active one; the Coverage's payer then answers."""
    index = ResourceIndex()
    index.add(
        {
            "resourceType": "Bundle",
            "entry": [
                {"resource": {"resourceType": "Coverage", "id": "old", "status": "cancelled"}},
                {
                    "resourceType": "x",
                    "resource": {"resourceType": "Coverage", "id": "a", "status": "active"},
                },
                {
                    "resource": {
                        "resourceType": "Coverage",
                        "id": "c",
                        "status": "active",
                        "order": 1,
                        "payor": [{"display": "Cigna Healthcare"}],
                    }
                },
            ],
        }
    )
    loaded = [("Cigna", "Commercial"), ("Medicare", "FFS")]

    def whom(order: dict[str, Any], idx: ResourceIndex = index) -> Resolution:
        (found,) = resolve(order, idx, {}, (), loaded, ("Medicare", None))
        return found

    mine = whom({"insurance": [{"reference": "Coverage/mine"}]})
    assert mine.coverage.reference == "Coverage/mine"  # not sent: its payer is unknown
    assert (mine.payer, mine.unhandled) == ("Medicare", None)  # so the default answers
    assert whom({"insurance": {"reference": "Coverage/a"}}).coverage.reference == "Coverage/a"
    primary = whom({})
    assert (primary.coverage.reference, primary.payer) == ("Coverage/c", "Cigna")
    empty = whom({}, ResourceIndex())
    assert empty.coverage is None  # no Coverage: nothing for an extension to reference
    assert empty.payer == "Medicare"  # so the configured default answers (in a card)
    # Unranked Coverages of different payers: each is answered for its own payer.
    index.add({"resourceType": "Coverage", "id": "d", "status": "active", "order": 1})
    tied = resolve({}, index, {}, (), loaded, ("Medicare", None))
    assert [(w.coverage.reference if w.coverage else None, w.payer) for w in tied] == [
        ("Coverage/c", "Cigna"),
        ("Coverage/d", "Medicare"),  # payor not named: the default
    ]
