"""Read CSV, TSV and XLSX exports of a published list (same columns) into the published model."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from precert.codes import system_of
from precert.readers import ReaderError
from precert.readers.published import (
    _FOOTER,
    PublishedList,
    Table,
    _header_fields,
    parse_published_text,
)

# A row of cells as read, with the line (CSV) or row number (XLSX) it starts on.
SourceRow = tuple[int, Sequence[object]]


def read_csv(path: str | Path) -> PublishedList:
    """Read a CSV (or TSV) export: optional title rows, a header row per table, data rows.

    The delimiter is ``,``, ``;`` or a tab (sniffed; ``.tsv`` means tab). Text is UTF-8
    (with or without a byte-order mark), else Windows-1252 as older Excel versions save it.
    """
    path = Path(path)
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[SourceRow] = []
    start = 1
    try:
        for record in reader:
            rows.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ReaderError(path.name, reader.line_num, f"not valid CSV: {exc}") from exc
    return parse_rows([(path.name, rows)], name=path.name, sha256=_sha(data))


def read_xlsx(path: str | Path) -> PublishedList:
    """Read an XLSX export: every sheet with a header row is a table (title rows optional;
    without them the sheet name is the table title)."""
    from python_calamine import CalamineWorkbook  # only XLSX imports need the reader

    path = Path(path)
    data = _read_bytes(path)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [
            (name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in workbook.sheet_names
        ]
    except Exception as exc:  # calamine raises its own error types for non-XLSX input
        raise ReaderError(path.name, None, f"not a readable XLSX workbook ({exc})") from exc
    tables = [
        (f"{path.name}[{name}]", [(n, row) for n, row in enumerate(rows, start=1)], name)
        for name, rows in sheets
        if any(_header_fields(_cells(row)) for row in rows)
    ]
    if not tables:
        raise ReaderError(path.name, None, _NO_HEADER)
    return parse_rows(
        [(where, rows) for where, rows, _ in tables],
        name=path.name,
        sha256=_sha(data),
        titles=[title for _, _, title in tables],
    )


_NO_HEADER = (
    "no header row found: expected columns such as Category, CPT® Code, CPT® Code Description "
    "and Commercial Prior Authorization Required?"
)


def parse_rows(
    parts: Sequence[tuple[str, Sequence[SourceRow]]],
    *,
    name: str,
    sha256: str,
    titles: Sequence[str] | None = None,
) -> PublishedList:
    """Turn rows of cells (one sequence per CSV file or XLSX sheet) into a published list.

    The rows are laid out as the published text and read by the same parser, so both
    formats accept exactly the same columns and values. A part whose first header row has
    no title row before it gets a title: ``titles[i]``, else the file name without extension.
    """
    lines: list[str] = []
    origin: list[tuple[str, int] | None] = []  # (part, line in that part) of each text line
    titled: bool | None = None  # does the first part start with a title row of its own?
    for index, (where, rows) in enumerate(parts):
        default = titles[index] if titles else Path(name).stem
        for line, text in _layout(rows, default):
            if titled is None and text:
                titled = line is not None  # `_layout` gives a made-up title no line
            lines.append(text)
            origin.append(None if line is None else (where, line))
    try:
        published = parse_published_text("\n".join(lines).encode(), name)
    except ReaderError as exc:
        where, line = _locate(origin, exc.line, name)
        raise ReaderError(where, line, exc.message.replace("(**…**)", "row")) from exc
    tables: list[Table] = []
    for table in published.tables:
        mapped = [replace(r, line=_locate(origin, r.line, name)[1] or r.line) for r in table.rows]
        tables.append(Table(table.number, table.titles, table.columns, table.fields, mapped))
    return PublishedList(
        name, sha256, tables, published.footer, published.pages, titled=titled is not False
    )


def _layout(rows: Iterable[SourceRow], default_title: str) -> Iterable[tuple[int | None, str]]:
    """Yield (source line, text line) in the published text layout for rows of cells."""
    width = 0
    titled = False
    for line, row in rows:
        cells = _cells(row)
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            yield line, ""
            continue
        header = _header_fields(cells)
        if header is not None:
            if width == 0 and not titled:
                # An export that starts at the header row: its title is the sheet or file name.
                yield None, f"**{default_title}**"
            width = len(cells)
            titled = True
            yield line, "\t".join(cells)
            continue
        if len(cells) == 1 and system_of(cells[0].upper()) is None:
            text = cells[0].strip("*").strip()
            titled = True
            yield line, text if _FOOTER.match(text) else f"**{text}**"
            continue
        # Spreadsheets drop or pad trailing empty cells; the header says how many there are.
        cells.extend([""] * (width - len(cells)))
        yield line, "\t".join(cells)


def _cells(row: Sequence[object]) -> list[str]:
    """Cells as the text layout has them: strings, one line each, no tabs, stripped."""
    out: list[str] = []
    for value in row:
        if value is None:
            text = ""
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))  # Excel stores every number as a float
        elif isinstance(value, dt.datetime) and value.time() == dt.time():
            text = value.date().isoformat()
        elif isinstance(value, dt.date | dt.datetime):
            text = value.isoformat()
        else:
            text = str(value)
        # Line breaks inside a cell become spaces (the text layout has one row per line);
        # other spacing is kept exactly as published.
        for separator in ("\r\n", "\r", "\n", "\t"):
            text = text.replace(separator, " ")
        out.append(text.strip())
    return out


def _locate(
    origin: Sequence[tuple[str, int] | None], line: int | None, name: str
) -> tuple[str, int | None]:
    """Map a line of the generated text back to (file or sheet, line) of the export."""
    if line is None or not 0 < line <= len(origin):
        return name, None
    found = origin[line - 1]
    return (name, None) if found is None else found


def _sniff(text: str) -> str:
    sample = text[:8192]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReaderError(path, None, f"cannot read file: {exc.strerror or exc}") from exc


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
