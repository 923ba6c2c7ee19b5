"""Whose list answers a CDS Hooks call: the payer of the Coverage the request carries.

What Da Vinci CRD 2.2 prescribes, and how precert follows it (IG sections named in brackets):

- A client calls a payer's service only for a member with active coverage with that payer
  [deviations.html#controlling-hook-invocation, dev-26], and sends only the Coverage most
  likely primary [dev-28, dev-29; foundation.html#prefetch: "Coverage included in prefetch
  must be limited to a single instance"]; an order may name its own Coverage in
  ``insurance``. precert holds several payers' lists, so that Coverage says which answers:
  its ``payor`` — an identifier (``system|value`` or the value), a display, or the
  Organization it references when the client sent it (name, aliases, identifiers) — is
  looked up in the configured mapping (``PRECERT_CDS_PAYERS``: ``key=Payer[/Line of
  business]`` entries separated by ``;``), then compared with the loaded payers' names (a
  payor named "Centers for Medicare and Medicaid Services" is Medicare's when Medicare is
  loaded).
- Several Coverages: the order's own ``insurance`` decides, else the active one first in
  ``Coverage.order`` (1 = primary), as dev-28 has the client choose; coverage information
  for likely-secondary payers is not wanted [dev-30]. When nothing ranks them (no
  ``order``, or equal) and they belong to different payers, each gets its own answer: CRD
  allows one coverage-information per Coverage the service supports, each with its own
  assertion id [cards.html#coverage-information-response-type, FHIR-51420].
- A Coverage whose payer maps to no loaded list is unhandled: CRD says a Coverage the
  service cannot resolve is not an error, still gets a coverage-information system action,
  "not covered" with a reason saying why [cards.html#coverage-information-response-type,
  FHIR-50006, FHIR-49637]; the reason code is ``coverage-not-found`` (CRD temp codes).
  It never gets another payer's answer.
- No Coverage at all: the coverage-information extension needs a reference to the client's
  Coverage ("If no coverage instance is available, the coverage-information extension
  cannot be returned", ext-coverage-information ``coverage``), so the configured default
  (``PRECERT_CDS_PAYER`` / ``_LOB``, or the only payer loaded) answers in a card only.
- A Coverage whose payor is only a reference to an Organization not sent names no payer:
  the client called this service for its own members [dev-26], so the default answers.

The member's state (``Patient.address``, home address first) goes with the question, so a
list that routes requests by state (Medicare's DME MACs) names the right contractor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from precert.states import postal
from precert.web.cds.fhir import JSON, CoverageRef, ResourceIndex, key_of, ref_key

Scope = tuple[str, str]  # (payer, line of business) of a loaded list


class MappingError(ValueError):
    """``PRECERT_CDS_PAYERS`` cannot be read; the message says which entry and why."""


def parse_mapping(text: str) -> tuple[tuple[str, str, str | None], ...]:
    """``key=Payer[/LOB]; ...`` as (folded key, payer, line of business or None) triples."""
    out: list[tuple[str, str, str | None]] = []
    for entry in (e.strip() for e in text.split(";")):
        if not entry:
            continue
        key, sep, target = entry.rpartition("=")
        payer, _, lob = target.partition("/")
        if not sep or not key.strip() or not payer.strip():
            raise MappingError(
                f"PRECERT_CDS_PAYERS entry {entry[:80]!r} is not key=Payer or key=Payer/LOB "
                "(e.g. 'http://example.org/payer-id|62308=Cigna/Commercial; CMS=Medicare/FFS')"
            )
        out.append((_fold(key), payer.strip(), lob.strip() or None))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Resolution:
    """Whom one order is answered for, and which of the client's Coverages that is about."""

    coverage: CoverageRef | None  # None: the request carries no Coverage
    payer: str | None  # None with ``unhandled`` set, or when no default is configured
    line_of_business: str | None
    state: str | None
    unhandled: str | None = None  # the Coverage's payer, when no loaded list is theirs


def resolve(
    order: Mapping[str, Any],
    index: ResourceIndex,
    context: Mapping[str, Any],
    mapping: Sequence[tuple[str, str, str | None]],
    loaded: Sequence[Scope],
    default: tuple[str | None, str | None],
) -> tuple[Resolution, ...]:
    """Whose list answers ``order``: one Resolution per Coverage it is about (one, unless
    several unranked Coverages of different payers were sent), or the default's with none."""
    candidates = _coverages(order, index)
    if not candidates:
        return (Resolution(None, default[0], default[1], member_state(index, context, None)),)
    found = [
        _whom(reference, coverage, index, context, mapping, loaded, default)
        for reference, coverage in candidates
    ]
    scopes = {(w.payer, w.line_of_business, w.unhandled) for w in found}
    return tuple(found) if len(scopes) > 1 else (found[0],)


def _whom(
    reference: str,
    coverage: JSON | None,
    index: ResourceIndex,
    context: Mapping[str, Any],
    mapping: Sequence[tuple[str, str, str | None]],
    loaded: Sequence[Scope],
    default: tuple[str | None, str | None],
) -> Resolution:
    ref = CoverageRef(reference)
    state = member_state(index, context, coverage)
    if coverage is None:  # named by the order but not sent: its payer is unknown
        return Resolution(ref, default[0], default[1], state)
    names = payor_names(coverage, index)
    found = match_payer([*names, *_payor_references(coverage)], mapping, loaded)
    if found is not None:
        return Resolution(ref, found[0], found[1], state)
    if names:  # a payer precert holds no list of
        return Resolution(ref, None, None, state, unhandled=names[0])
    # The payor is only a reference to an Organization not sent: nothing names another payer,
    # and the client calls this service only for its own members (dev-26): the default answers.
    return Resolution(ref, default[0], default[1], state)


