"""The DuckDB engine: read and normalize in SQL, stream ordered Arrow batches, join the answers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from precert.batch.answers import KEY, AnswerTable
from precert.batch.inputs import CSV, JSONL, InputFile, longest_line
from precert.batch.rejects import error_label
from precert.batch.sql import literal, lookup_key, scope_key
from precert.readers import ReaderError

if TYPE_CHECKING:
    import pyarrow as pa

BATCH_ROWS = 1 << 17
REJECT_SAMPLE = 20
MAX_LINE_BYTES = 2_000_000  # a longer line is rejected (kept whole in the rejects file)
BUFFER_BYTES = 32 << 20  # DuckDB's default CSV buffer
MAX_BUFFERED_LINE_BYTES = 128 << 20  # a longer line makes the whole file refused


@dataclass(frozen=True, slots=True)
class Reject:
    """One input line the reader could not split into the header's columns (no contents)."""

    line: int | None
    error: str


@dataclass(frozen=True, slots=True)
class Rejects:
    """How many lines were rejected, and the first few of them."""

    count: int
    first: tuple[Reject, ...]


class NotUtf8(Exception):
    """The file turned out not to be UTF-8 past the sample; the caller converts and retries."""


def connect(workdir: Path, memory_limit: str, threads: int | None = None) -> Any:
    """An in-memory DuckDB with bounded memory that spills to ``workdir``."""
    import duckdb

    config: dict[str, Any] = {
        "memory_limit": memory_limit,
        "temp_directory": str(workdir / "spill"),
        "preserve_insertion_order": True,
    }
    if threads:
        config["threads"] = threads
    con = duckdb.connect(config=config)
    con.execute("SET enable_progress_bar = false")  # ours goes to stderr, on a terminal only
    with contextlib.suppress(duckdb.Error):
        con.execute("SET TimeZone = 'UTC'")  # dates of timestamps with a zone: UTC, as Spark
    return con


def buffer_size(longest: int) -> int:
    """DuckDB's CSV read buffer, big enough for the longest line.

    DuckDB logs a line over ``max_line_size`` as a reject, except one longer than its read
    buffer, which it drops without a trace (DuckDB 2.0.1): `inputs.longest_line` measures
    the file first, and a line too long for any buffer is refused (`measured`).
    """
    return max(BUFFER_BYTES, 2 * longest + MAX_LINE_BYTES)


def measured(source: InputFile) -> InputFile:
    """The CSV input with its longest line measured; refused when no buffer would hold it."""
    if source.format != CSV:
        return source
    longest, line = longest_line(source)
    if longest > MAX_BUFFERED_LINE_BYTES:
        raise ReaderError(
            source.name,
            line,
            f"this line is {longest:,} bytes long; precert reads lines of up to "
            f"{MAX_BUFFERED_LINE_BYTES:,} bytes (and sets aside as malformed those over "
            f"{MAX_LINE_BYTES:,}): is this really a CSV file?",
        )
    return replace(source, longest=longest)


def source_sql(source: InputFile, types: Sequence[tuple[str, str]] = ()) -> str:
    """The table function that reads the input (JSON lines: with these column types, if any)."""
    path = literal(str(source.path))
    if source.format == CSV:
        # Dialect and header come from `inputs.detect` (no sniffing): one broken line cannot
        # change how the whole file is read. Every cell stays text, exactly as written.
        columns = ", ".join(f"{literal(n)}: 'VARCHAR'" for n in source.header)
        return (
            f"read_csv({path}, auto_detect = false, header = true, columns = {{{columns}}}, "
            f"delim = {literal(source.delimiter)}, quote = '\"', escape = '\"', "
            f"skip = {int(source.skip)}, max_line_size = {MAX_LINE_BYTES}, "
            f"buffer_size = {buffer_size(source.longest)}, "
            f"store_rejects = true, compression = {literal('gzip' if source.gzip else 'none')})"
        )
    if source.format == JSONL:
        columns = ", ".join(f"{literal(n)}: {literal(t)}" for n, t in types)
        return (
            # Text that looks like a date stays text, exactly as written (as Spark reads it).
            f"read_json({path}, format = 'newline_delimited', dateformat = 'NONE', "
            f"timestampformat = 'NONE', {f'columns = {{{columns}}}, ' if columns else ''}"
            f"compression = {literal('gzip' if source.gzip else 'none')})"
        )
    return f"read_parquet({path})"


