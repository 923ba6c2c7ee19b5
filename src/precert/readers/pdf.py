"""Read the ruled text tables of a PDF list with pdfplumber (the optional ``pdf`` extra).

A table that runs over several pages is one table: on each page after the first it goes on
when it has the same number of columns and either repeats the header row or has no text above
it on the page (a title above a table starts a new one). The header row repeated on every page
stays a row (the profile skips the repeats). Each row has its page and the line on that page
its text starts on (text lines side by side count as one), so a citation reads "page 2,
line 14". A cell's lines are joined with spaces. A scanned PDF has no text to read: it is an
error saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from precert.readers import ReaderError
from precert.readers.files import join_whitespace, read_bytes, sha256, trim
from precert.readers.grid import Grid, GridRow, GridTable

_MISSING = "reading PDF lists needs the pdf extra: pip install 'precert[pdf]'"
_SAME_LINE = 2.0  # points: text starting this close vertically is one line


def read_pdf(path: Path) -> Grid:
    """Read every ruled table of a PDF (``where`` = ``list.pdf table N``); rows know their page."""
    path = Path(path)
    try:
        import pdfplumber  # the optional extra, loaded only for PDF lists
    except ImportError as exc:
        raise ReaderError(path.name, None, _MISSING) from exc
    data = read_bytes(path)
    built: list[_Table] = []
    any_text = False
    number = 0  # the page being read, for an error met on it
    try:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                lines = _line_tops(page)
                any_text = any_text or bool(lines)
                _read_page(page, number, lines, built)
    except Exception as exc:
        # pdfminer raises its own types for a damaged, encrypted or non-PDF file, and builtin
        # ones (TypeError, KeyError …) from deep inside for malformed objects: whichever, the
        # user gets the file and page, never a traceback. The type is named for a bug report.
        raise ReaderError(
            path.name,
            None,
            f"not a readable PDF ({type(exc).__name__}: {exc})",
            page=number or None,
        ) from exc
    if not built:
        why = (
            "it has no text (a scanned PDF needs OCR first)"
            if not any_text
            else "precert reads tables drawn with ruling lines; save the list as CSV or XLSX"
        )
        raise ReaderError(path.name, None, f"no table found: {why}")
    tables = [
        GridTable.numbered(path.name, n, t.titles, t.rows) for n, t in enumerate(built, start=1)
    ]
    return Grid(name=path.name, sha256=sha256(data), format="pdf", tables=tables)


@dataclass
class _Table:
    titles: tuple[str, ...]
    width: int
    header: tuple[str, ...]
    rows: list[GridRow] = field(default_factory=list)


def _read_page(page: Any, number: int, lines: list[float], built: list[_Table]) -> None:
    above = 0.0  # bottom of the previous table on this page
    for found in sorted(page.find_tables(), key=lambda t: t.bbox[1]):
        top = found.bbox[1]
        titles = _titles(page, above, top)
        extracted = found.extract()
        # The ruled columns, not the filled ones: a last column empty on a whole page (notes)
        # must not make the page look like another table.
        width = max((len(cells) for cells in extracted), default=0)
        rows = [
            (row.bbox[1] if row.bbox else top, trim(_cell(c) for c in cells))
            for row, cells in zip(found.rows, extracted, strict=False)
        ]
        rows = [(y, cells) for y, cells in rows if cells]
        above = found.bbox[3]
        if not rows:
            continue
        previous = built[-1] if built else None
        goes_on = (
            previous is not None
            and previous.width == width
            and previous.rows
            and previous.rows[-1].page == number - 1
            and (not titles or rows[0][1] == previous.header)
        )
        if goes_on and previous is not None:
            table = previous
        else:
            table = _Table(titles, width, rows[0][1])
            built.append(table)
        for y, cells in rows:
            table.rows.append(GridRow(_line(lines, y), cells, page=number))


def _cell(text: str | None) -> str:
    return join_whitespace(text) if text else ""


def _line_tops(page: Any) -> list[float]:
    """The top of every text line on the page, top to bottom (lines side by side are one)."""
    tops = sorted({round(float(word["top"]), 1) for word in page.extract_words()})
    merged: list[float] = []
    for top in tops:
        if not merged or top - merged[-1] > _SAME_LINE:
            merged.append(top)
    return merged


def _line(lines: Sequence[float], top: float) -> int:
    """The 1-based line on the page of a row whose cells start at ``top``: its first text line
    is the first one below the cells' top border (the lines above it, plus one)."""
    return 1 + sum(1 for line in lines if line < top)


def _titles(page: Any, start: float, end: float) -> tuple[str, ...]:
    """The text lines between ``start`` and ``end`` (above a table): its title block."""
    if end - start < 1:
        return ()
    region = page.crop((0, start, page.width, end), strict=False)
    text = region.extract_text() or ""
    return tuple(join_whitespace(line) for line in text.splitlines() if line.strip())
