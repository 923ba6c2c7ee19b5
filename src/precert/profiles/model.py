"""What a list profile says, as frozen values: the list, its tables, column roles, the code-cell
grammar, the status vocabulary, contacts, sections, rules and dates (see docs/profiles.md).

A profile is pure data: :mod:`precert.profiles.parse` builds it from a TOML table (or from the
``precert import`` options), :mod:`precert.profiles.apply` reads a grid with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from precert.models import Contact, Status

QUALIFIERS = ("voluntary", "notification", "suspended", "removed")
# What each qualifier means, said on every answer that carries it (a profile may say more).
QUALIFIER_NOTES: dict[str, str] = {
    "voluntary": "Voluntary: prior authorization may be requested but is not required.",
    "notification": "Notification: the payer must be notified; this is not a prior authorization.",
    "suspended": "Suspended: the payer has suspended prior authorization for this code.",
    "removed": "Removed: the list no longer includes this code.",
}
# Statuses a published value may mean ("invalid" is for input that is not a code, never a row).
ROW_STATUSES = (Status.REQUIRED, Status.NOT_REQUIRED, Status.OUT_OF_SCOPE, Status.NOT_LISTED)
ROLES = (
    "code",
    "description",
    "status",
    "notes",
    "category",
    "effective",
    "end",
    "contact",
    "product",
    "platform",
)


class ProfileError(ValueError):
    """A profile (file or options) is not valid: names the file and the key."""

    def __init__(self, where: str, key: str | None, message: str) -> None:
        self.where = where
        self.key = key
        self.message = message
        at = f"{where}: {key}" if key else where
        super().__init__(f"{at}: {message}")


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a published value (or a bare listing, a section, a clause) means for the answer."""

    status: Status
    qualifier: str | None = None
    note: str | None = None

    def notes(self) -> tuple[str, ...]:
        """The note(s) this meaning puts on an answer: its own, else the qualifier's."""
        if self.note:
            return (self.note,)
        if self.qualifier:
            return (QUALIFIER_NOTES[self.qualifier],)
        return ()


@dataclass(frozen=True, slots=True)
class ListInfo:
    """Whose list this is and what a code absent from it means."""

    id: str
    payer: str
    line_of_business: str
    program: str
    title: str = ""
    source_url: str | None = None
    published: dt.date | None = None
    effective: dt.date | None = None
    platform: str = ""
    unlisted: Status = Status.NOT_LISTED
    # HCPCS letters ("E") or ranges ("E0100-E8002") the list settles when `unlisted` says so.
    unlisted_scope: tuple[str, ...] = ()
    unlisted_note: str | None = None
    # The payer's wider precertification list or policy page: the next step offered with an
    # "out of scope" or "not listed" answer (label: the link's text).
    more_info_url: str | None = None
    more_info_label: str | None = None
    # The codes the list covers (letters or ranges): `precert lint` flags codes outside it.
    scope: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Columns:
    """Column roles: each names the published header text of the column holding it."""

    code: str
    description: str | None = None
    status: str | None = None
    notes: tuple[str, ...] = ()
    category: str | None = None
    effective: str | None = None
    end: str | None = None
    contact: str | None = None
    product: str | None = None
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class TableSpec:
    """How to find one kind of table and what its columns mean."""

    header: tuple[str, ...]
    columns: Columns
    which: int | None = None  # a 1-based table number in the file; None: every match
    where: tuple[tuple[str, str], ...] = ()  # only rows whose column (header) holds the value
    number: int | None = None  # the table number cited (default: its order in the file)
    title: str | None = None
    category: str | None = None  # a category for every row of the table
    meaning: Meaning | None = None  # a status for every row (overrides the status column)
    effective: dt.date | None = None
    end: dt.date | None = None
    notes: tuple[str, ...] = ()
    states: tuple[str, ...] = ()  # the rows apply only to members of these states (postal)


@dataclass(frozen=True, slots=True)
class Clause:
    """Prose inside a code cell that changes what the codes after it mean.

    Codes inside the matched text itself are not listed by it ("… for the power wheelchair
    base K0800-K0802 K0813-K0829 …:" names the base, it does not list it again).
    """

    match: str
    meaning: Meaning | None = None
    effective: dt.date | None = None  # or from the regex group named "effective"
    end: dt.date | None = None


@dataclass(frozen=True, slots=True)
class CodeGrammar:
    """How a code cell is written."""

    many: bool = True
    ranges: bool = True
    max_range: int = 200
    dated: bool = True
    removals: bool = True
    modifiers: bool = True
    clauses: tuple[Clause, ...] = ()
    ignore: tuple[str, ...] = ()  # regexes: prose in a code cell that lists nothing


@dataclass(frozen=True, slots=True)
class Section:
    """A heading row (or a category value) that changes the rows under it."""

    match: str  # regex, searched case-insensitively
    category: str | None = None
    meaning: Meaning | None = None
    effective: dt.date | None = None
    end: dt.date | None = None
    contact: Contact | None = None
    notes: tuple[str, ...] = ()
    states: tuple[str, ...] = ()  # the rows apply only to members of these states (postal)


@dataclass(frozen=True, slots=True)
class Footnote:
    """A marker after a code (``L1833**``) and what it means for that code's row."""

    marker: str
    note: str | None = None
    meaning: Meaning | None = None
    effective: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True, slots=True)
class RowRule:
    """A row whose text (notes and description) matches gets a contact, a note or a date.

    ``contact`` fields may come from named groups (phone, fax, option); ``effective_group``
    names a group holding a date. With ``holds = False`` that date is announced (a warning
    before it), not a limit on when the row is in force.
    """

    match: str
    contact: Contact | None = None
    note: str | None = None
    effective_group: str | None = None
    holds: bool = True


@dataclass(frozen=True, slots=True)
class StateContact:
    """The contact that serves members of some states (a DME MAC jurisdiction)."""

    contact: Contact
    states: tuple[str, ...]
    label: str = ""  # "Jurisdiction C"


@dataclass(frozen=True, slots=True)
class Contacts:
    """Where a request goes: the list's default, rules on row text, or by the member's state."""

    default: Contact | None = None
    by_state: tuple[StateContact, ...] = ()
    by_state_source: str | None = None  # the file (and page) the routing table came from


@dataclass(frozen=True, slots=True)
class Fact:
    """Notes the page gives for a category of codes (decision times, validity …)."""

    category: str | None  # regex on the clean category; None: every row
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Profile:
    """One published layout, read: everything :func:`precert.profiles.apply` needs."""

    list: ListInfo
    tables: tuple[TableSpec, ...]
    codes: CodeGrammar = CodeGrammar()
    listed: Meaning | None = None  # a code listed with no status column
    values: dict[str, Meaning] = field(default_factory=dict)  # casefolded value -> meaning
    contacts: Contacts = Contacts()
    sections: tuple[Section, ...] = ()
    footnotes: tuple[Footnote, ...] = ()
    rules: tuple[RowRule, ...] = ()
    facts: tuple[Fact, ...] = ()
    format: str | None = None
    skip: tuple[str, ...] = ()  # regexes: rows matching are not data (footers, copyright)
    pages_by_header: bool = False  # each repeated header row starts a new page (text exports)
    where: str = "<options>"  # the file it came from, for messages
