"""Response models of the versions, changes and lint API (for /openapi.json)."""

from __future__ import annotations

import builtins
import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from precert.web.schemas import ListVersionOut, PageOut, SourceOut


class VersionSpanOut(ListVersionOut):
    """A version with the dates it is in force."""

    in_force_from: dt.date | None
    in_force_until: dt.date | None
    superseded: bool
    current: bool
    previous: str | None
    changes_url: str | None


class VersionsOut(BaseModel):
    """The versions of one list, in the order they take effect."""

    list: str
    versions: builtins.list[VersionSpanOut]


class FieldChangeOut(BaseModel):
    """One published value that changed (``rows``: how many rows the code has in a table)."""

    field: str
    table: int
    from_: str | int | None = Field(alias="from")
    to: str | int | None
    from_line: int | None
    to_line: int | None
    direction: str | None


class CodeChangeOut(BaseModel):
    """A code added, removed or changed, with its rows on each side."""

    code: str
    change: Literal["added", "removed", "changed"]
    status_from: str | None
    status_to: str | None
    direction: str | None
    fields: builtins.list[str]
    changes: builtins.list[FieldChangeOut]
    description: str
    category: str | None
    notes: str
    sources_from: builtins.list[SourceOut]
    sources_to: builtins.list[SourceOut]


class ChangesOut(PageOut):
    """What changed between two versions of a list: ``summary`` counts every change, the
    page holds ``limit`` of them (added, then removed, then changed)."""

    list: str
    from_: ListVersionOut = Field(alias="from")
    to: ListVersionOut
    summary: dict[str, int]
    added: builtins.list[CodeChangeOut]
    removed: builtins.list[CodeChangeOut]
    changed: builtins.list[CodeChangeOut]


class FindingOut(BaseModel):
    """One data-quality problem of one published row."""

    code: str
    line: int
    kind: str
    severity: Literal["error", "warning", "info"]
    message: str
    table: int
    page: int


class LintOut(PageOut):
    """The lint of one list version: ``counts`` of every finding, a page of them."""

    target: str
    list: str | None
    version: str | None
    source_name: str
    rows: int
    date: dt.date
    counts: dict[str, int]
    findings: builtins.list[FindingOut]
