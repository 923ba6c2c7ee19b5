"""Lint a published list: its data-quality problems, each with the line it stands on (pure;
:mod:`precert.linting` lints a loaded version or a file through the service)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from precert.codes import system_of
from precert.models import Entry, HcpcsCode, within
from precert.rules import FAMILIES, MISSING_CATEGORIES, note_in_description

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)
# Every kind of finding and its severity (README documents them). Errors are wrong answers
# waiting to happen; warnings make the list harder to use; info is worth knowing.
KINDS: dict[str, str] = {
    "cms-terminated": ERROR,
    "cms-unknown": ERROR,
    "tables-disagree": ERROR,
    "duplicate-conflict": ERROR,
    "cms-terminating": WARNING,
    "category-missing": WARNING,
    "category-case": WARNING,
    "category-family": WARNING,
    "category-generic": WARNING,
    "note-in-description": WARNING,
    "duplicate-row": WARNING,
    "outside-scope": WARNING,
    "description-differs": INFO,
    "several-tables": INFO,
    "cpt-code": INFO,
}
FAIL_ON = ("error", "warning", "never")
# A category naming a kind of item only fits code families that hold such items.
_CATEGORY_FAMILIES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"orthos|orthotic|prosthe|\bO&P\b", re.I), "LS", "orthotics and prosthetics"),
    (
        re.compile(r"sleep|cpap|bipap|wheelchair|hospital bed|glucose|oxygen|ventilator", re.I),
        "AEK",
        "durable medical equipment and supplies",
    ),
)
_GENERIC_CATEGORIES = frozenset({"dme", "durable medical equipment"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem of one published row."""

    code: str
    line: int
    kind: str
    severity: str
    message: str
    table: int = 1
    page: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of one finding (`precert lint --json`, the web page)."""
        return {
            "code": self.code,
            "line": self.line,
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "table": self.table,
            "page": self.page,
        }


@dataclass(frozen=True, slots=True)
class LintReport:
    """The findings for one list version or one file."""

    target: str  # "cigna-commercial-dme v1" or a file name
    source_name: str
    rows: int
    findings: tuple[Finding, ...]
    date: dt.date
    list_id: str | None = None
    version: str | None = None

    def counts(self) -> dict[str, int]:
        """Findings per severity."""
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    def failed(self, fail_on: str = ERROR) -> bool:
        """True when a finding reaches the threshold (error, warning, or never)."""
        if fail_on not in FAIL_ON:
            raise ValueError(f"fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        if fail_on == "never":
            return False
        worst = SEVERITIES.index(fail_on)
        return any(SEVERITIES.index(f.severity) <= worst for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of `precert lint --json`."""
        return {
            "target": self.target,
            "list": self.list_id,
            "version": self.version,
            "source_name": self.source_name,
            "rows": self.rows,
            "date": self.date.isoformat(),
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
        }


Check = Callable[[Sequence[Entry], Mapping[str, HcpcsCode], dt.date], Iterable[Finding]]


def lint_entries(
    entries: Sequence[Entry],
    hcpcs: Mapping[str, HcpcsCode],
    *,
    date: dt.date,
    scope: tuple[str, ...] = (),
) -> list[Finding]:
    """Every finding for the rows of one list version (pure).

    ``hcpcs`` holds CMS's records for the listed codes; ``date`` is when CMS terminations
    count as past; ``scope`` (HCPCS letters or ranges) the codes the list says it covers,
    if it says: a code outside it is reported, any code inside it is the list's own (a
    Medicaid list's S and T codes).
    """
    checks: tuple[Check, ...] = (_categories, _notes, _tables, _cms, _duplicates)
    found = [f for check in checks for f in check(entries, hcpcs, date)]
    found.extend(_outside(entries, scope))
    return sorted(found, key=lambda f: (f.table, f.line, SEVERITIES.index(f.severity), f.kind))


def _finding(entry: Entry, kind: str, message: str) -> Finding:
    return Finding(entry.code, entry.line, kind, KINDS[kind], message, entry.table, entry.page)


def _categories(
    entries: Sequence[Entry], _: Mapping[str, HcpcsCode], __: dt.date
) -> Iterable[Finding]:
    first_spelling: dict[str, Entry] = {}
    for entry in entries:
        if not entry.categorized:
            continue  # a list with no category column is not missing one on every row
        raw = " ".join(entry.category_raw.split())
        if raw.upper() in MISSING_CATEGORIES:
            shown = f'"{raw}"' if raw else "blank"
            yield _finding(
                entry,
                "category-missing",
                f"category is {shown}: the list does not say what {entry.code} is filed under",
            )
            continue
        if raw.casefold() in _GENERIC_CATEGORIES or (
            entry.product and raw.casefold() == entry.product.casefold()
        ):
            yield _finding(
                entry,
                "category-generic",
                f'category "{raw}" only repeats the product; it does not say what kind of '
                "item this is",
            )
        seen = first_spelling.setdefault(raw.casefold(), entry)
        seen_raw = " ".join(seen.category_raw.split())
        if seen_raw != raw:
            yield _finding(
                entry,
                "category-case",
                f'category "{raw}" differs only in case from "{seen_raw}" (line {seen.line})',
            )
        for pattern, letters, meaning in _CATEGORY_FAMILIES:
            if pattern.search(raw) and entry.code[:1] not in letters:
                family = FAMILIES.get(entry.code[:1], f"HCPCS family {entry.code[:1]}")
                yield _finding(
                    entry,
                    "category-family",
                    f'category "{raw}" is for {meaning} ({", ".join(letters)} codes), but '
                    f"{entry.code} is in family {entry.code[:1]} ({family})",
                )


