"""The determination: published rows + CMS facts + what was typed -> one explained answer (pure)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from precert.codes import system_of
from precert.listdates import DATE_PATTERN, parse_date
from precert.models import (
    RESTRICTIVENESS,
    Contact,
    Determination,
    Entry,
    HcpcsCode,
    ListPolicy,
    ParsedCode,
    Status,
)
from precert.routing import (
    date_notes,
    modifiers_match,
    next_step,
    other_states_notes,
    route,
    split_by_state,
    state_dependence,
    unlisted_status,
)

RENTAL_MODIFIERS = frozenset({"RR"})
MISSING_CATEGORIES = frozenset({"", "0", "#N/A", "N/A", "NA", "-"})
_ACRONYMS = ("TENS", "DME", "CPAP", "BIPAP", "AED", "IPPB", "O&P", "CGM", "NMES", "PAP")
_UPPER_WORD = re.compile(r"(?<![A-Za-z])[A-Z][A-Z&]+(?![A-Za-z])")
_PURCHASE_ONLY = re.compile(r"^\s*purchase only\.?\s*$", re.IGNORECASE)
_OVER_COMPONENTS = re.compile(r">\s*(\d+)\s*components?,?\s*purchase only", re.IGNORECASE)
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
NOTE_UNLISTED = "{list} settles every code in its scope and does not name this code."

# Every warning a determination can carry has a stable machine code (``warning_codes``, in
# the order of ``warnings``): programs test the code, people read the text. Documented in
# docs/api.md; never rename one.
WARNINGS: dict[str, str] = {
    "unknown_modifier": "a modifier typed is not in the CMS HCPCS modifier list",
    "rental_on_purchase_only": "a rental modifier (RR) on a code the list says is purchase only",
    "rental_over_components": "a rental modifier on a code that is purchase only above a number "
    "of components",
    "not_in_hcpcs": "the code is not in the CMS HCPCS Level II code set",
    "terminated_code": "CMS terminated the code before the date of service",
    "code_not_yet_added": "CMS added the code after the date of service",
    "sources_disagree": "the lists or tables disagree; the most restrictive answer is given",
    "state_not_served": "no contact of the list serves the member's state; every one is listed",
    "requirement_not_yet_effective": "the requirement takes effect after the date of service",
    "category_missing": "the published category is blank, 0 or #N/A",
    "category_mismatch": "the published category does not fit the code's HCPCS family",
    "list_not_in_force": "a list of the payer has no version in force on the date; it was not "
    "consulted",
    "depends_on_state": "rows for members of some states only answer; no state was given",
}


@dataclass(frozen=True, slots=True)
class RowRules:
    """What a row's free-text notes mean for the answer."""

    notes: tuple[str, ...] = ()
    purchase_only: bool = False
    purchase_only_over: int | None = None


@lru_cache(maxsize=65536)
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


