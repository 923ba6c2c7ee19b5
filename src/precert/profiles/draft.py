"""A starting profile guessed from a file's headers and values (`precert profile draft`).

Pure: it looks at a read :class:`~precert.readers.grid.Grid` and returns TOML text. The guess
is only a start: the list's identity (id, payer, line of business, program) is left empty with
a ``# TODO`` so that the draft fails validation, with a message naming the key, until a person
has said whose list it is; every guess is written with the evidence for it in a comment.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

from precert.profiles.dates import parse_date
from precert.readers import ReaderError
from precert.readers.grid import Grid

_CODE = r"[A-V]\d{4}"
_CODE_IN = re.compile(rf"(?<![A-Za-z0-9]){_CODE}(?![0-9])")
# A cell that is nothing but codes and ranges: "E0100", "K0813-K0816", "L0648, L0650 and L1832*".
_CODES_ONLY = re.compile(
    rf"\s*\*?{_CODE}\**(?:\s*[-\u2013\u2014]\s*{_CODE}\**)?"
    rf"(?:\s*(?:[,;/]|\band\b|\s)\s*\*?{_CODE}\**(?:\s*[-\u2013\u2014]\s*{_CODE}\**)?)*[\s,;.]*",
    re.IGNORECASE,
)
# Published values and the status each usually means (the user confirms in the draft).
KNOWN_VALUES = {
    "x": "required",
    "yes": "required",
    "y": "required",
    "required": "required",
    "par": "required",
    "pa": "required",
    "pa required": "required",
    "prior authorization required": "required",
    "\u2713": "required",
    "\u2714": "required",
    "no": "not_required",
    "n": "not_required",
    "not required": "not_required",
    "out of scope": "out_of_scope",
}
# Header words that say what a column holds, by role (checked in this order).
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "code": ("hcpcs", "code", "cpt"),
    "status": ("required", "prior auth", "authorization", "precert", "status", "pa ", "notif"),
    "description": ("description", "descriptor", "desc", "item", "name", "service"),
    "effective": ("effective", "start", "begin", "added"),
    "end": ("end", "term", "through", "thru", "expir", "removed"),
    "notes": ("note", "comment", "remark", "notation"),
    "category": ("category", "program", "lcd", "type", "group", "section"),
    "platform": ("platform", "vendor"),
    "product": ("product",),
}
MAX_MARKS = 10  # a column of marks holds few distinct values ...
MAX_MARK_LENGTH = 25  # ... and short ones


@dataclass
class Column:
    """One header cell and the values under it."""

    header: str
    index: int
    values: Counter[str] = field(default_factory=Counter)
    full_codes: int = 0  # cells that are only codes and ranges
    some_codes: int = 0  # cells that hold at least one code
    dates: int = 0

    @property
    def filled(self) -> int:
        return sum(self.values.values())

    def code_score(self) -> float:
        """How much this column looks like the code column (0 to 1)."""
        return (self.full_codes + 0.5 * (self.some_codes - self.full_codes)) / max(self.filled, 1)

    def looks_like_marks(self) -> bool:
        return 0 < len(self.values) <= MAX_MARKS and all(
            len(v) <= MAX_MARK_LENGTH and not _CODE_IN.search(v) for v in self.values
        )


@dataclass
class Layout:
    """One header (a table, or several with the same header) and its columns."""

    header: tuple[str, ...]
    columns: list[Column]
    tables: list[str] = field(default_factory=list)
    rows: int = 0
    headings: Counter[str] = field(default_factory=Counter)  # one-cell rows without codes


def _header_word(header: str, role: str) -> bool:
    return _word_rank(header, role) is not None


def _word_rank(header: str, role: str) -> int | None:
    """The position of the first of the role's words the header holds (lower is surer)."""
    text = f" {header.casefold()} "
    return next((i for i, word in enumerate(ROLE_WORDS[role]) if word in text), None)


def _by_header(columns: list[Column], role: str) -> Column | None:
    """The column whose header names the role most surely (the first such column on a tie)."""
    ranked = [
        (rank, c.index, c) for c in columns if (rank := _word_rank(c.header, role)) is not None
    ]
    return min(ranked, key=lambda t: (t[0], t[1]))[2] if ranked else None


