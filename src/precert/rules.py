"""The determination: published rows + CMS facts + what was typed -> one explained answer (pure)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from precert.codes import system_of
from precert.models import (
    EVICORE,
    RESTRICTIVENESS,
    Contact,
    Determination,
    Entry,
    HcpcsCode,
    ParsedCode,
    Status,
)

PUBLISHED_STATUS = {
    "yes": Status.REQUIRED,
    "no": Status.NOT_REQUIRED,
    "out of scope": Status.OUT_OF_SCOPE,
}
RENTAL_MODIFIERS = frozenset({"RR"})
MISSING_CATEGORIES = frozenset({"", "0", "#N/A", "N/A", "NA", "-"})
_ACRONYMS = ("TENS", "DME", "CPAP", "BIPAP", "AED", "IPPB", "O&P", "CGM", "NMES", "PAP")
_PHONE = r"(\d{3}[-.\s]\d{3}[-.\s]\d{4})"
_CIGNA_CONTACT = re.compile(r"reach out to Cigna at\s*" + _PHONE, re.IGNORECASE)
_OPTION = re.compile(r"option\s*(\d+)", re.IGNORECASE)
_FAX = re.compile(r"\(fax\)\s*" + _PHONE, re.IGNORECASE)
_CIGNA_PRECERT = re.compile(r"precertification through Cigna", re.IGNORECASE)
_EFFECTIVE = re.compile(r"effective\s+(\d{1,2})[./-](\d{1,2})[./-](\d{4})", re.IGNORECASE)
_PURCHASE_ONLY = re.compile(r"^\s*purchase only\.?\s*$", re.IGNORECASE)
_OVER_COMPONENTS = re.compile(r">\s*(\d+)\s*components?,?\s*purchase only", re.IGNORECASE)
_SLEEP = re.compile(r"part of sleep DME", re.IGNORECASE)
# Note text that publishers sometimes repeat inside the description column.
_NOTE_MARKERS = (
    re.compile(r"[\s.\-*]*For this HCPCS code please reach out.*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"[\s.\-*]*\*?Requires precertification through.*$", re.IGNORECASE | re.DOTALL),
)
# What each HCPCS Level II letter family holds (used to spot categories that do not fit).
FAMILIES = {
    "A": "medical and surgical supplies",
    "B": "enteral and parenteral therapy",
    "E": "durable medical equipment",
    "K": "temporary DME codes",
    "L": "orthotics and prosthetics",
    "S": "temporary national codes",
}

NOTE_OUT_OF_SCOPE = (
    "Out Of Scope: {payer}'s {program} program does not manage this code. That is not "
    "\"no prior authorization\": {payer}'s master precertification list and the member's "
    "plan may still require it."
)
NOTE_NOT_LISTED = (
    "No loaded list of this payer and line of business mentions this code. That is not "
    '"no prior authorization": check the payer\'s master precertification list and the '
    "member's plan."
)
NOTE_NOT_REQUIRED = "In the program; the list says no prior authorization is needed."
NOTE_SLEEP = "Part of sleep DME: handled by Cigna's separate sleep program."


@dataclass(frozen=True, slots=True)
class RowRules:
    """What a row's free-text notes mean for the answer."""

    notes: tuple[str, ...] = ()
    contact: Contact | None = None
    effective: dt.date | None = None
    purchase_only: bool = False
    purchase_only_over: int | None = None
    sleep_program: bool = False


def published_status(raw: str) -> Status:
    """Map the published "Yes" / "No" / "Out Of Scope" to a status."""
    try:
        return PUBLISHED_STATUS[raw.strip().lower()]
    except KeyError:
        raise ValueError(f"expected Yes, No or Out Of Scope, found {raw!r}") from None


def clean_description(description: str) -> str:
    """The description without the note text some rows repeat inside it."""
    text = description.strip()
    for marker in _NOTE_MARKERS:
        text = marker.sub("", text)
    return text.strip(" -*") or description.strip()


def note_in_description(description: str) -> str | None:
    """The note text a description carries inside itself, if any."""
    for marker in _NOTE_MARKERS:
        match = marker.search(description)
        if match:
            return match.group(0).strip(" .-*")
    return None


