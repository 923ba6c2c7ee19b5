"""Dates as lists write them: the readers live in `precert.listdates`, shared with the
determination (which reads a note's "Effective <date>:" for the date of service)."""

from __future__ import annotations

from precert.listdates import DATE_PATTERN, MONTHS, parse_date

__all__ = ["DATE_PATTERN", "MONTHS", "parse_date"]
