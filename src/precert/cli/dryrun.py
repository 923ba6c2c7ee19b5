"""Print a dry run for people (a block per published row) or as JSON."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from precert.dryrun import DryRunRow, Repeats
    from precert.profiles import Profile, RowError, RowReading


def print_dry_run(
    file: str,
    profile: Profile,
    items: Iterable[RowReading | RowError],
    outcome: str,
    *,
    as_json: bool,
) -> int:
    """Every row with the codes it reads as, then every line that cannot be read, a count and
    what an import would do (``outcome``); returns how many lines could not be read. People see
    each row as it is read."""
    from precert.dryrun import Repeats, grouped, json_text, status_text, summary
    from precert.profiles import RowError

    out = sys.stdout
    if as_json:
        # Streamed: the same text print_json gives of the whole report, never held whole.
        unread: list[RowError] = []
        for piece in json_text(file, profile, items, outcome, unread):
            out.write(piece)
        return len(unread)

    info = profile.list
    out.write(
        f"{file} read with {profile.where} as list {info.id} ({info.payer} / "
        f"{info.line_of_business} / {info.program}):\n\n"
    )
    errors: list[RowError] = []
    statuses: Counter[str] = Counter()
    repeats = Repeats()
    rows = 0
    for item in grouped(items):
        if isinstance(item, RowError):
            errors.append(item)
            continue
        rows += 1
        statuses.update(status_text(r) for r in item.readings)
        _row(profile, item, repeats)
    if errors:
        out.write("could not read:\n")
        for error in errors:
            out.write(f"  {error}\n")
        out.write("\n")
    out.write(summary(file, rows, statuses, len(errors)) + "\n")
    if repeats.summary():
        out.write(repeats.summary() + "\n")
    out.write(outcome + "\n")
    return len(errors)


def _row(profile: Profile, row: DryRunRow, repeats: Repeats) -> None:
    from precert.dryrun import contact_text, status_text

    out = sys.stdout
    first = row.readings[0]
    out.write(f"{row.where()} (table {row.table}{_title(row.table_title)})\n")
    width = max(len(r.code) for r in row.readings)
    for reading in row.readings:
        line = f"  {reading.code:<{width}}  {status_text(reading):<26}{_code_details(reading)}"
        out.write(line.rstrip() + "\n")
    for label, value in (
        ("category", first.category_raw),
        ("description", first.description_raw),
        ("status as published", first.status_raw),
        ("submit to", contact_text(first.contact, profile)),
        ("only for members in", ", ".join(first.states)),
        ("notes", first.notation),
    ):
        if value:
            out.write(f"    {label}: {value}\n")
    for note, codes in _notes(row).items():
        some = "" if len(codes) == len(row.readings) else f" ({_few(codes)})"
        out.write(f"    note{some}: {note}\n")
    for reading in row.readings:
        remark = repeats.see(reading)
        if remark:
            out.write(f"    listed twice: {remark}\n")
    out.write("\n")


def _notes(row: DryRunRow) -> dict[str, list[str]]:
    """Each note of the row with the codes it is on (most notes are on every code)."""
    notes: dict[str, list[str]] = {}
    for reading in row.readings:
        for note in reading.notes:
            notes.setdefault(note, []).append(reading.code)
    return notes


def _few(codes: list[str]) -> str:
    return (
        ", ".join(codes) if len(codes) <= 4 else f"{', '.join(codes[:3])} and {len(codes) - 3} more"
    )


def _title(title: str) -> str:
    return f", {title}" if title else ""


def _code_details(reading: RowReading) -> str:
    """Dates, modifiers and the code as published, when they say more than the code."""
    parts = []
    if reading.effective:
        parts.append(f"from {reading.effective.isoformat()}")
    if reading.end:
        parts.append(f"{'removed' if reading.removed else 'ends'} {reading.end.isoformat()}")
    if reading.modifiers:
        parts.append("with " + " ".join(reading.modifiers))
    if reading.published and reading.published != reading.code:
        parts.append(f"published as {reading.published!r}")
    if reading.announced:
        parts.append(f"announced for {reading.announced.isoformat()}")
    return "  ".join(parts).rstrip()
