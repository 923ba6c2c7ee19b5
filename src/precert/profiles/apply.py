"""Read a grid with a profile: every row -> one reading per code it lists, or an error naming
file, line (page) and what was expected. Pure: the grid and the CMS code set are passed in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache

from precert.models import Contact
from precert.profiles.cells import CellError, read_cell
from precert.profiles.dates import parse_date
from precert.profiles.model import Meaning, Profile, Section, TableSpec
from precert.profiles.parse import status_key
from precert.readers.grid import Grid, GridRow, GridTable

_CODE_IN = re.compile(r"(?<![A-Za-z0-9])[A-V]\d{4}(?![0-9])")


@dataclass(frozen=True, slots=True)
class RowReading:
    """One code as one published row says it."""

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


@lru_cache(maxsize=65536)
def header_key(cell: str) -> str:
    """How header cells are compared: case, spaces, ®, and trailing ':' or '*' ignored."""
    text = re.sub(r"\s+", " ", cell.replace("\u00ae", "")).strip().casefold()
    return text.rstrip(":*").strip().rstrip(":*").strip()


def apply(
    grid: Grid, profile: Profile, hcpcs_codes: Collection[str]
) -> Iterator[RowReading | RowError]:
    """Every reading of every data row, in order; rows that do not read come as RowError."""
    number = 0
    matched = False
    first: list[GridRow] = []  # the first row before any header (named if none is found)
    for table in grid.tables:
        for item in _read_table(grid, table, profile, hcpcs_codes, number, first):
            if isinstance(item, int):
                number = item
                matched = True
                continue
            yield item
    if not matched:
        wanted = " | ".join(profile.tables[0].header)
        found = f", found {' | '.join(c for c in first[0].cells if c)!r}" if first else ""
        yield RowError(
            grid.name,
            first[0].line if first else None,
            _page(grid, first[0]) if first else None,
            f"expected a header row with {wanted!r} (tables.header of {profile.where}){found}; "
            "is this the right profile for the file?",
        )


def _match_spec(cells: tuple[str, ...], profile: Profile, table_number: int) -> TableSpec | None:
    keys = {header_key(c) for c in cells if c.strip()}
    for spec in profile.tables:
        if spec.which is not None and spec.which != table_number:
            continue
        if all(header_key(h) in keys for h in spec.header):
            return spec
    return None


def _read_table(
    grid: Grid,
    table: GridTable,
    profile: Profile,
    known: Collection[str],
    number: int,
    first: list[GridRow],
) -> Iterator[RowReading | RowError | int]:
    skips = [re.compile(p, re.IGNORECASE) for p in profile.skip]
    spec: TableSpec | None = None
    roles: dict[str, int] = {}
    notes_at: list[tuple[str, int]] = []
    header: tuple[str, ...] = ()
    headings: list[str] = []
    heading_since_header = False
    section: Section | None = None
    title = table.title
    page = 0
    for row in table.rows:
        cells = row.cells
        filled = [c for c in cells if c.strip()]
        if not filled or any(p.search(" ".join(filled)) for p in skips):
            continue
        found = _match_spec(cells, profile, table.number)
        if found is not None:
            repeat = found is spec and not heading_since_header and cells == header
            if profile.pages_by_header:
                page += 1
            if not repeat:
                number += 1
                yield number
                spec, header = found, cells
                title = found.title or (headings[-1] if headings else table.title)
                section = None
                roles, notes_at, error = _roles(found, cells)
                if error:
                    yield RowError(
                        grid.name, row.line, _page(grid, row), f"{error} ({profile.where})"
                    )
                    spec = None
            heading_since_header = False
            headings = []
            continue
        if spec is None and not first:
            first.append(row)
        if len(filled) == 1 and not _CODE_IN.search(filled[0]):
            text = filled[0].strip().strip("*").strip()
            headings.append(text)
            heading_since_header = True
            section = _section(profile, text) or section
            continue
        if spec is None:
            continue  # preamble before the first header (title rows, notes)
        chosen = spec
        chosen_roles, chosen_notes = roles, notes_at
        if spec.where:
            # Tables told apart by a column's value (the notice's source_table 1 and 2).
            match = next((t for t in _siblings(profile, spec) if _holds(t, header, cells)), None)
            if match is None:
                continue
            chosen = match
            if chosen is not spec:
                chosen_roles, chosen_notes, _ = _roles(chosen, header)
        yield from _readings(
            grid, row, chosen, profile, known, chosen_roles, chosen_notes, header,
            chosen.title or title, row.page or page,
            number if chosen.number is None else chosen.number, section,
        )  # fmt: skip


def _siblings(profile: Profile, spec: TableSpec) -> list[TableSpec]:
    """The table specs with the same header as ``spec`` (told apart by ``where``)."""
    return [t for t in profile.tables if t.header == spec.header and t.which == spec.which]


def _holds(spec: TableSpec, header: tuple[str, ...], cells: tuple[str, ...]) -> bool:
    """True when the row has every value the spec's ``where`` asks for."""
    return all(
        header_key(_cell(cells, header_index(header, h))) == header_key(v) for h, v in spec.where
    )


def _page(grid: Grid, row: GridRow) -> int | None:
    """The page an error names: a PDF's own; a text export's lines are already unique."""
    return row.page if grid.format == "pdf" else None


def header_index(header: tuple[str, ...], name: str) -> int:
    """The column whose header is ``name`` (-1 if none)."""
    key = header_key(name)
    return next((i for i, h in enumerate(header) if header_key(h) == key), -1)


def _cell(cells: tuple[str, ...], index: int) -> str:
    return cells[index].strip() if 0 <= index < len(cells) else ""


