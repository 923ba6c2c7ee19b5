"""What a batch run found: counts by status, codes most often needing PA, rows without a code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from precert.batch.answers import REASON_LABELS, AnswerTable
from precert.batch.duck import Reject, Rejects
from precert.models import STATUS_LABELS, Status

TOP = 15


@dataclass(frozen=True, slots=True)
class Summary:
    """The outcome of one `precert batch` run (no row contents, only counts and codes)."""

    input: str
    output: str
    engine: str
    input_format: str
    encoding: str
    code_column: str
    date_column: str | None
    payer: str
    line_of_business: str
    rows: int
    statuses: dict[str, int]
    no_code: dict[str, int]
    top_required: list[tuple[str, int, str]]
    distinct_values: int
    rejected: int
    rejected_lines: tuple[Reject, ...] = ()
    rejects_file: str | None = None
    seconds: float = 0.0
    report: str | None = None
    warnings: tuple[str, ...] = field(default=())
    # Rows by status for each payer, when rows name their own payer (--payer-column) or are
    # answered for every payer (--payer all).
    by_payer: dict[str, dict[str, int]] = field(default_factory=dict)
    # --payer all: the payers answered for, in the order of their columns.
    payers: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # the added columns, in order

    @property
    def answers(self) -> int:
        """Answers given: one per row, or one per row and payer with --payer all."""
        return self.rows * max(1, len(self.payers))

    @property
    def rows_per_second(self) -> float:
        """Throughput of the whole run."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def without_code(self) -> int:
        """Rows with no usable code (blank, not a code, several codes, bad date)."""
        return sum(self.no_code.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of `precert batch --json`."""
        return {
            "input": self.input,
            "output": self.output,
            "engine": self.engine,
            "input_format": self.input_format,
            "encoding": self.encoding,
            "code_column": self.code_column,
            "date_column": self.date_column,
            "payer": self.payer,
            "line_of_business": self.line_of_business,
            "rows": self.rows,
            "payers": list(self.payers),
            "added_columns": list(self.columns),
            "answers": self.answers,
            "statuses": self.statuses,
            "rows_without_code": self.without_code,
            "without_code": self.no_code,
            "top_required": [
                {"code": c, "rows": n, "description": d} for c, n, d in self.top_required
            ],
            "distinct_values": self.distinct_values,
            "rejected_lines": self.rejected,
            "first_rejected": [{"line": r.line, "error": r.error} for r in self.rejected_lines],
            "rejects_file": self.rejects_file,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second),
            "report": self.report,
            "warnings": list(self.warnings),
            "by_payer": self.by_payer,
        }

    def text(self) -> str:
        """The summary printed after a run."""
        whom = (
            f"Payers: {', '.join(self.payers)} (one set of answer columns each)"
            if self.payers
            else f"Payer: {' / '.join(p for p in (self.payer, self.line_of_business) if p)}"
        )
        lines = [
            f"Screened {self.rows:,} rows of {self.input} -> {self.output} "
            f"({self.engine}, {self.seconds:.1f} s, {self.rows_per_second:,.0f} rows/s)",
            f"{whom}; code column {self.code_column!r}"
            + (f", date of service column {self.date_column!r}" if self.date_column else ""),
            "",
        ]
        if self.payers:
            lines.append(f"Answers ({self.rows:,} rows x {len(self.payers)} payers):")
        width = max(len(label) for label in STATUS_LABELS.values())
        for status in Status:
            count = self.statuses.get(status.value, 0)
            lines.append(f"  {status.label:<{width}}  {count:>12,}  {_share(count, self.answers)}")
        if self.by_payer:
            lines += ["", "By payer:"]
        for payer, counts in self.by_payer.items():
            shown = ", ".join(f"{Status(k).label} {n:,}" for k, n in counts.items() if n)
            lines.append(f"  {payer}: {sum(counts.values()):,} rows ({shown})")
        if self.without_code:
            parts = ", ".join(f"{REASON_LABELS[r]} {n:,}" for r, n in self.no_code.items() if n)
            lines += ["", f"Rows with no usable code: {self.without_code:,} ({parts})"]
        if self.top_required:
            lines += ["", "Codes most often needing prior authorization" + _any(self) + ":"]
            lines += [
                f"  {code}  {count:>10,}  {description[:70]}"
                for code, count, description in self.top_required
            ]
        if self.rejected:
            shown = ", ".join(f"{r.line} ({r.error})" for r in self.rejected_lines[:10])
            lines += [
                "",
                f"Malformed lines skipped: {self.rejected:,} (line {shown}"
                + (", …" if self.rejected > 10 else "")
                + ")",
            ]
            if self.rejects_file:
                lines.append(f"  They are kept, as written, in {self.rejects_file}")
        lines += [f"Warning: {w}" for w in self.warnings]
        if self.report:
            lines.append(f"Report: {self.report}")
        return "\n".join(lines)


def _any(summary: Summary) -> str:
    return " (with at least one payer)" if summary.payers else ""


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:5.1f}%" if total else ""


def summarize(table: AnswerTable, rejects: Rejects, **meta: Any) -> Summary:
    """Counts from the answer table (each distinct key once, times its rows)."""
    statuses = {s.value: 0 for s in Status}
    no_code = {reason: 0 for reason in REASON_LABELS}
    required: dict[str, list[Any]] = {}
    by_payer: dict[str, dict[str, int]] = {}
    labels = table.lines.labels if table.lines.every_payer else ()
    for label in labels:
        by_payer[label] = {s.value: 0 for s in Status}
    for answer, count in zip(table.answers, table.counts, strict=True):
        if not count:
            continue
        # One answer per row, or (every payer) one per row and payer, each counted.
        each = answer.statuses or (answer.status,)
        for status in each:
            statuses[status.value] += count
        for label, status in zip(labels, answer.statuses, strict=False):
            by_payer[label][status.value] += count
        if answer.payer is not None:
            counts = by_payer.setdefault(answer.payer, {s.value: 0 for s in Status})
            counts[answer.status.value] += count
        if answer.reason is not None:
            no_code[answer.reason] += count
        if Status.REQUIRED in each and answer.code is not None:
            item = required.setdefault(answer.code, [0, answer.description or ""])
            item[0] += count
    top = sorted(required.items(), key=lambda kv: (-kv[1][0], kv[0]))[:TOP]
    return Summary(
        rows=sum(table.counts),
        statuses=statuses,
        no_code=no_code,
        top_required=[(code, n, d) for code, (n, d) in top],
        distinct_values=sum(1 for c in table.counts if c),
        rejected=rejects.count,
        rejected_lines=rejects.first,
        by_payer=by_payer if labels else dict(sorted(by_payer.items())),
        columns=table.names,
        **meta,
    )
