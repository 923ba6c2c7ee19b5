"""Where a request goes, and what a code a list does not name (or no longer names) means
(pure: the lists' policies and rows are passed in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from precert.models import RESTRICTIVENESS, Contact, Entry, Link, ListPolicy, Status


def route(
    contact: Contact | None, policy: ListPolicy | None, state: str | None, list_id: str
) -> tuple[Contact | None, tuple[Contact, ...], list[str], list[str]]:
    """(submit_to, options, notes, warnings): a row's own contact wins, else the contact of
    the member's state, else the list's default with every state's contact as options."""
    if contact is not None or policy is None:
        return contact, (), [], []
    if not policy.by_state:
        return policy.contact, (), [], []
    if state:
        chosen = policy.contact_for(state)
        if chosen is not None:
            return chosen, (), [], []
        served = " ".join(s for c in policy.by_state for s in c.states)
        warning = (
            f"No contact of {list_id} serves the state {state.strip()!r} "
            f"(states served: {served}); every contact is listed."
        )
        return policy.contact, policy.by_state, [], [warning]
    options = "; ".join(f"{c.name}: {' '.join(c.states)}" for c in policy.by_state)
    note = f"Where to send it depends on the member's state (give the state to choose): {options}."
    return policy.contact, policy.by_state, [note], []


def next_step(
    status: Status, policies: Mapping[str, ListPolicy], payer: str | None, list_id: str | None
) -> Link | None:
    """For an answer that settles nothing ("out of scope", "not listed"): the page where the
    payer's wider rules are, as the answering list's profile (else another list of the same
    payer and line of business, in id order) names it; None for any other status."""
    if status not in (Status.OUT_OF_SCOPE, Status.NOT_LISTED):
        return None
    first = policies.get(list_id) if list_id else None
    for policy in (first, *(p for _, p in sorted(policies.items()))):
        link = policy.more_info(payer) if policy is not None else None
        if link is not None:
            return link
    return None


def unlisted_status(
    code: str, system: str | None, policies: Mapping[str, ListPolicy]
) -> tuple[Status, str | None]:
    """What a code no row answers means: the first list that settles it, else not listed."""
    if system == "HCPCS":
        for list_id, policy in sorted(policies.items()):
            if policy.unlisted is not Status.NOT_LISTED and policy.covers(code):
                note = policy.unlisted_note or (
                    f"{list_id} settles every code in its scope and does not name this code."
                )
                return policy.unlisted, note
    return Status.NOT_LISTED, None


def date_notes(
    code: str,
    pending: Sequence[Entry],
    ended: Sequence[Entry],
    conditional: Sequence[Entry],
    when: dt.date,
) -> tuple[list[str], str | None]:
    """Notes for rows not in force on ``when`` (added later, removed, other modifiers), and
    the qualifier "removed" when the list removed the code before that date."""
    notes: list[str] = []
    qualifier: str | None = None
    for entry in sorted(ended, key=lambda e: e.end or dt.date.min):
        assert entry.end is not None
        if entry.removed:
            qualifier = "removed"
            notes.append(
                f"Removed: the list removed {code} effective {entry.end.isoformat()} "
                f"({entry.source.cite()}); before then it was {entry.status.value}."
            )
        else:
            notes.append(
                f"The list's row for {code} ended on {entry.end.isoformat()} "
                f"({entry.source.cite()}); before then it was {entry.status.value}."
            )
    for entry in sorted(pending, key=lambda e: e.effective or dt.date.max):
        assert entry.effective is not None
        only = f" for members in {', '.join(entry.states)} only" if entry.states else ""
        notes.append(
            f"{code} becomes {entry.status.value} on {entry.effective.isoformat()}{only} "
            f"({entry.source.cite()}); not yet on {when.isoformat()}."
        )
    for entry in conditional:
        mods = ", ".join(m or "no modifier" for m in entry.modifiers)
        notes.append(
            f"The list names {code} as {entry.status.value} only with: {mods} "
            f"({entry.source.cite()})."
        )
    return notes, qualifier


def modifiers_match(condition: Sequence[str], modifiers: Sequence[str]) -> bool:
    """True when a row's modifier condition holds for the query's modifiers."""
    if not condition:
        return True
    if not modifiers:
        return "" in condition
    return any(m in condition for m in modifiers)


def split_by_state(entries: Sequence[Entry], state: str | None) -> tuple[list[Entry], list[Entry]]:
    """(rows that apply to the member, rows only for members of other states). Without a
    state every row applies: the answer then says it depends on the state
    (:func:`state_dependence`)."""
    where = (state or "").strip().upper()
    if not where:
        return list(entries), []
    mine: list[Entry] = []
    others: list[Entry] = []
    for entry in entries:
        (others if entry.states and where not in entry.states else mine).append(entry)
    return mine, others


def other_states_notes(
    code: str, others: Sequence[Entry], state: str | None, when: dt.date
) -> tuple[list[str], list[Entry]]:
    """Notes for rows (in force or to come on ``when``) that apply only to members of other
    states than ``state``, each with the notes its section gives (which phase, when for the
    others), and those rows, to cite."""
    notes: list[str] = []
    cited: list[Entry] = []
    for entry in others:
        if entry.end is not None and entry.end <= when:
            continue
        since = f" from {entry.effective.isoformat()}" if entry.effective else ""
        notes.append(
            f"{code} is {entry.status.value}{since} only for members in "
            f"{', '.join(entry.states)} ({entry.source.cite()}); not for a member in "
            f"{(state or '').strip().upper()}."
        )
        notes.extend(n for n in entry.notes if n not in notes)
        cited.append(entry)
    return notes, cited


def state_dependence(code: str, applicable: Sequence[Entry], state: str | None) -> list[str]:
    """Warnings for rows that answer only for members of some states when no state was given:
    the answer given holds for those states only (none when a state was given)."""
    if (state or "").strip():
        return []
    stated = [e for e in applicable if e.states]
    everywhere = [RESTRICTIVENESS[e.status] for e in applicable if not e.states]
    if not stated or (
        everywhere and min(everywhere) <= min(RESTRICTIVENESS[e.status] for e in stated)
    ):
        return []  # a row for every state answers the same or more: the state changes nothing
    return [
        f"The answer depends on the member's state: {entry.source.cite()} makes {code} "
        f"{entry.status.value} only for members in {', '.join(entry.states)}; give the "
        "member's state for an answer that fits them."
        for entry in stated
    ]
