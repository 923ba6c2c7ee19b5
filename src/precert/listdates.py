"""Dates as lists write them: "August 12, 2024", "Aug. 12, 2024", "2024-08-12", "7.1.2021".

Pure: the importer reads a row's dates with it, the determination the date inside a note.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
# The date forms found in published lists, as one pattern other patterns can embed.
DATE_PATTERN = (
    rf"(?:(?:{_MONTH_NAMES})\.?\s+\d{{1,2}},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}[./]\d{1,2}[./]\d{4})"
)
_WORDS = re.compile(rf"({_MONTH_NAMES})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})", re.IGNORECASE)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_US = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")


@lru_cache(maxsize=4096)  # dates repeat down a list's date columns
def parse_date(text: str) -> dt.date | None:
    """The date ``text`` holds (US month-first for numbers), or None when it holds none."""
    value = text.strip()
    try:
        if match := _WORDS.fullmatch(value):
            return dt.date(int(match[3]), MONTHS[match[1].lower()], int(match[2]))
        if match := _ISO.fullmatch(value):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _US.fullmatch(value):
            return dt.date(int(match[3]), int(match[1]), int(match[2]))
    except ValueError:
        return None
    return None
