"""Print a dry run for people (a block per published row) or as JSON."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from precert.dryrun import DryRun, DryRunRow
    from precert.profiles import RowReading


def print_dry_run(run: DryRun, *, as_json: bool) -> None:
    """Every row with the codes it reads as, then every line that cannot be read, then a count."""
    if as_json:
        from precert.cli.output import print_json

        print_json(run.to_dict())
        return
    out = sys.stdout
    info = run.profile.list
    out.write(
        f"{run.file} read with {run.profile.where} as list {info.id} ({info.payer} / "
        f"{info.line_of_business} / {info.program}):\n\n"
    )
    for row in run.rows:
        _row(run, row)
    if run.errors:
        out.write("could not read:\n")
        for error in run.errors:
            out.write(f"  {error}\n")
        out.write("\n")
    out.write(run.summary() + "\n")


def _row(run: DryRun, row: DryRunRow) -> None:
    from precert.dryrun import status_text

    out = sys.stdout
    first = row.readings[0]
    out.write(f"{row.where()} (table {row.table}{_title(row.table_title)})\n")
    width = max(len(r.code) for r in row.readings)
    for reading in row.readings:
        out.write(f"  {reading.code:<{width}}  {status_text(reading):<26}{_code_details(reading)}\n")
    for label, value in (
        ("category", first.category_raw),
        ("description", first.description_raw),
        ("status as published", first.status_raw),
        ("submit to", run.contact(first)),
        ("notes", first.notation),
    ):
        if value:
            out.write(f"    {label}: {value}\n")
    for note in dict.fromkeys(n for r in row.readings for n in r.notes):
        out.write(f"    note: {note}\n")
    out.write("\n")


def _title(title: str) -> str:
    return f", {title}" if title else ""


def _code_details(reading: RowReading) -> str:
    """Dates, modifiers and the code as published, when they say more than the code."""
    parts = []
    if reading.effective:
        parts.append(f"from {reading.effective.isoformat()}")
    if reading.end:
        parts.append(f"ends {reading.end.isoformat()}")
    if reading.modifiers:
        parts.append("with " + " ".join(reading.modifiers))
    if reading.published and reading.published != reading.code:
        parts.append(f"published as {reading.published!r}")
    if reading.announced:
        parts.append(f"announced for {reading.announced.isoformat()}")
    return "  ".join(parts).rstrip()
