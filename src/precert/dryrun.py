"""What `precert import --dry-run` reports: how every row of a file reads with a profile, and
every line that cannot be read, without changing anything."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from precert.models import Contact
    from precert.profiles import Profile, RowError, RowReading


@dataclass(frozen=True, slots=True)
class DryRunRow:
    """One published row and the codes it reads as."""

    file: str
    table: int
    table_title: str
    line: int
    page: int  # 0 where the format has no pages
    readings: tuple[RowReading, ...]

    def where(self) -> str:
        """ "list.tsv:3" or "list.pdf, page 2, line 14" (how an answer will cite it)."""
        if self.page:
            return f"{self.file}, page {self.page}, line {self.line}"
        return f"{self.file}:{self.line}"


def json_text(
    file: str,
    profile: Profile,
    items: Iterable[RowReading | RowError],
    outcome: str,
    errors: list[RowError],
) -> Iterator[str]:
    """`precert import --dry-run --json`, piece by piece as the rows are read (the rows that
    cannot be read are also added to ``errors``).

    The text is exactly ``json.dumps(report, indent=2, ensure_ascii=False)`` of the whole
    report (file, profile, list, rows, repeats, errors, statuses, import), but the report is
    never held whole: as Python objects, a 100,000-row list's report is over 500 MB.
    """
    from precert.profiles import RowError

    info = profile.list
    head = {
        "file": file,
        "profile": profile.where,
        "list": {
            "id": info.id,
            "payer": info.payer,
            "line_of_business": info.line_of_business,
            "program": info.program,
        },
    }
    yield "{\n" + ",\n".join(_member(k, v) for k, v in head.items()) + ',\n  "rows": ['
    repeats = Repeats()  # filled as the rows are laid out, in file order
    statuses: Counter[str] = Counter()
    empty = True
    for item in grouped(items):
        if isinstance(item, RowError):
            errors.append(item)
            continue
        statuses.update(status_text(r) for r in item.readings)
        row = {
            "file": item.file,
            "table": item.table,
            "table_title": item.table_title,
            "line": item.line,
            "page": item.page or None,
            "codes": [{**_reading(r, profile), "repeats": repeats.see(r)} for r in item.readings],
        }
        yield ("\n    " if empty else ",\n    ") + _dumps(row).replace("\n", "\n    ")
        empty = False
    tail = {
        "repeats": {"repeats": repeats.repeats, "conflicts": repeats.conflicts},
        "errors": [
            {"file": e.file, "line": e.line, "page": e.page, "message": e.message} for e in errors
        ],
        "statuses": dict(sorted(statuses.items())),
        "import": outcome,
    }
    yield ("]" if empty else "\n  ]") + "".join(",\n" + _member(k, v) for k, v in tail.items())
    yield "\n}\n"


def _dumps(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _member(key: str, value: object) -> str:
    """One member of the report's top-level object, as json.dumps(indent=2) lays it out."""
    return f"  {_dumps(key)}: " + _dumps(value).replace("\n", "\n  ")


def grouped(items: Iterable[RowReading | RowError]) -> Iterator[DryRunRow | RowError]:
    """The readings of each published row together, and the errors, in file order (lazily:
    a list of 100,000 rows is shown as it is read, never held whole)."""
    from precert.profiles import RowError
    from precert.readers import ReaderError

    group: list[RowReading] = []
    try:
        for item in items:
            if isinstance(item, RowError):
                yield item
                continue
            if group and (group[0].table, group[0].line, group[0].page) != (
                item.table,
                item.line,
                item.page,
            ):
                yield _row(group)
                group = []
            group.append(item)
    except ReaderError as exc:  # a streamed row that cannot be read ends the file
        if group:
            yield _row(group)
            group = []
        yield RowError(exc.file, exc.line, exc.page, exc.message)
    if group:
        yield _row(group)


def _row(group: list[RowReading]) -> DryRunRow:
    first = group[0]
    return DryRunRow(
        first.file, first.table, first.table_title, first.line, first.page, tuple(group)
    )


class Repeats:
    """Codes a table lists more than once (same modifiers and dates), as a dry run meets them.

    An import keeps both rows: an answer is one entry citing both lines, and where the rows
    disagree it gives the most restrictive status and reports the conflict. The dry run says
    so on the repeat, so neither row is silently taken for the other.
    """

    def __init__(self) -> None:
        self._first: dict[tuple[Any, ...], tuple[int, str, str]] = {}
        self.repeats = 0
        self.conflicts = 0

    def see(self, reading: RowReading) -> str | None:
        """What to say of a reading that repeats an earlier one (None for a first)."""
        key = (reading.table, reading.code, reading.modifiers, reading.effective, reading.end)
        status = status_text(reading)
        first = self._first.setdefault(key, (reading.line, status, reading.status_raw))
        line, first_status, first_raw = first
        if line == reading.line:
            return None
        if first_status == status:
            self.repeats += 1
            return (
                f"{reading.code} repeats line {line} of table {reading.table}: one entry, "
                "an answer cites both lines"
            )
        self.conflicts += 1
        said = f" ({first_raw!r})" if first_raw else ""
        return (
            f"{reading.code} conflicts with line {line} of table {reading.table}, which reads "
            f"{first_status}{said}: an answer gives the most restrictive and reports the conflict"
        )

    def summary(self) -> str:
        """One line for the end of the run ("" when no code repeats)."""
        if not (self.repeats or self.conflicts):
            return ""
        return (
            f"codes listed twice in a table: {self.repeats} repeat(s), {self.conflicts} "
            "conflict(s) (`precert lint` reports them)"
        )


def summary(file: str, rows: int, statuses: Counter[str], errors: int) -> str:
    """One line: rows, codes, statuses, errors, and that nothing was imported."""
    counts = ", ".join(f"{s} {n}" for s, n in sorted(statuses.items()))
    return (
        f"{file}: {rows} rows read as {sum(statuses.values())} codes"
        + (f" ({counts})" if counts else "")
        + f"; {errors} line(s) could not be read; nothing was imported (dry run)"
    )


def status_text(reading: RowReading) -> str:
    """ "required", or "not_required/voluntary" when the list says more than yes or no."""
    meaning = reading.meaning
    # str() of a StrEnum is its value, without Enum's slow `.value` lookup (3 per row).
    return f"{meaning.status}/{meaning.qualifier}" if meaning.qualifier else str(meaning.status)


def contact_text(contact: Contact | None, profile: Profile) -> str:
    """The row's contact, else the list's, else the state routing ("-" when none)."""
    if contact is not None:
        return contact.describe()
    if profile.contacts.default is not None:
        return profile.contacts.default.describe()
    if profile.contacts.by_state:
        names = sorted({s.contact.name for s in profile.contacts.by_state})
        return "by the member's state: " + "; ".join(names)
    return "-"


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _reading(reading: RowReading, profile: Profile) -> dict[str, Any]:
    return {
        "code": reading.code,
        "published": reading.published,
        "status": reading.meaning.status.value,
        "qualifier": reading.meaning.qualifier,
        "status_raw": reading.status_raw,
        "effective": _iso(reading.effective),
        "end": _iso(reading.end),
        "removed": reading.removed,
        "modifiers": list(reading.modifiers),
        "states": list(reading.states),  # [] when the row is for every state
        "category": reading.category_raw,
        "description": reading.description_raw,
        "contact": contact_text(reading.contact, profile),
        "notation": reading.notation,
        "notes": list(reading.notes),
    }
