"""Domain values shared by every layer: statuses, list entries, CMS codes and determinations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """The five answers a determination can give; never a bare yes/no."""

    REQUIRED = "required"
    NOT_REQUIRED = "not_required"
    OUT_OF_SCOPE = "out_of_scope"
    NOT_LISTED = "not_listed"
    INVALID = "invalid"

    @property
    def label(self) -> str:
        """Human wording used by the CLI table and the web page."""
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.REQUIRED: "Required",
    Status.NOT_REQUIRED: "Not required",
    Status.OUT_OF_SCOPE: "Outside this program",
    Status.NOT_LISTED: "Not on the list",
    Status.INVALID: "Not a code",
}

# Most restrictive first: when one payer's lists disagree on a code, the lowest rank wins.
RESTRICTIVENESS: dict[Status, int] = {
    Status.REQUIRED: 0,
    Status.NOT_REQUIRED: 1,
    Status.OUT_OF_SCOPE: 2,
}


@dataclass(frozen=True, slots=True)
class ParsedCode:
    """One query as typed, split into a base code and its modifiers (or an error)."""

    query: str
    code: str | None
    modifiers: tuple[str, ...] = ()
    system: str | None = None  # "HCPCS" (Level II) or "CPT"
    error: str | None = None
    range: tuple[str, ...] = ()  # every code of the typed range this code was expanded from


@dataclass(frozen=True, slots=True)
class Contact:
    """Where a prior-authorization request goes."""

    name: str
    phone: str | None = None
    fax: str | None = None
    url: str | None = None
    option: str | None = None
    portal: str | None = None
    states: tuple[str, ...] = ()  # the members' states this contact serves (state routing)
    label: str | None = None  # e.g. "Jurisdiction C"

    def describe(self) -> str:
        """One line: name, phone (and option), fax."""
        parts = [self.name]
        if self.phone:
            parts.append(f"phone {self.phone}" + (f" option {self.option}" if self.option else ""))
        if self.fax:
            parts.append(f"fax {self.fax}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of `submit_to`; absent values are omitted."""
        out: dict[str, Any] = {"name": self.name}
        for key in ("phone", "fax", "url", "option", "portal", "label"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.states:
            out["states"] = list(self.states)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contact:
        """The contact a ``to_dict`` (or a stored JSON object) describes."""
        return cls(
            name=str(data["name"]),
            phone=data.get("phone"),
            fax=data.get("fax"),
            url=data.get("url"),
            option=data.get("option"),
            portal=data.get("portal"),
            states=tuple(data.get("states", ())),
            label=data.get("label"),
        )


@dataclass(frozen=True, slots=True)
class Link:
    """A page to read next: where a list's profile says the payer's wider rules are."""

    label: str
    url: str

    def to_dict(self) -> dict[str, str]:
        """JSON shape of a determination's ``more_info``."""
        return {"label": self.label, "url": self.url}


def within(scope: tuple[str, ...], code: str) -> bool:
    """True when ``code`` is in a scope of HCPCS letters ("E") or ranges ("A4206-A9999")."""
    for item in scope:
        first, _, last = item.partition("-")
        if (last and first <= code <= last and code[0] == first[0]) or code[:1] == item:
            return True
    return False


@dataclass(frozen=True, slots=True)
class ListPolicy:
    """What a list version says beyond its rows: what an unlisted code means, where requests
    go (a default contact, or one per member's state) and where the list is published."""

    unlisted: Status = Status.NOT_LISTED
    unlisted_scope: tuple[str, ...] = ()  # HCPCS letters ("E") or ranges ("A4206-A9999")
    unlisted_note: str | None = None
    contact: Contact | None = None
    by_state: tuple[Contact, ...] = ()  # each with the states it serves
    source_url: str | None = None
    more_info_url: str | None = None
    more_info_label: str | None = None
    scope: tuple[str, ...] = ()  # the codes the list says it covers (letters or ranges)

    def more_info(self, payer: str | None) -> Link | None:
        """The payer's wider precertification list or policy page, if the profile names one."""
        if not self.more_info_url:
            return None
        label = self.more_info_label or f"{payer or 'The payer'}'s wider precertification rules"
        return Link(label, self.more_info_url)

    def covers(self, code: str) -> bool:
        """True when the list settles ``code`` even though it does not name it."""
        return within(self.unlisted_scope, code)

    def lint_scope(self) -> tuple[str, ...]:
        """The codes the list covers, for lint: its declared ``scope``, else the scope it is
        exhaustive for (Medicare's DMEPOS codes); () when it says neither."""
        if self.scope:
            return self.scope
        return self.unlisted_scope if self.unlisted is not Status.NOT_LISTED else ()

    def contact_for(self, state: str | None) -> Contact | None:
        """The contact serving a member's state (None when the state is unknown here)."""
        wanted = (state or "").strip().upper()
        return next((c for c in self.by_state if wanted in c.states), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape kept with each version in the database."""
        return {
            "unlisted": self.unlisted.value,
            "unlisted_scope": list(self.unlisted_scope),
            "unlisted_note": self.unlisted_note,
            "contact": self.contact.to_dict() if self.contact else None,
            "by_state": [c.to_dict() for c in self.by_state],
            "source_url": self.source_url,
            "more_info_url": self.more_info_url,
            "more_info_label": self.more_info_label,
            "scope": list(self.scope),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ListPolicy:
        """The policy a ``to_dict`` describes (an empty dict: a list that settles nothing else)."""
        contact = data.get("contact")
        return cls(
            unlisted=Status(data.get("unlisted", "not_listed")),
            unlisted_scope=tuple(data.get("unlisted_scope", ())),
            unlisted_note=data.get("unlisted_note"),
            contact=Contact.from_dict(contact) if contact else None,
            by_state=tuple(Contact.from_dict(c) for c in data.get("by_state", ())),
            source_url=data.get("source_url"),
            more_info_url=data.get("more_info_url"),
            more_info_label=data.get("more_info_label"),
            scope=tuple(data.get("scope", ())),
        )


@dataclass(frozen=True, slots=True)
class Source:
    """Where an answer comes from: list, version, table, line and page of the published text."""

    list: str
    version: str
    table: int
    line: int
    page: int  # 0 where the published format has no pages (CSV, TSV, XLSX, HTML)
    table_title: str = ""
    file: str = ""  # the file the row was read from
    url: str | None = None  # where the payer publishes it
    published_code: str = ""  # the code (or range) as the cell wrote it: "K0813-K0816"

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of one citation."""
        return {
            "list": self.list,
            "version": self.version,
            "table": self.table,
            "table_title": self.table_title,
            "line": self.line,
            "page": self.page,
            "file": self.file,
            "url": self.url,
            "published_code": self.published_code,
        }

    def cite(self) -> str:
        """Short human citation, e.g. ``cigna-commercial-dme v1, table 1, page 9, line 181``."""
        if not self.page:
            return f"{self.list} {self.version}, {self.file} table {self.table}, line {self.line}"
        return f"{self.list} {self.version}, table {self.table}, page {self.page}, line {self.line}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One published row of a list version, with its raw cells and the clean values."""

    list_id: str
    version: str
    table: int
    table_title: str
    line: int
    page: int
    code: str
    raw: tuple[str, ...]
    columns: tuple[str, ...]
    product: str
    category_raw: str
    category: str | None
    description_raw: str
    description: str
    status_raw: str
    status: Status
    platform: str
    notation: str
    qualifier: str | None = None  # voluntary, notification, suspended, removed
    effective: dt.date | None = None  # the row is in force from (None: as its version)
    end: dt.date | None = None  # … until the day before this date
    announced: dt.date | None = None  # a date a note announces (warned about, not a limit)
    removed: bool = False  # the list removed the code on `end`
    modifiers: tuple[str, ...] = ()  # the row applies only with one of these ("" = none)
    contact: Contact | None = None  # where this row sends a request (over the list's)
    notes: tuple[str, ...] = ()  # notes the profile adds (qualifier, section, facts …)
    published: str = ""  # the code or range as published
    source_file: str = ""
    source_url: str | None = None
    categorized: bool = True  # False for a list with no category at all
    states: tuple[str, ...] = ()  # the row applies only to members of these states (postal)

    @property
    def source(self) -> Source:
        """The citation for this row."""
        return Source(
            self.list_id, self.version, self.table, self.line, self.page, self.table_title,
            self.source_file, self.source_url, self.published or self.code,
        )  # fmt: skip

    def in_force(self, date: dt.date) -> bool:
        """True when the row applies on ``date`` (effective <= date < end)."""
        return (self.effective is None or self.effective <= date) and (
            self.end is None or date < self.end
        )


@dataclass(frozen=True, slots=True)
class HcpcsCode:
    """What the CMS HCPCS Level II file says about one code or modifier."""

    code: str
    long_description: str
    short_description: str
    added: dt.date | None = None
    effective: dt.date | None = None
    terminated: dt.date | None = None
    action: str = ""

    def to_dict(self, exists: bool = True) -> dict[str, Any]:
        """JSON shape of the `hcpcs` contract field."""
        return {
            "exists": exists,
            "code": self.code,
            "description": self.long_description,
            "short_description": self.short_description,
            "added": _iso(self.added),
            "effective": _iso(self.effective),
            "terminated": _iso(self.terminated),
        }


@dataclass(frozen=True, slots=True)
class ListVersion:
    """One imported version of a published list."""

    list_id: str
    version: str
    title: str
    payer: str
    line_of_business: str
    program: str
    source_name: str
    sha256: str
    effective: dt.date | None
    rows: int
    platform: str = ""
    policy: ListPolicy = field(default_factory=ListPolicy)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape used by `precert lists --json` and the API."""
        return {
            "list": self.list_id,
            "version": self.version,
            "title": self.title,
            "payer": self.payer,
            "line_of_business": self.line_of_business,
            "program": self.program,
            "platform": self.platform,
            "source_name": self.source_name,
            "sha256": self.sha256,
            "effective": _iso(self.effective),
            "rows": self.rows,
            "source_url": self.policy.source_url,
            "unlisted": self.policy.unlisted.value,
        }


@dataclass(frozen=True, slots=True)
class Determination:
    """The answer every door gives for one query (see DESIGN.md, "Contract every door shares")."""

    query: str
    payer: str | None
    line_of_business: str | None
    code: str | None
    modifiers: tuple[str, ...]
    status: Status
    submit_to: Contact | None
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    description: str | None
    category: str | None
    hcpcs: HcpcsCode | None
    hcpcs_known: bool
    effective: dt.date | None
    sources: tuple[Source, ...]
    system: str | None = None
    message: str | None = None
    conflict: bool = False
    date: dt.date | None = None
    versions: tuple[str, ...] = field(default=())
    qualifier: str | None = None  # voluntary, notification, suspended, removed
    description_source: str | None = None  # "list", or "CMS HCPCS" when the list gives none
    submit_options: tuple[Contact, ...] = ()  # where to send it, per member's state
    # The next step for "out of scope" / "not listed": the payer's wider list or policy page.
    more_info: Link | None = None
    # A stable machine code per warning, in the same order (the codes: precert.rules.WARNINGS).
    warning_codes: tuple[str, ...] = ()

    def requery(
        self,
        query: str,
        modifiers: tuple[str, ...],
        warnings: tuple[str, ...],
        warning_codes: tuple[str, ...] | None = None,
    ) -> Determination:
        """This answer for another query text (a fast ``dataclasses.replace`` on the hot path);
        ``warning_codes`` default: this answer's."""
        return Determination(
            query, self.payer, self.line_of_business, self.code, modifiers, self.status,
            self.submit_to, self.notes, warnings, self.description, self.category, self.hcpcs,
            self.hcpcs_known, self.effective, self.sources, self.system, self.message,
            self.conflict, self.date, self.versions, self.qualifier, self.description_source,
            self.submit_options, self.more_info,
            self.warning_codes if warning_codes is None else warning_codes,
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract shape; field names never change."""
        hcpcs: dict[str, Any] | None
        if self.hcpcs is not None:
            hcpcs = self.hcpcs.to_dict()
        elif self.code is not None and self.system == "HCPCS":
            hcpcs = {"exists": False, "code": self.code}
        else:
            hcpcs = None
        return {
            "query": self.query,
            "payer": self.payer,
            "line_of_business": self.line_of_business,
            "code": self.code,
            "modifiers": list(self.modifiers),
            "status": self.status.value,
            "status_label": self.status.label,
            "submit_to": self.submit_to.to_dict() if self.submit_to else None,
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "warning_codes": list(self.warning_codes),
            "description": self.description,
            "category": self.category,
            "hcpcs": hcpcs,
            "effective": _iso(self.effective),
            "sources": [s.to_dict() for s in self.sources],
            "versions": list(self.versions),
            "system": self.system,
            "message": self.message,
            "conflict": self.conflict,
            "date": _iso(self.date),
            "qualifier": self.qualifier,
            "description_source": self.description_source,
            "submit_options": [c.to_dict() for c in self.submit_options],
            "more_info": self.more_info.to_dict() if self.more_info else None,
        }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None
