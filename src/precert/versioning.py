"""Versions of a list over time: when each is in force, what changed between two, the feed."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from precert.models import RESTRICTIVENESS, Entry, ListVersion, Status

if TYPE_CHECKING:
    from precert.service import Precert

NEWLY_REQUIRED = "newly_requires_pa"
NO_LONGER_REQUIRED = "no_longer_requires_pa"
DIRECTION_LABELS = {
    NEWLY_REQUIRED: "newly requires PA",
    NO_LONGER_REQUIRED: "no longer requires PA",
}


class VersionError(ValueError):
    """An unknown list or version, or a list with nothing to compare; says what exists."""


@dataclass(frozen=True, slots=True)
class Span:
    """One version with the dates it is (or was) in force; ``until`` is the last day."""

    version: ListVersion
    start: dt.date | None  # None: effective date unknown, in force "since always"
    until: dt.date | None  # None: still in force (no later version)
    superseded: bool = False  # a later import with the same date took its place: never in force

    def in_force(self, when: dt.date) -> bool:
        """True when this version answers questions for ``when``."""
        return (
            not self.superseded
            and (self.start is None or self.start <= when)
            and (self.until is None or when <= self.until)
        )

    def window(self, today: dt.date) -> str:
        """When this version is in force, in words: "2026-01-01 to now", "always to 2026-12-31",
        "from 2027-01-01 (not yet in force)" (a start after ``today`` never says "now")."""
        if self.superseded:
            return "never (a later import has the same date)"
        start = self.start.isoformat() if self.start else "always"
        if self.start is not None and self.start > today:
            until = f" to {self.until.isoformat()}" if self.until else ""
            return f"from {start}{until} (not yet in force)"
        return f"{start} to {self.until.isoformat() if self.until else 'now'}"

    def to_dict(self, today: dt.date | None = None) -> dict[str, Any]:
        """JSON shape of one version in `precert versions --json` and the API."""
        return {
            **self.version.to_dict(),
            "in_force_from": _iso(self.start),
            "in_force_until": _iso(self.until),
            "superseded": self.superseded,
            "current": self.in_force(today or dt.date.today()),
        }


def chronological(versions: Sequence[ListVersion]) -> list[ListVersion]:
    """Versions (given in import order) in the order they take effect.

    The same order `Precert.scope` uses: an unknown effective date counts as "since always",
    and of two versions with the same date the later import wins.
    """
    order = {id(v): i for i, v in enumerate(versions)}
    return sorted(versions, key=lambda v: (v.effective or dt.date.min, order[id(v)]))


def timeline(versions: Sequence[ListVersion]) -> list[Span]:
    """Each version of one list with the dates it is in force, oldest first."""
    ordered = chronological(versions)
    spans: list[Span] = []
    for index, version in enumerate(ordered):
        later = ordered[index + 1] if index + 1 < len(ordered) else None
        superseded = later is not None and (later.effective or dt.date.min) == (
            version.effective or dt.date.min
        )
        until = None
        if later is not None and later.effective is not None and not superseded:
            until = later.effective - dt.timedelta(days=1)
        spans.append(Span(version, version.effective, until, superseded))
    return spans


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One published value that changed for a code in one table."""

    field: str  # status, notes, description, category, platform, or rows (rows in the table)
    table: int
    old: str | int | None
    new: str | int | None
    old_line: int | None = None
    new_line: int | None = None
    direction: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of one field change."""
        return {
            "field": self.field,
            "table": self.table,
            "from": self.old,
            "to": self.new,
            "from_line": self.old_line,
            "to_line": self.new_line,
            "direction": self.direction,
        }


@dataclass(frozen=True, slots=True)
class CodeChange:
    """A code added, removed or changed between two versions, with its rows on each side."""

    code: str
    change: str  # added, removed, changed
    old_status: Status | None
    new_status: Status | None
    direction: str | None
    changes: tuple[FieldChange, ...]
    old_rows: tuple[Entry, ...]
    new_rows: tuple[Entry, ...]

    @property
    def fields(self) -> list[str]:
        """Names of the changed fields, in order, without repeats."""
        return list(dict.fromkeys(c.field for c in self.changes))

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of one item of ``added`` / ``removed`` / ``changed``."""
        shown = (self.new_rows or self.old_rows)[0]
        return {
            "code": self.code,
            "change": self.change,
            "status_from": self.old_status.value if self.old_status else None,
            "status_to": self.new_status.value if self.new_status else None,
            "direction": self.direction,
            "fields": self.fields,
            "changes": [c.to_dict() for c in self.changes],
            "description": shown.description,
            "category": shown.category,
            "notes": shown.notation,
            "sources_from": [e.source.to_dict() for e in self.old_rows],
            "sources_to": [e.source.to_dict() for e in self.new_rows],
        }


