"""The Apache Spark engine: the same job as DuckDB's, for files that outgrow one machine."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from precert.batch.answers import (
    DATE_CHARACTERS,
    DATE_SEPARATOR,
    KEY,
    NOT_A_DATE,
    SCOPE_SEPARATOR,
    AnswerTable,
)
from precert.batch.duck import REJECT_SAMPLE, Reject, Rejects, connect, source_sql
from precert.batch.inputs import CSV, JSONL, InputFile
from precert.readers import ReaderError

if TYPE_CHECKING:
    import pyarrow as pa

ROW = "__precert_row"
CORRUPT = "__precert_corrupt"


class SparkEngine:
    """Reads with Spark, normalizes with Spark SQL functions, broadcast-joins the answers.

    The distinct keys (with their counts) come back to the driver, which determines each once;
    the answer table goes out as a broadcast join. Rows carry their position in the input
    (``monotonically_increasing_id`` before any shuffle; the join does not shuffle), the parts
    are written as Parquet, and the driver streams them back in that order into one file.
    With a cluster (``--spark-master``) the input, and the work folder beside the output, must
    be on storage that every executor and the driver can reach.
    """

    name = "spark"

    def __init__(
        self, workdir: Path, master: str | None = None, config: dict[str, str] | None = None
    ) -> None:
        self.workdir = workdir
        self.master = master or "local[*]"
        self.config = config or {}
        self.spark: Any = None
        self.source: InputFile | None = None
        self.frame: Any = None
        self.names: list[str] = []
        self._rejects: list[tuple[int, str]] = []
        self._reject_count = 0
        self._corrupt = False

    def _session(self) -> Any:
        from pyspark.sql import SparkSession

        builder = (
            SparkSession.builder.master(self.master)
            .appName("precert batch")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
            .config("spark.local.dir", str(self.workdir / "spark-local"))
        )
        if self.master.startswith("local"):
            # Everything stays on this machine: no network interface is needed.
            builder = builder.config("spark.driver.host", "127.0.0.1").config(
                "spark.driver.bindAddress", "127.0.0.1"
            )
        for key, value in self.config.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        return spark

    def open(self, source: InputFile) -> list[str]:
        """Read the header (the same columns DuckDB sees); return the column names."""
        from pyspark.sql import types as T

        self.source = source
        self.spark = self._session()
        path = str(self._spark_path(source))
        reader = self.spark.read
        if source.format == CSV:
            delimiter, names = source.delimiter, _duck_columns(source, self.workdir)
            schema = T.StructType(
                [T.StructField(n, T.StringType()) for n in names]
                + [T.StructField(CORRUPT, T.StringType())]
            )
            self.frame = reader.csv(
                path,
                schema=schema,
                header=True,
                sep=delimiter,
                quote='"',
                escape='"',
                mode="PERMISSIVE",
                columnNameOfCorruptRecord=CORRUPT,
                multiLine=False,
                ignoreLeadingWhiteSpace=False,
                ignoreTrailingWhiteSpace=False,
                encoding="UTF-8",
            )
            self._corrupt = True
        elif source.format == JSONL:
            frame = reader.json(path, mode="PERMISSIVE", columnNameOfCorruptRecord=CORRUPT)
            # Spark sorts the keys it infers; put the columns back in the file's order.
            order = _duck_columns(source, self.workdir)
            names = [n for n in order if n in frame.columns]
            names += [c for c in frame.columns if c not in names]
            self.frame = frame.select(*[f"`{n}`" for n in names])
            self._corrupt = CORRUPT in self.frame.columns
        else:
            self.frame = reader.parquet(path)
        self.names = [c for c in self.frame.columns if c != CORRUPT]
        return self.names

    def _spark_path(self, source: InputFile) -> Path:
        # Hadoop picks the codec by file name: give a gzip file a .gz name if it lacks one.
        if source.gzip and source.path.suffix.lower() != ".gz":
            link = self.workdir / (source.path.name + ".gz")
            if not link.exists():
                os.symlink(source.path.resolve(), link)
            return link
        return source.path

    def batches(
        self, table: AnswerTable, code_column: str, date_column: str | None, dictionary: bool
    ) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
        """Run the job; then the schema and the batches, in input order."""
        import pyspark.sql.functions as F
        from pyspark.sql import types as T

        frame = self.frame.withColumn(ROW, F.monotonically_increasing_id())
        types = dict(frame.dtypes)
        key = _code_key(F.col(f"`{code_column}`"), types[code_column])
        if date_column is not None:
            key = F.concat(
                _date_key(F.col(f"`{date_column}`"), types[date_column]), F.lit(DATE_SEPARATOR), key
            )
        if table.scope_columns is not None:
            sep = F.lit(SCOPE_SEPARATOR)
            scope = [
                F.lit("")
                if c is None
                else F.regexp_replace(
                    F.coalesce(F.col(f"`{c}`").cast("string"), F.lit("")), SCOPE_SEPARATOR, " "
                )
                for c in table.scope_columns
            ]
            key = F.concat(scope[0], sep, scope[1], sep, scope[2], sep, key)
        frame = frame.withColumn(KEY, key)
        good = frame.where(F.col(CORRUPT).isNull()) if self._corrupt else frame
        counts = good.groupBy(KEY).count().collect()
        table.record((str(r[0]), int(r[1])) for r in counts)
        # A small table: plain rows and a string schema (no pandas needed on the driver).
        answers = self.spark.createDataFrame(
            table.rows(),
            T.StructType([T.StructField(c, T.StringType()) for c in (KEY, *table.names)]),
        )
        columns = [F.col(f"`{n}`") for n in self.names] + [F.col(c) for c in table.names]
        columns.append(F.col(ROW))
        if self._corrupt:
            columns.append(F.col(CORRUPT))
        joined = frame.join(F.broadcast(answers), on=KEY, how="left").select(*columns)
        parts = self.workdir / "spark-parts"
        joined.sortWithinPartitions(ROW).write.parquet(str(parts))
        return self._read_parts(parts)

    def _read_parts(self, parts: Path) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        files = []
        for part in sorted(parts.glob("part-*.parquet")):
            handle = pq.ParquetFile(part)
            if handle.metadata.num_rows:
                first = handle.read_row_group(0, columns=[ROW]).column(0)[0].as_py()
                files.append((first, part))
            else:
                files.append((-1, part))
        files.sort()
        template = pq.ParquetFile(files[0][1]).schema_arrow if files else None
        if template is None:
            raise ReaderError(str(parts), None, "Spark wrote no output")
        schema = pa.schema([f for f in template if f.name not in (ROW, CORRUPT)])
        return schema, self._stream([p for _, p in files], schema)

    def _stream(self, files: list[Path], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        last = -1
        ordinal = 0
        for part in files:
            for batch in pq.ParquetFile(part).iter_batches(batch_size=1 << 17):
                rows = batch.column(ROW)
                if len(rows) and (pc.min(rows).as_py() <= last):
                    raise RuntimeError("Spark parts overlap; the input order cannot be kept")
                if len(rows):
                    last = pc.max(rows).as_py()
                if self._corrupt:
                    bad = pc.is_valid(batch.column(CORRUPT))
                    for position in pc.indices_nonzero(bad).to_pylist():
                        self._reject(ordinal + position, batch.column(CORRUPT)[position].as_py())
                    batch = batch.filter(pc.invert(bad))
                    ordinal += len(bad)
                else:
                    ordinal += batch.num_rows
                yield batch.select(schema.names).cast(schema)

    def _reject(self, ordinal: int, text: str) -> None:
        self._reject_count += 1
        # Spark reads one record per line here (multiLine off), after the header line.
        self._rejects.append((ordinal + 2, text))

    def rejects(self) -> Rejects:
        """Records Spark could not split into the header's columns."""
        first = tuple(Reject(line, "malformed record") for line, _ in self._rejects[:REJECT_SAMPLE])
        return Rejects(self._reject_count, first)

    def write_rejects(self, path: Path) -> None:
        """The malformed records as they were, with their line numbers."""
        from precert import csvsafe

        with path.open("w", newline="", encoding="utf-8") as handle:
            out = csvsafe.writer(handle)
            out.writerow(["line", "error", "original_line"])
            out.writerows((line, "malformed record", text) for line, text in self._rejects)

    def close(self) -> None:
        """Stop the Spark session."""
        if self.spark is not None:
            self.spark.stop()
            self.spark = None


