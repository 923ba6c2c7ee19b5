"""One batch run: detect the input, pick the columns, stream through an engine, write, summarize."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from precert.batch.answers import AnswerTable, TooManyKeys
from precert.batch.cleanup import make_workdir, sweep
from precert.batch.columns import (
    check_no_answer_columns,
    find_code_column,
    find_date_column,
    find_named_column,
)
from precert.batch.duck import DuckDBEngine, NotUtf8, Rejects, measured
from precert.batch.inputs import (
    CSV,
    JSONL,
    PARQUET,
    XLSX,
    InputFile,
    check_width,
    detect,
    is_utf8,
    output_format,
)
from precert.batch.summary import Summary, summarize
from precert.batch.writers import Output, partial_path
from precert.readers import ReaderError

if TYPE_CHECKING:
    import pyarrow as pa

    from precert.service import Precert

ENGINES = ("duckdb", "spark")
ALL_PAYERS = "all"


class Progress(Protocol):
    """What a run reports while it goes (the CLI shows a Rich bar on a terminal)."""

    def update(self, rows: int, fraction: float | None = None, stage: str = "") -> None: ...


class Engine(Protocol):
    """What `screen` needs from an engine (DuckDB or Spark)."""

    name: str

    def open(self, source: InputFile) -> list[str]: ...

    def batches(
        self, table: AnswerTable, code_column: str, date_column: str | None, dictionary: bool
    ) -> tuple[pa.Schema, Any]: ...

    def rejects(self) -> Rejects: ...

    def write_rejects(self, path: Path) -> None: ...

    def close(self) -> None: ...


def rejects_path(output: Path) -> Path:
    """Where the lines that could not be read are kept: ``<output>.rejected.csv``."""
    return output.with_name(output.name + ".rejected.csv")


@dataclass(frozen=True, slots=True)
class Options:
    """How to run one screening (see `screen`)."""

    code_column: str | None = None
    date_column: str | None = None
    engine: str = "duckdb"
    spark_master: str | None = None
    spark_config: dict[str, str] | None = None
    strict: bool = False
    payer: str | None = None
    line_of_business: str | None = None
    report: Path | None = None
    memory_limit: str = "512MB"
    # Columns naming each row's payer, line of business and member state (None: not given).
    scope_columns: tuple[str | None, str | None, str | None] = (None, None, None)


def screen(
    input_path: str | Path,
    output_path: str | Path,
    *,
    code_column: str | None = None,
    date_column: str | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    spark_config: dict[str, str] | None = None,
    strict: bool = False,
    payer: str | None = None,
    line_of_business: str | None = None,
    report: str | Path | None = None,
    service: Precert | None = None,
    progress: Progress | None = None,
    memory_limit: str = "512MB",
    payer_column: str | None = None,
    lob_column: str | None = None,
    state_column: str | None = None,
) -> Summary:
    """Screen every row of a file of orders or claims; see `precert batch --help`.

    Every input row is written, in input order and with its columns untouched, followed by
    ``pa_code``, ``pa_modifiers``, ``pa_status``, ``pa_submit_to``, ``pa_notes``,
    ``pa_warnings``, ``pa_source`` and ``pa_more_info`` — the answer `Precert.determine` gives
    for its code cell.
    ``payer="all"`` answers every loaded payer (of ``line_of_business``, if given): ``pa_code``
    and ``pa_modifiers``, then each payer's columns (``pa_status_cigna_commercial`` …).
    """
    started = time.perf_counter()
    options = Options(
        code_column,
        date_column,
        engine,
        spark_master,
        spark_config,
        strict,
        payer,
        line_of_business,
        Path(report) if report else None,
        memory_limit,
        (payer_column, lob_column, state_column),
    )
    source_path, output = Path(input_path), Path(output_path)
    fmt = output_format(output)
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if not source_path.is_file():
        raise ReaderError(source_path, None, "no such file")
    if output.exists() and output.resolve() == source_path.resolve():
        raise ValueError("the output would overwrite the input; give another -o name")
    if not output.parent.is_dir():
        raise ValueError(f"the output folder {output.parent} does not exist")
    if options.report is not None and not options.report.parent.is_dir():
        raise ValueError(f"the report folder {options.report.parent} does not exist")
    if service is None:
        from precert.service import default

        service = default()
    service.preload()  # every answer from memory: determine does no SQL from here on
    if lob_column is not None and payer_column is None:
        raise ValueError("--lob-column needs --payer-column (each row's payer and its line)")
    whom = _whom(service, payer, line_of_business, payer_column)
    sweep(output.parent, output.name)  # what runs killed outright (kill -9, abort) left here
    workdir = make_workdir(output.parent)
    run = _Run(
        output,
        fmt,
        workdir,
        options,
        service,
        progress,
        started,
        whom,
    )
    try:
        source = detect(source_path)
        if source.format == XLSX:
            from precert.batch.xlsx import to_parquet

            source = to_parquet(source, workdir)
        elif source.encoding != "utf-8":
            source = _to_utf8(source, workdir)
        elif engine == "spark" and source.format in (CSV, JSONL) and not is_utf8(source):
            # Spark would read stray bytes as U+FFFD silently; DuckDB reports them instead.
            source = _to_utf8(replace(source, encoding="cp1252"), workdir)
        try:
            return run(measured(source) if engine == "duckdb" else source)
        except TooManyKeys as exc:
            raise ReaderError(source.name, None, str(exc)) from None
        except NotUtf8:
            # The sample looked like UTF-8 but a later part is not: read it as Windows-1252.
            return run(measured(_to_utf8(replace(source, encoding="cp1252"), workdir)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def every_payer(payer: str | None) -> bool:
    """Whether ``--payer`` asks for every loaded payer (``all``)."""
    return payer is not None and payer.strip().lower() == ALL_PAYERS


def _whom(
    service: Precert, payer: str | None, lob: str | None, payer_column: str | None
) -> tuple[str, str]:
    """Whom the run answers for, as the summary names it; refuses an unclear choice."""
    from precert.service import ScopeError

    if every_payer(payer):
        if payer_column is not None:
            raise ValueError(
                "--payer all answers every row for every payer; --payer-column answers each "
                "row for its own: give one of them"
            )
        service.scopes(None, lob)  # an unknown --lob names the choices
        return ALL_PAYERS, lob or ""
    if payer_column is not None:  # each row names its payer; --payer / --lob fill blank cells
        return payer or f"column {payer_column!r}", lob or ""
    found = service.scopes(payer, lob)
    if len(found) > 1:
        known = ", ".join(f"{s.payer} / {s.line_of_business}" for s in found)
        raise ScopeError(
            f"several payers / lines of business are loaded ({known}); say whom to screen "
            "for: --payer NAME (and --lob) for one, --payer all for one set of answer "
            "columns per payer, or --payer-column for a column naming each row's payer"
        )
    return found[0].payer, found[0].line_of_business


def _to_utf8(source: InputFile, workdir: Path) -> InputFile:
    from precert.batch.inputs import to_utf8

    if source.format not in (CSV, JSONL):
        raise ReaderError(source.name, None, "not UTF-8 text")
    return to_utf8(source, workdir)


@dataclass(frozen=True, slots=True)
class _Run:
    output: Path
    format: str
    workdir: Path
    options: Options
    service: Precert
    progress: Progress | None
    started: float
    scope: tuple[str, str]

    def engine(self) -> Engine:
        if self.options.engine == "spark":
            from precert.batch.spark import SparkEngine

            return SparkEngine(
                self.workdir, master=self.options.spark_master, config=self.options.spark_config
            )
        return DuckDBEngine(self.workdir, self.options.memory_limit)

    def __call__(self, source: InputFile) -> Summary:
        options, output = self.options, self.output
        engine = self.engine()
        writer: Output | None = None
        try:
            headers = engine.open(source)
            check_width(source.name, len(headers))
            code = find_code_column(headers, options.code_column, source.name)
            date = (
                find_date_column(headers, options.date_column, source.name)
                if options.date_column
                else None
            )
            check_no_answer_columns(headers, source.name)
            named = [
                None if wanted is None else find_named_column(headers, wanted, source.name, what)
                for wanted, what in zip(
                    options.scope_columns, ("payer", "line of business", "state"), strict=True
                )
            ]
            # Rows naming their payer: --payer / --lob only fill blank cells. --payer all:
            # every payer. Otherwise the one payer this run answers for (see screen()).
            per_row = options.scope_columns[0] is not None
            every = every_payer(options.payer)
            table = AnswerTable(
                self.service,
                payer=options.payer if per_row or every else self.scope[0],
                line_of_business=options.line_of_business if per_row or every else self.scope[1],
                dated=date is not None,
                scope_columns=(named[0], named[1], named[2]) if any(named) else None,
                every_payer=every,
            )
            schema, batches = engine.batches(table, code, date, dictionary=self.format == PARQUET)
            writer = Output(output, self.format, schema, self.workdir)
            for batch in batches:
                writer.write(batch)
                if self.progress is not None:
                    self.progress.update(writer.rows)
            rejects = engine.rejects()
            if options.strict and rejects.count:
                lines = ", ".join(str(r.line) for r in rejects.first[:10])
                more = ", …" if rejects.count > 10 else ""
                raise ReaderError(
                    source.name,
                    rejects.first[0].line if rejects.first else None,
                    f"{rejects.count} malformed line(s) (line {lines}{more}); "
                    "--strict stops here and writes nothing",
                )
            writer.commit()
            writer = None
            kept = self._keep_rejects(engine, rejects)
            summary = summarize(
                table,
                rejects,
                input=source.name,
                output=str(output),
                engine=engine.name,
                input_format=(XLSX if source.converted_from == XLSX else source.format)
                + (" (gzip)" if source.gzip else ""),
                encoding=_encoding(source),
                code_column=code,
                date_column=date,
                payer=self.scope[0],
                line_of_business=self.scope[1],
                payers=table.lines.labels if every else (),
                rejects_file=kept,
                seconds=time.perf_counter() - self.started,
                report=str(options.report) if options.report is not None else None,
            )
            if options.report is not None:
                from precert.batch.report import write_report

                write_report(summary, options.report)
            return summary
        finally:
            if writer is not None:
                writer.abort()
            engine.close()

    def _keep_rejects(self, engine: Engine, rejects: Rejects) -> str | None:
        sidecar = rejects_path(self.output)
        if not rejects.count:
            sidecar.unlink(missing_ok=True)  # from an earlier run of this output
            return None
        temp = partial_path(sidecar)
        try:
            engine.write_rejects(temp)
            os.replace(temp, sidecar)
        finally:
            temp.unlink(missing_ok=True)
        return str(sidecar)


def _encoding(source: InputFile) -> str:
    if source.format not in (CSV, JSONL):
        return "binary"
    if source.converted_from:
        return f"{source.converted_from} (converted to utf-8)"
    return source.encoding
