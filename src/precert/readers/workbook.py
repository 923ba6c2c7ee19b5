"""Read an XLSX workbook: every sheet with a cell in it is a table titled by the sheet's name.

python-calamine reads the workbook, but it lays a sheet out as one dense block from its first
to its last cell: a stray value at XFD1048576 would ask for 17 billion cells and abort the
process. So the sheets' used ranges are measured first, straight from the workbook's XML, and
a sheet larger than ``MAX_CELLS`` is refused with a message before calamine sees it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from precert.readers import ReaderError
from precert.readers.files import clean_cell, read_bytes, sha256, trim
from precert.readers.grid import Grid, GridRow, GridTable

MAX_CELLS = 5_000_000  # e.g. 100,000 rows of 50 columns; calamine holds ~16 bytes a cell

# A cell with a value: its reference attribute r="B12" in a tag that does not close itself
# (<c r="B12" s="1"/> is formatting only, and calamine skips it too). Only cells have an r=""
# holding a letter (rows have r="12"; ref="" and sqref="" do not end in r=), whatever the tag's
# prefix (<x:c>). A literal start lets the regex engine skip ahead fast.
_CELL = re.compile(rb'r="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>')
_CHUNK = 1 << 20


def read_xlsx(path: Path) -> Grid:
    """Read every non-empty sheet of an XLSX workbook as a table (``where`` = ``file[Sheet]``)."""
    from python_calamine import CalamineWorkbook  # only spreadsheet imports load calamine

    path = Path(path)
    data = read_bytes(path)
    extents = sheet_extents(path.name, data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
    except Exception as exc:  # calamine raises its own error types for a damaged workbook
        raise ReaderError(path.name, None, f"not a readable XLSX workbook ({exc})") from exc
    tables: list[GridTable] = []
    for name in names:
        extent = extents.get(name)
        if extent is not None:
            _check_size(path.name, name, extent)
        # else: no cell names its position (r="…" is optional): calamine places such cells one
        # after another, so the sheet is no bigger than its cells.
        try:
            sheet = workbook.get_sheet_by_name(name)
        except Exception as exc:
            raise ReaderError(
                f"{path.name}[{name}]", None, f"sheet cannot be read ({exc})"
            ) from exc
        where = f"{path.name}[{name}]"
        rows = SheetRows(sheet, where)
        if sheet.height == 0 or next(iter(rows), None) is None:
            continue  # an empty sheet (or only empty strings) is no table
        tables.append(
            GridTable(where=where, title=name, rows=rows, number=len(tables) + 1, titles=(name,))
        )
    if not tables:
        raise ReaderError(path.name, None, "no sheet of the workbook has a cell with text")
    return Grid(name=path.name, sha256=sha256(data), format="xlsx", tables=tables)


class SheetRows:
    """A sheet's rows, converted to text one row at a time on every iteration.

    A merged range repeats its value in every cell it covers (Excel keeps it in the first cell
    only), as an HTML cell spanning rows or columns does: a category merged down the rows of
    its codes is the category of each of them.
    """

    def __init__(self, sheet: Any, where: str) -> None:
        self.sheet = sheet
        self.where = where

    def __iter__(self) -> Iterator[GridRow]:
        # calamine's iter_rows starts at row 1 but at the first used column: pad the columns
        # so a table starting in column C has two empty cells first and letters still hold.
        # (tests/readers/test_workbook.py pins both.)
        pad = ("",) * self.sheet.start[1]
        last_column = self.sheet.end[1]
        starting: dict[int, list[tuple[int, int, int]]] = {}
        for (top, left), (bottom, right) in self.sheet.merged_cell_ranges or ():
            if (bottom, right) != (top, left) and left <= last_column:
                # Clipped to the used columns: a merge across a whole row adds no cells.
                starting.setdefault(top, []).append((bottom, left, min(right, last_column)))
        merged: list[tuple[int, int, int, str]] = []  # (last row, first col, last col, value)
        for index, values in enumerate(self.sheet.iter_rows()):
            cells = [*pad, *(clean_cell(value) for value in values)]
            for bottom, left, right in starting.get(index, ()):
                merged.append((bottom, left, right, cells[left] if left < len(cells) else ""))
            if merged:
                for _last, left, right, value in merged:
                    if len(cells) <= right:
                        cells.extend([""] * (right + 1 - len(cells)))
                    cells[left : right + 1] = [value] * (right + 1 - left)
                merged = [m for m in merged if m[0] > index]
            row = trim(cells)
            if row:
                yield GridRow(index + 1, row)


def sheet_extents(name: str, data: bytes) -> dict[str, tuple[int, int, int, int]]:
    """Sheet name -> (first row, first column, last row, last column) of its cells with values.

    Read from the worksheet XML in one streamed pass per sheet (no cell is kept).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ReaderError(name, None, f"not a readable XLSX workbook ({exc})") from exc
    with archive:
        parts = _sheet_parts(name, archive)
        extents: dict[str, tuple[int, int, int, int]] = {}
        for sheet, part in parts.items():
            try:
                extent = _extent(archive, part)
            except (KeyError, zipfile.BadZipFile, OSError) as exc:
                raise ReaderError(
                    f"{name}[{sheet}]", None, f"sheet cannot be read ({exc})"
                ) from exc
            if extent is not None:
                extents[sheet] = extent
    return extents


