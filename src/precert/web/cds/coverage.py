"""Build CRD's coverage-information extension from the shared determination (never re-derived)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from precert.models import Contact, Determination, Status
from precert.web.cds.fhir import CPT_URI, HCPCS_URI, CoverageRef, ref_key

JSON = dict[str, Any]

COVERAGE_INFORMATION = (
    "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
)
DETAIL_SYSTEM = "http://terminology.hl7.org/CodeSystem/crd-coverage-detail"
REASON_SYSTEM = "http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp"
# CRD 2.2's coverage assertion reasons used here (ValueSet coverageAssertionReasons).
REASON_DISPLAY = {"technical": "Technical issues", "coverage-not-found": "Coverage not found"}

# How each status of the shared determination reads in CRD terms (README, "CDS Hooks"):
# only the list's own "Yes" and "No" settle prior authorization; "Out Of Scope" and
# "not on the list" mean this list cannot say, so they are indeterminate, never no-auth.
MAPPING: dict[Status, tuple[str, str]] = {
    Status.REQUIRED: ("covered", "auth-needed"),
    Status.NOT_REQUIRED: ("covered", "no-auth"),
    Status.OUT_OF_SCOPE: ("indeterminate", "indeterminate"),
    Status.NOT_LISTED: ("indeterminate", "indeterminate"),
    Status.INVALID: ("indeterminate", "indeterminate"),
}


@dataclass(frozen=True, slots=True)
class Assertion:
    """One coverage assertion about one order, before it is written as FHIR."""

    covered: str
    pa_needed: str
    reasons: tuple[str, ...]
    statuses: tuple[Status, ...] = ()
    codes: tuple[str, ...] = ()
    info_needed: tuple[str, ...] = ()
    billing: tuple[JSON, ...] = ()
    details: tuple[tuple[str, str], ...] = ()  # (category, instruction text)
    contact: Contact | None = None
    reason_code: str | None = None  # a CRD temp code: "technical", "coverage-not-found"

    @property
    def technical(self) -> bool:
        """True when this service failed to read the order (not an answer from a list)."""
        return self.reason_code == "technical"


def _citation(answer: Determination) -> str:
    if not answer.sources:
        return ""
    more = len(answer.sources) - 1
    return answer.sources[0].cite() + (f", and {more} more row(s)" if more else "")


def _reason(answer: Determination) -> str:
    """One sentence saying why, in the words a clinician or intake clerk needs."""
    payer = answer.payer or "the payer"
    code = answer.code or repr(answer.query)
    cited = _citation(answer)
    where = f" ({cited})" if cited else ""
    if answer.status is Status.REQUIRED:
        to = answer.submit_to.name if answer.submit_to else payer
        return (
            f"{payer}'s list requires prior authorization for {code}{where}; request it from {to}."
        )
    if answer.status is Status.NOT_REQUIRED:
        return f"{payer}'s list says {code} needs no prior authorization in this program{where}."
    if answer.status is Status.OUT_OF_SCOPE:
        return (
            f"{payer}'s list marks {code} Out Of Scope for this program{where}: the list does not "
            f"settle prior authorization; {payer}'s other precertification rules and the "
            "member's plan may still require it."
        )
    if answer.status is Status.NOT_LISTED:
        return (
            f"{code} is on no list this service holds for {payer} "
            f"{answer.line_of_business or ''}".rstrip()
            + "; that is not 'no prior authorization': check the payer's other rules."
        )
    return f"{code} is not a HCPCS Level II or CPT code: {answer.message or 'unreadable'}"


def _billing(answer: Determination) -> JSON | None:
    if answer.code is None:
        return None
    coding: JSON = {"system": CPT_URI if answer.system == "CPT" else HCPCS_URI, "code": answer.code}
    if answer.hcpcs is not None and answer.hcpcs.short_description:
        coding["display"] = answer.hcpcs.short_description
    return coding


def _how_to(answer: Determination, contact: Contact) -> str:
    """Where to turn: who takes the request (required) or whom the list says to ask."""
    verb = "Request prior authorization from" if answer.status is Status.REQUIRED else "Contact"
    ways = []
    if contact.phone:
        ways.append(
            f"phone {contact.phone}" + (f", option {contact.option}" if contact.option else "")
        )
    if contact.fax:
        ways.append(f"fax {contact.fax}")
    if contact.url:
        ways.append(contact.url)
    return f"{verb} {contact.name}" + (": " + "; ".join(ways) if ways else "") + "."


def assess(answers: Sequence[Determination]) -> Assertion:
    """The assertion for an order whose codes got ``answers`` (one per billing code)."""
    statuses = tuple(a.status for a in answers)
    billing = tuple(b for b in (_billing(a) for a in answers) if b is not None)
    details: list[tuple[str, str]] = []
    for answer in answers:
        prefix = f"{answer.code}: " if len(answers) > 1 and answer.code else ""
        if answer.submit_to is not None and answer.status in (
            Status.REQUIRED,
            Status.OUT_OF_SCOPE,
        ):
            details.append(("cat-other", prefix + _how_to(answer, answer.submit_to)))
        for note in (*answer.notes, *answer.warnings):
            if (note_text := prefix + note) not in (d[1] for d in details):
                details.append(("cat-limitation", note_text))
        cited = _citation(answer)
        if cited:
            details.append(("cat-other", f"{prefix}Source: {cited}."))
    contact = next((a.submit_to for a in answers if a.submit_to is not None), None)
    codes = tuple(a.code or a.query for a in answers)
    if len(set(statuses)) == 1:
        covered, pa_needed = MAPPING[statuses[0]]
        return Assertion(
            covered,
            pa_needed,
            tuple(dict.fromkeys(_reason(a) for a in answers)),
            statuses,
            codes,
            billing=billing,
            details=tuple(details),
            contact=contact,
        )
    # Several billing codes with different answers: which one is billed decides (CRD's
    # "conditional" with info-needed detail-code), so every code's answer is listed.
    said = "; ".join(f"{a.code or a.query}: {a.status.label.lower()}" for a in answers)
    return Assertion(
        "conditional",
        "conditional",
        (f"The order's billing codes have different answers ({said}); the code billed decides.",),
        statuses,
        codes,
        info_needed=("detail-code",),
        billing=billing,
        details=tuple(details),
        contact=contact,
    )


def unreadable(problem: str) -> Assertion:
    """The assertion for an order this service could not read (technical, indeterminate)."""
    return Assertion(
        "indeterminate",
        "indeterminate",
        (f"This service could not read the order: {problem}.",),
        reason_code="technical",
    )


def not_found(reason: str) -> Assertion:
    """The assertion for a Coverage with a payer this service holds no list of.

    CRD 2.2 (cards.html#coverage-information-response-type, FHIR-50006 / FHIR-49637): a
    Coverage the service cannot resolve is no error; it still gets coverage information,
    "not covered" with a reason saying why. ``coverage-not-found`` is CRD's reason code for
    it ("the payer is not available to resolve the provided coverage information"); the text
    says this is no statement about that payer's rules. No ``pa-needed`` (crd-ci-q2).
    """
    return Assertion("not-covered", "", (reason,), reason_code="coverage-not-found")


def assertion_id(*parts: str) -> str:
    """A stable trace id for one assertion (same request, order and answer: same id)."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _contact_detail(contact: Contact) -> JSON:
    telecom = [
        {"system": system, "value": value}
        for system, value in (("phone", contact.phone), ("fax", contact.fax), ("url", contact.url))
        if value
    ]
    out: JSON = {"name": contact.name}
    if telecom:
        out["telecom"] = telecom
    return out


def extension(assertion: Assertion, coverage: CoverageRef, when: dt.date, trace_id: str) -> JSON:
    """The ext-coverage-information extension (CRD 2.2, invariants crd-ci-q1..q9 hold)."""
    parts: list[JSON] = [
        {"url": "coverage", "valueReference": coverage.to_fhir()},
        {"url": "covered", "valueCode": assertion.covered},
    ]
    # crd-ci-q2: "not-covered" (said only of a Coverage this service cannot resolve) carries
    # no pa-needed.
    if assertion.covered != "not-covered":
        parts.append({"url": "pa-needed", "valueCode": assertion.pa_needed})
    parts.extend({"url": "info-needed", "valueCode": code} for code in assertion.info_needed)
    parts.extend({"url": "billingCode", "valueCoding": coding} for coding in assertion.billing)
    for text in assertion.reasons:
        # crd-ci-q7 / q9: every reason has text; "technical" is CRD's code for our failures,
        # "coverage-not-found" for a Coverage of a payer we hold no list of.
        concept: JSON = {"text": text}
        if assertion.reason_code is not None:
            display = REASON_DISPLAY[assertion.reason_code]
            concept["coding"] = [
                {"system": REASON_SYSTEM, "code": assertion.reason_code, "display": display}
            ]
        parts.append({"url": "reason", "valueCodeableConcept": concept})
    for category, text in assertion.details:
        parts.append(
            {
                "url": "detail",
                "extension": [
                    {"url": "category", "valueCode": category},
                    {
                        "url": "code",
                        "valueCodeableConcept": {
                            "coding": [{"system": DETAIL_SYSTEM, "code": "instructions"}]
                        },
                    },
                    {"url": "value", "valueString": text},
                ],
            }
        )
    parts.append({"url": "date", "valueDate": when.isoformat()})
    parts.append({"url": "coverage-assertion-id", "valueString": trace_id})
    if assertion.contact is not None:
        parts.append({"url": "contact", "valueContactDetail": _contact_detail(assertion.contact)})
    return {"url": COVERAGE_INFORMATION, "extension": parts}


def with_extension(resource: JSON, ext: JSON) -> JSON:
    """A copy of ``resource`` carrying ``ext``; an earlier coverage-information about the same
    coverage is replaced (a stale assertion must not sit beside the new one)."""
    coverage = _coverage_of(ext)
    existing = resource.get("extension")
    # A malformed single object is kept as one extension; anything else is not an extension.
    current = (
        existing if isinstance(existing, list) else [existing] if isinstance(existing, dict) else []
    )
    kept = [
        e
        for e in current
        if not (
            isinstance(e, dict)
            and e.get("url") == COVERAGE_INFORMATION
            and _coverage_of(e) == coverage
        )
    ]
    updated = dict(resource)
    updated["extension"] = [*kept, ext]
    return updated


def _coverage_of(ext: JSON) -> Any:
    """The Coverage an extension is about, as ``Coverage/id`` (absolute URLs normalized)."""
    for part in ext.get("extension") or []:
        if isinstance(part, dict) and part.get("url") == "coverage":
            value = part.get("valueReference")
            if isinstance(value, dict):
                return ref_key(value.get("reference")) or value.get("display")
    return None
