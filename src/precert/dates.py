"""Dates of service as people type them: one reading for every door.

The command line (`check`, `search`, `show`, `lint`), the batch screener's date column, the
REST API and the staff page all read a date with :func:`parse_date`, so a date one door takes
is never refused by another. Accepted: ISO ``YYYY-MM-DD`` (a time after it, as spreadsheets
export, is ignored), US ``MM/DD/YYYY`` (one-digit month and day too) and ``YYYYMMDD`` (claims
files). Day-first dates (``31/12/2026``) are not read: ``01/02/2026`` is January 2 in the US
forms these lists serve, and guessing would answer for the wrong day.
"""

from __future__ import annotations

import datetime as dt
import re

FORMATS = "YYYY-MM-DD or MM/DD/YYYY"
"""The formats named in help texts and error messages (YYYYMMDD is read too)."""

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][0-9:.]*(?:[+-][0-9:]+|Z)?)?")
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
# (pattern, positions of year, month, day among its groups)
_PATTERNS = ((_ISO, (0, 1, 2)), (_US, (2, 0, 1)), (_COMPACT, (0, 1, 2)))


class DateError(ValueError):
    """Text that is not a date of service in any accepted format; the message says which."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(
            f"{text[:40]!r} is not a date; use {FORMATS}, e.g. 2026-07-01 or 07/01/2026"
        )


def parse_date(text: str) -> dt.date | None:
    """The date ``text`` names, or None when it is not a date in an accepted format."""
    text = text.strip()
    for pattern, (year, month, day) in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            parts = match.groups()
            try:
                return dt.date(int(parts[year]), int(parts[month]), int(parts[day]))
            except ValueError:  # 2026-02-30, 13/01/2026
                return None
    return None


def date_of_service(text: str) -> dt.date:
    """The date ``text`` names; a :class:`DateError` naming the accepted formats otherwise."""
    date = parse_date(text)
    if date is None:
        raise DateError(text)
    return date