def _coverages(order: Mapping[str, Any], index: ResourceIndex) -> list[tuple[str, JSON | None]]:
    """(reference, resource or None) of the Coverages an order is about: its own
    ``insurance`` (the resource when sent), else the prefetched active Coverage first in
    ``order`` (1 = primary), else every active one sent when nothing ranks them."""
    insurance = order.get("insurance")
    for ref in insurance if isinstance(insurance, list) else [insurance]:
        key = ref_key(ref.get("reference")) if isinstance(ref, dict) else None
        if key is not None and key.startswith("Coverage/"):
            return [(key, index.get(key))]
    coverages = [c for c in index.of_type("Coverage") if key_of(c) is not None]
    active = [c for c in coverages if c.get("status") in (None, "active")] or coverages

    def priority(coverage: JSON) -> int:
        rank = coverage.get("order")
        return rank if type(rank) is int and rank > 0 else 1_000_000

    best = min((priority(c) for c in active), default=None)
    return [(str(key_of(c)), c) for c in active if priority(c) == best]


def payor_names(coverage: Mapping[str, Any], index: ResourceIndex) -> list[str]:
    """Every name the Coverage gives its payer: displays, identifiers (``system|value`` and
    the value), and the referenced Organization's name, aliases and identifiers."""
    names: list[str] = []
    payors = coverage.get("payor")
    for payor in payors if isinstance(payors, list) else ():
        if not isinstance(payor, dict):
            continue
        names.extend(_identifier_names(payor.get("identifier")))
        if isinstance(payor.get("display"), str):
            names.append(payor["display"])
        organization = index.get(payor.get("reference"), coverage)
        if organization is not None and organization.get("resourceType") == "Organization":
            if isinstance(organization.get("name"), str):
                names.append(organization["name"])
            aliases = organization.get("alias")
            if isinstance(aliases, list):
                names.extend(a for a in aliases if isinstance(a, str))
            identifiers = organization.get("identifier")
            for identifier in identifiers if isinstance(identifiers, list) else ():
                names.extend(_identifier_names(identifier))
    return [n.strip() for n in names if n.strip()]


def _payor_references(coverage: Mapping[str, Any]) -> list[str]:
    """The payors' references ("Organization/org1234"), which a mapping key may name."""
    payors = coverage.get("payor")
    keys = [
        ref_key(p.get("reference"))
        for p in (payors if isinstance(payors, list) else ())
        if isinstance(p, dict)
    ]
    return [k for k in keys if k]


def not_found(whom: Resolution, loaded: Sequence[Scope]) -> str:
    """The reason text for an order whose Coverage is with a payer precert holds no list of."""
    held = ", ".join(f"{p} {lob}" for p, lob in loaded) or "none"
    about = whom.coverage.reference if whom.coverage else "the request's Coverage"
    return (
        f"{about} is with {whom.unhandled}, and this service holds prior-authorization lists "
        f"only for: {held}; it cannot resolve that Coverage, so it says nothing about "
        f"{whom.unhandled}'s rules (ask {whom.unhandled}). If this payer is one of those, map "
        "its identifier in PRECERT_CDS_PAYERS."
    )


def _identifier_names(identifier: object) -> list[str]:
    if not isinstance(identifier, dict) or not isinstance(identifier.get("value"), str):
        return []
    value = identifier["value"]
    system = identifier.get("system")
    return [f"{system}|{value}", value] if isinstance(system, str) else [value]


def match_payer(
    names: Sequence[str], mapping: Sequence[tuple[str, str, str | None]], loaded: Sequence[Scope]
) -> tuple[str, str | None] | None:
    """The loaded (payer, line of business or None) the names point to: a configured key
    first, then the one loaded payer whose name stands as a word in them. Names that hold
    several loaded payers' names ("Cigna Medicare Advantage") match none: guessing would
    answer one payer's Coverage from another's list; the mapping can say which it is."""
    folded = [_fold(n) for n in names]
    for key, payer, lob in mapping:
        if key in folded:
            return payer, lob
    named = [
        payer
        for payer in dict.fromkeys(p for p, _ in loaded)
        if any(re.search(rf"\b{re.escape(payer.casefold())}\b", n.casefold()) for n in names)
    ]
    return (named[0], None) if len(named) == 1 else None


def member_state(
    index: ResourceIndex, context: Mapping[str, Any], coverage: Mapping[str, Any] | None
) -> str | None:
    """The member's state from the Patient's address (home first), if the client sent it."""
    patient = None
    if isinstance(context.get("patientId"), str):
        pid = context["patientId"]
        patient = index.get(pid if "/" in pid else f"Patient/{pid}")
    if patient is None and coverage is not None:
        beneficiary = coverage.get("beneficiary")
        if isinstance(beneficiary, dict):
            patient = index.get(beneficiary.get("reference"), coverage)
    addresses = patient.get("address") if patient is not None else None
    if not isinstance(addresses, list):
        return None
    usable = [a for a in addresses if isinstance(a, dict) and isinstance(a.get("state"), str)]
    usable.sort(key=lambda a: (a.get("use") != "home", a.get("use") == "old"))
    for address in usable:
        state = postal(str(address["state"]))  # USPS code (US Core) or the state's name
        if state is not None:
            return state
    return None


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())
