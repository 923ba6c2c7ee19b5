"""One data row read through a profile: its cells -> one reading per code it lists.

The per-row half of :mod:`precert.profiles.apply` and the hot loop of every import and dry
run. What does not change from row to row is worked out once: per profile (compiled patterns,
footnotes, the code-cell grammar: :class:`ProfileReader`) and per table header (the column of
each role: :class:`Layout`), so a row costs only its own cells.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from precert.models import Contact
from precert.profiles.cells import CellError, CellReader
from precert.profiles.dates import parse_date
from precert.profiles.model import Meaning, Profile, Section, TableSpec
from precert.profiles.tables import status_key
from precert.readers.grid import GridRow

ROLES = ("code", "description", "status", "category", "effective", "end", "contact",
         "product", "platform")  # fmt: skip


class RowReading(NamedTuple):
    """One code as one published row says it.

    A named tuple, not a frozen dataclass: it is the one value built for every row of an
    import (100,000 rows, 100,000 readings), and a tuple is built several times faster than a
    frozen dataclass sets its 25 fields one by one; it is just as immutable.
    """

    code: str
    published: str  # the code or range as published ("K0813-K0816", "*L1833")
    meaning: Meaning
    status_raw: str  # the published status value ("" for a bare listing)
    file: str
    table: int
    table_title: str
    line: int
    page: int  # 0 where the format has no pages
    columns: tuple[str, ...]  # the header as published
    cells: tuple[str, ...]
    category_raw: str
    categorized: bool  # False when the list has no category at all (no warning for blanks)
    description_raw: str
    product: str
    platform: str
    notation: str  # the notes cell as published (one notes column)
    notes: tuple[str, ...]  # notes the profile adds (labelled notes columns, sections, facts …)
    effective: dt.date | None
    end: dt.date | None
    removed: bool
    announced: dt.date | None  # a date a note announces (a warning before it, not a limit)
    modifiers: tuple[str, ...]
    contact: Contact | None
    source_url: str | None
    states: tuple[str, ...] = ()  # the row applies only to members of these states


@dataclass(frozen=True, slots=True)
class RowError:
    """A row (or table) that could not be read."""

    file: str
    line: int | None
    page: int | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.page:
            where += f", page {self.page}"
        if self.line is not None:
            where += f":{self.line}" if not self.page else f", line {self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Layout:
    """One table spec read against one header: the column of each role (-1: none)."""

    spec: TableSpec
    header: tuple[str, ...]
    roles: dict[str, int]
    notes_at: tuple[tuple[str, int], ...]  # (label, column) of each notes column
    categorized: bool  # the table has categories (a column, or one for every row)
    code: int
    description: int
    status: int
    category: int
    effective: int
    end: int
    contact: int
    product: int
    platform: int
    blanks: tuple[tuple[str, ...], ...]  # blanks[n]: the "" that pad n cells to the header
    dated: bool  # the table has an effective or an end column


@lru_cache(maxsize=1024)
def _named(name: str) -> Contact:
    """The contact a contact cell names (one value per distinct cell, not one per row)."""
    return Contact(name)


@lru_cache(maxsize=4096)
def _section_of(sections: tuple[Section, ...], text: str) -> Section | None:
    return next((s for s in sections if re.search(s.match, text, re.IGNORECASE)), None)


class ProfileReader:
    """A profile ready to read rows: its patterns compiled, its footnotes indexed."""

    __slots__ = (
        "cells", "facts", "footnotes", "platform", "profile", "rules", "sectioned", "source_url",
    )  # fmt: skip

    def __init__(self, profile: Profile, known: Collection[str]) -> None:
        self.profile = profile
        self.cells = CellReader(profile.codes, known)
        self.rules = [(re.compile(r.match, re.IGNORECASE), r) for r in profile.rules]
        self.facts = [
            (None if f.category is None else re.compile(f.category, re.IGNORECASE), f)
            for f in profile.facts
        ]
        self.footnotes = {f.marker: f for f in profile.footnotes}
        self.platform = profile.list.platform
        self.source_url = profile.list.source_url
        self.sectioned = bool(profile.sections)  # else no category opens a section

    def section(self, text: str) -> Section | None:
        """The section a heading (or a category value) opens, if the profile declares one."""
        sections = self.profile.sections
        return _section_of(sections, text) if sections else None

    def read(
        self,
        file: str,
        row: GridRow,
        error_page: int | None,
        layout: Layout,
        title: str,
        page: int,
        table_number: int,
        section: Section | None,
    ) -> list[RowReading | RowError]:
        """The readings of one data row (one per code), or the one error saying why not."""
        cells = row.cells
        # Every column of the header is there to index (readers drop trailing empty cells).
        v = cells if len(cells) >= len(layout.header) else cells + layout.blanks[len(cells)]
        spec, header, profile = layout.spec, layout.header, self.profile
        at = layout.category
        category_raw = (v[at].strip() if at >= 0 else "") or spec.category or ""
        row_section = self.section(category_raw) if category_raw and self.sectioned else None
        section = row_section or section
        if section is not None and section.category and row_section is None:
            category_raw = category_raw or section.category
        try:
            codes = self.cells.read(v[layout.code].strip())
        except CellError as exc:
            message = f"column {header[layout.roles['code']]!r}: {exc}"
            return [RowError(file, row.line, error_page, message)]
        at = layout.status
        status_raw = v[at].strip() if at >= 0 else ""
        meaning = spec.meaning or (section.meaning if section else None)
        if meaning is None:
            if "status" in layout.roles and status_raw:
                meaning = profile.values.get(status_key(status_raw))
                if meaning is None:
                    message = (
                        f"unknown status {status_raw!r} in column "
                        f"{header[layout.roles['status']]!r}: map it in the profile "
                        f'([status.values] "{status_raw}" = "required" …, or '
                        f"--status-map '{status_raw}=STATUS')"
                    )
                    return [RowError(file, row.line, error_page, message)]
            elif profile.listed is not None:
                meaning = profile.listed
            else:
                message = (
                    f"no status in column {header[layout.roles.get('status', 0)]!r} and the "
                    "profile says nothing about listed codes (status.listed, or --listed-means)"
                )
                return [RowError(file, row.line, error_page, message)]
        effective = spec.effective or (section.effective if section else None)
        end = spec.end or (section.end if section else None)
        if layout.dated:  # most tables have no date columns: nothing to look at per row
            for role, at in (("effective", layout.effective), ("end", layout.end)):
                text = v[at].strip() if at >= 0 else ""
                if text:
                    date = parse_date(text)
                    if date is None:
                        message = (
                            f"column {header[layout.roles[role]]!r}: {text!r} is not a date "
                            "(expected e.g. 2026-04-13 or April 13, 2026)"
                        )
                        return [RowError(file, row.line, error_page, message)]
                    if role == "effective":
                        effective = date
                    else:
                        end = date
        notation = ""
        notes: list[str] = list(spec.notes)
        if section is not None:
            notes.extend(section.notes)
        notes_at = layout.notes_at
        if len(notes_at) == 1:
            notation = v[notes_at[0][1]].strip()
        else:
            notes.extend(f"{label}: {v[i].strip()}" for label, i in notes_at if v[i].strip())
        at = layout.description
        description_raw = v[at].strip() if at >= 0 else ""
        at = layout.contact
        named = v[at].strip() if at >= 0 else ""
        contact = (section.contact if section else None) or (_named(named) if named else None)
        announced: dt.date | None = None
        if self.rules:
            text = f"{notation} {' '.join(notes)} {description_raw}"
            for pattern, rule in self.rules:
                m = pattern.search(text)
                if not m:
                    continue
                if rule.contact is not None:
                    groups = m.groupdict()
                    contact = Contact(
                        rule.contact.name,
                        phone=groups.get("phone") or rule.contact.phone,
                        fax=groups.get("fax") or rule.contact.fax,
                        url=rule.contact.url,
                        option=groups.get("option") or rule.contact.option,
                        portal=rule.contact.portal,
                    )
                if rule.note and rule.note not in notes:
                    notes.append(rule.note)
                if rule.effective_group and m.groupdict().get(rule.effective_group):
                    date = parse_date(m[rule.effective_group])
                    if rule.holds:
                        effective = date or effective
                    else:
                        announced = date
        for pattern_or_all, fact in self.facts:
            if pattern_or_all is None or pattern_or_all.search(category_raw):
                notes.extend(n for n in fact.notes if n not in notes)
        categorized = layout.categorized or bool(section and section.category)
        at = layout.product
        product = v[at].strip() if at >= 0 else ""
        at = layout.platform
        platform = (v[at].strip() if at >= 0 else "") or self.platform
        # A section (narrower) says which states its rows are for over its table.
        states = (section.states if section else ()) or spec.states
        out: list[RowReading | RowError] = []
        row_wide = tuple(notes)
        for item in codes:
            row_meaning = item.meaning or meaning
            row_effective = item.effective or effective
            row_end = item.end or end
            note = self.footnotes.get(item.markers) if item.markers else None
            extras = row_meaning.notes()
            row_notes = row_wide
            if note is not None or extras:
                added = list(notes)
                if note is not None:
                    row_meaning = note.meaning or row_meaning
                    row_effective = note.effective or row_effective
                    row_end = note.end or row_end
                    if note.note:
                        added.append(note.note)
                    extras = row_meaning.notes()
                added.extend(n for n in dict.fromkeys(extras) if n not in added)
                row_notes = tuple(added)
            removed = item.removed or (note is not None and note.end is not None)
            reading = RowReading(
                item.code, item.published, row_meaning, status_raw, file, table_number, title,
                row.line, page, header, cells, category_raw, categorized, description_raw,
                product, platform, notation, row_notes, row_effective, row_end, removed,
                announced, item.modifiers, contact, self.source_url, states,
            )  # fmt: skip
            out.append(reading)
        return out


def layout_of(spec: TableSpec, header: tuple[str, ...]) -> tuple[Layout | None, str]:
    """Where each role of ``spec`` is in ``header``, or why the header lacks one of them."""
    from precert.profiles.apply import header_index

    roles: dict[str, int] = {}
    columns = spec.columns
    for role in ROLES:
        name = getattr(columns, role)
        if name is None:
            continue
        index = header_index(header, name)
        if index < 0:
            shown = ", ".join(repr(h) for h in header if h.strip())
            return None, f"no column {name!r} (tables.columns.{role}) in the header: {shown}"
        roles[role] = index
    notes_at: list[tuple[str, int]] = []
    for name in columns.notes:
        index = header_index(header, name)
        if index < 0:
            return None, f"no column {name!r} (tables.columns.notes) in the header"
        notes_at.append((header[index].strip().rstrip(":*").strip().rstrip(":*"), index))
    categorized = "category" in roles or bool(spec.category)
    at = {role: roles.get(role, -1) for role in ROLES}
    blanks = tuple(("",) * (len(header) - n) for n in range(len(header)))
    dated = at["effective"] >= 0 or at["end"] >= 0
    layout = Layout(
        spec, header, roles, tuple(notes_at), categorized, blanks=blanks, dated=dated, **at
    )
    return layout, ""
