"""`precert batch`: screen a file of orders or claims (DuckDB, or Spark for scale-out)."""

from __future__ import annotations

import argparse
import importlib.util
import signal
import sys
import threading
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from precert.cli import EXIT_INPUT, EXIT_NOT_A_CODE, EXIT_OK, EXIT_USAGE, command


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `precert batch`."""
    p = command(
        sub,
        "batch",
        "screen every row of an order or claim file (CSV/TSV, gzip, "
        "Parquet, XLSX, JSON lines) and write it back with the answer beside it",
        "precert batch orders.csv -o screened.parquet --payer Cigna --report report.html\n"
        "  precert batch orders.csv -o side-by-side.csv --payer all\n"
        "  precert batch orders.csv -o screened.jsonl --payer-column payer --state-column state "
        "--date-column dos",
    )
    p.epilog = (p.epilog or "") + (
        "\n\nadded columns: pa_code pa_modifiers pa_status pa_submit_to pa_notes pa_warnings "
        "pa_source\n  pa_more_info (out of scope / not listed: the payer's wider list or policy "
        "page)\n  with --payer all: pa_code pa_modifiers, then for each payer pa_status_<p> "
        "pa_submit_to_<p>\n  pa_notes_<p> pa_warnings_<p> pa_source_<p> pa_more_info_<p>, <p> its "
        "payer and line\n  of business (pa_status_cigna_commercial, pa_status_medicare_ffs)"
        "\nexit codes: 0 written, every row had a code; 1 written, some rows had no "
        "usable code\n  or some lines were malformed (kept in OUT.rejected.csv); 2 usage; "
        "3 unreadable input\n  (or malformed lines with --strict; nothing written); 4 "
        "database or payer problem"
    )
    p.add_argument("input", type=Path, metavar="IN", help="orders or claims file")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUT",
        help="output file; .parquet, .csv or .jsonl chooses the format",
    )
    p.add_argument(
        "--report",
        type=Path,
        metavar="HTML",
        help="also write an HTML report with charts (works offline)",
    )
    p.add_argument(
        "--code-column",
        metavar="NAME",
        help="column holding the codes (default: found by header, e.g. HCPCS, CPT)",
    )
    p.add_argument(
        "--date-column",
        metavar="NAME",
        help="column holding each row's date of service (default: today)",
    )
    p.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="duckdb (embedded, default) or spark (scale-out)",
    )
    p.add_argument(
        "--spark-master", metavar="URL", help="Spark master for --engine spark (default: local[*])"
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="stop at malformed lines instead of skipping and reporting them",
    )
    p.add_argument(
        "--payer",
        help="payer to screen for (needed when several are loaded), or 'all': one set of "
        "answer columns per loaded payer",
    )
    p.add_argument(
        "--line-of-business",
        "--lob",
        dest="lob",
        help="line of business (default: the only one of the payer; with --payer all: every one)",
    )
    p.add_argument(
        "--payer-column",
        metavar="NAME",
        help="column naming each row's payer: every row is answered for its own payer "
        "(--payer fills blank cells)",
    )
    p.add_argument("--lob-column", metavar="NAME", help="column naming each row's line of business")
    p.add_argument(
        "--state-column",
        metavar="NAME",
        help="column holding the member's state (routes Medicare's requests to the DME MAC)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=run_batch)


def run_batch(args: argparse.Namespace) -> int:
    """`precert batch`."""
    from precert.batch import screen
    from precert.batch.progress import RichProgress, wanted
    from precert.service import default

    if args.spark_master and args.engine != "spark":
        raise ValueError("--spark-master needs --engine spark")
    missing = [
        m
        for m in ("duckdb", "pyarrow") + (("pyspark",) if args.engine == "spark" else ())
        if importlib.util.find_spec(m) is None
    ]
    if missing:
        extra = "batch,spark" if args.engine == "spark" else "batch"
        print(
            f"precert batch: needs {', '.join(missing)}; install them with "
            f"pip install 'precert[{extra}]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    service = default()
    _ = service.store
    for notice in service.notices:
        print(f"precert: {notice}", file=sys.stderr)
    bar: Any = RichProgress(f"Screening {args.input.name}") if wanted() else None
    # SIGTERM (a job scheduler, `kill`) unwinds like Ctrl-C, so the run removes its work
    # folder and unfinished output; Python's default would end the process on the spot.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        with bar if bar is not None else nullcontext():
            summary = screen(
                args.input,
                args.output,
                code_column=args.code_column,
                date_column=args.date_column,
                engine=args.engine,
                spark_master=args.spark_master,
                strict=args.strict,
                payer=args.payer,
                line_of_business=args.lob,
                report=args.report,
                service=service,
                progress=bar,
                payer_column=args.payer_column,
                lob_column=args.lob_column,
                state_column=args.state_column,
            )
    except OSError as exc:  # the output folder is full or not writable, the input vanished, …
        print(
            f"precert: error: {exc.strerror or exc}: {exc.filename or args.output}", file=sys.stderr
        )
        return EXIT_INPUT
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    if args.json:
        from precert.cli.output import print_json

        print_json(summary.to_dict())
    else:
        print(summary.text())
    return EXIT_NOT_A_CODE if summary.without_code or summary.rejected else EXIT_OK


def _terminate(signum: int, frame: object) -> None:
    """Turn SIGTERM into SystemExit (exit 143), so cleanup code runs."""
    raise SystemExit(128 + signum)
