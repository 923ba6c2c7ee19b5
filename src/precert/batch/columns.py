"""Find the column that holds the codes (and the date of service) by its header."""

from __future__ import annotations

import re
from collections.abc import Sequence

from precert.readers import ReaderError

# Header spellings seen in order and claim exports, compared after folding case and dropping
# everything but letters and digits ("CPT® Code" -> "cptcode"). Earlier entries win.
CODE_HEADERS = (
    "hcpcs",
    "hcpc",
    "hcpcscode",
    "hcpccode",
    "hcpcscd",
    "hcpcsii",
    "hcpcslevelii",
    "hcpcslevel2",
    "cpt",
    "cptcode",
    "cpthcpcs",
    "cpthcpcscode",
    "hcpcscpt",
    "hcpcscptcode",
    "code",
    "procedurecode",
    "procedure",
    "proccode",
    "proccd",
    "procedurecd",
    "itemcode",
    "billingcode",
    "servicecode",
    "linecode",
    "productcode",
    "cptcodes",
    "hcpcscodes",
)
ANSWER_PREFIX = "pa_"


def fold(header: str) -> str:
    """A header reduced to lower-case letters and digits, for matching."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def find_code_column(headers: Sequence[str], wanted: str | None, file: str) -> str:
    """The code column: ``wanted`` (exact, else case-insensitive) or the best-known header."""
    if wanted is not None:
        return _named(headers, wanted, file, "code")
    folded = {fold(h): h for h in reversed(headers)}
    for candidate in CODE_HEADERS:
        if candidate in folded:
            return folded[candidate]
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


def check_no_answer_columns(headers: Sequence[str], file: str) -> None:
    """Refuse input that already carries precert's columns (a screened file screened again)."""
    clashes = [
        h for h in headers if h.lower().startswith(ANSWER_PREFIX) and h.lower() in _ANSWER_NAMES
    ]
    if clashes:
        raise ReaderError(
            file,
            None,
            f"the input already has the column(s) {_listing(clashes)} "
            "that precert adds; screen the original file, or rename them",
        )


def _named(headers: Sequence[str], wanted: str, file: str, what: str) -> str:
    if wanted in headers:
        return wanted
    matches = [h for h in headers if h.lower() == wanted.lower()] or [
        h for h in headers if fold(h) == fold(wanted) and fold(wanted)
    ]
    if len(matches) == 1:
        return matches[0]
    raise ReaderError(
        file, None, f"no {what} column {wanted!r}; the headers are {_listing(headers)}"
    )


def _listing(headers: Sequence[str]) -> str:
    shown = ", ".join(repr(h) for h in headers[:40])
    return shown + (f" and {len(headers) - 40} more" if len(headers) > 40 else "") or "(none)"


def _quote(header: str) -> str:
    return header if re.fullmatch(r"[\w.-]+", header) else repr(header)


_ANSWER_NAMES = frozenset(
    {"pa_code", "pa_modifiers", "pa_status", "pa_submit_to", "pa_notes", "pa_warnings", "pa_source"}
)