def _duck_columns(source: InputFile, workdir: Path) -> list[str]:
    """The columns as DuckDB reads them, so both engines see the same names in the same order."""
    con = connect(workdir, "256MB", 1)
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source_sql(source)}").fetchall()
    except Exception as exc:  # duckdb.Error
        raise ReaderError(
            source.name, None, f"cannot read this file: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        con.close()
    return [str(r[0]) for r in described]


def _code_key(column: Any, spark_type: str) -> Any:
    """The same key as DuckDB's `code_key`, in Spark SQL functions."""
    import pyspark.sql.functions as F

    if spark_type == "string":
        return (
            F.when(column.isNull(), F.lit(""))
            .when(column.rlike("\\A[ -~]*\\z"), F.upper(F.trim(column)))
            .otherwise(column)
        )
    if spark_type in ("tinyint", "smallint", "int", "bigint"):
        return F.coalesce(column.cast("string"), F.lit(""))
    if spark_type in ("float", "double") or spark_type.startswith("decimal"):
        whole = F.when(column == F.floor(column), column.cast("long").cast("string"))
        return F.coalesce(whole, column.cast("string"), F.lit(""))
    return F.coalesce(column.cast("string"), F.lit(""))


def _date_key(column: Any, spark_type: str) -> Any:
    """The same date key as DuckDB's `date_key`."""
    import pyspark.sql.functions as F

    if spark_type in ("date",) or spark_type.startswith("timestamp"):
        return F.coalesce(column.cast("date").cast("string"), F.lit(""))
    text = column.cast("string")
    return (
        F.when(column.isNull(), F.lit(""))
        .when(text.rlike(f"\\A{DATE_CHARACTERS}*\\z"), text)
        .otherwise(F.lit(NOT_A_DATE))
    )