@dataclass(frozen=True, slots=True)
class Diff:
    """What changed between two versions of one list."""

    list_id: str
    old: ListVersion
    new: ListVersion
    added: tuple[CodeChange, ...]
    removed: tuple[CodeChange, ...]
    changed: tuple[CodeChange, ...]

    @property
    def items(self) -> tuple[CodeChange, ...]:
        """Every item: added, removed, then changed."""
        return self.added + self.removed + self.changed

    def summary(self) -> dict[str, int]:
        """Counts by kind and by direction."""
        directions = [i.direction for i in self.items]
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            NEWLY_REQUIRED: directions.count(NEWLY_REQUIRED),
            NO_LONGER_REQUIRED: directions.count(NO_LONGER_REQUIRED),
        }

    def headline(self) -> str:
        """One line, e.g. ``cigna-commercial-dme v1 → v2: 2 added, 1 removed, 3 changed``."""
        s = self.summary()
        text = (
            f"{self.list_id} {self.old.version} → {self.new.version}: {s['added']} added, "
            f"{s['removed']} removed, {s['changed']} changed"
        )
        flags = [f"{s[k]} {label}" for k, label in DIRECTION_LABELS.items() if s[k]]
        return text + (f" ({', '.join(flags)})" if flags else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of `precert diff --json` and `GET /v1/lists/{id}/changes`."""
        return {
            "list": self.list_id,
            "from": self.old.to_dict(),
            "to": self.new.to_dict(),
            "summary": self.summary(),
            "added": [i.to_dict() for i in self.added],
            "removed": [i.to_dict() for i in self.removed],
            "changed": [i.to_dict() for i in self.changed],
        }


def code_status(statuses: Iterable[Status]) -> Status | None:
    """A code's status in one version: the most restrictive of its rows (as answers use)."""
    found = list(statuses)
    return min(found, key=lambda s: RESTRICTIVENESS[s]) if found else None


def direction(old: Status | None, new: Status | None) -> str | None:
    """Whether a status move makes prior authorization newly required or no longer required.

    A code removed from the list has no direction: "not on the list" is not "no PA needed".
    """
    if old is new or new is None:
        return None
    if new is Status.REQUIRED:
        return NEWLY_REQUIRED
    if old is Status.REQUIRED:
        return NO_LONGER_REQUIRED
    return None


class Row(NamedTuple):
    """What the diff compares of one published row; ``key`` finds its full entry again.

    The first eight fields are the row's identity for comparing (line and page, where a row
    happens to stand, are not changes); `Store.version_rows` returns tuples in this order.
    """

    code: str
    table: int
    status_raw: str
    notes: str
    description: str
    category: str
    platform: str
    states: str  # the members' states the row is for, comma-separated ('' = every member)
    line: int
    status: str  # a Status value
    key: Any

    @classmethod
    def of(cls, entry: Entry) -> Row:
        """The compared values of an entry (the entry is its own key)."""
        return cls(
            entry.code, entry.table, entry.status_raw, entry.notation, entry.description_raw,
            entry.category_raw, entry.platform, ",".join(entry.states), entry.line,
            entry.status.value, entry,
        )  # fmt: skip


COMPARED = 8  # Row fields that make two rows the same
# Compared per row: the name a change reports -> the Row attribute holding the published value.
FIELDS: tuple[tuple[str, str], ...] = (
    ("status", "status_raw"),
    ("notes", "notes"),
    ("description", "description"),
    ("category", "category"),
    ("platform", "platform"),
    ("states", "states"),
)
Hydrate = Callable[[list[Any]], Mapping[Any, Entry]]


def diff_entries(
    list_id: str,
    old: ListVersion,
    new: ListVersion,
    old_entries: Iterable[Entry],
    new_entries: Iterable[Entry],
) -> Diff:
    """Compare the rows of two versions code by code (pure).

    Rows are matched by code and table number (in order, for a code listed twice in one
    table); moved lines and pages are not changes. Values compared are the published ones.
    """
    olds = [Row.of(e) for e in old_entries]
    news = [Row.of(e) for e in new_entries]
    return diff_rows(list_id, old, new, olds, news, _themselves)


def _themselves(keys: list[Any]) -> Mapping[Any, Entry]:
    return {key: key for key in keys}


def diff_rows(
    list_id: str,
    old: ListVersion,
    new: ListVersion,
    old_rows: Sequence[tuple[Any, ...]],
    new_rows: Sequence[tuple[Any, ...]],
    hydrate: Hydrate,
) -> Diff:
    """The diff over rows laid out as `Row`; ``hydrate`` turns the keys of rows that changed
    into full entries, so that only they pay for it (a 50,000-row diff stays well under 1 s)."""
    # Compared values hashed in C: a code none of whose rows is in the symmetric difference
    # is unchanged, and is never looked at again. Repeated rows need counting (multisets).
    before_set = {r[:COMPARED] for r in old_rows}
    after_set = {r[:COMPARED] for r in new_rows}
    if len(before_set) == len(old_rows) and len(after_set) == len(new_rows):
        touched = {v[0] for v in before_set ^ after_set}
    else:
        before_counts = Counter(r[:COMPARED] for r in old_rows)
        after_counts = Counter(r[:COMPARED] for r in new_rows)
        touched = {v[0] for v in (before_counts - after_counts) + (after_counts - before_counts)}
    before = _by_code(Row._make(r) for r in old_rows if r[0] in touched)
    after = _by_code(Row._make(r) for r in new_rows if r[0] in touched)
    found: list[tuple[str, list[Row], list[Row], list[FieldChange]]] = []
    for code in sorted(touched):
        olds = before.get(code, [])
        news = after.get(code, [])
        changes = _row_changes(olds, news) if olds and news else []
        if olds and news and not changes:
            continue
        found.append((code, olds, news, changes))
    entries = hydrate([r.key for _, olds, news, _ in found for r in (*olds, *news)])
    items: dict[str, list[CodeChange]] = {"added": [], "removed": [], "changed": []}
    for code, olds, news, changes in found:
        old_status = code_status(Status(r.status) for r in olds)
        new_status = code_status(Status(r.status) for r in news)
        kind = "changed" if olds and news else "added" if news else "removed"
        items[kind].append(
            CodeChange(
                code,
                kind,
                old_status,
                new_status,
                direction(old_status, new_status),
                tuple(changes),
                tuple(entries[r.key] for r in olds),
                tuple(entries[r.key] for r in news),
            )
        )
    return Diff(
        list_id, old, new, tuple(items["added"]), tuple(items["removed"]), tuple(items["changed"])
    )


def _by_code(rows: Iterable[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for row in rows:
        out.setdefault(row.code, []).append(row)
    return out


def _row_changes(old_rows: Sequence[Row], new_rows: Sequence[Row]) -> list[FieldChange]:
    changes: list[FieldChange] = []
    old_tables = _by_table(old_rows)
    new_tables = _by_table(new_rows)
    for table in sorted(old_tables.keys() | new_tables.keys()):
        olds = old_tables.get(table, [])
        news = new_tables.get(table, [])
        for a, b in zip(olds, news, strict=False):
            for name, attribute in FIELDS:
                was, now = getattr(a, attribute), getattr(b, attribute)
                if was != now:
                    move = (
                        direction(Status(a.status), Status(b.status)) if name == "status" else None
                    )
                    changes.append(FieldChange(name, table, was, now, a.line, b.line, move))
        if len(olds) != len(news):
            first_old = olds[len(news)].line if len(olds) > len(news) else None
            first_new = news[len(olds)].line if len(news) > len(olds) else None
            changes.append(FieldChange("rows", table, len(olds), len(news), first_old, first_new))
    return changes


def _by_table(rows: Iterable[Row]) -> dict[int, list[Row]]:
    out: dict[int, list[Row]] = {}
    for row in rows:
        out.setdefault(row.table, []).append(row)
    return out


CSV_COLUMNS = (
    "change", "code", "field", "table", "from", "to", "direction", "from_line", "to_line",
    "description",
)  # fmt: skip


def csv_rows(diff: Diff) -> Iterator[tuple[Any, ...]]:
    """The diff as CSV rows (`CSV_COLUMNS`): one per added or removed row, and one per
    changed value."""
    for item in diff.items:
        shown = (item.new_rows or item.old_rows)[0].description
        if item.change == "added":
            for e in item.new_rows:
                yield ("added", item.code, "row", e.table, "", e.status_raw,
                       item.direction or "", "", e.line, shown)  # fmt: skip
        elif item.change == "removed":
            for e in item.old_rows:
                yield ("removed", item.code, "row", e.table, e.status_raw, "", "", e.line, "",
                       shown)  # fmt: skip
        else:
            for c in item.changes:
                yield ("changed", item.code, c.field, c.table, c.old, c.new, c.direction or "",
                       c.old_line or "", c.new_line or "", shown)  # fmt: skip


# -- over the service ------------------------------------------------------------------------


def list_versions(service: Precert, list_id: str) -> list[ListVersion]:
    """The versions of a list in import order; VersionError names the loaded lists."""
    versions = service.versions(list_id)
    if not versions:
        known = sorted({v.list_id for v in service.versions()})
        raise VersionError(f"no list {list_id!r}; loaded: {', '.join(known) or 'none'}")
    return versions


def pick(
    versions: Sequence[ListVersion], old: str | None, new: str | None
) -> tuple[ListVersion, ListVersion]:
    """The two versions to compare: as named, else the two latest to take effect."""
    ordered = chronological(versions)
    labels = {v.version: v for v in ordered}
    for label in (old, new):
        if label is not None and label not in labels:
            raise VersionError(
                f"{ordered[0].list_id} has no version {label!r}; it has "
                f"{', '.join(v.version for v in versions)}"
            )
    if old is None and new is None and len(ordered) < 2:
        only = ordered[0]
        raise VersionError(
            f"{only.list_id} has only one version ({only.version}), so nothing has changed yet; "
            f"import the next one with: precert import FILE --list {only.list_id} "
            "--effective YYYY-MM-DD"
        )
    to = labels[new] if new is not None else ordered[-1]
    if old is not None:
        return labels[old], to
    earlier = ordered[: ordered.index(to)]
    if not earlier:
        raise VersionError(f"{to.version} is the first version of {to.list_id}; say --from")
    return earlier[-1], to


def diff_versions(
    service: Precert, list_id: str, old: str | None = None, new: str | None = None
) -> Diff:
    """What changed in a list between two versions (default: the two latest to take effect)."""
    first, second = pick(list_versions(service, list_id), old, new)
    store = service.store

    def rows(version: ListVersion) -> list[tuple[Any, ...]]:
        return store.version_rows(list_id, version.version)

    def hydrate(ids: list[Any]) -> Mapping[Any, Entry]:
        found: dict[Any, Entry] = {}
        for start in range(0, len(ids), 500):  # stay far below SQLite's variable limit
            found.update(store.entry_ids(ids[start : start + 500]))
        return found

    return diff_rows(list_id, first, second, rows(first), rows(second), hydrate)


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One version as news: what it changed against the version before it."""

    span: Span
    diff: Diff | None  # None for a list's first version

    @property
    def version(self) -> ListVersion:
        """The version this item announces."""
        return self.span.version

    def title(self) -> str:
        """Headline of the item."""
        v = self.version
        when = f"effective {v.effective.isoformat()}" if v.effective else "effective date unknown"
        if self.diff is None:
            return f"{v.list_id} {v.version} ({when}): first version, {v.rows} rows"
        return f"{self.diff.headline()} ({when})"


def feed_items(service: Precert, list_id: str | None = None, limit: int = 50) -> list[FeedItem]:
    """The latest ``limit`` versions of every list (or one), newest to take effect first, each
    with its changes against the version in force before it."""
    by_list: dict[str, list[ListVersion]] = {}
    for version in list_versions(service, list_id) if list_id else service.versions():
        by_list.setdefault(version.list_id, []).append(version)
    spans: list[tuple[tuple[dt.date, str, int], Span, ListVersion | None]] = []
    for lid, versions in by_list.items():
        history = timeline(versions)
        for index, span in enumerate(history):
            before = history[index - 1].version if index else None
            spans.append(((span.start or dt.date.min, lid, index), span, before))
    spans.sort(key=lambda item: item[0], reverse=True)
    items: list[FeedItem] = []
    for _, span, before in spans[:limit]:  # only the items shown pay for a diff
        lid = span.version.list_id
        diff = None
        if before is not None:
            diff = diff_versions(service, lid, before.version, span.version.version)
        items.append(FeedItem(span, diff))
    return items


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