def _roles(
    spec: TableSpec, header: tuple[str, ...]
) -> tuple[dict[str, int], list[tuple[str, int]], str]:
    roles: dict[str, int] = {}
    columns = spec.columns
    for role in ("code", "description", "status", "category", "effective", "end", "contact",
                 "product", "platform"):  # fmt: skip
        name = getattr(columns, role)
        if name is None:
            continue
        index = header_index(header, name)
        if index < 0:
            shown = ", ".join(repr(h) for h in header if h.strip())
            return {}, [], f"no column {name!r} (tables.columns.{role}) in the header: {shown}"
        roles[role] = index
    notes_at: list[tuple[str, int]] = []
    for name in columns.notes:
        index = header_index(header, name)
        if index < 0:
            return {}, [], f"no column {name!r} (tables.columns.notes) in the header"
        notes_at.append((header[index].strip().rstrip(":*").strip().rstrip(":*"), index))
    return roles, notes_at, ""


def _section(profile: Profile, text: str) -> Section | None:
    if not profile.sections:
        return None
    return _section_of(profile.sections, text)


@lru_cache(maxsize=4096)
def _section_of(sections: tuple[Section, ...], text: str) -> Section | None:
    return next((s for s in sections if re.search(s.match, text, re.IGNORECASE)), None)


def _readings(
    grid: Grid,
    row: GridRow,
    spec: TableSpec,
    profile: Profile,
    known: Collection[str],
    roles: dict[str, int],
    notes_at: list[tuple[str, int]],
    header: tuple[str, ...],
    title: str,
    page: int,
    table_number: int,
    section: Section | None,
) -> Iterator[RowReading | RowError]:
    cells = row.cells

    def fail(message: str) -> RowError:
        return RowError(grid.name, row.line, _page(grid, row), message)

    def value(role: str) -> str:
        return _cell(cells, roles.get(role, -1))

    code_header = header[roles["code"]]
    category_raw = value("category") or spec.category or ""
    row_section = _section(profile, category_raw) if category_raw else None
    section = row_section or section
    if section is not None and section.category and row_section is None:
        category_raw = category_raw or section.category
    try:
        codes = read_cell(value("code"), profile.codes, known)
    except CellError as exc:
        yield fail(f"column {code_header!r}: {exc}")
        return
    status_raw = value("status")
    meaning = spec.meaning or (section.meaning if section else None)
    if meaning is None:
        if "status" in roles and status_raw:
            meaning = profile.values.get(status_key(status_raw))
            if meaning is None:
                yield fail(
                    f"unknown status {status_raw!r} in column {header[roles['status']]!r}: map "
                    f'it in the profile ([status.values] "{status_raw}" = "required" …, or '
                    f"--status-map '{status_raw}=STATUS')"
                )
                return
        elif profile.listed is not None:
            meaning = profile.listed
        else:
            yield fail(
                f"no status in column {header[roles.get('status', 0)]!r} and the profile says "
                "nothing about listed codes (status.listed, or --listed-means)"
            )
            return
    effective = spec.effective or (section.effective if section else None)
    end = spec.end or (section.end if section else None)
    for role in ("effective", "end"):
        text = value(role)
        if text:
            date = parse_date(text)
            if date is None:
                yield fail(
                    f"column {header[roles[role]]!r}: {text!r} is not a date "
                    "(expected e.g. 2026-04-13 or April 13, 2026)"
                )
                return
            if role == "effective":
                effective = date
            else:
                end = date
    notation = ""
    notes: list[str] = list(spec.notes)
    if section is not None:
        notes.extend(section.notes)
    if len(notes_at) == 1:
        notation = _cell(cells, notes_at[0][1])
    else:
        notes.extend(f"{label}: {_cell(cells, i)}" for label, i in notes_at if _cell(cells, i))
    description_raw = value("description")
    contact = (section.contact if section else None) or (
        Contact(value("contact")) if value("contact") else None
    )
    announced: dt.date | None = None
    text = f"{notation} {' '.join(notes)} {description_raw}"
    for rule in profile.rules:
        m = re.search(rule.match, text, re.IGNORECASE)
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
    for fact in profile.facts:
        if fact.category is None or re.search(fact.category, category_raw, re.IGNORECASE):
            notes.extend(n for n in fact.notes if n not in notes)
    footnotes = {f.marker: f for f in profile.footnotes}
    for item in codes:
        row_meaning = item.meaning or meaning
        row_notes = list(notes)
        row_effective = item.effective or effective
        row_end = item.end or end
        note = footnotes.get(item.markers) if item.markers else None
        if note is not None:
            row_meaning = note.meaning or row_meaning
            row_effective = note.effective or row_effective
            row_end = note.end or row_end
            if note.note:
                row_notes.append(note.note)
        removed = item.removed or (note is not None and note.end is not None)
        for extra in row_meaning.notes():
            if extra not in row_notes:
                row_notes.append(extra)
        yield RowReading(
            code=item.code,
            published=item.published,
            meaning=row_meaning,
            status_raw=status_raw,
            file=grid.name,
            table=table_number,
            table_title=title,
            line=row.line,
            page=page,
            columns=header,
            cells=cells,
            category_raw=category_raw,
            categorized="category" in roles
            or bool(spec.category)
            or bool(section and section.category),
            description_raw=description_raw,
            product=value("product"),
            platform=value("platform") or profile.list.platform,
            notation=notation,
            notes=tuple(row_notes),
            effective=row_effective,
            end=row_end,
            removed=removed,
            announced=announced,
            modifiers=item.modifiers,
            contact=contact,
            source_url=profile.list.source_url,
        )
