"""Read the published text layout (a PDF list as its publisher extracts it to text).

The layout, as Cigna publishes it: a title block of ``**…**`` lines, then a header row and
tab-separated rows, the header row repeated at the top of every page of the PDF, and a
``CPT copyright …`` footer. Each title block starts a table (``title`` is its last line,
``titles`` all of them); the first row after it is the table's header, and it and every
repeat of it stay rows (the profile skips the repeats). A row's page is the number of header
rows seen so far in the file, as each one starts a page of the PDF: that is the page a user
quotes to the payer. The footer is not a row: it is ``Grid.footer``.

Rows are streamed like CSV rows: one pass finds the tables (titles, where each starts, its
first page), checks the text is UTF-8 and hashes the file; each table's rows then read the
file again from the table's first byte, so a 100,000-row list is never held whole.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from precert.readers import ReaderError
from precert.readers.files import trim
from precert.readers.grid import Grid, GridRow, GridTable

_TITLE = re.compile(r"^\*\*(.+?)\*\*$")
_FOOTER = re.compile(r"^CPT copyright", re.IGNORECASE)
_BOM = b"\xef\xbb\xbf"


def read_text(path: Path) -> Grid:
    """Read a file in the published text layout; ReaderError names file and line."""
    path = Path(path)
    name = path.name
    starts: list[_Start] = []
    titles: list[str] = []
    header: tuple[str, ...] | None = None
    footer = ""
    page = 0
    digest = hashlib.sha256()
    for number, offset, raw in _raw_lines(path):
        digest.update(raw)
        try:
            line = (raw[len(_BOM) :] if number == 1 and raw.startswith(_BOM) else raw).decode()
        except UnicodeDecodeError as exc:
            raise ReaderError(
                name, number, "not UTF-8 text (expected the published text layout)"
            ) from exc
        kind = _kind(line)
        if kind == "blank":
            continue
        if kind == "title":
            titles.append(_title(line))
            continue
        if kind == "footer":
            footer = line.strip()
            continue
        if titles or header is None:
            # A title block (or the file's first row) starts a table whose header is this row.
            header = _cells(line)
            page += 1
            starts.append(_Start(tuple(titles), number, offset, page, header))
            titles = []
        elif _is_header(line, header):
            page += 1  # the header repeated: a new page of the PDF
    if titles:
        raise ReaderError(name, None, f"title block {titles[-1]!r} has no table after it")
    if not starts:
        raise ReaderError(name, None, "no table rows found (expected the published text layout)")
    tables = [
        GridTable.numbered(
            name,
            n,
            start.titles,
            TextRows(path, start, starts[n].line if n < len(starts) else None),
        )
        for n, start in enumerate(starts, start=1)
    ]
    return Grid(name=name, sha256=digest.hexdigest(), format="text", tables=tables, footer=footer)


@dataclass(frozen=True, slots=True)
class _Start:
    titles: tuple[str, ...]
    line: int  # the table's first row (its header)
    offset: int  # byte offset of that line
    page: int
    header: tuple[str, ...]


class TextRows:
    """One table's rows, read from the file again on every iteration."""

    def __init__(self, path: Path, start: _Start, end: int | None) -> None:
        self.path = path
        self.start = start
        self.end = end  # the next table's first line (its title lines come first)

    def __iter__(self) -> Iterator[GridRow]:
        start = self.start
        page = start.page - 1
        for number, _, raw in _raw_lines(self.path, start.offset, start.line):
            if self.end is not None and number >= self.end:
                return
            line = raw.decode("utf-8", errors="replace")
            kind = _kind(line)
            if kind != "row":
                continue  # the next table's title block, the footer, blank lines
            cells = _cells(line)
            if number == start.line or cells == start.header:
                page += 1
            yield GridRow(number, cells, page)


def _raw_lines(path: Path, offset: int = 0, first: int = 1) -> Iterator[tuple[int, int, bytes]]:
    """(line number, byte offset, bytes without the line break) of each line from ``offset``."""
    try:
        file = path.open("rb")
    except OSError as exc:
        raise ReaderError(path.name, None, f"cannot read file: {exc.strerror or exc}") from exc
    with file:
        file.seek(offset)
        number = first
        for raw in file:
            yield number, offset, raw.rstrip(b"\r\n")
            offset += len(raw)
            number += 1


def _kind(line: str) -> str:
    stripped = line.strip()
    if not stripped:
        return "blank"
    if _TITLE.match(stripped):
        return "title"
    if _FOOTER.match(stripped):
        return "footer"
    return "row"


def _title(line: str) -> str:
    found = _TITLE.match(line.strip())
    return found.group(1).strip() if found else ""


def _cells(line: str) -> tuple[str, ...]:
    return trim(cell.strip() for cell in line.split("\t"))


def _is_header(line: str, header: tuple[str, ...]) -> bool:
    # Most lines are not the header: compare the first cell before splitting the line.
    return bool(header) and line.lstrip().startswith(header[0]) and _cells(line) == header
