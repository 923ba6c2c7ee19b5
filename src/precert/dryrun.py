"""What `precert import --dry-run` reports: how every row of a file reads with a profile, and
every line that cannot be read, without changing anything."""

from __future__ import annotations

import datetime as dt
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


@dataclass(frozen=True, slots=True)
class DryRun:
    """Every row read (grouped by published row) and every error, in file order."""

    file: str
    profile: Profile
    rows: tuple[DryRunRow, ...]
    errors: tuple[RowError, ...]

    @classmethod
    def of(cls, file: str, profile: Profile, items: Iterable[RowReading | RowError]) -> DryRun:
        """Every row and error of ``items``, held (for JSON; people get :func:`grouped` as it
        reads)."""
        from precert.profiles import RowError

        rows: list[DryRunRow] = []
        errors: list[RowError] = []
        for item in grouped(items):
            if isinstance(item, RowError):
                errors.append(item)
            else:
                rows.append(item)
        return cls(file, profile, tuple(rows), tuple(errors))

    def statuses(self) -> Counter[str]:
        """How many codes read as each status (with its qualifier: "not_required/voluntary")."""
        return Counter(status_text(r) for row in self.rows for r in row.readings)

    def contact(self, reading: RowReading) -> str:
        """Where a request for this reading goes, in one line."""
        return contact_text(reading.contact, self.profile)

    def summary(self) -> str:
        """One line: rows, codes, statuses, errors, and that nothing was imported."""
        return summary(self.file, len(self.rows), self.statuses(), len(self.errors))

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of `precert import --dry-run --json`."""
        info = self.profile.list
        repeats = Repeats()  # filled as the rows below are laid out, in file order
        return {
            "file": self.file,
            "profile": self.profile.where,
            "list": {
                "id": info.id,
                "payer": info.payer,
                "line_of_business": info.line_of_business,
                "program": info.program,
            },
            "rows": [
                {
                    "file": row.file,
                    "table": row.table,
                    "table_title": row.table_title,
                    "line": row.line,
                    "page": row.page or None,
                    "codes": [
                        {**_reading(r, self), "repeats": repeats.see(r)} for r in row.readings
                    ],
                }
                for row in self.rows
            ],
            "repeats": {"repeats": repeats.repeats, "conflicts": repeats.conflicts},
            "errors": [
                {"file": e.file, "line": e.line, "page": e.page, "message": e.message}
                for e in self.errors
            ],
            "statuses": dict(sorted(self.statuses().items())),
        }


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
    status = reading.meaning.status.value
    return f"{status}/{reading.meaning.qualifier}" if reading.meaning.qualifier else status


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


def _reading(reading: RowReading, run: DryRun) -> dict[str, Any]:
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
        "category": reading.category_raw,
        "description": reading.description_raw,
        "contact": run.contact(reading),
        "notation": reading.notation,
        "notes": list(reading.notes),
    }