def clean_category(raw: str) -> str | None:
    """A clean category (sentence case, acronyms kept), or None when the published one is empty."""
    text = re.sub(r"\s+", " ", raw).strip()
    if text.upper() in MISSING_CATEGORIES:
        return None
    cleaned = text.lower()
    cleaned = cleaned[:1].upper() + cleaned[1:]
    for acronym in _ACRONYMS:
        cleaned = re.sub(
            rf"(?<![A-Za-z]){re.escape(acronym)}(?![A-Za-z])", acronym, cleaned, flags=re.IGNORECASE
        )
    return cleaned


@lru_cache(maxsize=4096)
def category_problems(code: str, raw: str) -> tuple[str, ...]:
    """Why a published category is missing or odd for the code (empty when it is fine)."""
    text = raw.strip()
    if text.upper() in MISSING_CATEGORIES:
        shown = repr(text) if text else "blank"
        return (
            f"The published category is {shown}: the list does not say what {code} is filed under.",
        )
    family = FAMILIES.get(code[:1])
    if code.startswith("L") and re.search(r"sleep|cpap", text, re.IGNORECASE):
        return (f"The published category {text!r} does not fit code family {code[0]} ({family}).",)
    return ()


@lru_cache(maxsize=65536)
def row_rules(notation: str, description: str = "") -> RowRules:
    """Interpret a row's notation (and note text repeated in its description)."""
    text = " ".join(t for t in (notation.strip(), note_in_description(description) or "") if t)
    notes: list[str] = []
    if notation.strip():
        notes.append(notation.strip())
    elif text:
        notes.append(text)
    contact: Contact | None = None
    cigna = _CIGNA_CONTACT.search(text)
    if cigna:
        option = _OPTION.search(text)
        fax = _FAX.search(text)
        contact = Contact(
            "Cigna",
            phone=cigna.group(1),
            fax=fax.group(1) if fax else None,
            option=option.group(1) if option else None,
        )
    elif _CIGNA_PRECERT.search(text):
        contact = Contact("Cigna")
    effective = None
    eff = _EFFECTIVE.search(text)
    if eff:
        month, day, year = (int(g) for g in eff.groups())
        try:
            effective = dt.date(year, month, day)
        except ValueError:
            effective = None
    over = _OVER_COMPONENTS.search(text)
    return RowRules(
        notes=tuple(notes),
        contact=contact,
        effective=effective,
        purchase_only=bool(_PURCHASE_ONLY.match(notation)),
        purchase_only_over=int(over.group(1)) if over else None,
        sleep_program=bool(_SLEEP.search(text)),
    )


def invalid(
    parsed: ParsedCode, payer: str | None, lob: str | None, date: dt.date | None = None
) -> Determination:
    """The answer for input that is not a code."""
    return Determination(
        query=parsed.query,
        payer=payer,
        line_of_business=lob,
        code=None,
        modifiers=(),
        status=Status.INVALID,
        submit_to=None,
        notes=(),
        warnings=(),
        description=None,
        category=None,
        hcpcs=None,
        hcpcs_known=False,
        effective=None,
        sources=(),
        system=None,
        message=parsed.error,
        date=date,
    )


def apply_modifiers(
    base: Determination,
    parsed: ParsedCode,
    entries: Sequence[Entry],
    modifiers_known: Mapping[str, object] | frozenset[str],
) -> Determination:
    """The code's answer for this query: its text, its modifiers and what they imply."""
    if not parsed.modifiers:
        if base.query == parsed.query:
            return base
        return base.requery(parsed.query, (), base.warnings)
    code = base.code
    warnings = [
        f"Modifier {m} is not in the CMS HCPCS modifier list."
        for m in parsed.modifiers
        if m not in modifiers_known
    ]
    warnings.extend(base.warnings)
    rental = sorted(set(parsed.modifiers) & RENTAL_MODIFIERS)
    if rental and entries:
        rules = [row_rules(e.notation, e.description_raw) for e in entries]
        if any(r.purchase_only for r in rules):
            warnings.append(
                f"Modifier {rental[0]} means rental, but the list says {code} is purchase only."
            )
        over = next((r.purchase_only_over for r in rules if r.purchase_only_over), None)
        if over is not None:
            warnings.append(
                f"Modifier {rental[0]} means rental; if {code} is requested with more "
                f"than {over} components it is purchase only."
            )
    return base.requery(parsed.query, parsed.modifiers, tuple(warnings))


