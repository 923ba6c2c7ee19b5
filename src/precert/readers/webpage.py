"""Read the tables of an HTML page (payers publish lists as web pages: the DME MAC tables are).

Every ``<table>`` with a row of text is a table, numbered in page order; its title is its
``<caption>``, else the nearest heading (``h1``–``h6``) before it, and ``titles`` is the heading
outline above it (then the caption). A cell's text has every whitespace run joined (``<br>``
and block elements inside a cell are a space); a cell spanning rows or columns is repeated in
each place it covers, so every row has its values in the columns of the header; header rows
(``<th>``) stay rows. Each row's ``line`` is the source line of its ``<tr>``. A table inside a
cell is a table of its own, its text not part of the outer cell. Read with the standard
library's tolerant HTML parser: no extra dependency, and a damaged page still reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from precert.readers import ReaderError
from precert.readers.files import decode, join_whitespace, read_bytes, sha256, trim
from precert.readers.grid import Grid, GridRow, GridTable

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Elements whose content is never text a reader sees.
_HIDDEN = {"script", "style", "template", "noscript", "title"}
# Elements that separate words where they start or end (a cell's "<p>A</p><p>B</p>" is "A B").
_BREAKS = {"br", "p", "div", "li", "ul", "ol", "dd", "dt", "hr", *_HEADINGS}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_DIGITS = re.compile(r"\s*(\d+)")
_MAX_COLSPAN = 1000  # the HTML standard's own limits: a bigger span is a typo
_MAX_ROWSPAN = 65534


def read_html(path: Path) -> Grid:
    """Read every table of an HTML page as a grid table (``where`` = ``page.html table N``)."""
    path = Path(path)
    data = read_bytes(path)
    declared = _CHARSET.search(data[:4096])
    text = decode(data, declared.group(1).decode("ascii") if declared else None)
    parser = _TableParser()
    try:
        parser.feed(text)
        parser.close()
    except AssertionError as exc:  # html.parser's only failure on hopeless markup
        raise ReaderError(path.name, parser.getpos()[0], f"not readable HTML ({exc})") from exc
    built = sorted((t for t in parser.done if t.rows), key=lambda t: t.order)
    if not built:
        raise ReaderError(path.name, None, "no table with text found in the page")
    tables = [
        GridTable.numbered(path.name, number, t.titles, t.rows)
        for number, t in enumerate(built, start=1)
    ]
    return Grid(name=path.name, sha256=sha256(data), format="html", tables=tables)


@dataclass
class _Table:
    order: int  # position of the <table> tag in the page
    headings: tuple[str, ...]  # the heading outline before the table
    caption: list[str] | None = None
    rows: list[GridRow] = field(default_factory=list)
    # The row being read: its line, cells by column, the next free column.
    row_line: int | None = None
    row: dict[int, str] = field(default_factory=dict)
    column: int = 0
    # An open cell: its text so far, spans and first column.
    cell: list[str] | None = None
    cell_span: tuple[int, int] = (1, 1)
    # Cells spanning rows below: column -> (rows still to cover, text); those starting in the
    # row being read join at its end.
    carried: dict[int, tuple[int, str]] = field(default_factory=dict)
    starting: dict[int, tuple[int, str]] = field(default_factory=dict)

    @property
    def titles(self) -> tuple[str, ...]:
        caption = join_whitespace("".join(self.caption or ()))
        return (*self.headings, caption) if caption else self.headings

    def start_row(self, line: int) -> None:
        self.end_row()
        self.row_line = line

    def start_cell(self, line: int, rowspan: int, colspan: int) -> None:
        if self.row_line is None:
            self.start_row(line)  # a cell outside any <tr>: browsers give it a row
        self.end_cell()
        # Columns still covered by a cell from a row above come first.
        while self.column in self.carried:
            self.row[self.column] = self.carried[self.column][1]
            self.column += 1
        self.cell = []
        self.cell_span = (rowspan, colspan)

    def end_cell(self) -> None:
        if self.cell is None:
            return
        text = join_whitespace("".join(self.cell))
        rowspan, colspan = self.cell_span
        for column in range(self.column, self.column + colspan):
            self.row[column] = text
            if rowspan > 1:
                self.starting[column] = (rowspan - 1, text)
        self.column += colspan
        self.cell = None

    def end_row(self) -> None:
        self.end_cell()
        if self.row_line is None:
            return
        # Cells spanning into this row from above fill the columns it has no cell of its own in
        # (in a malformed table a cell of the row may overlap a span: that cell wins); every
        # span then covers one row less.
        for column, (left, text) in list(self.carried.items()):
            self.row.setdefault(column, text)
            if left > 1:
                self.carried[column] = (left - 1, text)
            else:
                del self.carried[column]
        self.carried.update(self.starting)
        self.starting = {}
        width = max(self.row, default=-1) + 1
        cells = trim(self.row.get(column, "") for column in range(width))
        if cells:
            self.rows.append(GridRow(self.row_line, cells))
        self.row_line, self.row, self.column = None, {}, 0

    def end_section(self) -> None:
        """A <thead>/<tbody>/<tfoot> ends: spans do not cross it."""
        self.end_row()
        self.carried.clear()


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.done: list[_Table] = []
        self.open: list[_Table] = []  # nested tables, innermost last
        self.outline: dict[int, str] = {}  # heading level -> text, for the current position
        self.heading: tuple[int, list[str]] | None = None
        self.hidden = 0
        self.in_caption = False
        self.tables_seen = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
            return
        line = self.getpos()[0]
        top = self.open[-1] if self.open else None
        if tag in _BREAKS:
            self._text(" ")
        if tag == "table":
            self.tables_seen += 1
            headings = tuple(self.outline[level] for level in sorted(self.outline))
            self.open.append(_Table(self.tables_seen, headings))
        elif tag in _HEADINGS:
            self.heading = (_HEADINGS[tag], [])
        elif top is None:
            return
        elif tag == "caption":
            top.caption = []
            self.in_caption = True
        elif tag == "tr":
            top.start_row(line)
        elif tag in ("td", "th"):
            values = dict(attrs)
            top.start_cell(
                line,
                _span(values.get("rowspan"), _MAX_ROWSPAN),
                _span(values.get("colspan"), _MAX_COLSPAN),
            )
        elif tag in ("thead", "tbody", "tfoot"):
            top.end_section()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            return
        top = self.open[-1] if self.open else None
        if tag in _BREAKS:
            self._text(" ")
        if tag == "table" and top is not None:
            top.end_section()
            self.done.append(self.open.pop())
        elif tag in _HEADINGS and self.heading is not None:
            level, parts = self.heading
            self.heading = None
            text = join_whitespace("".join(parts))
            if text:
                # A heading replaces its level and ends every deeper one.
                self.outline = {k: v for k, v in self.outline.items() if k < level}
                self.outline[level] = text
        elif top is None:
            return
        elif tag == "caption":
            self.in_caption = False
        elif tag == "tr":
            top.end_row()
        elif tag in ("td", "th"):
            top.end_cell()
        elif tag in ("thead", "tbody", "tfoot"):
            top.end_section()

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self._text(data)

    def close(self) -> None:
        super().close()
        while self.open:  # a page cut short: keep what it has
            self.open[-1].end_section()
            self.done.append(self.open.pop())

    def _text(self, text: str) -> None:
        if self.heading is not None:
            self.heading[1].append(text)
        if not self.open:
            return
        top = self.open[-1]
        if self.in_caption and top.caption is not None:
            top.caption.append(text)
        elif top.cell is not None:
            top.cell.append(text)


def _span(value: str | None, limit: int) -> int:
    """A rowspan/colspan attribute as browsers read it: digits, at least 1, at most ``limit``."""
    if value is None:
        return 1
    digits = _DIGITS.match(value)
    if digits is None:
        return 1
    number = int(digits.group(1))
    # rowspan="0" means "to the end of the section": carried until the section ends.
    return limit if number == 0 and limit == _MAX_ROWSPAN else max(1, min(number, limit))