def _layouts(grid: Grid) -> list[Layout]:
    """Each distinct header with the columns under it (repeated header rows skipped)."""
    layouts: dict[tuple[str, ...], Layout] = {}
    for table in grid.tables:
        layout: Layout | None = None
        previous: tuple[str, ...] = ()
        for row in table.rows:
            cells = tuple(c.strip() for c in row.cells)
            filled = [c for c in cells if c]
            if not filled:
                continue
            has_codes = any(_CODE_IN.search(c) for c in filled)
            if layout is None:
                if has_codes:
                    # The first row with codes: the row before it (without codes) is the header.
                    header = previous or tuple(f"column {i + 1}" for i in range(len(cells)))
                    layout = layouts.setdefault(
                        header,
                        Layout(header, [Column(h, i) for i, h in enumerate(header) if h]),
                    )
                    layout.tables.append(table.where)
                else:
                    previous = cells
                    continue
            if cells == layout.header:
                continue
            if len(filled) == 1 and not has_codes:
                layout.headings[filled[0]] += 1
                continue
            layout.rows += 1
            for column in layout.columns:
                value = cells[column.index] if column.index < len(cells) else ""
                if not value:
                    continue
                column.values[value] += 1
                if _CODE_IN.search(value):
                    column.some_codes += 1
                    if _CODES_ONLY.fullmatch(value):
                        column.full_codes += 1
                if parse_date(value) is not None:
                    column.dates += 1
    return list(layouts.values())


def guess_roles(layout: Layout) -> dict[str, Column]:
    """Role -> column: the code column by its values, the others by values and header words."""
    roles: dict[str, Column] = {}
    scored = sorted(
        layout.columns,
        key=lambda c: (c.code_score(), _header_word(c.header, "code")),
        reverse=True,
    )
    if scored and scored[0].code_score() >= 0.5:
        roles["code"] = scored[0]
    rest = [c for c in layout.columns if c not in roles.values()]
    marks = [c for c in rest if c.looks_like_marks() and c.dates < c.filled]
    known = [c for c in marks if any(v.casefold() in KNOWN_VALUES for v in c.values)]
    by_word = [c for c in marks if _header_word(c.header, "status")]
    for candidates in (by_word, known):
        if candidates:
            roles["status"] = candidates[0]
            break
    for role in ("effective", "end"):
        for column in rest:
            if column in roles.values():
                continue
            if _header_word(column.header, role) or (
                role == "effective" and column.dates >= 0.8 * max(column.filled, 1)
            ):
                roles[role] = column
                break
    for role in ("description", "notes", "category", "platform", "product"):
        named = _by_header([c for c in rest if c not in roles.values()], role)
        if named is not None:
            roles[role] = named
    if "description" not in roles:
        # No header says so: the column with the longest text is most likely the description.
        # Descriptions differ row by row; a column repeating a few long values is something else.
        free = [
            c
            for c in rest
            if c not in roles.values() and c.filled and len(c.values) >= 0.9 * c.filled
        ]
        longest = max(free, key=lambda c: _mean_length(c), default=None)
        if longest is not None and _mean_length(longest) > 15:
            roles["description"] = longest
    return roles


def _mean_length(column: Column) -> float:
    return sum(len(v) * n for v, n in column.values.items()) / max(column.filled, 1)


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(text, ensure_ascii=False)


def _counts(values: Counter[str], limit: int = 12) -> str:
    shown = ", ".join(f"{_q(v)} x{n}" for v, n in values.most_common(limit))
    more = len(values) - limit
    return shown + (f", and {more} more" if more > 0 else "")


