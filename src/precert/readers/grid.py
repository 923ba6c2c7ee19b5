"""The shape every tabular reader returns: tables of text cells, each row knowing where it was.

A *grid* is a file read as published, before any meaning is given to it: CSV, TSV, XLSX, an
HTML page's tables, a PDF's text tables. Readers never decide what a column means; a list
profile (``precert.profiles``) does. Readers are registered by format name in
``precert.readers.READERS`` (``"module:function"`` strings, imported lazily so ``precert check``
starts fast) and each has the signature ``read(path: Path) -> Grid``.

Rows are yielded lazily (``GridTable.rows`` is an iterable) so that a list of 100,000 rows
streams into the database without being held in memory whole. Every table's rows can be
iterated more than once (CSV/TSV and the text layout read the file again on each pass, XLSX
the sheet; HTML and PDF tables are small and held); a reader error met while iterating is
raised from the iteration (a ``ReaderError`` naming file and line).

Every reader follows the same conventions, so a profile reads any format alike:

- a row with no text in any cell is not yielded (blank lines, spacer rows);
- trailing empty cells are dropped (spreadsheets pad rows to the sheet's width, CSV writers
  do not agree), so rows of one table may differ in length: use ``GridRow.cell(i)``, which
  reads a missing cell as ``""``;
- a cell's line breaks become single spaces and the cell is stripped; HTML and PDF cells also
  have every whitespace run joined (their source line breaks are layout, not text).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class GridRow:
    """One row of cells as published (cells stripped; line breaks inside a cell kept as spaces)."""

    line: int  # 1-based line (text, CSV), row number (XLSX), source line of the <tr> (HTML),
    # or the row's line on its page (PDF)
    cells: tuple[str, ...]
    page: int | None = None  # PDF page (1-based; the text layout counts its repeated header
    # rows, each of which starts a page of the PDF it was extracted from); None otherwise

    def cell(self, index: int) -> str:
        """The cell at ``index`` (0-based), or ``""`` past the end of a short row."""
        return self.cells[index] if 0 <= index < len(self.cells) else ""


@dataclass(slots=True)
class GridTable:
    """One table: where it is (sheet, HTML caption or heading, PDF page) and its rows.

    ``rows`` includes header rows (repeated per page where the publisher repeats them); the
    profile says which row is the header and which repeats to skip.
    """

    where: str  # "file.xlsx[Sheet1]", "page.html table 2", "list.pdf" …, for messages
    title: str  # caption, the heading before it, or the sheet name; "" when none
    rows: Iterable[GridRow] = field(default_factory=list)
    number: int = 1  # 1-based position of the table in the file
    # Every title line, outermost first (the text layout's **…** block, an HTML page's heading
    # outline and caption, the lines above a PDF table); ``title`` is the last of them.
    titles: tuple[str, ...] = ()

    @classmethod
    def numbered(
        cls, file: str, number: int, titles: tuple[str, ...], rows: Iterable[GridRow]
    ) -> GridTable:
        """Table ``number`` of a file that holds several (``where`` = ``file table N``), titled
        by the last of its title lines."""
        return cls(
            where=f"{file} table {number}",
            title=titles[-1] if titles else "",
            rows=rows,
            number=number,
            titles=titles,
        )


@dataclass(slots=True)
class Grid:
    """A whole file read as tables."""

    name: str  # the file's name as given (used in citations)
    sha256: str  # hash of the file's bytes (the same file twice is the same version)
    format: str  # the reader's registered name: csv, tsv, xlsx, html, pdf, text
    tables: list[GridTable] = field(default_factory=list)
    footer: str = ""  # a closing line that is not a row (the text layout's CPT copyright line)
