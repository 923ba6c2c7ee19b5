"""Read a grid with a profile: every row -> one reading per code it lists, or an error naming
file, line (page) and what was expected. Pure: the grid and the CMS code set are passed in.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from functools import lru_cache

from precert.profiles.model import Profile, TableSpec
from precert.profiles.rows import Layout, ProfileReader, RowError, RowReading, layout_of
from precert.readers.grid import Grid, GridRow, GridTable

__all__ = ["RowError", "RowReading", "apply", "header_index", "header_key"]

_CODE_IN = re.compile(r"(?<![A-Za-z0-9])[A-V]\d{4}(?![0-9])")


@lru_cache(maxsize=65536)
def header_key(cell: str) -> str:
    """How header cells are compared: case, spaces, ®, and trailing ':' or '*' ignored."""
    # str.split() splits on the whitespace regex's \s (both use Unicode's white space).
    text = " ".join(cell.replace("\u00ae", "").split()).casefold()
    return text.rstrip(":*").strip().rstrip(":*").strip()


def apply(
    grid: Grid, profile: Profile, hcpcs_codes: Collection[str]
) -> Iterator[RowReading | RowError]:
    """Every reading of every data row, in order; rows that do not read come as RowError."""
    reader = ProfileReader(profile, hcpcs_codes)
    number = 0
    matched = False
    first: list[GridRow] = []  # the first row before any header (named if none is found)
    for table in grid.tables:
        for item in _read_table(grid, table, reader, number, first):
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


def _candidates(profile: Profile, table_number: int) -> list[tuple[TableSpec, frozenset[str]]]:
    """The table specs a header row of this table may match, each with its header's keys."""
    return [
        (spec, frozenset(header_key(h) for h in spec.header))
        for spec in profile.tables
        if spec.which is None or spec.which == table_number
    ]


def _match_spec(
    filled: list[str], candidates: list[tuple[TableSpec, frozenset[str]]]
) -> TableSpec | None:
    keys = set(map(header_key, filled))
    for spec, wanted in candidates:
        if wanted <= keys:
            return spec
    return None


def _read_table(
    grid: Grid,
    table: GridTable,
    reader: ProfileReader,
    number: int,
    first: list[GridRow],
) -> Iterator[RowReading | RowError | int]:
    profile = reader.profile
    skips = [re.compile(p, re.IGNORECASE) for p in profile.skip]
    candidates = _candidates(profile, table.number)
    layouts: dict[tuple[int, tuple[str, ...]], tuple[Layout | None, str]] = {}
    spec: TableSpec | None = None
    layout: Layout | None = None
    header: tuple[str, ...] = ()
    headings: list[str] = []
    heading_since_header = False
    section = None
    title = table.title
    page = 0
    pdf = grid.format == "pdf"
    for row in table.rows:
        cells = row.cells
        filled = [c for c in cells if c.strip()]
        if not filled:
            continue
        if skips:
            text = " ".join(filled)
            if any(p.search(text) for p in skips):
                continue
        found = _match_spec(filled, candidates)
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
                layout, error = layout_of(found, cells)
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
            section = reader.section(text) or section
            continue
        if spec is None or layout is None:
            continue  # preamble before the first header (title rows, notes)
        chosen = layout
        if spec.where:
            # Tables told apart by a column's value (the notice's source_table 1 and 2).
            match = next((t for t in _siblings(profile, spec) if _holds(t, header, cells)), None)
            if match is None:
                continue
            if match is not spec:
                key = (profile.tables.index(match), header)
                if key not in layouts:
                    layouts[key] = layout_of(match, header)
                sibling, error = layouts[key]
                if sibling is None:
                    yield RowError(
                        grid.name, row.line, _page(grid, row), f"{error} ({profile.where})"
                    )
                    continue
                chosen = sibling
        yield from reader.read(
            grid.name, row, row.page if pdf else None, chosen, chosen.spec.title or title,
            row.page or page, number if chosen.spec.number is None else chosen.spec.number,
            section,
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
