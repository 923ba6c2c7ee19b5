"""Check a coverage-information extension against CRD 2.2's cardinalities, codes and invariants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

COVERED = frozenset({"covered", "not-covered", "conditional", "indeterminate"})
PA_NEEDED = frozenset(
    {"no-auth", "auth-needed", "satisfied", "performpa", "conditional", "indeterminate"}
)
DOC_NEEDED = frozenset({"clinical", "admin", "patient", "conditional", "indeterminate"})
DOC_PURPOSE = frozenset({"withpa", "withclaim", "withorder", "retain-doc", "OTH"})
INFO_NEEDED = frozenset(
    {"performer", "location", "timeframe", "contract-window", "detail-code", "OTH"}
)
DETAIL_CATEGORIES = frozenset({"cat-limitation", "cat-decisional", "cat-other"})
# Assertion reasons bound (extensibly) by CRD 2.2's coverageAssertionReasons value set.
REASONS = frozenset(
    {"gold-card", "no-member-found", "no-active-coverage", "coverage-not-found", "auth-out-network"}
)
CARDINALITY = {
    "coverage": (1, 1),
    "covered": (1, 1),
    "pa-needed": (0, 1),
    "date": (1, 1),
    "coverage-assertion-id": (1, 1),
    "satisfied-pa-id": (0, 1),
    "expiry-date": (0, 1),
}
VALUE_TYPE = {
    "coverage": "valueReference",
    "covered": "valueCode",
    "pa-needed": "valueCode",
    "doc-needed": "valueCode",
    "doc-purpose": "valueCode",
    "info-needed": "valueCode",
    "billingCode": "valueCoding",
    "reason": "valueCodeableConcept",
    "dependency": "valueReference",
    "questionnaire": "valueCanonical",
    "date": "valueDate",
    "coverage-assertion-id": "valueString",
    "satisfied-pa-id": "valueString",
    "contact": "valueContactDetail",
    "expiry-date": "valueDate",
}


def problems(ext: Mapping[str, Any]) -> list[str]:
    """Every way ``ext`` breaks the CRD 2.2 ext-coverage-information definition (empty: valid)."""
    out: list[str] = []
    parts = [p for p in ext.get("extension") or [] if isinstance(p, dict)]
    by_url: dict[str, list[Mapping[str, Any]]] = {}
    for part in parts:
        url = part.get("url")
        if url not in VALUE_TYPE and url != "detail":
            out.append(f"unknown sub-extension {url!r}")
            continue
        by_url.setdefault(str(url), []).append(part)
        if url != "detail" and VALUE_TYPE[str(url)] not in part:
            out.append(f"{url} must carry {VALUE_TYPE[str(url)]}")
    for url, (low, high) in CARDINALITY.items():
        n = len(by_url.get(url, []))
        if not low <= n <= high:
            out.append(f"{url} occurs {n} times, allowed {low}..{high}")

    def codes(url: str) -> list[Any]:
        return [p.get("valueCode") for p in by_url.get(url, [])]

    for url, allowed in (
        ("covered", COVERED),
        ("pa-needed", PA_NEEDED),
        ("doc-needed", DOC_NEEDED),
        ("doc-purpose", DOC_PURPOSE),
        ("info-needed", INFO_NEEDED),
    ):
        out.extend(f"{url} {c!r} is not in its value set" for c in codes(url) if c not in allowed)
    for detail in by_url.get("detail", []):
        sub = {p.get("url"): p for p in detail.get("extension") or [] if isinstance(p, dict)}
        for name in ("category", "code", "value"):
            if name not in sub:
                out.append(f"detail lacks its {name}")
        if "category" in sub and sub["category"].get("valueCode") not in DETAIL_CATEGORIES:
            out.append(f"detail category {sub['category'].get('valueCode')!r} is not allowed")
    states = codes("covered") + codes("pa-needed") + codes("doc-needed")
    if by_url.get("questionnaire") and not by_url.get("doc-needed"):
        out.append("crd-ci-q1: questionnaire without doc-needed")
    if "not-covered" in codes("covered") and by_url.get("pa-needed"):
        out.append("crd-ci-q2: not-covered with pa-needed")
    if "conditional" in states and not by_url.get("info-needed"):
        out.append("crd-ci-q3: conditional without info-needed")
    if by_url.get("info-needed") and "conditional" not in states:
        out.append("crd-ci-q3: info-needed without anything conditional")
    if set(codes("pa-needed")) & {"satisfied", "no-auth", "not-covered"} and (
        "withpa" in codes("doc-purpose")
    ):
        out.append("crd-ci-q4: doc-purpose withpa although no prior authorization is to be sought")
    if ("satisfied" in codes("pa-needed")) != bool(by_url.get("satisfied-pa-id")):
        out.append("crd-ci-q5: satisfied-pa-id must exist exactly when pa-needed is satisfied")
    reasons = [p.get("valueCodeableConcept") or {} for p in by_url.get("reason", [])]
    if "OTH" in codes("info-needed") and not reasons:
        out.append("crd-ci-q6: info-needed OTH without a reason")
    for reason in reasons:
        coded = [c.get("code") for c in reason.get("coding") or [] if isinstance(c, dict)]
        if not reason.get("text") and not (coded and all(c in REASONS for c in coded)):
            out.append("crd-ci-q7: a reason outside the value set without text")
    if any(c != "conditional" for c in codes("doc-purpose")) and not reasons:
        out.append("crd-ci-q8: doc-purpose without a reason")
    if "indeterminate" in states and not reasons:
        out.append("crd-ci-q9: indeterminate without a reason")
    return out
