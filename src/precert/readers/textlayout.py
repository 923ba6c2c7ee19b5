"""Read the published text layout (a PDF list as its publisher extracts it to text).

The layout, as Cigna publishes it: a title block of ``**…**`` lines, then a header row and
tab-separated rows, the header row repeated at the top of every page of the PDF, and a
``CPT copyright …`` footer. Each title block starts a table (``title`` is its last line,
``titles`` all of them); the first row after it is the table's header, and it and every
repeat of it stay rows (the profile skips the repeats). A row's page is the number of header
rows seen so far in the file, as each one starts a page of the PDF: that is the page a user
quotes to the payer. The footer is not a row: it is ``Grid.footer``.
"""

from __future__ import annotations

import re
from pathlib import Path

from precert.readers import ReaderError
from precert.readers.files import read_bytes, sha256, trim
from precert.readers.grid import Grid, GridRow, GridTable

_TITLE = re.compile(r"^\*\*(.+?)\*\*$")
_FOOTER = re.compile(r"^CPT copyright", re.IGNORECASE)


def read_text(path: Path) -> Grid:
    """Read a file in the published text layout; ReaderError names file and line."""
    path = Path(path)
    data = read_bytes(path)
    name = path.name
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[: exc.start].count(b"\n") + 1
        raise ReaderError(name, bad, "not UTF-8 text (expected the published text layout)") from exc
    tables: list[GridTable] = []
    rows: list[GridRow] = []
    header: tuple[str, ...] | None = None
    titles: list[str] = []
    footer = ""
    page = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        title = _TITLE.match(stripped)
        if title:
            titles.append(title.group(1).strip())
            continue
        if _FOOTER.match(stripped):
            footer = stripped
            continue
        cells = trim(cell.strip() for cell in line.split("\t"))
        if titles or header is None:
            # A title block (or the file's first row) starts a table whose header is this row.
            rows = []
            tables.append(
                GridTable(
                    where=f"{name} table {len(tables) + 1}",
                    title=titles[-1] if titles else "",
                    rows=rows,
                    number=len(tables) + 1,
                    titles=tuple(titles),
                )
            )
            header, titles = cells, []
            page += 1
        elif cells == header:
            page += 1  # the header repeated: a new page of the PDF
        rows.append(GridRow(number, cells, page))
    if titles:
        raise ReaderError(name, None, f"title block {titles[-1]!r} has no table after it")
    if not tables:
        raise ReaderError(name, None, "no table rows found (expected the published text layout)")
    return Grid(name=name, sha256=sha256(data), format="text", tables=tables, footer=footer)
