"""Dates of service as people type them: one reading for every door.

The command line (`check`, `search`, `show`, `lint`, `import --effective`), the REST API
(query and body) and the staff page all read a typed date with :func:`parse_date`: ISO
``YYYY-MM-DD`` or US ``MM/DD/YYYY`` (one-digit month and day too), so a date one door takes is
never refused by another. Day-first dates (``31/12/2026``) are not read: ``01/02/2026`` is
January 2 on the US forms these lists serve, and guessing would answer for the wrong day.

Cells of order files are what other programs wrote, not what a person typed: the batch
screener reads them with :func:`parse_cell_date`, which also takes a time after the date (as
spreadsheets export), unpadded ISO (``2026-7-1``) and ``YYYYMMDD`` (claims files).
"""

from __future__ import annotations

import datetime as dt
import re

FORMATS = "YYYY-MM-DD or MM/DD/YYYY"
"""The formats named in help texts and error messages."""

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_CELL = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][0-9:.]*(?:[+-][0-9:]+|Z)?)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
# (pattern, positions of year, month, day among its groups)
_TYPED = ((_ISO, (0, 1, 2)), (_US, (2, 0, 1)))
_CELLS = ((_ISO_CELL, (0, 1, 2)), (_US, (2, 0, 1)), (_COMPACT, (0, 1, 2)))


class DateError(ValueError):
    """Text that is not a date of service in any accepted format; the message says which."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(
            f"{text[:40]!r} is not a date; use {FORMATS}, e.g. 2026-07-01 or 07/01/2026"
        )


def parse_date(text: str) -> dt.date | None:
    """The date ``text`` names (YYYY-MM-DD or MM/DD/YYYY), or None when it names none."""
    return _read(text, _TYPED)


def parse_cell_date(text: str) -> dt.date | None:
    """A date of service from an order file's cell: what :func:`parse_date` reads, plus a
    time after the date, unpadded ISO and YYYYMMDD; None when it is not a date."""
    return _read(text, _CELLS)


def date_of_service(text: str) -> dt.date:
    """The date ``text`` names; a :class:`DateError` naming the accepted formats otherwise."""
    date = parse_date(text)
    if date is None:
        raise DateError(text)
    return date


def _read(
    text: str, patterns: tuple[tuple[re.Pattern[str], tuple[int, int, int]], ...]
) -> dt.date | None:
    text = text.strip()
    for pattern, (year, month, day) in patterns:
        match = pattern.fullmatch(text)
        if match:
            parts = match.groups()
            try:
                return dt.date(int(parts[year]), int(parts[month]), int(parts[day]))
            except ValueError:  # 2026-02-30, 13/01/2026
                return None
    return None