def draft_profile(grid: Grid, source: str) -> str:
    """The TOML text of a starting profile for ``grid`` (read from ``source``)."""
    layouts = _layouts(grid)
    out = [
        f"# A starting profile for {source}, drafted by `precert profile draft` from its "
        "headers and values.",
        "# Fill in every TODO (the list's identity is empty on purpose: until it is filled in,",
        "# `precert import` refuses this profile, naming the empty key), check each guess, then",
        f"# see how every row reads: precert import {source} --profile THIS.toml --dry-run",
        "# The format: docs/profiles.md.",
        "",
        "[list]",
        'id = ""                # TODO: a new list id: lowercase letters, digits, . _ - '
        "(e.g. acme-commercial-dme)",
        'payer = ""             # TODO: whose list this is (e.g. Acme Health)',
        'line_of_business = ""  # TODO: e.g. Commercial, Medicare Advantage, Medicaid',
        'program = ""           # TODO: e.g. DME',
        "# title = ...  source_url = ...  published = 2025-01-01  effective = 2025-01-01",
        "",
        "[read]",
        f"format = {_q(grid.format)}",
    ]
    if not layouts:
        raise ReaderError(
            source,
            None,
            "no row holds a HCPCS code (a letter A-V and four digits), so there is no table "
            "of codes to draft a profile for; is this the list's file?",
        )
    listed_meanings: list[str] = []
    unmarked: list[str] = []
    values: Counter[str] = Counter()
    for layout in layouts:
        roles = guess_roles(layout)
        out += ["", "[[tables]]"]
        out.append(
            f"# found in {', '.join(layout.tables[:3])}"
            + (f" and {len(layout.tables) - 3} more" if len(layout.tables) > 3 else "")
            + f": {layout.rows} data rows"
        )
        out.append(f"header = [{', '.join(_q(h) for h in layout.header if h)}]")
        out.append("[tables.columns]")
        for role in (
            "code", "status", "description", "notes", "category", "effective", "end", "platform",
            "product",
        ):  # fmt: skip
            column = roles.get(role)
            if column is None:
                continue
            value = f"[{_q(column.header)}]" if role == "notes" else _q(column.header)
            out.append(f"{role} = {value}  # {_evidence(role, column)}")
        if "code" not in roles:
            out.append('code = ""  # TODO: no column is mostly HCPCS codes; name the one that is')
        unused = [c for c in layout.columns if c not in roles.values()]
        for column in unused:
            out.append(f"# {_q(column.header)}: not used ({_counts(column.values, 4)})")
        if layout.headings:
            out.append(
                "# rows with a single cell (section headings? see [[sections]] in "
                f"docs/profiles.md): {_counts(layout.headings, 6)}"
            )
        if "status" in roles:
            values.update(roles["status"].values)
            blank = layout.rows - roles["status"].filled
            if blank:
                unmarked.append(f"{blank} rows have no mark in {_q(roles['status'].header)}")
        else:
            listed_meanings.append(", ".join(layout.tables[:1]))
    out += ["", "[status]"]
    if listed_meanings:
        out.append(
            'listed = "required"  # TODO: check: no column of marks was found, so every code '
            "listed is read as requiring PA (a bare grid under a heading)"
        )
    elif unmarked:
        out.append(
            f'listed = "not_listed"  # TODO: check: {"; ".join(unmarked)}: a code without a '
            "mark is read as not on this list"
        )
    if values:
        out.append("[status.values]  # published value -> status (every value found, with counts)")
        for value, count in values.most_common():
            status = KNOWN_VALUES.get(value.casefold())
            if status is not None:
                out.append(f"{_q(value)} = {_q(status)}  # x{count}")
            else:
                out.append(
                    f'# {_q(value)} = ""  # x{count} TODO: required, not_required, '
                    "out_of_scope or not_listed (or {{ status = ..., qualifier = ... }})"
                )
    return "\n".join(out) + "\n"


def _evidence(role: str, column: Column) -> str:
    """Why this column was taken for this role, in a few words."""
    if role == "code":
        return f"{column.full_codes} of {column.filled} cells are codes or ranges" + (
            f", {column.some_codes - column.full_codes} more hold some"
            if (column.some_codes > column.full_codes)
            else ""
        )
    if role == "status":
        return f"{len(column.values)} distinct values: {_counts(column.values, 6)}"
    if role == "effective" and column.dates:
        return f"{column.dates} of {column.filled} cells are dates"
    return (
        f"by its header; e.g. {_q(column.values.most_common(1)[0][0][:60])}"
        if (column.values)
        else "by its header (empty)"
    )
