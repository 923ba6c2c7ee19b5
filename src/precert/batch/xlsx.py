"""Read the first sheet of an XLSX workbook (python-calamine) into Parquet for the engines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from precert.batch.inputs import PARQUET, XLSX, InputFile
from precert.readers import ReaderError

_CHUNK = 65536


def to_parquet(source: InputFile, workdir: Path) -> InputFile:
    """Convert the sheet, keeping each column's cell type where the column has only one."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(source.path))
        sheet = next(
            (
                workbook.get_sheet_by_name(n)
                for n in workbook.sheet_names
                if workbook.get_sheet_by_name(n).height > 0
            ),
            None,
        )
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise ReaderError(source.name, None, f"cannot read this XLSX workbook: {exc}") from None
    target = workdir / "input-xlsx.parquet"
    if sheet is None:
        raise ReaderError(source.name, None, "the workbook has no sheet with a header row")
    header = next(sheet.iter_rows(), None) or []
    names = _names(header)
    if not names:
        raise ReaderError(source.name, 1, "the first sheet has no header row")
    # Two passes over the sheet calamine holds: first the column types, then the rows.
    kinds = [_Kind() for _ in names]
    for row in _body(sheet):
        for kind, value in zip(kinds, _pad(row, len(names)), strict=True):
            kind.see(value)
    schema = pa.schema([pa.field(n, k.arrow_type()) for n, k in zip(names, kinds, strict=True)])
    with pq.ParquetWriter(target, schema) as writer:
        chunk: list[list[Any]] = []
        for row in _body(sheet):
            chunk.append(_pad(row, len(names)))
            if len(chunk) == _CHUNK:
                writer.write_table(_table(chunk, kinds, schema))
                chunk = []
        writer.write_table(_table(chunk, kinds, schema))
    return replace(source, path=target, format=PARQUET, original=source.path, converted_from=XLSX)


def _body(sheet: Any) -> Iterator[list[Any]]:
    rows = sheet.iter_rows()
    next(rows, None)
    for row in rows:
        if any(v not in ("", None) for v in row):
            yield row


def _names(header: list[Any]) -> list[str]:
    names: list[str] = []
    for i, value in enumerate(header):
        name = _text(value).strip() or f"column{i + 1}"
        while name in names:
            name += "_"
        names.append(name)
    while names and names[-1].startswith("column") and not _text(header[len(names) - 1]):
        names.pop()
    return names


def _pad(row: list[Any], width: int) -> list[Any]:
    return (list(row) + [""] * width)[:width]


class _Kind:
    """The single type of a column's non-empty cells, or text when they differ."""

    def __init__(self) -> None:
        self.kinds: set[str] = set()

    def see(self, value: Any) -> None:
        if value in ("", None):
            return
        if isinstance(value, bool):
            self.kinds.add("bool")
        elif isinstance(value, int) or (
            isinstance(value, float) and value.is_integer() and abs(value) < 2**53
        ):
            self.kinds.add("int")
        elif isinstance(value, float):
            self.kinds.add("float")
        elif isinstance(value, dt.datetime):
            self.kinds.add("datetime")
        elif isinstance(value, dt.date):
            self.kinds.add("date")
        else:
            self.kinds.add("text")

    def arrow_type(self) -> Any:
        import pyarrow as pa

        kinds = self.kinds
        if kinds == {"bool"}:
            return pa.bool_()
        if kinds == {"int"}:
            return pa.int64()
        if kinds and kinds <= {"int", "float"}:
            return pa.float64()
        if kinds == {"date"}:
            return pa.date32()
        if kinds and kinds <= {"date", "datetime"}:
            return pa.timestamp("us")
        return pa.string()

    def convert(self, value: Any) -> Any:
        if value in ("", None):
            return None
        kinds = self.kinds
        if kinds == {"int"}:
            return int(value)
        if kinds and kinds <= {"int", "float"}:
            return float(value)
        if kinds and kinds <= {"date", "datetime", "bool"}:
            return value
        return _text(value)


def _text(value: Any) -> str:
    """A cell as text: whole numbers without '.0' (Excel stores 99213 as 99213.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _table(rows: list[list[Any]], kinds: list[_Kind], schema: Any) -> Any:
    import pyarrow as pa

    columns = [
        pa.array([kind.convert(row[i]) for row in rows], schema.field(i).type)
        for i, kind in enumerate(kinds)
    ]
    return pa.Table.from_arrays(columns, schema=schema)