@lru_cache(maxsize=4096)
def clean_category(raw: str) -> str | None:
    """A clean category (sentence case, acronyms kept), or None when the published one is empty."""
    text = re.sub(r"\s+", " ", raw).strip()
    if text.upper() in MISSING_CATEGORIES:
        return None
    # Words the publisher wrote in capitals inside mixed-case text are acronyms ("(PMD)").
    kept = _UPPER_WORD.findall(text) if not text.isupper() else []
    cleaned = text.lower()
    cleaned = cleaned[:1].upper() + cleaned[1:]
    for word in kept:
        cleaned = re.sub(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", word, cleaned, flags=re.I)
    for acronym in _ACRONYMS:
        cleaned = re.sub(
            rf"(?<![A-Za-z]){re.escape(acronym)}(?![A-Za-z])", acronym, cleaned, flags=re.IGNORECASE
        )
    return cleaned


@lru_cache(maxsize=4096)
def category_problems(code: str, raw: str) -> tuple[tuple[str, str], ...]:
    """Why a published category is missing or odd for the code, as (warning code, text)
    pairs (empty when it is fine)."""
    text = raw.strip()
    if text.upper() in MISSING_CATEGORIES:
        shown = repr(text) if text else "blank"
        return (
            ("category_missing",
             f"The published category is {shown}: the list does not say what {code} is filed "
             "under."),
        )  # fmt: skip
    family = FAMILIES.get(code[:1])
    if code.startswith("L") and re.search(r"sleep|cpap", text, re.IGNORECASE):
        return (
            ("category_mismatch",
             f"The published category {text!r} does not fit code family {code[0]} ({family})."),
        )  # fmt: skip
    return ()


# A note whose value changes on a published date: "[label: ]<before> Effective <date>: <after>"
# (Medicare's decision times: "10 business days Effective January 1, 2025: 5 business days").
_DATED_NOTE = re.compile(
    rf"(?P<label>(?:(?!Effective)[^:])+:\s+)?(?P<before>.*?)\s*\bEffective\s+"
    rf"(?P<date>{DATE_PATTERN}):\s*(?P<after>.+)",
    re.IGNORECASE | re.DOTALL,
)


@lru_cache(maxsize=4096)
def dated_note(note: str, when: dt.date) -> str:
    """A note that changes on a date, read for the date of service ``when``: the value in force
    first, the other one named with its date (a note without such a date is returned as is)."""
    match = _DATED_NOTE.fullmatch(note.strip())
    since = parse_date(match["date"]) if match else None
    if match is None or since is None:
        return note
    label, before, after = match["label"] or "", match["before"].strip(), match["after"].strip()
    published = match["date"]
    if when >= since:
        was = f"; before then: {before}" if before else ""
        return f"{label}{after} (since {published}{was})"
    if before:
        return f"{label}{before} (from {published}: {after})"
    return f"{label}from {published}: {after}"


@lru_cache(maxsize=65536)
def row_rules(notation: str, description: str = "") -> RowRules:
    """Interpret a row's notation (and note text repeated in its description)."""
    text = " ".join(t for t in (notation.strip(), note_in_description(description) or "") if t)
    notes: list[str] = []
    if notation.strip():
        notes.append(notation.strip())
    elif text:
        notes.append(text)
    over = _OVER_COMPONENTS.search(text)
    return RowRules(
        notes=tuple(notes),
        purchase_only=bool(_PURCHASE_ONLY.match(notation)),
        purchase_only_over=int(over.group(1)) if over else None,
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
    unknown = [m for m in parsed.modifiers if m not in modifiers_known]
    warnings = [f"Modifier {m} is not in the CMS HCPCS modifier list." for m in unknown]
    codes = ["unknown_modifier"] * len(unknown)
    warnings.extend(base.warnings)
    codes.extend(base.warning_codes)
    rental = sorted(set(parsed.modifiers) & RENTAL_MODIFIERS)
    if rental and entries:
        rules = [row_rules(e.notation, e.description_raw) for e in entries]
        if any(r.purchase_only for r in rules):
            warnings.append(
                f"Modifier {rental[0]} means rental, but the list says {code} is purchase only."
            )
            codes.append("rental_on_purchase_only")
        over = next((r.purchase_only_over for r in rules if r.purchase_only_over), None)
        if over is not None:
            warnings.append(
                f"Modifier {rental[0]} means rental; if {code} is requested with more "
                f"than {over} components it is purchase only."
            )
            codes.append("rental_over_components")
    return base.requery(parsed.query, parsed.modifiers, tuple(warnings), tuple(codes))


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
    policies: Mapping[str, ListPolicy] | None = None,
    state: str | None = None,
    modifiers: tuple[str, ...] = (),
) -> Determination:
    """The answer for a code (empty query) from the rows of the versions in force.

    Rows carry their own dates: a row added later, or removed before the date, does not
    answer; the list's policy says what that means (``not_listed``, or ``not_required`` for a
    list exhaustive for the code). Rows that apply only with some modifiers answer only
    for ``modifiers``. Every door calls this one function.
    """
    system = system_of(code)
    warnings: list[str] = []
    codes: list[str] = []  # warnings' machine codes (WARNINGS), in the same order

    def warn(kind: str, text: str) -> None:
        warnings.append(text)
        codes.append(kind)

    when = date or today or dt.date.today()
    policies = policies or {}
    if system == "HCPCS":
        if hcpcs is None:
            warn("not_in_hcpcs", f"{code} is not in the CMS HCPCS Level II code set.")
        elif hcpcs.terminated is not None and hcpcs.terminated < when:
            listed = " yet the list still includes it" if entries else ""
            warn(
                "terminated_code",
                f"CMS terminated {code} on {hcpcs.terminated.isoformat()}{listed}; "
                "claims for later dates of service need a current code.",
            )
        elif hcpcs.effective is not None and hcpcs.added is not None and hcpcs.added > when:
            warn(
                "code_not_yet_added",
                f"CMS added {code} on {hcpcs.added.isoformat()}, after {when.isoformat()}.",
            )
    entries, others = split_by_state(entries, state)
    dated = [e for e in entries if e.in_force(when)]
    pending = [e for e in entries if e.effective is not None and e.effective > when]
    ended = [e for e in entries if e.end is not None and e.end <= when]
    conditional = [e for e in dated if not modifiers_match(e.modifiers, modifiers)]
    applicable = [e for e in dated if modifiers_match(e.modifiers, modifiers)]
    later, qualifier = date_notes(code, pending, ended, conditional, when)
    elsewhere, away = other_states_notes(code, others, state, when)
    later.extend(elsewhere)
    if not applicable:
        status, policy_note = unlisted_status(code, system, policies)
        note = policy_note or NOTE_NOT_LISTED
        if system == "CPT":
            note = "CPT code: this list covers HCPCS Level II codes only. " + note
        cited = sorted((*pending, *ended, *conditional, *away), key=_order)
        return Determination(
            query="",
            payer=payer,
            line_of_business=line_of_business,
            code=code,
            modifiers=(),
            status=status,
            submit_to=None,
            notes=(note, *later),
            warnings=tuple(warnings),
            warning_codes=tuple(codes),
            description=hcpcs.long_description if hcpcs else None,
            category=None,
            hcpcs=hcpcs,
            hcpcs_known=hcpcs is not None,
            effective=version_effective,
            sources=tuple(e.source for e in cited),
            system=system,
            date=date,
            versions=tuple(dict.fromkeys(f"{e.list_id}@{e.version}" for e in cited)),
            qualifier=qualifier,
            description_source="CMS HCPCS" if hcpcs else None,
            more_info=next_step(status, policies, payer, None),
        )
    ordered = sorted(
        applicable, key=lambda e: (RESTRICTIVENESS[e.status], e.list_id, e.table, e.line)
    )
    winner = ordered[0]
    status = winner.status
    conflict = len({e.status for e in applicable}) > 1
    if conflict:
        said = "; ".join(
            f"table {e.table} (line {e.line}) says {e.status_raw or e.status.value!r}"
            for e in sorted(applicable, key=_order)
        )
        warn(
            "sources_disagree",
            f"The sources disagree on {code}: {said}. The most restrictive answer "
            f"({status.label}) is given.",
        )
    notes: list[str] = []
    for entry in ordered:
        for published in row_rules(entry.notation, entry.description_raw).notes:
            note = dated_note(published, when)
            if note not in notes:
                notes.append(note)
    contact = next((e.contact for e in ordered if e.contact is not None), None)
    announced = next(
        (e.effective or e.announced for e in ordered if e.effective or e.announced), None
    )
    effective = announced or version_effective
    submit_to: Contact | None = None
    options: tuple[Contact, ...] = ()
    if status is Status.REQUIRED or winner.qualifier == "voluntary":
        submit_to, options, routed, problems = route(
            contact, policies.get(winner.list_id), state, winner.list_id
        )
        notes.extend(routed)
        for problem in problems:  # route() warns of one thing: a state no contact serves
            warn("state_not_served", problem)
    elif status is Status.OUT_OF_SCOPE:
        notes.append(NOTE_OUT_OF_SCOPE.format(payer=payer or "the payer", program=program))
        submit_to = contact  # the list itself sends some out-of-scope codes elsewhere
    elif winner.qualifier is None:
        notes.append(NOTE_NOT_REQUIRED)
    for entry in ordered:
        for note in (dated_note(n, when) for n in entry.notes):
            if note not in notes:
                notes.append(note)
    notes.extend(later)
    if effective is not None and effective > when and effective != version_effective:
        warn(
            "requirement_not_yet_effective",
            f"The requirement for {code} takes effect {effective.isoformat()}, after "
            f"the date {when.isoformat()}.",
        )
    problems_found: dict[str, str] = {}  # text -> code, in order, without repeats
    for entry in ordered:
        if not entry.categorized:
            continue  # a list with no categories is not missing one on every row
        for kind, problem in category_problems(code, entry.category_raw):
            where = f" (table {entry.table}, line {entry.line})" if len(ordered) > 1 else ""
            problems_found.setdefault(problem.removesuffix(".") + where + ".", kind)
    for text, kind in problems_found.items():
        warn(kind, text)
    categories = [e for e in ordered if e.category is not None]
    described = max(ordered, key=lambda e: (len(e.description), -e.table))
    description: str | None = described.description
    source = "list"
    if not description:
        description = hcpcs.long_description if hcpcs else None
        source = "CMS HCPCS" if hcpcs else ""
    for text in state_dependence(code, applicable, state):
        warn("depends_on_state", text)
    cited = sorted((*applicable, *pending, *ended, *conditional, *away), key=_order)
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
        warning_codes=tuple(codes),
        description=description,
        category=categories[0].category if categories else None,
        hcpcs=hcpcs,
        hcpcs_known=hcpcs is not None,
        effective=effective,
        sources=tuple(e.source for e in cited),
        system=system,
        conflict=conflict,
        date=date,
        versions=tuple(dict.fromkeys(f"{e.list_id}@{e.version}" for e in ordered)),
        qualifier=winner.qualifier,
        description_source=source or None,
        submit_options=options,
        more_info=next_step(status, policies, payer, winner.list_id),
    )


def _order(entry: Entry) -> tuple[str, str, int, int]:
    return (entry.list_id, entry.source_file, entry.table, entry.line)
