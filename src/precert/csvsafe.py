"""The one rule every CSV precert writes follows: a cell a spreadsheet would run is neutralized.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (OWASP "CSV injection"): such a cell gets a
leading ``'``, which the spreadsheet shows as text. **A number is not a formula**: a cell that
is a plain number (``-12.50``, ``+3``, ``-1,234.5``) is left alone, so amounts stay amounts.

Every CSV writer goes through this module: `safe_cell` / `writer` / `to_csv` for Python
writers (web downloads, ``precert diff --csv``, the batch rejects file, Spark's rejects) and
`sql_safe` for the batch output, which DuckDB writes — the same rule, from the same patterns,
as a SQL expression (a test checks the two agree).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

# The characters a formula starts with, and what a plain number looks like. Both are written
# so that Python's `re` and DuckDB's RE2 read them the same way.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_START = "^[=+\\-@\t\r]"
PLAIN_NUMBER = "[+-]?[0-9][0-9,]*(\\.[0-9]+)?"
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER)


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would run this cell: a formula start, and not a plain number."""
    return text.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(text) is None


def safe_cell(value: Any) -> str:
    """The cell as text, prefixed with ``'`` when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula(text) else text


class SafeWriter:
    """`csv.writer` with every cell passed through `safe_cell`."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, neutralized."""
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write rows, neutralized."""
        for row in rows:
            self.writerow(row)


def writer(handle: IO[str], **options: Any) -> SafeWriter:
    """A CSV writer (``csv.writer`` options) whose every cell is neutralized."""
    return SafeWriter(handle, **options)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text (RFC 4180, CRLF line ends) with every cell neutralized."""
    out = io.StringIO()
    w = writer(out)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def sql_safe(expression: str) -> str:
    """`safe_cell` as a DuckDB SQL expression over a text ``expression`` (NULL stays NULL)."""
    return (
        f"CASE WHEN regexp_matches({expression}, '{FORMULA_START}') AND NOT "
        f"regexp_full_match({expression}, '{PLAIN_NUMBER}') THEN '''' || {expression} "
        f"ELSE {expression} END"
    )


def safe_stream(pieces: Iterable[str]) -> Iterator[str]:
    """`safe_cell` for a cell too long to hold in memory, given and returned in pieces."""
    parts = iter(pieces)
    head = next(parts, "")
    second = next(parts, None)
    if second is None:
        yield safe_cell(head)
        return
    # A cell longer than one piece is judged by its start: a "number" that long is not one a
    # person typed, so it is treated as a formula whenever it starts like one.
    if head.startswith(FORMULA_STARTS):
        yield "'"
    yield head
    yield second
    yield from parts
