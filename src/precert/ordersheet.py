"""Read the first sheet of an order workbook (XLSX, python-calamine) in a child process.

`precert batch` gets the sheet as Parquet (each column's cell type kept where the column has
only one); the staff page's upload gets its rows as text (JSON lines, the header row as
written). One reader for both doors, so they see the same cells.

The reading runs in a child process with a memory ceiling. calamine holds a sheet as a dense
grid of its used range, 32 bytes a cell: a 1.5 KB workbook with one cell at XFD1048576 asks
for 550 GB, and a failed allocation in Rust aborts the process, past any ``try`` or
``finally``. In a child, such an abort (or any other crash of the native reader) becomes a
clear error, the batch run cleans up after itself, and the server answers the upload.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from precert.columns import MAX_COLUMNS
from precert.readers import ReaderError

_CHUNK = 65536
MEMORY_CEILING = 8 << 30  # address space of the reading process: a sheet of ~50M cells fits
_ALLOCATION = re.compile(r"memory allocation of (\d+) bytes failed")


PARQUET, ROWS = "parquet", "rows"


def convert(
    path: Path,
    name: str,
    target: Path,
    fmt: str = PARQUET,
    *,
    ceiling: int = MEMORY_CEILING,
    timeout: float | None = None,
) -> None:
    """Write the first sheet with rows to ``target``: Parquet (typed columns, for the batch
    engines) or ``rows`` (JSON lines of text cells, the header row first, for the upload).
    ``name`` is the file as the user knows it, for messages; ``ceiling`` bounds the reading
    process's memory (bytes) and ``timeout`` its time (seconds)."""
    try:
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "precert.ordersheet",
                str(path),
                str(target),
                name,
                fmt,
                str(ceiling),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise ReaderError(
            name, None, f"reading this XLSX workbook took over {timeout:g} s; it is too big here"
        ) from None
    if child.returncode == 0:
        return
    if child.returncode == 3 and child.stdout.strip():
        error = json.loads(child.stdout.strip().splitlines()[-1])
        raise ReaderError(name, error["line"], error["message"])
    # The reader crashed; its stderr is read for the cause only (it may quote cell contents).
    wanted = _ALLOCATION.search(child.stderr)
    if wanted or "MemoryError" in child.stderr:
        need = f" ({int(wanted[1]):,} bytes)" if wanted else ""
        limit = f"{ceiling >> 30} GB" if ceiling >= 1 << 30 else f"{ceiling >> 20} MB"
        raise ReaderError(
            name,
            None,
            f"cannot read this XLSX workbook: a sheet's used range needs more memory{need} "
            f"than the reader may use ({limit}); a cell far outside the data "
            "(such as XFD1048576) makes a sheet that large: delete the empty rows and columns "
            "after the data, save, and try again",
        )
    how = f"signal {-child.returncode}" if child.returncode < 0 else f"code {child.returncode}"
    raise ReaderError(name, None, f"cannot read this XLSX workbook: the reader stopped ({how})")


def main(argv: list[str]) -> int:
    """The child: ``python -m precert.ordersheet IN OUT NAME FORMAT CEILING`` (exit 3 and a
    JSON error)."""
    import resource

    path, target, name, fmt, wanted = argv
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = int(wanted) if hard == resource.RLIM_INFINITY else min(int(wanted), hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    try:
        _convert(Path(path), Path(target), name, fmt)
    except ReaderError as exc:
        print(json.dumps({"line": exc.line, "message": exc.message}))
        return 3
    return 0


def _convert(path: Path, target: Path, name: str, fmt: str) -> None:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = next(
            (
                workbook.get_sheet_by_name(n)
                for n in workbook.sheet_names
                if workbook.get_sheet_by_name(n).height > 0
            ),
            None,
        )
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise ReaderError(name, None, f"cannot read this XLSX workbook: {exc}") from None
    if sheet is None:
        raise ReaderError(name, None, "the workbook has no sheet with a header row")
    header = next(sheet.iter_rows(), None) or []
    names = _names(header)
    if not names:
        raise ReaderError(name, 1, "the first sheet has no header row")
    if len(names) > MAX_COLUMNS:
        raise ReaderError(
            name,
            1,
            f"the header has {len(names):,} columns; precert reads up to {MAX_COLUMNS:,} (is "
            "this an order or claim file, with one row per line?)",
        )
    if fmt == ROWS:
        _write_rows(sheet, header, len(names), target)
        return
    _write_parquet(sheet, names, target)


def _write_rows(sheet: Any, header: list[Any], width: int, target: Path) -> None:
    """The header row as written, then every row with a cell, as text (JSON lines)."""
    with target.open("w", encoding="utf-8") as out:
        out.write(json.dumps([_text(v) for v in _pad(header, width)]) + "\n")
        for row in _body(sheet):
            out.write(json.dumps([_text(v) for v in _pad(row, width)]) + "\n")


def _write_parquet(sheet: Any, names: list[str], target: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