def _sheet_parts(name: str, archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> path of its worksheet XML inside the workbook."""
    members = set(archive.namelist())
    if "xl/workbook.xml" not in members:
        # Other ZIP files users pick by mistake: say what the file is.
        kind = "a ZIP archive"
        if "word/document.xml" in members:
            kind = "a Word document"
        elif "content.xml" in members:
            kind = "an OpenDocument file (.ods/.odt)"
        raise ReaderError(
            name, None, f"{kind}, not an XLSX workbook: save the list as .xlsx or .csv"
        )
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError) as exc:
        raise ReaderError(name, None, f"not a readable XLSX workbook ({exc})") from exc
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in rels.iter()
        if rel.tag.endswith("Relationship")
    }
    parts: dict[str, str] = {}
    for sheet in workbook.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rid, "")
        if not target:
            continue
        # Targets are relative to xl/ unless absolute within the package.
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl", target))
        parts[sheet.get("name", "")] = path
    return parts


def _extent(archive: zipfile.ZipFile, part: str) -> tuple[int, int, int, int] | None:
    top, bottom = 1 << 30, -1
    columns: set[bytes] = set()
    tail = b""
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            buffer = tail + chunk
            # Scan whole tags only: a tag starting before the last "<" ends before it.
            cut = buffer.rfind(b"<") if chunk else len(buffer)
            found = _CELL.findall(buffer, 0, max(cut, 0))
            if found:
                columns.update({letters for letters, _ in found})
                rows = [int(digits) for _, digits in found]
                top, bottom = min(top, min(rows) - 1), max(bottom, max(rows) - 1)
            if not chunk:
                break
            tail = buffer[max(cut, 0) :]
    if bottom < 0:
        return None
    indexes = [_column_index(letters) for letters in columns]
    left, right = min(indexes), max(indexes)
    return top, left, bottom, right


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (letter - 64)
    return index - 1


def _check_size(name: str, sheet: str, extent: tuple[int, int, int, int]) -> None:
    top, left, bottom, right = extent
    cells = (bottom - top + 1) * (right - left + 1)
    if cells > MAX_CELLS:
        used = f"{_ref(top, left)}:{_ref(bottom, right)}"
        raise ReaderError(
            f"{name}[{sheet}]",
            None,
            f"the sheet's cells span {used} ({cells:,} cells; precert reads at most "
            f"{MAX_CELLS:,} per sheet): delete the stray cells far from the table (Ctrl+End "
            "in Excel shows the last one) or save the table as CSV",
        )


def _ref(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"