def _notes(entries: Sequence[Entry], _: Mapping[str, HcpcsCode], __: dt.date) -> Iterable[Finding]:
    for entry in entries:
        note = note_in_description(entry.description_raw)
        if note is None:
            continue
        if entry.notation and _squash(note) in _squash(entry.notation):
            where = "it is also in the notes column"
        elif entry.notation:
            where = "the notes column says something else"
        else:
            where = "the notes column is empty"
        yield _finding(
            entry,
            "note-in-description",
            f'the description repeats the note "{_short(note)}" ({where}); answers show the '
            "description without it",
        )


def _tables(entries: Sequence[Entry], _: Mapping[str, HcpcsCode], __: dt.date) -> Iterable[Finding]:
    rows: dict[str, list[Entry]] = {}
    for entry in entries:
        rows.setdefault(entry.code, []).append(entry)
    for code, listed in rows.items():
        if len({e.table for e in listed}) < 2:
            continue
        first = listed[0]
        for other in listed[1:]:
            if other.table == first.table:
                continue  # the same table twice is a duplicate row, reported by _duplicates
            where = f"table {first.table} (line {first.line})"
            if other.status is not first.status:
                yield _finding(
                    other,
                    "tables-disagree",
                    f'{code} is also in {where}, which says "{first.status_raw}" where this '
                    f'row says "{other.status_raw}"; answers give the most restrictive',
                )
                continue
            differ = [
                name
                for name, a, b in (
                    ("notes", first.notation, other.notation),
                    ("category", first.category, other.category),
                )
                if _squash(a) != _squash(b) and a and b
            ]
            extra = f"; their {' and '.join(differ)} differ" if differ else ""
            yield _finding(
                other,
                "several-tables",
                f'{code} is also in {where}; both say "{other.status_raw}"{extra}',
            )


def _cms(
    entries: Sequence[Entry], hcpcs: Mapping[str, HcpcsCode], date: dt.date
) -> Iterable[Finding]:
    for entry in entries:
        code = entry.code
        if system_of(code) != "HCPCS":
            yield _finding(
                entry,
                "cpt-code",
                f"{code} is a CPT code; CMS's HCPCS Level II set cannot vouch for it",
            )
            continue
        record = hcpcs.get(code)
        if record is None:
            yield _finding(
                entry,
                "cms-unknown",
                f"CMS's HCPCS Level II code set does not know {code}, yet the list includes it",
            )
            continue
        if record.terminated is not None:
            when = record.terminated.isoformat()
            if record.terminated < date:
                yield _finding(
                    entry,
                    "cms-terminated",
                    f"CMS terminated {code} on {when}, yet the list still includes it; claims "
                    "for later dates of service need a current code",
                )
            else:
                yield _finding(
                    entry,
                    "cms-terminating",
                    f"CMS terminates {code} on {when}; the list includes it",
                )
        if _squash(entry.description) != _squash(record.long_description):
            short = (
                " (it is CMS's short description)"
                if _squash(entry.description) == _squash(record.short_description)
                else ""
            )
            yield _finding(
                entry,
                "description-differs",
                f"the description differs from CMS's long description \""
                f'{_short(record.long_description)}"{short}',
            )


def _duplicates(
    entries: Sequence[Entry], _: Mapping[str, HcpcsCode], __: dt.date
) -> Iterable[Finding]:
    # The same code twice in one table, for the same modifiers and dates (rows of one code
    # dated differently, like Medicare's two osteogenesis phases, are not repeats). An answer
    # is one entry citing both lines; rows that disagree on the status are an error, since
    # the answer must then pick the most restrictive.
    seen: dict[tuple[object, ...], Entry] = {}
    for entry in entries:
        key = (entry.table, entry.code, entry.modifiers, entry.effective, entry.end)
        first = seen.setdefault(key, entry)
        if first is entry or first.line == entry.line:
            continue
        differ = [
            column
            for column, a, b in zip(entry.columns, first.raw, entry.raw, strict=False)
            if a != b
        ]
        where = f"{entry.code} is listed twice in table {entry.table} (first on line {first.line})"
        if (first.status, first.qualifier) != (entry.status, entry.qualifier):
            yield _finding(
                entry,
                "duplicate-conflict",
                f"{where} with different {', '.join(differ) or 'meaning'}: line {first.line} "
                f"reads {_meaning(first)}, this row {_meaning(entry)}; answers give the most "
                "restrictive, cite both lines and report the conflict",
            )
        else:
            extra = f"; their {', '.join(differ)} differ" if differ else ""
            yield _finding(
                entry,
                "duplicate-row",
                f"the same code as line {first.line}: {where}{extra}; answers give one entry "
                "citing both lines",
            )


def _meaning(entry: Entry) -> str:
    """How a row reads: "required ('Yes')" or "not_required/voluntary"."""
    status = entry.status.value + (f"/{entry.qualifier}" if entry.qualifier else "")
    return f"{status} ({entry.status_raw!r})" if entry.status_raw else status


def _outside(entries: Sequence[Entry], scope: tuple[str, ...]) -> Iterable[Finding]:
    if not scope:
        return  # a list that declares no scope lists whatever it lists
    covered = ", ".join(scope)
    for entry in entries:
        if not within(scope, entry.code):
            yield _finding(
                entry,
                "outside-scope",
                f"{entry.code} is outside the codes this list covers ({covered}): a misplaced "
                "row, or a scope to widen ([list] scope in its profile)",
            )


def _squash(text: str | None) -> str:
    """Text compared loosely: case, spacing and punctuation do not count."""
    return re.sub(r"[^a-z0-9]+", " ", (text or "").casefold()).strip()


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