def determine_code(
    code: str,
    entries: Sequence[Entry],
    *,
    payer: str | None,
    line_of_business: str | None,
    hcpcs: HcpcsCode | None,
    date: dt.date | None = None,
    today: dt.date | None = None,
    version_effective: dt.date | None = None,
    program: str = "prior-authorization",
) -> Determination:
    """The answer for a bare code (no modifiers, empty query) from the rows in force."""
    system = system_of(code)
    warnings: list[str] = []
    notes: list[str] = []
    when = date or today or dt.date.today()
    if system == "HCPCS":
        if hcpcs is None:
            warnings.append(f"{code} is not in the CMS HCPCS Level II code set.")
        elif hcpcs.terminated is not None and hcpcs.terminated < when:
            listed = " yet the list still includes it" if entries else ""
            warnings.append(
                f"CMS terminated {code} on {hcpcs.terminated.isoformat()}{listed}; "
                "claims for later dates of service need a current code."
            )
        elif hcpcs.effective is not None and hcpcs.added is not None and hcpcs.added > when:
            warnings.append(
                f"CMS added {code} on {hcpcs.added.isoformat()}, after {when.isoformat()}."
            )
    if not entries:
        note = NOTE_NOT_LISTED
        if system == "CPT":
            note = "CPT code: this list covers HCPCS Level II codes only. " + note
        return Determination(
            query="",
            payer=payer,
            line_of_business=line_of_business,
            code=code,
            modifiers=(),
            status=Status.NOT_LISTED,
            submit_to=None,
            notes=(note,),
            warnings=tuple(warnings),
            description=hcpcs.long_description if hcpcs else None,
            category=None,
            hcpcs=hcpcs,
            hcpcs_known=hcpcs is not None,
            effective=version_effective,
            sources=(),
            system=system,
            date=date,
        )
    ordered = sorted(entries, key=lambda e: (RESTRICTIVENESS[e.status], e.list_id, e.table, e.line))
    winner = ordered[0]
    status = winner.status
    statuses = {e.status for e in entries}
    conflict = len(statuses) > 1
    if conflict:
        said = "; ".join(
            f"table {e.table} (line {e.line}) says {e.status_raw!r}"
            for e in sorted(entries, key=lambda e: (e.list_id, e.table, e.line))
        )
        warnings.append(
            f"The sources disagree on {code}: {said}. The most restrictive answer "
            f"({status.label}) is given."
        )
    rules = [row_rules(e.notation, e.description_raw) for e in ordered]
    for rule in rules:
        for note in rule.notes:
            if note not in notes:
                notes.append(note)
    contact = next((r.contact for r in rules if r.contact is not None), None)
    effective = next((r.effective for r in rules if r.effective is not None), version_effective)
    submit_to: Contact | None = None
    if status is Status.REQUIRED:
        submit_to = contact or EVICORE
    elif status is Status.OUT_OF_SCOPE:
        notes.append(NOTE_OUT_OF_SCOPE.format(payer=payer or "the payer", program=program))
        submit_to = contact  # the list itself sends some out-of-scope codes to Cigna
    else:
        notes.append(NOTE_NOT_REQUIRED)
    if any(r.sleep_program for r in rules):
        notes.append(NOTE_SLEEP)
    if effective is not None and effective > when and effective != version_effective:
        warnings.append(
            f"The requirement for {code} takes effect {effective.isoformat()}, after "
            f"the date {when.isoformat()}."
        )
    categories = [e for e in ordered if e.category is not None]
    problems: list[str] = []
    for entry in ordered:
        for problem in category_problems(code, entry.category_raw):
            where = f" (table {entry.table}, line {entry.line})" if len(ordered) > 1 else ""
            text = problem.removesuffix(".") + where + "."
            if text not in problems:
                problems.append(text)
    warnings.extend(problems)
    described = max(ordered, key=lambda e: (len(e.description), -e.table))
    return Determination(
        query="",
        payer=payer,
        line_of_business=line_of_business,
        code=code,
        modifiers=(),
        status=status,
        submit_to=submit_to,
        notes=tuple(notes),
        warnings=tuple(warnings),
        description=described.description,
        category=categories[0].category if categories else None,
        hcpcs=hcpcs,
        hcpcs_known=hcpcs is not None,
        effective=effective,
        sources=tuple(
            e.source for e in sorted(entries, key=lambda e: (e.list_id, e.table, e.line))
        ),
        system=system,
        conflict=conflict,
        date=date,
        versions=tuple(dict.fromkeys(f"{e.list_id}@{e.version}" for e in ordered)),
    )
