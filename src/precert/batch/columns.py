"""Find the column that holds the codes (and the date of service) by its header.

Which header is a code column, and what precert adds, is decided by precert.columns (shared
with the staff page's upload); this module turns "not found" into the batch's errors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from precert.columns import answer_columns_present, code_column, named_column
from precert.readers import ReaderError


def find_code_column(headers: Sequence[str], wanted: str | None, file: str) -> str:
    """The code column: ``wanted`` (exact, else case-insensitive) or the best-known header."""
    if wanted is not None:
        return _named(headers, wanted, file, "code")
    index = code_column(headers)
    if index is not None:
        return headers[index]
    raise ReaderError(
        file,
        None,
        "no code column found; the headers are "
        f"{_listing(headers)}. Name it with --code-column, e.g. "
        f"--code-column {_quote(headers[0]) if headers else 'HCPCS'}",
    )


def find_date_column(headers: Sequence[str], wanted: str, file: str) -> str:
    """The date-of-service column named by ``--date-column``."""
    return _named(headers, wanted, file, "date")


def find_named_column(headers: Sequence[str], wanted: str, file: str, what: str) -> str:
    """A column named by an option (``--payer-column`` …); ``what`` names it in the error."""
    return _named(headers, wanted, file, what)


def check_no_answer_columns(headers: Sequence[str], file: str) -> None:
    """Refuse input that already carries precert's columns (a screened file screened again)."""
    clashes = answer_columns_present(headers)
    if clashes:
        raise ReaderError(
            file,
            None,
            f"the input already has the column(s) {_listing(clashes)} "
            "that precert adds; screen the original file, or rename them",
        )


def _named(headers: Sequence[str], wanted: str, file: str, what: str) -> str:
    index = named_column(headers, wanted)
    if index is not None:
        return headers[index]
    raise ReaderError(
        file, None, f"no {what} column {wanted!r}; the headers are {_listing(headers)}"
    )


def _listing(headers: Sequence[str]) -> str:
    shown = ", ".join(repr(h) for h in headers[:40])
    return shown + (f" and {len(headers) - 40} more" if len(headers) > 40 else "") or "(none)"


def _quote(header: str) -> str:
    return header if re.fullmatch(r"[\w.-]+", header) else repr(header)
