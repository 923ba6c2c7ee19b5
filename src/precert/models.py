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


EVICORE = Contact(
    name="eviCore healthcare (CareCore National)",
    url="https://www.evicore.com/provider",
)


@dataclass(frozen=True, slots=True)
class Source:
    """Where an answer comes from: list, version, table, line and page of the published text."""

    list: str
    version: str
    table: int
    line: int
    page: int
    table_title: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of one citation."""
        return {
            "list": self.list,
            "version": self.version,
            "table": self.table,
            "table_title": self.table_title,
            "line": self.line,
            "page": self.page,
        }

    def cite(self) -> str:
        """Short human citation, e.g. ``cigna-commercial-dme v1, table 1, page 9, line 181``."""
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

    @property
    def source(self) -> Source:
        """The citation for this row."""
        return Source(
            self.list_id, self.version, self.table, self.line, self.page, self.table_title
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

    def requery(
        self, query: str, modifiers: tuple[str, ...], warnings: tuple[str, ...]
    ) -> Determination:
        """This answer for another query text (a fast ``dataclasses.replace`` on the hot path)."""
        return Determination(
            query, self.payer, self.line_of_business, self.code, modifiers, self.status,
            self.submit_to, self.notes, warnings, self.description, self.category, self.hcpcs,
            self.hcpcs_known, self.effective, self.sources, self.system, self.message,
            self.conflict, self.date, self.versions,
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
        }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None