class DuckDBEngine:
    """Reads any supported input and yields it in input order with the added columns."""

    name = "duckdb"

    def __init__(
        self, workdir: Path, memory_limit: str = "512MB", threads: int | None = None
    ) -> None:
        self.con = connect(workdir, memory_limit, threads)
        self.source: InputFile | None = None
        self.columns: list[tuple[str, str]] = []
        self._types: tuple[tuple[str, str], ...] = ()
        self._rejects = False

    def open(self, source: InputFile) -> list[str]:
        """Read the header; return the column names."""
        import duckdb

        self.source = source
        try:
            described = self.con.execute(f"DESCRIBE SELECT * FROM {source_sql(source)}").fetchall()
            if source.format == JSONL and any(str(r[1]) == "JSON" for r in described):
                # Values of mixed kinds ("E0466" here, 99213 there) make DuckDB type a column
                # JSON, whose text keeps the quotes ('"E0466"'): read such columns as text,
                # as Spark does, so cells stay as written and codes are answered.
                self._types = tuple(
                    (str(r[0]), "VARCHAR" if str(r[1]) == "JSON" else str(r[1])) for r in described
                )
                described = self.con.execute(
                    f"DESCRIBE SELECT * FROM {source_sql(source, self._types)}"
                ).fetchall()
        except duckdb.Error as exc:
            raise _reader_error(source, exc) from None
        self.columns = [(str(r[0]), str(r[1])) for r in described]
        return [name for name, _ in self.columns]

    def batches(
        self, table: AnswerTable, code_column: str, date_column: str | None, dictionary: bool
    ) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
        """The output schema and its batches, in input order."""
        import pyarrow as pa

        assert self.source is not None
        types = dict(self.columns)
        key = lookup_key(
            code_column,
            types[code_column],
            date_column,
            types.get(date_column) if date_column else None,
        )
        if table.scope_columns is not None:
            key = scope_key(table.scope_columns, key)
        query = f"SELECT *, {key} AS {KEY} FROM {source_sql(self.source, self._types)}"
        try:
            # A plain projection over one table function: DuckDB keeps the input order here
            # (a JOIN would not), so the answers are joined on the ordered Arrow batches.
            reader = self.con.sql(query).to_arrow_reader(BATCH_ROWS)
        except Exception as exc:  # duckdb.Error, raised while sniffing
            raise _reader_error(self.source, exc) from None
        fields = [f for f in reader.schema if f.name != KEY]
        answer_type = pa.dictionary(pa.int32(), pa.string()) if dictionary else pa.string()
        schema = pa.schema([*fields, *(pa.field(c, answer_type) for c in table.names)])
        self._rejects = self.source.format == CSV
        return schema, self._iterate(reader, table, schema, dictionary)

    def _iterate(
        self, reader: Any, table: AnswerTable, schema: pa.Schema, dictionary: bool
    ) -> Iterator[pa.RecordBatch]:
        import duckdb
        import pyarrow as pa

        assert self.source is not None
        width = len(schema) - len(table.names)
        try:
            for batch in reader:
                index = table.index(batch.column(width))
                arrays = [batch.column(i) for i in range(width)]
                arrays += table.columns(index, dictionary=dictionary)
                yield pa.RecordBatch.from_arrays(arrays, schema=schema)
        except duckdb.Error as exc:
            raise _reader_error(self.source, exc) from None
        if (
            self._rejects
            and self.con.execute(
                "SELECT count(*) FROM reject_errors WHERE error_type = 'INVALID ENCODING'"
            ).fetchone()[0]
        ):
            raise NotUtf8()

    def rejects(self) -> Rejects:
        """Lines of a CSV input that could not be read (after the batches are consumed)."""
        if not self._rejects:
            return Rejects(0, ())
        # DuckDB logs one error per extra or missing cell: count and show each line once.
        count = int(
            self.con.execute(
                "SELECT count(*) FROM (SELECT line FROM reject_errors GROUP BY line)"
            ).fetchone()[0]
        )
        rows = self.con.execute(
            "SELECT line, min(CAST(error_type AS VARCHAR)) FROM reject_errors "
            f"GROUP BY line ORDER BY line LIMIT {REJECT_SAMPLE}"
        ).fetchall()
        return Rejects(
            count,
            tuple(
                Reject(None if r[0] is None else int(r[0]), error_label(str(r[1]), MAX_LINE_BYTES))
                for r in rows
            ),
        )

    def write_rejects(self, path: Path) -> None:
        """The rejected lines, whole and as they were, with their line numbers (a CSV)."""
        from precert.batch.rejects import write_rejects

        assert self.source is not None
        write_rejects(self.con, self.source, path, MAX_LINE_BYTES)

    def close(self) -> None:
        """Release the database."""
        self.con.close()


def _reader_error(source: InputFile, exc: BaseException) -> Exception:
    """A message about the file without the row contents DuckDB quotes in its errors."""
    text = str(exc)
    if "invalid unicode" in text.lower():
        return NotUtf8()
    first = text.splitlines()[0] if text else type(exc).__name__
    for marker in ("Original Line", "Line:"):
        if marker in first:
            first = first.split(marker)[0].rstrip(" :,")
    line = None
    if "Line: " in text:
        digits = text.split("Line: ", 1)[1].split()[0].strip(",.:")
        line = int(digits) if digits.isdigit() else None
    fmt = {CSV: "CSV", JSONL: "JSON lines"}.get(source.format, source.format)
    return ReaderError(source.name, line, f"cannot read this {fmt} file: {first}")
