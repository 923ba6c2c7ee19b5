"""Write ordered Arrow batches as Parquet, CSV or JSON lines, renamed into place when complete."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from precert.batch.inputs import CSV, PARQUET
from precert.batch.sql import csv_safe, literal

if TYPE_CHECKING:
    import pyarrow as pa


def partial_path(path: Path) -> Path:
    """Where a file is written before it is complete (hidden, next to it, same filesystem)."""
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


class Output:
    """One output file; nothing appears under its name until `commit`."""

    def __init__(self, path: Path, fmt: str, schema: pa.Schema, workdir: Path) -> None:
        self.path = path
        self.format = fmt
        self.schema = schema
        self.rows = 0
        self.temp = partial_path(path)
        self._workdir = workdir
        self._parquet: Any = None
        self._text: BinaryIO | None = None
        self._con: Any = None
        if fmt == PARQUET:
            import pyarrow.parquet as pq

            # No Arrow schema in the file: the answer columns read back as plain text, the
            # same whichever engine produced them.
            self._parquet = pq.ParquetWriter(self.temp, schema, store_schema=False)
        else:
            import duckdb

            self._con = duckdb.connect(config={"memory_limit": "256MB", "threads": 2})
            self._text = self.temp.open("wb")

    def write(self, batch: pa.RecordBatch) -> None:
        """Append one batch (rows in order)."""
        self.rows += batch.num_rows
        if self._parquet is not None:
            self._parquet.write_batch(batch)
        elif batch.num_rows:
            self._write_text(batch, header=self.rows == batch.num_rows)

    def _write_text(self, batch: pa.RecordBatch | None, header: bool) -> None:
        import pyarrow as pa

        assert self._text is not None
        table = pa.Table.from_batches([batch]) if batch is not None else self.schema.empty_table()
        self._con.register("batch_rows", table)
        part = self._workdir / "part.out"
        if self.format == CSV:
            columns = ", ".join(csv_safe(f.name, _is_text(f.type)) for f in self.schema)
            options = f"FORMAT csv, HEADER {'true' if header else 'false'}"
        else:
            columns, options = "*", "FORMAT json"
        # DuckDB writes each batch in its own order (COPY of one table keeps it); the parts
        # are appended one after another.
        self._con.execute(
            f"COPY (SELECT {columns} FROM batch_rows) TO {literal(str(part))} ({options})"
        )
        self._con.unregister("batch_rows")
        with part.open("rb") as handle:
            shutil.copyfileobj(handle, self._text, 1 << 20)
        part.unlink()

    def commit(self) -> None:
        """Finish the file and give it its name (an atomic rename)."""
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        else:
            if self.rows == 0 and self.format == CSV:
                self._write_text(None, header=True)
            self._close_text()
        os.replace(self.temp, self.path)

    def abort(self) -> None:
        """Drop the unfinished file."""
        try:
            if self._parquet is not None:
                self._parquet.close()
                self._parquet = None
            self._close_text()
        finally:
            self.temp.unlink(missing_ok=True)

    def _close_text(self) -> None:
        if self._text is not None:
            self._text.close()
            self._text = None
        if self._con is not None:
            self._con.close()
            self._con = None


def _is_text(arrow_type: pa.DataType) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    return bool(
        pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
        or pa.types.is_string_view(arrow_type)
    )
